/**
 * The chat's state as plain data, and the pure rules around it: in which order candidate
 * responses are shown, which response carries the conversation on, and which key does what.
 */
import type { FeedbackEvent, Message, PromptRecord, SampleRecord } from '../feedback/types';
import { NO_FEEDBACK, withEvent, type TurnFeedback } from './feedback-plan';

/** One candidate response, in the place it is shown. */
export interface Reply {
  text: string;
  /** Set once the prompt and its samples are stored. */
  sampleId?: string;
  /** Ended with the end-of-text token (false: cut at max new tokens, or stopped). */
  finished: boolean;
}

export type TurnStatus = 'generating' | 'saving' | 'done' | 'failed';

/** One prompt of the chat and its K candidate responses. */
export interface Turn {
  /** Local key, for rendering before the prompt has a stored id. */
  key: string;
  prompt: string;
  /** The conversation sent to the model, ending with this prompt. */
  messages: Message[];
  /** order[p] = index of the engine's candidate shown at position p. */
  order: number[];
  /** The replies in shown order. */
  replies: Reply[];
  status: TurnStatus;
  /** True when the person pressed Stop. */
  stopped: boolean;
  error?: string;
  /** Set once stored. */
  promptId?: string;
  /** The weights that produced the replies: 'reference' or a checkpoint id. */
  checkpointId?: string;
  feedback: TurnFeedback;
}

/**
 * A uniformly random order of 0..n−1 (Fisher–Yates). Showing candidates shuffled keeps
 * position bias (people favour the first reply) out of which checkpoint wins.
 */
export function shuffledOrder(n: number, random: () => number = Math.random): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Items indexed by candidate, rearranged into shown order. */
export function inShownOrder<T>(byCandidate: readonly T[], order: readonly number[]): T[] {
  return order.map((i) => byCandidate[i]);
}

/**
 * The reply that carries the conversation on: the pairwise winner, else the top of the
 * saved ranking, else the first thumbs-up, else the first reply shown.
 */
export function pickedReply(turn: Turn): number {
  const at = (id: string | undefined) =>
    turn.replies.findIndex((r) => r.sampleId !== undefined && r.sampleId === id);
  const { pairwise, ranking, ratings } = turn.feedback;
  if (pairwise?.choice === 'a' || pairwise?.choice === 'b') {
    const p = at(pairwise.choice === 'a' ? pairwise.a : pairwise.b);
    if (p >= 0) return p;
  }
  if (ranking) {
    const p = at(ranking.order[0]);
    if (p >= 0) return p;
  }
  const up = turn.replies.findIndex(
    (r) => r.sampleId !== undefined && ratings[r.sampleId]?.value === 1,
  );
  return up >= 0 ? up : 0;
}

/**
 * The conversation so far, for the next prompt: what the last finished turn was sent (its
 * history and its prompt) and the reply picked from it. Earlier turns stay as that turn saw
 * them, so a judgment changed later on an old turn cannot rewrite the history of turns after
 * it. Failed turns are left out.
 */
export function conversationMessages(turns: readonly Turn[]): Message[] {
  const last = [...turns].reverse().find((t) => t.status === 'done' && t.replies.length > 0);
  if (!last) return [];
  return [
    ...last.messages.map((m) => ({ ...m })),
    { role: 'assistant', content: last.replies[pickedReply(last)].text },
  ];
}

/** The keyboard shortcuts of the chat view. */
export type ShortcutAction =
  | { type: 'rate'; position: number; value: 1 | -1 }
  | { type: 'pairwise'; choice: 'a' | 'b' | 'tie' | 'both-bad' }
  | { type: 'undo' }
  | { type: 'help' };

/** The fields of a KeyboardEvent the shortcuts read. */
export type KeyLike = Pick<
  KeyboardEvent,
  'key' | 'code' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'
>;

/** The rows of the help panel: keys and what they do. */
export const SHORTCUTS: readonly (readonly [string, string])[] = Object.freeze([
  ['1 – 4', 'thumbs up on reply 1–4'],
  ['Shift + 1 – 4', 'thumbs down on reply 1–4'],
  ['A / B', 'reply 1 / reply 2 is better'],
  ['T', 'tie'],
  ['X', 'both are bad'],
  ['U or Ctrl + Z', 'undo the last judgement'],
  ['?', 'show or hide this help'],
  ['Esc', 'leave the message box, so that the keys above work'],
  ['Alt + ↑ / ↓', 'move a focused ranking row'],
]);

/**
 * The action of a key press, or undefined. Digits are read from `code`, because Shift turns
 * the key itself into '!', '@', … depending on the keyboard layout.
 */
export function shortcutFor(e: KeyLike): ShortcutAction | undefined {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'z') {
    return { type: 'undo' };
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  const digit = /^(?:Digit|Numpad)([1-4])$/.exec(e.code);
  if (digit) return { type: 'rate', position: Number(digit[1]) - 1, value: e.shiftKey ? -1 : 1 };
  if (e.key === '?') return { type: 'help' };
  if (e.shiftKey) return undefined;
  switch (e.key.toLowerCase()) {
    case 'a':
      return { type: 'pairwise', choice: 'a' };
    case 'b':
      return { type: 'pairwise', choice: 'b' };
    case 't':
      return { type: 'pairwise', choice: 'tie' };
    case 'x':
      return { type: 'pairwise', choice: 'both-bad' };
    case 'u':
      return { type: 'undo' };
  }
  return undefined;
}

/**
 * A stored prompt back as a chat turn, so that a reload shows the conversation with its
 * judgments and its replies can still be rated. Samples come in shown order; a reply counts as
 * finished when its last token is EOS (or when the EOS id is not known yet).
 */
export function restoredTurn(
  prompt: PromptRecord,
  samples: readonly SampleRecord[],
  events: readonly FeedbackEvent[],
  eosId?: number,
): Turn {
  const shown = [...samples].sort((a, b) => a.shownPosition - b.shownPosition);
  return {
    key: prompt.id,
    prompt: prompt.text,
    messages: prompt.messages.length
      ? prompt.messages.map((m) => ({ ...m }))
      : [{ role: 'user', content: prompt.text }],
    order: shown.map((_, i) => i),
    replies: shown.map((s) => ({
      text: s.text,
      sampleId: s.id,
      finished: eosId === undefined || s.tokenIds.at(-1) === eosId,
    })),
    status: 'done',
    stopped: false,
    promptId: prompt.id,
    checkpointId: shown[0]?.checkpointId,
    feedback: [...events]
      .sort((a, b) => a.createdAt - b.createdAt)
      .reduce((f, e) => withEvent(f, e), NO_FEEDBACK),
  };
}
