// Reader and writer for the safetensors format, usable in the browser and in Node alike.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON (optionally padded with
// spaces), then the byte buffer. The JSON maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the byte buffer) and may
// hold a "__metadata__" object of string values. Every byte of the buffer belongs to exactly
// one tensor.
//
// The whole header is validated before any tensor memory is allocated, so a corrupt or
// hostile file fails fast with a message naming the file, the tensor and the field.
// In memory every tensor is float32; F16 and BF16 are widened exactly, bit by bit.

/** The on-disk element types this reader understands. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** One tensor in memory: row-major values, always float32. */
export interface TensorRecord {
  shape: number[];
  data: Float32Array;
}

/** A decoded file: tensors in header order, plus the free-form string metadata. */
export interface SafetensorsFile {
  tensors: Map<string, TensorRecord>;
  metadata: Record<string, string>;
}

/** One validated header entry; `dataOffsets` are relative to the start of the byte buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

/** A validated header; `dataStart` is the absolute byte offset of the byte buffer. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F32: 4,
  F16: 2,
  BF16: 2,
});
const SUPPORTED = Object.keys(DTYPE_BYTES).join(', ');

/** The reference implementation refuses headers above 100,000,000 bytes; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const WRITER_SOURCE = 'writeSafetensors';

/** A file (or a tensor set handed to the writer) that breaks the format. */
export class SafetensorsError extends Error {
  /** The file name, or "writeSafetensors" for problems in the writer's input. */
  readonly source: string;
  /** The tensor name, or "__metadata__", the problem sits in; absent for whole-file problems. */
  readonly field?: string;

  constructor(source: string, problem: string, field?: string) {
    super(`${source}: ${problem}`);
    this.name = 'SafetensorsError';
    this.source = source;
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------
// Bit-level conversions. Working on the raw u32 pattern keeps NaN payloads and signed zeros.

/** Widens IEEE half bits (u16) to the float32 bits (u32) of the same value; always exact. */
function halfBitsToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf, or NaN keeping payload
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 -> 127
  if (mant === 0) return sign >>> 0;

  // Subnormal half: mant * 2^-24. Shift until the implicit leading 1 appears, then it is a
  // normal float32 (float32 reaches far lower exponents than half).
  let m = mant;
  let e = 113; // float32 biased exponent of 2^-14 (the subnormal scale); decremented per shift
  while ((m & 0x400) === 0) {
    m <<= 1;
    e -= 1;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** Narrows float32 bits (u32) to half bits (u16), rounding to nearest, ties to even. */
function floatBitsToHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Keep the top payload bits; if they are all zero, set the quiet bit so NaN stays NaN.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7c00 | (mant >>> 13 || 0x200);
  }

  const e = exp - 127 + 15; // half biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // beyond 65504 even before rounding: infinity
  if (e <= 0) {
    // Half subnormal: the value is (1.mant) * 2^(e-15) = m24 * 2^(e-38); in units of 2^-24
    // that is m24 >> (14 - e). Below e = -10 even the largest m24 rounds to zero.
    if (e < -10) return sign;
    return sign | shiftRoundEven(mant | 0x800000, 14 - e);
  }
  // A carry out of the mantissa bumps the exponent, and 0x7bff + 1 is infinity: both correct.
  return sign | (((e << 10) | (mant >>> 13)) + roundUp(mant, 13, mant >>> 13));
}

/** `value >> shift`, rounded to nearest with ties to even. */
function shiftRoundEven(value: number, shift: number): number {
  const kept = value >>> shift;
  return kept + roundUp(value, shift, kept);
}

/** 1 when dropping the low `shift` bits of `value` should round `kept` up, else 0. */
function roundUp(value: number, shift: number, kept: number): number {
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? 1 : 0;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The float value of IEEE half-precision bits (0..0xffff). Exact, including subnormals. */
export function halfToFloat(bits: number): number {
  scratchBits[0] = halfBitsToFloatBits(bits & 0xffff);
  return scratch[0];
}

/** The IEEE half-precision bits nearest to `value` as a float32 (ties to even). */
export function floatToHalf(value: number): number {
  scratch[0] = value;
  return floatBitsToHalfBits(scratchBits[0]);
}

// ---------------------------------------------------------------------------------------------
// Header validation.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** JSON text of a header value for an error message, cut short so messages stay readable. */
function show(value: unknown): string {
  const text = value === undefined ? 'missing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function showShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function asBytes(bytes: ArrayBuffer | Uint8Array): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

function parseEntry(
  source: string,
  name: string,
  raw: unknown,
  bufferBytes: number,
): SafetensorsEntry {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, `tensor ${JSON.stringify(name)}: ${problem}`, name);
  };
  if (!isPlainObject(raw)) fail(`entry must be an object, got ${show(raw)}`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;

  if (typeof dtype !== 'string') fail(`dtype must be a string, got ${show(dtype)}`);
  if (!Object.hasOwn(DTYPE_BYTES, dtype as string)) {
    fail(`dtype ${dtype} is not supported; supported: ${SUPPORTED}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`shape must be an array of non-negative integers, got ${show(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`data_offsets must be two non-negative integers [begin, end], got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const where = `data_offsets [${begin}, ${end}]`;
  if (begin > end) fail(`${where} has begin after end`);
  if (end > bufferBytes) fail(`${where} run past the end of the ${bufferBytes}-byte buffer`);

  const dims = shape as number[];
  const needed = elementCount(dims) * DTYPE_BYTES[dtype as SafetensorsDtype];
  const wanted = `shape ${showShape(dims)} of ${dtype} needs ${needed}`;
  if (end - begin !== needed) fail(`${where} hold ${end - begin} bytes but ${wanted}`);
  return { name, dtype: dtype as SafetensorsDtype, shape: dims, dataOffsets: [begin, end] };
}

function parseMetadata(source: string, raw: unknown): Record<string, string> {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, `${METADATA_KEY}: ${problem}`, METADATA_KEY);
  };
  if (!isPlainObject(raw)) fail(`must be an object of strings, got ${show(raw)}`);
  const pairs = Object.entries(raw as Record<string, unknown>);
  for (const [key, value] of pairs) {
    if (typeof value !== 'string') {
      fail(`value of ${JSON.stringify(key)} must be a string, got ${show(value)}`);
    }
  }
  // fromEntries defines own properties, so even a key named "__proto__" survives.
  return Object.fromEntries(pairs) as Record<string, string>;
}

/** The spec asks the tensors to tile the byte buffer exactly: no overlaps, no holes. */
function checkCoverage(source: string, entries: SafetensorsEntry[], bufferBytes: number): void {
  const sorted = [...entries].sort(
    (a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let covered = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of sorted) {
    const [begin, end] = entry.dataOffsets;
    const tensor = `tensor ${JSON.stringify(entry.name)}: data_offsets [${begin}, ${end}]`;
    if (begin < covered && previous) {
      const [pb, pe] = previous.dataOffsets;
      const other = `tensor ${JSON.stringify(previous.name)} at [${pb}, ${pe}]`;
      throw new SafetensorsError(source, `${tensor} overlap ${other}`, entry.name);
    }
    if (begin > covered) {
      const problem = `${tensor} leave bytes [${covered}, ${begin}) of the buffer unused (a gap)`;
      throw new SafetensorsError(source, problem, entry.name);
    }
    covered = end;
    previous = entry;
  }
  if (covered !== bufferBytes) {
    const after = previous ? ` after tensor ${JSON.stringify(previous.name)}` : '';
    const problem =
      `byte buffer holds ${bufferBytes} bytes but tensors cover only ${covered}; ` +
      `bytes [${covered}, ${bufferBytes})${after} are unused (a gap)`;
    throw new SafetensorsError(source, problem, previous?.name);
  }
}

/**
 * Parses and validates the header without decoding any tensor: cheap enough to inspect a
 * large file. Throws SafetensorsError on every way the header can break the format.
 */
export function readSafetensorsHeader(
  bytes: ArrayBuffer | Uint8Array,
  source = 'model.safetensors',
): SafetensorsHeader {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, problem);
  };
  const u8 = asBytes(bytes);
  if (u8.length < 8) fail(`file is ${u8.length} bytes, shorter than the 8-byte header length`);

  // Length checks come first so that an absurd length is refused before anything is read.
  const declared = new DataView(u8.buffer, u8.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declared} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(declared);
  if (8 + headerBytes > u8.length) {
    fail(`header length ${headerBytes} bytes runs past the end of the ${u8.length}-byte file`);
  }

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(u8.subarray(8, 8 + headerBytes));
  } catch {
    fail('header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) fail(`header must be a JSON object, got ${show(json)}`);

  const dataStart = 8 + headerBytes;
  const bufferBytes = u8.length - dataStart;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === METADATA_KEY) metadata = parseMetadata(source, raw);
    else entries.push(parseEntry(source, name, raw, bufferBytes));
  }
  checkCoverage(source, entries, bufferBytes);
  return { entries, metadata, dataStart };
}

// ---------------------------------------------------------------------------------------------
// Decoding and encoding.

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies little-endian 4-byte words from `src` to `dst` in host order (no-op swap on LE). */
function copyWords(src: Uint8Array, dst: Uint8Array): void {
  dst.set(src);
  if (HOST_IS_LITTLE_ENDIAN) return;
  for (let i = 0; i < dst.length; i += 4) {
    [dst[i], dst[i + 1], dst[i + 2], dst[i + 3]] = [dst[i + 3], dst[i + 2], dst[i + 1], dst[i]];
  }
}

function decodeEntry(u8: Uint8Array, dataStart: number, entry: SafetensorsEntry): Float32Array {
  const count = elementCount(entry.shape);
  const out = new Float32Array(count);
  const begin = dataStart + entry.dataOffsets[0];
  if (entry.dtype === 'F32') {
    // A byte copy works at any alignment of `begin`.
    copyWords(u8.subarray(begin, begin + 4 * count), new Uint8Array(out.buffer));
    return out;
  }

  // DataView reads little-endian halves at any alignment; results go in as raw bits.
  const view = new DataView(u8.buffer, u8.byteOffset + begin, 2 * count);
  const bits = new Uint32Array(out.buffer);
  if (entry.dtype === 'BF16') {
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < count; i++) bits[i] = halfBitsToFloatBits(view.getUint16(2 * i, true));
  }
  return out;
}

/** Decodes a whole file into float32 tensors, after validating its header completely. */
export function readSafetensors(
  bytes: ArrayBuffer | Uint8Array,
  source = 'model.safetensors',
): SafetensorsFile {
  const u8 = asBytes(bytes);
  const { entries, metadata, dataStart } = readSafetensorsHeader(u8, source);
  const tensors = new Map<string, TensorRecord>();
  for (const entry of entries) {
    tensors.set(entry.name, { shape: [...entry.shape], data: decodeEntry(u8, dataStart, entry) });
  }
  return { tensors, metadata };
}

function checkWriterInput(name: string, tensor: TensorRecord): void {
  const fail = (problem: string): never => {
    const where = `tensor ${JSON.stringify(name)}: ${problem}`;
    throw new SafetensorsError(WRITER_SOURCE, where, name);
  };
  if (name === METADATA_KEY) fail(`the name ${METADATA_KEY} is reserved for metadata`);
  if (!Array.isArray(tensor.shape) || !tensor.shape.every(isCount)) {
    fail(`shape must be an array of non-negative integers, got ${show(tensor.shape)}`);
  }
  if (!(tensor.data instanceof Float32Array)) fail('data must be a Float32Array');
  const count = elementCount(tensor.shape);
  const shape = `shape ${showShape(tensor.shape)} holds ${count} values`;
  if (tensor.data.length !== count) fail(`${shape} but data has ${tensor.data.length}`);
}

/**
 * Encodes tensors as a safetensors file. `__metadata__` (omitted when empty) comes first, then
 * the tensors; names and metadata keys are sorted by UTF-16 code unit and the header is
 * space-padded to a multiple of 8 bytes, so equal input always gives equal bytes.
 * With dtype 'F16' values are rounded to nearest, ties to even (overflow becomes infinity).
 */
export function writeSafetensors(
  tensors: Map<string, TensorRecord> | Record<string, TensorRecord>,
  metadata: Record<string, string> = {},
  dtype: 'F32' | 'F16' = 'F32',
): Uint8Array {
  const byName = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const size = DTYPE_BYTES[dtype];

  // Header text is built by hand: JSON.stringify would move integer-like keys to the front.
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (metaKeys.length > 0) {
    const fields = metaKeys.map((key) => {
      if (typeof metadata[key] !== 'string') {
        const problem = `${METADATA_KEY}: value of ${JSON.stringify(key)} must be a string`;
        throw new SafetensorsError(WRITER_SOURCE, problem, METADATA_KEY);
      }
      return `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`;
    });
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    const tensor = byName.get(name) as TensorRecord;
    checkWriterInput(name, tensor);
    const end = offset + tensor.data.length * size;
    const shape = `"shape":[${tensor.shape.join(',')}]`;
    const offsets = `"data_offsets":[${offset},${end}]`;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}",${shape},${offsets}}`);
    offset = end;
  }

  // Pad with spaces so the byte buffer starts at a multiple of 8 (the length word is 8 bytes).
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerBytes + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);

  let at = 8 + headerBytes;
  const view = new DataView(out.buffer);
  for (const name of names) {
    const data = (byName.get(name) as TensorRecord).data;
    if (dtype === 'F32') {
      const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      copyWords(src, out.subarray(at, at + data.byteLength));
    } else {
      const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
      for (let i = 0; i < bits.length; i++) {
        view.setUint16(at + 2 * i, floatBitsToHalfBits(bits[i]), true);
      }
    }
    at += data.length * size;
  }
  return out;
}
