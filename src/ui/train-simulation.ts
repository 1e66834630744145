/**
 * The simulated rater at work: practice prompts are made up from templates, the engine samples
 * two responses to each, the rule-based rater (src/rl/rater.ts) picks one, and the prompt, the
 * responses and a pairwise judgement marked `synthetic` are stored. Knows no DOM, so a test can
 * run it with a fake engine and a fake IndexedDB.
 */
import type { Message } from '../feedback/types';
import { SimulatedRater, type Preference } from '../rl/rater';
import { EVAL_PROMPTS } from '../rl/eval-prompts';
import { seededRandom } from '../model/sampling';
import type { Store } from '../store/db';
import { addFeedback, saveCandidates } from '../store/feedback';
import type { EngineClient } from '../worker/client';
import type { SamplingRequest } from '../worker/protocol';

/** Everyday requests; `{x}` takes a subject. None of them is an evaluation prompt. */
const TEMPLATES = [
  'Any tips for {x}?',
  'How do I get better at {x}?',
  'What is the first step in {x}?',
  'Can you explain {x} in simple words?',
  'What mistakes should I avoid when {x}?',
  'How much time does {x} take each week?',
];
const SUBJECTS = [
  'baking bread',
  'running',
  'gardening',
  'learning a language',
  'drawing',
  'cleaning the kitchen',
  'budgeting',
  'studying for exams',
  'making coffee',
  'writing emails',
  'riding a bike',
  'cooking rice',
];

/**
 * `count` practice prompts, drawn with a seeded generator (same seed, same prompts). Prompts
 * repeat only after all template × subject combinations were used.
 */
export function practicePrompts(count: number, seed: number): string[] {
  const all = TEMPLATES.flatMap((t) => SUBJECTS.map((s) => t.replace('{x}', s))).filter(
    (p) => !EVAL_PROMPTS.includes(p),
  );
  const random = seededRandom(seed);
  // Fisher–Yates, so each round through the list is a fresh order.
  const order = all.slice();
  const out: string[] = [];
  while (out.length < count) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    out.push(...order.slice(0, count - out.length));
  }
  return out;
}

/** The rules the UI offers, with a label each. */
export const RULES = Object.freeze([
  { kind: 'prefers-polite', label: 'Prefers polite responses' },
  { kind: 'prefers-short', label: 'Prefers short responses' },
  { kind: 'dislikes-emoji', label: 'Dislikes emoji' },
  { kind: 'mentions-word', label: 'Prefers responses that mention a word' },
] as const);
export type RuleKind = (typeof RULES)[number]['kind'];

/** The rater's preference for a rule kind (and its word, for mentions-word). */
export function preferenceOf(kind: RuleKind, word = ''): Preference {
  if (kind !== 'mentions-word') return { kind };
  if (word.trim() === '') throw new Error('Type the word the simulated rater should look for.');
  return { kind, word: word.trim() };
}

export interface SimulationOptions {
  preference: Preference;
  /** Prompts to judge; integer ≥ 1. */
  count: number;
  /** Seeds the prompts, the sampling and the rater's tie-break. */
  seed: number;
  sampling: SamplingRequest;
}

export interface SimulationProgress {
  done: number;
  count: number;
  /** Judgements with a winner so far (the others were ties). */
  decided: number;
}

/** Sampling for practice prompts: varied enough that the two responses differ. */
export const SIMULATION_SAMPLING: Readonly<SamplingRequest> = Object.freeze({
  temperature: 1,
  topK: 40,
  topP: 0.95,
  maxNewTokens: 48,
});

/**
 * Runs the simulated rater over `count` new prompts, storing each prompt as soon as it is
 * judged. Two responses the rater scores the same are stored as a 'tie' (no preference pair):
 * a coin flip would teach the reward model noise. Stops between prompts when `shouldStop()`.
 */
export async function simulateFeedback(
  deps: { engine: Pick<EngineClient, 'generate'>; store: Store },
  options: SimulationOptions,
  onProgress: (p: SimulationProgress) => void = () => {},
  shouldStop: () => boolean = () => false,
): Promise<SimulationProgress> {
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new Error(`simulation: count must be a whole number ≥ 1, got ${options.count}`);
  }
  const rater = new SimulatedRater(options.preference, options.seed);
  const raterId = `simulated:${describePreference(options.preference)}`;
  const conversationId = `simulation-${crypto.randomUUID()}`;
  const progress: SimulationProgress = { done: 0, count: options.count, decided: 0 };

  for (const [i, text] of practicePrompts(options.count, options.seed).entries()) {
    if (shouldStop()) break;
    const messages: Message[] = [{ role: 'user', content: text }];
    const sampling = { ...options.sampling, seed: options.seed * 100_003 + i };
    const { candidates, checkpointId } = await deps.engine.generate(messages, 2, sampling).done;
    const { samples, prompt } = await saveCandidates(
      deps.store,
      { conversationId, text, messages, source: 'simulated' },
      candidates.map((c) => ({
        text: c.text,
        tokenIds: c.tokenIds,
        checkpointId,
        sampling: {
          temperature: sampling.temperature,
          topK: sampling.topK,
          topP: sampling.topP,
          maxNewTokens: sampling.maxNewTokens,
          seed: sampling.seed,
        },
      })),
    );
    const [a, b] = samples;
    const verdict = rater.choose(a.text, b.text);
    await addFeedback(deps.store, {
      kind: 'pairwise',
      promptId: prompt.id,
      a: a.id,
      b: b.id,
      choice: verdict.tie ? 'tie' : verdict.choice,
      shownOrder: [a.id, b.id],
      synthetic: true,
      raterId,
    });
    progress.done++;
    if (!verdict.tie) progress.decided++;
    onProgress({ ...progress });
  }
  return progress;
}

/** 'prefers-polite', or 'mentions-word(tea)'. */
export function describePreference(p: Preference): string {
  return p.kind === 'mentions-word' ? `${p.kind}(${p.word})` : p.kind;
}
