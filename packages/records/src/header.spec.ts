import { ErrorCode } from '@nagare/protocol';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  Compression,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  MIN_BATCH_LENGTH,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORD_COUNT_OFFSET,
  TimestampType,
} from './constants';
import { computeBatchCrc, decodeAttributes, encodeAttributes, readBatchHeader, writeBatchCrc, writeBatchHeader } from './header';
import { readInt64, writeInt64 } from './int64';
import { catchRecordsError } from './testing/helpers';

describe('batch header layout', () => {
  it('has the documented offsets and size', () => {
    expect([
      BASE_OFFSET_OFFSET,
      BATCH_LENGTH_OFFSET,
      PARTITION_LEADER_EPOCH_OFFSET,
      MAGIC_OFFSET,
      CRC_OFFSET,
      ATTRIBUTES_OFFSET,
      LAST_OFFSET_DELTA_OFFSET,
      BASE_TIMESTAMP_OFFSET,
      MAX_TIMESTAMP_OFFSET,
      PRODUCER_ID_OFFSET,
      PRODUCER_EPOCH_OFFSET,
      BASE_SEQUENCE_OFFSET,
      RECORD_COUNT_OFFSET,
      RECORD_BATCH_HEADER_SIZE,
    ]).toEqual([0, 8, 12, 16, 17, 21, 23, 27, 35, 43, 51, 53, 57, 61]);
    expect(MIN_BATCH_LENGTH).toBe(49);
  });

  it('writes every field big-endian at its offset and reads it back', () => {
    const buf = Buffer.alloc(RECORD_BATCH_HEADER_SIZE);
    const fields = {
      baseOffset: 2 ** 40 + 5,
      batchLength: 49,
      partitionLeaderEpoch: 7,
      crc: 0xdeadbeef,
      attributes: encodeAttributes({ compression: Compression.Zstd, timestampType: TimestampType.LogAppendTime, isTransactional: true }),
      lastOffsetDelta: 9,
      baseTimestamp: 1_700_000_000_123,
      maxTimestamp: 1_700_000_000_999,
      producerId: 123456789012,
      producerEpoch: 3,
      baseSequence: 42,
      recordCount: 10,
    };
    writeBatchHeader(buf, 0, fields);
    expect(buf.readBigInt64BE(0)).toBe(BigInt(2 ** 40 + 5));
    expect(buf.readInt32BE(8)).toBe(49);
    expect(buf.readInt32BE(12)).toBe(7);
    expect(buf[16]).toBe(2);
    expect(buf.readUInt32BE(17)).toBe(0xdeadbeef);
    expect(buf.readInt16BE(21)).toBe(0x04 | 0x08 | 0x10);
    expect(buf.readInt32BE(23)).toBe(9);
    expect(buf.readBigInt64BE(27)).toBe(1_700_000_000_123n);
    expect(buf.readBigInt64BE(35)).toBe(1_700_000_000_999n);
    expect(buf.readBigInt64BE(43)).toBe(123456789012n);
    expect(buf.readInt16BE(51)).toBe(3);
    expect(buf.readInt32BE(53)).toBe(42);
    expect(buf.readInt32BE(57)).toBe(10);
    expect(readBatchHeader(buf)).toEqual({
      ...fields,
      magic: 2,
      compression: Compression.Zstd,
      timestampType: TimestampType.LogAppendTime,
      isTransactional: true,
      isControl: false,
      hasDeleteHorizonMs: false,
    });
  });

  it('defaults the producer fields and leader epoch to -1', () => {
    const buf = Buffer.alloc(RECORD_BATCH_HEADER_SIZE + 10);
    writeBatchHeader(buf, 10, { baseOffset: 0, batchLength: 49, attributes: 0, lastOffsetDelta: 0, baseTimestamp: -1, maxTimestamp: -1, recordCount: 0 });
    const h = readBatchHeader(buf, 10);
    expect([h.partitionLeaderEpoch, h.producerId, h.producerEpoch, h.baseSequence, h.baseTimestamp, h.maxTimestamp]).toEqual([-1, -1, -1, -1, -1, -1]);
  });

  it('encodes and decodes each attribute bit', () => {
    expect(encodeAttributes({})).toBe(0);
    expect(encodeAttributes({ compression: Compression.Gzip })).toBe(1);
    expect(encodeAttributes({ compression: Compression.Snappy })).toBe(2);
    expect(encodeAttributes({ compression: Compression.Lz4 })).toBe(3);
    expect(encodeAttributes({ timestampType: TimestampType.LogAppendTime })).toBe(0x08);
    expect(encodeAttributes({ isTransactional: true })).toBe(0x10);
    expect(encodeAttributes({ isControl: true })).toBe(0x20);
    expect(encodeAttributes({ hasDeleteHorizonMs: true })).toBe(0x40);
    expect(decodeAttributes(0x7c)).toEqual({
      compression: Compression.Zstd,
      timestampType: TimestampType.LogAppendTime,
      isTransactional: true,
      isControl: true,
      hasDeleteHorizonMs: true,
    });
  });

  it('refuses to read a header from too few bytes', () => {
    expect(catchRecordsError(() => readBatchHeader(Buffer.alloc(60))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => readBatchHeader(Buffer.alloc(100), 50)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(() => writeBatchHeader(Buffer.alloc(60), 0, { baseOffset: 0, batchLength: 49, attributes: 0, lastOffsetDelta: 0, baseTimestamp: 0, maxTimestamp: 0, recordCount: 0 })).toThrow(RangeError);
  });

  it('computes the CRC over attributes..end only', () => {
    const buf = Buffer.alloc(RECORD_BATCH_HEADER_SIZE + 5, 1);
    writeBatchHeader(buf, 0, { baseOffset: 0, batchLength: 54, attributes: 0, lastOffsetDelta: 0, baseTimestamp: 0, maxTimestamp: 0, recordCount: 0 });
    const crc = writeBatchCrc(buf);
    expect(buf.readUInt32BE(CRC_OFFSET)).toBe(crc);
    buf.writeInt32BE(99, PARTITION_LEADER_EPOCH_OFFSET);
    writeInt64(buf, 0, 12345);
    expect(computeBatchCrc(buf)).toBe(crc);
    buf[RECORD_BATCH_HEADER_SIZE + 4] ^= 1;
    expect(computeBatchCrc(buf)).not.toBe(crc);
  });
});

describe('int64 as number', () => {
  it.each([0, -1, 1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])('%d round-trips', (n) => {
    const b = Buffer.alloc(8);
    writeInt64(b, 0, n);
    expect(b.readBigInt64BE(0)).toBe(BigInt(n));
    expect(readInt64(b, 0)).toBe(n);
  });

  it('rounds stored values beyond the safe range instead of throwing, and refuses to write them', () => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(2n ** 63n - 1n, 0);
    expect(readInt64(b, 0)).toBe(2 ** 63);
    expect(() => writeInt64(b, 0, 2 ** 60)).toThrow(RangeError);
    expect(() => writeInt64(b, 0, 1.5)).toThrow(RangeError);
  });
});
