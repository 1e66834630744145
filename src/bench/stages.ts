/**
 * Where the time of one RLHF step goes, on the active backend. One PPO step is split into
 * the stages PPOTrainer.step() runs in order:
 *
 *   1. rollout generation      sample a response per prompt (KV cache)
 *   2. reference log-probs     teacher-forced pass of the frozen reference model
 *   3. policy log-probs+values teacher-forced pass of the policy, value head on top
 *   4. reward scoring          one pass of the reward model per (prompt, response)
 *   5. update                  ppoEpochs × miniBatches clipped policy + value updates
 *
 * Stages 1–4 are the rollout.ts / reward.ts calls themselves, each ended by an awaited
 * read-back so that queued GPU work is inside its time. Stage 5 is PPOTrainer.step()'s own
 * update phase: the step's wall time (with a read-back of the updated weights) less the
 * rollout time the step reports, so the numbers come from the real code path unchanged.
 * A reward-model step (RewardTrainer.step on synthetic preference pairs) is timed alongside.
 *
 * The models are freshly initialised at the embedded model's shape: time depends on shapes,
 * not weights, and a random policy almost never samples EOS early, so every backend does
 * the same work (the mean response length is reported to show it).
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT2Config } from '../model/config';
import { GPT } from '../model/gpt';
import { ScalarHead } from '../model/heads';
import { responseLogprobs } from '../model/logprobs';
import { PPOTrainer } from '../rl/ppo';
import { RewardModel, RewardTrainer, type PreferencePairIds } from '../rl/reward';
import { sampleResponses } from '../rl/rollout';
import { type MemoryPeak, PeakMemoryMeter } from './memory';
import { STAGES, STAGE_LABELS, STAGE_SIZES, type Stage, type StageSizes, type Tier } from './tiers';

export { STAGES, STAGE_LABELS, STAGE_SIZES, type Stage, type StageSizes, type Tier };

export interface StageReport {
  tier: Tier;
  sizes: StageSizes;
  /** PPO settings the step ran with (the rest are DEFAULT_PPO_CONFIG). */
  ppo: { ppoEpochs: number; miniBatches: number };
  /** Timed repetitions after one warm-up; every time below is their median. */
  reps: number;
  stageMs: Record<Stage, number>;
  /** Wall time of PPOTrainer.step() and a read-back of the updated value head. */
  stepMs: number;
  /** time/rollout_ms as PPOTrainer.step() reported it (stages 1–4, GAE and whitening). */
  rolloutMs: number;
  /** Wall time of RewardTrainer.step() on `batch` preference pairs, with a read-back. */
  rewardStepMs: number;
  meanResponseTokens: number;
  /** numTensors growth per PPO step and per reward-model step after warm-up; must be 0. */
  leakedPerStep: number;
  leakedPerRewardStep: number;
  /** Peak tensor memory over the PPO steps (warm-up included). */
  peak: MemoryPeak;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Deterministic ordinary token ids (below every special id) for synthetic prompts. */
export function syntheticIds(config: GPT2Config, rows: number, length: number, salt = 0) {
  const specials = [config.bos_token_id, config.eos_token_id, config.pad_token_id ?? Infinity];
  const ordinary = Math.min(config.vocab_size, ...specials);
  return Array.from({ length: rows }, (_, b) =>
    Array.from({ length }, (_, t) => (7 + 131 * (b + salt) + 17 * t) % ordinary),
  );
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One pass of stages 1–4 as separate, synchronised calls. */
async function stagePass(
  policy: GPT,
  reference: GPT,
  valueHead: ScalarHead,
  reward: RewardModel,
  prompts: number[][],
  o: { temperature: number; newTokens: number; seed: number },
) {
  const ms = {} as Record<Exclude<Stage, 'update'>, number>;
  let batch!: Awaited<ReturnType<typeof sampleResponses>>;
  ms.generate = await time(async () => {
    batch = await sampleResponses(policy, prompts, {
      temperature: o.temperature,
      maxNewTokens: o.newTokens,
      seed: o.seed,
    });
  });
  ms.reference = await time(async () => {
    const r = responseLogprobs(reference, batch.layout, o.temperature);
    await r.logprobs.data();
    tf.dispose([r.logprobs, r.hidden]);
  });
  ms.policy = await time(async () => {
    const out = tf.tidy(() => {
      const r = responseLogprobs(policy, batch.layout, o.temperature);
      return [r.logprobs, valueHead.perToken(r.hidden)];
    });
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
  });
  ms.reward = await time(() => reward.score(batch.prompts, batch.responses));
  const tokens = batch.responses.reduce((n, r) => n + r.length, 0) / batch.responses.length;
  return { ms, tokens };
}

/**
 * Times the stages of a PPO step and a reward-model step at `sizes`, on models shaped like
 * `config`, after one warm-up of each (shader compiles, optimizer slots). Frees everything
 * it made.
 */
export async function measureStages(
  config: GPT2Config,
  tier: Tier,
  o: { reps?: number; sizes?: StageSizes; log?: (s: string) => void } = {},
): Promise<StageReport> {
  const sizes = o.sizes ?? STAGE_SIZES[tier];
  const reps = o.reps ?? 1;
  const log = o.log ?? (() => {});
  const { batch: B, newTokens: N, promptTokens: P } = sizes;
  const ppo = { ppoEpochs: 4, miniBatches: Math.min(2, B) };
  const temperature = 0.7;

  const policy = GPT.init(config, 1);
  const reference = policy.clone(false);
  const valueHead = ScalarHead.init('value', config.n_embd, 7);
  const reward = RewardModel.fromPolicy(policy, 3);
  const prompts = syntheticIds(config, B, P);
  const trainer = new PPOTrainer({
    policy,
    reward,
    prompts,
    reference,
    valueHead,
    config: { ...ppo, batchSize: B, maxNewTokens: N, temperature, totalSteps: 1000 },
  });
  const pairs: PreferencePairIds[] = syntheticIds(config, B, P, 1).map((prompt, b) => ({
    prompt,
    chosen: syntheticIds(config, 1, N, 2 + b)[0],
    rejected: syntheticIds(config, 1, N, 3 + B + b)[0],
  }));
  const rewardTrainer = new RewardTrainer(
    reward,
    { pairs },
    {
      batchSize: B,
      batchesPerStep: 1,
      epochs: 1_000_000,
      evalFraction: 0,
    },
  );

  const samples: Record<Stage | 'step' | 'rollout' | 'rewardStep' | 'tokens', number[]> = {
    generate: [],
    reference: [],
    policy: [],
    reward: [],
    update: [],
    step: [],
    rollout: [],
    rewardStep: [],
    tokens: [],
  };
  const sync = () => valueHead.bias.data();
  const meter = new PeakMemoryMeter().start();
  let before = 0;
  let rewardBefore = 0;
  let rewardAfter = 0;
  try {
    for (let rep = 0; rep <= reps; rep++) {
      // Rep 0 is the warm-up; tensors are counted from the end of it.
      if (rep === 1) before = tf.memory().numTensors;
      const pass = await stagePass(policy, reference, valueHead, reward, prompts, {
        temperature,
        newTokens: N,
        seed: 11 + rep,
      });
      let rolloutMs = 0;
      const stepMs = await time(async () => {
        const report = await trainer.step();
        await sync();
        rolloutMs = report.metrics['time/rollout_ms'];
      });
      if (rep === 0) continue;
      for (const k of Object.keys(pass.ms) as (keyof typeof pass.ms)[]) samples[k].push(pass.ms[k]);
      samples.update.push(stepMs - rolloutMs);
      samples.step.push(stepMs);
      samples.rollout.push(rolloutMs);
      samples.tokens.push(pass.tokens);
      log(`  ${tier} PPO step ${rep}/${reps}: ${stepMs.toFixed(0)} ms`);
    }
    const after = tf.memory().numTensors;
    const peak = meter.read();

    for (let rep = 0; rep <= reps; rep++) {
      if (rep === 1) rewardBefore = tf.memory().numTensors;
      const ms = await time(async () => {
        await rewardTrainer.step();
        await reward.head.bias.data();
      });
      if (rep > 0) samples.rewardStep.push(ms);
    }
    rewardAfter = tf.memory().numTensors;

    return {
      tier,
      sizes: { ...sizes },
      ppo,
      reps,
      stageMs: Object.fromEntries(STAGES.map((s) => [s, median(samples[s])])) as Record<
        Stage,
        number
      >,
      stepMs: median(samples.step),
      rolloutMs: median(samples.rollout),
      rewardStepMs: median(samples.rewardStep),
      meanResponseTokens: median(samples.tokens),
      leakedPerStep: (after - before) / reps,
      leakedPerRewardStep: (rewardAfter - rewardBefore) / reps,
      peak,
    };
  } finally {
    meter.stop();
    rewardTrainer.dispose();
    trainer.dispose();
    reward.dispose();
    valueHead.dispose();
    reference.dispose();
    policy.dispose();
  }
}
