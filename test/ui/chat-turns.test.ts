import { describe, expect, it } from 'vitest';
import type {
  Message,
  PairwiseFeedback,
  PromptRecord,
  RankingFeedback,
  RatingFeedback,
  SampleRecord,
} from '../../src/feedback/types';
import {
  conversationMessages,
  inShownOrder,
  pickedReply,
  restoredTurn,
  shortcutFor,
  shuffledOrder,
  type KeyLike,
  type Turn,
} from '../../src/ui/chat-turns';
import { NO_FEEDBACK } from '../../src/ui/feedback-plan';

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++];
}

function turn(prompt: string, texts: string[], extra: Partial<Turn> = {}): Turn {
  return {
    key: prompt,
    prompt,
    messages: [{ role: 'user', content: prompt }],
    order: texts.map((_, i) => i),
    replies: texts.map((text, i) => ({ text, finished: true, sampleId: `${prompt}-s${i}` })),
    status: 'done',
    stopped: false,
    promptId: `${prompt}-p`,
    feedback: NO_FEEDBACK,
    ...extra,
  };
}

const event = { promptId: 'q-p', createdAt: 1, synthetic: false };

describe('shuffledOrder', () => {
  it('is Fisher–Yates over the random numbers given', () => {
    // i=3: j=floor(0.5·4)=2 → [0,1,3,2]; i=2: j=floor(0.1·3)=0 → [3,1,0,2]; i=1: j=1 → same.
    expect(shuffledOrder(4, sequence([0.5, 0.1, 0.9]))).toEqual([3, 1, 0, 2]);
    // All j=i: nothing moves.
    expect(shuffledOrder(3, sequence([0.99, 0.99]))).toEqual([0, 1, 2]);
  });

  it('puts items into the order shown', () => {
    expect(inShownOrder(['a', 'b', 'c', 'd'], [3, 1, 0, 2])).toEqual(['d', 'b', 'a', 'c']);
  });
});

describe('pickedReply', () => {
  const base = turn('q', ['one', 'two', 'three']);
  const up: RatingFeedback = {
    ...event,
    id: 'r',
    kind: 'rating',
    sampleId: 'q-s2',
    value: 1,
    reasons: [],
  };
  const ranking: RankingFeedback = {
    ...event,
    id: 'k',
    kind: 'ranking',
    order: ['q-s1', 'q-s2', 'q-s0'],
  };
  const pairwise: PairwiseFeedback = {
    ...event,
    id: 'w',
    kind: 'pairwise',
    a: 'q-s0',
    b: 'q-s1',
    choice: 'a',
    shownOrder: ['q-s0', 'q-s1'],
  };

  it('prefers the pairwise winner, then the top of the ranking, then a thumbs up, then the first', () => {
    const all = { ratings: { 'q-s2': up }, ranking, pairwise };
    expect(pickedReply({ ...base, feedback: all })).toBe(0);
    expect(
      pickedReply({ ...base, feedback: { ...all, pairwise: { ...pairwise, choice: 'tie' } } }),
    ).toBe(1);
    expect(pickedReply({ ...base, feedback: { ratings: { 'q-s2': up } } })).toBe(2);
    expect(pickedReply(base)).toBe(0);
  });
});

describe('conversationMessages', () => {
  it('keeps each finished prompt with its picked reply and skips failed turns', () => {
    const up: RatingFeedback = {
      ...event,
      promptId: 'b-p',
      id: 'r',
      kind: 'rating',
      sampleId: 'b-s1',
      value: 1,
      reasons: [],
    };
    const b: Message[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'A0' },
      { role: 'user', content: 'b' },
    ];
    const turns = [
      turn('a', ['A0', 'A1']),
      turn('b', ['B0', 'B1'], { messages: b, feedback: { ratings: { 'b-s1': up } } }),
      turn('x', ['', ''], { status: 'failed' }),
    ];
    expect(conversationMessages(turns)).toEqual([...b, { role: 'assistant', content: 'B1' }]);
  });

  it('keeps the history a later turn was sent when an earlier judgment changes', () => {
    // Turn b was generated after A0 was picked; then the person thumbs up A1 on turn a.
    const b: Message[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'A0' },
      { role: 'user', content: 'b' },
    ];
    const upA1: RatingFeedback = {
      ...event,
      promptId: 'a-p',
      id: 'r2',
      kind: 'rating',
      sampleId: 'a-s1',
      value: 1,
      reasons: [],
    };
    const turns = [
      turn('a', ['A0', 'A1'], { feedback: { ratings: { 'a-s1': upA1 } } }),
      turn('b', ['B0', 'B1'], { messages: b }),
    ];
    expect(conversationMessages(turns).map((m) => m.content)).toEqual(['a', 'A0', 'b', 'B0']);
  });
});

describe('shortcutFor', () => {
  const key = (k: string, code = '', mods: Partial<KeyLike> = {}): KeyLike => ({
    key: k,
    code,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    ...mods,
  });

  it('maps digits to thumbs, with Shift to thumbs down, whatever the layout prints', () => {
    expect(shortcutFor(key('1', 'Digit1'))).toEqual({ type: 'rate', position: 0, value: 1 });
    expect(shortcutFor(key('"', 'Digit2', { shiftKey: true }))).toEqual({
      type: 'rate',
      position: 1,
      value: -1,
    });
    expect(shortcutFor(key('4', 'Numpad4'))).toEqual({ type: 'rate', position: 3, value: 1 });
    expect(shortcutFor(key('5', 'Digit5'))).toBeUndefined();
  });

  it('maps letters to pairwise choices and undo, and leaves modified keys alone', () => {
    expect(shortcutFor(key('a', 'KeyA'))).toEqual({ type: 'pairwise', choice: 'a' });
    expect(shortcutFor(key('B', 'KeyB'))).toEqual({ type: 'pairwise', choice: 'b' });
    expect(shortcutFor(key('t', 'KeyT'))).toEqual({ type: 'pairwise', choice: 'tie' });
    expect(shortcutFor(key('x', 'KeyX'))).toEqual({ type: 'pairwise', choice: 'both-bad' });
    expect(shortcutFor(key('u', 'KeyU'))).toEqual({ type: 'undo' });
    expect(shortcutFor(key('z', 'KeyZ', { ctrlKey: true }))).toEqual({ type: 'undo' });
    expect(shortcutFor(key('z', 'KeyZ', { metaKey: true }))).toEqual({ type: 'undo' });
    expect(shortcutFor(key('?', 'Slash', { shiftKey: true }))).toEqual({ type: 'help' });
    expect(shortcutFor(key('a', 'KeyA', { ctrlKey: true }))).toBeUndefined();
    expect(shortcutFor(key('A', 'KeyA', { shiftKey: true }))).toBeUndefined();
    expect(shortcutFor(key('1', 'Digit1', { altKey: true }))).toBeUndefined();
  });
});

describe('restoredTurn', () => {
  const prompt: PromptRecord = {
    id: 'p1',
    conversationId: 'c1',
    text: 'Hi?',
    messages: [{ role: 'user', content: 'Hi?' }],
    createdAt: 5,
    source: 'user',
  };
  const sample = (id: string, shownPosition: number, tokenIds: number[]): SampleRecord => ({
    id,
    promptId: 'p1',
    text: `reply ${id}`,
    tokenIds,
    checkpointId: 'reference',
    sampling: null,
    shownPosition,
    createdAt: 5,
  });
  const base = { promptId: 'p1', synthetic: false };

  it('gives the stored replies in shown order with their judgments, latest winning', () => {
    const turn = restoredTurn(
      prompt,
      [sample('s2', 1, [4, 9]), sample('s1', 0, [3, 7])],
      [
        { ...base, id: 'e2', createdAt: 8, kind: 'rating', sampleId: 's1', value: 1, reasons: [] },
        {
          ...base,
          id: 'e1',
          createdAt: 6,
          kind: 'rating',
          sampleId: 's1',
          value: -1,
          reasons: ['rude'],
        },
        { ...base, id: 'e3', createdAt: 9, kind: 'ranking', order: ['s2', 's1'] },
      ],
      7,
    );
    expect(turn.replies).toEqual([
      { text: 'reply s1', sampleId: 's1', finished: true },
      { text: 'reply s2', sampleId: 's2', finished: false },
    ]);
    expect(turn.order).toEqual([0, 1]);
    expect(turn.feedback.ratings.s1.value).toBe(1);
    expect(turn.feedback.ranking?.order).toEqual(['s2', 's1']);
    expect(turn).toMatchObject({ status: 'done', promptId: 'p1', checkpointId: 'reference' });
    expect(pickedReply(turn)).toBe(1); // the ranking's top carries the conversation on
  });
});
