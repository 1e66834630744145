/**
 * Chats as the user sees them. Deleting a chat keeps the feedback given in it: prompts keep
 * their own copy of the conversation up to each prompt.
 */
import { newId, now, read, write, type Store } from './db';
import type { ConversationRecord } from './schema';

export type ConversationInput = Omit<ConversationRecord, 'id' | 'createdAt' | 'updatedAt'> & {
  id?: string;
  createdAt?: number;
};

/** Creates or replaces a conversation; updatedAt is set to now. */
export async function saveConversation(
  store: Store,
  input: ConversationInput,
): Promise<ConversationRecord> {
  const time = now();
  const conversation: ConversationRecord = {
    ...input,
    id: input.id ?? newId(),
    createdAt: input.createdAt ?? time,
    updatedAt: time,
  };
  await write(
    store,
    ['conversations'],
    { operation: 'save conversation', id: conversation.id },
    (tx) => tx.store.put(conversation),
  );
  return conversation;
}

export async function getConversation(
  store: Store,
  id: string,
): Promise<ConversationRecord | undefined> {
  return read(store, ['conversations'], { operation: 'get conversation', id }, (tx) =>
    tx.store.get(id),
  );
}

/** Conversations, most recently updated first. */
export async function listConversations(store: Store): Promise<ConversationRecord[]> {
  return read(store, ['conversations'], { operation: 'list conversations' }, async (tx) =>
    (await tx.store.index('updatedAt').getAll()).reverse(),
  );
}

/** Returns false when there was no such conversation. */
export async function deleteConversation(store: Store, id: string): Promise<boolean> {
  return write(store, ['conversations'], { operation: 'delete conversation', id }, async (tx) => {
    if ((await tx.store.getKey(id)) === undefined) return false;
    await tx.store.delete(id);
    return true;
  });
}
