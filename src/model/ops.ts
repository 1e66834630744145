/**
 * Building blocks shared by every forward pass. They are plain TF.js ops except where a
 * backend needs help: measured in shared/MACHINE.md, the wasm backend multiplies fast only
 * without transpose flags, and has no kernel for the gradient of `gather`.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedGeluNew, fusedKernelsActive, fusedLayerNorm, fusedSelectLogprobs } from './kernels';

const onWasm = () => tf.getBackend() === 'wasm';

type GradFn = Parameters<typeof tf.customGrad>[0];
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * One-hot rows as float32. tfjs-backend-wasm 4.22 returns all zeros for
 * `tf.oneHot(..., 'float32')`, so build int32 and cast (test/model/ops.test.ts).
 */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(ids, depth).cast('float32') as tf.Tensor2D);
}

/** Swaps the last two axes: [..., m, n] -> [..., n, m]. */
export function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(x, perm);
}

/** a @ (b or bᵀ); on wasm the transpose is materialised, elsewhere it is a flag. */
function mm(a: tf.Tensor, b: tf.Tensor, transposeB = false, transposeA = false): tf.Tensor {
  if (onWasm()) {
    const aa = transposeA ? swapLast(a) : a;
    const bb = transposeB ? swapLast(b) : b;
    return tf.matMul(aa as tf.Tensor3D, bb as tf.Tensor3D);
  }
  return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
}

/**
 * Matrix product of 2-D or batched 3-D operands with a hand-written gradient so that the
 * backward pass also avoids transpose flags on wasm (5× faster there, MACHINE.md).
 * dA = dY Bᵀ, dB = Aᵀ dY.
 */
export const matmul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: mm(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [mm(dy, sb, true), mm(sa, dy, false, true)];
    },
  };
}) as unknown as GradFn) as unknown as Binary;

/** x @ wᵀ without a gradient helper: used for the tied LM head, logits = h · wteᵀ. */
export const matmulTransB = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: mm(a, b, true),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      // y = a bᵀ  =>  da = dy b, db = dyᵀ a
      return [mm(dy, sb), mm(dy, sa, false, true)];
    },
  };
}) as unknown as GradFn) as unknown as Binary;

/** Dense layer on a 2-D input: x [n, in] · w [in, out] + b [out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(matmul(x, w), b) as tf.Tensor2D;
}

/**
 * Embedding lookup rows = table[ids] with a gradient that scatters dY back into the table.
 * wasm lacks UnsortedSegmentSum, so there the scatter is a one-hot matrix product
 * (fine for small vocabularies); other backends use the segment sum.
 */
export const embed = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const rows = table.shape[0];
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sids] = saved;
      const flatIds = sids.flatten() as tf.Tensor1D;
      const dy2 = dy.reshape([-1, dy.shape[dy.shape.length - 1]]);
      const dTable = onWasm()
        ? mm(oneHotFloat(flatIds, rows), dy2, false, true)
        : tf.unsortedSegmentSum(dy2, flatIds, rows);
      return [dTable, tf.zerosLike(sids)];
    },
  };
}) as unknown as GradFn) as unknown as Binary;

/**
 * LayerNorm over the last axis, biased variance as in PyTorch. On webgpu one fused kernel
 * (src/model/kernels/layernorm.ts); elsewhere the composite below.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  if (fusedKernelsActive()) return fusedLayerNorm(x, gamma, beta, eps);
  return layerNormComposite(x, gamma, beta, eps);
}

/** LayerNorm from plain TF.js ops: the reference for the fused kernel. */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GPT-2's tanh approximation of GELU ("gelu_new"); one fused kernel on webgpu. */
export function geluNew(x: tf.Tensor): tf.Tensor {
  if (fusedKernelsActive()) return fusedGeluNew(x);
  return geluNewComposite(x);
}

/** gelu_new from plain TF.js ops: the reference for the fused kernel. */
export function geluNewComposite(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/**
 * Log-probabilities of chosen ids: logSoftmax(logits / temperature)[i, ids[i]], logits
 * [n, vocab], ids [n]. On webgpu one fused kernel that never materialises the softmax
 * (src/model/kernels/logprobs.ts); elsewhere the composite below.
 */
export function selectLogprobs(
  logits: tf.Tensor2D,
  ids: tf.Tensor1D,
  temperature = 1,
): tf.Tensor1D {
  if (fusedKernelsActive()) return fusedSelectLogprobs(logits, ids, temperature);
  return selectLogprobsComposite(temperature === 1 ? logits : tf.div(logits, temperature), ids);
}

/**
 * The composite: selecting by one-hot product keeps the gradient on every backend. The
 * reference for the fused kernel.
 */
export function selectLogprobsComposite(logits: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  const hot = oneHotFloat(ids, logits.shape[1]);
  return tf.sum(tf.mul(logp, hot), -1) as tf.Tensor1D;
}
