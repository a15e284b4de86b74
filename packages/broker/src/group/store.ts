/**
 * How the group coordinator persists: the records of `__consumer_offsets`
 * (see records.ts for their layouts). The broker implements this over its
 * log of that topic (offsets-topic.ts); tests use MemoryOffsetsTopicStore.
 */
export interface OffsetsTopicStore {
  /** offsets.topic.num.partitions */
  readonly partitionCount: number;
  /** Creates __consumer_offsets (compacted) if it does not exist yet; Kafka does this on first FindCoordinator. */
  ensureTopic(): Promise<void>;
  /** Appends records as one batch (value null = tombstone); resolves once durable per the broker's acks=all rules; errorCode 0 on success. */
  append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>, timestampMs: number): Promise<{ errorCode: number }>;
  /** Every record of the partition from the log start, for loading state at start-up. */
  readAll(partition: number): Iterable<{ offset: number; key: Buffer | null; value: Buffer | null; timestamp: number }>;
}
