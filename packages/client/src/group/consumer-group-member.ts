/**
 * A member of a KIP-848 consumer group (group.protocol=consumer): one
 * ConsumerGroupHeartbeat does what JoinGroup, SyncGroup and Heartbeat do in
 * the classic protocol, and the broker computes the assignment.
 *
 * - Joining: a heartbeat with epoch 0, the subscribed topic names, the
 *   rebalance timeout (max.poll.interval.ms) and the server assignor
 *   (group.remote.assignor). v1 (KIP-1082) brings its own member id (a
 *   UUID); with v0 the coordinator hands one out.
 * - Heartbeats every heartbeat interval the coordinator says, carrying the
 *   member epoch and the partitions owned. An answer with an assignment is
 *   the member's new target: the owner reconciles it in its poll loop
 *   (revocation first, with onPartitionsRevoked, then onPartitionsAssigned)
 *   and the next heartbeat, sent at once, acknowledges it.
 * - FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID: the partitions are lost
 *   (onPartitionsLost) and the member rejoins at epoch 0. Coordinator errors
 *   look the coordinator up again. Errors that retrying cannot fix
 *   (UNSUPPORTED_ASSIGNOR, GROUP_MAX_SIZE_REACHED, INVALID_REQUEST, ...) are
 *   thrown from the next poll.
 * - Leaving: epoch -1 (a static member: -2, it may come back). If poll() is
 *   not called for max.poll.interval.ms the member leaves, as Java's does.
 *
 * Like GroupMember, reconciliation happens in `ensureActive()` (called from
 * the owner's poll loop), never behind the owner's back.
 */
import { randomUUID } from 'node:crypto';
import { NagareError, ScheduledTask } from '@nagare/common';
import { ApiKey, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, ErrorCode, KafkaProtocolError, RequestByKey, ResponseByKey } from '@nagare/protocol';
import { BrokerInfo, Cluster, CoordinatorType, isCoordinatorError } from '../cluster';
import { sleep } from '../config';
import { RequestOptions } from '../network/connection';
import { TopicPartition, tpKey } from './consumer-protocol';
import type { MemberState } from './group-member';

type AnyKey = keyof RequestByKey & keyof ResponseByKey;

export interface ConsumerGroupMemberOptions {
  cluster: Cluster;
  groupId: string;
  groupInstanceId?: string | null;
  /** `max.poll.interval.ms`: the rebalance timeout, and leave the group when poll() is not called for this long. */
  rebalanceTimeoutMs: number;
  /** `group.remote.assignor` (null: the broker's default). */
  serverAssignor?: string | null;
  /** The topics the owner subscribes to now. */
  subscription: () => string[];
  /** `client.rack`. */
  rackId?: string | null;
  /** Makes `owned` the member's partitions: revoke what is gone, then assign what is new (the owner's callbacks). */
  onAssignment: (next: TopicPartition[], memberEpoch: number) => Promise<void>;
  /** The partitions were lost (fenced, left after a poll timeout): drop them without committing. */
  onLost: (reason: string) => Promise<void>;
  /** Something happened in the background the owner's poll loop should look at. */
  onWake?: () => void;
}

/** Errors a heartbeat answers that retrying cannot fix. */
const FATAL = new Set<number>([
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.INVALID_REQUEST,
  ErrorCode.UNSUPPORTED_ASSIGNOR,
  ErrorCode.GROUP_MAX_SIZE_REACHED,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.INVALID_REGULAR_EXPRESSION,
  ErrorCode.FENCED_INSTANCE_ID,
]);

const LEAVE_EPOCH = -1;
const STATIC_LEAVE_EPOCH = -2;

export class ConsumerGroupMember {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  private readonly cluster: Cluster;
  private readonly o: ConsumerGroupMemberOptions;
  private coordinator: BrokerInfo | null = null;
  private _state: MemberState = 'unjoined';
  private _memberId = '';
  private _memberEpoch = 0;
  private heartbeatIntervalMs = 3000;
  /** A target the owner has not reconciled yet (topic ids resolved to names once metadata has them). */
  private pendingAssignment: Array<{ topicId: string; partitions: number[] }> | null = null;
  /** What the member owns (acknowledged in heartbeats). */
  private owned: TopicPartition[] = [];
  private lostReason: string | null = null;
  private subscriptionChanged = true;
  private fatal: Error | null = null;
  private closed = false;
  private heartbeatTimer: ScheduledTask | null = null;
  private inFlight: Promise<void> | null = null;
  private reconciling: Promise<void> | null = null;
  private lastPoll = 0;

  constructor(options: ConsumerGroupMemberOptions) {
    this.cluster = options.cluster;
    this.groupId = options.groupId;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.o = options;
    this.lastPoll = this.now();
  }

  get state(): MemberState {
    return this._state;
  }
  get memberId(): string {
    return this._memberId;
  }
  /** The member epoch (what OffsetCommit v9 sends as the generation). */
  get generationId(): number {
    return this._state === 'stable' ? this._memberEpoch : -1;
  }
  get memberEpoch(): number {
    return this._memberEpoch;
  }
  /** The broker assigns: no member leads. */
  get isLeader(): boolean {
    return false;
  }
  /** No member leads (as GroupMember's leaderId). */
  get leaderId(): string {
    return '';
  }
  /** KIP-848 groups have no embedded protocol name (the broker's assignor does the work). */
  get protocolName(): string | null {
    return null;
  }
  get coordinatorNode(): BrokerInfo | null {
    return this.coordinator;
  }
  get needsRejoin(): boolean {
    return this._state !== 'stable' || this.pendingAssignment !== null || this.lostReason !== null || this.subscriptionChanged || this.fatal !== null;
  }

  private now(): number {
    return this.cluster.options.clock.monotonicMs();
  }

  /** The subscription changed (or the owner wants a full heartbeat). */
  requestRejoin(reason: string): void {
    this.cluster.options.logger.debug({ group: this.groupId, reason }, 'full heartbeat requested');
    this.subscriptionChanged = true;
  }

  poll(): void {
    this.lastPoll = this.now();
  }

  // ---- coordinator ------------------------------------------------------------

  async ensureCoordinator(timeoutMs = this.cluster.options.requestTimeoutMs): Promise<BrokerInfo> {
    if (this.coordinator) return this.coordinator;
    this.coordinator = await this.cluster.findCoordinator(this.groupId, CoordinatorType.Group, timeoutMs);
    return this.coordinator;
  }

  markCoordinatorUnknown(reason: string): void {
    if (!this.coordinator) return;
    this.cluster.options.logger.info({ group: this.groupId, coordinator: this.coordinator.nodeId, reason }, 'coordinator unknown');
    this.cluster.coordinatorConnection(this.coordinator).disconnect();
    this.coordinator = null;
    this.cluster.invalidateCoordinator(this.groupId, CoordinatorType.Group);
  }

  async coordinatorRequest<K extends AnyKey>(apiKey: K, build: (version: number) => RequestByKey[K], options?: RequestOptions): Promise<ResponseByKey[K]> {
    const coord = await this.ensureCoordinator();
    try {
      const res = await this.cluster.coordinatorConnection(coord).request(apiKey, build, options);
      const code = (res as { errorCode?: number }).errorCode;
      if (code !== undefined && isCoordinatorError(code)) this.markCoordinatorUnknown(`error ${code}`);
      return res;
    } catch (e) {
      if (e instanceof NagareError && (e.kind === 'CONNECTION_FAILED' || e.kind === 'REQUEST_TIMED_OUT')) this.markCoordinatorUnknown(e.message);
      throw e;
    }
  }

  // ---- joining and reconciling (owner's poll loop) ----------------------------

  /**
   * Joins, reconciles a new assignment, or recovers lost partitions, as
   * needed; resolves true once the member is stable with nothing pending
   * (false if `timeoutMs` passed first).
   */
  async ensureActive(timeoutMs = Infinity): Promise<boolean> {
    const deadline = timeoutMs === Infinity ? Infinity : this.now() + timeoutMs;
    let attempt = 0;
    while (!this.closed) {
      if (this.fatal) throw this.fatal;
      if (this.lostReason !== null) {
        const reason = this.lostReason;
        this.lostReason = null;
        this.owned = [];
        this.pendingAssignment = null;
        await this.o.onLost(reason);
      }
      if (this.pendingAssignment !== null) {
        await this.reconcile();
        if (this.pendingAssignment !== null) {
          // Topic ids the metadata does not know yet: look again shortly.
          await this.cluster.refresh().catch(() => undefined);
          if (this.now() >= deadline) return false;
          await sleep(this.cluster.options.scheduler, this.cluster.options.retryBackoffMs);
          continue;
        }
      }
      if (this._state === 'stable' && !this.subscriptionChanged) return true;
      if (this.now() >= deadline) return false;
      const ok = await this.sendHeartbeat(true);
      if (!ok) {
        if (this.now() >= deadline) return false;
        await sleep(this.cluster.options.scheduler, this.cluster.options.retryBackoff.backoff(attempt++));
      }
    }
    throw new NagareError('CLIENT_CLOSED', 'the group member is closed');
  }

  private async reconcile(): Promise<void> {
    if (this.reconciling) return this.reconciling;
    this.reconciling = (async () => {
      const target = this.pendingAssignment!;
      const names: TopicPartition[] = [];
      for (const { topicId, partitions } of target) {
        const topic = this.cluster.topicNames().find((n) => this.cluster.topic(n)?.topicId === topicId);
        if (topic === undefined) {
          this.cluster.options.logger.debug({ group: this.groupId, topicId }, 'assignment names a topic id the metadata does not have yet');
          return;
        }
        for (const p of partitions) names.push({ topic, partition: p });
      }
      this.pendingAssignment = null;
      await this.o.onAssignment(names, this._memberEpoch);
      this.owned = names;
      // Acknowledge at once: other members may be waiting for what was revoked.
      if (this._state === 'stable') this.scheduleHeartbeat(0);
    })().finally(() => (this.reconciling = null));
    return this.reconciling;
  }

  // ---- heartbeats -----------------------------------------------------------------

  private request(full: boolean): (v: number) => ConsumerGroupHeartbeatRequest {
    const joining = this._memberEpoch === 0;
    const sendAll = full || joining || this.subscriptionChanged;
    const owned = new Map<string, number[]>();
    for (const tp of this.owned) {
      const id = this.cluster.topic(tp.topic)?.topicId;
      if (!id) continue;
      let ps = owned.get(id);
      if (!ps) owned.set(id, (ps = []));
      ps.push(tp.partition);
    }
    return (v) => {
      if (v >= 1 && this._memberId === '') this._memberId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
      return {
        groupId: this.groupId,
        memberId: this._memberId,
        memberEpoch: this._memberEpoch,
        instanceId: this.groupInstanceId,
        rackId: sendAll ? (this.o.rackId ?? null) : null,
        rebalanceTimeoutMs: sendAll ? this.o.rebalanceTimeoutMs : -1,
        subscribedTopicNames: sendAll ? [...this.o.subscription()].sort() : null,
        subscribedTopicRegex: null,
        serverAssignor: sendAll ? (this.o.serverAssignor ?? null) : null,
        topicPartitions: joining ? [] : [...owned].map(([topicId, partitions]) => ({ topicId, partitions: partitions.sort((a, b) => a - b) })),
      };
    };
  }

  /** One heartbeat; true when it got an answer without error. */
  private sendHeartbeat(full: boolean): Promise<boolean> {
    if (this.inFlight) return this.inFlight.then(() => this.fatal === null && this.lostReason === null);
    let ok = false;
    const wasSubscriptionChange = this.subscriptionChanged;
    this.inFlight = (async () => {
      if (this._state === 'unjoined') this._state = 'joining';
      let res: ConsumerGroupHeartbeatResponse;
      try {
        res = await this.coordinatorRequest(ApiKey.ConsumerGroupHeartbeat, this.request(full));
      } catch (e) {
        if (e instanceof KafkaProtocolError && e.code === ErrorCode.UNSUPPORTED_VERSION) {
          this.fatal = new NagareError('INVALID_CONFIG', 'the broker does not support group.protocol=consumer (ConsumerGroupHeartbeat, KIP-848): use group.protocol=classic');
        }
        this.cluster.options.logger.debug({ group: this.groupId, err: (e as Error).message }, 'heartbeat failed');
        return;
      }
      ok = this.handle(res, wasSubscriptionChange);
    })().finally(() => {
      this.inFlight = null;
      if (this._state === 'stable' && !this.closed) this.scheduleHeartbeat(ok ? this.heartbeatIntervalMs : this.cluster.options.retryBackoffMs);
    });
    return this.inFlight.then(() => ok);
  }

  private handle(res: ConsumerGroupHeartbeatResponse, sentSubscription: boolean): boolean {
    const log = this.cluster.options.logger;
    switch (res.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.FENCED_MEMBER_EPOCH:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        log.info({ group: this.groupId, memberId: this._memberId, error: res.errorCode, message: res.errorMessage }, 'fenced from the group; rejoining');
        this._memberEpoch = 0;
        this._state = 'unjoined';
        this.subscriptionChanged = true;
        if (this.owned.length > 0 || this.pendingAssignment) this.lostReason = `heartbeat error ${res.errorCode}`;
        this.o.onWake?.();
        return false;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.UNRELEASED_INSTANCE_ID:
        return false;
      default:
        if (FATAL.has(res.errorCode)) {
          this.fatal = new KafkaProtocolError(res.errorCode, `ConsumerGroupHeartbeat for group ${this.groupId}${res.errorMessage ? `: ${res.errorMessage}` : ''}`);
          this.o.onWake?.();
          return false;
        }
        log.warn({ group: this.groupId, error: res.errorCode, message: res.errorMessage }, 'unexpected heartbeat error');
        return false;
    }
    if (res.memberId) this._memberId = res.memberId;
    const epochChanged = res.memberEpoch !== this._memberEpoch;
    this._memberEpoch = res.memberEpoch;
    if (res.heartbeatIntervalMs > 0) this.heartbeatIntervalMs = res.heartbeatIntervalMs;
    if (sentSubscription) this.subscriptionChanged = false;
    if (this._state !== 'stable') {
      this._state = 'stable';
      log.info({ group: this.groupId, memberId: this._memberId, epoch: this._memberEpoch }, 'joined group (consumer protocol)');
    }
    if (res.assignment) {
      const next = res.assignment.topicPartitions;
      const current = new Set(this.owned.map((tp) => tpKey(this.cluster.topic(tp.topic)?.topicId ?? tp.topic, tp.partition)));
      const same = next.reduce((n, tp) => n + tp.partitions.length, 0) === current.size && next.every((tp) => tp.partitions.every((p) => current.has(tpKey(tp.topicId, p))));
      if (!same || this.pendingAssignment !== null) {
        this.pendingAssignment = next;
        this.o.onWake?.();
      }
    } else if (epochChanged) {
      log.debug({ group: this.groupId, epoch: this._memberEpoch }, 'member epoch moved on');
    }
    return true;
  }

  private scheduleHeartbeat(delay: number): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.cluster.options.scheduler.schedule(delay, () => {
      this.heartbeatTimer = null;
      this.backgroundHeartbeat().catch((e) => this.cluster.options.logger.debug({ err: (e as Error).message }, 'heartbeat failed'));
    });
  }

  private async backgroundHeartbeat(): Promise<void> {
    if (this._state !== 'stable' || this.closed || this.cluster.isClosed) return;
    if (this.now() - this.lastPoll > this.o.rebalanceTimeoutMs) {
      this.cluster.options.logger.warn(
        { group: this.groupId, pollTimeoutMs: this.o.rebalanceTimeoutMs },
        'poll timeout has expired: the application spends too long between polls; leaving the group',
      );
      await this.leave('consumer poll timeout has expired').catch(() => undefined);
      if (this.owned.length > 0) this.lostReason = 'poll timeout';
      this.subscriptionChanged = true;
      this.o.onWake?.();
      return;
    }
    await this.sendHeartbeat(false);
  }

  // ---- leave / close ----------------------------------------------------------------

  /** Leaves the group (a static member for now: epoch -2) and stops heartbeats. */
  async leave(reason = 'the member is leaving the group'): Promise<void> {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    if (this._memberId === '' || this._memberEpoch <= 0) {
      this._state = 'unjoined';
      return;
    }
    const epoch = this.groupInstanceId !== null ? STATIC_LEAVE_EPOCH : LEAVE_EPOCH;
    try {
      await this.inFlight?.catch(() => undefined);
      const res = await this.coordinatorRequest(ApiKey.ConsumerGroupHeartbeat, (v) => ({ ...this.request(false)(v), memberEpoch: epoch }));
      if (res.errorCode !== ErrorCode.NONE) this.cluster.options.logger.debug({ group: this.groupId, error: res.errorCode }, `leaving failed (${reason})`);
    } finally {
      this._memberEpoch = 0;
      this._state = 'unjoined';
      this.owned = [];
      this.subscriptionChanged = true;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this._state === 'stable') await this.leave('the member is closing');
    } catch {
      // best effort
    }
    this.closed = true;
    this.heartbeatTimer?.cancel();
    this._state = 'closed';
  }
}
