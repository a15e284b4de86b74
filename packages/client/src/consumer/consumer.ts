/**
 * The consumer: group subscription (or manual assignment), fetching from
 * partition leaders, positions, commits, and rebalance callbacks.
 *
 * Fetching: one Fetch in flight per leader, for the assigned, unpaused
 * partitions that have a position and no undelivered data; responses are
 * kept as CompletedFetch objects and decoded lazily by `poll()`, which
 * returns at most max.poll.records records and sends the next fetches at
 * once (so the next poll usually finds data waiting). A fetch response for a
 * partition whose position moved meanwhile (seek, rebalance) is dropped.
 *
 * Errors per partition: OFFSET_OUT_OF_RANGE resets the position with
 * auto.offset.reset (or makes poll() throw with "none"); leadership errors
 * (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
 * UNKNOWN_TOPIC_OR_PARTITION, ...) refresh the metadata and fetch again.
 *
 * Groups: a GroupMember with protocol type "consumer" and one protocol per
 * configured assignor. With only cooperative assignors the rebalance is
 * incremental (KIP-429): partitions stay owned across a rebalance, only the
 * ones that move are revoked, and a member that revoked some rejoins at
 * once so they can be handed out. Otherwise (the default [range,
 * cooperative-sticky]) every rebalance first revokes everything (eager).
 */
import { NagareError, ScheduledTask, systemScheduler } from '@nagare/common';
import {
  ApiKey,
  ErrorCode,
  FetchRequest,
  FetchResponse,
  KafkaProtocolError,
  ListOffsetsResponse,
  OffsetCommitRequest,
  OffsetFetchRequest,
  OffsetFetchResponse,
  isRetriable,
} from '@nagare/protocol';
import { Cluster, isCoordinatorError, isMetadataError, isRetriableError } from '../cluster';
import { CommonClientOptions, ResolvedCommonOptions, checkPositive, resolveCommon, sleep } from '../config';
import { AssignorName, ConsumerAssignor, MemberSubscription, RebalanceProtocol, builtInAssignor, rebalanceProtocolOf } from '../group/assignors';
import {
  CONSUMER_PROTOCOL_TYPE,
  TopicPartition,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  groupItemsByTopic,
  tpKey,
} from '../group/consumer-protocol';
import { GroupMember, JoinCompleteArgs, JoinPrepareArgs, LeaderAssignArgs } from '../group/group-member';
import { ConsumerGroupMember } from '../group/consumer-group-member';
import { CompletedFetch, ConsumerRecord } from './completed-fetch';

export type { ConsumerRecord } from './completed-fetch';

export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface ConsumerOptions extends CommonClientOptions {
  /** `group.id`: needed for subscribe() and commits. */
  groupId?: string;
  /** `group.instance.id` (static membership). */
  groupInstanceId?: string;
  /**
   * `group.protocol`: 'classic' (JoinGroup/SyncGroup, the default) or
   * 'consumer' (KIP-848: ConsumerGroupHeartbeat, the broker assigns; session
   * timeout and heartbeat interval come from the broker's group.consumer.*).
   */
  groupProtocol?: 'classic' | 'consumer';
  /** `group.remote.assignor`: the broker-side assignor a consumer-protocol member asks for ('uniform', 'range'); default the broker's. */
  groupRemoteAssignor?: string;
  /** `session.timeout.ms` (45000). */
  sessionTimeoutMs?: number;
  /** `heartbeat.interval.ms` (3000). */
  heartbeatIntervalMs?: number;
  /** `max.poll.interval.ms` (300000). */
  maxPollIntervalMs?: number;
  /** `partition.assignment.strategy` (['range', 'cooperative-sticky']). */
  partitionAssignmentStrategy?: ReadonlyArray<AssignorName | ConsumerAssignor>;
  /** `enable.auto.commit` (true when a group.id is set). */
  enableAutoCommit?: boolean;
  /** `auto.commit.interval.ms` (5000). */
  autoCommitIntervalMs?: number;
  /** `auto.offset.reset` ('latest'). */
  autoOffsetReset?: OffsetResetStrategy;
  /** `isolation.level` ('read_uncommitted'). */
  isolationLevel?: IsolationLevel;
  /** `fetch.min.bytes` (1). */
  fetchMinBytes?: number;
  /** `fetch.max.wait.ms` (500). */
  fetchMaxWaitMs?: number;
  /** `fetch.max.bytes` (52428800). */
  fetchMaxBytes?: number;
  /** `max.partition.fetch.bytes` (1048576). */
  maxPartitionFetchBytes?: number;
  /** `max.poll.records` (500). */
  maxPollRecords?: number;
  /** `check.crcs` (true). */
  checkCrcs?: boolean;
  /** `allow.auto.create.topics` (true). */
  allowAutoCreateTopics?: boolean;
  /** `exclude.internal.topics` (true): regex subscriptions skip internal topics. */
  excludeInternalTopics?: boolean;
  /** `default.api.timeout.ms` (60000). */
  defaultApiTimeoutMs?: number;
}

export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a chance to commit (generation lost); defaults to onPartitionsRevoked, as in Java. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface OffsetAndMetadata {
  offset: number;
  metadata?: string | null;
  leaderEpoch?: number;
}

export interface TopicPartitionOffset extends TopicPartition, OffsetAndMetadata {}

interface TpState {
  topic: string;
  partition: number;
  position: number | null;
  /** Leader epoch of the last consumed record (or the committed one), -1 if unknown. */
  positionEpoch: number;
  reset: OffsetResetStrategy | null;
  /** Position must come from the committed offset (group consumers). */
  needsCommitted: boolean;
  paused: boolean;
  fetchInFlight: boolean;
  buffered: CompletedFetch | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

interface ResolvedConsumerOptions {
  groupId: string | undefined;
  groupProtocol: 'classic' | 'consumer';
  groupRemoteAssignor: string | null;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  assignors: ConsumerAssignor[];
  protocol: RebalanceProtocol;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  autoOffsetReset: OffsetResetStrategy;
  readCommitted: boolean;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  maxPollRecords: number;
  checkCrcs: boolean;
  excludeInternalTopics: boolean;
  defaultApiTimeoutMs: number;
}

function resolveConsumer(o: ConsumerOptions): ResolvedConsumerOptions {
  const assignors = (o.partitionAssignmentStrategy ?? ['range', 'cooperative-sticky']).map((a) => (typeof a === 'string' ? builtInAssignor(a) : a));
  if (assignors.length === 0) throw new NagareError('INVALID_CONFIG', 'partitionAssignmentStrategy must name at least one assignor');
  const reset = o.autoOffsetReset ?? 'latest';
  if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') throw new NagareError('INVALID_CONFIG', `invalid autoOffsetReset ${String(reset)}`);
  const groupProtocol = o.groupProtocol ?? 'classic';
  if (groupProtocol !== 'classic' && groupProtocol !== 'consumer') throw new NagareError('INVALID_CONFIG', `invalid groupProtocol ${String(groupProtocol)}: 'classic' or 'consumer'`);
  if (groupProtocol === 'consumer') {
    // Kafka's consumer refuses these with group.protocol=consumer: the broker decides them.
    for (const [key, name, instead] of [
      ['sessionTimeoutMs', 'session.timeout.ms', "the broker's group.consumer.session.timeout.ms applies"],
      ['heartbeatIntervalMs', 'heartbeat.interval.ms', "the broker's group.consumer.heartbeat.interval.ms applies"],
      ['partitionAssignmentStrategy', 'partition.assignment.strategy', 'the broker assigns; choose its assignor with groupRemoteAssignor (group.remote.assignor)'],
    ] as const) {
      if (o[key] !== undefined) throw new NagareError('INVALID_CONFIG', `${key} (${name}) is not supported with groupProtocol 'consumer': ${instead}; remove it or use groupProtocol 'classic'`);
    }
  } else if (o.groupRemoteAssignor !== undefined) {
    throw new NagareError('INVALID_CONFIG', "groupRemoteAssignor (group.remote.assignor) needs groupProtocol 'consumer'");
  }
  const iso = o.isolationLevel ?? 'read_uncommitted';
  if (iso !== 'read_committed' && iso !== 'read_uncommitted') throw new NagareError('INVALID_CONFIG', `invalid isolationLevel ${String(iso)}`);
  return {
    groupId: o.groupId,
    groupProtocol,
    groupRemoteAssignor: o.groupRemoteAssignor ?? null,
    groupInstanceId: o.groupInstanceId ?? null,
    sessionTimeoutMs: checkPositive('sessionTimeoutMs', o.sessionTimeoutMs ?? 45000, false),
    heartbeatIntervalMs: checkPositive('heartbeatIntervalMs', o.heartbeatIntervalMs ?? 3000, false),
    maxPollIntervalMs: checkPositive('maxPollIntervalMs', o.maxPollIntervalMs ?? 300000, false),
    assignors,
    protocol: rebalanceProtocolOf(assignors),
    autoCommit: o.groupId !== undefined && (o.enableAutoCommit ?? true),
    autoCommitIntervalMs: checkPositive('autoCommitIntervalMs', o.autoCommitIntervalMs ?? 5000),
    autoOffsetReset: reset,
    readCommitted: iso === 'read_committed',
    fetchMinBytes: checkPositive('fetchMinBytes', o.fetchMinBytes ?? 1),
    fetchMaxWaitMs: checkPositive('fetchMaxWaitMs', o.fetchMaxWaitMs ?? 500),
    fetchMaxBytes: checkPositive('fetchMaxBytes', o.fetchMaxBytes ?? 52428800, false),
    maxPartitionFetchBytes: checkPositive('maxPartitionFetchBytes', o.maxPartitionFetchBytes ?? 1048576, false),
    maxPollRecords: checkPositive('maxPollRecords', o.maxPollRecords ?? 500, false),
    checkCrcs: o.checkCrcs ?? true,
    excludeInternalTopics: o.excludeInternalTopics ?? true,
    defaultApiTimeoutMs: checkPositive('defaultApiTimeoutMs', o.defaultApiTimeoutMs ?? 60000),
  };
}

const LIST_EARLIEST = -2n;
const LIST_LATEST = -1n;

function sortTps(tps: TopicPartition[]): TopicPartition[] {
  return tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

export class Consumer {
  readonly cluster: Cluster;
  private readonly common: ResolvedCommonOptions;
  private readonly o: ResolvedConsumerOptions;
  private readonly member: GroupMember | ConsumerGroupMember | null;
  private readonly assigned = new Map<string, TpState>();
  private subscribedTopics: string[] = [];
  private pattern: RegExp | null = null;
  private mode: 'none' | 'subscribed' | 'assigned' = 'none';
  private listener: RebalanceListener = {};
  private readonly fetchesInFlight = new Set<number>();
  private readonly ready: CompletedFetch[] = [];
  private dataWaiters: Array<() => void> = [];
  private pendingError: Error | null = null;
  private autoCommitTimer: ScheduledTask | null = null;
  private lastAutoCommit = 0;
  private generationForCommit = -1;
  private assignmentSnapshot = new Map<string, number>();
  private closed = false;
  private positionsUpdating: Promise<void> | null = null;
  private readonly immediate: boolean;
  private fetchScheduled = false;

  constructor(options: ConsumerOptions) {
    this.common = resolveCommon(options, options.groupId ? `consumer-${options.groupId}` : 'consumer');
    this.o = resolveConsumer(options);
    this.cluster = new Cluster(this.common, options.allowAutoCreateTopics ?? true);
    this.immediate = this.common.scheduler === systemScheduler;
    this.member =
      this.o.groupId === undefined
        ? null
        : this.o.groupProtocol === 'consumer'
          ? new ConsumerGroupMember({
              cluster: this.cluster,
              groupId: this.o.groupId,
              groupInstanceId: this.o.groupInstanceId,
              rebalanceTimeoutMs: this.o.maxPollIntervalMs,
              serverAssignor: this.o.groupRemoteAssignor,
              rackId: this.common.clientRack === '' ? null : this.common.clientRack,
              subscription: () => this.subscribedTopics,
              onAssignment: (next, epoch) => this.onConsumerAssignment(next, epoch),
              onLost: () => this.onConsumerPartitionsLost(),
              onWake: () => this.wakeWaiters(),
            })
          : new GroupMember({
            cluster: this.cluster,
            groupId: this.o.groupId,
            groupInstanceId: this.o.groupInstanceId,
            protocolType: CONSUMER_PROTOCOL_TYPE,
            sessionTimeoutMs: this.o.sessionTimeoutMs,
            rebalanceTimeoutMs: this.o.maxPollIntervalMs,
            heartbeatIntervalMs: this.o.heartbeatIntervalMs,
            pollTimeoutMs: this.o.maxPollIntervalMs,
            protocols: () => this.joinProtocols(),
            assign: (args) => this.leaderAssign(args),
            onJoinPrepare: (args) => this.onJoinPrepare(args),
            onJoinComplete: (args) => this.onJoinComplete(args),
            onGenerationLost: () => this.wakeWaiters(),
          });
    this.cluster.onMetadata(() => this.onMetadataUpdate());
  }

  /** The group member (for group id, member id, generation or member epoch), or null without group.id. */
  get groupMember(): GroupMember | ConsumerGroupMember | null {
    return this.member;
  }

  /** The rebalance protocol the configured assignors allow. */
  get rebalanceProtocol(): RebalanceProtocol {
    return this.o.protocol;
  }

  private checkOpen(): void {
    if (this.closed) throw new NagareError('CLIENT_CLOSED', 'the consumer is closed');
  }

  // ---- subscription / assignment ----------------------------------------------

  /** Subscribes to topics (or every topic matching a RegExp) with the group. */
  subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    this.checkOpen();
    if (!this.member) throw new KafkaProtocolError(ErrorCode.INVALID_GROUP_ID, 'subscribe() needs a groupId');
    if (this.mode === 'assigned') throw new NagareError('INVALID_CONFIG', 'subscribe() after assign(): call unsubscribe() first');
    this.listener = listener;
    this.mode = 'subscribed';
    if (topics instanceof RegExp) {
      this.pattern = topics;
      this.cluster.setAllTopics(true);
      this.subscribedTopics = this.matchPattern();
    } else {
      this.pattern = null;
      this.cluster.setAllTopics(false);
      this.subscribedTopics = [...new Set(topics)];
    }
    this.cluster.setTopics(this.subscribedTopics);
    this.member.requestRejoin('subscription changed');
    this.cluster.requestUpdate();
  }

  private matchPattern(): string[] {
    const p = this.pattern!;
    return this.cluster
      .topicNames()
      .filter((t) => {
        p.lastIndex = 0;
        return p.test(t) && !(this.o.excludeInternalTopics && this.cluster.topic(t)?.isInternal);
      })
      .sort();
  }

  /** The topics of the current subscription. */
  subscription(): string[] {
    return [...this.subscribedTopics];
  }

  /** Manually assigns partitions (no group management). */
  assign(partitions: readonly TopicPartition[]): void {
    this.checkOpen();
    if (this.mode === 'subscribed') throw new NagareError('INVALID_CONFIG', 'assign() after subscribe(): call unsubscribe() first');
    this.mode = partitions.length > 0 ? 'assigned' : 'none';
    const keep = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const k of [...this.assigned.keys()]) if (!keep.has(k)) this.removePartition(k);
    for (const tp of partitions) this.addPartition(tp, false);
    this.subscribedTopics = [...new Set(partitions.map((tp) => tp.topic))];
    this.cluster.setTopics(this.subscribedTopics);
    this.cluster.requestUpdate();
    this.wakeFetcher();
  }

  /** Drops the subscription or assignment (leaving the group). */
  async unsubscribe(): Promise<void> {
    this.checkOpen();
    if (this.mode === 'subscribed' && this.member) {
      const owned = this.assignment();
      if (owned.length > 0) await this.invokeListener('onPartitionsRevoked', owned);
      await this.member.leave('the consumer unsubscribed').catch(() => undefined);
    }
    for (const k of [...this.assigned.keys()]) this.removePartition(k);
    this.mode = 'none';
    this.subscribedTopics = [];
    this.pattern = null;
    this.cluster.setAllTopics(false);
    this.cluster.setTopics([]);
  }

  /** The partitions assigned now. */
  assignment(): TopicPartition[] {
    return sortTps([...this.assigned.values()].map((s) => ({ topic: s.topic, partition: s.partition })));
  }

  private addPartition(tp: TopicPartition, fromGroup: boolean): TpState {
    const key = tpKey(tp.topic, tp.partition);
    let s = this.assigned.get(key);
    if (s) return s;
    s = {
      topic: tp.topic,
      partition: tp.partition,
      position: null,
      positionEpoch: -1,
      reset: null,
      needsCommitted: this.member !== null || fromGroup,
      paused: false,
      fetchInFlight: false,
      buffered: null,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
    };
    this.assigned.set(key, s);
    return s;
  }

  private removePartition(key: string): void {
    const s = this.assigned.get(key);
    if (!s) return;
    this.assigned.delete(key);
    if (s.buffered) {
      const i = this.ready.indexOf(s.buffered);
      if (i >= 0) this.ready.splice(i, 1);
    }
  }

  private state(tp: TopicPartition): TpState {
    const s = this.assigned.get(tpKey(tp.topic, tp.partition));
    if (!s) throw new NagareError('INVALID_CONFIG', `partition ${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return s;
  }

  // ---- positions -------------------------------------------------------------

  /** Moves the position of a partition; the next poll() fetches from there. */
  seek(tp: TopicPartition, offset: number): void {
    const s = this.state(tp);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
    this.setPosition(s, offset, -1);
  }

  seekToBeginning(tps?: readonly TopicPartition[]): void {
    for (const s of tps ? tps.map((tp) => this.state(tp)) : this.assigned.values()) this.requestReset(s, 'earliest');
  }

  seekToEnd(tps?: readonly TopicPartition[]): void {
    for (const s of tps ? tps.map((tp) => this.state(tp)) : this.assigned.values()) this.requestReset(s, 'latest');
  }

  private setPosition(s: TpState, offset: number, epoch: number): void {
    s.position = offset;
    s.positionEpoch = epoch;
    s.reset = null;
    s.needsCommitted = false;
    this.dropBuffered(s);
    this.wakeFetcher();
  }

  private requestReset(s: TpState, strategy: OffsetResetStrategy): void {
    s.position = null;
    s.reset = strategy;
    s.needsCommitted = false;
    this.dropBuffered(s);
  }

  private dropBuffered(s: TpState): void {
    if (s.buffered) {
      const i = this.ready.indexOf(s.buffered);
      if (i >= 0) this.ready.splice(i, 1);
      s.buffered = null;
    }
  }

  /** The offset of the next record poll() returns for a partition (resolving it first if needed). */
  async position(tp: TopicPartition, timeoutMs = this.o.defaultApiTimeoutMs): Promise<number> {
    const s = this.state(tp);
    const deadline = this.common.clock.monotonicMs() + timeoutMs;
    while (s.position === null) {
      await this.updatePositions();
      if (this.pendingError) {
        const e = this.pendingError;
        this.pendingError = null;
        throw e;
      }
      if (s.position !== null) break;
      if (this.common.clock.monotonicMs() >= deadline) throw new NagareError('REQUEST_TIMED_OUT', `position of ${tp.topic}-${tp.partition} not known within ${timeoutMs} ms`);
      await sleep(this.common.scheduler, this.common.retryBackoffMs);
    }
    return s.position!;
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = true;
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = false;
    this.wakeFetcher();
  }

  paused(): TopicPartition[] {
    return sortTps([...this.assigned.values()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition })));
  }

  /** High watermark, last stable offset and log start offset seen in the last fetch of a partition. */
  watermarks(tp: TopicPartition): { highWatermark: number; lastStableOffset: number; logStartOffset: number } {
    const s = this.state(tp);
    return { highWatermark: s.highWatermark, lastStableOffset: s.lastStableOffset, logStartOffset: s.logStartOffset };
  }

  /** Resolves positions of partitions that have none: committed offsets, then auto.offset.reset. */
  private updatePositions(): Promise<void> {
    if (this.positionsUpdating) return this.positionsUpdating;
    const p = this.doUpdatePositions().finally(() => (this.positionsUpdating = null));
    this.positionsUpdating = p;
    return p;
  }

  private async doUpdatePositions(): Promise<void> {
    const needCommitted = [...this.assigned.values()].filter((s) => s.position === null && s.reset === null && s.needsCommitted);
    if (needCommitted.length > 0) {
      if (!this.member) {
        for (const s of needCommitted) s.needsCommitted = false;
      } else {
        try {
          const committed = await this.fetchCommitted(needCommitted, this.o.defaultApiTimeoutMs);
          for (const s of needCommitted) {
            if (!this.assigned.has(tpKey(s.topic, s.partition)) || s.position !== null || s.reset !== null) continue;
            const c = committed.get(tpKey(s.topic, s.partition));
            s.needsCommitted = false;
            if (c && c.offset >= 0) this.setPosition(s, c.offset, c.leaderEpoch ?? -1);
          }
        } catch (e) {
          if (!isRetriableError(e)) throw e;
          return;
        }
      }
    }
    const needReset = [...this.assigned.values()].filter((s) => s.position === null && !s.needsCommitted);
    for (const s of needReset) {
      if (s.reset === null) {
        if (this.o.autoOffsetReset === 'none') {
          this.pendingError = new KafkaProtocolError(ErrorCode.OFFSET_OUT_OF_RANGE, `no offset for ${s.topic}-${s.partition} and auto.offset.reset is none`);
          return;
        }
        s.reset = this.o.autoOffsetReset;
      }
    }
    if (needReset.length > 0) await this.resetOffsets(needReset);
  }

  private async resetOffsets(states: TpState[]): Promise<void> {
    const requests = states.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: s.reset === 'earliest' ? LIST_EARLIEST : LIST_LATEST }));
    let results: Map<string, { offset: number; leaderEpoch: number; errorCode: number }>;
    try {
      results = await listOffsetsFromLeaders(this.cluster, requests, this.o.readCommitted);
    } catch (e) {
      if (!isRetriableError(e)) throw e;
      return;
    }
    for (const s of states) {
      const r = results.get(tpKey(s.topic, s.partition));
      if (!r || s.position !== null || !this.assigned.has(tpKey(s.topic, s.partition))) continue;
      if (r.errorCode === ErrorCode.NONE && r.offset >= 0) this.setPosition(s, r.offset, r.leaderEpoch);
    }
  }

  // ---- fetching ----------------------------------------------------------------

  private wakeFetcher(): void {
    if (this.fetchScheduled || this.closed) return;
    this.fetchScheduled = true;
    const run = () => {
      this.fetchScheduled = false;
      this.sendFetches();
    };
    if (this.immediate) setImmediate(run);
    else this.common.scheduler.schedule(0, run);
  }

  private wakeWaiters(): void {
    const w = this.dataWaiters;
    this.dataWaiters = [];
    for (const f of w) f();
  }

  private sendFetches(): void {
    if (this.closed) return;
    const byNode = new Map<number, TpState[]>();
    let needMetadata = false;
    for (const s of this.assigned.values()) {
      if (s.position === null || s.paused || s.fetchInFlight || s.buffered !== null) continue;
      const leader = this.cluster.leaderOf(s.topic, s.partition);
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      if (this.fetchesInFlight.has(leader)) continue;
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push(s);
    }
    if (needMetadata) this.cluster.requestUpdate();
    for (const [node, list] of byNode) this.fetchFrom(node, list);
  }

  private fetchFrom(node: number, states: TpState[]): void {
    let conn;
    try {
      conn = this.cluster.connection(node);
    } catch {
      this.cluster.requestUpdate();
      return;
    }
    this.fetchesInFlight.add(node);
    const offsets = new Map<string, number>();
    const byTopic = new Map<string, FetchRequest.FetchPartition[]>();
    for (const s of states) {
      s.fetchInFlight = true;
      offsets.set(tpKey(s.topic, s.partition), s.position!);
      let parts = byTopic.get(s.topic);
      if (!parts) byTopic.set(s.topic, (parts = []));
      const epoch = this.cluster.topic(s.topic)?.partitions[s.partition]?.leaderEpoch ?? -1;
      parts.push({
        partition: s.partition,
        currentLeaderEpoch: epoch,
        fetchOffset: BigInt(s.position!),
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: this.o.maxPartitionFetchBytes,
        replicaDirectoryId: '',
      });
    }
    const o = this.o;
    conn
      .request(
        ApiKey.Fetch,
        (v) => ({
          clusterId: null,
          replicaId: -1,
          replicaState: { replicaId: -1, replicaEpoch: -1n },
          maxWaitMs: o.fetchMaxWaitMs,
          minBytes: o.fetchMinBytes,
          maxBytes: o.fetchMaxBytes,
          isolationLevel: o.readCommitted ? 1 : 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, topicId: '', partitions })),
          forgottenTopicsData: [],
          rackId: v >= 11 ? this.common.clientRack : '',
        }),
        // v13+ names topics by id only; this client fetches by name.
        { maxVersion: 12, timeoutMs: this.common.requestTimeoutMs + o.fetchMaxWaitMs },
      )
      .then(
        (res) => this.onFetchResponse(node, states, offsets, res),
        (err: Error) => {
          for (const s of states) s.fetchInFlight = false;
          this.common.logger.debug({ node, err: err.message }, 'fetch failed');
          if (err instanceof NagareError && err.retriable) this.cluster.requestUpdate();
          else if (err instanceof KafkaProtocolError && !err.retriable) this.pendingError = err;
          this.fetchesInFlight.delete(node);
          // Back off a little before fetching from this broker again.
          this.common.scheduler.schedule(this.common.retryBackoffMs, () => this.wakeFetcher());
          this.wakeWaiters();
        },
      );
  }

  private onFetchResponse(node: number, states: TpState[], offsets: Map<string, number>, res: FetchResponse): void {
    this.fetchesInFlight.delete(node);
    for (const s of states) s.fetchInFlight = false;
    if (res.errorCode !== ErrorCode.NONE) {
      this.common.logger.debug({ node, error: res.errorCode }, 'fetch error');
      if (isMetadataError(res.errorCode)) this.cluster.requestUpdate();
    }
    let metadata = false;
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const key = tpKey(t.topic, p.partitionIndex);
        const s = this.assigned.get(key);
        const fetchOffset = offsets.get(key);
        // Dropped if the partition was revoked or its position moved meanwhile.
        if (!s || fetchOffset === undefined || s.position !== fetchOffset) continue;
        switch (p.errorCode) {
          case ErrorCode.NONE: {
            s.highWatermark = Number(p.highWatermark);
            s.lastStableOffset = Number(p.lastStableOffset);
            s.logStartOffset = Number(p.logStartOffset);
            if (p.records && p.records.length > 0) {
              const aborted = p.abortedTransactions?.map((a) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) })) ?? null;
              const cf = new CompletedFetch(t.topic, p.partitionIndex, p.records, fetchOffset, this.o.readCommitted, aborted, this.o.checkCrcs);
              s.buffered = cf;
              this.ready.push(cf);
            }
            break;
          }
          case ErrorCode.OFFSET_OUT_OF_RANGE:
            if (this.o.autoOffsetReset === 'none') {
              this.pendingError = new KafkaProtocolError(p.errorCode, `fetch offset ${fetchOffset} is out of range for ${t.topic}-${p.partitionIndex}`);
            } else {
              this.common.logger.info({ topic: t.topic, partition: p.partitionIndex, offset: fetchOffset, reset: this.o.autoOffsetReset }, 'offset out of range, resetting');
              this.requestReset(s, this.o.autoOffsetReset);
            }
            break;
          default:
            if (isMetadataError(p.errorCode)) metadata = true;
            else if (!isRetriable(p.errorCode)) this.pendingError = new KafkaProtocolError(p.errorCode, `fetch of ${t.topic}-${p.partitionIndex}`);
            this.common.logger.debug({ topic: t.topic, partition: p.partitionIndex, error: p.errorCode }, 'fetch partition error');
        }
      }
    }
    if (metadata) this.cluster.requestUpdate();
    this.wakeWaiters();
    this.wakeFetcher();
  }

  /** Takes up to max.poll.records from what was fetched. */
  private collect(): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    let budget = this.o.maxPollRecords;
    let i = 0;
    while (budget > 0 && i < this.ready.length) {
      const cf = this.ready[i];
      const s = this.assigned.get(tpKey(cf.topic, cf.partition));
      if (!s || s.buffered !== cf) {
        this.ready.splice(i, 1);
        continue;
      }
      if (s.paused) {
        i++;
        continue;
      }
      let n: number;
      try {
        n = cf.drain(out, budget);
      } catch (e) {
        // Corrupt data: hand out what came before; the error surfaces once those are consumed.
        this.ready.splice(i, 1);
        s.buffered = null;
        s.position = cf.nextOffset;
        if (out.length > 0) {
          this.pendingError = e as Error;
          break;
        }
        throw e;
      }
      budget -= n;
      s.position = cf.nextOffset;
      if (out.length > 0) s.positionEpoch = out[out.length - 1].leaderEpoch;
      if (cf.exhausted) {
        this.ready.splice(i, 1);
        s.buffered = null;
      } else {
        i++;
      }
    }
    return out;
  }

  /**
   * Returns fetched records, waiting up to `timeoutMs` for some. Joins or
   * rejoins the group when needed, resolves positions, and sends fetches.
   */
  async poll(timeoutMs = 0): Promise<ConsumerRecord[]> {
    this.checkOpen();
    if (this.mode === 'none') throw new NagareError('INVALID_CONFIG', 'poll() needs subscribe() or assign() first');
    const clock = this.common.clock;
    const deadline = clock.monotonicMs() + timeoutMs;
    this.member?.poll();
    for (;;) {
      if (this.pendingError) {
        const e = this.pendingError;
        this.pendingError = null;
        throw e;
      }
      if (this.mode === 'subscribed' && this.member && this.member.needsRejoin) {
        const left = Math.max(0, deadline - clock.monotonicMs());
        const done = await this.member.ensureActive(left);
        if (!done) return [];
      }
      if (this.closed) return [];
      this.maybeAutoCommit();
      if ([...this.assigned.values()].some((s) => s.position === null)) {
        try {
          await this.updatePositions();
        } catch (e) {
          if (!isRetriableError(e)) throw e;
        }
      }
      const records = this.collect();
      this.sendFetches();
      if (records.length > 0) return records;
      if (this.pendingError) continue;
      const left = deadline - clock.monotonicMs();
      if (left <= 0) return [];
      await new Promise<void>((res) => {
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          t.cancel();
          res();
        };
        const t = this.common.scheduler.schedule(Math.min(left, this.positionsPending() ? this.common.retryBackoffMs : left), finish);
        this.dataWaiters.push(finish);
      });
    }
  }

  private positionsPending(): boolean {
    for (const s of this.assigned.values()) if (s.position === null) return true;
    return this.member !== null && this.mode === 'subscribed' && this.member.needsRejoin;
  }

  /** Polls forever (until close), yielding each record. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord> {
    while (!this.closed) {
      const records = await this.poll(1000);
      for (const r of records) yield r;
    }
  }

  // ---- group callbacks ------------------------------------------------------------

  private joinProtocols(): Array<{ name: string; metadata: Buffer }> {
    const owned = this.o.protocol === 'cooperative' ? this.assignment() : [];
    const generation = this.member?.generationId ?? -1;
    return this.o.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics: this.subscribedTopics,
        userData: a.subscriptionUserData?.(this.subscribedTopics, generation) ?? null,
        ownedPartitions: owned,
        generationId: generation,
        rackId: this.common.clientRack === '' ? null : this.common.clientRack,
      }),
    }));
  }

  private async leaderAssign(args: LeaderAssignArgs): Promise<Map<string, Buffer>> {
    const assignor = this.o.assignors.find((a) => a.name === args.protocolName);
    if (!assignor) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `unknown assignor ${args.protocolName}`);
    const members: MemberSubscription[] = args.members.map((m) => ({ ...decodeSubscription(m.metadata), memberId: m.memberId, groupInstanceId: m.groupInstanceId }));
    const allTopics = [...new Set(members.flatMap((m) => m.topics))];
    // The leader needs fresh metadata for every member's topics.
    this.cluster.addTopics(allTopics);
    let infos: Array<{ name: string; partitions: unknown[] } | undefined> = [];
    try {
      await this.cluster.refresh();
      await this.cluster.waitForTopics(allTopics, this.common.requestTimeoutMs, false);
    } catch (e) {
      this.common.logger.warn({ err: (e as Error).message }, 'leader could not load metadata for every subscribed topic');
    }
    infos = allTopics.map((t) => this.cluster.topic(t));
    const partitionsPerTopic = new Map<string, number>();
    for (const t of infos) if (t) partitionsPerTopic.set(t.name, t.partitions.length);
    this.assignmentSnapshot = new Map(partitionsPerTopic);
    const result = assignor.assign({ partitionsPerTopic, members, generationId: args.generationId });
    const out = new Map<string, Buffer>();
    for (const m of members) out.set(m.memberId, encodeAssignment({ partitions: result.get(m.memberId) ?? [], userData: null }));
    this.common.logger.info(
      { group: this.o.groupId, assignor: assignor.name, generation: args.generationId, members: members.length },
      'computed group assignment',
    );
    return out;
  }

  private async invokeListener(which: keyof RebalanceListener, partitions: TopicPartition[]): Promise<void> {
    const l = this.listener;
    try {
      if (which === 'onPartitionsLost') {
        if (l.onPartitionsLost) await l.onPartitionsLost(partitions);
        else if (l.onPartitionsRevoked && partitions.length > 0) await l.onPartitionsRevoked(partitions);
      } else {
        await l[which]?.(partitions);
      }
    } catch (e) {
      this.common.logger.error({ err: (e as Error).message, callback: which }, 'rebalance listener failed');
    }
  }

  private async onJoinPrepare(args: JoinPrepareArgs): Promise<void> {
    const owned = this.assignment();
    if (!args.lost && this.o.autoCommit && owned.length > 0 && args.generationId >= 0) {
      try {
        await this.commitSync(undefined, Math.min(this.o.defaultApiTimeoutMs, this.o.sessionTimeoutMs));
      } catch (e) {
        this.common.logger.warn({ err: (e as Error).message }, 'auto-commit before rebalance failed');
      }
    }
    if (args.lost) {
      if (owned.length > 0) await this.invokeListener('onPartitionsLost', owned);
      for (const k of [...this.assigned.keys()]) this.removePartition(k);
      return;
    }
    if (this.o.protocol === 'eager') {
      if (owned.length > 0 || args.generationId >= 0) await this.invokeListener('onPartitionsRevoked', owned);
      for (const k of [...this.assigned.keys()]) this.removePartition(k);
    } else {
      // Cooperative: only partitions of topics no longer subscribed are revoked here.
      const subscribed = new Set(this.subscribedTopics);
      const gone = owned.filter((tp) => !subscribed.has(tp.topic));
      if (gone.length > 0) {
        await this.invokeListener('onPartitionsRevoked', gone);
        for (const tp of gone) this.removePartition(tpKey(tp.topic, tp.partition));
      }
    }
  }

  private async onJoinComplete(args: JoinCompleteArgs): Promise<void> {
    this.generationForCommit = args.generationId;
    const assignment = decodeAssignment(args.assignment);
    const next = sortTps(assignment.partitions);
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const owned = this.assignment();
    const ownedKeys = new Set(owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = owned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const added = next.filter((tp) => !ownedKeys.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      await this.invokeListener('onPartitionsRevoked', revoked);
      for (const tp of revoked) this.removePartition(tpKey(tp.topic, tp.partition));
    }
    for (const tp of added) this.addPartition(tp, true);
    if (!args.isLeader) this.assignmentSnapshot = this.partitionCounts(this.subscribedTopics);
    this.lastAutoCommit = this.common.clock.monotonicMs();
    this.scheduleAutoCommit();
    await this.invokeListener('onPartitionsAssigned', added);
    if (this.o.protocol === 'cooperative' && revoked.length > 0) this.member!.requestRejoin('partitions were revoked; rejoining to hand them out');
    const unsubscribed = next.filter((tp) => !this.subscribedTopics.includes(tp.topic));
    if (unsubscribed.length > 0 && this.pattern === null) this.member!.requestRejoin('assignment has topics outside the subscription');
    this.wakeFetcher();
    this.wakeWaiters();
  }

  /**
   * KIP-848: the broker's new assignment for this member. Partitions no
   * longer assigned are committed (with auto-commit) and revoked first, then
   * the new ones assigned; the member acknowledges once this returns.
   */
  private async onConsumerAssignment(next: TopicPartition[], memberEpoch: number): Promise<void> {
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const owned = this.assignment();
    const ownedKeys = new Set(owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = owned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const added = sortTps(next.filter((tp) => !ownedKeys.has(tpKey(tp.topic, tp.partition))));
    if (revoked.length > 0) {
      if (this.o.autoCommit) {
        const offsets = this.consumedOffsets().filter((o) => !nextKeys.has(tpKey(o.topic, o.partition)));
        try {
          await this.commitSync(offsets, Math.min(this.o.defaultApiTimeoutMs, this.o.maxPollIntervalMs));
        } catch (e) {
          this.common.logger.warn({ err: (e as Error).message }, 'auto-commit before revocation failed');
        }
      }
      await this.invokeListener('onPartitionsRevoked', revoked);
      for (const tp of revoked) this.removePartition(tpKey(tp.topic, tp.partition));
    }
    this.generationForCommit = memberEpoch;
    for (const tp of added) this.addPartition(tp, true);
    this.lastAutoCommit = this.common.clock.monotonicMs();
    this.scheduleAutoCommit();
    if (added.length > 0 || revoked.length > 0 || owned.length === 0) await this.invokeListener('onPartitionsAssigned', added);
    this.wakeFetcher();
    this.wakeWaiters();
  }

  /** KIP-848: the member was fenced or left after a poll timeout; its partitions are gone without a commit. */
  private async onConsumerPartitionsLost(): Promise<void> {
    const owned = this.assignment();
    if (owned.length > 0) await this.invokeListener('onPartitionsLost', owned);
    for (const k of [...this.assigned.keys()]) this.removePartition(k);
  }

  private partitionCounts(topics: readonly string[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const t of topics) {
      const info = this.cluster.topic(t);
      if (info) m.set(t, info.partitions.length);
    }
    return m;
  }

  private onMetadataUpdate(): void {
    if (this.mode !== 'subscribed' || !this.member) return;
    if (this.pattern) {
      const topics = this.matchPattern();
      if (topics.join('\u0000') !== this.subscribedTopics.join('\u0000')) {
        this.subscribedTopics = topics;
        this.cluster.setTopics(topics);
        this.member.requestRejoin('topics matching the subscription pattern changed');
        this.wakeWaiters();
        return;
      }
    }
    if (this.member.state !== 'stable' || this.o.groupProtocol === 'consumer') return;
    // A topic of the (leader's: the group's) assignment changed its partition count, or appeared.
    const topics = this.member.isLeader ? [...new Set([...this.assignmentSnapshot.keys(), ...this.subscribedTopics])] : this.subscribedTopics;
    for (const t of topics) {
      const info = this.cluster.topic(t);
      const before = this.assignmentSnapshot.get(t);
      if (info && before !== info.partitions.length) {
        this.member.requestRejoin(`partitions of ${t} changed from ${before ?? 'none'} to ${info.partitions.length}`);
        this.wakeWaiters();
        return;
      }
    }
  }

  // ---- commits ---------------------------------------------------------------------

  private scheduleAutoCommit(): void {
    if (!this.o.autoCommit || this.autoCommitTimer || this.closed) return;
    this.autoCommitTimer = this.common.scheduler.schedule(this.o.autoCommitIntervalMs, () => {
      this.autoCommitTimer = null;
      this.maybeAutoCommit();
      this.scheduleAutoCommit();
    });
  }

  private maybeAutoCommit(): void {
    if (!this.o.autoCommit || this.assigned.size === 0) return;
    if (this.member && this.mode === 'subscribed' && this.member.state !== 'stable') return;
    const now = this.common.clock.monotonicMs();
    if (now - this.lastAutoCommit < this.o.autoCommitIntervalMs) return;
    this.lastAutoCommit = now;
    this.commitAsync().catch((e) => this.common.logger.warn({ err: (e as Error).message }, 'auto-commit failed'));
  }

  /** The consumed positions of the assigned partitions, as offsets to commit. */
  private consumedOffsets(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const s of this.assigned.values()) {
      if (s.position !== null) out.push({ topic: s.topic, partition: s.partition, offset: s.position, leaderEpoch: s.positionEpoch, metadata: '' });
    }
    return out;
  }

  /**
   * Commits offsets (default: the consumed positions of every assigned
   * partition), retrying retriable errors until `timeoutMs`.
   */
  /**
   * The group and this member's place in it (the Java consumer's
   * groupMetadata()), for a transactional producer's
   * sendOffsetsToTransaction: the coordinator fences commits of a member
   * that is no longer in the generation.
   */
  groupMetadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    const member = this.member;
    if (!member) throw new NagareError('INVALID_CONFIG', 'groupMetadata() needs a groupId');
    const grouped = this.mode === 'subscribed';
    const generationId = grouped ? (member instanceof ConsumerGroupMember ? member.memberEpoch : this.generationForCommit) : -1;
    return { groupId: member.groupId, generationId, memberId: grouped ? member.memberId : '', groupInstanceId: this.o.groupInstanceId };
  }

  async commitSync(offsets?: readonly TopicPartitionOffset[], timeoutMs = this.o.defaultApiTimeoutMs): Promise<void> {
    const list = offsets ?? this.consumedOffsets();
    if (list.length === 0) return;
    const deadline = this.common.clock.monotonicMs() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sendCommit(list);
        return;
      } catch (e) {
        // KIP-848: an epoch that moved on while the commit was in flight; commit again with the new one.
        const stale = e instanceof KafkaProtocolError && e.code === ErrorCode.STALE_MEMBER_EPOCH && this.member instanceof ConsumerGroupMember;
        if ((!stale && !isRetriableError(e)) || this.closed) throw e;
        const left = deadline - this.common.clock.monotonicMs();
        if (left <= 0) throw e;
        await sleep(this.common.scheduler, Math.min(left, this.common.retryBackoff.backoff(attempt)));
      }
    }
  }

  /** Commits once, without retrying (the promise tells the outcome). */
  commitAsync(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    const list = offsets ?? this.consumedOffsets();
    if (list.length === 0) return Promise.resolve();
    return this.sendCommit(list);
  }

  private async sendCommit(list: readonly TopicPartitionOffset[]): Promise<void> {
    const member = this.member;
    if (!member) throw new KafkaProtocolError(ErrorCode.INVALID_GROUP_ID, 'committing offsets needs a groupId');
    const grouped = this.mode === 'subscribed';
    // KIP-848: commits carry the member's current epoch (it moves on without a new assignment).
    const generation = grouped ? (member instanceof ConsumerGroupMember ? member.memberEpoch : this.generationForCommit) : -1;
    const memberId = grouped ? member.memberId : '';
    if (grouped && (member.state !== 'stable' || generation < 0)) {
      throw new KafkaProtocolError(ErrorCode.REBALANCE_IN_PROGRESS, 'cannot commit while the group is rebalancing');
    }
    const byTopic = new Map<string, OffsetCommitRequest.OffsetCommitRequestPartition[]>();
    for (const o of list) {
      let parts = byTopic.get(o.topic);
      if (!parts) byTopic.set(o.topic, (parts = []));
      parts.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' });
    }
    const res = await member.coordinatorRequest(ApiKey.OffsetCommit, (v) => ({
      groupId: member.groupId,
      generationIdOrMemberEpoch: generation,
      memberId,
      groupInstanceId: v >= 7 && grouped ? member.groupInstanceId : null,
      retentionTimeMs: -1n,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    }));
    let first: KafkaProtocolError | null = null;
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NONE) continue;
        const code = p.errorCode;
        if (isCoordinatorError(code)) member.markCoordinatorUnknown('OffsetCommit');
        if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.FENCED_INSTANCE_ID) {
          member.requestRejoin(`commit failed with ${code}`);
        } else if (code === ErrorCode.REBALANCE_IN_PROGRESS) {
          member.requestRejoin('commit failed: rebalance in progress');
        }
        first ??= new KafkaProtocolError(code, `OffsetCommit of ${t.name}-${p.partitionIndex} for group ${member.groupId}`);
      }
    }
    if (first) throw first;
  }

  /** The committed offsets of partitions (null where the group has none). */
  async committed(tps: readonly TopicPartition[], timeoutMs = this.o.defaultApiTimeoutMs): Promise<Map<string, OffsetAndMetadata | null>> {
    const states = tps.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    const m = await this.fetchCommitted(states, timeoutMs);
    const out = new Map<string, OffsetAndMetadata | null>();
    for (const tp of tps) out.set(tpKey(tp.topic, tp.partition), m.get(tpKey(tp.topic, tp.partition)) ?? null);
    return out;
  }

  private async fetchCommitted(tps: ReadonlyArray<{ topic: string; partition: number }>, timeoutMs: number): Promise<Map<string, OffsetAndMetadata>> {
    const member = this.member;
    if (!member) throw new KafkaProtocolError(ErrorCode.INVALID_GROUP_ID, 'committed offsets need a groupId');
    const deadline = this.common.clock.monotonicMs() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await offsetFetch(member, tps, true);
      } catch (e) {
        if (!isRetriableError(e) || this.closed) throw e;
        const left = deadline - this.common.clock.monotonicMs();
        if (left <= 0) throw e;
        await sleep(this.common.scheduler, Math.min(left, this.common.retryBackoff.backoff(attempt)));
      }
    }
  }

  /** Offsets of the partitions' first / next-to-be-written record (ListOffsets to the leaders). */
  async beginningOffsets(tps: readonly TopicPartition[]): Promise<Map<string, number>> {
    return this.listOffsets(tps, LIST_EARLIEST);
  }

  /**
   * The partitions' end offsets: the last stable offset for a read_committed
   * consumer, else the high watermark. `isolationLevel` asks for the other
   * one (Kafka Connect's KafkaBasedLog reads the high watermark of a topic it
   * consumes read_committed, so a read to the end waits for open transactions).
   */
  async endOffsets(tps: readonly TopicPartition[], options: { isolationLevel?: IsolationLevel } = {}): Promise<Map<string, number>> {
    return this.listOffsets(tps, LIST_LATEST, options.isolationLevel === undefined ? this.o.readCommitted : options.isolationLevel === 'read_committed');
  }

  private async listOffsets(tps: readonly TopicPartition[], timestamp: bigint, readCommitted = this.o.readCommitted): Promise<Map<string, number>> {
    await this.cluster.waitForTopics([...new Set(tps.map((t) => t.topic))], this.o.defaultApiTimeoutMs);
    const r = await listOffsetsFromLeaders(
      this.cluster,
      tps.map((tp) => ({ ...tp, timestamp })),
      readCommitted,
    );
    const out = new Map<string, number>();
    for (const [k, v] of r) {
      if (v.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(v.errorCode, `ListOffsets of ${k.replace('\u0000', '-')}`);
      out.set(k, v.offset);
    }
    return out;
  }

  // ---- close -------------------------------------------------------------------------

  /** Commits (with auto-commit), leaves the group and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.o.autoCommit && this.assigned.size > 0) {
      try {
        if (this.mode !== 'subscribed' || this.member?.state === 'stable') await this.commitSync(undefined, Math.min(this.o.defaultApiTimeoutMs, 5000));
      } catch (e) {
        this.common.logger.warn({ err: (e as Error).message }, 'commit on close failed');
      }
    }
    if (this.member && this.mode === 'subscribed') {
      const owned = this.assignment();
      if (owned.length > 0) await this.invokeListener('onPartitionsRevoked', owned);
      await this.member.close();
    }
    this.closed = true;
    this.autoCommitTimer?.cancel();
    this.wakeWaiters();
    this.cluster.close();
  }
}

/**
 * The OffsetFetch request for one group, by version: v8+ uses the per-group
 * layout; `tps` null asks for every partition (v2+; v0-1 get an empty list).
 */
export function offsetFetchRequest(
  groupId: string,
  tps: ReadonlyArray<{ topic: string; partition: number }> | null,
  requireStable: boolean,
): (version: number) => OffsetFetchRequest {
  const topics = tps === null ? null : [...groupItemsByTopic(tps)].map(([name, ps]) => ({ name, partitionIndexes: ps.map((tp) => tp.partition) }));
  return (v) =>
    v >= 8
      ? { groupId: '', topics: [], groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable }
      : { groupId, topics: v < 2 && topics === null ? [] : topics, groups: [], requireStable: v >= 7 ? requireStable : false };
}

/** OffsetFetch for one group. */
export async function offsetFetch(
  member: Pick<GroupMember, 'groupId' | 'coordinatorRequest' | 'markCoordinatorUnknown'>,
  tps: ReadonlyArray<{ topic: string; partition: number }> | null,
  requireStable: boolean,
): Promise<Map<string, OffsetAndMetadata>> {
  const res: OffsetFetchResponse = await member.coordinatorRequest(ApiKey.OffsetFetch, offsetFetchRequest(member.groupId, tps, requireStable));
  const out = new Map<string, OffsetAndMetadata>();
  const groupError = res.groups.length > 0 ? res.groups[0].errorCode : res.errorCode;
  if (groupError !== ErrorCode.NONE) {
    if (isCoordinatorError(groupError)) member.markCoordinatorUnknown('OffsetFetch');
    throw new KafkaProtocolError(groupError, `OffsetFetch for group ${member.groupId}`);
  }
  const topicsOut = res.groups.length > 0 ? res.groups[0].topics : res.topics;
  for (const t of topicsOut) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) {
        if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
        throw new KafkaProtocolError(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
      }
      const offset = Number(p.committedOffset);
      if (offset < 0) continue;
      out.set(tpKey(t.name, p.partitionIndex), { offset, metadata: p.metadata, leaderEpoch: p.committedLeaderEpoch });
    }
  }
  return out;
}

export interface ListOffsetsQuery {
  topic: string;
  partition: number;
  /** -2 earliest, -1 latest, -3 max timestamp, -4 earliest local, -5 tiered; else a timestamp. */
  timestamp: bigint;
}

export interface ListOffsetsResult {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
  errorCode: number;
}

/** ListOffsets, sent to each partition's leader; metadata errors refresh metadata and retry a few times. */
export async function listOffsetsFromLeaders(cluster: Cluster, queries: readonly ListOffsetsQuery[], readCommitted: boolean, attempts = 5): Promise<Map<string, ListOffsetsResult>> {
  const out = new Map<string, ListOffsetsResult>();
  let pending = [...queries];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const byNode = new Map<number, ListOffsetsQuery[]>();
    const retry: ListOffsetsQuery[] = [];
    for (const q of pending) {
      const leader = cluster.leaderOf(q.topic, q.partition);
      if (leader < 0) {
        retry.push(q);
        continue;
      }
      let a = byNode.get(leader);
      if (!a) byNode.set(leader, (a = []));
      a.push(q);
    }
    const minVersionFor = (qs: ListOffsetsQuery[]) => (qs.some((q) => q.timestamp === -3n) ? 7 : qs.some((q) => q.timestamp === -4n) ? 8 : readCommitted ? 2 : 1);
    await Promise.all(
      [...byNode].map(async ([node, qs]) => {
        const byTopic = groupItemsByTopic(qs);
        let res: ListOffsetsResponse;
        try {
          res = await cluster.connection(node).request(
            ApiKey.ListOffsets,
            (v) => ({
              replicaId: -1,
              isolationLevel: v >= 2 && readCommitted ? 1 : 0,
              topics: [...byTopic].map(([name, ps]) => ({
                name,
                partitions: ps.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: cluster.topic(q.topic)?.partitions[q.partition]?.leaderEpoch ?? -1, timestamp: q.timestamp })),
              })),
              timeoutMs: cluster.options.requestTimeoutMs,
            }),
            { minVersion: minVersionFor(qs) },
          );
        } catch (e) {
          if (!isRetriableError(e)) throw e;
          retry.push(...qs);
          return;
        }
        for (const t of res.topics) {
          for (const p of t.partitions) {
            const q = qs.find((x) => x.topic === t.name && x.partition === p.partitionIndex);
            if (!q) continue;
            if (isMetadataError(p.errorCode) && attempt < attempts - 1) {
              retry.push(q);
              continue;
            }
            out.set(tpKey(t.name, p.partitionIndex), { offset: Number(p.offset), timestamp: Number(p.timestamp), leaderEpoch: p.leaderEpoch, errorCode: p.errorCode });
          }
        }
      }),
    );
    pending = retry;
    if (pending.length > 0) {
      if (attempt >= attempts - 1) {
        for (const q of pending) out.set(tpKey(q.topic, q.partition), { offset: -1, timestamp: -1, leaderEpoch: -1, errorCode: ErrorCode.LEADER_NOT_AVAILABLE });
        break;
      }
      await sleep(cluster.options.scheduler, cluster.options.retryBackoff.backoff(attempt));
      await cluster.refresh().catch(() => undefined);
    }
  }
  return out;
}
