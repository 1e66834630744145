/**
 * A rollout: prompts, responses sampled from the policy, and what PPO needs to know about
 * them — log-probs under the policy and the reference model, and the value head's estimates,
 * all teacher-forced over one layout (prompt left-padded to P, response right-padded to R).
 */
import * as tf from '@tensorflow/tfjs';
import { generate } from '../model/generate';
import type { GPT } from '../model/gpt';
import type { ScalarHead } from '../model/heads';
import { layoutBatch, responseLogprobs, type ScoredBatch } from '../model/logprobs';

export interface SampledBatch {
  prompts: number[][];
  /** Sampled tokens per row, EOS included when drawn. */
  responses: number[][];
  /** Whether each response ended with EOS. */
  finished: boolean[];
  /** Log-probs the sampler reported (float64 on the CPU, from the KV-cache pass). */
  samplerLogprobs: number[][];
  layout: ScoredBatch;
  /** [batch, R]: 1 on response tokens, 0 on padding. */
  responseMask: number[][];
}

/**
 * Samples one response per prompt. Top-k and top-p are off so that the distribution sampled
 * from is exactly softmax(logits / temperature), the one teacher forcing scores.
 */
export async function sampleResponses(
  policy: GPT,
  prompts: number[][],
  o: { temperature: number; maxNewTokens: number; seed: number; shouldStop?: () => boolean },
): Promise<SampledBatch> {
  const g = await generate(policy, prompts, {
    temperature: o.temperature,
    topK: 0,
    topP: 1,
    maxNewTokens: o.maxNewTokens,
    seed: o.seed,
    shouldStop: o.shouldStop,
  });
  const pad = policy.config.pad_token_id ?? policy.config.eos_token_id;
  const layout = layoutBatch(prompts, g.tokens, pad);
  const responseMask = layout.mask.map((row) => row.slice(layout.responseStart));
  return {
    prompts,
    responses: g.tokens,
    finished: g.finished,
    samplerLogprobs: g.logprobs,
    layout,
    responseMask,
  };
}

/** Rows `rows` of a layout, keeping its widths so that each row's numbers stay the same. */
export function selectRows(layout: ScoredBatch, rows: number[]): ScoredBatch {
  return {
    ids: rows.map((r) => layout.ids[r]),
    mask: rows.map((r) => layout.mask[r]),
    responseStart: layout.responseStart,
  };
}

export interface ForcedScores {
  /** Policy log-probs of the response tokens, [batch, R], 0 at padding. */
  logprobs: tf.Tensor2D;
  /** Reference model log-probs, [batch, R], 0 at padding. */
  refLogprobs: tf.Tensor2D;
  /** Value head estimates at the positions that predict each response token, [batch, R]. */
  values: tf.Tensor2D;
}

/**
 * Teacher-forced log-probs (policy and reference, both at the sampling temperature) and
 * values for a sampled batch. The caller owns (and disposes) the returned tensors.
 */
export function forcedScores(
  policy: GPT,
  reference: GPT,
  valueHead: ScalarHead,
  layout: ScoredBatch,
  temperature: number,
): ForcedScores {
  return tf.tidy(() => {
    const pol = responseLogprobs(policy, layout, temperature);
    const ref = responseLogprobs(reference, layout, temperature);
    return {
      logprobs: pol.logprobs,
      refLogprobs: ref.logprobs,
      values: valueHead.perToken(pol.hidden),
    };
  });
}

/**
 * Throws if the sampler's log-probs and teacher forcing disagree by more than `tolerance` on
 * any response token: they would mean the policy being optimised is not the one that sampled.
 */
export async function checkSamplerLogprobs(
  batch: SampledBatch,
  logprobs: tf.Tensor2D,
  tolerance = 1e-3,
): Promise<number> {
  const forced = (await logprobs.array()) as number[][];
  let worst = 0;
  batch.samplerLogprobs.forEach((row, b) => {
    row.forEach((lp, t) => {
      const gap = Math.abs(lp - forced[b][t]);
      if (!(gap <= tolerance)) {
        throw new Error(
          `src/rl/rollout.ts: row ${b}, response token ${t}: sampler log-prob ${lp.toFixed(6)} ` +
            `but teacher forcing gives ${forced[b][t].toFixed(6)} (tolerance ${tolerance})`,
        );
      }
      worst = Math.max(worst, gap);
    });
  });
  return worst;
}

/** Number of EOS tokens among the responses (TRL's val/num_eos_tokens). */
export function countEos(responses: number[][], eos: number): number {
  return responses.reduce((n, r) => n + r.filter((t) => t === eos).length, 0);
}
