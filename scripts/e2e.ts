/**
 * End-to-end check of the whole app in headless Chromium: build with Vite, serve the build
 * with `vite preview` on 127.0.0.1:4173, then load the page on the wasm backend, chat, rate,
 * rank, use the keyboard shortcuts, reload, and check that the feedback is still stored.
 *
 *   npm run test:e2e                 (E2E_SKIP_BUILD=1 reuses the last build)
 *
 * Screenshots go to tmp/e2e-*.png. Prints "N passed, N failed" and exits non-zero on a
 * failure. Vitest's browser mode cannot serve the app's index.html with its worker, hence a
 * script.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium, type Locator, type Page } from 'playwright';
import { assertChromium, chromiumArgs, chromiumPath } from './chromium';

const HOST = '127.0.0.1';
const PORT = 4173;
const OUT_DIR = 'tmp/e2e-dist';
/** The project's own Vite (npx could fetch another version). */
const VITE = 'node_modules/.bin/vite';
const URL_ = `http://${HOST}:${PORT}/?backend=wasm`;
/** Loading and warming up the model on wasm took ~10 s here; generous for a busy machine. */
const MODEL_TIMEOUT_MS = 240_000;
const REPLY_TIMEOUT_MS = 180_000;

const results: { name: string; ok: boolean; detail?: string }[] = [];

async function check(name: string, body: () => Promise<void>): Promise<boolean> {
  const t0 = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return true;
  } catch (err) {
    const detail =
      err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n') : String(err);
    results.push({ name, ok: false, detail });
    console.log(`  ✗ ${name}\n      ${detail.replace(/\n/g, '\n      ')}`);
    return false;
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

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

async function until(
  test: () => Promise<boolean>,
  timeoutMs: number,
  message: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pressed(l: Locator): Promise<string | null> {
  return l.getAttribute('aria-pressed');
}

async function rankOrder(page: Page): Promise<string[]> {
  return page
    .getByTestId('rank-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

async function run(page: Page): Promise<void> {
  const reply = page.getByTestId('reply');

  const loaded = await check('the model loads on the wasm backend', async () => {
    await page.goto(URL_);
    await page
      .getByTestId('load-progress')
      .or(page.getByTestId('model-status'))
      .first()
      .waitFor({ state: 'attached' });
    const status = page.locator(
      '[data-testid=model-status][data-state=ready], [data-testid=load-error]',
    );
    await status.first().waitFor({ state: 'attached', timeout: MODEL_TIMEOUT_MS });
    const error = page.getByTestId('load-error');
    if (await error.count()) throw new Error(`load failed: ${await error.innerText()}`);
    const backend = await page.getByTestId('backend').innerText();
    assert(backend.includes('wasm'), `backend shows "${backend}", expected wasm`);
  });
  if (!loaded) return;

  const replied = await check(
    'a prompt gets K = 2 non-empty replies, streamed and stored',
    async () => {
      const input = page.getByTestId('prompt-input');
      await input.fill('Tell me something fun about space.');
      await page.getByTestId('send').click();
      await page
        .getByTestId('stop')
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
      await page
        .locator('.turn[data-status=done], .turn[data-status=failed]')
        .first()
        .waitFor({ timeout: REPLY_TIMEOUT_MS });
      const failed = page.locator('.turn[data-status=failed]');
      if (await failed.count()) throw new Error(`generation failed: ${await failed.innerText()}`);
      const texts = await reply.allInnerTexts();
      assert(texts.length === 2, `expected 2 replies, found ${texts.length}`);
      assert(
        texts.every((t) => t.trim() !== ''),
        `a reply is empty: ${JSON.stringify(texts)}`,
      );
      console.log(`      replies: ${texts.map((t) => JSON.stringify(t.slice(0, 60))).join(' | ')}`);
    },
  );
  if (!replied) return;

  await check('thumbs up is pressed and saved', async () => {
    const up = page.getByTestId('thumb-up').first();
    await up.click();
    await up.and(page.locator('[aria-pressed=true]')).waitFor({ timeout: 10_000 });
    const toast = await page.getByTestId('toast').innerText();
    assert(/Saved: thumbs up on reply 1/.test(toast), `toast says "${toast}"`);
  });

  await check('the ranking moves by keyboard and by drag, and saves', async () => {
    await page.getByText('Rank all 2 replies').click();
    const before = await rankOrder(page);
    await page.getByTestId('rank-row').first().focus();
    await page.keyboard.press('Alt+ArrowDown');
    const afterKeys = await rankOrder(page);
    assert(
      afterKeys[0] === before[1] && afterKeys[1] === before[0],
      `Alt+↓ gave ${afterKeys} from ${before}`,
    );
    const rows = page.getByTestId('rank-row');
    await rows.nth(1).dragTo(rows.nth(0));
    const afterDrag = await rankOrder(page);
    assert(afterDrag.join() === before.join(), `drag gave ${afterDrag}, expected ${before}`);
    await page.getByTestId('rank-save').click();
    await page.getByTestId('toast').getByText('Saved: ranking').waitFor({ timeout: 10_000 });
  });

  await check('shortcuts: A picks reply 1, U undoes it', async () => {
    await page.locator('.log').focus();
    await page.keyboard.press('a');
    const a = page.getByTestId('choose-a');
    await a.and(page.locator('[aria-pressed=true]')).waitFor({ timeout: 10_000 });
    await page.keyboard.press('u');
    await page
      .getByTestId('toast')
      .getByText('Undone: choice: reply 1 is better')
      .waitFor({ timeout: 10_000 });
    assert((await pressed(a)) === 'false', 'choose-a still pressed after undo');
  });

  mkdirSync('tmp', { recursive: true });
  await page.screenshot({ path: 'tmp/e2e-chat.png', fullPage: true });

  await check('settings: K = 9 is refused with a message; K = 3 gives 3 replies', async () => {
    await page.getByRole('button', { name: /Settings/ }).click();
    const k = page.locator('input[name=candidates]');
    await k.fill('9');
    await page.getByText('Candidates (K) must be 2, 3 or 4.').waitFor({ timeout: 5_000 });
    await k.fill('3');
    const input = page.getByTestId('prompt-input');
    await input.fill('How do I keep a houseplant alive?');
    await input.press('Enter');
    const settled = page.locator('.turn[data-status=done], .turn[data-status=failed]');
    await until(async () => (await settled.count()) === 2, REPLY_TIMEOUT_MS, 'no second turn');
    const failed = page.locator('.turn[data-status=failed]');
    if (await failed.count()) throw new Error(`generation failed: ${await failed.innerText()}`);
    assert((await reply.count()) === 5, `expected 2 + 3 replies, found ${await reply.count()}`);
  });

  await check('shortcuts: Esc leaves the message box, Shift+2 thumbs reply 2 down', async () => {
    await page.getByTestId('prompt-input').focus();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Digit2');
    const down = page.locator('.turn').last().getByTestId('thumb-down').nth(1);
    await down.and(page.locator('[aria-pressed=true]')).waitFor({ timeout: 10_000 });
  });

  await check('the backend menu switches to cpu and the header says so', async () => {
    await page.locator('tp-backend-panel select').selectOption('cpu');
    const name = page.getByTestId('backend');
    await until(async () => (await name.innerText()) === 'cpu', 60_000, 'the backend stayed wasm');
    const reason = await page.getByTestId('backend-reason').innerText();
    assert(reason === 'chosen by you', `reason is "${reason}"`);
  });

  // Dark mode, as a person sees it: the viewport scrolled to the end, the help open.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('.log').focus();
  await page.keyboard.press('?');
  await page.mouse.wheel(0, 10_000);
  await page.waitForTimeout(500);
  await page.screenshot({ path: 'tmp/e2e-chat-dark.png' });
  await page.keyboard.press('Escape');
  await page.emulateMedia({ colorScheme: 'light' });

  await check('feedback survives a reload (Data view counts it)', async () => {
    await page.reload();
    await page.getByTestId('tab-data').click();
    const count = page.getByTestId('data-count');
    await count.waitFor({ timeout: 30_000 });
    await until(async () => Number(await count.innerText()) > 0, 30_000, 'data-count stayed 0');
    // Two thumbs and the ranking are kept; the pairwise choice was undone.
    assert(
      (await count.innerText()).trim() === '3',
      `data-count is ${await count.innerText()}, expected 3`,
    );
  });
  await page.screenshot({ path: 'tmp/e2e-data.png', fullPage: true });
}

async function main(): Promise<void> {
  assertChromium();
  if (!process.env.E2E_SKIP_BUILD) {
    console.log('building…');
    const args = ['build', '--outDir', OUT_DIR, '--emptyOutDir', '--logLevel', 'warn'];
    const build = spawnSync(VITE, args, { stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`vite build failed (exit ${build.status})`);
  }
  const server: ChildProcess = spawn(
    VITE,
    ['preview', '--outDir', OUT_DIR, '--host', HOST, '--port', String(PORT), '--strictPort'],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
  });
  try {
    await waitForServer(`http://${HOST}:${PORT}/`, 60_000);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (err) => console.log(`      page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.log(`      console error: ${msg.text()}`);
    });
    await run(page);
  } finally {
    await browser.close();
    // The server runs in its own process group: end the whole group.
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`\n${passed} passed, ${failed} failed`);
  if (failed > 0 || passed === 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.log(
    `\n${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`,
  );
  process.exitCode = 1;
});
