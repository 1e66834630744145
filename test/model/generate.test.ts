// Generation: the KV cache must change nothing but speed, a prompt must generate the same
// alone and in a left-padded batch, and the log-probabilities generate reports must be the
// ones teacher forcing gives (PPO's ratio starts at exactly 1 only then).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, leftPad, type GenerateOptions } from '../../src/model/generate';
import type { GPT } from '../../src/model/gpt';
import { layoutBatch, responseLogprobs } from '../../src/model/logprobs';
import { filteredLogProbs } from '../../src/model/sampling';
import {
  TINY_EOS,
  TINY_PAD,
  allLogits,
  maxAbsDiff,
  read,
  tinyModel,
  tokens,
} from '../helpers/tiny';

let model: GPT;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyModel(3);
});

afterAll(() => model.dispose());

const GREEDY: GenerateOptions = {
  greedy: true,
  temperature: 1,
  topK: 0,
  topP: 1,
  maxNewTokens: 12,
};
const SAMPLED: GenerateOptions = { temperature: 0.7, topK: 0, topP: 1, maxNewTokens: 12, seed: 11 };
/** Hot sampling with a seed under which row 2 draws EOS at its 4th token, rows 0 and 1 never. */
const EARLY_EOS: GenerateOptions = { temperature: 3, topK: 0, topP: 1, maxNewTokens: 20, seed: 12 };

/** Prompts of different lengths, so the batch is left-padded by 0, 3 and 6 columns. */
const PROMPTS = [tokens(7, 1), tokens(4, 2), tokens(1, 3)];

describe('leftPad', () => {
  it('pads on the left with the pad id and masks the padding', () => {
    expect(leftPad([[5, 6, 7], [8]], 0)).toEqual({
      ids: [
        [5, 6, 7],
        [0, 0, 8],
      ],
      mask: [
        [1, 1, 1],
        [0, 0, 1],
      ],
    });
  });
});

describe('KV cache', () => {
  it('gives the same greedy tokens and log-probs as full recomputation, one prompt', async () => {
    const cached = await generate(model, [PROMPTS[0]], { ...GREEDY, useCache: true });
    const full = await generate(model, [PROMPTS[0]], { ...GREEDY, useCache: false });
    expect(cached.tokens[0].length).toBeGreaterThan(1);
    expect(cached.tokens).toEqual(full.tokens);
    expect(maxAbsDiff(cached.logprobs[0], full.logprobs[0])).toBeLessThan(1e-4);
  });

  it('gives the same tokens and log-probs on a left-padded batch, greedy and sampled', async () => {
    for (const o of [GREEDY, SAMPLED, EARLY_EOS]) {
      const cached = await generate(model, PROMPTS, { ...o, useCache: true });
      const full = await generate(model, PROMPTS, { ...o, useCache: false });
      expect(cached.tokens).toEqual(full.tokens);
      expect(cached.finished).toEqual(full.finished);
      cached.logprobs.forEach((row, b) =>
        expect(maxAbsDiff(row, full.logprobs[b]), `row ${b}`).toBeLessThan(1e-4),
      );
    }
  });
});

describe('batching', () => {
  it('generates for each prompt in a padded batch what it generates alone', async () => {
    const batch = await generate(model, PROMPTS, GREEDY);
    for (const [b, prompt] of PROMPTS.entries()) {
      const alone = await generate(model, [prompt], GREEDY);
      expect(batch.tokens[b], `prompt ${b}`).toEqual(alone.tokens[0]);
      expect(maxAbsDiff(batch.logprobs[b], alone.logprobs[0])).toBeLessThan(1e-4);
    }
  });

  it('stops a row at EOS, keeps EOS, adds nothing after it, and goes on with the others', async () => {
    const g = await generate(model, PROMPTS, EARLY_EOS);
    expect(g.finished).toEqual([false, false, true]);
    expect(g.tokens.map((r) => r.length)).toEqual([20, 20, 4]);
    expect(g.tokens[2][3]).toBe(TINY_EOS);
    expect(g.tokens[0]).not.toContain(TINY_EOS);
    g.tokens.forEach((row, b) => expect(g.logprobs[b]).toHaveLength(row.length));
  });

  it('is reproducible for a seed', async () => {
    const a = await generate(model, PROMPTS, SAMPLED);
    const b = await generate(model, PROMPTS, SAMPLED);
    const c = await generate(model, PROMPTS, { ...SAMPLED, seed: 12 });
    expect(b).toEqual(a);
    expect(c.tokens).not.toEqual(a.tokens);
  });
});

describe('reported log-probs', () => {
  it('equal teacher forcing (responseLogprobs) at the same temperature, to 1e-5', async () => {
    for (const temperature of [1, 0.7, 3]) {
      // At T = 3 with EARLY_EOS's seed, responses differ in length (right padding).
      const g = await generate(model, PROMPTS, { ...EARLY_EOS, temperature });
      const batch = layoutBatch(PROMPTS, g.tokens, TINY_PAD);
      const { logprobs, hidden } = responseLogprobs(model, batch, temperature);
      const scored = await read(logprobs);
      const R = batch.ids[0].length - batch.responseStart;
      g.logprobs.forEach((row, b) => {
        const teacher = Array.from(scored.slice(b * R, b * R + row.length));
        expect(maxAbsDiff(row, teacher), `T ${temperature}, row ${b}`).toBeLessThan(1e-5);
        // Padding after a short response scores exactly 0.
        for (let j = row.length; j < R; j++) expect(Math.abs(scored[b * R + j])).toBe(0);
      });
      tf.dispose([logprobs, hidden]);
    }
  });
});

describe('reported log-probs with top-k and top-p', () => {
  it('are the filtered, temperature-scaled log-probs of the logits at each step', async () => {
    const o: GenerateOptions = { temperature: 0.7, topK: 5, topP: 0.9, maxNewTokens: 10, seed: 5 };
    const prompt = PROMPTS[1];
    const g = await generate(model, [prompt], o);
    const seq = [...prompt, ...g.tokens[0]];
    // One full pass over prompt + response: position P - 1 + j predicts response token j.
    const logits = await allLogits(model, [seq], [seq.map(() => 1)]);
    g.tokens[0].forEach((token, j) => {
      const at = (prompt.length - 1 + j) * 50;
      const expected = filteredLogProbs(logits.subarray(at, at + 50), o);
      expect(Number.isFinite(expected[token]), `token ${j} was filtered out`).toBe(true);
      expect(Math.abs(g.logprobs[0][j] - expected[token]), `token ${j}`).toBeLessThan(1e-4);
      // At most 5 tokens are kept (top-k), fewer where top-p cut deeper.
      expect(expected.filter(Number.isFinite).length).toBeLessThanOrEqual(5);
    });
  });
});

describe('input checks', () => {
  it('rejects an empty prompt, naming it', async () => {
    await expect(generate(model, [[1], []], GREEDY)).rejects.toThrow('prompt 1 is empty');
  });

  it('rejects a prompt that fills n_positions', async () => {
    await expect(generate(model, [tokens(32, 4)], GREEDY)).rejects.toThrow('n_positions 32');
  });

  it('stops at n_positions', async () => {
    const g = await generate(model, [tokens(30, 5)], { ...GREEDY, maxNewTokens: 10 });
    expect(g.tokens[0].length).toBeLessThanOrEqual(2);
  });

  it('returns nothing for no prompts', async () => {
    expect(await generate(model, [], GREEDY)).toEqual({ tokens: [], logprobs: [], finished: [] });
  });
});

describe('memory', () => {
  it('holds tf.memory().numTensors steady across 20 generations, with and without cache', async () => {
    await generate(model, PROMPTS, { ...SAMPLED, maxNewTokens: 4 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      await generate(model, PROMPTS, {
        ...SAMPLED,
        maxNewTokens: 4,
        seed: i,
        useCache: i % 2 === 0,
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees the cache when a step callback throws', async () => {
    const before = tf.memory().numTensors;
    const failing = generate(model, PROMPTS, {
      ...SAMPLED,
      onStep: () => {
        throw new Error('stop here');
      },
    });
    await expect(failing).rejects.toThrow('stop here');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('honours shouldStop before each step', async () => {
    let steps = 0;
    const g = await generate(model, PROMPTS, { ...SAMPLED, shouldStop: () => steps++ >= 3 });
    expect(g.tokens.map((r) => r.length)).toEqual([3, 3, 3]);
  });
});
