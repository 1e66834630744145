/**
 * The IndexedDB schema of Thumbprint: one typed `DBSchema`, an explicit version, and record
 * types for what is not feedback (checkpoints, runs, conversations). Migrations between
 * versions live in ./migrations.ts.
 *
 * Version history:
 *   1 — `conversations` and `feedback` (thumbs on a response, texts inline).
 *   2 — adds `prompts`, `samples`, `checkpoints`, `weights`, `runs`; feedback becomes typed
 *       events (rating, ranking, pairwise, demonstration) that refer to prompts and samples.
 */
import type { DBSchema } from 'idb';
import type {
  FeedbackEvent,
  FeedbackKind,
  Message,
  PromptRecord,
  SampleRecord,
} from '../feedback/types';

export const DB_NAME = 'thumbprint';
export const DB_VERSION = 2;

/** A chat as the user sees it. */
export interface ConversationRecord {
  id: string;
  title: string;
  messages: Message[];
  createdAt: number;
  updatedAt: number;
}

export type CheckpointKind = 'policy' | 'reward-model' | 'value';

/** A checkpoint's description, listed without loading its weights. */
export interface CheckpointMeta {
  id: string;
  name: string;
  createdAt: number;
  /** The checkpoint it was trained from. */
  parentId?: string;
  /** The run that wrote it. */
  runId?: string;
  /** The Hugging Face GPT-2 config (config.json) of the model. */
  config: Record<string, unknown>;
  kind: CheckpointKind;
  metrics?: Record<string, number>;
  /** Size of the weights in bytes, so a list can show it without loading them. */
  byteLength: number;
}

/** A checkpoint with its weights, as saved and loaded. */
export interface CheckpointRecord extends Omit<CheckpointMeta, 'byteLength'> {
  /** The weights as safetensors bytes. */
  weights: ArrayBuffer;
}

/**
 * Weights live in their own store, keyed by checkpoint id: listing checkpoints then reads only
 * the small descriptions, never tens of megabytes of weights per row.
 */
export interface WeightsRecord {
  checkpointId: string;
  bytes: ArrayBuffer;
}

export type RunKind = 'reward' | 'ppo';
export type RunStatus = 'running' | 'paused' | 'stopped' | 'done' | 'failed';

/** One logged step of a run; keys grouped like `loss/…`, `policy/…`, `reward/…`. */
export interface RunMetrics {
  step: number;
  values: Record<string, number>;
}

/** One training job and its metrics. */
export interface RunRecord {
  id: string;
  kind: RunKind;
  status: RunStatus;
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  metrics: RunMetrics[];
  lastCheckpointId?: string;
}

export interface ThumbprintDB extends DBSchema {
  conversations: {
    key: string;
    value: ConversationRecord;
    indexes: { updatedAt: number };
  };
  prompts: {
    key: string;
    value: PromptRecord;
    indexes: { createdAt: number; conversationId: string };
  };
  samples: {
    key: string;
    value: SampleRecord;
    indexes: { promptId: string };
  };
  feedback: {
    key: string;
    value: FeedbackEvent;
    indexes: { promptId: string; createdAt: number; kind: FeedbackKind };
  };
  checkpoints: {
    key: string;
    value: CheckpointMeta;
    indexes: { createdAt: number; runId: string };
  };
  weights: {
    key: string;
    value: WeightsRecord;
  };
  runs: {
    key: string;
    value: RunRecord;
    indexes: { createdAt: number };
  };
}

export type StoreName =
  'conversations' | 'prompts' | 'samples' | 'feedback' | 'checkpoints' | 'weights' | 'runs';

export const STORE_NAMES: readonly StoreName[] = Object.freeze([
  'conversations',
  'prompts',
  'samples',
  'feedback',
  'checkpoints',
  'weights',
  'runs',
]);
