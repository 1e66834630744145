/**
 * What the data view's Export menu writes: stored feedback, derived into training data, as one
 * JSONL file in a format other tools read. Pure apart from building the Blob; no DOM.
 */
import { deriveTrainingData, type DerivedFeedback, type FeedbackData } from '../feedback/derive';
import { hhRlhfLines } from '../io/formats/hh-rlhf';
import { preferenceLines, promptCompletionLines, unpairedLines } from '../io/formats/trl';

export const EXPORT_FORMATS = Object.freeze([
  'trl-preference',
  'trl-unpaired',
  'hh-rlhf',
  'sft',
] as const);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What each format holds, as the menu names it. */
export const EXPORT_LABELS: Readonly<Record<ExportFormat, string>> = Object.freeze({
  'trl-preference': 'TRL preference pairs (prompt, chosen, rejected)',
  'trl-unpaired': 'TRL unpaired ratings (prompt, completion, label)',
  'hh-rlhf': 'HH-RLHF transcripts (chosen, rejected)',
  sft: 'SFT demonstrations (prompt, completion)',
});

/** What the records of each format are called, for "nothing to export" messages. */
const RECORD_NAMES: Readonly<Record<ExportFormat, string>> = Object.freeze({
  'trl-preference': 'preference pairs',
  'trl-unpaired': 'ratings',
  'hh-rlhf': 'preference pairs',
  sft: 'demonstrations',
});

export interface ExportOptions {
  /** Keep the simulated rater's feedback. Default true. */
  includeSynthetic?: boolean;
  /** For the file name; default now. */
  date?: Date;
}

export interface ExportFile {
  filename: string;
  /** Records written (one per line). */
  records: number;
  /** The JSONL lines, each ending in '\n'. */
  lines: string[];
}

/**
 * The lines of an export, or an Error whose message says why there is nothing to write (no
 * records of that kind) or which record a format cannot hold (e.g. a system turn in HH-RLHF).
 */
export function exportLines(
  data: FeedbackData,
  format: ExportFormat,
  options: ExportOptions = {},
): ExportFile {
  const derived = deriveTrainingData(data, {
    includeSynthetic: options.includeSynthetic !== false,
  });
  const lines = [...linesOf(derived, format)];
  if (lines.length === 0) {
    const which = options.includeSynthetic === false ? ' from a person (synthetic left out)' : '';
    throw new Error(`Nothing to export: there are no ${RECORD_NAMES[format]}${which} yet.`);
  }
  const day = (options.date ?? new Date()).toISOString().slice(0, 10);
  return { filename: `thumbprint-${format}-${day}.jsonl`, records: lines.length, lines };
}

function linesOf(derived: DerivedFeedback, format: ExportFormat): Iterable<string> {
  switch (format) {
    case 'trl-preference':
      return preferenceLines(derived.pairs);
    case 'trl-unpaired':
      return unpairedLines(derived.unpaired);
    case 'hh-rlhf':
      return hhRlhfLines(derived.pairs);
    case 'sft':
      return promptCompletionLines(derived.demonstrations);
  }
}

/** The file as a Blob; the lines become its parts, never joined into one string. */
export function exportBlob(file: ExportFile): Blob {
  return new Blob(file.lines, { type: 'application/jsonl' });
}
