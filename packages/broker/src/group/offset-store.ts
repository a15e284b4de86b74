/**
 * Committed offsets of one shard's groups (Kafka's OffsetMetadataManager
 * state), changed only by replaying OffsetCommit records and transaction
 * markers. Offsets written inside a transaction (TxnOffsetCommit) wait by
 * producer id until the marker: COMMIT makes them visible unless a later
 * non-transactional commit (by log offset) already replaced them; ABORT drops
 * them.
 */
import { NO_PRODUCER_ID, type TransactionResult } from '../coordinator';
import type { OffsetCommitValue } from './records';

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 when none (the usual case since OffsetCommit v5). */
  expireTimestamp: number;
  /** The log offset of the record that wrote it. */
  recordOffset: number;
}

type ByTopic = Map<string, Map<number, CommittedOffset>>;

export class OffsetStore {
  /** groupId -> topic -> partition -> offset */
  private readonly committed = new Map<string, ByTopic>();
  /** producerId -> groupId -> topic -> partition -> offset (open transactions) */
  private readonly pending = new Map<bigint, Map<string, ByTopic>>();

  replay(recordOffset: number, producerId: bigint, groupId: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    if (producerId !== NO_PRODUCER_ID) {
      let byGroup = this.pending.get(producerId);
      if (!byGroup) this.pending.set(producerId, (byGroup = new Map()));
      let byTopic = byGroup.get(groupId);
      if (!byTopic) byGroup.set(groupId, (byTopic = new Map()));
      if (value === null) remove(byTopic, topic, partition);
      else put(byTopic, topic, partition, toCommitted(value, recordOffset));
      return;
    }
    if (value === null) {
      const byTopic = this.committed.get(groupId);
      if (byTopic) {
        remove(byTopic, topic, partition);
        if (byTopic.size === 0) this.committed.delete(groupId);
      }
      // A tombstone also ends what open transactions hold for the partition.
      for (const byGroup of this.pending.values()) {
        const t = byGroup.get(groupId);
        if (t) remove(t, topic, partition);
      }
      return;
    }
    let byTopic = this.committed.get(groupId);
    if (!byTopic) this.committed.set(groupId, (byTopic = new Map()));
    put(byTopic, topic, partition, toCommitted(value, recordOffset));
  }

  replayEndTransaction(producerId: bigint, result: TransactionResult): void {
    const byGroup = this.pending.get(producerId);
    if (!byGroup) return;
    this.pending.delete(producerId);
    if (result === 'ABORT') return;
    for (const [groupId, byTopic] of byGroup) {
      for (const [topic, parts] of byTopic) {
        for (const [partition, o] of parts) {
          const current = this.offset(groupId, topic, partition);
          if (current && current.recordOffset > o.recordOffset) continue;
          let t = this.committed.get(groupId);
          if (!t) this.committed.set(groupId, (t = new Map()));
          put(t, topic, partition, o);
        }
      }
    }
  }

  offset(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.committed.get(groupId)?.get(topic)?.get(partition);
  }

  hasOffsets(groupId: string): boolean {
    return this.committed.has(groupId);
  }

  /** Whether an open transaction holds an offset of this group (and partition, when given): OffsetFetch's requireStable. */
  hasPendingTransactionalOffsets(groupId: string, topic?: string, partition?: number): boolean {
    for (const byGroup of this.pending.values()) {
      const t = byGroup.get(groupId);
      if (!t) continue;
      if (topic === undefined) {
        if (t.size > 0) return true;
      } else if (t.get(topic)?.has(partition!)) {
        return true;
      }
    }
    return false;
  }

  /** Every committed offset of a group, by topic then partition. */
  offsetsOf(groupId: string): Array<{ topic: string; partition: number; value: CommittedOffset }> {
    const out: Array<{ topic: string; partition: number; value: CommittedOffset }> = [];
    const byTopic = this.committed.get(groupId);
    if (!byTopic) return out;
    for (const topic of [...byTopic.keys()].sort()) {
      const parts = byTopic.get(topic)!;
      for (const p of [...parts.keys()].sort((a, b) => a - b)) out.push({ topic, partition: p, value: parts.get(p)! });
    }
    return out;
  }

  groupIds(): string[] {
    return [...this.committed.keys()];
  }

  /** Number of committed offsets over all groups. */
  size(): number {
    let n = 0;
    for (const byTopic of this.committed.values()) for (const parts of byTopic.values()) n += parts.size;
    return n;
  }
}

function toCommitted(v: OffsetCommitValue, recordOffset: number): CommittedOffset {
  return { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp, expireTimestamp: v.expireTimestamp, recordOffset };
}

function put(byTopic: ByTopic, topic: string, partition: number, o: CommittedOffset): void {
  let parts = byTopic.get(topic);
  if (!parts) byTopic.set(topic, (parts = new Map()));
  parts.set(partition, o);
}

function remove(byTopic: ByTopic, topic: string, partition: number): void {
  const parts = byTopic.get(topic);
  if (!parts) return;
  parts.delete(partition);
  if (parts.size === 0) byTopic.delete(topic);
}
