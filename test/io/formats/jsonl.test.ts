// Tests for src/io/jsonl.ts (kept under test/io/formats with the dataset tests that use it).
import { describe, expect, it } from 'vitest';
import {
  JsonlReadError,
  jsonlStream,
  readJsonlLines,
  type ReadProgress,
} from '../../../src/io/jsonl';
import { chunkedStream, collect, gzip, splitAt, streamText, utf8 } from './streams';

// A BOM, a two-byte "é", a three-byte "日", a four-byte emoji, CRLF, a blank line, a blank
// CRLF line, whitespace-only line, and a last line with no newline.
const TEXT = '\uFEFF{"a":"é"}\r\n{"b":"日本"}\n\n\r\n  \n{"c":"🙂"}';
const EXPECTED = [
  { line: 1, text: '{"a":"é"}' },
  { line: 2, text: '{"b":"日本"}' },
  { line: 6, text: '{"c":"🙂"}' },
];

describe('readJsonlLines', () => {
  it('yields numbered non-blank lines, dropping the BOM and CR, keeping a last unterminated line', async () => {
    expect(await collect(readJsonlLines(new Blob([TEXT])))).toEqual(EXPECTED);
  });

  it('gives the same lines wherever the chunks are cut, inside characters and lines', async () => {
    const bytes = utf8(TEXT);
    // Every single cut, then one-byte chunks: cuts fall inside the BOM, inside "é" (2 bytes),
    // "日" (3 bytes), the emoji (4 bytes) and between CR and LF.
    for (let cut = 1; cut < bytes.length; cut++) {
      const lines = await collect(readJsonlLines(chunkedStream(splitAt(bytes, [cut]))));
      expect(lines, `cut at byte ${cut}`).toEqual(EXPECTED);
    }
    const ones = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(await collect(readJsonlLines(chunkedStream(splitAt(bytes, ones))))).toEqual(EXPECTED);
  });

  it('recognises gzip by its magic bytes, not by a file name', async () => {
    const packed = await gzip(utf8(TEXT));
    expect([packed[0], packed[1]]).toEqual([0x1f, 0x8b]);
    const misnamed = new File([packed as BlobPart], 'plain.jsonl');
    expect(await collect(readJsonlLines(misnamed))).toEqual(EXPECTED);
    // And a gzip stream cut right between its two magic bytes.
    const cutStream = chunkedStream(splitAt(packed, [1, 5]));
    expect(await collect(readJsonlLines(cutStream))).toEqual(EXPECTED);
  });

  it('reports progress in stored bytes, ending at the file size', async () => {
    const packed = await gzip(utf8(TEXT));
    const reports: ReadProgress[] = [];
    await collect(
      readJsonlLines(new Blob([packed as BlobPart]), { onProgress: (p) => reports.push(p) }),
    );
    const last = reports[reports.length - 1];
    expect(last).toEqual({
      bytesRead: packed.length,
      totalBytes: packed.length,
      fraction: 1,
      lines: 6,
    });
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i].bytesRead).toBeGreaterThanOrEqual(reports[i - 1].bytesRead);
    }
  });

  it('streams a generated 5,000-line file in small chunks', async () => {
    const line = (i: number) => `{"prompt":"p${i}","chosen":"c ${i}","rejected":"r ${i}"}\n`;
    let next = 0;
    let pending = new Uint8Array(0);
    let pulls = 0;
    // 1,000-byte chunks, produced on demand: the file never exists whole.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        while (pending.length < 1000 && next < 5000) {
          const more = utf8(line(next++));
          const joined = new Uint8Array(pending.length + more.length);
          joined.set(pending);
          joined.set(more, pending.length);
          pending = joined;
        }
        if (pending.length === 0) return controller.close();
        controller.enqueue(pending.slice(0, 1000));
        pending = pending.slice(1000);
      },
    });
    let count = 0;
    let last = { line: 0, text: '' };
    for await (const l of readJsonlLines(stream)) {
      count++;
      last = l;
    }
    expect(count).toBe(5000);
    expect(last).toEqual({ line: 5000, text: line(4999).trimEnd() });
    expect(pulls).toBeGreaterThan(250);
  });

  it('stops reading and cancels the source when the reader stops early', async () => {
    const source = chunkedStream([utf8('{"a":1}\n'), utf8('{"b":2}\n'), utf8('{"c":3}\n')]);
    for await (const l of readJsonlLines(source)) {
      expect(l.line).toBe(1);
      break;
    }
    expect(source.cancelled()).toBe(true);
  });

  it('rejects binary data as not JSONL', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]);
    await expect(collect(readJsonlLines(new Blob([png])))).rejects.toThrow(
      new JsonlReadError('not a JSONL file: the bytes at line 1 are not UTF-8 text'),
    );
    const nul = utf8('{"a":1}\n\0\0\0\n');
    await expect(collect(readJsonlLines(new Blob([nul as BlobPart])))).rejects.toThrow(
      /not a JSONL file: line 2 holds binary data/,
    );
  });

  it('names the line that holds invalid UTF-8, in whichever chunk it comes', async () => {
    // Line 3 of 5 holds a lone 0xff byte.
    const lines = ['{"a":1}\n', '{"a":2}\n', '{"a":"', '"}\n{"a":4}\n{"a":5}\n'].map(utf8);
    const bad = new Uint8Array([...lines[0], ...lines[1], ...lines[2], 0xff, ...lines[3]]);
    await expect(collect(readJsonlLines(new Blob([bad as BlobPart])))).rejects.toThrow(
      new JsonlReadError('not a JSONL file: the bytes at line 3 are not UTF-8 text'),
    );
    // Cut into chunks of 7 bytes: the bad byte arrives in a chunk that starts inside line 3.
    const chunks = Array.from({ length: Math.ceil(bad.length / 7) }, (_, i) =>
      bad.slice(i * 7, i * 7 + 7),
    );
    await expect(collect(readJsonlLines(chunkedStream(chunks)))).rejects.toThrow(
      'the bytes at line 3 are not UTF-8 text',
    );
  });

  it('rejects a truncated gzip file', async () => {
    const packed = await gzip(utf8('{"a":"' + 'x'.repeat(5000) + '"}\n'));
    const truncated = packed.slice(0, packed.length - 10);
    await expect(collect(readJsonlLines(new Blob([truncated as BlobPart])))).rejects.toThrow(
      /gzip data is corrupt or truncated/,
    );
  });

  it('refuses a line longer than maxLineLength instead of buffering it', async () => {
    const long = Array.from({ length: 50 }, () => utf8('x'.repeat(20)));
    const source = chunkedStream([utf8('{"a":1}\n{"b":"'), ...long, utf8('"}\n')]);
    await expect(collect(readJsonlLines(source, { maxLineLength: 100 }))).rejects.toThrow(
      'line 2 is longer than 100 characters',
    );
    // It stopped soon after the line passed the limit, and let go of the file.
    expect(source.pulled()).toBeLessThan(12);
    expect(source.cancelled()).toBe(true);
  });

  it('refuses a too-long line that arrives whole inside one chunk', async () => {
    const text = `{"a":1}\n{"b":"${'x'.repeat(200)}"}\n{"c":3}\n`;
    await expect(collect(readJsonlLines(new Blob([text]), { maxLineLength: 100 }))).rejects.toThrow(
      'line 2 is longer than 100 characters',
    );
  });
});

describe('jsonlStream', () => {
  it('writes lines as UTF-8, and as gzip that reads back the same', async () => {
    const lines = ['{"a":"é"}\n', '{"b":"🙂"}\n'];
    expect(await streamText(jsonlStream(lines))).toBe(lines.join(''));
    const packed = jsonlStream(lines, { gzip: true });
    expect(await streamText(packed, true)).toBe(lines.join(''));
  });
});
