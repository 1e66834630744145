/**
 * Asking the browser to keep our data, and how much room there is. Both work without
 * `navigator.storage` (older browsers, Node), answering 'unsupported' / undefined.
 */

export type PersistenceResult = 'granted' | 'denied' | 'unsupported';

/** The part of `navigator.storage` used here, so tests can pass their own. */
export type StorageManagerLike = Partial<
  Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>
>;

function defaultStorage(): StorageManagerLike | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.storage;
}

/**
 * Asks that our data not be evicted under storage pressure (without it, a browser may clear
 * checkpoints and feedback of a site not visited for a while). Chrome grants or denies
 * silently; Firefox may ask the user.
 */
export async function requestPersistence(
  storage: StorageManagerLike | undefined = defaultStorage(),
): Promise<PersistenceResult> {
  if (!storage?.persist) return 'unsupported';
  try {
    if (await storage.persisted?.()) return 'granted';
    return (await storage.persist()) ? 'granted' : 'denied';
  } catch {
    return 'denied';
  }
}

export interface StorageEstimate {
  /** Bytes used by this site. */
  usage: number;
  /** Bytes this site may use. */
  quota: number;
  /** usage / quota in [0, 1]. */
  fraction: number;
}

/** How much storage this site uses and may use, or undefined where the browser cannot say. */
export async function storageEstimate(
  storage: StorageManagerLike | undefined = defaultStorage(),
): Promise<StorageEstimate | undefined> {
  if (!storage?.estimate) return undefined;
  try {
    const { usage, quota } = await storage.estimate();
    if (usage === undefined || quota === undefined) return undefined;
    return { usage, quota, fraction: quota > 0 ? Math.min(1, usage / quota) : 1 };
  } catch {
    return undefined;
  }
}
