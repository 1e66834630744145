/**
 * Batched autoregressive generation. Prompts are left-padded to one length so that every
 * row's next token sits in the last column; the KV cache keeps each layer's keys and values
 * so a step costs one token's work instead of the whole sequence's.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeCache, type GPT, type KVCache } from './gpt';
import { type SamplingOptions, sampleToken, seededRandom, validateSampling } from './sampling';

export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to add to each prompt. */
  maxNewTokens: number;
  /** Seed of the sampler's PRNG: the same seed, prompts and weights give the same replies. */
  seed?: number;
  /** Reuse keys and values of earlier positions (default true). */
  useCache?: boolean;
  /** Called after each step with the tokens sampled so far, row by row. */
  onStep?: (tokens: number[][]) => void | Promise<void>;
  /** Keep going after EOS (benchmarks: a fixed number of tokens per row). */
  ignoreEos?: boolean;
  /** Checked before each step; generation stops early when it returns true. */
  shouldStop?: () => boolean;
}

export interface Generation {
  /** Sampled tokens per row, EOS included when it was drawn; nothing after it. */
  tokens: number[][];
  /** Log-probability of each sampled token under the distribution it was drawn from. */
  logprobs: number[][];
  /** Whether each row ended with EOS (false: it hit maxNewTokens). */
  finished: boolean[];
}

/** Left-pads rows to one length: ids and mask (1 = real token). */
export function leftPad(rows: number[][], padId: number): { ids: number[][]; mask: number[][] } {
  const width = Math.max(...rows.map((r) => r.length));
  return {
    ids: rows.map((r) => [...new Array(width - r.length).fill(padId), ...r]),
    mask: rows.map((r) => [...new Array(width - r.length).fill(0), ...r.map(() => 1)]),
  };
}

export async function generate(
  model: GPT,
  prompts: number[][],
  o: GenerateOptions,
): Promise<Generation> {
  validateSampling(o);
  const c = model.config;
  const eos = c.eos_token_id;
  const pad = c.pad_token_id ?? eos;
  if (prompts.length === 0) return { tokens: [], logprobs: [], finished: [] };
  for (const [i, p] of prompts.entries()) {
    if (p.length === 0) throw new Error(`generate: prompt ${i} is empty`);
  }
  const { ids, mask } = leftPad(prompts, pad);
  const batch = prompts.length;
  const maxNew = Math.min(o.maxNewTokens, c.n_positions - ids[0].length);
  if (maxNew <= 0)
    throw new Error(
      `generate: prompts of ${ids[0].length} tokens leave no room in n_positions ${c.n_positions}`,
    );
  const random = seededRandom(o.seed ?? (Math.random() * 2 ** 32) >>> 0);
  const useCache = o.useCache ?? true;

  const tokens: number[][] = prompts.map(() => []);
  const logprobs: number[][] = prompts.map(() => []);
  const finished = prompts.map(() => false);
  let cache: KVCache | undefined;
  let input = ids;

  try {
    for (let step = 0; step < maxNew; step++) {
      if (o.shouldStop?.()) break;

      // 1. Logits of the last position of every row, [batch, vocab].
      const idsT = tf.tensor2d(input, [batch, input[0].length], 'int32');
      const { hidden, present } = model.forward({ ids: idsT, mask, past: cache }, useCache);
      idsT.dispose();
      if (useCache) {
        disposeCache(cache);
        cache = present;
      }
      const last = tf.tidy(() => {
        const t = hidden.shape[1];
        const h = hidden.slice([0, t - 1, 0], [batch, 1, c.n_embd]).reshape([batch, c.n_embd]);
        return model.logits(h as tf.Tensor2D);
      });
      hidden.dispose();
      const logits = (await last.data()) as Float32Array;
      last.dispose();

      // 2. Sample each unfinished row; finished rows are fed padding that nobody attends to.
      const next: number[] = [];
      for (let b = 0; b < batch; b++) {
        if (finished[b]) {
          next.push(pad);
          mask[b].push(0);
          continue;
        }
        const row = logits.subarray(b * c.vocab_size, (b + 1) * c.vocab_size);
        const { token, logprob } = sampleToken(row, o, random);
        tokens[b].push(token);
        logprobs[b].push(logprob);
        if (token === eos && !o.ignoreEos) finished[b] = true;
        next.push(token);
        mask[b].push(1);
      }
      await o.onStep?.(tokens);
      if (finished.every(Boolean)) break;

      // 3. Next input: the new token alone with a cache, else the whole sequence again.
      input = useCache ? next.map((t) => [t]) : input.map((r, b) => [...r, next[b]]);
    }
  } finally {
    disposeCache(cache);
  }
  return { tokens, logprobs, finished };
}
