/**
 * The worker's run driver end to end in Node: real IndexedDB code on fake-indexeddb, a tiny
 * model through the engine's real loading path, feedback from the simulated rater, then a
 * reward-model run and a PPO run with their records, metrics and checkpoints.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/worker/engine';
import { Trainer } from '../../src/worker/trainer';
import { workerStorage, workerStore } from '../../src/worker/storage';
import { addFeedback, saveCandidates } from '../../src/store/feedback';
import { listCheckpoints } from '../../src/store/checkpoints';
import { getRun, listRuns } from '../../src/store/runs';
import type { ProgressReport } from '../../src/worker/protocol';
import { tinyModelFolder } from './fixture';

const engine = new Engine(workerStorage);
const trainer = new Trainer(engine);
const PROMPTS = [
  'hello there',
  'how are you',
  'the weather',
  'thanks friend',
  'what is nice',
  'hello',
];

/** Id of the PPO run that a worker has marked paused, once it has (within 5 s). */
async function pausedRunId(): Promise<string> {
  const store = await workerStore();
  for (let i = 0; i < 200; i++) {
    const runs = await listRuns(store, { kind: 'ppo' });
    const id = runs.find((r) => r.status === 'paused')?.id;
    if (id) return id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no PPO run was marked paused within 5 s');
}

describe('Trainer (worker run driver, Node)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const folder = await tinyModelFolder();
    vi.stubGlobal('fetch', folder.fetchStub);
    await engine.load(folder.base, 'cpu', () => {});
    // Feedback: two sampled replies per prompt, the longer one preferred.
    const store = await workerStore();
    for (const [i, text] of PROMPTS.entries()) {
      const r = await engine.generate(
        [{ role: 'user', content: text }],
        2,
        {
          temperature: 1,
          topK: 0,
          topP: 1,
          maxNewTokens: 6,
          seed: i,
        },
        () => {},
      );
      const { prompt, samples } = await saveCandidates(
        store,
        { conversationId: 'c', text, source: 'simulated' },
        r.candidates.map((c) => ({
          text: c.text || '(empty)',
          tokenIds: c.tokenIds,
          checkpointId: 'reference',
          sampling: { temperature: 1, topK: 0, topP: 1, maxNewTokens: 6 },
        })),
      );
      const [a, b] = samples;
      await addFeedback(store, {
        kind: 'pairwise',
        promptId: prompt.id,
        a: a.id,
        b: b.id,
        choice: a.tokenIds.length >= b.tokenIds.length ? 'a' : 'b',
        shownOrder: [a.id, b.id],
        synthetic: true,
      });
    }
  });
  afterAll(() => vi.unstubAllGlobals());

  it('trains a reward model, logs each step to its run and stores a calibrated checkpoint', async () => {
    const reports: ProgressReport[] = [];
    const r = await trainer.run('reward', { epochs: 2, batchSize: 2, evalFraction: 0.2 }, (p) =>
      reports.push(p),
    );
    expect(r.status).toBe('done');
    const store = await workerStore();
    const run = await getRun(store, r.runId);
    expect(run?.status).toBe('done');
    expect(run?.metrics.length).toBeGreaterThan(0);
    expect(run?.metrics.every((m) => Number.isFinite(m.values['loss/reward']))).toBe(true);
    const [ckpt] = await listCheckpoints(store, { kind: 'reward-model' });
    expect(ckpt.id).toBe(r.checkpointId);
    expect(engine.rewardModel).toBeDefined();
    expect(reports.some((p) => p.metrics?.['reward/accuracy'] !== undefined)).toBe(true);
  });

  it('runs PPO against it, checkpoints every N steps, and makes the result the chat policy', async () => {
    const n0 = tf.memory().numTensors;
    const reports: ProgressReport[] = [];
    const r = await trainer.run(
      'ppo',
      {
        totalSteps: 3,
        batchSize: 4,
        miniBatches: 2,
        ppoEpochs: 1,
        maxNewTokens: 6,
        checkpointEvery: 2,
      },
      (p) => reports.push(p),
    );
    expect(r.status).toBe('done');
    expect(reports.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(reports.every((p) => Number.isFinite(p.metrics!['objective/kl']))).toBe(true);
    const store = await workerStore();
    const ckpts = await listCheckpoints(store, { runId: r.runId });
    expect(ckpts.map((c) => c.metrics?.step).sort()).toEqual([2, 3]);
    expect(engine.policyCheckpointId).toBe(r.checkpointId);
    expect((await getRun(store, r.runId))?.lastCheckpointId).toBe(r.checkpointId);
    // Optimizer state and the trainer's value head are freed when the run ends.
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('pauses between steps, resumes, and stops on request with a final checkpoint', async () => {
    const statuses: string[] = [];
    const store = await workerStore();
    const running = trainer.run(
      'ppo',
      { totalSteps: 50, batchSize: 2, miniBatches: 1, ppoEpochs: 1, maxNewTokens: 4 },
      async (p) => {
        if (p.step === 1) {
          trainer.control('pause');
          setTimeout(async () => {
            const [run] = (await listRuns(store, { kind: 'ppo' })).sort(
              (a, b) => b.createdAt - a.createdAt,
            );
            statuses.push(run.status);
            trainer.control('resume');
            trainer.control('stop');
          }, 50);
        }
      },
    );
    const r = await running;
    expect(statuses).toEqual(['paused']);
    expect(r.status).toBe('stopped');
    expect((await getRun(store, r.runId))?.status).toBe('stopped');
    expect(r.checkpointId).toBeDefined();
  });

  it('resumes a paused run after a reload from its last checkpoint, continuing the step count', async () => {
    // The first worker pauses after step 2 and is then abandoned, as a reload would.
    const first = new Trainer(engine);
    const abandoned = first.run(
      'ppo',
      {
        totalSteps: 4,
        batchSize: 2,
        miniBatches: 1,
        ppoEpochs: 1,
        maxNewTokens: 4,
        checkpointEvery: 1,
      },
      (p) => {
        if (p.step === 2) first.control('pause');
      },
    );
    const store = await workerStore();
    const runId = await pausedRunId();

    const steps: number[] = [];
    const second = new Trainer(engine);
    const r = await second.run('ppo', {}, (p) => steps.push(p.step), runId);
    expect(r.runId).toBe(runId);
    expect(steps).toEqual([3, 4]);
    expect((await getRun(store, runId))?.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    // The abandoned worker cannot mark a finished run stopped.
    first.control('stop');
    await expect(abandoned).rejects.toThrow(/which is final/);
  });

  it('checkpoints on pause, so a reload resumes at the paused step with each step logged once', async () => {
    // No periodic checkpoint before the pause: without one taken at the pause, the resumed
    // run would start again from step 0 and log steps 1 and 2 twice.
    const first = new Trainer(engine);
    const abandoned = first.run(
      'ppo',
      { totalSteps: 3, batchSize: 2, miniBatches: 1, ppoEpochs: 1, maxNewTokens: 4 },
      (p) => {
        if (p.step === 2) first.control('pause');
      },
    );
    const store = await workerStore();
    const runId = await pausedRunId();
    const paused = await listCheckpoints(store, { runId });
    expect(paused.map((c) => c.metrics?.step)).toEqual([2]);

    const steps: number[] = [];
    const r = await new Trainer(engine).run('ppo', {}, (p) => steps.push(p.step), runId);
    expect(steps).toEqual([3]);
    expect((await getRun(store, r.runId))?.metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    first.control('stop');
    await expect(abandoned).rejects.toThrow(/which is final/);
  });

  it('refuses to resume a reward run as PPO, or a run that is final', async () => {
    const store = await workerStore();
    const [reward] = await listRuns(store, { kind: 'reward' });
    await expect(trainer.run('ppo', {}, () => {}, reward.id)).rejects.toThrow(
      `run ${reward.id} is a reward run, not PPO`,
    );
    const done = (await listRuns(store, { kind: 'ppo' })).find((r) => r.status === 'done')!;
    await expect(trainer.run('ppo', {}, () => {}, done.id)).rejects.toThrow(
      `run ${done.id} is done and cannot resume`,
    );
  });

  it('refuses a second run while one is going', async () => {
    const slow = trainer.run(
      'ppo',
      { totalSteps: 2, batchSize: 2, miniBatches: 1, ppoEpochs: 1, maxNewTokens: 4 },
      () => {},
    );
    await expect(trainer.run('reward', {}, () => {})).rejects.toThrow(
      'a training run is already going; stop it first',
    );
    await slow;
  });
});
