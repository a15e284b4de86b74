/**
 * `KafkaOffsetBackingStore`: source connector offsets in the offsets topic
 * (`offset.storage.topic`, `offset.storage.partitions`, compacted). Key
 * `["<connector>",{<source partition>}]`, value the offset map (or null to
 * delete), the JSON bytes a schemaless JsonConverter writes; the producer's
 * default partitioner puts each key where a JVM worker's producer would
 * (murmur2 of the key bytes), so offsets written by either are found by both.
 * Every worker reads the whole topic; `readToEnd()` before reading an offset
 * makes a task see what was committed before it started.
 */
import type { ConsumerRecord, Producer, RecordMetadata } from '@nagare/client';
import type { Logger } from '@nagare/common';
import type { OffsetBackingStore } from './file-offset-store';
import { KafkaBasedLog, type KafkaBasedLogOptions } from './kafka-based-log';

export class KafkaOffsetBackingStore implements OffsetBackingStore {
  private readonly log: KafkaBasedLog;
  private readonly data = new Map<string, string>();

  constructor(logOptions: Omit<KafkaBasedLogOptions, 'onRecord'>, _logger: Logger) {
    this.log = new KafkaBasedLog({ ...logOptions, onRecord: (r) => this.apply(r) });
  }

  private apply(r: ConsumerRecord): void {
    if (r.key === null) return;
    const k = r.key.toString('utf8');
    if (r.value === null) this.data.delete(k);
    else this.data.set(k, r.value.toString('utf8'));
  }

  /** Starts reading the topic (async: call `startAsync`). */
  start(): void {}
  async startAsync(): Promise<void> {
    await this.log.start();
  }
  stop(): void {
    void this.log.stop();
  }
  stopAsync(): Promise<void> {
    return this.log.stop();
  }

  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  get(keys: readonly string[]): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const k of keys) out.set(k, this.data.get(k) ?? null);
    return out;
  }

  async set(entries: ReadonlyMap<string, string | null>): Promise<void> {
    for (const [k, v] of entries) {
      if (v === null) this.data.delete(k);
      else this.data.set(k, v);
    }
    await Promise.all([...entries].map(([k, v]) => this.log.send(k, v)));
  }

  entries(): Map<string, string> {
    return new Map(this.data);
  }

  get topic(): string {
    return this.log.topic;
  }

  /**
   * Sends offsets to this store's topic through another producer (an
   * exactly-once source task's transactional producer: the offsets then
   * belong to its open transaction). The records are what `set` writes and
   * land on the same partitions (murmur2 of the key); the local map learns
   * them when they are read back, i.e. once the transaction commits.
   */
  sendVia(producer: Producer, entries: ReadonlyMap<string, string | null>): Promise<RecordMetadata[]> {
    return producer.send([...entries].map(([k, v]) => ({ topic: this.log.topic, key: Buffer.from(k, 'utf8'), value: v === null ? null : Buffer.from(v, 'utf8') })));
  }
}
