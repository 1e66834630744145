// The GPT trunk: padding invariance, the KV cache at the forward level, loading from named
// tensors (Hugging Face names), a safetensors round trip, and parity between backends.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors';
import { GPT, disposeCache } from '../../src/model/gpt';
import { leftPad } from '../../src/model/generate';
import { layoutBatch, responseLogprobs } from '../../src/model/logprobs';
import { useWasmBackend } from '../../scripts/node-wasm';
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

let model: GPT;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyModel(5);
});

afterAll(() => model.dispose());

/** Hidden states [batch·time·d] of a batch given as rows and mask. */
async function hiddenOf(m: GPT, ids: number[][], mask: number[][]) {
  const idsT = tf.tensor2d(ids, [ids.length, ids[0].length], 'int32');
  const { hidden } = m.forward({ ids: idsT, mask });
  const out = await read(hidden);
  tf.dispose([idsT, hidden]);
  return out;
}

describe('padding invariance', () => {
  const seq = tokens(5, 7);
  const others = [tokens(9, 8), tokens(2, 9)];
  const d = 16;
  const V = 50;

  it('scores a sequence the same alone and inside a left-padded batch (hidden, logits)', async () => {
    const alone = await hiddenOf(model, [seq], [seq.map(() => 1)]);
    const aloneLogits = await allLogits(model, [seq], [seq.map(() => 1)]);
    // Row 1 of the batch is `seq` behind 4 padding columns (the longest row has 9 tokens).
    const { ids, mask } = leftPad([others[0], seq, others[1]], TINY_PAD);
    const batch = await hiddenOf(model, ids, mask);
    const batchLogits = await allLogits(model, ids, mask);
    const W = 9;
    const off = W - seq.length;
    const rowHidden = batch.slice((W + off) * d, 2 * W * d);
    const rowLogits = batchLogits.slice((W + off) * V, 2 * W * V);
    expect(maxAbsDiff(rowHidden, alone)).toBeLessThan(1e-5);
    expect(maxAbsDiff(rowLogits, aloneLogits)).toBeLessThan(1e-5);
    // The check has teeth: counting the padding as real tokens (so positions shift by 4 and
    // padding is attended to) changes the same row by far more than the tolerance.
    const wrong = await hiddenOf(
      model,
      ids,
      ids.map((r) => r.map(() => 1)),
    );
    expect(maxAbsDiff(wrong.slice((W + off) * d, 2 * W * d), alone)).toBeGreaterThan(0.1);
  });

  it('uses position ids that count real tokens: padding shifts nothing', async () => {
    // The same sequence with positions starting at 4 instead of 0 (what a column-based
    // position id would give) differs; the padded batch above matched position 0 exactly.
    const shifted = [...tokens(4, 10), ...seq];
    const alone = await hiddenOf(model, [seq], [seq.map(() => 1)]);
    const mask = [shifted.map((_, i) => (i < 4 ? 0 : 1))];
    const padded = await hiddenOf(model, [shifted], mask);
    expect(maxAbsDiff(padded.slice(4 * d), alone)).toBeLessThan(1e-5);
  });

  it('scores a response the same alone and inside a padded batch (responseLogprobs)', async () => {
    const prompt = tokens(3, 11);
    const response = tokens(4, 12);
    const aloneBatch = layoutBatch([prompt], [response], TINY_PAD);
    const alone = responseLogprobs(model, aloneBatch);
    const mixed = layoutBatch([tokens(8, 13), prompt], [tokens(6, 14), response], TINY_PAD);
    const inBatch = responseLogprobs(model, mixed);
    const a = await read(alone.logprobs);
    const b = await read(inBatch.logprobs);
    expect(maxAbsDiff(b.slice(6, 10), a)).toBeLessThan(1e-5);
    const ha = await read(alone.hidden);
    const hb = await read(inBatch.hidden);
    expect(maxAbsDiff(hb.slice(6 * d, 10 * d), ha)).toBeLessThan(1e-5);
    tf.dispose([alone.logprobs, alone.hidden, inBatch.logprobs, inBatch.hidden]);
  });
});

describe('forward with a KV cache', () => {
  it('gives, token by token, the hidden states of one full pass', async () => {
    const { ids, mask } = leftPad([tokens(6, 15), tokens(3, 16)], TINY_PAD);
    const full = await hiddenOf(model, ids, mask);
    const d = 16;
    // Prefill 2 columns, then feed one column at a time.
    const first = tf.tensor2d(
      ids.map((r) => r.slice(0, 2)),
      [2, 2],
      'int32',
    );
    const prefill = model.forward({ ids: first, mask: mask.map((r) => r.slice(0, 2)) }, true);
    first.dispose();
    prefill.hidden.dispose();
    let present = prefill.present;
    for (let t = 2; t < 6; t++) {
      const col = tf.tensor2d(
        ids.map((r) => [r[t]]),
        [2, 1],
        'int32',
      );
      const step = model.forward(
        { ids: col, mask: mask.map((r) => r.slice(0, t + 1)), past: present },
        true,
      );
      col.dispose();
      disposeCache(present);
      present = step.present;
      const h = await read(step.hidden);
      step.hidden.dispose();
      for (let b = 0; b < 2; b++) {
        if (mask[b][t] === 0) continue;
        const expected = full.slice((b * 6 + t) * d, (b * 6 + t + 1) * d);
        expect(
          maxAbsDiff(h.slice(b * d, (b + 1) * d), expected),
          `row ${b}, column ${t}`,
        ).toBeLessThan(1e-5);
      }
    }
    expect(present![0].k.shape).toEqual([2 * 2, 6, 8]);
    disposeCache(present);
  });

  it('rejects a sequence longer than n_positions', () => {
    const ids = tf.zeros([1, 33], 'int32') as tf.Tensor2D;
    expect(() => model.forward({ ids, mask: [new Array(33).fill(1)] })).toThrow(
      'sequence of 33 tokens exceeds n_positions 32',
    );
    ids.dispose();
  });
});

describe('loading weights', () => {
  it('fromTensors rejects a missing tensor, naming it and the file', async () => {
    const named = await model.toTensors();
    named.delete('h.1.mlp.c_fc.bias');
    const before = tf.memory().numTensors;
    expect(() => GPT.fromTensors(tinyConfig(), named, 'weights.safetensors')).toThrow(
      'weights.safetensors: tensor "h.1.mlp.c_fc.bias" is missing',
    );
    // Tensors made before the failure were freed.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fromTensors rejects a wrong shape, naming the tensor and both shapes', async () => {
    const named = await model.toTensors();
    named.set('wpe.weight', { shape: [16, 16], data: new Float32Array(256) });
    expect(() => GPT.fromTensors(tinyConfig(), named)).toThrow(
      'model.safetensors: tensor "wpe.weight" has shape [16,16], config.json implies [32,16]',
    );
  });

  it('fromTensors rejects a bad config naming the field', async () => {
    const named = await model.toTensors();
    expect(() => GPT.fromTensors({ ...tinyConfig(), n_head: 5 }, named)).toThrow('"n_head"');
  });

  it('the constructor rejects a missing or misshapen parameter', () => {
    const params = new Map(model.params);
    params.delete('ln_f.bias');
    expect(() => new GPT(model.config, params)).toThrow('missing parameter "ln_f.bias"');
  });

  it('accepts Hugging Face names with a "transformer." prefix', async () => {
    const named = await model.toTensors();
    const prefixed = new Map([...named].map(([k, v]) => ['transformer.' + k, v]));
    const loaded = GPT.fromTensors(tinyConfig(), prefixed);
    const ids = [tokens(6, 17)];
    const mask = [ids[0].map(() => 1)];
    expect(maxAbsDiff(await allLogits(loaded, ids, mask), await allLogits(model, ids, mask))).toBe(
      0,
    );
    loaded.dispose();
  });

  it('round-trips through safetensors with identical logits', async () => {
    const bytes = writeSafetensors(await model.toTensors());
    const { tensors } = readSafetensors(bytes);
    const loaded = GPT.fromTensors(tinyConfig(), tensors);
    const { ids, mask } = leftPad([tokens(7, 18), tokens(4, 19)], TINY_PAD);
    expect(maxAbsDiff(await allLogits(loaded, ids, mask), await allLogits(model, ids, mask))).toBe(
      0,
    );
    loaded.dispose();
  });

  // Bug class: a model's dispose() must free everything it made. tfjs variables share the
  // data of the tensor they are made from, so a tensor not freed after tf.variable() kept
  // every loaded model's weights alive forever (fixed in GPT.fromTensors).
  it('frees every tensor on dispose, however the model was made', async () => {
    const named = await model.toTensors();
    const before = tf.memory().numTensors;
    const made = [
      GPT.init(tinyConfig(), 9),
      GPT.fromTensors(tinyConfig(), named),
      model.clone(),
      model.clone(false),
    ];
    expect(tf.memory().numTensors).toBe(before + made.length * 28);
    for (const m of made) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  // Bug class: tfjs variable names are global, so naming parameters "wte.weight" made a
  // second model (the reference model next to the policy, or any second load) throw.
  it('lets several models made from the same names live at once', async () => {
    const named = await model.toTensors();
    const a = GPT.fromTensors(tinyConfig(), named);
    const b = GPT.fromTensors(tinyConfig(), named);
    const c = GPT.init(tinyConfig(), 1);
    const d = GPT.init(tinyConfig(), 1);
    const names = [a, b, c, d].flatMap((m) => m.trainableVariables().map((v) => v.name));
    expect(new Set(names).size).toBe(names.length);
    for (const m of [a, b, c, d]) m.dispose();
  });

  it('clone is independent, assign copies', async () => {
    const copy = model.clone(false);
    expect(copy.trainableVariables()).toHaveLength(0);
    const ids = [tokens(4, 20)];
    const mask = [[1, 1, 1, 1]];
    const original = await allLogits(model, ids, mask);
    copy.params.get('wte.weight')!.assign(tf.zeros([50, 16]));
    expect(maxAbsDiff(await allLogits(model, ids, mask), original)).toBe(0);
    expect(maxAbs(await allLogits(copy, ids, mask))).toBe(0);
    copy.assign(model);
    expect(maxAbsDiff(await allLogits(copy, ids, mask), original)).toBe(0);
    copy.dispose();
  });
});

describe('backends agree', () => {
  // The "silent zeros" class: a kernel that reads back zeros (tf.oneHot float32 on wasm,
  // dataSync on webgpu without ANGLE) must fail a test, so every backend is compared with cpu.
  it('wasm logits and teacher-forced log-probs equal cpu within 1e-4', async () => {
    const weights = await model.toTensors();
    const { ids, mask } = leftPad([tokens(7, 21), tokens(3, 22)], TINY_PAD);
    const batch = layoutBatch(
      [tokens(5, 23), tokens(2, 24)],
      [tokens(3, 25), tokens(5, 26)],
      TINY_PAD,
    );
    const score = async (m: GPT) => {
      const { logprobs, hidden } = responseLogprobs(m, batch, 0.8);
      const out = await read(logprobs);
      tf.dispose([logprobs, hidden]);
      return out;
    };
    const cpuLogits = await allLogits(model, ids, mask);
    const cpuScores = await score(model);

    await useWasmBackend();
    try {
      expect(tf.getBackend()).toBe('wasm');
      const onWasm = GPT.fromTensors(tinyConfig(), weights);
      const wasmLogits = await allLogits(onWasm, ids, mask);
      expect(maxAbsDiff(wasmLogits, cpuLogits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(await score(onWasm), cpuScores)).toBeLessThan(1e-4);
      // Zeros would be far outside the tolerance: logits are of order 1.
      expect(maxAbs(cpuLogits)).toBeGreaterThan(1);
      onWasm.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
