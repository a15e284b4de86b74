/**
 * Heartbeat and LeaveGroup of classic groups: sessions are kept alive,
 * members leave (one at a time before LeaveGroup v3, in batches and by group
 * instance id from v3, KIP-345).
 */
import { ErrorCode, type HeartbeatRequest, type HeartbeatResponse, type LeaveGroupRequest, type LeaveGroupResponse } from '@nagare/protocol';
import type { GroupRequestContext } from '../request-context';
import type { GroupShardContext } from '../shard-context';
import type { ClassicRebalance } from './rebalance';

/** Hands Heartbeat/LeaveGroup for consumer groups with classic members to the consumer group side. */
export interface ClassicSessionsInConsumerGroups {
  heartbeat(groupId: string, memberId: string, instanceId: string | null, generationId: number): number;
  leave(groupId: string, leaving: LeaveGroupRequest.MemberIdentity[]): { errorCode: number; members: LeaveGroupResponse.MemberResponse[] };
}

export class ClassicHeartbeatLeave {
  consumerGroups: ClassicSessionsInConsumerGroups | null = null;

  constructor(
    private readonly ctx: GroupShardContext,
    private readonly rb: ClassicRebalance,
  ) {}

  // ================================================================ Heartbeat

  heartbeat(rc: GroupRequestContext, req: HeartbeatRequest): HeartbeatResponse {
    return { throttleTimeMs: 0, errorCode: this.doHeartbeat(req.groupId, req.memberId, rc.apiVersion >= 3 ? req.groupInstanceId : null, req.generationId) };
  }

  private doHeartbeat(groupId: string, memberId: string, instanceId: string | null, generationId: number): number {
    if (this.ctx.groups.get(groupId)?.type === 'consumer') {
      return this.consumerGroups ? this.consumerGroups.heartbeat(groupId, memberId, instanceId, generationId) : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    const group = this.rb.classicGroup(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const err = this.rb.validateMember(group, memberId, instanceId);
    if (err !== ErrorCode.NONE) return err;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'CompletingRebalance':
      case 'Stable':
        this.rb.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
      case 'PreparingRebalance':
        this.rb.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // ================================================================ LeaveGroup

  leaveGroup(rc: GroupRequestContext, req: LeaveGroupRequest): LeaveGroupResponse {
    const v = rc.apiVersion;
    const leaving: LeaveGroupRequest.MemberIdentity[] = v <= 2 ? [{ memberId: req.memberId, groupInstanceId: null, reason: null }] : req.members;
    const { errorCode, members } = this.doLeave(req.groupId, leaving);
    return leaveResponse(v, errorCode, members);
  }

  private doLeave(groupId: string, leaving: LeaveGroupRequest.MemberIdentity[]): { errorCode: number; members: LeaveGroupResponse.MemberResponse[] } {
    if (this.ctx.groups.get(groupId)?.type === 'consumer' && this.consumerGroups) return this.consumerGroups.leave(groupId, leaving);
    const answer = (m: LeaveGroupRequest.MemberIdentity, errorCode: number) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    const group = this.rb.classicGroup(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      const reason = `member ${m.memberId || m.groupInstanceId} left${m.reason ? `; client reason: ${m.reason}` : ''}`;
      if (m.memberId === '') {
        // Administrative removal by group instance id (KIP-345).
        const current = m.groupInstanceId !== null ? group.staticMembers.get(m.groupInstanceId) : undefined;
        if (current === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.rb.removeMemberAndUpdateGroup(group, group.members.get(current)!, reason);
        this.ctx.logger.info({ group: groupId, memberId: current, groupInstanceId: m.groupInstanceId }, 'member left the group');
        return answer(m, ErrorCode.NONE);
      }
      if (group.isPendingMember(m.memberId)) {
        group.removePendingJoinMember(m.memberId);
        if (group.is('PreparingRebalance')) this.rb.tryCompleteJoin(group);
        return answer(m, ErrorCode.NONE);
      }
      const err = this.rb.validateMember(group, m.memberId, m.groupInstanceId);
      if (err !== ErrorCode.NONE) return answer(m, err);
      this.rb.removeMemberAndUpdateGroup(group, group.members.get(m.memberId)!, reason);
      this.ctx.logger.info({ group: groupId, memberId: m.memberId }, 'member left the group');
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }
}

/** The LeaveGroup response for the version: v0-2 have one member and no member list, its error is the top-level one. */
export function leaveResponse(version: number, errorCode: number, members: LeaveGroupResponse.MemberResponse[]): LeaveGroupResponse {
  if (version <= 2) {
    const first = members.find((m) => m.errorCode !== ErrorCode.NONE);
    return { throttleTimeMs: 0, errorCode: errorCode !== ErrorCode.NONE ? errorCode : (first?.errorCode ?? ErrorCode.NONE), members: [] };
  }
  return { throttleTimeMs: 0, errorCode, members: errorCode !== ErrorCode.NONE ? [] : members };
}
