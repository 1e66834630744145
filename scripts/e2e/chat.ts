/**
 * The chat (issue #2): the model loads on wasm, a prompt gets K streamed replies, thumbs,
 * ranking by keyboard and drag, shortcuts with undo, the K setting, the backend menu, dark
 * mode, and the feedback still counted after a reload.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright';
import {
  REPLY_TIMEOUT_MS,
  expectCounts,
  expectToast,
  isPressed,
  openApp,
  openTab,
  sendPrompt,
  waitForModel,
} from './app';
import { addMade, assert, check, made, until } from './harness';

async function rankOrder(page: Page): Promise<string[]> {
  return page
    .getByTestId('rank-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

/** Resolves false when the model did not load or did not reply (nothing else can run then). */
export async function chatChecks(page: Page): Promise<boolean> {
  const reply = page.getByTestId('reply');

  const loaded = await check('the model loads on the wasm backend', async () => {
    await openApp(page);
    const backend = await page.getByTestId('backend').innerText();
    assert(backend.includes('wasm'), `backend shows "${backend}", expected wasm`);
  });
  if (!loaded) return false;

  const replied = await check(
    'a prompt gets K = 2 non-empty replies, streamed and stored',
    async () => {
      await sendPrompt(page, 'Tell me something fun about space.');
      const texts = await reply.allInnerTexts();
      assert(texts.length === 2, `expected 2 replies, found ${texts.length}`);
      assert(
        texts.every((t) => t.trim() !== ''),
        `a reply is empty: ${JSON.stringify(texts)}`,
      );
      console.log(`      replies: ${texts.map((t) => JSON.stringify(t.slice(0, 60))).join(' | ')}`);
    },
  );
  if (!replied) return false;

  await check('thumbs up is pressed and saved', async () => {
    const up = page.getByTestId('thumb-up').first();
    await up.click();
    await up.and(page.locator('[aria-pressed=true]')).waitFor({ timeout: 10_000 });
    await expectToast(page, /Saved: thumbs up on reply 1/);
    addMade('rating');
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
    await expectToast(page, 'Saved: ranking');
    addMade('ranking');
  });

  await check('shortcuts: A picks reply 1, U undoes it', async () => {
    await page.locator('.log').focus();
    await page.keyboard.press('a');
    const a = page.getByTestId('choose-a');
    await a.and(page.locator('[aria-pressed=true]')).waitFor({ timeout: 10_000 });
    await page.keyboard.press('u');
    await expectToast(page, 'Undone: choice: reply 1 is better');
    assert(!(await isPressed(a)), 'choose-a still pressed after undo');
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
    addMade('rating');
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
    // Two thumbs and the ranking are kept; the pairwise choice was undone. The URL asks for
    // wasm again, so the reload also leaves the cpu backend.
    await page.reload();
    await openTab(page, 'data');
    await expectCounts(page, made);
  });
  await check(
    'after the reload the chat shows its turns again, thumbs up still pressed',
    async () => {
      await openTab(page, 'chat');
      const turns = page.locator('.turn');
      await until(async () => (await turns.count()) > 0, 10_000, 'the chat came back empty');
      const up = turns.first().getByTestId('thumb-up').first();
      assert(await isPressed(up), 'the restored thumbs up on reply 1 is not pressed');
      // Nothing in the chat has focus after a reload; the shortcuts still answer ("?": help).
      // As a person would: wait for the model (when it is ready the message box may take
      // focus), then click the text of a turn, which takes focus off every control (and off
      // the chat element: its own keydown listener would not hear the keys).
      await waitForModel(page);
      await turns.first().locator('.bubble').first().click();
      const focusedTag = () =>
        page.evaluate(() => {
          let a = document.activeElement;
          while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
          return a?.tagName ?? '';
        });
      const tag = await focusedTag();
      assert(!/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(tag), `focus stayed on a control: ${tag}`);
      await page.keyboard.press('?');
      const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await help.waitFor({ timeout: 5_000 });
      await page.keyboard.press('?');
      await help.waitFor({ state: 'hidden', timeout: 5_000 });
    },
  );
  await page.screenshot({ path: 'tmp/e2e-data.png', fullPage: true });
  return true;
}
