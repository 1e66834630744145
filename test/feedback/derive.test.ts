import { describe, expect, it } from 'vitest';
import { deriveTrainingData, promptOf, type FeedbackData } from '../../src/feedback/derive';
import type { FeedbackEvent, PromptRecord, SampleRecord } from '../../src/feedback/types';

const chat: PromptRecord = {
  id: 'P',
  conversationId: 'c',
  text: 'Sky colour?',
  messages: [{ role: 'user', content: 'Sky colour?' }],
  createdAt: 0,
  source: 'user',
};
const plain: PromptRecord = {
  ...chat,
  id: 'Q',
  text: 'Once upon a',
  messages: [],
  source: 'import',
};
const CHAT = [{ role: 'user', content: 'Sky colour?' }];

const sample = (id: string, text: string, promptId = 'P'): SampleRecord => ({
  id,
  promptId,
  text,
  tokenIds: [],
  checkpointId: 'reference',
  sampling: null,
  shownPosition: 0,
  createdAt: 0,
});
const SAMPLES = [
  sample('s1', 'Blue'),
  sample('s2', 'Green'),
  sample('s3', 'Red'),
  sample('s4', 'Grey'),
  sample('q1', 'time', 'Q'),
];

const at = (createdAt: number, id: string) => ({ id, promptId: 'P', createdAt, synthetic: false });
const rating = (t: number, id: string, sampleId: string, value: 1 | -1): FeedbackEvent => ({
  ...at(t, id),
  kind: 'rating',
  sampleId,
  value,
  reasons: [],
});

// Stored out of order on purpose: derivation sorts by time.
const FEEDBACK: FeedbackEvent[] = [
  { ...at(2, 'pw1'), kind: 'pairwise', a: 's1', b: 's4', choice: 'b', shownOrder: ['s4', 's1'] },
  { ...at(1, 'r1'), kind: 'ranking', order: ['s2', 's1', 's3'] },
  { ...at(3, 'pw2'), kind: 'pairwise', a: 's1', b: 's2', choice: 'tie', shownOrder: ['s1', 's2'] },
  {
    ...at(4, 'pw3'),
    kind: 'pairwise',
    a: 's3',
    b: 's4',
    choice: 'both-bad',
    shownOrder: ['s3', 's4'],
  },
  rating(5, 'u1', 's1', 1),
  rating(6, 'd2', 's2', -1),
  rating(7, 'd3', 's3', -1),
  rating(8, 'd1', 's1', -1),
  { ...rating(9, 'q', 'q1', 1), promptId: 'Q' },
  { ...at(10, 'demo'), kind: 'demonstration', text: 'Blue, mostly.', basedOnSampleId: 's1' },
  { ...at(11, 'bad1'), kind: 'ranking', order: ['s1', 'gone'] },
  { ...rating(12, 'bad2', 's1', 1), promptId: 'nowhere' },
  { ...rating(13, 'bad3', 'q1', 1) },
];

const DATA: FeedbackData = { prompts: [chat, plain], samples: SAMPLES, feedback: FEEDBACK };

describe('deriveTrainingData', () => {
  const out = deriveTrainingData(DATA);

  it('turns a ranking of 3 into exactly its 3 pairs, higher ranked chosen', () => {
    expect(out.pairs.filter((p) => p.source === 'ranking')).toEqual([
      {
        prompt: CHAT,
        promptId: 'P',
        chosen: 'Green',
        rejected: 'Blue',
        chosenSampleId: 's2',
        rejectedSampleId: 's1',
        source: 'ranking',
        group: 'r1',
      },
      {
        prompt: CHAT,
        promptId: 'P',
        chosen: 'Green',
        rejected: 'Red',
        chosenSampleId: 's2',
        rejectedSampleId: 's3',
        source: 'ranking',
        group: 'r1',
      },
      {
        prompt: CHAT,
        promptId: 'P',
        chosen: 'Blue',
        rejected: 'Red',
        chosenSampleId: 's1',
        rejectedSampleId: 's3',
        source: 'ranking',
        group: 'r1',
      },
    ]);
  });

  it('turns a decided pairwise choice into one pair and keeps tie and both-bad apart', () => {
    expect(out.pairs.filter((p) => p.source === 'pairwise')).toEqual([
      {
        prompt: CHAT,
        promptId: 'P',
        chosen: 'Grey',
        rejected: 'Blue',
        chosenSampleId: 's4',
        rejectedSampleId: 's1',
        source: 'pairwise',
      },
    ]);
    expect(out.undecided).toEqual([
      { prompt: CHAT, promptId: 'P', feedbackId: 'pw2', a: 'Blue', b: 'Green', choice: 'tie' },
      { prompt: CHAT, promptId: 'P', feedbackId: 'pw3', a: 'Red', b: 'Grey', choice: 'both-bad' },
    ]);
  });

  it('pairs every thumbs up with every thumbs down on the prompt, not a response with itself', () => {
    // Up: s1. Down: s2, s3, s1. The s1 × s1 pair is dropped.
    expect(out.pairs.filter((p) => p.source === 'rating')).toEqual([
      {
        prompt: CHAT,
        promptId: 'P',
        chosen: 'Blue',
        rejected: 'Green',
        chosenSampleId: 's1',
        rejectedSampleId: 's2',
        source: 'rating',
        group: 'ratings:P',
      },
      {
        prompt: CHAT,
        promptId: 'P',
        chosen: 'Blue',
        rejected: 'Red',
        chosenSampleId: 's1',
        rejectedSampleId: 's3',
        source: 'rating',
        group: 'ratings:P',
      },
    ]);
  });

  it('gives every rating as an unpaired example, with a plain-text prompt kept as text', () => {
    expect(out.unpaired.map((u) => [u.feedbackId, u.completion, u.label])).toEqual([
      ['u1', 'Blue', true],
      ['d2', 'Green', false],
      ['d3', 'Red', false],
      ['d1', 'Blue', false],
      ['q', 'time', true],
    ]);
    expect(out.unpaired[4]).toEqual({
      prompt: 'Once upon a',
      promptId: 'Q',
      completion: 'time',
      label: true,
      sampleId: 'q1',
      feedbackId: 'q',
    });
  });

  it('turns a demonstration into a supervised example', () => {
    expect(out.demonstrations).toEqual([
      { prompt: CHAT, promptId: 'P', completion: 'Blue, mostly.', feedbackId: 'demo' },
    ]);
  });

  it('reports events that point at missing or foreign records', () => {
    expect(out.problems).toEqual([
      { feedbackId: 'bad1', reason: 'sample gone not found' },
      { feedbackId: 'bad2', reason: 'prompt nowhere not found' },
      { feedbackId: 'bad3', reason: 'sample q1 belongs to another prompt' },
    ]);
  });

  it('counts each kind', () => {
    expect(out.counts).toEqual({
      pairs: { ranking: 3, pairwise: 1, rating: 2, total: 6 },
      ties: 1,
      bothBad: 1,
      unpaired: 5,
      demonstrations: 1,
      problems: 3,
    });
  });

  it('can leave out the simulated rater', () => {
    const synthetic = FEEDBACK.map((e) => (e.id === 'r1' ? { ...e, synthetic: true } : e));
    const human = deriveTrainingData({ ...DATA, feedback: synthetic }, { includeSynthetic: false });
    expect(human.counts.pairs).toEqual({ ranking: 0, pairwise: 1, rating: 2, total: 3 });
  });

  it('gives each pair its own copy of the prompt', () => {
    out.pairs[0].prompt = 'changed';
    expect(promptOf(chat)).toEqual(CHAT);
    expect(out.pairs[1].prompt).toEqual(CHAT);
  });
});
