/**
 * Opening the database, and the two helpers every store function goes through: `write` runs
 * one logical write as ONE transaction (all or nothing), `read` one read-only transaction. Both
 * turn failures into StoreErrors that name the operation, the object stores and the id.
 *
 * Rule for callers of `write`: inside `body`, await only IndexedDB requests. Awaiting anything
 * else (a fetch, a timer, tensor data) lets the transaction auto-commit half done.
 */
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { StoreError, toStoreError, type StoreErrorContext } from './errors';
import { migrate } from './migrations';
import { DB_NAME, DB_VERSION, STORE_NAMES, type StoreName, type ThumbprintDB } from './schema';

/** Why this tab's connection was closed under it. */
export interface VersionChange {
  /** 'newer-version': another tab upgraded; 'deleted': the database was deleted;
   *  'terminated': the browser closed it (storage cleared, disk error). */
  reason: 'newer-version' | 'deleted' | 'terminated';
  /** The version the other tab asked for, or null. */
  newVersion: number | null;
  /** A sentence to show the user. */
  message: string;
}

export interface OpenStoreOptions {
  /**
   * Called after this connection was closed so that another tab could open a newer version
   * (or delete the database), or after the browser closed it. Every later call on this store
   * fails with code 'closed'; the page should ask the user to reload.
   */
  onVersionChange?: (change: VersionChange) => void;
  /** Called while an older tab keeps the database open and so holds this upgrade back. */
  onBlocked?: (info: { currentVersion: number }) => void;
}

export interface Store {
  readonly name: string;
  readonly db: IDBPDatabase<ThumbprintDB>;
  /** False once closed, by `close()` or by a version change. */
  readonly isOpen: boolean;
  close(): void;
}

export async function openStore(name = DB_NAME, options: OpenStoreOptions = {}): Promise<Store> {
  let open = true;
  let migrationError: unknown;
  const context: StoreErrorContext = { operation: `open the database "${name}"`, stores: [] };
  let db: IDBPDatabase<ThumbprintDB>;
  try {
    db = await openDB<ThumbprintDB>(name, DB_VERSION, {
      async upgrade(database, oldVersion, _newVersion, tx) {
        try {
          await migrate(database as unknown as IDBPDatabase<unknown>, oldVersion, tx as never);
        } catch (err) {
          migrationError = err;
          // The open request reports the failure; the aborted transaction need not again.
          tx.done.catch(() => {});
          tx.abort();
        }
      },
      blocked(currentVersion) {
        options.onBlocked?.({ currentVersion });
      },
      // Closing at once is what lets the other tab's open go ahead instead of hanging.
      blocking(_currentVersion, newVersion, event) {
        (event.target as IDBDatabase).close();
        open = false;
        const message =
          newVersion === null
            ? 'The stored data was deleted in another tab. Reload the page.'
            : `Another tab opened a newer version of the stored data (version ${newVersion}). ` +
              'Reload this page to keep working.';
        options.onVersionChange?.({
          reason: newVersion === null ? 'deleted' : 'newer-version',
          newVersion,
          message,
        });
      },
      terminated() {
        open = false;
        options.onVersionChange?.({
          reason: 'terminated',
          newVersion: null,
          message: 'The browser closed the stored data (was site data cleared?). Reload the page.',
        });
      },
    });
  } catch (err) {
    throw await openError(name, err, migrationError, context);
  }
  return {
    name,
    db,
    get isOpen() {
      return open;
    },
    close() {
      open = false;
      db.close();
    },
  };
}

async function openError(
  name: string,
  err: unknown,
  migrationError: unknown,
  context: StoreErrorContext,
): Promise<StoreError> {
  if (migrationError !== undefined) {
    const detail =
      migrationError instanceof Error ? migrationError.message : String(migrationError);
    return new StoreError(
      'version',
      `Could not upgrade the database "${name}" to version ${DB_VERSION}: ${detail}. ` +
        'The stored data was left unchanged.',
      context,
      migrationError,
    );
  }
  if (err instanceof Error && err.name === 'VersionError') {
    const onDisk = await versionOnDisk(name);
    return new StoreError(
      'version',
      `The database "${name}" is at version ${onDisk ?? 'unknown'}, newer than this page ` +
        `(version ${DB_VERSION}): it was opened by a newer Thumbprint. Reload the page.`,
      context,
      err,
    );
  }
  return toStoreError(err, context);
}

async function versionOnDisk(name: string): Promise<number | undefined> {
  try {
    const probe = await openDB(name);
    const version = probe.version;
    probe.close();
    return version;
  } catch {
    return undefined;
  }
}

/** A non-empty tuple of store names, so that idb types `tx.store` for a single store. */
export type StoreNames = [StoreName, ...StoreName[]];

export type WriteTx<S extends StoreNames> = IDBPTransaction<ThumbprintDB, S, 'readwrite'>;
export type ReadTx<S extends StoreNames> = IDBPTransaction<ThumbprintDB, S, 'readonly'>;

/**
 * Runs `body` in one read-write transaction over `stores`. If `body` throws or any request
 * fails, the transaction is aborted and nothing of it is written.
 */
export async function write<S extends StoreNames, T>(
  store: Store,
  stores: S,
  context: { operation: string; id?: string },
  body: (tx: WriteTx<S>) => Promise<T>,
): Promise<T> {
  const ctx: StoreErrorContext = { ...context, stores };
  const tx = begin(store, stores, 'readwrite', ctx);
  // Observed here so that an abort caused by `body` is not reported as unhandled.
  const done = tx.done.then(
    () => undefined,
    (err: unknown) => err ?? new Error('transaction aborted'),
  );
  try {
    const result = await body(tx);
    const failure = await done;
    if (failure !== undefined) throw failure;
    return result;
  } catch (err) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted: the failure below says why.
    }
    await done;
    throw toStoreError(err, ctx, tx);
  }
}

/** Runs `body` in one read-only transaction over `stores`. */
export async function read<S extends StoreNames, T>(
  store: Store,
  stores: S,
  context: { operation: string; id?: string },
  body: (tx: ReadTx<S>) => Promise<T>,
): Promise<T> {
  const ctx: StoreErrorContext = { ...context, stores };
  const tx = begin(store, stores, 'readonly', ctx);
  const done = observed(tx.done);
  try {
    const result = await body(tx);
    await done;
    return result;
  } catch (err) {
    throw toStoreError(err, ctx, tx);
  }
}

function begin<S extends StoreNames, M extends IDBTransactionMode>(
  store: Store,
  stores: S,
  mode: M,
  context: StoreErrorContext,
): IDBPTransaction<ThumbprintDB, S, M> {
  if (!store.isOpen) {
    throw new StoreError(
      'closed',
      `Could not ${context.operation}: the database connection is closed ` +
        '(another tab may have opened a newer version). Reload the page.',
      context,
    );
  }
  try {
    return store.db.transaction(stores, mode);
  } catch (err) {
    throw toStoreError(err, context);
  }
}

/** Deletes everything in every object store, in one transaction. */
export async function clearAll(store: Store): Promise<void> {
  const stores = [...STORE_NAMES] as StoreNames;
  await write(store, stores, { operation: 'clear all data' }, async (tx) => {
    await Promise.all(stores.map((name) => observed(tx.objectStore(name).clear())));
  });
}

/**
 * Marks a request's promise as observed the moment it is made. When one request of a write
 * fails (some fail synchronously, e.g. a value that cannot be cloned), the transaction aborts
 * and every other request rejects with AbortError: the caller hears the first failure through
 * `write`, and the rest must not surface as unhandled rejections.
 */
export function observed<T>(request: Promise<T>): Promise<T> {
  request.catch(() => {});
  return request;
}

/** A new random id. */
export function newId(): string {
  return crypto.randomUUID();
}

let lastTime = 0;

/**
 * Milliseconds since the epoch, strictly increasing within this page, so that "the newest
 * feedback" is well defined even for events made in the same millisecond.
 */
export function now(): number {
  return reserveTimes(1);
}

/** The first of `count` consecutive times (ms) that `now()` will not hand out again. */
export function reserveTimes(count: number): number {
  const first = Math.max(Date.now(), lastTime + 1);
  lastTime = first + count - 1;
  return first;
}
