/**
 * The checks of one batch that need only its header and bytes (no record
 * decoding): size, magic, CRC-32C, codec id, counts.
 */
import { ErrorCode } from '@nagare/protocol';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CRC_OFFSET,
  CURRENT_MAGIC,
  Compression,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_REQUIRED_BYTES,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_HEADER_SIZE,
} from './constants';
import { crc32c } from './crc32c';
import { RecordsError, corrupt } from './errors';
import { BatchHeader, readBatchHeader } from './header';
import { readInt32, readUInt32 } from './int64';

/** The smallest possible encoded record (seven one-byte fields). */
export const MIN_RECORD_SIZE = 7;

export interface BatchCheckOptions {
  /** Verify each batch's CRC-32C (default true). */
  verifyCrc?: boolean;
  /** Largest allowed batch in bytes (batchLength + 12); bigger is MESSAGE_TOO_LARGE. */
  maxBatchBytes?: number;
  /**
   * Produce-path strictness, as a broker applies to what clients send: a batch
   * must hold at least one record and lastOffsetDelta must equal
   * recordCount - 1 (else INVALID_RECORD). Off by default, because logs may
   * legitimately hold compacted batches with gaps or no records left.
   */
  strict?: boolean;
}

/**
 * Checks the batch starting at `pos` (with `end` the end of the data) and
 * returns its header; throws RecordsError on the first problem.
 */
export function checkBatchAt(buf: Buffer, pos: number, end: number, options?: BatchCheckOptions): BatchHeader {
  const remaining = end - pos;
  if (remaining < MAGIC_REQUIRED_BYTES) {
    throw corrupt(`truncated batch: ${remaining} bytes left, the header alone needs ${RECORD_BATCH_HEADER_SIZE}`, pos);
  }
  const magic = (buf[pos + MAGIC_OFFSET] << 24) >> 24;
  if (magic !== CURRENT_MAGIC) {
    if (magic === 0 || magic === 1) {
      throw new RecordsError(
        ErrorCode.UNSUPPORTED_VERSION,
        `message format v${magic} (magic ${magic}) is not supported: only record batches with magic 2 are accepted`,
        pos,
      );
    }
    throw corrupt(`unknown magic byte ${magic}`, pos + MAGIC_OFFSET);
  }
  const batchLength = readInt32(buf, pos + BATCH_LENGTH_OFFSET);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw corrupt(`batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`, pos + BATCH_LENGTH_OFFSET);
  }
  const size = batchLength + LOG_OVERHEAD;
  if (size > remaining) throw corrupt(`truncated batch: its length says ${size} bytes, ${remaining} remain`, pos);
  if (options?.maxBatchBytes !== undefined && size > options.maxBatchBytes) {
    throw new RecordsError(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds the limit of ${options.maxBatchBytes}`, pos);
  }
  if (options?.verifyCrc !== false) {
    const stored = readUInt32(buf, pos + CRC_OFFSET);
    const actual = crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + size));
    if (stored !== actual) {
      throw corrupt(`CRC mismatch: stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}`, pos);
    }
  }
  const compression = buf[pos + ATTRIBUTES_OFFSET + 1] & COMPRESSION_MASK;
  if (compression > Compression.Zstd) {
    throw new RecordsError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec ${compression}`, pos + ATTRIBUTES_OFFSET);
  }
  const h = readBatchHeader(buf, pos);
  if (h.recordCount < 0) throw corrupt(`negative record count ${h.recordCount}`, pos);
  if (h.lastOffsetDelta < 0 || h.lastOffsetDelta < h.recordCount - 1) {
    throw corrupt(`lastOffsetDelta ${h.lastOffsetDelta} is inconsistent with ${h.recordCount} records`, pos);
  }
  if (compression === Compression.None && h.recordCount > (size - RECORD_BATCH_HEADER_SIZE) / MIN_RECORD_SIZE) {
    throw corrupt(`${h.recordCount} records cannot fit in ${size - RECORD_BATCH_HEADER_SIZE} bytes`, pos);
  }
  if (options?.strict) {
    if (h.recordCount === 0) throw new RecordsError(ErrorCode.INVALID_RECORD, 'batch has no records', pos);
    if (h.lastOffsetDelta !== h.recordCount - 1) {
      throw new RecordsError(
        ErrorCode.INVALID_RECORD,
        `lastOffsetDelta ${h.lastOffsetDelta} does not match the record count ${h.recordCount}`,
        pos,
      );
    }
  }
  return h;
}

