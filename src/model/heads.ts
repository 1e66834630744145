/**
 * Scalar heads on the trunk's final hidden states: the value head (one value per token, for
 * PPO) and the reward head (one score per sequence, read at its last real token).
 */
import * as tf from '@tensorflow/tfjs';
import { oneHotFloat } from './ops';

/**
 * A trainable variable that takes over `t`. tfjs variables share their initial tensor's
 * data, so the tensor must be freed here or the head's dispose() never frees the memory.
 * Unnamed, because tfjs variable names are global and two heads would clash.
 */
function ownVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

export class ScalarHead {
  readonly weight: tf.Variable; // [n_embd, 1]
  readonly bias: tf.Variable; // [1]

  constructor(
    readonly name: string,
    weight: tf.Variable,
    bias: tf.Variable,
  ) {
    this.weight = weight;
    this.bias = bias;
  }

  /** Small random weights (std 1/sqrt(d+1), as TRL's value head), zero bias. */
  static init(name: string, nEmbd: number, seed = 0): ScalarHead {
    const w = tf.tidy(() =>
      tf.randomNormal([nEmbd, 1], 0, 1 / Math.sqrt(nEmbd + 1), 'float32', seed),
    );
    return new ScalarHead(name, ownVariable(w), ownVariable(tf.zeros([1])));
  }

  static fromTensors(name: string, tensors: Map<string, { shape: number[]; data: Float32Array }>) {
    const w = tensors.get(`${name}.weight`);
    const b = tensors.get(`${name}.bias`);
    if (!w || !b) throw new Error(`checkpoint has no "${name}.weight" / "${name}.bias"`);
    const d = w.data.length;
    return new ScalarHead(
      name,
      ownVariable(tf.tensor(w.data, [d, 1])),
      ownVariable(tf.tensor(b.data, [1])),
    );
  }

  async toTensors(into: Map<string, { shape: number[]; data: Float32Array }>) {
    into.set(`${this.name}.weight`, {
      shape: this.weight.shape.slice(),
      data: (await this.weight.data()) as Float32Array,
    });
    into.set(`${this.name}.bias`, { shape: [1], data: (await this.bias.data()) as Float32Array });
  }

  /** Per-token scalars: [batch, time, d] -> [batch, time]. */
  perToken(hidden: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, t, d] = hidden.shape;
      return tf
        .add(tf.matMul(hidden.reshape([b * t, d]) as tf.Tensor2D, this.weight), this.bias)
        .reshape([b, t]);
    });
  }

  /** One scalar per sequence at column lastIndex[b]: [batch, time, d] -> [batch]. */
  atIndex(hidden: tf.Tensor3D, lastIndex: number[]): tf.Tensor1D {
    return tf.tidy(() => {
      const [b, t, d] = hidden.shape;
      const flat = hidden.reshape([b * t, d]) as tf.Tensor2D;
      // A one-hot row selector keeps the gradient on every backend: [batch, b·t] · [b·t, d].
      const sel = oneHotFloat(
        tf.tensor1d(
          lastIndex.map((i, row) => row * t + i),
          'int32',
        ),
        b * t,
      );
      const h = tf.matMul(sel, flat);
      return tf.add(tf.matMul(h, this.weight), this.bias).reshape([b]) as tf.Tensor1D;
    });
  }

  variables(): tf.Variable[] {
    return [this.weight, this.bias];
  }

  dispose() {
    this.weight.dispose();
    this.bias.dispose();
  }
}

/** Column of the last real token of each row of a mask (from lengths, never from token ids). */
export function lastRealIndex(mask: number[][]): number[] {
  return mask.map((row, b) => {
    for (let i = row.length - 1; i >= 0; i--) if (row[i]) return i;
    throw new Error(`row ${b} has no real token`);
  });
}
