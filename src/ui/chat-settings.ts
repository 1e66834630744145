/**
 * The chat's sampling settings: a typed, frozen default, one check that names each bad
 * field, and persistence in localStorage. Invalid settings never reach the engine: the
 * panel only hands on settings that passed `checkChatSettings`.
 */
import { DEFAULT_SAMPLING } from '../model/sampling';
import type { SamplingRequest } from '../worker/protocol';

export interface ChatSettings {
  /** Divides the logits before sampling; in (0, 5]. */
  temperature: number;
  /** Keep only the k most likely tokens; whole number in [0, 1000], 0 = off. */
  topK: number;
  /** Nucleus: keep the smallest set of tokens with probability ≥ topP; in (0, 1]. */
  topP: number;
  /** Longest response, in tokens; whole number in [1, 256]. */
  maxNewTokens: number;
  /** How many candidate responses (K) per prompt; 2, 3 or 4. */
  candidates: number;
  /** Sample with a fixed seed, so that the same prompt and settings give the same responses. */
  seeded: boolean;
  /** The seed when `seeded`; whole number in [0, 2^32 − 1]. */
  seed: number;
}

export const DEFAULT_CHAT_SETTINGS: Readonly<ChatSettings> = Object.freeze({
  temperature: DEFAULT_SAMPLING.temperature,
  topK: DEFAULT_SAMPLING.topK,
  topP: DEFAULT_SAMPLING.topP,
  // ~1 s for two responses on the wasm backend of a 2-core machine (MACHINE.md: ~50 tokens/s).
  maxNewTokens: 48,
  candidates: 2,
  seeded: false,
  seed: 1,
});

/** Where the settings are kept in localStorage. */
export const SETTINGS_KEY = 'thumbprint.chat-settings.v1';

export type SettingsErrors = Partial<Record<keyof ChatSettings, string>>;

/** Raw values as a form holds them: strings from inputs, or numbers and booleans. */
export type RawSettings = { [K in keyof ChatSettings]?: unknown };

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function wholeIn(v: number, lo: number, hi: number): boolean {
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/**
 * Parses and checks raw settings. Returns the settings when every field is valid, and one
 * message per bad field otherwise (never both).
 */
export function checkChatSettings(raw: RawSettings): {
  settings?: ChatSettings;
  errors: SettingsErrors;
} {
  const s: ChatSettings = {
    temperature: toNumber(raw.temperature),
    topK: toNumber(raw.topK),
    topP: toNumber(raw.topP),
    maxNewTokens: toNumber(raw.maxNewTokens),
    candidates: toNumber(raw.candidates),
    seeded: raw.seeded === true || raw.seeded === 'true',
    seed: toNumber(raw.seed),
  };
  const errors: SettingsErrors = {};
  if (!(s.temperature > 0 && s.temperature <= 5)) {
    errors.temperature = 'Temperature must be a number above 0 and at most 5.';
  }
  if (!wholeIn(s.topK, 0, 1000)) errors.topK = 'Top-k must be a whole number from 0 (off) to 1000.';
  if (!(s.topP > 0 && s.topP <= 1)) errors.topP = 'Top-p must be above 0 and at most 1.';
  if (!wholeIn(s.maxNewTokens, 1, 256)) {
    errors.maxNewTokens = 'Max new tokens must be a whole number from 1 to 256.';
  }
  if (!wholeIn(s.candidates, 2, 4)) errors.candidates = 'Candidates (K) must be 2, 3 or 4.';
  if (s.seeded && !wholeIn(s.seed, 0, 2 ** 32 - 1)) {
    errors.seed = 'Seed must be a whole number from 0 to 4294967295.';
  }
  if (!s.seeded && !wholeIn(s.seed, 0, 2 ** 32 - 1)) s.seed = DEFAULT_CHAT_SETTINGS.seed;
  return Object.keys(errors).length > 0 ? { errors } : { settings: s, errors };
}

/** The request the engine receives; the seed only when seeded. */
export function toSamplingRequest(s: ChatSettings, maxContext = Infinity): SamplingRequest {
  // Leave a quarter of the model's context for the prompt: the engine would otherwise keep
  // only the last token or two of the conversation.
  const cap = Math.max(1, Math.floor((maxContext * 3) / 4));
  const request: SamplingRequest = {
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    maxNewTokens: Math.min(s.maxNewTokens, cap),
  };
  if (s.seeded) request.seed = s.seed;
  return request;
}

/** Reads the stored settings; a missing, unreadable or invalid entry gives the defaults. */
export function loadChatSettings(storage: Pick<Storage, 'getItem'> | undefined): {
  settings: ChatSettings;
  warning?: string;
} {
  let text: string | null = null;
  try {
    text = storage?.getItem(SETTINGS_KEY) ?? null;
  } catch {
    return { settings: { ...DEFAULT_CHAT_SETTINGS }, warning: 'localStorage is not available.' };
  }
  if (text === null) return { settings: { ...DEFAULT_CHAT_SETTINGS } };
  try {
    const parsed = JSON.parse(text) as RawSettings;
    const { settings, errors } = checkChatSettings({ ...DEFAULT_CHAT_SETTINGS, ...parsed });
    if (settings) return { settings };
    return {
      settings: { ...DEFAULT_CHAT_SETTINGS },
      warning: `Stored settings were invalid and were reset: ${Object.values(errors).join(' ')}`,
    };
  } catch {
    return {
      settings: { ...DEFAULT_CHAT_SETTINGS },
      warning: `Stored settings (localStorage "${SETTINGS_KEY}") are not JSON; defaults are used.`,
    };
  }
}

/** Stores valid settings; returns false when the browser refused (private mode, full). */
export function saveChatSettings(
  storage: Pick<Storage, 'setItem'> | undefined,
  s: ChatSettings,
): boolean {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(s));
    return storage !== undefined;
  } catch {
    return false;
  }
}
