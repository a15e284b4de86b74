/** Shared test helpers: batches, logs on a memory file system, reading everything back. */
import { ManualClock } from '@nagare/common';
import {
  BatchHeader,
  Compression,
  ControlRecordType,
  KafkaRecord,
  RecordInput,
  buildControlBatch,
  buildRecordBatch,
  iterateBatches,
} from '@nagare/records';
import { DEFAULT_LOG_CONFIG, LogConfig } from '../config';
import { FileSystem } from '../fs/file-system';
import { MemoryFileSystem } from '../fs/memory-fs';
import { PartitionLog, PartitionLogOptions } from '../partition-log';

export const T0 = 1_700_000_000_000;

export interface BatchOptions {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  compression?: Compression;
  timestamp?: number;
}

/** One batch of `n` records (or the given records), values `v<i>`. */
export function batchOf(records: number | RecordInput[], o: BatchOptions = {}): Buffer {
  const ts = o.timestamp ?? T0;
  const list: RecordInput[] = typeof records === 'number' ? Array.from({ length: records }, (_, i) => ({ timestamp: ts, key: `k${i}`, value: `v${i}` })) : records;
  return buildRecordBatch(
    list.map((r) => ({ timestamp: ts, ...r })),
    {
      producerId: o.producerId,
      producerEpoch: o.producerEpoch,
      baseSequence: o.baseSequence,
      isTransactional: o.transactional,
      compression: o.compression,
    },
  );
}

export function marker(type: 'commit' | 'abort', producerId: number, producerEpoch: number, coordinatorEpoch = 0, timestamp = T0): Buffer {
  return buildControlBatch({ type: type === 'commit' ? ControlRecordType.Commit : ControlRecordType.Abort, producerId, producerEpoch, coordinatorEpoch, timestamp });
}

export function cfg(over: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...over };
}

export interface TestLog {
  fs: MemoryFileSystem;
  clock: ManualClock;
  log: PartitionLog;
  reopen(extra?: Partial<PartitionLogOptions>): PartitionLog;
}

export function memLog(config: Partial<LogConfig> = {}, extra: Partial<PartitionLogOptions> = {}, fsIn?: FileSystem): TestLog {
  const clock = new ManualClock(T0);
  const fs = (fsIn as MemoryFileSystem) ?? new MemoryFileSystem({ seed: 7, now: () => clock.now() });
  const base: PartitionLogOptions = { dir: '/data/t-0', topic: 't', partition: 0, config: cfg(config), fs, clock, ...extra };
  const t: TestLog = {
    fs,
    clock,
    log: PartitionLog.open(base),
    reopen(more = {}) {
      t.log = PartitionLog.open({ ...base, config: t.log.config, ...more });
      return t.log;
    },
  };
  return t;
}

export interface ReadBatch {
  header: BatchHeader;
  bytes: Buffer;
}

/** Every batch from the log start to the log end, via read(). */
export function readAllBatches(log: PartitionLog, maxBytes = 64 * 1024): ReadBatch[] {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, maxBytes);
    if (r.records.length === 0) break;
    for (const b of iterateBatches(r.records, { verifyCrc: true })) out.push({ header: b.header, bytes: Buffer.from(b.bytes) });
    if (r.nextOffset <= offset) throw new Error(`read did not advance at ${offset}`);
    offset = r.nextOffset;
  }
  return out;
}

/** Every record (decoded) from the log start to the log end. */
export function readAllRecords(log: PartitionLog): KafkaRecord[] {
  const out: KafkaRecord[] = [];
  for (const b of readAllBatches(log)) {
    for (const r of iterateBatches(b.bytes).next().value!.records()) out.push(r);
  }
  return out;
}

export function str(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}
