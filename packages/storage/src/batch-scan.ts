/**
 * Walking the batches of a segment file without holding it in memory:
 * positioned reads of a few MiB at a time, each batch checked from its header
 * (and CRC when asked), stopping at the first byte that is not a valid batch.
 */
import {
  BATCH_LENGTH_OFFSET,
  BatchHeader,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_HEADER_SIZE,
  RecordsError,
  checkBatchAt,
  readBatchHeader,
} from '@nagare/records';
import { FileHandle, readFully } from './fs/file-system';

export const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;
const INT32_MAX = 0x7fffffff;

export interface ScanOptions {
  /** Verify CRCs and batch structure (recovery); otherwise headers are trusted. */
  verify: boolean;
  /** Batches must start at or after this offset and increase (recovery). */
  minOffset?: number;
  /** Base offset of the segment: relative offsets must fit in an int32. */
  segmentBaseOffset?: number;
  /** Refuse batches larger than this. */
  maxBatchBytes?: number;
}

export interface ScanResult {
  /** File position just after the last good batch. */
  validEnd: number;
  /** Offset after the last good batch (minOffset if none). */
  nextOffset: number;
  /** Why the scan stopped before `end`, if it did. */
  error?: string;
}

/**
 * Calls `visit(chunk, pos, filePosition, header)` for each batch in
 * [from, end); `chunk.subarray(pos, pos + size)` holds the whole batch. A
 * visit returning false stops the walk after that batch.
 */
export function scanBatches(
  h: FileHandle,
  from: number,
  end: number,
  options: ScanOptions,
  visit: (chunk: Buffer, pos: number, filePosition: number, header: BatchHeader, size: number) => void | boolean,
): ScanResult {
  let chunk = Buffer.allocUnsafe(Math.max(RECORD_BATCH_HEADER_SIZE, Math.min(SCAN_CHUNK_BYTES, end - from)));
  let chunkStart = from;
  let chunkLen = 0;
  let filePos = from;
  let nextOffset = options.minOffset ?? -1;
  const fill = (at: number, need: number): void => {
    if (need > chunk.length) chunk = Buffer.allocUnsafe(need);
    const want = Math.min(chunk.length, end - at);
    chunkLen = readFully(h, chunk, 0, want, at);
    chunkStart = at;
  };
  while (filePos < end) {
    let pos = filePos - chunkStart;
    if (pos < 0 || pos + LOG_OVERHEAD > chunkLen) {
      fill(filePos, RECORD_BATCH_HEADER_SIZE);
      pos = 0;
    }
    if (chunkLen - pos < LOG_OVERHEAD) {
      return { validEnd: filePos, nextOffset, error: `${end - filePos} trailing bytes are too few for a batch` };
    }
    const batchLength = chunk.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (batchLength < MIN_BATCH_LENGTH || batchLength > INT32_MAX - LOG_OVERHEAD) {
      return { validEnd: filePos, nextOffset, error: `invalid batch length ${batchLength} at position ${filePos}` };
    }
    const size = batchLength + LOG_OVERHEAD;
    if (filePos + size > end) {
      return { validEnd: filePos, nextOffset, error: `batch at position ${filePos} of ${size} bytes runs past the end (${end})` };
    }
    if (options.maxBatchBytes !== undefined && size > options.maxBatchBytes) {
      return { validEnd: filePos, nextOffset, error: `batch at position ${filePos} of ${size} bytes exceeds ${options.maxBatchBytes}` };
    }
    if (pos + size > chunkLen) {
      fill(filePos, size);
      pos = 0;
      if (chunkLen < size) return { validEnd: filePos, nextOffset, error: `short read of the batch at position ${filePos}` };
    }
    let header: BatchHeader;
    try {
      header = options.verify ? checkBatchAt(chunk, pos, pos + size, { verifyCrc: true }) : readBatchHeader(chunk, pos);
    } catch (e) {
      if (e instanceof RecordsError) return { validEnd: filePos, nextOffset, error: `position ${filePos}: ${e.message}` };
      throw e;
    }
    if (options.verify) {
      if (options.minOffset !== undefined && header.baseOffset < nextOffset) {
        return { validEnd: filePos, nextOffset, error: `batch at position ${filePos} has base offset ${header.baseOffset}, below the expected ${nextOffset}` };
      }
      const base = options.segmentBaseOffset;
      if (base !== undefined && (header.baseOffset < base || header.baseOffset + header.lastOffsetDelta - base > INT32_MAX)) {
        return { validEnd: filePos, nextOffset, error: `batch at position ${filePos} with offsets from ${header.baseOffset} does not belong to segment ${base}` };
      }
      if (!Number.isSafeInteger(header.baseOffset + header.lastOffsetDelta)) {
        return { validEnd: filePos, nextOffset, error: `batch at position ${filePos} has an offset outside the safe-integer range` };
      }
    }
    const more = visit(chunk, pos, filePos, header, size);
    nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
    filePos += size;
    if (more === false) break;
  }
  return { validEnd: filePos, nextOffset };
}
