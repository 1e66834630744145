import { describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { listFeedback, listPrompts, loadFeedbackData } from '../../src/store/feedback';
import { EVAL_PROMPTS } from '../../src/rl/eval-prompts';
import {
  SIMULATION_SAMPLING,
  practicePrompts,
  preferenceOf,
  simulateFeedback,
} from '../../src/ui/train-simulation';
import type { SamplingRequest } from '../../src/worker/protocol';

/**
 * A fake engine: even calls give a 3-word and a 1-word response (a rater that prefers short
 * responses picks b: −0.3 < −0.1), odd calls two 2-word responses (a tie at −0.2 each).
 */
function fakeEngine() {
  const seeds: (number | undefined)[] = [];
  let calls = 0;
  const engine = {
    generate(_messages: unknown, n: number, sampling: SamplingRequest) {
      seeds.push(sampling.seed);
      const texts = calls++ % 2 === 0 ? ['one two three', 'one'] : ['alpha beta', 'gamma delta'];
      const candidates = texts.slice(0, n).map((text, i) => ({
        text,
        tokenIds: [i + 1, i + 2],
        logprobs: [-1, -1],
        finished: true,
      }));
      return {
        done: Promise.resolve({ candidates, checkpointId: 'reference', elapsedMs: 1 }),
        cancel: () => undefined,
      };
    },
  };
  return { engine, seeds };
}

describe('practicePrompts', () => {
  it('gives the same prompts for the same seed, none of them an evaluation prompt', () => {
    const a = practicePrompts(5, 1);
    expect(a).toEqual(practicePrompts(5, 1));
    expect(new Set(a).size).toBe(5);
    expect(a.some((p) => EVAL_PROMPTS.includes(p))).toBe(false);
  });

  it('uses all 72 template × subject prompts before repeating one', () => {
    const list = practicePrompts(80, 2);
    expect(list).toHaveLength(80);
    expect(new Set(list.slice(0, 72)).size).toBe(72);
    expect(new Set(list).size).toBe(72);
  });
});

describe('simulateFeedback', () => {
  it('stores prompts, two responses each and a synthetic pairwise choice or tie', async () => {
    const store = await freshStore();
    const { engine, seeds } = fakeEngine();
    const progress: number[] = [];
    const result = await simulateFeedback(
      { engine, store },
      {
        preference: preferenceOf('prefers-short'),
        count: 4,
        seed: 3,
        sampling: SIMULATION_SAMPLING,
      },
      (p) => progress.push(p.done),
    );

    expect(result).toEqual({ done: 4, count: 4, decided: 2 });
    expect(progress).toEqual([1, 2, 3, 4]);
    // seed · 100003 + prompt number: different per prompt, repeatable per run.
    expect(seeds).toEqual([300009, 300010, 300011, 300012]);
    const data = await loadFeedbackData(store);
    expect(data.prompts).toHaveLength(4);
    expect(data.prompts.every((p) => p.source === 'simulated')).toBe(true);
    expect(data.samples).toHaveLength(8);
    const events = await listFeedback(store);
    expect(events.map((e) => (e.kind === 'pairwise' ? e.choice : e.kind))).toEqual([
      'b',
      'tie',
      'b',
      'tie',
    ]);
    expect(events.every((e) => e.synthetic && e.raterId === 'simulated:prefers-short')).toBe(true);
  });

  it('stops between prompts when asked', async () => {
    const store = await freshStore();
    const { engine } = fakeEngine();
    let stop = false;
    const result = await simulateFeedback(
      { engine, store },
      {
        preference: preferenceOf('dislikes-emoji'),
        count: 5,
        seed: 1,
        sampling: SIMULATION_SAMPLING,
      },
      () => (stop = true),
      () => stop,
    );
    expect(result.done).toBe(1);
    expect(await listPrompts(store)).toHaveLength(1);
  });

  it('rejects a bad count and a missing word with a clear message', async () => {
    const store = await freshStore();
    const { engine } = fakeEngine();
    const options = {
      preference: preferenceOf('prefers-polite'),
      seed: 1,
      sampling: SIMULATION_SAMPLING,
    };
    await expect(simulateFeedback({ engine, store }, { ...options, count: 0 })).rejects.toThrow(
      'simulation: count must be a whole number ≥ 1, got 0',
    );
    expect(() => preferenceOf('mentions-word', '  ')).toThrow('Type the word');
    expect(preferenceOf('mentions-word', ' tea ')).toEqual({ kind: 'mentions-word', word: 'tea' });
  });
});
