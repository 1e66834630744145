// The fused webgpu kernels' maths, checked on the cpu backend without a GPU: the gradient
// formulas the backward shaders implement (written again as TF.js ops in the kernel files)
// against tf's own autodiff of the composite ops, hand-worked values, and the row chunking
// of the LM head. The shaders themselves are compared in test/browser/kernels.test.ts.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkedLogprobs, logitsChunkRows, storageBindingLimit } from '../../src/model/chunks';
import { run as runProgram } from '../../src/model/kernels/program';
import {
  fusedKernelsActive,
  geluNewSlope,
  layerNormGradFormula,
  selectLogprobsGradFormula,
  setFusedKernels,
} from '../../src/model/kernels';
import {
  geluNew,
  geluNewComposite,
  layerNorm,
  layerNormComposite,
  matmulTransB,
  selectLogprobs,
  selectLogprobsComposite,
} from '../../src/model/ops';
import { maxAbsDiff, read } from '../helpers/tiny';

/** Deterministic values in about [-scale, scale]: sin of a scrambled index. */
function wavy(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => scale * Math.sin(seed + 0.731 * i * i + i)),
    shape,
  );
}

const ids7 = () => tf.tensor1d([0, 2052, 17, 1000, 5, 2051, 3], 'int32');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('dispatch', () => {
  it('takes the composite path off webgpu, even with the fused kernels on', () => {
    setFusedKernels(true);
    expect(tf.getBackend()).toBe('cpu');
    expect(fusedKernelsActive()).toBe(false);
  });

  it('public ops equal their composites on cpu', async () => {
    const x = wavy([5, 9], 1, 3);
    const g = wavy([9], 2);
    const b = wavy([9], 3);
    const ids = tf.tensor1d([0, 8, 4, 2, 1], 'int32');
    expect(
      maxAbsDiff(
        await read(layerNorm(x, g, b, 1e-5)),
        await read(layerNormComposite(x, g, b, 1e-5)),
      ),
    ).toBe(0);
    expect(maxAbsDiff(await read(geluNew(x)), await read(geluNewComposite(x)))).toBe(0);
    const lp = selectLogprobs(x as tf.Tensor2D, ids);
    expect(
      maxAbsDiff(await read(lp), await read(selectLogprobsComposite(x as tf.Tensor2D, ids))),
    ).toBe(0);
  });
});

describe('chosen-token log-probabilities', () => {
  it('match hand-worked values, with and without temperature', async () => {
    const z = tf.tensor2d([[1, 2, 3]]);
    // 3 − ln(e + e² + e³) = −0.407606; at T = 2: 0.5 − ln(e^0.5 + e + e^1.5) = −1.680270
    expect((await read(selectLogprobs(z, tf.tensor1d([2], 'int32'))))[0]).toBeCloseTo(-0.407606, 5);
    expect((await read(selectLogprobs(z, tf.tensor1d([0], 'int32'), 2)))[0]).toBeCloseTo(
      -1.68027,
      5,
    );
  });

  it('gradient formula: hand-worked onehot − softmax on one row', async () => {
    const z = tf.tensor2d([[1, 2, 3]]);
    const lse = tf.tensor1d([3.407606]);
    const g = selectLogprobsGradFormula(z, tf.tensor1d([2], 'int32'), lse, tf.tensor1d([1]));
    const got = await read(g);
    [-0.0900306, -0.2447285, 1 - 0.665241].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });

  for (const temperature of [1, 0.7]) {
    it(`gradient formula equals composite autodiff (7 × 2053, T = ${temperature})`, async () => {
      const logits = wavy([7, 2053], 4, 6) as tf.Tensor2D;
      const ids = ids7();
      const dy = tf.tensor1d([1, -0.5, 2, 0.25, -1, 3, 0.1]);
      const composite = (z: tf.Tensor) =>
        selectLogprobsComposite(tf.div(z, temperature) as tf.Tensor2D, ids);
      const auto = tf.grad(composite)(logits, dy);
      const lse = tf.logSumExp(tf.div(logits, temperature), -1) as tf.Tensor1D;
      const mine = selectLogprobsGradFormula(logits, ids, lse, dy, temperature);
      const a = await read(auto);
      expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.5);
      expect(maxAbsDiff(await read(mine), a)).toBeLessThan(1e-5);
    });
  }

  it('an out-of-range id gives log-probability 0 and no gradient in both', async () => {
    const logits = wavy([2, 5], 5) as tf.Tensor2D;
    const ids = tf.tensor1d([7, 1], 'int32');
    const lp = await read(selectLogprobsComposite(logits, ids));
    expect(lp[0]).toBe(0);
    const auto = await read(
      tf.grad((z: tf.Tensor) => selectLogprobsComposite(z as tf.Tensor2D, ids))(logits),
    );
    const lse = tf.logSumExp(logits, -1) as tf.Tensor1D;
    const mine = await read(
      selectLogprobsGradFormula(logits, ids, lse, tf.ones([2]) as tf.Tensor1D),
    );
    expect(Math.max(...mine.slice(0, 5).map(Math.abs))).toBe(0);
    expect(maxAbsDiff(mine, auto)).toBeLessThan(1e-6);
  });
});

describe('LayerNorm', () => {
  it('matches hand-worked values: x = [1, 2, 3, 4], mean 2.5, variance 1.25', async () => {
    const y = await read(
      layerNormComposite(tf.tensor2d([[1, 2, 3, 4]]), tf.fill([4], 2), tf.ones([4]), 0),
    );
    // x̂ = (x − 2.5) / √1.25 = ±0.4472136, ±1.3416408; y = 2·x̂ + 1
    [-1.6832816, 0.1055728, 1.8944272, 3.6832816].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
  });

  it('gradient formula: hand-worked dx for dy = [1, 0, 0, 0], γ = 1', async () => {
    const { dx, dGamma, dBeta } = layerNormGradFormula(
      tf.tensor2d([[1, 2, 3, 4]]),
      tf.ones([4]) as tf.Tensor1D,
      tf.tensor2d([[1, 0, 0, 0]]),
      0,
    );
    // rstd = 1/√1.25; dx = rstd·(g − 1/4 − x̂·(−1.3416408/4))
    const d = await read(dx);
    [0.2683282, -0.3577709, -0.0894427, 0.1788854].forEach((v, i) =>
      expect(d[i]).toBeCloseTo(v, 5),
    );
    expect((await read(dGamma))[0]).toBeCloseTo(-1.3416408, 5);
    expect(Array.from(await read(dBeta))).toEqual([1, 0, 0, 0]);
  });

  it('gradient formula equals autodiff of the composite (33 × 129)', async () => {
    const x = wavy([33, 129], 6, 4) as tf.Tensor2D;
    const gamma = wavy([129], 7) as tf.Tensor1D;
    const beta = wavy([129], 8) as tf.Tensor1D;
    const dy = wavy([33, 129], 9) as tf.Tensor2D;
    const [ax, ag, ab] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      layerNormComposite(a, g, b, 1e-5),
    )([x, gamma, beta], dy);
    const mine = layerNormGradFormula(x, gamma, dy, 1e-5);
    const pairs: [tf.Tensor, tf.Tensor][] = [
      [mine.dx, ax],
      [mine.dGamma, ag],
      [mine.dBeta, ab],
    ];
    for (const [m, a] of pairs) {
      const av = await read(a);
      expect(Math.max(...av.map(Math.abs))).toBeGreaterThan(0.1);
      expect(maxAbsDiff(await read(m), av)).toBeLessThan(1e-4);
    }
  });
});

describe('GELU (tanh)', () => {
  it('matches hand-worked values at 1 and −2', async () => {
    const x = tf.tensor1d([1, -2]);
    const y = await read(geluNewComposite(x));
    const s = await read(geluNewSlope(x));
    expect(y[0]).toBeCloseTo(0.841192, 5);
    expect(y[1]).toBeCloseTo(-0.0454023, 5);
    expect(s[0]).toBeCloseTo(1.0829641, 5);
    expect(s[1]).toBeCloseTo(-0.0860993, 5);
  });

  it('slope formula equals autodiff of the composite over [−6, 6]', async () => {
    const x = tf.linspace(-6, 6, 1201);
    const auto = await read(tf.grad(geluNewComposite)(x));
    expect(maxAbsDiff(await read(geluNewSlope(x)), auto)).toBeLessThan(1e-5);
  });
});

describe('LM head in row chunks', () => {
  it('logitsChunkRows: hand-worked sizes and a clear refusal', () => {
    // 128 MiB / (1,024 · 4 B) = 32,768 rows; 1 GiB / (50,257 · 4 B) = 5,341.1 -> 5,341
    expect(logitsChunkRows(128 * 2 ** 20, 1024)).toBe(32768);
    expect(logitsChunkRows(2 ** 30, 50257)).toBe(5341);
    expect(logitsChunkRows(3 * 4096 + 5, 1024)).toBe(3);
    expect(() => logitsChunkRows(100, 30)).toThrow(/120 bytes, above the binding limit of 100/);
    expect(() => logitsChunkRows(100, 0)).toThrow(/vocab must be a positive integer/);
  });

  it('a kernel refuses to bind a tensor above the device limit, naming it and the sizes', () => {
    // A stand-in for the webgpu backend: only the limit is read before the refusal.
    const backend = {
      device: { limits: { maxStorageBufferBindingSize: 1000 } },
      runWebGPUProgram: () => {
        throw new Error('must not be reached');
      },
    };
    const program = {
      variableNames: ['logits'],
      outputShape: [2, 10],
      shaderKey: 'chosenLogprobs_64',
    };
    const logits = { shape: [10, 30], dtype: 'float32', dataId: {} } as tf.TensorInfo;
    // 10 · 30 · 4 B = 1,200 B > 1,000 B
    expect(() => runProgram(backend as never, program as never, [logits])).toThrow(
      /chosenLogprobs_64: logits \[10,30\] is 1200 bytes, above this GPU's \w+ of 1000/,
    );
  });

  it('has no binding limit off webgpu', () => {
    expect(storageBindingLimit()).toBe(Infinity);
  });

  it('chunked log-probabilities and gradients equal the whole-batch ones', async () => {
    const hidden = wavy([11, 6], 10, 2) as tf.Tensor2D;
    const wte = wavy([13, 6], 11) as tf.Tensor2D;
    const ids = tf.tensor1d([0, 12, 5, 5, 7, 1, 2, 3, 4, 11, 9], 'int32');
    const run = (h: tf.Tensor, w: tf.Tensor, maxBindingBytes?: number) => {
      const head = (x: tf.Tensor2D) => matmulTransB(x, w) as tf.Tensor2D;
      return chunkedLogprobs(h as tf.Tensor2D, ids, head, {
        vocab: 13,
        temperature: 0.8,
        maxBindingBytes,
      });
    };
    const calls: number[] = [];
    const spyHead = (x: tf.Tensor2D) => (
      calls.push(x.shape[0]),
      matmulTransB(x, wte) as tf.Tensor2D
    );
    // 4 rows · 13 · 4 B = 208 B: chunks of 4, 4, 3.
    const chunked = chunkedLogprobs(hidden, ids, spyHead, {
      vocab: 13,
      temperature: 0.8,
      maxBindingBytes: 210,
    });
    expect(calls).toEqual([4, 4, 3]);
    const whole = run(hidden, wte);
    expect(maxAbsDiff(await read(chunked), await read(whole))).toBeLessThan(1e-6);

    const loss = (max?: number) => (h: tf.Tensor, w: tf.Tensor) => tf.sum(run(h, w, max));
    const [gh1, gw1] = tf.grads(loss(210))([hidden, wte]);
    const [gh2, gw2] = tf.grads(loss())([hidden, wte]);
    expect(maxAbsDiff(await read(gh1), await read(gh2))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await read(gw1), await read(gw2))).toBeLessThan(1e-5);
    expect(Math.max(...(await read(gw2)).map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('refuses a vocabulary whose single row exceeds the limit', () => {
    const hidden = tf.zeros([2, 3]) as tf.Tensor2D;
    const head = (x: tf.Tensor2D) => tf.tile(x, [1, 20]) as tf.Tensor2D;
    expect(() =>
      chunkedLogprobs(hidden, tf.tensor1d([0, 1], 'int32'), head, {
        vocab: 60,
        maxBindingBytes: 200,
      }),
    ).toThrow(/240 bytes, above the binding limit of 200/);
  });
});
