import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CONTROL_MASK,
  CRC_OFFSET,
  CURRENT_MAGIC,
  Compression,
  DELETE_HORIZON_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORD_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
  TimestampType,
} from './constants';
import { crc32c } from './crc32c';
import { corrupt } from './errors';
import { readInt16, readInt32, readInt64, readUInt32, writeInt64 } from './int64';

/** The fixed 61-byte header of a record batch, with the attribute bits decoded. */
export interface BatchHeader {
  baseOffset: number;
  /** Bytes after the batchLength field: the whole batch is batchLength + 12 bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** The stored CRC-32C (unsigned). */
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** Attribute bits 0-2 (may be an unknown value 5-7 in a corrupt batch). */
  compression: Compression;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizonMs: boolean;
}

/** The fields `writeBatchHeader` needs; flags are taken from `attributes`. */
export interface BatchHeaderFields {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch?: number;
  magic?: number;
  crc?: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  recordCount: number;
}

export interface AttributeFlags {
  compression?: Compression;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  hasDeleteHorizonMs?: boolean;
}

/** Packs attribute flags into the int16 attributes field. */
export function encodeAttributes(flags: AttributeFlags): number {
  return (
    ((flags.compression ?? Compression.None) & COMPRESSION_MASK) |
    (flags.timestampType === TimestampType.LogAppendTime ? TIMESTAMP_TYPE_MASK : 0) |
    (flags.isTransactional ? TRANSACTIONAL_MASK : 0) |
    (flags.isControl ? CONTROL_MASK : 0) |
    (flags.hasDeleteHorizonMs ? DELETE_HORIZON_MASK : 0)
  );
}

/** Unpacks the int16 attributes field. */
export function decodeAttributes(attributes: number): Required<AttributeFlags> {
  return {
    compression: attributes & COMPRESSION_MASK,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    isTransactional: (attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (attributes & CONTROL_MASK) !== 0,
    hasDeleteHorizonMs: (attributes & DELETE_HORIZON_MASK) !== 0,
  };
}

/**
 * Reads the header of the batch at `position`. Checks only that the 61 bytes
 * are there; see `validateBatches` for the checks of a batch's contents.
 */
export function readBatchHeader(buf: Buffer, position = 0): BatchHeader {
  if (position < 0 || position + RECORD_BATCH_HEADER_SIZE > buf.length) {
    throw corrupt(`batch header needs ${RECORD_BATCH_HEADER_SIZE} bytes, ${Math.max(0, buf.length - position)} available`, position);
  }
  const p = position;
  const attributes = readInt16(buf, p + ATTRIBUTES_OFFSET);
  return {
    baseOffset: readInt64(buf, p + BASE_OFFSET_OFFSET),
    batchLength: readInt32(buf, p + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: readInt32(buf, p + PARTITION_LEADER_EPOCH_OFFSET),
    magic: (buf[p + MAGIC_OFFSET] << 24) >> 24,
    crc: readUInt32(buf, p + CRC_OFFSET),
    attributes,
    lastOffsetDelta: readInt32(buf, p + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64(buf, p + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, p + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, p + PRODUCER_ID_OFFSET),
    producerEpoch: readInt16(buf, p + PRODUCER_EPOCH_OFFSET),
    baseSequence: readInt32(buf, p + BASE_SEQUENCE_OFFSET),
    recordCount: readInt32(buf, p + RECORD_COUNT_OFFSET),
    compression: attributes & COMPRESSION_MASK,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    isTransactional: (attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (attributes & CONTROL_MASK) !== 0,
    hasDeleteHorizonMs: (attributes & DELETE_HORIZON_MASK) !== 0,
  };
}

/**
 * Writes a 61-byte batch header at `position`. The CRC is written as given
 * (default 0): call `writeBatchCrc` once the records follow the header.
 */
export function writeBatchHeader(buf: Buffer, position: number, h: BatchHeaderFields): void {
  if (position < 0 || position + RECORD_BATCH_HEADER_SIZE > buf.length) {
    throw new RangeError(`no room for a ${RECORD_BATCH_HEADER_SIZE}-byte batch header at ${position}`);
  }
  const p = position;
  writeInt64(buf, p + BASE_OFFSET_OFFSET, h.baseOffset);
  buf.writeInt32BE(h.batchLength, p + BATCH_LENGTH_OFFSET);
  buf.writeInt32BE(h.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, p + PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(h.magic ?? CURRENT_MAGIC, p + MAGIC_OFFSET);
  buf.writeUInt32BE((h.crc ?? 0) >>> 0, p + CRC_OFFSET);
  buf.writeInt16BE(h.attributes, p + ATTRIBUTES_OFFSET);
  buf.writeInt32BE(h.lastOffsetDelta, p + LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, p + BASE_TIMESTAMP_OFFSET, h.baseTimestamp);
  writeInt64(buf, p + MAX_TIMESTAMP_OFFSET, h.maxTimestamp);
  writeInt64(buf, p + PRODUCER_ID_OFFSET, h.producerId ?? NO_PRODUCER_ID);
  buf.writeInt16BE(h.producerEpoch ?? NO_PRODUCER_EPOCH, p + PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(h.baseSequence ?? NO_SEQUENCE, p + BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(h.recordCount, p + RECORD_COUNT_OFFSET);
}

/**
 * CRC-32C of the batch at `position`, over attributes..end of batch, using
 * the batchLength stored in the header (the caller makes sure it fits).
 */
export function computeBatchCrc(buf: Buffer, position = 0): number {
  const end = position + LOG_OVERHEAD + readInt32(buf, position + BATCH_LENGTH_OFFSET);
  return crc32c(buf.subarray(position + ATTRIBUTES_OFFSET, end));
}

/** Recomputes and stores the CRC of the batch at `position`; returns it. */
export function writeBatchCrc(buf: Buffer, position = 0): number {
  const crc = computeBatchCrc(buf, position);
  buf.writeUInt32BE(crc, position + CRC_OFFSET);
  return crc;
}

/** Total bytes of the batch at `position` (batchLength + 12), read from its header. */
export function batchSizeAt(buf: Buffer, position = 0): number {
  return LOG_OVERHEAD + readInt32(buf, position + BATCH_LENGTH_OFFSET);
}
