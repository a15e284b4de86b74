/**
 * `ConnectorOffsetBackingStore`: the offsets a source connector and its tasks
 * read and write when it has its own offsets topic (`offsets.storage.topic`,
 * KIP-618) or runs exactly-once. Reads merge the worker's global store and
 * the connector's store, the connector's winning (so offsets written before
 * the connector moved to its own topic are still found); writes go to the
 * primary store (the connector's when it has one, else the worker's) and
 * then to the secondary (the worker's), tombstones to the secondary first,
 * as Kafka's store orders them.
 */
import type { Producer, RecordMetadata } from '@nagare/client';
import type { OffsetBackingStore } from './file-offset-store';
import { KafkaOffsetBackingStore } from './kafka-offset-store';

export class ConnectorOffsetBackingStore implements OffsetBackingStore {
  constructor(
    /** The worker's global store (null: the connector's store alone). */
    readonly workerStore: OffsetBackingStore | null,
    /** The connector-specific store (null: the worker's store alone). */
    readonly connectorStore: KafkaOffsetBackingStore | null,
    /** The topic records of the primary store go to. */
    readonly primaryOffsetsTopic: string,
  ) {
    if (!workerStore && !connectorStore) throw new Error('At least one non-null offset store must be provided');
  }

  start(): void {}
  stop(): void {}

  get primary(): OffsetBackingStore {
    return this.connectorStore ?? this.workerStore!;
  }

  get secondary(): OffsetBackingStore | null {
    return this.connectorStore ? this.workerStore : null;
  }

  get(keys: readonly string[]): Map<string, string | null> {
    const out = this.workerStore ? this.workerStore.get(keys) : new Map<string, string | null>();
    if (this.connectorStore) {
      for (const [k, v] of this.connectorStore.get(keys)) if (v !== null || !out.has(k)) out.set(k, v);
    }
    return out;
  }

  async set(entries: ReadonlyMap<string, string | null>): Promise<void> {
    const secondary = this.secondary;
    if (secondary) {
      const tombstones = new Map([...entries].filter(([, v]) => v === null));
      if (tombstones.size > 0) await secondary.set(tombstones);
    }
    await this.primary.set(entries);
    if (secondary) {
      const regular = new Map([...entries].filter(([, v]) => v !== null));
      if (regular.size > 0) await secondary.set(regular);
    }
  }

  entries(): Map<string, string> {
    const out = this.workerStore ? this.workerStore.entries() : new Map<string, string>();
    if (this.connectorStore) for (const [k, v] of this.connectorStore.entries()) out.set(k, v);
    return out;
  }

  /**
   * Exactly-once tasks: sends the offsets to the primary store's topic
   * through the task's transactional producer (part of its open transaction).
   */
  sendPrimaryVia(producer: Producer, entries: ReadonlyMap<string, string | null>): Promise<RecordMetadata[]> {
    const primary = this.primary;
    if (!(primary instanceof KafkaOffsetBackingStore)) return Promise.reject(new Error('The primary offset store of an exactly-once source task must be Kafka-backed'));
    return primary.sendVia(producer, entries);
  }

  /** After the primary write committed: the same offsets to the secondary (worker) store, if there is one. */
  async setSecondary(entries: ReadonlyMap<string, string | null>): Promise<void> {
    if (this.secondary && entries.size > 0) await this.secondary.set(entries);
  }

  async readToEnd(): Promise<void> {
    await Promise.all([this.workerStore?.readToEnd?.(), this.connectorStore?.readToEnd()]);
  }
}
