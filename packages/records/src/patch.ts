/**
 * In-place changes a broker makes to batches it accepts, without touching
 * the records: assigning offsets, stamping the leader epoch, and (for topics
 * with message.timestamp.type=LogAppendTime) setting the append time.
 *
 * baseOffset and partitionLeaderEpoch sit before the CRC-covered range, so
 * they change without a CRC update. The timestamp type bit and maxTimestamp
 * are covered, so setting them recomputes the CRC.
 */
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  TIMESTAMP_TYPE_MASK,
} from './constants';
import { corrupt } from './errors';
import { batchSizeAt, writeBatchCrc } from './header';
import { readInt32, readInt64, writeInt64 } from './int64';
import { iterateBatches } from './batches';

function needHeader(buf: Buffer, position: number): void {
  if (position < 0 || position + RECORD_BATCH_HEADER_SIZE > buf.length) {
    throw corrupt('no complete batch header to patch', position);
  }
}

/** Sets the baseOffset of the batch at `position` (no CRC change). */
export function setBaseOffset(buf: Buffer, position: number, baseOffset: number): void {
  needHeader(buf, position);
  writeInt64(buf, position + BASE_OFFSET_OFFSET, baseOffset);
}

/** Sets the partitionLeaderEpoch of the batch at `position` (no CRC change). */
export function setPartitionLeaderEpoch(buf: Buffer, position: number, epoch: number): void {
  needHeader(buf, position);
  buf.writeInt32BE(epoch, position + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Marks the batch at `position` as LogAppendTime with `timestamp` as its
 * maxTimestamp (readers then report that time for every record), and
 * recomputes the CRC. Returns false when nothing had to change.
 */
export function setLogAppendTime(buf: Buffer, position: number, timestamp: number): boolean {
  needHeader(buf, position);
  const size = batchSizeAt(buf, position);
  if (size < RECORD_BATCH_HEADER_SIZE || position + size > buf.length) throw corrupt('batch length runs past the buffer', position);
  const attributes = buf.readInt16BE(position + ATTRIBUTES_OFFSET);
  if (attributes & TIMESTAMP_TYPE_MASK && readInt64(buf, position + MAX_TIMESTAMP_OFFSET) === timestamp) return false;
  buf.writeInt16BE(attributes | TIMESTAMP_TYPE_MASK, position + ATTRIBUTES_OFFSET);
  writeInt64(buf, position + MAX_TIMESTAMP_OFFSET, timestamp);
  writeBatchCrc(buf, position);
  return true;
}

/** Reads the stored CRC (handy in tests and tools). */
export function storedCrc(buf: Buffer, position = 0): number {
  needHeader(buf, position);
  return buf.readUInt32BE(position + CRC_OFFSET);
}

export interface AssignOffsetsOptions {
  /** Stamp this partitionLeaderEpoch on every batch. */
  partitionLeaderEpoch?: number;
  /** Set LogAppendTime with this timestamp on every batch. */
  logAppendTime?: number;
  /** Verify CRCs while walking (default true; skip if already validated). */
  verifyCrc?: boolean;
}

/**
 * Gives the batches of `buf` consecutive offsets starting at `firstOffset`
 * (each batch takes lastOffsetDelta + 1 offsets), as a leader does on
 * append. Returns the next offset after the last batch. Validates the batch
 * framing as it goes (RecordsError on a bad batch, which may leave the
 * batches before it patched).
 */
export function assignOffsets(buf: Buffer, firstOffset: number, options: AssignOffsetsOptions = {}): number {
  let next = firstOffset;
  for (const batch of iterateBatches(buf, { verifyCrc: options.verifyCrc })) {
    const pos = batch.position;
    setBaseOffset(buf, pos, next);
    if (options.partitionLeaderEpoch !== undefined) setPartitionLeaderEpoch(buf, pos, options.partitionLeaderEpoch);
    if (options.logAppendTime !== undefined) setLogAppendTime(buf, pos, options.logAppendTime);
    next += readInt32(buf, pos + LAST_OFFSET_DELTA_OFFSET) + 1;
  }
  return next;
}
