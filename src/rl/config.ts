/**
 * Hyper-parameters of the reward-model trainer and of PPO: typed, frozen defaults sized for
 * the small models this app trains in a browser tab, and validators that name the bad field
 * and say how to fix it. Field names follow TRL's RewardConfig / PPOConfig in camelCase.
 */
import type { KLKind } from './math';

const FILE = 'src/rl/config.ts';

/** A configuration field is missing, mistyped or out of range. */
export class RLConfigError extends Error {
  constructor(
    readonly config: string,
    readonly field: string,
    /** What the value must be, e.g. "must be an integer ≥ 1, got 0; the default is 100". */
    readonly rule: string,
  ) {
    super(`${FILE}: ${config}.${field} ${rule}`);
    this.name = 'RLConfigError';
  }
}

export interface RewardConfig {
  /** Adam step size; (0, 0.01]. Decays linearly to 0 over the run. */
  learningRate: number;
  /** Preference groups (a pair or a ranking) per optimizer step; integer ≥ 1. */
  batchSize: number;
  /** Passes over the training groups; integer ≥ 1. InstructGPT trains one (it overfits). */
  epochs: number;
  /** Optimizer steps done by one call of step(); integer ≥ 1. 1: a chart point per batch. */
  batchesPerStep: number;
  /** Share of prompts held out for accuracy, split by prompt; [0, 0.5]. */
  evalFraction: number;
  /** Global gradient norm above which gradients are scaled down; > 0. */
  maxGradNorm: number;
  /** Adam's epsilon; > 0. */
  adamEpsilon: number;
  /** Seed of the held-out split and the shuffles; any integer. */
  seed: number;
}

export const DEFAULT_REWARD_CONFIG: Readonly<RewardConfig> = Object.freeze({
  learningRate: 3e-4,
  batchSize: 8,
  epochs: 2,
  batchesPerStep: 1,
  evalFraction: 0.1,
  maxGradNorm: 1,
  adamEpsilon: 1e-8,
  seed: 0,
});

/** Adaptive KL coefficient (Ziegler et al. 2019 §2.2): β moves to keep the KL near target. */
export interface AdaptiveKL {
  /** KL per response the controller aims for, nats (sum over tokens); > 0. TRL: 6. */
  target: number;
  /** Rollouts over which β may change by up to ±20 %; > 0. TRL: 10 000. */
  horizon: number;
}

export interface PPOConfig {
  /** Adam step size; [0, 0.01]. 0 freezes the weights (useful for checks). */
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over totalSteps, as TRL and Huang et al. 2024 do. */
  annealLR: boolean;
  /** PPO iterations in the run (sets the annealing and the progress); integer ≥ 1. */
  totalSteps: number;
  /** Prompts (rollouts) per PPO iteration; integer ≥ 1. */
  batchSize: number;
  /** Minibatches each rollout batch is cut into per epoch; integer in [1, batchSize]. */
  miniBatches: number;
  /** Passes over each rollout batch; integer ≥ 1. TRL: 4. */
  ppoEpochs: number;
  /** Most tokens sampled per response; integer ≥ 1. */
  maxNewTokens: number;
  /** Sampling temperature, also dividing the logits in every log-prob; > 0. TRL: 0.7. */
  temperature: number;
  /** Policy ratio clip ε; (0, 1). TRL: 0.2. */
  clipRange: number;
  /** Value clip range, in reward units; > 0. TRL: 0.2. */
  clipRangeValue: number;
  /** Weight of the value loss in the total loss; ≥ 0. TRL: 0.1. */
  vfCoef: number;
  /** Discount γ; [0, 1]. TRL: 1. */
  gamma: number;
  /** GAE λ; [0, 1]. TRL: 0.95. */
  lambda: number;
  /** Initial (or fixed) KL coefficient β; ≥ 0. TRL: 0.05. */
  klCoef: number;
  /** Per-token KL estimator: 'k1' (log ratio, TRL's default) or 'k3' (always ≥ 0). */
  klEstimator: KLKind;
  /** null: β stays klCoef; otherwise β adapts toward a target KL. */
  adaptiveKL: AdaptiveKL | null;
  /** Added to the score of a response that did not end with EOS; ≤ 0, null = off. */
  missingEosPenalty: number | null;
  /** Whiten per-token rewards (not shifting their mean) before GAE. */
  whitenRewards: boolean;
  /** Global gradient norm above which gradients are scaled down; > 0. TRL: 1. */
  maxGradNorm: number;
  /** Skip a minibatch whose mean policy ratio is above this or below its inverse; > 1. */
  maxRatio: number;
  /** Adam's epsilon; > 0. N implementation details: 1e-5. */
  adamEpsilon: number;
  /** Check that sampler log-probs match teacher forcing (within 1e-3); costs a read-back. */
  debugChecks: boolean;
  /** Seed of prompt order and sampling; any integer. */
  seed: number;
}

export const DEFAULT_PPO_CONFIG: Readonly<PPOConfig> = Object.freeze({
  learningRate: 1e-4,
  annealLR: true,
  totalSteps: 100,
  batchSize: 16,
  miniBatches: 2,
  ppoEpochs: 4,
  maxNewTokens: 48,
  temperature: 0.7,
  clipRange: 0.2,
  clipRangeValue: 0.2,
  vfCoef: 0.1,
  gamma: 1,
  lambda: 0.95,
  klCoef: 0.05,
  klEstimator: 'k1' as KLKind,
  adaptiveKL: null,
  missingEosPenalty: -1,
  whitenRewards: false,
  maxGradNorm: 1,
  maxRatio: 10,
  adamEpsilon: 1e-5,
  debugChecks: false,
  seed: 0,
});

// ---------------------------------------------------------------------------------------------
// Checks. Each names the field, the value seen, and a value that works.

type Check = (v: unknown) => string | null;

const num = (lo: number, hi: number, loOpen = false, hiOpen = false): Check => {
  return (v) => {
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (loOpen ? v > lo : v >= lo) &&
      (hiOpen ? v < hi : v <= hi);
    const range = `${loOpen ? '(' : '['}${lo}, ${hiOpen ? hi + ')' : hi + ']'}`;
    return ok ? null : `must be a number in ${range}`;
  };
};

const int = (lo: number): Check => {
  return (v) =>
    Number.isSafeInteger(v) && (v as number) >= lo ? null : `must be an integer ≥ ${lo}`;
};

const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');

function check<T extends object>(
  name: string,
  defaults: Readonly<T>,
  partial: Partial<T>,
  rules: Record<keyof T, Check>,
): T {
  if (typeof partial !== 'object' || partial === null) {
    throw new RLConfigError(name, '(root)', 'must be an object');
  }
  for (const key of Object.keys(partial)) {
    if (!(key in defaults)) {
      throw new RLConfigError(
        name,
        key,
        `is not a field; known fields: ${Object.keys(defaults).join(', ')}`,
      );
    }
  }
  const merged = { ...defaults, ...partial } as T;
  for (const key of Object.keys(rules) as (keyof T & string)[]) {
    const v = merged[key];
    const problem = rules[key](v);
    if (problem !== null) {
      const fix = JSON.stringify(defaults[key]);
      throw new RLConfigError(
        name,
        key,
        `${problem}, got ${JSON.stringify(v)}; the default is ${fix}`,
      );
    }
  }
  return Object.freeze(merged);
}

/** Merges `partial` over the defaults and checks every field; throws RLConfigError. */
export function validateRewardConfig(partial: Partial<RewardConfig> = {}): Readonly<RewardConfig> {
  return check('RewardConfig', DEFAULT_REWARD_CONFIG, partial, {
    learningRate: num(0, 0.01),
    batchSize: int(1),
    epochs: int(1),
    batchesPerStep: int(1),
    evalFraction: num(0, 0.5),
    maxGradNorm: num(0, Infinity, true, true),
    adamEpsilon: num(0, 1, true),
    seed: (v) => (Number.isSafeInteger(v) ? null : 'must be an integer'),
  });
}

/** Merges `partial` over the defaults and checks every field; throws RLConfigError. */
export function validatePPOConfig(partial: Partial<PPOConfig> = {}): Readonly<PPOConfig> {
  const c = check('PPOConfig', DEFAULT_PPO_CONFIG, partial, {
    learningRate: num(0, 0.01),
    annealLR: bool,
    totalSteps: int(1),
    batchSize: int(1),
    miniBatches: int(1),
    ppoEpochs: int(1),
    maxNewTokens: int(1),
    temperature: num(0, 100, true),
    clipRange: num(0, 1, true, true),
    clipRangeValue: num(0, Infinity, true, true),
    vfCoef: num(0, Infinity, false, true),
    gamma: num(0, 1),
    lambda: num(0, 1),
    klCoef: num(0, Infinity, false, true),
    klEstimator: (v) => (v === 'k1' || v === 'k3' ? null : "must be 'k1' or 'k3'"),
    adaptiveKL: (v) => {
      if (v === null) return null;
      const a = v as Partial<AdaptiveKL>;
      if (typeof v !== 'object') return 'must be null or {target, horizon}';
      if (num(0, Infinity, true, true)(a.target) !== null) return 'target must be a number > 0';
      if (num(0, Infinity, true, true)(a.horizon) !== null) return 'horizon must be a number > 0';
      return null;
    },
    missingEosPenalty: (v) => (v === null ? null : num(-Infinity, 0, true)(v)),
    whitenRewards: bool,
    maxGradNorm: num(0, Infinity, true, true),
    maxRatio: num(1, Infinity, true, true),
    adamEpsilon: num(0, 1, true),
    debugChecks: bool,
    seed: (v) => (Number.isSafeInteger(v) ? null : 'must be an integer'),
  });
  if (c.miniBatches > c.batchSize) {
    throw new RLConfigError(
      'PPOConfig',
      'miniBatches',
      `is ${c.miniBatches} but batchSize is ${c.batchSize}; use at most batchSize minibatches`,
    );
  }
  if (c.adaptiveKL !== null && c.klCoef === 0) {
    throw new RLConfigError(
      'PPOConfig',
      'klCoef',
      'must be > 0 when adaptiveKL is set (β = 0 cannot adapt)',
    );
  }
  return c;
}
