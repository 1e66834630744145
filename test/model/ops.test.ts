// The model's building blocks on every backend Node has (cpu and wasm). Expected numbers are
// worked out by hand in the comments, or come from tf's own ops (plain tf.matMul / tf.gather
// and their built-in gradients) as the independent reference for the custom gradients.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embed,
  geluNew,
  layerNorm,
  matmul,
  matmulTransB,
  oneHotFloat,
  selectLogprobs,
} from '../../src/model/ops';
import { useWasmBackend } from '../../scripts/node-wasm';
import { maxAbsDiff, read } from '../helpers/tiny';

const backends: Record<string, () => Promise<void>> = {
  cpu: async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  },
  wasm: useWasmBackend,
};

/** A fixed, non-symmetric test matrix: entry (i, j) = sin(seed + 3i + 7j). */
function fixed(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => Math.sin(seed + 1.3 * i)),
    shape,
  );
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

for (const [backend, select] of Object.entries(backends)) {
  describe(`ops on the ${backend} backend`, () => {
    beforeAll(select);

    it('runs on the backend it claims', () => {
      expect(tf.getBackend()).toBe(backend);
    });

    // The "silent zeros" class: tf.oneHot(ids, depth, 'float32') gives all zeros on
    // tfjs-backend-wasm 4.22. Anything built on oneHotFloat (selectLogprobs, the embedding
    // gradient on wasm, the reward head's row selector) would then silently read 0.
    it('oneHotFloat puts a 1 at each id and 0 elsewhere', async () => {
      const ids = tf.tensor1d([2, 0, 3, 2], 'int32');
      const hot = oneHotFloat(ids, 4);
      expect(hot.dtype).toBe('float32');
      expect(Array.from(await read(hot))).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
      tf.dispose([ids, hot]);
    });

    if (backend === 'wasm') {
      // Documents why oneHotFloat exists: if this starts failing after a tfjs upgrade, the
      // upstream bug is fixed (the workaround can stay; it is correct everywhere).
      it('tf.oneHot(..., float32) itself still reads back no 1s on wasm (upstream bug)', async () => {
        const hot = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 4, 1, 0, 'float32');
        expect(Array.from(await read(hot))).not.toContain(1);
      });
    }

    it('layerNorm normalises the last axis with the biased variance', async () => {
      // [1, 2, 3]: mean 2, variance (1 + 0 + 1) / 3 = 2/3, so (x - 2) / sqrt(2/3) =
      // [-1.2247449, 0, 1.2247449]; then × gamma [1, 2, 1] + beta [0, 0, 1].
      const y = layerNorm(
        tf.tensor2d([[1, 2, 3]]),
        tf.tensor1d([1, 2, 1]),
        tf.tensor1d([0, 0, 1]),
        0,
      );
      expect(maxAbsDiff(await read(y), [-1.2247449, 0, 2.2247449])).toBeLessThan(1e-5);
    });

    it('geluNew is the tanh approximation', async () => {
      // 0.5 x (1 + tanh(sqrt(2/π)(x + 0.044715 x³))): at 1 → 0.8411920, at -1 → -0.1588080,
      // at 2 → 1.9545977, at 0 → 0.
      const y = geluNew(tf.tensor1d([1, -1, 2, 0]));
      expect(maxAbsDiff(await read(y), [0.841192, -0.158808, 1.9545977, 0])).toBeLessThan(1e-5);
    });

    it('selectLogprobs picks log-softmax at the given ids', async () => {
      // Row [0, ln 3]: softmax [1/4, 3/4] → log 0.75 = -0.2876821 at id 1.
      // Row [0, 0]: log 0.5 = -0.6931472 at id 0.
      const lp = selectLogprobs(
        tf.tensor2d([
          [0, Math.log(3)],
          [0, 0],
        ]),
        tf.tensor1d([1, 0], 'int32'),
      );
      expect(maxAbsDiff(await read(lp), [-0.2876821, -0.6931472])).toBeLessThan(1e-6);
    });

    it('matmul equals tf.matMul, value and gradients, 2-D and batched 3-D', async () => {
      for (const [sa, sb] of [
        [
          [3, 4],
          [4, 5],
        ],
        [
          [2, 3, 4],
          [2, 4, 5],
        ],
      ]) {
        const a = fixed(sa, 1);
        const b = fixed(sb, 2);
        // A weighted sum makes every output element's gradient different.
        const w = fixed([...sa.slice(0, -1), sb[sb.length - 1]], 3);
        const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matmul(x, y), w)));
        const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)));
        const [ga, gb] = ours([a, b]);
        const [ra, rb] = ref([a, b]);
        expect(maxAbsDiff(await read(matmul(a, b)), await read(tf.matMul(a, b)))).toBeLessThan(
          1e-5,
        );
        expect(maxAbsDiff(await read(ga), await read(ra))).toBeLessThan(1e-5);
        expect(maxAbsDiff(await read(gb), await read(rb))).toBeLessThan(1e-5);
      }
    });

    it('matmulTransB equals tf.matMul(a, b, false, true), value and gradients', async () => {
      const a = fixed([3, 4], 4);
      const b = fixed([6, 4], 5);
      const w = fixed([3, 6], 6);
      const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matmulTransB(x, y), w)));
      const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true), w)),
      );
      const [ga, gb] = ours([a, b]);
      const [ra, rb] = ref([a, b]);
      const plain = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true);
      expect(maxAbsDiff(await read(matmulTransB(a, b)), await read(plain))).toBeLessThan(1e-5);
      expect(maxAbsDiff(await read(ga), await read(ra))).toBeLessThan(1e-5);
      expect(maxAbsDiff(await read(gb), await read(rb))).toBeLessThan(1e-5);
    });

    it('embed equals tf.gather, and its gradient adds up repeated ids', async () => {
      const table = fixed([5, 3], 7);
      const ids = tf.tensor2d(
        [
          [1, 4, 1],
          [0, 1, 3],
        ],
        [2, 3],
        'int32',
      );
      const w = fixed([2, 3, 3], 8);
      const value = embed(table, ids);
      expect(value.shape).toEqual([2, 3, 3]);
      expect(maxAbsDiff(await read(value), await read(tf.gather(table, ids)))).toBeLessThan(1e-6);

      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embed(t, ids), w)))(table);
      // Reference: tf's gather gradient, which wasm lacks (no UnsortedSegmentSum), so it is
      // taken on cpu. Row 1 appears three times; row 2 never (zero gradient).
      const wData = await read(w);
      const tableData = await read(table);
      const prev = tf.getBackend();
      await tf.setBackend('cpu');
      const ref = tf.tidy(() => {
        const t = tf.tensor(tableData, [5, 3]);
        const idsCpu = tf.tensor2d([1, 4, 1, 0, 1, 3], [2, 3], 'int32');
        const wCpu = tf.tensor(wData, [2, 3, 3]);
        return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, idsCpu), wCpu)))(t);
      });
      const refData = await read(ref);
      ref.dispose();
      await tf.setBackend(prev);
      const ours = await read(g);
      expect(maxAbsDiff(ours, refData)).toBeLessThan(1e-6);
      expect(Array.from(ours.slice(6, 9))).toEqual([0, 0, 0]);
      // Row 1 = w[0,0] + w[0,2] + w[1,1], worked out from w directly.
      const row1 = [0, 1, 2].map((j) => wData[0 + j] + wData[6 + j] + wData[12 + j]);
      expect(maxAbsDiff(ours.slice(3, 6), row1)).toBeLessThan(1e-6);
    });
  });
}
