/**
 * Where the real HH-RLHF test split (anthropics/hh-rlhf, harmless-base/test.jsonl.gz, MIT) is
 * looked for: $HH_RLHF_FILE, else ../shared/hh-rlhf/harmless-base/test.jsonl.gz next to the
 * repository. The data is not committed here, so tests that need it skip when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const HH_RLHF_FILE =
  process.env.HH_RLHF_FILE ?? `${repoRoot}../shared/hh-rlhf/harmless-base/test.jsonl.gz`;

export const HH_RLHF_PRESENT = existsSync(HH_RLHF_FILE);

export const HH_RLHF_SKIP_REASON =
  `HH-RLHF data not found at ${HH_RLHF_FILE}: fetch anthropics/hh-rlhf and point ` +
  'HH_RLHF_FILE at harmless-base/test.jsonl.gz to run this test';

/** The file's records as plain JSON, read independently of our reader. */
export function hhRlhfOriginals(): { chosen: string; rejected: string }[] {
  return gunzipSync(readFileSync(HH_RLHF_FILE))
    .toString('utf-8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
