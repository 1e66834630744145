/**
 * The e2e check's bookkeeping: named checks that record pass or fail without stopping the run,
 * assertions, polling, per-phase timings, and the tally of the feedback the run itself made
 * (so that counts read back from the app are compared with what was done, not with a guess).
 */

export interface CheckResult {
  name: string;
  ok: boolean;
  seconds: number;
  detail?: string;
}

export const results: CheckResult[] = [];

/** Runs one check; a throw marks it failed and the run goes on. Resolves true on a pass. */
export async function check(name: string, body: () => Promise<void>): Promise<boolean> {
  const t0 = Date.now();
  try {
    await body();
    const seconds = (Date.now() - t0) / 1000;
    results.push({ name, ok: true, seconds });
    console.log(`  ✓ ${name} (${seconds.toFixed(1)} s)`);
    return true;
  } catch (err) {
    const seconds = (Date.now() - t0) / 1000;
    const detail =
      err instanceof Error ? err.message.split('\n').slice(0, 8).join('\n') : String(err);
    results.push({ name, ok: false, seconds, detail });
    console.log(
      `  ✗ ${name} (${seconds.toFixed(1)} s)\n      ${detail.replace(/\n/g, '\n      ')}`,
    );
    return false;
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `test` every 250 ms until it holds; throws `message` (or its result) after the timeout. */
export async function until(
  test: () => Promise<boolean>,
  timeoutMs: number,
  message: string | (() => Promise<string>),
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(typeof message === 'string' ? message : await message());
    await sleep(250);
  }
}

/** How long each phase of the run took, printed at the end. */
export const phases: { name: string; seconds: number }[] = [];

/** Times `body` as a phase; the phase is recorded whether it passes or throws. */
export async function timed<T>(name: string, body: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await body();
  } finally {
    phases.push({ name, seconds: (Date.now() - t0) / 1000 });
  }
}

/** Feedback events by kind, as the Data tab counts them. */
export interface Counts {
  total: number;
  rating: number;
  ranking: number;
  pairwise: number;
  demonstration: number;
  synthetic: number;
}

/**
 * What this run stored, kept by each check as it stores it. The run starts on an empty
 * profile, so the Data tab must show exactly these numbers.
 */
export const made: Counts = {
  total: 0,
  rating: 0,
  ranking: 0,
  pairwise: 0,
  demonstration: 0,
  synthetic: 0,
};

export function addMade(
  kind: 'rating' | 'ranking' | 'pairwise' | 'demonstration',
  n = 1,
  synthetic = false,
): void {
  made[kind] += n;
  made.total += n;
  if (synthetic) made.synthetic += n;
}

export function formatCounts(c: Counts): string {
  return (
    `total ${c.total} (rating ${c.rating}, ranking ${c.ranking}, pairwise ${c.pairwise}, ` +
    `demonstration ${c.demonstration}; synthetic ${c.synthetic})`
  );
}

export function summarize(): { passed: number; failed: number } {
  if (phases.length > 0) {
    console.log('\nphases:');
    for (const p of phases) console.log(`  ${p.name.padEnd(44)} ${p.seconds.toFixed(1)} s`);
  }
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed };
}
