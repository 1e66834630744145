/** Dataset formats: reading (with detection and the all-or-nothing policy) and writing. */
export * from './types';
export { detectFormat, FORMAT_NAMES } from './detect';
export { parseDataset, describeRejection, IMPORT_POLICY, DEFAULT_MAX_ERRORS } from './dataset';
export type { ParseOptions, ParseResult, ParsedDataset, RejectedDataset } from './dataset';
export {
  parsePreference,
  parseImplicitPreference,
  parseUnpaired,
  parsePromptCompletion,
  preferenceLines,
  unpairedLines,
  promptCompletionLines,
} from './trl';
export type { ExportStyle, PreferenceExportOptions } from './trl';
export { parseHhRlhf, hhRlhfLines, renderTranscript, transcriptToMessages } from './hh-rlhf';
export { parseOasstTree } from './oasst';
export { splitTextPrompt, splitConversation } from './prompt-split';
