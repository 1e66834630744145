// One reward-model step and one PPO step of a tiny model on real WebGPU kernels (SwiftShader
// in headless Chromium), against the cpu backend from the same weights and seeds. The losses,
// the metrics and the updated weights must agree; the cpu side is checked to be non-trivial, so
// an all-zeros read-back on webgpu (shared/MACHINE.md) cannot pass.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorRecord } from '../../src/io/safetensors';
import { GPT } from '../../src/model/gpt';
import { ScalarHead } from '../../src/model/heads';
import { PPOTrainer } from '../../src/rl/ppo';
import { RewardModel, RewardTrainer } from '../../src/rl/reward';
import { guardedUpdate, type Scorer } from '../../src/rl/step';
import { maxAbsDiff, tinyConfig, tinyModel, tokens } from '../helpers/tiny';

type Weights = Map<string, TensorRecord>;

/** Prompts padded by different amounts: lengths 5, 2, 4, 1. */
const PROMPTS = [tokens(5, 1), tokens(2, 2), tokens(4, 3), tokens(1, 4)];

/** Pairs whose chosen response starts with token 3 and rejected with token 9. */
const PAIRS = Array.from({ length: 8 }, (_, i) => ({
  prompt: tokens(2 + (i % 3), 10 + i),
  chosen: [3, ...tokens(1 + (i % 2), 20 + i)],
  rejected: [9, ...tokens(2, 30 + i)],
}));

/** A reward that prefers short responses: 1 − length / 4. The same on every backend. */
const lengthScorer: Scorer = {
  async score(_prompts, responses) {
    return responses.map((r) => 1 - r.length / 4);
  },
};

interface Outcome {
  rewardLoss: number;
  rewardHead: Float32Array;
  ppo: Record<string, number>;
  wte: Float32Array;
}

let trunk: Weights;
let heads: Weights;

beforeAll(async () => {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: check the Chromium flags in vitest.config.ts');
  // Every weight is made once on cpu and copied to each backend, so both start the same.
  await tf.setBackend('cpu');
  const model = tinyModel(5, 3);
  trunk = await model.toTensors();
  model.dispose();
  heads = new Map();
  for (const name of ['score', 'value']) {
    const head = ScalarHead.init(name, tinyConfig().n_embd, name.length);
    await head.toTensors(heads);
    head.dispose();
  }
});

async function runOn(backend: 'cpu' | 'webgpu'): Promise<Outcome> {
  expect(await tf.setBackend(backend)).toBe(true);
  await tf.ready();
  const config = tinyConfig();

  // 1. One reward-model step on four pairs.
  const rm = new RewardModel(
    GPT.fromTensors(config, trunk),
    ScalarHead.fromTensors('score', heads),
  );
  const rewardTrainer = new RewardTrainer(
    rm,
    { pairs: PAIRS },
    { learningRate: 1e-2, batchSize: 4, epochs: 1, batchesPerStep: 1, evalFraction: 0, seed: 1 },
  );
  const r = await rewardTrainer.step();
  const rewardHead = Float32Array.from(await rm.head.weight.data());
  rewardTrainer.dispose();
  rm.dispose();

  // 2. One PPO step: sampling with the KV cache, reference log-probs, GAE, two minibatches.
  const policy = GPT.fromTensors(config, trunk);
  const valueHead = ScalarHead.fromTensors('value', heads);
  const ppo = new PPOTrainer({
    policy,
    reward: lengthScorer,
    prompts: PROMPTS,
    valueHead,
    config: {
      batchSize: 4,
      miniBatches: 2,
      ppoEpochs: 1,
      maxNewTokens: 4,
      temperature: 0.9,
      totalSteps: 4,
      learningRate: 1e-3,
      seed: 3,
    },
  });
  const report = await ppo.step();
  const wte = Float32Array.from(await policy.params.get('wte.weight')!.data());
  ppo.dispose();
  valueHead.dispose();
  policy.dispose();
  return { rewardLoss: r.metrics['loss/reward'], rewardHead, ppo: report.metrics, wte };
}

describe('RLHF steps on webgpu', () => {
  it('match the cpu backend: reward-model loss and head, PPO metrics and policy weights', async () => {
    const cpu = await runOn('cpu');
    const gpu = await runOn('webgpu');

    // The cpu side moved: a comparison with zeros or with the start weights would fail.
    const start = trunk.get('wte.weight')!.data;
    expect(cpu.rewardLoss).toBeGreaterThan(0.01);
    expect(maxAbsDiff(cpu.wte, start)).toBeGreaterThan(1e-5);
    expect(Math.abs(cpu.ppo['objective/entropy'])).toBeGreaterThan(0.01);

    expect(Math.abs(gpu.rewardLoss - cpu.rewardLoss)).toBeLessThan(1e-4);
    expect(maxAbsDiff(gpu.rewardHead, cpu.rewardHead)).toBeLessThan(1e-4);
    // Same sampled tokens (lengths and EOS count), so the PPO numbers are comparable at all.
    expect(gpu.ppo['val/mean_response_length']).toBe(cpu.ppo['val/mean_response_length']);
    expect(gpu.ppo['val/num_eos_tokens']).toBe(cpu.ppo['val/num_eos_tokens']);
    for (const key of [
      'objective/kl',
      'objective/entropy',
      'objective/scores',
      'loss/policy_avg',
      'loss/value_avg',
      'val/ratio',
    ]) {
      expect(Math.abs(gpu.ppo[key] - cpu.ppo[key]), key).toBeLessThan(1e-3);
    }
    expect(maxAbsDiff(gpu.wte, cpu.wte)).toBeLessThan(1e-4);
  });
});

describe('ops with more inputs than a shader can bind, on webgpu', () => {
  // SwiftShader allows 8 storage buffers per shader stage. A kernel that binds one per input
  // fails past that, silently: the whole submission is dropped. 20 inputs is past it.
  const N = 20;
  async function onBoth(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
    const out: Float32Array[] = [];
    for (const backend of ['cpu', 'webgpu']) {
      await tf.setBackend(backend);
      const t = f();
      out.push(Float32Array.from(await t.data()));
      t.dispose();
    }
    return [out[0], out[1]];
  }
  const parts = () => Array.from({ length: N }, (_, i) => tf.tensor1d([i + 1, -(i + 1) / 2]));

  it('guardedUpdate gives the loss and gradient norm of 20 variables as cpu does', async () => {
    const results: { loss: number; gradNorm: number; after: number[] }[] = [];
    for (const backend of ['cpu', 'webgpu']) {
      await tf.setBackend(backend);
      const vars = Array.from({ length: N }, (_, i) => tf.variable(tf.tensor1d([i / 10, 1])));
      const optimizer = tf.train.sgd(0.1);
      // loss = Σᵢ Σⱼ v²: at v = (i/10, 1) it is Σ (i²/100 + 1) = 24.7 + 20 = 44.7; the
      // gradient 2v has norm 2·√44.7 = 13.371…; clipped to norm 1 before the step.
      const r = await guardedUpdate(
        optimizer,
        vars,
        () => vars.reduce((sum, v) => tf.add(sum, tf.sum(tf.square(v))), tf.scalar(0)) as tf.Scalar,
        1,
      );
      const after = await vars[N - 1].data();
      results.push({ loss: r.loss, gradNorm: r.gradNorm, after: Array.from(after) });
      tf.dispose(vars);
      optimizer.dispose();
    }
    const [cpu, gpu] = results;
    expect(cpu.loss).toBeCloseTo(44.7, 4);
    expect(cpu.gradNorm).toBeCloseTo(2 * Math.sqrt(44.7), 4);
    expect(gpu.loss).toBeCloseTo(cpu.loss, 4);
    expect(gpu.gradNorm).toBeCloseTo(cpu.gradNorm, 4);
    // v[19] = (1.9, 1) moves by 0.1 · 2v / 13.371.
    expect(cpu.after[0]).toBeCloseTo(1.9 - (0.2 * 1.9) / (2 * Math.sqrt(44.7)), 5);
    expect(maxAbsDiff(gpu.after, cpu.after)).toBeLessThan(1e-6);
  });

  it('tf.stack and tf.concat of 20 tensors (GAE, chunked log-probs) match cpu', async () => {
    const [cs, gs] = await onBoth(() => tf.tidy(() => tf.stack(parts(), 1)));
    expect(cs[0]).toBe(1);
    expect(cs[N]).toBe(-0.5);
    expect(maxAbsDiff(gs, cs)).toBe(0);
    const [cc, gc] = await onBoth(() => tf.tidy(() => tf.concat(parts())));
    expect(cc[2 * N - 1]).toBe(-N / 2);
    expect(maxAbsDiff(gc, cc)).toBe(0);
  });
});
