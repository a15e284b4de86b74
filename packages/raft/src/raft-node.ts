import { ErrorCode, ZERO_UUID } from '@nagare/protocol';
import { NagareError } from '@nagare/common';
import { RaftLog } from './log';
import { EMPTY_QUORUM_STATE } from './quorum-state';
import { LogHistory, describeVoters, matchesVoter, plainSnapshotCodec, staticVoters, voterIds } from './voter-set';
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
  SnapshotCodec,
  SnapshotId,
  Voter,
  VoterChangeResult,
  VoteRequestMessage,
  VoteResponseMessage,
} from './types';

/** Kafka's POSITION_OUT_OF_RANGE (99, KIP-630); absent from the shared error table. */
export const POSITION_OUT_OF_RANGE = 99;

/**
 * Messages of a Ready that may leave before the Ready is durable: the leader's FetchResponses, when
 * the Ready only appends (no quorum-state change, truncation or snapshot). The leader counts its own
 * log toward the high watermark only once it is durable (`advance`), so followers holding entries the
 * leader then loses in a crash is no different from any uncommitted entry: this is the leader writing
 * its log in parallel with replicating it (Raft thesis 10.2.1, etcd). It takes the leader's fsync off
 * the commit path. Everything else waits for durability (votes, acknowledgements by offset).
 */
export function splitReadyMessages(ready: Ready): { early: RaftMessage[]; late: RaftMessage[] } {
  const early: RaftMessage[] = [];
  const late: RaftMessage[] = [];
  const onlyAppends = ready.quorumState === undefined && ready.logOps.every((op) => op.type === 'append');
  for (const m of ready.messages) (onlyAppends && m.type === 'FetchResponse' ? early : late).push(m);
  return { early, late };
}
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
  /**
   * The static voter ids (`controller.quorum.voters`, kraft.version 0). Empty for a dynamic quorum
   * (KIP-853), whose voter set comes from the snapshot (bootstrap checkpoint) and the log. A node
   * not in the voter set is an observer.
   */
  readonly voters: readonly number[];
  /** This replica's metadata log directory id (KIP-853 ReplicaKey); the zero UUID when unknown. */
  readonly directoryId?: string;
  /**
   * `controller.quorum.bootstrap.servers` as ids the host maps to addresses (any ids that are not
   * node ids, e.g. -2, -3, ...): a replica that knows no leader fetches from one of them.
   */
  readonly bootstrapServers?: readonly number[];
  /** How snapshots are framed for FetchSnapshot (default: the core's plain framing). */
  readonly snapshotCodec?: SnapshotCodec;
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
  directoryId: string;
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
  readonly directoryId: string;
  private readonly bootstrapServers: readonly number[];
  private readonly snapshotCodec: SnapshotCodec;
  private readonly voterHistory: LogHistory<readonly Voter[]>;
  private readonly kraftHistory: LogHistory<number>;
  // the latest voter set, cached
  private voters: readonly number[] = [];
  private voterSet: ReadonlySet<number> = new Set();
  private majority = 1;
  private localIsVoter = false;
  /**
   * Whether this replica runs elections: it is in the latest voter set, or it was removed by a change
   * that is not committed yet (it may be the only one holding that change; the new set's majority
   * still decides, so a removed leader can come back, commit its removal and resign).
   */
  private campaigns = false;
  private booting = true;
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

  // KIP-853: the voter change in flight (offset of its VotersRecord), until the high watermark passes it
  private pendingVoterChange = -1;
  /** The encoded latest snapshot, for FetchSnapshot chunks. */
  private encodedSnapshot: { id: SnapshotId; bytes: Uint8Array } | undefined;

  // output
  private outQs: QuorumStateData | undefined;
  private outOps: LogOp[] = [];
  private outMsgs: RaftMessage[] = [];
  private outApplySnapshot: Snapshot | undefined;
  private outLeaderChange: LeaderAndEpoch | undefined;

  constructor(config: RaftConfig, persisted: PersistedRaftState, nowMs: number) {
    this.nodeId = config.nodeId;
    this.directoryId = config.directoryId ?? ZERO_UUID;
    this.bootstrapServers = config.bootstrapServers ?? [];
    this.snapshotCodec = config.snapshotCodec ?? plainSnapshotCodec;
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
    // The base voter set: the snapshot's (a bootstrap checkpoint at offset 0 counts as "not in the log", -1), else the static one.
    const snapOffset = snap === undefined || snap.id.endOffset === 0 ? -1 : snap.id.endOffset - 1;
    this.voterHistory = new LogHistory<readonly Voter[]>(snap?.voters ?? staticVoters(config.voters), snap?.voters !== undefined ? snapOffset : -1);
    this.kraftHistory = new LogHistory<number>(snap?.kraftVersion ?? 0, snapOffset);
    this.hw = 0;
    let entries = (persisted.entries ?? []).filter((e) => e.offset >= this.log.startOffset);
    // ReplicatedLog.truncateToLatestSnapshot at start-up: a log whose last epoch is older than the
    // snapshot's does not extend it (a crash after a leader's snapshot was written but before the
    // log was reset left entries that snapshot replaced): the log restarts at the snapshot.
    if (snap !== undefined && entries.length > 0 && entries[entries.length - 1].epoch < snap.id.epoch) {
      entries = [];
      this.outOps.push({ type: 'reset', offset: snap.id.endOffset });
    }
    for (const e of entries) {
      this.log.append([e]);
      this.trackControl(e);
    }
    this.hw = this.log.startOffset;
    this.refreshVoters();
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
    } else if (qs.leaderId === this.nodeId && this.campaigns) {
      // A leader that restarts cannot resume its epoch: it resigns (Kafka's ResignedState).
      this.becomeResigned([]);
    } else if (qs.leaderId >= 0 && qs.leaderId !== this.nodeId) {
      this.becomeFollower(qs.leaderEpoch, qs.leaderId);
    } else {
      this.becomeUnattached(qs.leaderEpoch, qs.votedId);
    }
    this.outLeaderChange = { leaderId: this._leaderId, epoch: this._epoch };
    this.booting = false;
    // KafkaRaftClient.initialize: the only voter does not wait for an election timeout.
    if (this.isVoter && this.voters.length === 1 && this._role !== 'leader') this.startElection();
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
    return this.localIsVoter;
  }
  /** The latest voter set in the log (committed or not), by id. */
  /** The latest voter set in the log (KIP-853), committed or not. */
  latestVoters(): readonly Voter[] {
    return this.voterHistory.latest().value;
  }
  /** The voter set in force at `offset` (for a snapshot ending after it). */
  votersAt(offset: number): readonly Voter[] {
    return this.voterHistory.at(offset).value;
  }
  /** The finalized kraft.version: 0 for static voters, 1 once voters live in the log (KIP-853). */
  get kraftVersion(): number {
    return this.kraftHistory.latest().value;
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
          if (this.campaigns) this.startElection();
          else this.becomeUnattached(this._epoch, this._votedId);
          break;
        }
        if (this.fetchAt <= now) this.sendFetch();
        break;
      case 'unattached':
        if (this.campaigns) {
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
    const batchEnd = base + payloads.length;
    const entries = payloads.map((payload, i) => (payloads.length > 1 ? { offset: base + i, epoch: this._epoch, payload, batchEnd } : { offset: base + i, epoch: this._epoch, payload }));
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
    if (!this.log.isBatchBoundary(endOffset)) throw new NagareError('INTERNAL', `snapshot end offset ${endOffset} is inside a batch`);
    const id = { endOffset, epoch: this.log.epochAt(endOffset - 1) };
    const kraftVersion = this.kraftHistory.at(endOffset - 1).value;
    const snapshot: Snapshot = kraftVersion > 0 ? { id, data, kraftVersion, voters: this.voterHistory.at(endOffset - 1).value } : { id, data };
    this.latestSnapshot = snapshot;
    this.encodedSnapshot = undefined;
    this.outOps.push({ type: 'snapshot', snapshot }, { type: 'deleteBefore', offset: endOffset });
    this.log.deleteBefore(endOffset);
    this.voterHistory.compactBefore(endOffset);
    this.kraftHistory.compactBefore(endOffset);
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
    const voterDirs = new Map(this.latestVoters().map((v) => [v.id, v.directoryId]));
    const describe = (id: number, r: ReplicaState | undefined): ReplicaDescription =>
      id === this.nodeId
        ? { replicaId: id, replicaDirectoryId: this.directoryId, logEndOffset: this.log.endOffset, lastFetchTimestamp: nowMs, lastCaughtUpTimestamp: nowMs }
        : {
            replicaId: id,
            // The voter set's directory id, else (static voters) the one the replica fetches with.
            replicaDirectoryId: voterDirs.get(id) !== undefined && voterDirs.get(id) !== ZERO_UUID ? voterDirs.get(id)! : (r?.directoryId ?? ZERO_UUID),
            logEndOffset: r?.endOffset ?? -1,
            lastFetchTimestamp: r?.lastFetchTimestamp ?? -1,
            lastCaughtUpTimestamp: r?.lastCaughtUpTimestamp ?? -1,
          };
    const observers: ReplicaDescription[] = [];
    for (const [id, r] of this.replicas) if (!this.voterSet.has(id)) observers.push(describe(id, r));
    if (!this.isVoter) observers.push(describe(this.nodeId, undefined));
    return {
      kraftVersion: this.kraftVersion,
      leaderId: this.nodeId,
      leaderEpoch: this._epoch,
      highWatermark: this.hw,
      currentVoters: this.voters.map((id) => describe(id, this.replicas.get(id))),
      observers: observers.sort((a, b) => a.replicaId - b.replicaId),
    };
  }

  // ---- KIP-853: voter changes (AddRaftVoter / RemoveRaftVoter) ----

  /** Checks shared by both changes (Kafka's AddVoterHandler / RemoveVoterHandler), in Kafka's order. */
  private voterChangeRefusal(what: 'adding' | 'removing'): VoterChangeResult | undefined {
    const fail = (errorCode: number, errorMessage: string): VoterChangeResult => ({ errorCode, errorMessage, offset: -1, epoch: this._epoch });
    if (this._role !== 'leader') return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER, `Node ${this.nodeId} is not the leader of the metadata quorum`);
    if (this.pendingVoterChange >= 0) return fail(ErrorCode.REQUEST_TIMED_OUT, 'Request timed out waiting for leader to handle previous voter change request');
    if (this.hw <= this.epochStartOffset) {
      return fail(ErrorCode.REQUEST_TIMED_OUT, 'Request timed out waiting for leader to establish HWM and fence previous voter changes');
    }
    if (this.kraftVersion < 1) {
      return fail(ErrorCode.UNSUPPORTED_VERSION, `Cluster doesn't support ${what} voter because the kraft.version feature is ${this.kraftVersion}`);
    }
    const entry = this.voterHistory.latest();
    if (entry.offset >= this.hw) {
      return fail(ErrorCode.REQUEST_TIMED_OUT, `Request timed out waiting for voters to commit the latest voter change at ${entry.offset} with HWM ${this.hw}`);
    }
    return undefined;
  }

  /**
   * AddRaftVoter on the leader: appends a VotersRecord with `voter` added, once the previous change
   * committed and the new voter (an observer now) has caught up. Done when the high watermark passes
   * the returned offset.
   */
  addVoter(voter: Voter, nowMs: number): VoterChangeResult {
    this.now = Math.max(this.now, nowMs);
    const refused = this.voterChangeRefusal('adding');
    if (refused !== undefined) return refused;
    const fail = (errorCode: number, errorMessage: string): VoterChangeResult => ({ errorCode, errorMessage, offset: -1, epoch: this._epoch });
    const voters = this.latestVoters();
    if (voters.some((v) => v.id === voter.id)) {
      return fail(ErrorCode.DUPLICATE_VOTER, `The voter id for ReplicaKey(id=${voter.id}, directoryId=${voter.directoryId}) is already part of the set of voters ${describeVoters(voters)}.`);
    }
    const rs = this.replicas.get(voter.id);
    // LeaderState.isReplicaCaughtUp: the observer caught up once and fetched within the last hour.
    const caughtUp = rs !== undefined && rs.lastCaughtUpTimestamp > 0 && rs.lastFetchTimestamp > 0 && rs.lastFetchTimestamp > this.now - 3_600_000;
    if (!caughtUp) return fail(ErrorCode.REQUEST_TIMED_OUT, `Aborted add voter operation for ReplicaKey(id=${voter.id}, directoryId=${voter.directoryId}) since it is lagging behind`);
    if (rs.directoryId !== ZERO_UUID && voter.directoryId !== ZERO_UUID && rs.directoryId !== voter.directoryId) {
      return fail(ErrorCode.INVALID_REQUEST, `Replica ${voter.id} fetches with directory id ${rs.directoryId}, not ${voter.directoryId}`);
    }
    const next = [...voters, voter].sort((a, b) => a.id - b.id);
    return this.appendVoters(next);
  }

  /** RemoveRaftVoter on the leader; a leader that removes itself resigns once the change commits. */
  removeVoter(id: number, directoryId: string, nowMs: number): VoterChangeResult {
    this.now = Math.max(this.now, nowMs);
    const refused = this.voterChangeRefusal('removing');
    if (refused !== undefined) return refused;
    const voters = this.latestVoters();
    const next = voters.filter((v) => !matchesVoter(v, id, directoryId));
    if (next.length === voters.length || next.length === 0) {
      return {
        errorCode: ErrorCode.VOTER_NOT_FOUND,
        errorMessage: `Cannot remove voter ReplicaKey(id=${id}, directoryId=${directoryId}) from the set of voters ${describeVoters(voters)}`,
        offset: -1,
        epoch: this._epoch,
      };
    }
    return this.appendVoters(next);
  }

  private appendVoters(voters: readonly Voter[]): VoterChangeResult {
    const offset = this.log.endOffset;
    this.appendLocal([{ offset, epoch: this._epoch, payload: new Uint8Array(0), control: { type: 'Voters', voters } }]);
    this.pendingVoterChange = offset;
    this.completeParked();
    // The new set decides the high watermark from now on (it may already be met).
    this.maybeUpdateHighWatermark();
    return { errorCode: ErrorCode.NONE, errorMessage: null, offset, epoch: this._epoch };
  }

  // ---- voter set bookkeeping ----

  /** Records a control entry's effect on the voter set or kraft.version history. */
  private trackControl(e: LogEntry): void {
    const c = e.control;
    if (c === undefined) return;
    if (c.type === 'Voters') this.voterHistory.add(e.offset, c.voters);
    else if (c.type === 'KRaftVersion') this.kraftHistory.add(e.offset, c.kraftVersion);
  }

  /** Recomputes the cached latest voter set; adjusts timers when this node became a voter or an observer. */
  private refreshVoters(): void {
    const latest = this.voterHistory.latest().value;
    const was = this.campaigns;
    this.voters = voterIds(latest);
    this.voterSet = new Set(this.voters);
    this.majority = Math.floor(this.voters.length / 2) + 1;
    this.localIsVoter = latest.some((v) => matchesVoter(v, this.nodeId, this.directoryId));
    const entry = this.voterHistory.latest();
    this.campaigns =
      this.localIsVoter ||
      (entry.offset >= this.hw && this.voterHistory.at(this.hw - 1).value.some((v) => matchesVoter(v, this.nodeId, this.directoryId)));
    if (was === this.campaigns || this.booting) return;
    if (this._role === 'unattached') {
      // A voter runs for election when its timer fires; an observer fetches.
      if (this.campaigns) {
        this.fetchAt = Infinity;
        this.electionAt = this.now + this.randomElectionTimeout();
      } else {
        this.electionAt = Infinity;
        this.fetchAt = this.now;
      }
    } else if (!this.campaigns && (this._role === 'prospective' || this._role === 'candidate')) {
      this.becomeUnattached(this._epoch, this._votedId);
    }
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
      this.pendingVoterChange = -1;
    }
    const q = this.persistedQs;
    if (q.leaderEpoch !== epoch || q.leaderId !== leaderId || q.votedId !== votedId) {
      this.persistedQs = { leaderEpoch: epoch, leaderId, votedId, votedDirectoryId: q.votedDirectoryId };
      this.outQs = this.persistedQs;
    }
    if (this.leaderId !== prevLeader || epoch !== prevEpoch) this.outLeaderChange = { leaderId: this.leaderId, epoch };
  }

  private becomeUnattached(epoch: number, votedId: number): void {
    // QuorumState.transitionToUnattached: a candidate or an unattached voter moving to a higher epoch
    // keeps what is left of its election timeout. Otherwise a voter whose log is too old to win
    // would reset everyone's timer with each of its elections and nobody else would ever run (a
    // livelock without pre-vote).
    const electionAt = Math.min(this.electionAt, this.backoffUntil);
    const keep = !this.booting && (this._role === 'candidate' || this._role === 'unattached') && Number.isFinite(electionAt);
    this.transitionTo('unattached', epoch, -1, votedId);
    if (this.campaigns) this.electionAt = keep ? electionAt : this.now + this.randomElectionTimeout();
    else this.fetchAt = this.now;
  }

  private becomeFollower(epoch: number, leaderId: number): void {
    this.transitionTo('follower', epoch, leaderId, epoch === this._epoch ? this._votedId : -1);
    this.fetchTimeoutAt = this.now + this.fetchTimeoutMs;
    this.retries = 0;
    this.sendFetch();
  }

  private startElection(): void {
    // A replica removed from the voter set (or a resigned leader that removed itself) only observes.
    if (!this.campaigns) return this.becomeUnattached(this._epoch, this._votedId);
    if (this.preVoteEnabled) this.becomeProspective();
    else this.becomeCandidate();
  }

  private becomeProspective(): void {
    const leader = this._role === 'resigned' || this._leaderId === this.nodeId ? -1 : this._leaderId;
    this.transitionTo('prospective', this._epoch, leader, this._votedId);
    this.electionAt = this.now + this.randomElectionTimeout();
    this.granted.add(this.nodeId);
    if (this.grantedVotes() >= this.majority) return this.becomeCandidate();
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
    if (this.grantedVotes() >= this.majority) return this.becomeLeader();
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
    this.pendingVoterChange = -1;
    // The start-of-epoch control batch: LeaderChange, plus (KIP-853) kraft.version and the voter set
    // when the set is only in the bootstrap checkpoint, so that observers learn it from the log.
    const base = this.log.endOffset;
    const empty = new Uint8Array(0);
    const controls: LogEntry['control'][] = [{ type: 'LeaderChange', leaderId: this.nodeId, voters: this.voters, grantingVoters }];
    if (this.kraftVersion > 0 && this.voterHistory.latest().offset < 0) {
      controls.push({ type: 'KRaftVersion', kraftVersion: this.kraftVersion }, { type: 'Voters', voters: this.latestVoters() });
    }
    const batchEnd = base + controls.length;
    this.appendLocal(controls.map((control, i) => (controls.length > 1 ? { offset: base + i, epoch: this._epoch, payload: empty, control, batchEnd } : { offset: base + i, epoch: this._epoch, payload: empty, control })));
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
    if (!m.preVote && m.replicaEpoch > this._epoch) this.becomeUnattached(m.replicaEpoch, -1);
    // KIP-853: the request must be meant for this replica (id and directory id). The candidate need
    // not be in this replica's voter set, which may be stale; its log decides.
    if (!this.isLocalKey(m.voterDirectoryId)) return reply(ErrorCode.INVALID_VOTER_KEY, false);
    const end = this.log.endOffsetAndEpoch;
    const upToDate =
      this.unsafe.voteIgnoresLog === true ||
      m.lastOffsetEpoch > end.epoch ||
      (m.lastOffsetEpoch === end.epoch && m.lastOffset >= end.offset);
    const granted = this.canGrantVote(m.from, upToDate, m.preVote);
    if (granted && !m.preVote && this._votedId !== m.from) {
      // Persist the vote (quorum-state) before the response leaves: Ready's order guarantees it.
      this.transitionTo('unattached', this._epoch, -1, m.from);
      if (this.campaigns) this.electionAt = this.now + this.randomElectionTimeout();
      else this.fetchAt = this.now;
    }
    reply(ErrorCode.NONE, granted);
  }

  /** Votes granted by members of the latest voter set (a removed candidate's own vote does not count). */
  private grantedVotes(): number {
    let n = 0;
    for (const v of this.granted) if (this.voterSet.has(v)) n++;
    return n;
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
    if (m.errorCode !== ErrorCode.NONE || !this.voterSet.has(m.from)) return;
    if (m.preVote ? this._role !== 'prospective' : this._role !== 'candidate' || m.leaderEpoch !== this._epoch) return;
    if (m.voteGranted) this.granted.add(m.from);
    else this.rejected.add(m.from);
    if (this.grantedVotes() >= this.majority) {
      if (m.preVote) this.becomeCandidate();
      else this.becomeLeader();
    } else if (this.rejected.size > this.voters.length - this.majority) {
      if (m.preVote) this.prospectiveLost();
      else if (this.backoffUntil === Infinity) this.startBackoff();
    }
  }

  // ---- BeginQuorumEpoch / EndQuorumEpoch ----

  /**
   * BeginQuorumEpoch to the voters that have not fetched in this epoch, and again, every half fetch
   * timeout, to those that stopped fetching: a voter stuck in a higher epoch it cannot win (its
   * pre-votes move nobody) answers FENCED_LEADER_EPOCH, and the leader steps into that epoch so a new
   * election can include it.
   */
  private sendBeginQuorumEpochs(): void {
    const interval = Math.max(1, Math.floor(this.fetchTimeoutMs / 2));
    const stale = this.now - interval;
    for (const v of this.voters) {
      if (v === this.nodeId) continue;
      const fetched = this.replicas.get(v)?.lastFetchTimestamp ?? -1;
      if (fetched >= 0 && fetched > stale) continue;
      const voter = this.latestVoters().find((x) => x.id === v);
      this.outMsgs.push({
        type: 'BeginQuorumEpoch',
        from: this.nodeId,
        to: v,
        correlationId: ++this.correlation,
        leaderId: this.nodeId,
        leaderEpoch: this._epoch,
        ...(voter !== undefined && voter.directoryId !== ZERO_UUID ? { voterDirectoryId: voter.directoryId } : {}),
      });
    }
    this.beginResendAt = this.now + interval;
  }

  private onBeginQuorumEpoch(m: BeginQuorumEpochRequestMessage): void {
    let errorCode: number = ErrorCode.NONE;
    if (m.leaderEpoch < this._epoch) errorCode = ErrorCode.FENCED_LEADER_EPOCH;
    else if (!this.isLocalKey(m.voterDirectoryId)) errorCode = ErrorCode.INVALID_VOTER_KEY;
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
    if (this._role === 'leader' && m.leaderEpoch === this._epoch && (m.errorCode === ErrorCode.NONE || m.errorCode === ErrorCode.INVALID_VOTER_KEY)) {
      this.beginAcked.add(m.from);
    }
  }

  /** Whether a request's voter directory id names this replica (absent or zero: any). */
  private isLocalKey(voterDirectoryId: string | undefined): boolean {
    return voterDirectoryId === undefined || voterDirectoryId === ZERO_UUID || this.directoryId === ZERO_UUID || voterDirectoryId === this.directoryId;
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
    else {
      this.observeLeader(m.leaderEpoch, m.leaderId);
      if (this.campaigns && this._role === 'follower' && this._epoch === m.leaderEpoch && this._leaderId === m.leaderId && !this.leaderResigned) {
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
    if (m.replicaDirectoryId !== undefined) rs.directoryId = m.replicaDirectoryId;
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
    this.outMsgs.push({ ...base, entries: this.log.readBatches(m.fetchOffset, this.maxFetchEntries) });
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
      this.refreshVoters();
      this.completeParked();
      if (this.pendingVoterChange >= 0 && this.hw > this.pendingVoterChange) {
        this.pendingVoterChange = -1;
        // A leader that removed itself resigns once the change is committed (RemoveVoterHandler).
        if (!this.isVoter) this.checkQuorumAt = this.now;
      }
    }
  }

  private checkQuorum(): void {
    if (!this.isVoter && this.pendingVoterChange < 0 && this.voterHistory.latest().offset < this.hw) {
      return this.becomeResigned(this.successorsByEndOffset());
    }
    const since = this.now - this.checkQuorumTimeoutMs;
    let alive = this.isVoter ? 1 : 0;
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
    if (this.encodedSnapshot?.id !== s.id) this.encodedSnapshot = { id: s.id, bytes: this.snapshotCodec.encode(s) };
    const bytes = this.encodedSnapshot.bytes;
    const size = bytes.length;
    if (m.position < 0 || m.position > size || (m.position === size && size > 0)) return reply(POSITION_OUT_OF_RANGE);
    reply(ErrorCode.NONE, size, bytes.subarray(m.position, m.position + this.snapshotChunkBytes));
  }

  // ---- follower / observer ----

  private sendFetch(): void {
    let to = this._leaderId;
    if (this._role !== 'follower') {
      if (this.campaigns) return;
      // An observer that knows no leader asks a bootstrap server (controller.quorum.bootstrap.servers) or a
      // voter it knows from the log (any of them can name the leader).
      const targets = [...this.bootstrapServers, ...this.voters.filter((v) => v !== this.nodeId)];
      if (targets.length === 0) {
        this.fetchAt = this.now + this.requestTimeoutMs;
        return;
      }
      to = targets[Math.floor(this.random() * targets.length)];
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
      replicaDirectoryId: this.directoryId,
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
        if (h > this.hw) {
          this.hw = h;
          this.refreshVoters();
        }
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
      this.voterHistory.truncateTo(target);
      this.kraftHistory.truncateTo(target);
      this.durableEnd = Math.min(this.durableEnd, target);
      this.outOps.push({ type: 'truncate', offset: target });
      this.refreshVoters();
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
    const bytes = new Uint8Array(sf.position);
    let at = 0;
    for (const c of sf.chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const snapshot = this.snapshotCodec.decode(sf.id, bytes);
    this.latestSnapshot = snapshot;
    this.encodedSnapshot = { id: snapshot.id, bytes };
    this.log.reset(sf.id.endOffset, sf.id.epoch);
    if (snapshot.voters !== undefined) this.voterHistory.reset(snapshot.voters, sf.id.endOffset - 1);
    else this.voterHistory.compactBefore(sf.id.endOffset);
    this.kraftHistory.reset(snapshot.kraftVersion ?? this.kraftHistory.at(sf.id.endOffset - 1).value, sf.id.endOffset - 1);
    this.refreshVoters();
    this.durableEnd = Math.min(this.durableEnd, sf.id.endOffset);
    this.outOps.push({ type: 'snapshot', snapshot }, { type: 'reset', offset: sf.id.endOffset });
    this.hw = sf.id.endOffset;
    this.refreshVoters();
    this.committedDelivered = sf.id.endOffset;
    this.outApplySnapshot = snapshot;
  }

  // ---- helpers ----

  private appendLocal(entries: readonly LogEntry[]): void {
    this.log.append(entries);
    this.outOps.push({ type: 'append', entries });
    let control = false;
    for (const e of entries) {
      if (e.control !== undefined && e.control.type !== 'LeaderChange') {
        this.trackControl(e);
        control = true;
      }
    }
    if (control) this.refreshVoters();
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
  return { directoryId: ZERO_UUID, endOffset: -1, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1, lastFetchLeaderLogEndOffset: -1, lastSentHighWatermark: -1 };
}
