import { describe, expect, it } from 'vitest';
import type { FeedbackData } from '../../src/feedback/derive';
import { exportBlob, exportLines } from '../../src/ui/data-export';

// One chat prompt with three responses: a person chose "Hello!" over "Go away." (pairwise), and
// the simulated rater gave "Hi there!" a thumbs up and "Go away." a thumbs down. One plain-text
// prompt with a written response (a demonstration).
const DATA: FeedbackData = {
  prompts: [
    {
      id: 'p1',
      conversationId: 'c1',
      text: 'Hi',
      messages: [{ role: 'user', content: 'Hi' }],
      createdAt: 1,
      source: 'user',
    },
    { id: 'p2', conversationId: 'c2', text: 'Tea?', messages: [], createdAt: 2, source: 'user' },
  ],
  samples: [
    ['s1', 'Hello!'],
    ['s2', 'Go away.'],
    ['s3', 'Hi there!'],
  ].map(([id, text], i) => ({
    id,
    promptId: 'p1',
    text,
    tokenIds: [],
    checkpointId: 'reference',
    sampling: null,
    shownPosition: i,
    createdAt: 1,
  })),
  feedback: [
    {
      id: 'f1',
      kind: 'pairwise',
      promptId: 'p1',
      a: 's1',
      b: 's2',
      choice: 'a',
      shownOrder: ['s1', 's2'],
      synthetic: false,
      createdAt: 10,
    },
    {
      id: 'f2',
      kind: 'rating',
      promptId: 'p1',
      sampleId: 's3',
      value: 1,
      reasons: [],
      synthetic: true,
      createdAt: 11,
    },
    {
      id: 'f3',
      kind: 'rating',
      promptId: 'p1',
      sampleId: 's2',
      value: -1,
      reasons: ['rude'],
      synthetic: true,
      createdAt: 12,
    },
    {
      id: 'f4',
      kind: 'demonstration',
      promptId: 'p2',
      text: 'Yes, please.',
      synthetic: false,
      createdAt: 13,
    },
  ],
};

const DATE = new Date('2024-05-06T12:00:00Z');
const user = (content: string) => ({ role: 'user', content });
const assistant = (content: string) => [{ role: 'assistant', content }];

describe('exportLines', () => {
  it('writes every preference pair in TRL conversational form, pairwise first', () => {
    const file = exportLines(DATA, 'trl-preference', { date: DATE });
    expect(file.filename).toBe('thumbprint-trl-preference-2024-05-06.jsonl');
    expect(file.records).toBe(2);
    expect(file.lines.map((l) => JSON.parse(l))).toEqual([
      { prompt: [user('Hi')], chosen: assistant('Hello!'), rejected: assistant('Go away.') },
      { prompt: [user('Hi')], chosen: assistant('Hi there!'), rejected: assistant('Go away.') },
    ]);
    expect(file.lines.every((l) => l.endsWith('\n'))).toBe(true);
  });

  it('leaves the simulated rater out when asked', () => {
    const file = exportLines(DATA, 'trl-preference', { includeSynthetic: false, date: DATE });
    expect(file.records).toBe(1);
    expect(JSON.parse(file.lines[0]).chosen).toEqual(assistant('Hello!'));
  });

  it('writes ratings as unpaired records with a boolean label, oldest first', () => {
    const file = exportLines(DATA, 'trl-unpaired', { date: DATE });
    expect(file.lines.map((l) => JSON.parse(l))).toEqual([
      { prompt: [user('Hi')], completion: assistant('Hi there!'), label: true },
      { prompt: [user('Hi')], completion: assistant('Go away.'), label: false },
    ]);
  });

  it('writes HH-RLHF transcripts that share the prompt turn', () => {
    const file = exportLines(DATA, 'hh-rlhf', { includeSynthetic: false, date: DATE });
    expect(JSON.parse(file.lines[0])).toEqual({
      chosen: '\n\nHuman: Hi\n\nAssistant: Hello!',
      rejected: '\n\nHuman: Hi\n\nAssistant: Go away.',
    });
  });

  it('writes demonstrations as prompt-completion records', () => {
    const file = exportLines(DATA, 'sft', { date: DATE });
    expect(file.filename).toBe('thumbprint-sft-2024-05-06.jsonl');
    expect(file.lines).toEqual(['{"prompt":"Tea?","completion":"Yes, please."}\n']);
  });

  it('says what is missing instead of writing an empty file', () => {
    expect(() => exportLines(DATA, 'trl-unpaired', { includeSynthetic: false })).toThrow(
      'Nothing to export: there are no ratings from a person (synthetic left out) yet.',
    );
    const empty: FeedbackData = { prompts: [], samples: [], feedback: [] };
    expect(() => exportLines(empty, 'sft')).toThrow('there are no demonstrations yet');
  });

  it('makes a Blob of exactly the lines', async () => {
    const file = exportLines(DATA, 'sft', { date: DATE });
    const blob = exportBlob(file);
    expect(await blob.text()).toBe('{"prompt":"Tea?","completion":"Yes, please."}\n');
    expect(blob.type).toBe('application/jsonl');
  });
});
