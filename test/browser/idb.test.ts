// IndexedDB in the real browser, through idb: open, put, get, and clean up.
import { deleteDB, openDB } from 'idb';
import { afterAll, describe, expect, it } from 'vitest';

const NAME = `thumbprint-smoke-${Date.now()}`;

afterAll(async () => {
  await deleteDB(NAME);
});

describe('IndexedDB through idb', () => {
  it('stores and reads back a record, typed arrays included', async () => {
    const db = await openDB(NAME, 1, {
      upgrade(d) {
        d.createObjectStore('things', { keyPath: 'id' });
      },
    });
    const weights = new Float32Array([1.5, -2, 3.25]);
    await db.put('things', { id: 'a', text: 'héllo 👍', weights });
    const back = await db.get('things', 'a');
    expect(back.text).toBe('héllo 👍');
    expect(back.weights).toBeInstanceOf(Float32Array);
    expect(Array.from(back.weights)).toEqual([1.5, -2, 3.25]);
    expect(await db.get('things', 'missing')).toBeUndefined();
    db.close();
  });

  it('keeps the record across a reopen', async () => {
    const db = await openDB(NAME, 1);
    expect((await db.get('things', 'a'))?.text).toBe('héllo 👍');
    db.close();
  });
});
