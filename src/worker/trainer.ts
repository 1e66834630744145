/**
 * Runs training jobs inside the worker: collects the data from the store, drives a trainer
 * step by step (yielding between steps so pause, resume, stop and chat requests get in),
 * logs metrics to the run's record and writes checkpoints every few steps.
 */
import { readSafetensors, writeSafetensors, type TensorRecord } from '../io/safetensors';
import { GPT } from '../model/gpt';
import { ScalarHead } from '../model/heads';
import { generate } from '../model/generate';
import { RewardModel, RewardTrainer } from '../rl/reward';
import { PPOTrainer } from '../rl/ppo';
import {
  DEFAULT_PPO_CONFIG,
  validatePPOConfig,
  type PPOConfig,
  type RewardConfig,
} from '../rl/config';
import type { StepReport } from '../rl/step';
import { loadFeedbackData, listPrompts } from '../store/feedback';
import { saveCheckpoint, getCheckpoint } from '../store/checkpoints';
import {
  appendRunMetrics,
  createRun,
  dropRunMetricsAfter,
  getRun,
  updateRunStatus,
} from '../store/runs';
import { EVAL_PROMPTS } from '../rl/eval-prompts';
import type { Engine } from './engine';
import type { EngineResults, ProgressReport } from './protocol';
import { workerStore } from './storage';
import { encodePrompt, preparePreferences, type TokenLimits } from './training-data';

type Status = EngineResults['train']['status'];

/** Settings of a run that are not the trainer's own config. */
export interface RunSettings {
  /** Write a checkpoint every this many PPO steps (and at the end); 0 = only at the end. */
  checkpointEvery: number;
  /** Extra prompts (plain text) to sample PPO rollouts from, besides the stored ones. */
  prompts: string[];
}

const DEFAULT_RUN: RunSettings = { checkpointEvery: 5, prompts: [] };

export class Trainer {
  private paused = false;
  private stopRequested = false;
  private wake?: () => void;
  private running = false;

  constructor(private readonly engine: Engine) {}

  control(action: 'pause' | 'resume' | 'stop') {
    if (action === 'pause') this.paused = true;
    if (action === 'resume') this.paused = false;
    if (action === 'stop') this.stopRequested = true;
    this.wake?.();
  }

  /** Waits while paused; true when the run should stop. */
  private async checkpointGate(runId: string, onPause?: () => Promise<void>): Promise<boolean> {
    // A macrotask between steps: the worker reads control and chat messages here.
    await new Promise((r) => setTimeout(r, 0));
    if (this.paused && !this.stopRequested) {
      // A checkpoint first, so that a reload while paused resumes exactly here.
      await onPause?.();
      await updateRunStatus(await workerStore(), runId, 'paused');
      while (this.paused && !this.stopRequested) await new Promise<void>((r) => (this.wake = r));
      if (!this.stopRequested) await updateRunStatus(await workerStore(), runId, 'running');
    }
    return this.stopRequested;
  }

  async run(
    kind: 'reward' | 'ppo',
    config: Record<string, unknown>,
    onProgress: (r: ProgressReport) => void,
    resumeRunId?: string,
  ): Promise<EngineResults['train']> {
    if (this.running) throw new Error('a training run is already going; stop it first');
    this.running = true;
    this.paused = false;
    this.stopRequested = false;
    try {
      return kind === 'reward'
        ? await this.runReward(config as Partial<RewardConfig>, onProgress)
        : await this.runPPO(config, onProgress, resumeRunId);
    } finally {
      this.running = false;
    }
  }

  private limits(): TokenLimits {
    const n = this.engine.files!.config.n_positions;
    return { maxPromptTokens: Math.floor(n / 2), maxResponseTokens: Math.floor(n / 2) };
  }

  private report(task: string, r: StepReport, message: string): ProgressReport {
    return {
      task,
      step: r.step,
      totalSteps: r.totalSteps,
      fraction: r.totalSteps > 0 ? r.step / r.totalSteps : -1,
      elapsedMs: r.elapsedMs,
      message,
      metrics: r.metrics,
      notice: r.notice,
    };
  }

  // ---- Reward model ----------------------------------------------------------------------

  private async runReward(
    config: Partial<RewardConfig>,
    onProgress: (r: ProgressReport) => void,
  ): Promise<EngineResults['train']> {
    const engine = this.engine;
    const tok = engine.tokenizer!;
    const store = await workerStore();
    const data = preparePreferences(await loadFeedbackData(store), tok, this.limits());
    if (data.counts.rankings + data.counts.pairs < 2) {
      throw new Error(
        `the reward model needs at least 2 preference pairs or rankings; there are ${data.counts.rankings + data.counts.pairs}. Rate more replies first.`,
      );
    }
    const run = await createRun(store, { kind: 'reward', config: { ...config } });
    let model: RewardModel | undefined;
    let trainer: RewardTrainer | undefined;
    try {
      // 1. A reward model from the current policy: its trunk copied, a fresh scalar head.
      model = RewardModel.fromPolicy(engine.policy!, Number(config.seed ?? 0));
      trainer = new RewardTrainer(model, data, config);
      const msg = `${trainer.train.length} training and ${trainer.heldOut.length} held-out groups`;
      onProgress({
        task: 'reward',
        step: 0,
        totalSteps: trainer.totalSteps,
        fraction: 0,
        elapsedMs: 0,
        message: msg,
      });

      // 2. Bradley–Terry training, step by step.
      let status: Status = 'done';
      while (!trainer.done) {
        if (await this.checkpointGate(run.id)) {
          status = 'stopped';
          break;
        }
        const r = await trainer.step();
        await appendRunMetrics(store, run.id, { step: r.step, values: r.metrics });
        onProgress(this.report('reward', r, `Reward model: step ${r.step}/${r.totalSteps}`));
      }

      // 3. Calibration on reference-policy samples drawn as PPO's rollouts are (its default
      // temperature and length), so that the scores PPO sees have mean 0 and std 1.
      onProgress({
        task: 'reward',
        step: trainer.totalSteps,
        totalSteps: trainer.totalSteps,
        fraction: 1,
        elapsedMs: 0,
        message: 'Calibrating on reference replies…',
      });
      const prompts = data.prompts.slice(0, 32);
      const g = await generate(engine.reference!, prompts, {
        temperature: DEFAULT_PPO_CONFIG.temperature,
        topK: 0,
        topP: 1,
        maxNewTokens: Math.min(this.limits().maxResponseTokens, DEFAULT_PPO_CONFIG.maxNewTokens),
        seed: 1,
      });
      try {
        await model.calibrate(
          prompts,
          g.tokens.map((t) => (t.length ? t : [tok.eosId])),
        );
      } catch (e) {
        onProgress({
          task: 'reward',
          step: 0,
          totalSteps: 0,
          fraction: 1,
          elapsedMs: 0,
          message: 'calibration skipped',
          notice: (e as Error).message,
        });
      }

      // 4. Checkpoint: trunk + head, calibration in its metrics.
      const tensors = await model.trunk.toTensors();
      await model.head.toTensors(tensors);
      const evalAcc = (await trainer.evaluate().catch(() => undefined))?.accuracy;
      const meta = await saveCheckpoint(store, {
        // Lists show a checkpoint's time beside its name, so the name holds none.
        name: 'Reward model',
        kind: 'reward-model',
        runId: run.id,
        parentId: engine.policyCheckpointId,
        config: engine.files!.config,
        weights: toArrayBuffer(tensors, { gain: String(model.gain), bias: String(model.bias) }),
        metrics: {
          gain: model.gain,
          bias: model.bias,
          // No held-out pairs give no accuracy (0 / 0), not a NaN in the store.
          ...(evalAcc !== undefined && Number.isFinite(evalAcc)
            ? { 'eval/accuracy': evalAcc }
            : {}),
        },
      });
      await updateRunStatus(store, run.id, status, { lastCheckpointId: meta.id });
      engine.setRewardModel(model);
      model = undefined; // now owned by the engine
      return { runId: run.id, status, checkpointId: meta.id };
    } catch (e) {
      await updateRunStatus(store, run.id, 'failed').catch(() => {});
      throw e;
    } finally {
      trainer?.optimizer.dispose();
      model?.dispose();
    }
  }

  // ---- PPO -------------------------------------------------------------------------------

  private async runPPO(
    raw: Record<string, unknown>,
    onProgress: (r: ProgressReport) => void,
    resumeRunId?: string,
  ): Promise<EngineResults['train']> {
    const engine = this.engine;
    const tok = engine.tokenizer!;
    const store = await workerStore();
    // A resumed run keeps the settings it was started with.
    let run = resumeRunId ? await getRun(store, resumeRunId) : undefined;
    if (resumeRunId && !run) throw new Error(`run ${resumeRunId} is not in this browser's storage`);
    if (run && run.kind !== 'ppo') throw new Error(`run ${run.id} is a ${run.kind} run, not PPO`);
    if (run && ['done', 'stopped', 'failed'].includes(run.status)) {
      throw new Error(`run ${run.id} is ${run.status} and cannot resume`);
    }
    const settings = { ...DEFAULT_RUN, ...(run ? run.config : raw) } as RunSettings &
      Partial<PPOConfig>;
    const { checkpointEvery, prompts: extraPrompts, ...ppoPartial } = settings;
    const config = validatePPOConfig(ppoPartial);
    const reward = await engine.loadRewardModel();

    // 1. Prompts: the stored ones (chat and simulated first, imported if there are none) and
    // any given with the run. The fixed evaluation prompts are never trained on.
    const stored = (await listPrompts(store)).filter((p) => !EVAL_PROMPTS.includes(p.text.trim()));
    const own = stored.filter((p) => p.source !== 'import');
    const chosen = own.length > 0 ? own : stored;
    const limits = this.limits();
    const prompts = [
      ...chosen.map((p) => encodePrompt(tok, p.messages.length ? p.messages : p.text, limits)),
      ...extraPrompts.map((t) => encodePrompt(tok, t, limits)),
    ];
    if (prompts.length === 0)
      throw new Error('PPO needs prompts: chat with the model or add prompts first');

    // 2. A new run, or the continuation of a paused or interrupted one from its checkpoint.
    let valueHead: ScalarHead | undefined;
    let done = 0;
    if (run) {
      if (run.lastCheckpointId) {
        const ckpt = await getCheckpoint(store, run.lastCheckpointId);
        if (!ckpt)
          throw new Error(`checkpoint ${run.lastCheckpointId} of run ${resumeRunId} is missing`);
        const file = readSafetensors(ckpt.weights, `checkpoint ${ckpt.id}`);
        const loaded = GPT.fromTensors(engine.files!.config, file.tensors);
        engine.policy!.assign(loaded);
        loaded.dispose();
        if (file.tensors.has('value.weight'))
          valueHead = ScalarHead.fromTensors('value', file.tensors);
        done = Number(file.metadata.step ?? 0);
      }
      // Steps logged after that checkpoint (the tab closed mid-run) are trained again.
      await dropRunMetricsAfter(store, run.id, done);
      await updateRunStatus(store, run.id, 'running');
    } else {
      run = await createRun(store, {
        kind: 'ppo',
        config: { ...config, checkpointEvery, prompts: extraPrompts },
      });
    }
    const runId = run.id;

    // Resuming at step d of T: T − d steps whose linear anneal starts at lr·(T − d)/T is the
    // same schedule. Adam's moments restart (they are not in the checkpoint).
    const remaining = Math.max(1, config.totalSteps - done);
    const trainerConfig = {
      ...config,
      totalSteps: remaining,
      learningRate: config.annealLR
        ? (config.learningRate * remaining) / config.totalSteps
        : config.learningRate,
    };
    const trainer = new PPOTrainer({
      policy: engine.policy!,
      reference: engine.reference!,
      reward,
      prompts,
      config: trainerConfig,
      valueHead,
    });
    let lastCheckpointId: string | undefined;
    let savedStep = done;
    const save = async (step: number, final: boolean) => {
      savedStep = step;
      const tensors = await engine.policy!.toTensors();
      await trainer.valueHead.toTensors(tensors);
      const meta = await saveCheckpoint(store, {
        name: `PPO step ${step} of ${config.totalSteps}${final ? '' : ' (during the run)'}`,
        kind: 'policy',
        runId,
        parentId: engine.policyCheckpointId,
        config: engine.files!.config,
        weights: toArrayBuffer(tensors, { step: String(step) }),
        metrics: { step },
      });
      lastCheckpointId = meta.id;
    };

    let status: Status = 'done';
    try {
      const pauseCheckpoint = async () => {
        const step = done + trainer.stepsCompleted;
        if (step > savedStep) await save(step, false);
      };
      while (!trainer.done) {
        if (await this.checkpointGate(runId, pauseCheckpoint)) {
          status = 'stopped';
          break;
        }
        const r = await trainer.step();
        const step = done + r.step;
        await appendRunMetrics(store, runId, { step, values: r.metrics });
        onProgress(
          this.report(
            'ppo',
            { ...r, step, totalSteps: config.totalSteps },
            `PPO: step ${step}/${config.totalSteps}`,
          ),
        );
        if (checkpointEvery > 0 && step % checkpointEvery === 0 && !trainer.done)
          await save(step, false);
      }
      await save(done + trainer.stepsCompleted, true);
      await updateRunStatus(store, runId, status, { lastCheckpointId });
      engine.policyCheckpointId = lastCheckpointId!;
      return { runId, status, checkpointId: lastCheckpointId, policy: engine.summary() };
    } catch (e) {
      await updateRunStatus(store, runId, 'failed').catch(() => {});
      throw e;
    } finally {
      trainer.dispose();
      valueHead?.dispose(); // a head loaded on resume is ours, not the trainer's
    }
  }
}

/** Named tensors → safetensors bytes as an ArrayBuffer (what the store keeps). */
function toArrayBuffer(
  tensors: Map<string, TensorRecord>,
  metadata: Record<string, string>,
): ArrayBuffer {
  const bytes = writeSafetensors(tensors, metadata);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
