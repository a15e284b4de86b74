/**
 * A member of a classic Kafka group (JoinGroup / SyncGroup / Heartbeat /
 * LeaveGroup), independent of what the group shares: the protocol type,
 * the metadata each member sends and the leader's assignment function are
 * supplied by the user. The Consumer uses it with protocol type "consumer";
 * Connect workers use it with "connect".
 *
 * - Coordinator: found with FindCoordinator and reached over its own
 *   connection; NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE or a dropped
 *   connection make the member look it up again.
 * - Join: JoinGroup (MEMBER_ID_REQUIRED from v4 on: rejoin at once with the
 *   member id the coordinator handed out, KIP-394), then SyncGroup; the
 *   leader computes every member's assignment with `assign`.
 * - Heartbeats every heartbeat.interval.ms while stable, on a timer.
 *   REBALANCE_IN_PROGRESS asks for a rejoin; ILLEGAL_GENERATION,
 *   UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID mean the generation is lost.
 *   No successful heartbeat for session.timeout.ms marks the coordinator
 *   unknown. If `poll()` is not called for max.poll.interval.ms, the member
 *   leaves the group (as the Java consumer's heartbeat thread does).
 * - Static membership (group.instance.id, KIP-345): the id is sent in every
 *   request, and close() does not send LeaveGroup.
 *
 * Rejoining happens in `ensureActive()` (called from the owner's poll loop),
 * never behind the owner's back, so the owner's callbacks run in order.
 */
import { NagareError, ScheduledTask } from '@nagare/common';
import { ApiKey, ErrorCode, JoinGroupResponse, KafkaProtocolError, ProtocolDecodeError, RequestByKey, ResponseByKey } from '@nagare/protocol';
import { BrokerInfo, Cluster, CoordinatorType, isCoordinatorError } from '../cluster';
import { sleep } from '../config';
import { RequestOptions } from '../network/connection';

type AnyKey = keyof RequestByKey & keyof ResponseByKey;

export interface JoinProtocol {
  name: string;
  metadata: Buffer;
}

export interface GroupMemberMetadata {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface LeaderAssignArgs {
  protocolName: string;
  generationId: number;
  leaderId: string;
  members: GroupMemberMetadata[];
}

export interface JoinCompleteArgs {
  generationId: number;
  memberId: string;
  leaderId: string;
  isLeader: boolean;
  protocolName: string;
  assignment: Buffer;
}

export interface JoinPrepareArgs {
  /** The generation being left (-1 if none). */
  generationId: number;
  memberId: string;
  /** True when the previous generation was lost (fenced, expired, left after a poll timeout). */
  lost: boolean;
}

export interface GroupMemberOptions {
  cluster: Cluster;
  groupId: string;
  /** `group.instance.id` for static membership (KIP-345). */
  groupInstanceId?: string | null;
  protocolType: string;
  /** `session.timeout.ms` (45000). */
  sessionTimeoutMs?: number;
  /** The rebalance timeout (the consumer passes max.poll.interval.ms; Connect its rebalance.timeout.ms). Default 300000. */
  rebalanceTimeoutMs?: number;
  /** `heartbeat.interval.ms` (3000). */
  heartbeatIntervalMs?: number;
  /** Leave the group when `poll()` was not called for this long (max.poll.interval.ms); default: never. */
  pollTimeoutMs?: number;
  /** The protocols this member supports, preferred first. Called before every JoinGroup. */
  protocols: () => JoinProtocol[] | Promise<JoinProtocol[]>;
  /** Leader only: member id -> assignment bytes (members left out get an empty assignment). */
  assign: (args: LeaderAssignArgs) => Map<string, Buffer> | Promise<Map<string, Buffer>>;
  /** Before a (re)join. */
  onJoinPrepare?: (args: JoinPrepareArgs) => void | Promise<void>;
  /** After SyncGroup succeeded. */
  onJoinComplete: (args: JoinCompleteArgs) => void | Promise<void>;
  /** The generation was lost in the background (heartbeat error, poll timeout). */
  onGenerationLost?: (reason: string) => void;
}

export type MemberState = 'unjoined' | 'joining' | 'stable' | 'closed';

export class GroupMember {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  private readonly cluster: Cluster;
  private readonly o: Required<Omit<GroupMemberOptions, 'groupInstanceId' | 'onJoinPrepare' | 'onGenerationLost' | 'pollTimeoutMs'>> &
    Pick<GroupMemberOptions, 'onJoinPrepare' | 'onGenerationLost' | 'pollTimeoutMs'>;
  private coordinator: BrokerInfo | null = null;
  private _state: MemberState = 'unjoined';
  private _memberId = '';
  private _generationId = -1;
  private _protocolName: string | null = null;
  private _leaderId = '';
  private rejoinReason: string | null = 'initial join';
  private generationLost = false;
  private joining: Promise<void> | null = null;
  private heartbeatTimer: ScheduledTask | null = null;
  private heartbeatInFlight = false;
  private lastHeartbeatOk = 0;
  private lastPoll = 0;
  private fatal: Error | null = null;
  private closed = false;

  constructor(options: GroupMemberOptions) {
    this.cluster = options.cluster;
    this.groupId = options.groupId;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.o = {
      cluster: options.cluster,
      groupId: options.groupId,
      protocolType: options.protocolType,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 45000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
      pollTimeoutMs: options.pollTimeoutMs,
      protocols: options.protocols,
      assign: options.assign,
      onJoinPrepare: options.onJoinPrepare,
      onJoinComplete: options.onJoinComplete,
      onGenerationLost: options.onGenerationLost,
    };
    if (this.o.heartbeatIntervalMs >= this.o.sessionTimeoutMs) {
      throw new NagareError('INVALID_CONFIG', 'heartbeatIntervalMs must be lower than sessionTimeoutMs');
    }
    this.lastPoll = this.now();
  }

  get state(): MemberState {
    return this._state;
  }
  get memberId(): string {
    return this._memberId;
  }
  get generationId(): number {
    return this._generationId;
  }
  get protocolName(): string | null {
    return this._protocolName;
  }
  get leaderId(): string {
    return this._leaderId;
  }
  get isLeader(): boolean {
    return this._memberId !== '' && this._memberId === this._leaderId;
  }
  /** The coordinator, once known. */
  get coordinatorNode(): BrokerInfo | null {
    return this.coordinator;
  }
  get needsRejoin(): boolean {
    return this.rejoinReason !== null || this._state !== 'stable';
  }

  private now(): number {
    return this.cluster.options.clock.monotonicMs();
  }

  /** Asks for a rejoin at the next `ensureActive()`. */
  requestRejoin(reason: string): void {
    if (this.rejoinReason === null) this.cluster.options.logger.info({ group: this.groupId, reason }, 'rejoin requested');
    this.rejoinReason ??= reason;
  }

  // ---- coordinator --------------------------------------------------------

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

  /**
   * Sends a request to the coordinator (finding it first). Connection
   * failures and coordinator errors in the top-level error code make the
   * coordinator unknown before the error is rethrown.
   */
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

  // ---- join / sync --------------------------------------------------------

  /**
   * Joins (or rejoins) the group if needed and waits until the member is
   * stable. Resolves false if `timeoutMs` passed first.
   */
  async ensureActive(timeoutMs = Infinity): Promise<boolean> {
    if (this.fatal) throw this.fatal;
    if (this.closed) throw new NagareError('CLIENT_CLOSED', 'the group member is closed');
    if (!this.needsRejoin) return true;
    if (!this.joining) {
      this.joining = this.joinLoop().finally(() => (this.joining = null));
    }
    if (timeoutMs === Infinity) {
      await this.joining;
      return true;
    }
    let timer: ScheduledTask | null = null;
    const timedOut = await Promise.race([
      this.joining.then(() => false),
      new Promise<boolean>((res) => (timer = this.cluster.options.scheduler.schedule(timeoutMs, () => res(true)))),
    ]);
    (timer as ScheduledTask | null)?.cancel();
    return !timedOut;
  }

  private async joinLoop(): Promise<void> {
    let attempt = 0;
    let prepared = false;
    while (!this.closed) {
      if (this.fatal) throw this.fatal;
      if (!prepared) {
        // Heartbeats go on while the owner revokes and commits (as Java's heartbeat thread does).
        const lost = this.generationLost;
        await this.o.onJoinPrepare?.({ generationId: this._generationId, memberId: this._memberId, lost });
        this.generationLost = false;
        prepared = true;
      }
      this.stopHeartbeats();
      if (this.closed) break;
      this._state = 'joining';
      let outcome: 'done' | 'retry' | 'backoff';
      try {
        outcome = await this.joinOnce();
      } catch (e) {
        if (e instanceof KafkaProtocolError && !e.retriable) {
          this.fatal = e;
          this._state = 'unjoined';
          throw e;
        }
        if (e instanceof NagareError && e.kind === 'CLIENT_CLOSED') throw e;
        // A malformed JoinGroup/SyncGroup answer (seen from brokers that send a
        // null assignment with an error) is treated like a failed round: rejoin.
        if (!(e instanceof NagareError || e instanceof KafkaProtocolError || e instanceof ProtocolDecodeError)) throw e;
        this.cluster.options.logger.debug({ group: this.groupId, err: e.message }, 'join failed, retrying');
        outcome = 'backoff';
      }
      if (outcome === 'done') return;
      if (outcome === 'backoff') {
        await sleep(this.cluster.options.scheduler, this.cluster.options.retryBackoff.backoff(attempt++));
      }
      if (this.generationLost) prepared = false;
    }
    throw new NagareError('CLIENT_CLOSED', 'the group member is closed');
  }

  private resetGeneration(reason: string, keepMemberId = false): void {
    if (this._generationId >= 0 || this._memberId !== '') this.generationLost = true;
    this.cluster.options.logger.info({ group: this.groupId, generation: this._generationId, reason }, 'resetting generation');
    this._generationId = -1;
    this._protocolName = null;
    if (!keepMemberId) this._memberId = '';
    this._state = 'unjoined';
  }

  private async joinOnce(): Promise<'done' | 'retry' | 'backoff'> {
    const protocols = await this.o.protocols();
    const reason = this.rejoinReason;
    const res: JoinGroupResponse = await this.coordinatorRequest(
      ApiKey.JoinGroup,
      (v) => ({
        groupId: this.groupId,
        sessionTimeoutMs: this.o.sessionTimeoutMs,
        rebalanceTimeoutMs: this.o.rebalanceTimeoutMs,
        memberId: this._memberId,
        groupInstanceId: v >= 5 ? this.groupInstanceId : null,
        protocolType: this.o.protocolType,
        protocols,
        reason: v >= 8 ? reason : null,
      }),
      { timeoutMs: Math.max(this.cluster.options.requestTimeoutMs, this.o.rebalanceTimeoutMs + 5000) },
    );
    switch (res.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator assigned an id; join again with it.
        this.cluster.options.logger.debug({ group: this.groupId, memberId: res.memberId }, 'member id required (KIP-394): rejoining with the given id');
        this._memberId = res.memberId;
        return 'retry';
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetGeneration('JoinGroup: UNKNOWN_MEMBER_ID');
        return 'retry';
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration('JoinGroup: ILLEGAL_GENERATION', true);
        return 'retry';
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return 'retry';
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.markCoordinatorUnknown('JoinGroup');
        return 'backoff';
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return 'backoff';
      default:
        throw new KafkaProtocolError(res.errorCode, `JoinGroup for group ${this.groupId}`);
    }
    this._memberId = res.memberId;
    this._generationId = res.generationId;
    this._protocolName = res.protocolName;
    this._leaderId = res.leader;
    const isLeader = res.leader === res.memberId;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (isLeader && !res.skipAssignment) {
      const map = await this.o.assign({
        protocolName: res.protocolName ?? '',
        generationId: res.generationId,
        leaderId: res.leader,
        members: res.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
      });
      assignments = res.members.map((m) => ({ memberId: m.memberId, assignment: map.get(m.memberId) ?? Buffer.alloc(0) }));
    }
    const sync = await this.coordinatorRequest(ApiKey.SyncGroup, (v) => ({
      groupId: this.groupId,
      generationId: res.generationId,
      memberId: res.memberId,
      groupInstanceId: v >= 3 ? this.groupInstanceId : null,
      protocolType: v >= 5 ? this.o.protocolType : null,
      protocolName: v >= 5 ? res.protocolName : null,
      assignments,
    }));
    switch (sync.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return 'retry';
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetGeneration('SyncGroup: UNKNOWN_MEMBER_ID');
        return 'retry';
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration('SyncGroup: ILLEGAL_GENERATION', true);
        return 'retry';
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.markCoordinatorUnknown('SyncGroup');
        return 'backoff';
      default:
        throw new KafkaProtocolError(sync.errorCode, `SyncGroup for group ${this.groupId}`);
    }
    if (this.closed) return 'done';
    this._state = 'stable';
    this.rejoinReason = null;
    this.cluster.options.logger.info(
      { group: this.groupId, generation: res.generationId, memberId: res.memberId, leader: isLeader, protocol: res.protocolName },
      'joined group',
    );
    // Heartbeats start before the owner's callbacks, which may take a while.
    this.startHeartbeats();
    await this.o.onJoinComplete({
      generationId: res.generationId,
      memberId: res.memberId,
      leaderId: res.leader,
      isLeader,
      protocolName: res.protocolName ?? '',
      assignment: sync.assignment,
    });
    return 'done';
  }

  // ---- heartbeats -----------------------------------------------------------

  /** Call from the owner's poll loop: records liveness for max.poll.interval.ms. */
  poll(): void {
    this.lastPoll = this.now();
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.lastHeartbeatOk = this.now();
    this.scheduleHeartbeat(this.o.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
  }

  private scheduleHeartbeat(delay: number): void {
    this.heartbeatTimer = this.cluster.options.scheduler.schedule(delay, () => {
      this.heartbeatTimer = null;
      this.heartbeat().catch((e) => this.cluster.options.logger.debug({ err: (e as Error).message }, 'heartbeat failed'));
    });
  }

  private async heartbeat(): Promise<void> {
    if (this._state !== 'stable' || this.heartbeatInFlight || this.closed || this.cluster.isClosed) return;
    const now = this.now();
    if (this.o.pollTimeoutMs !== undefined && now - this.lastPoll > this.o.pollTimeoutMs) {
      this.cluster.options.logger.warn(
        { group: this.groupId, pollTimeoutMs: this.o.pollTimeoutMs },
        'poll timeout has expired: the application spends too long between polls; leaving the group',
      );
      await this.leave('consumer poll timeout has expired').catch(() => undefined);
      this.resetGeneration('poll timeout');
      this.requestRejoin('poll timeout expired');
      this.o.onGenerationLost?.('poll timeout');
      return;
    }
    if (now - this.lastHeartbeatOk > this.o.sessionTimeoutMs) this.markCoordinatorUnknown('session timed out without a successful heartbeat');
    this.heartbeatInFlight = true;
    let next = this.o.heartbeatIntervalMs;
    try {
      const res = await this.coordinatorRequest(ApiKey.Heartbeat, (v) => ({
        groupId: this.groupId,
        generationId: this._generationId,
        memberId: this._memberId,
        groupInstanceId: v >= 3 ? this.groupInstanceId : null,
      }));
      if (this._state !== 'stable') return;
      switch (res.errorCode) {
        case ErrorCode.NONE:
          this.lastHeartbeatOk = this.now();
          break;
        case ErrorCode.REBALANCE_IN_PROGRESS:
          this.lastHeartbeatOk = this.now();
          this.requestRejoin('group is rebalancing');
          break;
        case ErrorCode.ILLEGAL_GENERATION:
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.FENCED_INSTANCE_ID:
          if (res.errorCode === ErrorCode.FENCED_INSTANCE_ID) this.fatal = new KafkaProtocolError(res.errorCode, `group.instance.id ${this.groupInstanceId} was fenced`);
          this.resetGeneration(`Heartbeat: error ${res.errorCode}`, res.errorCode === ErrorCode.ILLEGAL_GENERATION);
          this.requestRejoin(`heartbeat error ${res.errorCode}`);
          this.o.onGenerationLost?.(`heartbeat error ${res.errorCode}`);
          return;
        case ErrorCode.NOT_COORDINATOR:
        case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
          next = this.cluster.options.retryBackoffMs;
          break;
        default:
          this.cluster.options.logger.warn({ group: this.groupId, error: res.errorCode }, 'unexpected heartbeat error');
      }
    } catch (e) {
      next = this.cluster.options.retryBackoffMs;
      throw e;
    } finally {
      this.heartbeatInFlight = false;
      if (this._state === 'stable' && this.heartbeatTimer === null) this.scheduleHeartbeat(next);
    }
  }

  // ---- leave / close --------------------------------------------------------

  /** Sends LeaveGroup (not for static members) and resets the generation. */
  async leave(reason = 'the member is leaving the group'): Promise<void> {
    this.stopHeartbeats();
    if (this._memberId === '' || this.groupInstanceId !== null) return;
    const memberId = this._memberId;
    try {
      const res = await this.coordinatorRequest(ApiKey.LeaveGroup, (v) =>
        v >= 3
          ? { groupId: this.groupId, memberId: '', members: [{ memberId, groupInstanceId: this.groupInstanceId, reason: v >= 5 ? reason : null }] }
          : { groupId: this.groupId, memberId, members: [] },
      );
      if (res.errorCode !== ErrorCode.NONE) this.cluster.options.logger.debug({ group: this.groupId, error: res.errorCode }, 'LeaveGroup failed');
    } finally {
      this._memberId = '';
      this._generationId = -1;
      this._state = 'unjoined';
      this.rejoinReason ??= 'left the group';
    }
  }

  /** Leaves the group (unless static) and stops heartbeats. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this._state === 'stable') await this.leave('the member is closing');
    } catch {
      // best effort
    }
    this.closed = true;
    this.stopHeartbeats();
    this._state = 'closed';
  }
}
