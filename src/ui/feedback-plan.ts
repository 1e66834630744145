/**
 * What one click of a feedback control does to the store, as pure functions. A prompt keeps
 * at most one event of each kind (one rating per response): a second click edits that
 * event instead of adding another, so a changed mind never counts twice in training data.
 */
import type {
  DemonstrationFeedback,
  FeedbackEvent,
  FeedbackInput,
  PairwiseFeedback,
  RankingFeedback,
  RatingFeedback,
  RatingReason,
} from '../feedback/types';

/** The feedback a person gave on one prompt in this tab, as last stored. */
export interface TurnFeedback {
  /** By sample id. */
  ratings: Readonly<Record<string, RatingFeedback>>;
  ranking?: RankingFeedback;
  pairwise?: PairwiseFeedback;
  demonstration?: DemonstrationFeedback;
}

export const NO_FEEDBACK: TurnFeedback = Object.freeze({ ratings: Object.freeze({}) });

/** What a control asks for; `value: 0` takes a thumb back. */
export type FeedbackIntent =
  | {
      kind: 'rating';
      sampleId: string;
      value: 1 | -1 | 0;
      reasons?: RatingReason[];
      comment?: string;
    }
  | { kind: 'ranking'; order: string[] }
  | { kind: 'pairwise'; choice: PairwiseFeedback['choice']; shownOrder: [string, string] }
  | { kind: 'demonstration'; text: string; basedOnSampleId?: string };

export type FeedbackOp =
  | { op: 'add'; input: FeedbackInput }
  | { op: 'update'; event: FeedbackEvent }
  | { op: 'delete'; event: FeedbackEvent }
  | { op: 'none' };

/** The store operation that carries out `intent` on a prompt with `current` feedback. */
export function planFeedback(
  current: TurnFeedback,
  promptId: string,
  intent: FeedbackIntent,
): FeedbackOp {
  const base = { promptId, synthetic: false } as const;
  switch (intent.kind) {
    case 'rating': {
      const old = current.ratings[intent.sampleId];
      if (intent.value === 0) return old ? { op: 'delete', event: old } : { op: 'none' };
      // Reasons say why a response was bad: a thumbs up has none.
      const reasons = intent.value === 1 ? [] : [...(intent.reasons ?? old?.reasons ?? [])];
      const comment = (intent.comment ?? old?.comment ?? '').trim();
      const fields = { value: intent.value, reasons, ...(comment ? { comment } : {}) };
      if (!old) {
        return {
          op: 'add',
          input: { ...base, kind: 'rating', sampleId: intent.sampleId, ...fields },
        };
      }
      const next: RatingFeedback = { ...old, ...fields };
      if (!comment) delete next.comment;
      return sameRating(old, next) ? { op: 'none' } : { op: 'update', event: next };
    }
    case 'ranking': {
      const old = current.ranking;
      if (!old) return { op: 'add', input: { ...base, kind: 'ranking', order: [...intent.order] } };
      if (old.order.join('\n') === intent.order.join('\n')) return { op: 'none' };
      return { op: 'update', event: { ...old, order: [...intent.order] } };
    }
    case 'pairwise': {
      const [a, b] = intent.shownOrder;
      const old = current.pairwise;
      if (!old) {
        const input = {
          ...base,
          kind: 'pairwise',
          a,
          b,
          choice: intent.choice,
          shownOrder: [a, b],
        };
        return { op: 'add', input: input as FeedbackInput };
      }
      return old.choice === intent.choice
        ? { op: 'none' }
        : { op: 'update', event: { ...old, choice: intent.choice } };
    }
    case 'demonstration': {
      const text = intent.text.trim();
      if (text === '') throw new Error('Write a response before saving it as a better reply.');
      const basedOn =
        intent.basedOnSampleId === undefined ? {} : { basedOnSampleId: intent.basedOnSampleId };
      const old = current.demonstration;
      if (!old) return { op: 'add', input: { ...base, kind: 'demonstration', text, ...basedOn } };
      if (old.text === text && old.basedOnSampleId === intent.basedOnSampleId)
        return { op: 'none' };
      const next: DemonstrationFeedback = { ...old, text, ...basedOn };
      if (intent.basedOnSampleId === undefined) delete next.basedOnSampleId;
      return { op: 'update', event: next };
    }
  }
}

function sameRating(a: RatingFeedback, b: RatingFeedback): boolean {
  return (
    a.value === b.value &&
    a.reasons.join(',') === b.reasons.join(',') &&
    (a.comment ?? '') === (b.comment ?? '')
  );
}

/** `current` with a stored (added or updated) event in place. */
export function withEvent(current: TurnFeedback, event: FeedbackEvent): TurnFeedback {
  switch (event.kind) {
    case 'rating':
      return { ...current, ratings: { ...current.ratings, [event.sampleId]: event } };
    case 'ranking':
      return { ...current, ranking: event };
    case 'pairwise':
      return { ...current, pairwise: event };
    case 'demonstration':
      return { ...current, demonstration: event };
  }
}

/** `current` without the event of that id (after a delete or an undo); unchanged if absent. */
export function withoutEvent(current: TurnFeedback, eventId: string): TurnFeedback {
  const ratings = Object.fromEntries(
    Object.entries(current.ratings).filter(([, e]) => e.id !== eventId),
  );
  const drop = <T extends FeedbackEvent | undefined>(e: T) => (e?.id === eventId ? undefined : e);
  return {
    ratings,
    ranking: drop(current.ranking),
    pairwise: drop(current.pairwise),
    demonstration: drop(current.demonstration),
  };
}

/** A few words for a toast: "thumbs up on reply 2", "ranking". */
export function describeEvent(
  event: FeedbackEvent,
  positionOf: (sampleId: string) => number,
): string {
  const reply = (id: string) => {
    const p = positionOf(id);
    return p >= 0 ? `reply ${p + 1}` : 'a reply';
  };
  switch (event.kind) {
    case 'rating':
      return `thumbs ${event.value === 1 ? 'up' : 'down'} on ${reply(event.sampleId)}`;
    case 'ranking':
      return 'ranking';
    case 'pairwise':
      return {
        a: `choice: ${reply(event.a)} is better`,
        b: `choice: ${reply(event.b)} is better`,
        tie: 'choice: a tie',
        'both-bad': 'choice: both are bad',
      }[event.choice];
    case 'demonstration':
      return 'better reply';
  }
}

export interface FeedbackIntentEventDetail {
  intent: FeedbackIntent;
}

/** Fires `tp-feedback-intent` from a feedback control (bubbles out of shadow roots). */
export function dispatchIntent(el: EventTarget, intent: FeedbackIntent): void {
  el.dispatchEvent(
    new CustomEvent<FeedbackIntentEventDetail>('tp-feedback-intent', {
      detail: { intent },
      bubbles: true,
      composed: true,
    }),
  );
}

declare global {
  interface HTMLElementEventMap {
    'tp-feedback-intent': CustomEvent<FeedbackIntentEventDetail>;
  }
}
