/**
 * The reward model and its trainer. The reward model is a copy of the policy's trunk with a
 * scalar head read at the last real token (Ouyang et al. 2022, InstructGPT). It learns from
 * preference pairs and rankings with the Bradley–Terry loss; a ranking of K responses is one
 * batch element whose K scores are computed once and whose K·(K−1)/2 pairs share its weight.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../model/gpt';
import { ScalarHead, lastRealIndex } from '../model/heads';
import { layoutBatch } from '../model/logprobs';
import { oneHotFloat } from '../model/ops';
import { seededRandom } from '../model/sampling';
import { type RewardConfig, validateRewardConfig } from './config';
import { bradleyTerryLoss, pairAccuracy } from './math';
import { type StepReport, guardedUpdate, mean, setLearningRate, shuffledIndices } from './step';

const FILE = 'src/rl/reward.ts';

/**
 * A preference pair as token ids; the prompt is already chat-templated. Responses are kept as
 * the policy generated them, EOS included when it was drawn, so that the reward model learns
 * on the same endings it will score during PPO.
 */
export interface PreferencePairIds {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

/**
 * A ranking of K ≥ 2 responses to one prompt, best first. A pair is a ranking of two. A group
 * whose order is only partial (OpenAssistant's sibling ranks can tie) lists its comparisons
 * instead: [better, worse] indices into `responses`.
 */
export interface RankingIds {
  prompt: number[];
  responses: number[][];
  comparisons?: [number, number][];
}

export interface PreferenceData {
  pairs?: PreferencePairIds[];
  rankings?: RankingIds[];
}

/** Pairs and rankings as one list of rankings; throws naming the first bad entry. */
export function toGroups(data: PreferenceData): RankingIds[] {
  const groups: RankingIds[] = [];
  const need = (ok: boolean, where: string, what: string) => {
    if (!ok) throw new Error(`${FILE}: ${where} ${what}`);
  };
  (data.pairs ?? []).forEach((p, i) => {
    need(p.prompt?.length > 0, `pairs[${i}].prompt`, 'is empty');
    need(p.chosen?.length > 0, `pairs[${i}].chosen`, 'is empty');
    need(p.rejected?.length > 0, `pairs[${i}].rejected`, 'is empty');
    groups.push({ prompt: p.prompt, responses: [p.chosen, p.rejected] });
  });
  (data.rankings ?? []).forEach((r, i) => {
    need(r.prompt?.length > 0, `rankings[${i}].prompt`, 'is empty');
    need(r.responses?.length >= 2, `rankings[${i}].responses`, 'needs at least 2 responses');
    r.responses.forEach((x, k) => need(x.length > 0, `rankings[${i}].responses[${k}]`, 'is empty'));
    if (r.comparisons !== undefined) {
      const k = r.responses.length;
      need(r.comparisons.length > 0, `rankings[${i}].comparisons`, 'is empty');
      r.comparisons.forEach(([a, b], c) =>
        need(
          Number.isInteger(a) &&
            Number.isInteger(b) &&
            a !== b &&
            a >= 0 &&
            b >= 0 &&
            a < k &&
            b < k,
          `rankings[${i}].comparisons[${c}]`,
          `must be two different indices below ${k}`,
        ),
      );
    }
    groups.push(r);
  });
  return groups;
}

/**
 * Every (better, worse) pair of each group as indices into the groups' responses laid end to
 * end, with weight 1/C(K,2) (1/n for a group of n listed comparisons) so that each group
 * counts once however many responses it ranks.
 */
export function comparisons(groups: RankingIds[]): {
  chosen: number[];
  rejected: number[];
  weights: number[];
} {
  const chosen: number[] = [];
  const rejected: number[] = [];
  const weights: number[] = [];
  let offset = 0;
  for (const g of groups) {
    const k = g.responses.length;
    const pairs: [number, number][] = g.comparisons ?? [];
    if (g.comparisons === undefined) {
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) pairs.push([i, j]);
    }
    for (const [better, worse] of pairs) {
      chosen.push(offset + better);
      rejected.push(offset + worse);
      weights.push(1 / pairs.length);
    }
    offset += k;
  }
  return { chosen, rejected, weights };
}

/** 32-bit FNV-1a of a prompt's ids, mixed with a seed: a stable, seeded order of prompts. */
function promptHash(prompt: number[], seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const id of prompt) {
    h = Math.imul(h ^ (id & 0xffff), 0x01000193) >>> 0;
    h = Math.imul(h ^ (id >>> 16), 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Holds out about `fraction` of the distinct prompts (all their groups), chosen by a seeded
 * hash, so that no prompt is in both splits. At least one prompt stays in training.
 */
export function splitByPrompt(
  groups: RankingIds[],
  fraction: number,
  seed: number,
): { train: RankingIds[]; heldOut: RankingIds[] } {
  const keys = [...new Set(groups.map((g) => g.prompt.join(',')))];
  const hashed = keys.map((k) => ({ k, h: promptHash(k.split(',').map(Number), seed) }));
  hashed.sort((a, b) => a.h - b.h || (a.k < b.k ? -1 : 1));
  let nHeld = Math.round(fraction * keys.length);
  if (fraction > 0 && keys.length >= 2) nHeld = Math.max(1, nHeld);
  nHeld = Math.min(nHeld, keys.length - 1);
  const held = new Set(hashed.slice(0, Math.max(0, nHeld)).map((x) => x.k));
  return {
    train: groups.filter((g) => !held.has(g.prompt.join(','))),
    heldOut: groups.filter((g) => held.has(g.prompt.join(','))),
  };
}

/** Gain and bias that map `raw` to mean 0 and (population) standard deviation 1. */
export function calibration(raw: number[]): {
  gain: number;
  bias: number;
  mean: number;
  std: number;
} {
  if (raw.length === 0) throw new Error(`${FILE} calibration(): no scores to calibrate on`);
  const m = mean(raw);
  const std = Math.sqrt(mean(raw.map((r) => (r - m) ** 2)));
  if (!Number.isFinite(m) || !(std > 1e-6)) {
    throw new Error(
      `${FILE} calibration(): the ${raw.length} reference scores have mean ${m} and ` +
        `spread ${std}; sample more varied reference responses`,
    );
  }
  return { gain: 1 / std, bias: -m / std, mean: m, std };
}

export class RewardModel {
  /** Calibration: score = gain · raw + bias. */
  gain = 1;
  bias = 0;

  constructor(
    readonly trunk: GPT,
    readonly head: ScalarHead,
  ) {}

  /** A reward model initialised from a policy checkpoint: its trunk copied, a fresh head. */
  static fromPolicy(policy: GPT, seed = 0): RewardModel {
    return new RewardModel(
      policy.clone(true),
      ScalarHead.init('score', policy.config.n_embd, seed),
    );
  }

  variables(): tf.Variable[] {
    return [...this.trunk.trainableVariables(), ...this.head.variables()];
  }

  /** Uncalibrated scores, read at each sequence's last real token: [batch]. Differentiable. */
  rawScores(prompts: number[][], responses: number[][]): tf.Tensor1D {
    const pad = this.trunk.config.pad_token_id ?? this.trunk.config.eos_token_id;
    const layout = layoutBatch(prompts, responses, pad);
    return tf.tidy(() => {
      const ids = tf.tensor2d(layout.ids, [layout.ids.length, layout.ids[0].length], 'int32');
      const { hidden } = this.trunk.forward({ ids, mask: layout.mask });
      return this.head.atIndex(hidden, lastRealIndex(layout.mask));
    });
  }

  /** Calibrated scores, computed in chunks of `chunk` sequences. */
  async score(prompts: number[][], responses: number[][], chunk = 32): Promise<number[]> {
    const raw = await this.rawScoreValues(prompts, responses, chunk);
    return raw.map((r) => this.gain * r + this.bias);
  }

  /** Sets gain and bias so that these reference samples score mean 0, std 1. */
  async calibrate(prompts: number[][], responses: number[][]) {
    const c = calibration(await this.rawScoreValues(prompts, responses));
    this.gain = c.gain;
    this.bias = c.bias;
    return c;
  }

  private async rawScoreValues(prompts: number[][], responses: number[][], chunk = 32) {
    if (prompts.length !== responses.length) {
      throw new Error(
        `${FILE} score(): ${prompts.length} prompts but ${responses.length} responses`,
      );
    }
    const out: number[] = [];
    for (let i = 0; i < prompts.length; i += chunk) {
      const s = this.rawScores(prompts.slice(i, i + chunk), responses.slice(i, i + chunk));
      out.push(...(await s.data()));
      s.dispose();
    }
    return out;
  }

  dispose() {
    this.trunk.dispose();
    this.head.dispose();
  }
}

/** Scores of chosen and rejected of every comparison, selected by one-hot products. */
function pairScores(model: RewardModel, groups: RankingIds[]) {
  const prompts = groups.flatMap((g) => g.responses.map(() => g.prompt));
  const responses = groups.flatMap((g) => g.responses);
  const { chosen, rejected, weights } = comparisons(groups);
  const scores = model.rawScores(prompts, responses).expandDims(1); // [N, 1]
  // Selection by one-hot product: tf.gather has no gradient on wasm.
  const pick = (idx: number[]) =>
    tf
      .matMul(oneHotFloat(tf.tensor1d(idx, 'int32'), responses.length), scores)
      .reshape([-1]) as tf.Tensor1D;
  return { rc: pick(chosen), rr: pick(rejected), weights: tf.tensor1d(weights) };
}

export class RewardTrainer {
  readonly config: Readonly<RewardConfig>;
  readonly train: RankingIds[];
  readonly heldOut: RankingIds[];
  readonly optimizer: tf.AdamOptimizer;
  private readonly random: () => number;
  private order: number[] = [];
  private batchesDone = 0;
  private stepsDone = 0;
  private elapsedMs = 0;

  constructor(
    readonly model: RewardModel,
    data: PreferenceData,
    config: Partial<RewardConfig> = {},
  ) {
    this.config = validateRewardConfig(config);
    const groups = toGroups(data);
    if (groups.length === 0) throw new Error(`${FILE} RewardTrainer: no pairs or rankings given`);
    const split = splitByPrompt(groups, this.config.evalFraction, this.config.seed);
    this.train = split.train;
    this.heldOut = split.heldOut;
    this.optimizer = tf.train.adam(this.config.learningRate, 0.9, 0.999, this.config.adamEpsilon);
    this.random = seededRandom(this.config.seed);
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.train.length / this.config.batchSize);
  }

  get totalBatches(): number {
    return this.config.epochs * this.batchesPerEpoch;
  }

  get totalSteps(): number {
    return Math.ceil(this.totalBatches / this.config.batchesPerStep);
  }

  get done(): boolean {
    return this.batchesDone >= this.totalBatches;
  }

  /** Trains on up to batchesPerStep batches; evaluates on the held-out split at epoch ends. */
  async step(): Promise<StepReport> {
    const c = this.config;
    const started = performance.now();
    const losses: number[] = [];
    const accuracies: number[] = [];
    const margins: number[] = [];
    const skipped: string[] = [];
    let lr = c.learningRate;
    let evaluateNow = false;

    for (let k = 0; k < c.batchesPerStep && !this.done; k++) {
      // Linear decay to 0 over the run, TRL's default schedule.
      lr = c.learningRate * (1 - this.batchesDone / this.totalBatches);
      setLearningRate(this.optimizer, lr);
      if (this.order.length === 0) this.order = shuffledIndices(this.train.length, this.random);
      const batch = this.order.splice(0, c.batchSize).map((i) => this.train[i]);

      let kept: tf.Scalar[] = [];
      const result = await guardedUpdate(
        this.optimizer,
        this.model.variables(),
        () => {
          const { rc, rr, weights } = pairScores(this.model, batch);
          kept = [pairAccuracy(rc, rr), tf.mean(tf.sub(rc, rr)) as tf.Scalar].map((t) =>
            tf.keep(t),
          );
          return bradleyTerryLoss(rc, rr, weights);
        },
        c.maxGradNorm,
      );
      const [acc, margin] = await Promise.all(kept.map(async (t) => (await t.data())[0]));
      tf.dispose(kept);
      losses.push(result.loss);
      accuracies.push(acc);
      margins.push(margin);
      if (result.skipped !== null) skipped.push(result.skipped);
      this.batchesDone++;
      if (this.batchesDone % this.batchesPerEpoch === 0) evaluateNow = true;
    }
    if (this.done) evaluateNow = true;

    const metrics: Record<string, number> = {
      'loss/reward': mean(losses),
      'reward/accuracy': mean(accuracies),
      'reward/margin': mean(margins),
      epoch: this.batchesDone / this.batchesPerEpoch,
      lr,
    };
    if (evaluateNow && this.heldOut.length > 0) {
      const e = await this.evaluate();
      metrics['eval/loss'] = e.loss;
      metrics['eval/accuracy'] = e.accuracy;
    }
    this.stepsDone++;
    this.elapsedMs += performance.now() - started;
    const report: StepReport = {
      step: this.stepsDone,
      totalSteps: this.totalSteps,
      elapsedMs: this.elapsedMs,
      metrics,
    };
    if (skipped.length > 0)
      report.notice = `skipped ${skipped.length} updates: ${[...new Set(skipped)].join('; ')}`;
    return report;
  }

  /** Loss and pair accuracy (a tie counts ½) on the held-out split, or on `groups`. */
  async evaluate(
    groups: RankingIds[] = this.heldOut,
  ): Promise<{ loss: number; accuracy: number; pairs: number }> {
    let lossSum = 0;
    let weightSum = 0;
    let correct = 0;
    let pairs = 0;
    for (let i = 0; i < groups.length; i += this.config.batchSize) {
      const chunk = groups.slice(i, i + this.config.batchSize);
      const t = tf.tidy(() => {
        const { rc, rr, weights } = pairScores(this.model, chunk);
        return [bradleyTerryLoss(rc, rr, weights), pairAccuracy(rc, rr), tf.sum(weights)];
      });
      const [loss, acc, w] = await Promise.all(t.map(async (x) => (await x.data())[0]));
      tf.dispose(t);
      const n = comparisons(chunk).chosen.length;
      lossSum += loss * w;
      weightSum += w;
      correct += acc * n;
      pairs += n;
    }
    return { loss: lossSum / weightSum, accuracy: correct / pairs, pairs };
  }

  /** Frees the optimizer state; the reward model belongs to the caller. */
  dispose() {
    this.optimizer.dispose();
  }
}
