/**
 * Stored feedback → token ids for the reward model. Rankings stay whole (one batch element
 * each, InstructGPT); pairs from pairwise choices and from thumbs join them. Responses our
 * model sampled keep their exact token ids; imported text is encoded and given an EOS.
 */
import { deriveTrainingData, promptOf, type FeedbackData } from '../feedback/derive';
import type { Prompt } from '../io/formats/types';
import type { TextTokenizer } from '../io/tokenizer';
import type { PreferenceData } from '../rl/reward';

export interface TokenLimits {
  /** Prompts keep their last tokens (the latest turns). */
  maxPromptTokens: number;
  /** Responses keep their first tokens. */
  maxResponseTokens: number;
}

export interface PreparedPreferences extends PreferenceData {
  counts: { rankings: number; pairs: number; skipped: number };
  /** Prompt ids (chat-templated) of every prompt with feedback, for PPO and calibration. */
  prompts: number[][];
}

export function encodePrompt(tok: TextTokenizer, prompt: Prompt, limits: TokenLimits): number[] {
  const ids =
    typeof prompt === 'string'
      ? tok.applyChatTemplate([{ role: 'user', content: prompt }])
      : tok.applyChatTemplate(prompt);
  return ids.slice(Math.max(0, ids.length - limits.maxPromptTokens));
}

export function encodeResponse(tok: TextTokenizer, text: string, limits: TokenLimits): number[] {
  return [...tok.encode(text), tok.eosId].slice(0, limits.maxResponseTokens);
}

export function preparePreferences(data: FeedbackData, tok: TextTokenizer, limits: TokenLimits): PreparedPreferences {
  const derived = deriveTrainingData(data);
  const prompts = new Map(data.prompts.map((p) => [p.id, p]));
  const samples = new Map(data.samples.map((s) => [s.id, s]));
  const promptIds = new Map<string, number[]>();
  const promptTokens = (id: string, fallback?: Prompt) => {
    if (!promptIds.has(id)) {
      const record = prompts.get(id);
      promptIds.set(id, encodePrompt(tok, record ? promptOf(record) : (fallback ?? ''), limits));
    }
    return promptIds.get(id)!;
  };
  const sampleTokens = (sampleId: string) => {
    const s = samples.get(sampleId);
    if (!s) return undefined;
    return s.tokenIds.length > 0 ? s.tokenIds.slice(0, limits.maxResponseTokens) : encodeResponse(tok, s.text, limits);
  };

  const rankings: PreferenceData['rankings'] = [];
  let skipped = 0;
  for (const e of data.feedback) {
    if (e.kind !== 'ranking') continue;
    const responses = e.order.map(sampleTokens);
    if (responses.some((r) => !r || r.length === 0) || responses.length < 2) {
      skipped++;
      continue;
    }
    rankings.push({ prompt: promptTokens(e.promptId), responses: responses as number[][] });
  }
  const pairs = derived.pairs
    .filter((p) => p.source !== 'ranking')
    .map((p) => ({
      prompt: promptTokens(p.promptId, p.prompt),
      chosen: encodeResponse(tok, p.chosen, limits),
      rejected: encodeResponse(tok, p.rejected, limits),
    }))
    .filter((p) => {
      const same = p.chosen.length === p.rejected.length && p.chosen.every((t, i) => t === p.rejected[i]);
      if (same) skipped++;
      return !same;
    });
  const used = new Set([...data.feedback.map((e) => e.promptId)]);
  return {
    rankings,
    pairs,
    counts: { rankings: rankings.length, pairs: pairs.length, skipped },
    prompts: [...used].filter((id) => prompts.has(id)).map((id) => promptTokens(id)),
  };
}
