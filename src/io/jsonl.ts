/**
 * Streaming JSON Lines: read a file line by line without ever holding all of it, and write
 * lines out as a stream. Gzip is recognised by its magic bytes (1f 8b), never by the file name,
 * and undone with the platform's DecompressionStream.
 *
 * Memory stays bounded by one chunk plus the longest line (capped by `maxLineLength`).
 */

/** Progress of a read, in bytes of the file as stored (compressed bytes for a .gz). */
export interface ReadProgress {
  bytesRead: number;
  /** File size when known (a File/Blob, or given); undefined for a bare stream. */
  totalBytes: number | undefined;
  /** bytesRead / totalBytes in [0, 1], when the size is known. */
  fraction: number | undefined;
  /** Lines seen so far, blank ones included. */
  lines: number;
}

export interface ReadLinesOptions {
  /** Size of the stored file, for `fraction`; taken from a Blob when not given. */
  totalBytes?: number;
  onProgress?: (progress: ReadProgress) => void;
  /** A longer line is an error rather than unbounded memory. Default 64 Mi characters. */
  maxLineLength?: number;
}

/** One non-blank line of text, with its 1-based number in the decompressed file. */
export interface TextLine {
  line: number;
  text: string;
}

/** The file cannot be read as JSONL text at all (binary, not UTF-8, corrupt gzip, …). */
export class JsonlReadError extends Error {
  override name = 'JsonlReadError';
}

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Yields the non-blank lines of a JSONL source (a `File`/`Blob` or a byte stream), plain or
 * gzip-compressed. Handles lines split across chunks (also inside a multi-byte character),
 * CRLF endings, a final line without a newline and a UTF-8 byte-order mark.
 */
export async function* readJsonlLines(
  source: Blob | ReadableStream<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<TextLine> {
  const totalBytes = options.totalBytes ?? (source instanceof Blob ? source.size : undefined);
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  let bytesRead = 0;
  let lines = 0;
  const raw = source instanceof Blob ? (source.stream() as ReadableStream<Uint8Array>) : source;
  const { head, rest } = await peek(raw, GZIP_MAGIC.length, (n) => (bytesRead += n));
  const gzip = isGzip(head);
  const bytes = gzip ? gunzip(rest) : rest;

  // fatal: invalid UTF-8 means a binary file, which we report rather than read as garbage.
  // The decoder drops a leading byte-order mark by itself (ignoreBOM is false by default).
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = bytes.getReader();
  const report = () =>
    options.onProgress?.({
      bytesRead,
      totalBytes,
      fraction: totalBytes ? Math.min(1, bytesRead / totalBytes) : undefined,
      lines,
    });
  let pending = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw gzip
          ? new JsonlReadError(`the gzip data is corrupt or truncated (${message(err)})`)
          : err;
      }
      // Only the new text can hold a newline: the pending part was already searched.
      const searchFrom = pending.length;
      pending += decode(decoder, chunk.done ? undefined : chunk.value, lines + 1);
      // At the end, a last line without a newline still counts.
      if (chunk.done && pending.length > 0 && !pending.endsWith('\n')) pending += '\n';

      let start = 0;
      for (
        let end = pending.indexOf('\n', searchFrom);
        end >= 0;
        end = pending.indexOf('\n', start)
      ) {
        lines++;
        const line = stripCr(pending.slice(start, end));
        start = end + 1;
        if (line.length > maxLineLength) {
          throw new JsonlReadError(`line ${lines} is longer than ${maxLineLength} characters`);
        }
        if (line.includes('\0')) {
          throw new JsonlReadError(`not a JSONL file: line ${lines} holds binary data (NUL bytes)`);
        }
        if (line.trim() !== '') yield { line: lines, text: line };
      }
      pending = pending.slice(start);
      if (pending.length > maxLineLength) {
        throw new JsonlReadError(`line ${lines + 1} is longer than ${maxLineLength} characters`);
      }
      report();
      if (chunk.done) return;
    }
  } finally {
    // Stops reading the file when the caller stops early (e.g. too many bad lines).
    reader.cancel().catch(() => {});
  }
}

/**
 * A stream of the given lines as UTF-8, gzip-compressed on request. Lines are pulled one at a
 * time, so a large export is never built in memory; `new Response(stream).blob()` makes a file.
 */
export function jsonlStream(
  lines: Iterable<string>,
  options: { gzip?: boolean } = {},
): ReadableStream<Uint8Array> {
  const iterator = lines[Symbol.iterator]();
  const encoder = new TextEncoder();
  const plain = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel() {
      iterator.return?.();
    },
  });
  if (!options.gzip) return plain;
  return plain.pipeThrough(
    new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}

/** Whether these first bytes start a gzip stream. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** Decodes the next chunk; `line` is the number of the line the chunk starts in. */
function decode(decoder: TextDecoder, bytes: Uint8Array | undefined, line: number): string {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    const at = bytes ? line + newlinesBeforeBadUtf8(bytes) : line;
    throw new JsonlReadError(`not a JSONL file: the bytes at line ${at} are not UTF-8 text`);
  }
}

/**
 * Newlines in `bytes` before its first invalid UTF-8 sequence, found by a lenient decode (the
 * first U+FFFD it writes). A character split from the previous chunk counts as the chunk's
 * first line; a U+FFFD already in the text would point earlier, which is rare in UTF-8 data.
 */
function newlinesBeforeBadUtf8(bytes: Uint8Array): number {
  const text = new TextDecoder('utf-8').decode(bytes);
  const bad = text.indexOf('\uFFFD');
  let n = 0;
  for (let i = 0; i < bad; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function gunzip(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}

/**
 * Reads at least `n` bytes (fewer only at the end) and returns them together with a stream
 * that replays them and then continues, counting every byte taken from the source.
 */
async function peek(
  source: ReadableStream<Uint8Array>,
  n: number,
  count: (bytes: number) => void,
): Promise<{ head: Uint8Array; rest: ReadableStream<Uint8Array> }> {
  const reader = source.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    chunks.push(value);
    size += value.length;
    count(value.length);
  }
  const head = concat(chunks, size);
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (ended) controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      count(value.length);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, rest };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
