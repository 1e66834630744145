/**
 * The LM head in row chunks. Logits are the largest tensor of a training step, [n, vocab]
 * float32; a WebGPU kernel cannot bind a buffer above the device's
 * maxStorageBufferBindingSize (128 MiB is the WebGPU default; SwiftShader here reports
 * 1 GiB), and an over-size binding fails asynchronously, leaving zeros. So the head runs
 * on slices of the hidden states small enough that no logits tensor crosses the limit.
 */
import * as tf from '@tensorflow/tfjs';
import { bindingLimitOf, type WebGPUBackend } from './kernels/program';
import { selectLogprobs } from './ops';

const F32_BYTES = 4;

/**
 * The most rows of float32 logits over `vocab` that fit in `maxBindingBytes`. Throws when
 * not even one row fits, naming both numbers.
 */
export function logitsChunkRows(maxBindingBytes: number, vocab: number): number {
  if (!Number.isInteger(vocab) || vocab < 1) {
    throw new Error(`logitsChunkRows: vocab must be a positive integer, got ${vocab}`);
  }
  if (!(maxBindingBytes > 0)) {
    throw new Error(`logitsChunkRows: maxBindingBytes must be > 0, got ${maxBindingBytes}`);
  }
  const rows = Math.floor(maxBindingBytes / (vocab * F32_BYTES));
  if (rows < 1) {
    throw new Error(
      `logitsChunkRows: one row of ${vocab} float32 logits is ${vocab * F32_BYTES} bytes, ` +
        `above the binding limit of ${maxBindingBytes} bytes`,
    );
  }
  return rows;
}

/** The active backend's largest bindable tensor in bytes; Infinity off webgpu. */
export function storageBindingLimit(): number {
  if (tf.getBackend() !== 'webgpu') return Infinity;
  return bindingLimitOf(tf.backend() as unknown as WebGPUBackend);
}

export interface ChunkedLogprobsOptions {
  /** Columns the head produces (the vocabulary size). */
  vocab: number;
  /** Sampling temperature the log-probabilities are taken at; > 0, default 1. */
  temperature?: number;
  /** Largest logits tensor allowed, bytes; default: the device's binding limit. */
  maxBindingBytes?: number;
}

/**
 * log softmax(head(hidden) / T)[i, ids[i]] for hidden [n, d] and ids [n], computing the
 * logits `logitsChunkRows` rows at a time. Differentiable through `head` (slices and a
 * concat); each chunk's logits are freed once its log-probabilities exist, unless a
 * gradient tape keeps them for the backward pass.
 */
export function chunkedLogprobs(
  hidden: tf.Tensor2D,
  ids: tf.Tensor1D,
  head: (h: tf.Tensor2D) => tf.Tensor2D,
  o: ChunkedLogprobsOptions,
): tf.Tensor1D {
  const n = hidden.shape[0];
  if (ids.shape[0] !== n) {
    throw new Error(`chunkedLogprobs: ids [${ids.shape}] must have one id per hidden row (${n})`);
  }
  const temperature = o.temperature ?? 1;
  const limit = o.maxBindingBytes ?? storageBindingLimit();
  const rows = Number.isFinite(limit) ? logitsChunkRows(limit, o.vocab) : n;
  const one = (h: tf.Tensor2D, id: tf.Tensor1D) => selectLogprobs(head(h), id, temperature);
  if (rows >= n) return tf.tidy(() => one(hidden, ids));

  const parts: tf.Tensor1D[] = [];
  for (let start = 0; start < n; start += rows) {
    const size = Math.min(rows, n - start);
    parts.push(
      tf.tidy(() => one(tf.slice(hidden, [start, 0], [size, -1]), tf.slice(ids, [start], [size]))),
    );
  }
  const out = tf.concat(parts) as tf.Tensor1D;
  tf.dispose(parts);
  return out;
}
