// PPO on a tiny random model (cpu backend): the first update starts at ratio 1, a learning
// rate of 0 changes nothing, a non-finite loss is refused without touching weights or Adam's
// state, the logged KL is the penalised one, and no tensor leaks from step to step.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GPT } from '../../src/model/gpt';
import { RLConfigError, validatePPOConfig } from '../../src/rl/config';
import { PPOTrainer } from '../../src/rl/ppo';
import { forcedScores, sampleResponses } from '../../src/rl/rollout';
import { type Scorer, guardedUpdate } from '../../src/rl/step';
import { tinyModel, tokens } from '../helpers/tiny';

let base: GPT;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  // gain 3: peaked enough to be a real distribution, flat enough that EOS is sometimes drawn.
  base = tinyModel(5, 3);
});

afterAll(() => base.dispose());

/** Left-padded by different amounts: lengths 6, 2, 4, 1. */
const PROMPTS = [tokens(6, 1), tokens(2, 2), tokens(4, 3), tokens(1, 4)];

/** A reward of 0.5 for every response, or NaN while `nan` is set. */
function constantScorer(value = 0.5): Scorer & { nan: boolean } {
  return {
    nan: false,
    async score(_prompts, responses) {
      return responses.map(() => (this.nan ? NaN : value));
    },
  };
}

const SMALL = {
  batchSize: 4,
  miniBatches: 2,
  ppoEpochs: 2,
  maxNewTokens: 6,
  temperature: 0.9,
  totalSteps: 10,
  seed: 3,
};

async function snapshot(vars: tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
}

async function adamState(optimizer: tf.Optimizer): Promise<Float32Array[]> {
  const weights = await optimizer.getWeights();
  const out = await Promise.all(weights.map(async (w) => Float32Array.from(await w.tensor.data())));
  weights[0].tensor.dispose(); // iterations: a fresh scalar; the rest are the optimizer's own
  return out;
}

describe('guardedUpdate', () => {
  it('clips the global gradient norm, as torch clip_grad_norm_ does', async () => {
    const v = tf.variable(tf.zeros([2]));
    const sgd = tf.train.sgd(1);
    // loss = 3·v0 + 4·v1: gradient [3, 4], norm 5; clipped to norm 1 it is [0.6, 0.8].
    const r = await guardedUpdate(sgd, [v], () => tf.sum(tf.mul(v, [3, 4])), 1);
    expect(r).toEqual({ loss: 0, gradNorm: 5, skipped: null });
    const after = Array.from(await v.data());
    expect(after[0]).toBeCloseTo(-0.6, 6);
    expect(after[1]).toBeCloseTo(-0.8, 6);
    // Below the threshold the gradient is applied as it is: [3, 4] again, norm 5 < 10.
    await guardedUpdate(sgd, [v], () => tf.sum(tf.mul(v, [3, 4])), 10);
    expect(Array.from(await v.data())[1]).toBeCloseTo(-4.8, 5);
    v.dispose();
    sgd.dispose();
  });

  it('refuses a non-finite loss or gradient, and a veto', async () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const sgd = tf.train.sgd(1);
    const nanLoss = await guardedUpdate(sgd, [v], () => tf.sum(tf.mul(v, [NaN, 1])), 1);
    expect(nanLoss.skipped).toBe('loss is NaN');
    // sqrt(v0) has an infinite gradient at v0 = 0, with a finite loss.
    const zero = tf.variable(tf.tensor1d([0]));
    const infGrad = await guardedUpdate(sgd, [zero], () => tf.sum(tf.sqrt(zero)), 1);
    expect(infGrad.skipped).toBe('gradient norm is Infinity');
    const vetoed = await guardedUpdate(
      sgd,
      [v],
      () => tf.sum(v),
      1,
      async () => 'no',
    );
    expect(vetoed.skipped).toBe('no');
    expect(Array.from(await v.data())).toEqual([1, 2]);
    expect(Array.from(await zero.data())).toEqual([0]);
    tf.dispose([v, zero]);
    sgd.dispose();
  });
});

describe('validatePPOConfig', () => {
  it('fills defaults and freezes the result', () => {
    const c = validatePPOConfig({ batchSize: 8 });
    expect(c.batchSize).toBe(8);
    expect(c.clipRange).toBe(0.2);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the bad field and the default', () => {
    expect(() => validatePPOConfig({ clipRange: 2 })).toThrow(RLConfigError);
    expect(() => validatePPOConfig({ clipRange: 2 })).toThrow(
      'PPOConfig.clipRange must be a number in (0, 1), got 2; the default is 0.2',
    );
    expect(() => validatePPOConfig({ miniBatches: 5, batchSize: 4 })).toThrow(
      'PPOConfig.miniBatches is 5 but batchSize is 4',
    );
    expect(() => validatePPOConfig({ missingEosPenalty: 1 })).toThrow('missingEosPenalty');
    expect(() => validatePPOConfig({ klEstimator: 'k9' as 'k1' })).toThrow("must be 'k1' or 'k3'");
    expect(() => validatePPOConfig({ adaptiveKL: { target: 0, horizon: 10 } })).toThrow(
      'PPOConfig.adaptiveKL target must be a number > 0',
    );
    expect(() => validatePPOConfig({ lr: 1 } as never)).toThrow('PPOConfig.lr is not a field');
  });
});

describe('PPOTrainer', () => {
  it('starts the first minibatch at ratio 1 and clip fraction 0, prompts padded', async () => {
    const policy = base.clone();
    const ppo = new PPOTrainer({
      policy,
      reward: constantScorer(),
      prompts: PROMPTS,
      config: { ...SMALL, learningRate: 1e-3, debugChecks: true },
    });
    const report = await ppo.step();
    const first = ppo.lastMinibatches[0];
    expect(first.maxAbsLogRatio).toBeLessThan(1e-5);
    expect(Math.abs(first.ratio - 1)).toBeLessThan(1e-5);
    expect(first.clipfrac).toBe(0);
    expect(first.skipped).toBeNull();
    expect(report.notice).toBeUndefined();
    // With a learning rate, later minibatches do move away from the old policy.
    expect(ppo.lastMinibatches.at(-1)!.maxAbsLogRatio).toBeGreaterThan(1e-5);
    ppo.dispose();
    policy.dispose();
  });

  it('with learning rate 0 keeps every ratio at 1 and the values unchanged', async () => {
    const policy = base.clone();
    const ppo = new PPOTrainer({
      policy,
      reward: constantScorer(),
      prompts: PROMPTS,
      config: { ...SMALL, learningRate: 0 },
    });
    const batch = await sampleResponses(policy, PROMPTS, {
      temperature: 0.9,
      maxNewTokens: 6,
      seed: 1,
    });
    const before = forcedScores(policy, ppo.reference, ppo.valueHead, batch.layout, 0.9);
    const valuesBefore = await before.values.data();
    await ppo.step();
    await ppo.step();
    for (const m of ppo.lastMinibatches) {
      expect(m.maxAbsLogRatio).toBeLessThan(1e-5);
      expect(m.clipfrac).toBe(0);
    }
    const after = forcedScores(policy, ppo.reference, ppo.valueHead, batch.layout, 0.9);
    expect(Array.from(await after.values.data())).toEqual(Array.from(valuesBefore));
    tf.dispose([...Object.values(before), ...Object.values(after)]);
    ppo.dispose();
    policy.dispose();
  });

  it('skips updates on a NaN reward; weights and Adam state stay bitwise the same', async () => {
    const policy = base.clone();
    const reward = constantScorer();
    const ppo = new PPOTrainer({
      policy,
      reward,
      prompts: PROMPTS,
      config: { ...SMALL, learningRate: 1e-2 },
    });
    await ppo.step(); // a normal step first, so that Adam has moments to protect
    const weights = await snapshot(ppo.variables());
    const adam = await adamState(ppo.optimizer);
    expect(adam.length).toBe(1 + 2 * ppo.variables().length);

    reward.nan = true;
    const report = await ppo.step();
    expect(report.metrics['policy/skipped_updates']).toBe(4); // 2 epochs × 2 minibatches
    expect(report.notice).toMatch(/^skipped 4 of 4 minibatch updates: loss is NaN/);
    expect(Number.isNaN(report.metrics['objective/scores'])).toBe(true);
    const weightsAfter = await snapshot(ppo.variables());
    weightsAfter.forEach((w, i) => expect(w, `variable ${i}`).toEqual(weights[i]));
    const adamAfter = await adamState(ppo.optimizer);
    adamAfter.forEach((w, i) => expect(w, `Adam weight ${i}`).toEqual(adam[i]));

    // A finite reward again: training resumes.
    reward.nan = false;
    const resumed = await ppo.step();
    expect(resumed.metrics['policy/skipped_updates']).toBe(0);
    ppo.dispose();
    policy.dispose();
  });

  it('skips a minibatch whose mean ratio leaves [1/maxRatio, maxRatio]', async () => {
    const policy = base.clone();
    const ppo = new PPOTrainer({
      policy,
      reward: constantScorer(),
      prompts: PROMPTS,
      // Bounds of ±1e-6: only an update from the very weights that sampled can pass.
      config: { ...SMALL, learningRate: 1e-2, maxRatio: 1 + 1e-6 },
    });
    const report = await ppo.step();
    const [first, ...rest] = ppo.lastMinibatches;
    expect(first.skipped).toBeNull();
    for (const m of rest) expect(m.skipped).toMatch(/^mean ratio .* is outside \[1\/1\.000001/);
    expect(report.metrics['policy/skipped_updates']).toBe(3);
    expect(report.notice).toMatch(/^skipped 3 of 4 minibatch updates: mean ratio/);
    ppo.dispose();
    policy.dispose();
  });

  it('logs the KL it penalises, and the missing-EOS penalty in the scores', async () => {
    const policy = base.clone();
    const beta = 0.1;
    const ppo = new PPOTrainer({
      policy,
      reward: constantScorer(0.5),
      prompts: PROMPTS,
      config: { ...SMALL, learningRate: 1e-2, klCoef: beta, missingEosPenalty: -1 },
    });
    const first = await ppo.step();
    // The reference model is a copy of the policy: KL is exactly 0 on the first rollout.
    expect(first.metrics['objective/kl']).toBe(0);
    const r = await ppo.step();
    const m = r.metrics;
    expect(Math.abs(m['objective/kl'])).toBeGreaterThan(0);
    expect(m['objective/non_score_reward']).toBeCloseTo(-beta * m['objective/kl'], 6);
    expect(m['objective/rlhf_reward']).toBeCloseTo(
      m['objective/scores'] + m['objective/non_score_reward'],
      6,
    );
    // A finished response ends with exactly one EOS; the others lose 1: 0.5 − (4 − eos)/4.
    const eos = m['val/num_eos_tokens'];
    expect(m['objective/scores']).toBeCloseTo(0.5 - (4 - eos) / 4, 6);
    expect(m.beta).toBe(beta);
    expect(m.lr).toBeCloseTo(1e-2 * (1 - 1 / 10), 9); // second step of 10, linear anneal
    for (const key of [
      'objective/entropy',
      'policy/approxkl_avg',
      'policy/clipfrac_avg',
      'loss/policy_avg',
      'loss/value_avg',
      'val/clipfrac_avg',
      'val/ratio',
      'val/ratio_var',
      'time/rollout_ms',
      'time/update_ms',
    ]) {
      expect(Number.isFinite(m[key]), key).toBe(true);
    }
    expect(r.step).toBe(2);
    expect(r.totalSteps).toBe(10);
    ppo.dispose();
    policy.dispose();
  });

  it('adapts β toward the KL target', async () => {
    const policy = base.clone();
    const ppo = new PPOTrainer({
      policy,
      reward: constantScorer(),
      prompts: PROMPTS,
      config: { ...SMALL, klCoef: 0.2, adaptiveKL: { target: 6, horizon: 40 } },
    });
    await ppo.step();
    // KL 0 against target 6: error clipped to −0.2, β ← 0.2·(1 − 0.2·4/40) = 0.196.
    expect(ppo.beta).toBeCloseTo(0.196, 9);
    ppo.dispose();
    policy.dispose();
  });

  it('keeps the tensor count stable across steps', async () => {
    const policy = base.clone();
    const ppo = new PPOTrainer({
      policy,
      reward: constantScorer(),
      prompts: PROMPTS,
      config: { ...SMALL, learningRate: 1e-3, whitenRewards: true, klEstimator: 'k3' },
    });
    await ppo.step(); // creates Adam's moments
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await ppo.step();
      expect(tf.memory().numTensors).toBe(count);
    }
    ppo.dispose();
    policy.dispose();
  });
});
