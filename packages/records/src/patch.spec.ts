import { ErrorCode } from '@nagare/protocol';
import { validateBatches } from './batches';
import { buildRecordBatch } from './builder';
import { Compression, TimestampType } from './constants';
import { readBatchHeader } from './header';
import { assignOffsets, setBaseOffset, setLogAppendTime, setPartitionLeaderEpoch, storedCrc } from './patch';
import { readRecords } from './records';
import { catchRecordsError } from './testing/helpers';

const T0 = 1_700_000_000_000;
const make = (n: number, compression = Compression.None) =>
  buildRecordBatch(
    Array.from({ length: n }, (_, i) => ({ timestamp: T0 + i * 10, value: `v${i}` })),
    { compression },
  );

describe('in-place patching', () => {
  it('setBaseOffset changes offsets, not the CRC', () => {
    const b = make(3);
    const crc = storedCrc(b);
    setBaseOffset(b, 0, 1_000_000_000_000);
    expect(storedCrc(b)).toBe(crc);
    expect(validateBatches(b).ok).toBe(true);
    expect(readRecords(b).toArray().map((r) => r.offset)).toEqual([1_000_000_000_000, 1_000_000_000_001, 1_000_000_000_002]);
  });

  it('setPartitionLeaderEpoch changes the epoch, not the CRC', () => {
    const b = make(1);
    const crc = storedCrc(b);
    setPartitionLeaderEpoch(b, 0, 17);
    expect(storedCrc(b)).toBe(crc);
    expect(readBatchHeader(b).partitionLeaderEpoch).toBe(17);
    expect(validateBatches(b).ok).toBe(true);
  });

  it.each([Compression.None, Compression.Lz4])('setLogAppendTime sets the type bit and maxTimestamp and keeps the CRC valid (codec %s)', (codec) => {
    const b = make(4, codec);
    const before = storedCrc(b);
    expect(setLogAppendTime(b, 0, T0 + 999_999)).toBe(true);
    expect(storedCrc(b)).not.toBe(before);
    expect(validateBatches(b).ok).toBe(true);
    const it = readRecords(b);
    expect(it.header.timestampType).toBe(TimestampType.LogAppendTime);
    expect(it.header.maxTimestamp).toBe(T0 + 999_999);
    expect(it.header.baseTimestamp).toBe(T0);
    expect(it.header.compression).toBe(codec);
    expect(it.toArray().map((r) => r.timestamp)).toEqual([T0 + 999_999, T0 + 999_999, T0 + 999_999, T0 + 999_999]);
    expect(setLogAppendTime(b, 0, T0 + 999_999)).toBe(false);
  });

  it('patches a batch in the middle of a buffer', () => {
    const a = make(1);
    const b = make(2);
    const buf = Buffer.concat([a, b]);
    setLogAppendTime(buf, a.length, T0);
    setBaseOffset(buf, a.length, 1);
    const r = validateBatches(buf);
    expect(r.ok).toBe(true);
    expect(readBatchHeader(buf, a.length).timestampType).toBe(TimestampType.LogAppendTime);
    expect(readBatchHeader(buf, 0).timestampType).toBe(TimestampType.CreateTime);
  });

  it('assignOffsets gives consecutive offsets across batches and returns the next one', () => {
    const buf = Buffer.concat([make(2), make(3, Compression.Gzip), make(1)]);
    const next = assignOffsets(buf, 100, { partitionLeaderEpoch: 4, logAppendTime: T0 });
    expect(next).toBe(106);
    const r = validateBatches(buf);
    if (!r.ok) throw r.error;
    expect(r.batches.map((b) => [b.header.baseOffset, b.header.partitionLeaderEpoch, b.header.timestampType])).toEqual([
      [100, 4, 1],
      [102, 4, 1],
      [105, 4, 1],
    ]);
  });

  it('refuses to patch outside the buffer', () => {
    expect(catchRecordsError(() => setBaseOffset(Buffer.alloc(10), 0, 1)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const b = make(1);
    expect(catchRecordsError(() => setLogAppendTime(b.subarray(0, b.length - 1), 0, 1)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(() => setBaseOffset(b, 0, 2 ** 60)).toThrow(RangeError);
  });
});
