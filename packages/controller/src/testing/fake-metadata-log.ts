/**
 * Test support: a metadata log under the test's control, in place of a Raft replica. Appends wait
 * until `commit()` (or commit at once with `autoCommit`), leadership moves when the test says, and
 * uncommitted batches can be lost as a new leader would truncate them.
 */
import type { CommittedBatch, LoadedSnapshot, RaftListener } from '@nagare/kraft';
import type { LeaderAndEpoch } from '@nagare/raft';
import type { MetadataLog } from '../quorum-controller';

interface Batch {
  readonly baseOffset: number;
  readonly epoch: number;
  readonly records: readonly Buffer[];
}

export class FakeMetadataLog implements MetadataLog {
  private readonly listeners: RaftListener[] = [];
  readonly batches: Batch[] = [];
  private committed = 0;
  private leader: LeaderAndEpoch = { leaderId: -1, epoch: 0 };
  autoCommit = true;
  appends = 0;

  constructor(readonly nodeId: number) {}

  get logEndOffset(): number {
    const last = this.batches[this.batches.length - 1];
    return last === undefined ? 0 : last.baseOffset + Math.max(1, last.records.length);
  }

  register(l: RaftListener): void {
    this.listeners.push(l);
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return this.leader;
  }

  append(epoch: number, records: readonly Buffer[]): number {
    if (this.leader.leaderId !== this.nodeId || this.leader.epoch !== epoch) throw new Error(`not the leader of epoch ${epoch}`);
    const baseOffset = this.logEndOffset;
    this.batches.push({ baseOffset, epoch, records });
    this.appends++;
    if (this.autoCommit) this.commit();
    return baseOffset + records.length - 1;
  }

  /** Delivers every batch not yet committed. */
  commit(): void {
    while (this.committed < this.batches.length) {
      const b = this.batches[this.committed++];
      const batch: CommittedBatch = { baseOffset: b.baseOffset, lastOffset: b.baseOffset + Math.max(1, b.records.length) - 1, epoch: b.epoch, records: b.records, appendTimestamp: 0 };
      for (const l of this.listeners) l.handleCommit(batch);
    }
    for (const l of this.listeners) l.handleRoundEnd?.();
  }

  /** A new leader: this node (after the start-of-epoch control batch commits) or another one. */
  elect(leaderId: number, epoch = this.leader.epoch + 1): void {
    this.leader = { leaderId, epoch };
    if (leaderId === this.nodeId) {
      this.batches.push({ baseOffset: this.logEndOffset, epoch, records: [] });
      this.commit();
    }
    for (const l of this.listeners) l.handleLeaderChange(this.leader);
  }

  /** Drops the batches that were not committed (a new leader without them truncates them away). */
  loseUncommitted(): number {
    const lost = this.batches.length - this.committed;
    this.batches.length = this.committed;
    return lost;
  }

  loadSnapshot(s: LoadedSnapshot): void {
    for (const l of this.listeners) l.handleLoadSnapshot(s);
  }
}
