/**
 * The worker's own connection to the IndexedDB store: it reads checkpoint weights and writes
 * the checkpoints and metrics of runs, so tens of megabytes never cross postMessage twice.
 */
import { openStore, type Store } from '../store/db';
import { getCheckpoint, listCheckpoints } from '../store/checkpoints';
import type { CheckpointStorage } from './engine';

let opening: Promise<Store> | undefined;

/** The store, opened on first use; reopened if another tab's upgrade closed it. */
export function workerStore(): Promise<Store> {
  if (!opening) {
    opening = openStore(undefined, {
      onVersionChange: () => {
        opening = undefined;
      },
    });
  }
  return opening;
}

export const workerStorage: CheckpointStorage = {
  async loadWeights(checkpointId) {
    const record = await getCheckpoint(await workerStore(), checkpointId);
    return record?.weights;
  },
  async latestRewardModel() {
    const list = await listCheckpoints(await workerStore(), { kind: 'reward-model' });
    return list.sort((a, b) => b.createdAt - a.createdAt)[0]?.id;
  },
};
