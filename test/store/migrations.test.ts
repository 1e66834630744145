import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { closeLater, dbName, freshStore } from './helpers';
import { openStore } from '../../src/store/db';
import { StoreError } from '../../src/store/errors';
import { DB_VERSION, STORE_NAMES } from '../../src/store/schema';
import { countFeedback, getSamples, listFeedback, listPrompts } from '../../src/store/feedback';

/**
 * Builds a version-1 database the way version 1 of the app did, with raw idb calls written
 * out here (not taken from the migration code), and fills it.
 */
async function createVersion1(name: string, feedback: object[]): Promise<void> {
  const db = await openDB(name, 1, {
    upgrade(v1) {
      v1.createObjectStore('conversations', { keyPath: 'id' }).createIndex(
        'updatedAt',
        'updatedAt',
      );
      v1.createObjectStore('feedback', { keyPath: 'id', autoIncrement: true }).createIndex(
        'conversationId',
        'conversationId',
      );
    },
  });
  await db.put('conversations', {
    id: 'c1',
    title: 'Colours',
    messages: [{ role: 'user', content: 'Sky?' }],
    createdAt: 100,
    updatedAt: 200,
  });
  for (const record of feedback) await db.add('feedback', record);
  db.close();
}

const V1_FEEDBACK = [
  {
    conversationId: 'c1',
    prompt: 'Sky?',
    response: 'Blue.',
    thumbs: 'up',
    comment: 'good',
    createdAt: 1000,
  },
  { conversationId: 'c1', prompt: 'Grass?', response: 'Purple.', thumbs: 'down', createdAt: 2000 },
  { conversationId: 'c2', prompt: 'Sun?', response: 'Hot.', thumbs: 'up', createdAt: 3000 },
];

describe('schema and migrations', () => {
  it('creates every store on a fresh open, at the current version', async () => {
    const store = await freshStore();
    expect(store.db.version).toBe(DB_VERSION);
    expect([...store.db.objectStoreNames].sort()).toEqual([...STORE_NAMES].sort());
  });

  it('converts version-1 thumbs into prompts, samples and ratings, losing nothing', async () => {
    const name = dbName();
    await createVersion1(name, V1_FEEDBACK);
    const store = await freshStore({}, name);
    expect(store.db.version).toBe(2);

    const prompts = await listPrompts(store, { oldestFirst: true });
    expect(prompts.map((p) => [p.text, p.conversationId, p.createdAt, p.source])).toEqual([
      ['Sky?', 'c1', 1000, 'user'],
      ['Grass?', 'c1', 2000, 'user'],
      ['Sun?', 'c2', 3000, 'user'],
    ]);
    expect(prompts[0].messages).toEqual([{ role: 'user', content: 'Sky?' }]);

    const samples = await Promise.all(prompts.map((p) => getSamples(store, p.id)));
    expect(samples.map((s) => s.map((x) => [x.text, x.checkpointId, x.sampling]))).toEqual([
      [['Blue.', 'reference', null]],
      [['Purple.', 'reference', null]],
      [['Hot.', 'reference', null]],
    ]);

    const events = await listFeedback(store);
    expect(events).toEqual([
      {
        id: events[0].id,
        promptId: prompts[0].id,
        kind: 'rating',
        createdAt: 1000,
        synthetic: false,
        sampleId: samples[0][0].id,
        value: 1,
        reasons: [],
        comment: 'good',
      },
      expect.objectContaining({ promptId: prompts[1].id, sampleId: samples[1][0].id, value: -1 }),
      expect.objectContaining({ promptId: prompts[2].id, sampleId: samples[2][0].id, value: 1 }),
    ]);
    expect('comment' in events[1]).toBe(false);
    expect(await countFeedback(store)).toEqual({
      rating: 3,
      ranking: 0,
      pairwise: 0,
      demonstration: 0,
      total: 3,
    });

    // Conversations were already in their version-2 shape and are kept as they were.
    expect(await store.db.get('conversations', 'c1')).toEqual({
      id: 'c1',
      title: 'Colours',
      messages: [{ role: 'user', content: 'Sky?' }],
      createdAt: 100,
      updatedAt: 200,
    });
  });

  it('leaves a version-1 database untouched when a record cannot be converted', async () => {
    const name = dbName();
    await createVersion1(name, [V1_FEEDBACK[0], { ...V1_FEEDBACK[1], thumbs: 'sideways' }]);

    const error = await openStore(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('version');
    expect((error as StoreError).message).toBe(
      `Could not upgrade the database "${name}" to version 2: version-1 feedback 2: field "thumbs" ` +
        'is "sideways", expected "up" or "down"; nothing was migrated. The stored data was left unchanged.',
    );

    const raw = closeLater(await openDB(name));
    expect(raw.version).toBe(1);
    expect([...raw.objectStoreNames].sort()).toEqual(['conversations', 'feedback']);
    expect((await raw.getAll('feedback')).map((r) => r.thumbs)).toEqual(['up', 'sideways']);
  });

  it('explains a database written by a newer version', async () => {
    const name = dbName();
    (await openDB(name, 3)).close();
    await expect(openStore(name)).rejects.toThrow(
      `The database "${name}" is at version 3, newer than this page (version 2): it was opened ` +
        'by a newer Thumbprint. Reload the page.',
    );
  });
});
