/**
 * Teacher forcing: scores given response tokens under the model. Sequences are laid out as
 * PPO needs them — prompt left-padded to a common width P, response right-padded to R — so
 * the response always starts at column P.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT } from './gpt';
import { selectLogprobs } from './ops';
import { chunkedLogprobs } from './chunks';

export interface ScoredBatch {
  /** [batch, P + R] token ids. */
  ids: number[][];
  /** [batch, P + R] 1 for real tokens, 0 for padding. */
  mask: number[][];
  /** P: column where responses start. */
  responseStart: number;
}

/** Lays out prompts (left-padded) and responses (right-padded) in one batch. */
export function layoutBatch(
  prompts: number[][],
  responses: number[][],
  padId: number,
): ScoredBatch {
  const P = Math.max(...prompts.map((p) => p.length));
  const R = Math.max(1, ...responses.map((r) => r.length));
  const ids: number[][] = [];
  const mask: number[][] = [];
  prompts.forEach((p, b) => {
    const r = responses[b];
    ids.push([
      ...new Array(P - p.length).fill(padId),
      ...p,
      ...r,
      ...new Array(R - r.length).fill(padId),
    ]);
    mask.push([
      ...new Array(P - p.length).fill(0),
      ...p.map(() => 1),
      ...r.map(() => 1),
      ...new Array(R - r.length).fill(0),
    ]);
  });
  return { ids, mask, responseStart: P };
}

export interface ResponseScores {
  /** Log-probabilities of the response tokens, [batch, R] (0 at padding). */
  logprobs: tf.Tensor2D;
  /** Hidden states that predict each response token, [batch, R, n_embd]. */
  hidden: tf.Tensor3D;
  /** Full logits / temperature at those positions, [batch·R, vocab], when asked for. */
  logits?: tf.Tensor2D;
}

/**
 * Log-probabilities of each response token under softmax(logits / temperature), the same
 * distribution the sampler draws from when top-k and top-p are off. Differentiable.
 */
export function responseLogprobs(
  model: GPT,
  batch: ScoredBatch,
  temperature = 1,
  keepLogits = false,
): ResponseScores {
  return tf.tidy(() => {
    const B = batch.ids.length;
    const L = batch.ids[0].length;
    const P = batch.responseStart;
    const R = L - P;
    const d = model.config.n_embd;
    const ids = tf.tensor2d(batch.ids, [B, L], 'int32');
    const { hidden } = model.forward({ ids, mask: batch.mask });
    // Position t predicts token t + 1: response token j is predicted at column P - 1 + j.
    const h = hidden.slice([0, P - 1, 0], [B, R, d]) as tf.Tensor3D;
    const h2 = h.reshape([B * R, d]) as tf.Tensor2D;
    const targets = tf.tensor1d(
      batch.ids.flatMap((row) => row.slice(P)),
      'int32',
    );
    const respMask = tf.tensor2d(
      batch.mask.map((row) => row.slice(P)),
      [B, R],
    );
    if (keepLogits) {
      // The caller wants the whole distribution (entropy): one logits tensor.
      const logits = tf.div(model.logits(h2), temperature) as tf.Tensor2D;
      const lp = tf.mul(selectLogprobs(logits, targets).reshape([B, R]), respMask) as tf.Tensor2D;
      return { logprobs: lp, hidden: h, logits };
    }
    // Otherwise the LM head runs in row chunks that stay under the device's binding limit.
    const picked = chunkedLogprobs(h2, targets, (x) => model.logits(x), {
      vocab: model.config.vocab_size,
      temperature,
    });
    return { logprobs: tf.mul(picked.reshape([B, R]), respMask) as tf.Tensor2D, hidden: h };
  });
}

/** Mean next-token cross-entropy over real positions with real targets (pre-training loss). */
export function languageModelLoss(model: GPT, ids: number[][], mask: number[][]): tf.Scalar {
  return tf.tidy(() => {
    const B = ids.length;
    const L = ids[0].length;
    const d = model.config.n_embd;
    const { hidden } = model.forward({ ids: tf.tensor2d(ids, [B, L], 'int32'), mask });
    const h = hidden.slice([0, 0, 0], [B, L - 1, d]).reshape([B * (L - 1), d]) as tf.Tensor2D;
    const targets = tf.tensor1d(
      ids.flatMap((r) => r.slice(1)),
      'int32',
    );
    // A target counts when it and the position predicting it are both real: with left
    // padding, the column before the first real token is padding and sees no real token.
    const w = tf.tensor1d(mask.flatMap((r) => r.slice(1).map((m, t) => m * r[t])));
    const lp = chunkedLogprobs(h, targets, (x) => model.logits(x), {
      vocab: model.config.vocab_size,
    });
    return tf.neg(tf.div(tf.sum(tf.mul(lp, w)), tf.maximum(tf.sum(w), 1))) as tf.Scalar;
  });
}
