// Generated dialogue corpus for pre-training the embedded default model.
//
// Every dialogue is a (prompt, response) pair whose response varies along independent axes
// (politeness, length, tone, helpfulness, emoji). Pre-training on all combinations gives the
// policy a spread of styles, so that ratings and PPO can later move it visibly toward one taste.
// The generator is pure and seeded: the same (count, seed) always gives the same corpus.

import {
  GENERAL_EMOJI,
  NEUTRAL_CLOSERS,
  NEUTRAL_OPENERS,
  PLAYFUL_LINES,
  POLITE_CLOSERS,
  POLITE_OPENERS,
  PROMPT_PREFIXES,
  RUDE_CLOSERS,
  RUDE_OPENERS,
  TOPICS,
  TOPIC_EMOJI,
  VAGUE_LINES,
  WARM_LINES,
  type Topic,
} from './corpus-data';
import { EVAL_PROMPTS } from '../src/rl/eval-prompts';
import { seededRandom } from '../src/model/sampling';

export { EVAL_PROMPTS };

/** The style axes a response was generated with. */
export interface Traits {
  polite: boolean;
  rude: boolean;
  emoji: boolean;
  length: 'short' | 'medium' | 'long';
  helpful: boolean;
  tone: 'warm' | 'neutral' | 'curt' | 'playful';
  topic: string;
}

export interface Dialogue {
  prompt: string;
  response: string;
  traits: Traits;
}

/**
 * Response word counts per length class, inclusive, emoji not counted. Sized for a
 * 128-token context: a 45-word response plus a 15-word prompt stays under ~90 BPE tokens.
 */
export const LENGTH_WORDS = Object.freeze({
  short: [4, 10],
  medium: [11, 25],
  long: [26, 45],
} as const);

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Words in a text, not counting emoji-only tokens. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w)).length;
}

function fill(template: string, x: string): string {
  const s = template.replace(/\{x\}/g, x);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Draws the style axes; shares are the ones stated in test/scripts/corpus.test.ts. */
function sampleTraits(rng: Rng, topic: string): Traits {
  const p = rng();
  const polite = p < 0.45; // polite 45 %, neutral 35 %, rude 20 %
  const rude = p >= 0.8;
  const t = rng();
  let tone: Traits['tone'] = t < 0.3 ? 'warm' : t < 0.6 ? 'neutral' : t < 0.8 ? 'curt' : 'playful';
  // A rude warm reply reads as sarcasm the model cannot learn from; make it curt instead.
  if (rude && tone === 'warm') tone = 'curt';
  const l = rng();
  const length = l < 0.3 ? 'short' : l < 0.75 ? 'medium' : 'long';
  return { polite, rude, emoji: rng() < 0.3, length, helpful: rng() < 0.75, tone, topic };
}

function makePrompt(rng: Rng, topic: Topic, x: string): string {
  const base = fill(pick(rng, topic.prompts), x);
  // Greetings and thanks already open the conversation; a prefix would repeat it.
  const social = topic.name === 'greetings' || topic.name === 'thanks';
  if (!social && rng() < 0.15) {
    const withPrefix = pick(rng, PROMPT_PREFIXES) + base;
    if (countWords(withPrefix) <= 15) return withPrefix;
  }
  return base;
}

/** Sentence pools for one response, chosen by its traits. */
function pools(traits: Traits) {
  const openers = traits.polite ? POLITE_OPENERS : traits.rude ? RUDE_OPENERS : NEUTRAL_OPENERS;
  const closers = traits.polite ? POLITE_CLOSERS : traits.rude ? RUDE_CLOSERS : NEUTRAL_CLOSERS;
  const flavour =
    traits.tone === 'warm' ? WARM_LINES : traits.tone === 'playful' ? PLAYFUL_LINES : [];
  return { openers, closers, flavour };
}

/** Body sentences: the topic's tips, or vague lines mixed with tips from another topic. */
function bodyPool(rng: Rng, topic: Topic, x: string, helpful: boolean): string[] {
  if (helpful) return shuffled(rng, topic.tips).map((s) => fill(s, x));
  let other = pick(rng, TOPICS);
  if (other.name === topic.name) other = TOPICS[(TOPICS.indexOf(other) + 1) % TOPICS.length];
  const offTopic = shuffled(rng, other.tips).map((s) => fill(s, pick(rng, other.slot)));
  const vague = shuffled(rng, VAGUE_LINES);
  // Lead with a vague line half the time and with an off-topic tip otherwise.
  return rng() < 0.5 ? [...vague.slice(0, 2), ...offTopic] : [...offTopic.slice(0, 2), ...vague];
}

function sumWords(parts: readonly string[]): number {
  return parts.reduce((n, s) => n + countWords(s), 0);
}

/**
 * Assembles opener, body and closer so that the word count lands in the length class.
 * Greedy: optional frame sentences first, then body sentences until a random target is
 * reached; frame sentences are dropped and short pads added when the bounds demand it.
 */
function buildResponse(rng: Rng, topic: Topic, x: string, traits: Traits): string {
  const [lo, hi] = LENGTH_WORDS[traits.length];
  const target = lo + Math.floor(rng() * (hi - lo + 1));
  const { openers, closers, flavour } = pools(traits);
  // Politeness must show in every polite or rude response, or a rater could not see it;
  // a curt tone mostly skips the closing line.
  const marked = traits.polite || traits.rude;
  const openOdds = marked ? 0.75 : 0.35;
  const closeOdds = traits.tone === 'curt' ? 0.25 : marked ? 0.6 : 0.35;

  const head: string[] = [];
  const tail: string[] = [];
  if (rng() < openOdds) head.push(pick(rng, openers));
  if (flavour.length > 0 && rng() < 0.6) tail.push(pick(rng, flavour));
  if (rng() < closeOdds) tail.push(pick(rng, closers));
  if (marked && head.length === 0 && !tail.some((s) => closers.includes(s))) {
    head.push(pick(rng, openers));
  }
  if (rng() < 0.5) tail.reverse();

  const candidates = bodyPool(rng, topic, x, traits.helpful);
  const body: string[] = [];
  const total = () => sumWords(head) + sumWords(body) + sumWords(tail);
  for (const s of candidates) {
    if (body.length > 0 && total() >= target) break;
    if (total() + countWords(s) <= hi) body.push(s);
  }
  // Too long even with one body sentence: drop tone lines, then trade the closer or opener for
  // the shortest opener (so politeness still shows), then drop it, then take the shortest.
  const shortestOpener = openers.reduce((a, b) => (countWords(b) < countWords(a) ? b : a));
  while (body.length === 0 && (head.length > 0 || tail.length > 0)) {
    const extra = tail.findIndex((s) => !closers.includes(s));
    if (extra >= 0) tail.splice(extra, 1);
    else if (tail.length > 0) {
      tail.pop();
      if (marked && head.length === 0) head.push(shortestOpener);
    } else if (head[0] !== shortestOpener) head[0] = shortestOpener;
    else head.pop();
    const fit = candidates.filter((s) => total() + countWords(s) <= hi);
    if (fit.length > 0) body.push(fit[0]);
  }
  if (body.length === 0) {
    body.push(candidates.reduce((a, b) => (countWords(b) < countWords(a) ? b : a)));
  }
  // Too short: add frame and pad sentences that still fit.
  const pads = shuffled(rng, [...closers, ...flavour, ...openers.slice(0, 2), ...NEUTRAL_CLOSERS]);
  for (const s of pads) {
    if (total() >= lo) break;
    if (!tail.includes(s) && !head.includes(s) && total() + countWords(s) <= hi) tail.push(s);
  }

  const sentences = [...head, ...body, ...tail];
  if (traits.emoji) addEmoji(rng, sentences, traits.topic);
  return sentences.join(' ');
}

/** Appends one or two emoji after sentences; the last sentence always gets one. */
function addEmoji(rng: Rng, sentences: string[], topic: string): void {
  const own = TOPIC_EMOJI[topic];
  const choose = () =>
    own !== undefined && rng() < 0.6 ? pick(rng, own) : pick(rng, GENERAL_EMOJI);
  const last = sentences.length - 1;
  sentences[last] += ' ' + choose();
  if (last > 0 && rng() < 0.4) {
    const i = Math.floor(rng() * last);
    sentences[i] += ' ' + choose();
  }
}

const EVAL_SET = new Set(EVAL_PROMPTS);

/** One dialogue; the prompt is redrawn while it equals a held-out EVAL_PROMPTS entry. */
function makeDialogue(rng: Rng): Dialogue {
  const topic = pick(rng, TOPICS);
  const x = pick(rng, topic.slot);
  let prompt = makePrompt(rng, topic, x);
  while (EVAL_SET.has(prompt)) prompt = makePrompt(rng, topic, x);
  const traits = sampleTraits(rng, topic.name);
  return { prompt, response: buildResponse(rng, topic, x, traits), traits };
}

/** `count` dialogues drawn from `seed`; pure and deterministic. */
export function generateCorpus(count: number, seed: number): Dialogue[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(
      `scripts/corpus.ts generateCorpus: count must be an integer >= 0, got ${count}`,
    );
  }
  if (!Number.isFinite(seed)) {
    throw new Error(`scripts/corpus.ts generateCorpus: seed must be a finite number, got ${seed}`);
  }
  const rng = seededRandom(seed);
  const out: Dialogue[] = [];
  for (let i = 0; i < count; i++) out.push(makeDialogue(rng));
  return out;
}
