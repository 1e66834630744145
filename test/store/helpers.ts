/**
 * Store fixtures: each test gets its own database in fake-indexeddb, closed and deleted after
 * the test so that no connection outlives it.
 */
import 'fake-indexeddb/auto';
import { deleteDB, type IDBPDatabase } from 'idb';
import { afterEach } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/db';

let counter = 0;
const open: { close(): void }[] = [];
const names: string[] = [];

afterEach(async () => {
  for (const connection of open.splice(0)) connection.close();
  for (const name of names.splice(0)) await deleteDB(name);
});

/** A unique database name, deleted after the test. */
export function dbName(): string {
  const name = `thumbprint-test-${++counter}`;
  names.push(name);
  return name;
}

/** A new store in a database of its own. */
export async function freshStore(options: OpenStoreOptions = {}, name = dbName()): Promise<Store> {
  const store = await openStore(name, options);
  open.push(store);
  return store;
}

/** Closes a raw connection after the test (for databases opened with idb directly). */
export function closeLater<T extends IDBPDatabase<unknown>>(db: T): T {
  open.push(db);
  return db;
}

/** Rejects if `promise` has not settled within `ms` — a hang becomes a clear failure. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms),
    ),
  ]);
}
