/**
 * Reading a whole dataset file: stream its lines, detect the format from the first record,
 * parse every line, and either return every record or every problem — never a part.
 */
import { JsonlReadError, readJsonlLines, type ReadLinesOptions } from '../jsonl';
import { FORMAT_NAMES, FORMAT_PARSERS, detectFormat } from './detect';
import { describe } from './fields';
import {
  RecordError,
  lineError,
  type DatasetFormat,
  type DatasetRecords,
  type LineError,
} from './types';

/**
 * The import policy. A file with any bad line is rejected as a whole — nothing of it is
 * imported — and every bad line is reported (the first `maxErrors`, with the total count), so
 * one pass over the file shows everything to fix. Half a dataset silently imported would skew
 * a reward model without anyone noticing; a rejected file costs one more try.
 */
export const IMPORT_POLICY =
  'all-or-nothing: a file with any bad line imports nothing, and every bad line is reported';

export const DEFAULT_MAX_ERRORS = 100;

export interface ParseOptions extends ReadLinesOptions {
  /** Skip detection and read every line as this format. */
  format?: DatasetFormat;
  /** How many bad lines to keep for the report (all are counted). Default 100. */
  maxErrors?: number;
  /**
   * Keep the records (default). False only checks the file and counts its records, in
   * memory bounded by one line: then read them with {@link readDatasetBatches}.
   */
  keepRecords?: boolean;
}

export interface ParsedDataset {
  ok: true;
  format: DatasetFormat;
  data: DatasetRecords;
  /** Non-blank lines read. (An oasst line can hold many pairs or none.) */
  lines: number;
  /** Records in the file; data.records is empty when they were not kept. */
  count: number;
  policy: typeof IMPORT_POLICY;
}

export interface RejectedDataset {
  ok: false;
  /** The detected or given format, when it got that far. */
  format: DatasetFormat | undefined;
  /** One sentence when the file as a whole is unreadable (not JSONL, unknown format, empty). */
  fatal: string | undefined;
  /** Bad lines in file order, at most `maxErrors` of them. */
  errors: LineError[];
  /** All bad lines, including those beyond `maxErrors`. */
  errorCount: number;
  policy: typeof IMPORT_POLICY;
}

export type ParseResult = ParsedDataset | RejectedDataset;

export async function parseDataset(
  source: Blob | ReadableStream<Uint8Array>,
  options: ParseOptions = {},
): Promise<ParseResult> {
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const errors: LineError[] = [];
  let errorCount = 0;
  let format = options.format;
  let records: unknown[] = [];
  let count = 0;
  let lines = 0;
  const keep = options.keepRecords !== false;
  const reject = (fatal?: string): RejectedDataset => ({
    ok: false,
    format,
    fatal,
    errors,
    errorCount,
    policy: IMPORT_POLICY,
  });

  try {
    for await (const { line, text } of readJsonlLines(source, options)) {
      lines++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        // The first record decides whether this is JSONL at all.
        if (lines === 1)
          return reject(`not a JSONL file: line ${line} is not JSON (${errText(err)})`);
        errorCount++;
        if (errors.length < maxErrors)
          errors.push(lineError(line, `not valid JSON (${errText(err)})`));
        continue;
      }
      if (format === undefined) {
        format = detectFormat(value);
        if (format === undefined) return reject(unknownFormat(line, value));
      }
      try {
        const parsed = FORMAT_PARSERS[format].parse(value);
        count += parsed.length;
        // Once a line is bad nothing will be imported, so good records need not be kept.
        if (errorCount === 0 && keep) records.push(...parsed);
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        errorCount++;
        records = [];
        if (errors.length < maxErrors) errors.push(lineError(line, err.message));
      }
    }
  } catch (err) {
    if (err instanceof JsonlReadError) return reject(err.message);
    throw err;
  }

  if (lines === 0) return reject('the file holds no records (it is empty or only blank lines)');
  if (errorCount > 0 || format === undefined) return reject();
  if (count === 0) {
    return reject(
      `the file holds no records to import: its ${lines} line(s), read as ` +
        `${FORMAT_NAMES[format]}, give none (an OpenAssistant tree gives pairs only from ` +
        'ranked replies that are not deleted)',
    );
  }
  return {
    ok: true,
    format,
    data: { kind: FORMAT_PARSERS[format].kind, records } as DatasetRecords,
    lines,
    count,
    policy: IMPORT_POLICY,
  };
}

/**
 * The records of a file already checked by {@link parseDataset} as `format`, in batches of at
 * least `batchSize` records cut at line boundaries (an OpenAssistant tree's pairs stay in one
 * batch), so a file of any size is read in bounded memory. Throws naming the line if a line
 * no longer parses (the file changed since it was checked).
 */
export async function* readDatasetBatches(
  source: Blob,
  format: DatasetFormat,
  batchSize: number,
): AsyncGenerator<DatasetRecords> {
  const { kind, parse } = FORMAT_PARSERS[format];
  let batch: unknown[] = [];
  for await (const { line, text } of readJsonlLines(source)) {
    try {
      batch.push(...parse(JSON.parse(text)));
    } catch (err) {
      throw new RecordError(
        `line ${line}: ${errText(err)} (the file changed after it was checked)`,
      );
    }
    if (batch.length >= batchSize) {
      yield { kind, records: batch } as DatasetRecords;
      batch = [];
    }
  }
  if (batch.length > 0) yield { kind, records: batch } as DatasetRecords;
}

/** A one-paragraph summary of a rejected file, for a dialog or a log. */
export function describeRejection(result: RejectedDataset): string {
  if (result.fatal) return result.fatal;
  const shown = result.errors.map((e) => e.message).join('\n');
  const more =
    result.errorCount > result.errors.length
      ? `\n… and ${result.errorCount - result.errors.length} more bad lines`
      : '';
  const format = result.format ? ` as ${FORMAT_NAMES[result.format]}` : '';
  const count = `${result.errorCount} line(s) could not be read${format}`;
  return `Nothing was imported: ${count}.\n${shown}${more}`;
}

function unknownFormat(line: number, value: unknown): string {
  const fields =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? `fields ${Object.keys(value)
          .map((k) => `"${k}"`)
          .join(', ')}`
      : describe(value);
  return (
    `line ${line}: not a dataset format we read (found ${fields}); expected one of: ` +
    Object.values(FORMAT_NAMES).join('; ')
  );
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
