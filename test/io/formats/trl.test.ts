import { describe, expect, it } from 'vitest';
import {
  parseImplicitPreference,
  parsePreference,
  parsePromptCompletion,
  parseUnpaired,
  preferenceLines,
  promptCompletionLines,
  unpairedLines,
} from '../../../src/io/formats/trl';
import type { Message, PreferenceRecord } from '../../../src/io/formats/types';

const conv: Message[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Sky colour?' },
];

describe('parsePreference', () => {
  it('reads text records', () => {
    expect(parsePreference({ prompt: 'Sky?', chosen: ' Blue.', rejected: ' Green.' })).toEqual({
      prompt: 'Sky?',
      chosen: ' Blue.',
      rejected: ' Green.',
    });
  });

  it('reads conversational records, responses given as one assistant message', () => {
    const record = {
      prompt: conv,
      chosen: [{ role: 'assistant', content: 'Blue.' }],
      rejected: [{ role: 'assistant', content: 'Green.' }],
    };
    expect(parsePreference(record)).toEqual({ prompt: conv, chosen: 'Blue.', rejected: 'Green.' });
  });

  it('names the field and what it must be', () => {
    expect(() => parsePreference({ prompt: 'p', chosen: 3, rejected: 'r' })).toThrow(
      'field "chosen" must be a string or a list of {role, content} messages, got a number',
    );
    expect(() => parsePreference({ prompt: 'p', chosen: 'c' })).toThrow(
      'field "rejected" is missing',
    );
    expect(() => parsePreference({ chosen: 'c', rejected: 'r' })).toThrow(
      'field "prompt" is missing',
    );
    expect(() =>
      parsePreference({ prompt: [{ role: 'tool', content: 'x' }], chosen: 'c', rejected: 'r' }),
    ).toThrow('field "prompt"[0].role must be one of "user", "assistant", "system", got "tool"');
    expect(() =>
      parsePreference({ prompt: [{ role: 'user', content: 1 }], chosen: 'c', rejected: 'r' }),
    ).toThrow('field "prompt"[0] must be a {role, content} message with string content');
    expect(() =>
      parsePreference({
        prompt: [{ role: 'assistant', content: 'x' }],
        chosen: 'c',
        rejected: 'r',
      }),
    ).toThrow('field "prompt" must end with a user message, ends with "assistant"');
    expect(() =>
      parsePreference({
        prompt: conv,
        chosen: [
          { role: 'assistant', content: 'a' },
          { role: 'user', content: 'b' },
        ],
        rejected: 'r',
      }),
    ).toThrow(
      'field "chosen" must be one assistant message, got 2 message(s) starting with "assistant"',
    );
    expect(() => parsePreference(['a'])).toThrow('record must be a JSON object, got a list');
  });
});

describe('parseImplicitPreference', () => {
  it('splits text at a word boundary', () => {
    expect(parseImplicitPreference({ chosen: 'Sky is blue', rejected: 'Sky is green' })).toEqual({
      prompt: 'Sky is ',
      chosen: 'blue',
      rejected: 'green',
    });
  });

  it('splits conversations at the last shared user turn', () => {
    const chosen = [...conv, { role: 'assistant', content: 'Blue.' }];
    const rejected = [...conv, { role: 'assistant', content: 'Green.' }];
    expect(parseImplicitPreference({ chosen, rejected })).toEqual({
      prompt: conv,
      chosen: 'Blue.',
      rejected: 'Green.',
    });
  });

  it('rejects a text side paired with a conversation side', () => {
    expect(() => parseImplicitPreference({ chosen: 'a', rejected: conv })).toThrow(
      'fields "chosen" and "rejected" must both be text or both be conversations',
    );
  });
});

describe('parseUnpaired and parsePromptCompletion', () => {
  it('read text and conversational records', () => {
    expect(parseUnpaired({ prompt: 'Hi', completion: ' Hello', label: true })).toEqual({
      prompt: 'Hi',
      completion: ' Hello',
      label: true,
    });
    expect(
      parseUnpaired({
        prompt: conv,
        completion: [{ role: 'assistant', content: 'x' }],
        label: false,
      }),
    ).toEqual({ prompt: conv, completion: 'x', label: false });
    expect(parsePromptCompletion({ prompt: 'Hi', completion: 'Hello' })).toEqual({
      prompt: 'Hi',
      completion: 'Hello',
    });
  });

  it('name the bad field', () => {
    expect(() => parseUnpaired({ prompt: 'Hi', completion: 'x', label: 'yes' })).toThrow(
      'field "label" must be true or false, got a string',
    );
    expect(() => parsePromptCompletion({ prompt: 'Hi', completion: '  ' })).toThrow(
      'field "completion" is empty',
    );
  });
});

describe('exporters', () => {
  const textPair: PreferenceRecord = { prompt: 'Sky? ', chosen: 'Blue', rejected: 'Green' };

  it('write the TRL fields, one JSON object per line', () => {
    expect([...preferenceLines([textPair])]).toEqual([
      '{"prompt":"Sky? ","chosen":"Blue","rejected":"Green"}\n',
    ]);
    expect([...preferenceLines([textPair], { implicitPrompt: true })]).toEqual([
      '{"chosen":"Sky? Blue","rejected":"Sky? Green"}\n',
    ]);
    expect([...preferenceLines([textPair], { style: 'conversational' })]).toEqual([
      '{"prompt":[{"role":"user","content":"Sky? "}],' +
        '"chosen":[{"role":"assistant","content":"Blue"}],' +
        '"rejected":[{"role":"assistant","content":"Green"}]}\n',
    ]);
    expect([...unpairedLines([{ prompt: 'p', completion: 'c', label: false }])]).toEqual([
      '{"prompt":"p","completion":"c","label":false}\n',
    ]);
    expect([...promptCompletionLines([{ prompt: 'p', completion: 'c' }])]).toEqual([
      '{"prompt":"p","completion":"c"}\n',
    ]);
  });

  it('choose the conversational style when any prompt is a conversation', () => {
    const lines = [...preferenceLines([textPair, { prompt: conv, chosen: 'a', rejected: 'b' }])];
    expect(JSON.parse(lines[0]).prompt).toEqual([{ role: 'user', content: 'Sky? ' }]);
  });

  it('refuse to flatten a multi-turn conversation into text', () => {
    const pair = { prompt: conv, chosen: 'a', rejected: 'b' };
    expect(() => [...preferenceLines([textPair, pair], { style: 'text' })]).toThrow(
      'record 2: its prompt is a conversation of 2 messages, which plain text cannot hold; ' +
        'export in the conversational style',
    );
  });
});
