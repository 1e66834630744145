/**
 * The peer: @genai-fi/nanogpt, a TF.js GPT trainer for the browser. It trains a model of our
 * embedded model's size on the same token ids as ours, on the same backend, in the same
 * Chromium run, and we compare training tokens/s.
 *
 * The peer bundles its own copy of tfjs-core and backends (cpu, webgl, and a patched
 * webgpu; no wasm), so it runs on a page of its own that never loads our TF.js: two copies
 * in one page would share one engine and overwrite each other's kernels. This module
 * therefore imports no TF.js; the peer is loaded with a dynamic import only when asked for.
 *
 * The closest the peer's API comes to our model: NanoGPTV1 with learned position embeddings
 * (useRope false), 4 layers, width 128, 4 heads, MLP ×4, vocabulary 2048, context 128, tied
 * LM head. It differs in using RMSNorm and no linear biases; the parameter counts are reported.
 */
import pkg from '../../package.json';
import { TextTokenizer, type TokenizerConfig } from '../io/tokenizer';
import { type GPT2Config, validateConfig } from '../model/config';

/** A fixed English text, tokenized by our tokenizer, is the training data of both models. */
export const PEER_TEXT =
  'A small language model learns from whatever it is shown. Give it a few thousand lines ' +
  'about the weather, a garden, or a train that runs late, and it starts to guess the next ' +
  'word with some skill. The guesses are rough at first: it repeats itself, it forgets who ' +
  'is speaking, and it ends a sentence in the middle of a thought. After more steps the ' +
  'replies become shorter and more certain. People then rate the replies, a reward model ' +
  'learns what they liked, and the policy is nudged toward replies that score well while a ' +
  'frozen copy keeps it from drifting too far. All of this runs in one tab of a browser, ' +
  'on whatever the machine offers: a graphics card, a few CPU cores, or both.';

/**
 * `rows` rows of `T` token ids cut from the tokenized text, read cyclically: row k holds
 * tokens k·T … k·T + T − 1 of the endless repetition. Both models train on exactly these rows.
 */
export function fixedTokenRows(textIds: number[], rows: number, T: number): number[][] {
  if (textIds.length === 0) throw new Error('src/bench/peer.ts fixedTokenRows(): no token ids');
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: T }, (_, t) => textIds[(r * T + t) % textIds.length]),
  );
}

/**
 * The peer's training data: its loader cuts windows of T tokens at multiples of T (inputs)
 * and the same shifted by one (targets). Laying our rows end to end `steps` times, plus one
 * closing token, makes every window one of our rows and gives exactly `steps` batches.
 */
export function peerTokenStream(rows: number[][], steps: number): Uint16Array {
  const flat = Array.from({ length: steps }, () => rows.flat()).flat();
  flat.push(rows[0][0]);
  return Uint16Array.from(flat);
}

/**
 * The model's config and `batch` rows of n_positions token ids of PEER_TEXT, tokenized by
 * the model's own tokenizer. Fetches the files itself: model/load.ts would bring TF.js in.
 */
export async function loadPeerInputs(
  modelUrl: string,
  batch: number,
): Promise<{ config: GPT2Config; rows: number[][] }> {
  const base = modelUrl.endsWith('/') ? modelUrl : modelUrl + '/';
  const get = async (file: string) => {
    const res = await fetch(base + file);
    if (!res.ok) throw new Error(`src/bench/peer.ts: HTTP ${res.status} for ${base + file}`);
    return res.json();
  };
  const [config, json, tokenizerConfig] = await Promise.all([
    get('config.json').then(validateConfig),
    get('tokenizer.json'),
    get('tokenizer_config.json').catch(() => ({})),
  ]);
  const tokenizer = new TextTokenizer(json, tokenizerConfig as TokenizerConfig);
  return { config, rows: fixedTokenRows(tokenizer.encode(PEER_TEXT), batch, config.n_positions) };
}

export interface PeerResult {
  backend: string;
  library: string;
  /** The peer's model configuration, as it reads it. */
  config: Record<string, unknown>;
  parameters: number;
  batch: number;
  T: number;
  /** Timed steps (after `warmup` untimed ones). */
  steps: number;
  warmup: number;
  /** Milliseconds per training step and training tokens/s (B·T per step), timed steps only. */
  stepMs: number;
  tokensPerSecond: number;
  /** The loss of the first and last step, to show that it trained. */
  loss: [number, number];
}

export const PEER_BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;

type PeerBackend = (typeof PEER_BACKENDS)[number];

/**
 * Trains the peer on `rows` (B × T token ids) through its public training API, `warmup` +
 * `steps` steps of batch B, and reads per-step times from its training log (it logs every
 * step when logInterval is 1 ms, reading the loss back each time, as our measurement does).
 */
export async function runPeerBench(o: {
  backend: string;
  config: GPT2Config;
  rows: number[][];
  steps: number;
  warmup?: number;
  log?: (s: string) => void;
}): Promise<PeerResult> {
  const log = o.log ?? (() => {});
  const warmup = o.warmup ?? 1;
  if (!(PEER_BACKENDS as readonly string[]).includes(o.backend)) {
    throw new Error(
      `@genai-fi/nanogpt runs on ${PEER_BACKENDS.join(', ')} only (it bundles no wasm ` +
        `backend); not measured on ${o.backend}`,
    );
  }
  const nano = await import('@genai-fi/nanogpt');
  await nano.TeachableLLM.selectBackend(o.backend as PeerBackend);
  const B = o.rows.length;
  const T = o.rows[0].length;
  const config = {
    modelType: 'GenAI_NanoGPT_v1' as const,
    vocabSize: o.config.vocab_size,
    blockSize: T,
    nLayer: o.config.n_layer,
    nHead: o.config.n_head,
    nEmbed: o.config.n_embd,
    mlpFactor: 4,
    useRope: false,
  };
  const model = new nano.models.NanoGPTV1(config);
  const llm = new nano.TeachableLLM(new nano.tokenise.CharTokeniser(config.vocabSize), model);
  const total = warmup + o.steps;
  try {
    const done = new Promise<void>((resolve, reject) => {
      llm.training.on('completed', () => resolve());
      llm.training.on('error', (_id, e) => reject(e));
    });
    const job = await llm.training.job(
      {
        method: { type: 'pretraining' },
        batchSize: B,
        maxEpochs: 1,
        logInterval: 1,
        learningRate: 1e-4,
        // Adam as ours: no warm-up of the rate, no weight decay.
        warmupSteps: 0,
        weightDecay: 0,
      },
      [peerTokenStream(o.rows, total)],
      [{ id: 'bench', name: 'bench', conversational: false }],
    );
    await done;
    const history = job.history ?? [];
    if (history.length < total) {
      throw new Error(`the peer logged ${history.length} of ${total} steps; cannot time them`);
    }
    // Each log entry: time since the previous one (ms) and tokens trained so far.
    const timed = history.slice(history.length - o.steps);
    const before = history[history.length - o.steps - 1].totalTokens;
    const tokens = timed[timed.length - 1].totalTokens - before;
    const ms = timed.reduce((s, e) => s + e.time, 0);
    log(`peer: ${((tokens / ms) * 1000).toFixed(1)} tok/s`);
    return {
      backend: o.backend,
      library: `@genai-fi/nanogpt ${pkg.devDependencies['@genai-fi/nanogpt']}`,
      config: { ...config },
      parameters: model.getNumParams(),
      batch: B,
      T,
      steps: o.steps,
      warmup,
      stepMs: ms / o.steps,
      tokensPerSecond: (tokens / ms) * 1000,
      loss: [history[0].trainingMetrics.loss, history[history.length - 1].trainingMetrics.loss],
    };
  } finally {
    llm.dispose();
  }
}
