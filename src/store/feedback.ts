/**
 * Prompts, their candidate responses (samples) and the feedback given on them. Every write is
 * one transaction over all the object stores it touches; records are built and checked before
 * the transaction starts.
 */
import type { FeedbackData } from '../feedback/derive';
import {
  FEEDBACK_KINDS,
  referencedSamples,
  type FeedbackEvent,
  type FeedbackInput,
  type FeedbackKind,
  type PromptRecord,
  type SampleRecord,
} from '../feedback/types';
import { validateFeedback, validatePrompt, validateSample } from '../feedback/validate';
import { newId, now, observed, read, write, type Store, type WriteTx } from './db';
import { invalid, notFound, type StoreErrorContext } from './errors';

/** A prompt before it is stored: id and createdAt are filled in when missing. */
export type PromptInput = Omit<PromptRecord, 'id' | 'createdAt' | 'messages'> & {
  id?: string;
  createdAt?: number;
  /** Defaults to the one user turn `text`. Pass [] for a plain-text prompt. */
  messages?: PromptRecord['messages'];
};

/** A sample before it is stored; shownPosition defaults to its index in the list. */
export type SampleInput = Omit<SampleRecord, 'id' | 'promptId' | 'createdAt' | 'shownPosition'> & {
  id?: string;
  createdAt?: number;
  shownPosition?: number;
};

/**
 * Stores a prompt and the candidate responses sampled for it. Saving the same prompt again
 * (same id) with more samples adds them; a sample id that exists already is an error.
 */
export async function saveCandidates(
  store: Store,
  prompt: PromptInput,
  samples: readonly SampleInput[],
): Promise<{ prompt: PromptRecord; samples: SampleRecord[] }> {
  const time = now();
  const promptRecord: PromptRecord = {
    ...prompt,
    id: prompt.id ?? newId(),
    createdAt: prompt.createdAt ?? time,
    messages: prompt.messages ?? [{ role: 'user', content: prompt.text }],
  };
  const sampleRecords: SampleRecord[] = samples.map((s, i) => ({
    ...s,
    id: s.id ?? newId(),
    promptId: promptRecord.id,
    createdAt: s.createdAt ?? time,
    shownPosition: s.shownPosition ?? i,
  }));
  const context = { operation: 'save candidates', id: promptRecord.id };
  checked(context, () => {
    validatePrompt(promptRecord);
    sampleRecords.forEach(validateSample);
  });

  await write(store, ['prompts', 'samples'], context, async (tx) => {
    await Promise.all([
      observed(tx.objectStore('prompts').put(promptRecord)),
      ...sampleRecords.map((s) => observed(tx.objectStore('samples').add(s))),
    ]);
  });
  return { prompt: promptRecord, samples: sampleRecords };
}

/** Stores a feedback event after checking that its prompt and samples exist. */
export async function addFeedback(store: Store, input: FeedbackInput): Promise<FeedbackEvent> {
  const event = {
    ...input,
    id: input.id ?? newId(),
    createdAt: input.createdAt ?? now(),
  } as FeedbackEvent;
  const context = { operation: `add ${event.kind} feedback`, id: event.id };
  checked(context, () => validateFeedback(event));
  await write(store, ['prompts', 'samples', 'feedback'], context, async (tx) => {
    await checkReferences(tx, event, { ...context, stores: ['prompts', 'samples'] });
    await tx.objectStore('feedback').add(event);
  });
  return event;
}

/** Replaces a stored event (same id, kind and prompt), e.g. to add a comment or reasons. */
export async function updateFeedback(store: Store, event: FeedbackEvent): Promise<void> {
  const context = { operation: `update ${event.kind} feedback`, id: event.id };
  checked(context, () => validateFeedback(event));
  await write(store, ['prompts', 'samples', 'feedback'], context, async (tx) => {
    const stored = await tx.objectStore('feedback').get(event.id);
    const ctx = { ...context, stores: ['feedback'] };
    if (!stored) throw notFound('feedback', event.id, ctx);
    if (stored.kind !== event.kind || stored.promptId !== event.promptId) {
      throw invalid(`feedback "${event.id}" cannot change its kind or prompt`, ctx);
    }
    await checkReferences(tx, event, { ...context, stores: ['prompts', 'samples'] });
    await tx.objectStore('feedback').put(event);
  });
}

/** Deletes one event; returns it, or undefined if there was none with that id. */
export async function deleteFeedback(store: Store, id: string): Promise<FeedbackEvent | undefined> {
  return write(store, ['feedback'], { operation: 'delete feedback', id }, async (tx) => {
    const stored = await tx.store.get(id);
    if (stored) await tx.store.delete(id);
    return stored;
  });
}

/**
 * Deletes the newest feedback event and returns it (undefined when there is none). With
 * `synthetic` given, only events with that flag count: `{synthetic: false}` undoes the person's
 * last judgement even while the simulated rater is adding its own.
 */
export async function undoLastFeedback(
  store: Store,
  options: { synthetic?: boolean } = {},
): Promise<FeedbackEvent | undefined> {
  return write(store, ['feedback'], { operation: 'undo the last feedback' }, async (tx) => {
    let cursor = await tx.store.index('createdAt').openCursor(null, 'prev');
    while (
      cursor &&
      options.synthetic !== undefined &&
      cursor.value.synthetic !== options.synthetic
    ) {
      cursor = await cursor.continue();
    }
    if (!cursor) return undefined;
    const event = cursor.value;
    await cursor.delete();
    return event;
  });
}

/** Deletes a prompt with its samples and their feedback, all in one transaction. */
export async function deletePrompt(
  store: Store,
  id: string,
): Promise<{ samples: number; feedback: number }> {
  const stores: ['prompts', 'samples', 'feedback'] = ['prompts', 'samples', 'feedback'];
  return write(store, stores, { operation: 'delete prompt', id }, async (tx) => {
    if (!(await tx.objectStore('prompts').getKey(id))) {
      throw notFound('prompt', id, { operation: 'delete prompt', stores: ['prompts'] });
    }
    return deletePromptIn(tx, id);
  });
}

/** The cascade of deletePrompt, inside a caller's transaction. */
export async function deletePromptIn(
  tx: WriteTx<['prompts', 'samples', 'feedback']>,
  id: string,
): Promise<{ samples: number; feedback: number }> {
  const [sampleKeys, feedbackKeys] = await Promise.all([
    tx.objectStore('samples').index('promptId').getAllKeys(id),
    tx.objectStore('feedback').index('promptId').getAllKeys(id),
  ]);
  await Promise.all([
    observed(tx.objectStore('prompts').delete(id)),
    ...sampleKeys.map((k) => observed(tx.objectStore('samples').delete(k))),
    ...feedbackKeys.map((k) => observed(tx.objectStore('feedback').delete(k))),
  ]);
  return { samples: sampleKeys.length, feedback: feedbackKeys.length };
}

export async function getPrompt(store: Store, id: string): Promise<PromptRecord | undefined> {
  return read(store, ['prompts'], { operation: 'get prompt', id }, (tx) => tx.store.get(id));
}

/** Prompts, newest first unless `oldestFirst`; optionally of one conversation (or import). */
export async function listPrompts(
  store: Store,
  options: { conversationId?: string; limit?: number; oldestFirst?: boolean } = {},
): Promise<PromptRecord[]> {
  return read(store, ['prompts'], { operation: 'list prompts' }, async (tx) => {
    const prompts =
      options.conversationId === undefined
        ? await tx.store.index('createdAt').getAll()
        : sortByTime(await tx.store.index('conversationId').getAll(options.conversationId));
    if (!options.oldestFirst) prompts.reverse();
    return options.limit === undefined ? prompts : prompts.slice(0, options.limit);
  });
}

/**
 * The newest prompt from `source`, read backwards by time one record at a time and stopping at
 * the first match: the prompts older than it (a whole imported dataset, say) are never read.
 */
export async function newestPrompt(
  store: Store,
  source: PromptRecord['source'],
): Promise<PromptRecord | undefined> {
  return read(store, ['prompts'], { operation: 'find the newest prompt' }, async (tx) => {
    let cursor = await tx.store.index('createdAt').openCursor(null, 'prev');
    while (cursor && cursor.value.source !== source) cursor = await cursor.continue();
    return cursor?.value;
  });
}

/** A prompt's samples in the order they were shown. */
export async function getSamples(store: Store, promptId: string): Promise<SampleRecord[]> {
  return read(store, ['samples'], { operation: 'get samples', id: promptId }, async (tx) => {
    const samples = await tx.store.index('promptId').getAll(promptId);
    return samples.sort((a, b) => a.shownPosition - b.shownPosition);
  });
}

/** Feedback events, oldest first; optionally of one prompt and/or one kind. */
export async function listFeedback(
  store: Store,
  options: { promptId?: string; kind?: FeedbackKind } = {},
): Promise<FeedbackEvent[]> {
  return read(store, ['feedback'], { operation: 'list feedback' }, async (tx) => {
    const events =
      options.promptId !== undefined
        ? await tx.store.index('promptId').getAll(options.promptId)
        : options.kind !== undefined
          ? await tx.store.index('kind').getAll(options.kind)
          : await tx.store.index('createdAt').getAll();
    const kept =
      options.kind === undefined ? events : events.filter((e) => e.kind === options.kind);
    return sortByTime(kept);
  });
}

export type FeedbackCounts = Record<FeedbackKind, number> & { total: number };

/** How many feedback events of each kind are stored. */
export async function countFeedback(store: Store): Promise<FeedbackCounts> {
  return read(store, ['feedback'], { operation: 'count feedback' }, async (tx) => {
    const index = tx.store.index('kind');
    const counts = await Promise.all(FEEDBACK_KINDS.map((kind) => index.count(kind)));
    const byKind = Object.fromEntries(FEEDBACK_KINDS.map((k, i) => [k, counts[i]]));
    return { ...byKind, total: counts.reduce((a, b) => a + b, 0) } as FeedbackCounts;
  });
}

/** Everything deriveTrainingData needs, read in one consistent snapshot. */
export async function loadFeedbackData(store: Store): Promise<FeedbackData> {
  const stores: ['prompts', 'samples', 'feedback'] = ['prompts', 'samples', 'feedback'];
  return read(store, stores, { operation: 'load feedback' }, async (tx) => {
    const [prompts, samples, feedback] = await Promise.all([
      tx.objectStore('prompts').getAll(),
      tx.objectStore('samples').getAll(),
      tx.objectStore('feedback').getAll(),
    ]);
    return { prompts, samples, feedback };
  });
}

/** Checks, inside the write, that the event's prompt and samples exist and belong together. */
async function checkReferences(
  tx: WriteTx<['prompts', 'samples', 'feedback']>,
  event: FeedbackEvent,
  context: StoreErrorContext,
): Promise<void> {
  const ids = referencedSamples(event);
  const [prompt, ...samples] = await Promise.all([
    tx.objectStore('prompts').getKey(event.promptId),
    ...ids.map((id) => tx.objectStore('samples').get(id)),
  ]);
  if (prompt === undefined) throw notFound('prompt', event.promptId, context);
  samples.forEach((sample, i) => {
    if (!sample) throw notFound('sample', ids[i], context);
    if (sample.promptId !== event.promptId) {
      throw invalid(
        `sample "${ids[i]}" belongs to prompt "${sample.promptId}", not "${event.promptId}"`,
        context,
      );
    }
  });
}

function checked(context: { operation: string; id?: string }, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw invalid((err as Error).message, { ...context, stores: [] }, err);
  }
}

function sortByTime<T extends { createdAt: number; id: string }>(records: T[]): T[] {
  return records.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}
