/**
 * The KRaft replica of a node (Kafka's KafkaRaftClient around the pure core): drives a RaftNode
 * with real time (timers from the scheduler), makes each Ready durable in the metadata log store
 * (appends are fsynced off the event loop, several Readies per fsync; see process), delivers committed batches and snapshots to listeners (the controller, the metadata loader), and
 * speaks Kafka's inter-node APIs: outbound Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch and
 * FetchSnapshot over one connection per peer (the client library's BrokerConnection, with ApiVersions
 * negotiation), inbound the same APIs plus DescribeQuorum, AddRaftVoter and RemoveRaftVoter, answered
 * from the core.
 *
 * Peers are found from `controller.quorum.voters` (static), the voter set in the log (KIP-853
 * endpoints on the controller listener), endpoints the leader names in its requests and responses,
 * and `controller.quorum.bootstrap.servers` (pseudo ids -2, -3, ... for the core).
 */
import { randomInt } from 'node:crypto';
import type { Clock, Logger, ScheduledTask, Scheduler } from '@nagare/common';
import { NagareError, silentLogger } from '@nagare/common';
import { BrokerConnection, ExponentialBackoff } from '@nagare/client';
import {
  ApiKey,
  ErrorCode,
  ZERO_UUID,
  type AddRaftVoterRequest,
  type AddRaftVoterResponse,
  type BeginQuorumEpochRequest,
  type BeginQuorumEpochResponse,
  type DescribeQuorumRequest,
  type DescribeQuorumResponse,
  type EndQuorumEpochRequest,
  type EndQuorumEpochResponse,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type RemoveRaftVoterRequest,
  type RemoveRaftVoterResponse,
  type VoteRequest,
  type VoteResponse,
} from '@nagare/protocol';
import {
  CLUSTER_METADATA_TOPIC,
  METADATA_TOPIC_ID,
  RaftNode,
  beginQuorumEpochRequestFromWire,
  beginQuorumEpochRequestToWire,
  beginQuorumEpochResponseFromWire,
  beginQuorumEpochResponseToWire,
  describeQuorumResponseToWire,
  endQuorumEpochRequestFromWire,
  endQuorumEpochRequestToWire,
  endQuorumEpochResponseFromWire,
  endQuorumEpochResponseToWire,
  fetchRequestFromWire,
  fetchRequestToWire,
  fetchResponseFromWire,
  fetchResponseToWire,
  fetchSnapshotRequestFromWire,
  fetchSnapshotRequestToWire,
  fetchSnapshotResponseFromWire,
  fetchSnapshotResponseToWire,
  voteRequestFromWire,
  voteRequestToWire,
  voteResponseFromWire,
  voteResponseToWire,
  splitReadyMessages,
  type LeaderAndEpoch,
  type LogEntry,
  type NodeEndpointInfo,
  type QuorumDescription,
  type RaftMessage,
  type RaftRole,
  type Ready,
  type SnapshotCodec,
  type SnapshotId,
  type Voter,
  type VoterEndpoint,
  type VoteRequestMessage,
} from '@nagare/raft';
import { decodeEntries, encodeEntries, splitBatches } from './entry-codec';
import type { MetadataLogStore } from './metadata-log-store';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** One committed batch of the metadata log, as listeners receive it (Kafka's Batch). */
export interface CommittedBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  /** The data records' values (metadata records); empty for a control batch. */
  readonly records: readonly Buffer[];
  /** Append time of the batch (when this replica appended it). */
  readonly appendTimestamp: number;
}

export interface LoadedSnapshot {
  readonly id: SnapshotId;
  /** The state machine's record batches. */
  readonly data: Buffer;
}

/** Kafka's RaftClient.Listener. Calls arrive in log order, on the event loop. */
export interface RaftListener {
  /** The state machine starts over from a snapshot (at start-up, or one installed from the leader). */
  handleLoadSnapshot(snapshot: LoadedSnapshot): void;
  handleCommit(batch: CommittedBatch): void;
  /**
   * The leader or epoch changed. When this node becomes the leader, the call comes only after every
   * batch before its epoch was delivered (so a controller claims leadership on a complete image).
   */
  handleLeaderChange(leader: LeaderAndEpoch): void;
  /** The end of one round of the replica's loop (everything it delivered in that round is in). */
  handleRoundEnd?(): void;
}

export interface RaftClientConfig {
  readonly nodeId: number;
  readonly directoryId: string;
  readonly clusterId: string;
  /** `controller.quorum.voters` (kraft.version 0); empty for a dynamic quorum. */
  readonly staticVoters: ReadonlyMap<number, HostPort>;
  /** `controller.quorum.bootstrap.servers`. */
  readonly bootstrapServers: readonly HostPort[];
  /** The listener voters are reached on (the first of controller.listener.names). */
  readonly listenerName: string;
  /** This node's controller endpoints (a controller names them to peers; empty for a broker). */
  readonly localEndpoints: readonly VoterEndpoint[];
  readonly electionTimeoutMs?: number;
  readonly electionBackoffMaxMs?: number;
  readonly fetchTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly retryBackoffMs?: number;
  readonly fetchMaxWaitMs?: number;
  readonly snapshotCodec: SnapshotCodec;
  /**
   * Whether a replica that is not a voter fsyncs what it fetched (default true). Kafka's
   * RaftManager sets it for nodes with the controller role (they may be added as voters, and the
   * leader then counts their log); a broker-only observer writes without fsync: its log never counts
   * toward the high watermark, and after a crash it fetches what it lost again.
   */
  readonly followersAlwaysFlush?: boolean;
}

export interface RaftClientDeps {
  readonly store: MetadataLogStore;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  readonly random?: () => number;
}

type Resolver = (m: RaftMessage) => void;

interface PendingVoterChange {
  readonly epoch: number;
  readonly offset: number;
  readonly resolve: (r: { errorCode: number; errorMessage: string | null }) => void;
  readonly timer: ScheduledTask;
}

const INBOUND_BASE = 1_000_000_000;
/** The KRaft messages are built with every field; an older peer's version drops what it lacks. */
const LENIENT = { lenient: true } as const;

export class RaftClient {
  readonly nodeId: number;
  private node: RaftNode | undefined;
  private readonly listeners: RaftListener[] = [];
  private readonly logger: Logger;
  private readonly connections = new Map<string, BrokerConnection>();
  /** Endpoints learned from the leader's requests and responses (KIP-853 nodeEndpoints/leaderEndpoints). */
  private readonly learned = new Map<number, HostPort>();
  private readonly inbound = new Map<string, Resolver>();
  private inboundCorrelation = INBOUND_BASE;
  private timer: ScheduledTask | undefined;
  private timerAt = Infinity;
  private closed = false;
  private leader: LeaderAndEpoch = { leaderId: -1, epoch: 0 };
  /** A leader change to self waiting for the epoch's first commit. */
  private pendingSelfLeader: LeaderAndEpoch | undefined;
  private committedOffset = -1;
  private readonly voterChanges: PendingVoterChange[] = [];
  private processing = false;
  /** Readies written but not yet fsynced, oldest first; each completes once a flush covers it (see process). */
  private readonly unflushed: Array<{ seq: number; ready: Ready; late: readonly RaftMessage[] }> = [];
  private writeSeq = 0;
  private flushInFlight = false;

  constructor(
    private readonly config: RaftClientConfig,
    private readonly deps: RaftClientDeps,
  ) {
    this.nodeId = config.nodeId;
    this.logger = deps.logger ?? silentLogger;
  }

  register(listener: RaftListener): void {
    this.listeners.push(listener);
  }

  /** Loads the log and starts the replica; listeners get the snapshot and committed batches from now on. */
  start(): void {
    const persisted = this.deps.store.load();
    const c = this.config;
    const random = this.deps.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
    this.node = new RaftNode(
      {
        nodeId: c.nodeId,
        voters: [...c.staticVoters.keys()],
        directoryId: c.directoryId,
        bootstrapServers: c.bootstrapServers.map((_, i) => -(i + 2)),
        snapshotCodec: c.snapshotCodec,
        random,
        electionTimeoutMs: c.electionTimeoutMs,
        electionBackoffMaxMs: c.electionBackoffMaxMs,
        fetchTimeoutMs: c.fetchTimeoutMs,
        requestTimeoutMs: c.requestTimeoutMs,
        retryBackoffMs: c.retryBackoffMs,
        fetchMaxWaitMs: c.fetchMaxWaitMs,
      },
      persisted,
      this.now(),
    );
    this.logger.info(
      {
        nodeId: c.nodeId,
        voters: this.node.latestVoters().map((v) => v.id),
        kraftVersion: this.node.kraftVersion,
        logStartOffset: this.node.logStartOffset,
        logEndOffset: this.node.logEndOffset,
        snapshot: persisted.snapshot?.id,
      },
      'started the KRaft replica',
    );
    this.process();
  }

  /** Stops timers and connections; a leader first resigns (EndQuorumEpoch) and waits up to `resignWaitMs` for the messages to leave. */
  async close(resignWaitMs = 0): Promise<void> {
    if (this.closed) return;
    if (this.node?.role === 'leader' && resignWaitMs > 0) {
      this.node.resign(this.now());
      this.process();
      await new Promise<void>((r) => this.deps.scheduler.schedule(resignWaitMs, r));
    }
    // What was written and announced is made durable before the replica stops.
    if (this.unflushed.length > 0) {
      try {
        this.deps.store.flush();
        this.completeUnflushed(this.writeSeq);
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, 'could not fsync the metadata log at shutdown');
        this.unflushed.length = 0;
      }
    }
    this.closed = true;
    this.timer?.cancel();
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
    for (const p of this.voterChanges.splice(0)) {
      p.timer.cancel();
      p.resolve({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: 'the node is shutting down' });
    }
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private get core(): RaftNode {
    if (this.node === undefined) throw new NagareError('INTERNAL', 'the KRaft replica is not started');
    return this.node;
  }

  // ---- views ----

  leaderAndEpoch(): LeaderAndEpoch {
    return this.leader;
  }
  get role(): RaftRole {
    return this.core.role;
  }
  get isVoter(): boolean {
    return this.core.isVoter;
  }
  get highWatermark(): number {
    return this.core.highWatermark;
  }
  get logEndOffset(): number {
    return this.core.logEndOffset;
  }
  get logStartOffset(): number {
    return this.core.logStartOffset;
  }
  get epoch(): number {
    return this.core.epoch;
  }
  get kraftVersion(): number {
    return this.core.kraftVersion;
  }
  /** The offset of the last batch delivered to listeners (-1 before any). */
  get lastCommittedOffset(): number {
    return this.committedOffset;
  }
  latestVoters(): readonly Voter[] {
    return this.core.latestVoters();
  }
  describeQuorum(): QuorumDescription | undefined {
    return this.core.describeQuorum(this.now());
  }

  /** This node's own controller endpoints (the ports actually bound). */
  localEndpoints(): VoterEndpoint[] {
    return [...this.config.localEndpoints];
  }

  /** The controller endpoints of the voters: from the voter set (KIP-853), else `controller.quorum.voters`. */
  voterEndpoints(): Map<number, VoterEndpoint[]> {
    const out = new Map<number, VoterEndpoint[]>();
    for (const v of this.core.latestVoters()) {
      if (v.endpoints.length > 0) out.set(v.id, [...v.endpoints]);
      else {
        const s = this.config.staticVoters.get(v.id) ?? this.learned.get(v.id);
        // Port 0: a quorum of one with no controller listener (npm start) has no endpoint to name.
        if (s !== undefined && s.port > 0) out.set(v.id, [{ name: this.config.listenerName, host: s.host, port: s.port }]);
      }
    }
    return out;
  }

  /** Where to reach `id` on the controller listener. */
  addressOf(id: number): HostPort | undefined {
    if (id < -1) return this.config.bootstrapServers[-id - 2];
    const v = this.core.latestVoters().find((x) => x.id === id);
    const ep = v?.endpoints.find((e) => e.name === this.config.listenerName) ?? v?.endpoints[0];
    if (ep !== undefined) return { host: ep.host, port: ep.port };
    return this.config.staticVoters.get(id) ?? this.learned.get(id);
  }

  // ---- writes ----

  /**
   * Appends records as the leader of `epoch` (Kafka's scheduleAtomicAppend): one batch, committed as
   * a whole. Returns its last offset. NOT_CONTROLLER-style callers check the epoch they claimed.
   */
  append(epoch: number, records: readonly Buffer[]): number {
    const node = this.core;
    if (node.role !== 'leader' || node.epoch !== epoch) {
      throw new NagareError('NOT_CONTROLLER', `node ${this.nodeId} is not the leader of epoch ${epoch} (role ${node.role}, epoch ${node.epoch})`);
    }
    const r = node.propose(records, this.now());
    if (r.errorCode !== ErrorCode.NONE) throw new NagareError('NOT_CONTROLLER', `append failed with error ${r.errorCode}`);
    this.process();
    return r.lastOffset;
  }

  /** Records a snapshot of the state machine at `endOffset` (covering only delivered batches). */
  createSnapshot(endOffset: number, data: Buffer): SnapshotId {
    const id = this.core.createSnapshot(endOffset, data);
    this.process();
    return id;
  }

  /** Graceful resignation (controlled shutdown of a controller, or tests). */
  resign(): void {
    this.core.resign(this.now());
    this.process();
  }

  /** Bytes appended to the log since the latest snapshot. */
  get bytesSinceSnapshot(): number {
    return this.deps.store.bytesSinceSnapshot;
  }

  // ---- the loop: persist, advance, deliver, send ----

  /**
   * The loop. A Ready that only appends is written at once and fsynced off the event loop
   * (`flushAsync`, one flush for every Ready written meanwhile: a group commit); its messages leave
   * and its committed entries are delivered when the flush returns, but for the leader's
   * FetchResponses, which leave at once (splitReadyMessages). Readies after an unflushed one wait
   * behind it. A Ready that changes the quorum state, truncates, snapshots or resets is made durable
   * synchronously, which also covers the unflushed ones before it. So the order is the one the core
   * and the simulation assume (a Ready is durable before its messages leave), while the event loop
   * keeps answering fetches during an fsync.
   */
  private process(): void {
    if (this.processing || this.closed) return;
    this.processing = true;
    try {
      const node = this.core;
      let guard = 0;
      // Listeners may create work at the end of a round (a snapshot): it is done in this call too.
      do {
        for (; node.hasReady(); guard++) {
          if (guard > 10_000) throw new NagareError('INTERNAL', 'the KRaft replica keeps producing work');
          this.handleReady(node.ready());
        }
        for (const l of this.listeners) l.handleRoundEnd?.();
      } while (node.hasReady());
      this.completeVoterChanges();
      this.armTimer();
    } finally {
      this.processing = false;
    }
  }

  private handleReady(ready: Ready): void {
    const store = this.deps.store;
    const flush = this.config.followersAlwaysFlush !== false || this.core.isVoter;
    const appendsOnly = ready.quorumState === undefined && ready.logOps.every((op) => op.type === 'append');
    if (!flush && this.unflushed.length === 0) {
      // An observer that never votes writes without fsync (see followersAlwaysFlush).
      store.persist(ready, { flush: false });
      return this.finish(ready, ready.messages);
    }
    if (appendsOnly && (ready.logOps.length > 0 || this.unflushed.length > 0)) {
      const { early, late } = splitReadyMessages(ready);
      store.persist(ready, { flush: false });
      for (const m of early) this.route(m);
      this.unflushed.push({ seq: ++this.writeSeq, ready, late });
      this.startFlush();
      return;
    }
    if (ready.logOps.length > 0 || ready.quorumState !== undefined || this.unflushed.length > 0) {
      store.persist(ready, { flush: true });
      this.completeUnflushed(this.writeSeq);
    }
    this.finish(ready, ready.messages);
  }

  /** One fsync at a time, covering every Ready written before it started. */
  private startFlush(): void {
    if (this.flushInFlight || this.unflushed.length === 0) return;
    this.flushInFlight = true;
    const upTo = this.writeSeq;
    this.deps.store.flushAsync().then(
      () => {
        this.flushInFlight = false;
        if (this.closed || this.node === undefined) return;
        if (this.processing) {
          // Not re-entrant: the loop that is running completes them (it flushes synchronously if it must).
          this.deps.scheduler.schedule(0, () => this.afterFlush(upTo));
          return;
        }
        this.afterFlush(upTo);
      },
      (e: unknown) => {
        this.flushInFlight = false;
        this.logger.error({ err: (e as Error).message }, 'could not fsync the metadata log');
        if (this.closed) return;
        // Kafka stops the process on a metadata log I/O failure; here the replica stops taking part.
        void this.close();
      },
    );
  }

  private afterFlush(upTo: number): void {
    if (this.closed || this.processing) return;
    this.processing = true;
    try {
      this.completeUnflushed(upTo);
    } finally {
      this.processing = false;
    }
    this.startFlush();
    this.process();
  }

  /** Readies up to `upTo` are durable: advance, deliver and send their messages, in order. */
  private completeUnflushed(upTo: number): void {
    while (this.unflushed.length > 0 && this.unflushed[0].seq <= upTo) {
      const u = this.unflushed.shift()!;
      this.finish(u.ready, u.late);
    }
  }

  /** The Ready is durable: the core may count it, listeners get what committed, messages leave. */
  private finish(ready: Ready, messages: readonly RaftMessage[]): void {
    this.core.advance(ready);
    this.deliver(ready);
    for (const m of messages) this.route(m);
  }

  private deliver(ready: Ready): void {
    const node = this.core;
    if (ready.applySnapshot !== undefined) {
      const s = ready.applySnapshot;
      const data = Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength);
      for (const l of this.listeners) l.handleLoadSnapshot({ id: s.id, data });
      this.committedOffset = s.id.endOffset - 1;
    }
    if (ready.committed.length > 0) {
      const now = this.now();
      for (const batch of splitBatches(ready.committed)) {
        const first = batch[0];
        // A leader's listeners learn of its leadership once everything before its epoch is delivered.
        const pending = this.pendingSelfLeader;
        if (pending !== undefined && first.epoch >= pending.epoch) this.fireLeaderChange(pending);
        const records: Buffer[] = [];
        for (const e of batch) {
          if (e.control === undefined && e.payload.length > 0) records.push(Buffer.isBuffer(e.payload) ? e.payload : Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength));
        }
        const b: CommittedBatch = { baseOffset: first.offset, lastOffset: batch[batch.length - 1].offset, epoch: first.epoch, records, appendTimestamp: now };
        for (const l of this.listeners) l.handleCommit(b);
        this.committedOffset = b.lastOffset;
      }
    }
    if (ready.leaderChange !== undefined) {
      const lc = ready.leaderChange;
      if (lc.leaderId === this.nodeId) {
        this.pendingSelfLeader = lc;
        // The epoch's first entries may already be committed (a single voter): fire now if so.
        if (this.committedOffset + 1 >= node.logEndOffset) this.fireLeaderChange(lc);
      } else {
        this.pendingSelfLeader = undefined;
        this.fireLeaderChange(lc);
      }
    }
  }

  private fireLeaderChange(lc: LeaderAndEpoch): void {
    this.pendingSelfLeader = undefined;
    if (this.leader.leaderId === lc.leaderId && this.leader.epoch === lc.epoch) return;
    this.leader = lc;
    this.logger.info({ leaderId: lc.leaderId, epoch: lc.epoch, role: this.node?.role }, 'metadata quorum leader changed');
    for (const l of this.listeners) l.handleLeaderChange(lc);
    // Voter changes in flight are lost with the leadership.
    for (const p of this.voterChanges.splice(0)) {
      p.timer.cancel();
      p.resolve({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: `leadership moved to ${lc.leaderId} in epoch ${lc.epoch}` });
    }
  }

  private armTimer(): void {
    const at = this.core.nextDeadline();
    if (at === Infinity) return;
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.deps.scheduler.schedule(Math.max(0, at - this.now()), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      if (this.closed) return;
      this.core.tick(this.now());
      this.process();
    });
  }

  private step(m: RaftMessage): void {
    if (this.closed || this.node === undefined) return;
    this.node.step(m, this.now());
    this.process();
  }

  // ---- outbound ----

  private route(m: RaftMessage): void {
    if (m.type.endsWith('Response')) {
      const key = `${m.to}:${m.correlationId}`;
      const resolve = this.inbound.get(key);
      if (resolve !== undefined) {
        this.inbound.delete(key);
        resolve(m);
      }
      return;
    }
    void this.send(m);
  }

  private connection(addr: HostPort): BrokerConnection {
    const key = `${addr.host}:${addr.port}`;
    let c = this.connections.get(key);
    if (c === undefined || c.isClosed) {
      const requestTimeoutMs = this.config.requestTimeoutMs ?? 2000;
      c = new BrokerConnection(-1, addr.host, addr.port, {
        clientId: `raft-client-${this.nodeId}`,
        requestTimeoutMs,
        connectionSetupTimeoutMs: requestTimeoutMs,
        maxInFlight: 32,
        reconnectBackoff: new ExponentialBackoff(this.config.retryBackoffMs ?? 20, 1000),
        clock: this.deps.clock,
        scheduler: this.deps.scheduler,
        logger: this.logger,
      });
      this.connections.set(key, c);
    }
    return c;
  }

  private async send(m: RaftMessage): Promise<void> {
    const addr = this.addressOf(m.to);
    if (addr === undefined) {
      this.logger.debug({ to: m.to, type: m.type }, 'no address for a quorum peer');
      return;
    }
    const conn = this.connection(addr);
    const cid = this.config.clusterId;
    const env = { from: m.to, to: this.nodeId, correlationId: m.correlationId };
    const ctl = this.config.localEndpoints;
    try {
      switch (m.type) {
        case 'Vote': {
          const r = await conn.request(ApiKey.Vote, () => voteRequestToWire(m, cid), LENIENT);
          this.learn(r.nodeEndpoints);
          return this.step(voteResponseFromWire(r, m));
        }
        case 'BeginQuorumEpoch': {
          const r = await conn.request(ApiKey.BeginQuorumEpoch, () => beginQuorumEpochRequestToWire(m, cid, ctl), LENIENT);
          return this.step(beginQuorumEpochResponseFromWire(r, env));
        }
        case 'EndQuorumEpoch': {
          const dirOf = (id: number) => this.core.latestVoters().find((v) => v.id === id)?.directoryId ?? ZERO_UUID;
          const r = await conn.request(ApiKey.EndQuorumEpoch, () => endQuorumEpochRequestToWire(m, cid, ctl, dirOf), LENIENT);
          return this.step(endQuorumEpochResponseFromWire(r, env));
        }
        case 'Fetch': {
          const r = await conn.request(ApiKey.Fetch, () => fetchRequestToWire(m, { clusterId: cid, maxWaitMs: this.config.fetchMaxWaitMs ?? 500 }), {
            timeoutMs: (this.config.requestTimeoutMs ?? 2000) + (this.config.fetchMaxWaitMs ?? 500),
            lenient: true,
          });
          this.learn(r.nodeEndpoints);
          return this.step(fetchResponseFromWire(r, env, (b) => decodeEntries(b)));
        }
        case 'FetchSnapshot': {
          const r = await conn.request(ApiKey.FetchSnapshot, () => fetchSnapshotRequestToWire(m, cid), LENIENT);
          this.learn(r.nodeEndpoints);
          return this.step(fetchSnapshotResponseFromWire(r, env));
        }
      }
    } catch (e) {
      // The core retries on its own timers; a peer that is down is normal.
      this.logger.debug({ to: m.to, type: m.type, err: (e as Error).message }, 'quorum request failed');
    }
  }

  private learn(endpoints: ReadonlyArray<{ nodeId: number; host: string; port: number }>): void {
    for (const e of endpoints) if (e.nodeId >= 0 && e.port > 0) this.learned.set(e.nodeId, { host: e.host, port: e.port });
  }

  // ---- inbound ----

  /** The endpoints of the leader on the controller listener, for nodeEndpoints (KIP-853). */
  private leaderEndpoints(): NodeEndpointInfo[] {
    const id = this.core.leaderId;
    if (id < 0) return [];
    const a = id === this.nodeId ? this.config.localEndpoints.find((e) => e.name === this.config.listenerName) : this.addressOf(id);
    return a === undefined ? [] : [{ nodeId: id, host: a.host, port: a.port }];
  }

  /** Steps an inbound request into the core and resolves with its answer (maybe later: a parked Fetch). */
  private ask(build: (correlationId: number) => RaftMessage): Promise<RaftMessage> {
    const correlationId = ++this.inboundCorrelation;
    const m = build(correlationId);
    return new Promise<RaftMessage>((resolve) => {
      this.inbound.set(`${m.from}:${correlationId}`, resolve);
      this.step(m);
    });
  }

  private clusterMismatch(clusterId: string | null): boolean {
    return clusterId !== null && clusterId !== this.config.clusterId;
  }

  private wrongPartition(topics: ReadonlyArray<{ topicName?: string; topic?: string; name?: string; topicId?: string; partitions: ReadonlyArray<unknown> }>): boolean {
    if (topics.length !== 1 || topics[0].partitions.length !== 1) return true;
    const t = topics[0];
    // Fetch v13+ names the topic by id only.
    if (t.topicId !== undefined && t.topicId === METADATA_TOPIC_ID) return false;
    return (t.topicName ?? t.topic ?? t.name) !== CLUSTER_METADATA_TOPIC;
  }

  async handleVote(req: VoteRequest): Promise<VoteResponse> {
    if (this.clusterMismatch(req.clusterId)) return { errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
    if (this.wrongPartition(req.topics)) return { errorCode: ErrorCode.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
    let request: VoteRequestMessage | undefined;
    const resp = await this.ask((correlationId) => (request = voteRequestFromWire(req, { from: -1, to: this.nodeId, correlationId })));
    if (resp.type !== 'VoteResponse') throw new NagareError('INTERNAL', `unexpected ${resp.type}`);
    void request;
    return voteResponseToWire(resp, this.leaderEndpoints());
  }

  async handleBeginQuorumEpoch(req: BeginQuorumEpochRequest): Promise<BeginQuorumEpochResponse> {
    if (this.clusterMismatch(req.clusterId)) return { errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
    if (this.wrongPartition(req.topics)) return { errorCode: ErrorCode.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
    const leaderId = req.topics[0].partitions[0].leaderId;
    const ep = req.leaderEndpoints.find((e) => e.name === this.config.listenerName) ?? req.leaderEndpoints[0];
    if (ep !== undefined && leaderId >= 0) this.learned.set(leaderId, { host: ep.host, port: ep.port });
    const resp = await this.ask((correlationId) => beginQuorumEpochRequestFromWire(req, { from: -1, to: this.nodeId, correlationId }));
    if (resp.type !== 'BeginQuorumEpochResponse') throw new NagareError('INTERNAL', `unexpected ${resp.type}`);
    return beginQuorumEpochResponseToWire(resp, this.leaderEndpoints());
  }

  async handleEndQuorumEpoch(req: EndQuorumEpochRequest): Promise<EndQuorumEpochResponse> {
    if (this.clusterMismatch(req.clusterId)) return { errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
    if (this.wrongPartition(req.topics)) return { errorCode: ErrorCode.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
    const resp = await this.ask((correlationId) => endQuorumEpochRequestFromWire(req, { from: -1, to: this.nodeId, correlationId }));
    if (resp.type !== 'EndQuorumEpochResponse') throw new NagareError('INTERNAL', `unexpected ${resp.type}`);
    return endQuorumEpochResponseToWire(resp, this.leaderEndpoints());
  }

  async handleFetch(req: FetchRequest): Promise<FetchResponse> {
    const top = (errorCode: number): FetchResponse => ({ throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] });
    if (this.clusterMismatch(req.clusterId)) return top(ErrorCode.INCONSISTENT_CLUSTER_ID);
    if (this.wrongPartition(req.topics)) return top(ErrorCode.INVALID_REQUEST);
    const resp = await this.ask((correlationId) => fetchRequestFromWire(req, { to: this.nodeId, correlationId }));
    if (resp.type !== 'FetchResponse') throw new NagareError('INTERNAL', `unexpected ${resp.type}`);
    const now = this.now();
    return fetchResponseToWire(resp, (entries: readonly LogEntry[]) => encodeEntries(entries, now), this.leaderEndpoints());
  }

  async handleFetchSnapshot(req: FetchSnapshotRequest): Promise<FetchSnapshotResponse> {
    const top = (errorCode: number): FetchSnapshotResponse => ({ throttleTimeMs: 0, errorCode, topics: [], nodeEndpoints: [] });
    if (this.clusterMismatch(req.clusterId)) return top(ErrorCode.INCONSISTENT_CLUSTER_ID);
    if (this.wrongPartition(req.topics)) return top(ErrorCode.INVALID_REQUEST);
    const resp = await this.ask((correlationId) => fetchSnapshotRequestFromWire(req, { to: this.nodeId, correlationId }));
    if (resp.type !== 'FetchSnapshotResponse') throw new NagareError('INTERNAL', `unexpected ${resp.type}`);
    return fetchSnapshotResponseToWire(resp, this.leaderEndpoints());
  }

  /** DescribeQuorum (KIP-595/642, v2 with nodes per KIP-853): NOT_LEADER_OR_FOLLOWER unless this node leads. */
  handleDescribeQuorum(req: DescribeQuorumRequest): DescribeQuorumResponse {
    const wrong = req.topics.length !== 1 || req.topics[0].topicName !== CLUSTER_METADATA_TOPIC || req.topics[0].partitions.length !== 1 || req.topics[0].partitions[0].partitionIndex !== 0;
    if (wrong) {
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: req.topics.map((t) => ({
          topicName: t.topicName,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: null,
            leaderId: -1,
            leaderEpoch: -1,
            highWatermark: -1n,
            currentVoters: [],
            observers: [],
          })),
        })),
        nodes: [],
      };
    }
    const nodes = [...this.voterEndpoints()].map(([nodeId, listeners]) => ({ nodeId, listeners })).sort((a, b) => a.nodeId - b.nodeId);
    return describeQuorumResponseToWire(this.core.describeQuorum(this.now()), nodes);
  }

  /** AddRaftVoter (KIP-853): resolves once the new voter set commits, fails on leadership loss or timeout. */
  handleAddRaftVoter(req: AddRaftVoterRequest): Promise<AddRaftVoterResponse> {
    if (this.clusterMismatch(req.clusterId)) return Promise.resolve({ throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, errorMessage: null });
    if (req.listeners.length === 0) {
      return Promise.resolve({ throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Listeners must not be empty' });
    }
    const voter: Voter = { id: req.voterId, directoryId: req.voterDirectoryId, endpoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })) };
    const r = this.core.addVoter(voter, this.now());
    return this.awaitVoterChange(r, req.timeoutMs).then((x) => ({ throttleTimeMs: 0, ...x }));
  }

  handleRemoveRaftVoter(req: RemoveRaftVoterRequest): Promise<RemoveRaftVoterResponse> {
    if (this.clusterMismatch(req.clusterId)) return Promise.resolve({ throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, errorMessage: null });
    const r = this.core.removeVoter(req.voterId, req.voterDirectoryId, this.now());
    return this.awaitVoterChange(r, 30_000).then((x) => ({ throttleTimeMs: 0, ...x }));
  }

  private awaitVoterChange(r: { errorCode: number; errorMessage: string | null; offset: number; epoch: number }, timeoutMs: number): Promise<{ errorCode: number; errorMessage: string | null }> {
    if (r.errorCode !== ErrorCode.NONE) return Promise.resolve({ errorCode: r.errorCode, errorMessage: r.errorMessage });
    return new Promise((resolve) => {
      const entry: PendingVoterChange = {
        epoch: r.epoch,
        offset: r.offset,
        resolve,
        timer: this.deps.scheduler.schedule(Math.max(1, timeoutMs), () => {
          const i = this.voterChanges.indexOf(entry);
          if (i >= 0) this.voterChanges.splice(i, 1);
          resolve({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `the voter change at offset ${r.offset} did not commit within ${timeoutMs} ms` });
        }),
      };
      this.voterChanges.push(entry);
      this.process();
    });
  }

  private completeVoterChanges(): void {
    if (this.voterChanges.length === 0) return;
    const node = this.core;
    for (const p of [...this.voterChanges]) {
      if (node.epoch === p.epoch && node.highWatermark > p.offset) {
        this.voterChanges.splice(this.voterChanges.indexOf(p), 1);
        p.timer.cancel();
        p.resolve({ errorCode: ErrorCode.NONE, errorMessage: null });
      }
    }
  }
}
