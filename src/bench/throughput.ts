/**
 * Throughput on the active backend: generation tokens/s with and without the KV cache, a
 * language-model training step, and a large square matrix product as the estimate of what
 * the backend can do at best (the denominator of "share of matmul peak").
 */
import * as tf from '@tensorflow/tfjs';
import { generate } from '../model/generate';
import type { GPT } from '../model/gpt';
import { languageModelLoss } from '../model/logprobs';
import { gflops, matmulFlops, trainingStepFlops } from './flops';
import type { Tier } from './tiers';

export interface BenchRow {
  name: string;
  /** Tokens per second (generated, or trained on). */
  tokensPerSecond: number;
  ms: number;
  tokens: number;
  /** The sizes this row ran at: 'quick' rows run on every backend, so they compare. */
  tier?: Tier;
  /** Matrix-product FLOPs of the measured work, where counted (training steps). */
  flops?: number;
}

export interface GenerationCase {
  batch: number;
  /** Asked for; a 1-token prompt leaves room for n_positions − 1 of them. */
  newTokens: number;
  useCache: boolean;
}

/** Cases per tier; 'full' repeats none of 'quick' (rows are measured once per backend). */
export function generationCases(tier: Tier): GenerationCase[] {
  const all = (batches: number[], lengths: number[]) =>
    lengths.flatMap((newTokens) =>
      batches.flatMap((batch) => [true, false].map((useCache) => ({ batch, newTokens, useCache }))),
    );
  const quick = [...all([1], [32]), { batch: 8, newTokens: 32, useCache: true }];
  if (tier === 'quick') return quick;
  const key = (c: GenerationCase) => `${c.batch}/${c.newTokens}/${c.useCache}`;
  const seen = new Set(quick.map(key));
  return all([1, 8], [32, 128]).filter((c) => !seen.has(key(c)));
}

export function generationRowName(c: GenerationCase): string {
  return `generate b${c.batch} ${c.newTokens} new ${c.useCache ? 'kv-cache' : 'recompute'}`;
}

/**
 * Generation tokens/s of one case: one identical warm-up run (shader compiles for every
 * sequence length), then one timed run. EOS is ignored so that every row gets its tokens;
 * the prompt is the BOS token alone so that 128 new tokens (127) fit a 128-position model.
 */
export async function measureGeneration(
  model: GPT,
  c: GenerationCase,
  tier: Tier,
): Promise<BenchRow> {
  const prompt = [model.config.bos_token_id];
  const run = () =>
    generate(model, new Array(c.batch).fill(prompt), {
      ignoreEos: true,
      maxNewTokens: c.newTokens,
      temperature: 1,
      topK: 0,
      topP: 1,
      seed: 1,
      useCache: c.useCache,
    });
  await run();
  const t0 = performance.now();
  const g = await run();
  const ms = performance.now() - t0;
  const tokens = g.tokens.reduce((n, r) => n + r.length, 0);
  return { name: generationRowName(c), ms, tokens, tokensPerSecond: tokens / (ms / 1000), tier };
}

/**
 * One Adam training step on the language-model loss over `ids` (every token real): one
 * warm-up step, then the median of `reps` timed steps, each ended by reading the loss back.
 */
export async function measureTrainStep(
  model: GPT,
  ids: number[][],
  o: { name: string; reps?: number; tier?: Tier },
): Promise<BenchRow> {
  const mask = ids.map((r) => r.map(() => 1));
  const optimizer = tf.train.adam(1e-4, 0.9, 0.999, 1e-7);
  const step = async () => {
    const loss = optimizer.minimize(
      () => languageModelLoss(model, ids, mask),
      true,
      model.trainableVariables(),
    )!;
    await loss.data();
    loss.dispose();
  };
  const times: number[] = [];
  try {
    await step();
    for (let i = 0; i < (o.reps ?? 1); i++) {
      const t0 = performance.now();
      await step();
      times.push(performance.now() - t0);
    }
  } finally {
    optimizer.dispose();
  }
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  const [B, T] = [ids.length, ids[0].length];
  return {
    name: o.name,
    ms,
    tokens: B * T,
    tokensPerSecond: (B * T) / (ms / 1000),
    tier: o.tier,
    flops: trainingStepFlops(model.config, B, T),
  };
}

export interface MatmulPoint {
  /** Side of the square matrices. */
  n: number;
  /** Milliseconds per product (`reps` queued back to back, one small read-back). */
  ms: number;
  gflops: number;
}

/**
 * GFLOP/s of n×n float32 products for n = 256, 512, … up to `maxN`, stopping before a size
 * whose product would take longer than `budgetMs` (the next size costs 8× the last). The
 * best point is the peak estimate. Reading back one element waits for the whole queue
 * without timing a large download.
 */
export async function measureMatmulPeak(
  o: { maxN?: number; reps?: number; budgetMs?: number } = {},
): Promise<MatmulPoint[]> {
  const { maxN = 2048, reps = 3, budgetMs = 1000 } = o;
  const points: MatmulPoint[] = [];
  for (let n = 256; n <= maxN; n *= 2) {
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
    const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    const corner = async (c: tf.Tensor) => {
      const x = tf.slice(c, [0, 0], [1, 1]);
      await x.data();
      x.dispose();
    };
    try {
      const warm = tf.matMul(a, b);
      await corner(warm);
      warm.dispose();
      const t0 = performance.now();
      let last: tf.Tensor | undefined;
      for (let i = 0; i < reps; i++) {
        last?.dispose();
        last = tf.matMul(a, b);
      }
      await corner(last!);
      last!.dispose();
      const ms = (performance.now() - t0) / reps;
      points.push({ n, ms, gflops: gflops(matmulFlops(n, n, n), ms) });
      if (ms * 8 > budgetMs) break;
    } finally {
      tf.dispose([a, b]);
    }
  }
  return points;
}
