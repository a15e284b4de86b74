/**
 * @nagare/records: Kafka record batches (magic 2): layout, CRC-32C,
 * validation, lazy iteration, in-place patching, record encoding and
 * decoding, control records and compression codecs.
 */
export * from './constants';
export { RecordsError, errorCodeName } from './errors';
export { crc32c, crc32cJs, crc32cNative, crc32cImplementation } from './crc32c';
export { readInt64, writeInt64 } from './int64';
export {
  ByteReader,
  sizeOfVarint,
  writeVarint,
  readVarint,
  sizeOfVarlong,
  writeVarlong,
  readVarlong,
  sizeOfVarlongBigInt,
  writeVarlongBigInt,
  readVarlongBigInt,
} from './varint';
export type { VarintRead } from './varint';
export {
  readBatchHeader,
  writeBatchHeader,
  computeBatchCrc,
  writeBatchCrc,
  batchSizeAt,
  encodeAttributes,
  decodeAttributes,
} from './header';
export type { BatchHeader, BatchHeaderFields, AttributeFlags } from './header';
export { checkBatchAt, MIN_RECORD_SIZE } from './check';
export type { BatchCheckOptions } from './check';
export { validateBatches, assertValidBatches, iterateBatches, BatchIterator, BatchView } from './batches';
export type { BatchInfo, ValidateOptions, ValidationResult, IterateBatchesOptions } from './batches';
export { setBaseOffset, setPartitionLeaderEpoch, setLogAppendTime, storedCrc, assignOffsets } from './patch';
export type { AssignOffsetsOptions } from './patch';
export { RecordIterator, readRecords, decodeBatch } from './records';
export type { KafkaRecord, RecordHeader, ReadRecordsOptions } from './records';
export { RecordBatchBuilder, buildRecordBatch, DEFAULT_BATCH_MAX_BYTES } from './builder';
export type { RecordBatchBuilderOptions, RecordInput, RecordHeaderInput, Bytes } from './builder';
export {
  ControlRecordType,
  CONTROL_RECORD_KEY_VERSION,
  END_TXN_MARKER_VERSION,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  parseControlRecord,
  buildControlBatch,
} from './control';
export type { ControlRecord, ControlBatchOptions } from './control';
export { compress, decompress, snappyCompress, isXerialFramed, XERIAL_MAGIC, inspectLz4Frame, LZ4_FRAME_MAGIC, xxhash32 } from './compression';
export type { DecompressOptions, SnappyFormat, Lz4FrameInfo } from './compression';
