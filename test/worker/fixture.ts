/**
 * A tiny model folder in memory — config.json, tokenizer.json (a BPE trained here),
 * tokenizer_config.json with the chat template, model.safetensors — served through a
 * stubbed fetch, so the engine runs its real loading path in Node.
 */
import { vi } from 'vitest';
import { toTokenizerJson, trainBPE } from '../../scripts/bpe';
import { CHAT_TEMPLATE, SPECIAL_TOKENS } from '../../src/io/chat-template';
import { writeSafetensors } from '../../src/io/safetensors';
import { GPT } from '../../src/model/gpt';
import type { GPT2Config } from '../../src/model/config';

const TEXTS = ['hello there friend', 'how are you today', 'the weather is nice', 'thanks a lot'];

export async function tinyModelFolder(base = 'http://test.local/models/tiny/') {
  const tokenizerJson = toTokenizerJson(trainBPE(TEXTS, 300), SPECIAL_TOKENS) as {
    added_tokens: { id: number; content: string }[];
  };
  const vocab = 300 + SPECIAL_TOKENS.length;
  const id = (t: string) => tokenizerJson.added_tokens.find((a) => a.content === t)!.id;
  const config: GPT2Config = {
    model_type: 'gpt2',
    vocab_size: vocab,
    n_positions: 48,
    n_embd: 16,
    n_layer: 2,
    n_head: 2,
    layer_norm_epsilon: 1e-5,
    bos_token_id: id('<|endoftext|>'),
    eos_token_id: id('<|endoftext|>'),
    pad_token_id: id('<|pad|>'),
  };
  const model = GPT.init(config, 3);
  const weights = writeSafetensors(await model.toTensors());
  model.dispose();
  const files: Record<string, string | Uint8Array> = {
    'config.json': JSON.stringify(config),
    'tokenizer.json': JSON.stringify(tokenizerJson),
    'tokenizer_config.json': JSON.stringify({
      eos_token: '<|endoftext|>',
      pad_token: '<|pad|>',
      chat_template: CHAT_TEMPLATE,
    }),
    'model.safetensors': weights,
  };
  const fetchStub = vi.fn(async (url: string | URL) => {
    const name = String(url).slice(base.length);
    const body = files[name];
    if (body === undefined) return new Response('not found', { status: 404 });
    const headers: Record<string, string> =
      typeof body === 'string' ? {} : { 'content-length': String(body.byteLength) };
    return new Response(body as BodyInit, { status: 200, headers });
  });
  return { base, config, files, fetchStub };
}
