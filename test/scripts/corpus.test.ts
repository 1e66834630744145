import { describe, expect, it } from 'vitest';
import {
  EVAL_PROMPTS,
  LENGTH_WORDS,
  countWords,
  generateCorpus,
  type Dialogue,
} from '../../scripts/corpus';
import { seededRandom } from '../../src/model/sampling';
import {
  EMOJI,
  GENERAL_EMOJI,
  POLITE_CLOSERS,
  POLITE_OPENERS,
  RUDE_CLOSERS,
  RUDE_OPENERS,
  TOPIC_EMOJI,
} from '../../scripts/corpus-data';

// One shared corpus keeps the suite fast on the 2-core machine.
const corpus = generateCorpus(5000, 7);
const share = (keep: (d: Dialogue) => boolean) => corpus.filter(keep).length / corpus.length;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

describe('seededRandom (mulberry32), the corpus PRNG', () => {
  it('gives the reference sequence for seed 0', () => {
    // mulberry32(0) first output is the often-quoted 0.26642920868471265 (x 2^32 below);
    // both values were checked with a separate one-line node script of the public algorithm.
    const rng = seededRandom(0);
    expect(Math.floor(rng() * 2 ** 32)).toBe(1144304738);
    expect(Math.floor(rng() * 2 ** 32)).toBe(1416247);
  });
});

describe('generateCorpus', () => {
  it('is deterministic in the seed', () => {
    expect(generateCorpus(200, 42)).toEqual(generateCorpus(200, 42));
    const a = generateCorpus(200, 42).map((d) => d.response);
    const b = generateCorpus(200, 43).map((d) => d.response);
    expect(a).not.toEqual(b);
  });

  it('rejects a bad count or seed with a message naming the field', () => {
    expect(() => generateCorpus(-1, 1)).toThrow(/count/);
    expect(() => generateCorpus(1.5, 1)).toThrow(/count/);
    expect(() => generateCorpus(1, NaN)).toThrow(/seed/);
    expect(generateCorpus(0, 1)).toEqual([]);
  });

  it('covers at least 40 topics', () => {
    expect(new Set(corpus.map((d) => d.traits.topic)).size).toBeGreaterThanOrEqual(40);
  });

  it('samples each trait near its stated share', () => {
    // Stated shares: polite 45 %, rude 20 %, emoji 30 %, helpful 75 %, short 30 %,
    // medium 45 %, long 25 %; tone warm 30 %, neutral 30 %, curt 20 %, playful 20 %, except
    // that rude warm draws become curt (20 % x 30 % = 6 points from warm to curt).
    // Bands are about +-3 points: 5000 draws give a standard error under 0.7 points.
    const bands: [string, number, number, (d: Dialogue) => boolean][] = [
      ['polite', 0.42, 0.48, (d) => d.traits.polite],
      ['rude', 0.17, 0.23, (d) => d.traits.rude],
      ['emoji', 0.27, 0.33, (d) => d.traits.emoji],
      ['helpful', 0.72, 0.78, (d) => d.traits.helpful],
      ['short', 0.27, 0.33, (d) => d.traits.length === 'short'],
      ['medium', 0.42, 0.48, (d) => d.traits.length === 'medium'],
      ['long', 0.22, 0.28, (d) => d.traits.length === 'long'],
      ['warm', 0.21, 0.27, (d) => d.traits.tone === 'warm'],
      ['neutral', 0.27, 0.33, (d) => d.traits.tone === 'neutral'],
      ['curt', 0.23, 0.29, (d) => d.traits.tone === 'curt'],
      ['playful', 0.17, 0.23, (d) => d.traits.tone === 'playful'],
    ];
    for (const [name, lo, hi, keep] of bands) {
      const s = share(keep);
      expect(s, name).toBeGreaterThanOrEqual(lo);
      expect(s, name).toBeLessThanOrEqual(hi);
    }
    expect(corpus.some((d) => d.traits.polite && d.traits.rude)).toBe(false);
  });

  it('keeps responses within the word bounds of their length class', () => {
    expect(LENGTH_WORDS).toEqual({ short: [4, 10], medium: [11, 25], long: [26, 45] });
    for (const d of corpus) {
      const n = countWords(d.response);
      const [lo, hi] = LENGTH_WORDS[d.traits.length];
      expect(n, d.response).toBeGreaterThanOrEqual(lo);
      expect(n, d.response).toBeLessThanOrEqual(hi);
    }
  });

  it('keeps prompts between 3 and 15 words', () => {
    for (const d of corpus) {
      expect(countWords(d.prompt), d.prompt).toBeGreaterThanOrEqual(3);
      expect(countWords(d.prompt), d.prompt).toBeLessThanOrEqual(15);
    }
  });

  it('never emits a held-out EVAL_PROMPTS entry', () => {
    expect(EVAL_PROMPTS.length).toBe(16);
    const held = new Set(EVAL_PROMPTS);
    const hits = generateCorpus(20000, 11).filter((d) => held.has(d.prompt));
    expect(hits).toEqual([]);
  });

  it('varies responses: over 3000 distinct in 5000', () => {
    expect(new Set(corpus.map((d) => d.response)).size).toBeGreaterThan(3000);
  });

  it('uses emoji only in emoji responses, and only from the known set', () => {
    const known = new Set(EMOJI);
    for (const e of [...GENERAL_EMOJI, ...Object.values(TOPIC_EMOJI).flat()]) {
      expect(known.has(e), e).toBe(true);
    }
    for (const d of corpus) {
      expect(PRINTABLE_ASCII.test(d.prompt), d.prompt).toBe(true);
      if (!d.traits.emoji) {
        expect(PRINTABLE_ASCII.test(d.response), d.response).toBe(true);
        continue;
      }
      const extra = d.response.split(' ').filter((w) => !PRINTABLE_ASCII.test(w));
      expect(extra.length, d.response).toBeGreaterThan(0);
      for (const w of extra) expect(known.has(w), `${w} in ${d.response}`).toBe(true);
    }
  });

  it('shows politeness in every polite or rude response', () => {
    const has = (text: string, lines: readonly string[]) => lines.some((l) => text.includes(l));
    for (const d of corpus) {
      if (d.traits.polite) {
        expect(has(d.response, [...POLITE_OPENERS, ...POLITE_CLOSERS]), d.response).toBe(true);
      }
      if (d.traits.rude) {
        expect(has(d.response, [...RUDE_OPENERS, ...RUDE_CLOSERS]), d.response).toBe(true);
      }
    }
  });

  it('writes sentences that start with a capital and end with punctuation', () => {
    for (const d of corpus) {
      const text = d.response.replace(/ [^\x20-\x7e]+/g, '');
      expect(/^[A-Z]/.test(text) && /[.!?]$/.test(text), d.response).toBe(true);
      expect(/[.!?] [a-z]/.test(text), d.response).toBe(false);
    }
  });
});
