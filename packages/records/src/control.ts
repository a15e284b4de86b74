/**
 * Control records: the transaction markers a transaction coordinator has
 * the partition leaders write when a transaction ends.
 *
 * A control batch has the isControl and isTransactional attribute bits, the
 * producer id and epoch of the transaction, and (for markers) one record:
 *   key   = int16 version (0) + int16 type (0 ABORT, 1 COMMIT)
 *   value = int16 version (0) + int32 coordinatorEpoch
 * KRaft uses other control types (2 and up) for its own metadata log; their
 * keys parse here, their values are left to the caller.
 */
import { ErrorCode } from '@nagare/protocol';
import { RecordBatchBuilder } from './builder';
import { RecordsError } from './errors';

export enum ControlRecordType {
  Abort = 0,
  Commit = 1,
  LeaderChange = 2,
  SnapshotHeader = 3,
  SnapshotFooter = 4,
  KRaftVersion = 5,
  KRaftVoters = 6,
}

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TXN_MARKER_VERSION = 0;

export function encodeControlRecordKey(type: ControlRecordType, version = CONTROL_RECORD_KEY_VERSION): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt16BE(version, 0);
  b.writeInt16BE(type, 2);
  return b;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = END_TXN_MARKER_VERSION): Buffer {
  const b = Buffer.allocUnsafe(6);
  b.writeInt16BE(version, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

export interface ControlRecord {
  version: number;
  type: ControlRecordType;
  /** For ABORT/COMMIT markers: the coordinator epoch from the value (else undefined). */
  coordinatorEpoch?: number;
}

function invalid(message: string): RecordsError {
  return new RecordsError(ErrorCode.CORRUPT_MESSAGE, `control record: ${message}`);
}

/**
 * Parses a control record's key (and, for ABORT/COMMIT, value). A key that is
 * missing or shorter than 4 bytes, or a marker value shorter than 6 bytes, is
 * CORRUPT_MESSAGE. Newer key versions are read by their version-0 prefix, as
 * Kafka does.
 */
export function parseControlRecord(record: { key: Buffer | null; value: Buffer | null }): ControlRecord {
  const key = record.key;
  if (key === null || key.length < 4) throw invalid(`key of ${key === null ? 'null' : key.length + ' bytes'}, needs 4`);
  const version = key.readInt16BE(0);
  if (version < 0) throw invalid(`negative key version ${version}`);
  const type = key.readInt16BE(2) as ControlRecordType;
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return { version, type };
  const value = record.value;
  if (value === null || value.length < 6) throw invalid(`marker value of ${value === null ? 'null' : value.length + ' bytes'}, needs 6`);
  const valueVersion = value.readInt16BE(0);
  if (valueVersion < 0) throw invalid(`negative marker value version ${valueVersion}`);
  return { version, type, coordinatorEpoch: value.readInt32BE(2) };
}

export interface ControlBatchOptions {
  type: ControlRecordType.Abort | ControlRecordType.Commit;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** The marker's timestamp (the broker's current time). */
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

/** Builds an uncompressed transaction-marker batch with one control record. */
export function buildControlBatch(o: ControlBatchOptions): Buffer {
  const b = new RecordBatchBuilder({
    baseOffset: o.baseOffset ?? 0,
    partitionLeaderEpoch: o.partitionLeaderEpoch,
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    isTransactional: true,
    isControl: true,
    initialCapacity: 128,
  });
  b.append({ timestamp: o.timestamp, key: encodeControlRecordKey(o.type), value: encodeEndTxnMarkerValue(o.coordinatorEpoch) });
  return b.build();
}
