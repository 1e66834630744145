/**
 * The typed messages between the page and the engine worker. The worker owns the models
 * and every long computation; the page only renders what it is told.
 */
import type { BackendInfo, BackendName } from '../backend/select';
import type { ChatMessage } from '../io/tokenizer';
import type { SamplingOptions } from '../model/sampling';
import type { GPT2Config } from '../model/config';

/** A progress report of any long task (loading, training). */
export interface ProgressReport {
  /** What is running: 'load', 'reward', 'ppo', 'generate'. */
  task: string;
  /** Step counter of the task (0 when it has none). */
  step: number;
  totalSteps: number;
  /** 0..1, or -1 when unknown. */
  fraction: number;
  elapsedMs: number;
  message: string;
  /** Metrics keyed as TRL does: 'objective/kl', 'loss/policy', 'reward/accuracy', … */
  metrics?: Record<string, number>;
  /** A warning the user should see, e.g. a skipped step. */
  notice?: string;
}

export interface SamplingRequest extends SamplingOptions {
  maxNewTokens: number;
  seed?: number;
}

export interface Candidate {
  text: string;
  tokenIds: number[];
  logprobs: number[];
  /** True when the reply ended with EOS (false: cut at maxNewTokens). */
  finished: boolean;
}

export interface ModelSummary {
  name: string;
  config: GPT2Config;
  parameters: number;
  /** Id of the checkpoint the chat samples from: 'reference' or a stored checkpoint id. */
  checkpointId: string;
}

export type EngineRequest =
  | { type: 'load'; id: number; modelUrl: string; backend: BackendName | 'auto' }
  | { type: 'set-backend'; id: number; backend: BackendName | 'auto' }
  | {
      type: 'generate';
      id: number;
      messages: ChatMessage[];
      n: number;
      sampling: SamplingRequest;
      /** Which weights to sample from (without switching the chat's policy); default: the policy. */
      checkpointId?: string;
    }
  | { type: 'use-checkpoint'; id: number; checkpointId: string }
  | { type: 'score'; id: number; messages: ChatMessage[]; responses: string[] }
  | { type: 'tokenize'; id: number; messages: ChatMessage[]; addGenerationPrompt: boolean }
  | {
      type: 'train';
      id: number;
      kind: 'reward' | 'ppo';
      config: Record<string, unknown>;
      resumeRunId?: string;
    }
  | { type: 'control'; id: number; action: 'pause' | 'resume' | 'stop' }
  | { type: 'cancel'; id: number; target: number };

/** Messages that answer request `id` or report on it. */
export type EngineEvent =
  | { type: 'progress'; id: number; report: ProgressReport }
  | { type: 'tokens'; id: number; texts: string[]; done: boolean[] }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string };

/** What each request resolves to. */
export interface EngineResults {
  load: { backend: BackendInfo; model: ModelSummary };
  'set-backend': BackendInfo;
  generate: { candidates: Candidate[]; checkpointId: string; elapsedMs: number };
  'use-checkpoint': ModelSummary;
  score: number[];
  tokenize: number[];
  train: {
    runId: string;
    status: 'done' | 'stopped' | 'failed';
    checkpointId?: string;
    /** After PPO: the policy, which now holds the run's last checkpoint (the chat samples it). */
    policy?: ModelSummary;
  };
  control: { ok: true };
  cancel: { ok: true };
}
