/**
 * Shared fixtures for model tests: a tiny random GPT-2-layout model (vocab 50, width 16,
 * 2 layers, 2 heads — about 10k parameters, milliseconds per forward pass on the cpu
 * backend) and small numeric helpers. Importable from Node and browser tests alike.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT2Config } from '../../src/model/config';
import { GPT } from '../../src/model/gpt';

/** Token ids 0..46 are ordinary; 47 = EOS, 48 = padding, 49 is unused. */
export const TINY_EOS = 47;
export const TINY_PAD = 48;

export function tinyConfig(overrides: Partial<GPT2Config> = {}): GPT2Config {
  return {
    model_type: 'gpt2',
    vocab_size: 50,
    n_positions: 32,
    n_embd: 16,
    n_layer: 2,
    n_head: 2,
    layer_norm_epsilon: 1e-5,
    bos_token_id: TINY_EOS,
    eos_token_id: TINY_EOS,
    pad_token_id: TINY_PAD,
    ...overrides,
  };
}

/**
 * A seeded tiny model. GPT-2's init (std 0.02) gives nearly uniform next-token
 * distributions, which would hide indexing mistakes, so weights are scaled up by `gain`
 * to make logits differ by whole units between tokens and positions.
 */
export function tinyModel(seed = 1, gain = 20, overrides: Partial<GPT2Config> = {}): GPT {
  const model = GPT.init(tinyConfig(overrides), seed);
  for (const [name, p] of model.params) {
    if (name.endsWith('.weight') && !name.includes('ln_')) {
      tf.tidy(() => p.assign(tf.mul(p, gain)));
    }
  }
  return model;
}

/** Largest |a[i] - b[i]|; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Reads a tensor without dataSync (webgpu's sync read-back can silently give zeros). */
export async function read(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as ArrayLike<number>);
}

/** Logits of every position of every row, [batch·time·vocab], for a (left-padded) batch. */
export async function allLogits(model: GPT, ids: number[][], mask: number[][]) {
  const out = tf.tidy(() => {
    const idsT = tf.tensor2d(ids, [ids.length, ids[0].length], 'int32');
    const { hidden } = model.forward({ ids: idsT, mask });
    const [b, t, d] = hidden.shape;
    return model.logits(hidden.reshape([b * t, d]) as tf.Tensor2D);
  });
  const values = await read(out);
  out.dispose();
  return values;
}

/** A deterministic pseudo-random token sequence of ordinary ids (never EOS or padding). */
export function tokens(length: number, seed: number): number[] {
  let a = seed * 2654435761;
  return Array.from({ length }, () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return (a >>> 8) % TINY_EOS;
  });
}
