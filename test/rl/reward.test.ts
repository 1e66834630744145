// The reward model: how pairs and rankings become weighted comparisons, the held-out split by
// prompt, calibration, scores read at the last real token whatever the padding, and a trainer
// that learns a separable toy preference without leaking tensors (cpu backend).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GPT } from '../../src/model/gpt';
import { RLConfigError, validateRewardConfig } from '../../src/rl/config';
import {
  type RankingIds,
  RewardModel,
  RewardTrainer,
  calibration,
  comparisons,
  splitByPrompt,
  toGroups,
} from '../../src/rl/reward';
import { tinyModel, tokens } from '../helpers/tiny';

let base: GPT;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  base = tinyModel(7, 3);
});

afterAll(() => base.dispose());

describe('preference groups', () => {
  it('turns a pair into a ranking of two and keeps rankings as they are', () => {
    const groups = toGroups({
      pairs: [{ prompt: [1], chosen: [2], rejected: [3] }],
      rankings: [{ prompt: [4], responses: [[5], [6], [7]] }],
    });
    expect(groups).toEqual([
      { prompt: [1], responses: [[2], [3]] },
      { prompt: [4], responses: [[5], [6], [7]] },
    ]);
  });

  it('names the bad entry', () => {
    expect(() =>
      toGroups({
        pairs: [
          { prompt: [1], chosen: [2], rejected: [3] },
          { prompt: [1], chosen: [], rejected: [3] },
        ],
      }),
    ).toThrow('src/rl/reward.ts: pairs[1].chosen is empty');
    expect(() => toGroups({ rankings: [{ prompt: [1], responses: [[2]] }] })).toThrow(
      'rankings[0].responses needs at least 2 responses',
    );
  });

  it('gives all K-choose-2 comparisons of a ranking, weighted 1/C(K,2)', () => {
    // A pair (responses 0, 1) then a ranking of three (responses 2, 3, 4), best first:
    // pairs 0>1; 2>3, 2>4, 3>4 with weight 1/3 each, so each group weighs 1 in total.
    const c = comparisons([
      { prompt: [1], responses: [[2], [3]] },
      { prompt: [4], responses: [[5], [6], [7]] },
    ]);
    expect(c.chosen).toEqual([0, 2, 2, 3]);
    expect(c.rejected).toEqual([1, 3, 4, 4]);
    expect(c.weights).toEqual([1, 1 / 3, 1 / 3, 1 / 3]);
  });

  it("uses a group's listed comparisons when its order is partial, weighted 1/n", () => {
    // OpenAssistant ranks 0, 1, 1: response 0 beats 1 and 2, which tie (no pair between them).
    const c = comparisons([
      { prompt: [1], responses: [[2], [3]] },
      {
        prompt: [4],
        responses: [[5], [6], [7]],
        comparisons: [
          [0, 1],
          [0, 2],
        ],
      },
    ]);
    expect(c.chosen).toEqual([0, 2, 2]);
    expect(c.rejected).toEqual([1, 3, 4]);
    expect(c.weights).toEqual([1, 0.5, 0.5]);
  });

  it('names a listed comparison that points outside its group', () => {
    const bad = {
      prompt: [4],
      responses: [[5], [6]],
      comparisons: [
        [0, 1],
        [1, 2],
      ] as [number, number][],
    };
    expect(() => toGroups({ rankings: [bad] })).toThrow(
      'rankings[0].comparisons[1] must be two different indices below 2',
    );
  });
});

describe('splitByPrompt', () => {
  // 10 prompts with two groups each.
  const groups: RankingIds[] = Array.from({ length: 20 }, (_, i) => ({
    prompt: [100 + (i % 10)],
    responses: [[1], [2]],
  }));

  it('holds out whole prompts, deterministically', () => {
    const a = splitByPrompt(groups, 0.3, 5);
    const b = splitByPrompt(groups, 0.3, 5);
    expect(a).toEqual(b);
    expect(a.heldOut.length).toBe(6); // round(0.3 × 10) = 3 prompts × 2 groups
    expect(a.train.length).toBe(14);
    const held = new Set(a.heldOut.map((g) => g.prompt[0]));
    expect(held.size).toBe(3);
    for (const g of a.train) expect(held.has(g.prompt[0])).toBe(false);
  });

  it('holds out nothing at fraction 0, and never every prompt', () => {
    expect(splitByPrompt(groups, 0, 5).heldOut).toEqual([]);
    const two = splitByPrompt(groups.slice(0, 2), 0.5, 5); // two groups, two prompts
    expect(two.train.length).toBe(1);
    expect(two.heldOut.length).toBe(1);
  });
});

describe('calibration', () => {
  it('maps scores to mean 0 and standard deviation 1', () => {
    // [1, 3]: mean 2, population std 1 -> gain 1, bias -2.
    expect(calibration([1, 3])).toEqual({ gain: 1, bias: -2, mean: 2, std: 1 });
    // [0, 4]: mean 2, std 2 -> gain 1/2, bias -1.
    expect(calibration([0, 4])).toEqual({ gain: 0.5, bias: -1, mean: 2, std: 2 });
  });

  it('refuses scores with no spread', () => {
    expect(() => calibration([2, 2, 2])).toThrow('sample more varied reference responses');
  });
});

describe('validateRewardConfig', () => {
  it('names the field, the value and the default', () => {
    expect(() => validateRewardConfig({ evalFraction: 0.9 })).toThrow(RLConfigError);
    expect(() => validateRewardConfig({ evalFraction: 0.9 })).toThrow(
      'RewardConfig.evalFraction must be a number in [0, 0.5], got 0.9; the default is 0.1',
    );
    expect(() => validateRewardConfig({ batchSize: 0 })).toThrow(
      'RewardConfig.batchSize must be an integer ≥ 1',
    );
  });
});

describe('RewardModel', () => {
  it('reads the score at the last real token, whatever the padding around it', async () => {
    const rm = RewardModel.fromPolicy(base, 1);
    const prompt = tokens(3, 1);
    const response = tokens(2, 2);
    const [alone] = await rm.score([prompt], [response]);
    // In a batch with a longer prompt and a longer response, the row is padded on both sides.
    const batch = await rm.score([tokens(7, 3), prompt], [tokens(5, 4), response]);
    expect(Math.abs(batch[1] - alone)).toBeLessThan(1e-5);
    rm.dispose();
  });

  it('scores with gain and bias after calibration', async () => {
    const rm = RewardModel.fromPolicy(base, 1);
    const prompts = [1, 2, 3, 4, 5].map((s) => tokens(3, s));
    const responses = [6, 7, 8, 9, 10].map((s) => tokens(4, s));
    const raw = await rm.score(prompts, responses);
    const c = await rm.calibrate(prompts, responses);
    const calibrated = await rm.score(prompts, responses);
    calibrated.forEach((s, i) => expect(s).toBeCloseTo(c.gain * raw[i] + c.bias, 5));
    const mean = calibrated.reduce((a, b) => a + b, 0) / 5;
    const std = Math.sqrt(calibrated.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
    expect(mean).toBeCloseTo(0, 5);
    expect(std).toBeCloseTo(1, 5);
    rm.dispose();
  });
});

/** Toy preference: the chosen response ends with token 5, the rejected one with token 6. */
function toyPairs(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    prompt: tokens(2 + (i % 3), 10 + i),
    chosen: [...tokens(1 + (i % 2), 50 + i), 5],
    rejected: [...tokens(1 + ((i + 1) % 2), 80 + i), 6],
  }));
}

describe('RewardTrainer', () => {
  it('gives loss ln 2 and accuracy ½ when every score is equal', async () => {
    const rm = RewardModel.fromPolicy(base, 1);
    rm.head.weight.assign(tf.zeros([16, 1]));
    rm.head.bias.assign(tf.tensor1d([0.7]));
    const trainer = new RewardTrainer(
      rm,
      { pairs: toyPairs(8), rankings: [{ prompt: [1], responses: [[2], [3], [4]] }] },
      { evalFraction: 0 },
    );
    // softplus(0) = ln 2 for every comparison; a tie counts ½.
    const e = await trainer.evaluate(trainer.train);
    expect(e.loss).toBeCloseTo(Math.LN2, 6);
    expect(e.accuracy).toBe(0.5);
    expect(e.pairs).toBe(8 + 3);
    trainer.dispose();
    rm.dispose();
  });

  it('learns a separable preference, reports held-out accuracy, and leaks no tensors', async () => {
    const rm = RewardModel.fromPolicy(base, 2);
    const trainer = new RewardTrainer(
      rm,
      { pairs: toyPairs(24) },
      {
        learningRate: 1e-2,
        batchSize: 4,
        epochs: 6,
        batchesPerStep: 3,
        evalFraction: 0.25,
        seed: 1,
      },
    );
    expect(trainer.heldOut.length).toBe(6); // 24 distinct prompts, a quarter held out
    expect(trainer.totalSteps).toBe(Math.ceil((6 * Math.ceil(18 / 4)) / 3));
    const start = await trainer.evaluate();
    let last = await trainer.step(); // creates Adam's moments
    const count = tf.memory().numTensors;
    while (!trainer.done) {
      last = await trainer.step();
      expect(tf.memory().numTensors).toBe(count);
    }
    expect(last.step).toBe(trainer.totalSteps);
    expect(last.metrics['eval/accuracy']).toBeGreaterThanOrEqual(0.9);
    expect(last.metrics['eval/loss']).toBeLessThan(start.loss);
    expect(last.notice).toBeUndefined();
    trainer.dispose();
    rm.dispose();
  });
});
