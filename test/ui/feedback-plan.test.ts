import { describe, expect, it } from 'vitest';
import type {
  DemonstrationFeedback,
  RankingFeedback,
  RatingFeedback,
} from '../../src/feedback/types';
import {
  NO_FEEDBACK,
  describeEvent,
  planFeedback,
  withEvent,
  withoutEvent,
  type TurnFeedback,
} from '../../src/ui/feedback-plan';

const P = 'prompt-1';
const stored = { promptId: P, createdAt: 100, synthetic: false };
const down: RatingFeedback = {
  ...stored,
  id: 'e1',
  kind: 'rating',
  sampleId: 's1',
  value: -1,
  reasons: ['rude'],
  comment: 'too short',
};
const withDown: TurnFeedback = { ratings: { s1: down } };

describe('planFeedback: ratings', () => {
  it('adds a first rating, with no reasons on a thumbs up', () => {
    expect(
      planFeedback(NO_FEEDBACK, P, { kind: 'rating', sampleId: 's1', value: 1, reasons: ['rude'] }),
    ).toEqual({
      op: 'add',
      input: {
        promptId: P,
        synthetic: false,
        kind: 'rating',
        sampleId: 's1',
        value: 1,
        reasons: [],
      },
    });
  });

  it('edits the stored rating instead of adding a second one', () => {
    // Thumbs up on a response rated down: same id and time, value flipped, reasons dropped.
    expect(planFeedback(withDown, P, { kind: 'rating', sampleId: 's1', value: 1 })).toEqual({
      op: 'update',
      event: { ...down, value: 1, reasons: [] },
    });
    // A reason added: the comment is kept.
    expect(
      planFeedback(withDown, P, {
        kind: 'rating',
        sampleId: 's1',
        value: -1,
        reasons: ['rude', 'incorrect'],
      }),
    ).toEqual({ op: 'update', event: { ...down, reasons: ['rude', 'incorrect'] } });
    // A blank comment removes the comment field.
    const cleared = planFeedback(withDown, P, {
      kind: 'rating',
      sampleId: 's1',
      value: -1,
      comment: '  ',
    });
    expect(cleared).toEqual({
      op: 'update',
      event: { ...stored, id: 'e1', kind: 'rating', sampleId: 's1', value: -1, reasons: ['rude'] },
    });
  });

  it('does nothing when nothing changes, and deletes on value 0', () => {
    expect(planFeedback(withDown, P, { kind: 'rating', sampleId: 's1', value: -1 })).toEqual({
      op: 'none',
    });
    expect(planFeedback(withDown, P, { kind: 'rating', sampleId: 's1', value: 0 })).toEqual({
      op: 'delete',
      event: down,
    });
    expect(planFeedback(NO_FEEDBACK, P, { kind: 'rating', sampleId: 's1', value: 0 })).toEqual({
      op: 'none',
    });
  });
});

describe('planFeedback: ranking, pairwise, demonstration', () => {
  const ranking: RankingFeedback = { ...stored, id: 'e2', kind: 'ranking', order: ['s2', 's1'] };

  it('adds, updates or skips a ranking', () => {
    expect(planFeedback(NO_FEEDBACK, P, { kind: 'ranking', order: ['s1', 's2'] })).toEqual({
      op: 'add',
      input: { promptId: P, synthetic: false, kind: 'ranking', order: ['s1', 's2'] },
    });
    const current = { ...NO_FEEDBACK, ranking };
    expect(planFeedback(current, P, { kind: 'ranking', order: ['s2', 's1'] })).toEqual({
      op: 'none',
    });
    expect(planFeedback(current, P, { kind: 'ranking', order: ['s1', 's2'] })).toEqual({
      op: 'update',
      event: { ...ranking, order: ['s1', 's2'] },
    });
  });

  it('stores a pairwise choice with a, b and the shown order', () => {
    const op = planFeedback(NO_FEEDBACK, P, {
      kind: 'pairwise',
      choice: 'b',
      shownOrder: ['s3', 's1'],
    });
    expect(op).toEqual({
      op: 'add',
      input: {
        promptId: P,
        synthetic: false,
        kind: 'pairwise',
        a: 's3',
        b: 's1',
        choice: 'b',
        shownOrder: ['s3', 's1'],
      },
    });
  });

  it('trims a demonstration and refuses an empty one', () => {
    expect(
      planFeedback(NO_FEEDBACK, P, {
        kind: 'demonstration',
        text: '  Hello!  ',
        basedOnSampleId: 's2',
      }),
    ).toEqual({
      op: 'add',
      input: {
        promptId: P,
        synthetic: false,
        kind: 'demonstration',
        text: 'Hello!',
        basedOnSampleId: 's2',
      },
    });
    expect(() => planFeedback(NO_FEEDBACK, P, { kind: 'demonstration', text: ' \n ' })).toThrow(
      'Write a response before saving it as a better reply.',
    );
  });
});

describe('withEvent / withoutEvent / describeEvent', () => {
  const demo: DemonstrationFeedback = { ...stored, id: 'e3', kind: 'demonstration', text: 'Hi' };

  it('puts events in their place and takes them out by id', () => {
    const both = withEvent(withEvent(NO_FEEDBACK, down), demo);
    expect(both.ratings).toEqual({ s1: down });
    expect(both.demonstration).toBe(demo);
    const left = withoutEvent(both, 'e1');
    expect(left.ratings).toEqual({});
    expect(left.demonstration).toBe(demo);
    expect(withoutEvent(left, 'e3').demonstration).toBeUndefined();
  });

  it('names events for a toast with 1-based reply numbers', () => {
    const positions: Record<string, number> = { s1: 1, s3: 0 };
    const at = (id: string) => positions[id] ?? -1;
    expect(describeEvent(down, at)).toBe('thumbs down on reply 2');
    expect(
      describeEvent(
        {
          ...stored,
          id: 'e4',
          kind: 'pairwise',
          a: 's3',
          b: 's1',
          choice: 'a',
          shownOrder: ['s3', 's1'],
        },
        at,
      ),
    ).toBe('choice: reply 1 is better');
    expect(describeEvent({ ...down, sampleId: 'gone' }, at)).toBe('thumbs down on a reply');
  });
});
