/**
 * The tokenizer: a Hugging Face `tokenizer.json` (byte-level BPE) run by
 * @huggingface/tokenizers, plus the chat template from `tokenizer_config.json`
 * (Hugging Face `chat_template`, a Jinja string) run by @huggingface/jinja.
 *
 * User text never turns into special tokens: the template is rendered with placeholders
 * in place of message contents, and each content is encoded by a second tokenizer built
 * from the same file without its added (special) tokens.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';

import type { Message } from './formats/types';

/** One turn of a conversation: the same type the dataset formats read and write. */
export type ChatMessage = Message;

export interface TokenizerConfig {
  chat_template?: string;
  eos_token?: string;
  pad_token?: string;
  bos_token?: string;
  clean_up_tokenization_spaces?: boolean;
  [extra: string]: unknown;
}

export class TokenizerError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
    this.name = 'TokenizerError';
  }
}

// Placeholders cannot occur in real text: U+0000 is stripped from contents first.
const HOLE = '\u0000';
// eslint-disable-next-line no-control-regex -- U+0000 is the placeholder, on purpose
const holeRe = /\u0000(\d+)\u0000/;

export class TextTokenizer {
  private readonly full: Tokenizer;
  private readonly plain: Tokenizer;
  private readonly template?: Template;
  readonly eosToken: string;
  readonly eosId: number;
  readonly padId: number;
  readonly vocabSize: number;

  constructor(json: unknown, config: TokenizerConfig = {}, source = 'tokenizer.json') {
    if (typeof json !== 'object' || json === null || !('model' in json)) {
      throw new TokenizerError(source, 'not a Hugging Face tokenizer.json (no "model" field)');
    }
    const cfg = { clean_up_tokenization_spaces: false, ...config };
    try {
      this.full = new Tokenizer(json, cfg);
      this.plain = new Tokenizer({ ...(json as object), added_tokens: [] }, cfg);
    } catch (e) {
      throw new TokenizerError(source, `could not be loaded: ${(e as Error).message}`);
    }
    this.eosToken = config.eos_token ?? '<|endoftext|>';
    const eos = this.full.token_to_id(this.eosToken);
    if (eos === undefined) throw new TokenizerError(source, `has no eos token "${this.eosToken}"`);
    this.eosId = eos;
    this.padId = (config.pad_token ? this.full.token_to_id(config.pad_token) : undefined) ?? eos;
    this.vocabSize = this.full.get_vocab(true).size;
    if (config.chat_template) {
      try {
        this.template = new Template(config.chat_template);
      } catch (e) {
        throw new TokenizerError('tokenizer_config.json', `chat_template: ${(e as Error).message}`);
      }
    }
  }

  /** Plain text to ids; text that spells a special token stays ordinary text. */
  encode(text: string): number[] {
    return this.plain.encode(text, { add_special_tokens: false }).ids;
  }

  /** Ids to text; special tokens are dropped unless asked for. */
  decode(ids: number[], keepSpecial = false): string {
    // The library throws on an empty list; an empty response is ordinary (EOS stripped).
    if (ids.length === 0) return '';
    return this.full.decode(ids, {
      skip_special_tokens: !keepSpecial,
      clean_up_tokenization_spaces: false,
    });
  }

  /**
   * Text of a reply still being streamed: a character whose bytes are split across tokens is
   * held back (the decoder would show U+FFFD) until its last byte arrives.
   */
  decodeStreaming(ids: number[]): string {
    return this.decode(ids).replace(/\uFFFD+$/, '');
  }

  idOf(token: string): number | undefined {
    return this.full.token_to_id(token);
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  /** Renders a conversation through the chat template and encodes it. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt = true): number[] {
    if (!this.template) throw new TokenizerError('tokenizer_config.json', 'has no chat_template');
    const contents = messages.map((m) => m.content.replaceAll(HOLE, ''));
    const rendered = this.template.render({
      messages: messages.map((m, i) => ({ role: m.role, content: `${HOLE}${i}${HOLE}` })),
      add_generation_prompt: addGenerationPrompt,
      eos_token: this.eosToken,
      bos_token: this.eosToken,
    });
    const ids: number[] = [];
    // Template text may hold special tokens; contents are encoded as plain text.
    for (const [k, part] of rendered.split(holeRe).entries()) {
      if (part === '') continue;
      ids.push(
        ...(k % 2 === 1
          ? this.encode(contents[Number(part)])
          : this.full.encode(part, { add_special_tokens: false }).ids),
      );
    }
    return ids;
  }
}
