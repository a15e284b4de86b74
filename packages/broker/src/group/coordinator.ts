/**
 * The classic group coordinator: membership (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup) and committed offsets (OffsetCommit, OffsetFetch, OffsetDelete)
 * of consumer groups, kept in memory and persisted to `__consumer_offsets`
 * through an OffsetsTopicStore, with Kafka's behaviour and error codes
 * (KafkaApis + the group-coordinator module's classic group handling).
 *
 * This broker coordinates every group: `partitionFor` only chooses the
 * partition of `__consumer_offsets` a group's records go to. All timeouts
 * (session, rebalance, initial rebalance delay, pending sync, new-member join,
 * offset retention checks) run on the injected Scheduler.
 *
 * Requests take the decoded protocol request plus the API version and the
 * client's id and host, and return the response body for that version; the
 * handlers in ../handlers are thin wrappers. JoinGroup and SyncGroup resolve
 * when the rebalance lets them (that is how Kafka parks them in purgatory).
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Logger, ScheduledTask, Scheduler } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import type { MetadataImage } from '@nagare/metadata';
import {
  ErrorCode,
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
} from '@nagare/protocol';
import {
  ClassicGroup,
  type CommittedOffset,
  EMPTY_BYTES,
  GroupMember,
  type GroupState,
  type JoinResult,
  type MemberProtocol,
  type SyncResult,
  joinError,
  syncError,
} from './classic-group';
import { partitionForGroup } from './partition';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
  type OffsetCommitValue,
} from './records';
import type { OffsetsTopicStore } from './store';

export type { GroupState } from './classic-group';

/** The broker settings the coordinator uses (Kafka's names in the comments, with defaults). */
export interface GroupConfig {
  /** group.min.session.timeout.ms (6000) */
  groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms (1800000) */
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms (3000) */
  groupInitialRebalanceDelayMs: number;
  /** group.max.size (Integer.MAX_VALUE) */
  groupMaxSize: number;
  /** offsets.retention.minutes (10080) */
  offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms (600000) */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (4096) */
  offsetMetadataMaxBytes: number;
  /** offsets.topic.num.partitions (50); the store's partitionCount is what is used. */
  offsetsTopicNumPartitions: number;
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2147483647,
  offsetsRetentionMinutes: 10080,
  offsetsRetentionCheckIntervalMs: 600000,
  offsetMetadataMaxBytes: 4096,
  offsetsTopicNumPartitions: 50,
};

/** How long a new member's parked JoinGroup may wait before it is dropped (Kafka's 5 minutes). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface GroupCoordinatorOptions {
  store: OffsetsTopicStore;
  clock: Clock;
  scheduler: Scheduler;
  logger?: Logger;
  /** This broker's id (informational: this coordinator serves every group). */
  nodeId?: number;
  config?: Partial<GroupConfig>;
  /** The metadata image, for OffsetCommit's unknown-topic check; without it every topic counts as known. */
  metadata?: () => MetadataImage;
  /** The random part of generated member ids (a UUID by default). */
  newMemberIdSuffix?: () => string;
  newMemberJoinTimeoutMs?: number;
}

/** What the coordinator needs to know of the request beyond its body. */
export interface GroupRequestContext {
  apiVersion: number;
  clientId: string;
  /** As Kafka reports it: the client's address with a leading "/". */
  clientHost: string;
}

/** A snapshot of one group, for tests and tooling. */
export interface GroupSnapshot {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; sessionTimeoutMs: number; rebalanceTimeoutMs: number; assignment: Buffer }>;
  offsets: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string; commitTimestamp: number; expireTimestamp: number }>;
}

/** Every group ACL operation, as Kafka reports them without an authorizer: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);
const OPS_NOT_REQUESTED = -2147483648;

type LogRecord = { key: Buffer; value: Buffer | null };

/**
 * Storage errors as Kafka's coordinators map them. All writes share the
 * base mapping; they differ only in what a timed-out write and an oversized
 * one become.
 */
function mapStoreError(code: number, timedOut: number, tooLarge: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return timedOut;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return tooLarge;
    default:
      return code;
  }
}

/** For the group metadata written by SyncGroup (the classic coordinator's mapping). */
export function mapGroupStoreError(code: number): number {
  return mapStoreError(code, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.UNKNOWN_SERVER_ERROR);
}

/** For offset commits. */
export function mapOffsetStoreError(code: number): number {
  return mapStoreError(code, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
}

/** For the other writes (deletes), as Kafka 4's coordinator runtime normalizes them. */
export function mapWriteError(code: number): number {
  return mapStoreError(code, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.UNKNOWN_SERVER_ERROR);
}

function protocolsOf(req: JoinGroupRequest): MemberProtocol[] {
  return req.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
}

export class GroupCoordinator {
  readonly config: GroupConfig;
  private readonly store: OffsetsTopicStore;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private readonly metadata: (() => MetadataImage) | null;
  private readonly newMemberIdSuffix: () => string;
  private readonly newMemberJoinTimeoutMs: number;
  private readonly groups = new Map<string, ClassicGroup>();
  private active = false;
  private loading = false;
  private expirationTask: ScheduledTask | null = null;
  private commitSeq = 0;

  constructor(opts: GroupCoordinatorOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.scheduler = opts.scheduler;
    this.logger = opts.logger ?? silentLogger;
    this.config = { ...DEFAULT_GROUP_CONFIG, ...opts.config };
    this.metadata = opts.metadata ?? null;
    this.newMemberIdSuffix = opts.newMemberIdSuffix ?? randomUUID;
    this.newMemberJoinTimeoutMs = opts.newMemberJoinTimeoutMs ?? NEW_MEMBER_JOIN_TIMEOUT_MS;
  }

  // ================================================================ lifecycle

  /**
   * Loads every partition of the store (groups and committed offsets; later
   * records win, tombstones delete), restores the members of stable groups
   * with fresh session timers (as Kafka does on coordinator failover), and
   * schedules offset expiration. Requests get COORDINATOR_LOAD_IN_PROGRESS
   * until it is done.
   */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.loading = true;
    try {
      await Promise.resolve();
      this.load();
    } finally {
      this.loading = false;
    }
    for (const g of this.groups.values()) this.onGroupLoaded(g);
    this.scheduleExpiration();
    this.logger.info({ groups: this.groups.size }, 'group coordinator started');
  }

  /** Stops timers and answers parked JoinGroup/SyncGroup requests with NOT_COORDINATOR. */
  async shutdown(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.expirationTask?.cancel();
    this.expirationTask = null;
    for (const g of this.groups.values()) this.unload(g, ErrorCode.NOT_COORDINATOR);
    this.groups.clear();
    this.logger.info('group coordinator stopped');
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

  isLoading(): boolean {
    return this.loading;
  }

  // ================================================================ JoinGroup

  joinGroup(ctx: GroupRequestContext, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    return new Promise((resolve) => {
      let done = false;
      const respond = (r: JoinResult) => {
        if (done) return;
        done = true;
        resolve(this.joinResponse(r, ctx.apiVersion));
      };
      this.doJoin(ctx, req, respond);
    });
  }

  private joinResponse(r: JoinResult, version: number): JoinGroupResponse {
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: version >= 7 ? r.protocolType : null,
      protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: version >= 9 ? r.skipAssignment : false,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: version >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
    };
  }

  private doJoin(ctx: GroupRequestContext, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    const v = ctx.apiVersion;
    const memberId = req.memberId;
    const err = this.validateGroupStatus(req.groupId, false);
    if (err !== ErrorCode.NONE) return respond(joinError(memberId, err));
    if (req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return respond(joinError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isUnknownMember = memberId === '';
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (!isUnknownMember) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = this.createGroup(req.groupId);
    }
    const join: JoinParams = {
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      clientId: ctx.clientId,
      clientHost: ctx.clientHost,
      // JoinGroup v0 has no rebalance timeout: the session timeout serves.
      rebalanceTimeoutMs: v === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: protocolsOf(req),
      requireKnownMemberId: v >= 4,
      supportSkippingAssignment: v >= 9,
      reason: v >= 8 ? req.reason : null,
    };
    if (!this.acceptJoiningMember(group, memberId)) {
      const m = group.members.get(memberId);
      if (m) this.dropMember(group, m);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.joinNewMember(group, join, respond);
    } else {
      this.joinExistingMember(group, memberId, join, respond);
    }
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  /** group.max.size, counted the way Kafka does for each state. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.config.groupMaxSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return group.members.get(memberId)?.isAwaitingJoin === true || group.numAwaitingJoin() < max;
      default:
        return group.members.has(memberId) || group.members.size < max;
    }
  }

  private joinNewMember(group: ClassicGroup, join: JoinParams, respond: (r: JoinResult) => void): void {
    if (group.is('Dead')) return respond(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(join.protocolType, join.protocols.map((p) => p.name))) {
      return respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newMemberId = `${join.groupInstanceId ?? join.clientId}-${this.newMemberIdSuffix()}`;
    if (join.groupInstanceId !== null) {
      const existing = group.staticMembers.get(join.groupInstanceId);
      if (existing !== undefined) {
        this.logger.info({ group: group.groupId, groupInstanceId: join.groupInstanceId, oldMemberId: existing, newMemberId }, 'static member rejoined with an unknown member id; replacing the old member id');
        this.updateStaticMemberAndRebalance(group, existing, newMemberId, join, respond);
      } else {
        this.addMemberAndRebalance(group, newMemberId, join, respond);
      }
    } else if (join.requireKnownMemberId) {
      // KIP-394: hand out the member id first; the member joins with it.
      const task = this.scheduler.schedule(join.sessionTimeoutMs, () => {
        if (group.pendingJoinMembers.get(newMemberId) !== task) return;
        group.pendingJoinMembers.delete(newMemberId);
        this.logger.info({ group: group.groupId, memberId: newMemberId }, 'pending member expired before joining');
        if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
      });
      group.addPendingJoinMember(newMemberId, task);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, newMemberId, join, respond);
    }
  }

  private joinExistingMember(group: ClassicGroup, memberId: string, join: JoinParams, respond: (r: JoinResult) => void): void {
    if (group.is('Dead')) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(join.protocolType, join.protocols.map((p) => p.name))) {
      return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.isPendingMember(memberId)) {
      // Pending member ids are only handed to dynamic members; Kafka fails such a request as an internal error.
      if (join.groupInstanceId !== null) return respond(joinError(memberId, ErrorCode.UNKNOWN_SERVER_ERROR));
      this.addMemberAndRebalance(group, memberId, join, respond);
      return;
    }
    const err = this.validateMember(group, memberId, join.groupInstanceId);
    if (err !== ErrorCode.NONE) return respond(joinError(memberId, err));
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, join, respond);
        break;
      case 'CompletingRebalance':
        if (member.matches(join.protocols)) {
          // A repeated JoinGroup (the response was lost): answer with the current generation.
          respond(this.currentGenerationResult(group, memberId, group.isLeader(memberId)));
        } else {
          this.updateMemberAndRebalance(group, member, join, respond);
        }
        break;
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(join.protocols)) {
          // The leader's JoinGroup always rebalances: that is how it reacts to metadata changes.
          this.updateMemberAndRebalance(group, member, join, respond);
        } else {
          respond(this.currentGenerationResult(group, memberId, false));
        }
        break;
      default:
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private currentGenerationResult(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      members: withMembers ? group.currentMemberList() : [],
    };
  }

  private setJoinWaiter(group: ClassicGroup, member: GroupMember, join: JoinParams, respond: (r: JoinResult) => void): void {
    // A second JoinGroup while one is parked supersedes it (Kafka drops the first unanswered).
    group.completeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, join.protocols, join.rebalanceTimeoutMs, join.sessionTimeoutMs, respond);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: GroupMember, join: JoinParams, respond: (r: JoinResult) => void): void {
    this.setJoinWaiter(group, member, join, respond);
    this.maybePrepareRebalance(group, `member ${member.memberId} (re)joining in ${group.state}${join.reason ? `; client reason: ${join.reason}` : ''}`);
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, join: JoinParams, respond: (r: JoinResult) => void): void {
    const member = new GroupMember(memberId, join.groupInstanceId, join.clientId, join.clientHost, join.rebalanceTimeoutMs, join.sessionTimeoutMs, join.protocolType, join.protocols);
    member.isNew = true;
    // A member joining during the initial delay of a group that was empty extends the delay (KIP-134).
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, respond);
    // New members cannot heartbeat while their JoinGroup is parked; they get a longer deadline instead.
    this.scheduleSessionExpiry(group, member, this.newMemberJoinTimeoutMs);
    this.maybePrepareRebalance(group, `adding member ${memberId}${join.reason ? `; client reason: ${join.reason}` : ''}`);
  }

  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, join: JoinParams, respond: (r: JoinResult) => void): void {
    const instanceId = join.groupInstanceId!;
    const currentLeader = group.leaderId;
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
    const old = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    this.setJoinWaiter(group, member, join, respond);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          this.maybePrepareRebalance(group, `static member ${instanceId} rejoined with protocols that change the group's protocol`);
          return;
        }
        // The group's protocol stays: persist the new member id and let the member go on without a rebalance.
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
        const generation = group.generationId;
        void this.storeGroup(group, assignment).then((errorCode) => {
          const current = this.groups.get(group.groupId) === group && group.members.get(newMemberId) === member;
          if (errorCode !== ErrorCode.NONE) {
            this.logger.warn({ group: group.groupId, error: errorCode }, 'could not persist the replaced static member; reverting');
            group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null);
            if (current && group.is('Stable')) {
              const restored = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
              this.scheduleSessionExpiry(group, restored, restored.sessionTimeoutMs);
            }
            respond({
              errorCode,
              memberId: '',
              generationId: group.generationId,
              protocolType: group.protocolType,
              protocolName: group.protocolName,
              leader: currentLeader ?? '',
              skipAssignment: false,
              members: [],
            });
            return;
          }
          if (!current || generation !== group.generationId || !group.is('Stable')) return;
          if (join.supportSkippingAssignment) {
            // JoinGroup v9: the static leader learns it leads, but must not assign (the group stays stable).
            const isLeader = group.isLeader(newMemberId);
            group.completeJoin(member, { ...this.currentGenerationResult(group, newMemberId, isLeader), skipAssignment: isLeader });
          } else {
            // Before v9: answer with the old leader id so that a rejoining leader does not run a pointless assignment.
            group.completeJoin(member, { ...this.currentGenerationResult(group, newMemberId, false), leader: currentLeader ?? '' });
          }
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may be assigning to the old member id: start over.
        this.prepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
        return;
      case 'PreparingRebalance':
        return;
      default:
        this.logger.error({ group: group.groupId, state: group.state }, 'static member replaced in an unexpected state');
    }
  }

  // ================================================================ rebalance machinery

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.cancelSyncTimer(group);
    group.pendingSyncMembers.clear();
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.clock.now());
    this.logger.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance group');
    if (initial) {
      const delay = this.config.groupInitialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
    } else {
      this.scheduleJoin(group, group.rebalanceTimeoutMs());
      this.tryCompleteJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait `delay`; if members kept arriving, wait again, up to the rebalance timeout. */
  private scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    this.cancelJoinTimer(group);
    const task = this.scheduler.schedule(delayMs, () => {
      if (group.joinTimer?.task !== task) return;
      group.joinTimer = null;
      if (!group.is('PreparingRebalance')) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, next, Math.max(remainingMs - delayMs, 0));
      } else {
        this.onCompleteJoin(group);
      }
    });
    group.joinTimer = { task, initial: true };
  }

  private scheduleJoin(group: ClassicGroup, timeoutMs: number): void {
    this.cancelJoinTimer(group);
    const task = this.scheduler.schedule(timeoutMs, () => {
      if (group.joinTimer?.task !== task) return;
      group.joinTimer = null;
      this.onCompleteJoin(group);
    });
    group.joinTimer = { task, initial: false };
  }

  private cancelJoinTimer(group: ClassicGroup): void {
    group.joinTimer?.task.cancel();
    group.joinTimer = null;
  }

  private cancelSyncTimer(group: ClassicGroup): void {
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  private tryCompleteJoin(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || group.joinTimer?.initial) return;
    if (group.hasAllMembersJoined()) this.onCompleteJoin(group);
  }

  private onCompleteJoin(group: ClassicGroup): void {
    this.cancelJoinTimer(group);
    if (!group.is('PreparingRebalance') || this.groups.get(group.groupId) !== group) return;
    // Dynamic members that did not rejoin in time are out; static ones stay until their session expires.
    const gone = group.notYetRejoinedMembers().filter((m) => m.groupInstanceId === null);
    for (const m of gone) this.dropMember(group, m);
    if (gone.length > 0) this.logger.info({ group: group.groupId, members: gone.map((m) => m.memberId) }, 'removed members that did not rejoin');
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      this.logger.warn({ group: group.groupId }, 'no member rejoined; waiting another rebalance timeout');
      this.scheduleJoin(group, group.rebalanceTimeoutMs());
      return;
    }
    group.initNextGeneration(this.clock.now());
    if (group.is('Empty')) {
      this.logger.info({ group: group.groupId, generation: group.generationId }, 'group is now empty');
      void this.storeGroup(group, new Map()).then((errorCode) => {
        if (errorCode !== ErrorCode.NONE) this.logger.warn({ group: group.groupId, error: errorCode }, 'could not persist the empty group');
      });
      return;
    }
    this.logger.info({ group: group.groupId, generation: group.generationId, members: group.members.size, protocol: group.protocolName }, 'group completed its join phase');
    for (const m of group.members.values()) {
      group.completeJoin(m, this.currentGenerationResult(group, m.memberId, group.isLeader(m.memberId)));
      this.scheduleSessionExpiry(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Members that do not send SyncGroup within the rebalance timeout are removed (and the group rebalances). */
  private schedulePendingSync(group: ClassicGroup): void {
    this.cancelSyncTimer(group);
    const generation = group.generationId;
    const task = this.scheduler.schedule(group.rebalanceTimeoutMs(), () => {
      if (group.syncTimer !== task) return;
      group.syncTimer = null;
      if (generation !== group.generationId || !(group.is('CompletingRebalance') || group.is('Stable'))) return;
      if (group.pendingSyncMembers.size === 0) return;
      const pending = [...group.pendingSyncMembers];
      for (const id of pending) {
        const m = group.members.get(id);
        if (m) this.dropMember(group, m);
      }
      this.logger.info({ group: group.groupId, members: pending }, 'removed members that did not sync');
      this.prepareRebalance(group, 'members did not send SyncGroup in time');
    });
    group.syncTimer = task;
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.cancelSyncTimer(group);
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode);
  }

  private setAndPropagateAssignment(group: ClassicGroup, assignment: Map<string, Buffer>): void {
    for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BYTES;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const m of group.members.values()) {
      const result: SyncResult = ok
        ? { errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment }
        : syncError(errorCode);
      // Sessions restart once a member has its answer (expiry is suspended while it waits).
      if (group.completeSync(m, result)) this.scheduleSessionExpiry(group, m, m.sessionTimeoutMs);
    }
  }

  private scheduleSessionExpiry(group: ClassicGroup, member: GroupMember, timeoutMs: number): void {
    member.sessionTask?.cancel();
    member.sessionDeadline = this.clock.monotonicMs() + Math.max(0, timeoutMs);
    const task = this.scheduler.schedule(timeoutMs, () => {
      if (member.sessionTask !== task) return;
      this.expireSession(group, member);
    });
    member.sessionTask = task;
  }

  private expireSession(group: ClassicGroup, member: GroupMember): void {
    member.sessionTask?.cancel();
    member.sessionTask = null;
    if (this.groups.get(group.groupId) !== group || group.is('Dead') || group.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup/SyncGroup has satisfied its heartbeat, unless it is new to this rebalance.
    if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
    this.logger.info({ group: group.groupId, memberId: member.memberId }, 'member session expired; removing it from the group');
    this.removeMemberAndUpdateGroup(group, member, `member ${member.memberId} session expired`);
  }

  /**
   * Expires, now, the sessions whose deadline has passed but whose timer has
   * not run yet (a busy event loop runs timers late). Requests that depend on
   * membership (DeleteGroups, DescribeGroups) call it first, so they see the
   * group as of the clock: a group whose members' sessions are over is empty
   * at the deadline, not at whenever the timer gets to run.
   */
  private expireOverdueSessions(group: ClassicGroup): void {
    const now = this.clock.monotonicMs();
    const overdue = [...group.members.values()].filter((m) => m.sessionTask !== null && m.sessionDeadline <= now).sort((a, b) => a.sessionDeadline - b.sessionDeadline);
    for (const m of overdue) if (m.sessionTask !== null) this.expireSession(group, m);
  }

  /** Takes a member out without further ado: timers off, parked requests answered. */
  private dropMember(group: ClassicGroup, member: GroupMember): void {
    member.sessionTask?.cancel();
    member.sessionTask = null;
    group.completeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.completeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: GroupMember, reason: string): void {
    this.dropMember(group, member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
    }
  }

  // ================================================================ SyncGroup

  syncGroup(ctx: GroupRequestContext, req: SyncGroupRequest): Promise<SyncGroupResponse> {
    return new Promise((resolve) => {
      let done = false;
      this.doSync(ctx, req, (r) => {
        if (done) return;
        done = true;
        resolve({
          throttleTimeMs: 0,
          errorCode: r.errorCode,
          protocolType: ctx.apiVersion >= 5 ? r.protocolType : null,
          protocolName: ctx.apiVersion >= 5 ? r.protocolName : null,
          assignment: r.assignment,
        });
      });
    });
  }

  private doSync(ctx: GroupRequestContext, req: SyncGroupRequest, respond: (r: SyncResult) => void): void {
    const v = ctx.apiVersion;
    // v5 made ProtocolType and ProtocolName mandatory.
    if (v >= 5 && (req.protocolType === null || req.protocolName === null)) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const status = this.validateGroupStatus(req.groupId, false);
    // While loading, the rebalance in flight is lost: send the member back to JoinGroup.
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (status !== ErrorCode.NONE) return respond(syncError(status));
    const group = this.groups.get(req.groupId);
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const instanceId = v >= 3 ? req.groupInstanceId : null;
    const err = this.validateMember(group, req.memberId, instanceId);
    if (err !== ErrorCode.NONE) return respond(syncError(err));
    if (req.generationId !== group.generationId) return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (req.protocolType !== null && req.protocolType !== group.protocolType) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    if (req.protocolName !== null && req.protocolName !== group.protocolName) return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case 'Empty':
        return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        group.completeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.syncWaiter = respond;
        this.removePendingSyncMember(group, member.memberId);
        if (!group.isLeader(member.memberId)) return;
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) if (group.members.has(a.memberId)) assignment.set(a.memberId, a.assignment);
        const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
        for (const id of missing) assignment.set(id, EMPTY_BYTES);
        if (missing.length > 0) this.logger.warn({ group: group.groupId, members: missing }, 'leader sent no assignment for some members; they get an empty one');
        const generation = group.generationId;
        void this.storeGroup(group, assignment).then((errorCode) => {
          if (this.groups.get(group.groupId) !== group || !group.is('CompletingRebalance') || generation !== group.generationId) return;
          if (errorCode !== ErrorCode.NONE) {
            this.logger.warn({ group: group.groupId, error: errorCode }, 'could not persist the group assignment; rebalancing');
            this.resetAndPropagateAssignmentError(group, errorCode);
            this.maybePrepareRebalance(group, `error ${errorCode} storing the group assignment`);
          } else {
            this.setAndPropagateAssignment(group, assignment);
            group.transitionTo('Stable', this.clock.now());
            this.logger.info({ group: group.groupId, generation }, 'group is stable');
          }
        });
        return;
      }
      case 'Stable':
        this.removePendingSyncMember(group, member.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return;
      default:
        respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  // ================================================================ Heartbeat

  heartbeat(ctx: GroupRequestContext, req: HeartbeatRequest): HeartbeatResponse {
    return { throttleTimeMs: 0, errorCode: this.doHeartbeat(req.groupId, req.memberId, ctx.apiVersion >= 3 ? req.groupInstanceId : null, req.generationId) };
  }

  private doHeartbeat(groupId: string, memberId: string, instanceId: string | null, generationId: number): number {
    const status = this.validateGroupStatus(groupId, false);
    // While loading, heartbeats are answered blindly.
    if (status === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (status !== ErrorCode.NONE) return status;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const err = this.validateMember(group, memberId, instanceId);
    if (err !== ErrorCode.NONE) return err;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
      case 'PreparingRebalance':
        this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // ================================================================ LeaveGroup

  leaveGroup(ctx: GroupRequestContext, req: LeaveGroupRequest): LeaveGroupResponse {
    const v = ctx.apiVersion;
    const leaving: LeaveGroupRequest.MemberIdentity[] = v <= 2 ? [{ memberId: req.memberId, groupInstanceId: null, reason: null }] : req.members;
    const { errorCode, members } = this.doLeave(req.groupId, leaving);
    if (v <= 2) {
      // v0-2 have one member and no member list: its error is the top-level one.
      const first = members.find((m) => m.errorCode !== ErrorCode.NONE);
      return { throttleTimeMs: 0, errorCode: errorCode !== ErrorCode.NONE ? errorCode : (first?.errorCode ?? ErrorCode.NONE), members: [] };
    }
    return { throttleTimeMs: 0, errorCode, members: errorCode !== ErrorCode.NONE ? [] : members };
  }

  private doLeave(groupId: string, leaving: LeaveGroupRequest.MemberIdentity[]): { errorCode: number; members: LeaveGroupResponse.MemberResponse[] } {
    const status = this.validateGroupStatus(groupId, false);
    if (status !== ErrorCode.NONE) return { errorCode: status, members: [] };
    const answer = (m: LeaveGroupRequest.MemberIdentity, errorCode: number) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      const reason = `member ${m.memberId || m.groupInstanceId} left${m.reason ? `; client reason: ${m.reason}` : ''}`;
      if (m.memberId === '') {
        // Administrative removal by group instance id (KIP-345).
        const current = m.groupInstanceId !== null ? group.staticMembers.get(m.groupInstanceId) : undefined;
        if (current === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.removeMemberAndUpdateGroup(group, group.members.get(current)!, reason);
        this.logger.info({ group: groupId, memberId: current, groupInstanceId: m.groupInstanceId }, 'member left the group');
        return answer(m, ErrorCode.NONE);
      }
      if (group.isPendingMember(m.memberId)) {
        group.removePendingJoinMember(m.memberId);
        if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
        return answer(m, ErrorCode.NONE);
      }
      const err = this.validateMember(group, m.memberId, m.groupInstanceId);
      if (err !== ErrorCode.NONE) return answer(m, err);
      this.removeMemberAndUpdateGroup(group, group.members.get(m.memberId)!, reason);
      this.logger.info({ group: groupId, memberId: m.memberId }, 'member left the group');
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  // ================================================================ OffsetCommit

  async commitOffsets(ctx: GroupRequestContext, req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const v = ctx.apiVersion;
    const topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number })) }));
    const response: OffsetCommitResponse = { throttleTimeMs: 0, topics };
    // Partitions of topics that exist; the others fail on their own (as KafkaApis does before the coordinator).
    const image = this.metadata?.() ?? null;
    const candidates: Array<{ topic: string; req: OffsetCommitRequest.OffsetCommitRequestPartition; res: { errorCode: number } }> = [];
    req.topics.forEach((t, i) => {
      const known = image === null || image.topicsByName.has(t.name);
      t.partitions.forEach((p, j) => {
        if (known) candidates.push({ topic: t.name, req: p, res: topics[i].partitions[j] });
        else topics[i].partitions[j].errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      });
    });
    if (candidates.length === 0) return response;
    const failAll = (code: number) => {
      for (const c of candidates) c.res.errorCode = code;
      return response;
    };
    const status = this.validateGroupStatus(req.groupId, true);
    if (status !== ErrorCode.NONE) return failAll(status);
    const generation = req.generationIdOrMemberEpoch;
    const instanceId = v >= 7 ? req.groupInstanceId : null;
    let group = this.groups.get(req.groupId);
    if (!group) {
      // Generation -1: a consumer without group management (or the admin client) uses the group for offsets only.
      if (generation < 0) group = this.createGroup(req.groupId);
      else return failAll(v >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
    }
    const err = this.validateOffsetCommit(group, generation, req.memberId, instanceId);
    if (err !== ErrorCode.NONE) return failAll(err);
    const member = group.members.get(req.memberId);
    if (member && (group.is('Stable') || group.is('PreparingRebalance'))) this.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);

    const now = this.clock.now();
    // OffsetCommit v2-4 may carry a retention time (-1: the broker's); it becomes the offset's expire timestamp.
    const expireTimestamp = v <= 4 && req.retentionTimeMs !== -1n ? Math.min(Math.max(now + Number(req.retentionTimeMs), 0), Number.MAX_SAFE_INTEGER) : -1;
    const writes: Array<{ topic: string; partition: number; value: OffsetCommitValue; res: { errorCode: number } }> = [];
    for (const c of candidates) {
      const metadata = c.req.committedMetadata;
      // Kafka compares the string length (UTF-16 units); the record's int16 length bounds the UTF-8 bytes too.
      if (metadata !== null && (metadata.length > this.config.offsetMetadataMaxBytes || Buffer.byteLength(metadata, 'utf8') > 0x7fff)) {
        c.res.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        continue;
      }
      writes.push({
        topic: c.topic,
        partition: c.req.partitionIndex,
        value: { offset: c.req.committedOffset, leaderEpoch: v >= 6 ? c.req.committedLeaderEpoch : -1, metadata: metadata ?? '', commitTimestamp: now, expireTimestamp },
        res: c.res,
      });
    }
    if (writes.length === 0) return response;
    const seq = ++this.commitSeq;
    for (const w of writes) group.addPendingCommit(w.topic, w.partition);
    const records = writes.map((w) => ({ key: encodeOffsetCommitKey(req.groupId, w.topic, w.partition), value: encodeOffsetCommitValue(w.value) }));
    const code = await this.append(this.partitionFor(req.groupId), records);
    const live = this.groups.get(req.groupId) === group;
    for (const w of writes) {
      if (live) group.completePendingCommit(w.topic, w.partition, code === ErrorCode.NONE ? { ...w.value, seq } : null);
      w.res.errorCode = mapOffsetStoreError(code);
    }
    if (code !== ErrorCode.NONE) this.logger.warn({ group: req.groupId, error: code }, 'offset commit failed to append');
    return response;
  }

  private validateOffsetCommit(group: ClassicGroup, generation: number, memberId: string, instanceId: string | null): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generation < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (generation >= 0 || memberId !== '' || instanceId !== null) {
      const err = this.validateMember(group, memberId, instanceId);
      if (err !== ErrorCode.NONE) return err;
      if (generation !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!group.is('Empty')) {
      // Without member id and generation, only an empty group takes commits.
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // The member has the new generation from JoinGroup but no assignment yet.
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  // ================================================================ OffsetFetch

  fetchOffsets(ctx: GroupRequestContext, req: OffsetFetchRequest): OffsetFetchResponse {
    const v = ctx.apiVersion;
    if (v >= 8) {
      // KIP-709: several groups per request.
      const groups = req.groups.map((g) => {
        const r = this.fetchGroupOffsets(g.groupId, g.topics);
        return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode };
      });
      return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups };
    }
    const topicsReq = v < 2 && req.topics === null ? [] : req.topics;
    const r = this.fetchGroupOffsets(req.groupId, topicsReq);
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
   * those without one) or all of them (null). Offsets are returned whatever
   * the group's state, as Kafka does. requireStable (v7+) only matters for
   * pending transactional commits, which this coordinator does not have.
   */
  fetchGroupOffsets(
    groupId: string,
    topics: Array<{ name: string; partitionIndexes: number[] }> | null,
  ): { errorCode: number; topics: Array<{ name: string; partitions: OffsetFetchResponse.OffsetFetchResponsePartition[] }> } {
    const status = this.validateGroupStatus(groupId, true);
    if (status !== ErrorCode.NONE) return { errorCode: status, topics: [] };
    const group = this.groups.get(groupId);
    const entry = (partitionIndex: number, o: CommittedOffset | undefined): OffsetFetchResponse.OffsetFetchResponsePartition =>
      o
        ? { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
        : { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    if (topics === null) {
      const out = new Map<string, OffsetFetchResponse.OffsetFetchResponsePartition[]>();
      for (const { topic, partition, value } of group?.allOffsets() ?? []) {
        let parts = out.get(topic);
        if (!parts) out.set(topic, (parts = []));
        parts.push(entry(partition, value));
      }
      return { errorCode: ErrorCode.NONE, topics: [...out].map(([name, partitions]) => ({ name, partitions })) };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(p, group?.offset(t.name, p))) })),
    };
  }

  // ================================================================ DescribeGroups / ListGroups

  describeGroups(ctx: GroupRequestContext, req: DescribeGroupsRequest): DescribeGroupsResponse {
    const v = ctx.apiVersion;
    const includeOps = v >= 3 && req.includeAuthorizedOperations;
    const groups = req.groups.map((groupId): DescribeGroupsResponse.DescribedGroup => {
      const base = { errorMessage: null, groupId, protocolType: '', protocolData: '', members: [], authorizedOperations: OPS_NOT_REQUESTED };
      const status = this.validateGroupStatus(groupId, true);
      if (status !== ErrorCode.NONE) return { ...base, errorCode: status, groupState: '' };
      const group = this.groups.get(groupId);
      if (group && !group.is('Dead')) this.expireOverdueSessions(group);
      if (!group) {
        // v6 (KIP-1043) says so; older versions describe a group that does not exist as Dead.
        if (v >= 6) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, groupState: 'Dead' };
        return { ...base, errorCode: ErrorCode.NONE, groupState: 'Dead' };
      }
      const stable = group.is('Stable');
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        // Kafka fills the protocol, member metadata and assignments in only for stable groups.
        protocolData: stable ? (group.protocolName ?? '') : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: v >= 4 ? m.groupInstanceId : null,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable && group.protocolName !== null ? m.metadata(group.protocolName) : EMPTY_BYTES,
          memberAssignment: stable ? m.assignment : EMPTY_BYTES,
        })),
        authorizedOperations: includeOps ? ALL_GROUP_OPERATIONS : OPS_NOT_REQUESTED,
      };
    });
    return { throttleTimeMs: 0, groups };
  }

  listGroups(ctx: GroupRequestContext, req: ListGroupsRequest): ListGroupsResponse {
    const v = ctx.apiVersion;
    if (!this.active) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const states = new Set((v >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((v >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    const groups: ListGroupsResponse.ListedGroup[] = [];
    if (types.size === 0 || types.has('classic')) {
      for (const g of this.groups.values()) {
        if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
        groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: v >= 4 ? g.state : '', groupType: v >= 5 ? 'classic' : '' });
      }
    }
    return { throttleTimeMs: 0, errorCode: this.loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups };
  }

  // ================================================================ DeleteGroups / OffsetDelete

  async deleteGroups(ctx: GroupRequestContext, req: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
    const ids = [...new Set(req.groupsNames)];
    const errors = new Map<string, number>();
    const eligible: ClassicGroup[] = [];
    for (const id of ids) {
      const status = this.validateGroupStatus(id, true);
      if (status !== ErrorCode.NONE) {
        errors.set(id, status);
        continue;
      }
      const group = this.groups.get(id);
      if (group && !group.is('Dead')) this.expireOverdueSessions(group);
      if (!group || group.is('Dead')) errors.set(id, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!group.is('Empty')) errors.set(id, ErrorCode.NON_EMPTY_GROUP);
      else eligible.push(group);
    }
    // Gone from memory at once (later requests see no group), tombstoned in the log; put back if the write fails.
    const byPartition = new Map<number, { groups: ClassicGroup[]; records: LogRecord[] }>();
    for (const group of eligible) {
      const records = this.removeGroupRecords(group);
      const p = this.partitionFor(group.groupId);
      const batch = byPartition.get(p) ?? { groups: [], records: [] };
      batch.groups.push(group);
      batch.records.push(...records);
      byPartition.set(p, batch);
    }
    await Promise.all(
      [...byPartition].map(async ([p, batch]) => {
        const code = await this.append(p, batch.records);
        for (const g of batch.groups) {
          if (code === ErrorCode.NONE) {
            errors.set(g.groupId, ErrorCode.NONE);
            this.logger.info({ group: g.groupId }, 'deleted group');
          } else {
            errors.set(g.groupId, mapWriteError(code));
            if (!this.groups.has(g.groupId)) {
              g.state = 'Empty';
              this.groups.set(g.groupId, g);
            }
          }
        }
      }),
    );
    return { throttleTimeMs: 0, results: ids.map((groupId) => ({ groupId, errorCode: errors.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR })) };
  }

  /** Takes an empty group out of memory and returns the tombstones for it and its offsets. */
  private removeGroupRecords(group: ClassicGroup): LogRecord[] {
    const records: LogRecord[] = [];
    for (const { topic, partition } of group.allOffsets()) records.push({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null });
    // A group that never completed a generation has no metadata record (it only stored offsets).
    if (group.generationId > 0) records.push({ key: encodeGroupMetadataKey(group.groupId), value: null });
    for (const id of [...group.pendingJoinMembers.keys()]) group.removePendingJoinMember(id);
    this.cancelJoinTimer(group);
    this.cancelSyncTimer(group);
    group.transitionTo('Dead', this.clock.now());
    this.groups.delete(group.groupId);
    return records;
  }

  async deleteOffsets(ctx: GroupRequestContext, req: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
    const fail = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
    const status = this.validateGroupStatus(req.groupId, false);
    if (status !== ErrorCode.NONE) return fail(status);
    const group = this.groups.get(req.groupId);
    if (!group || group.is('Dead')) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    if (!group.is('Empty') && !group.usesConsumerProtocol) return fail(ErrorCode.NON_EMPTY_GROUP);
    const removed: Array<{ topic: string; partition: number; value: CommittedOffset }> = [];
    const records: LogRecord[] = [];
    const topics = req.topics.map((t) => {
      // KIP-496: offsets of topics the group consumes stay.
      const subscribed = group.isSubscribedToTopic(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (subscribed) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          const value = group.removeOffset(t.name, p.partitionIndex);
          if (value) {
            removed.push({ topic: t.name, partition: p.partitionIndex, value });
            records.push({ key: encodeOffsetCommitKey(req.groupId, t.name, p.partitionIndex), value: null });
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    if (records.length > 0) {
      const code = await this.append(this.partitionFor(req.groupId), records);
      if (code !== ErrorCode.NONE) {
        if (this.groups.get(req.groupId) === group) {
          for (const r of removed) if (!group.offset(r.topic, r.partition) && !group.hasPendingCommit(r.topic, r.partition)) group.putOffset(r.topic, r.partition, r.value);
        }
        return fail(mapWriteError(code));
      }
      this.logger.info({ group: req.groupId, offsets: removed.length }, 'deleted committed offsets');
    }
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  }

  // ================================================================ expiration, topic deletion

  /**
   * Removes expired offsets (KIP-211): of an empty group, those older than
   * offsets.retention.minutes since the group became empty; of a stable
   * consumer group, those of topics no member subscribes to, counted from the
   * commit; of a group without protocol (offsets only), counted from the
   * commit. An explicit expire timestamp (OffsetCommit v2-4) wins. Empty
   * groups left without offsets are deleted. Tombstones are written.
   * Returns the number of offsets removed.
   */
  async runOffsetExpiration(nowMs = this.clock.now()): Promise<number> {
    if (!this.active || this.loading) return 0;
    const retentionMs = this.config.offsetsRetentionMinutes * 60_000;
    const byPartition = new Map<number, LogRecord[]>();
    const add = (groupId: string, recs: LogRecord[]) => {
      if (recs.length === 0) return;
      const p = this.partitionFor(groupId);
      byPartition.set(p, [...(byPartition.get(p) ?? []), ...recs]);
    };
    let removedOffsets = 0;
    const deletedGroups: string[] = [];
    for (const group of [...this.groups.values()]) {
      const base = this.expirationBase(group);
      const recs: LogRecord[] = [];
      if (base !== null) {
        for (const { topic, partition, value } of group.allOffsets()) {
          if (group.isSubscribedToTopic(topic) || group.hasPendingCommit(topic, partition)) continue;
          const expired = value.expireTimestamp >= 0 ? nowMs >= value.expireTimestamp : nowMs - base(value) >= retentionMs;
          if (!expired) continue;
          group.removeOffset(topic, partition);
          recs.push({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null });
          removedOffsets++;
        }
      }
      if (group.is('Empty') && !group.hasOffsets()) {
        recs.push(...this.removeGroupRecords(group));
        deletedGroups.push(group.groupId);
      }
      add(group.groupId, recs);
    }
    await Promise.all(
      [...byPartition].map(async ([p, recs]) => {
        const code = await this.append(p, recs);
        if (code !== ErrorCode.NONE) this.logger.warn({ partition: p, error: code }, 'could not write tombstones for expired offsets');
      }),
    );
    if (removedOffsets > 0 || deletedGroups.length > 0) this.logger.info({ offsets: removedOffsets, groups: deletedGroups }, 'removed expired offsets and groups');
    return removedOffsets;
  }

  /** From when an offset's retention counts, or null when the group's offsets do not expire now. */
  private expirationBase(group: ClassicGroup): ((o: CommittedOffset) => number) | null {
    if (group.protocolType === null || group.protocolType === '') return (o) => o.commitTimestamp;
    if (group.is('Empty')) {
      const since = group.currentStateTimestamp;
      return (o) => since ?? o.commitTimestamp;
    }
    if (group.usesConsumerProtocol && group.subscribedTopics !== null && group.is('Stable')) return (o) => o.commitTimestamp;
    return null;
  }

  /** Topics were deleted: their committed offsets go (with tombstones). The returned promise never rejects. */
  async onTopicsDeleted(topics: string[]): Promise<void> {
    if (!this.active || topics.length === 0) return;
    const deleted = new Set(topics);
    const byPartition = new Map<number, LogRecord[]>();
    let n = 0;
    for (const group of this.groups.values()) {
      for (const { topic, partition } of group.allOffsets()) {
        if (!deleted.has(topic)) continue;
        group.removeOffset(topic, partition);
        const p = this.partitionFor(group.groupId);
        byPartition.set(p, [...(byPartition.get(p) ?? []), { key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null }]);
        n++;
      }
    }
    await Promise.all(
      [...byPartition].map(async ([p, recs]) => {
        const code = await this.append(p, recs);
        if (code !== ErrorCode.NONE) this.logger.warn({ partition: p, error: code }, 'could not write tombstones for offsets of deleted topics');
      }),
    );
    if (n > 0) this.logger.info({ topics, offsets: n }, 'removed committed offsets of deleted topics');
  }

  private scheduleExpiration(): void {
    const interval = this.config.offsetsRetentionCheckIntervalMs;
    if (!(interval > 0)) return;
    const task = this.scheduler.schedule(interval, () => {
      if (this.expirationTask !== task || !this.active) return;
      this.runOffsetExpiration()
        .catch((e) => this.logger.error({ err: (e as Error).stack }, 'offset expiration failed'))
        .finally(() => {
          if (this.expirationTask === task && this.active) this.scheduleExpiration();
        });
    });
    this.expirationTask = task;
  }

  // ================================================================ introspection

  /** The state of a group, or undefined when this coordinator has none by that id. */
  groupState(groupId: string): GroupState | undefined {
    return this.groups.get(groupId)?.state;
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  snapshot(groupId: string): GroupSnapshot | undefined {
    const g = this.groups.get(groupId);
    if (!g) return undefined;
    return {
      groupId,
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
      offsets: g.allOffsets().map(({ topic, partition, value }) => ({
        topic,
        partition,
        offset: value.offset,
        leaderEpoch: value.leaderEpoch,
        metadata: value.metadata,
        commitTimestamp: value.commitTimestamp,
        expireTimestamp: value.expireTimestamp,
      })),
    };
  }

  // ================================================================ internals

  private validateGroupStatus(groupId: string, allowEmptyId: boolean): number {
    // The offset APIs, DescribeGroups and DeleteGroups accept the empty group id (for old clients).
    if (!allowEmptyId && groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** A static member's instance id must map to this member id; the member must exist. */
  private validateMember(group: ClassicGroup, memberId: string, instanceId: string | null): number {
    if (instanceId !== null) {
      const current = group.staticMembers.get(instanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) {
        this.logger.info({ group: group.groupId, memberId, groupInstanceId: instanceId, currentMemberId: current }, 'static member fenced');
        return ErrorCode.FENCED_INSTANCE_ID;
      }
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private createGroup(groupId: string): ClassicGroup {
    const g = new ClassicGroup(groupId, 'Empty', this.clock.now());
    this.groups.set(groupId, g);
    return g;
  }

  private async append(partition: number, records: LogRecord[]): Promise<number> {
    try {
      const r = await this.store.append(partition, records, this.clock.now());
      return r.errorCode;
    } catch (e) {
      this.logger.error({ partition, err: (e as Error).stack }, 'append to the offsets topic failed');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** Writes the group's GroupMetadataValue (with these assignments); resolves with the store's error code as Kafka maps it for group writes. */
  private storeGroup(group: ClassicGroup, assignment: Map<string, Buffer>): Promise<number> {
    const protocol = group.protocolName;
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.leaderId,
      currentStateTimestamp: group.currentStateTimestamp ?? -1,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: protocol !== null && m.supports(protocol) ? m.metadata(protocol) : EMPTY_BYTES,
        assignment: assignment.get(m.memberId) ?? EMPTY_BYTES,
      })),
    };
    return this.append(this.partitionFor(group.groupId), [{ key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(value) }]).then(mapGroupStoreError);
  }

  private unload(group: ClassicGroup, errorCode: number): void {
    this.cancelJoinTimer(group);
    this.cancelSyncTimer(group);
    for (const id of [...group.pendingJoinMembers.keys()]) group.removePendingJoinMember(id);
    for (const m of group.members.values()) {
      m.sessionTask?.cancel();
      m.sessionTask = null;
      group.completeJoin(m, joinError(m.memberId, errorCode));
      group.completeSync(m, syncError(errorCode));
    }
    group.transitionTo('Dead', this.clock.now());
  }

  private load(): void {
    const metadata = new Map<string, GroupMetadataValue | null>();
    const offsets = new Map<string, Map<string, { topic: string; partition: number; value: OffsetCommitValue }>>();
    let records = 0;
    for (let p = 0; p < this.store.partitionCount; p++) {
      for (const rec of this.store.readAll(p)) {
        records++;
        if (rec.key === null) continue;
        try {
          const key = decodeKey(rec.key);
          if (key.type === 'offset') {
            let byTp = offsets.get(key.group);
            if (!byTp) offsets.set(key.group, (byTp = new Map()));
            const k = `${key.topic}\u0000${key.partition}`;
            if (rec.value === null) byTp.delete(k);
            else byTp.set(k, { topic: key.topic, partition: key.partition, value: decodeOffsetCommitValue(rec.value) });
          } else if (key.type === 'group') {
            metadata.set(key.group, rec.value === null ? null : decodeGroupMetadataValue(rec.value));
          } else {
            // Records of the newer group types (KIP-848 consumer groups, share and streams groups) are not ours.
            this.logger.debug({ partition: p, offset: rec.offset, keyVersion: key.version }, 'skipping a record of another group type');
          }
        } catch (e) {
          this.logger.error({ partition: p, offset: rec.offset, err: (e as Error).message }, 'skipping a malformed record in the offsets topic');
        }
      }
    }
    const ids = new Set<string>();
    for (const [id, v] of metadata) if (v !== null) ids.add(id);
    for (const [id, byTp] of offsets) if (byTp.size > 0) ids.add(id);
    for (const id of ids) {
      const value = metadata.get(id) ?? null;
      const group = value ? this.groupFromRecord(id, value) : new ClassicGroup(id, 'Empty', this.clock.now());
      for (const { topic, partition, value: o } of offsets.get(id)?.values() ?? []) {
        group.putOffset(topic, partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: o.expireTimestamp, seq: 0 });
      }
      this.groups.set(id, group);
    }
    this.logger.info({ records, groups: this.groups.size }, 'loaded groups and offsets');
  }

  private groupFromRecord(groupId: string, v: GroupMetadataValue): ClassicGroup {
    const usable = v.protocol !== null ? v.members : [];
    if (usable.length !== v.members.length) this.logger.warn({ group: groupId }, 'group record has members but no protocol; loading it empty');
    const group = new ClassicGroup(groupId, usable.length > 0 ? 'Stable' : 'Empty', v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : null);
    group.generationId = v.generation;
    group.protocolType = v.protocolType === '' ? null : v.protocolType;
    group.protocolName = usable.length > 0 ? v.protocol : null;
    for (const m of usable) {
      const member = new GroupMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout, m.sessionTimeout, v.protocolType, [
        { name: v.protocol!, metadata: m.subscription },
      ]);
      member.assignment = m.assignment;
      group.members.set(m.memberId, member);
      if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    group.leaderId = v.leader !== null && group.members.has(v.leader) ? v.leader : (group.members.keys().next().value ?? null);
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  private onGroupLoaded(group: ClassicGroup): void {
    for (const m of group.members.values()) this.scheduleSessionExpiry(group, m, m.sessionTimeoutMs);
    if (group.members.size > this.config.groupMaxSize) {
      this.prepareRebalance(group, `loaded group is over capacity (${this.config.groupMaxSize})`);
    }
  }
}

interface JoinParams {
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  requireKnownMemberId: boolean;
  supportSkippingAssignment: boolean;
  reason: string | null;
}
