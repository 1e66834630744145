import { describe, expect, it } from 'vitest';
import {
  hhRlhfLines,
  parseHhRlhf,
  renderTranscript,
  transcriptToMessages,
} from '../../../src/io/formats/hh-rlhf';

const PROMPT =
  '\n\nHuman: Can you help?\n\nAssistant: Sure, with what?\n\nHuman: A poem.\n\nAssistant:';

describe('parseHhRlhf', () => {
  it('splits at the last shared "\\n\\nAssistant:" and trims exactly one space', () => {
    const pair = parseHhRlhf({
      chosen: `${PROMPT} Roses are red.`,
      rejected: `${PROMPT}  No.`,
    });
    expect(pair).toEqual({
      prompt: [
        { role: 'user', content: 'Can you help?' },
        { role: 'assistant', content: 'Sure, with what?' },
        { role: 'user', content: 'A poem.' },
      ],
      chosen: 'Roses are red.',
      // Two spaces in the file: one is the separator, the other belongs to the reply.
      rejected: ' No.',
    });
  });

  it('does not cut into replies that start alike', () => {
    const pair = parseHhRlhf({
      chosen: `${PROMPT} I can do that.`,
      rejected: `${PROMPT} I cannot.`,
    });
    expect([pair.chosen, pair.rejected]).toEqual(['I can do that.', 'I cannot.']);
  });

  it('keeps an empty reply as the empty string', () => {
    const pair = parseHhRlhf({ chosen: `${PROMPT} `, rejected: `${PROMPT} Fine.` });
    expect([pair.chosen, pair.rejected]).toEqual(['', 'Fine.']);
  });

  it('keeps every later turn in the responses when the transcripts diverge earlier', () => {
    const start = '\n\nHuman: Hi\n\nAssistant:';
    const pair = parseHhRlhf({
      chosen: `${start} Hello.\n\nHuman: Bye\n\nAssistant: Bye!`,
      rejected: `${start} Go away.`,
    });
    expect(pair).toEqual({
      prompt: [{ role: 'user', content: 'Hi' }],
      chosen: 'Hello.\n\nHuman: Bye\n\nAssistant: Bye!',
      rejected: 'Go away.',
    });
  });

  it('keeps the prompt as text when its turns would not render back the same', () => {
    // "\n\nHuman:" without the space after it.
    const odd = '\n\nHuman:Hi\n\nAssistant:';
    expect(parseHhRlhf({ chosen: `${odd} A`, rejected: `${odd} B` }).prompt).toBe(odd);
  });

  it('names what is wrong', () => {
    expect(() => parseHhRlhf({ chosen: 'Hi', rejected: '\n\nHuman: x' })).toThrow(
      'field "chosen" must be a transcript starting with "\\n\\nHuman:"',
    );
    expect(() =>
      parseHhRlhf({
        chosen: '\n\nHuman: a\n\nAssistant: b',
        rejected: '\n\nHuman: c\n\nAssistant: d',
      }),
    ).toThrow('fields "chosen" and "rejected" share no "\\n\\nAssistant:" turn');
    expect(() => parseHhRlhf({ chosen: '\n\nHuman: a' })).toThrow('field "rejected" is missing');
  });
});

describe('transcripts', () => {
  it('render and parse back exactly', () => {
    const messages = transcriptToMessages(PROMPT)!;
    expect(messages).toHaveLength(3);
    expect(renderTranscript(messages)).toBe(PROMPT);
  });

  it('refuse a system message', () => {
    expect(() => renderTranscript([{ role: 'system', content: 'x' }])).toThrow(
      'message 1 is a system message, which HH-RLHF cannot hold',
    );
  });
});

describe('hhRlhfLines', () => {
  it('writes prompt + " " + response for both sides', () => {
    const prompt = [{ role: 'user' as const, content: 'Hi' }];
    expect([...hhRlhfLines([{ prompt, chosen: 'Hello', rejected: '' }])]).toEqual([
      JSON.stringify({
        chosen: '\n\nHuman: Hi\n\nAssistant: Hello',
        rejected: '\n\nHuman: Hi\n\nAssistant: ',
      }) + '\n',
    ]);
  });

  it('wraps a plain-text prompt as one human turn', () => {
    const [line] = [...hhRlhfLines([{ prompt: 'Sky?', chosen: 'Blue', rejected: 'Red' }])];
    expect(JSON.parse(line).chosen).toBe('\n\nHuman: Sky?\n\nAssistant: Blue');
  });
});
