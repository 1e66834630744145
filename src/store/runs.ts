/**
 * Training runs: their status and the metrics they log. A stopped, finished or failed run is
 * final; a paused one can run again.
 */
import { newId, now, read, write, type Store } from './db';
import { invalid, notFound } from './errors';
import type { RunKind, RunMetrics, RunRecord, RunStatus } from './schema';

const STATUSES: readonly RunStatus[] = ['running', 'paused', 'stopped', 'done', 'failed'];
const FINAL: readonly RunStatus[] = ['stopped', 'done', 'failed'];

export interface RunInput {
  kind: RunKind;
  config: Record<string, unknown>;
  id?: string;
  /** Default 'running'. */
  status?: RunStatus;
}

export async function createRun(store: Store, input: RunInput): Promise<RunRecord> {
  const time = now();
  const run: RunRecord = {
    id: input.id ?? newId(),
    kind: input.kind,
    status: input.status ?? 'running',
    config: input.config,
    createdAt: time,
    updatedAt: time,
    metrics: [],
  };
  const context = { operation: `create ${run.kind} run`, id: run.id };
  if (run.kind !== 'reward' && run.kind !== 'ppo') {
    throw invalid('field "kind" must be "reward" or "ppo"', { ...context, stores: [] });
  }
  if (!STATUSES.includes(run.status)) {
    throw invalid(`field "status" must be one of ${STATUSES.join(', ')}`, {
      ...context,
      stores: [],
    });
  }
  await write(store, ['runs'], context, (tx) => tx.store.add(run));
  return run;
}

/** Appends logged steps to a run's metrics (one get and one put, in one transaction). */
export async function appendRunMetrics(
  store: Store,
  runId: string,
  metrics: RunMetrics | readonly RunMetrics[],
): Promise<void> {
  const entries = Array.isArray(metrics) ? metrics : [metrics as RunMetrics];
  const context = { operation: 'append run metrics', id: runId };
  entries.forEach((m, i) => {
    if (!Number.isInteger(m.step) || m.step < 0) {
      throw invalid(`metrics[${i}].step must be a whole number ≥ 0`, { ...context, stores: [] });
    }
    for (const [key, value] of Object.entries(m.values ?? {})) {
      if (typeof value !== 'number') {
        throw invalid(`metrics[${i}].values["${key}"] must be a number`, {
          ...context,
          stores: [],
        });
      }
    }
  });
  await write(store, ['runs'], context, async (tx) => {
    const run = await tx.store.get(runId);
    if (!run) throw notFound('run', runId, { ...context, stores: ['runs'] });
    run.metrics.push(...entries.map((m) => ({ step: m.step, values: { ...m.values } })));
    await tx.store.put({ ...run, updatedAt: now() });
  });
}

/**
 * Drops the logged steps after `step`: a run resumed from its checkpoint at `step` logs the
 * later steps again, and each step is kept once. Returns how many were dropped.
 */
export async function dropRunMetricsAfter(
  store: Store,
  runId: string,
  step: number,
): Promise<number> {
  const context = { operation: 'drop run metrics', id: runId };
  return write(store, ['runs'], context, async (tx) => {
    const run = await tx.store.get(runId);
    if (!run) throw notFound('run', runId, { ...context, stores: ['runs'] });
    const kept = run.metrics.filter((m) => m.step <= step);
    if (kept.length === run.metrics.length) return 0;
    await tx.store.put({ ...run, metrics: kept, updatedAt: now() });
    return run.metrics.length - kept.length;
  });
}

/** Sets a run's status; a final status (stopped, done, failed) cannot change again. */
export async function updateRunStatus(
  store: Store,
  runId: string,
  status: RunStatus,
  options: { lastCheckpointId?: string } = {},
): Promise<RunRecord> {
  const context = { operation: `mark run ${status}`, id: runId };
  if (!STATUSES.includes(status)) {
    throw invalid(`status must be one of ${STATUSES.join(', ')}`, { ...context, stores: [] });
  }
  return write(store, ['runs'], context, async (tx) => {
    const run = await tx.store.get(runId);
    if (!run) throw notFound('run', runId, { ...context, stores: ['runs'] });
    if (FINAL.includes(run.status) && run.status !== status) {
      throw invalid(`run "${runId}" is ${run.status}, which is final`, {
        ...context,
        stores: ['runs'],
      });
    }
    const updated: RunRecord = { ...run, status, updatedAt: now() };
    if (options.lastCheckpointId !== undefined) updated.lastCheckpointId = options.lastCheckpointId;
    await tx.store.put(updated);
    return updated;
  });
}

export async function getRun(store: Store, id: string): Promise<RunRecord | undefined> {
  return read(store, ['runs'], { operation: 'get run', id }, (tx) => tx.store.get(id));
}

/** Runs, newest first, optionally of one kind. */
export async function listRuns(
  store: Store,
  options: { kind?: RunKind } = {},
): Promise<RunRecord[]> {
  return read(store, ['runs'], { operation: 'list runs' }, async (tx) => {
    const runs = await tx.store.index('createdAt').getAll();
    return runs.filter((r) => options.kind === undefined || r.kind === options.kind).reverse();
  });
}

/** Deletes a run and its metrics (its checkpoints stay). Returns false if there was none. */
export async function deleteRun(store: Store, id: string): Promise<boolean> {
  return write(store, ['runs'], { operation: 'delete run', id }, async (tx) => {
    if ((await tx.store.getKey(id)) === undefined) return false;
    await tx.store.delete(id);
    return true;
  });
}
