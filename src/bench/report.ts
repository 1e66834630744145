/**
 * The bench's tables, from the results of every backend's page: pure functions of plain
 * data, so that scripts/bench.ts prints them and docs/PERFORMANCE.md is written from them.
 * Every ratio is a speed-up (above 1: faster) between numbers measured at the same sizes.
 */
import type { BenchResult } from './measure';
import type { PeerResult } from './peer';
import type { StageReport } from './stages';
import { STAGES, STAGE_LABELS, STAGE_SIZES, type Tier } from './tiers';
import type { BenchRow } from './throughput';

export type Failed = { backend: string; error: string };

/** Targets of issue #5. */
export const TARGETS = Object.freeze({
  /** KV cache vs recompute, tokens/s, at 128 new tokens. */
  kvSpeedup: 8,
  /** cpu's PPO step time over the best backend's, at the same sizes. */
  ppoVsCpu: 20,
  /** Composite ops' time over the fused WGSL kernel's, on webgpu. */
  fusedVsComposite: 2,
});

/** Each fused kernel's time against the composite ops it replaces, from "kernel …" rows. */
export function kernelSpeedups(
  r: BenchResult,
): { name: string; fusedMs: number; compositeMs: number; x: number }[] {
  const out: { name: string; fusedMs: number; compositeMs: number; x: number }[] = [];
  for (const fused of r.rows) {
    const m = /^kernel (.+) fused$/.exec(fused.name);
    const composite = m && rowOf(r, `kernel ${m[1]} composite`);
    if (!m || !composite) continue;
    const x = speedup(fused.ms, composite.ms, true);
    if (x !== undefined) out.push({ name: m[1], fusedMs: fused.ms, compositeMs: composite.ms, x });
  }
  return out;
}

/** The fused-kernel table of every backend that ran them (webgpu only). */
export function kernelTable(results: BenchResult[]): string[] {
  const rows = results.flatMap((r) =>
    kernelSpeedups(r).map((k) => [
      `${k.name} (${r.backend})`,
      formatNumber(k.fusedMs),
      formatNumber(k.compositeMs),
      formatRatio(k.x),
    ]),
  );
  if (rows.length === 0) return [];
  return markdownTable(['kernel [rows, columns]', 'fused ms', 'composite ms', 'speed-up'], rows);
}

/** 3 significant-ish digits: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23". */
export function formatNumber(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 0.1 ? 2 : 3);
}

/** "12.3×", or "–" when either side is missing. */
export function formatRatio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${formatNumber(x)}×`;
}

/**
 * How many times faster `value` is than `base`: base/value for times (lower is better),
 * value/base for rates. Undefined when either is missing or not positive.
 */
export function speedup(
  value: number | undefined,
  base: number | undefined,
  lowerIsBetter: boolean,
): number | undefined {
  if (!(value! > 0) || !(base! > 0)) return undefined;
  return lowerIsBetter ? base! / value! : value! / base!;
}

/**
 * A Markdown table whose columns are padded to line up in a terminal too. `align` gives each
 * column's alignment; by default the first (names) is left-aligned and the rest (numbers)
 * right-aligned.
 */
export function markdownTable(
  header: string[],
  rows: string[][],
  align: ('l' | 'r')[] = header.map((_, i) => (i === 0 ? 'l' : 'r')),
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => align[i] !== 'r';
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = widths.map((w, i) => (left(i) ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':'));
  return [line(header), `|${rule.join('|')}|`, ...rows.map(line)];
}

type Measure = { name: string; unit: 'ms' | 'tok/s'; get: (r: BenchResult) => number | undefined };

function stageOf(r: BenchResult, tier: Tier): StageReport | undefined {
  return r.stages.find((s) => s.tier === tier);
}

function rowOf(r: BenchResult, name: string): BenchRow | undefined {
  return r.rows.find((x) => x.name === name);
}

/** The measurements of one tier, in table order: the PPO step and its stages first. */
function measuresOf(results: BenchResult[], tier: Tier): Measure[] {
  const st = (f: (s: StageReport) => number) => (r: BenchResult) => {
    const s = stageOf(r, tier);
    return s ? f(s) : undefined;
  };
  const out: Measure[] = [
    { name: 'PPO step', unit: 'ms', get: st((s) => s.stepMs) },
    ...STAGES.map((k) => ({
      name: `  ${STAGE_LABELS[k]}`,
      unit: 'ms' as const,
      get: st((s) => s.stageMs[k]),
    })),
    { name: 'reward-model step', unit: 'ms', get: st((s) => s.rewardStepMs) },
  ];
  const names = [
    ...new Set(results.flatMap((r) => r.rows.filter((x) => x.tier === tier).map((x) => x.name))),
  ];
  for (const name of names) {
    out.push({ name, unit: 'tok/s', get: (r) => rowOf(r, name)?.tokensPerSecond });
  }
  return out;
}

/** One tier's table: a column per backend, then each backend's speed-up over cpu. */
export function tierTable(results: BenchResult[], tier: Tier): string[] {
  const ran = results.filter((r) => r.tiers.includes(tier));
  if (ran.length === 0) return [];
  const cpu = ran.find((r) => r.backend === 'cpu');
  const others = cpu ? ran.filter((r) => r !== cpu) : [];
  const header = ['measurement', 'unit', ...ran.map((r) => r.backend)];
  header.push(...others.map((r) => `${r.backend} ×cpu`));
  const rows = measuresOf(ran, tier).map((m) => [
    m.name,
    m.unit,
    ...ran.map((r) => formatNumber(m.get(r))),
    ...others.map((r) => formatRatio(speedup(m.get(r), m.get(cpu!), m.unit === 'ms'))),
  ]);
  return markdownTable(header, rows, ['l', 'l', ...header.slice(2).map(() => 'r' as const)]);
}

/** Share of the summed stage times, per backend and tier: where a PPO step's time goes. */
export function stageShareTable(results: BenchResult[]): string[] {
  const cols = results.flatMap((r) => r.stages.map((s) => ({ r, s })));
  if (cols.length === 0) return [];
  const header = ['stage', ...cols.map(({ r, s }) => `${r.backend} ${s.tier}`)];
  const rows = STAGES.map((k) => [
    STAGE_LABELS[k],
    ...cols.map(({ s }) => {
      const total = STAGES.reduce((n, x) => n + s.stageMs[x], 0);
      return `${((100 * s.stageMs[k]) / total).toFixed(0)} %`;
    }),
  ]);
  return markdownTable(header, rows);
}

/** KV-cache speed-up (tokens/s with the cache over without) for every pair measured. */
export function kvSpeedups(r: BenchResult): { batch: number; newTokens: number; x: number }[] {
  const out: { batch: number; newTokens: number; x: number }[] = [];
  for (const row of r.rows) {
    const m = /^generate b(\d+) (\d+) new kv-cache$/.exec(row.name);
    const slow = m && rowOf(r, row.name.replace('kv-cache', 'recompute'));
    if (!m || !slow) continue;
    const x = speedup(row.tokensPerSecond, slow.tokensPerSecond, false)!;
    out.push({ batch: Number(m[1]), newTokens: Number(m[2]), x });
  }
  return out;
}

/** The fastest non-cpu PPO step at the quick sizes, against cpu's. */
export function bestPPOVsCpu(
  results: BenchResult[],
): { backend: string; x: number; ms: number; cpuMs: number } | undefined {
  const cpu = results.find((r) => r.backend === 'cpu');
  const cpuMs = cpu && stageOf(cpu, 'quick')?.stepMs;
  if (!cpuMs) return undefined;
  let best: { backend: string; x: number; ms: number; cpuMs: number } | undefined;
  for (const r of results) {
    const ms = r === cpu ? undefined : stageOf(r, 'quick')?.stepMs;
    if (ms && (!best || ms < best.ms)) best = { backend: r.backend, x: cpuMs / ms, ms, cpuMs };
  }
  return best;
}

/** Training GFLOP/s against the matmul peak, from the largest training step measured. */
export function matmulShare(r: BenchResult) {
  const peak = r.matmul.reduce((b, p) => (p.gflops > (b?.gflops ?? 0) ? p : b), r.matmul[0]);
  const train = r.rows
    .filter((x) => x.flops !== undefined)
    .reduce<BenchRow | undefined>((b, x) => (!b || x.tokens > b.tokens ? x : b), undefined);
  if (!peak || !train) return undefined;
  const achieved = train.flops! / train.ms / 1e6;
  return { peak, train: train.name, achieved, share: achieved / peak.gflops };
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '–' : (bytes / 1e6).toFixed(1));
const tick = (ok: boolean) => (ok ? 'meets' : 'misses');

/** Every table and the verdicts against the targets, as Markdown lines. */
export function buildReport(all: (BenchResult | Failed)[], peers: (PeerResult | Failed)[] = []) {
  const results = all.filter((r): r is BenchResult => !('error' in r));
  const out: string[] = [];
  const para = (...lines: string[]) => out.push(...lines, '');

  const sizes = (tier: Tier) => {
    const z = results.flatMap((r) => r.stages).find((s) => s.tier === tier)?.sizes;
    const { batch, promptTokens, newTokens } = z ?? STAGE_SIZES[tier];
    return `PPO step: ${batch} prompts of ${promptTokens} tokens, ${newTokens} new tokens, 4 epochs × ${Math.min(2, batch)} minibatches; reward-model step: ${batch} preference pairs.`;
  };
  para(
    '### Quick sizes: every backend, so every ratio is like for like',
    `${sizes('quick')} "×cpu" = times as fast as the cpu backend.`,
  );
  para(...tierTable(results, 'quick'));
  const full = tierTable(results, 'full');
  if (full.length > 0) {
    para(
      '### Full sizes: backends fast enough for them',
      `${sizes('full')} Generation up to 128 new tokens (127 fit after the 1-token prompt ` +
        'in the 128-position context).',
    );
    para(...full);
  }
  para("### Where a PPO step's time goes (share of the summed stages)");
  para(...stageShareTable(results));

  para('### Targets');
  const kv: string[] = [];
  for (const r of results) {
    const at128 = kvSpeedups(r).filter((k) => k.newTokens === 128);
    const text = at128.map(
      (k) => `b${k.batch} ${formatRatio(k.x)} (${tick(k.x >= TARGETS.kvSpeedup)})`,
    );
    kv.push(`${r.backend}: ${text.length ? text.join(', ') : 'not measured (quick sizes only)'}`);
  }
  out.push(
    `- KV-cache speed-up at 128 new tokens, target ≥ ${TARGETS.kvSpeedup}×: ${kv.join('; ')}`,
  );
  const best = bestPPOVsCpu(results);
  out.push(
    `- Best backend's PPO step vs cpu (quick sizes), target ≥ ${TARGETS.ppoVsCpu}×: ` +
      (best
        ? `${best.backend} ${formatNumber(best.ms)} ms vs cpu ${formatNumber(best.cpuMs)} ms = ` +
          `${formatRatio(best.x)} (${tick(best.x >= TARGETS.ppoVsCpu)})`
        : 'not measured (needs cpu and another backend)'),
  );
  const kernels = results.flatMap((r) => kernelSpeedups(r));
  out.push(
    `- Each fused kernel vs the composite ops on webgpu, target ≥ ${TARGETS.fusedVsComposite}×: ` +
      (kernels.length
        ? kernels
            .map((k) => `${k.name} ${formatRatio(k.x)} (${tick(k.x >= TARGETS.fusedVsComposite)})`)
            .join(', ')
        : 'not measured (webgpu did not run)'),
  );
  out.push('');

  const kernelRows = kernelTable(results);
  if (kernelRows.length > 0) {
    para(
      '### Fused WGSL kernels vs the TF.js composite ops they replace (webgpu)',
      'At the embedded model’s shapes; forward, and forward + backward.',
    );
    para(...kernelRows);
  }
  para(...peerTable(results, peers));
  para('### Matmul peak and the training step’s share of it');
  para(
    ...markdownTable(
      ['backend', 'matmul peak GFLOP/s', 'at n', 'training step', 'GFLOP/s', 'share of peak'],
      results.map((r) => {
        const s = matmulShare(r);
        return s
          ? [r.backend, formatNumber(s.peak.gflops), `${s.peak.n}²`, s.train].concat([
              formatNumber(s.achieved),
              `${(100 * s.share).toFixed(1)} %`,
            ])
          : [r.backend, '–', '–', '–', '–', '–'];
      }),
    ),
  );
  para('### Memory and leaks');
  para(
    ...markdownTable(
      [
        'backend',
        'peak MB',
        'peak in GPU MB',
        'PPO step peak MB',
        'leaked/PPO step',
        'leaked/reward step',
        'leaked (page)',
      ],
      results.map((r) => [
        r.backend,
        mb(r.peakBytes),
        mb(r.peakBytesInGPU),
        r.stages.map((s) => `${mb(s.peak.bytes)} (${s.tier})`).join(', ') || '–',
        r.stages.map((s) => String(s.leakedPerStep)).join(', ') || '–',
        r.stages.map((s) => String(s.leakedPerRewardStep)).join(', ') || '–',
        String(r.leakedTensors),
      ]),
    ),
  );
  for (const r of all) if ('error' in r) out.push(`- ${r.backend}: error: ${r.error}`);
  return out;
}

/** Ours vs the peer, training tokens/s on the same token ids, backend by backend. */
export function peerTable(results: BenchResult[], peers: (PeerResult | Failed)[]): string[] {
  if (peers.length === 0) return [];
  const lib = peers.find((p): p is PeerResult => !('error' in p))?.library ?? '@genai-fi/nanogpt';
  const rows = peers.map((p) => {
    const r = results.find((x) => x.backend === p.backend);
    const ours = r?.rows.find((x) => x.name.startsWith('train peer batch'));
    if ('error' in p) {
      const size = r ? `${r.peerBatch.batch}×${r.peerBatch.T}` : '–';
      return [p.backend, size, formatNumber(ours?.tokensPerSecond), '–', '–', p.error];
    }
    const x = speedup(ours?.tokensPerSecond, p.tokensPerSecond, false);
    return [
      p.backend,
      `${p.batch}×${p.T}`,
      formatNumber(ours?.tokensPerSecond),
      formatNumber(p.tokensPerSecond),
      formatRatio(x),
      `loss ${formatNumber(p.loss[0])} → ${formatNumber(p.loss[1])}, ${p.parameters} params ` +
        `(ours ${r?.parameters ?? '–'})`,
    ];
  });
  return [
    `### Peer: ${lib}, training tokens/s on the same token ids`,
    '',
    ...markdownTable(['backend', 'batch', 'ours tok/s', 'peer tok/s', 'ours ×peer', 'note'], rows, [
      'l',
      'r',
      'r',
      'r',
      'r',
      'l',
    ]),
  ];
}

/** What the run was measured on: label → value, e.g. "CPU" → "AMD EPYC 7B13". */
export type MachineInfo = Record<string, string>;

/** docs/PERFORMANCE.md: how to regenerate it, the machine, then the report. */
export function renderPerformanceDoc(o: {
  date: string;
  command: string;
  machine: MachineInfo;
  report: string[];
}): string {
  return [
    '# Performance',
    '',
    `Measured ${o.date} by \`${o.command}\`; regenerate with ` +
      '`npm run bench -- --write-docs` (add `CHROMIUM_GPU=1` on a machine with a GPU). ' +
      'Numbers are measured, not asserted: on a shared machine they vary by ±50 %.',
    '',
    'Where the WebGPU adapter is a software one (SwiftShader, `isFallback true` below), webgpu ' +
      'runs on the CPU through Vulkan emulation and is the slowest backend: its numbers show ' +
      'that the kernels work and what fusing saves, not what a GPU gives. The app picks wasm ' +
      'on such a machine and says so. On a hardware adapter webgpu should lead; that run is ' +
      'still to be recorded here (CHROMIUM_GPU=1).',
    '',
    '## Machine',
    '',
    ...markdownTable(
      ['', ''],
      Object.entries(o.machine).map(([k, v]) => [k, v]),
      ['l', 'l'],
    ),
    '',
    '## Results',
    '',
    ...o.report,
  ].join('\n');
}
