/**
 * A simulated rater: a fixed, rule-based taste applied to response text, for demos, tests and
 * the end-to-end learning check. Every judgement it gives is marked `synthetic: true` so that
 * it is never mistaken for human feedback. Deterministic: equal ratings are ordered by a
 * seeded hash of the text, so the same seed and texts always give the same choice.
 */

const FILE = 'src/rl/rater.ts';

export type Preference =
  | { kind: 'prefers-polite' }
  | { kind: 'prefers-short' }
  | { kind: 'dislikes-emoji' }
  | { kind: 'mentions-word'; word: string };

// Markers of politeness and rudeness: common English courtesy phrases, covering the openers
// and closers of the generated corpus (checked in test/rl/rater.test.ts). "sure" alone is not
// polite ("I am not sure"), so only its courteous forms are listed.
const POLITE = [
  'please',
  'thank',
  'happy to help',
  'glad to help',
  'glad you asked',
  'good question',
  'great question',
  'of course',
  'sure!',
  'sure,',
  'sure thing',
  'hope that helps',
  'hope this helps',
  'good luck',
  'let me know how it goes',
  'have a great day',
  'have a nice day',
  'feel free',
  'you are welcome',
  "you're welcome",
];
const RUDE = [
  'ugh',
  'seriously?',
  'whatever',
  'obviously',
  'wow, really?',
  'if you must know',
  'basic stuff',
  'figure it out yourself',
  'do not ask me again',
  'should be obvious',
  'not that hard',
  'try thinking',
  'stop bothering',
  'shut up',
  'stupid',
];

function containsPhrase(lower: string, phrase: string): boolean {
  // The phrase must start at a word boundary: "ugh" is not in "though".
  let from = 0;
  for (;;) {
    const i = lower.indexOf(phrase, from);
    if (i < 0) return false;
    if (i === 0 || !/[a-z0-9']/.test(lower[i - 1])) return true;
    from = i + 1;
  }
}

/** +1 if the text has a polite marker and no rude one, −1 for the reverse, else 0. */
export function politeness(text: string): number {
  const lower = text.toLowerCase();
  const polite = POLITE.some((p) => containsPhrase(lower, p));
  const rude = RUDE.some((p) => containsPhrase(lower, p));
  return polite === rude ? 0 : polite ? 1 : -1;
}

/** Words with a letter or digit in them (emoji and lone punctuation are not words). */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** Emoji (pictographic characters) in the text. */
export function emojiCount(text: string): number {
  return (text.match(/\p{Extended_Pictographic}/gu) ?? []).length;
}

/** Whether `word` occurs as a whole word, ignoring case. */
export function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'iu').test(text);
}

/** One rule's score of a text. */
export function ruleScore(p: Preference, text: string): number {
  switch (p.kind) {
    case 'prefers-polite':
      return politeness(text);
    case 'prefers-short':
      return -wordCount(text) / 10; // −0.1 per word
    case 'dislikes-emoji':
      return -emojiCount(text);
    case 'mentions-word':
      return mentions(text, p.word) ? 1 : 0;
  }
}

/** Parses 'prefers-polite', 'prefers-short', 'dislikes-emoji' or 'mentions-word(WORD)'. */
export function parsePreference(spec: string): Preference {
  const s = spec.trim();
  if (s === 'prefers-polite' || s === 'prefers-short' || s === 'dislikes-emoji') return { kind: s };
  const m = /^mentions-word\((.+)\)$/.exec(s);
  if (m && m[1].trim() !== '') return { kind: 'mentions-word', word: m[1].trim() };
  throw new Error(
    `${FILE}: unknown preference "${spec}"; use prefers-polite, prefers-short, ` +
      'dislikes-emoji or mentions-word(WORD)',
  );
}

/** A seeded 32-bit FNV-1a hash of a text: the tie-break order. */
function tieKey(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface SyntheticRanking {
  /** Indices of the texts, best first. */
  order: number[];
  /** The rating of each text, in input order. */
  ratings: number[];
  synthetic: true;
}

export interface SyntheticChoice {
  choice: 'a' | 'b';
  /** The two texts rated the same; the choice was made by the seeded tie-break. */
  tie: boolean;
  synthetic: true;
}

export interface SyntheticThumbs {
  up: boolean;
  rating: number;
  synthetic: true;
}

export class SimulatedRater {
  readonly preferences: readonly Preference[];

  constructor(
    preferences: Preference | Preference[],
    readonly seed = 0,
  ) {
    const list = Array.isArray(preferences) ? preferences : [preferences];
    if (list.length === 0)
      throw new Error(`${FILE}: a simulated rater needs at least one preference`);
    for (const p of list) {
      if (p.kind === 'mentions-word' && !(typeof p.word === 'string' && p.word.trim() !== '')) {
        throw new Error(`${FILE}: mentions-word needs a non-empty word`);
      }
    }
    this.preferences = Object.freeze(list.slice());
  }

  /** The sum of the rules' scores; higher is better. */
  rate(text: string): number {
    return this.preferences.reduce((s, p) => s + ruleScore(p, text), 0);
  }

  /** All texts, best first; equal ratings in seeded tie-break order. */
  rank(texts: string[]): SyntheticRanking {
    const ratings = texts.map((t) => this.rate(t));
    const keys = texts.map((t) => tieKey(t, this.seed));
    const order = texts.map((_, i) => i);
    order.sort((a, b) => ratings[b] - ratings[a] || keys[a] - keys[b] || a - b);
    return { order, ratings, synthetic: true };
  }

  /** Indices of one text per distinct rating, best first: a ranking with no ties in it. */
  strictRanking(texts: string[]): number[] {
    const { order, ratings } = this.rank(texts);
    return order.filter((i, k) => k === 0 || ratings[i] !== ratings[order[k - 1]]);
  }

  /** The better of two texts. */
  choose(a: string, b: string): SyntheticChoice {
    const [ra, rb] = [this.rate(a), this.rate(b)];
    if (ra !== rb) return { choice: ra > rb ? 'a' : 'b', tie: false, synthetic: true };
    return {
      choice: tieKey(a, this.seed) <= tieKey(b, this.seed) ? 'a' : 'b',
      tie: true,
      synthetic: true,
    };
  }

  /** Thumbs up when the rating is above `threshold`. */
  thumbs(text: string, threshold = 0): SyntheticThumbs {
    const rating = this.rate(text);
    return { up: rating > threshold, rating, synthetic: true };
  }
}
