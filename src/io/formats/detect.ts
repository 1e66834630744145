/**
 * Which dataset format a file is in, told from its first record, and the parser for each.
 */
import { isObject } from './fields';
import { parseHhRlhf } from './hh-rlhf';
import { parseOasstTree } from './oasst';
import { HUMAN_TURN } from './prompt-split';
import {
  parseImplicitPreference,
  parsePreference,
  parsePromptCompletion,
  parseUnpaired,
} from './trl';
import type {
  DatasetFormat,
  PreferenceRecord,
  PromptCompletionRecord,
  UnpairedRecord,
} from './types';

/** The format of a file whose first record is `record`, or undefined if none fits. */
export function detectFormat(record: unknown): DatasetFormat | undefined {
  if (!isObject(record)) return undefined;
  const has = (field: string) => record[field] !== undefined;
  // A bare tree node, or the export's wrapper {message_tree_id, prompt: node}.
  if (has('message_id') || (isObject(record.prompt) && 'message_id' in record.prompt)) {
    return 'oasst';
  }
  if (has('completion') && has('label')) return 'trl-unpaired';
  if (has('prompt') && has('chosen') && has('rejected')) return 'trl-preference';
  if (has('chosen') && has('rejected')) {
    // One transcript is enough: a file whose first line has a broken other side is then
    // rejected as HH-RLHF naming that line, not read silently as text with a "Human:" prompt.
    const transcript = (v: unknown) => typeof v === 'string' && v.startsWith(HUMAN_TURN);
    return transcript(record.chosen) || transcript(record.rejected)
      ? 'hh-rlhf'
      : 'trl-implicit-preference';
  }
  if (has('prompt') && has('completion')) return 'trl-prompt-completion';
  return undefined;
}

/** A parser per format: one JSON value in, the records it holds out (oasst: many per line). */
export type FormatParser =
  | { kind: 'preference'; parse: (value: unknown) => PreferenceRecord[] }
  | { kind: 'unpaired'; parse: (value: unknown) => UnpairedRecord[] }
  | { kind: 'prompt-completion'; parse: (value: unknown) => PromptCompletionRecord[] };

export const FORMAT_PARSERS: Readonly<Record<DatasetFormat, FormatParser>> = Object.freeze({
  'trl-preference': { kind: 'preference', parse: (v) => [parsePreference(v)] },
  'trl-implicit-preference': { kind: 'preference', parse: (v) => [parseImplicitPreference(v)] },
  'hh-rlhf': { kind: 'preference', parse: (v) => [parseHhRlhf(v)] },
  oasst: { kind: 'preference', parse: parseOasstTree },
  'trl-unpaired': { kind: 'unpaired', parse: (v) => [parseUnpaired(v)] },
  'trl-prompt-completion': { kind: 'prompt-completion', parse: (v) => [parsePromptCompletion(v)] },
});

/** A readable name for each format, for messages and menus. */
export const FORMAT_NAMES: Readonly<Record<DatasetFormat, string>> = Object.freeze({
  'trl-preference': 'TRL preference {prompt, chosen, rejected}',
  'trl-implicit-preference': 'TRL preference with implicit prompt {chosen, rejected}',
  'hh-rlhf': 'Anthropic HH-RLHF transcripts {chosen, rejected}',
  oasst: 'OpenAssistant message trees',
  'trl-unpaired': 'TRL unpaired preference {prompt, completion, label}',
  'trl-prompt-completion': 'TRL prompt-completion {prompt, completion}',
});
