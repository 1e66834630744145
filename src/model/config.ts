/**
 * The model's configuration, with Hugging Face GPT-2 `config.json` field names so that a
 * real GPT-2 checkpoint's config loads unchanged. Fields we do not use are kept as they are.
 */
export interface GPT2Config {
  model_type: 'gpt2';
  /** Number of tokens in the vocabulary (rows of `wte`). */
  vocab_size: number;
  /** Longest sequence the position embedding covers (rows of `wpe`). */
  n_positions: number;
  /** Width of the residual stream. */
  n_embd: number;
  /** Number of transformer blocks. */
  n_layer: number;
  /** Attention heads per block; must divide n_embd. */
  n_head: number;
  /** Width of the MLP's hidden layer; null means 4 × n_embd, as in GPT-2. */
  n_inner?: number | null;
  /** Only the tanh approximation GPT-2 uses is implemented. */
  activation_function?: 'gelu_new' | 'gelu_pytorch_tanh';
  layer_norm_epsilon: number;
  bos_token_id: number;
  eos_token_id: number;
  /** Padding id; must differ from eos_token_id so that a reply's end is never mistaken for padding. */
  pad_token_id?: number;
  [extra: string]: unknown;
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`config.json: field "${field}": ${message}`);
    this.name = 'ConfigError';
  }
}

const positiveInts = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head'] as const;

/** Checks a parsed config.json and returns it typed; throws a ConfigError naming the field. */
export function validateConfig(raw: unknown): GPT2Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('(root)', 'expected a JSON object');
  }
  const c = raw as Record<string, unknown>;
  if (c.model_type !== undefined && c.model_type !== 'gpt2') {
    throw new ConfigError('model_type', `"${String(c.model_type)}" is not supported; only "gpt2"`);
  }
  for (const f of positiveInts) {
    const v = c[f];
    if (!Number.isSafeInteger(v) || (v as number) <= 0) {
      throw new ConfigError(f, `must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  const nEmbd = c.n_embd as number;
  if (nEmbd % (c.n_head as number) !== 0) {
    throw new ConfigError('n_head', `${c.n_head} does not divide n_embd ${nEmbd}`);
  }
  const act = c.activation_function ?? 'gelu_new';
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new ConfigError('activation_function', `"${String(act)}" is not supported`);
  }
  const eps = c.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) {
    throw new ConfigError('layer_norm_epsilon', 'must be a positive number');
  }
  const vocab = c.vocab_size as number;
  for (const f of ['bos_token_id', 'eos_token_id', 'pad_token_id'] as const) {
    const v = c[f];
    if (v === undefined || v === null) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) >= vocab) {
      throw new ConfigError(f, `must be a token id in [0, ${vocab}), got ${JSON.stringify(v)}`);
    }
  }
  if (c.eos_token_id === undefined) throw new ConfigError('eos_token_id', 'is required');
  return {
    ...c,
    model_type: 'gpt2',
    activation_function: act,
    layer_norm_epsilon: eps,
    bos_token_id: (c.bos_token_id ?? c.eos_token_id) as number,
  } as GPT2Config;
}

export function innerSize(c: GPT2Config): number {
  return c.n_inner ?? 4 * c.n_embd;
}

/** Parameter names and shapes, exactly as Hugging Face GPT-2 stores them (Conv1D is [in, out]). */
export function parameterShapes(c: GPT2Config): Map<string, number[]> {
  const d = c.n_embd;
  const inner = innerSize(c);
  const shapes = new Map<string, number[]>([
    ['wte.weight', [c.vocab_size, d]],
    ['wpe.weight', [c.n_positions, d]],
  ]);
  for (let i = 0; i < c.n_layer; i++) {
    const p = `h.${i}.`;
    shapes.set(p + 'ln_1.weight', [d]);
    shapes.set(p + 'ln_1.bias', [d]);
    shapes.set(p + 'attn.c_attn.weight', [d, 3 * d]);
    shapes.set(p + 'attn.c_attn.bias', [3 * d]);
    shapes.set(p + 'attn.c_proj.weight', [d, d]);
    shapes.set(p + 'attn.c_proj.bias', [d]);
    shapes.set(p + 'ln_2.weight', [d]);
    shapes.set(p + 'ln_2.bias', [d]);
    shapes.set(p + 'mlp.c_fc.weight', [d, inner]);
    shapes.set(p + 'mlp.c_fc.bias', [inner]);
    shapes.set(p + 'mlp.c_proj.weight', [inner, d]);
    shapes.set(p + 'mlp.c_proj.bias', [d]);
  }
  shapes.set('ln_f.weight', [d]);
  shapes.set('ln_f.bias', [d]);
  return shapes;
}

export function countParameters(c: GPT2Config): number {
  let n = 0;
  for (const s of parameterShapes(c).values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}
