/**
 * Issue #3's acceptance tests: every kind of feedback through its control, all of it found
 * again after a reload and after a browser restart (the restart itself is e2e.ts's), an export
 * whose lines are checked, and imports — a file with one bad line changes nothing and names
 * the line; a good file adds its records.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright';
import {
  appUrl,
  expectCounts,
  expectToast,
  isPressed,
  openTab,
  sendPrompt,
  waitForModel,
} from './app';
import { addMade, assert, check, made, until } from './harness';

/** The prompt whose turn gets every kind of feedback. */
const PROMPT = 'What is a good name for a cat?';
const BETTER_REPLY = 'A good name for a cat is Miso: short, friendly and easy to call.';

const PAIRWISE_IDS = ['choose-a', 'choose-b', 'choose-tie', 'choose-both-bad'] as const;

async function rowIds(rows: Locator): Promise<string[]> {
  return rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? ''));
}

/** Rates one new turn with each kind of feedback, then reloads and finds it all. */
export async function feedbackKindChecks(page: Page): Promise<void> {
  let turn: Locator | undefined;
  const ready = await check('issue #3: a K = 3 turn to rate (model reloaded on wasm)', async () => {
    await waitForModel(page);
    await openTab(page, 'chat');
    const k = page.locator('input[name=candidates]');
    if (!(await k.isVisible())) await page.getByRole('button', { name: /Settings/ }).click();
    await k.fill('3');
    turn = await sendPrompt(page, PROMPT);
    const n = await turn.getByTestId('reply').count();
    assert(n === 3, `expected 3 replies, found ${n}`);
  });
  if (!ready || !turn) return;
  const t = turn;

  await check('thumb-up, then thumb-down with a reason chip (one rating, updated)', async () => {
    await t.getByTestId('thumb-up').nth(0).click();
    await expectToast(page, 'Saved: thumbs up on reply 1');
    addMade('rating');
    const down = t.getByTestId('thumb-down').nth(1);
    await down.click();
    await expectToast(page, 'Saved: thumbs down on reply 2');
    addMade('rating');
    // The chip edits the thumbs-down event: the rating count stays the same.
    const chip = t.getByTestId('reason-incorrect');
    await chip.click();
    await expectToast(page, 'Updated: thumbs down on reply 2');
    assert(await isPressed(chip), 'the "incorrect" chip is not pressed after a click');
    assert(await isPressed(down), 'the thumbs down is no longer pressed');
    assert(await isPressed(t.getByTestId('thumb-up').nth(0)), 'the thumbs up is not pressed');
  });

  await check('rank-list: move a reply down with its button, save the ranking', async () => {
    const rows = t.getByTestId('rank-list').getByTestId('rank-row');
    const before = await rowIds(rows);
    assert(before.length === 3, `the rank list has ${before.length} rows, expected 3`);
    await rows.first().getByRole('button', { name: /down$/ }).click();
    const after = await rowIds(rows);
    const want = [before[1], before[0], before[2]];
    assert(after.join() === want.join(), `order ${after} after ↓, expected ${want}`);
    await t.getByTestId('rank-save').click();
    await expectToast(page, 'Saved: ranking');
    addMade('ranking');
    assert(await t.getByTestId('rank-save').isDisabled(), 'rank-save still enabled once saved');
  });

  await check('choose-b / tie / both-bad / a: one pairwise event, edited, a kept', async () => {
    const steps: [(typeof PAIRWISE_IDS)[number], string][] = [
      ['choose-b', 'Saved: choice: reply 2 is better'],
      ['choose-tie', 'Updated: choice: a tie'],
      ['choose-both-bad', 'Updated: choice: both are bad'],
      ['choose-a', 'Updated: choice: reply 1 is better'],
    ];
    for (const [id, toast] of steps) {
      await t.getByTestId(id).click();
      await expectToast(page, toast);
      for (const other of PAIRWISE_IDS) {
        const pressed = await isPressed(t.getByTestId(other));
        assert(pressed === (other === id), `after ${id}, ${other} pressed = ${pressed}`);
      }
    }
    addMade('pairwise');
  });

  await check('better-reply: write one and save it (a demonstration)', async () => {
    await t.getByText('Write a better reply').click();
    await t.getByTestId('better-reply').fill(BETTER_REPLY);
    await t.getByTestId('better-reply-save').click();
    await expectToast(page, 'Saved: better reply');
    addMade('demonstration');
    assert(await t.getByTestId('better-reply-save').isDisabled(), 'save still enabled once saved');
  });

  await check(
    'after a reload the Data tab counts every kind, and lists each judgment',
    async () => {
      await page.reload();
      await openTab(page, 'data');
      await expectCounts(page, made);
      const item = page.locator('li.prompt').filter({ hasText: PROMPT });
      await item.waitFor({ timeout: 10_000 });
      const ratings = await item.locator('[data-kind=rating]').allInnerTexts();
      assert(ratings.length === 2, `${ratings.length} ratings listed for the prompt, expected 2`);
      assert(
        ratings.some((r) => r.includes('Thumbs down') && r.includes('(incorrect)')),
        `no thumbs down with its reason among ${JSON.stringify(ratings)}`,
      );
      const choice = await item.getByTestId('pairwise-choice').inputValue();
      assert(choice === 'a', `the stored pairwise choice is "${choice}", expected the last one, a`);
      assert((await item.locator('[data-kind=ranking]').count()) === 1, 'no ranking listed');
      const demo = await item.locator('[data-kind=demonstration] textarea').inputValue();
      assert(demo.includes(BETTER_REPLY), `the demonstration reads "${demo}"`);
    },
  );
}

/** Preference pairs the run's own feedback gives, worked out by hand from the checks. */
// Chat turn 1 (K = 2): a ranking of 2 → 1 pair (its thumbs up has no thumbs down to pair with).
// Chat turn 2 (K = 3): one thumbs down alone → 0. Issue #3's turn (K = 3): up × down → 1,
// a ranking of 3 → 3, pairwise 'a' → 1. Total 6, 5 of them on PROMPT.
const EXPECTED_PAIRS = 6;
const EXPECTED_PAIRS_ON_PROMPT = 5;

/** A TRL preference file: three good records, and optionally a third line without "rejected". */
function preferenceFile(bad: boolean): string {
  const lines = [
    {
      prompt: 'How do I boil an egg?',
      chosen: 'Put it in boiling water for 9 minutes.',
      rejected: 'Eggs.',
    },
    { prompt: 'Say hello.', chosen: 'Hello! How can I help?', rejected: 'No.' },
    bad
      ? { prompt: 'What is two plus two?', chosen: 'Four.' }
      : { prompt: 'What is two plus two?', chosen: 'Four.', rejected: 'Five.' },
  ];
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

async function importFile(page: Page, name: string, text: string): Promise<string> {
  await page.getByTestId('import').setInputFiles({
    name,
    mimeType: 'application/jsonl',
    buffer: Buffer.from(text),
  });
  const status = page.getByTestId('import-status');
  await until(
    async () => /Nothing was imported|Imported|failed/.test(await status.innerText()),
    30_000,
    async () => `import-status still says "${await status.innerText()}"`,
  );
  return status.innerText();
}

/** After the browser restart: the counts, an export, and both imports. */
export async function afterRestartChecks(page: Page): Promise<void> {
  await check('after a browser restart the Data tab shows the same counts', async () => {
    await page.goto(appUrl('data'));
    await expectCounts(page, made);
  });

  await check('export as TRL preference: one JSON line per preference pair', async () => {
    const pairs = (await page.getByTestId('derived-pairs').innerText()).trim();
    assert(pairs === String(EXPECTED_PAIRS), `derived-pairs says ${pairs}, expected 6`);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.getByTestId('export').selectOption('trl-preference'),
    ]);
    const path = 'tmp/e2e-export.jsonl';
    await download.saveAs(path);
    assert(
      /^thumbprint-trl-preference-\d{4}-\d\d-\d\d\.jsonl$/.test(download.suggestedFilename()),
      `file name "${download.suggestedFilename()}"`,
    );
    const lines = readFileSync(path, 'utf8').split('\n');
    assert(lines.at(-1) === '', 'the file does not end with a newline');
    const records = lines.slice(0, -1).map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`${path} line ${i + 1} is not JSON: ${l.slice(0, 80)}`);
      }
    });
    assert(records.length === EXPECTED_PAIRS, `${records.length} lines, expected 6`);
    for (const [i, r] of records.entries()) {
      const keys = Object.keys(r).sort().join();
      assert(keys === 'chosen,prompt,rejected', `${path} line ${i + 1} has fields ${keys}`);
    }
    const onPrompt = records.filter((r) => JSON.stringify(r.prompt).includes(PROMPT)).length;
    assert(onPrompt === EXPECTED_PAIRS_ON_PROMPT, `${onPrompt} lines on "${PROMPT}", expected 5`);
    const status = await page.getByTestId('export-status').innerText();
    assert(status.includes('6 records'), `export-status says "${status}"`);
  });

  await check(
    'import a file with a bad line 3: the error names it, nothing is imported',
    async () => {
      const status = await importFile(page, 'bad.jsonl', preferenceFile(true));
      assert(/Nothing was imported from bad\.jsonl/.test(status), `import-status: ${status}`);
      assert(/line 3: .*rejected/.test(status), `the error does not name line 3: ${status}`);
      assert(!/line [12]:/.test(status), `a good line is reported as bad: ${status}`);
      await expectCounts(page, made, 5_000);
    },
  );

  await check('import a good file of 3 pairs: 3 pairwise judgments more', async () => {
    const status = await importFile(page, 'good.jsonl', preferenceFile(false));
    assert(
      /Imported good\.jsonl .*3 prompts, 6\s+responses, 3 judgments/.test(status),
      `import-status: ${status}`,
    );
    addMade('pairwise', 3);
    await expectCounts(page, made);
  });
  await page.screenshot({ path: 'tmp/e2e-data.png', fullPage: true });
}
