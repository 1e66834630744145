/**
 * End-to-end check of the whole app in headless Chromium: build with Vite, serve the build
 * with `vite preview` on 127.0.0.1:4173, and drive the page on the wasm backend through its
 * data-testid hooks:
 *
 * - the chat (scripts/e2e/chat.ts): replies, thumbs, ranking, shortcuts, settings, backend;
 * - issue #3 (scripts/e2e/feedback.ts): every feedback kind, found again after a reload and
 *   after a browser restart on the same profile, export, and imports good and bad;
 * - issue #4 (scripts/e2e/rlhf.ts): simulated rater, reward model, PPO with pause and
 *   resume, the checkpoint in the chat and in Compare, runs and checkpoint after a reload.
 *
 *   npm run test:e2e        (E2E_SKIP_BUILD=1 reuses the last build; E2E_ONLY=chat,feedback
 *                            runs only those parts; E2E_KEEP_PROFILE=1 keeps the profile dir)
 *
 * The browser runs on a persistent profile in a fresh temporary directory, so that closing it
 * and launching it again finds the same IndexedDB. Screenshots go to tmp/e2e-*.png. Prints
 * "N passed, N failed" and the time of each phase, and exits non-zero on a failure. Vitest's
 * browser mode cannot serve the app's index.html with its worker, hence a script.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { assertChromium, chromiumArgs, chromiumPath } from './chromium';
import { HOST, PORT, openApp } from './e2e/app';
import { chatChecks } from './e2e/chat';
import { afterRestartChecks, feedbackKindChecks } from './e2e/feedback';
import { check, phases, results, summarize, timed } from './e2e/harness';
import { interruptedRunCheck, resumeFromListCheck, rlhfChecks } from './e2e/rlhf';

const OUT_DIR = 'tmp/e2e-dist';
/** The project's own Vite (npx could fetch another version). */
const VITE = 'node_modules/.bin/vite';
const MODEL_FILE = 'models/thumbprint-tiny/model.safetensors';
const PARTS = (process.env.E2E_ONLY ?? 'chat,feedback,rlhf,resume').split(',');

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`vite preview did not answer at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * Whether a safetensors file is whole: its header is JSON and the data it describes ends at the
 * end of the file. The embedded model may be rewritten by a pre-training run while it is copied.
 */
function safetensorsWhole(path: string): boolean {
  try {
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<
      string,
      { data_offsets?: [number, number] }
    >;
    const end = Math.max(...Object.values(header).map((t) => t.data_offsets?.[1] ?? 0));
    return 8 + n + end === bytes.length;
  } catch {
    return false;
  }
}

async function build(): Promise<void> {
  console.log('building…');
  const args = ['build', '--outDir', OUT_DIR, '--emptyOutDir', '--logLevel', 'warn'];
  const result = spawnSync(VITE, args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`);
  // Copied mid-write: copy again until the file is whole.
  for (let i = 0; !safetensorsWhole(join(OUT_DIR, MODEL_FILE)); i++) {
    if (i === 10) throw new Error(`${OUT_DIR}/${MODEL_FILE} stays truncated`);
    console.log('the model file was copied mid-write; copying again…');
    await new Promise((r) => setTimeout(r, 2_000));
    copyFileSync(join('public', MODEL_FILE), join(OUT_DIR, MODEL_FILE));
  }
}

function launch(profile: string): Promise<BrowserContext> {
  // Playwright refuses --user-data-dir in args: a persistent context takes the directory.
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
  });
}

async function firstPage(context: BrowserContext): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => console.log(`      page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.log(`      console error: ${msg.text()}`);
  });
  return page;
}

async function main(): Promise<void> {
  assertChromium();
  mkdirSync('tmp', { recursive: true });
  if (!process.env.E2E_SKIP_BUILD) await timed('vite build', build);
  const server: ChildProcess = spawn(
    VITE,
    ['preview', '--outDir', OUT_DIR, '--host', HOST, '--port', String(PORT), '--strictPort'],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  const profile = mkdtempSync(join(tmpdir(), 'thumbprint-e2e-'));
  let context: BrowserContext | undefined;
  try {
    await waitForServer(`http://${HOST}:${PORT}/`, 60_000);
    context = await launch(profile);
    let page = await firstPage(context);
    const on = (part: string) => PARTS.includes(part);

    // The chat part opens the app; a run without it (E2E_ONLY) opens it here.
    if (!on('chat')) await openApp(page);
    const chatOk = on('chat') ? await timed('chat (issue #2)', () => chatChecks(page)) : true;
    if (!chatOk) return;
    if (on('feedback')) {
      await timed('issue #3: every feedback kind, reload', () => feedbackKindChecks(page));
      // The same profile in a new browser process: IndexedDB must still hold everything.
      await context.close();
      context = undefined;
      const restarted = await check('the browser restarts on the same profile', async () => {
        context = await launch(profile);
        page = await firstPage(context);
      });
      if (!restarted || !context) return;
      await timed('issue #3: restart, export, import', () => afterRestartChecks(page));
    }
    if (on('rlhf')) await rlhfChecks(page);
    if (on('resume')) {
      await resumeFromListCheck(page);
      await interruptedRunCheck(page);
    }
  } finally {
    await (context as BrowserContext | undefined)?.close();
    // The server runs in its own process group: end the whole group.
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
    if (!process.env.E2E_KEEP_PROFILE) rmSync(profile, { recursive: true, force: true });
  }
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    results.push({ name: 'the run itself', ok: false, seconds: 0 });
  })
  .finally(() => {
    const { passed, failed } = summarize();
    const total = phases.reduce((s, p) => s + p.seconds, 0);
    console.log(
      `\n${passed} passed, ${failed} failed (phases took ${(total / 60).toFixed(1)} min)`,
    );
    if (failed > 0 || passed === 0) process.exitCode = 1;
  });
