/**
 * npm run bench — measures every backend side by side in headless Chromium, in one run:
 * serves the bench page with Vite, opens it once per backend, prints a table with ratios
 * and writes bench-results/bench.json.
 *
 *   npm run bench                       # all backends, embedded model
 *   npm run bench -- --backends wasm,webgpu --quick
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { chromium } from 'playwright';
import { assertChromium, chromiumArgs, chromiumPath } from './chromium';
import type { BenchResult } from '../src/bench/measure';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,wasm,webgl,cpu' },
    quick: { type: 'boolean', default: false },
    model: { type: 'string', default: '/models/thumbprint-tiny/' },
    timeout: { type: 'string', default: '900' },
  },
});

assertChromium();
const server = await createServer({ server: { host: '127.0.0.1', port: 5199, strictPort: false }, logLevel: 'warn' });
await server.listen();
const base = server.resolvedUrls!.local[0];
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
const results: (BenchResult | { backend: string; error: string })[] = [];

try {
  for (const backend of args.backends!.split(',')) {
    const page = await browser.newPage();
    const url = `${base}src/bench/index.html?backend=${backend}&model=${encodeURIComponent(args.model!)}${args.quick ? '&quick' : ''}`;
    console.log(`→ ${backend}`);
    page.on('pageerror', (e) => console.error(`  page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.error(`  console: ${m.text()}`);
    });
    await page.goto(url);
    const handle = await page.waitForFunction(() => window.__bench, undefined, {
      timeout: Number(args.timeout) * 1000,
      polling: 1000,
    });
    const r = (await handle.jsonValue()) as BenchResult | { error: string };
    results.push({ backend, ...r } as BenchResult | { backend: string; error: string });
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

// Table: one row per measurement, one column per backend, plus ratios to the cpu backend.
const ok = results.filter((r): r is BenchResult => !('error' in r));
const names = [...new Set(ok.flatMap((r) => r.rows.map((row) => row.name)))];
const cpu = ok.find((r) => r.backend === 'cpu');
const header = ['measurement (tokens/s)', ...ok.map((r) => r.backend), ...(cpu ? ok.filter((r) => r !== cpu).map((r) => `${r.backend}/cpu`) : [])];
const lines = [header.join(' | ')];
for (const name of names) {
  const tps = ok.map((r) => r.rows.find((row) => row.name === name)?.tokensPerSecond);
  const c = cpu?.rows.find((row) => row.name === name)?.tokensPerSecond;
  const ratios = cpu ? ok.filter((r) => r !== cpu).map((r) => {
    const v = r.rows.find((row) => row.name === name)?.tokensPerSecond;
    return v && c ? `${(v / c).toFixed(1)}×` : '–';
  }) : [];
  lines.push([name, ...tps.map((v) => (v === undefined ? '–' : v.toFixed(1))), ...ratios].join(' | '));
}
// KV cache speed-up per backend.
for (const r of ok) {
  for (const row of r.rows.filter((x) => x.name.endsWith('kv-cache'))) {
    const slow = r.rows.find((x) => x.name === row.name.replace('kv-cache', 'recompute'));
    if (slow) lines.push(`${r.backend}: ${row.name.replace(' kv-cache', '')} cache speed-up ${(row.tokensPerSecond / slow.tokensPerSecond).toFixed(1)}×`);
  }
  lines.push(`${r.backend}: peak tensor memory ${(r.peakBytes / 1e6).toFixed(1)} MB, leaked tensors ${r.leakedTensors}${r.adapter ? `, adapter ${r.adapter.description || r.adapter.architecture}${r.adapter.isFallback ? ' (fallback)' : ''}` : ''}`);
}
for (const r of results) if ('error' in r) lines.push(`${r.backend}: error: ${r.error}`);
console.log('\n' + lines.join('\n'));
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/bench.json', JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
console.log('\nwrote bench-results/bench.json');
