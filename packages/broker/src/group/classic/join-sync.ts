/**
 * JoinGroup and SyncGroup of classic groups: members join (KIP-394 member
 * ids, KIP-345 static members, KIP-134 initial delay), the leader's
 * assignment is persisted before anyone gets it. Both answer when the
 * rebalance lets them: the returned promise is the parked request.
 */
import { ErrorCode, type JoinGroupRequest, type JoinGroupResponse, type SyncGroupRequest, type SyncGroupResponse } from '@nagare/protocol';
import type { GroupShardContext } from '../shard-context';
import type { GroupRequestContext } from '../request-context';
import { ClassicGroup, EMPTY_BYTES, GroupMember, type JoinResult, type MemberProtocol, type SyncResult, joinError, syncError } from './classic-group';
import { ClassicRebalance, pendingMemberKey } from './rebalance';

export interface JoinParams {
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

export function joinParams(ctx: GroupRequestContext, req: JoinGroupRequest): JoinParams {
  const v = ctx.apiVersion;
  return {
    groupInstanceId: v >= 5 ? req.groupInstanceId : null,
    clientId: ctx.clientId,
    clientHost: ctx.clientHost,
    // JoinGroup v0 has no rebalance timeout: the session timeout serves.
    rebalanceTimeoutMs: v === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    requireKnownMemberId: v >= 4,
    supportSkippingAssignment: v >= 9,
    reason: v >= 8 ? req.reason : null,
  };
}

export function joinResponse(r: JoinResult, version: number): JoinGroupResponse {
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

export function syncResponse(r: SyncResult, version: number): SyncGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    protocolType: version >= 5 ? r.protocolType : null,
    protocolName: version >= 5 ? r.protocolName : null,
    assignment: r.assignment,
  };
}

/** Hands JoinGroup/SyncGroup requests for groups that are not classic groups to the consumer group side (KIP-848 migration). */
export interface ClassicRequestsToConsumerGroups {
  /** A JoinGroup for a consumer group: true when handled (the group is non-empty and takes classic members). */
  join(ctx: GroupRequestContext, req: JoinGroupRequest, respond: (r: JoinResult) => void): boolean;
  /** Deletes an empty consumer group so that a classic group can take its id; true when it did. */
  maybeDeleteEmptyConsumerGroup(groupId: string): boolean;
  sync(ctx: GroupRequestContext, req: SyncGroupRequest, respond: (r: SyncResult) => void): boolean;
}

export class ClassicJoinSync {
  consumerGroups: ClassicRequestsToConsumerGroups | null = null;

  constructor(
    private readonly ctx: GroupShardContext,
    private readonly rb: ClassicRebalance,
  ) {}

  // ================================================================ JoinGroup

  joinGroup(rc: GroupRequestContext, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    return new Promise((resolve) => {
      let done = false;
      const respond = (r: JoinResult) => {
        if (done) return;
        done = true;
        resolve(joinResponse(r, rc.apiVersion));
      };
      this.doJoin(rc, req, respond);
    });
  }

  private doJoin(rc: GroupRequestContext, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    const memberId = req.memberId;
    const cfg = this.ctx.config;
    if (req.sessionTimeoutMs < cfg.groupMinSessionTimeoutMs || req.sessionTimeoutMs > cfg.groupMaxSessionTimeoutMs) {
      return respond(joinError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const existing = this.ctx.groups.get(req.groupId);
    if (existing?.type === 'consumer') {
      if (this.consumerGroups?.join(rc, req, respond)) return;
      if (!this.consumerGroups?.maybeDeleteEmptyConsumerGroup(req.groupId)) return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const isUnknownMember = memberId === '';
    let group = this.rb.classicGroup(req.groupId);
    if (!group) {
      if (!isUnknownMember) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = this.rb.createGroup(req.groupId);
    }
    const join = joinParams(rc, req);
    if (!this.acceptJoiningMember(group, memberId)) {
      const m = group.members.get(memberId);
      if (m) this.rb.dropMember(group, m);
      respond(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      this.joinNewMember(group, join, respond);
    } else {
      this.joinExistingMember(group, memberId, join, respond);
    }
    if (group.is('PreparingRebalance')) this.rb.tryCompleteJoin(group);
  }

  /** group.max.size, counted the way Kafka does for each state. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.ctx.config.groupMaxSize;
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
    const newMemberId = `${join.groupInstanceId ?? join.clientId}-${this.ctx.newMemberIdSuffix()}`;
    if (join.groupInstanceId !== null) {
      const existing = group.staticMembers.get(join.groupInstanceId);
      if (existing !== undefined) {
        this.ctx.logger.info(
          { group: group.groupId, groupInstanceId: join.groupInstanceId, oldMemberId: existing, newMemberId },
          'static member rejoined with an unknown member id; replacing the old member id',
        );
        this.updateStaticMemberAndRebalance(group, existing, newMemberId, join, respond);
      } else {
        this.addMemberAndRebalance(group, newMemberId, join, respond);
      }
    } else if (join.requireKnownMemberId) {
      // KIP-394: hand out the member id first; the member joins with it.
      const task = this.ctx.schedule(pendingMemberKey(group.groupId, newMemberId), join.sessionTimeoutMs, () => {
        if (group.pendingJoinMembers.get(newMemberId) !== task) return;
        group.pendingJoinMembers.delete(newMemberId);
        this.ctx.logger.info({ group: group.groupId, memberId: newMemberId }, 'pending member expired before joining');
        if (group.is('PreparingRebalance')) this.rb.tryCompleteJoin(group);
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
    const err = this.rb.validateMember(group, memberId, join.groupInstanceId);
    if (err !== ErrorCode.NONE) return respond(joinError(memberId, err));
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, join, respond);
        break;
      case 'CompletingRebalance':
        if (member.matches(join.protocols)) {
          // A repeated JoinGroup (the response was lost): answer with the current generation.
          respond(this.rb.currentGenerationResult(group, memberId, group.isLeader(memberId)));
        } else {
          this.updateMemberAndRebalance(group, member, join, respond);
        }
        break;
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(join.protocols)) {
          // The leader's JoinGroup always rebalances: that is how it reacts to metadata changes.
          this.updateMemberAndRebalance(group, member, join, respond);
        } else {
          respond(this.rb.currentGenerationResult(group, memberId, false));
        }
        break;
      default:
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private setJoinWaiter(group: ClassicGroup, member: GroupMember, join: JoinParams, respond: (r: JoinResult) => void): void {
    // A second JoinGroup while one is parked supersedes it (Kafka drops the first unanswered).
    group.completeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, join.protocols, join.rebalanceTimeoutMs, join.sessionTimeoutMs, respond);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: GroupMember, join: JoinParams, respond: (r: JoinResult) => void): void {
    this.setJoinWaiter(group, member, join, respond);
    this.rb.maybePrepareRebalance(group, `member ${member.memberId} (re)joining in ${group.state}${join.reason ? `; client reason: ${join.reason}` : ''}`);
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, join: JoinParams, respond: (r: JoinResult) => void): void {
    const member = new GroupMember(memberId, join.groupInstanceId, join.clientId, join.clientHost, join.rebalanceTimeoutMs, join.sessionTimeoutMs, join.protocolType, join.protocols);
    member.isNew = true;
    // A member joining during the initial delay of a group that was empty extends the delay (KIP-134).
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, respond);
    // New members cannot heartbeat while their JoinGroup is parked; they get a longer deadline instead.
    this.rb.scheduleSessionExpiry(group, member, this.rb.newMemberJoinTimeout);
    this.rb.maybePrepareRebalance(group, `adding member ${memberId}${join.reason ? `; client reason: ${join.reason}` : ''}`);
  }

  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, join: JoinParams, respond: (r: JoinResult) => void): void {
    const instanceId = join.groupInstanceId!;
    const currentLeader = group.leaderId;
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.rb.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
    const old = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    this.setJoinWaiter(group, member, join, respond);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          this.rb.maybePrepareRebalance(group, `static member ${instanceId} rejoined with protocols that change the group's protocol`);
          return;
        }
        // The group's protocol stays: persist the new member id and let the member go on without a rebalance.
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
        const generation = group.generationId;
        this.rb.storeGroup(group, assignment, (errorCode) => {
          const current = this.rb.isCurrent(group) && group.members.get(newMemberId) === member;
          if (errorCode !== ErrorCode.NONE) {
            this.ctx.logger.warn({ group: group.groupId, error: errorCode }, 'could not persist the replaced static member; reverting');
            group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null);
            if (current && group.is('Stable')) {
              const restored = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
              this.rb.scheduleSessionExpiry(group, restored, restored.sessionTimeoutMs);
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
            group.completeJoin(member, { ...this.rb.currentGenerationResult(group, newMemberId, isLeader), skipAssignment: isLeader });
          } else {
            // Before v9: answer with the old leader id so that a rejoining leader does not run a pointless assignment.
            group.completeJoin(member, { ...this.rb.currentGenerationResult(group, newMemberId, false), leader: currentLeader ?? '' });
          }
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may be assigning to the old member id: start over.
        this.rb.prepareRebalance(group, `static member ${instanceId} rejoined during CompletingRebalance`);
        return;
      case 'PreparingRebalance':
        return;
      default:
        this.ctx.logger.error({ group: group.groupId, state: group.state }, 'static member replaced in an unexpected state');
    }
  }

  // ================================================================ SyncGroup

  syncGroup(rc: GroupRequestContext, req: SyncGroupRequest): Promise<SyncGroupResponse> {
    return new Promise((resolve) => {
      let done = false;
      this.doSync(rc, req, (r) => {
        if (done) return;
        done = true;
        resolve(syncResponse(r, rc.apiVersion));
      });
    });
  }

  private doSync(rc: GroupRequestContext, req: SyncGroupRequest, respond: (r: SyncResult) => void): void {
    const v = rc.apiVersion;
    if (this.ctx.groups.get(req.groupId)?.type === 'consumer') {
      if (this.consumerGroups?.sync(rc, req, respond)) return;
      return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    const group = this.rb.classicGroup(req.groupId);
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const instanceId = v >= 3 ? req.groupInstanceId : null;
    const err = this.rb.validateMember(group, req.memberId, instanceId);
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
        this.rb.removePendingSyncMember(group, member.memberId);
        if (!group.isLeader(member.memberId)) return;
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) if (group.members.has(a.memberId)) assignment.set(a.memberId, a.assignment);
        const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
        for (const id of missing) assignment.set(id, EMPTY_BYTES);
        if (missing.length > 0) this.ctx.logger.warn({ group: group.groupId, members: missing }, 'leader sent no assignment for some members; they get an empty one');
        const generation = group.generationId;
        this.rb.storeGroup(group, assignment, (errorCode) => {
          if (!this.rb.isCurrent(group) || !group.is('CompletingRebalance') || generation !== group.generationId) return;
          if (errorCode !== ErrorCode.NONE) {
            this.ctx.logger.warn({ group: group.groupId, error: errorCode }, 'could not persist the group assignment; rebalancing');
            this.rb.resetAndPropagateAssignmentError(group, errorCode);
            this.rb.maybePrepareRebalance(group, `error ${errorCode} storing the group assignment`);
          } else {
            this.rb.setAndPropagateAssignment(group, assignment);
            group.transitionTo('Stable', this.ctx.clock.now());
            this.ctx.logger.info({ group: group.groupId, generation }, 'group is stable');
          }
        });
        return;
      }
      case 'Stable':
        this.rb.removePendingSyncMember(group, member.memberId);
        respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        this.rb.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return;
      default:
        respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }
}
