import { describe, expect, it } from 'vitest';
import { toTokenizerJson, trainBPE } from '../../scripts/bpe';
import { CHAT_TEMPLATE, SPECIAL_TOKENS } from '../../src/io/chat-template';
import { TextTokenizer } from '../../src/io/tokenizer';
import type { FeedbackEvent, PromptRecord, SampleRecord } from '../../src/feedback/types';
import { preparePreferences } from '../../src/worker/training-data';

const tok = new TextTokenizer(
  toTokenizerJson(trainBPE(['good reply', 'bad reply', 'what is up'], 280), SPECIAL_TOKENS),
  { eos_token: '<|endoftext|>', pad_token: '<|pad|>', chat_template: CHAT_TEMPLATE },
);
const limits = { maxPromptTokens: 64, maxResponseTokens: 64 };

const prompt = (id: string, text: string): PromptRecord => ({
  id,
  conversationId: 'c',
  text,
  messages: [{ role: 'user', content: text }],
  createdAt: 0,
  source: 'user',
});
const sample = (
  id: string,
  promptId: string,
  text: string,
  tokenIds: number[] = [],
): SampleRecord => ({
  id,
  promptId,
  text,
  tokenIds,
  checkpointId: 'reference',
  sampling: null,
  shownPosition: 0,
  createdAt: 0,
});
const base = { createdAt: 1, synthetic: false };

describe('preparePreferences', () => {
  const prompts = [prompt('p1', 'what is up'), prompt('p2', 'what')];
  const samples = [
    sample('s1', 'p1', 'good reply', [7, 8, tok.eosId]),
    sample('s2', 'p1', 'bad reply', [9, tok.eosId]),
    sample('s3', 'p1', 'reply', [10]),
    sample('t1', 'p2', 'good reply'),
    sample('t2', 'p2', 'bad reply'),
  ];
  const feedback: FeedbackEvent[] = [
    { ...base, id: 'f1', promptId: 'p1', kind: 'ranking', order: ['s3', 's1', 's2'] },
    {
      ...base,
      id: 'f2',
      promptId: 'p2',
      kind: 'pairwise',
      a: 't1',
      b: 't2',
      choice: 'b',
      shownOrder: ['t1', 't2'],
    },
    {
      ...base,
      id: 'f3',
      promptId: 'p2',
      kind: 'pairwise',
      a: 't1',
      b: 't2',
      choice: 'tie',
      shownOrder: ['t1', 't2'],
    },
    { ...base, id: 'f4', promptId: 'p2', kind: 'rating', sampleId: 't1', value: 1, reasons: [] },
    {
      ...base,
      id: 'f5',
      promptId: 'p2',
      kind: 'rating',
      sampleId: 't2',
      value: -1,
      reasons: ['rude'],
    },
  ];
  const out = preparePreferences({ prompts, samples, feedback }, tok, limits);
  const encode = (t: string) => [...tok.encode(t), tok.eosId];

  it('keeps a ranking whole, best first, with the sampled token ids', () => {
    expect(out.rankings).toEqual([
      {
        prompt: tok.applyChatTemplate([{ role: 'user', content: 'what is up' }]),
        responses: [[10], [7, 8, tok.eosId], [9, tok.eosId]],
      },
    ]);
  });

  it('turns a pairwise choice and a thumbs up/down pair into pairs; a tie into none', () => {
    const p2 = tok.applyChatTemplate([{ role: 'user', content: 'what' }]);
    expect(out.pairs).toEqual([
      { prompt: p2, chosen: encode('bad reply'), rejected: encode('good reply') },
      { prompt: p2, chosen: encode('good reply'), rejected: encode('bad reply') },
    ]);
    expect(out.counts).toEqual({ rankings: 1, pairs: 2, skipped: 0 });
    expect(out.prompts).toHaveLength(2);
  });

  it('gives pairwise and thumbs pairs of sampled replies their exact sampled ids', () => {
    // u1 was cut at max new tokens (no EOS drawn); re-encoding its text would add one.
    const data = {
      prompts: [prompt('p3', 'what is up')],
      samples: [
        sample('u1', 'p3', 'good reply', [7, 8]),
        sample('u2', 'p3', 'bad reply', [9, tok.eosId]),
      ],
      feedback: [
        {
          ...base,
          id: 'g1',
          promptId: 'p3',
          kind: 'pairwise',
          a: 'u2',
          b: 'u1',
          choice: 'b',
          shownOrder: ['u2', 'u1'],
        },
        {
          ...base,
          id: 'g2',
          promptId: 'p3',
          kind: 'rating',
          sampleId: 'u2',
          value: 1,
          reasons: [],
        },
        {
          ...base,
          id: 'g3',
          promptId: 'p3',
          kind: 'rating',
          sampleId: 'u1',
          value: -1,
          reasons: [],
        },
      ] as FeedbackEvent[],
    };
    const p3 = tok.applyChatTemplate([{ role: 'user', content: 'what is up' }]);
    expect(preparePreferences(data, tok, limits).pairs).toEqual([
      { prompt: p3, chosen: [7, 8], rejected: [9, tok.eosId] },
      { prompt: p3, chosen: [9, tok.eosId], rejected: [7, 8] },
    ]);
  });

  it('makes the grouped choices of an imported ranking one batch element', () => {
    // Imported ranks 0, 1, 1: o1 beats o2 and o3; the tie o2 = o3 gives no choice.
    const choice = (id: string, a: string, b: string, group?: string): FeedbackEvent => ({
      ...base,
      id,
      promptId: 'p4',
      kind: 'pairwise',
      a,
      b,
      choice: 'a',
      shownOrder: [a, b],
      ...(group ? { group } : {}),
    });
    const data = {
      prompts: [prompt('p4', 'what')],
      samples: [
        sample('o1', 'p4', 'good reply'),
        sample('o2', 'p4', 'bad reply'),
        sample('o3', 'p4', 'reply'),
        sample('o4', 'p4', 'up'),
      ],
      feedback: [
        choice('h1', 'o1', 'o2', 'import:x'),
        choice('h2', 'o1', 'o3', 'import:x'),
        choice('h3', 'o4', 'o3'),
      ],
    };
    const out = preparePreferences(data, tok, limits);
    const p4 = tok.applyChatTemplate([{ role: 'user', content: 'what' }]);
    expect(out.rankings).toEqual([
      {
        prompt: p4,
        responses: [encode('good reply'), encode('bad reply'), encode('reply')],
        comparisons: [
          [0, 1],
          [0, 2],
        ],
      },
    ]);
    expect(out.pairs).toEqual([{ prompt: p4, chosen: encode('up'), rejected: encode('reply') }]);
    expect(out.counts).toEqual({ rankings: 1, pairs: 1, skipped: 0 });
  });

  it('keeps the last prompt tokens and the first response tokens under the limits', () => {
    const small = preparePreferences({ prompts, samples, feedback }, tok, {
      maxPromptTokens: 3,
      maxResponseTokens: 2,
    });
    const full = tok.applyChatTemplate([{ role: 'user', content: 'what is up' }]);
    expect(small.rankings![0].prompt).toEqual(full.slice(-3));
    expect(small.rankings![0].responses).toEqual([[10], [7, 8], [9, tok.eosId]]);
  });
});
