/**
 * The bench page: runs every measurement on the backend named in ?backend= and leaves the
 * result on `window.__bench` for scripts/bench.ts (which drives headless Chromium).
 */
import { chooseBackend, type BackendName } from '../backend/select';
import { runBench, type BenchResult } from './measure';

declare global {
  interface Window {
    __bench?: BenchResult | { error: string };
  }
}

const params = new URLSearchParams(location.search);
const backend = (params.get('backend') ?? 'auto') as BackendName | 'auto';
const modelUrl = params.get('model') ?? '/models/thumbprint-tiny/';
const quick = params.has('quick');
const log = document.getElementById('log')!;

try {
  const info = await chooseBackend(backend);
  if (backend !== 'auto' && info.name !== backend) throw new Error(`${backend} could not start`);
  window.__bench = await runBench({
    backend: info,
    modelUrl,
    quick,
    log: (s) => (log.textContent += '\n' + s),
  });
  log.textContent += '\ndone';
} catch (e) {
  window.__bench = { error: e instanceof Error ? e.message : String(e) };
  log.textContent += '\nerror: ' + String(e);
}
