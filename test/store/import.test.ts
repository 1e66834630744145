import { openAsBlob } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshStore } from './helpers';
import {
  HH_RLHF_FILE,
  HH_RLHF_PRESENT,
  HH_RLHF_SKIP_REASON,
  hhRlhfOriginals,
} from '../io/formats/hh-file';
import { deriveTrainingData } from '../../src/feedback/derive';
import { parseDataset } from '../../src/io/formats/dataset';
import { hhRlhfLines } from '../../src/io/formats/hh-rlhf';
import type { Message } from '../../src/io/formats/types';
import { countFeedback, loadFeedbackData } from '../../src/store/feedback';
import { deleteImport, importDataset, importFile } from '../../src/store/import';

const CONV: Message[] = [{ role: 'user', content: 'Sky?' }];

describe('importDataset', () => {
  it('stores each pair as a prompt, two samples and a pairwise choice, and derives them back', async () => {
    const store = await freshStore();
    const records = [
      { prompt: 'Sky is ', chosen: 'blue', rejected: 'green' },
      { prompt: CONV, chosen: 'Blue.', rejected: '' },
    ];
    const summary = await importDataset(
      store,
      { kind: 'preference', records },
      { importId: 'imp1' },
    );
    expect(summary).toEqual({ importId: 'imp1', prompts: 2, samples: 4, feedback: 2 });

    const data = await loadFeedbackData(store);
    const text = data.prompts.find((p) => p.messages.length === 0)!;
    expect(text).toMatchObject({ text: 'Sky is ', conversationId: 'imp1', source: 'import' });
    expect(data.samples.every((s) => s.checkpointId === 'import' && s.sampling === null)).toBe(
      true,
    );
    expect(
      data.feedback.every((e) => e.kind === 'pairwise' && e.choice === 'a' && !e.synthetic),
    ).toBe(true);

    const derived = deriveTrainingData(data);
    expect(
      derived.pairs.map(({ prompt, chosen, rejected }) => ({ prompt, chosen, rejected })),
    ).toEqual(records);
  });

  it('stores the pairs of one ranking group over shared samples', async () => {
    const P = [{ role: 'user' as const, content: 'Name a colour.' }];
    const records = [
      { prompt: P, chosen: 'Blue.', rejected: 'Green.', group: 'p1' },
      { prompt: P, chosen: 'Blue.', rejected: 'Dunno.', group: 'p1' },
      { prompt: P, chosen: 'Green.', rejected: 'Dunno.', group: 'p1' },
    ];
    const store = await freshStore();
    expect(await importDataset(store, { kind: 'preference', records })).toMatchObject({
      prompts: 1,
      samples: 3,
      feedback: 3,
    });

    const data = await loadFeedbackData(store);
    const derived = deriveTrainingData(data);
    expect(derived.pairs.map(({ chosen, rejected }) => [chosen, rejected])).toEqual([
      ['Blue.', 'Green.'],
      ['Blue.', 'Dunno.'],
      ['Green.', 'Dunno.'],
    ]);
    // The three choices carry one group, so the reward model weighs them as one ranking.
    const groups = new Set(data.feedback.map((e) => (e.kind === 'pairwise' ? e.group : '-')));
    expect(groups.size).toBe(1);
    expect([...groups][0]).toMatch(/^import:/);
    expect(new Set(derived.pairs.map((p) => p.group))).toEqual(groups);
  });

  it('gives two imported groups two different group names, and ungrouped pairs none', async () => {
    const P = [{ role: 'user' as const, content: 'Name a colour.' }];
    const records = [
      { prompt: P, chosen: 'Blue.', rejected: 'Green.', group: 'p1' },
      { prompt: P, chosen: 'Red.', rejected: 'Grey.', group: 'p2' },
      { prompt: P, chosen: 'Pink.', rejected: 'Dunno.' },
    ];
    const store = await freshStore();
    await importDataset(store, { kind: 'preference', records });
    const { feedback } = await loadFeedbackData(store);
    const oldestFirst = [...feedback].sort((a, b) => a.createdAt - b.createdAt);
    const named = oldestFirst.map((e) => (e.kind === 'pairwise' ? e.group : 'not pairwise'));
    expect(named[0]).not.toBe(named[1]);
    expect(named[2]).toBeUndefined();
  });

  it('stores unpaired records as ratings and prompt-completion records as demonstrations', async () => {
    const store = await freshStore();
    const unpaired = [
      { prompt: 'Hi ', completion: 'there', label: true },
      { prompt: CONV, completion: 'Green.', label: false },
    ];
    const sft = [{ prompt: CONV, completion: 'Blue.' }];
    await importDataset(store, { kind: 'unpaired', records: unpaired });
    await importDataset(store, { kind: 'prompt-completion', records: sft });
    expect(await countFeedback(store)).toEqual({
      rating: 2,
      ranking: 0,
      pairwise: 0,
      demonstration: 1,
      total: 3,
    });

    const derived = deriveTrainingData(await loadFeedbackData(store));
    expect(
      derived.unpaired.map(({ prompt, completion, label }) => ({ prompt, completion, label })),
    ).toEqual(unpaired);
    expect(
      derived.demonstrations.map(({ prompt, completion }) => ({ prompt, completion })),
    ).toEqual(sft);
    // Each record has its own prompt, so one file's thumbs never pair up with each other.
    expect(derived.counts.pairs.total).toBe(0);
  });

  it('deletes exactly one import', async () => {
    const store = await freshStore();
    const pair = { prompt: 'a ', chosen: 'b', rejected: 'c' };
    const first = await importDataset(store, { kind: 'preference', records: [pair, pair] });
    await importDataset(store, { kind: 'preference', records: [pair] });
    expect(await deleteImport(store, first.importId)).toBe(2);
    const left = await loadFeedbackData(store);
    expect([left.prompts.length, left.samples.length, left.feedback.length]).toEqual([1, 2, 1]);
  });
});

describe('importFile', () => {
  const line = (i: number) =>
    JSON.stringify({ prompt: `q${i} `, chosen: `a${i}`, rejected: `b${i}` });
  const file = (n: number) => new Blob(Array.from({ length: n }, (_, i) => line(i) + '\n'));

  it('stores a file in batches that together equal the one-transaction import', async () => {
    const store = await freshStore();
    const saved: number[] = [];
    const result = await importFile(store, file(12), {
      batchRecords: 5,
      onSaved: (n, total) => saved.push(n, total),
    });
    if (!result.ok) throw new Error('the file was rejected');
    // 12 records in batches of at least 5, cut at line ends: 5, 5, 2.
    expect(saved).toEqual([5, 12, 10, 12, 12, 12]);
    expect(result.summary).toMatchObject({ prompts: 12, samples: 24, feedback: 12 });
    const derived = deriveTrainingData(await loadFeedbackData(store));
    expect(derived.pairs.map((p) => [p.prompt, p.chosen, p.rejected])).toEqual(
      Array.from({ length: 12 }, (_, i) => [`q${i} `, `a${i}`, `b${i}`]),
    );
    // All of it is one import: undo removes every batch.
    expect(await deleteImport(store, result.summary.importId)).toBe(12);
  });

  it('writes nothing for a file with a bad line, and reports the line', async () => {
    const store = await freshStore();
    await importDataset(store, {
      kind: 'preference',
      records: [{ prompt: 'x ', chosen: 'y', rejected: 'z' }],
    });
    const bad = new Blob([line(0) + '\n', line(1) + '\n', '{"prompt": "q", "chosen": 1}\n']);
    const result = await importFile(store, bad, { batchRecords: 1 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.line)).toEqual([3]);
    expect(await countFeedback(store)).toMatchObject({ total: 1 });
  });

  it('removes the batches already written when a later one fails, keeping what was there', async () => {
    const store = await freshStore();
    await importDataset(store, {
      kind: 'preference',
      records: [{ prompt: 'x ', chosen: 'y', rejected: 'z' }],
    });
    // A file that changes between the check and the writing: its 3rd line goes bad, after the
    // first batch (lines 1–2) is stored.
    const good = [line(0), line(1), line(2), line(3)].join('\n') + '\n';
    const changed = [line(0), line(1), '{"prompt": "q", "chosen": 1}', line(3)].join('\n') + '\n';
    let reads = 0;
    const twoFaced = new Blob([good]);
    Object.defineProperty(twoFaced, 'stream', {
      value: () => new Blob([reads++ === 0 ? good : changed]).stream(),
    });
    await expect(importFile(store, twoFaced, { batchRecords: 2 })).rejects.toThrow(
      /^line 3: .* \(the file changed after it was checked\)$/,
    );
    const left = await loadFeedbackData(store);
    expect([left.prompts.length, left.samples.length, left.feedback.length]).toEqual([1, 2, 1]);
  });
});

describe('the real HH-RLHF test split through the store', () => {
  it('imports 2,312 pairs in one transaction and exports the same file back', async (ctx) => {
    if (!HH_RLHF_PRESENT) ctx.skip(HH_RLHF_SKIP_REASON);

    const parsed = await parseDataset(await openAsBlob(HH_RLHF_FILE));
    if (!parsed.ok) throw new Error('the file did not parse');
    const store = await freshStore();
    const summary = await importDataset(store, parsed.data);
    expect(summary).toMatchObject({ prompts: 2312, samples: 4624, feedback: 2312 });
    expect(await countFeedback(store)).toMatchObject({ pairwise: 2312, total: 2312 });

    // Store → derived pairs → HH-RLHF lines: the original records, in the original order.
    const derived = deriveTrainingData(await loadFeedbackData(store));
    expect(derived.counts.pairs).toEqual({ ranking: 0, pairwise: 2312, rating: 0, total: 2312 });
    const exported = [...hhRlhfLines(derived.pairs)].map((line) => JSON.parse(line));
    expect(exported).toEqual(hhRlhfOriginals());
  });

  it('imports the gzipped file in batches with the same result', async (ctx) => {
    if (!HH_RLHF_PRESENT) ctx.skip(HH_RLHF_SKIP_REASON);

    const store = await freshStore();
    const result = await importFile(store, await openAsBlob(HH_RLHF_FILE), { batchRecords: 500 });
    if (!result.ok) throw new Error('the file was rejected');
    expect(result.summary).toMatchObject({ prompts: 2312, samples: 4624, feedback: 2312 });
    const derived = deriveTrainingData(await loadFeedbackData(store));
    const exported = [...hhRlhfLines(derived.pairs)].map((line) => JSON.parse(line));
    expect(exported).toEqual(hhRlhfOriginals());
  });
});
