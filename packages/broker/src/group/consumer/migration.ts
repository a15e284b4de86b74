/**
 * KIP-848 online migration between classic and consumer groups
 * (group.consumer.migration.policy):
 *
 * - Upgrade: a ConsumerGroupHeartbeat for an empty classic group replaces
 *   it; for a non-empty classic group of the consumer protocol, the group is
 *   converted (its members become consumer group members that still speak
 *   the classic protocol, with their last assignment as target).
 * - Classic members in a consumer group keep using JoinGroup, SyncGroup,
 *   Heartbeat and LeaveGroup: a JoinGroup is a heartbeat of the consumer
 *   group protocol with the subscription and owned partitions of the
 *   member's embedded consumer protocol; Heartbeat answers
 *   REBALANCE_IN_PROGRESS when the member must rejoin to reconcile.
 * - Downgrade: when the last member that speaks the consumer protocol leaves
 *   and classic members remain, the group becomes a classic group again
 *   (Stable with the target assignment, then a rebalance). A JoinGroup for
 *   an empty consumer group replaces it by a classic group.
 *
 * Conversions write the old group's tombstones and the new group's records
 * in one batch; the new group is built by their replay.
 */
import { ErrorCode, type JoinGroupRequest, type LeaveGroupRequest, type LeaveGroupResponse, type SyncGroupRequest } from '@nagare/protocol';
import type { ClassicGroup } from '../classic/classic-group';
import { EMPTY_BYTES, type JoinResult, type SyncResult, joinError, syncError } from '../classic/classic-group';
import type { ClassicRequestsToConsumerGroups } from '../classic/join-sync';
import type { ClassicSessionsInConsumerGroups } from '../classic/heartbeat-leave';
import type { ClassicRebalance } from '../classic/rebalance';
import { isDowngradeEnabled } from '../config';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, protocolVersion } from '../consumer-protocol';
import { apiError, errorOf, mapGroupStoreError } from '../errors';
import type { GroupRecord } from '../group-records';
import type { GroupMetadataValue } from '../records';
import type { GroupRequestContext } from '../request-context';
import type { GroupShardContext } from '../shard-context';
import { assignmentOf, toTopicPartitions, type Assignment } from './assignment';
import { ConsumerGroup } from './consumer-group';
import { classicJoinKey, classicSyncKey, partitionMetadataValue, removeMemberRecords, type ConsumerGroupProtocol } from './heartbeat';
import { MemberState, currentAssignmentValue, memberMetadataValue, sortedUnique, type ConsumerGroupMember } from './member';
import type { OwnedPartitions } from './reconcile';

export class ConsumerGroupMigration implements ClassicRequestsToConsumerGroups, ClassicSessionsInConsumerGroups {
  constructor(
    private readonly ctx: GroupShardContext,
    private readonly cg: ConsumerGroupProtocol,
    private readonly rb: ClassicRebalance,
  ) {}

  private topicIdsOf(partitions: Array<{ topic: string; partitions: number[] }>): Assignment {
    const image = this.ctx.image();
    return assignmentOf(
      partitions.flatMap((tp) => {
        const t = image.topicsByName.get(tp.topic);
        return t ? [{ topicId: t.id, partitions: tp.partitions }] : [];
      }),
    );
  }

  private topicNamesOf(a: Assignment): Array<{ topic: string; partitions: number[] }> {
    const image = this.ctx.image();
    return toTopicPartitions(a).flatMap(({ topicId, partitions }) => {
      const t = image.topicsById.get(topicId);
      return t ? [{ topic: t.name, partitions }] : [];
    });
  }

  // ================================================================ upgrade

  /** Converts a non-empty classic group of the consumer protocol into a consumer group (records appended to `records`). */
  convertToConsumerGroup(classic: ClassicGroup, records: GroupRecord[], afterAppend: Array<() => void>): ConsumerGroup {
    const groupId = classic.groupId;
    const group = new ConsumerGroup(groupId);
    const members: ConsumerGroupMember[] = [];
    try {
      for (const m of classic.members.values()) {
        const sub = decodeSubscription(m.metadata(classic.protocolName!));
        const assigned = this.topicIdsOf(decodeAssignment(m.assignment));
        members.push({
          memberId: m.memberId,
          memberEpoch: classic.generationId,
          previousMemberEpoch: classic.generationId,
          state: MemberState.STABLE,
          instanceId: m.groupInstanceId,
          rackId: sub.rackId,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: sortedUnique(sub.topics),
          subscribedTopicRegex: null,
          serverAssignorName: null,
          assignedPartitions: assigned,
          partitionsPendingRevocation: new Map(),
          classicMemberMetadata: { sessionTimeoutMs: m.sessionTimeoutMs, supportedProtocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
        });
      }
    } catch (e) {
      this.ctx.logger.warn({ group: groupId, err: (e as Error).message }, 'cannot upgrade the classic group: its embedded consumer protocol is malformed');
      throw apiError(ErrorCode.GROUP_ID_NOT_FOUND, `Cannot upgrade the classic group ${groupId} to consumer group because the embedded consumer protocol is malformed.`);
    }
    // Members waiting in a rebalance rejoin the new group.
    for (const m of classic.members.values()) {
      classic.completeJoin(m, joinError(m.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
      classic.completeSync(m, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
    records.push({ type: 'GroupMetadata', groupId, value: null });
    group.setGroupEpoch(classic.generationId);
    group.setAssignmentEpoch(classic.generationId);
    for (const m of members) {
      group.updateTargetAssignment(m.memberId, m.assignedPartitions);
      group.updateMember(m);
    }
    group.setSubscriptionMetadata(ConsumerGroup.computeSubscriptionMetadata(group.computeSubscribedTopicNames(this.ctx.image(), []), this.ctx.image()));
    for (const m of members) records.push({ type: 'ConsumerGroupMemberMetadata', groupId, memberId: m.memberId, value: memberMetadataValue(m) });
    records.push({ type: 'ConsumerGroupPartitionMetadata', groupId, value: partitionMetadataValue(group.subscriptionMetadata) });
    records.push({ type: 'ConsumerGroupMetadata', groupId, value: { epoch: group.groupEpoch } });
    for (const m of members) records.push({ type: 'ConsumerGroupTargetAssignmentMember', groupId, memberId: m.memberId, value: { topicPartitions: toTopicPartitions(m.assignedPartitions) } });
    records.push({ type: 'ConsumerGroupTargetAssignmentMetadata', groupId, value: { assignmentEpoch: group.groupEpoch } });
    for (const m of members) records.push({ type: 'ConsumerGroupCurrentMemberAssignment', groupId, memberId: m.memberId, value: currentAssignmentValue(m) });
    afterAppend.push(() => {
      for (const m of members) this.cg.scheduleSessionTimeout(groupId, m.memberId, m.classicMemberMetadata!.sessionTimeoutMs);
    });
    this.ctx.logger.info({ group: groupId, members: members.length, epoch: classic.generationId }, 'upgrading the classic group to a consumer group (KIP-848)');
    return group;
  }

  // ================================================================ downgrade

  validateOnlineDowngradeWithFencedMember(group: ConsumerGroup, fencedMemberId: string): boolean {
    if (!group.allMembersUseClassicProtocolExcept(fencedMemberId)) return false;
    if (group.members.size <= 1) return false;
    if (!isDowngradeEnabled(this.ctx.config.consumerGroupMigrationPolicy)) {
      this.ctx.logger.info({ group: group.groupId }, 'cannot downgrade the consumer group to a classic group: group.consumer.migration.policy does not allow downgrades');
      return false;
    }
    if (group.members.size - 1 > this.ctx.config.groupMaxSize) {
      this.ctx.logger.info({ group: group.groupId }, 'cannot downgrade the consumer group to a classic group: more members than group.max.size');
      return false;
    }
    return true;
  }

  private validateOnlineDowngradeWithReplacedMemberId(group: ConsumerGroup, replacedMemberId: string): boolean {
    if (!group.allMembersUseClassicProtocolExcept(replacedMemberId)) return false;
    if (!isDowngradeEnabled(this.ctx.config.consumerGroupMigrationPolicy)) return false;
    return group.members.size <= this.ctx.config.groupMaxSize;
  }

  /**
   * Converts a consumer group whose remaining members all speak the classic
   * protocol into a classic group: its tombstones, then the classic group's
   * GroupMetadataValue (members with their target assignments). Returns what
   * to run once the records are replayed (sessions, and the rebalance when a
   * member left).
   */
  convertToClassicGroup(group: ConsumerGroup, leavingMemberId: string, joining: ConsumerGroupMember | null, records: GroupRecord[]): () => void {
    const groupId = group.groupId;
    records.push(...group.tombstones(joining ? { leaving: leavingMemberId, joining: joining.memberId } : undefined));
    const classicMembers: Array<{ m: ConsumerGroupMember; targetOf: string }> = [];
    for (const m of group.members.values()) if (m.memberId !== leavingMemberId) classicMembers.push({ m, targetOf: m.memberId });
    if (joining) classicMembers.push({ m: joining, targetOf: leavingMemberId });
    // The protocol every member supports that most members prefer (Kafka's selectProtocol).
    const candidates = new Set(classicMembers[0]?.m.classicMemberMetadata?.supportedProtocols.map((p) => p.name) ?? []);
    for (const { m } of classicMembers) for (const n of [...candidates]) if (!m.classicMemberMetadata!.supportedProtocols.some((p) => p.name === n)) candidates.delete(n);
    const votes = new Map<string, number>();
    for (const { m } of classicMembers) {
      const v = m.classicMemberMetadata!.supportedProtocols.find((p) => candidates.has(p.name))?.name;
      if (v) votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let protocol = '';
    let best = -1;
    for (const [n, c] of votes) if (c > best) [protocol, best] = [n, c];
    const value: GroupMetadataValue = {
      protocolType: CONSUMER_PROTOCOL_TYPE,
      generation: group.groupEpoch,
      protocol,
      leader: classicMembers[0]?.m.memberId ?? null,
      currentStateTimestamp: this.ctx.clock.now(),
      members: classicMembers.map(({ m, targetOf }) => {
        const metadata = m.classicMemberMetadata!.supportedProtocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
        return {
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeout: m.rebalanceTimeoutMs,
          sessionTimeout: m.classicMemberMetadata!.sessionTimeoutMs,
          subscription: metadata,
          assignment: encodeAssignment(this.topicNamesOf(group.targetAssignment.get(targetOf) ?? new Map()), protocolVersion(metadata)),
        };
      }),
    };
    records.push({ type: 'GroupMetadata', groupId, value });
    for (const { m } of classicMembers) this.cg.cancelTimers(groupId, m.memberId);
    this.cg.cancelTimers(groupId, leavingMemberId);
    this.ctx.logger.info({ group: groupId, members: classicMembers.length }, 'downgrading the consumer group to a classic group (KIP-848)');
    return () => {
      const classic = this.rb.classicGroup(groupId);
      if (!classic) return;
      for (const m of classic.members.values()) this.rb.scheduleSessionExpiry(classic, m, m.sessionTimeoutMs);
      if (!joining) this.rb.prepareRebalance(classic, `Downgrade group ${groupId} from consumer to classic.`);
    };
  }

  /** A JoinGroup for an empty consumer group: the group is deleted so that a classic group can take the id. */
  maybeDeleteEmptyConsumerGroup(groupId: string): boolean {
    const g = this.ctx.groups.get(groupId);
    if (!g || g.type !== 'consumer' || !g.isEmpty()) return false;
    this.ctx.emit(g.tombstones());
    this.ctx.groups.delete(groupId);
    this.ctx.logger.info({ group: groupId }, 'replacing the empty consumer group by a classic group');
    return true;
  }

  // ================================================================ classic members in consumer groups

  join(rc: GroupRequestContext, req: JoinGroupRequest, respond: (r: JoinResult) => void): boolean {
    const group = this.ctx.groups.get(req.groupId);
    if (!group || group.type !== 'consumer' || group.isEmpty()) return false;
    try {
      this.joinToConsumerGroup(group, rc, req, respond);
    } catch (e) {
      const { errorCode } = errorOf(e);
      respond(joinError(req.memberId, errorCode));
    }
    return true;
  }

  private supportsClassicProtocols(group: ConsumerGroup, protocolType: string, names: string[]): boolean {
    if (protocolType !== CONSUMER_PROTOCOL_TYPE) return false;
    if (group.isEmpty()) return names.length > 0;
    const counts = new Map<string, number>();
    for (const m of group.members.values()) for (const p of m.classicMemberMetadata?.supportedProtocols ?? []) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    return names.some((n) => (counts.get(n) ?? 0) === group.numClassicProtocolMembers);
  }

  private joinToConsumerGroup(group: ConsumerGroup, rc: GroupRequestContext, req: JoinGroupRequest, respond: (r: JoinResult) => void): void {
    const groupId = req.groupId;
    const instanceId = rc.apiVersion >= 5 ? req.groupInstanceId : null;
    const isUnknown = req.memberId === '';
    const memberId = isUnknown ? this.ctx.newConsumerMemberId() : req.memberId;
    this.cg.throwIfFull(group, memberId);
    if (!this.supportsClassicProtocols(group, req.protocolType, req.protocols.map((p) => p.name))) {
      throw apiError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s protocols are not supported.`);
    }
    if (isUnknown && instanceId === null && rc.apiVersion >= 4) {
      respond(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
      return;
    }
    const records: GroupRecord[] = [];
    const member =
      instanceId === null
        ? this.cg.getOrMaybeSubscribeDynamicMember(group, memberId, -1, [], true, true)
        : this.cg.getOrMaybeSubscribeStaticMember(group, memberId, -1, instanceId, [], isUnknown, true, records);
    const sub = decodeSubscription(req.protocols[0].metadata);
    const rebalanceTimeoutMs = rc.apiVersion === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    let updated: ConsumerGroupMember = {
      ...member,
      instanceId: instanceId ?? member.instanceId,
      rackId: sub.rackId ?? member.rackId,
      rebalanceTimeoutMs: rebalanceTimeoutMs !== -1 ? rebalanceTimeoutMs : member.rebalanceTimeoutMs,
      subscribedTopicNames: sortedUnique(sub.topics),
      clientId: rc.clientId,
      clientHost: rc.clientHost,
      classicMemberMetadata: { sessionTimeoutMs: req.sessionTimeoutMs, supportedProtocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
    };
    const { targetEpoch, target } = this.cg.updateGroupForMember(group, member, updated, records);
    const owned: OwnedPartitions = toTopicPartitions(this.topicIdsOf(sub.ownedPartitions));
    updated = this.cg.maybeReconcile(group, updated, targetEpoch, target, owned, records);
    // The last member of the consumer protocol replaced by a classic static member: back to classic.
    const existingStatic = instanceId !== null ? group.staticMembers.get(instanceId) : undefined;
    const downgrade = existingStatic !== undefined && existingStatic !== updated.memberId && this.validateOnlineDowngradeWithReplacedMemberId(group, existingStatic);
    let after: (() => void) | undefined;
    if (downgrade) after = this.convertToClassicGroup(group, existingStatic, updated, records);
    const result: JoinResult = {
      errorCode: ErrorCode.NONE,
      memberId: updated.memberId,
      generationId: updated.memberEpoch,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: updated.classicMemberMetadata!.supportedProtocols[0].name,
      leader: '',
      skipAssignment: false,
      members: [],
    };
    const sessionTimeoutMs = req.sessionTimeoutMs;
    this.ctx.emit(
      records,
      (code) => {
        if (code !== ErrorCode.NONE) return respond(joinError(memberId, mapGroupStoreError(code)));
        this.ctx.cancelTimer(classicJoinKey(groupId, result.memberId));
        if (!downgrade) {
          this.cg.scheduleSessionTimeout(groupId, result.memberId, sessionTimeoutMs);
          this.cg.scheduleClassicSyncTimeout(groupId, result.memberId, rebalanceTimeoutMs);
        }
        respond(result);
      },
      after,
    );
  }

  sync(rc: GroupRequestContext, req: SyncGroupRequest, respond: (r: SyncResult) => void): boolean {
    const group = this.ctx.groups.get(req.groupId);
    if (!group || group.type !== 'consumer') return false;
    try {
      const member = this.validateClassicMember(group, req.memberId, rc.apiVersion >= 3 ? req.groupInstanceId : null);
      this.throwIfGenerationIdUnmatched(member, req.generationId);
      const protocolName = member.classicMemberMetadata!.supportedProtocols[0].name;
      if (req.protocolType !== null && req.protocolType !== CONSUMER_PROTOCOL_TYPE) throw apiError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      if (req.protocolName !== null && req.protocolName !== protocolName) throw apiError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      if (group.groupEpoch > member.memberEpoch && member.state !== MemberState.UNREVOKED_PARTITIONS) {
        this.cg.scheduleClassicJoinTimeoutIfAbsent(group.groupId, member.memberId, member.rebalanceTimeoutMs);
        throw apiError(ErrorCode.REBALANCE_IN_PROGRESS, `A new rebalance is triggered in group ${group.groupId} and member ${member.memberId} should rejoin to catch up.`);
      }
      const version = protocolVersion(member.classicMemberMetadata!.supportedProtocols[0].metadata);
      const assignment = encodeAssignment(this.topicNamesOf(member.assignedPartitions), version);
      this.ctx.emit([], (code) => {
        if (code !== ErrorCode.NONE) return respond(syncError(mapGroupStoreError(code)));
        this.ctx.cancelTimer(classicSyncKey(group.groupId, member.memberId));
        this.cg.scheduleSessionTimeout(group.groupId, member.memberId, member.classicMemberMetadata!.sessionTimeoutMs);
        respond({ errorCode: ErrorCode.NONE, protocolType: CONSUMER_PROTOCOL_TYPE, protocolName, assignment });
      });
    } catch (e) {
      respond(syncError(errorOf(e).errorCode));
    }
    return true;
  }

  private validateClassicMember(group: ConsumerGroup, memberId: string, instanceId: string | null): ConsumerGroupMember {
    let member: ConsumerGroupMember | undefined;
    if (instanceId === null) {
      member = group.members.get(memberId);
      if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
    } else {
      member = group.staticMember(instanceId);
      if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member with instance id ${instanceId} is not a member of group ${group.groupId}.`);
      if (member.memberId !== memberId) throw apiError(ErrorCode.FENCED_INSTANCE_ID);
    }
    if (member.classicMemberMetadata === null) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
    return member;
  }

  private throwIfGenerationIdUnmatched(member: ConsumerGroupMember, generationId: number): void {
    if (member.memberEpoch !== generationId) {
      throw apiError(ErrorCode.ILLEGAL_GENERATION, `The request generation id ${generationId} is not equal to the member epoch ${member.memberEpoch} of member ${member.memberId}.`);
    }
  }

  heartbeat(groupId: string, memberId: string, instanceId: string | null, generationId: number): number {
    const group = this.ctx.groups.get(groupId);
    if (!group || group.type !== 'consumer') return ErrorCode.UNKNOWN_MEMBER_ID;
    try {
      const member = this.validateClassicMember(group, memberId, instanceId);
      this.throwIfGenerationIdUnmatched(member, generationId);
      this.cg.scheduleSessionTimeout(groupId, member.memberId, member.classicMemberMetadata!.sessionTimeoutMs);
      // Rejoin when the group moved on, when partitions must be revoked, or when awaited partitions are free now.
      if (
        member.memberEpoch < group.groupEpoch ||
        member.state === MemberState.UNREVOKED_PARTITIONS ||
        (member.state === MemberState.UNRELEASED_PARTITIONS && !group.waitingOnUnreleasedPartition(member))
      ) {
        this.cg.scheduleClassicJoinTimeoutIfAbsent(groupId, member.memberId, member.rebalanceTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      }
      return ErrorCode.NONE;
    } catch (e) {
      return errorOf(e).errorCode;
    }
  }

  leave(groupId: string, leaving: LeaveGroupRequest.MemberIdentity[]): { errorCode: number; members: LeaveGroupResponse.MemberResponse[] } {
    const group = this.ctx.groups.get(groupId) as ConsumerGroup;
    const records: GroupRecord[] = [];
    const left: ConsumerGroupMember[] = [];
    const members = leaving.map((mi) => {
      let memberId = mi.memberId;
      try {
        let member: ConsumerGroupMember | undefined;
        if (mi.groupInstanceId === null) {
          member = group.members.get(memberId);
          if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID);
        } else {
          member = group.staticMember(mi.groupInstanceId);
          if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${mi.groupInstanceId} is unknown.`);
          if (memberId !== '' && member.memberId !== memberId) throw apiError(ErrorCode.FENCED_INSTANCE_ID);
        }
        if (member.classicMemberMetadata === null) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
        memberId = member.memberId;
        records.push(...removeMemberRecords(groupId, memberId));
        this.cg.cancelTimers(groupId, memberId);
        left.push(member);
        this.ctx.logger.info({ group: groupId, memberId, reason: mi.reason ?? 'not provided' }, 'classic member left the consumer group');
        return { memberId, groupInstanceId: mi.groupInstanceId, errorCode: ErrorCode.NONE };
      } catch (e) {
        return { memberId, groupInstanceId: mi.groupInstanceId, errorCode: errorOf(e).errorCode };
      }
    });
    if (records.length > 0) {
      const image = this.ctx.image();
      const metadata = ConsumerGroup.computeSubscriptionMetadata(
        group.computeSubscribedTopicNames(
          image,
          left.map((m) => ({ oldMember: m, newMember: null })),
        ),
        image,
      );
      if (!ConsumerGroup.sameSubscriptionMetadata(metadata, group.subscriptionMetadata)) {
        records.push({ type: 'ConsumerGroupPartitionMetadata', groupId, value: partitionMetadataValue(metadata) });
      }
      records.push({ type: 'ConsumerGroupMetadata', groupId, value: { epoch: group.groupEpoch + 1 } });
      this.ctx.emit(records);
    }
    return { errorCode: ErrorCode.NONE, members };
  }
}
