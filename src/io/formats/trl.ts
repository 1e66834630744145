/**
 * TRL's standard dataset formats (https://huggingface.co/docs/trl/dataset_formats): preference
 * with an explicit or implicit prompt, unpaired preference, and prompt-completion, each as
 * plain text or as conversations. Parsers take one decoded JSON value; exporters yield JSONL
 * lines that the parsers read back to the same records.
 */
import {
  isConversational,
  readBoolean,
  readPrompt,
  readResponse,
  readTextOrMessages,
  requireObject,
  responseMessages,
} from './fields';
import { splitConversation, splitTextPrompt } from './prompt-split';
import {
  RecordError,
  type Message,
  type PreferenceRecord,
  type Prompt,
  type PromptCompletionRecord,
  type UnpairedRecord,
} from './types';

/** {prompt, chosen, rejected}: the prompt is given, the responses hold only the reply. */
export function parsePreference(value: unknown): PreferenceRecord {
  const record = requireObject(value);
  return {
    prompt: readPrompt(record),
    chosen: readResponse(record, 'chosen'),
    rejected: readResponse(record, 'rejected'),
  };
}

/** {chosen, rejected} each holding prompt + response; the shared prompt is split off. */
export function parseImplicitPreference(value: unknown): PreferenceRecord {
  const record = requireObject(value);
  const chosen = readTextOrMessages(record, 'chosen');
  const rejected = readTextOrMessages(record, 'rejected');
  if (typeof chosen === 'string' && typeof rejected === 'string') {
    return splitTextPrompt(chosen, rejected);
  }
  if (typeof chosen !== 'string' && typeof rejected !== 'string') {
    return splitConversation(chosen, rejected);
  }
  throw new RecordError(
    'fields "chosen" and "rejected" must both be text or both be conversations',
  );
}

export function parseUnpaired(value: unknown): UnpairedRecord {
  const record = requireObject(value);
  return {
    prompt: readPrompt(record),
    completion: readResponse(record, 'completion'),
    label: readBoolean(record, 'label'),
  };
}

export function parsePromptCompletion(value: unknown): PromptCompletionRecord {
  const record = requireObject(value);
  const completion = readResponse(record, 'completion');
  // A demonstration is a response someone wrote; an empty one teaches nothing.
  if (completion.trim() === '') throw new RecordError('field "completion" is empty');
  return { prompt: readPrompt(record), completion };
}

/**
 * How prompts and responses are written. `auto` writes conversations when any record's prompt
 * is a conversation (a file mixing both forms does not load as one Hugging Face dataset).
 */
export type ExportStyle = 'auto' | 'text' | 'conversational';

export interface PreferenceExportOptions {
  style?: ExportStyle;
  /** Write {chosen, rejected} with the prompt inside both instead of a `prompt` field. */
  implicitPrompt?: boolean;
}

export function* preferenceLines(
  records: readonly PreferenceRecord[],
  options: PreferenceExportOptions = {},
): Generator<string> {
  const conversational = resolveStyle(records, options.style ?? 'auto');
  for (const [i, r] of records.entries()) {
    const prompt = promptIn(r.prompt, conversational, i);
    if (options.implicitPrompt) {
      yield jsonLine(
        typeof prompt === 'string'
          ? { chosen: prompt + r.chosen, rejected: prompt + r.rejected }
          : {
              chosen: [...prompt, ...responseMessages(r.chosen)],
              rejected: [...prompt, ...responseMessages(r.rejected)],
            },
      );
    } else {
      yield jsonLine({
        prompt,
        chosen: responseIn(r.chosen, conversational),
        rejected: responseIn(r.rejected, conversational),
      });
    }
  }
}

export function* unpairedLines(
  records: readonly UnpairedRecord[],
  options: { style?: ExportStyle } = {},
): Generator<string> {
  const conversational = resolveStyle(records, options.style ?? 'auto');
  for (const [i, r] of records.entries()) {
    yield jsonLine({
      prompt: promptIn(r.prompt, conversational, i),
      completion: responseIn(r.completion, conversational),
      label: r.label,
    });
  }
}

export function* promptCompletionLines(
  records: readonly PromptCompletionRecord[],
  options: { style?: ExportStyle } = {},
): Generator<string> {
  const conversational = resolveStyle(records, options.style ?? 'auto');
  for (const [i, r] of records.entries()) {
    yield jsonLine({
      prompt: promptIn(r.prompt, conversational, i),
      completion: responseIn(r.completion, conversational),
    });
  }
}

export function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

function resolveStyle(records: readonly { prompt: Prompt }[], style: ExportStyle): boolean {
  if (style !== 'auto') return style === 'conversational';
  return records.some((r) => isConversational(r.prompt));
}

function promptIn(prompt: Prompt, conversational: boolean, index: number): Prompt {
  if (conversational) {
    return typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
  }
  if (typeof prompt === 'string') return prompt;
  if (prompt.length === 1 && prompt[0].role === 'user') return prompt[0].content;
  throw new RangeError(
    `record ${index + 1}: its prompt is a conversation of ${prompt.length} messages, which ` +
      'plain text cannot hold; export in the conversational style',
  );
}

function responseIn(text: string, conversational: boolean): string | Message[] {
  return conversational ? responseMessages(text) : text;
}
