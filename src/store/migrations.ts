/**
 * Schema migrations, one step per version, run in order from the version found on disk to
 * DB_VERSION inside the single upgrade transaction: if any step throws, the transaction aborts
 * and the database stays exactly as it was, at its old version.
 *
 * Steps see the database untyped, because ThumbprintDB describes only the newest version.
 */
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import {
  REFERENCE_CHECKPOINT,
  type FeedbackEvent,
  type PromptRecord,
  type SampleRecord,
} from '../feedback/types';

type AnyDB = IDBPDatabase<unknown>;
type UpgradeTx = IDBPTransaction<unknown, string[], 'versionchange'>;

/** A version-1 conversation; version 2 keeps the same shape. */
export interface V1Conversation {
  id: string;
  title: string;
  messages: { role: 'user' | 'assistant' | 'system'; content: string }[];
  createdAt: number;
  updatedAt: number;
}

/** A version-1 feedback record: thumbs on one response, with the texts inline. */
export interface V1Feedback {
  /** Auto-incremented by IndexedDB. */
  id: number;
  conversationId: string;
  prompt: string;
  response: string;
  thumbs: 'up' | 'down';
  comment?: string;
  createdAt: number;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface Migration {
  /** The version this step produces. */
  version: number;
  run(db: AnyDB, tx: UpgradeTx): Promise<void> | void;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, run: createV1 },
  { version: 2, run: upgradeV1ToV2 },
]);

/** Runs every step above `oldVersion`, one after the other. */
export async function migrate(db: AnyDB, oldVersion: number, tx: UpgradeTx): Promise<void> {
  for (const step of MIGRATIONS) {
    if (oldVersion < step.version) await step.run(db, tx);
  }
}

/** The first schema. Exported so tests can build a version-1 database as it was shipped. */
export function createV1(db: AnyDB): void {
  const conversations = db.createObjectStore('conversations', { keyPath: 'id' });
  conversations.createIndex('updatedAt', 'updatedAt');
  const feedback = db.createObjectStore('feedback', { keyPath: 'id', autoIncrement: true });
  feedback.createIndex('conversationId', 'conversationId');
}

/**
 * Adds the version-2 stores and turns each version-1 thumbs record into a prompt, one sample
 * and a rating event. The old feedback store has numeric auto-increment keys, so it is read
 * whole, dropped and made again with string keys.
 */
async function upgradeV1ToV2(db: AnyDB, tx: UpgradeTx): Promise<void> {
  const old = db.objectStoreNames.contains('feedback')
    ? ((await tx.objectStore('feedback').getAll()) as V1Feedback[])
    : [];
  const converted = old.map(convertV1Feedback);

  if (db.objectStoreNames.contains('feedback')) db.deleteObjectStore('feedback');
  const feedback = db.createObjectStore('feedback', { keyPath: 'id' });
  feedback.createIndex('promptId', 'promptId');
  feedback.createIndex('createdAt', 'createdAt');
  feedback.createIndex('kind', 'kind');
  const prompts = db.createObjectStore('prompts', { keyPath: 'id' });
  prompts.createIndex('createdAt', 'createdAt');
  prompts.createIndex('conversationId', 'conversationId');
  db.createObjectStore('samples', { keyPath: 'id' }).createIndex('promptId', 'promptId');
  const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
  checkpoints.createIndex('createdAt', 'createdAt');
  checkpoints.createIndex('runId', 'runId');
  db.createObjectStore('weights', { keyPath: 'checkpointId' });
  db.createObjectStore('runs', { keyPath: 'id' }).createIndex('createdAt', 'createdAt');

  // Each request is observed at once: if one fails the upgrade aborts and the rest reject.
  const quiet = <T>(request: Promise<T>) => (request.catch(() => {}), request);
  await Promise.all(
    converted.flatMap(({ prompt, sample, event }) => [
      quiet(tx.objectStore('prompts').add(prompt)),
      quiet(tx.objectStore('samples').add(sample)),
      quiet(tx.objectStore('feedback').add(event)),
    ]),
  );
}

export function convertV1Feedback(old: V1Feedback): {
  prompt: PromptRecord;
  sample: SampleRecord;
  event: FeedbackEvent;
} {
  if (old.thumbs !== 'up' && old.thumbs !== 'down') {
    throw new MigrationError(
      `version-1 feedback ${old.id}: field "thumbs" is ${JSON.stringify(old.thumbs)}, ` +
        'expected "up" or "down"; nothing was migrated',
    );
  }
  const prompt: PromptRecord = {
    id: crypto.randomUUID(),
    conversationId: old.conversationId,
    text: old.prompt,
    messages: [{ role: 'user', content: old.prompt }],
    createdAt: old.createdAt,
    source: 'user',
  };
  // Version 1 only ever sampled the pre-trained model, with settings it did not record.
  const sample: SampleRecord = {
    id: crypto.randomUUID(),
    promptId: prompt.id,
    text: old.response,
    tokenIds: [],
    checkpointId: REFERENCE_CHECKPOINT,
    sampling: null,
    shownPosition: 0,
    createdAt: old.createdAt,
  };
  const event: FeedbackEvent = {
    id: crypto.randomUUID(),
    promptId: prompt.id,
    kind: 'rating',
    createdAt: old.createdAt,
    synthetic: false,
    sampleId: sample.id,
    value: old.thumbs === 'up' ? 1 : -1,
    reasons: [],
    ...(old.comment !== undefined ? { comment: old.comment } : {}),
  };
  return { prompt, sample, event };
}
