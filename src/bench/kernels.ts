/**
 * Fused WGSL kernels against the TF.js composites they replace, on the active backend
 * (meant for webgpu; elsewhere both columns run the composite). Each case is timed forward
 * and forward + backward, as milliseconds per call: one warm-up call (shader compiles), then
 * `reps` calls queued back to back and one read-back at the end, so the GPU queue, not the
 * read-back latency, sets the time; the median of `rounds` such measurements is kept.
 */
import * as tf from '@tensorflow/tfjs';
import { setFusedKernels } from '../model/kernels';
import { geluNew, layerNorm, selectLogprobs } from '../model/ops';
import type { BenchRow } from './throughput';

export interface KernelBenchOptions {
  /** Rows of every case: positions in a batch, B·T. */
  rows: number;
  /** Logits columns for the log-probability case. */
  vocab: number;
  /** LayerNorm width (n_embd); GELU runs on 4 × width, as in the MLP. */
  width: number;
  /** Timed calls per measurement, default 5. */
  reps?: number;
  /** Measurements per side, alternating fused and composite; the median is kept. Default 3. */
  rounds?: number;
  log?: (line: string) => void;
}

export interface KernelBenchRow {
  /** e.g. "logprobs fwd+bwd [256, 2053]". */
  name: string;
  fusedMs: number;
  compositeMs: number;
  /** compositeMs / fusedMs: above 1 the fused kernel is faster. */
  speedup: number;
}

type Case = { name: string; call: () => tf.Tensor | tf.Tensor[] };

async function readAll(out: tf.Tensor | tf.Tensor[]) {
  for (const t of Array.isArray(out) ? out : [out]) await t.data();
}

async function msPerCall(call: Case['call'], reps: number, warmUp: boolean): Promise<number> {
  if (warmUp) {
    const warm = tf.tidy(call);
    await readAll(warm);
    tf.dispose(warm);
  }
  const t0 = performance.now();
  let last: tf.Tensor | tf.Tensor[] = [];
  for (let i = 0; i < reps; i++) {
    tf.dispose(last);
    last = tf.tidy(call);
  }
  await readAll(last);
  const ms = (performance.now() - t0) / reps;
  tf.dispose(last);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Deterministic inputs in about [-scale, scale]. */
function wavy(shape: number[], seed: number, scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed + 0.37 * i));
  return tf.tensor(v, shape);
}

function cases(o: KernelBenchOptions, t: Record<string, tf.Tensor>): Case[] {
  const { rows, vocab, width } = o;
  const lp = (z: tf.Tensor) => selectLogprobs(z as tf.Tensor2D, t.ids as tf.Tensor1D);
  const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(x, g, b, 1e-5);
  // Weighted sums give every output a different upstream gradient.
  const lpLoss = (z: tf.Tensor) => tf.sum(tf.mul(lp(z), t.wRows));
  const lnLoss = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(ln(x, g, b), t.wLn));
  const geluLoss = (x: tf.Tensor) => tf.sum(tf.mul(geluNew(x), t.wGelu));
  return [
    { name: `logprobs fwd [${rows}, ${vocab}]`, call: () => lp(t.logits) },
    { name: `logprobs fwd+bwd [${rows}, ${vocab}]`, call: () => tf.grad(lpLoss)(t.logits) },
    { name: `layerNorm fwd [${rows}, ${width}]`, call: () => ln(t.x, t.gamma, t.beta) },
    {
      name: `layerNorm fwd+bwd [${rows}, ${width}]`,
      call: () => tf.grads(lnLoss)([t.x, t.gamma, t.beta]),
    },
    { name: `gelu fwd [${rows}, ${4 * width}]`, call: () => geluNew(t.h) },
    { name: `gelu fwd+bwd [${rows}, ${4 * width}]`, call: () => tf.grad(geluLoss)(t.h) },
  ];
}

/** Times every case with the fused kernels on and off in turn; leaves them on. */
export async function benchKernels(o: KernelBenchOptions): Promise<KernelBenchRow[]> {
  const reps = o.reps ?? 5;
  const rounds = o.rounds ?? 3;
  const log = o.log ?? (() => {});
  const { rows, vocab, width } = o;
  const t: Record<string, tf.Tensor> = {
    logits: wavy([rows, vocab], 1, 8),
    ids: tf.tensor1d(
      Array.from({ length: rows }, (_, i) => (i * 7919) % vocab),
      'int32',
    ),
    wRows: wavy([rows], 2, 1),
    x: wavy([rows, width], 3, 3),
    gamma: wavy([width], 4, 1),
    beta: wavy([width], 5, 1),
    wLn: wavy([rows, width], 6, 1),
    h: wavy([rows, 4 * width], 7, 4),
    wGelu: wavy([rows, 4 * width], 8, 1),
  };
  const out: KernelBenchRow[] = [];
  try {
    for (const c of cases(o, t)) {
      // Fused and composite alternate, `rounds` times, and the medians are kept: the
      // machine may be shared, and a burst of other work should not land on one side only.
      const fused: number[] = [];
      const composite: number[] = [];
      for (let round = 0; round < rounds; round++) {
        setFusedKernels(true);
        fused.push(await msPerCall(c.call, reps, round === 0));
        setFusedKernels(false);
        composite.push(await msPerCall(c.call, reps, round === 0));
      }
      const [fusedMs, compositeMs] = [median(fused), median(composite)];
      out.push({ name: c.name, fusedMs, compositeMs, speedup: compositeMs / fusedMs });
      log(
        `${c.name}: fused ${fusedMs.toFixed(2)} ms, composite ${compositeMs.toFixed(2)} ms, ` +
          `${(compositeMs / fusedMs).toFixed(2)}× (${tf.getBackend()})`,
      );
    }
  } finally {
    setFusedKernels(true);
    tf.dispose(Object.values(t));
  }
  return out;
}

/** The same numbers as bench rows (per-call rows/s), for measure.ts's table. */
export function kernelBenchRows(r: KernelBenchRow, rows: number): BenchRow[] {
  return [
    {
      name: `kernel ${r.name} fused`,
      ms: r.fusedMs,
      tokens: rows,
      tokensPerSecond: rows / (r.fusedMs / 1000),
    },
    {
      name: `kernel ${r.name} composite`,
      ms: r.compositeMs,
      tokens: rows,
      tokensPerSecond: rows / (r.compositeMs / 1000),
    },
  ];
}
