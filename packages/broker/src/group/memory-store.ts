/**
 * An in-memory OffsetsTopicStore: one append-only list of batches per
 * partition, offsets assigned in order. For tests of the coordinator:
 * `failAppends` makes appends fail with a Kafka error code (nothing is
 * written then), `failEnsureTopic` makes topic creation fail, and
 * `holdHighWatermark` keeps appended records uncommitted (as a leader
 * waiting for its followers would) until `advanceHighWatermark`.
 */
import type { LoadVisitor, SerializedRecord, TransactionResult } from '../coordinator';
import type { OffsetsTopicStore } from './store';

export interface StoredRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
}

interface StoredBatch {
  baseOffset: number;
  producerId: bigint;
  producerEpoch: number;
  control: TransactionResult | null;
  records: StoredRecord[];
}

export interface MemoryAppendOptions {
  timestampMs: number;
  producerId?: bigint;
  producerEpoch?: number;
  transactional?: boolean;
}

export class MemoryOffsetsTopicStore implements OffsetsTopicStore {
  private readonly logs: StoredBatch[][];
  private readonly ends: number[];
  private readonly hws: number[];
  private readonly listeners = new Set<(partition: number, hw: number) => void>();
  /** Whether `ensureTopic()` has succeeded once. */
  topicCreated = false;
  /** When set, appends fail with this error code and write nothing. */
  failAppends: number | null = null;
  /** When set, `ensureTopic()` rejects with this message. */
  failEnsureTopic: string | null = null;
  /** When true, appends do not move the high watermark (see advanceHighWatermark). */
  holdHighWatermark = false;
  /** Number of append calls (successful or not). */
  appendCalls = 0;

  constructor(readonly partitionCount = 50) {
    this.logs = Array.from({ length: partitionCount }, () => []);
    this.ends = Array.from({ length: partitionCount }, () => 0);
    this.hws = Array.from({ length: partitionCount }, () => 0);
  }

  async ensureTopic(): Promise<void> {
    if (this.failEnsureTopic !== null) throw new Error(this.failEnsureTopic);
    this.topicCreated = true;
  }

  append(partition: number, records: SerializedRecord[], opts: MemoryAppendOptions | number): { errorCode: number; baseOffset: number; nextOffset: number } {
    const o: MemoryAppendOptions = typeof opts === 'number' ? { timestampMs: opts } : opts;
    this.appendCalls++;
    this.logOf(partition);
    if (this.failAppends !== null) return { errorCode: this.failAppends, baseOffset: -1, nextOffset: -1 };
    const baseOffset = this.ends[partition];
    const batch: StoredBatch = {
      baseOffset,
      producerId: o.producerId ?? -1n,
      producerEpoch: o.producerEpoch ?? -1,
      control: null,
      records: records.map((r, i) => ({ offset: baseOffset + i, key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: o.timestampMs })),
    };
    this.logs[partition].push(batch);
    this.ends[partition] = baseOffset + records.length;
    if (!this.holdHighWatermark) this.moveHighWatermark(partition, this.ends[partition]);
    return { errorCode: 0, baseOffset, nextOffset: this.ends[partition] };
  }

  appendEndTxnMarker(partition: number, producerId: bigint, producerEpoch: number, _coordinatorEpoch: number, result: TransactionResult): { errorCode: number; offset: number } {
    this.appendCalls++;
    this.logOf(partition);
    if (this.failAppends !== null) return { errorCode: this.failAppends, offset: -1 };
    const offset = this.ends[partition];
    this.appendMarker(partition, producerId, producerEpoch, result);
    return { errorCode: 0, offset };
  }

  /** Writes a transaction marker (a control batch of one record) for a producer. */
  appendMarker(partition: number, producerId: bigint, producerEpoch: number, result: TransactionResult): void {
    const offset = this.ends[partition];
    this.logOf(partition).push({ baseOffset: offset, producerId, producerEpoch, control: result, records: [] });
    this.ends[partition] = offset + 1;
    if (!this.holdHighWatermark) this.moveHighWatermark(partition, this.ends[partition]);
  }

  highWatermark(partition: number): number {
    return this.hws[partition] ?? 0;
  }

  onHighWatermark(listener: (partition: number, highWatermark: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves a partition's high watermark to its log end (every partition when none is given). */
  advanceHighWatermark(partition?: number): void {
    for (let p = 0; p < this.partitionCount; p++) if (partition === undefined || p === partition) this.moveHighWatermark(p, this.ends[p]);
  }

  private moveHighWatermark(partition: number, hw: number): void {
    if (hw <= this.hws[partition]) return;
    this.hws[partition] = hw;
    for (const l of this.listeners) l(partition, hw);
  }

  logStartOffset(): number {
    return 0;
  }

  read(partition: number, offset: number, maxBytes: number, visitor: LoadVisitor): { nextOffset: number; logEndOffset: number } {
    let bytes = 0;
    let next = offset;
    for (const b of this.logOf(partition)) {
      const end = b.baseOffset + Math.max(1, b.records.length);
      if (end <= offset) continue;
      if (bytes > 0 && bytes >= maxBytes) break;
      if (b.control !== null) visitor.marker(b.producerId, b.producerEpoch, b.control);
      for (const r of b.records) {
        bytes += 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
        visitor.record(r.offset, r.key, r.value, b.producerId, b.producerEpoch);
      }
      next = end;
    }
    return { nextOffset: next, logEndOffset: this.ends[partition] };
  }

  /** The data records of one partition, in order (a copy of the list). */
  records(partition: number): StoredRecord[] {
    return this.logOf(partition).flatMap((b) => b.records);
  }

  /** Total data records over all partitions. */
  size(): number {
    return this.logs.reduce((n, l) => n + l.reduce((m, b) => m + b.records.length, 0), 0);
  }

  private logOf(partition: number): StoredBatch[] {
    const log = this.logs[partition];
    if (!log) throw new RangeError(`partition ${partition} out of range 0..${this.partitionCount - 1}`);
    return log;
  }
}
