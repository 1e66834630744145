import { describe, expect, it } from 'vitest';
import { freshStore } from './helpers';
import {
  deleteCheckpoint,
  getCheckpoint,
  listCheckpoints,
  saveCheckpoint,
} from '../../src/store/checkpoints';
import {
  appendRunMetrics,
  createRun,
  deleteRun,
  dropRunMetricsAfter,
  getRun,
  listRuns,
  updateRunStatus,
} from '../../src/store/runs';
import {
  deleteConversation,
  getConversation,
  listConversations,
  saveConversation,
} from '../../src/store/conversations';

const config = { model_type: 'gpt2', n_layer: 2, n_embd: 16 };
const bytes = (...values: number[]) => new Uint8Array(values).buffer;

describe('checkpoints', () => {
  it('saves weights and loads them back byte for byte', async () => {
    const store = await freshStore();
    const meta = await saveCheckpoint(store, {
      name: 'pretrained',
      kind: 'policy',
      config,
      weights: bytes(1, 2, 3, 250),
      metrics: { 'loss/train': 1.6 },
    });
    expect(meta.byteLength).toBe(4);
    const loaded = await getCheckpoint(store, meta.id);
    expect(loaded).toEqual({
      id: meta.id,
      name: 'pretrained',
      kind: 'policy',
      config,
      createdAt: meta.createdAt,
      metrics: { 'loss/train': 1.6 },
      weights: expect.any(ArrayBuffer),
    });
    expect([...new Uint8Array(loaded!.weights)]).toEqual([1, 2, 3, 250]);
    expect(await getCheckpoint(store, 'missing')).toBeUndefined();
  });

  it('lists descriptions without weights, newest first, by kind and run', async () => {
    const store = await freshStore();
    const run = await createRun(store, { kind: 'reward', config: {} });
    await saveCheckpoint(store, {
      id: 'a',
      name: 'a',
      kind: 'policy',
      config,
      weights: bytes(1),
      createdAt: 1,
    });
    await saveCheckpoint(store, {
      id: 'b',
      name: 'b',
      kind: 'reward-model',
      config,
      weights: bytes(1, 2),
      createdAt: 2,
      runId: run.id,
    });
    await saveCheckpoint(store, {
      id: 'c',
      name: 'c',
      kind: 'reward-model',
      config,
      weights: bytes(1),
      createdAt: 3,
      runId: run.id,
      parentId: 'b',
    });

    const all = await listCheckpoints(store);
    expect(all.map((c) => c.id)).toEqual(['c', 'b', 'a']);
    expect(all.every((c) => !('weights' in c))).toBe(true);
    expect((await listCheckpoints(store, { kind: 'policy' })).map((c) => c.id)).toEqual(['a']);
    expect((await listCheckpoints(store, { runId: run.id })).map((c) => c.id)).toEqual(['c', 'b']);
    // Saving with a run points the run at its newest checkpoint, in the same transaction.
    expect((await getRun(store, run.id))?.lastCheckpointId).toBe('c');
  });

  it('deletes a checkpoint with its weights, and the run forgets it', async () => {
    const store = await freshStore();
    const run = await createRun(store, { kind: 'ppo', config: {} });
    await saveCheckpoint(store, {
      id: 'x',
      name: 'x',
      kind: 'value',
      config,
      weights: bytes(9),
      runId: run.id,
    });
    expect(await deleteCheckpoint(store, 'x')).toBe(true);
    expect(await deleteCheckpoint(store, 'x')).toBe(false);
    expect(await store.db.count('weights')).toBe(0);
    expect((await getRun(store, run.id))?.lastCheckpointId).toBeUndefined();
  });

  it('refuses bad input, naming it', async () => {
    const store = await freshStore();
    await expect(
      saveCheckpoint(store, {
        name: 'n',
        kind: 'policy',
        config,
        weights: new Uint8Array(2) as never,
      }),
    ).rejects.toThrow(
      'Could not save checkpoint "n": field "weights" must be an ArrayBuffer of safetensors bytes',
    );
    await expect(
      saveCheckpoint(store, {
        name: 'n',
        kind: 'policy',
        config,
        weights: bytes(1),
        runId: 'nope',
      }),
    ).rejects.toThrow('Could not save checkpoint "n": run "nope" not found');
    expect(await listCheckpoints(store)).toEqual([]);
  });
});

describe('runs', () => {
  it('creates a run, appends metrics in order and moves through statuses', async () => {
    const store = await freshStore();
    const run = await createRun(store, { kind: 'ppo', config: { lr: 1e-5 } });
    expect(run).toMatchObject({
      kind: 'ppo',
      status: 'running',
      metrics: [],
      config: { lr: 1e-5 },
    });

    await appendRunMetrics(store, run.id, { step: 1, values: { 'objective/kl': 0.1 } });
    await appendRunMetrics(store, run.id, [
      { step: 2, values: { 'objective/kl': 0.2 } },
      { step: 3, values: { 'objective/kl': 0.25, 'loss/value': 0.5 } },
    ]);
    await updateRunStatus(store, run.id, 'paused');
    const done = await updateRunStatus(store, run.id, 'done', { lastCheckpointId: 'ck' });

    const stored = await getRun(store, run.id);
    expect(stored).toEqual(done);
    expect(stored?.metrics).toEqual([
      { step: 1, values: { 'objective/kl': 0.1 } },
      { step: 2, values: { 'objective/kl': 0.2 } },
      { step: 3, values: { 'objective/kl': 0.25, 'loss/value': 0.5 } },
    ]);
    expect(stored?.status).toBe('done');
    expect(stored?.lastCheckpointId).toBe('ck');
    expect(stored!.updatedAt).toBeGreaterThan(run.updatedAt);
  });

  it('drops the steps logged after a checkpoint, and only those', async () => {
    const store = await freshStore();
    const run = await createRun(store, { kind: 'ppo', config: {} });
    await appendRunMetrics(
      store,
      run.id,
      [1, 2, 3, 4].map((step) => ({ step, values: { 'objective/kl': step / 10 } })),
    );
    expect(await dropRunMetricsAfter(store, run.id, 2)).toBe(2);
    expect((await getRun(store, run.id))?.metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(await dropRunMetricsAfter(store, run.id, 2)).toBe(0);
    await expect(dropRunMetricsAfter(store, 'nope', 0)).rejects.toThrow('nope');
  });

  it('keeps a final status final', async () => {
    const store = await freshStore();
    const run = await createRun(store, { kind: 'reward', config: {} });
    await updateRunStatus(store, run.id, 'failed');
    await expect(updateRunStatus(store, run.id, 'running')).rejects.toThrow(
      `Could not mark run running: run "${run.id}" is failed, which is final`,
    );
  });

  it('names bad metrics and missing runs', async () => {
    const store = await freshStore();
    await expect(appendRunMetrics(store, 'nope', { step: 1, values: {} })).rejects.toThrow(
      'Could not append run metrics: run "nope" not found',
    );
    await expect(
      appendRunMetrics(store, 'nope', { step: 1, values: { loss: 'high' as never } }),
    ).rejects.toThrow('metrics[0].values["loss"] must be a number');
    await expect(appendRunMetrics(store, 'nope', { step: -1, values: {} })).rejects.toThrow(
      'metrics[0].step must be a whole number ≥ 0',
    );
  });

  it('lists runs newest first by kind, and deletes one', async () => {
    const store = await freshStore();
    const a = await createRun(store, { kind: 'reward', config: {} });
    const b = await createRun(store, { kind: 'ppo', config: {} });
    const c = await createRun(store, { kind: 'ppo', config: {} });
    expect((await listRuns(store)).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect((await listRuns(store, { kind: 'ppo' })).map((r) => r.id)).toEqual([c.id, b.id]);
    expect(await deleteRun(store, b.id)).toBe(true);
    expect(await deleteRun(store, b.id)).toBe(false);
    expect((await listRuns(store)).map((r) => r.id)).toEqual([c.id, a.id]);
  });
});

describe('conversations', () => {
  it('saves, lists by last update, and deletes', async () => {
    const store = await freshStore();
    const one = await saveConversation(store, {
      title: 'one',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const two = await saveConversation(store, { title: 'two', messages: [] });
    await saveConversation(store, { ...one, title: 'one again' });
    expect((await listConversations(store)).map((c) => c.title)).toEqual(['one again', 'two']);
    expect((await getConversation(store, one.id))?.createdAt).toBe(one.createdAt);
    expect(await deleteConversation(store, two.id)).toBe(true);
    expect(await deleteConversation(store, two.id)).toBe(false);
  });
});
