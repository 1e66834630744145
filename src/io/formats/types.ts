/**
 * Records read from and written to dataset files. These are the file-level shapes only: the
 * store turns them into prompts, samples and feedback events (src/store/import.ts), and the
 * derivations in src/feedback turn stored feedback back into them.
 *
 * TRL's field names (`prompt`, `chosen`, `rejected`, `completion`, `label`) are kept as they
 * are because they are what the files contain.
 */

/** One turn of a conversation, as in TRL's conversational datasets and HF chat templates. */
export interface Message {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

export const MESSAGE_ROLES: readonly Message['role'][] = Object.freeze([
  'user',
  'assistant',
  'system',
]);

/**
 * A prompt is either plain text (fed to the model as is) or a conversation that ends with the
 * user turn the response answers (rendered with the chat template).
 */
export type Prompt = string | Message[];

/** A preference pair as read from or written to a file. */
export interface PreferenceRecord {
  prompt: Prompt;
  /** The preferred response (the assistant's text only, never the prompt). */
  chosen: string;
  /** The response that lost. */
  rejected: string;
  /**
   * Pairs with the same group come from one judgement (one ranking, one OpenAssistant
   * prompter message) and are not independent: keep them in the same train/validation split.
   */
  group?: string;
}

/** TRL's unpaired preference record: one response with a good/bad label. */
export interface UnpairedRecord {
  prompt: Prompt;
  completion: string;
  label: boolean;
}

/** TRL's prompt-completion record, used for demonstrations (supervised fine-tuning). */
export interface PromptCompletionRecord {
  prompt: Prompt;
  completion: string;
}

/** The file formats we read. `detectFormat` tells them apart from the first record. */
export type DatasetFormat =
  | 'trl-preference'
  | 'trl-implicit-preference'
  | 'trl-unpaired'
  | 'trl-prompt-completion'
  | 'hh-rlhf'
  | 'oasst';

/** What a file holds once parsed; each format fills exactly one of the lists. */
export type DatasetRecords =
  | { kind: 'preference'; records: PreferenceRecord[] }
  | { kind: 'unpaired'; records: UnpairedRecord[] }
  | { kind: 'prompt-completion'; records: PromptCompletionRecord[] };

/** A line that was rejected, with a reason precise enough to fix the file. */
export interface LineError {
  /** 1-based line number in the (decompressed) file, counting blank lines. */
  line: number;
  /** What is wrong, naming the field, e.g. `field "chosen" must be a string …`. */
  reason: string;
  /** `line 17: <reason>` — ready to show. */
  message: string;
}

export function lineError(line: number, reason: string): LineError {
  return { line, reason, message: `line ${line}: ${reason}` };
}

/** Thrown by a record parser; the dataset reader turns it into a {@link LineError}. */
export class RecordError extends Error {
  override name = 'RecordError';
}
