import { describe, expect, it } from 'vitest';
import { freshStore } from './helpers';
import type { Store } from '../../src/store/db';
import { clearAll } from '../../src/store/db';
import { StoreError } from '../../src/store/errors';
import {
  addFeedback,
  countFeedback,
  deleteFeedback,
  deletePrompt,
  getPrompt,
  getSamples,
  listFeedback,
  listPrompts,
  newestPrompt,
  loadFeedbackData,
  saveCandidates,
  undoLastFeedback,
  updateFeedback,
  type SampleInput,
} from '../../src/store/feedback';
import type { RatingFeedback } from '../../src/feedback/types';

const sampling = { temperature: 0.8, topK: 40, topP: 0.95, maxNewTokens: 64, seed: 7 };
const candidate = (text: string): SampleInput => ({
  text,
  tokenIds: [1, 2, 3],
  checkpointId: 'reference',
  sampling,
});

async function promptWithSamples(store: Store, text = 'Sky?', createdAt?: number) {
  return saveCandidates(store, { conversationId: 'c1', text, source: 'user', createdAt }, [
    candidate('Blue'),
    candidate('Green'),
    candidate('Red'),
  ]);
}

describe('prompts and samples', () => {
  it('stores a prompt with its candidates in shown order', async () => {
    const store = await freshStore();
    const saved = await promptWithSamples(store);
    expect(saved.prompt.messages).toEqual([{ role: 'user', content: 'Sky?' }]);
    expect(await getPrompt(store, saved.prompt.id)).toEqual(saved.prompt);
    const samples = await getSamples(store, saved.prompt.id);
    expect(samples.map((s) => [s.text, s.shownPosition, s.promptId])).toEqual([
      ['Blue', 0, saved.prompt.id],
      ['Green', 1, saved.prompt.id],
      ['Red', 2, saved.prompt.id],
    ]);
    expect(samples[0].sampling).toEqual(sampling);
  });

  it('finds the newest prompt of a source past newer ones of another', async () => {
    const store = await freshStore();
    expect(await newestPrompt(store, 'user')).toBeUndefined();
    await saveCandidates(
      store,
      { conversationId: 'c', text: 'old chat', source: 'user', createdAt: 10 },
      [],
    );
    await saveCandidates(
      store,
      { conversationId: 'c', text: 'chat', source: 'user', createdAt: 20 },
      [],
    );
    for (const t of [30, 40, 50]) {
      await saveCandidates(
        store,
        { conversationId: 'i', text: `sim ${t}`, source: 'simulated', createdAt: t },
        [],
      );
    }
    expect((await newestPrompt(store, 'user'))?.text).toBe('chat');
    expect((await newestPrompt(store, 'simulated'))?.text).toBe('sim 50');
    expect(await newestPrompt(store, 'import')).toBeUndefined();
  });

  it('lists prompts newest first, by conversation, with a limit', async () => {
    const store = await freshStore();
    await promptWithSamples(store, 'one', 10);
    await promptWithSamples(store, 'two', 30);
    await saveCandidates(
      store,
      { conversationId: 'c2', text: 'three', source: 'user', createdAt: 20 },
      [],
    );
    expect((await listPrompts(store)).map((p) => p.text)).toEqual(['two', 'three', 'one']);
    expect((await listPrompts(store, { oldestFirst: true, limit: 2 })).map((p) => p.text)).toEqual([
      'one',
      'three',
    ]);
    expect((await listPrompts(store, { conversationId: 'c1' })).map((p) => p.text)).toEqual([
      'two',
      'one',
    ]);
  });

  it('rejects a bad prompt before writing, naming the field', async () => {
    const store = await freshStore();
    const error = await saveCandidates(
      store,
      {
        id: 'p1',
        conversationId: 'c',
        text: 'Hi',
        source: 'user',
        messages: [{ role: 'assistant', content: 'Hi' }],
      },
      [],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toBe(
      'Could not save candidates: prompt p1: field "messages" must end with the user turn whose ' +
        'content is the prompt text',
    );
    expect(await listPrompts(store)).toEqual([]);
  });
});

describe('feedback', () => {
  it('adds each kind and counts them by kind', async () => {
    const store = await freshStore();
    const { prompt, samples } = await promptWithSamples(store);
    const [a, b, c] = samples.map((s) => s.id);
    const base = { promptId: prompt.id, synthetic: false };
    const rating = await addFeedback(store, {
      ...base,
      kind: 'rating',
      sampleId: a,
      value: -1,
      reasons: ['incorrect'],
    });
    await addFeedback(store, { ...base, kind: 'ranking', order: [b, a, c] });
    await addFeedback(store, {
      ...base,
      kind: 'pairwise',
      a,
      b,
      choice: 'tie',
      shownOrder: [b, a],
    });
    await addFeedback(store, {
      ...base,
      kind: 'pairwise',
      a,
      b: c,
      choice: 'a',
      shownOrder: [a, c],
    });
    await addFeedback(store, {
      ...base,
      kind: 'demonstration',
      text: 'Blue, by day.',
      basedOnSampleId: a,
    });

    expect(rating.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await countFeedback(store)).toEqual({
      rating: 1,
      ranking: 1,
      pairwise: 2,
      demonstration: 1,
      total: 5,
    });
    expect((await listFeedback(store)).map((e) => e.kind)).toEqual([
      'rating',
      'ranking',
      'pairwise',
      'pairwise',
      'demonstration',
    ]);
    expect((await listFeedback(store, { kind: 'pairwise' })).map((e) => e.kind)).toEqual([
      'pairwise',
      'pairwise',
    ]);
    expect(await listFeedback(store, { promptId: 'other' })).toEqual([]);
  });

  it('refuses feedback on a missing prompt or a sample of another prompt', async () => {
    const store = await freshStore();
    const one = await promptWithSamples(store, 'one');
    const two = await promptWithSamples(store, 'two');
    await expect(
      addFeedback(store, {
        id: 'f1',
        promptId: 'nope',
        synthetic: false,
        kind: 'demonstration',
        text: 'x',
      }),
    ).rejects.toThrow('Could not add demonstration feedback: prompt "nope" not found');
    const foreign = two.samples[0].id;
    await expect(
      addFeedback(store, {
        promptId: one.prompt.id,
        synthetic: false,
        kind: 'rating',
        sampleId: foreign,
        value: 1,
        reasons: [],
      }),
    ).rejects.toThrow(
      `Could not add rating feedback: sample "${foreign}" belongs to prompt "${two.prompt.id}", not "${one.prompt.id}"`,
    );
    await expect(
      addFeedback(store, {
        promptId: one.prompt.id,
        synthetic: false,
        kind: 'ranking',
        order: ['x'],
      }),
    ).rejects.toThrow('field "order" must list at least 2 distinct sample ids, best first');
    expect((await countFeedback(store)).total).toBe(0);
  });

  it('undoes the newest event, optionally only the human ones', async () => {
    const store = await freshStore();
    const { prompt, samples } = await promptWithSamples(store);
    const rate = (sampleId: string, synthetic: boolean) =>
      addFeedback(store, {
        promptId: prompt.id,
        synthetic,
        kind: 'rating',
        sampleId,
        value: 1,
        reasons: [],
      });
    const first = await rate(samples[0].id, false);
    const second = await rate(samples[1].id, false);
    const bot = await rate(samples[2].id, true);

    expect(await undoLastFeedback(store, { synthetic: false })).toEqual(second);
    expect(await undoLastFeedback(store)).toEqual(bot);
    expect(await undoLastFeedback(store)).toEqual(first);
    expect(await undoLastFeedback(store)).toBeUndefined();
  });

  it('updates an event in place but not its kind, and deletes one', async () => {
    const store = await freshStore();
    const { prompt, samples } = await promptWithSamples(store);
    const event = (await addFeedback(store, {
      promptId: prompt.id,
      synthetic: false,
      kind: 'rating',
      sampleId: samples[0].id,
      value: -1,
      reasons: [],
    })) as RatingFeedback;

    await updateFeedback(store, { ...event, reasons: ['rude'], comment: 'curt' });
    expect(await listFeedback(store)).toEqual([{ ...event, reasons: ['rude'], comment: 'curt' }]);
    await expect(
      updateFeedback(store, { ...event, kind: 'demonstration', text: 'x' } as never),
    ).rejects.toThrow(`feedback "${event.id}" cannot change its kind or prompt`);
    await expect(updateFeedback(store, { ...event, id: 'missing' })).rejects.toMatchObject({
      code: 'not-found',
      message: 'Could not update rating feedback: feedback "missing" not found',
    });

    expect(await deleteFeedback(store, event.id)).toEqual({
      ...event,
      reasons: ['rude'],
      comment: 'curt',
    });
    expect(await deleteFeedback(store, event.id)).toBeUndefined();
  });

  it('deletes a prompt with its samples and feedback, leaving other prompts alone', async () => {
    const store = await freshStore();
    const one = await promptWithSamples(store, 'one');
    const two = await promptWithSamples(store, 'two');
    for (const { prompt, samples } of [one, two]) {
      await addFeedback(store, {
        promptId: prompt.id,
        synthetic: false,
        kind: 'ranking',
        order: samples.map((s) => s.id),
      });
      await addFeedback(store, {
        promptId: prompt.id,
        synthetic: false,
        kind: 'demonstration',
        text: 'x',
      });
    }

    expect(await deletePrompt(store, one.prompt.id)).toEqual({ samples: 3, feedback: 2 });
    const left = await loadFeedbackData(store);
    expect(left.prompts.map((p) => p.text)).toEqual(['two']);
    expect(left.samples).toHaveLength(3);
    expect(left.feedback.every((e) => e.promptId === two.prompt.id)).toBe(true);
    await expect(deletePrompt(store, one.prompt.id)).rejects.toThrow(
      `Could not delete prompt: prompt "${one.prompt.id}" not found`,
    );
  });

  it('clears everything', async () => {
    const store = await freshStore();
    await promptWithSamples(store);
    await clearAll(store);
    expect(await loadFeedbackData(store)).toEqual({ prompts: [], samples: [], feedback: [] });
  });
});
