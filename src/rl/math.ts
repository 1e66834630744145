/**
 * The pure maths of RLHF: masked statistics, GAE, the reward model's pairwise loss, KL
 * estimators, PPO's clipped losses and the KL controllers.
 *
 * Every tensor function is built from differentiable tf ops only, never reads data back to
 * JS, and so runs inside `tf.tidy` and `tf.grad` on any backend. Masks are float 0/1 tensors
 * shaped like the values they mask; responses are right-padded (real tokens first). Masked-out
 * entries are replaced with `tf.where` rather than multiplied by 0, so that padding holding
 * -Infinity or NaN (e.g. log-probs of pad tokens) cannot leak into a result.
 */
import * as tf from '@tensorflow/tfjs';

export type KLKind = 'k1' | 'k2' | 'k3';

const FILE = 'src/rl/math.ts';

// ---------------------------------------------------------------------------------------------
// Input checks: shapes and hyper-parameters are known on the JS side, so check them eagerly.

function fail(fn: string, message: string): never {
  throw new Error(`${FILE} ${fn}(): ${message}`);
}

function sameShape(fn: string, name: string, t: tf.Tensor, refName: string, ref: tf.Tensor) {
  if (t.shape.length !== ref.shape.length || t.shape.some((d, i) => d !== ref.shape[i])) {
    fail(
      fn,
      `'${name}' has shape [${t.shape}] but '${refName}' has [${ref.shape}]; they must match`,
    );
  }
}

function hasRank(fn: string, name: string, t: tf.Tensor, rank: number, dims: string) {
  if (t.rank !== rank) fail(fn, `'${name}' must be ${dims} (rank ${rank}), got [${t.shape}]`);
}

function inRange(fn: string, name: string, v: number, lo: number, hi: number) {
  if (!Number.isFinite(v) || v < lo || v > hi)
    fail(fn, `'${name}' must be in [${lo}, ${hi}], got ${v}`);
}

/** Masks may arrive as int32 or bool; arithmetic below needs float32. */
function asFloat(mask: tf.Tensor): tf.Tensor {
  return mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
}

/** x where mask is 1, exactly 0 elsewhere (even where x is NaN or ±Infinity). */
function keep(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(mask, 0), x, tf.zerosLike(x));
}

// ---------------------------------------------------------------------------------------------
// Masked statistics.

/** Σ x·m over `axis` (all axes when omitted). TRL `masked_mean` numerator. */
export function maskedSum(x: tf.Tensor, mask: tf.Tensor, axis?: number): tf.Tensor {
  sameShape('maskedSum', 'mask', mask, 'x', x);
  return tf.sum(keep(x, asFloat(mask)), axis);
}

/** Σ x·m / max(Σ m, 1): mean over mask==1 entries, 0 (not NaN) when the mask is empty. TRL. */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor, axis?: number): tf.Tensor {
  sameShape('maskedMean', 'mask', mask, 'x', x);
  const m = asFloat(mask);
  return tf.div(tf.sum(keep(x, m), axis), tf.maximum(tf.sum(m, axis), 1));
}

/** Σ m·(x − mean)² / (n − 1) (or / n when biased); 0 when n ≤ 1. TRL `masked_var`. */
export function maskedVar(x: tf.Tensor, mask: tf.Tensor, unbiased = true): tf.Scalar {
  sameShape('maskedVar', 'mask', mask, 'x', x);
  const m = asFloat(mask);
  const n = tf.sum(m);
  const squares = tf.sum(keep(tf.square(tf.sub(x, maskedMean(x, m))), m));
  const denominator = unbiased ? tf.maximum(tf.sub(n, 1), 1) : tf.maximum(n, 1);
  // One sample has no spread: report 0 rather than 0/0, biased or not.
  return tf.mul(tf.div(squares, denominator), tf.cast(tf.greater(n, 1), 'float32')) as tf.Scalar;
}

/**
 * (x − mean)/sqrt(var + 1e-8) over masked entries, + mean again when !shiftMean; masked-out
 * entries are 0. TRL `masked_whiten` (unbiased variance).
 */
export function whiten(x: tf.Tensor, mask: tf.Tensor, shiftMean = true): tf.Tensor {
  sameShape('whiten', 'mask', mask, 'x', x);
  const m = asFloat(mask);
  const mean = maskedMean(x, m);
  const variance = maskedVar(x, m, true);
  // A constant batch in float32 leaves residuals of ~1 ulp of the mean in x − mean, which the
  // 1e-8 epsilon alone would amplify by 1e4 into noise. Spread below 1e-6 relative to the mean
  // (the resolution of float32) is treated as no spread at all, so whitening gives zeros.
  const flat = tf.lessEqual(variance, tf.square(tf.mul(tf.abs(mean), 1e-6)));
  const scale = tf.mul(tf.rsqrt(tf.add(variance, 1e-8)), tf.cast(tf.logicalNot(flat), 'float32'));
  let out = tf.mul(tf.sub(x, mean), scale);
  if (!shiftMean) out = tf.add(out, mean);
  return keep(out, m);
}

/** 1 − Var(returns − values)/Var(returns) over masked entries; 0 when Var(returns) is 0. */
export function explainedVariance(
  values: tf.Tensor,
  returns: tf.Tensor,
  mask: tf.Tensor,
): tf.Scalar {
  sameShape('explainedVariance', 'returns', returns, 'values', values);
  const varReturns = maskedVar(returns, mask, false);
  const varResidual = maskedVar(tf.sub(returns, values), mask, false);
  const ratio = tf.div(varResidual, tf.maximum(varReturns, 1e-30));
  // Source: OpenAI baselines `explained_variance` (which answers NaN where we answer 0).
  return tf.where(tf.greater(varReturns, 0), tf.sub(1, ratio), tf.scalar(0)) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// Advantages.

/**
 * δ_t = r_t + γ·V_{t+1} − V_t, A_t = δ_t + γλ·A_{t+1}, returns = A + V, run backwards over time.
 * Schulman et al. 2016 (GAE), eq. 16; TRL PPOTrainer's loop. A masked position has no reward,
 * no value and no advantage, so the last real token of a right-padded row bootstraps from 0.
 */
export function gae(
  rewards: tf.Tensor2D,
  values: tf.Tensor2D,
  mask: tf.Tensor2D,
  gamma: number,
  lambda: number,
): { advantages: tf.Tensor2D; returns: tf.Tensor2D } {
  hasRank('gae', 'rewards', rewards, 2, '[batch, time]');
  sameShape('gae', 'values', values, 'rewards', rewards);
  sameShape('gae', 'mask', mask, 'rewards', rewards);
  inRange('gae', 'gamma', gamma, 0, 1);
  inRange('gae', 'lambda', lambda, 0, 1);
  const m = asFloat(mask);
  const v = keep(values, m);

  // Columns as [batch] tensors: transposing first keeps the split on the leading axis.
  const r = tf.unstack(tf.transpose(keep(rewards, m)));
  const vt = tf.unstack(tf.transpose(v));
  const mt = tf.unstack(tf.transpose(m));

  const batch = rewards.shape[0];
  const steps = rewards.shape[1];
  let nextValue: tf.Tensor = tf.zeros([batch]);
  let nextAdvantage: tf.Tensor = tf.zeros([batch]);
  const reversed: tf.Tensor[] = [];
  for (let t = steps - 1; t >= 0; t--) {
    const delta = tf.sub(tf.add(r[t], tf.mul(gamma, nextValue)), vt[t]);
    nextAdvantage = tf.mul(tf.add(delta, tf.mul(gamma * lambda, nextAdvantage)), mt[t]);
    nextValue = vt[t];
    reversed.push(nextAdvantage);
  }
  const advantages = tf.stack(reversed.reverse(), 1) as tf.Tensor2D;
  return { advantages, returns: tf.add(advantages, v) as tf.Tensor2D };
}

// ---------------------------------------------------------------------------------------------
// Reward model.

/**
 * mean_i w_i·softplus(−(rc_i − rr_i)) / mean_i w_i, i.e. −log σ(rc − rr) computed without
 * overflow. Bradley & Terry 1952; Ouyang et al. 2022, eq. 1; TRL RewardTrainer.
 */
export function bradleyTerryLoss(
  rChosen: tf.Tensor1D,
  rRejected: tf.Tensor1D,
  weights?: tf.Tensor1D,
): tf.Scalar {
  hasRank('bradleyTerryLoss', 'rChosen', rChosen, 1, '[pairs]');
  sameShape('bradleyTerryLoss', 'rRejected', rRejected, 'rChosen', rChosen);
  const perPair = tf.softplus(tf.neg(tf.sub(rChosen, rRejected)));
  if (weights === undefined) return tf.mean(perPair) as tf.Scalar;
  sameShape('bradleyTerryLoss', 'weights', weights, 'rChosen', rChosen);
  // Zero total weight gives 0, like an empty mask.
  return tf.div(tf.sum(tf.mul(perPair, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
}

/** mean(½·(1 + sign(rc − rr))): fraction of pairs ranked right, a tie counting ½. */
export function pairAccuracy(rChosen: tf.Tensor1D, rRejected: tf.Tensor1D): tf.Scalar {
  sameShape('pairAccuracy', 'rRejected', rRejected, 'rChosen', rChosen);
  return tf.mean(tf.mul(0.5, tf.add(1, tf.sign(tf.sub(rChosen, rRejected))))) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// KL between the policy and the reference model.

/**
 * Per-token estimator of KL(π‖π_ref) from samples of π, d = refLogp − logp:
 * k1 = −d, k2 = ½d², k3 = (e^d − 1) − d. Schulman 2020, "Approximating KL Divergence"; TRL.
 */
export function klPenalty(logp: tf.Tensor, refLogp: tf.Tensor, kind: KLKind): tf.Tensor {
  sameShape('klPenalty', 'refLogp', refLogp, 'logp', logp);
  const d = tf.sub(refLogp, logp);
  switch (kind) {
    case 'k1':
      return tf.sub(logp, refLogp); // not −d, which would give −0 for identical inputs
    case 'k2':
      return tf.mul(0.5, tf.square(d));
    case 'k3':
      // expm1 keeps k3 exact near d = 0, where exp(d) − 1 would cancel.
      return tf.sub(tf.expm1(d), d);
    default:
      return fail('klPenalty', `'kind' must be 'k1', 'k2' or 'k3', got '${String(kind)}'`);
  }
}

/**
 * rewards_t = −β·kl_t on masked tokens, + score at each row's last real token (index Σm − 1).
 * Ziegler et al. 2019, eq. 2; TRL PPOTrainer. nonScoreReward is Σ_t −β·kl_t per row, [batch].
 * A row whose mask is all 0 receives no score.
 */
export function rewardWithKL(
  scores: tf.Tensor1D,
  logp: tf.Tensor2D,
  refLogp: tf.Tensor2D,
  mask: tf.Tensor2D,
  beta: number,
  kind: KLKind,
): { rewards: tf.Tensor2D; kl: tf.Tensor2D; nonScoreReward: tf.Tensor1D } {
  hasRank('rewardWithKL', 'logp', logp, 2, '[batch, time]');
  sameShape('rewardWithKL', 'refLogp', refLogp, 'logp', logp);
  sameShape('rewardWithKL', 'mask', mask, 'logp', logp);
  hasRank('rewardWithKL', 'scores', scores, 1, '[batch]');
  if (scores.shape[0] !== logp.shape[0]) {
    fail('rewardWithKL', `'scores' has ${scores.shape[0]} rows but 'logp' has ${logp.shape[0]}`);
  }
  inRange('rewardWithKL', 'beta', beta, 0, Number.MAX_VALUE);
  const m = asFloat(mask);
  const kl = keep(klPenalty(logp, refLogp, kind), m) as tf.Tensor2D;
  const perToken = tf.mul(-beta, kl);

  // One-hot of the last real token, from the mask's length rather than from any values.
  const last = tf.sub(tf.sum(m, 1, true), 1); // [batch, 1]
  const atLast = tf.cast(tf.equal(tf.range(0, logp.shape[1]).expandDims(0), last), 'float32');
  const rewards = tf.add(perToken, tf.mul(atLast, tf.expandDims(scores, 1))) as tf.Tensor2D;
  return { rewards, kl, nonScoreReward: tf.sum(perToken, 1) as tf.Tensor1D };
}

// ---------------------------------------------------------------------------------------------
// PPO losses.

/**
 * ρ = exp(logp − oldLogp); loss = maskedMean(max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε))).
 * Schulman et al. 2017 (PPO), eq. 7; clipfrac and approxkl (½·mean (Δlogp)²) as logged by TRL.
 */
export function clippedPolicyLoss(
  logp: tf.Tensor,
  oldLogp: tf.Tensor,
  advantages: tf.Tensor,
  mask: tf.Tensor,
  clipEps: number,
): { loss: tf.Scalar; clipfrac: tf.Scalar; approxkl: tf.Scalar; ratioMean: tf.Scalar } {
  sameShape('clippedPolicyLoss', 'oldLogp', oldLogp, 'logp', logp);
  sameShape('clippedPolicyLoss', 'advantages', advantages, 'logp', logp);
  sameShape('clippedPolicyLoss', 'mask', mask, 'logp', logp);
  inRange('clippedPolicyLoss', 'clipEps', clipEps, 0, 1);
  const logRatio = tf.sub(logp, oldLogp);
  const ratio = tf.exp(logRatio);
  const unclipped = tf.mul(tf.neg(advantages), ratio);
  const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps));
  // maximum() sends the gradient to its first argument on ties, i.e. through the ratio.
  return {
    loss: maskedMean(tf.maximum(unclipped, clipped), mask) as tf.Scalar,
    clipfrac: maskedMean(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask) as tf.Scalar,
    approxkl: maskedMean(tf.mul(0.5, tf.square(logRatio)), mask) as tf.Scalar,
    ratioMean: maskedMean(ratio, mask) as tf.Scalar,
  };
}

/**
 * v' = oldV + clip(V − oldV, −c, c); loss = ½·maskedMean(max((V − R)², (v' − R)²)).
 * Value clipping of OpenAI baselines ppo2 and Ziegler et al. 2019's code, as kept by TRL.
 */
export function clippedValueLoss(
  values: tf.Tensor,
  oldValues: tf.Tensor,
  returns: tf.Tensor,
  mask: tf.Tensor,
  clipRange: number,
): { loss: tf.Scalar; clipfrac: tf.Scalar } {
  sameShape('clippedValueLoss', 'oldValues', oldValues, 'values', values);
  sameShape('clippedValueLoss', 'returns', returns, 'values', values);
  sameShape('clippedValueLoss', 'mask', mask, 'values', values);
  inRange('clippedValueLoss', 'clipRange', clipRange, 0, Number.MAX_VALUE);
  const vClipped = tf.add(
    oldValues,
    tf.clipByValue(tf.sub(values, oldValues), -clipRange, clipRange),
  );
  const unclipped = tf.square(tf.sub(values, returns));
  const clipped = tf.square(tf.sub(vClipped, returns));
  return {
    loss: tf.mul(0.5, maskedMean(tf.maximum(unclipped, clipped), mask)) as tf.Scalar,
    clipfrac: maskedMean(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask) as tf.Scalar,
  };
}

/** maskedMean over tokens of −Σ_v p_v·log p_v, p = softmax(logits). Logged by TRL as entropy. */
export function entropyFromLogits(logits: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  hasRank('entropyFromLogits', 'logits', logits, 3, '[batch, time, vocab]');
  hasRank('entropyFromLogits', 'mask', mask, 2, '[batch, time]');
  if (mask.shape[0] !== logits.shape[0] || mask.shape[1] !== logits.shape[1]) {
    fail(
      'entropyFromLogits',
      `'mask' [${mask.shape}] must match 'logits' [${logits.shape}] on batch, time`,
    );
  }
  const logProbs = tf.logSoftmax(logits); // [batch, time, vocab]
  const perToken = tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), -1)); // [batch, time]
  return maskedMean(perToken, mask) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// KL coefficient controllers (plain numbers: the trainer reads the batch KL back once per step).

/** What PPO needs from a KL controller: the current β and a hook after each batch. */
export interface KLController {
  readonly value: number;
  update(currentKl: number, nSteps: number): void;
}

/** β stays at its initial value. Ziegler et al. 2019, the non-adaptive setting. */
export class FixedKLController implements KLController {
  readonly value: number;

  constructor(value: number) {
    inRange('FixedKLController', 'value', value, 0, Number.MAX_VALUE);
    this.value = value;
  }

  update(_currentKl: number, _nSteps: number): void {}
}

/**
 * e = clip(KL/target − 1, −0.2, 0.2); β ← β·(1 + e·nSteps/horizon). Ziegler et al. 2019, §2.2;
 * TRL AdaptiveKLController.
 */
export class AdaptiveKLController implements KLController {
  private beta: number;

  constructor(
    initKl: number,
    readonly target: number,
    readonly horizon: number,
  ) {
    inRange('AdaptiveKLController', 'initKl', initKl, 0, Number.MAX_VALUE);
    inRange('AdaptiveKLController', 'target', target, Number.MIN_VALUE, Number.MAX_VALUE);
    inRange('AdaptiveKLController', 'horizon', horizon, Number.MIN_VALUE, Number.MAX_VALUE);
    this.beta = initKl;
  }

  get value(): number {
    return this.beta;
  }

  update(currentKl: number, nSteps: number): void {
    // A NaN KL would poison β for the rest of the run; refuse it where it happens.
    if (!Number.isFinite(currentKl))
      fail('AdaptiveKLController.update', `'currentKl' is ${currentKl}`);
    inRange('AdaptiveKLController.update', 'nSteps', nSteps, 0, Number.MAX_VALUE);
    const error = Math.min(Math.max(currentKl / this.target - 1, -0.2), 0.2);
    this.beta *= 1 + (error * nSteps) / this.horizon;
  }
}
