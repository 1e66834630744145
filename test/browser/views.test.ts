// The data, train and compare views mounted in real Chromium, with a real IndexedDB store and
// a fake engine (no model): what they show, and what they write and send when used.
import { deleteDB } from 'idb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteCheckpoint, saveCheckpoint } from '../../src/store/checkpoints';
import { openStore, type Store } from '../../src/store/db';
import { addFeedback, listFeedback, saveCandidates } from '../../src/store/feedback';
import { clearAll } from '../../src/store/db';
import { EVAL_PROMPTS } from '../../src/rl/eval-prompts';
import '../../src/ui/compare-view';
import '../../src/ui/data-view';
import type { TpMetricChart } from '../../src/ui/metric-chart';
import '../../src/ui/metric-chart';
import { setServices } from '../../src/ui/services';
import '../../src/ui/train-view';
import '../../src/ui/train-runs';
import type { EngineClient } from '../../src/worker/client';
import type { ProgressReport, SamplingRequest } from '../../src/worker/protocol';

const DB = `thumbprint-views-${Date.now()}`;
let store: Store;

/** The first match of `selector` in `root` or in any shadow root below it. */
function find<T extends Element = HTMLElement>(root: ParentNode, selector: string): T | null {
  const hit = root.querySelector<T>(selector);
  if (hit) return hit;
  for (const el of root.querySelectorAll('*')) {
    const inner = el.shadowRoot ? find<T>(el.shadowRoot, selector) : null;
    if (inner) return inner;
  }
  return null;
}

function findAll(root: ParentNode, selector: string): HTMLElement[] {
  const out = [...root.querySelectorAll<HTMLElement>(selector)];
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) out.push(...findAll(el.shadowRoot, selector));
  }
  return out;
}

function text(root: ParentNode, testId: string): string {
  return find(root, `[data-testid="${testId}"]`)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
}

function mount<K extends keyof HTMLElementTagNameMap>(tag: K): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  document.body.append(el);
  return el;
}

/** Train calls the test drives by hand: progress reports, then the result. */
const trainCalls: {
  kind: string;
  config: Record<string, unknown>;
  onProgress: (r: ProgressReport) => void;
  resolve: (v: { runId: string; status: 'done' | 'stopped' | 'failed' }) => void;
}[] = [];
const generateCalls: { checkpointId?: string; seed?: number; prompt: string }[] = [];

const engine = {
  train: vi.fn(
    (kind: string, config: Record<string, unknown>, onProgress: (r: ProgressReport) => void) =>
      new Promise((resolve) => trainCalls.push({ kind, config, onProgress, resolve })),
  ),
  control: vi.fn(async () => ({ ok: true as const })),
  useCheckpoint: vi.fn(async (checkpointId: string) => ({ checkpointId })),
  /** Reward −0.5 for a reference response, 0.25 for a checkpoint's (texts say which). */
  score: vi.fn(async (_messages: unknown, responses: string[]) =>
    responses.map((r) => (r.startsWith('reference:') ? -0.5 : 0.25)),
  ),
  generate(
    messages: { content: string }[],
    _n: number,
    sampling: SamplingRequest,
    _onTokens?: unknown,
    checkpointId?: string,
  ) {
    generateCalls.push({ checkpointId, seed: sampling.seed, prompt: messages[0].content });
    const candidate = {
      text: `${checkpointId}: ${messages[0].content}`,
      tokenIds: [],
      logprobs: [],
      finished: true,
    };
    return {
      done: Promise.resolve({
        candidates: [candidate],
        checkpointId: checkpointId ?? 'reference',
        elapsedMs: 1,
      }),
      cancel: () => {},
    };
  },
};

beforeAll(async () => {
  store = await openStore(DB);
  setServices({ engine: engine as unknown as EngineClient, store, modelUrl: '' });
});

afterAll(async () => {
  document.body.replaceChildren();
  store.close();
  await deleteDB(DB);
});

/** A prompt with three responses: a person preferred 1 over 2; the simulated rater gave
 *  response 3 a thumbs up and response 2 a thumbs down. */
async function seed() {
  await clearAll(store);
  const { prompt, samples } = await saveCandidates(
    store,
    { conversationId: 'c1', text: 'Hi', source: 'user' },
    ['Hello!', 'Go away.', 'Hi there!'].map((t) => ({
      text: t,
      tokenIds: [],
      checkpointId: 'reference',
      sampling: null,
    })),
  );
  const [s1, s2, s3] = samples.map((s) => s.id);
  const base = { promptId: prompt.id };
  await addFeedback(store, {
    ...base,
    kind: 'pairwise',
    a: s1,
    b: s2,
    choice: 'a',
    shownOrder: [s1, s2],
    synthetic: false,
  });
  await addFeedback(store, {
    ...base,
    kind: 'rating',
    sampleId: s3,
    value: 1,
    reasons: [],
    synthetic: true,
  });
  await addFeedback(store, {
    ...base,
    kind: 'rating',
    sampleId: s2,
    value: -1,
    reasons: [],
    synthetic: true,
  });
}

describe('<tp-data-view>', () => {
  it('counts events by kind and what they derive, and edits or deletes them', async () => {
    await seed();
    const view = mount('tp-data-view');
    const root = view.shadowRoot!;
    // 3 events: 1 pairwise + 2 ratings (both synthetic); pairs: the pairwise one, plus
    // thumbs up (3) × thumbs down (2) = 2; unpaired examples: one per rating = 2.
    await vi.waitFor(() => expect(text(root, 'data-count')).toBe('3'));
    expect(text(root, 'count-rating')).toBe('2');
    expect(text(root, 'count-pairwise')).toBe('1');
    expect(text(root, 'count-synthetic')).toBe('2');
    expect(text(root, 'derived-pairs')).toBe('2');
    expect(text(root, 'derived-unpaired')).toBe('2');
    await vi.waitFor(() => expect(findAll(root, '[data-testid="flip-rating"]')).toHaveLength(2));
    expect(findAll(root, '.badge.synthetic').length).toBeGreaterThanOrEqual(2);

    // Flip response 3 to thumbs down: no thumbs up is left, so only the pairwise pair stays.
    findAll(root, '[data-testid="flip-rating"]')[0].click();
    await vi.waitFor(() => expect(text(root, 'derived-pairs')).toBe('1'));
    const ratings = await listFeedback(store, { kind: 'rating' });
    expect(ratings.map((r) => (r.kind === 'rating' ? r.value : 0))).toEqual([-1, -1]);

    // A tie makes no pair.
    const choice = find<HTMLSelectElement>(root, '[data-testid="pairwise-choice"]')!;
    choice.value = 'tie';
    choice.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect(text(root, 'derived-pairs')).toBe('0'));
    expect(text(root, 'derived-undecided')).toBe('1 / 0');

    // Deleting the prompt (two clicks) takes its responses and judgments with it.
    find(root, '[data-testid="delete-prompt"]')!.click();
    await vi.waitFor(() => expect(text(root, 'delete-prompt')).toBe('Confirm delete'));
    find(root, '[data-testid="delete-prompt"]')!.click();
    await vi.waitFor(() => expect(text(root, 'data-count')).toBe('0'));
    expect(await listFeedback(store)).toEqual([]);
    view.remove();
  });

  it('imports a good file whole and rejects a file with a bad line, naming the line', async () => {
    await clearAll(store);
    const view = mount('tp-data-view');
    const root = view.shadowRoot!;
    await vi.waitFor(() => expect(text(root, 'data-count')).toBe('0'));
    const input = () => find<HTMLInputElement>(root, '[data-testid="import"]')!;
    await vi.waitFor(() => expect(input()).not.toBeNull());
    const choose = (name: string, lines: string[]) => {
      const files = new DataTransfer();
      files.items.add(new File([lines.join('\n')], name));
      input().files = files.files;
      input().dispatchEvent(new Event('change'));
    };

    choose('bad.jsonl', [
      '{"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away."}',
      '{"prompt": "Tea?", "chosen": "Yes."}',
    ]);
    await vi.waitFor(() => expect(text(root, 'import-errors')).toContain('line 2:'));
    expect(text(root, 'import-errors')).toContain('Nothing was imported');
    expect(text(root, 'import-errors')).toContain('rejected');
    expect(await listFeedback(store)).toEqual([]);

    choose('good.jsonl', [
      '{"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away."}',
      '{"prompt": "Tea?", "chosen": "Yes, please.", "rejected": "No."}',
    ]);
    await vi.waitFor(() => expect(text(root, 'import-status')).toContain('Imported good.jsonl'));
    await vi.waitFor(() => expect(text(root, 'data-count')).toBe('2'));
    expect(text(root, 'derived-pairs')).toBe('2');
    view.remove();
  });
});

describe('<tp-train-view>', () => {
  it('sends the PPO config, shows progress, notices and pause/resume, then done', async () => {
    await seed();
    const view = mount('tp-train-view');
    const root = view.shadowRoot!;
    await vi.waitFor(() => expect(text(root, 'pair-counts')).toContain('2 preference pairs'));
    // No reward model yet: PPO would have nothing to maximise, so it cannot start.
    const run = find<HTMLButtonElement>(root, '[data-testid="train-ppo"]')!;
    expect(run.disabled).toBe(true);
    const rewardModel = await saveCheckpoint(store, {
      name: 'Reward model',
      kind: 'reward-model',
      config: {},
      weights: new ArrayBuffer(8),
    });
    window.dispatchEvent(new CustomEvent('tp-checkpoints-changed', { detail: {} }));
    await vi.waitFor(() => expect(run.disabled).toBe(false), { timeout: 5000 });

    run.click();
    await vi.waitFor(() => expect(trainCalls).toHaveLength(1));
    const call = trainCalls[0];
    expect(call.kind).toBe('ppo');
    // Shown fields at their defaults; the rest comes from DEFAULT_PPO_CONFIG.
    expect(call.config).toMatchObject({
      totalSteps: 100,
      batchSize: 16,
      miniBatches: 2,
      klCoef: 0.05,
      klEstimator: 'k1',
      adaptiveKL: null,
      clipRange: 0.2,
    });

    call.onProgress({
      task: 'ppo',
      step: 3,
      totalSteps: 20,
      fraction: 0.15,
      elapsedMs: 10,
      message: '',
      metrics: { 'objective/kl': 0.5, 'objective/scores': 1.25 },
      notice: 'step 3: skipped a minibatch (policy ratio 12 > 10)',
    });
    await vi.waitFor(() => expect(text(root, 'run-status')).toBe('PPO running — step 3/20'));
    expect(text(root, 'run-notices')).toContain('skipped a minibatch');
    const kl = findAll(root, 'tp-metric-chart').find(
      (c) => (c as TpMetricChart).heading === 'KL to the reference model',
    ) as TpMetricChart;
    expect(kl.series).toEqual([
      { step: 3, values: { 'objective/kl': 0.5, 'objective/scores': 1.25 } },
    ]);

    find(root, '[data-testid="run-pause"]')!.click();
    await vi.waitFor(() => expect(text(root, 'run-status')).toMatch(/^paused/));
    expect(engine.control).toHaveBeenLastCalledWith('pause');
    find(root, '[data-testid="run-resume"]')!.click();
    await vi.waitFor(() => expect(text(root, 'run-status')).toMatch(/^PPO running/));
    expect(engine.control).toHaveBeenLastCalledWith('resume');

    call.resolve({ runId: 'r1', status: 'done' });
    await vi.waitFor(() => expect(text(root, 'run-status')).toMatch(/^done/));
    view.remove();
    await deleteCheckpoint(store, rewardModel.id); // the compare tests start without one
  });

  it('names the bad field instead of starting a run', async () => {
    const view = mount('tp-train-view');
    const root = view.shadowRoot!;
    await view.updateComplete;
    const epochs = find<HTMLInputElement>(root, 'input[name="epochs"]')!;
    epochs.value = '0';
    const before = trainCalls.length;
    find(root, '[data-testid="train-reward"]')!.click();
    await vi.waitFor(() =>
      expect(find(root, '[role="alert"]')?.textContent?.trim()).toBe(
        'Epochs: must be an integer ≥ 1, got 0; the default is 2 (RewardConfig.epochs)',
      ),
    );
    expect(trainCalls).toHaveLength(before);
    view.remove();
  });
});

describe('<tp-train-runs>', () => {
  const run = (status: 'running' | 'paused' | 'done', kind: 'ppo' | 'reward' = 'ppo') => ({
    id: `r-${status}-${kind}`,
    kind,
    status,
    config: {},
    metrics: [{ step: 1, values: { 'objective/kl': 0.1 } }],
    createdAt: 1,
    updatedAt: 1,
  });

  it('offers Resume for a paused run and for one a reload cut off, not while training here', async () => {
    const list = mount('tp-train-runs');
    const checkpointed = { ...run('running'), id: 'r-ck', lastCheckpointId: 'ck1' };
    list.runs = [
      run('running'),
      run('paused'),
      run('done'),
      run('running', 'reward'),
      checkpointed,
    ];
    await list.updateComplete;
    const rows = findAll(list.shadowRoot!, 'tbody tr');
    const status = rows.map((r) => r.children[2].textContent!.replace(/\s+/g, ' ').trim());
    expect(status).toEqual([
      'interrupted no checkpoint yet: resuming starts it again',
      'paused',
      'done',
      'interrupted no checkpoint yet: resuming starts it again',
      'interrupted resumes from its last checkpoint',
    ]);
    const resumable = rows.map((r) =>
      [...r.querySelectorAll('button')].some((b) => b.textContent!.trim() === 'Resume'),
    );
    expect(resumable).toEqual([true, true, false, false, true]);

    list.busy = true;
    await list.updateComplete;
    expect(findAll(list.shadowRoot!, 'tbody tr')[0].children[2].textContent!.trim()).toBe(
      'running',
    );
    list.remove();
  });
});

describe('<tp-metric-chart>', () => {
  it('draws with uPlot inside its shadow root, styled by uPlot CSS', async () => {
    const chart = mount('tp-metric-chart');
    chart.style.width = '400px';
    chart.heading = 'Loss';
    chart.keys = ['loss/reward'];
    chart.series = [1, 2, 3].map((step) => ({ step, values: { 'loss/reward': 1 / step } }));
    await vi.waitFor(() => expect(chart.shadowRoot!.querySelector('canvas')).not.toBeNull());
    const wrap = chart.shadowRoot!.querySelector('.u-wrap')!;
    expect(getComputedStyle(wrap).position).toBe('relative');
    chart.remove();
  });
});

describe('<tp-compare-view>', () => {
  it('samples the reference model and the checkpoint with the same seeds, then restores', async () => {
    const ck = await saveCheckpoint(store, {
      name: 'ppo-1',
      kind: 'policy',
      config: {},
      weights: new ArrayBuffer(8),
    });
    const view = mount('tp-compare-view');
    const root = view.shadowRoot!;
    await vi.waitFor(() =>
      expect(find<HTMLSelectElement>(root, '[data-testid="compare-checkpoint"]')!.value).toBe(
        ck.id,
      ),
    );
    generateCalls.length = 0;
    find(root, '[data-testid="compare-run"]')!.click();
    await vi.waitFor(() => expect(text(root, 'compare-status')).toBe('Compared 16 prompts.'));

    // 16 reference responses first (one per evaluation prompt), then 16 from the checkpoint,
    // seed for seed.
    expect(generateCalls.map((c) => c.checkpointId)).toEqual([
      ...EVAL_PROMPTS.map(() => 'reference'),
      ...EVAL_PROMPTS.map(() => ck.id),
    ]);
    expect(generateCalls.slice(0, 16).map((c) => c.seed)).toEqual(
      generateCalls.slice(16).map((c) => c.seed),
    );
    const rows = findAll(root, '[data-testid="compare"] tbody tr');
    expect(rows).toHaveLength(16);
    expect(text(rows[0], 'compare-reference')).toBe(`reference: ${EVAL_PROMPTS[0]}`);
    expect(text(rows[0], 'compare-checkpoint-response')).toBe(`${ck.id}: ${EVAL_PROMPTS[0]}`);
    expect(engine.useCheckpoint).toHaveBeenLastCalledWith('reference');
    expect(engine.score).not.toHaveBeenCalled();
    expect(text(root, 'compare-summary')).toBe('');
    view.remove();
  });

  it('scores both columns with the newest reward model and gives their means', async () => {
    await saveCheckpoint(store, {
      name: 'rm-1',
      kind: 'reward-model',
      config: {},
      weights: new ArrayBuffer(8),
    });
    const view = mount('tp-compare-view');
    const root = view.shadowRoot!;
    await vi.waitFor(() =>
      expect(find<HTMLSelectElement>(root, '[data-testid="compare-checkpoint"]')!.value).not.toBe(
        '',
      ),
    );
    find(root, '[data-testid="compare-run"]')!.click();
    await vi.waitFor(() => expect(text(root, 'compare-status')).toBe('Compared 16 prompts.'));
    // One call per prompt, reference response first.
    expect(engine.score).toHaveBeenCalledTimes(16);
    expect(text(root, 'compare-summary')).toBe(
      'Mean reward (newest reward model): reference model -0.500, checkpoint 0.250 (+0.750).',
    );
    const first = findAll(root, '[data-testid="compare"] tbody tr')[0];
    expect(text(first, 'compare-reference')).toBe(`reference: ${EVAL_PROMPTS[0]}reward -0.500`);
    expect(find(first, '.score')?.textContent).toBe('reward -0.500');
    view.remove();
  });
});
