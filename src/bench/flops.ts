/**
 * FLOP counts for "share of matmul peak": how much of what the backend's matrix product can
 * do a training step actually gets. Only matrix products count (the convention of PaLM's
 * model FLOPs utilisation and nanoGPT's estimate_mfu): element-wise work, softmax and the
 * optimizer are the overhead the ratio is meant to expose.
 */
import { type GPT2Config, countParameters } from '../model/config';

type Shape = Pick<GPT2Config, 'vocab_size' | 'n_positions' | 'n_embd' | 'n_layer' | 'n_head'> &
  Partial<Pick<GPT2Config, 'n_inner'>>;

/**
 * Parameters that take part in a matrix product, once per token: every parameter except
 * the position embedding, which is a table lookup. The token embedding is counted because
 * the tied LM head multiplies by it; its own lookup on the way in is free.
 */
export function matmulParameters(c: Shape): number {
  return countParameters(c as GPT2Config) - c.n_positions * c.n_embd;
}

/**
 * Training FLOPs per token at sequence length T (forward + backward):
 *
 *     6·N + 12·L·d·T
 *
 * N = matmulParameters: a forward pass does 2 FLOPs (multiply, add) per parameter per token,
 * the backward pass twice that (gradients for inputs and for weights), hence 6·N.
 * Attention adds, per layer and token, q·Kᵀ over T keys (2·d·T) and probs·V (2·d·T) in the
 * forward pass, ×3 with the backward pass: 12·L·d·T. Our attention computes the full T×T
 * matrix and masks it, so T is the whole sequence length, not the causal half.
 */
export function trainingFlopsPerToken(c: Shape, T: number): number {
  return 6 * matmulParameters(c) + 12 * c.n_layer * c.n_embd * T;
}

/** FLOPs of a training step on a batch of `batch` sequences of `T` tokens. */
export function trainingStepFlops(c: Shape, batch: number, T: number): number {
  return batch * T * trainingFlopsPerToken(c, T);
}

/** FLOPs of an [m, k] × [k, n] matrix product. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

/** GFLOP/s of `flops` done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  if (!(ms > 0)) throw new Error(`src/bench/flops.ts gflops(): time must be > 0 ms, got ${ms}`);
  return flops / ms / 1e6;
}
