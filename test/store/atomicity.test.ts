/**
 * Every logical write is one transaction: a failure part-way leaves nothing of it behind, and
 * a full disk is reported as StorageFullError. Failures are injected into fake-indexeddb's
 * object stores (the global IDBObjectStore after 'fake-indexeddb/auto').
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from './helpers';
import { StorageFullError, StoreError } from '../../src/store/errors';
import { loadFeedbackData, saveCandidates } from '../../src/store/feedback';
import { listCheckpoints, saveCheckpoint } from '../../src/store/checkpoints';
import { createRun, getRun } from '../../src/store/runs';
import { importDataset } from '../../src/store/import';

type AddFn = (this: IDBObjectStore, value: unknown, key?: IDBValidKey) => IDBRequest;
const proto = IDBObjectStore.prototype as unknown as { add: AddFn };
const originalAdd = proto.add;

afterEach(() => {
  proto.add = originalAdd;
});

/** Makes the n-th `add` (1-based) into `storeName` fail in the given way. */
function failAdd(storeName: string, n: number, how: 'throw' | 'abort-transaction') {
  let calls = 0;
  proto.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === storeName && ++calls === n) {
      if (how === 'throw')
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      // As browsers do when the disk fills at commit: the whole transaction aborts with a
      // QuotaExceededError. fake-indexeddb's internal _abort sets transaction.error like that.
      const request = originalAdd.call(this, value, key);
      (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return request;
    }
    return originalAdd.call(this, value, key);
  };
}

const sample = (text: string) => ({
  text,
  tokenIds: [],
  checkpointId: 'reference',
  sampling: null,
});

describe('single-transaction writes', () => {
  it('writes nothing of saveCandidates when the second sample cannot be stored', async () => {
    const store = await freshStore();
    failAdd('samples', 2, 'throw');
    const error = await saveCandidates(
      store,
      { id: 'p1', conversationId: 'c', text: 'Hi', source: 'user' },
      [sample('a'), sample('b'), sample('c')],
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as StorageFullError).message).toBe(
      'Storage is full: could not save candidates (stores "prompts", "samples", id "p1"); nothing ' +
        'was written. Free space by deleting old checkpoints or runs, or allow persistent storage.',
    );
    expect(await loadFeedbackData(store)).toEqual({ prompts: [], samples: [], feedback: [] });
  });

  it('reports a transaction aborted by the quota as StorageFullError, and the run is unchanged', async () => {
    const store = await freshStore();
    const run = await createRun(store, { kind: 'ppo', config: {} });
    failAdd('weights', 1, 'abort-transaction');
    const error = await saveCheckpoint(store, {
      id: 'ck1',
      name: 'step 10',
      kind: 'policy',
      config: { n_layer: 2 },
      runId: run.id,
      weights: new ArrayBuffer(1024),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as StoreError).context).toEqual({
      operation: 'save checkpoint "step 10"',
      id: 'ck1',
      stores: ['checkpoints', 'weights', 'runs'],
    });
    expect(await listCheckpoints(store)).toEqual([]);
    expect(await store.db.count('weights')).toBe(0);
    expect((await getRun(store, run.id))?.lastCheckpointId).toBeUndefined();
  });

  it('writes nothing of an import that fails part-way', async () => {
    const store = await freshStore();
    failAdd('feedback', 150, 'throw');
    const records = Array.from({ length: 200 }, (_, i) => ({
      prompt: `q${i} `,
      chosen: 'a',
      rejected: 'b',
    }));
    await expect(importDataset(store, { kind: 'preference', records })).rejects.toBeInstanceOf(
      StorageFullError,
    );
    expect(await loadFeedbackData(store)).toEqual({ prompts: [], samples: [], feedback: [] });
  });

  it('wraps other failures with the operation, stores and id', async () => {
    const store = await freshStore();
    await saveCandidates(store, { id: 'p1', conversationId: 'c', text: 'Hi', source: 'user' }, [
      { ...sample('a'), id: 's1' },
    ]);
    // The same sample id again: IndexedDB's ConstraintError, with context added.
    const error = await saveCandidates(
      store,
      { id: 'p2', conversationId: 'c', text: 'Yo', source: 'user' },
      [{ ...sample('b'), id: 's1' }],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('failed');
    expect((error as StoreError).message).toMatch(
      /^Could not save candidates \(stores "prompts", "samples", id "p2"\): ConstraintError: /,
    );
    const data = await loadFeedbackData(store);
    expect(data.prompts.map((p) => p.id)).toEqual(['p1']);
  });
});
