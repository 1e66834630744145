import { describe, expect, it } from 'vitest';
import type { FeedbackEvent, PromptRecord } from '../../src/feedback/types';
import { validateFeedback, validatePrompt } from '../../src/feedback/validate';

const base = { id: 'e', promptId: 'p', createdAt: 1, synthetic: false };

describe('validateFeedback', () => {
  it('accepts each kind in its proper shape', () => {
    const events: FeedbackEvent[] = [
      {
        ...base,
        kind: 'rating',
        sampleId: 's',
        value: -1,
        reasons: ['rude', 'unsafe'],
        comment: 'no',
      },
      { ...base, kind: 'ranking', order: ['a', 'b', 'c'] },
      { ...base, kind: 'pairwise', a: 'a', b: 'b', choice: 'both-bad', shownOrder: ['b', 'a'] },
      { ...base, kind: 'demonstration', text: 'Like this.' },
    ];
    for (const e of events) expect(() => validateFeedback(e)).not.toThrow();
  });

  it('names the field that is wrong', () => {
    const cases: [unknown, string][] = [
      [
        { ...base, kind: 'rating', sampleId: 's', value: 0, reasons: [] },
        'rating e: field "value" must be 1 or -1',
      ],
      [
        { ...base, kind: 'rating', sampleId: 's', value: 1, reasons: ['boring'] },
        'rating e: field "reasons" must list distinct reasons from unhelpful, incorrect, unsafe, rude, off-topic',
      ],
      [
        { ...base, kind: 'ranking', order: ['a', 'a'] },
        'ranking e: field "order" must list at least 2 distinct sample ids, best first',
      ],
      [
        { ...base, kind: 'pairwise', a: 'a', b: 'b', choice: 'a', shownOrder: ['a', 'c'] },
        'pairwise e: field "shownOrder" must hold "a" and "b" in the order they were shown',
      ],
      [
        { ...base, kind: 'pairwise', a: 'a', b: 'a', choice: 'a', shownOrder: ['a', 'a'] },
        'pairwise e: field "b" must differ from "a"',
      ],
      [
        { ...base, kind: 'demonstration', text: ' ' },
        'demonstration e: field "text" must be a non-empty string',
      ],
      [
        { ...base, kind: 'vote' },
        'vote e: field "kind" must be one of rating, ranking, pairwise, demonstration',
      ],
      [
        { ...base, promptId: '', kind: 'demonstration', text: 'x' },
        'demonstration e: field "promptId" must be a non-empty string',
      ],
    ];
    for (const [event, message] of cases) {
      expect(() => validateFeedback(event as FeedbackEvent)).toThrow(message);
    }
  });
});

describe('validatePrompt', () => {
  const prompt: PromptRecord = {
    id: 'p',
    conversationId: 'c',
    text: 'Hi',
    messages: [{ role: 'user', content: 'Hi' }],
    createdAt: 1,
    source: 'user',
  };

  it('accepts a conversation ending with the prompt turn, and a plain-text prompt', () => {
    expect(() => validatePrompt(prompt)).not.toThrow();
    expect(() => validatePrompt({ ...prompt, messages: [] })).not.toThrow();
  });

  it('rejects messages that do not end with the prompt text', () => {
    expect(() =>
      validatePrompt({ ...prompt, messages: [{ role: 'user', content: 'Hello' }] }),
    ).toThrow(
      'prompt p: field "messages" must end with the user turn whose content is the prompt text',
    );
  });
});
