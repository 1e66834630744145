import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SafetensorsError,
  floatToHalf,
  halfToFloat,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
  type TensorRecord,
} from '../../src/io/safetensors';

/** A file built by hand: 8-byte little-endian header length, header text, then body bytes. */
function file(header: string, body: number[] = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  return lengthThen(json.length, [...json, ...body]);
}

/** 8 little-endian bytes holding `length`, followed by `rest`. */
function lengthThen(length: number, rest: number[]): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true);
  out.set(rest, 8);
  return out;
}

const entry = (dtype: string, shape: string, offsets: string) =>
  `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;

/** The error that `run` throws; fails the test when it throws nothing or something else. */
function errorOf(run: () => unknown): SafetensorsError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return e as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError, but nothing was thrown');
}

const values = (data: Float32Array) => Array.from(data);

describe('readSafetensors decodes hand-built files', () => {
  it('reads F32 values, shape and metadata, ignoring trailing header spaces', () => {
    // 1.0 = 0x3f800000, -2.5 = 0xc0200000, 0.15625 = 0x3e200000, 3.0 = 0x40400000.
    const bytes = file(
      `{"__metadata__":{"format":"pt"},"w":${entry('F32', '[2,2]', '[0,16]')}}   `,
      [0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0, 0, 0, 0x20, 0x3e, 0, 0, 0x40, 0x40],
    );
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['w']);
    expect(tensors.get('w')?.shape).toEqual([2, 2]);
    expect(values(tensors.get('w')!.data)).toEqual([1, -2.5, 0.15625, 3]);
  });

  it('reads F32 data that starts at an unaligned offset inside a larger buffer', () => {
    // The 106-byte header puts the data at file offset 114; the file itself starts at byte 3
    // of its buffer, so the floats sit at buffer offset 117, which is not a multiple of 4.
    const header = `{"a":${entry('F32', '[1]', '[0,4]')},"b":${entry('F32', '[]', '[4,8]')}}`;
    const inner = file(header, [0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const view = outer.subarray(3);
    expect(view.byteOffset + 8 + header.length).toBe(117);
    const { tensors } = readSafetensors(view);
    expect(values(tensors.get('a')!.data)).toEqual([1]);
    expect(tensors.get('b')?.shape).toEqual([]);
    expect(values(tensors.get('b')!.data)).toEqual([-2.5]);
  });

  it('widens F16 exactly: normals, max, subnormals, zeros, infinities, NaN', () => {
    // Little-endian pairs: 0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00,
    // 0xfc00, 0x7e00. One space of padding makes the header 57 bytes, so the data starts at
    // the odd file offset 65.
    const bytes = file(
      `{"h":${entry('F16', '[10]', '[0,20]')}} `,
      [
        0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0xff, 0x03, 0x00, 0x04, 0x00, 0x80, 0x00,
        0x7c, 0x00, 0xfc, 0x00, 0x7e,
      ],
    );
    const data = readSafetensors(bytes).tensors.get('h')!.data;
    expect(data[0]).toBe(1);
    expect(data[1]).toBe(-2);
    expect(data[2]).toBe(65504); // (2 - 2^-10) * 2^15
    expect(data[3]).toBe(5.960464477539063e-8); // 2^-24, the smallest subnormal
    expect(data[4]).toBe(6.097555160522461e-5); // 1023 * 2^-24, the largest subnormal
    expect(data[5]).toBe(6.103515625e-5); // 2^-14, the smallest normal
    expect(Object.is(data[6], -0)).toBe(true);
    expect(data[7]).toBe(Infinity);
    expect(data[8]).toBe(-Infinity);
    expect(Number.isNaN(data[9])).toBe(true);
  });

  it('widens BF16 by placing the bits in the top half of a float32', () => {
    // 0x3f80 = 1.0, 0xc040 = -3.0, 0x7f80 = +inf, 0x3e20 = 0.15625.
    const bytes = file(
      `{"b":${entry('BF16', '[2,2]', '[0,8]')}}`,
      [0x80, 0x3f, 0x40, 0xc0, 0x80, 0x7f, 0x20, 0x3e],
    );
    expect(values(readSafetensors(bytes).tensors.get('b')!.data)).toEqual([
      1,
      -3,
      Infinity,
      0.15625,
    ]);
  });

  it('keeps a metadata key named __proto__ as an ordinary key', () => {
    const { metadata } = readSafetensors(file('{"__metadata__":{"__proto__":"x","a":"b"}}'));
    expect(Object.keys(metadata)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('x');
  });

  it('accepts an ArrayBuffer and a file with no tensors', () => {
    const { tensors, metadata } = readSafetensors(file('{}').buffer as ArrayBuffer);
    expect(tensors.size).toBe(0);
    expect(metadata).toEqual({});
  });

  it('reports header entries and the data start without decoding', () => {
    const header = `{"z":${entry('F16', '[0]', '[0,0]')},"y":${entry('BF16', '[1]', '[0,2]')}}`;
    const parsed = readSafetensorsHeader(file(header, [0x80, 0x3f]), 'tiny.safetensors');
    expect(parsed.dataStart).toBe(8 + header.length);
    expect(parsed.entries).toEqual([
      { name: 'z', dtype: 'F16', shape: [0], dataOffsets: [0, 0] },
      { name: 'y', dtype: 'BF16', shape: [1], dataOffsets: [0, 2] },
    ]);
  });
});

describe('half-precision conversions', () => {
  it('rounds float32 to half to nearest, ties to even', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // halfway to 65536: even side overflows to inf
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie between 0x3c00 and 0x3c01: even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02: even
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: even
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 units: even
    expect(floatToHalf(1023.5 * 2 ** -24)).toBe(0x0400); // rounds out of the subnormals
    expect(floatToHalf(2 ** -26)).toBe(0x0000);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(-Infinity)).toBe(0xfc00);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x3ff).not.toBe(0);
  });

  it('widens every finite half and narrows it back to the same bits', () => {
    // 63,488 values (all but the 2,048 NaN/inf patterns): cheap, and it checks both ways.
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
    expect(halfToFloat(0x3555)).toBe(0.333251953125); // 1365/4096, worked out by hand
  });
});

describe('writeSafetensors', () => {
  it('writes sorted names, space padding to 8 bytes and little-endian F32 data', () => {
    const bytes = writeSafetensors({
      b: { shape: [2], data: new Float32Array([1, -2]) },
      a: { shape: [], data: new Float32Array([0.5]) },
    });
    // 107 bytes of JSON padded with 5 spaces to 112 = 0x70.
    const header =
      `{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
      `"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}     `;
    const expected = lengthThen(0x70, [
      ...new TextEncoder().encode(header),
      ...[0, 0, 0, 0x3f], // 0.5 = 0x3f000000
      ...[0, 0, 0x80, 0x3f], // 1.0 = 0x3f800000
      ...[0, 0, 0, 0xc0], // -2.0 = 0xc0000000
    ]);
    expect(header.length).toBe(112);
    expect(Array.from(bytes)).toEqual(Array.from(expected));
  });

  it('writes F16 data and metadata first, in sorted order', () => {
    const tensors = new Map<string, TensorRecord>([
      ['x', { shape: [3], data: new Float32Array([1, -2, 65504]) }],
    ]);
    const bytes = writeSafetensors(tensors, { z: '1', a: 'two' }, 'F16');
    const headerBytes = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes)).trimEnd();
    expect(text).toBe(
      '{"__metadata__":{"a":"two","z":"1"},' +
        '"x":{"dtype":"F16","shape":[3],"data_offsets":[0,6]}}',
    );
    expect(Array.from(bytes.subarray(8 + headerBytes))).toEqual([0, 0x3c, 0, 0xc0, 0xff, 0x7b]);
  });

  it('round-trips a file it wrote byte for byte, as F32 and as F16', () => {
    const nan = new Float32Array(new Uint32Array([0x7fc00001, 0xff800123]).buffer);
    const tensors = {
      '10': { shape: [2, 3], data: new Float32Array([0.1, -0, 1e-40, 3.5, -7, 1e30]) },
      '2': { shape: [0, 4], data: new Float32Array([]) },
      'h.0.attn.c_attn.weight': { shape: [2], data: nan },
      wte: { shape: [], data: new Float32Array([Infinity]) },
    };
    for (const dtype of ['F32', 'F16'] as const) {
      const first = writeSafetensors(tensors, { format: 'pt', é: 'ü' }, dtype);
      const decoded = readSafetensors(first);
      const second = writeSafetensors(decoded.tensors, decoded.metadata, dtype);
      expect(Array.from(second)).toEqual(Array.from(first));
    }
  });

  it('preserves F16 NaN payloads when re-encoding a half file', () => {
    // 0x7c01 is a signalling NaN; 0xfe00 a negative quiet NaN.
    const original = writeSafetensors(
      { n: { shape: [2], data: new Float32Array([0, 0]) } },
      {},
      'F16',
    );
    const dataStart = original.length - 4;
    original.set([0x01, 0x7c, 0x00, 0xfe], dataStart);
    const again = writeSafetensors(readSafetensors(original).tensors, {}, 'F16');
    expect(Array.from(again)).toEqual(Array.from(original));
  });

  it('rejects data whose length does not match the shape, naming the tensor', () => {
    const err = errorOf(() =>
      writeSafetensors({ 'lm_head.weight': { shape: [2, 3], data: new Float32Array(5) } }),
    );
    expect(err.message).toBe(
      'writeSafetensors: tensor "lm_head.weight": shape [2, 3] holds 6 values but data has 5',
    );
    expect(err.field).toBe('lm_head.weight');
  });

  it('rejects the reserved name __metadata__ and non-string metadata values', () => {
    const t = { shape: [1], data: new Float32Array(1) };
    expect(errorOf(() => writeSafetensors({ __metadata__: t })).message).toMatch(/reserved/);
    const bad = { step: 3 } as unknown as Record<string, string>;
    const err = errorOf(() => writeSafetensors({ t }, bad));
    expect(err.message).toMatch(/__metadata__: value of "step" must be a string/);
  });
});

describe('readSafetensors rejects broken files with the cause and the place', () => {
  afterEach(() => vi.restoreAllMocks());
  const f32 = (offsets: string, shape = '[1]') => entry('F32', shape, offsets);

  it('rejects a file shorter than 8 bytes', () => {
    const err = errorOf(() => readSafetensors(new Uint8Array(5), 'tiny.safetensors'));
    expect(err.message).toBe(
      'tiny.safetensors: file is 5 bytes, shorter than the 8-byte header length',
    );
    expect(err.source).toBe('tiny.safetensors');
    expect(err.field).toBeUndefined();
  });

  it('rejects a header length of 2^40 before decoding or allocating anything', () => {
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    const parse = vi.spyOn(JSON, 'parse');
    const bytes = lengthThen(2 ** 40, [0x7b, 0x7d]);
    const err = errorOf(() => readSafetensors(bytes));
    expect(err.message).toBe(
      'model.safetensors: header length 1099511627776 bytes exceeds the 100000000-byte limit',
    );
    expect(decode).not.toHaveBeenCalled();
    expect(parse).not.toHaveBeenCalled();
  });

  it('rejects a header length that runs past the end of the file', () => {
    const err = errorOf(() => readSafetensors(lengthThen(100, [0x7b, 0x7d])));
    expect(err.message).toBe(
      'model.safetensors: header length 100 bytes runs past the end of the 10-byte file',
    );
  });

  it('rejects a header that is not UTF-8', () => {
    const err = errorOf(() => readSafetensors(lengthThen(3, [0x7b, 0xff, 0x7d])));
    expect(err.message).toBe('model.safetensors: header is not valid UTF-8');
  });

  it('rejects a header that is not JSON', () => {
    const err = errorOf(() => readSafetensors(file('{"a":')));
    expect(err.message).toMatch(/^model\.safetensors: header is not valid JSON \(/);
  });

  it.each([
    ['[]', '[]'],
    ['null', 'null'],
    ['42', '42'],
  ])('rejects a header whose JSON is %s, not an object', (header, shown) => {
    const err = errorOf(() => readSafetensors(file(header)));
    expect(err.message).toBe(`model.safetensors: header must be a JSON object, got ${shown}`);
  });

  it('rejects an entry that is not an object', () => {
    const err = errorOf(() => readSafetensors(file('{"wte":[1,2]}')));
    expect(err.message).toBe('model.safetensors: tensor "wte": entry must be an object, got [1,2]');
    expect(err.field).toBe('wte');
  });

  it.each([
    ['missing', '{"shape":[1],"data_offsets":[0,4]}', 'dtype must be a string, got missing'],
    ['a number', '{"dtype":4,"shape":[1],"data_offsets":[0,4]}', 'dtype must be a string, got 4'],
  ])('rejects a dtype that is %s', (_, body, problem) => {
    const err = errorOf(() => readSafetensors(file(`{"wpe":${body}}`, [0, 0, 0, 0])));
    expect(err.message).toBe(`model.safetensors: tensor "wpe": ${problem}`);
  });

  it('rejects an unknown dtype by name and lists the supported ones', () => {
    const bytes = file(`{"ids":${entry('I64', '[1]', '[0,8]')}}`, [1, 0, 0, 0, 0, 0, 0, 0]);
    const err = errorOf(() => readSafetensors(bytes));
    expect(err.message).toBe(
      'model.safetensors: tensor "ids": dtype I64 is not supported; supported: F32, F16, BF16',
    );
  });

  it.each([
    ['missing', '{"dtype":"F32","data_offsets":[0,4]}', 'missing'],
    ['not an array', `{"dtype":"F32","shape":4,"data_offsets":[0,4]}`, '4'],
    ['negative', f32('[0,4]', '[-1]'), '[-1]'],
    ['fractional', f32('[0,4]', '[1.5]'), '[1.5]'],
    ['a string inside', f32('[0,4]', '["1"]'), '["1"]'],
  ])('rejects a shape that is %s', (_, body, shown) => {
    const err = errorOf(() => readSafetensors(file(`{"ln_f.bias":${body}}`, [0, 0, 0, 0])));
    expect(err.message).toBe(
      'model.safetensors: tensor "ln_f.bias": ' +
        `shape must be an array of non-negative integers, got ${shown}`,
    );
  });

  it.each([
    ['missing', '{"dtype":"F32","shape":[1]}', 'missing'],
    ['one number', f32('[4]'), '[4]'],
    ['three numbers', f32('[0,4,8]'), '[0,4,8]'],
    ['negative', f32('[-4,0]'), '[-4,0]'],
    ['unsafe', f32('[0,1e300]'), '[0,1e+300]'],
  ])('rejects data_offsets that are %s', (_, body, shown) => {
    const err = errorOf(() => readSafetensors(file(`{"t":${body}}`, [0, 0, 0, 0])));
    expect(err.message).toBe(
      'model.safetensors: tensor "t": ' +
        `data_offsets must be two non-negative integers [begin, end], got ${shown}`,
    );
  });

  it('rejects data_offsets whose begin comes after their end', () => {
    const err = errorOf(() => readSafetensors(file(`{"t":${f32('[4,0]')}}`, [0, 0, 0, 0])));
    expect(err.message).toBe(
      'model.safetensors: tensor "t": data_offsets [4, 0] has begin after end',
    );
  });

  it('rejects data_offsets outside the byte buffer', () => {
    const err = errorOf(() => readSafetensors(file(`{"t":${f32('[4,8]')}}`, [0, 0, 0, 0])));
    expect(err.message).toBe(
      'model.safetensors: tensor "t": data_offsets [4, 8] run past the end of the 4-byte buffer',
    );
  });

  it('rejects a byte count that does not match shape times dtype size', () => {
    const header = `{"h.0.attn.c_attn.weight":${f32('[0,100]', '[4,8]')}}`;
    const err = errorOf(() => readSafetensors(file(header, new Array(100).fill(0))));
    expect(err.message).toBe(
      'model.safetensors: tensor "h.0.attn.c_attn.weight": ' +
        'data_offsets [0, 100] hold 100 bytes but shape [4, 8] of F32 needs 128',
    );
    expect(err.field).toBe('h.0.attn.c_attn.weight');
  });

  it('rejects overlapping tensors, naming both', () => {
    const header = `{"a":${f32('[0,8]', '[2]')},"b":${f32('[4,12]', '[2]')}}`;
    const err = errorOf(() => readSafetensors(file(header, new Array(12).fill(0))));
    expect(err.message).toBe(
      'model.safetensors: tensor "b": data_offsets [4, 12] overlap tensor "a" at [0, 8]',
    );
    expect(err.field).toBe('b');
  });

  it('rejects a gap between tensors', () => {
    const header = `{"a":${f32('[0,4]')},"b":${f32('[8,12]')}}`;
    const err = errorOf(() => readSafetensors(file(header, new Array(12).fill(0))));
    expect(err.message).toBe(
      'model.safetensors: tensor "b": data_offsets [8, 12] leave bytes [4, 8) of the buffer ' +
        'unused (a gap)',
    );
  });

  it('rejects buffer bytes after the last tensor', () => {
    const err = errorOf(() => readSafetensors(file(`{"a":${f32('[0,4]')}}`, [0, 0, 0, 0, 9])));
    expect(err.message).toBe(
      'model.safetensors: byte buffer holds 5 bytes but tensors cover only 4; ' +
        'bytes [4, 5) after tensor "a" are unused (a gap)',
    );
    expect(err.field).toBe('a');
  });

  it('rejects __metadata__ that is not a map of strings', () => {
    const notMap = errorOf(() => readSafetensors(file('{"__metadata__":["pt"]}')));
    expect(notMap.message).toBe(
      'model.safetensors: __metadata__: must be an object of strings, got ["pt"]',
    );
    const badValue = errorOf(() => readSafetensors(file('{"__metadata__":{"step":3}}')));
    expect(badValue.message).toBe(
      'model.safetensors: __metadata__: value of "step" must be a string, got 3',
    );
    expect(badValue.field).toBe('__metadata__');
  });
});
