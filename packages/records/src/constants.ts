/**
 * Byte layout of a Kafka record batch, magic 2 (the only format this package
 * reads or writes; magic 0 and 1 message sets are rejected).
 *
 * All integers are big-endian. The CRC-32C covers everything from the
 * attributes field to the end of the batch, so the base offset, the batch
 * length, the partition leader epoch and the magic byte can be rewritten
 * without touching it.
 */
export const BASE_OFFSET_OFFSET = 0; // int64
export const BATCH_LENGTH_OFFSET = 8; // int32: bytes after this field
export const PARTITION_LEADER_EPOCH_OFFSET = 12; // int32
export const MAGIC_OFFSET = 16; // int8
export const CRC_OFFSET = 17; // uint32
export const ATTRIBUTES_OFFSET = 21; // int16
export const LAST_OFFSET_DELTA_OFFSET = 23; // int32
export const BASE_TIMESTAMP_OFFSET = 27; // int64
export const MAX_TIMESTAMP_OFFSET = 35; // int64
export const PRODUCER_ID_OFFSET = 43; // int64
export const PRODUCER_EPOCH_OFFSET = 51; // int16
export const BASE_SEQUENCE_OFFSET = 53; // int32
export const RECORD_COUNT_OFFSET = 57; // int32
/** Size of the fixed batch header; the records (possibly compressed) follow. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
/** The smallest legal batchLength: a header with no records. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD; // 49
/** Bytes needed to read the magic byte of any message format. */
export const MAGIC_REQUIRED_BYTES = MAGIC_OFFSET + 1;

export const CURRENT_MAGIC = 2;

/** Attribute bits of the batch header (int16). */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
export const DELETE_HORIZON_MASK = 0x40;

/** Compression codec ids (attribute bits 0-2). */
export enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

/** Attribute bit 3. */
export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

/** Kafka's "no value" for producer id, epoch, sequence, leader epoch and timestamps. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

/**
 * Default cap on the size of a decompressed batch payload. Kafka's default
 * max.message.bytes is about 1 MiB of compressed data; typical ratios stay
 * well under 20x, so 64 MiB is generous for real data and still bounds the
 * memory a hostile "decompression bomb" can make us allocate.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export function compressionName(c: number): string {
  switch (c) {
    case Compression.None:
      return 'none';
    case Compression.Gzip:
      return 'gzip';
    case Compression.Snappy:
      return 'snappy';
    case Compression.Lz4:
      return 'lz4';
    case Compression.Zstd:
      return 'zstd';
    default:
      return `unknown(${c})`;
  }
}

export function isKnownCompression(c: number): c is Compression {
  return c >= 0 && c <= 4 && (c | 0) === c;
}
