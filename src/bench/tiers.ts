/**
 * The sizes the bench runs at and the stages of a PPO step, as plain data shared by the
 * measuring code (stages.ts, in the browser) and the report (report.ts, in Node).
 */

/** 'quick' runs on every backend, so its rows compare like for like; 'full' where fast enough. */
export type Tier = 'quick' | 'full';

export interface StageSizes {
  /** Prompts (rollouts) per PPO step; also preference pairs per reward-model step. */
  batch: number;
  /** Tokens sampled per response (and length of each synthetic chosen / rejected). */
  newTokens: number;
  /** Tokens per prompt. */
  promptTokens: number;
}

/** quick: small enough for the cpu backend and software WebGPU; full: the sizes of issue #5. */
export const STAGE_SIZES: Readonly<Record<Tier, Readonly<StageSizes>>> = Object.freeze({
  quick: Object.freeze({ batch: 2, newTokens: 8, promptTokens: 8 }),
  full: Object.freeze({ batch: 8, newTokens: 32, promptTokens: 16 }),
});

/** The stages of PPOTrainer.step(), in the order it runs them. */
export const STAGES = ['generate', 'reference', 'policy', 'reward', 'update'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_LABELS: Readonly<Record<Stage, string>> = Object.freeze({
  generate: 'rollout generation',
  reference: 'reference log-probs',
  policy: 'policy log-probs + values',
  reward: 'reward scoring',
  update: 'update',
});
