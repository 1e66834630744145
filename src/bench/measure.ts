/**
 * What the bench measures, on whatever backend is active: generation tokens/s with and
 * without the KV cache, and training (forward + backward + Adam) tokens/s. Each number is
 * one timed run after one warm-up run (shader compiles excluded).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backend/select';
import { readSafetensors } from '../io/safetensors';
import { generate } from '../model/generate';
import { GPT } from '../model/gpt';
import { fetchModelFiles } from '../model/load';
import { languageModelLoss } from '../model/logprobs';

export interface BenchRow {
  name: string;
  /** Tokens per second (generated, or trained on). */
  tokensPerSecond: number;
  ms: number;
  tokens: number;
}

export interface BenchResult {
  backend: string;
  adapter?: BackendInfo['adapter'];
  parameters: number;
  rows: BenchRow[];
  peakBytes: number;
  leakedTensors: number;
}

export interface BenchOptions {
  backend: BackendInfo;
  modelUrl: string;
  /** Smaller sizes, for slow backends and smoke runs. */
  quick?: boolean;
  log?: (line: string) => void;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: compiles shaders, fills caches
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const log = o.log ?? (() => {});
  const files = await fetchModelFiles(o.modelUrl);
  const model = GPT.fromTensors(files.config, readSafetensors(files.weights).tensors);
  const parameters = [...model.params.values()].reduce((n, p) => n + p.size, 0);
  const rows: BenchRow[] = [];
  const startTensors = tf.memory().numTensors;
  let peakBytes = 0;
  const sample = () => (peakBytes = Math.max(peakBytes, tf.memory().numBytes));

  const prompt = Array.from({ length: 16 }, (_, i) => 10 + i);
  const genSizes = o.quick ? [{ batch: 1, tokens: 16 }] : [
    { batch: 1, tokens: 32 },
    { batch: 8, tokens: 32 },
    { batch: 1, tokens: 96 },
  ];
  for (const { batch, tokens } of genSizes) {
    for (const useCache of [true, false]) {
      const ms = await timed(async () => {
        // EOS ignored: a fixed number of tokens per row.
        const g = await generate(model, new Array(batch).fill(prompt), {
          ignoreEos: true,
          maxNewTokens: tokens,
          temperature: 1,
          topK: 0,
          topP: 1,
          seed: 1,
          useCache,
          onStep: () => void sample(),
        });
        return g;
      });
      const name = `generate b${batch} ${tokens} new ${useCache ? 'kv-cache' : 'recompute'}`;
      rows.push({ name, ms, tokens: batch * tokens, tokensPerSecond: (batch * tokens) / (ms / 1000) });
      log(`${name}: ${rows.at(-1)!.tokensPerSecond.toFixed(1)} tok/s`);
    }
  }

  const [B, T] = o.quick ? [2, 32] : [8, 64];
  const ids = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 31 + t * 7) % files.config.vocab_size));
  const mask = ids.map((r) => r.map(() => 1));
  const optimizer = tf.train.adam(1e-4);
  const ms = await timed(async () => {
    const loss = optimizer.minimize(() => languageModelLoss(model, ids, mask), true, model.trainableVariables())!;
    sample();
    await loss.data();
    loss.dispose();
  });
  rows.push({ name: `train step ${B}×${T}`, ms, tokens: B * T, tokensPerSecond: (B * T) / (ms / 1000) });
  log(`train: ${rows.at(-1)!.tokensPerSecond.toFixed(1)} tok/s`);
  optimizer.dispose();

  const leakedTensors = tf.memory().numTensors - startTensors;
  model.dispose();
  return { backend: o.backend.name, adapter: o.backend.adapter, parameters, rows, peakBytes, leakedTensors };
}
