import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHAT_SETTINGS,
  SETTINGS_KEY,
  checkChatSettings,
  loadChatSettings,
  saveChatSettings,
  toSamplingRequest,
} from '../../src/ui/chat-settings';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
}

describe('checkChatSettings', () => {
  it('parses the strings a form holds', () => {
    const { settings, errors } = checkChatSettings({
      temperature: '0.7',
      topK: '20',
      topP: '0.9',
      maxNewTokens: '64',
      candidates: '3',
      seeded: true,
      seed: '42',
    });
    expect(errors).toEqual({});
    expect(settings).toEqual({
      temperature: 0.7,
      topK: 20,
      topP: 0.9,
      maxNewTokens: 64,
      candidates: 3,
      seeded: true,
      seed: 42,
    });
  });

  it('names every bad field and returns no settings', () => {
    const { settings, errors } = checkChatSettings({
      temperature: '0',
      topK: '2.5',
      topP: '1.5',
      maxNewTokens: '',
      candidates: '5',
      seeded: true,
      seed: '-1',
    });
    expect(settings).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(
      ['candidates', 'maxNewTokens', 'seed', 'temperature', 'topK', 'topP'].sort(),
    );
    expect(errors.candidates).toBe('Candidates (K) must be 2, 3 or 4.');
    expect(errors.maxNewTokens).toBe('Max new tokens must be a whole number from 1 to 256.');
  });

  it('accepts the bounds and ignores a bad seed when not seeded', () => {
    const { settings } = checkChatSettings({
      ...DEFAULT_CHAT_SETTINGS,
      temperature: 5,
      topK: 0,
      topP: 1,
      maxNewTokens: 256,
      candidates: 4,
      seeded: false,
      seed: 'abc',
    });
    expect(settings?.seed).toBe(DEFAULT_CHAT_SETTINGS.seed);
    expect(settings?.candidates).toBe(4);
  });
});

describe('toSamplingRequest', () => {
  it('caps max new tokens at three quarters of the context and adds the seed only when seeded', () => {
    const s = { ...DEFAULT_CHAT_SETTINGS, maxNewTokens: 200, seeded: false, seed: 9 };
    // 128-token context: floor(128 · 3 / 4) = 96.
    expect(toSamplingRequest(s, 128)).toEqual({
      temperature: 0.8,
      topK: 40,
      topP: 0.95,
      maxNewTokens: 96,
    });
    expect(toSamplingRequest({ ...s, maxNewTokens: 48, seeded: true }, 128)).toEqual({
      temperature: 0.8,
      topK: 40,
      topP: 0.95,
      maxNewTokens: 48,
      seed: 9,
    });
  });
});

describe('loadChatSettings / saveChatSettings', () => {
  it('round-trips valid settings', () => {
    const storage = memoryStorage();
    const s = { ...DEFAULT_CHAT_SETTINGS, candidates: 4, temperature: 1.1 };
    expect(saveChatSettings(storage, s)).toBe(true);
    expect(loadChatSettings(storage)).toEqual({ settings: s });
  });

  it('falls back to the defaults, with a warning, for invalid or broken entries', () => {
    const bad = loadChatSettings(memoryStorage({ [SETTINGS_KEY]: '{"candidates": 9}' }));
    expect(bad.settings).toEqual(DEFAULT_CHAT_SETTINGS);
    expect(bad.warning).toContain('Candidates (K) must be 2, 3 or 4.');
    const broken = loadChatSettings(memoryStorage({ [SETTINGS_KEY]: '{not json' }));
    expect(broken.settings).toEqual(DEFAULT_CHAT_SETTINGS);
    expect(broken.warning).toContain(SETTINGS_KEY);
    expect(loadChatSettings(undefined)).toEqual({ settings: DEFAULT_CHAT_SETTINGS });
  });
});
