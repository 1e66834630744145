/**
 * Human feedback as it is stored: a prompt, the candidate responses sampled for it, and the
 * feedback events a rater gave about them. Pure data; the store (src/store) persists these and
 * src/feedback/derive.ts turns them into training data.
 */
import type { Message } from '../io/formats/types';

export type { Message } from '../io/formats/types';

/** Where a prompt came from. */
export type PromptSource = 'user' | 'import' | 'simulated';

export interface PromptRecord {
  /** A random UUID. */
  id: string;
  /** The chat it was asked in; for imported prompts, the id of the import (one per file). */
  conversationId: string;
  /** The user turn the responses answer; for a plain-text prompt, the whole prompt. */
  text: string;
  /**
   * The conversation up to and including this prompt: it ends with {role: 'user', content:
   * text}. Empty for a plain-text prompt (from a text-format dataset), which the model reads as
   * is, without the chat template.
   */
  messages: Message[];
  /** Milliseconds since the epoch. */
  createdAt: number;
  source: PromptSource;
}

/** How a response was sampled. */
export interface SamplingSettings {
  temperature: number;
  topK: number;
  topP: number;
  maxNewTokens: number;
  seed?: number;
}

/** The checkpointId of responses sampled from the frozen reference model. */
export const REFERENCE_CHECKPOINT = 'reference';
/** The checkpointId of responses that came from a dataset file rather than a model. */
export const IMPORTED_RESPONSE = 'import';

/** One candidate response to a prompt. */
export interface SampleRecord {
  id: string;
  promptId: string;
  text: string;
  /** Token ids of `text`; empty when it was not produced by our tokenizer (imports). */
  tokenIds: number[];
  /** {@link REFERENCE_CHECKPOINT}, {@link IMPORTED_RESPONSE}, or a checkpoint id. */
  checkpointId: string;
  /** null for imported responses and records migrated from version 1. */
  sampling: SamplingSettings | null;
  /** 0-based place it was shown at among the prompt's candidates (position bias shows here). */
  shownPosition: number;
  createdAt: number;
}

export const RATING_REASONS = Object.freeze([
  'unhelpful',
  'incorrect',
  'unsafe',
  'rude',
  'off-topic',
] as const);
export type RatingReason = (typeof RATING_REASONS)[number];

export const FEEDBACK_KINDS = Object.freeze([
  'rating',
  'ranking',
  'pairwise',
  'demonstration',
] as const);
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** Fields every feedback event has. */
export interface FeedbackBase {
  id: string;
  promptId: string;
  createdAt: number;
  /** Given by the simulated rater, not a person. */
  synthetic: boolean;
  raterId?: string;
}

/** Thumbs up (1) or down (-1) on one response. */
export interface RatingFeedback extends FeedbackBase {
  kind: 'rating';
  sampleId: string;
  value: 1 | -1;
  /** Why a response was bad; empty for thumbs up. */
  reasons: RatingReason[];
  comment?: string;
}

/** An order of K responses, best first. */
export interface RankingFeedback extends FeedbackBase {
  kind: 'ranking';
  order: string[];
}

/** A choice between two responses. */
export interface PairwiseFeedback extends FeedbackBase {
  kind: 'pairwise';
  a: string;
  b: string;
  /** 'tie' and 'both-bad' say something, but not which is better: they make no pair. */
  choice: 'a' | 'b' | 'tie' | 'both-bad';
  /** The two sample ids in the order they were shown (left, right). */
  shownOrder: [string, string];
  /**
   * Set on choices that together make one judgement, such as the pairs of an imported
   * ranking (OpenAssistant sibling ranks): the reward model weighs a group as one ranking.
   */
  group?: string;
}

/** A response the rater wrote themself (for supervised fine-tuning). */
export interface DemonstrationFeedback extends FeedbackBase {
  kind: 'demonstration';
  text: string;
  /** The response it was edited from, if any. */
  basedOnSampleId?: string;
}

export type FeedbackEvent =
  RatingFeedback | RankingFeedback | PairwiseFeedback | DemonstrationFeedback;

/** Omit over each member of a union (the built-in Omit flattens the union). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A feedback event before it is stored: id and createdAt are filled in when missing. */
export type FeedbackInput = DistributiveOmit<FeedbackEvent, 'id' | 'createdAt'> & {
  id?: string;
  createdAt?: number;
};

/** The sample ids an event refers to, so the store can check they exist. */
export function referencedSamples(event: FeedbackEvent | FeedbackInput): string[] {
  switch (event.kind) {
    case 'rating':
      return [event.sampleId];
    case 'ranking':
      return [...event.order];
    case 'pairwise':
      return [event.a, event.b];
    case 'demonstration':
      return event.basedOnSampleId === undefined ? [] : [event.basedOnSampleId];
  }
}
