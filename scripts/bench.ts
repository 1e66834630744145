/**
 * npm run bench — measures every backend side by side in headless Chromium, in one run:
 * serves the bench page with Vite, opens it once per backend (and once more for the peer,
 * @genai-fi/nanogpt, on the backends it supports), prints the tables with their ratios and
 * writes bench-results/bench.json.
 *
 *   npm run bench                                  all backends, embedded model
 *   npm run bench -- --backends wasm,webgpu --quick
 *   npm run bench -- --write-docs                  also (re)writes docs/PERFORMANCE.md
 *   CHROMIUM_GPU=1 npm run bench                   on a machine with a GPU (scripts/chromium.ts)
 *
 * Which sizes run where is decided by the page (src/bench/page.ts): the cpu backend and a
 * software WebGPU / WebGL adapter run the quick sizes once; the others run quick and full
 * sizes, 3 repetitions. Quick sizes run everywhere, so the ratios compare like for like.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright';
import * as prettier from 'prettier';
import { createServer } from 'vite';
import type { BenchResult } from '../src/bench/measure';
import type { PeerResult } from '../src/bench/peer';
import {
  type Failed,
  type MachineInfo,
  buildReport,
  renderPerformanceDoc,
} from '../src/bench/report';
import { assertChromium, chromiumArgs, chromiumPath } from './chromium';

/** The backends the peer bundles (src/bench/peer.ts says why it has no wasm). */
const PEER_BACKENDS = ['webgpu', 'webgl', 'cpu'];

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,wasm,webgl,cpu' },
    quick: { type: 'boolean', default: false },
    model: { type: 'string', default: '/models/thumbprint-tiny/' },
    /** Seconds one page may take. */
    timeout: { type: 'string', default: '900' },
    'skip-peer': { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
  },
});

/** CPU model, cores and memory of this machine, Chromium's version, the GPU flags used. */
function machineInfo(chromiumVersion: string, results: BenchResult[]): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // Not Linux: os.cpus() already named it.
  }
  const adapter = results.find((r) => r.adapter)?.adapter;
  return {
    CPU: cpu,
    'CPU cores': String(cpus().length),
    Memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    Chromium: chromiumVersion,
    'Chromium GPU flags': process.env.CHROMIUM_GPU ? 'hardware (CHROMIUM_GPU=1)' : 'SwiftShader',
    'WebGPU adapter': adapter
      ? `${adapter.description || adapter.vendor || '?'} (${adapter.architecture || '?'}), ` +
        `isFallback ${adapter.isFallback}`
      : 'none',
    Node: process.version,
  };
}

assertChromium();
const server = await createServer({
  // No HMR: an edit anywhere under src/ (other work goes on meanwhile) would reload a page
  // in the middle of its measurements.
  server: { host: '127.0.0.1', port: 5199, strictPort: false, hmr: false },
  logLevel: 'warn',
  // Bundle the peer up front: found at run time, it would make Vite reload the page.
  optimizeDeps: { include: ['@genai-fi/nanogpt'] },
});
await server.listen();
const base = server.resolvedUrls!.local[0];
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
const results: (BenchResult | Failed)[] = [];
const peers: (PeerResult | Failed)[] = [];
const started = Date.now();

/** Opens the bench page with `query` and waits for its window.__bench. */
async function runPage(backend: string, query: string): Promise<unknown> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`  page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'info') console.log(`  ${m.text()}`);
    if (m.type() === 'error' || m.type() === 'warning') console.error(`  console: ${m.text()}`);
  });
  try {
    const model = encodeURIComponent(args.model!);
    await page.goto(`${base}src/bench/index.html?backend=${backend}&model=${model}${query}`);
    const handle = await page.waitForFunction(() => window.__bench, undefined, {
      timeout: Number(args.timeout) * 1000,
      polling: 1000,
    });
    return await handle.jsonValue();
  } catch (e) {
    return { error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  } finally {
    await page.close();
  }
}

const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
try {
  for (const backend of args.backends!.split(',')) {
    console.log(`→ ${backend} (${elapsed()})`);
    const r = (await runPage(backend, args.quick ? '&quick' : '')) as BenchResult | Failed;
    results.push({ ...r, backend });
    if (args['skip-peer']) continue;
    if (!PEER_BACKENDS.includes(backend)) {
      peers.push({ backend, error: 'the peer has no wasm backend' });
    } else if ('error' in r) {
      peers.push({ backend, error: 'not run: our page failed' });
    } else {
      console.log(`→ ${backend}, peer (${elapsed()})`);
      const { batch, steps } = r.peerBatch;
      const p = (await runPage(backend, `&peer&batch=${batch}&steps=${steps}`)) as
        PeerResult | Failed;
      peers.push({ ...p, backend });
    }
  }
  const ok = results.filter((r): r is BenchResult => !('error' in r));
  const machine = machineInfo(browser.version(), ok);
  const report = buildReport(results, peers);
  console.log(`\n(${elapsed()})\n\n` + report.join('\n'));

  mkdirSync('bench-results', { recursive: true });
  const date = new Date().toISOString();
  const json = { date, machine, results, peers, report };
  writeFileSync('bench-results/bench.json', JSON.stringify(json, null, 2));
  console.log('\nwrote bench-results/bench.json');
  if (args['write-docs']) {
    mkdirSync('docs', { recursive: true });
    const extra = process.argv.slice(2).join(' ');
    const command = extra ? `npm run bench -- ${extra}` : 'npm run bench';
    const doc = renderPerformanceDoc({ date: date.slice(0, 10), command, machine, report });
    // Formatted as the repository's own Prettier would, so that npm run lint stays clean.
    const options = (await prettier.resolveConfig('docs/PERFORMANCE.md')) ?? {};
    writeFileSync(
      'docs/PERFORMANCE.md',
      await prettier.format(doc, { ...options, parser: 'markdown' }),
    );
    console.log('wrote docs/PERFORMANCE.md');
  }
} finally {
  await browser.close();
  await server.close();
}
