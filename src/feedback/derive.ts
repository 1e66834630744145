/**
 * From stored feedback to training data, as pure functions (no database):
 *
 * - a ranking of K responses gives all K·(K−1)/2 preference pairs (chosen = ranked higher);
 * - a pairwise choice of 'a' or 'b' gives one pair; 'tie' and 'both-bad' give none and are
 *   listed apart, since they say nothing about which response is better;
 * - thumbs up and thumbs down on the same prompt give a pair for every up × every down;
 * - every rating also gives an unpaired example {prompt, completion, label} (TRL's names);
 * - every demonstration gives a supervised example {prompt, completion}.
 *
 * Events that point at a missing prompt or sample are skipped and reported as problems.
 */
import type {
  Prompt,
  PreferenceRecord,
  PromptCompletionRecord,
  UnpairedRecord,
} from '../io/formats/types';
import type { FeedbackEvent, PromptRecord, RatingFeedback, SampleRecord } from './types';

export interface PreferencePair extends PreferenceRecord {
  source: 'ranking' | 'pairwise' | 'rating';
  promptId: string;
  /**
   * Pairs with one group come from one judgement and share responses: the ranking event's id,
   * a pairwise event's own group (an imported ranking), or `ratings:<promptId>` for the thumbs
   * cross-product. Keep a group in one data split.
   */
  group?: string;
  /** The stored samples behind chosen and rejected, for their exact token ids. */
  chosenSampleId: string;
  rejectedSampleId: string;
}

export interface UnpairedExample extends UnpairedRecord {
  promptId: string;
  sampleId: string;
  feedbackId: string;
}

export interface SftExample extends PromptCompletionRecord {
  promptId: string;
  feedbackId: string;
}

/** A pairwise comparison that named no winner. */
export interface UndecidedComparison {
  promptId: string;
  feedbackId: string;
  prompt: Prompt;
  a: string;
  b: string;
  choice: 'tie' | 'both-bad';
}

export interface DerivationProblem {
  feedbackId: string;
  reason: string;
}

export interface DerivationCounts {
  pairs: { ranking: number; pairwise: number; rating: number; total: number };
  ties: number;
  bothBad: number;
  unpaired: number;
  demonstrations: number;
  problems: number;
}

export interface DerivedFeedback {
  pairs: PreferencePair[];
  undecided: UndecidedComparison[];
  unpaired: UnpairedExample[];
  demonstrations: SftExample[];
  problems: DerivationProblem[];
  counts: DerivationCounts;
}

export interface FeedbackData {
  prompts: readonly PromptRecord[];
  samples: readonly SampleRecord[];
  feedback: readonly FeedbackEvent[];
}

export interface DeriveOptions {
  /** Include events from the simulated rater. Default true. */
  includeSynthetic?: boolean;
}

/** The prompt as the model sees it: the conversation, or the plain text when there is none. */
export function promptOf(prompt: PromptRecord): Prompt {
  return prompt.messages.length > 0 ? prompt.messages.map((m) => ({ ...m })) : prompt.text;
}

export function deriveTrainingData(
  data: FeedbackData,
  options: DeriveOptions = {},
): DerivedFeedback {
  const prompts = new Map(data.prompts.map((p) => [p.id, p]));
  const samples = new Map(data.samples.map((s) => [s.id, s]));
  const out: DerivedFeedback = {
    pairs: [],
    undecided: [],
    unpaired: [],
    demonstrations: [],
    problems: [],
    counts: emptyCounts(),
  };
  // Oldest first, ties broken by id, so the output does not depend on storage order.
  const events = data.feedback
    .filter((e) => options.includeSynthetic !== false || !e.synthetic)
    .slice()
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ratings = new Map<string, { up: RatingFeedback[]; down: RatingFeedback[] }>();

  for (const event of events) {
    const resolved = resolve(event, prompts, samples);
    if (typeof resolved === 'string') {
      out.problems.push({ feedbackId: event.id, reason: resolved });
      continue;
    }
    const { prompt, text } = resolved;
    const base = { prompt: promptOf(prompt), promptId: prompt.id };
    switch (event.kind) {
      case 'ranking':
        for (let i = 0; i < event.order.length; i++) {
          for (let j = i + 1; j < event.order.length; j++) {
            const [c, r] = [event.order[i], event.order[j]];
            const pair = {
              chosen: text(c),
              rejected: text(r),
              chosenSampleId: c,
              rejectedSampleId: r,
            };
            out.pairs.push({ ...base, ...pair, source: 'ranking', group: event.id });
          }
        }
        break;
      case 'pairwise':
        if (event.choice === 'a' || event.choice === 'b') {
          const [chosen, rejected] = event.choice === 'a' ? [event.a, event.b] : [event.b, event.a];
          out.pairs.push({
            ...base,
            chosen: text(chosen),
            rejected: text(rejected),
            chosenSampleId: chosen,
            rejectedSampleId: rejected,
            source: 'pairwise',
            ...(event.group === undefined ? {} : { group: event.group }),
          });
        } else {
          const { a, b, choice } = event;
          out.undecided.push({ ...base, feedbackId: event.id, a: text(a), b: text(b), choice });
        }
        break;
      case 'rating': {
        const completion = text(event.sampleId);
        out.unpaired.push({
          ...base,
          completion,
          label: event.value === 1,
          sampleId: event.sampleId,
          feedbackId: event.id,
        });
        const byPrompt = ratings.get(prompt.id) ?? { up: [], down: [] };
        (event.value === 1 ? byPrompt.up : byPrompt.down).push(event);
        ratings.set(prompt.id, byPrompt);
        break;
      }
      case 'demonstration':
        out.demonstrations.push({ ...base, completion: event.text, feedbackId: event.id });
        break;
    }
  }

  // Thumbs: every up beats every down on the same prompt (not a response rated both ways).
  for (const [promptId, { up, down }] of ratings) {
    const prompt = prompts.get(promptId)!;
    for (const u of up) {
      for (const d of down) {
        if (u.sampleId === d.sampleId) continue;
        out.pairs.push({
          prompt: promptOf(prompt),
          chosen: samples.get(u.sampleId)!.text,
          rejected: samples.get(d.sampleId)!.text,
          chosenSampleId: u.sampleId,
          rejectedSampleId: d.sampleId,
          source: 'rating',
          promptId,
          group: `ratings:${promptId}`,
        });
      }
    }
  }

  out.counts = countOf(out);
  return out;
}

type Resolved = { prompt: PromptRecord; text: (sampleId: string) => string };

/** The event's prompt and a lookup of its samples' texts, or why it cannot be used. */
function resolve(
  event: FeedbackEvent,
  prompts: Map<string, PromptRecord>,
  samples: Map<string, SampleRecord>,
): Resolved | string {
  const prompt = prompts.get(event.promptId);
  if (!prompt) return `prompt ${event.promptId} not found`;
  const ids =
    event.kind === 'ranking'
      ? event.order
      : event.kind === 'pairwise'
        ? [event.a, event.b]
        : event.kind === 'rating'
          ? [event.sampleId]
          : [];
  for (const id of ids) {
    const sample = samples.get(id);
    if (!sample) return `sample ${id} not found`;
    if (sample.promptId !== prompt.id) return `sample ${id} belongs to another prompt`;
  }
  return { prompt, text: (id) => samples.get(id)!.text };
}

function emptyCounts(): DerivationCounts {
  return {
    pairs: { ranking: 0, pairwise: 0, rating: 0, total: 0 },
    ties: 0,
    bothBad: 0,
    unpaired: 0,
    demonstrations: 0,
    problems: 0,
  };
}

function countOf(out: DerivedFeedback): DerivationCounts {
  const counts = emptyCounts();
  for (const pair of out.pairs) counts.pairs[pair.source]++;
  counts.pairs.total = out.pairs.length;
  counts.ties = out.undecided.filter((u) => u.choice === 'tie').length;
  counts.bothBad = out.undecided.length - counts.ties;
  counts.unpaired = out.unpaired.length;
  counts.demonstrations = out.demonstrations.length;
  counts.problems = out.problems.length;
  return counts;
}
