/**
 * Export → import gives back the same records, for every format we write (and, for the
 * implicit-prompt format, import → export → import).
 */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../src/io/formats/dataset';
import { hhRlhfLines } from '../../../src/io/formats/hh-rlhf';
import { preferenceLines, promptCompletionLines, unpairedLines } from '../../../src/io/formats/trl';
import type { DatasetFormat, DatasetRecords, Message } from '../../../src/io/formats/types';
import { jsonlStream } from '../../../src/io/jsonl';

const conv = (...turns: string[]): Message[] =>
  turns.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content }));

// Texts with the awkward parts: unicode, quotes, newlines, leading spaces, an empty response.
const TEXT_PAIRS = [
  { prompt: 'Wie heißt du? ', chosen: 'Ich heiße "Bot" 🙂', rejected: 'Nein.\nNein.' },
  { prompt: 'List two: ', chosen: '  1. a\n2. b', rejected: '1.' },
];
const CONV_PAIRS = [
  { prompt: conv('Hi', 'Hello!', 'Weather?'), chosen: 'Sunny ☀', rejected: '' },
  {
    prompt: [{ role: 'system' as const, content: 'Be kind.' }, ...conv('Hi')],
    chosen: 'Hey',
    rejected: 'What',
  },
];

async function reimport(lines: Iterable<string>, gzip = false) {
  // Through a real byte stream, gzipped on request, as a saved file would be.
  const result = await parseDataset(jsonlStream(lines, { gzip }));
  if (!result.ok) throw new Error(JSON.stringify(result));
  return { format: result.format, data: result.data };
}

function expectBack(
  actual: { format: DatasetFormat; data: DatasetRecords },
  format: DatasetFormat,
  data: DatasetRecords,
) {
  expect(actual.format).toBe(format);
  expect(actual.data).toEqual(data);
}

describe('export → import', () => {
  it('TRL preference, text and conversational', async () => {
    for (const records of [TEXT_PAIRS, CONV_PAIRS]) {
      const back = await reimport(preferenceLines(records));
      expectBack(back, 'trl-preference', { kind: 'preference', records });
    }
  });

  it('TRL preference with implicit prompt, text and conversational', async () => {
    // The prompt of an implicit file is re-derived, so the records must be split the way the
    // reader splits: text prompts end at whitespace, conversations at the user turn.
    const text = [{ prompt: 'Sky is ', chosen: 'blue 🙂', rejected: 'green' }];
    const convs = [{ prompt: conv('Hi', 'Hello!', 'Weather?'), chosen: 'Sunny', rejected: 'Rain' }];
    for (const records of [text, convs]) {
      const back = await reimport(preferenceLines(records, { implicitPrompt: true }), true);
      expectBack(back, 'trl-implicit-preference', { kind: 'preference', records });
    }
  });

  it('implicit prompt: import → export → import is stable', async () => {
    const file = ['{"chosen":"The answer is 4","rejected":"The answer is 42"}\n'];
    const first = await reimport(file);
    if (first.data.kind !== 'preference') throw new Error('expected pairs');
    const second = await reimport(preferenceLines(first.data.records, { implicitPrompt: true }));
    expect(second).toEqual(first);
  });

  it('TRL unpaired, text and conversational', async () => {
    const text = [
      { prompt: 'Hi ', completion: 'there', label: true },
      { prompt: 'Hi ', completion: 'go away', label: false },
    ];
    const convs = [{ prompt: conv('Hi'), completion: 'Hello', label: true }];
    for (const records of [text, convs]) {
      expectBack(await reimport(unpairedLines(records)), 'trl-unpaired', {
        kind: 'unpaired',
        records,
      });
    }
  });

  it('TRL prompt-completion, text and conversational', async () => {
    for (const records of [
      [{ prompt: 'Q: ', completion: 'A' }],
      [{ prompt: conv('Q'), completion: 'A' }],
    ]) {
      expectBack(await reimport(promptCompletionLines(records)), 'trl-prompt-completion', {
        kind: 'prompt-completion',
        records,
      });
    }
  });

  it('HH-RLHF', async () => {
    const records = [
      { prompt: conv('Hi', 'Hello!', 'Weather?'), chosen: 'Sunny ☀', rejected: '' },
      { prompt: conv('Can you help?'), chosen: ' Two spaces.', rejected: 'No.' },
    ];
    expectBack(await reimport(hhRlhfLines(records), true), 'hh-rlhf', {
      kind: 'preference',
      records,
    });
  });
});
