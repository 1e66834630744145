import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine, REFERENCE_ID } from '../../src/worker/engine';
import { writeSafetensors } from '../../src/io/safetensors';
import { countParameters } from '../../src/model/config';
import type { ProgressReport } from '../../src/worker/protocol';
import { tinyModelFolder } from './fixture';

const sampling = { temperature: 1, topK: 0, topP: 1, maxNewTokens: 6, seed: 5 };

describe('Engine (cpu backend, tiny model behind a stubbed fetch)', () => {
  let folder: Awaited<ReturnType<typeof tinyModelFolder>>;
  const stored = new Map<string, ArrayBuffer>();
  const engine = new Engine({
    loadWeights: async (id) => stored.get(id),
    latestRewardModel: async () => undefined,
  });
  const reports: ProgressReport[] = [];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    folder = await tinyModelFolder();
    vi.stubGlobal('fetch', folder.fetchStub);
    await engine.load(folder.base, 'cpu', (r) => reports.push(r));
  });
  afterAll(() => vi.unstubAllGlobals());

  it('loads on the chosen backend and reports progress up to 1', () => {
    expect(engine.backend?.name).toBe('cpu');
    expect(engine.backend?.reason).toBe('chosen by you');
    const fractions = reports.map((r) => r.fraction);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(engine.summary().parameters).toBe(countParameters(folder.config));
    expect(engine.summary().checkpointId).toBe(REFERENCE_ID);
  });

  it('returns n candidates whose text decodes their tokens, streamed as growing prefixes', async () => {
    const streamed: string[][] = [];
    const r = await engine.generate([{ role: 'user', content: 'hello there' }], 3, sampling, (t) =>
      streamed.push(t),
    );
    expect(r.candidates).toHaveLength(3);
    for (const [i, c] of r.candidates.entries()) {
      expect(c.tokenIds.length).toBeGreaterThan(0);
      expect(c.tokenIds.length).toBeLessThanOrEqual(6);
      expect(c.logprobs).toHaveLength(c.tokenIds.length);
      expect(c.text).toBe(engine.tokenizer!.decode(c.tokenIds).trim());
      const texts = streamed.map((s) => s[i]);
      for (let k = 1; k < texts.length; k++) expect(texts[k].startsWith(texts[k - 1])).toBe(true);
    }
  });

  it('samples from another checkpoint without switching the chat policy', async () => {
    // A checkpoint whose weights differ: every parameter doubled.
    const tensors = await engine.policy!.toTensors();
    for (const t of tensors.values()) t.data = t.data.map((x) => x * 2);
    const bytes = writeSafetensors(tensors);
    stored.set('ckpt-1', bytes.slice().buffer);

    const before = await engine.generate([{ role: 'user', content: 'hi' }], 1, sampling, () => {});
    const other = await engine.generate(
      [{ role: 'user', content: 'hi' }],
      1,
      sampling,
      () => {},
      () => false,
      'ckpt-1',
    );
    expect(other.checkpointId).toBe('ckpt-1');
    expect(engine.policyCheckpointId).toBe(REFERENCE_ID);
    const again = await engine.generate([{ role: 'user', content: 'hi' }], 1, sampling, () => {});
    expect(again.candidates[0].tokenIds).toEqual(before.candidates[0].tokenIds);

    await engine.useCheckpoint('ckpt-1');
    expect(engine.policyCheckpointId).toBe('ckpt-1');
    const switched = await engine.generate(
      [{ role: 'user', content: 'hi' }],
      1,
      sampling,
      () => {},
    );
    expect(switched.candidates[0].tokenIds).toEqual(other.candidates[0].tokenIds);
    await engine.useCheckpoint(REFERENCE_ID);
  });

  it('names a missing checkpoint and a missing reward model', async () => {
    await expect(engine.useCheckpoint('nope')).rejects.toThrow(
      "checkpoint nope is not in this browser's storage",
    );
    await expect(engine.score([{ role: 'user', content: 'hi' }], ['x'])).rejects.toThrow(
      'there is no reward model yet',
    );
  });

  it('keeps the tensor count stable over generations', async () => {
    await engine.generate([{ role: 'user', content: 'hi' }], 2, sampling, () => {});
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      await engine.generate([{ role: 'user', content: 'hi' }], 2, sampling, () => {});
    }
    expect(tf.memory().numTensors).toBe(n);
  });

  it('reports a missing model file by name', async () => {
    const e = new Engine();
    await expect(e.load('http://test.local/elsewhere/models/', 'cpu', () => {})).rejects.toThrow(
      'config.json: HTTP 404',
    );
  });
});
