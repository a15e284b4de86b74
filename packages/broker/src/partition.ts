/**
 * The replication state of one partition on this broker (Kafka's `Partition`): the leader epoch and
 * partition epoch from the metadata image, the ISR (with an AlterPartition in flight, KIP-497), and,
 * while this broker leads, each follower's fetch state (log end offset, last caught-up time, broker
 * epoch of KIP-903). Pure: no I/O and no clock of its own; times come in as arguments.
 *
 * The high watermark rule is Kafka's `maybeIncrementLeaderHW`: the smallest log end offset among the
 * leader and the followers that are in the *maximal* ISR (the ISR plus a pending expansion), or that
 * are caught up and could join it; it never goes back.
 */

export const LEADER_RECOVERY_RECOVERED = 0;
export const LEADER_RECOVERY_RECOVERING = 1;

export interface ReplicaFetchState {
  readonly brokerId: number;
  /** The follower's log end offset: its last fetch offset (-1 before its first fetch). */
  logEndOffset: number;
  /** When the follower last had everything the leader had (Kafka's lastCaughtUpTimeMs). */
  lastCaughtUpTimeMs: number;
  /** The leader's log end offset at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
  /** The broker epoch the follower sent with its fetch (KIP-903), -1 when unknown. */
  brokerEpoch: bigint;
}

/** The part of a PartitionRegistration the state follows. */
export interface PartitionAssignment {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leaderRecoveryState?: number;
}

/** An AlterPartition sent and not yet answered (Kafka's PendingExpandIsr / PendingShrinkIsr). */
export interface PendingIsrChange {
  readonly kind: 'expand' | 'shrink';
  /** The ISR asked for. */
  readonly isr: readonly number[];
  /** The ISR when it was sent (the last committed one). */
  readonly lastCommittedIsr: readonly number[];
  readonly leaderRecoveryState: number;
}

export class PartitionState {
  leader = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  replicas: readonly number[] = [];
  /** The ISR as the controller last committed it. */
  isr: readonly number[] = [];
  leaderRecoveryState = LEADER_RECOVERY_RECOVERED;
  /** The first offset of the current leader epoch on this broker (the log end when it became leader). */
  leaderEpochStartOffset = -1;
  pending: PendingIsrChange | null = null;
  /**
   * Counts the times this broker became leader (a new leader epoch with this broker leading before
   * too does not count): records appended under one count are committed or not within it.
   */
  leadership = 0;
  readonly remotes = new Map<number, ReplicaFetchState>();

  constructor(readonly localBrokerId: number) {}

  get isLeader(): boolean {
    return this.leader === this.localBrokerId;
  }

  /**
   * The ISR used for the high watermark and min.insync.replicas after an append: during an
   * expansion it already counts the replica being added; during a shrink it still counts the ones
   * being removed (Kafka's maximalIsr).
   */
  get maximalIsr(): readonly number[] {
    if (this.pending === null) return this.isr;
    if (this.pending.kind === 'expand') return this.pending.isr;
    return this.pending.lastCommittedIsr;
  }

  /**
   * Applies a new registration. Returns what happened: 'leader' when this broker became leader or
   * its leader epoch moved (its followers' states are reset), 'follower' when it became a follower
   * or follows a new leader epoch, 'isr' when only the ISR or partition epoch changed, 'none' for a
   * registration no newer than the one held.
   */
  apply(a: PartitionAssignment, logEndOffset: number, nowMs: number): 'leader' | 'follower' | 'isr' | 'none' {
    if (a.leaderEpoch < this.leaderEpoch || (a.leaderEpoch === this.leaderEpoch && a.partitionEpoch <= this.partitionEpoch)) return 'none';
    const newEpoch = a.leaderEpoch !== this.leaderEpoch || a.leader !== this.leader;
    if (a.leader === this.localBrokerId && this.leader !== this.localBrokerId) this.leadership++;
    this.leader = a.leader;
    this.leaderEpoch = a.leaderEpoch;
    this.partitionEpoch = a.partitionEpoch;
    this.replicas = [...a.replicas];
    this.isr = [...a.isr];
    this.leaderRecoveryState = a.leaderRecoveryState ?? LEADER_RECOVERY_RECOVERED;
    // A committed change settles any AlterPartition in flight (its answer is stale now).
    this.pending = null;
    if (!this.isLeader) {
      this.remotes.clear();
      return newEpoch ? 'follower' : 'isr';
    }
    // Followers of this epoch: drop those no longer assigned, add new ones.
    for (const id of [...this.remotes.keys()]) if (!a.replicas.includes(id)) this.remotes.delete(id);
    for (const id of a.replicas) {
      if (id === this.localBrokerId) continue;
      let r = this.remotes.get(id);
      if (r === undefined || newEpoch) {
        // As Kafka's makeLeader: an ISR member counts as caught up now, the others as never.
        r = { brokerId: id, logEndOffset: -1, lastCaughtUpTimeMs: a.isr.includes(id) ? nowMs : 0, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: 0, brokerEpoch: -1n };
        this.remotes.set(id, r);
      }
    }
    if (newEpoch) this.leaderEpochStartOffset = logEndOffset;
    return newEpoch ? 'leader' : 'isr';
  }

  /** Forgets everything (the partition is deleted or moved away). */
  reset(): void {
    this.leadership++;
    this.leader = -1;
    this.leaderEpoch = -1;
    this.partitionEpoch = -1;
    this.isr = [];
    this.replicas = [];
    this.pending = null;
    this.remotes.clear();
  }

  /**
   * A follower fetched at `fetchOffset` while the leader's log ended at `leaderLogEndOffset`
   * (Kafka's Replica.updateFetchStateOrThrow). Returns false for a broker that is not a replica.
   */
  updateFollowerFetchState(brokerId: number, fetchOffset: number, leaderLogEndOffset: number, nowMs: number, brokerEpoch: bigint): boolean {
    const r = this.remotes.get(brokerId);
    if (r === undefined) return false;
    if (fetchOffset >= leaderLogEndOffset) r.lastCaughtUpTimeMs = Math.max(r.lastCaughtUpTimeMs, nowMs);
    else if (fetchOffset >= r.lastFetchLeaderLogEndOffset) r.lastCaughtUpTimeMs = Math.max(r.lastCaughtUpTimeMs, r.lastFetchTimeMs);
    r.logEndOffset = fetchOffset;
    r.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    r.lastFetchTimeMs = nowMs;
    if (brokerEpoch >= 0n) r.brokerEpoch = brokerEpoch;
    return true;
  }

  private static caughtUp(r: ReplicaFetchState, leaderLogEndOffset: number, nowMs: number, lagMaxMs: number): boolean {
    return r.logEndOffset === leaderLogEndOffset || nowMs - r.lastCaughtUpTimeMs <= lagMaxMs;
  }

  /**
   * The high watermark the leader may move to (Kafka's maybeIncrementLeaderHW): the smallest log
   * end offset among the leader and the replicas in the maximal ISR, or caught up and eligible to
   * join it. Returns the new value, or `currentHw` when it does not move forward.
   */
  highWatermarkCandidate(leaderLogEndOffset: number, currentHw: number, nowMs: number, lagMaxMs: number, eligible: (brokerId: number) => boolean): number {
    let hw = leaderLogEndOffset;
    const isr = this.maximalIsr;
    for (const r of this.remotes.values()) {
      if (r.logEndOffset >= hw) continue;
      if (isr.includes(r.brokerId) || (PartitionState.caughtUp(r, leaderLogEndOffset, nowMs, lagMaxMs) && eligible(r.brokerId))) hw = Math.max(r.logEndOffset, 0);
    }
    return hw > currentHw ? hw : currentHw;
  }

  /**
   * A follower outside the ISR that may join it (Kafka's isFollowerInSync): it reached the high
   * watermark and the start of the leader's epoch. Null while an ISR change is in flight.
   */
  expansionCandidate(brokerId: number, highWatermark: number, eligible: (brokerId: number) => boolean): readonly number[] | null {
    if (!this.isLeader || this.pending !== null || this.isr.includes(brokerId)) return null;
    const r = this.remotes.get(brokerId);
    if (r === undefined || r.logEndOffset < highWatermark || r.logEndOffset < this.leaderEpochStartOffset || !eligible(brokerId)) return null;
    return [...this.isr, brokerId];
  }

  /** ISR members (the leader aside) not caught up within `lagMaxMs` (Kafka's getOutOfSyncReplicas). */
  outOfSyncReplicas(leaderLogEndOffset: number, nowMs: number, lagMaxMs: number): number[] {
    const out: number[] = [];
    for (const id of this.isr) {
      if (id === this.localBrokerId) continue;
      const r = this.remotes.get(id);
      if (r === undefined || !PartitionState.caughtUp(r, leaderLogEndOffset, nowMs, lagMaxMs)) out.push(id);
    }
    return out;
  }

  /** The ISR without the out-of-sync replicas, or null when nothing is to shrink or a change is in flight. */
  shrinkCandidate(leaderLogEndOffset: number, nowMs: number, lagMaxMs: number): readonly number[] | null {
    if (!this.isLeader || this.pending !== null) return null;
    const out = this.outOfSyncReplicas(leaderLogEndOffset, nowMs, lagMaxMs);
    if (out.length === 0) return null;
    return this.isr.filter((id) => !out.includes(id));
  }

  /** Records an AlterPartition sent for `isr`. */
  startIsrChange(kind: 'expand' | 'shrink', isr: readonly number[], leaderRecoveryState = this.leaderRecoveryState): PendingIsrChange {
    this.pending = { kind, isr: [...isr], lastCommittedIsr: this.isr, leaderRecoveryState };
    return this.pending;
  }

  /**
   * The controller's answer to the change in flight: a newer partition epoch is adopted (the
   * metadata log will carry the same registration); an error drops the pending change so it can be
   * tried again. Returns whether the answer was adopted.
   */
  completeIsrChange(
    change: PendingIsrChange,
    answer: { errorCode: number; leaderEpoch: number; partitionEpoch: number; isr: readonly number[]; leaderRecoveryState: number },
  ): boolean {
    if (this.pending !== change) return false;
    this.pending = null;
    if (answer.errorCode !== 0) return false;
    if (answer.leaderEpoch !== this.leaderEpoch || answer.partitionEpoch <= this.partitionEpoch) return false;
    this.partitionEpoch = answer.partitionEpoch;
    this.isr = [...answer.isr];
    this.leaderRecoveryState = answer.leaderRecoveryState;
    return true;
  }
}
