// The bench's tables: ratios are speed-ups between numbers measured at the same sizes,
// checked on made-up results whose ratios are worked out by hand.
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/bench/measure';
import {
  bestPPOVsCpu,
  buildReport,
  formatNumber,
  formatRatio,
  kernelSpeedups,
  kvSpeedups,
  markdownTable,
  matmulShare,
  speedup,
  tierTable,
} from '../../src/bench/report';
import type { StageReport } from '../../src/bench/stages';
import { STAGE_SIZES } from '../../src/bench/tiers';

function stages(stepMs: number, stageMs: [number, number, number, number, number]): StageReport {
  const [generate, reference, policy, reward, update] = stageMs;
  return {
    tier: 'quick',
    sizes: { ...STAGE_SIZES.quick },
    ppo: { ppoEpochs: 4, miniBatches: 2 },
    reps: 1,
    stageMs: { generate, reference, policy, reward, update },
    stepMs,
    rolloutMs: stepMs - update,
    rewardStepMs: stepMs / 2,
    meanResponseTokens: 8,
    leakedPerStep: 0,
    leakedPerRewardStep: 0,
    peak: { bytes: 1e6 },
  };
}

function result(backend: string, stepMs: number, kv: number, recompute: number): BenchResult {
  return {
    backend,
    parameters: 1000,
    rows: [
      {
        name: 'generate b1 128 new kv-cache',
        tier: 'full',
        ms: 1,
        tokens: 127,
        tokensPerSecond: kv,
      },
      {
        name: 'generate b1 128 new recompute',
        tier: 'full',
        ms: 1,
        tokens: 127,
        tokensPerSecond: recompute,
      },
      {
        name: 'train step 2×32',
        tier: 'quick',
        ms: 100,
        tokens: 64,
        tokensPerSecond: 640,
        flops: 2e8,
      },
    ],
    peakBytes: 2e6,
    leakedTensors: 0,
    tiers: ['quick', 'full'],
    stages: [stages(stepMs, [10, 5, 5, 10, 70])],
    matmul: [
      { n: 256, ms: 1, gflops: 20 },
      { n: 512, ms: 2, gflops: 40 },
    ],
    peerBatch: { batch: 2, T: 128, steps: 1 },
  };
}

const cpu = result('cpu', 3000, 50, 25);
const wasm = result('wasm', 100, 400, 40);

describe('report helpers', () => {
  it('formats numbers to about three digits and ratios with ×', () => {
    expect(formatNumber(1234.4)).toBe('1234');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(0.01234)).toBe('0.012');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatRatio(30)).toBe('30.0×');
    expect(formatRatio(undefined)).toBe('–');
  });

  it('turns times and rates into speed-ups, above 1 meaning faster', () => {
    expect(speedup(100, 3000, true)).toBe(30); // 100 ms vs cpu's 3000 ms
    expect(speedup(400, 50, false)).toBe(8); // 400 tok/s vs cpu's 50
    expect(speedup(undefined, 50, false)).toBeUndefined();
    expect(speedup(0, 50, true)).toBeUndefined();
  });

  it('pads Markdown tables so that the columns line up', () => {
    expect(markdownTable(['a', 'bb'], [['xyz', '1']])).toEqual([
      '| a   | bb |',
      '|-----|---:|',
      '| xyz |  1 |',
    ]);
  });
});

describe('report', () => {
  it('gives every backend its speed-up over cpu, per measurement', () => {
    const lines = tierTable([wasm, cpu], 'quick');
    expect(lines[0]).toMatch(/^\| measurement +\| unit +\| wasm \| +cpu \| wasm ×cpu \|$/);
    // 3000 ms / 100 ms; the update stage 70 / 70 (both made with the same stage shares).
    expect(lines.find((l) => l.startsWith('| PPO step '))).toMatch(/\| +30\.0× \|$/);
    expect(lines.find((l) => l.includes('train step 2×32'))).toMatch(/\| +1\.00× \|$/);
  });

  it('finds the KV-cache speed-up and the best PPO step against cpu', () => {
    expect(kvSpeedups(wasm)).toEqual([{ batch: 1, newTokens: 128, x: 10 }]);
    expect(kvSpeedups(cpu)).toEqual([{ batch: 1, newTokens: 128, x: 2 }]);
    expect(bestPPOVsCpu([cpu, wasm])).toEqual({ backend: 'wasm', x: 30, ms: 100, cpuMs: 3000 });
    expect(bestPPOVsCpu([wasm])).toBeUndefined();
  });

  it('measures the training step against the best matmul point', () => {
    // 2e8 FLOPs in 100 ms = 2 GFLOP/s, against the 40 GFLOP/s of n = 512: 5 %.
    const s = matmulShare(wasm)!;
    expect(s.peak.n).toBe(512);
    expect(s.achieved).toBe(2);
    expect(s.share).toBe(0.05);
  });

  it('states each target as met or missed', () => {
    const text = buildReport([wasm, cpu, { backend: 'webgl', error: 'no context' }]).join('\n');
    expect(text).toContain('wasm: b1 10.0× (meets)');
    expect(text).toContain('cpu: b1 2.00× (misses)');
    expect(text).toContain('wasm 100 ms vs cpu 3000 ms = 30.0× (meets)');
    expect(text).toContain('- webgl: error: no context');
  });

  it('gives each fused kernel its speed-up over the composite ops, and the target', () => {
    const gpu = result('webgpu', 200, 10, 20);
    const k = (name: string, ms: number) => ({
      name,
      tier: 'quick' as const,
      ms,
      tokens: 64,
      tokensPerSecond: 1,
    });
    gpu.rows.push(
      k('kernel gelu fwd [64, 512] fused', 2),
      k('kernel gelu fwd [64, 512] composite', 9),
      k('kernel layerNorm fwd [64, 128] fused', 4),
      k('kernel layerNorm fwd [64, 128] composite', 6),
    );
    // 9 / 2 = 4.5×; 6 / 4 = 1.5×.
    expect(kernelSpeedups(gpu)).toEqual([
      { name: 'gelu fwd [64, 512]', fusedMs: 2, compositeMs: 9, x: 4.5 },
      { name: 'layerNorm fwd [64, 128]', fusedMs: 4, compositeMs: 6, x: 1.5 },
    ]);
    const text = buildReport([gpu, cpu]).join('\n');
    expect(text).toContain(
      'gelu fwd [64, 512] 4.50× (meets), layerNorm fwd [64, 128] 1.50× (misses)',
    );
    expect(text).toMatch(/\| gelu fwd \[64, 512\] \(webgpu\) +\| +2\.00 \| +9\.00 \| +4\.50× \|/);
  });
});
