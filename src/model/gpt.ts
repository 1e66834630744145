/**
 * A GPT-2 decoder written with raw TF.js ops: learned token and position embeddings,
 * pre-LayerNorm blocks, causal multi-head attention, GELU MLP, LM head tied to `wte`.
 * Parameter names and layouts are Hugging Face GPT-2's, so a real checkpoint loads as is.
 */
import * as tf from '@tensorflow/tfjs';
import { type GPT2Config, parameterShapes, validateConfig } from './config';
import { embed, geluNew, layerNorm, linear, matmul, matmulTransB } from './ops';
import { buildAttentionBias, positionIds } from './masks';

/** Keys and values of every layer, [batch·heads, past, headDim], for KV-cache decoding. */
export type KVCache = { k: tf.Tensor3D; v: tf.Tensor3D }[];

export interface ForwardInput {
  /** Token ids, [batch, time], int32. */
  ids: tf.Tensor2D;
  /** 1 for real tokens, 0 for padding, over past + current positions: [batch, past + time]. */
  mask: number[][];
  /** Keys and values of earlier positions (optional). */
  past?: KVCache;
}

export interface ForwardOutput {
  /** Final hidden states after ln_f, [batch, time, n_embd]. */
  hidden: tf.Tensor3D;
  /** Keys and values including this call's positions; only filled when `cache` is asked. */
  present?: KVCache;
}

export class GPT {
  readonly config: GPT2Config;
  readonly params: Map<string, tf.Variable>;

  constructor(config: GPT2Config, params: Map<string, tf.Variable>) {
    this.config = config;
    this.params = params;
    for (const [name, shape] of parameterShapes(config)) {
      const p = params.get(name);
      if (!p) throw new Error(`model: missing parameter "${name}"`);
      if (p.shape.join() !== shape.join()) {
        throw new Error(`model: parameter "${name}" has shape [${p.shape}], expected [${shape}]`);
      }
    }
  }

  /** A freshly initialised model, GPT-2's scheme: N(0, 0.02), residual projections scaled. */
  static init(rawConfig: GPT2Config, seed = 0): GPT {
    const config = validateConfig(rawConfig);
    const params = new Map<string, tf.Variable>();
    const residualStd = 0.02 / Math.sqrt(2 * config.n_layer);
    let s = seed;
    for (const [name, shape] of parameterShapes(config)) {
      const value = tf.tidy(() => {
        if (name.endsWith('.bias')) return tf.zeros(shape);
        if (name.includes('ln_')) return tf.ones(shape);
        const std = name.endsWith('c_proj.weight') ? residualStd : 0.02;
        return tf.randomNormal(shape, 0, std, 'float32', s++);
      });
      // Unnamed: tfjs variable names are global, and two models (policy and reference, or
      // a second load) would clash on "wte.weight". The map holds the HF name.
      params.set(name, tf.variable(value, true));
      value.dispose();
    }
    return new GPT(config, params);
  }

  /** Builds a model from named float32 arrays (e.g. a safetensors file), HF names. */
  static fromTensors(
    rawConfig: unknown,
    tensors: Map<string, { shape: number[]; data: Float32Array }>,
    source = 'model.safetensors',
  ): GPT {
    const config = validateConfig(rawConfig);
    const params = new Map<string, tf.Variable>();
    const lookup = (name: string) => tensors.get(name) ?? tensors.get('transformer.' + name);
    try {
      for (const [name, shape] of parameterShapes(config)) {
        const t = lookup(name);
        if (!t) throw new Error(`${source}: tensor "${name}" is missing`);
        if (t.shape.join() !== shape.join()) {
          throw new Error(
            `${source}: tensor "${name}" has shape [${t.shape}], config.json implies [${shape}]`,
          );
        }
        // A variable shares its initial tensor's data: free the tensor or dispose() leaks it.
        const value = tf.tensor(t.data, shape);
        params.set(name, tf.variable(value, true));
        value.dispose();
      }
    } catch (e) {
      for (const p of params.values()) p.dispose();
      throw e;
    }
    return new GPT(config, params);
  }

  /** Reads every parameter back (async, no sync GPU read-back). */
  async toTensors(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, p] of this.params) {
      out.set(name, { shape: p.shape.slice(), data: (await p.data()) as Float32Array });
    }
    return out;
  }

  /** An independent copy (e.g. the frozen reference model), optionally not trainable. */
  clone(trainable = true): GPT {
    const params = new Map<string, tf.Variable>();
    for (const [name, p] of this.params) params.set(name, tf.variable(p, trainable, undefined));
    return new GPT(this.config, params);
  }

  /** Copies another model's weights into this one (same config). */
  assign(from: GPT) {
    for (const [name, p] of this.params) p.assign(from.params.get(name)!);
  }

  dispose() {
    for (const p of this.params.values()) p.dispose();
  }

  trainableVariables(): tf.Variable[] {
    return [...this.params.values()].filter((v) => v.trainable);
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  /**
   * The trunk: embeddings, blocks and ln_f. Padding is on the left for prompts (mask 0);
   * position ids count real tokens only, so a sequence scores the same alone or in a batch.
   */
  forward({ ids, mask, past }: ForwardInput, cache = false): ForwardOutput {
    const c = this.config;
    const [batch, time] = ids.shape;
    const pastLen = past ? past[0].k.shape[1] : 0;
    const total = pastLen + time;
    if (total > c.n_positions) {
      throw new Error(`model: sequence of ${total} tokens exceeds n_positions ${c.n_positions}`);
    }
    const d = c.n_embd;
    const heads = c.n_head;
    const hd = d / heads;
    const present: KVCache = [];

    const hidden = tf.tidy(() => {
      // [batch, time] positions of this call's tokens, and the additive mask
      // [batch, 1, time, total]: causal and hiding padding keys.
      const pos = tf.tensor2d(positionIds(mask, pastLen, time), [batch, time], 'int32');
      const bias = tf.tensor4d(buildAttentionBias(mask, pastLen, time), [batch, 1, time, total]);
      let x = tf.add(embed(this.p('wte.weight'), ids), embed(this.p('wpe.weight'), pos));
      x = x.reshape([batch * time, d]);

      const toHeads = (t: tf.Tensor) =>
        t
          .reshape([batch, time, heads, hd])
          .transpose([0, 2, 1, 3])
          .reshape([batch * heads, time, hd]);

      for (let i = 0; i < c.n_layer; i++) {
        const p = `h.${i}.`;

        // Attention: q, k, v come from one projection; slices, not split (wasm is slow there).
        const h = layerNorm(
          x,
          this.p(p + 'ln_1.weight'),
          this.p(p + 'ln_1.bias'),
          c.layer_norm_epsilon,
        );
        const qkv = linear(
          h as tf.Tensor2D,
          this.p(p + 'attn.c_attn.weight'),
          this.p(p + 'attn.c_attn.bias'),
        );
        const q = toHeads(tf.slice(qkv, [0, 0], [-1, d]));
        let k = toHeads(tf.slice(qkv, [0, d], [-1, d])) as tf.Tensor3D;
        let v = toHeads(tf.slice(qkv, [0, 2 * d], [-1, d])) as tf.Tensor3D;
        if (past) {
          k = tf.concat([past[i].k, k], 1);
          v = tf.concat([past[i].v, v], 1);
        }
        if (cache) present.push({ k: tf.keep(k), v: tf.keep(v) });
        // scores [batch·heads, time, total]
        const scores = tf.mul(matmul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(hd));
        const masked = tf.add(scores.reshape([batch, heads, time, total]), bias);
        const probs = tf.softmax(masked).reshape([batch * heads, time, total]);
        const att = matmul(probs, v)
          .reshape([batch, heads, time, hd])
          .transpose([0, 2, 1, 3])
          .reshape([batch * time, d]);
        x = tf.add(
          x,
          linear(
            att as tf.Tensor2D,
            this.p(p + 'attn.c_proj.weight'),
            this.p(p + 'attn.c_proj.bias'),
          ),
        );

        // MLP
        const h2 = layerNorm(
          x,
          this.p(p + 'ln_2.weight'),
          this.p(p + 'ln_2.bias'),
          c.layer_norm_epsilon,
        );
        const up = geluNew(
          linear(h2 as tf.Tensor2D, this.p(p + 'mlp.c_fc.weight'), this.p(p + 'mlp.c_fc.bias')),
        );
        x = tf.add(
          x,
          linear(up as tf.Tensor2D, this.p(p + 'mlp.c_proj.weight'), this.p(p + 'mlp.c_proj.bias')),
        );
      }
      const out = layerNorm(x, this.p('ln_f.weight'), this.p('ln_f.bias'), c.layer_norm_epsilon);
      return out.reshape([batch, time, d]) as tf.Tensor3D;
    });
    return cache ? { hidden, present } : { hidden };
  }

  /** Next-token logits from hidden states through the tied LM head: [n, d] -> [n, vocab]. */
  logits(hidden2d: tf.Tensor2D): tf.Tensor2D {
    return matmulTransB(hidden2d, this.p('wte.weight')) as tf.Tensor2D;
  }
}

/** Frees a KV cache. */
export function disposeCache(cache: KVCache | undefined) {
  if (!cache) return;
  for (const { k, v } of cache) {
    k.dispose();
    v.dispose();
  }
}

export { matmul };
