/**
 * Trains a byte-level BPE tokenizer (GPT-2's scheme) on a small corpus and writes it as a
 * Hugging Face `tokenizer.json`, which @huggingface/tokenizers then loads like any other.
 * Written here because no maintained npm package trains one offline; the result is read
 * back only through the library.
 */

/** GPT-2's reversible map from bytes to printable characters. */
export function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const map = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = keep.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return map;
}

/** GPT-2's pre-tokenisation pattern. */
export const GPT2_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface BPEResult {
  vocab: Record<string, number>;
  merges: string[];
}

/**
 * Learns merges until the vocabulary (256 bytes + merges) reaches `size`. Ties between
 * equally frequent pairs go to the lexicographically smaller pair, so training is
 * deterministic.
 */
export function trainBPE(texts: Iterable<string>, size: number): BPEResult {
  const byteChar = bytesToUnicode();
  const enc = new TextEncoder();
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(GPT2_PATTERN)) {
      counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
  }
  const words = [...counts].map(([w, n]) => ({
    symbols: [...enc.encode(w)].map((b) => byteChar[b]),
    n,
  }));
  const vocab: Record<string, number> = {};
  // Byte symbols in byte order, as GPT-2 (ids 0–255).
  for (let b = 0; b < 256; b++) vocab[byteChar[b]] = b;
  const merges: string[] = [];

  while (256 + merges.length < size) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = symbols[i] + ' ' + symbols[i + 1];
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best = '';
    let bestN = 1; // a pair seen once is not worth a token
    for (const [key, n] of pairs) {
      if (n > bestN || (n === bestN && best !== '' && key < best)) {
        best = key;
        bestN = n;
      }
    }
    if (best === '') break;
    const [a, b] = best.split(' ');
    const merged = a + b;
    merges.push(best);
    vocab[merged] = 256 + merges.length - 1;
    for (const w of words) {
      const s = w.symbols;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      w.symbols = out;
    }
  }
  return { vocab, merges };
}

/** A Hugging Face tokenizer.json for a byte-level BPE with special tokens appended. */
export function toTokenizerJson(bpe: BPEResult, specials: string[]): object {
  const vocab = { ...bpe.vocab };
  let next = Object.keys(vocab).length;
  const added = specials.map((content) => {
    vocab[content] = next;
    return {
      id: next++,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    };
  });
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: bpe.merges,
    },
  };
}
