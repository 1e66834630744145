/**
 * Driving the app as a person would, through its data-testid hooks: open it, wait for the
 * model, send a prompt, read the Data tab's counts. Plus one look behind the UI — reading an
 * IndexedDB object store — for facts the UI does not show (which weights made a response,
 * whether the worker itself reached a pause).
 */
import type { Locator, Page } from 'playwright';
import { assert, formatCounts, until, type Counts } from './harness';

export const HOST = '127.0.0.1';
export const PORT = 4173;

/** Loading and warming up the model on wasm took ~10 s here; generous for a busy machine. */
export const MODEL_TIMEOUT_MS = 240_000;
export const REPLY_TIMEOUT_MS = 180_000;

/** The app on the wasm backend (the fast one without a GPU), optionally on a tab. */
export function appUrl(tab = ''): string {
  return `http://${HOST}:${PORT}/?backend=wasm${tab ? `#${tab}` : ''}`;
}

/** Waits until the model is ready; throws with the app's own message if loading failed. */
export async function waitForModel(page: Page): Promise<void> {
  const settled = page.locator(
    '[data-testid=model-status][data-state=ready], [data-testid=load-error]',
  );
  await settled.first().waitFor({ state: 'attached', timeout: MODEL_TIMEOUT_MS });
  const error = page.getByTestId('load-error');
  if (await error.count()) throw new Error(`load failed: ${await error.innerText()}`);
}

/** Opens the app and waits for the model. */
export async function openApp(page: Page, tab = ''): Promise<void> {
  await page.goto(appUrl(tab));
  await waitForModel(page);
}

export async function openTab(page: Page, id: 'chat' | 'data' | 'train' | 'compare') {
  await page.getByTestId(`tab-${id}`).click();
  await page
    .locator(`#panel-${id}`)
    .and(page.locator(':not([hidden])'))
    .waitFor({ timeout: 10_000 });
}

/**
 * Sends a prompt from the Chat tab and waits for the new turn to be stored (status done).
 * Returns the turn's locator; throws with the turn's error if generation failed.
 */
export async function sendPrompt(page: Page, text: string): Promise<Locator> {
  const turns = page.locator('.turn');
  const before = await turns.count();
  await page.getByTestId('prompt-input').fill(text);
  await page.getByTestId('send').click();
  await until(async () => (await turns.count()) > before, 10_000, 'no new turn appeared');
  const turn = turns.nth(before);
  await turn
    .and(page.locator('[data-status=done], [data-status=failed]'))
    .waitFor({ timeout: REPLY_TIMEOUT_MS });
  if ((await turn.getAttribute('data-status')) === 'failed') {
    throw new Error(`generation failed: ${await turn.innerText()}`);
  }
  return turn;
}

/** Waits for the chat's toast to say `text` (a success toast stays 2.5 s). */
export async function expectToast(page: Page, text: string | RegExp): Promise<void> {
  await page.getByTestId('toast').getByText(text).waitFor({ timeout: 15_000 });
}

/** Whether a toggle button shows as pressed. */
export async function isPressed(l: Locator): Promise<boolean> {
  return (await l.getAttribute('aria-pressed')) === 'true';
}

/** The Data tab's counts as shown now (the tab must be open). */
export async function readCounts(page: Page): Promise<Counts> {
  const n = async (id: string) => Number((await page.getByTestId(id).innerText()).trim());
  return {
    total: await n('data-count'),
    rating: await n('count-rating'),
    ranking: await n('count-ranking'),
    pairwise: await n('count-pairwise'),
    demonstration: await n('count-demonstration'),
    synthetic: await n('count-synthetic'),
  };
}

/**
 * Waits until the Data tab shows exactly `expected` (it reads the store asynchronously after
 * opening or after a change notice); throws with both sets of numbers otherwise.
 */
export async function expectCounts(page: Page, expected: Counts, timeoutMs = 30_000) {
  await page.getByTestId('data-count').waitFor({ timeout: timeoutMs });
  const same = (c: Counts) =>
    (Object.keys(expected) as (keyof Counts)[]).every((k) => c[k] === expected[k]);
  await until(
    async () => same(await readCounts(page)),
    timeoutMs,
    async () =>
      `the Data tab shows ${formatCounts(await readCounts(page))}, ` +
      `expected ${formatCounts(expected)}`,
  );
}

/** Every record of one object store of the app's IndexedDB database ("thumbprint"). */
export async function storeRecords<T = Record<string, unknown>>(
  page: Page,
  storeName: string,
): Promise<T[]> {
  return page.evaluate(
    (name) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open('thumbprint');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction(name, 'readonly').objectStore(name).getAll();
          req.onsuccess = () => {
            db.close();
            resolve(req.result as T[]);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    storeName,
  );
}

/** The text of a run-status line, trimmed. */
export async function runStatus(page: Page): Promise<string> {
  return (await page.getByTestId('run-status').innerText()).trim();
}

/**
 * Waits for the run-status line to match `done`; throws at once if it says the run failed,
 * and on timeout with the last status seen.
 */
export async function waitForRun(page: Page, done: RegExp, timeoutMs: number): Promise<string> {
  let last = '';
  await until(
    async () => {
      last = await runStatus(page);
      assert(!/^failed/.test(last), `the run failed: ${last}`);
      return done.test(last);
    },
    timeoutMs,
    async () => `run-status is still "${last}" after ${timeoutMs / 1000} s`,
  );
  return last;
}
