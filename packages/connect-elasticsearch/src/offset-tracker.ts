/**
 * `AsyncOffsetTracker`: per partition, the records in the order `put`
 * received them; a partition's committable offset is one past the last
 * record of its processed prefix (written to Elasticsearch, or skipped),
 * so offsets never pass a record Elasticsearch has not acknowledged.
 */
import { topicPartitionKey, type OffsetAndMetadata, type PartitionOffsets, type SinkRecord, type TopicPartition } from '@nagare/connect-api';
import type { OffsetState } from './client';

class State implements OffsetState {
  processed = false;
  constructor(readonly offset: number) {}
  markProcessed(): void {
    this.processed = true;
  }
}

export class OffsetTracker {
  private readonly pending = new Map<string, { tp: TopicPartition; queue: State[]; head: number }>();
  private readonly committable = new Map<string, { tp: TopicPartition; offset: number }>();
  private entries = 0;

  addPendingRecord(record: SinkRecord): OffsetState {
    const tp = { topic: record.originalTopic(), partition: record.originalKafkaPartition() ?? record.kafkaPartition() ?? 0 };
    const key = topicPartitionKey(tp);
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { tp, queue: [], head: 0 }));
    const s = new State(record.originalKafkaOffset());
    p.queue.push(s);
    this.entries++;
    return s;
  }

  /** Moves each partition's committable offset past its processed prefix. */
  updateOffsets(): void {
    for (const [key, p] of this.pending) {
      let i = p.head;
      while (i < p.queue.length && p.queue[i].processed) i++;
      if (i === p.head) continue;
      this.committable.set(key, { tp: p.tp, offset: p.queue[i - 1].offset + 1 });
      this.entries -= i - p.head;
      p.head = i;
      if (p.head > 1024 && p.head * 2 > p.queue.length) {
        p.queue = p.queue.slice(p.head);
        p.head = 0;
      }
    }
  }

  /** The offsets to commit: only partitions that moved, at one past their last processed record. */
  offsets(currentOffsets: PartitionOffsets): PartitionOffsets {
    void currentOffsets;
    this.updateOffsets();
    const out: PartitionOffsets = new Map();
    for (const [key, c] of this.committable) {
      const o: OffsetAndMetadata = { topic: c.tp.topic, partition: c.tp.partition, offset: c.offset };
      out.set(key, o);
    }
    return out;
  }

  closePartitions(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const key = topicPartitionKey(tp);
      const p = this.pending.get(key);
      if (p) this.entries -= p.queue.length - p.head;
      this.pending.delete(key);
      this.committable.delete(key);
    }
  }

  numOffsetStateEntries(): number {
    return this.entries;
  }
}
