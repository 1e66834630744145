// config.json validation: every rejection names the field at fault.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  countParameters,
  innerSize,
  parameterShapes,
  validateConfig,
} from '../../src/model/config';
import { tinyConfig } from '../helpers/tiny';

/** The ConfigError `raw` is rejected with; fails the test when none is thrown. */
function rejection(raw: unknown): ConfigError {
  try {
    validateConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** The tiny config with some fields left out. */
function without(...fields: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...tinyConfig() };
  for (const f of fields) delete raw[f];
  return raw;
}

describe('validateConfig', () => {
  it('accepts the tiny config and fills defaults', () => {
    const c = validateConfig(without('bos_token_id', 'activation_function'));
    expect(c.activation_function).toBe('gelu_new');
    expect(c.bos_token_id).toBe(c.eos_token_id);
    expect(c.vocab_size).toBe(50);
  });

  it('keeps fields it does not use (a real GPT-2 config.json loads unchanged)', () => {
    const c = validateConfig({ ...tinyConfig(), architectures: ['GPT2LMHeadModel'] });
    expect(c.architectures).toEqual(['GPT2LMHeadModel']);
  });

  it.each([
    ['vocab_size', 0],
    ['n_positions', -1],
    ['n_embd', 16.5],
    ['n_layer', '2'],
    ['n_head', null],
  ])('rejects %s = %j naming the field', (field, value) => {
    const e = rejection({ ...tinyConfig(), [field]: value });
    expect(e.field).toBe(field);
    expect(e.message).toContain(`"${field}"`);
    expect(e.message).toContain('config.json');
  });

  it('rejects a missing size field naming it', () => {
    expect(rejection(without('n_layer')).field).toBe('n_layer');
  });

  it('rejects n_head that does not divide n_embd', () => {
    const e = rejection({ ...tinyConfig(), n_head: 3 });
    expect(e.field).toBe('n_head');
    expect(e.message).toContain('does not divide n_embd 16');
  });

  it('rejects another model_type and an unknown activation', () => {
    expect(rejection({ ...tinyConfig(), model_type: 'llama' }).field).toBe('model_type');
    expect(rejection({ ...tinyConfig(), activation_function: 'relu' }).field).toBe(
      'activation_function',
    );
  });

  it('rejects token ids outside the vocabulary and a missing eos_token_id', () => {
    expect(rejection({ ...tinyConfig(), eos_token_id: 50 }).field).toBe('eos_token_id');
    expect(rejection({ ...tinyConfig(), pad_token_id: -1 }).field).toBe('pad_token_id');
    expect(rejection({ ...tinyConfig(), bos_token_id: 1.5 }).field).toBe('bos_token_id');
    expect(rejection(without('eos_token_id')).field).toBe('eos_token_id');
  });

  it('rejects a non-positive layer_norm_epsilon and non-objects', () => {
    expect(rejection({ ...tinyConfig(), layer_norm_epsilon: 0 }).field).toBe('layer_norm_epsilon');
    expect(rejection([]).field).toBe('(root)');
    expect(rejection(null).field).toBe('(root)');
  });
});

describe('parameter shapes', () => {
  it('lists Hugging Face GPT-2 names with Conv1D [in, out] layouts', () => {
    const s = parameterShapes(validateConfig(tinyConfig()));
    expect(s.get('wte.weight')).toEqual([50, 16]);
    expect(s.get('wpe.weight')).toEqual([32, 16]);
    expect(s.get('h.1.attn.c_attn.weight')).toEqual([16, 48]);
    expect(s.get('h.0.mlp.c_fc.weight')).toEqual([16, 64]);
    expect(s.get('h.0.mlp.c_proj.weight')).toEqual([64, 16]);
    expect(s.has('h.2.ln_1.weight')).toBe(false);
    expect(s.size).toBe(2 + 2 * 12 + 2);
  });

  it('counts parameters by hand for the tiny config', () => {
    // wte 50·16 = 800, wpe 32·16 = 512, ln_f 32. Per block (d = 16, inner 64):
    // ln_1 32 + c_attn 16·48 + 48 = 816 + c_proj 16·16 + 16 = 272 + ln_2 32
    // + c_fc 16·64 + 64 = 1088 + mlp c_proj 64·16 + 16 = 1040 → 3280. Total 1344 + 2·3280.
    const c = validateConfig(tinyConfig());
    expect(innerSize(c)).toBe(64);
    expect(countParameters(c)).toBe(800 + 512 + 32 + 2 * 3280);
  });
});
