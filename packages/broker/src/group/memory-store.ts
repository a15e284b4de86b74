/**
 * An in-memory OffsetsTopicStore: one append-only array of records per
 * partition, offsets assigned in order, `readAll` returning everything. For
 * tests of the coordinator; `failAppends` makes appends fail with a Kafka
 * error code (nothing is written then), `failEnsureTopic` makes topic
 * creation fail.
 */
import type { OffsetsTopicStore } from './store';

export interface StoredRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
}

export class MemoryOffsetsTopicStore implements OffsetsTopicStore {
  private readonly logs: StoredRecord[][];
  /** Whether `ensureTopic()` has succeeded once. */
  topicCreated = false;
  /** When set, appends fail with this error code and write nothing. */
  failAppends: number | null = null;
  /** When set, `ensureTopic()` rejects with this message. */
  failEnsureTopic: string | null = null;
  /** Number of append calls (successful or not). */
  appendCalls = 0;

  constructor(readonly partitionCount = 50) {
    this.logs = Array.from({ length: partitionCount }, () => []);
  }

  async ensureTopic(): Promise<void> {
    if (this.failEnsureTopic !== null) throw new Error(this.failEnsureTopic);
    this.topicCreated = true;
  }

  async append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>, timestampMs: number): Promise<{ errorCode: number }> {
    this.appendCalls++;
    if (this.failAppends !== null) return { errorCode: this.failAppends };
    const log = this.logOf(partition);
    for (const r of records) {
      log.push({ offset: log.length, key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: timestampMs });
    }
    return { errorCode: 0 };
  }

  *readAll(partition: number): Iterable<StoredRecord> {
    for (const r of this.logOf(partition)) yield r;
  }

  /** The records of one partition, in order (a copy of the array). */
  records(partition: number): StoredRecord[] {
    return [...this.logOf(partition)];
  }

  /** Total records over all partitions. */
  size(): number {
    return this.logs.reduce((n, l) => n + l.length, 0);
  }

  private logOf(partition: number): StoredRecord[] {
    const log = this.logs[partition];
    if (!log) throw new RangeError(`partition ${partition} out of range 0..${this.partitionCount - 1}`);
    return log;
  }
}
