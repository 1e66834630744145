/**
 * The app's shared services, set once at boot by main.ts: the engine worker's client and
 * the IndexedDB store. Elements read them here instead of threading them through props.
 */
import type { EngineClient } from '../worker/client';
import type { Store } from '../store/db';
import type { BackendInfo } from '../backend/select';
import type { ModelSummary } from '../worker/protocol';

export interface Services {
  engine: EngineClient;
  store: Store;
  /** Where the embedded default model is served from. */
  modelUrl: string;
}

let current: Services | undefined;

export function setServices(s: Services) {
  current = s;
}

export function services(): Services {
  if (!current) throw new Error('services are not set yet (main.ts sets them at boot)');
  return current;
}

/** App-wide events, dispatched on `window`, so views refresh without knowing each other. */
export interface AppEventMap {
  /** Feedback, prompts or samples were written or deleted. */
  'tp-data-changed': CustomEvent<{ reason: string }>;
  /** The engine finished loading a model or switched backend or checkpoint. */
  'tp-model-changed': CustomEvent<{ backend?: BackendInfo; model?: ModelSummary }>;
  /** A checkpoint was written by a run. */
  'tp-checkpoints-changed': CustomEvent<{ checkpointId?: string }>;
}

export function emit<K extends keyof AppEventMap>(type: K, detail: AppEventMap[K]['detail']) {
  window.dispatchEvent(new CustomEvent(type, { detail }));
}

declare global {
  // Merging the app's events into the DOM's map types window.addEventListener for them.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface WindowEventMap extends AppEventMap {}
}
