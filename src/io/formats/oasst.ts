/**
 * OpenAssistant message trees (the oasst `*.trees.jsonl` export). One line is a tree, either
 * wrapped as {message_tree_id, prompt: node} or a bare node; a node is
 * {message_id, role: 'prompter' | 'assistant', text, rank?, replies: node[]}.
 *
 * For every prompter message, its ranked assistant replies give all K-choose-2 preference
 * pairs (rank 0 is the best; equal ranks give no pair). The prompt is the conversation from
 * the root down to that prompter message, and the pairs share its message_id as their group.
 * Deleted messages (`deleted: true`) are skipped with everything below them; unranked replies
 * (rank null or absent) take part in no pair but their subtrees are still read.
 */
import { describe, isObject, requireObject, type JsonObject } from './fields';
import { RecordError, type Message, type PreferenceRecord } from './types';

interface Node {
  id: string;
  role: 'prompter' | 'assistant';
  text: string;
  rank: number | undefined;
  deleted: boolean;
  replies: unknown[];
  path: string;
}

export function parseOasstTree(value: unknown): PreferenceRecord[] {
  const record = requireObject(value);
  const wrapped = record.prompt !== undefined && record.message_id === undefined;
  const root = readNode(wrapped ? record.prompt : record, wrapped ? 'prompt' : 'tree');
  if (root.role !== 'prompter') {
    throw new RecordError(`field "${root.path}.role" must be "prompter" at the root of a tree`);
  }
  const pairs: PreferenceRecord[] = [];
  if (!root.deleted) visitPrompter(root, [], pairs);
  return pairs;
}

function visitPrompter(node: Node, history: Message[], pairs: PreferenceRecord[]): void {
  const prompt: Message[] = [...history, { role: 'user', content: node.text }];
  const replies = node.replies
    .map((r, i) => readNode(r, `${node.path}.replies[${i}]`))
    .filter((r) => !r.deleted);
  for (const reply of replies) {
    if (reply.role !== 'assistant') {
      throw new RecordError(
        `field "${reply.path}.role" must be "assistant" under a prompter message`,
      );
    }
  }

  // Best first; pairs only between different ranks.
  const ranked = replies.filter((r) => r.rank !== undefined).sort((a, b) => a.rank! - b.rank!);
  for (let i = 0; i < ranked.length; i++) {
    for (let j = i + 1; j < ranked.length; j++) {
      if (ranked[i].rank === ranked[j].rank) continue;
      pairs.push({ prompt, chosen: ranked[i].text, rejected: ranked[j].text, group: node.id });
    }
  }

  for (const reply of replies) {
    const conversation: Message[] = [...prompt, { role: 'assistant', content: reply.text }];
    reply.replies.forEach((r, i) => {
      const next = readNode(r, `${reply.path}.replies[${i}]`);
      if (next.deleted) return;
      if (next.role !== 'prompter') {
        throw new RecordError(
          `field "${next.path}.role" must be "prompter" under an assistant message`,
        );
      }
      visitPrompter(next, conversation, pairs);
    });
  }
}

function readNode(value: unknown, path: string): Node {
  if (!isObject(value))
    throw new RecordError(`field "${path}" must be a message object, got ${describe(value)}`);
  const node: JsonObject = value;
  const field = (name: string) => `field "${path}.${name}"`;
  if (typeof node.message_id !== 'string')
    throw new RecordError(`${field('message_id')} must be a string`);
  if (node.role !== 'prompter' && node.role !== 'assistant') {
    throw new RecordError(
      `${field('role')} must be "prompter" or "assistant", got ${JSON.stringify(node.role)}`,
    );
  }
  if (typeof node.text !== 'string') throw new RecordError(`${field('text')} must be a string`);
  const rank = node.rank;
  if (rank !== undefined && rank !== null && !(Number.isInteger(rank) && (rank as number) >= 0)) {
    throw new RecordError(
      `${field('rank')} must be a whole number ≥ 0 or null, got ${JSON.stringify(rank)}`,
    );
  }
  const replies = node.replies ?? [];
  if (!Array.isArray(replies)) throw new RecordError(`${field('replies')} must be a list`);
  return {
    id: node.message_id,
    role: node.role,
    text: node.text,
    rank: typeof rank === 'number' ? rank : undefined,
    deleted: node.deleted === true,
    replies,
    path,
  };
}
