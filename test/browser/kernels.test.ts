// Our WGSL kernels on real WebGPU (SwiftShader in headless Chromium) against the composite
// TF.js ops on cpu and on webgpu, forward and through tf.grad, at odd shapes (7 × 2053,
// 33 × 129) so that partial workgroups and uneven tree reductions are exercised. Every
// read goes through `await data()`, and every check also asserts the values are not all
// zeros: a failed dispatch or read-back on webgpu leaves zeros (shared/MACHINE.md).
// Kept small: each new shader compiles for seconds here.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchKernels } from '../../src/bench/kernels';
import { chunkedLogprobs } from '../../src/model/chunks';
import { setFusedKernels } from '../../src/model/kernels';
import { geluNew, layerNorm, matmulTransB, selectLogprobs } from '../../src/model/ops';
import { languageModelLoss } from '../../src/model/logprobs';
import { GPT } from '../../src/model/gpt';
import { maxAbs, read, tinyConfig, tinyModel, tokens } from '../helpers/tiny';

type Backend = 'cpu' | 'webgpu';

/** Deterministic values in about [offset − scale, offset + scale]. */
function wavy(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => offset + scale * Math.sin(seed + 0.731 * i * i + i),
  );
}

/** Runs `fn` on a backend (fused kernels on or off), reads every output, frees everything. */
async function on(
  backend: Backend,
  fused: boolean,
  fn: () => tf.Tensor[],
): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  setFusedKernels(fused);
  try {
    const outs = tf.tidy(fn);
    const values: Float32Array[] = [];
    for (const t of outs) values.push(await read(t));
    tf.dispose(outs);
    return values;
  } finally {
    setFusedKernels(true);
  }
}

/** Worst |a − b| measured as a fraction of the tolerance max(1e-4, 1e-5·|b|); ≤ 1 passes. */
function worst(a: Float32Array, b: Float32Array): { ratio: number; abs: number } {
  expect(a.length).toBe(b.length);
  let ratio = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    abs = Math.max(abs, d);
    ratio = Math.max(ratio, d / Math.max(1e-4, 1e-5 * Math.abs(b[i])));
  }
  return { ratio, abs };
}

const report: string[] = [];

/** Fused webgpu == composite cpu == composite webgpu, output by output, never all zeros. */
async function expectParity(name: string, labels: string[], fn: () => tf.Tensor[], floor: number) {
  const fused = await on('webgpu', true, fn);
  const cpu = await on('cpu', false, fn);
  const composite = await on('webgpu', false, fn);
  labels.forEach((label, i) => {
    expect(maxAbs(cpu[i]), `${name} ${label}: cpu reference is ~zero`).toBeGreaterThan(floor);
    expect(maxAbs(fused[i]), `${name} ${label}: fused webgpu read back ~zero`).toBeGreaterThan(
      floor,
    );
    const vsCpu = worst(fused[i], cpu[i]);
    const vsGpu = worst(fused[i], composite[i]);
    report.push(
      `${name} ${label}: max |fused − cpu| ${vsCpu.abs.toExponential(2)}, ` +
        `max |fused − webgpu composite| ${vsGpu.abs.toExponential(2)}`,
    );
    expect(vsCpu.ratio, `${name} ${label} vs cpu`).toBeLessThanOrEqual(1);
    expect(vsGpu.ratio, `${name} ${label} vs webgpu composite`).toBeLessThanOrEqual(1);
  });
}

beforeAll(async () => {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: check the Chromium flags in vitest.config.ts');
  expect(await tf.setBackend('webgpu')).toBe(true);
  await tf.ready();
});

afterAll(async () => {
  setFusedKernels(true);
  await tf.setBackend('cpu');
  console.info(['parity, fused webgpu (SwiftShader):', ...report].join('\n  '));
});

describe('fused kernels equal the composite ops on cpu and webgpu', () => {
  it('chosen-token log-probabilities and their gradient, 7 × 2053, T = 1 and 0.7', async () => {
    const [n, vocab] = [7, 2053];
    const logits = wavy(n * vocab, 1, 6);
    const ids = [0, 2052, 17, 1000, 5, 2051, 3];
    const dy = [1, -0.5, 2, 0.25, -1, 3, 0.1];
    await expectParity(
      'logprobs',
      ['T=1', 'T=0.7', 'dz T=1', 'dz T=0.7'],
      () => {
        const z = tf.tensor2d(logits, [n, vocab]);
        const id = tf.tensor1d(ids, 'int32');
        const w = tf.tensor1d(dy);
        const f = (t: number) => (x: tf.Tensor) =>
          tf.sum(tf.mul(selectLogprobs(x as tf.Tensor2D, id, t), w));
        return [
          selectLogprobs(z, id),
          selectLogprobs(z, id, 0.7),
          tf.grad(f(1))(z),
          tf.grad(f(0.7))(z),
        ];
      },
      0.5,
    );
  });

  it('LayerNorm and its gradients, 33 × 129, rows centred near 40', async () => {
    const [rows, d] = [33, 129];
    const x = wavy(rows * d, 2, 3, 40); // mean ≫ spread: the variance must not cancel
    const gamma = wavy(d, 3, 1, 1);
    const beta = wavy(d, 4);
    const dy = wavy(rows * d, 5);
    await expectParity(
      'layerNorm',
      ['y', 'dx', 'dγ', 'dβ'],
      () => {
        const args = [tf.tensor2d(x, [rows, d]), tf.tensor1d(gamma), tf.tensor1d(beta)];
        const w = tf.tensor2d(dy, [rows, d]);
        const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(layerNorm(a, g, b, 1e-5), w));
        return [layerNorm(args[0], args[1], args[2], 1e-5), ...tf.grads(loss)(args)];
      },
      0.5,
    );
  });

  it('GELU (tanh) and its gradient, 33 × 129, |x| up to 12', async () => {
    const [rows, d] = [33, 129];
    const x = wavy(rows * d, 6, 12);
    const dy = wavy(rows * d, 7);
    await expectParity(
      'gelu',
      ['y', 'dx'],
      () => {
        const t = tf.tensor2d(x, [rows, d]);
        const w = tf.tensor2d(dy, [rows, d]);
        return [geluNew(t), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluNew(a), w)))(t)];
      },
      0.5,
    );
  });

  it('a tiny model: LM loss and every parameter gradient, fused webgpu vs cpu', async () => {
    const ids = [tokens(9, 1), tokens(9, 2)];
    const mask = [ids[0].map(() => 1), [0, 0, ...ids[1].slice(2).map(() => 1)]];
    await tf.setBackend('webgpu');
    const source = tinyModel(3, 4);
    const weights = await source.toTensors();
    source.dispose();
    const results: Float32Array[][] = [];
    for (const backend of ['webgpu', 'cpu'] as Backend[]) {
      await tf.setBackend(backend);
      const model = GPT.fromTensors(tinyConfig(), weights);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(
        () => languageModelLoss(model, ids, mask),
        model.trainableVariables(),
      );
      const out = [await read(value)];
      for (const v of model.trainableVariables()) out.push(await read(grads[v.name]));
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors, `tensors left over on ${backend}`).toBe(before);
      model.dispose();
      results.push(out);
    }
    const [g, c] = results;
    expect(maxAbs(c[0])).toBeGreaterThan(1);
    c.forEach((ref, i) => {
      const scale = Math.max(maxAbs(ref), 1e-3);
      const { abs } = worst(g[i], ref);
      expect(abs / scale, `output ${i} (0 = loss, then parameters in order)`).toBeLessThan(1e-4);
    });
    report.push(
      `tiny model: loss ${c[0][0].toFixed(5)}, ` +
        `${c.length - 1} parameter gradients within 1e-4 of max`,
    );
  });
});

describe('logits above 128 MiB (33,000 rows × 1,024 vocab × 4 B = 135 MB)', () => {
  const [n, vocab, d] = [33000, 1024, 4];
  const MiB128 = 128 * 2 ** 20;

  it('are computed in chunks under the limit, and sampled rows match cpu', async () => {
    const hidden = wavy(n * d, 8);
    const wte = wavy(vocab * d, 9, 2);
    const ids = Array.from({ length: n }, (_, i) => (i * 7919) % vocab);
    const calls: number[] = [];
    const [lp] = await on('webgpu', true, () => {
      const w = tf.tensor2d(wte, [vocab, d]);
      const head = (h: tf.Tensor2D) => (calls.push(h.shape[0]), matmulTransB(h, w) as tf.Tensor2D);
      const h = tf.tensor2d(hidden, [n, d]);
      return [
        chunkedLogprobs(h, tf.tensor1d(ids, 'int32'), head, { vocab, maxBindingBytes: MiB128 }),
      ];
    });
    // 128 MiB / (1,024 · 4 B) = 32,768 rows in the first chunk, 232 in the second.
    expect(calls).toEqual([32768, 232]);
    expect(lp.length).toBe(n);

    const sample = [0, 1, 32767, 32768, 32769, 32999, 12345, 20000, 32900, 4];
    const [ref] = await on('cpu', false, () => {
      const rows = sample.flatMap((r) => Array.from(hidden.subarray(r * d, r * d + d)));
      const z = matmulTransB(tf.tensor2d(rows, [sample.length, d]), tf.tensor2d(wte, [vocab, d]));
      return [
        selectLogprobs(
          z as tf.Tensor2D,
          tf.tensor1d(
            sample.map((r) => ids[r]),
            'int32',
          ),
        ),
      ];
    });
    const got = Float32Array.from(sample.map((r) => lp[r]));
    expect(maxAbs(got)).toBeGreaterThan(1);
    expect(Math.min(...Array.from(lp.subarray(32768)).map(Math.abs))).toBeGreaterThan(0);
    const { ratio, abs } = worst(got, ref);
    report.push(`chunked 33,000 × 1,024: sampled max |webgpu − cpu| ${abs.toExponential(2)}`);
    expect(ratio).toBeLessThanOrEqual(1);
  });

  it('are refused with the sizes when one row cannot fit', async () => {
    await tf.setBackend('webgpu');
    const h = tf.zeros([3, d]) as tf.Tensor2D;
    const head = (x: tf.Tensor2D) => tf.tile(x, [1, vocab / d]) as tf.Tensor2D;
    expect(() =>
      chunkedLogprobs(h, tf.tensor1d([0, 1, 2], 'int32'), head, { vocab, maxBindingBytes: 4000 }),
    ).toThrow(/4096 bytes, above the binding limit of 4000 bytes/);
    h.dispose();
  });
});

describe('bench (SwiftShader: software WebGPU, ~0.2 GFLOP/s)', () => {
  it('times fused vs composite, forward and forward + backward', async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const rows = await benchKernels({ rows: 256, vocab: 2048, width: 128, reps: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(r.fusedMs).toBeGreaterThan(0);
      expect(r.compositeMs).toBeGreaterThan(0);
      report.push(
        `bench ${r.name}: fused ${r.fusedMs.toFixed(1)} ms, ` +
          `composite ${r.compositeMs.toFixed(1)} ms, speed-up ${r.speedup.toFixed(2)}×`,
      );
    }
  });
});
