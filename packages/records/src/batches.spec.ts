import { ErrorCode } from '@nagare/protocol';
import { assertValidBatches, iterateBatches, validateBatches } from './batches';
import { buildRecordBatch } from './builder';
import { BATCH_LENGTH_OFFSET, Compression, LAST_OFFSET_DELTA_OFFSET, MAGIC_OFFSET, RECORD_COUNT_OFFSET } from './constants';
import { writeBatchCrc } from './header';
import { catchRecordsError, rawBatch } from './testing/helpers';

const T0 = 1_700_000_000_000;
const batchOf = (n: number, compression = Compression.None, baseOffset = 0) =>
  buildRecordBatch(
    Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i, value: `value-${i}` })),
    { compression, baseOffset },
  );

function errorOf(buf: Buffer, options?: Parameters<typeof validateBatches>[1]) {
  const r = validateBatches(buf, options);
  if (r.ok) throw new Error('expected validation to fail');
  return r;
}

describe('validateBatches', () => {
  it('walks concatenated batches and reports position, size and header of each', () => {
    const a = batchOf(3);
    const b = batchOf(5, Compression.Gzip, 3);
    const c = batchOf(1, Compression.Zstd, 8);
    const r = validateBatches(Buffer.concat([a, b, c]));
    if (!r.ok) throw r.error;
    expect(r.batches.map((x) => [x.position, x.size, x.header.recordCount, x.header.compression])).toEqual([
      [0, a.length, 3, Compression.None],
      [a.length, b.length, 5, Compression.Gzip],
      [a.length + b.length, c.length, 1, Compression.Zstd],
    ]);
    expect(r.recordCount).toBe(9);
  });

  it('accepts an empty buffer (no batches) unless exactly one batch is required', () => {
    expect(validateBatches(Buffer.alloc(0))).toEqual({ ok: true, batches: [], recordCount: 0 });
    expect(errorOf(Buffer.alloc(0), { singleBatch: true }).error.code).toBe(ErrorCode.INVALID_RECORD);
    expect(errorOf(Buffer.concat([batchOf(1), batchOf(1)]), { singleBatch: true }).error.code).toBe(ErrorCode.INVALID_RECORD);
  });

  it('bad CRC -> CORRUPT_MESSAGE, unless CRC checks are off', () => {
    const bad = batchOf(2);
    bad[bad.length - 1] ^= 0x01;
    const r = errorOf(Buffer.concat([batchOf(1), bad]));
    expect(r.error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.error.message).toMatch(/CRC/);
    expect(r.batchIndex).toBe(1);
    expect(validateBatches(bad, { verifyCrc: false }).ok).toBe(true);
  });

  it('truncated batch and trailing partial batch -> CORRUPT_MESSAGE', () => {
    const full = batchOf(2);
    for (const cut of [1, 11, 12, 16, 17, 60, full.length - 1]) {
      expect(errorOf(full.subarray(0, cut)).error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(errorOf(Buffer.concat([full, full.subarray(0, cut)])).batchIndex).toBe(1);
    }
  });

  it('batchLength below 49 or past the buffer -> CORRUPT_MESSAGE', () => {
    const b = batchOf(1);
    b.writeInt32BE(48, BATCH_LENGTH_OFFSET);
    expect(errorOf(b).error.message).toMatch(/below the minimum/);
    b.writeInt32BE(-5, BATCH_LENGTH_OFFSET);
    expect(errorOf(b).error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    b.writeInt32BE(0x7fffffff, BATCH_LENGTH_OFFSET);
    expect(errorOf(b).error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('magic 0 and 1 -> UNSUPPORTED_VERSION; other magic -> CORRUPT_MESSAGE', () => {
    for (const magic of [0, 1]) {
      const b = batchOf(1);
      b[MAGIC_OFFSET] = magic;
      expect(errorOf(b).error.code).toBe(ErrorCode.UNSUPPORTED_VERSION);
    }
    // An old-format message set is shorter than a v2 header: still told apart by its magic.
    const v0 = Buffer.alloc(26);
    v0.writeInt32BE(14, BATCH_LENGTH_OFFSET);
    v0[MAGIC_OFFSET] = 0;
    expect(errorOf(v0).error.code).toBe(ErrorCode.UNSUPPORTED_VERSION);
    for (const magic of [3, 0x7f, 0xff]) {
      const b = batchOf(1);
      b[MAGIC_OFFSET] = magic;
      expect(errorOf(b).error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
  });

  it.each([5, 6, 7])('compression id %d -> UNSUPPORTED_COMPRESSION_TYPE', (id) => {
    const b = rawBatch(Buffer.alloc(10), { recordCount: 1, attributes: id });
    expect(errorOf(b).error.code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('negative record count or inconsistent lastOffsetDelta -> CORRUPT_MESSAGE', () => {
    const b = batchOf(3);
    b.writeInt32BE(-1, RECORD_COUNT_OFFSET);
    writeBatchCrc(b);
    expect(errorOf(b).error.message).toMatch(/negative record count/);
    const c = batchOf(3);
    c.writeInt32BE(1, LAST_OFFSET_DELTA_OFFSET); // 3 records need at least delta 2
    writeBatchCrc(c);
    expect(errorOf(c).error.message).toMatch(/lastOffsetDelta/);
    const d = batchOf(3);
    d.writeInt32BE(-1, LAST_OFFSET_DELTA_OFFSET);
    writeBatchCrc(d);
    expect(errorOf(d).error.code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('strict mode (produce path): empty batch or offset gaps -> INVALID_RECORD', () => {
    const compacted = batchOf(3);
    compacted.writeInt32BE(10, LAST_OFFSET_DELTA_OFFSET); // legal in a log after compaction
    writeBatchCrc(compacted);
    expect(validateBatches(compacted).ok).toBe(true);
    expect(errorOf(compacted, { strict: true }).error.code).toBe(ErrorCode.INVALID_RECORD);
    const empty = rawBatch(Buffer.alloc(0), { recordCount: 0, lastOffsetDelta: 0 });
    expect(validateBatches(empty).ok).toBe(true);
    expect(errorOf(empty, { strict: true }).error.code).toBe(ErrorCode.INVALID_RECORD);
  });

  it('a batch above maxBatchBytes -> MESSAGE_TOO_LARGE', () => {
    const b = batchOf(100);
    expect(errorOf(b, { maxBatchBytes: b.length - 1 }).error.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(validateBatches(b, { maxBatchBytes: b.length }).ok).toBe(true);
  });

  it('assertValidBatches throws the RecordsError', () => {
    const b = batchOf(1);
    b[MAGIC_OFFSET] = 1;
    expect(catchRecordsError(() => assertValidBatches(b)).code).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(assertValidBatches(batchOf(1))).toHaveLength(1);
  });
});

describe('iterateBatches', () => {
  it('yields views lazily and reads each batch\'s records', () => {
    const buf = Buffer.concat([batchOf(2, Compression.None, 0), batchOf(3, Compression.Snappy, 2)]);
    const it = iterateBatches(buf);
    const first = it.next();
    expect(first.done).toBe(false);
    const v = first.value!;
    expect(v.position).toBe(0);
    expect(v.lastOffset).toBe(1);
    expect(v.nextOffset).toBe(2);
    expect(v.bytes.equals(buf.subarray(0, v.size))).toBe(true);
    expect(it.position).toBe(v.size);
    const rest = [...it];
    expect(rest).toHaveLength(1);
    expect(rest[0].records().toArray().map((r) => [r.offset, r.value!.toString()])).toEqual([
      [2, 'value-0'],
      [3, 'value-1'],
      [4, 'value-2'],
    ]);
  });

  it('yields the good batches before throwing for a bad one, then is done', () => {
    const bad = batchOf(1);
    bad[30] ^= 0xff;
    const it = iterateBatches(Buffer.concat([batchOf(1), bad, batchOf(1)]));
    expect(it.next().done).toBe(false);
    expect(catchRecordsError(() => it.next()).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(it.next().done).toBe(true);
  });

  it('stops quietly at a partial tail when allowed (fetch responses)', () => {
    const a = batchOf(2);
    const b = batchOf(2);
    const buf = Buffer.concat([a, b.subarray(0, 40)]);
    expect(catchRecordsError(() => [...iterateBatches(buf)]).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const it = iterateBatches(buf, { allowPartialTail: true });
    expect([...it]).toHaveLength(1);
    expect(it.position).toBe(a.length);
    expect([...iterateBatches(Buffer.concat([a, b.subarray(0, 70)]), { allowPartialTail: true })]).toHaveLength(1);
  });

  it('honours position and end', () => {
    const a = batchOf(1);
    const b = batchOf(2);
    const buf = Buffer.concat([a, b, a]);
    const views = [...iterateBatches(buf, { position: a.length, end: a.length + b.length })];
    expect(views.map((v) => v.header.recordCount)).toEqual([2]);
    expect(() => iterateBatches(buf, { position: -1 })).toThrow(RangeError);
  });
});
