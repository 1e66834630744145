/**
 * Splitting the shared prompt off an implicit-prompt preference record ({chosen, rejected}
 * where both hold prompt + response). The shared part is the longest common prefix, cut back
 * so that no word (text) or message (conversation) is split and neither response is empty.
 */
import { RecordError, type Message } from './types';
import { sameMessage } from './fields';

/** The marker that opens an assistant turn in Anthropic-style transcripts. */
export const ASSISTANT_TURN = '\n\nAssistant:';
export const HUMAN_TURN = '\n\nHuman:';

export interface TextSplit {
  prompt: string;
  chosen: string;
  rejected: string;
}

export interface MessageSplit {
  prompt: Message[];
  chosen: string;
  rejected: string;
}

export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Text: cut after the last "\n\nAssistant:" inside the shared prefix when there is one (the
 * responses then keep their leading space, so prompt + response is the original text);
 * otherwise cut after the last whitespace inside it. A shared prefix with no such place gives
 * an empty prompt: the two texts are compared as wholes.
 */
export function splitTextPrompt(chosen: string, rejected: string): TextSplit {
  if (chosen.length === 0) throw new RecordError('field "chosen" is empty');
  if (rejected.length === 0) throw new RecordError('field "rejected" is empty');

  // Each response keeps at least one character, so the cut is at most one before either end.
  const limit = Math.min(
    commonPrefixLength(chosen, rejected),
    chosen.length - 1,
    rejected.length - 1,
  );
  let cut = turnEndBefore(chosen, limit);
  if (cut < 0) cut = wordStartBefore(chosen, limit);
  return { prompt: chosen.slice(0, cut), chosen: chosen.slice(cut), rejected: rejected.slice(cut) };
}

/** End of the last "\n\nAssistant:" that ends at or before `limit`, or -1. */
export function turnEndBefore(text: string, limit: number): number {
  const start = text.lastIndexOf(ASSISTANT_TURN, limit - ASSISTANT_TURN.length);
  return start < 0 ? -1 : start + ASSISTANT_TURN.length;
}

function wordStartBefore(text: string, limit: number): number {
  for (let i = limit; i > 0; i--) {
    if (/\s/.test(text[i - 1])) return i;
  }
  return 0;
}

/**
 * Conversation: the shared messages, cut back to end with a user message; what remains of
 * each side must be exactly one assistant message (our responses are single turns).
 */
export function splitConversation(chosen: Message[], rejected: Message[]): MessageSplit {
  let shared = 0;
  while (
    shared < chosen.length &&
    shared < rejected.length &&
    sameMessage(chosen[shared], rejected[shared])
  ) {
    shared++;
  }
  let cut = Math.min(shared, chosen.length - 1, rejected.length - 1);
  while (cut > 0 && chosen[cut - 1].role !== 'user') cut--;
  if (cut === 0) {
    throw new RecordError(
      'fields "chosen" and "rejected" share no conversation ending with a user message',
    );
  }
  for (const [field, messages] of [
    ['chosen', chosen],
    ['rejected', rejected],
  ] as const) {
    const rest = messages.slice(cut);
    if (rest.length !== 1 || rest[0].role !== 'assistant') {
      throw new RecordError(
        `field "${field}" must end in exactly one assistant message after the ${cut} ` +
          `message(s) shared with the other field, found ${rest.length} message(s) there`,
      );
    }
  }
  return {
    prompt: chosen.slice(0, cut),
    chosen: chosen[cut].content,
    rejected: rejected[cut].content,
  };
}
