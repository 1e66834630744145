// The pure helpers of the data, train and compare views (the elements themselves are tested in
// real Chromium: test/browser/views.test.ts).
import { describe, expect, it } from 'vitest';
import { alignMetrics, formatMetric } from '../../src/ui/metric-chart';
import { formatBytes } from '../../src/ui/data-view';
import { counted } from '../../src/ui/format';
import { finalMetrics } from '../../src/ui/train-runs';
import { statusText, type LiveRun } from '../../src/ui/train-run-bar';
import type { RunMetrics } from '../../src/store/schema';

describe('alignMetrics', () => {
  it('sorts steps, merges a step logged twice, and drops keys never logged', () => {
    const aligned = alignMetrics(
      [
        { step: 2, values: { a: 1 } },
        { step: 1, values: { a: 0.5, b: 3 } },
        { step: 2, values: { b: 4 } },
        { step: 3, values: { b: NaN } },
      ],
      ['a', 'b', 'c'],
    );
    expect(aligned).toEqual({
      keys: ['a', 'b'],
      data: [
        [1, 2, 3],
        [0.5, 1, null],
        [3, 4, null],
      ],
    });
  });
});

describe('formatMetric', () => {
  it('keeps 4 significant digits and uses exponents only for very small or large values', () => {
    expect(formatMetric(0)).toBe('0');
    expect(formatMetric(12.34567)).toBe('12.35');
    expect(formatMetric(-0.5)).toBe('-0.5');
    expect(formatMetric(0.000123)).toBe('1.23e-4');
    expect(formatMetric(250000)).toBe('2.50e+5');
  });
});

describe('statusText', () => {
  const run: LiveRun = { kind: 'ppo', phase: 'running', step: 3, totalSteps: 20, message: '' };
  it('says what the run is doing, in the words the status line uses', () => {
    expect(statusText(undefined)).toBe('No run yet.');
    expect(statusText(run)).toBe('PPO running — step 3/20');
    expect(statusText({ ...run, message: 'rollout' })).toBe('PPO running — step 3/20 · rollout');
    expect(statusText({ ...run, kind: 'reward', totalSteps: 0 })).toBe(
      'Reward model running — step 3',
    );
    expect(statusText({ ...run, phase: 'paused' })).toBe('paused — PPO, step 3/20');
    expect(statusText({ ...run, phase: 'done', step: 20 })).toBe('done — PPO, step 20/20');
    expect(statusText({ ...run, phase: 'stopped' })).toBe('stopped — PPO, step 3/20');
    expect(statusText({ ...run, phase: 'failed', message: 'out of memory' })).toBe(
      'failed: out of memory',
    );
  });
});

describe('finalMetrics', () => {
  it('takes the latest logged value of each summary key', () => {
    const metrics: RunMetrics[] = [
      { step: 1, values: { 'loss/reward': 0.7, 'eval/accuracy': 0.5 } },
      { step: 2, values: { 'loss/reward': 0.6, 'reward/margin': 0.1 } },
    ];
    const run = { id: 'r', kind: 'reward' as const, status: 'done' as const, config: {} };
    expect(finalMetrics({ ...run, createdAt: 0, updatedAt: 0, metrics })).toEqual([
      ['loss/reward', 0.6],
      ['eval/accuracy', 0.5],
    ]);
  });
});

describe('formatBytes', () => {
  it('picks the unit that keeps the number at or above 1', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(60e9)).toBe('60.0 GB');
  });
});

describe('counted', () => {
  it('puts the noun in the number the count needs', () => {
    expect(counted(1, 'judgment')).toBe('1 judgment');
    expect(counted(0, 'tie')).toBe('0 ties');
    expect(counted(2, 'both-bad choice')).toBe('2 both-bad choices');
    expect(counted(3, 'reply', 'replies')).toBe('3 replies');
  });
});
