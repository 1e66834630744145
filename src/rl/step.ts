/**
 * What every trainer shares: the report a step emits, and the guarded optimizer update that
 * computes gradients first and applies them only when they are safe to apply.
 */
import * as tf from '@tensorflow/tfjs';

/** What one call of a trainer's step() reports; plain data, so it crosses postMessage. */
export interface StepReport {
  /** Steps done so far, this one included (1-based). */
  step: number;
  totalSteps: number;
  /** Time spent inside step() over the run, ms (pauses between steps do not count). */
  elapsedMs: number;
  /** Keyed like TRL's logs: `objective/…`, `policy/…`, `loss/…`, `val/…`, `eval/…`. */
  metrics: Record<string, number>;
  /** Something the user should know, e.g. an update that was skipped and why. */
  notice?: string;
}

/** Anything with a score for each (prompt, response): a reward model, or a rule in tests. */
export interface Scorer {
  score(prompts: number[][], responses: number[][]): Promise<number[]>;
}

/** Adam's step size is a protected field in tfjs 4.22 but is read on every update. */
export function setLearningRate(optimizer: tf.AdamOptimizer, lr: number) {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export interface GuardedUpdate {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Why the update was not applied; null when it was. */
  skipped: string | null;
}

/**
 * One optimizer step with a safety rail. Gradients of `lossFn` are computed, their global
 * norm and the loss are read back, and only if both are finite and `veto()` (called after the
 * read-back) has no objection are the clipped gradients applied. A skipped update leaves the
 * variables and the optimizer's state exactly as they were. Clipping scales all gradients by
 * maxNorm / max(norm, maxNorm), as torch's clip_grad_norm_ does.
 */
export async function guardedUpdate(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  lossFn: () => tf.Scalar,
  maxGradNorm: number,
  veto: () => Promise<string | null> = async () => null,
): Promise<GuardedUpdate> {
  const { value, grads } = tf.variableGrads(lossFn, variables);
  // Fixed order: Adam keys its moment slots by position in the map.
  const ordered: tf.NamedTensorMap = {};
  for (const v of variables) {
    const g = grads[v.name];
    if (!g) {
      tf.dispose([value, ...Object.values(grads)]);
      throw new Error(`src/rl/step.ts guardedUpdate(): variable "${v.name}" got no gradient`);
    }
    ordered[v.name] = g;
  }
  // Summed one by one, not with tf.addN: on webgpu addN binds every input to one shader, and
  // past the device's storage-buffer limit (8 per stage on SwiftShader) the submission fails
  // silently: the norm and the loss read back as zeros or stale values.
  const norm = tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    for (const g of Object.values(ordered)) total = tf.add(total, tf.sum(tf.square(g)));
    return tf.sqrt(total);
  });
  const [loss, gradNorm] = [(await value.data())[0], (await norm.data())[0]];

  let skipped: string | null = null;
  if (!Number.isFinite(loss)) skipped = `loss is ${loss}`;
  else if (!Number.isFinite(gradNorm)) skipped = `gradient norm is ${gradNorm}`;
  else skipped = await veto();

  if (skipped === null) {
    tf.tidy(() => {
      const scale = maxGradNorm / Math.max(gradNorm, maxGradNorm);
      const clipped: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(ordered)) clipped[name] = tf.mul(g, scale);
      optimizer.applyGradients(clipped);
    });
  }
  tf.dispose([value, norm, ...Object.values(grads)]);
  return { loss, gradNorm, skipped };
}

/** Mean of a list, NaN for an empty list. */
export function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Population variance of a list, NaN for an empty list. */
export function variance(xs: number[]): number {
  const m = mean(xs);
  return mean(xs.map((x) => (x - m) ** 2));
}

/** Fisher–Yates shuffle of 0..n-1 with a seeded PRNG. */
export function shuffledIndices(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
