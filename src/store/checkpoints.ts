/**
 * Checkpoints: a description in `checkpoints`, the safetensors bytes in `weights`, written and
 * deleted together in one transaction. Listing reads descriptions only.
 */
import { newId, now, observed, read, write, type Store } from './db';
import { invalid, notFound } from './errors';
import type { CheckpointKind, CheckpointMeta, CheckpointRecord } from './schema';

const KINDS: readonly CheckpointKind[] = ['policy', 'reward-model', 'value'];

/** A checkpoint before it is stored: id and createdAt are filled in when missing. */
export type CheckpointInput = Omit<CheckpointRecord, 'id' | 'createdAt'> & {
  id?: string;
  createdAt?: number;
};

/**
 * Saves a checkpoint with its weights. When it belongs to a run, the run's lastCheckpointId
 * is set in the same transaction, so the run never points at a checkpoint that is not there.
 */
export async function saveCheckpoint(
  store: Store,
  input: CheckpointInput,
): Promise<CheckpointMeta> {
  const { weights, ...rest } = input;
  const meta: CheckpointMeta = {
    ...rest,
    id: input.id ?? newId(),
    createdAt: input.createdAt ?? now(),
    byteLength: weights?.byteLength ?? 0,
  };
  const context = { operation: `save checkpoint "${input.name}"`, id: meta.id };
  if (!(weights instanceof ArrayBuffer)) {
    throw invalid('field "weights" must be an ArrayBuffer of safetensors bytes', {
      ...context,
      stores: [],
    });
  }
  if (!KINDS.includes(meta.kind)) {
    throw invalid(`field "kind" must be one of ${KINDS.join(', ')}`, { ...context, stores: [] });
  }

  await write(store, ['checkpoints', 'weights', 'runs'], context, async (tx) => {
    if (meta.runId !== undefined) {
      const run = await tx.objectStore('runs').get(meta.runId);
      if (!run) throw notFound('run', meta.runId, { ...context, stores: ['runs'] });
      await tx.objectStore('runs').put({ ...run, lastCheckpointId: meta.id, updatedAt: now() });
    }
    await Promise.all([
      observed(tx.objectStore('checkpoints').add(meta)),
      observed(tx.objectStore('weights').add({ checkpointId: meta.id, bytes: weights })),
    ]);
  });
  return meta;
}

/** A checkpoint with its weights, or undefined. */
export async function getCheckpoint(
  store: Store,
  id: string,
): Promise<CheckpointRecord | undefined> {
  const stores: ['checkpoints', 'weights'] = ['checkpoints', 'weights'];
  return read(store, stores, { operation: 'load checkpoint', id }, async (tx) => {
    const [meta, weights] = await Promise.all([
      tx.objectStore('checkpoints').get(id),
      tx.objectStore('weights').get(id),
    ]);
    if (!meta) return undefined;
    if (!weights) {
      throw notFound('weights of checkpoint', id, { operation: 'load checkpoint', stores });
    }
    const checkpoint: CheckpointRecord & { byteLength?: number } = {
      ...meta,
      weights: weights.bytes,
    };
    delete checkpoint.byteLength;
    return checkpoint;
  });
}

/** Checkpoint descriptions (no weights), newest first, optionally of one kind or run. */
export async function listCheckpoints(
  store: Store,
  options: { kind?: CheckpointKind; runId?: string } = {},
): Promise<CheckpointMeta[]> {
  return read(store, ['checkpoints'], { operation: 'list checkpoints' }, async (tx) => {
    const all =
      options.runId === undefined
        ? await tx.store.index('createdAt').getAll()
        : (await tx.store.index('runId').getAll(options.runId)).sort(
            (a, b) => a.createdAt - b.createdAt,
          );
    return all.filter((c) => options.kind === undefined || c.kind === options.kind).reverse();
  });
}

/**
 * Deletes a checkpoint and its weights; a run whose last checkpoint it was forgets it.
 * Returns false when there was no such checkpoint.
 */
export async function deleteCheckpoint(store: Store, id: string): Promise<boolean> {
  const stores: ['checkpoints', 'weights', 'runs'] = ['checkpoints', 'weights', 'runs'];
  return write(store, stores, { operation: 'delete checkpoint', id }, async (tx) => {
    const meta = await tx.objectStore('checkpoints').get(id);
    if (!meta) return false;
    const run = meta.runId === undefined ? undefined : await tx.objectStore('runs').get(meta.runId);
    if (run && run.lastCheckpointId === id) {
      delete run.lastCheckpointId;
      await tx.objectStore('runs').put({ ...run, updatedAt: now() });
    }
    await Promise.all([
      observed(tx.objectStore('checkpoints').delete(id)),
      observed(tx.objectStore('weights').delete(id)),
    ]);
    return true;
  });
}
