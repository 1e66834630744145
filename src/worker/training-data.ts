/**
 * Stored feedback → token ids for the reward model. Rankings stay whole (one batch element
 * each, InstructGPT), and so do the grouped pairwise choices of an imported ranking; pairs
 * from other pairwise choices and from thumbs join them. Responses our model sampled keep
 * their exact token ids, so the reward model learns on the endings PPO will score (EOS only
 * where it was drawn); imported text is encoded and given an EOS.
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

export function preparePreferences(
  data: FeedbackData,
  tok: TextTokenizer,
  limits: TokenLimits,
): PreparedPreferences {
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
    return s.tokenIds.length > 0
      ? s.tokenIds.slice(0, limits.maxResponseTokens)
      : encodeResponse(tok, s.text, limits);
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
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((t, i) => t === b[i]);
  const tokensOf = (sampleId: string, text: string) =>
    sampleTokens(sampleId) ?? encodeResponse(tok, text, limits);
  const pairs: PreferenceData['pairs'] = [];
  // Grouped pairwise choices (an imported ranking, ties allowed): one batch element each.
  const grouped = new Map<
    string,
    { prompt: number[]; ids: string[]; responses: number[][]; comparisons: [number, number][] }
  >();
  for (const p of derived.pairs) {
    if (p.source === 'ranking') continue;
    const chosen = tokensOf(p.chosenSampleId, p.chosen);
    const rejected = tokensOf(p.rejectedSampleId, p.rejected);
    if (chosen.length === 0 || rejected.length === 0 || same(chosen, rejected)) {
      skipped++;
      continue;
    }
    const prompt = promptTokens(p.promptId, p.prompt);
    if (p.source !== 'pairwise' || p.group === undefined) {
      pairs.push({ prompt, chosen, rejected });
      continue;
    }
    const key = `${p.promptId}\u0000${p.group}`;
    const g = grouped.get(key) ?? { prompt, ids: [], responses: [], comparisons: [] };
    grouped.set(key, g);
    const index = (sampleId: string, ids: number[]) => {
      let i = g.ids.indexOf(sampleId);
      if (i < 0) i = g.ids.push(sampleId) - 1;
      g.responses[i] = ids;
      return i;
    };
    g.comparisons.push([index(p.chosenSampleId, chosen), index(p.rejectedSampleId, rejected)]);
  }
  for (const g of grouped.values()) {
    if (g.comparisons.length === 1) {
      const [[c, r]] = g.comparisons;
      pairs.push({ prompt: g.prompt, chosen: g.responses[c], rejected: g.responses[r] });
    } else {
      rankings.push({ prompt: g.prompt, responses: g.responses, comparisons: g.comparisons });
    }
  }
  const used = new Set([...data.feedback.map((e) => e.promptId)]);
  return {
    rankings,
    pairs,
    counts: { rankings: rankings.length, pairs: pairs.length, skipped },
    prompts: [...used].filter((id) => prompts.has(id)).map((id) => promptTokens(id)),
  };
}
