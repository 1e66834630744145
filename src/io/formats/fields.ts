/**
 * Reading the fields of one JSON record, with errors that name the field and what it must be.
 * Every reader throws a {@link RecordError}; the dataset reader adds the line number.
 */
import { MESSAGE_ROLES, RecordError, type Message, type Prompt } from './types';

const TEXT_OR_MESSAGES = 'a string or a list of {role, content} messages';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function requireObject(value: unknown): JsonObject {
  if (!isObject(value))
    throw new RecordError(`record must be a JSON object, got ${describe(value)}`);
  return value;
}

export function readString(record: JsonObject, field: string): string {
  const value = record[field];
  if (value === undefined) throw new RecordError(`field "${field}" is missing`);
  if (typeof value !== 'string') {
    throw new RecordError(`field "${field}" must be a string, got ${describe(value)}`);
  }
  return value;
}

export function readBoolean(record: JsonObject, field: string): boolean {
  const value = record[field];
  if (value === undefined) throw new RecordError(`field "${field}" is missing`);
  if (typeof value !== 'boolean') {
    throw new RecordError(`field "${field}" must be true or false, got ${describe(value)}`);
  }
  return value;
}

/** A list of messages; `where` names it in errors (`field "prompt"`). */
export function readMessages(value: unknown, where: string): Message[] {
  if (!Array.isArray(value)) throw new RecordError(`${where} must be ${TEXT_OR_MESSAGES}`);
  if (value.length === 0) throw new RecordError(`${where} is an empty list of messages`);
  return value.map((item, i) => {
    if (!isObject(item) || typeof item.content !== 'string') {
      throw new RecordError(`${where}[${i}] must be a {role, content} message with string content`);
    }
    if (!MESSAGE_ROLES.includes(item.role as Message['role'])) {
      const roles = MESSAGE_ROLES.map((r) => `"${r}"`).join(', ');
      throw new RecordError(
        `${where}[${i}].role must be one of ${roles}, got ${JSON.stringify(item.role)}`,
      );
    }
    return { role: item.role as Message['role'], content: item.content };
  });
}

/** Plain text or a conversation, e.g. the `chosen` of an implicit-prompt record. */
export function readTextOrMessages(record: JsonObject, field: string): string | Message[] {
  const value = record[field];
  if (value === undefined) throw new RecordError(`field "${field}" is missing`);
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) {
    throw new RecordError(`field "${field}" must be ${TEXT_OR_MESSAGES}, got ${describe(value)}`);
  }
  return readMessages(value, `field "${field}"`);
}

/** A prompt: text, or a conversation ending with the user turn that the response answers. */
export function readPrompt(record: JsonObject, field = 'prompt'): Prompt {
  const prompt = readTextOrMessages(record, field);
  if (typeof prompt !== 'string') requireEndsWithUser(prompt, `field "${field}"`);
  return prompt;
}

export function requireEndsWithUser(messages: Message[], where: string): void {
  const last = messages[messages.length - 1];
  if (last.role !== 'user') {
    throw new RecordError(`${where} must end with a user message, ends with "${last.role}"`);
  }
}

/**
 * A response next to an explicit prompt: text, or exactly one assistant message (TRL writes
 * conversational responses as a one-element list).
 */
export function readResponse(record: JsonObject, field: string): string {
  const value = readTextOrMessages(record, field);
  if (typeof value === 'string') return value;
  if (value.length !== 1 || value[0].role !== 'assistant') {
    throw new RecordError(
      `field "${field}" must be one assistant message, got ${value.length} message(s) ` +
        `starting with "${value[0].role}"`,
    );
  }
  return value[0].content;
}

/** The conversational form of a response, as TRL writes it. */
export function responseMessages(text: string): Message[] {
  return [{ role: 'assistant', content: text }];
}

export function isConversational(prompt: Prompt): prompt is Message[] {
  return typeof prompt !== 'string';
}

export function sameMessage(a: Message, b: Message): boolean {
  return a.role === b.role && a.content === b.content;
}
