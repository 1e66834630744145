// Value and reward heads on hand-made hidden states, so every output is a dot product that
// can be written down.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScalarHead, lastRealIndex } from '../../src/model/heads';
import { maxAbsDiff, read } from '../helpers/tiny';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A head with weight [1, 2] and bias 0.5: score(h) = h0 + 2·h1 + 0.5. */
function handHead(): ScalarHead {
  const tensors = new Map([
    ['value.weight', { shape: [2, 1], data: new Float32Array([1, 2]) }],
    ['value.bias', { shape: [1], data: new Float32Array([0.5]) }],
  ]);
  return ScalarHead.fromTensors('value', tensors);
}

// hidden [batch 2, time 3, d 2]
const HIDDEN = [
  [
    [1, 0],
    [0, 1],
    [2, 2],
  ],
  [
    [-1, 1],
    [3, 0],
    [0, 0],
  ],
];

describe('ScalarHead', () => {
  it('perToken scores every position', async () => {
    const head = handHead();
    const v = head.perToken(tf.tensor3d(HIDDEN));
    expect(v.shape).toEqual([2, 3]);
    // 1+0+.5, 0+2+.5, 2+4+.5 | -1+2+.5, 3+0+.5, 0+0+.5
    expect(maxAbsDiff(await read(v), [1.5, 2.5, 6.5, 1.5, 3.5, 0.5])).toBeLessThan(1e-6);
    head.dispose();
  });

  it('atIndex reads each row at its own column, with a gradient to the hidden states', async () => {
    const head = handHead();
    const h = tf.tensor3d(HIDDEN);
    expect(maxAbsDiff(await read(head.atIndex(h, [2, 1])), [6.5, 3.5])).toBeLessThan(1e-6);
    const g = tf.grad((x: tf.Tensor) => tf.sum(head.atIndex(x as tf.Tensor3D, [2, 1])))(h);
    // Only the selected positions get the weight [1, 2] as gradient.
    expect(Array.from(await read(g))).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 1, 2, 0, 0]);
    head.dispose();
  });

  it('round-trips through named tensors and frees everything on dispose', async () => {
    const before = tf.memory().numTensors;
    const head = ScalarHead.init('score', 4, 3);
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    await head.toTensors(out);
    expect([...out.keys()]).toEqual(['score.weight', 'score.bias']);
    expect(out.get('score.weight')!.shape).toEqual([4, 1]);
    const again = ScalarHead.fromTensors('score', out);
    expect(Array.from(await read(again.weight))).toEqual(Array.from(out.get('score.weight')!.data));
    // Two heads with one name live side by side (tfjs variable names are global).
    expect(again.weight.name).not.toBe(head.weight.name);
    head.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fromTensors names what is missing', () => {
    expect(() => ScalarHead.fromTensors('value', new Map())).toThrow('"value.weight"');
  });
});

describe('lastRealIndex', () => {
  it('finds the last 1 of each row, from the mask alone', () => {
    expect(
      lastRealIndex([
        [0, 1, 1, 0],
        [1, 0, 0, 0],
        [1, 1, 1, 1],
      ]),
    ).toEqual([2, 0, 3]);
  });

  it('names a row with no real token', () => {
    expect(() => lastRealIndex([[1], [0]])).toThrow('row 1 has no real token');
  });
});
