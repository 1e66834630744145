/**
 * PPO for RLHF, as in TRL's PPOTrainer and "The N Implementation Details of RLHF with PPO"
 * (Huang et al. 2024): sample responses, score them with the reward model, penalise the
 * per-token KL to a frozen reference model, estimate advantages with GAE, then run a few
 * epochs of clipped policy and value updates over shuffled minibatches.
 *
 * One step() is one PPO iteration. The trainer knows no DOM and no database: a worker drives
 * it, pausing or stopping between steps, and renders the StepReport it returns.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../model/gpt';
import { ScalarHead } from '../model/heads';
import { seededRandom } from '../model/sampling';
import { type PPOConfig, validatePPOConfig } from './config';
import {
  AdaptiveKLController,
  FixedKLController,
  type KLController,
  clippedPolicyLoss,
  clippedValueLoss,
  entropyFromLogits,
  gae,
  rewardWithKL,
  whiten,
} from './math';
import { responseLogprobs } from '../model/logprobs';
import {
  type SampledBatch,
  checkSamplerLogprobs,
  countEos,
  forcedScores,
  sampleResponses,
  selectRows,
} from './rollout';
import {
  type Scorer,
  type StepReport,
  guardedUpdate,
  mean,
  setLearningRate,
  shuffledIndices,
  variance,
} from './step';

export interface PPOTrainerOptions {
  /** The policy; trained in place. The caller owns it. */
  policy: GPT;
  /** Scores (prompt, response) pairs; usually a calibrated RewardModel. */
  reward: Scorer;
  /** Chat-templated prompt token ids to sample rollouts from. */
  prompts: number[][];
  config?: Partial<PPOConfig>;
  /** Frozen reference model; default: a non-trainable copy of the policy, owned by the trainer. */
  reference?: GPT;
  /** Value head on the policy trunk; default: a fresh one, owned by the trainer. */
  valueHead?: ScalarHead;
}

/** What one minibatch update saw; the list of the last step is kept for tests and charts. */
export interface MinibatchStats {
  epoch: number;
  /** Mean policy ratio over response tokens. */
  ratio: number;
  /** Largest |log ratio| over response tokens. */
  maxAbsLogRatio: number;
  clipfrac: number;
  approxkl: number;
  policyLoss: number;
  valueLoss: number;
  valueClipfrac: number;
  /** Mean per-token entropy of softmax(logits / temperature). */
  entropy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Why this update was not applied; null when it was. */
  skipped: string | null;
}

/** The MinibatchStats fields that are read back from a tensor of the loss computation. */
type TensorStat = Exclude<keyof MinibatchStats, 'epoch' | 'gradNorm' | 'skipped'>;

/** Tensors of one rollout that live through the update phase; disposed at the step's end. */
type RolloutTensors = {
  mask: tf.Tensor2D;
  oldLogprobs: tf.Tensor2D;
  oldValues: tf.Tensor2D;
  advantages: tf.Tensor2D;
  returns: tf.Tensor2D;
};

export class PPOTrainer {
  readonly config: Readonly<PPOConfig>;
  readonly policy: GPT;
  readonly reference: GPT;
  readonly valueHead: ScalarHead;
  readonly optimizer: tf.AdamOptimizer;
  private readonly reward: Scorer;
  private readonly prompts: number[][];
  private readonly kl: KLController;
  private readonly random: () => number;
  private readonly ownsReference: boolean;
  private readonly ownsValueHead: boolean;
  /** Per-minibatch numbers of the last step, in the order the updates ran. */
  lastMinibatches: MinibatchStats[] = [];
  private promptOrder: number[] = [];
  private stepsDone = 0;
  private elapsedMs = 0;

  constructor(o: PPOTrainerOptions) {
    this.config = validatePPOConfig(o.config);
    const c = this.config;
    if (o.prompts.length === 0) throw new Error('src/rl/ppo.ts PPOTrainer: no prompts given');
    o.prompts.forEach((p, i) => {
      if (p.length === 0) throw new Error(`src/rl/ppo.ts PPOTrainer: prompt ${i} is empty`);
    });
    this.policy = o.policy;
    this.reward = o.reward;
    this.prompts = o.prompts;
    this.ownsReference = o.reference === undefined;
    this.reference = o.reference ?? o.policy.clone(false);
    this.ownsValueHead = o.valueHead === undefined;
    this.valueHead = o.valueHead ?? ScalarHead.init('value', o.policy.config.n_embd, c.seed + 7);
    this.kl = c.adaptiveKL
      ? new AdaptiveKLController(c.klCoef, c.adaptiveKL.target, c.adaptiveKL.horizon)
      : new FixedKLController(c.klCoef);
    this.optimizer = tf.train.adam(c.learningRate, 0.9, 0.999, c.adamEpsilon);
    this.random = seededRandom(c.seed);
  }

  get totalSteps(): number {
    return this.config.totalSteps;
  }

  /** PPO iterations done so far. */
  get stepsCompleted(): number {
    return this.stepsDone;
  }

  /** Whether totalSteps iterations have run (more may run, at the annealed rate of 0). */
  get done(): boolean {
    return this.stepsDone >= this.config.totalSteps;
  }

  /** Current KL coefficient β. */
  get beta(): number {
    return this.kl.value;
  }

  /** Everything the optimizer updates: the policy's weights and the value head. */
  variables(): tf.Variable[] {
    return [...this.policy.trainableVariables(), ...this.valueHead.variables()];
  }

  /** The learning rate of iteration k (0-based): TRL's linear anneal, frac = 1 − k/total. */
  learningRateAt(k: number): number {
    const c = this.config;
    return c.annealLR ? c.learningRate * Math.max(0, 1 - k / c.totalSteps) : c.learningRate;
  }

  private nextPrompts(): number[][] {
    const out: number[][] = [];
    while (out.length < this.config.batchSize) {
      if (this.promptOrder.length === 0) {
        this.promptOrder = shuffledIndices(this.prompts.length, this.random);
      }
      out.push(this.prompts[this.promptOrder.pop()!]);
    }
    return out;
  }

  /** One PPO iteration: a rollout batch, then ppoEpochs × miniBatches guarded updates. */
  async step(): Promise<StepReport> {
    const c = this.config;
    const started = performance.now();
    const lr = this.learningRateAt(this.stepsDone);
    const beta = this.kl.value;
    setLearningRate(this.optimizer, lr);

    // 1. Rollout: sample, score, and teacher-force log-probs and values over one layout.
    const batch = await sampleResponses(this.policy, this.nextPrompts(), {
      temperature: c.temperature,
      maxNewTokens: c.maxNewTokens,
      seed: (c.seed * 1_000_003 + this.stepsDone * 7_919) >>> 0,
    });
    const rawScores = await this.reward.score(batch.prompts, batch.responses);
    if (rawScores.length !== batch.prompts.length) {
      throw new Error(
        `src/rl/ppo.ts: the reward gave ${rawScores.length} scores ` +
          `for ${batch.prompts.length} responses`,
      );
    }
    // A response cut off at maxNewTokens is penalised: TRL's missing_eos_penalty (subtracted
    // there, added here, so the config holds a value ≤ 0).
    const scores = rawScores.map((s, b) =>
      !batch.finished[b] && c.missingEosPenalty !== null ? s + c.missingEosPenalty : s,
    );
    const forced = forcedScores(
      this.policy,
      this.reference,
      this.valueHead,
      batch.layout,
      c.temperature,
    );
    if (c.debugChecks) {
      try {
        await checkSamplerLogprobs(batch, forced.logprobs);
      } catch (e) {
        tf.dispose(Object.values(forced));
        throw e;
      }
    }

    // 2. Rewards: −β·KL per token, score at the last real token; then GAE and whitening.
    const { roll, klSum, nonScore, negLogpSum } = tf.tidy(() => {
      const mask = tf.tensor2d(batch.responseMask);
      const r = rewardWithKL(
        tf.tensor1d(scores),
        forced.logprobs,
        forced.refLogprobs,
        mask,
        beta,
        c.klEstimator,
      );
      const rewards = c.whitenRewards ? (whiten(r.rewards, mask, false) as tf.Tensor2D) : r.rewards;
      const { advantages, returns } = gae(rewards, forced.values, mask, c.gamma, c.lambda);
      const roll: RolloutTensors = {
        mask,
        oldLogprobs: forced.logprobs,
        oldValues: tf.mul(forced.values, mask) as tf.Tensor2D,
        advantages: whiten(advantages, mask) as tf.Tensor2D,
        returns,
      };
      return {
        roll,
        // The KL logged is the KL penalised: the same estimator, the same tensor.
        klSum: tf.sum(r.kl, 1),
        nonScore: r.nonScoreReward,
        negLogpSum: tf.neg(tf.sum(forced.logprobs, 1)),
      };
    });
    tf.dispose([forced.refLogprobs, forced.values]);
    const klPerRow = Array.from(await klSum.data());
    const nonScorePerRow = Array.from(await nonScore.data());
    const entropyPerRow = Array.from(await negLogpSum.data());
    tf.dispose([klSum, nonScore, negLogpSum]);
    const rolloutMs = performance.now() - started;

    // 3. Update: ppoEpochs passes over the batch in reshuffled minibatches.
    const updateStarted = performance.now();
    const stats = await this.update(batch, roll);
    this.lastMinibatches = stats;
    const col = (k: keyof MinibatchStats) => stats.map((m) => m[k] as number);
    const skipped = stats.filter((m) => m.skipped !== null).map((m) => m.skipped!);
    tf.dispose(Object.values(roll));

    // 4. Adapt β to the KL of this batch (TRL passes the batch size as nSteps).
    const meanKl = mean(klPerRow);
    if (Number.isFinite(meanKl)) this.kl.update(meanKl, c.batchSize);

    this.stepsDone++;
    const updateMs = performance.now() - updateStarted;
    this.elapsedMs += performance.now() - started;
    const meanScore = mean(scores);
    const metrics: Record<string, number> = {
      'objective/kl': meanKl,
      'objective/entropy': mean(entropyPerRow),
      'objective/non_score_reward': mean(nonScorePerRow),
      'objective/rlhf_reward': meanScore + mean(nonScorePerRow),
      'objective/scores': meanScore,
      'policy/approxkl_avg': mean(col('approxkl')),
      'policy/clipfrac_avg': mean(col('clipfrac')),
      'policy/entropy_avg': mean(col('entropy')),
      'policy/skipped_updates': skipped.length,
      'loss/policy_avg': mean(col('policyLoss')),
      'loss/value_avg': mean(col('valueLoss')),
      'val/clipfrac_avg': mean(col('valueClipfrac')),
      'val/ratio': mean(col('ratio')),
      'val/ratio_var': variance(col('ratio')),
      'val/num_eos_tokens': countEos(batch.responses, this.policy.config.eos_token_id),
      'val/mean_response_length': mean(batch.responses.map((r) => r.length)),
      lr,
      beta,
      'time/rollout_ms': rolloutMs,
      'time/update_ms': updateMs,
    };
    const report: StepReport = {
      step: this.stepsDone,
      totalSteps: c.totalSteps,
      elapsedMs: this.elapsedMs,
      metrics,
    };
    if (skipped.length > 0) {
      const total = c.ppoEpochs * c.miniBatches;
      const why = [...new Set(skipped)].join('; ');
      report.notice = `skipped ${skipped.length} of ${total} minibatch updates: ${why}`;
    }
    return report;
  }

  /** Epochs × minibatches of clipped policy + value updates, each behind the safety rail. */
  private async update(batch: SampledBatch, roll: RolloutTensors): Promise<MinibatchStats[]> {
    const c = this.config;
    const out: MinibatchStats[] = [];
    const n = batch.prompts.length;
    const variables = this.variables();
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      const order = shuffledIndices(n, this.random);
      for (let m = 0; m < c.miniBatches; m++) {
        const rows = order.slice(
          Math.floor((m * n) / c.miniBatches),
          Math.floor(((m + 1) * n) / c.miniBatches),
        );
        // Same widths as the rollout's layout, so each row is computed exactly as it was then.
        const layout = selectRows(batch.layout, rows);
        const R = layout.ids[0].length - layout.responseStart;
        const idx = tf.tensor1d(rows, 'int32');
        const mb = tf.tidy(() => ({
          mask: tf.gather(roll.mask, idx),
          oldLogprobs: tf.gather(roll.oldLogprobs, idx),
          oldValues: tf.gather(roll.oldValues, idx),
          advantages: tf.gather(roll.advantages, idx),
          returns: tf.gather(roll.returns, idx),
        }));
        idx.dispose();

        // Side outputs of the loss, kept past the gradient tape and read back below.
        let kept: Record<TensorStat, tf.Tensor> | undefined;
        const lossFn = () => {
          const forced = responseLogprobs(this.policy, layout, c.temperature, true);
          const lp = forced.logprobs;
          const values = this.valueHead.perToken(forced.hidden);
          const pg = clippedPolicyLoss(lp, mb.oldLogprobs, mb.advantages, mb.mask, c.clipRange);
          const vf = clippedValueLoss(values, mb.oldValues, mb.returns, mb.mask, c.clipRangeValue);
          const logits = forced.logits!.reshape([rows.length, R, -1]) as tf.Tensor3D;
          kept = {
            ratio: pg.ratioMean,
            // Padding holds 0 in both log-prob tensors, so the max runs over real tokens only.
            maxAbsLogRatio: tf.max(tf.abs(tf.sub(lp, mb.oldLogprobs))),
            clipfrac: pg.clipfrac,
            approxkl: pg.approxkl,
            policyLoss: pg.loss,
            valueLoss: vf.loss,
            valueClipfrac: vf.clipfrac,
            entropy: entropyFromLogits(logits, mb.mask as tf.Tensor2D),
          };
          Object.values(kept).forEach((t) => tf.keep(t));
          return tf.add(pg.loss, tf.mul(c.vfCoef, vf.loss)) as tf.Scalar;
        };
        let read: Record<TensorStat, number> | undefined;
        const readKept = async () => {
          const values = {} as Record<TensorStat, number>;
          for (const [k, t] of Object.entries(kept!)) values[k as TensorStat] = (await t.data())[0];
          return values;
        };
        const veto = async () => {
          read = await readKept();
          const r = read.ratio;
          return r <= c.maxRatio && r >= 1 / c.maxRatio
            ? null
            : `mean ratio ${r.toPrecision(4)} is outside [1/${c.maxRatio}, ${c.maxRatio}]`;
        };
        const result = await guardedUpdate(this.optimizer, variables, lossFn, c.maxGradNorm, veto);
        // The veto is not consulted when the loss or the gradient norm is not finite.
        read ??= await readKept();
        tf.dispose([...Object.values(kept!), ...Object.values(mb)]);
        out.push({ epoch, ...read, gradNorm: result.gradNorm, skipped: result.skipped });
      }
    }
    return out;
  }

  /** Frees what the trainer created: optimizer state, and the reference and value head if owned. */
  dispose() {
    this.optimizer.dispose();
    if (this.ownsReference) this.reference.dispose();
    if (this.ownsValueHead) this.valueHead.dispose();
  }
}
