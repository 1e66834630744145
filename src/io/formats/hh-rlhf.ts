/**
 * Anthropic's HH-RLHF format: {chosen, rejected}, each a whole transcript of
 * "\n\nHuman: …" and "\n\nAssistant: …" turns that differ in the final assistant reply.
 *
 * The prompt is the transcript up to and including the last "\n\nAssistant:" that both share;
 * each response is what follows it, less exactly one leading space (the space after the colon),
 * so `renderTranscript(prompt) + ' ' + response` rebuilds the original text exactly.
 *
 * In the real data the two transcripts sometimes diverge before the final turn (5 of the 2,312
 * pairs in harmless-base/test): the responses then hold every turn after the shared point,
 * markers included, which keeps the rebuild exact. Some chosen replies are empty (" "), and are
 * kept as the empty string.
 */
import { readString, requireObject } from './fields';
import { ASSISTANT_TURN, HUMAN_TURN, commonPrefixLength, turnEndBefore } from './prompt-split';
import { jsonLine } from './trl';
import { RecordError, type Message, type PreferenceRecord, type Prompt } from './types';

export function parseHhRlhf(value: unknown): PreferenceRecord {
  const record = requireObject(value);
  const chosen = readString(record, 'chosen');
  const rejected = readString(record, 'rejected');
  for (const [field, text] of [
    ['chosen', chosen],
    ['rejected', rejected],
  ] as const) {
    if (!text.startsWith(HUMAN_TURN)) {
      throw new RecordError(`field "${field}" must be a transcript starting with "\\n\\nHuman:"`);
    }
  }

  const cut = turnEndBefore(chosen, commonPrefixLength(chosen, rejected));
  if (cut < 0) {
    throw new RecordError('fields "chosen" and "rejected" share no "\\n\\nAssistant:" turn');
  }
  const promptText = chosen.slice(0, cut);
  return {
    prompt: transcriptToMessages(promptText) ?? promptText,
    chosen: trimOneSpace(chosen.slice(cut)),
    rejected: trimOneSpace(rejected.slice(cut)),
  };
}

/** Yields one HH-RLHF line per pair. */
export function* hhRlhfLines(records: readonly PreferenceRecord[]): Generator<string> {
  for (const [i, r] of records.entries()) {
    const prompt = promptTranscript(r.prompt, i);
    yield jsonLine({ chosen: `${prompt} ${r.chosen}`, rejected: `${prompt} ${r.rejected}` });
  }
}

/**
 * The transcript of a conversation that ends with a user turn, closed by an open
 * "\n\nAssistant:" for the response to follow.
 */
export function renderTranscript(messages: readonly Message[]): string {
  const turns = messages.map((m, i) => {
    if (m.role === 'system') {
      throw new RangeError(`message ${i + 1} is a system message, which HH-RLHF cannot hold`);
    }
    return `${m.role === 'user' ? HUMAN_TURN : ASSISTANT_TURN} ${m.content}`;
  });
  return turns.join('') + ASSISTANT_TURN;
}

/**
 * The turns of a prompt transcript, or undefined when they would not render back to exactly
 * the same text (a marker without its space, text before the first turn, …); the caller then
 * keeps the prompt as text, so nothing is lost either way.
 */
export function transcriptToMessages(text: string): Message[] | undefined {
  if (!text.startsWith(HUMAN_TURN) || !text.endsWith(ASSISTANT_TURN)) return undefined;
  const body = text.slice(0, text.length - ASSISTANT_TURN.length);
  const markers = [...body.matchAll(/\n\n(Human|Assistant):/g)];
  const messages: Message[] = markers.map((m, i) => {
    const end = i + 1 < markers.length ? markers[i + 1].index : body.length;
    return {
      role: m[1] === 'Human' ? 'user' : 'assistant',
      content: trimOneSpace(body.slice(m.index + m[0].length, end)),
    };
  });
  if (messages[messages.length - 1].role !== 'user') return undefined;
  return renderTranscript(messages) === text ? messages : undefined;
}

function promptTranscript(prompt: Prompt, index: number): string {
  if (typeof prompt !== 'string') {
    try {
      return renderTranscript(prompt);
    } catch (err) {
      throw new RangeError(`record ${index + 1}: ${(err as Error).message}`);
    }
  }
  // A text prompt already in transcript form is kept; any other text becomes one human turn.
  if (prompt.startsWith(HUMAN_TURN) && prompt.endsWith(ASSISTANT_TURN)) return prompt;
  return renderTranscript([{ role: 'user', content: prompt }]);
}

function trimOneSpace(text: string): string {
  return text.startsWith(' ') ? text.slice(1) : text;
}
