import { describe, expect, it } from 'vitest';
import {
  commonPrefixLength,
  splitConversation,
  splitTextPrompt,
} from '../../../src/io/formats/prompt-split';
import type { Message } from '../../../src/io/formats/types';

const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });

describe('splitTextPrompt', () => {
  it('cuts after the last whitespace of the shared prefix, never inside a word', () => {
    // Shared prefix is "The answer is 4" (chosen is a prefix of rejected): cutting there would
    // leave chosen empty and split "42", so the cut goes back to after "is ".
    expect(splitTextPrompt('The answer is 4', 'The answer is 42')).toEqual({
      prompt: 'The answer is ',
      chosen: '4',
      rejected: '42',
    });
    // Shared prefix "Q: colour? A: bl" ends inside "blue"/"black".
    expect(splitTextPrompt('Q: colour? A: blue', 'Q: colour? A: black')).toEqual({
      prompt: 'Q: colour? A: ',
      chosen: 'blue',
      rejected: 'black',
    });
  });

  it('cuts after the last "\\n\\nAssistant:" when the shared part has one', () => {
    const prompt = '\n\nHuman: Hi\n\nAssistant:';
    // Both replies start with " I think", which must stay in the responses.
    expect(splitTextPrompt(`${prompt} I think yes`, `${prompt} I think no`)).toEqual({
      prompt,
      chosen: ' I think yes',
      rejected: ' I think no',
    });
  });

  it('gives an empty prompt when the texts share no whole word', () => {
    expect(splitTextPrompt('Yes', 'Yeah')).toEqual({ prompt: '', chosen: 'Yes', rejected: 'Yeah' });
  });

  it('keeps both responses non-empty when the texts are equal', () => {
    expect(splitTextPrompt('a b', 'a b')).toEqual({ prompt: 'a ', chosen: 'b', rejected: 'b' });
  });

  it('rejects an empty side with the field named', () => {
    expect(() => splitTextPrompt('', 'x')).toThrow('field "chosen" is empty');
    expect(() => splitTextPrompt('x', '')).toThrow('field "rejected" is empty');
  });

  it('counts the common prefix in UTF-16 code units', () => {
    expect(commonPrefixLength('héllo', 'hélp')).toBe(3);
    expect(commonPrefixLength('', 'a')).toBe(0);
  });
});

describe('splitConversation', () => {
  it('splits off the shared messages ending with the user turn', () => {
    const history = [user('Hi'), assistant('Hello!'), user('2+2?')];
    expect(splitConversation([...history, assistant('4')], [...history, assistant('5')])).toEqual({
      prompt: history,
      chosen: '4',
      rejected: '5',
    });
  });

  it('cuts back to a user turn when the final replies are equal', () => {
    const both = [user('Hi'), assistant('Hello')];
    expect(splitConversation(both, both)).toEqual({
      prompt: [user('Hi')],
      chosen: 'Hello',
      rejected: 'Hello',
    });
  });

  it('rejects conversations that differ before the last turn', () => {
    const chosen = [user('Hi'), assistant('A'), user('more'), assistant('B')];
    const rejected = [user('Hi'), assistant('C'), user('more'), assistant('D')];
    expect(() => splitConversation(chosen, rejected)).toThrow(
      'field "chosen" must end in exactly one assistant message after the 1 message(s) shared ' +
        'with the other field, found 3 message(s) there',
    );
  });

  it('rejects conversations that share no user turn', () => {
    expect(() =>
      splitConversation([user('a'), assistant('b')], [user('c'), assistant('d')]),
    ).toThrow('fields "chosen" and "rejected" share no conversation ending with a user message');
  });
});
