/**
 * The group coordinator service (Kafka's GroupCoordinatorService): the
 * broker's entry point for every group API. It routes each request to the
 * shard of the group's `__consumer_offsets` partition on the coordinator
 * runtime (../coordinator), fans multi-group requests out per partition,
 * and turns runtime states into Kafka's errors: COORDINATOR_NOT_AVAILABLE
 * before start or after shutdown, NOT_COORDINATOR for a partition this
 * broker does not lead, COORDINATOR_LOAD_IN_PROGRESS while its shard loads.
 *
 * Shards come and go with leadership: `onElection`/`onResignation` per
 * partition (the broker drives them from the metadata image; on one node
 * this broker leads every partition). Without a leadership source
 * (`leadership: 'all'`) `start()` loads every partition, as tests and tools
 * that have no metadata want.
 *
 * Every API answers once the records its operation wrote are committed.
 */
import type { Clock, Logger, Scheduler } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import { EMPTY_IMAGE, type MetadataImage } from '@nagare/metadata';
import {
  ErrorCode,
  type ConsumerGroupDescribeRequest,
  type ConsumerGroupDescribeResponse,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '@nagare/protocol';
import { CoordinatorError, CoordinatorRuntime, type TransactionResult } from '../coordinator';
import { OPS_NOT_REQUESTED } from './admin';
import { joinError, syncError } from './classic/classic-group';
import { joinResponse, syncResponse } from './classic/join-sync';
import { leaveResponse } from './classic/heartbeat-leave';
import { DEFAULT_GROUP_CONFIG, type GroupConfig } from './config';
import { errorOf, mapOffsetStoreError, mapWriteError } from './errors';
import { groupRecordSerde, type GroupRecord } from './group-records';
import type { CommitCandidate, FetchedTopic, TxnCommitCandidate } from './offsets';
import { partitionForGroup } from './partition';
import type { GroupRequestContext } from './request-context';
import { GroupCoordinatorShard } from './shard';
import type { OffsetsTopicStore } from './store';

export type { GroupState } from './classic/classic-group';
export { DEFAULT_GROUP_CONFIG, type GroupConfig } from './config';
export { mapGroupStoreError, mapOffsetStoreError, mapWriteError } from './errors';
export { NEW_MEMBER_JOIN_TIMEOUT_MS } from './classic/rebalance';
export { ALL_GROUP_OPERATIONS } from './admin';
export type { GroupRequestContext } from './request-context';

export interface GroupCoordinatorOptions {
  store: OffsetsTopicStore;
  clock: Clock;
  scheduler: Scheduler;
  logger?: Logger;
  /** This broker's id. */
  nodeId?: number;
  config?: Partial<GroupConfig>;
  /** The metadata image (topics for OffsetCommit's unknown-topic check and KIP-848 subscriptions); without it every topic counts as known. */
  metadata?: () => MetadataImage;
  /**
   * Who says which partitions this broker leads: 'all' (start() loads every
   * partition; tests and tools without metadata) or 'external' (the broker
   * calls onElection/onResignation as leadership moves). Default 'all'.
   */
  leadership?: 'all' | 'external';
  /** The random part of generated classic member ids (a UUID by default). */
  newMemberIdSuffix?: () => string;
  /** KIP-848 member ids the coordinator generates (ConsumerGroupHeartbeat v0, classic members of consumer groups). */
  newConsumerMemberId?: () => string;
  newMemberJoinTimeoutMs?: number;
  /** Lets other work run between loading steps (default: the next turn of the event loop). */
  yieldToEventLoop?: () => Promise<void>;
  loadChunkBytes?: number;
}

/** A snapshot of one group, for tests and tooling. */
export interface GroupSnapshot {
  groupId: string;
  type: 'classic' | 'consumer';
  state: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; sessionTimeoutMs: number; rebalanceTimeoutMs: number; assignment: Buffer }>;
  offsets: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string; commitTimestamp: number; expireTimestamp: number }>;
}

type Shard = GroupCoordinatorShard;

export class GroupCoordinator {
  readonly config: GroupConfig;
  readonly runtime: CoordinatorRuntime<Shard, GroupRecord>;
  private readonly store: OffsetsTopicStore;
  private readonly logger: Logger;
  private readonly metadata: (() => MetadataImage) | null;
  private readonly leadership: 'all' | 'external';
  private active = false;

  constructor(opts: GroupCoordinatorOptions) {
    this.store = opts.store;
    this.logger = opts.logger ?? silentLogger;
    this.config = { ...DEFAULT_GROUP_CONFIG, ...opts.config };
    this.metadata = opts.metadata ?? null;
    this.leadership = opts.leadership ?? 'all';
    const shardOptions = {
      sequence: { next: 0 },
      config: this.config,
      clock: opts.clock,
      logger: this.logger,
      newMemberIdSuffix: opts.newMemberIdSuffix,
      newConsumerMemberId: opts.newConsumerMemberId,
      newMemberJoinTimeoutMs: opts.newMemberJoinTimeoutMs,
    };
    this.runtime = new CoordinatorRuntime<Shard, GroupRecord>({
      name: 'group coordinator',
      writer: opts.store,
      loader: opts.store,
      serde: groupRecordSerde,
      buildShard: (ctx) => new GroupCoordinatorShard(ctx, shardOptions),
      clock: opts.clock,
      scheduler: opts.scheduler,
      logger: this.logger,
      yieldToEventLoop: opts.yieldToEventLoop,
      loadChunkBytes: opts.loadChunkBytes,
    });
  }

  // ================================================================ lifecycle and leadership

  /**
   * Starts serving. With `leadership: 'all'`, loads every partition of the
   * store and resolves when they are loaded; requests meanwhile get
   * COORDINATOR_LOAD_IN_PROGRESS.
   */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.runtime.setMetadataImage(this.image());
    if (this.leadership === 'all') {
      await Promise.all(Array.from({ length: this.store.partitionCount }, (_, p) => this.runtime.scheduleLoadOperation(p, 0)));
    }
    this.logger.info({ partitions: this.runtime.activeShards().length }, 'group coordinator started');
  }

  /** Unloads every shard: timers stop, parked JoinGroup/SyncGroup requests get NOT_COORDINATOR. */
  async shutdown(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.runtime.close();
    this.logger.info('group coordinator stopped');
  }

  /** This broker became the leader of an `__consumer_offsets` partition: load its shard. */
  onElection(partition: number, leaderEpoch: number): Promise<void> {
    return this.runtime.scheduleLoadOperation(partition, leaderEpoch);
  }

  /** This broker is no longer the leader of the partition: unload its shard. */
  onResignation(partition: number, leaderEpoch?: number): void {
    this.runtime.scheduleUnloadOperation(partition, leaderEpoch);
  }

  /** A new metadata image (topics, group configs). */
  onMetadataImage(image: MetadataImage, previous: MetadataImage): void {
    this.runtime.onNewMetadataImage(image, previous);
  }

  /** The `__consumer_offsets` partition of a group. */
  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.store.partitionCount);
  }

  /** Creates `__consumer_offsets` if needed (FindCoordinator); COORDINATOR_NOT_AVAILABLE when that fails. */
  async ensureOffsetsTopic(): Promise<number> {
    try {
      await this.store.ensureTopic();
      return ErrorCode.NONE;
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'could not create the offsets topic');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  isActive(): boolean {
    return this.active;
  }

  /** Whether some shard is loading. */
  isLoading(): boolean {
    return this.runtime.partitions().some((p) => this.runtime.state(p) === 'loading');
  }

  private image(): MetadataImage {
    return this.metadata?.() ?? EMPTY_IMAGE;
  }

  /** The error a request for this group gets before it reaches a shard (0: go ahead). */
  private status(groupId: string, allowEmptyId: boolean): number {
    // The offset APIs, DescribeGroups and DeleteGroups accept the empty group id (for old clients).
    if (!allowEmptyId && groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    switch (this.runtime.state(this.partitionFor(groupId))) {
      case undefined:
        return ErrorCode.NOT_COORDINATOR;
      case 'loading':
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      case 'failed':
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      default:
        return ErrorCode.NONE;
    }
  }

  private write<T>(name: string, groupId: string, fn: (shard: Shard) => T): Promise<T> {
    return this.runtime.scheduleWriteOperation(name, this.partitionFor(groupId), (shard) => shard.run(() => fn(shard)));
  }

  // ================================================================ JoinGroup, SyncGroup

  async joinGroup(ctx: GroupRequestContext, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const status = this.status(req.groupId, false);
    if (status !== ErrorCode.NONE) return joinResponse(joinError(req.memberId, status), ctx.apiVersion);
    try {
      return await this.write('JoinGroup', req.groupId, (s) => s.joinSync.joinGroup(ctx, req));
    } catch (e) {
      return joinResponse(joinError(req.memberId, errorOf(e).errorCode), ctx.apiVersion);
    }
  }

  async syncGroup(ctx: GroupRequestContext, req: SyncGroupRequest): Promise<SyncGroupResponse> {
    // v5 made ProtocolType and ProtocolName mandatory.
    if (ctx.apiVersion >= 5 && (req.protocolType === null || req.protocolName === null)) return syncResponse(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL), ctx.apiVersion);
    const status = this.status(req.groupId, false);
    // While loading, the rebalance in flight is lost: send the member back to JoinGroup.
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return syncResponse(syncError(ErrorCode.REBALANCE_IN_PROGRESS), ctx.apiVersion);
    if (status !== ErrorCode.NONE) return syncResponse(syncError(status), ctx.apiVersion);
    try {
      return await this.write('SyncGroup', req.groupId, (s) => s.joinSync.syncGroup(ctx, req));
    } catch (e) {
      return syncResponse(syncError(errorOf(e).errorCode), ctx.apiVersion);
    }
  }

  // ================================================================ Heartbeat, LeaveGroup

  async heartbeat(ctx: GroupRequestContext, req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const status = this.status(req.groupId, false);
    // While loading, heartbeats are answered blindly.
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE };
    if (status !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: status };
    try {
      return await this.write('Heartbeat', req.groupId, (s) => s.heartbeatLeave.heartbeat(ctx, req));
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: errorOf(e).errorCode };
    }
  }

  async leaveGroup(ctx: GroupRequestContext, req: LeaveGroupRequest): Promise<LeaveGroupResponse> {
    const status = this.status(req.groupId, false);
    if (status !== ErrorCode.NONE) return leaveResponse(ctx.apiVersion, status, []);
    try {
      return await this.write('LeaveGroup', req.groupId, (s) => s.heartbeatLeave.leaveGroup(ctx, req));
    } catch (e) {
      return leaveResponse(ctx.apiVersion, errorOf(e).errorCode, []);
    }
  }

  // ================================================================ OffsetCommit, OffsetFetch, OffsetDelete

  async commitOffsets(ctx: GroupRequestContext, req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number })) }));
    const response: OffsetCommitResponse = { throttleTimeMs: 0, topics };
    // Partitions of topics that exist; the others fail on their own (as KafkaApis does before the coordinator).
    const image = this.metadata?.() ?? null;
    const candidates: CommitCandidate[] = [];
    req.topics.forEach((t, i) => {
      const known = image === null || image.topicsByName.has(t.name);
      t.partitions.forEach((p, j) => {
        if (known) candidates.push({ topic: t.name, req: p, res: topics[i].partitions[j] });
        else topics[i].partitions[j].errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      });
    });
    if (candidates.length === 0) return response;
    const failAll = (code: number) => {
      for (const c of candidates) if (c.res.errorCode === ErrorCode.NONE) c.res.errorCode = code;
      return response;
    };
    const status = this.status(req.groupId, true);
    if (status !== ErrorCode.NONE) return failAll(status);
    try {
      await this.write('OffsetCommit', req.groupId, (s) => s.offsetManager.commit(ctx.apiVersion, req, candidates));
    } catch (e) {
      const { errorCode } = errorOf(e, mapOffsetStoreError);
      this.logger.debug({ group: req.groupId, error: errorCode }, 'offset commit failed');
      failAll(errorCode);
    }
    return response;
  }

  /**
   * TxnOffsetCommit: the offsets are written with the producer's id and
   * epoch and stay pending until the transaction's marker reaches this
   * partition (then visible on COMMIT, dropped on ABORT). The partition's
   * log checks the producer's epoch and, with KIP-890, the verification
   * guard the caller obtained (`verificationGuard`).
   */
  async commitTransactionalOffsets(ctx: GroupRequestContext, req: TxnOffsetCommitRequest, opts: { verificationGuard?: unknown } = {}): Promise<TxnOffsetCommitResponse> {
    const topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number })) }));
    const response: TxnOffsetCommitResponse = { throttleTimeMs: 0, topics };
    const image = this.metadata?.() ?? null;
    const candidates: TxnCommitCandidate[] = [];
    req.topics.forEach((t, i) => {
      const topic = image?.topicsByName.get(t.name);
      t.partitions.forEach((p, j) => {
        if (image === null || topic?.partitions.has(p.partitionIndex)) candidates.push({ topic: t.name, req: p, res: topics[i].partitions[j] });
        else topics[i].partitions[j].errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      });
    });
    if (candidates.length === 0) return response;
    const failAll = (code: number) => {
      for (const c of candidates) if (c.res.errorCode === ErrorCode.NONE) c.res.errorCode = code;
      return response;
    };
    if (req.groupId === '') return failAll(ErrorCode.INVALID_GROUP_ID);
    const status = this.status(req.groupId, true);
    if (status !== ErrorCode.NONE) return failAll(status);
    try {
      await this.runtime.scheduleWriteOperation('TxnOffsetCommit', this.partitionFor(req.groupId), (shard) => {
        const res = shard.run(() => shard.offsetManager.commitTransactional(ctx.apiVersion, req, candidates));
        res.producerId = req.producerId;
        res.producerEpoch = req.producerEpoch;
        res.verificationGuard = opts.verificationGuard;
        return res;
      });
    } catch (e) {
      const { errorCode } = errorOf(e, mapOffsetStoreError);
      this.logger.debug({ group: req.groupId, error: errorCode }, 'transactional offset commit failed');
      failAll(errorCode);
    }
    return response;
  }

  /**
   * WriteTxnMarkers for a partition of __consumer_offsets: the marker is
   * written through the runtime, so the shard makes the producer's pending
   * offsets visible (COMMIT) or drops them (ABORT). Resolves with an error
   * code (NOT_LEADER_OR_FOLLOWER while the shard is not here or loading, as
   * Kafka answers the transaction coordinator).
   */
  async completeTransaction(partition: number, producerId: bigint, producerEpoch: number, coordinatorEpoch: number, result: TransactionResult): Promise<number> {
    if (!this.active) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    try {
      await this.runtime.scheduleTransactionCompletion('WriteTxnMarkers', partition, producerId, producerEpoch, coordinatorEpoch, result);
      return ErrorCode.NONE;
    } catch (e) {
      const code = e instanceof CoordinatorError ? e.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
      if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.NOT_COORDINATOR) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      return code;
    }
  }

  async fetchOffsets(ctx: GroupRequestContext, req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    const v = ctx.apiVersion;
    const requireStable = v >= 7 && req.requireStable;
    if (v >= 8) {
      // KIP-709: several groups per request.
      const groups = await Promise.all(
        req.groups.map(async (g) => {
          const r = await this.fetchGroupOffsets(g.groupId, g.topics, { requireStable, memberId: v >= 9 ? g.memberId : null, memberEpoch: v >= 9 ? g.memberEpoch : -1 });
          return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode };
        }),
      );
      return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups };
    }
    const topicsReq = v < 2 && req.topics === null ? [] : req.topics;
    const r = await this.fetchGroupOffsets(req.groupId, topicsReq, { requireStable, memberId: null, memberEpoch: -1 });
    if (r.errorCode !== ErrorCode.NONE) {
      if (v >= 2) return { throttleTimeMs: 0, topics: [], errorCode: r.errorCode, groups: [] };
      // v1 has no top-level error: every requested partition carries it.
      const topics = (topicsReq ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
      }));
      return { throttleTimeMs: 0, topics, errorCode: r.errorCode, groups: [] };
    }
    return { throttleTimeMs: 0, topics: r.topics, errorCode: ErrorCode.NONE, groups: [] };
  }

  /**
   * The committed offsets of one group, for the requested partitions (-1 for
   * those without one) or all of them (null), whatever the group's state.
   */
  async fetchGroupOffsets(
    groupId: string,
    topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    opts: { requireStable: boolean; memberId: string | null; memberEpoch: number } = { requireStable: false, memberId: null, memberEpoch: -1 },
  ): Promise<{ errorCode: number; topics: FetchedTopic[] }> {
    const status = this.status(groupId, true);
    if (status !== ErrorCode.NONE) return { errorCode: status, topics: [] };
    try {
      return await this.runtime.scheduleReadOperation('OffsetFetch', this.partitionFor(groupId), (s) => s.offsetManager.fetch(groupId, topics, opts));
    } catch (e) {
      return { errorCode: errorOf(e).errorCode, topics: [] };
    }
  }

  async deleteOffsets(ctx: GroupRequestContext, req: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
    const fail = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
    const status = this.status(req.groupId, false);
    if (status !== ErrorCode.NONE) return fail(status);
    try {
      return await this.write('OffsetDelete', req.groupId, (s) => s.offsetManager.delete(req));
    } catch (e) {
      return fail(errorOf(e).errorCode);
    }
  }

  // ================================================================ DescribeGroups, ListGroups, DeleteGroups

  /** Runs `op` once per partition with that partition's group ids, in order; ids whose status fails get `fail`. */
  private async perPartition<T>(
    name: string,
    ids: string[],
    allowEmptyId: boolean,
    fail: (id: string, errorCode: number) => T,
    op: (shard: Shard, ids: string[]) => Map<string, T>,
    write = false,
  ): Promise<T[]> {
    const results = new Map<string, T>();
    const byPartition = new Map<number, string[]>();
    for (const id of ids) {
      const status = this.status(id, allowEmptyId);
      if (status !== ErrorCode.NONE) {
        results.set(id, fail(id, status));
        continue;
      }
      const p = this.partitionFor(id);
      const list = byPartition.get(p) ?? [];
      list.push(id);
      byPartition.set(p, list);
    }
    await Promise.all(
      [...byPartition].map(async ([p, list]) => {
        try {
          const r = write
            ? await this.runtime.scheduleWriteOperation(name, p, (s) => s.run(() => op(s, list)))
            : await this.runtime.scheduleReadOperation(name, p, (s) => op(s, list));
          for (const [id, v] of r) results.set(id, v);
        } catch (e) {
          const { errorCode } = errorOf(e);
          for (const id of list) results.set(id, fail(id, errorCode));
        }
      }),
    );
    return ids.map((id) => results.get(id)!);
  }

  async describeGroups(ctx: GroupRequestContext, req: DescribeGroupsRequest): Promise<DescribeGroupsResponse> {
    const v = ctx.apiVersion;
    const includeOps = v >= 3 && req.includeAuthorizedOperations;
    const fail = (groupId: string, errorCode: number): DescribeGroupsResponse.DescribedGroup => ({
      errorCode,
      errorMessage: null,
      groupId,
      groupState: '',
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: OPS_NOT_REQUESTED,
    });
    const groups = await this.perPartition('DescribeGroups', req.groups, true, fail, (s, ids) => new Map(ids.map((id) => [id, s.admin.describe(id, v, includeOps)])), true);
    return { throttleTimeMs: 0, groups };
  }

  async listGroups(ctx: GroupRequestContext, req: ListGroupsRequest): Promise<ListGroupsResponse> {
    const v = ctx.apiVersion;
    if (!this.active) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const states = new Set((v >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase().trim()));
    const types = new Set((v >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase().trim()));
    let errorCode: number = ErrorCode.NONE;
    const listed: Array<{ order: number; group: ListGroupsResponse.ListedGroup }> = [];
    await Promise.all(
      this.runtime.partitions().map(async (p) => {
        try {
          listed.push(...(await this.runtime.scheduleReadOperation('ListGroups', p, (s) => s.admin.list(v, states, types).map((group) => ({ order: s.groups.orderOf(group.groupId), group })))));
        } catch (e) {
          errorCode = errorOf(e).errorCode;
        }
      }),
    );
    // In the order the groups appeared, whatever shard they are on.
    const groups = listed.sort((a, b) => a.order - b.order).map((l) => l.group);
    return { throttleTimeMs: 0, errorCode, groups };
  }

  async deleteGroups(ctx: GroupRequestContext, req: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
    const ids = [...new Set(req.groupsNames)];
    const results = await this.perPartition(
      'DeleteGroups',
      ids,
      true,
      (_id, errorCode) => errorCode,
      (s, list) => {
        // Filled in for the deleted groups once their tombstones are written (before the operation answers).
        const errors = new Map<string, number>();
        s.admin.delete(list, errors);
        return errors;
      },
      true,
    );
    return { throttleTimeMs: 0, results: ids.map((groupId, i) => ({ groupId, errorCode: mapWriteError(results[i] ?? ErrorCode.UNKNOWN_SERVER_ERROR) })) };
  }

  // ================================================================ KIP-848

  async consumerGroupHeartbeat(ctx: GroupRequestContext, req: ConsumerGroupHeartbeatRequest): Promise<ConsumerGroupHeartbeatResponse> {
    const error = (errorCode: number, errorMessage: string | null = null): ConsumerGroupHeartbeatResponse => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: 0,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (!this.config.consumerProtocolEnabled) return error(ErrorCode.UNSUPPORTED_VERSION, 'The consumer group protocol is disabled (group.coordinator.rebalance.protocols).');
    if (req.groupId === '') return error(ErrorCode.INVALID_REQUEST, "GroupId can't be empty.");
    const status = this.status(req.groupId, false);
    if (status !== ErrorCode.NONE) return error(status);
    try {
      return await this.write('ConsumerGroupHeartbeat', req.groupId, (s) => s.consumer.heartbeat(ctx.apiVersion, ctx.clientId, ctx.clientHost, req));
    } catch (e) {
      const { errorCode, message } = errorOf(e, mapWriteError);
      return error(errorCode, message);
    }
  }

  async consumerGroupDescribe(ctx: GroupRequestContext, req: ConsumerGroupDescribeRequest): Promise<ConsumerGroupDescribeResponse> {
    const fail = (groupId: string, errorCode: number): ConsumerGroupDescribeResponse.DescribedGroup => ({
      errorCode,
      errorMessage: null,
      groupId,
      groupState: '',
      groupEpoch: 0,
      assignmentEpoch: 0,
      assignorName: '',
      members: [],
      authorizedOperations: OPS_NOT_REQUESTED,
    });
    const groups = await this.perPartition('ConsumerGroupDescribe', req.groupIds, false, fail, (s, ids) => {
      const described = s.consumer.describe(ids, ctx.apiVersion, req.includeAuthorizedOperations);
      return new Map(described.map((d) => [d.groupId, d]));
    });
    return { throttleTimeMs: 0, groups };
  }

  // ================================================================ expiration, topic deletion

  /** Runs offset expiration on every loaded shard now; resolves with the number of offsets removed. */
  async runOffsetExpiration(nowMs?: number): Promise<number> {
    if (!this.active) return 0;
    const removed = await Promise.all(
      this.runtime.activeShards().map(({ partition }) =>
        this.runtime.scheduleWriteOperation('OffsetExpiration', partition, (s) => s.run(() => s.offsetManager.expire(nowMs ?? s.clock.now()))).catch((e) => {
          this.logger.warn({ partition, err: (e as Error).message }, 'offset expiration failed');
          return 0;
        }),
      ),
    );
    return removed.reduce((a, b) => a + b, 0);
  }

  /** Topics were deleted: their committed offsets go (with tombstones). The returned promise never rejects. */
  async onTopicsDeleted(topics: string[]): Promise<void> {
    if (!this.active || topics.length === 0) return;
    const deleted = new Set(topics);
    await Promise.all(
      this.runtime.activeShards().map(({ partition }) =>
        this.runtime.scheduleWriteOperation('TopicsDeleted', partition, (s) => s.run(() => s.offsetManager.onTopicsDeleted(deleted))).catch((e) => {
          this.logger.warn({ partition, err: (e as Error).message }, 'could not remove the offsets of deleted topics');
          return 0;
        }),
      ),
    );
  }

  // ================================================================ introspection

  private loadedShardOf(groupId: string): Shard | undefined {
    return this.runtime.shard(this.partitionFor(groupId));
  }

  /** The state of a group ("Stable", "Reconciling", ...), or undefined when no loaded shard has it. */
  groupState(groupId: string): string | undefined {
    return this.loadedShardOf(groupId)?.groups.get(groupId)?.state;
  }

  groupIds(): string[] {
    return this.runtime
      .activeShards()
      .flatMap(({ shard }) => [...shard.groups.keys()].map((id) => ({ id, order: shard.groups.orderOf(id) })))
      .sort((a, b) => a.order - b.order)
      .map((g) => g.id);
  }

  /** The shard that holds a group, for tests. */
  shardOf(groupId: string): Shard | undefined {
    return this.loadedShardOf(groupId);
  }

  snapshot(groupId: string): GroupSnapshot | undefined {
    const shard = this.loadedShardOf(groupId);
    const g = shard?.groups.get(groupId);
    if (!shard || !g) return undefined;
    const offsets = shard.offsets.offsetsOf(groupId).map(({ topic, partition, value }) => ({
      topic,
      partition,
      offset: value.offset,
      leaderEpoch: value.leaderEpoch,
      metadata: value.metadata,
      commitTimestamp: value.commitTimestamp,
      expireTimestamp: value.expireTimestamp,
    }));
    if (g.type === 'consumer') {
      return {
        groupId,
        type: 'consumer',
        state: g.state,
        generationId: g.groupEpoch,
        protocolType: 'consumer',
        protocolName: null,
        leaderId: null,
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          sessionTimeoutMs: m.classicMemberMetadata?.sessionTimeoutMs ?? -1,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          assignment: Buffer.alloc(0),
        })),
        offsets,
      };
    }
    return {
      groupId,
      type: 'classic',
      state: g.state,
      generationId: g.generationId,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leaderId: g.leaderId,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        assignment: m.assignment,
      })),
      offsets,
    };
  }
}
