/**
 * What the bench measures, on whatever backend is active: generation tokens/s with and
 * without the KV cache, training (forward + backward + Adam) tokens/s, the stages of a PPO
 * step and a reward-model step (stages.ts), a large matrix product as the peak estimate, and
 * our training step on the peer's batch (peer.ts). Each number is timed after a warm-up run
 * (shader compiles excluded). Sizes come in tiers: 'quick' runs on every backend, so its
 * rows compare like for like; 'full' runs where the backend is fast enough.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backend/select';
import { readSafetensors } from '../io/safetensors';
import { GPT } from '../model/gpt';
import { fetchModelFiles } from '../model/load';
import { benchKernels, kernelBenchRows } from './kernels';
import { type MemoryPeak, PeakMemoryMeter } from './memory';
import { loadPeerInputs } from './peer';
import { type StageReport, type Tier, measureStages, syntheticIds } from './stages';
import {
  type BenchRow,
  type MatmulPoint,
  generationCases,
  measureGeneration,
  measureMatmulPeak,
  measureTrainStep,
} from './throughput';

export type { BenchRow } from './throughput';

export interface BenchResult {
  backend: string;
  adapter?: BackendInfo['adapter'];
  parameters: number;
  rows: BenchRow[];
  /** Peak tf.memory().numBytes over the whole page. */
  peakBytes: number;
  /** Peak numBytesInGPU, where the backend reports it. */
  peakBytesInGPU?: number;
  leakedTensors: number;
  tiers: Tier[];
  /** One report per tier. */
  stages: StageReport[];
  matmul: MatmulPoint[];
  /** The batch of our "train peer batch" row; the peer page trains on the same. */
  peerBatch: { batch: number; T: number; steps: number };
}

export interface BenchOptions {
  backend: BackendInfo;
  modelUrl: string;
  /** Smaller sizes only, for slow backends and smoke runs (same as tiers: ['quick']). */
  quick?: boolean;
  tiers?: Tier[];
  /** Timed repetitions of each PPO step, reward step and training step (default 1). */
  reps?: number;
  log?: (line: string) => void;
}

/** Training-step sizes (batch × tokens) per tier. */
const TRAIN_SIZES: Readonly<Record<Tier, readonly [number, number]>> = {
  quick: [2, 32],
  full: [8, 64],
};

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const log = o.log ?? (() => {});
  const tiers: Tier[] = o.tiers ?? (o.quick ? ['quick'] : ['quick', 'full']);
  const reps = o.reps ?? 1;
  const files = await fetchModelFiles(o.modelUrl);
  const model = GPT.fromTensors(files.config, readSafetensors(files.weights).tensors);
  const parameters = [...model.params.values()].reduce((n, p) => n + p.size, 0);
  const rows: BenchRow[] = [];
  const stages: StageReport[] = [];
  const startTensors = tf.memory().numTensors;
  const meter = new PeakMemoryMeter().start();
  const done = (row: BenchRow) => {
    rows.push(row);
    log(`${row.name}: ${row.tokensPerSecond.toFixed(1)} tok/s (${row.ms.toFixed(0)} ms)`);
  };

  // 1. Generation, with and without the KV cache.
  for (const tier of tiers) {
    for (const c of generationCases(tier)) done(await measureGeneration(model, c, tier));
  }

  // 2. Training steps on the language-model loss; the last tier's size is kept for kernels.
  let [B, T] = TRAIN_SIZES.quick;
  for (const tier of tiers) {
    [B, T] = TRAIN_SIZES[tier];
    const ids = syntheticIds(files.config, B, T);
    done(await measureTrainStep(model, ids, { name: `train step ${B}×${T}`, reps, tier }));
  }

  // 3. Our side of the peer comparison: the same token ids the peer page trains on.
  const peerBatch = {
    batch: tiers.includes('full') ? 8 : 2,
    T: files.config.n_positions,
    steps: reps,
  };
  const { rows: peerRows } = await loadPeerInputs(o.modelUrl, peerBatch.batch);
  const name = `train peer batch ${peerBatch.batch}×${peerBatch.T}`;
  done(await measureTrainStep(model, peerRows, { name, reps: peerBatch.steps }));

  // 4. Where a PPO step's time goes, and a reward-model step.
  for (const tier of tiers) {
    const s = await measureStages(files.config, tier, { reps, log });
    stages.push(s);
    log(`${tier} PPO step: ${s.stepMs.toFixed(0)} ms, reward step ${s.rewardStepMs.toFixed(0)} ms`);
  }

  // 5. The matrix-product peak the training step is measured against.
  const matmul = await measureMatmulPeak();
  for (const p of matmul) log(`matmul ${p.n}²: ${p.gflops.toFixed(2)} GFLOP/s`);

  if (o.backend.name === 'webgpu') {
    // Fused WGSL kernels vs the TF.js composites, at this model's shapes (src/bench/kernels.ts).
    const shapes = { rows: B * T, vocab: files.config.vocab_size, width: files.config.n_embd };
    const k = await benchKernels({ ...shapes, log });
    for (const r of k) rows.push(...kernelBenchRows(r, B * T));
  }

  const leakedTensors = tf.memory().numTensors - startTensors;
  const peak: MemoryPeak = meter.stop();
  model.dispose();
  return {
    backend: o.backend.name,
    adapter: o.backend.adapter,
    parameters,
    rows,
    peakBytes: peak.bytes,
    peakBytesInGPU: peak.bytesInGPU,
    leakedTensors,
    tiers,
    stages,
    matmul,
    peerBatch,
  };
}
