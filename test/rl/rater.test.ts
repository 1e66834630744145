// The simulated rater: each rule on hand-picked texts, the corpus's own politeness markers,
// and deterministic rankings, choices and thumbs, all marked synthetic.
import { describe, expect, it } from 'vitest';
import {
  NEUTRAL_CLOSERS,
  NEUTRAL_OPENERS,
  POLITE_CLOSERS,
  POLITE_OPENERS,
  RUDE_CLOSERS,
  RUDE_OPENERS,
  VAGUE_LINES,
  WARM_LINES,
} from '../../scripts/corpus-data';
import {
  SimulatedRater,
  emojiCount,
  mentions,
  parsePreference,
  politeness,
  wordCount,
} from '../../src/rl/rater';

describe('rules', () => {
  it('tells polite, rude and neutral text apart', () => {
    expect(politeness('Thanks for asking! Boil the pasta.')).toBe(1);
    expect(politeness('Ugh, obviously. Boil the pasta.')).toBe(-1);
    expect(politeness('Boil the pasta.')).toBe(0);
    // "ugh" inside a word is not rude; "sure" alone is not polite.
    expect(politeness('I thought it through, though.')).toBe(0);
    expect(politeness('I am not sure about that.')).toBe(0);
    // Both at once cancel out.
    expect(politeness('Please, whatever.')).toBe(0);
  });

  it('recognises every opener and closer of the generated corpus', () => {
    for (const s of [...POLITE_OPENERS, ...POLITE_CLOSERS]) expect(politeness(s), s).toBe(1);
    for (const s of [...RUDE_OPENERS, ...RUDE_CLOSERS]) expect(politeness(s), s).toBe(-1);
    for (const s of [...NEUTRAL_OPENERS, ...NEUTRAL_CLOSERS, ...VAGUE_LINES, ...WARM_LINES]) {
      expect(politeness(s), s).toBe(0);
    }
  });

  it('counts words and emoji, and finds whole words', () => {
    expect(wordCount('Sure! Take the bus 🚌 at 9.')).toBe(6);
    expect(emojiCount('Nice 🎉 very nice 🙂🙂')).toBe(3);
    expect(mentions('I like Tea a lot', 'tea')).toBe(true);
    expect(mentions('I like steam', 'tea')).toBe(false);
  });

  it('parses preference names and rejects unknown ones', () => {
    expect(parsePreference('prefers-short')).toEqual({ kind: 'prefers-short' });
    expect(parsePreference('mentions-word(cats)')).toEqual({ kind: 'mentions-word', word: 'cats' });
    expect(() => parsePreference('prefers-long')).toThrow('unknown preference "prefers-long"');
  });
});

describe('SimulatedRater', () => {
  it('sums the scores of its rules', () => {
    const r = new SimulatedRater([
      { kind: 'prefers-polite' },
      { kind: 'dislikes-emoji' },
      { kind: 'prefers-short' },
    ]);
    // polite +1, two emoji −2, three words (Sure, Have, fun) −0.3.
    expect(r.rate('Sure! Have fun 🎉🎉')).toBeCloseTo(1 - 2 - 0.3, 12);
    const w = new SimulatedRater({ kind: 'mentions-word', word: 'tea' });
    expect(w.rate('Green tea helps.')).toBe(1);
    expect(w.rate('Coffee helps.')).toBe(0);
  });

  it('ranks best first, ties in a seeded but fixed order', () => {
    const r = new SimulatedRater({ kind: 'prefers-polite' }, 7);
    const texts = ['Boil it.', 'Ugh, boil it.', 'Please boil it.', 'Just boil it.'];
    const a = r.rank(texts);
    expect(a.synthetic).toBe(true);
    expect(a.ratings).toEqual([0, -1, 1, 0]);
    expect(a.order[0]).toBe(2);
    expect(a.order[3]).toBe(1);
    expect(new Set(a.order.slice(1, 3))).toEqual(new Set([0, 3]));
    expect(r.rank(texts)).toEqual(a); // same seed, same texts, same order
    expect(r.strictRanking(texts)).toEqual([2, a.order[1], 1]);
  });

  it('chooses the better of two, flags ties, and gives thumbs', () => {
    const r = new SimulatedRater({ kind: 'prefers-polite' }, 3);
    expect(r.choose('Boil it.', 'Thanks! Boil it.')).toEqual({
      choice: 'b',
      tie: false,
      synthetic: true,
    });
    const tie = r.choose('Boil it.', 'Just boil it.');
    expect(tie.tie).toBe(true);
    expect(r.choose('Boil it.', 'Just boil it.')).toEqual(tie);
    expect(r.thumbs('Good luck!')).toEqual({ up: true, rating: 1, synthetic: true });
    expect(r.thumbs('Boil it.').up).toBe(false);
  });

  it('refuses an empty taste', () => {
    expect(() => new SimulatedRater([])).toThrow('needs at least one preference');
    expect(() => new SimulatedRater({ kind: 'mentions-word', word: ' ' })).toThrow(
      'non-empty word',
    );
  });
});
