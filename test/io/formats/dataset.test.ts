import { describe, expect, it } from 'vitest';
import {
  IMPORT_POLICY,
  describeRejection,
  parseDataset,
  type ParseResult,
  type RejectedDataset,
} from '../../../src/io/formats/dataset';
import { detectFormat } from '../../../src/io/formats/detect';
import { fileOf, gzip, utf8 } from './streams';

function rejected(result: ParseResult): RejectedDataset {
  if (result.ok) throw new Error('expected the file to be rejected');
  return result;
}

describe('detectFormat', () => {
  it('tells the formats apart from the first record', () => {
    expect(detectFormat({ prompt: 'p', chosen: 'c', rejected: 'r' })).toBe('trl-preference');
    expect(detectFormat({ chosen: 'a b', rejected: 'a c' })).toBe('trl-implicit-preference');
    expect(detectFormat({ chosen: '\n\nHuman: a', rejected: '\n\nHuman: b' })).toBe('hh-rlhf');
    // Half a transcript is still HH-RLHF (and its parser then names the broken side).
    expect(detectFormat({ chosen: '\n\nHuman: a\n\nAssistant: b', rejected: 'c' })).toBe('hh-rlhf');
    expect(detectFormat({ prompt: 'p', completion: 'c', label: true })).toBe('trl-unpaired');
    expect(detectFormat({ prompt: 'p', completion: 'c' })).toBe('trl-prompt-completion');
    expect(detectFormat({ message_id: 'x', role: 'prompter', text: 't', replies: [] })).toBe(
      'oasst',
    );
    expect(detectFormat({ message_tree_id: 't', prompt: { message_id: 'x' } })).toBe('oasst');
    expect(detectFormat({ text: 'hello' })).toBeUndefined();
    expect(detectFormat([1, 2])).toBeUndefined();
  });
});

describe('parseDataset', () => {
  it('reads a clean file and states the policy', async () => {
    const result = await parseDataset(
      fileOf([
        '{"prompt":"a ","chosen":"b","rejected":"c"}\n',
        '\n',
        '{"prompt":"d ","chosen":"e","rejected":"f"}',
      ]),
    );
    expect(result).toEqual({
      ok: true,
      format: 'trl-preference',
      data: {
        kind: 'preference',
        records: [
          { prompt: 'a ', chosen: 'b', rejected: 'c' },
          { prompt: 'd ', chosen: 'e', rejected: 'f' },
        ],
      },
      lines: 2,
      count: 2,
      policy: IMPORT_POLICY,
    });
  });

  it('rejects an HH-RLHF file whose first line has one broken side, naming that line', async () => {
    const hh = (rejected: string) =>
      JSON.stringify({ chosen: '\n\nHuman: x\n\nAssistant: c', rejected }) + '\n';
    const result = await parseDataset(fileOf([hh('oops'), hh('\n\nHuman: x\n\nAssistant: d')]));
    expect(!result.ok && result.errors.map((e) => e.message)).toEqual([
      'line 1: field "rejected" must be a transcript starting with "\\n\\nHuman:"',
    ]);
  });

  it('only checks and counts when asked not to keep the records', async () => {
    const result = await parseDataset(
      fileOf([
        '{"prompt":"a ","chosen":"b","rejected":"c"}\n',
        '{"prompt":"d ","chosen":"e","rejected":"f"}\n',
      ]),
      { keepRecords: false },
    );
    expect(result.ok && [result.count, result.data.records.length]).toEqual([2, 0]);
  });

  it('rejects the whole file for any bad line and reports every bad line with its number', async () => {
    const result = rejected(
      await parseDataset(
        fileOf([
          '{"prompt":"a","chosen":"b","rejected":"c"}\n',
          '{"prompt":"a","chosen":7,"rejected":"c"}\n',
          '{"prompt":"a","chosen":"b","rejected":"c"}\n',
          '{"prompt":"a","chosen":"b"\n',
          '\n',
          '{"prompt":"a","chosen":"b"}\n',
        ]),
      ),
    );
    expect(result.format).toBe('trl-preference');
    expect(result.fatal).toBeUndefined();
    expect(result.errorCount).toBe(3);
    expect(result.errors.map((e) => e.line)).toEqual([2, 4, 6]);
    expect(result.errors[0].message).toBe(
      'line 2: field "chosen" must be a string or a list of {role, content} messages, got a number',
    );
    expect(result.errors[1].message).toMatch(/^line 4: not valid JSON \(/);
    expect(result.errors[2].message).toBe('line 6: field "rejected" is missing');
    expect(describeRejection(result)).toMatch(
      /^Nothing was imported: 3 line\(s\) could not be read/,
    );
  });

  it('keeps the first 100 bad lines and counts them all', async () => {
    const lines = ['{"prompt":"a","chosen":"b","rejected":"c"}\n'];
    for (let i = 0; i < 150; i++) lines.push('{"prompt":"a","chosen":"b","rejected":false}\n');
    const result = rejected(await parseDataset(fileOf(lines)));
    expect(result.errorCount).toBe(150);
    expect(result.errors).toHaveLength(100);
    expect(result.errors[99].line).toBe(101);
    expect(describeRejection(result)).toMatch(/… and 50 more bad lines$/);
  });

  it('says "not a JSONL file" once when the first line is not JSON', async () => {
    const result = rejected(
      await parseDataset(fileOf(['\n', 'prompt,chosen,rejected\n', 'a,b,c\n'])),
    );
    expect(result.fatal).toMatch(/^not a JSONL file: line 2 is not JSON \(/);
    expect(result.errors).toEqual([]);
  });

  it('says "not a JSONL file" for binary data', async () => {
    const result = rejected(
      await parseDataset(new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])])),
    );
    expect(result.fatal).toBe('not a JSONL file: the bytes at line 1 are not UTF-8 text');
  });

  it('names the expected formats when the first record fits none', async () => {
    const result = rejected(await parseDataset(fileOf(['{"text":"hi","score":1}\n'])));
    expect(result.fatal).toMatch(
      /^line 1: not a dataset format we read \(found fields "text", "score"\)/,
    );
  });

  it('rejects an empty file', async () => {
    const result = rejected(await parseDataset(fileOf(['\n', '  \n'])));
    expect(result.fatal).toBe('the file holds no records (it is empty or only blank lines)');
  });

  it('reads a gzip file of 5,000 lines, reporting progress to the end', async () => {
    const text = Array.from(
      { length: 5000 },
      (_, i) => `{"prompt":"q${i} ","completion":"r${i}","label":${i % 2 === 0}}\n`,
    ).join('');
    const packed = await gzip(utf8(text));
    let lastFraction: number | undefined;
    const result = await parseDataset(new Blob([packed as BlobPart]), {
      onProgress: (p) => (lastFraction = p.fraction),
    });
    if (!result.ok || result.data.kind !== 'unpaired') throw new Error('expected unpaired records');
    expect(result.format).toBe('trl-unpaired');
    expect(result.data.records).toHaveLength(5000);
    expect(result.data.records[4999]).toEqual({
      prompt: 'q4999 ',
      completion: 'r4999',
      label: false,
    });
    expect(lastFraction).toBe(1);
  });

  it('reads OpenAssistant trees, one line giving several pairs or none', async () => {
    const reply = (id: string, rank: number) => ({
      message_id: id,
      role: 'assistant',
      text: id,
      rank,
    });
    const tree = (id: string, replies: object[]) => ({
      message_tree_id: id,
      prompt: { message_id: id, role: 'prompter', text: `q${id}`, replies },
    });
    const result = await parseDataset(
      fileOf([
        JSON.stringify(tree('t1', [reply('a', 0), reply('b', 1), reply('c', 2)])) + '\n',
        JSON.stringify(tree('t2', [reply('d', 0)])) + '\n',
      ]),
    );
    if (!result.ok) throw new Error('expected the trees to parse');
    expect(result.format).toBe('oasst');
    expect(result.lines).toBe(2);
    expect(
      result.data.records.map((r) => [
        (r as { chosen: string }).chosen,
        (r as { rejected: string }).rejected,
      ]),
    ).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
  });

  it('rejects an OpenAssistant file whose trees give no pair (deleted or unranked)', async () => {
    const unranked = {
      message_tree_id: 't',
      prompt: {
        message_id: 'p',
        role: 'prompter',
        text: 'q',
        replies: [{ message_id: 'a', role: 'assistant', text: 'a' }],
      },
    };
    const result = await parseDataset(fileOf([JSON.stringify(unranked) + '\n']));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.fatal).toBe(
      'the file holds no records to import: its 1 line(s), read as OpenAssistant message trees, ' +
        'give none (an OpenAssistant tree gives pairs only from ranked replies that are not deleted)',
    );
  });

  it('reads every line as the given format when one is forced', async () => {
    const result = await parseDataset(
      fileOf([
        '{"chosen":"\\n\\nHuman: a\\n\\nAssistant: b","rejected":"\\n\\nHuman: a\\n\\nAssistant: c"}\n',
      ]),
      {
        format: 'trl-implicit-preference',
      },
    );
    expect(result.ok && result.data.records[0]).toEqual({
      prompt: '\n\nHuman: a\n\nAssistant:',
      chosen: ' b',
      rejected: ' c',
    });
  });
});
