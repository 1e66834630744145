// The model on real WebGPU kernels (SwiftShader in headless Chromium), compared with the cpu
// backend on the same weights. Shapes stay tiny: each new shader compiles for seconds here.
// Every number read from the GPU goes through `await data()`; dataSync on webgpu can
// silently return zeros (shared/MACHINE.md), which is exactly what these comparisons catch.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, leftPad, type GenerateOptions } from '../../src/model/generate';
import { GPT } from '../../src/model/gpt';
import { layoutBatch, responseLogprobs } from '../../src/model/logprobs';
import { oneHotFloat } from '../../src/model/ops';
import {
  TINY_PAD,
  allLogits,
  maxAbs,
  maxAbsDiff,
  read,
  tinyConfig,
  tinyModel,
  tokens,
} from '../helpers/tiny';

const TOL = 1e-4;
const GREEDY: GenerateOptions = { greedy: true, temperature: 1, topK: 0, topP: 1, maxNewTokens: 4 };
const PROMPTS = [tokens(5, 1), tokens(2, 2)];
const { ids, mask } = leftPad(PROMPTS, TINY_PAD);
const BATCH = layoutBatch([tokens(3, 3), tokens(1, 4)], [tokens(2, 5), tokens(3, 6)], TINY_PAD);

interface Results {
  logits: Float32Array;
  scores: Float32Array;
  tokens: number[][];
  logprobs: number[][];
}

async function run(model: GPT): Promise<Results> {
  const logits = await allLogits(model, ids, mask);
  const { logprobs, hidden } = responseLogprobs(model, BATCH, 0.8);
  const scores = await read(logprobs);
  tf.dispose([logprobs, hidden]);
  const g = await generate(model, PROMPTS, { ...GREEDY, useCache: true });
  return { logits, scores, tokens: g.tokens, logprobs: g.logprobs };
}

let gpu: Results;
let cpu: Results;

beforeAll(async () => {
  // The flags in vitest.config.ts must give an adapter; without one, say so plainly.
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: check the Chromium flags in vitest.config.ts');
  expect(await tf.setBackend('webgpu')).toBe(true);
  await tf.ready();

  // 1. Initialise on webgpu, run there, read the weights back asynchronously.
  const onGpu = tinyModel(4);
  gpu = await run(onGpu);
  const weights = await onGpu.toTensors();
  onGpu.dispose();

  // 2. The same weights on cpu.
  await tf.setBackend('cpu');
  const onCpu = GPT.fromTensors(tinyConfig(), weights);
  cpu = await run(onCpu);
  onCpu.dispose();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('webgpu matches cpu on the same weights', () => {
  it('read back non-trivial weights (an all-zeros read-back would make wte zero)', () => {
    // cpu logits are computed from the weights read back from the GPU: were they zeros,
    // every cpu logit would be 0.
    expect(maxAbs(cpu.logits)).toBeGreaterThan(100 * TOL);
  });

  it('logits of a left-padded batch agree within 1e-4', () => {
    expect(gpu.logits.length).toBe(2 * 5 * 50);
    expect(maxAbsDiff(gpu.logits, cpu.logits)).toBeLessThan(TOL);
  });

  it('teacher-forced log-probs agree within 1e-4', () => {
    expect(maxAbsDiff(gpu.scores, cpu.scores)).toBeLessThan(TOL);
  });

  it('KV-cache greedy generation gives the same tokens and log-probs', () => {
    expect(gpu.tokens).toEqual(cpu.tokens);
    gpu.logprobs.forEach((row, b) => expect(maxAbsDiff(row, cpu.logprobs[b])).toBeLessThan(TOL));
  });

  it('the comparison would catch an all-zeros read-back', () => {
    const zeros = new Float32Array(cpu.logits.length);
    expect(maxAbsDiff(zeros, cpu.logits)).toBeGreaterThan(100 * TOL);
    expect(() => expect(maxAbsDiff(zeros, cpu.logits)).toBeLessThan(TOL)).toThrow();
  });
});

describe('webgpu kernels in the silent-zeros class', () => {
  it('oneHotFloat gives 1s', async () => {
    await tf.setBackend('webgpu');
    const hot = oneHotFloat(tf.tensor1d([2, 0], 'int32'), 3);
    expect(Array.from(await read(hot))).toEqual([0, 0, 1, 1, 0, 0]);
    hot.dispose();
    await tf.setBackend('cpu');
  });
});
