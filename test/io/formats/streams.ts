/** Byte-stream fixtures for the JSONL and dataset tests. */

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A stream that hands out exactly these chunks, and records whether it was cancelled. */
export function chunkedStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> & {
  cancelled: () => boolean;
  pulled: () => number;
} {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return Object.assign(stream, { cancelled: () => cancelled, pulled: () => i });
}

/** Cuts bytes at the given offsets. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const edges = [0, ...cuts, bytes.length];
  return edges.slice(1).map((end, k) => bytes.slice(edges[k], end));
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart])
    .stream()
    .pipeThrough(
      new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The text of a stream of UTF-8 bytes, gunzipped first when `gzipped`. */
export async function streamText(
  stream: ReadableStream<Uint8Array>,
  gzipped = false,
): Promise<string> {
  const bytes = gzipped
    ? stream.pipeThrough(
        new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
      )
    : stream;
  return new Response(bytes).text();
}

/** A file made of lines, as a Blob (what a file picker gives). */
export function fileOf(lines: Iterable<string>): Blob {
  return new Blob([...lines]);
}
