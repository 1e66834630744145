/**
 * Pre-trains the embedded default model: generates the dialogue corpus, trains a byte-level
 * BPE tokenizer on it, then trains a small GPT-2 with Adam on the wasm backend in Node.
 * Everything is seeded: the same command gives the same files.
 *
 *   npm run pretrain -- --steps 2400 --out public/models/thumbprint-tiny
 *
 * Writes model.safetensors, config.json, tokenizer.json, tokenizer_config.json,
 * generation_config.json and README.md (the model card) into --out, and a checkpoint
 * every --save-every steps so a long run can be stopped and still leave a usable model.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useWasmBackend } from './node-wasm';
import { generateCorpus, EVAL_PROMPTS } from './corpus';
import { toTokenizerJson, trainBPE } from './bpe';
import { TextTokenizer } from '../src/io/tokenizer';
import { writeSafetensors, readSafetensors } from '../src/io/safetensors';
import { GPT } from '../src/model/gpt';
import type { GPT2Config } from '../src/model/config';
import { countParameters } from '../src/model/config';
import { languageModelLoss } from '../src/model/logprobs';
import { generate } from '../src/model/generate';
import { seededRandom } from '../src/model/sampling';
import { CHAT_TEMPLATE, SPECIAL_TOKENS } from '../src/io/chat-template';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'public/models/thumbprint-tiny' },
    steps: { type: 'string', default: '2400' },
    dialogues: { type: 'string', default: '60000' },
    seed: { type: 'string', default: '1' },
    vocab: { type: 'string', default: '2048' },
    layers: { type: 'string', default: '4' },
    embd: { type: 'string', default: '128' },
    heads: { type: 'string', default: '4' },
    context: { type: 'string', default: '128' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '3e-3' },
    'save-every': { type: 'string', default: '200' },
    resume: { type: 'boolean', default: false },
  },
});
const n = (k: keyof typeof args) => Number(args[k]);
const out = args.out!;
const seed = n('seed');
mkdirSync(out, { recursive: true });
const started = Date.now();
const elapsed = () => ((Date.now() - started) / 60000).toFixed(1) + ' min';

// 1. Corpus: generated dialogues, 2 % held out for validation.
const corpus = generateCorpus(n('dialogues'), seed);
const nVal = Math.floor(corpus.length * 0.02);
const train = corpus.slice(nVal);
const val = corpus.slice(0, nVal);
console.log(`corpus: ${corpus.length} dialogues (${nVal} held out)`);

// 2. Tokenizer: byte-level BPE trained on the training split, special tokens appended.
const bpe = trainBPE(
  train.flatMap((d) => [d.prompt, d.response]),
  n('vocab') - SPECIAL_TOKENS.length,
);
const tokenizerJson = toTokenizerJson(bpe, SPECIAL_TOKENS);
const tokenizerConfig = {
  tokenizer_class: 'GPT2Tokenizer',
  eos_token: '<|endoftext|>',
  bos_token: '<|endoftext|>',
  pad_token: '<|pad|>',
  unk_token: null,
  model_max_length: n('context'),
  clean_up_tokenization_spaces: false,
  chat_template: CHAT_TEMPLATE,
};
writeFileSync(join(out, 'tokenizer.json'), JSON.stringify(tokenizerJson));
writeFileSync(join(out, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');
const tok = new TextTokenizer(tokenizerJson, tokenizerConfig);
console.log(`tokenizer: ${tok.vocabSize} tokens (${bpe.merges.length} merges)`);

// 3. Token windows: whole dialogues packed into rows of `context` tokens, each row starting
// at a dialogue's first token (as at inference), the rest padded and masked.
const T = n('context');
function pack(dialogues: typeof corpus): { ids: number[][]; mask: number[][] } {
  const ids: number[][] = [];
  const mask: number[][] = [];
  let row: number[] = [];
  const flush = () => {
    if (row.length === 0) return;
    mask.push([...row.map(() => 1), ...new Array(T - row.length).fill(0)]);
    ids.push([...row, ...new Array(T - row.length).fill(tok.padId)]);
    row = [];
  };
  for (const d of dialogues) {
    const seq = tok.applyChatTemplate(
      [
        { role: 'user', content: d.prompt },
        { role: 'assistant', content: d.response },
      ],
      false,
    );
    if (seq.length > T) continue;
    if (row.length + seq.length > T) flush();
    row.push(...seq);
  }
  flush();
  return { ids, mask };
}
const trainRows = pack(train);
const valRows = pack(val);
const realTokens = trainRows.mask.flat().reduce((a, b) => a + b, 0);
console.log(
  `rows: ${trainRows.ids.length} train (${realTokens} tokens), ${valRows.ids.length} val`,
);

// 4. Model.
await useWasmBackend();
const config: GPT2Config = {
  model_type: 'gpt2',
  architectures: ['GPT2LMHeadModel'],
  vocab_size: tok.vocabSize,
  n_positions: T,
  n_ctx: T,
  n_embd: n('embd'),
  n_layer: n('layers'),
  n_head: n('heads'),
  n_inner: null,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  resid_pdrop: 0,
  embd_pdrop: 0,
  attn_pdrop: 0,
  bos_token_id: tok.eosId,
  eos_token_id: tok.eosId,
  pad_token_id: tok.padId,
  tie_word_embeddings: true,
};
let model = GPT.init(config, seed);
let startStep = 0;
const ckptPath = join(out, 'model.safetensors');
if (args.resume && existsSync(ckptPath)) {
  const file = readSafetensors(readFileSync(ckptPath), ckptPath);
  model.dispose();
  model = GPT.fromTensors(config, file.tensors);
  startStep = Number(file.metadata.step ?? 0);
  console.log(`resumed at step ${startStep}`);
}
console.log(`model: ${countParameters(config)} parameters`);

// 5. Training: Adam, linear warm-up then cosine decay to 10 %.
const steps = n('steps');
const B = n('batch');
const lr0 = n('lr');
const warmup = Math.min(100, Math.floor(steps / 10));
const lrAt = (s: number) =>
  s < warmup
    ? (lr0 * (s + 1)) / warmup
    : lr0 * (0.1 + 0.45 * (1 + Math.cos((Math.PI * (s - warmup)) / (steps - warmup))));
const optimizer = tf.train.adam(lr0, 0.9, 0.95, 1e-8);
const rand = seededRandom(seed + 1000);
let order: number[] = [];
const nextBatch = () => {
  const rows: number[] = [];
  while (rows.length < B) {
    if (order.length === 0) {
      order = trainRows.ids.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    rows.push(order.pop()!);
  }
  return { ids: rows.map((i) => trainRows.ids[i]), mask: rows.map((i) => trainRows.mask[i]) };
};
// Skip batches already seen when resuming, so a resumed run sees the same data; their
// tokens still count towards the total the model card reports.
let skippedTokens = 0;
for (let s = 0; s < startStep; s++)
  skippedTokens += nextBatch()
    .mask.flat()
    .reduce((a, b) => a + b, 0);

async function validationLoss(): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < valRows.ids.length; i += B) {
    const ids = valRows.ids.slice(i, i + B);
    const mask = valRows.mask.slice(i, i + B);
    const l = languageModelLoss(model, ids, mask);
    const w = mask.flatMap((r) => r.slice(1)).reduce((a, b) => a + b, 0);
    sum += (await l.data())[0] * w;
    count += w;
    l.dispose();
  }
  return sum / count;
}

async function save(step: number, trainLoss: number, valLoss?: number) {
  const tensors = await model.toTensors();
  const meta: Record<string, string> = {
    format: 'pt',
    step: String(step),
    train_loss: trainLoss.toFixed(4),
  };
  if (valLoss !== undefined) meta.val_loss = valLoss.toFixed(4);
  writeFileSync(ckptPath, writeSafetensors(tensors, meta));
  writeFileSync(join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

let ema = NaN;
let tokensSeen = skippedTokens;
let windowStart = Date.now();
let windowTokens = 0;
for (let step = startStep; step < steps; step++) {
  (optimizer as unknown as { learningRate: number }).learningRate = lrAt(step);
  const { ids, mask } = nextBatch();
  const loss = optimizer.minimize(
    () => languageModelLoss(model, ids, mask),
    true,
    model.trainableVariables(),
  )!;
  const l = (await loss.data())[0];
  loss.dispose();
  if (!Number.isFinite(l)) throw new Error(`non-finite loss at step ${step}`);
  ema = Number.isNaN(ema) ? l : 0.95 * ema + 0.05 * l;
  const real = mask.flat().reduce((a, b) => a + b, 0);
  tokensSeen += real;
  windowTokens += real;
  if ((step + 1) % 20 === 0) {
    const tps = (windowTokens / (Date.now() - windowStart)) * 1000;
    console.log(
      `step ${step + 1}/${steps} loss ${ema.toFixed(3)} lr ${lrAt(step).toExponential(2)} ${tps.toFixed(0)} tok/s ${elapsed()}`,
    );
    windowStart = Date.now();
    windowTokens = 0;
  }
  if ((step + 1) % n('save-every') === 0 && step + 1 < steps) await save(step + 1, ema);
}

// 6. Final save, validation loss, samples for the model card.
const valLoss = await validationLoss();
await save(steps, ema, valLoss);
const samples: string[] = [];
for (const [i, prompt] of EVAL_PROMPTS.slice(0, 8).entries()) {
  const ids = tok.applyChatTemplate([{ role: 'user', content: prompt }]);
  const g = await generate(model, [ids, ids], {
    maxNewTokens: 60,
    temperature: 0.8,
    topK: 40,
    topP: 0.95,
    seed: i,
  });
  for (const t of g.tokens) samples.push(`- **${prompt}** → ${tok.decode(t)}`);
}
const minutes = (Date.now() - started) / 60000;
const card = modelCard({ valLoss, trainLoss: ema, minutes, tokensSeen, samples });
writeFileSync(join(out, 'README.md'), card);
writeFileSync(
  join(out, 'generation_config.json'),
  JSON.stringify(
    {
      eos_token_id: tok.eosId,
      pad_token_id: tok.padId,
      do_sample: true,
      temperature: 0.8,
      top_k: 40,
      top_p: 0.95,
      max_new_tokens: 60,
    },
    null,
    2,
  ) + '\n',
);
console.log(`done: val loss ${valLoss.toFixed(3)}, ${minutes.toFixed(1)} min`);
console.log(samples.join('\n'));

function modelCard(r: {
  valLoss: number;
  trainLoss: number;
  minutes: number;
  tokensSeen: number;
  samples: string[];
}) {
  const cmd = `npm run pretrain -- --steps ${steps} --dialogues ${args.dialogues} --seed ${seed} --vocab ${args.vocab} --layers ${args.layers} --embd ${args.embd} --heads ${args.heads} --context ${T} --batch ${B} --lr ${args.lr}`;
  return `# thumbprint-tiny

The embedded default dialogue model of Thumbprint: a GPT-2-architecture decoder small enough
to load in a second and to fine-tune with RLHF inside a browser tab.

| | |
|---|---|
| architecture | GPT-2 (pre-LayerNorm, learned positions, tied LM head), Hugging Face tensor names |
| parameters | ${countParameters(config).toLocaleString('en')} (${config.n_layer} layers, width ${config.n_embd}, ${config.n_head} heads, context ${T}) |
| tokenizer | byte-level BPE, ${tok.vocabSize} tokens, trained on the corpus below (\`tokenizer.json\`) |
| chat template | \`tokenizer_config.json\` → \`chat_template\`; a reply ends with \`<|endoftext|>\`, padding is \`<|pad|>\` |
| training | ${steps} steps × ${B} rows × ${T} tokens, Adam (β₂ 0.95), lr ${args.lr} with warm-up and cosine decay, ${r.tokensSeen.toLocaleString('en')} real tokens |
| final loss | train ${r.trainLoss.toFixed(3)} (moving average), validation ${r.valLoss.toFixed(3)} (nats per token) |
| time | ${r.minutes.toFixed(1)} min on the tfjs wasm backend in Node (one thread, 2-core machine)${startStep > 0 ? `, for steps ${startStep}–${steps} (resumed)` : ''} |

## Data and licence

The corpus is generated by \`scripts/corpus.ts\` (seed ${seed}, ${args.dialogues} dialogues): templated
everyday prompts on many topics with replies whose politeness, length, tone, helpfulness
and emoji vary independently, so that a rater's taste has something to choose between. It
contains no third-party text. Code, data and weights are released under the project's
licence.

## Limits

The model knows only its templates: replies are short, often generic and sometimes
wrong. It is a teaching and experimentation model for RLHF, not an assistant.

## Reproduce

    ${cmd}

Same command, same seed, same files (wasm backend, one thread).${
    startStep > 0
      ? `\n\nThese weights were made in two sittings: the run stopped after step ${startStep} and went on
with \`--resume\`, which reloads the weights and skips the batches already seen but starts
Adam's moment estimates afresh. A run without a break gives slightly different weights.`
      : ''
  }

## Samples (temperature 0.8, top-k 40, top-p 0.95)

${r.samples.join('\n')}
`;
}
