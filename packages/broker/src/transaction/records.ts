/**
 * The records of `__transaction_state`, byte for byte as Kafka writes them:
 * key = int16 version (0) + TransactionLogKey, value = int16 version +
 * TransactionLogValue (version 1, flexible with KIP-890's tagged fields,
 * once transaction.version >= 1 is finalized; version 0 before), or null
 * (a tombstone: the transactional id expired). A value in state Empty
 * carries null partitions.
 */
import { decode, encodeChunks } from '@nagare/protocol';
import type { RecordSerde, SerializedRecord } from '../coordinator';
import { TransactionLogKeyCodec, TransactionLogValueCodec, type TransactionLogValue } from './generated';
import { NO_PRODUCER_EPOCH, sortPartitions, stateFromId, stateId, type TransactionMetadata, type TxnPartition } from './state';

/** One record: a transactional id's new state, or its removal (null). */
export interface TransactionRecord {
  transactionalId: string;
  metadata: TransactionMetadata | null;
  /** The TransactionLogValue version to write (0 or 1). */
  valueVersion?: number;
}

export const TRANSACTION_LOG_KEY_VERSION = 0;

function versionPrefixed(version: number, chunks: Buffer[]): Buffer {
  const head = Buffer.allocUnsafe(2);
  head.writeInt16BE(version);
  return Buffer.concat([head, ...chunks]);
}

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  return versionPrefixed(TRANSACTION_LOG_KEY_VERSION, encodeChunks(TransactionLogKeyCodec, { transactionalId }, TRANSACTION_LOG_KEY_VERSION));
}

function toValue(m: TransactionMetadata): TransactionLogValue {
  return {
    producerId: m.producerId,
    previousProducerId: m.prevProducerId,
    nextProducerId: m.nextProducerId,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.txnTimeoutMs,
    transactionStatus: stateId(m.state),
    transactionPartitions: m.state === 'Empty' ? null : groupByTopic(m.partitions),
    transactionLastUpdateTimestampMs: BigInt(m.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(m.txnStartTimestamp),
    clientTransactionVersion: m.clientTransactionVersion,
  };
}

function groupByTopic(ps: readonly TxnPartition[]): TransactionLogValue.PartitionsSchema[] {
  const out: TransactionLogValue.PartitionsSchema[] = [];
  for (const p of sortPartitions(ps)) {
    const last = out[out.length - 1];
    if (last && last.topic === p.topic) last.partitionIds.push(p.partition);
    else out.push({ topic: p.topic, partitionIds: [p.partition] });
  }
  return out;
}

export function encodeTransactionLogValue(m: TransactionMetadata, version: number): Buffer {
  if (m.state === 'Empty' && m.partitions.length > 0) {
    throw new Error(`Transaction is not expected to have any partitions since its state is Empty: ${m.transactionalId}`);
  }
  const v = toValue(m);
  if (version < 1) {
    // Version 0 has no tagged fields: their values stay in memory only.
    v.previousProducerId = -1n;
    v.nextProducerId = -1n;
    v.clientTransactionVersion = 0;
  }
  return versionPrefixed(version, encodeChunks(TransactionLogValueCodec, v, version));
}

/** Reads a key: the transactional id, or null for a key version this broker does not know (skipped, as Kafka does). */
export function decodeTransactionLogKey(key: Buffer): string | null {
  if (key.length < 2) throw new Error('transaction log key too short');
  const version = key.readInt16BE(0);
  if (version !== TRANSACTION_LOG_KEY_VERSION) return null;
  return decode(TransactionLogKeyCodec, key.subarray(2), version).transactionalId;
}

export function decodeTransactionLogValue(transactionalId: string, value: Buffer): TransactionMetadata {
  const version = value.length >= 2 ? value.readInt16BE(0) : -1;
  if (version < 0 || version > 1) throw new Error(`Unknown version ${version} from the transaction log message value`);
  const v = decode(TransactionLogValueCodec, value.subarray(2), version);
  const state = stateFromId(v.transactionStatus);
  const partitions: TxnPartition[] = [];
  if (state !== 'Empty') for (const t of v.transactionPartitions ?? []) for (const p of t.partitionIds) partitions.push({ topic: t.topic, partition: p });
  return {
    transactionalId,
    producerId: v.producerId,
    prevProducerId: v.previousProducerId,
    nextProducerId: v.nextProducerId,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs: v.transactionTimeoutMs,
    state,
    partitions: sortPartitions(partitions),
    txnStartTimestamp: Number(v.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
    clientTransactionVersion: v.clientTransactionVersion,
  };
}

export function serializeTransactionRecord(r: TransactionRecord): SerializedRecord {
  return {
    key: encodeTransactionLogKey(r.transactionalId),
    value: r.metadata === null ? null : encodeTransactionLogValue(r.metadata, r.valueVersion ?? 1),
  };
}

export const transactionRecordSerde: RecordSerde<TransactionRecord> = {
  serialize: serializeTransactionRecord,
  deserialize(key, value) {
    const transactionalId = decodeTransactionLogKey(key);
    if (transactionalId === null) return null;
    return { transactionalId, metadata: value === null ? null : decodeTransactionLogValue(transactionalId, value) };
  },
};
