// Teacher forcing and the language-model loss: layouts by hand, a uniform model whose loss
// is ln(vocab), padding invariance, and that training steps neither leak nor stall.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GPT } from '../../src/model/gpt';
import { languageModelLoss, layoutBatch, responseLogprobs } from '../../src/model/logprobs';
import { TINY_PAD, maxAbsDiff, read, tinyModel, tokens } from '../helpers/tiny';

let model: GPT;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyModel(7);
});

afterAll(() => model.dispose());

async function lossOf(m: GPT, ids: number[][], mask: number[][]): Promise<number> {
  const l = languageModelLoss(m, ids, mask);
  const v = (await read(l))[0];
  l.dispose();
  return v;
}

describe('layoutBatch', () => {
  it('left-pads prompts and right-pads responses so responses start at one column', () => {
    expect(layoutBatch([[1, 2], [3]], [[4], [5, 6, 7]], 0)).toEqual({
      ids: [
        [1, 2, 4, 0, 0],
        [0, 3, 5, 6, 7],
      ],
      mask: [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 1],
      ],
      responseStart: 2,
    });
  });
});

describe('a uniform model (wte = 0, so every logit is 0)', () => {
  let uniform: GPT;
  beforeAll(() => {
    uniform = model.clone();
    uniform.params.get('wte.weight')!.assign(tf.zeros([50, 16]));
  });
  afterAll(() => uniform.dispose());

  it('has loss ln 50 = 3.9120230', async () => {
    expect(await lossOf(uniform, [tokens(6, 1)], [[1, 1, 1, 1, 1, 1]])).toBeCloseTo(3.912023, 5);
  });

  it('scores each real response token ln(1/50) = -3.9120230 and padding 0', async () => {
    const batch = layoutBatch([[1, 2], [3]], [[4], [5, 6]], TINY_PAD);
    const { logprobs, hidden } = responseLogprobs(uniform, batch, 0.7);
    expect(logprobs.shape).toEqual([2, 2]);
    expect(hidden.shape).toEqual([2, 2, 16]);
    const v = Array.from(await read(logprobs)).map((x) => Math.abs(x));
    expect(maxAbsDiff(v, [3.912023, 0, 3.912023, 3.912023])).toBeLessThan(1e-5);
    tf.dispose([logprobs, hidden]);
  });
});

describe('responseLogprobs', () => {
  it('divides logits by the temperature and returns them when asked', async () => {
    const batch = layoutBatch([tokens(3, 2)], [tokens(2, 3)], TINY_PAD);
    const t1 = responseLogprobs(model, batch, 1, true);
    const t2 = responseLogprobs(model, batch, 2, true);
    const l1 = await read(t1.logits!);
    const l2 = await read(t2.logits!);
    expect(t1.logits!.shape).toEqual([2, 50]);
    expect(
      maxAbsDiff(
        l2,
        Array.from(l1, (x) => x / 2),
      ),
    ).toBeLessThan(1e-6);
    tf.dispose([t1.logprobs, t1.hidden, t1.logits!, t2.logprobs, t2.hidden, t2.logits!]);
  });

  it('has a gradient for every parameter', () => {
    const batch = layoutBatch([tokens(3, 4)], [tokens(3, 5)], TINY_PAD);
    const vars = model.trainableVariables();
    const { grads, value } = tf.variableGrads(
      () => tf.sum(responseLogprobs(model, batch).logprobs) as tf.Scalar,
      vars,
    );
    expect(Object.keys(grads)).toHaveLength(vars.length);
    for (const [name, g] of Object.entries(grads)) {
      const norm = tf.tidy(() => tf.norm(g).arraySync() as number);
      expect(Number.isFinite(norm), name).toBe(true);
    }
    tf.dispose([value, ...Object.values(grads)]);
  });
});

describe('languageModelLoss', () => {
  const a = tokens(6, 6);
  const b = tokens(3, 7);

  it('averages over real targets: a batch equals the target-weighted mean of its rows', async () => {
    // Alone: a has 5 targets, b has 2. Right-padded together: (5·La + 2·Lb) / 7.
    const la = await lossOf(model, [a], [a.map(() => 1)]);
    const lb = await lossOf(model, [b], [b.map(() => 1)]);
    const right = await lossOf(
      model,
      [a, [...b, TINY_PAD, TINY_PAD, TINY_PAD]],
      [a.map(() => 1), [1, 1, 1, 0, 0, 0]],
    );
    expect(right).toBeCloseTo((5 * la + 2 * lb) / 7, 5);
  });

  // Bug class: padding must not change a result. With left padding, the first real token's
  // "prediction" from the padding column before it used to count as a target, though that
  // column sees no real token (its attention row is all masked, so it averages everything,
  // the future included).
  it('gives the same loss with the short row left-padded', async () => {
    const la = await lossOf(model, [a], [a.map(() => 1)]);
    const lb = await lossOf(model, [b], [b.map(() => 1)]);
    const left = await lossOf(
      model,
      [a, [TINY_PAD, TINY_PAD, TINY_PAD, ...b]],
      [a.map(() => 1), [0, 0, 0, 1, 1, 1]],
    );
    expect(left).toBeCloseTo((5 * la + 2 * lb) / 7, 5);
  });
});

describe('training steps', () => {
  it('lower the loss on a fixed batch and keep tf.memory().numTensors steady', async () => {
    const m = model.clone();
    const optimizer = tf.train.adam(1e-2);
    const ids = [tokens(8, 8), tokens(8, 9)];
    const mask = ids.map((r) => r.map(() => 1));
    const step = () => {
      const loss = optimizer.minimize(
        () => languageModelLoss(m, ids, mask),
        true,
        m.trainableVariables(),
      )!;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const first = step(); // creates Adam's moment variables once
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 10; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first - 0.5);
    optimizer.dispose();
    m.dispose();
  });
});
