/**
 * Putting a dataset into the store: every record becomes a prompt, its samples and one
 * feedback event. `importDataset` writes parsed records in ONE transaction, so they land whole
 * or not at all. `importFile` takes a file of any size in bounded memory: it checks the whole
 * file first (nothing is written if any line is bad), then writes it in batches of one
 * transaction each, and if a batch fails (a full quota, say) it deletes what the earlier
 * batches wrote, so an import still lands whole or not at all. Every imported prompt carries
 * the import id as its conversationId, so `deleteImport` removes one import completely.
 *
 * - preference pair → prompt, two samples, a pairwise event choosing 'a' (the chosen one);
 *   pairs of one group (an OpenAssistant prompter message) share the prompt and its samples;
 * - unpaired record → prompt, one sample, a rating (label true = thumbs up);
 * - prompt-completion record → prompt, a demonstration.
 */
import {
  parseDataset,
  readDatasetBatches,
  type ParseOptions,
  type RejectedDataset,
} from '../io/formats/dataset';
import type { DatasetFormat, DatasetRecords, Prompt } from '../io/formats/types';
import {
  IMPORTED_RESPONSE,
  type FeedbackEvent,
  type PromptRecord,
  type SampleRecord,
} from '../feedback/types';
import { validateFeedback, validatePrompt, validateSample } from '../feedback/validate';
import { newId, observed, reserveTimes, write, type Store } from './db';
import { invalid } from './errors';
import { deletePromptIn } from './feedback';

export interface ImportRecords {
  prompts: PromptRecord[];
  samples: SampleRecord[];
  feedback: FeedbackEvent[];
}

export interface ImportSummary {
  importId: string;
  prompts: number;
  samples: number;
  feedback: number;
}

/** Stores a parsed dataset in one transaction and returns what was written. */
export async function importDataset(
  store: Store,
  data: DatasetRecords,
  options: { importId?: string } = {},
): Promise<ImportSummary> {
  const importId = options.importId ?? newId();
  const records = recordsForImport(data, importId, reserveTimes(data.records.length));
  const context = { operation: `import ${data.records.length} records`, id: importId };
  try {
    records.prompts.forEach(validatePrompt);
    records.samples.forEach(validateSample);
    records.feedback.forEach(validateFeedback);
  } catch (err) {
    throw invalid((err as Error).message, { ...context, stores: [] }, err);
  }

  const stores: ['prompts', 'samples', 'feedback'] = ['prompts', 'samples', 'feedback'];
  await write(store, stores, context, async (tx) => {
    await Promise.all([
      ...records.prompts.map((p) => observed(tx.objectStore('prompts').add(p))),
      ...records.samples.map((s) => observed(tx.objectStore('samples').add(s))),
      ...records.feedback.map((f) => observed(tx.objectStore('feedback').add(f))),
    ]);
  });
  return {
    importId,
    prompts: records.prompts.length,
    samples: records.samples.length,
    feedback: records.feedback.length,
  };
}

/** Records per transaction of `importFile`: a few MB of objects at most. */
export const IMPORT_BATCH_RECORDS = 2000;

export interface FileImportOptions extends Pick<ParseOptions, 'onProgress' | 'maxErrors'> {
  importId?: string;
  batchRecords?: number;
  /** After each batch is stored: records stored so far, of `total`. */
  onSaved?: (saved: number, total: number) => void;
}

export type FileImportResult =
  { ok: true; format: DatasetFormat; summary: ImportSummary } | RejectedDataset;

/**
 * Checks a dataset file, then stores it batch by batch (see the top of this file). Resolves
 * to the rejection when the file has bad lines, and throws (having removed any batch already
 * written) when storing fails.
 */
export async function importFile(
  store: Store,
  file: Blob,
  options: FileImportOptions = {},
): Promise<FileImportResult> {
  const checked = await parseDataset(file, { ...options, keepRecords: false });
  if (!checked.ok) return checked;
  const importId = options.importId ?? newId();
  const summary: ImportSummary = { importId, prompts: 0, samples: 0, feedback: 0 };
  const batches = readDatasetBatches(
    file,
    checked.format,
    options.batchRecords ?? IMPORT_BATCH_RECORDS,
  );
  try {
    let saved = 0;
    for await (const batch of batches) {
      const s = await importDataset(store, batch, { importId });
      summary.prompts += s.prompts;
      summary.samples += s.samples;
      summary.feedback += s.feedback;
      saved += batch.records.length;
      options.onSaved?.(saved, checked.count);
    }
  } catch (err) {
    // Nothing of a failed import stays; what was stored before it is untouched.
    await deleteImport(store, importId).catch(() => {});
    throw err;
  }
  return { ok: true, format: checked.format, summary };
}

/** Deletes everything one import wrote, in one transaction. Returns the prompts deleted. */
export async function deleteImport(store: Store, importId: string): Promise<number> {
  const stores: ['prompts', 'samples', 'feedback'] = ['prompts', 'samples', 'feedback'];
  return write(store, stores, { operation: 'delete import', id: importId }, async (tx) => {
    const ids = await tx.objectStore('prompts').index('conversationId').getAllKeys(importId);
    for (const id of ids) await deletePromptIn(tx, id);
    return ids.length;
  });
}

/**
 * The records an import writes. Record i gets createdAt = firstTime + i, so the file's order
 * is kept wherever records are sorted by time (and exports come out in file order).
 */
export function recordsForImport(
  data: DatasetRecords,
  importId: string,
  firstTime: number,
): ImportRecords {
  const out: ImportRecords = { prompts: [], samples: [], feedback: [] };
  const groups = new Map<string, { prompt: PromptRecord; samples: Map<string, SampleRecord> }>();

  const addPrompt = (prompt: Prompt, createdAt: number): PromptRecord => {
    const record: PromptRecord = {
      id: newId(),
      conversationId: importId,
      text: typeof prompt === 'string' ? prompt : prompt[prompt.length - 1].content,
      messages: typeof prompt === 'string' ? [] : prompt.map((m) => ({ ...m })),
      createdAt,
      source: 'import',
    };
    out.prompts.push(record);
    return record;
  };
  const shown = new Map<string, number>();
  const addSample = (prompt: PromptRecord, text: string, createdAt: number): SampleRecord => {
    const shownPosition = shown.get(prompt.id) ?? 0;
    shown.set(prompt.id, shownPosition + 1);
    const sample: SampleRecord = {
      id: newId(),
      promptId: prompt.id,
      text,
      tokenIds: [],
      checkpointId: IMPORTED_RESPONSE,
      sampling: null,
      shownPosition,
      createdAt,
    };
    out.samples.push(sample);
    return sample;
  };
  const base = (promptId: string, createdAt: number) => ({
    id: newId(),
    promptId,
    createdAt,
    synthetic: false,
  });

  switch (data.kind) {
    case 'preference':
      data.records.forEach((r, i) => {
        const time = firstTime + i;
        let prompt: PromptRecord;
        let chosen: SampleRecord;
        let rejected: SampleRecord;
        let group: string | undefined;
        if (r.group === undefined) {
          prompt = addPrompt(r.prompt, time);
          chosen = addSample(prompt, r.chosen, time);
          rejected = addSample(prompt, r.rejected, time);
        } else {
          // Responses of one group are stored once and compared by several events.
          const key = groupKey(r.group, r.prompt);
          const g = groups.get(key) ?? { prompt: addPrompt(r.prompt, time), samples: new Map() };
          groups.set(key, g);
          const sampleFor = (text: string) => {
            const known = g.samples.get(text) ?? addSample(g.prompt, text, time);
            g.samples.set(text, known);
            return known;
          };
          prompt = g.prompt;
          // The group's prompt record is new to this import: a name no other group shares.
          group = `import:${prompt.id}`;
          chosen = sampleFor(r.chosen);
          // Two equal texts still need two samples: a pairwise event compares two ids.
          rejected =
            r.rejected === r.chosen ? addSample(prompt, r.rejected, time) : sampleFor(r.rejected);
        }
        out.feedback.push({
          ...base(prompt.id, time),
          kind: 'pairwise',
          a: chosen.id,
          b: rejected.id,
          choice: 'a',
          shownOrder: [chosen.id, rejected.id],
          ...(group === undefined ? {} : { group }),
        });
      });
      break;
    case 'unpaired':
      data.records.forEach((r, i) => {
        const time = firstTime + i;
        const prompt = addPrompt(r.prompt, time);
        const sample = addSample(prompt, r.completion, time);
        out.feedback.push({
          ...base(prompt.id, time),
          kind: 'rating',
          sampleId: sample.id,
          value: r.label ? 1 : -1,
          reasons: [],
        });
      });
      break;
    case 'prompt-completion':
      data.records.forEach((r, i) => {
        const time = firstTime + i;
        const prompt = addPrompt(r.prompt, time);
        out.feedback.push({ ...base(prompt.id, time), kind: 'demonstration', text: r.completion });
      });
      break;
  }
  return out;
}

/** Same group name with a different prompt is a different group. */
function groupKey(group: string, prompt: Prompt): string {
  return `${group}\u0000${JSON.stringify(prompt)}`;
}
