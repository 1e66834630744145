/**
 * The page's handle on the engine worker: one promise per request, progress and streamed
 * tokens through callbacks. Control messages (pause, stop, cancel) go straight through
 * while a long request is running.
 */
import type { BackendName } from '../backend/select';
import type { ChatMessage } from '../io/tokenizer';
import type {
  EngineEvent,
  EngineRequest,
  EngineResults,
  ProgressReport,
  SamplingRequest,
} from './protocol';

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (r: ProgressReport) => void;
  onTokens?: (texts: string[], done: boolean[]) => void;
};

// Distributes Omit over the request union so each variant keeps its own fields.
type RequestBody<T> = T extends unknown ? Omit<T, 'id'> : never;

export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(worker?: Worker) {
    this.worker = worker ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<EngineEvent>) => this.handleEvent(ev.data);
    this.worker.onerror = (ev) => {
      const err = new Error(`engine worker failed: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  private handleEvent(e: EngineEvent) {
    const p = this.pending.get(e.id);
    if (!p) return;
    if (e.type === 'progress') p.onProgress?.(e.report);
    else if (e.type === 'tokens') p.onTokens?.(e.texts, e.done);
    else {
      this.pending.delete(e.id);
      if (e.type === 'result') p.resolve(e.value);
      else p.reject(new Error(e.message));
    }
  }

  private send<K extends EngineRequest['type']>(
    body: RequestBody<Extract<EngineRequest, { type: K }>>,
    hooks: Omit<Pending, 'resolve' | 'reject'> = {},
  ): { id: number; done: Promise<EngineResults[K]> } {
    const id = this.nextId++;
    const done = new Promise<EngineResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...hooks });
    });
    this.worker.postMessage({ ...body, id } as EngineRequest);
    return { id, done };
  }

  load(modelUrl: string, backend: BackendName | 'auto', onProgress?: (r: ProgressReport) => void) {
    return this.send<'load'>({ type: 'load', modelUrl, backend }, { onProgress }).done;
  }

  setBackend(backend: BackendName | 'auto') {
    return this.send<'set-backend'>({ type: 'set-backend', backend }).done;
  }

  /** Starts n replies; `cancel()` stops them early (the replies so far are returned). */
  generate(
    messages: ChatMessage[],
    n: number,
    sampling: SamplingRequest,
    onTokens?: (texts: string[], done: boolean[]) => void,
    checkpointId?: string,
  ) {
    const { id, done } = this.send<'generate'>(
      { type: 'generate', messages, n, sampling, checkpointId },
      { onTokens },
    );
    return { done, cancel: () => void this.send<'cancel'>({ type: 'cancel', target: id }) };
  }

  useCheckpoint(checkpointId: string) {
    return this.send<'use-checkpoint'>({ type: 'use-checkpoint', checkpointId }).done;
  }

  /** Calibrated reward-model scores of replies to one conversation. */
  score(messages: ChatMessage[], responses: string[]) {
    return this.send<'score'>({ type: 'score', messages, responses }).done;
  }

  tokenize(messages: ChatMessage[], addGenerationPrompt = true) {
    return this.send<'tokenize'>({ type: 'tokenize', messages, addGenerationPrompt }).done;
  }

  train(
    kind: 'reward' | 'ppo',
    config: Record<string, unknown>,
    onProgress?: (r: ProgressReport) => void,
    resumeRunId?: string,
  ) {
    return this.send<'train'>({ type: 'train', kind, config, resumeRunId }, { onProgress }).done;
  }

  control(action: 'pause' | 'resume' | 'stop') {
    return this.send<'control'>({ type: 'control', action }).done;
  }

  terminate() {
    this.worker.terminate();
  }
}
