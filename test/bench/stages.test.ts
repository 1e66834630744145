// The PPO stage breakdown on a tiny model (cpu backend): every stage is timed, the update
// is the step's time less its rollout, sizes are as asked, and nothing leaks from step to
// step. No wall-clock values are asserted: they are measured, not promised.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureStages, syntheticIds } from '../../src/bench/stages';
import { STAGES } from '../../src/bench/tiers';
import { generationCases, generationRowName } from '../../src/bench/throughput';
import { tinyConfig } from '../helpers/tiny';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('syntheticIds', () => {
  it('gives deterministic ordinary ids below every special id', () => {
    // Tiny: EOS = BOS = 47, padding 48, so ids stay below 47: (7 + 131·b + 17·t) mod 47.
    expect(syntheticIds(tinyConfig(), 2, 3)).toEqual([
      [7, 24, 41],
      [44, 14, 31],
    ]);
  });
});

describe('generationCases', () => {
  it('runs 3 quick cases everywhere and the other 5 of the 8 at full sizes', () => {
    expect(generationCases('quick').map(generationRowName)).toEqual([
      'generate b1 32 new kv-cache',
      'generate b1 32 new recompute',
      'generate b8 32 new kv-cache',
    ]);
    expect(generationCases('full').map(generationRowName)).toEqual([
      'generate b8 32 new recompute',
      'generate b1 128 new kv-cache',
      'generate b1 128 new recompute',
      'generate b8 128 new kv-cache',
      'generate b8 128 new recompute',
    ]);
  });
});

describe('measureStages', () => {
  it('times each stage of a PPO step and a reward-model step without leaking', async () => {
    const before = tf.memory().numTensors;
    const sizes = { batch: 2, newTokens: 3, promptTokens: 2 };
    const r = await measureStages(tinyConfig(), 'quick', { sizes, reps: 2 });
    expect(r.sizes).toEqual(sizes);
    expect(r.ppo).toEqual({ ppoEpochs: 4, miniBatches: 2 });
    for (const s of STAGES) expect(r.stageMs[s]).toBeGreaterThan(0);
    expect(r.stepMs).toBeGreaterThan(r.rolloutMs);
    expect(r.rewardStepMs).toBeGreaterThan(0);
    expect(r.meanResponseTokens).toBeLessThanOrEqual(3);
    expect(r.leakedPerStep).toBe(0);
    expect(r.leakedPerRewardStep).toBe(0);
    expect(r.peak.bytes).toBeGreaterThan(0);
    // Everything measureStages made is freed.
    expect(tf.memory().numTensors).toBe(before);
  });
});
