import { ErrorCode } from '@nagare/protocol';
import { NagareError } from '@nagare/common';
import { RaftLog } from './log';
import { EMPTY_QUORUM_STATE } from './quorum-state';
import type {
  BeginQuorumEpochRequestMessage,
  BeginQuorumEpochResponseMessage,
  EndQuorumEpochRequestMessage,
  EndQuorumEpochResponseMessage,
  FetchRequestMessage,
  FetchResponseMessage,
  FetchSnapshotRequestMessage,
  FetchSnapshotResponseMessage,
  LeaderAndEpoch,
  LogEntry,
  LogOp,
  QuorumDescription,
  QuorumStateData,
  RaftMessage,
  RaftRole,
  Ready,
  ReplicaDescription,
  Snapshot,
  SnapshotId,
  VoteRequestMessage,
  VoteResponseMessage,
} from './types';

/** Kafka's POSITION_OUT_OF_RANGE (99, KIP-630); absent from the shared error table. */
export const POSITION_OUT_OF_RANGE = 99;
/** KafkaRaftClient's RETRY_BACKOFF_BASE_MS for the binary exponential election backoff. */
const RETRY_BACKOFF_BASE_MS = 50;

/**
 * Deliberate safety bugs, only for proving that the simulation's checker catches them. Never set
 * these outside tests.
 */
export interface UnsafeRaftOptions {
  /** Grant votes without comparing logs (breaks leader completeness: committed entries get lost). */
  readonly voteIgnoresLog?: boolean;
  /** Grant a standard vote to anyone with an up-to-date log, even after voting for someone else in the epoch. */
  readonly voteIgnoresVotedFor?: boolean;
  /** Advance the high watermark on the leader's own log end alone. */
  readonly commitOnMinority?: boolean;
}

export interface RaftConfig {
  readonly nodeId: number;
  /** The static voter ids (`controller.quorum.voters`). A node not among them is an observer. */
  readonly voters: readonly number[];
  /** Uniform in [0, 1): the injected random source for election timeouts and backoff. */
  readonly random: () => number;
  /** `controller.quorum.election.timeout.ms` (1000); each timeout is randomised in [1x, 2x). */
  readonly electionTimeoutMs?: number;
  /** `controller.quorum.election.backoff.max.ms` (1000). */
  readonly electionBackoffMaxMs?: number;
  /** `controller.quorum.fetch.timeout.ms` (2000). */
  readonly fetchTimeoutMs?: number;
  /** `controller.quorum.request.timeout.ms` (2000). */
  readonly requestTimeoutMs?: number;
  /** `controller.quorum.retry.backoff.ms` (20). */
  readonly retryBackoffMs?: number;
  /** How long the leader parks a Fetch with nothing new to return (KafkaRaftClient's fetchMaxWaitMs, 500). */
  readonly fetchMaxWaitMs?: number;
  /** Most entries one Fetch response carries. */
  readonly maxFetchEntries?: number;
  /** Most snapshot bytes one FetchSnapshot response carries. */
  readonly snapshotChunkBytes?: number;
  /** KIP-996 pre-vote (default true); false runs KIP-595's original elections. */
  readonly preVote?: boolean;
  readonly unsafe?: UnsafeRaftOptions;
}

/** What a node finds on disk at start-up. */
export interface PersistedRaftState {
  readonly quorumState?: QuorumStateData;
  readonly snapshot?: Snapshot;
  /** The log entries at and after the snapshot's end offset, in order. */
  readonly entries?: readonly LogEntry[];
}

export interface ProposeResult {
  readonly errorCode: number;
  readonly epoch: number;
  /** Offsets of the appended entries (when errorCode is NONE). */
  readonly baseOffset: number;
  readonly lastOffset: number;
}

interface ReplicaState {
  endOffset: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
  lastFetchLeaderLogEndOffset: number;
  lastSentHighWatermark: number;
}

interface SnapshotFetch {
  readonly id: SnapshotId;
  position: number;
  size: number;
  chunks: Uint8Array[];
}

/**
 * One KRaft replica as a pure state machine (etcd-io/raft's shape, Kafka's semantics): feed it
 * messages with `step`, time with `tick`, proposals with `propose`; drain `ready()`, persist it,
 * `advance(ready)`, apply and send. It reads no clock and does no I/O.
 */
export class RaftNode {
  readonly nodeId: number;
  private readonly voters: readonly number[];
  private readonly voterSet: ReadonlySet<number>;
  private readonly majority: number;
  private readonly random: () => number;
  private readonly electionTimeoutMs: number;
  private readonly electionBackoffMaxMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly fetchMaxWaitMs: number;
  private readonly maxFetchEntries: number;
  private readonly snapshotChunkBytes: number;
  private readonly preVoteEnabled: boolean;
  private readonly unsafe: UnsafeRaftOptions;

  private now: number;
  private readonly log: RaftLog;
  private latestSnapshot: Snapshot | undefined;

  // quorum state
  private _role: RaftRole = 'unattached';
  private _epoch = 0;
  private _leaderId = -1;
  private _votedId = -1;
  private persistedQs: QuorumStateData;

  private hw: number;
  private committedDelivered: number;
  private durableEnd: number;
  private correlation = 0;

  // timers (absolute ms; Infinity when off)
  private electionAt = Infinity;
  private backoffUntil = Infinity;
  private fetchTimeoutAt = Infinity;
  private fetchAt = Infinity;
  private voteResendAt = Infinity;
  private beginResendAt = Infinity;
  private endResendAt = Infinity;
  private checkQuorumAt = Infinity;

  // prospective / candidate
  private retries = 0;
  private voteRequests = new Map<number, number>(); // correlationId -> voter
  private granted = new Set<number>();
  private rejected = new Set<number>();

  // follower / observer
  private fetchInflight = -1;
  private hasFetchedFromLeader = false;
  private leaderResigned = false;
  private snapshotFetch: SnapshotFetch | undefined;

  // leader
  private epochStartOffset = -1;
  private replicas = new Map<number, ReplicaState>();
  private parked = new Map<number, { msg: FetchRequestMessage; deadline: number }>();
  private beginAcked = new Set<number>();
  private checkQuorumTimeoutMs: number;

  // resigned
  private preferredSuccessors: number[] = [];
  private endAcked = new Set<number>();

  // output
  private outQs: QuorumStateData | undefined;
  private outOps: LogOp[] = [];
  private outMsgs: RaftMessage[] = [];
  private outApplySnapshot: Snapshot | undefined;
  private outLeaderChange: LeaderAndEpoch | undefined;

  constructor(config: RaftConfig, persisted: PersistedRaftState, nowMs: number) {
    this.nodeId = config.nodeId;
    this.voters = [...config.voters].sort((a, b) => a - b);
    this.voterSet = new Set(this.voters);
    this.majority = Math.floor(this.voters.length / 2) + 1;
    this.random = config.random;
    this.electionTimeoutMs = config.electionTimeoutMs ?? 1000;
    this.electionBackoffMaxMs = config.electionBackoffMaxMs ?? 1000;
    this.fetchTimeoutMs = config.fetchTimeoutMs ?? 2000;
    this.requestTimeoutMs = config.requestTimeoutMs ?? 2000;
    this.retryBackoffMs = config.retryBackoffMs ?? 20;
    this.fetchMaxWaitMs = config.fetchMaxWaitMs ?? 500;
    this.maxFetchEntries = config.maxFetchEntries ?? 256;
    this.snapshotChunkBytes = config.snapshotChunkBytes ?? 1 << 20;
    this.preVoteEnabled = config.preVote ?? true;
    this.unsafe = config.unsafe ?? {};
    this.checkQuorumTimeoutMs = Math.floor(this.fetchTimeoutMs * 1.5);
    this.now = nowMs;

    const snap = persisted.snapshot;
    this.log = new RaftLog(snap?.id.endOffset ?? 0, snap?.id.epoch ?? 0);
    this.latestSnapshot = snap;
    for (const e of persisted.entries ?? []) if (e.offset >= this.log.startOffset) this.log.append([e]);
    this.hw = this.log.startOffset;
    this.committedDelivered = this.log.startOffset;
    this.durableEnd = this.log.endOffset;
    if (snap !== undefined) this.outApplySnapshot = snap;

    // QuorumState.initialize: resume the persisted election state.
    const qs = persisted.quorumState ?? EMPTY_QUORUM_STATE;
    this.persistedQs = qs;
    this._epoch = qs.leaderEpoch;
    this._votedId = qs.votedId;
    this._leaderId = qs.leaderId;
    if (this.log.lastEpoch > qs.leaderEpoch) {
      this.becomeUnattached(this.log.lastEpoch, -1);
    } else if (qs.leaderId === this.nodeId && this.isVoter) {
      // A leader that restarts cannot resume its epoch: it resigns (Kafka's ResignedState).
      this.becomeResigned([]);
    } else if (qs.leaderId >= 0 && qs.leaderId !== this.nodeId) {
      this.becomeFollower(qs.leaderEpoch, qs.leaderId);
    } else {
      this.becomeUnattached(qs.leaderEpoch, qs.votedId);
    }
    this.outLeaderChange = { leaderId: this._leaderId, epoch: this._epoch };
  }

  // ---- read-only views ----

  get role(): RaftRole {
    return this._role;
  }
  get epoch(): number {
    return this._epoch;
  }
  /** The leader of the current epoch, or -1 when not known. */
  get leaderId(): number {
    return this._role === 'leader' ? this.nodeId : this._role === 'resigned' ? -1 : this._leaderId;
  }
  get votedId(): number {
    return this._votedId;
  }
  get isVoter(): boolean {
    return this.voterSet.has(this.nodeId);
  }
  get highWatermark(): number {
    return this.hw;
  }
  get logStartOffset(): number {
    return this.log.startOffset;
  }
  get logEndOffset(): number {
    return this.log.endOffset;
  }
  get lastFetchedEpoch(): number {
    return this.log.lastEpoch;
  }
  get latestSnapshotId(): SnapshotId | undefined {
    return this.latestSnapshot?.id;
  }
  entryAt(offset: number): LogEntry | undefined {
    return this.log.entryAt(offset);
  }
  readEntries(offset: number, max: number): LogEntry[] {
    return this.log.read(offset, max);
  }

  /** The earliest time at which `tick` has something to do. */
  nextDeadline(): number {
    let t = Math.min(
      this.electionAt,
      this.backoffUntil,
      this.fetchTimeoutAt,
      this.fetchAt,
      this.voteResendAt,
      this.beginResendAt,
      this.endResendAt,
      this.checkQuorumAt,
    );
    for (const p of this.parked.values()) if (p.deadline < t) t = p.deadline;
    return t;
  }

  // ---- inputs ----

  tick(nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    const now = this.now;
    switch (this._role) {
      case 'leader': {
        for (const [id, p] of this.parked) {
          if (p.deadline <= now) {
            this.parked.delete(id);
            this.respondFetch(p.msg);
          }
        }
        if (this.beginResendAt <= now) this.sendBeginQuorumEpochs();
        if (this.checkQuorumAt <= now) this.checkQuorum();
        break;
      }
      case 'follower':
        if (this.fetchTimeoutAt <= now) {
          if (this.isVoter) this.startElection();
          else this.becomeUnattached(this._epoch, this._votedId);
          break;
        }
        if (this.fetchAt <= now) this.sendFetch();
        break;
      case 'unattached':
        if (this.isVoter) {
          if (this.electionAt <= now) this.startElection();
        } else if (this.fetchAt <= now) {
          this.sendFetch();
        }
        break;
      case 'prospective':
        if (this.electionAt <= now) this.prospectiveLost();
        else if (this.voteResendAt <= now) this.sendVoteRequests(true);
        break;
      case 'candidate':
        if (this.backoffUntil <= now) this.afterBackoff();
        else if (this.electionAt <= now) this.startBackoff();
        else if (this.voteResendAt <= now) this.sendVoteRequests(false);
        break;
      case 'resigned':
        if (this.electionAt <= now) this.startElection();
        else if (this.endResendAt <= now) this.sendEndQuorumEpochs();
        break;
    }
  }

  step(msg: RaftMessage, nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    if (msg.to !== this.nodeId) return;
    switch (msg.type) {
      case 'Vote':
        return this.onVote(msg);
      case 'VoteResponse':
        return this.onVoteResponse(msg);
      case 'BeginQuorumEpoch':
        return this.onBeginQuorumEpoch(msg);
      case 'BeginQuorumEpochResponse':
        return this.onBeginQuorumEpochResponse(msg);
      case 'EndQuorumEpoch':
        return this.onEndQuorumEpoch(msg);
      case 'EndQuorumEpochResponse':
        return this.onEndQuorumEpochResponse(msg);
      case 'Fetch':
        return this.onFetch(msg);
      case 'FetchResponse':
        return this.onFetchResponse(msg);
      case 'FetchSnapshot':
        return this.onFetchSnapshot(msg);
      case 'FetchSnapshotResponse':
        return this.onFetchSnapshotResponse(msg);
    }
  }

  /** Append records as the leader (Kafka's scheduleAppend). NOT_LEADER_OR_FOLLOWER elsewhere. */
  propose(payloads: readonly Uint8Array[], nowMs: number): ProposeResult {
    this.now = Math.max(this.now, nowMs);
    if (this._role !== 'leader' || payloads.length === 0) {
      const errorCode = this._role !== 'leader' ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.INVALID_REQUEST;
      return { errorCode, epoch: this._epoch, baseOffset: -1, lastOffset: -1 };
    }
    const base = this.log.endOffset;
    const entries = payloads.map((payload, i) => ({ offset: base + i, epoch: this._epoch, payload }));
    this.appendLocal(entries);
    this.completeParked();
    return { errorCode: ErrorCode.NONE, epoch: this._epoch, baseOffset: base, lastOffset: base + entries.length - 1 };
  }

  /** Graceful resignation (KafkaRaftClient.resign / shutdown): EndQuorumEpoch with preferred successors. */
  resign(nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    if (this._role === 'leader') this.becomeResigned(this.successorsByEndOffset());
  }

  /**
   * Record a snapshot of the state machine at `endOffset` (KIP-630): it must cover only applied
   * (committed) entries; the log before it is deleted.
   */
  createSnapshot(endOffset: number, data: Uint8Array): SnapshotId {
    if (endOffset > this.committedDelivered || endOffset <= this.log.startOffset || endOffset > this.log.endOffset) {
      throw new NagareError(
        'INTERNAL',
        `snapshot end offset ${endOffset} must be in (${this.log.startOffset}, ${Math.min(this.committedDelivered, this.log.endOffset)}]`,
      );
    }
    const id = { endOffset, epoch: this.log.epochAt(endOffset - 1) };
    const snapshot = { id, data };
    this.latestSnapshot = snapshot;
    this.outOps.push({ type: 'snapshot', snapshot }, { type: 'deleteBefore', offset: endOffset });
    this.log.deleteBefore(endOffset);
    return id;
  }

  hasReady(): boolean {
    return (
      this.outQs !== undefined ||
      this.outOps.length > 0 ||
      this.outMsgs.length > 0 ||
      this.outApplySnapshot !== undefined ||
      this.outLeaderChange !== undefined ||
      this.committedDelivered < this.hw
    );
  }

  ready(): Ready {
    let committed: LogEntry[] = [];
    if (this.committedDelivered < this.hw) {
      committed = this.log.read(this.committedDelivered, this.hw - this.committedDelivered);
      if (committed.length !== this.hw - this.committedDelivered) {
        throw new NagareError('INTERNAL', `committed entries [${this.committedDelivered}, ${this.hw}) are not in the log`);
      }
      this.committedDelivered = this.hw;
    }
    const r: Ready = {
      quorumState: this.outQs,
      logOps: this.outOps,
      messages: this.outMsgs,
      applySnapshot: this.outApplySnapshot,
      committed,
      highWatermark: this.hw,
      leaderChange: this.outLeaderChange,
      logEndOffset: this.log.endOffset,
    };
    this.outQs = undefined;
    this.outOps = [];
    this.outMsgs = [];
    this.outApplySnapshot = undefined;
    this.outLeaderChange = undefined;
    return r;
  }

  /** The host made `ready` durable: the leader may now count its own log end toward the high watermark. */
  advance(ready: Ready): void {
    this.durableEnd = Math.min(ready.logEndOffset, this.log.endOffset);
    if (this._role === 'leader') this.maybeUpdateHighWatermark();
  }

  /** DescribeQuorum's answer; undefined when this node is not the leader (NOT_LEADER_OR_FOLLOWER). */
  describeQuorum(nowMs: number): QuorumDescription | undefined {
    if (this._role !== 'leader') return undefined;
    const describe = (id: number, r: ReplicaState | undefined): ReplicaDescription =>
      id === this.nodeId
        ? { replicaId: id, logEndOffset: this.log.endOffset, lastFetchTimestamp: nowMs, lastCaughtUpTimestamp: nowMs }
        : {
            replicaId: id,
            logEndOffset: r?.endOffset ?? -1,
            lastFetchTimestamp: r?.lastFetchTimestamp ?? -1,
            lastCaughtUpTimestamp: r?.lastCaughtUpTimestamp ?? -1,
          };
    const observers: ReplicaDescription[] = [];
    for (const [id, r] of this.replicas) if (!this.voterSet.has(id)) observers.push(describe(id, r));
    return {
      leaderId: this.nodeId,
      leaderEpoch: this._epoch,
      highWatermark: this.hw,
      currentVoters: this.voters.map((id) => describe(id, this.replicas.get(id))),
      observers: observers.sort((a, b) => a.replicaId - b.replicaId),
    };
  }

  // ---- transitions ----

  private transitionTo(role: RaftRole, epoch: number, leaderId: number, votedId: number): void {
    const wasLeader = this._role === 'leader';
    const prevLeader = this.leaderId;
    const prevEpoch = this._epoch;
    this._role = role;
    this._epoch = epoch;
    this._leaderId = leaderId;
    this._votedId = votedId;
    this.electionAt = this.backoffUntil = this.fetchTimeoutAt = this.fetchAt = Infinity;
    this.voteResendAt = this.beginResendAt = this.endResendAt = this.checkQuorumAt = Infinity;
    this.voteRequests.clear();
    this.granted.clear();
    this.rejected.clear();
    this.fetchInflight = -1;
    this.snapshotFetch = undefined;
    this.hasFetchedFromLeader = false;
    this.leaderResigned = false;
    if (wasLeader) {
      for (const p of this.parked.values()) this.respondFetch(p.msg);
      this.parked.clear();
      this.replicas.clear();
    }
    const q = this.persistedQs;
    if (q.leaderEpoch !== epoch || q.leaderId !== leaderId || q.votedId !== votedId) {
      this.persistedQs = { leaderEpoch: epoch, leaderId, votedId, votedDirectoryId: q.votedDirectoryId };
      this.outQs = this.persistedQs;
    }
    if (this.leaderId !== prevLeader || epoch !== prevEpoch) this.outLeaderChange = { leaderId: this.leaderId, epoch };
  }

  private becomeUnattached(epoch: number, votedId: number): void {
    this.transitionTo('unattached', epoch, -1, votedId);
    if (this.isVoter) this.electionAt = this.now + this.randomElectionTimeout();
    else this.fetchAt = this.now;
  }

  private becomeFollower(epoch: number, leaderId: number): void {
    this.transitionTo('follower', epoch, leaderId, epoch === this._epoch ? this._votedId : -1);
    this.fetchTimeoutAt = this.now + this.fetchTimeoutMs;
    this.retries = 0;
    this.sendFetch();
  }

  private startElection(): void {
    if (this.preVoteEnabled) this.becomeProspective();
    else this.becomeCandidate();
  }

  private becomeProspective(): void {
    const leader = this._role === 'resigned' || this._leaderId === this.nodeId ? -1 : this._leaderId;
    this.transitionTo('prospective', this._epoch, leader, this._votedId);
    this.electionAt = this.now + this.randomElectionTimeout();
    this.granted.add(this.nodeId);
    if (this.granted.size >= this.majority) return this.becomeCandidate();
    this.sendVoteRequests(true);
  }

  private prospectiveLost(): void {
    if (this._leaderId >= 0) this.becomeFollower(this._epoch, this._leaderId);
    else this.becomeUnattached(this._epoch, this._votedId);
  }

  private becomeCandidate(): void {
    this.retries++;
    this.transitionTo('candidate', this._epoch + 1, -1, this.nodeId);
    this.electionAt = this.now + this.randomElectionTimeout();
    this.granted.add(this.nodeId);
    if (this.granted.size >= this.majority) return this.becomeLeader();
    this.sendVoteRequests(false);
  }

  private startBackoff(): void {
    this.electionAt = Infinity;
    this.voteResendAt = Infinity;
    this.backoffUntil = this.now + this.binaryExponentialElectionBackoffMs(this.retries);
  }

  private afterBackoff(): void {
    this.backoffUntil = Infinity;
    this.startElection();
  }

  private becomeLeader(): void {
    const grantingVoters = [...this.granted].sort((a, b) => a - b);
    this.transitionTo('leader', this._epoch, this.nodeId, this._votedId);
    this.retries = 0;
    this.epochStartOffset = this.log.endOffset;
    this.replicas.clear();
    for (const v of this.voters) if (v !== this.nodeId) this.replicas.set(v, newReplicaState());
    this.beginAcked.clear();
    const control = { type: 'LeaderChange' as const, leaderId: this.nodeId, voters: this.voters, grantingVoters };
    this.appendLocal([{ offset: this.log.endOffset, epoch: this._epoch, payload: new Uint8Array(0), control }]);
    this.sendBeginQuorumEpochs();
    this.checkQuorumAt = this.now + this.checkQuorumTimeoutMs;
  }

  private becomeResigned(successors: number[]): void {
    this.transitionTo('resigned', this._epoch, this.nodeId, this._votedId);
    this.preferredSuccessors = successors;
    this.endAcked.clear();
    this.electionAt = this.now + this.randomElectionTimeout();
    this.sendEndQuorumEpochs();
  }

  /** Messages carrying a newer epoch or a leader we did not know move us (KafkaRaftClient.maybeTransition). */
  private observeLeader(epoch: number, leaderId: number): boolean {
    if (epoch > this._epoch) {
      if (leaderId >= 0 && leaderId !== this.nodeId) this.becomeFollower(epoch, leaderId);
      else this.becomeUnattached(epoch, -1);
      return true;
    }
    if (
      epoch === this._epoch &&
      leaderId >= 0 &&
      leaderId !== this.nodeId &&
      (this._role === 'unattached' || this._role === 'candidate' || (this._role === 'prospective' && this._leaderId !== leaderId))
    ) {
      this.becomeFollower(epoch, leaderId);
      return true;
    }
    return false;
  }

  // ---- elections ----

  private sendVoteRequests(preVote: boolean): void {
    const recorded = new Set<number>([...this.granted, ...this.rejected]);
    const { offset, epoch } = this.log.endOffsetAndEpoch;
    for (const v of this.voters) {
      if (recorded.has(v)) continue;
      const correlationId = ++this.correlation;
      this.voteRequests.set(correlationId, v);
      this.outMsgs.push({
        type: 'Vote',
        from: this.nodeId,
        to: v,
        correlationId,
        replicaEpoch: this._epoch,
        lastOffsetEpoch: epoch,
        lastOffset: offset,
        preVote,
      });
    }
    this.voteResendAt = this.now + this.requestTimeoutMs;
  }

  private onVote(m: VoteRequestMessage): void {
    const reply = (errorCode: number, voteGranted: boolean): void => {
      this.outMsgs.push({
        type: 'VoteResponse',
        from: this.nodeId,
        to: m.from,
        correlationId: m.correlationId,
        errorCode,
        leaderId: this.leaderId,
        leaderEpoch: this._epoch,
        voteGranted,
        preVote: m.preVote,
      });
    };
    const illegalEpoch = m.preVote ? m.lastOffsetEpoch > m.replicaEpoch : m.lastOffsetEpoch >= m.replicaEpoch;
    if (m.lastOffset < 0 || m.lastOffsetEpoch < 0 || illegalEpoch) return reply(ErrorCode.INVALID_REQUEST, false);
    if (m.replicaEpoch < this._epoch) return reply(ErrorCode.FENCED_LEADER_EPOCH, false);
    if (!this.isVoter || !this.voterSet.has(m.from)) return reply(ErrorCode.INCONSISTENT_VOTER_SET, false);
    if (!m.preVote && m.replicaEpoch > this._epoch) this.becomeUnattached(m.replicaEpoch, -1);
    const end = this.log.endOffsetAndEpoch;
    const upToDate =
      this.unsafe.voteIgnoresLog === true ||
      m.lastOffsetEpoch > end.epoch ||
      (m.lastOffsetEpoch === end.epoch && m.lastOffset >= end.offset);
    const granted = this.canGrantVote(m.from, upToDate, m.preVote);
    if (granted && !m.preVote && this._votedId !== m.from) {
      // Persist the vote (quorum-state) before the response leaves: Ready's order guarantees it.
      this.transitionTo('unattached', this._epoch, -1, m.from);
      this.electionAt = this.now + this.randomElectionTimeout();
    }
    reply(ErrorCode.NONE, granted);
  }

  private canGrantVote(candidate: number, upToDate: boolean, preVote: boolean): boolean {
    switch (this._role) {
      case 'unattached':
      case 'prospective':
        if (preVote) return upToDate;
        if (this._votedId === candidate) return true;
        return (this._votedId === -1 || this.unsafe.voteIgnoresVotedFor === true) && upToDate;
      case 'follower':
        // KIP-996: a follower that hears from its leader rejects pre-votes; standard votes in its epoch always.
        return preVote ? !this.hasFetchedFromLeader && upToDate : false;
      case 'candidate':
        if (preVote) return upToDate;
        return this.unsafe.voteIgnoresVotedFor === true && candidate !== this.nodeId && upToDate;
      case 'resigned':
        return preVote && upToDate;
      case 'leader':
        return false;
    }
  }

  private onVoteResponse(m: VoteResponseMessage): void {
    if (this.observeLeader(m.leaderEpoch, m.leaderId)) return;
    const voter = this.voteRequests.get(m.correlationId);
    if (voter === undefined || voter !== m.from) return;
    this.voteRequests.delete(m.correlationId);
    if (m.errorCode !== ErrorCode.NONE) return;
    if (m.preVote ? this._role !== 'prospective' : this._role !== 'candidate' || m.leaderEpoch !== this._epoch) return;
    if (m.voteGranted) this.granted.add(m.from);
    else this.rejected.add(m.from);
    if (this.granted.size >= this.majority) {
      if (m.preVote) this.becomeCandidate();
      else this.becomeLeader();
    } else if (this.rejected.size > this.voters.length - this.majority) {
      if (m.preVote) this.prospectiveLost();
      else if (this.backoffUntil === Infinity) this.startBackoff();
    }
  }

  // ---- BeginQuorumEpoch / EndQuorumEpoch ----

  private sendBeginQuorumEpochs(): void {
    let pending = false;
    for (const v of this.voters) {
      if (v === this.nodeId || this.beginAcked.has(v) || (this.replicas.get(v)?.lastFetchTimestamp ?? -1) >= 0) continue;
      pending = true;
      this.outMsgs.push({
        type: 'BeginQuorumEpoch',
        from: this.nodeId,
        to: v,
        correlationId: ++this.correlation,
        leaderId: this.nodeId,
        leaderEpoch: this._epoch,
      });
    }
    this.beginResendAt = pending ? this.now + Math.max(1, Math.floor(this.fetchTimeoutMs / 2)) : Infinity;
  }

  private onBeginQuorumEpoch(m: BeginQuorumEpochRequestMessage): void {
    let errorCode: number = ErrorCode.NONE;
    if (m.leaderEpoch < this._epoch) errorCode = ErrorCode.FENCED_LEADER_EPOCH;
    else if (!this.isVoter) errorCode = ErrorCode.INCONSISTENT_VOTER_SET;
    else if (!(this._role === 'leader' && m.leaderEpoch === this._epoch)) {
      if (!(this._role === 'follower' && this._epoch === m.leaderEpoch && this._leaderId === m.leaderId)) {
        this.becomeFollower(m.leaderEpoch, m.leaderId);
      }
    }
    const resp: BeginQuorumEpochResponseMessage = {
      type: 'BeginQuorumEpochResponse',
      from: this.nodeId,
      to: m.from,
      correlationId: m.correlationId,
      errorCode,
      leaderId: this.leaderId,
      leaderEpoch: this._epoch,
    };
    this.outMsgs.push(resp);
  }

  private onBeginQuorumEpochResponse(m: BeginQuorumEpochResponseMessage): void {
    if (this.observeLeader(m.leaderEpoch, m.leaderId)) return;
    if (this._role === 'leader' && m.errorCode === ErrorCode.NONE && m.leaderEpoch === this._epoch) this.beginAcked.add(m.from);
  }

  private sendEndQuorumEpochs(): void {
    let pending = false;
    for (const v of this.voters) {
      if (v === this.nodeId || this.endAcked.has(v)) continue;
      pending = true;
      this.outMsgs.push({
        type: 'EndQuorumEpoch',
        from: this.nodeId,
        to: v,
        correlationId: ++this.correlation,
        leaderId: this.nodeId,
        leaderEpoch: this._epoch,
        preferredSuccessors: this.preferredSuccessors,
      });
    }
    this.endResendAt = pending ? this.now + this.requestTimeoutMs : Infinity;
  }

  private onEndQuorumEpoch(m: EndQuorumEpochRequestMessage): void {
    let errorCode: number = ErrorCode.NONE;
    if (m.leaderEpoch < this._epoch) errorCode = ErrorCode.FENCED_LEADER_EPOCH;
    else if (!this.isVoter) errorCode = ErrorCode.INCONSISTENT_VOTER_SET;
    else {
      this.observeLeader(m.leaderEpoch, m.leaderId);
      if (this._role === 'follower' && this._epoch === m.leaderEpoch && this._leaderId === m.leaderId && !this.leaderResigned) {
        // The leader resigned: elect a successor soon, the closest ones first (endEpochElectionBackoff).
        this.leaderResigned = true;
        this.hasFetchedFromLeader = false;
        const pos = m.preferredSuccessors.indexOf(this.nodeId);
        const backoff =
          pos === 0 ? 0 : pos < 0 ? this.electionBackoffMaxMs : Math.min(this.electionBackoffMaxMs, RETRY_BACKOFF_BASE_MS * 2 ** (pos - 1));
        this.fetchTimeoutAt = Math.min(this.fetchTimeoutAt, this.now + backoff);
      }
    }
    const resp: EndQuorumEpochResponseMessage = {
      type: 'EndQuorumEpochResponse',
      from: this.nodeId,
      to: m.from,
      correlationId: m.correlationId,
      errorCode,
      leaderId: this.leaderId,
      leaderEpoch: this._epoch,
    };
    this.outMsgs.push(resp);
  }

  private onEndQuorumEpochResponse(m: EndQuorumEpochResponseMessage): void {
    if (this.observeLeader(m.leaderEpoch, m.leaderId)) return;
    if (this._role === 'resigned' && m.leaderEpoch === this._epoch) this.endAcked.add(m.from);
  }

  // ---- leader: Fetch, FetchSnapshot, high watermark ----

  private fetchEpochError(currentLeaderEpoch: number): number {
    if (currentLeaderEpoch < this._epoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > this._epoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    if (this._role !== 'leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return ErrorCode.NONE;
  }

  private fetchError(m: FetchRequestMessage, errorCode: number): FetchResponseMessage {
    return {
      type: 'FetchResponse',
      from: this.nodeId,
      to: m.from,
      correlationId: m.correlationId,
      errorCode,
      leaderId: this.leaderId,
      leaderEpoch: this._epoch,
      highWatermark: -1,
      logStartOffset: -1,
      entries: [],
    };
  }

  private onFetch(m: FetchRequestMessage): void {
    const err = this.fetchEpochError(m.currentLeaderEpoch);
    if (err !== ErrorCode.NONE) return void this.outMsgs.push(this.fetchError(m, err));
    if (m.fetchOffset < 0 || m.lastFetchedEpoch < 0 || m.lastFetchedEpoch > this._epoch) {
      return void this.outMsgs.push(this.fetchError(m, ErrorCode.INVALID_REQUEST));
    }
    const v = this.log.validateFetch(m.fetchOffset, m.lastFetchedEpoch);
    let rs = this.replicas.get(m.from);
    if (rs === undefined) this.replicas.set(m.from, (rs = newReplicaState()));
    if (v.kind !== 'valid') {
      rs.lastFetchTimestamp = this.now; // the replica is alive (check-quorum), though its offset is not confirmed
      return this.respondFetch(m);
    }
    // LeaderState.updateReplicaState
    const leo = this.log.endOffset;
    if (m.fetchOffset >= leo) rs.lastCaughtUpTimestamp = Math.max(rs.lastCaughtUpTimestamp, this.now);
    else if (rs.lastFetchLeaderLogEndOffset > 0 && m.fetchOffset >= rs.lastFetchLeaderLogEndOffset) {
      rs.lastCaughtUpTimestamp = Math.max(rs.lastCaughtUpTimestamp, rs.lastFetchTimestamp);
    }
    rs.lastFetchLeaderLogEndOffset = leo;
    rs.lastFetchTimestamp = this.now;
    rs.endOffset = m.fetchOffset;
    this.parked.delete(m.from);
    this.maybeUpdateHighWatermark();
    if (m.fetchOffset >= this.log.endOffset && rs.lastSentHighWatermark === this.hw) {
      this.parked.set(m.from, { msg: m, deadline: this.now + this.fetchMaxWaitMs });
      return;
    }
    this.respondFetch(m);
  }

  /** Answer a (validated or parked) Fetch from the current log. */
  private respondFetch(m: FetchRequestMessage): void {
    const err = this.fetchEpochError(m.currentLeaderEpoch);
    if (err !== ErrorCode.NONE) return void this.outMsgs.push(this.fetchError(m, err));
    const base = {
      type: 'FetchResponse' as const,
      from: this.nodeId,
      to: m.from,
      correlationId: m.correlationId,
      errorCode: ErrorCode.NONE,
      leaderId: this.nodeId,
      leaderEpoch: this._epoch,
      highWatermark: this.hw,
      logStartOffset: this.log.startOffset,
    };
    const v = this.log.validateFetch(m.fetchOffset, m.lastFetchedEpoch);
    if (v.kind === 'snapshot' && this.latestSnapshot !== undefined) {
      return void this.outMsgs.push({ ...base, snapshotId: this.latestSnapshot.id, entries: [] });
    }
    if (v.kind === 'diverging') {
      return void this.outMsgs.push({ ...base, divergingEpoch: { epoch: v.epoch, endOffset: v.endOffset }, entries: [] });
    }
    const rs = this.replicas.get(m.from);
    if (rs !== undefined) rs.lastSentHighWatermark = this.hw;
    this.outMsgs.push({ ...base, entries: this.log.read(m.fetchOffset, this.maxFetchEntries) });
  }

  private completeParked(): void {
    if (this.parked.size === 0) return;
    const all = [...this.parked.values()];
    this.parked.clear();
    for (const p of all) this.respondFetch(p.msg);
  }

  /** LeaderState.maybeUpdateHighWatermark: the majority's end offset, once this epoch has a committed entry. */
  private maybeUpdateHighWatermark(): void {
    const offsets = this.voters.map((v) => (v === this.nodeId ? this.durableEnd : (this.replicas.get(v)?.endOffset ?? -1)));
    offsets.sort((a, b) => b - a);
    const newHw = this.unsafe.commitOnMinority === true ? offsets[0] : offsets[this.majority - 1];
    if (newHw > this.epochStartOffset && newHw > this.hw) {
      this.hw = newHw;
      this.completeParked();
    }
  }

  private checkQuorum(): void {
    const since = this.now - this.checkQuorumTimeoutMs;
    let alive = 1;
    for (const v of this.voters) if (v !== this.nodeId && (this.replicas.get(v)?.lastFetchTimestamp ?? -1) >= since) alive++;
    if (alive < this.majority) return this.becomeResigned(this.successorsByEndOffset());
    this.checkQuorumAt = this.now + Math.max(1, Math.floor(this.fetchTimeoutMs / 2));
  }

  private successorsByEndOffset(): number[] {
    return this.voters
      .filter((v) => v !== this.nodeId)
      .map((v) => ({ v, end: this.replicas.get(v)?.endOffset ?? -1 }))
      .sort((a, b) => b.end - a.end || a.v - b.v)
      .map((x) => x.v);
  }

  private onFetchSnapshot(m: FetchSnapshotRequestMessage): void {
    const reply = (errorCode: number, size = -1, bytes: Uint8Array = new Uint8Array(0)): void => {
      const resp: FetchSnapshotResponseMessage = {
        type: 'FetchSnapshotResponse',
        from: this.nodeId,
        to: m.from,
        correlationId: m.correlationId,
        errorCode,
        leaderId: this.leaderId,
        leaderEpoch: this._epoch,
        snapshotId: m.snapshotId,
        size,
        position: m.position,
        bytes,
      };
      this.outMsgs.push(resp);
    };
    const err = this.fetchEpochError(m.currentLeaderEpoch);
    if (err !== ErrorCode.NONE) return reply(err);
    const rs = this.replicas.get(m.from);
    if (rs !== undefined) rs.lastFetchTimestamp = this.now;
    const s = this.latestSnapshot;
    if (s === undefined || s.id.endOffset !== m.snapshotId.endOffset || s.id.epoch !== m.snapshotId.epoch) {
      return reply(ErrorCode.SNAPSHOT_NOT_FOUND);
    }
    const size = s.data.length;
    if (m.position < 0 || m.position > size || (m.position === size && size > 0)) return reply(POSITION_OUT_OF_RANGE);
    reply(ErrorCode.NONE, size, s.data.subarray(m.position, m.position + this.snapshotChunkBytes));
  }

  // ---- follower / observer ----

  private sendFetch(): void {
    let to = this._leaderId;
    if (this._role !== 'follower') {
      if (this.isVoter || this.voters.length === 0) return;
      to = this.voters[Math.floor(this.random() * this.voters.length)];
    }
    const correlationId = ++this.correlation;
    this.fetchInflight = correlationId;
    this.fetchAt = this.now + this.requestTimeoutMs;
    const sf = this.snapshotFetch;
    if (sf !== undefined) {
      this.outMsgs.push({
        type: 'FetchSnapshot',
        from: this.nodeId,
        to,
        correlationId,
        currentLeaderEpoch: this._epoch,
        snapshotId: sf.id,
        position: sf.position,
      });
      return;
    }
    this.outMsgs.push({
      type: 'Fetch',
      from: this.nodeId,
      to,
      correlationId,
      currentLeaderEpoch: this._epoch,
      fetchOffset: this.log.endOffset,
      lastFetchedEpoch: this.log.lastEpoch,
    });
  }

  /** Common handling of a fetch-type response; true when the caller should go on with a success from our leader. */
  private acceptFetchResponse(m: FetchResponseMessage | FetchSnapshotResponseMessage): boolean {
    if (m.correlationId !== this.fetchInflight) {
      this.observeLeader(m.leaderEpoch, m.leaderId);
      return false;
    }
    this.fetchInflight = -1;
    this.fetchAt = Infinity;
    if (this.observeLeader(m.leaderEpoch, m.leaderId)) return false;
    if (this._role !== 'follower' || m.leaderId !== this._leaderId || m.leaderEpoch !== this._epoch || m.errorCode !== ErrorCode.NONE) {
      if (m.type === 'FetchSnapshotResponse' && (m.errorCode === ErrorCode.SNAPSHOT_NOT_FOUND || m.errorCode === POSITION_OUT_OF_RANGE)) {
        this.snapshotFetch = undefined;
      }
      this.fetchAt = this.now + this.retryBackoffMs;
      return false;
    }
    if (!this.leaderResigned) {
      this.fetchTimeoutAt = this.now + this.fetchTimeoutMs;
      this.hasFetchedFromLeader = true;
    }
    return true;
  }

  private onFetchResponse(m: FetchResponseMessage): void {
    if (!this.acceptFetchResponse(m)) return;
    if (m.divergingEpoch !== undefined) {
      this.truncateToDivergence(m.divergingEpoch.epoch, m.divergingEpoch.endOffset);
    } else if (m.snapshotId !== undefined) {
      this.snapshotFetch = { id: m.snapshotId, position: 0, size: -1, chunks: [] };
    } else {
      if (m.entries.length > 0 && m.entries[0].offset === this.log.endOffset) this.appendLocal(m.entries);
      if (m.highWatermark >= 0) {
        const h = Math.min(m.highWatermark, this.log.endOffset);
        if (h > this.hw) this.hw = h;
      }
    }
    this.sendFetch();
  }

  /** ReplicatedLog.truncateToEndOffset after a divergingEpoch: never below the high watermark. */
  private truncateToDivergence(epoch: number, endOffset: number): void {
    const local = this.log.endOffsetForEpoch(epoch);
    const target = Math.min(endOffset, local?.offset ?? this.log.startOffset);
    if (target < this.hw) {
      throw new NagareError('INTERNAL', `node ${this.nodeId}: truncation to ${target} is below the high watermark ${this.hw}`);
    }
    if (target < this.log.endOffset) {
      this.log.truncateTo(target);
      this.durableEnd = Math.min(this.durableEnd, target);
      this.outOps.push({ type: 'truncate', offset: target });
    }
  }

  private onFetchSnapshotResponse(m: FetchSnapshotResponseMessage): void {
    if (!this.acceptFetchResponse(m)) return;
    const sf = this.snapshotFetch;
    if (sf === undefined || sf.id.endOffset !== m.snapshotId.endOffset || sf.id.epoch !== m.snapshotId.epoch || m.position !== sf.position) {
      return this.sendFetch();
    }
    sf.size = m.size;
    if (m.bytes.length > 0) sf.chunks.push(m.bytes);
    sf.position += m.bytes.length;
    if (sf.position >= sf.size) this.installSnapshot(sf);
    else if (m.bytes.length === 0) this.snapshotFetch = undefined;
    this.sendFetch();
  }

  private installSnapshot(sf: SnapshotFetch): void {
    this.snapshotFetch = undefined;
    if (sf.id.endOffset <= this.hw) return;
    const data = new Uint8Array(sf.position);
    let at = 0;
    for (const c of sf.chunks) {
      data.set(c, at);
      at += c.length;
    }
    const snapshot = { id: sf.id, data };
    this.latestSnapshot = snapshot;
    this.log.reset(sf.id.endOffset, sf.id.epoch);
    this.durableEnd = Math.min(this.durableEnd, sf.id.endOffset);
    this.outOps.push({ type: 'snapshot', snapshot }, { type: 'reset', offset: sf.id.endOffset });
    this.hw = sf.id.endOffset;
    this.committedDelivered = sf.id.endOffset;
    this.outApplySnapshot = snapshot;
  }

  // ---- helpers ----

  private appendLocal(entries: readonly LogEntry[]): void {
    this.log.append(entries);
    this.outOps.push({ type: 'append', entries });
  }

  private randomElectionTimeout(): number {
    return this.electionTimeoutMs + Math.floor(this.random() * this.electionTimeoutMs);
  }

  /** RaftUtil.binaryExponentialElectionBackoffMs: 50 ms x random in [0, 2^retries), at most the configured max. */
  private binaryExponentialElectionBackoffMs(retries: number): number {
    const r = Math.max(1, Math.min(retries, 20));
    return Math.min(this.electionBackoffMaxMs, RETRY_BACKOFF_BASE_MS * Math.floor(this.random() * 2 ** r));
  }
}

function newReplicaState(): ReplicaState {
  return { endOffset: -1, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1, lastFetchLeaderLogEndOffset: -1, lastSentHighWatermark: -1 };
}
