/**
 * The bench page: runs every measurement on the backend named in ?backend= and leaves the
 * result on `window.__bench` for scripts/bench.ts (which drives headless Chromium).
 *
 *   ?backend=wasm[&quick][&tiers=quick,full][&reps=3]    our measurements (measure.ts)
 *   ?backend=webgl&peer&batch=2&steps=1                   the peer's training (peer.ts)
 *
 * Both branches load their modules dynamically: the peer page must never load our TF.js
 * (the peer bundles its own copy, see peer.ts).
 */
import type { BackendName } from '../backend/select';
import type { BenchResult } from './measure';
import type { PeerResult } from './peer';
import type { Tier } from './stages';

declare global {
  interface Window {
    __bench?: BenchResult | PeerResult | { error: string };
  }
}

const params = new URLSearchParams(location.search);
const backend = (params.get('backend') ?? 'auto') as BackendName | 'auto';
const modelUrl = params.get('model') ?? '/models/thumbprint-tiny/';
const quick = params.has('quick');
const logEl = document.getElementById('log')!;
/** Progress goes to the page and, as console.info, to scripts/bench.ts's terminal. */
const log = (s: string) => {
  const line = `[${(performance.now() / 1000).toFixed(0)} s] ${s}`;
  logEl.textContent += '\n' + line;
  console.info(line);
};

async function ours(): Promise<BenchResult> {
  const { chooseBackend } = await import('../backend/select');
  const { runBench } = await import('./measure');
  const info = await chooseBackend(backend);
  if (backend !== 'auto' && info.name !== backend) throw new Error(`${backend} could not start`);
  // Slow here: the cpu backend, and webgpu / webgl on a software adapter (SwiftShader). They
  // run the quick sizes once; the rest run both tiers, 3 repetitions.
  const slow = info.name === 'cpu' || (info.name !== 'wasm' && (info.adapter?.isFallback ?? true));
  const tiers = (params.get('tiers')?.split(',') ??
    (quick || slow ? ['quick'] : ['quick', 'full'])) as Tier[];
  const reps = Number(params.get('reps') ?? (slow ? 1 : 3));
  return runBench({ backend: info, modelUrl, tiers, reps, log });
}

async function peer(): Promise<PeerResult> {
  const { loadPeerInputs, runPeerBench } = await import('./peer');
  const batch = Number(params.get('batch') ?? 2);
  const { config, rows } = await loadPeerInputs(modelUrl, batch);
  return runPeerBench({ backend, config, rows, steps: Number(params.get('steps') ?? 1), log });
}

try {
  window.__bench = await (params.has('peer') ? peer() : ours());
  log('done');
} catch (e) {
  window.__bench = { error: e instanceof Error ? e.message : String(e) };
  log('error: ' + String(e));
}
