import fc from 'fast-check';
import { ErrorCode } from '@nagare/protocol';
import {
  ByteReader,
  readVarint,
  readVarlong,
  readVarlongBigInt,
  sizeOfVarint,
  sizeOfVarlong,
  sizeOfVarlongBigInt,
  writeVarint,
  writeVarlong,
  writeVarlongBigInt,
} from './varint';
import { catchRecordsError } from './testing/helpers';

function encInt(n: number): number[] {
  const b = Buffer.alloc(10);
  const end = writeVarint(b, 0, n);
  expect(end).toBe(sizeOfVarint(n));
  return [...b.subarray(0, end)];
}

function encLong(n: bigint): number[] {
  const b = Buffer.alloc(10);
  const end = writeVarlongBigInt(b, 0, n);
  expect(end).toBe(sizeOfVarlongBigInt(n));
  return [...b.subarray(0, end)];
}

describe('varint (int32, zigzag)', () => {
  it.each([
    [0, [0x00]],
    [-1, [0x01]],
    [1, [0x02]],
    [-2, [0x03]],
    [63, [0x7e]],
    [-64, [0x7f]],
    [64, [0x80, 0x01]],
    [300, [0xd8, 0x04]],
    [2147483647, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
    [-2147483648, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('%d encodes as %j and reads back', (n, bytes) => {
    expect(encInt(n)).toEqual(bytes);
    expect(readVarint(Buffer.from(bytes))).toEqual({ value: n, next: bytes.length });
  });

  it('round-trips any int32', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (n) => {
        const b = Buffer.alloc(5);
        const end = writeVarint(b, 0, n);
        expect(readVarint(b, 0, end)).toEqual({ value: n, next: end });
      }),
      { seed: 1, numRuns: 1000 },
    );
  });

  it('rejects truncated, overlong and overflowing encodings with CORRUPT_MESSAGE', () => {
    expect(catchRecordsError(() => readVarint(Buffer.from([]))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => readVarint(Buffer.from([0x80, 0x80]))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    // A fifth byte may only hold the remaining 4 bits.
    expect(catchRecordsError(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    // The bound is `end`, not the buffer length.
    expect(catchRecordsError(() => readVarint(Buffer.from([0x80, 0x01]), 0, 1)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('varlong (int64, zigzag)', () => {
  const MAX = 2n ** 63n - 1n;
  const MIN = -(2n ** 63n);

  it.each([
    [0n, [0x00]],
    [-1n, [0x01]],
    [1n, [0x02]],
    [2147483647n, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
    [-2147483648n, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    [2147483648n, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [MAX, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    [MIN, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ])('%s encodes as %j and reads back as bigint', (n, bytes) => {
    expect(encLong(n)).toEqual(bytes);
    expect(readVarlongBigInt(Buffer.from(bytes))).toEqual({ value: n, next: bytes.length });
  });

  it('number API: safe-integer edges match the bigint encoding', () => {
    for (const n of [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const b = Buffer.alloc(10);
      const end = writeVarlong(b, 0, n);
      expect(end).toBe(sizeOfVarlong(n));
      expect([...b.subarray(0, end)]).toEqual(encLong(BigInt(n)));
      expect(readVarlong(b, 0, end)).toEqual({ value: n, next: end });
    }
  });

  it('number API refuses values outside the safe range instead of rounding', () => {
    const b = Buffer.alloc(10);
    const end = writeVarlongBigInt(b, 0, MAX);
    const e = catchRecordsError(() => readVarlong(b, 0, end));
    expect(e.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(() => writeVarlong(b, 0, 2 ** 53)).toThrow(RangeError);
    expect(() => writeVarlongBigInt(b, 0, MAX + 1n)).toThrow(RangeError);
  });

  it('rejects a tenth byte above 1 and an eleventh byte', () => {
    const tooBig = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
    expect(catchRecordsError(() => readVarlongBigInt(tooBig)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const tooLong = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00]);
    expect(catchRecordsError(() => readVarlongBigInt(tooLong)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => readVarlong(Buffer.from([0x80, 0x80, 0x80]))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('round-trips any int64 (bigint) and any safe integer (number)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN, max: MAX }), (n) => {
        const b = Buffer.alloc(10);
        const end = writeVarlongBigInt(b, 0, n);
        expect(readVarlongBigInt(b, 0, end)).toEqual({ value: n, next: end });
      }),
      { seed: 2, numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const b = Buffer.alloc(10);
        const end = writeVarlong(b, 0, n);
        expect(end).toBe(sizeOfVarlong(n));
        expect(readVarlong(b, 0, end)).toEqual({ value: n, next: end });
        expect([...b.subarray(0, end)]).toEqual(encLong(BigInt(n)));
      }),
      { seed: 3, numRuns: 1000 },
    );
  });

  it('ByteReader reads fixed-width fields with bounds checks', () => {
    const r = new ByteReader(Buffer.from([0xff, 0x80, 0x01, 0x00, 0x00, 0x00, 0x02]));
    expect(r.int8()).toBe(-1);
    expect(r.int16()).toBe(-32767);
    expect(r.int32()).toBe(2);
    expect(catchRecordsError(() => r.int8()).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});
