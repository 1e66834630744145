/**
 * Loads a model folder laid out as on the Hugging Face Hub: config.json, tokenizer.json,
 * tokenizer_config.json and model.safetensors. Weights stream in with byte progress.
 */
import { readSafetensors, type TensorRecord } from '../io/safetensors';
import { TextTokenizer, type TokenizerConfig } from '../io/tokenizer';
import { CHAT_TEMPLATE } from '../io/chat-template';
import { GPT } from './gpt';
import { validateConfig, type GPT2Config } from './config';

export interface ModelFiles {
  config: GPT2Config;
  tokenizerJson: unknown;
  tokenizerConfig: TokenizerConfig;
  /** The safetensors bytes, kept so the base model can be cached as a checkpoint. */
  weights: ArrayBuffer;
}

export type LoadProgress = (loaded: number, total: number, file: string) => void;

async function fetchJson(url: string, file: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status} from ${url}`);
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Reads a response body with progress; total from Content-Length when the server sends it. */
async function fetchBytes(
  url: string,
  file: string,
  onProgress?: LoadProgress,
): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status} from ${url}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) return res.arrayBuffer();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.(loaded, Math.max(total, loaded), file);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}

/** Fetches every file of a model folder (URL ending in '/'). */
export async function fetchModelFiles(
  baseUrl: string,
  onProgress?: LoadProgress,
): Promise<ModelFiles> {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  const [config, tokenizerJson, tokenizerConfig] = await Promise.all([
    fetchJson(base + 'config.json', 'config.json'),
    fetchJson(base + 'tokenizer.json', 'tokenizer.json'),
    fetchJson(base + 'tokenizer_config.json', 'tokenizer_config.json').catch(() => ({})),
  ]);
  const weights = await fetchBytes(base + 'model.safetensors', 'model.safetensors', onProgress);
  return {
    config: validateConfig(config),
    tokenizerJson,
    tokenizerConfig: tokenizerConfig as TokenizerConfig,
    weights,
  };
}

export function makeTokenizer(
  files: Pick<ModelFiles, 'tokenizerJson' | 'tokenizerConfig'>,
): TextTokenizer {
  // A model without a chat template gets ours, so that chat still works.
  const cfg = { chat_template: CHAT_TEMPLATE, ...files.tokenizerConfig };
  return new TextTokenizer(files.tokenizerJson, cfg);
}

/** Decodes safetensors bytes into a model (validated before anything large is allocated). */
export function modelFromWeights(
  config: GPT2Config,
  weights: ArrayBuffer,
): {
  model: GPT;
  extra: Map<string, TensorRecord>;
} {
  const file = readSafetensors(weights, 'model.safetensors');
  const model = GPT.fromTensors(config, file.tensors);
  // Tensors the trunk does not use (value or reward heads) are handed back.
  const used = new Set(model.params.keys());
  const extra = new Map(
    [...file.tensors].filter(([k]) => !used.has(k) && !used.has(k.replace(/^transformer\./, ''))),
  );
  return { model, extra };
}
