// End to end: a simulated rater that prefers polite responses → a reward model that learns its
// taste (held-out pair accuracy ≥ 0.9) → PPO that makes the policy polite more often on fixed
// evaluation prompts (at least twice the starting rate, or ≥ 80 %), with the KL to the
// reference model below twice its target.
//
// The policy is a tiny GPT pre-trained here, in a few hundred steps, on a toy chat corpus whose
// responses open politely 30 % of the time, plainly 55 % and rudely 15 %, so the base rate of
// the property is measurable and the rater's rankings have up to three levels. Runs on the wasm
// backend; set THUMBPRINT_LOG=1 to print the measured numbers.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toTokenizerJson, trainBPE } from '../../scripts/bpe';
import { seededRandom } from '../../src/model/sampling';
import { useWasmBackend } from '../../scripts/node-wasm';
import { CHAT_TEMPLATE, SPECIAL_TOKENS } from '../../src/io/chat-template';
import { TextTokenizer } from '../../src/io/tokenizer';
import { generate } from '../../src/model/generate';
import { GPT } from '../../src/model/gpt';
import { languageModelLoss } from '../../src/model/logprobs';
import { PPOTrainer } from '../../src/rl/ppo';
import { SimulatedRater } from '../../src/rl/rater';
import { type RankingIds, RewardModel, RewardTrainer } from '../../src/rl/reward';

/** Pre-training steps of 32 rows at lr 5e-3: enough for the corpus's style mix (loss ≈ 0.6). */
const PRETRAIN_STEPS = 150;
/** PPO iterations of 32 rollouts. */
const PPO_STEPS = 20;

const log = (...a: unknown[]) => {
  if (process.env.THUMBPRINT_LOG) console.info(...a);
};

// ---------------------------------------------------------------------------------------------
// The toy corpus.

const TEMPLATES = [
  'Tell me about {x}.',
  'What do you think of {x}?',
  'Any tips on {x}?',
  'Why do people like {x}?',
];
const SUBJECTS = [
  'cats',
  'tea',
  'rain',
  'music',
  'books',
  'bikes',
  'pasta',
  'chess',
  'trains',
  'stars',
  'bread',
  'snow',
];
const BODIES = ['{x} are nice.', 'I like {x} a lot.', '{x} can be fun.', 'People enjoy {x}.'];
const POLITE = ['Happy to help!', 'Thanks for asking!', 'Good question!'];
const RUDE = ['Ugh, fine.', 'Seriously?', 'Whatever.'];
const PLAIN = ['Okay.', 'Well.', ''];

const fill = (t: string, x: string) => {
  const s = t.replaceAll('{x}', x);
  return s[0].toUpperCase() + s.slice(1);
};
const allPrompts = TEMPLATES.flatMap((t) => SUBJECTS.map((x) => ({ text: fill(t, x), x })));
// Every sixth (template, subject) combination is kept out of training for evaluation.
const evalPrompts = allPrompts.filter((_, i) => i % 6 === 0);
const trainPrompts = allPrompts.filter((_, i) => i % 6 !== 0);

function corpus(count: number, seed: number): { prompt: string; response: string }[] {
  const rng = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)];
  return Array.from({ length: count }, () => {
    const p = pick(trainPrompts);
    const u = rng();
    const opener = pick(u < 0.3 ? POLITE : u < 0.85 ? PLAIN : RUDE);
    const body = fill(pick(BODIES), p.x);
    return { prompt: p.text, response: opener ? `${opener} ${body}` : body };
  });
}

// ---------------------------------------------------------------------------------------------
// Set-up: tokenizer, tiny model, pre-training.

let tok: TextTokenizer;
let policy: GPT;
const rater = new SimulatedRater({ kind: 'prefers-polite' }, 1);
const encodePrompt = (text: string) => tok.applyChatTemplate([{ role: 'user', content: text }]);

beforeAll(async () => {
  await useWasmBackend();
  const data = corpus(3000, 1);
  const bpe = trainBPE(
    data.flatMap((d) => [d.prompt, d.response]),
    400 - SPECIAL_TOKENS.length,
  );
  tok = new TextTokenizer(toTokenizerJson(bpe, SPECIAL_TOKENS), {
    eos_token: '<|endoftext|>',
    pad_token: '<|pad|>',
    chat_template: CHAT_TEMPLATE,
  });
  policy = GPT.init(
    {
      model_type: 'gpt2',
      vocab_size: tok.vocabSize,
      n_positions: 48,
      n_embd: 64,
      n_layer: 2,
      n_head: 4,
      layer_norm_epsilon: 1e-5,
      bos_token_id: tok.eosId,
      eos_token_id: tok.eosId,
      pad_token_id: tok.padId,
    },
    1,
  );

  // Pre-training: one dialogue per row, padded on the right.
  const rows = data.map((d) =>
    tok.applyChatTemplate(
      [
        { role: 'user', content: d.prompt },
        { role: 'assistant', content: d.response },
      ],
      false,
    ),
  );
  const width = Math.max(...rows.map((r) => r.length));
  const optimizer = tf.train.adam(5e-3, 0.9, 0.95, 1e-8);
  const started = performance.now();
  let loss = NaN;
  for (let s = 0; s < PRETRAIN_STEPS; s++) {
    const batch = rows.slice((s * 32) % rows.length, ((s * 32) % rows.length) + 32);
    const ids = batch.map((r) => [...r, ...new Array(width - r.length).fill(tok.padId)]);
    const mask = batch.map((r) => [...r.map(() => 1), ...new Array(width - r.length).fill(0)]);
    const l = optimizer.minimize(
      () => languageModelLoss(policy, ids, mask),
      true,
      policy.trainableVariables(),
    )!;
    loss = (await l.data())[0];
    l.dispose();
  }
  optimizer.dispose();
  log(
    `pre-training: ${PRETRAIN_STEPS} steps, loss ${loss.toFixed(3)}, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}, 300_000);

afterAll(() => policy?.dispose());

/** Share of responses the rater finds polite: 16 samples for each evaluation prompt. */
async function politeRate(model: GPT, seed: number): Promise<number> {
  const prompts = evalPrompts.flatMap((p) => new Array(16).fill(encodePrompt(p.text)));
  const g = await generate(model, prompts, {
    temperature: 1,
    topK: 0,
    topP: 1,
    maxNewTokens: 16,
    seed,
  });
  return g.tokens.filter((t) => rater.rate(tok.decode(t)) > 0).length / prompts.length;
}

it('learns a simulated rater’s taste: reward model, then PPO', async () => {
  const before = await politeRate(policy, 100);
  log(`polite rate before PPO: ${(before * 100).toFixed(1)} %`);
  expect(before).toBeGreaterThan(0.1);
  expect(before).toBeLessThan(0.5);

  // 1. Preference data: four responses per training prompt from the policy, three times, ranked
  // by the rater; one response per distinct rating, so rankings hold no ties.
  const rankings: RankingIds[] = [];
  for (const seed of [1, 2, 3]) {
    const prompts = trainPrompts.flatMap((p) => new Array(4).fill(encodePrompt(p.text)));
    const g = await generate(policy, prompts, {
      temperature: 1,
      topK: 0,
      topP: 1,
      maxNewTokens: 16,
      seed,
    });
    for (let i = 0; i < prompts.length; i += 4) {
      const candidates = g.tokens.slice(i, i + 4);
      const order = rater.strictRanking(candidates.map((t) => tok.decode(t)));
      if (order.length >= 2)
        rankings.push({ prompt: prompts[i], responses: order.map((k) => candidates[k]) });
    }
  }

  // 2. Reward model from the policy checkpoint; held-out accuracy by prompt.
  const rm = RewardModel.fromPolicy(policy, 3);
  const rmTrainer = new RewardTrainer(
    rm,
    { rankings },
    { learningRate: 1e-3, batchSize: 8, epochs: 4, evalFraction: 0.25, seed: 2 },
  );
  const rmStarted = performance.now();
  let accuracy = NaN;
  while (!rmTrainer.done) {
    const r = await rmTrainer.step();
    if (r.metrics['eval/accuracy'] !== undefined) accuracy = r.metrics['eval/accuracy'];
    log(`reward step ${r.step}/${r.totalSteps}`, JSON.stringify(r.metrics));
  }
  log(
    `reward model: ${rmTrainer.train.length} train / ${rmTrainer.heldOut.length} held-out ` +
      `rankings, ` +
      `accuracy ${accuracy.toFixed(3)}, ${((performance.now() - rmStarted) / 1000).toFixed(1)} s`,
  );
  expect(accuracy).toBeGreaterThanOrEqual(0.9);

  // 3. Calibrate on reference samples: rewards of the reference policy get mean 0, std 1.
  const refPrompts = trainPrompts.map((p) => encodePrompt(p.text));
  const ref = await generate(policy, refPrompts, {
    temperature: 1,
    topK: 0,
    topP: 1,
    maxNewTokens: 16,
    seed: 9,
  });
  await rm.calibrate(refPrompts, ref.tokens);

  // 4. PPO against the reward model.
  const target = 3;
  const ppo = new PPOTrainer({
    policy,
    reward: rm,
    prompts: refPrompts,
    config: {
      learningRate: 3e-4,
      totalSteps: PPO_STEPS,
      batchSize: 32,
      miniBatches: 2,
      ppoEpochs: 4,
      maxNewTokens: 16,
      temperature: 1,
      klCoef: 0.05,
      adaptiveKL: { target, horizon: 320 },
      seed: 4,
      debugChecks: true, // sampler and teacher-forced log-probs agree within 1e-3
    },
  });
  const kls: number[] = [];
  const stepMs: number[] = [];
  for (let s = 0; s < PPO_STEPS; s++) {
    const r = await ppo.step();
    expect(r.notice).toBeUndefined();
    kls.push(r.metrics['objective/kl']);
    stepMs.push(r.metrics['time/rollout_ms'] + r.metrics['time/update_ms']);
    log(`ppo step ${r.step}`, JSON.stringify(r.metrics));
  }
  const after = await politeRate(policy, 100);
  const finalKl = kls.slice(-5).reduce((a, b) => a + b, 0) / 5;
  const meanKl = kls.reduce((a, b) => a + b, 0) / kls.length;
  const msPerStep = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
  log(
    `polite rate ${(before * 100).toFixed(1)} % → ${(after * 100).toFixed(1)} %, ` +
      `KL (last 5 steps) ${finalKl.toFixed(3)}, mean ${meanKl.toFixed(3)} (target ${target}), ` +
      `β ${ppo.beta.toFixed(4)}, ` +
      `${msPerStep.toFixed(0)} ms per PPO step`,
  );
  expect(after >= 2 * before || after >= 0.8).toBe(true);
  expect(finalKl).toBeLessThan(2 * target);
  expect(meanKl).toBeLessThan(2 * target);

  ppo.dispose();
  rmTrainer.dispose();
  rm.dispose();
}, 600_000);
