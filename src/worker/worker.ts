/// <reference lib="webworker" />
/**
 * The engine's Web Worker: decodes requests, runs them one long task at a time, and posts
 * typed events back. Generation and training never run on the page's thread.
 */
import { Engine } from './engine';
import type { EngineEvent, EngineRequest } from './protocol';
import { workerStorage } from './storage';
import { Trainer } from './trainer';

declare const self: DedicatedWorkerGlobalScope;

const engine = new Engine(workerStorage);
const trainer = new Trainer(engine);
const cancelled = new Set<number>();

const post = (e: EngineEvent) => self.postMessage(e);

async function handle(req: EngineRequest): Promise<unknown> {
  switch (req.type) {
    case 'load':
      return engine.load(req.modelUrl, req.backend, (report) =>
        post({ type: 'progress', id: req.id, report }),
      );
    case 'set-backend':
      return engine.setBackend(req.backend);
    case 'generate':
      return engine.generate(
        req.messages,
        req.n,
        req.sampling,
        (texts, done) => post({ type: 'tokens', id: req.id, texts, done }),
        () => cancelled.has(req.id),
        req.checkpointId,
      );
    case 'use-checkpoint':
      return engine.useCheckpoint(req.checkpointId);
    case 'score':
      return engine.score(req.messages, req.responses);
    case 'tokenize':
      return engine.encodeChat(req.messages, req.addGenerationPrompt);
    case 'train':
      return trainer.run(
        req.kind,
        req.config,
        (report) => post({ type: 'progress', id: req.id, report }),
        req.resumeRunId,
      );
    case 'control':
      trainer.control(req.action);
      return { ok: true };
    case 'cancel':
      cancelled.add(req.target);
      return { ok: true };
  }
}

self.onmessage = async (ev: MessageEvent<EngineRequest>) => {
  const req = ev.data;
  try {
    const value = await handle(req);
    post({ type: 'result', id: req.id, value });
  } catch (e) {
    post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    cancelled.delete(req.id);
  }
};
