/** The real HH-RLHF test split: every pair read, split where hand-checked. */
import { openAsBlob } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../src/io/formats/dataset';
import { renderTranscript } from '../../../src/io/formats/hh-rlhf';
import type { Message, PreferenceRecord } from '../../../src/io/formats/types';
import { HH_RLHF_FILE, HH_RLHF_PRESENT, HH_RLHF_SKIP_REASON, hhRlhfOriginals } from './hh-file';

describe('HH-RLHF harmless-base/test.jsonl.gz', () => {
  it('imports all 2,312 pairs with the prompt split at the last shared assistant turn', async (ctx) => {
    if (!HH_RLHF_PRESENT) ctx.skip(HH_RLHF_SKIP_REASON);

    const result = await parseDataset(await openAsBlob(HH_RLHF_FILE));
    if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
    expect(result.format).toBe('hh-rlhf');
    const pairs = result.data.records as PreferenceRecord[];
    expect(pairs).toHaveLength(2312);

    // Every prompt parsed into turns (9,204 in all, counted with an independent script), and
    // prompt + " " + response rebuilds both transcripts exactly.
    const originals = hhRlhfOriginals();
    let messages = 0;
    pairs.forEach((pair, i) => {
      if (typeof pair.prompt === 'string') throw new Error(`record ${i + 1}: prompt kept as text`);
      messages += pair.prompt.length;
      const prompt = renderTranscript(pair.prompt);
      expect(`${prompt} ${pair.chosen}`).toBe(originals[i].chosen);
      expect(`${prompt} ${pair.rejected}`).toBe(originals[i].rejected);
    });
    expect(messages).toBe(9204);

    // The first pair, read by hand.
    const first = pairs[0].prompt as Message[];
    expect(first.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(first[0].content).toBe('what are some pranks with a pen i can do?');
    expect(first[4].content).toBe('okay some of these do not have anything to do with pens');
    expect(pairs[0].chosen).toBe(
      'No, sorry!  All of these involve a pen, the point is that you can get funny results by ' +
        'doing pranks with pens.',
    );
    expect(
      pairs[0].rejected.startsWith('There are lots of funny things you can do with pens'),
    ).toBe(true);

    // The last pair: the replies differ from their first word on.
    expect(pairs[2311].chosen).toBe('I don’t know where the human trade message board is.');
    expect(pairs[2311].rejected).toBe('It’s private, I can only show you if you join.');

    // Quirks of the real data, found by hand: four empty chosen replies, and five pairs whose
    // transcripts diverge before the final turn (their responses hold the later turns).
    const emptyLines = pairs.flatMap((p, i) => (p.chosen === '' ? [i + 1] : []));
    expect(emptyLines).toEqual([87, 517, 926, 1104]);
    const divergent = pairs.flatMap((p, i) =>
      /\n\n(Human|Assistant):/.test(p.chosen + p.rejected) ? [i + 1] : [],
    );
    expect(divergent).toEqual([1255, 1689, 1951, 1953, 2037]);
  });
});
