import { describe, expect, it, vi } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { closeLater, dbName, freshStore, within } from './helpers';
import type { VersionChange } from '../../src/store/db';
import { listPrompts } from '../../src/store/feedback';

describe('another tab changing the database', () => {
  it('closes this connection when a newer version opens, so the newer one does not hang', async () => {
    const name = dbName();
    const changes: VersionChange[] = [];
    const store = await freshStore({ onVersionChange: (c) => changes.push(c) }, name);

    // The "other tab": a plain connection asking for version 3.
    const newer = closeLater(await within(openDB(name, 3), 2000, 'opening version 3'));
    expect(newer.version).toBe(3);
    expect(changes).toEqual([
      {
        reason: 'newer-version',
        newVersion: 3,
        message:
          'Another tab opened a newer version of the stored data (version 3). Reload this page to keep working.',
      },
    ]);
    expect(store.isOpen).toBe(false);
    await expect(listPrompts(store)).rejects.toMatchObject({
      code: 'closed',
      message:
        'Could not list prompts: the database connection is closed (another tab may have opened ' +
        'a newer version). Reload the page.',
    });
  });

  it('closes this connection when the database is deleted elsewhere', async () => {
    const name = dbName();
    const onVersionChange = vi.fn();
    await freshStore({ onVersionChange }, name);
    await within(deleteDB(name), 2000, 'deleting the database');
    expect(onVersionChange).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'deleted', newVersion: null }),
    );
  });

  it('tells the caller while an older tab holds the upgrade back', async () => {
    const name = dbName();
    // An old tab at version 1 that ignores version changes until it is closed by hand.
    const old = await openDB(name, 1);
    const onBlocked = vi.fn();
    const opening = freshStore({ onBlocked }, name);
    await vi.waitFor(() => expect(onBlocked).toHaveBeenCalledWith({ currentVersion: 1 }));
    old.close();
    const store = await within(opening, 2000, 'opening after the old tab closed');
    expect(store.db.version).toBe(2);
  });
});
