/**
 * ConsumerGroupHeartbeat and ConsumerGroupDescribe (KIP-848): the consumer
 * group protocol of Kafka's GroupMetadataManager.
 *
 * A heartbeat (1) creates or updates the member; a changed subscription
 * (topic names or an RE2 regex, v1) or changed topic metadata bumps the
 * group epoch; (2) when the group epoch is ahead of the target assignment,
 * the server-side assignor computes a new target; (3) the member reconciles
 * towards its target (revocation before assignment, reconcile.ts). Every
 * change is a record; the state follows by replay. Members that stop
 * heartbeating are fenced after the session timeout, members that do not
 * revoke within their rebalance timeout too. Static members (instance id)
 * may leave for a while (epoch -2) and come back with a new member id.
 *
 * Errors are thrown as CoordinatorErrors with Kafka's codes and messages.
 */
import { ErrorCode, type ConsumerGroupDescribeResponse, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from '@nagare/protocol';
import type { MetadataImage } from '@nagare/metadata';
import { consumerHeartbeatIntervalMs, consumerSessionTimeoutMs, isUpgradeEnabled } from '../config';
import { apiError } from '../errors';
import type { GroupRecord } from '../group-records';
import type { GroupShardContext } from '../shard-context';
import { assignmentEquals, toTopicPartitions, type Assignment } from './assignment';
import { assignorsByName, type ConsumerGroupPartitionAssignor } from './assignors';
import { ConsumerGroup, compileRegex, type SubscriptionType, type TopicMetadata } from './consumer-group';
import {
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  currentAssignmentValue,
  isReconciledTo,
  memberMetadataValue,
  newMember,
  sameAssignmentState,
  sameMetadata,
  sameNames,
  sortedUnique,
  type ConsumerGroupMember,
} from './member';
import { computeTargetAssignment, reconcile, type OwnedPartitions } from './reconcile';
import type { ConsumerGroupMigration } from './migration';

const key = (...parts: string[]) => JSON.stringify(parts);
export const sessionKey = (groupId: string, memberId: string) => key('consumer-session', groupId, memberId);
export const rebalanceKey = (groupId: string, memberId: string) => key('consumer-rebalance', groupId, memberId);
export const classicJoinKey = (groupId: string, memberId: string) => key('consumer-classic-join', groupId, memberId);
export const classicSyncKey = (groupId: string, memberId: string) => key('consumer-classic-sync', groupId, memberId);

/** KIP-1099 member types in ConsumerGroupDescribe v1. */
const MEMBER_TYPE_CLASSIC = 0;
const MEMBER_TYPE_CONSUMER = 1;

/** Every group ACL operation (no authorizer): READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);
const OPS_NOT_REQUESTED = -2147483648;

/** A heartbeat's inputs, from the request and its context. */
export interface HeartbeatInput {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  ownedTopicPartitions: OwnedPartitions;
}

export class ConsumerGroupProtocol {
  readonly assignors: Map<string, ConsumerGroupPartitionAssignor>;
  readonly defaultAssignor: string;
  migration!: ConsumerGroupMigration;

  constructor(private readonly ctx: GroupShardContext) {
    this.assignors = assignorsByName(ctx.config.consumerGroupAssignors);
    this.defaultAssignor = ctx.config.consumerGroupAssignors[0];
  }

  // ================================================================ lookups

  consumerGroup(groupId: string): ConsumerGroup {
    const g = this.ctx.groups.get(groupId);
    if (!g) throw apiError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    if (g.type !== 'consumer') throw apiError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    return g;
  }

  /**
   * The consumer group for a heartbeat: the existing one; a new one (not in
   * the shard until its records are replayed); an empty classic group
   * replaced (its GroupMetadata tombstoned, its offsets kept); or a
   * non-empty classic group converted (KIP-848 online upgrade).
   */
  getOrMaybeCreateConsumerGroup(groupId: string, createIfNotExists: boolean, records: GroupRecord[], afterAppend: Array<() => void>): ConsumerGroup {
    const g = this.ctx.groups.get(groupId);
    if (!g && !createIfNotExists) throw apiError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    if (!g) return new ConsumerGroup(groupId);
    if (g.type === 'consumer') return g;
    if (createIfNotExists && g.is('Empty')) {
      records.push({ type: 'GroupMetadata', groupId, value: null });
      this.ctx.logger.info({ group: groupId }, 'replacing the empty classic group by a consumer group (KIP-848)');
      return new ConsumerGroup(groupId);
    }
    if (createIfNotExists && this.validateOnlineUpgrade(g)) return this.migration.convertToConsumerGroup(g, records, afterAppend);
    throw apiError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
  }

  private validateOnlineUpgrade(g: import('../classic/classic-group').ClassicGroup): boolean {
    if (!isUpgradeEnabled(this.ctx.config.consumerGroupMigrationPolicy)) {
      this.ctx.logger.info({ group: g.groupId }, 'cannot upgrade the classic group to a consumer group: group.consumer.migration.policy does not allow upgrades');
      return false;
    }
    if (!g.usesConsumerProtocol) {
      this.ctx.logger.info({ group: g.groupId }, 'cannot upgrade the classic group to a consumer group: it does not use the consumer protocol');
      return false;
    }
    if (g.members.size > this.ctx.config.consumerGroupMaxSize) {
      this.ctx.logger.info({ group: g.groupId }, 'cannot upgrade the classic group to a consumer group: more members than group.consumer.max.size');
      return false;
    }
    return true;
  }

  throwIfFull(group: ConsumerGroup, memberId: string): void {
    const max = this.ctx.config.consumerGroupMaxSize;
    if (group.members.size >= max && (memberId === '' || !group.members.has(memberId))) {
      throw apiError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${max} members.`);
    }
  }

  sessionTimeoutMs(groupId: string): number {
    return consumerSessionTimeoutMs(this.ctx.config, this.ctx.image(), groupId);
  }

  heartbeatIntervalMs(groupId: string): number {
    return consumerHeartbeatIntervalMs(this.ctx.config, this.ctx.image(), groupId);
  }

  /** The topic names a regex matches in the current image. */
  regexTopics(regex: string): string[] {
    const p = compileRegex(regex);
    if (!p) return [];
    return [...this.ctx.image().topicsByName.keys()].filter((t) => p.matches(t));
  }

  // ================================================================ ConsumerGroupHeartbeat

  validate(req: ConsumerGroupHeartbeatRequest, version: number): void {
    const invalid = (m: string) => apiError(ErrorCode.INVALID_REQUEST, m);
    if (req.instanceId === '') throw invalid("InstanceId can't be empty.");
    if (req.rackId === '') throw invalid("RackId can't be empty.");
    const regex = version >= 1 ? req.subscribedTopicRegex : null;
    if (version >= 1 && req.memberId === '') throw invalid("MemberId can't be empty.");
    if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (req.memberId === '') throw invalid("MemberId can't be empty.");
    } else if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
      if (req.topicPartitions === null || req.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
      const hasNames = req.subscribedTopicNames !== null && req.subscribedTopicNames.length > 0;
      if (!hasNames && (regex === null || regex === '')) {
        throw invalid(version >= 1 ? 'SubscribedTopicNames or SubscribedTopicRegex must be set in first request.' : 'SubscribedTopicNames must be set in first request.');
      }
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (req.memberId === '') throw invalid("MemberId can't be empty.");
      if (req.instanceId === null) throw invalid("InstanceId can't be null.");
    } else {
      throw invalid('MemberEpoch is invalid.');
    }
    if (req.serverAssignor !== null && !this.assignors.has(req.serverAssignor)) {
      throw apiError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${[...this.assignors.keys()].join(', ')}.`);
    }
    if (regex !== null && regex !== '' && compileRegex(regex) === null) {
      throw apiError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${regex}\` is not a valid regular expression.`);
    }
  }

  heartbeat(version: number, clientId: string, clientHost: string, req: ConsumerGroupHeartbeatRequest): ConsumerGroupHeartbeatResponse {
    this.validate(req, version);
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return this.leave(req.groupId, req.instanceId, req.memberId, req.memberEpoch);
    }
    return this.join({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      clientId,
      clientHost,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: version >= 1 ? req.subscribedTopicRegex : null,
      serverAssignor: req.serverAssignor,
      ownedTopicPartitions: req.topicPartitions,
    });
  }

  private join(h: HeartbeatInput): ConsumerGroupHeartbeatResponse {
    const records: GroupRecord[] = [];
    const afterAppend: Array<() => void> = [];
    const createIfNotExists = h.memberEpoch === 0;
    const group = this.getOrMaybeCreateConsumerGroup(h.groupId, createIfNotExists, records, afterAppend);
    this.throwIfFull(group, h.memberId);
    const memberId = h.memberId === '' ? this.ctx.newConsumerMemberId() : h.memberId;
    const member =
      h.instanceId === null
        ? this.getOrMaybeSubscribeDynamicMember(group, memberId, h.memberEpoch, h.ownedTopicPartitions, createIfNotExists, false)
        : this.getOrMaybeSubscribeStaticMember(group, memberId, h.memberEpoch, h.instanceId, h.ownedTopicPartitions, createIfNotExists, false, records);

    // 1. The member as it will be.
    let regex = member.subscribedTopicRegex;
    if (h.subscribedTopicRegex !== null) regex = h.subscribedTopicRegex === '' ? null : h.subscribedTopicRegex;
    let updated: ConsumerGroupMember = {
      ...member,
      instanceId: h.instanceId ?? member.instanceId,
      rackId: h.rackId ?? member.rackId,
      rebalanceTimeoutMs: h.rebalanceTimeoutMs !== -1 ? h.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
      serverAssignorName: h.serverAssignor ?? member.serverAssignorName,
      subscribedTopicNames: h.subscribedTopicNames !== null ? sortedUnique(h.subscribedTopicNames) : member.subscribedTopicNames,
      subscribedTopicRegex: regex,
      clientId: h.clientId,
      clientHost: h.clientHost,
      classicMemberMetadata: null,
    };
    const { targetEpoch, target } = this.updateGroupForMember(group, member, updated, records);

    // 3. Reconcile.
    updated = this.maybeReconcile(group, updated, targetEpoch, target, h.ownedTopicPartitions, records);
    this.scheduleSessionTimeout(h.groupId, updated.memberId, this.sessionTimeoutMs(h.groupId));

    this.ctx.emit(records, undefined, afterAppend.length > 0 ? () => afterAppend.forEach((f) => f()) : undefined);
    const isFullRequest =
      h.memberEpoch === 0 || (h.rebalanceTimeoutMs !== -1 && (h.subscribedTopicNames !== null || h.subscribedTopicRegex !== null) && h.ownedTopicPartitions !== null);
    const changed = !assignmentEquals(member.assignedPartitions, updated.assignedPartitions);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: updated.memberId,
      memberEpoch: updated.memberEpoch,
      heartbeatIntervalMs: this.heartbeatIntervalMs(h.groupId),
      assignment: isFullRequest || changed ? { topicPartitions: toTopicPartitions(updated.assignedPartitions) } : null,
    };
  }

  /**
   * Steps 1 and 2 of a heartbeat or a classic JoinGroup: persist the
   * member's new metadata, bump the group epoch when subscriptions or topic
   * metadata changed, and recompute the target assignment when the group
   * epoch is ahead of it. Returns the member's target.
   */
  updateGroupForMember(group: ConsumerGroup, member: ConsumerGroupMember, updated: ConsumerGroupMember, records: GroupRecord[]): { targetEpoch: number; target: Assignment } {
    const image = this.ctx.image();
    const now = this.ctx.clock.now();
    let bumpGroupEpoch = false;
    if (!sameMetadata(member, updated) || !group.members.has(updated.memberId)) {
      records.push({ type: 'ConsumerGroupMemberMetadata', groupId: group.groupId, memberId: updated.memberId, value: memberMetadataValue(updated) });
      if (!sameNames(member.subscribedTopicNames, updated.subscribedTopicNames) || member.subscribedTopicRegex !== updated.subscribedTopicRegex) bumpGroupEpoch = true;
    }
    let groupEpoch = group.groupEpoch;
    let subscriptionMetadata: ReadonlyMap<string, TopicMetadata> = group.subscriptionMetadata;
    let subscriptionType: SubscriptionType = ConsumerGroup.subscriptionType(group.computeSubscribedTopicNames(image, []), group.members.size);
    if (bumpGroupEpoch || group.hasMetadataExpired(now)) {
      // The member as it was is replaced by the member as it will be (a new member had no subscription to take away).
      const names = group.computeSubscribedTopicNames(image, [{ oldMember: member, newMember: updated }]);
      subscriptionMetadata = ConsumerGroup.computeSubscriptionMetadata(names, image);
      let numMembers = group.members.size;
      if (!group.members.has(updated.memberId) && !(updated.instanceId !== null && group.staticMembers.has(updated.instanceId))) numMembers++;
      subscriptionType = ConsumerGroup.subscriptionType(names, numMembers);
      if (!ConsumerGroup.sameSubscriptionMetadata(subscriptionMetadata, group.subscriptionMetadata)) {
        bumpGroupEpoch = true;
        records.push({ type: 'ConsumerGroupPartitionMetadata', groupId: group.groupId, value: partitionMetadataValue(subscriptionMetadata) });
      }
      if (bumpGroupEpoch) {
        groupEpoch += 1;
        records.push({ type: 'ConsumerGroupMetadata', groupId: group.groupId, value: { epoch: groupEpoch } });
        this.ctx.logger.info({ group: group.groupId, epoch: groupEpoch }, 'bumped the group epoch');
      }
      group.metadataRefreshDeadline = { deadlineMs: Number.MAX_SAFE_INTEGER, epoch: groupEpoch };
    }
    if (groupEpoch > group.assignmentEpoch) {
      const target = this.updateTargetAssignment(group, groupEpoch, member, updated, subscriptionMetadata, subscriptionType, records);
      return { targetEpoch: groupEpoch, target };
    }
    return { targetEpoch: group.assignmentEpoch, target: group.targetAssignmentOf(updated.memberId, updated.instanceId) };
  }

  private updateTargetAssignment(
    group: ConsumerGroup,
    groupEpoch: number,
    member: ConsumerGroupMember,
    updated: ConsumerGroupMember,
    subscriptionMetadata: ReadonlyMap<string, TopicMetadata>,
    subscriptionType: SubscriptionType,
    records: GroupRecord[],
  ): Assignment {
    const assignorName = group.preferredServerAssignor(group.computeServerAssignors(group.members.has(member.memberId) ? member : null, updated)) ?? this.defaultAssignor;
    const updates = new Map<string, ConsumerGroupMember | null>([[updated.memberId, updated]]);
    const previous = updated.instanceId !== null ? group.staticMembers.get(updated.instanceId) : undefined;
    if (previous !== undefined && previous !== updated.memberId) updates.set(previous, null);
    const started = this.ctx.clock.monotonicMs();
    const { records: ta, target } = computeTargetAssignment({
      group,
      groupEpoch,
      assignor: this.assignors.get(assignorName) ?? this.assignors.get(this.defaultAssignor)!,
      subscriptionMetadata,
      subscriptionType,
      updates,
      regexTopics: (r) => this.regexTopics(r),
    });
    this.ctx.logger.info({ group: group.groupId, epoch: groupEpoch, assignor: assignorName, ms: this.ctx.clock.monotonicMs() - started }, 'computed a new target assignment');
    records.push(...ta);
    return target.get(updated.memberId) ?? new Map();
  }

  maybeReconcile(group: ConsumerGroup, member: ConsumerGroupMember, targetEpoch: number, target: Assignment, owned: OwnedPartitions, records: GroupRecord[]): ConsumerGroupMember {
    if (isReconciledTo(member, targetEpoch)) return member;
    const updated = reconcile(member, targetEpoch, target, (t, p) => group.currentPartitionEpoch(t, p), owned);
    if (!sameAssignmentState(updated, member) || !group.members.has(updated.memberId)) {
      records.push({ type: 'ConsumerGroupCurrentMemberAssignment', groupId: group.groupId, memberId: updated.memberId, value: currentAssignmentValue(updated) });
      this.ctx.logger.debug(
        { group: group.groupId, memberId: updated.memberId, epoch: updated.memberEpoch, previousEpoch: updated.previousMemberEpoch, state: updated.state },
        'member has a new assignment state',
      );
      if (updated.classicMemberMetadata === null) {
        if (updated.state === MemberState.UNREVOKED_PARTITIONS) this.scheduleRebalanceTimeout(group.groupId, updated.memberId, updated.memberEpoch, updated.rebalanceTimeoutMs);
        else this.ctx.cancelTimer(rebalanceKey(group.groupId, updated.memberId));
      }
    }
    return updated;
  }

  getOrMaybeSubscribeDynamicMember(
    group: ConsumerGroup,
    memberId: string,
    memberEpoch: number,
    owned: OwnedPartitions,
    createIfNotExists: boolean,
    classic: boolean,
  ): ConsumerGroupMember {
    let member = group.members.get(memberId);
    if (!member) {
      if (!createIfNotExists) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      member = newMember(memberId);
      this.ctx.logger.info({ group: group.groupId, memberId, protocol: classic ? 'classic' : 'consumer' }, 'member joins the consumer group');
    }
    if (!classic) this.throwIfMemberEpochIsInvalid(member, memberEpoch, owned);
    return member;
  }

  getOrMaybeSubscribeStaticMember(
    group: ConsumerGroup,
    memberId: string,
    memberEpoch: number,
    instanceId: string,
    owned: OwnedPartitions,
    createIfNotExists: boolean,
    classic: boolean,
    records: GroupRecord[],
  ): ConsumerGroupMember {
    const existing = group.staticMember(instanceId);
    if (createIfNotExists) {
      if (!existing) {
        this.ctx.logger.info({ group: group.groupId, memberId, instanceId }, 'static member joins the consumer group');
        return group.members.get(memberId) ?? newMember(memberId);
      }
      if (!classic && existing.classicMemberMetadata === null && existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        throw apiError(
          ErrorCode.UNRELEASED_INSTANCE_ID,
          `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
        );
      }
      const replacement: ConsumerGroupMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
      this.replaceMember(records, group, existing, replacement);
      this.ctx.logger.info({ group: group.groupId, instanceId, memberId, replaced: existing.memberId }, 'static member rejoins the consumer group with a new member id');
      return replacement;
    }
    if (!existing) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (existing.memberId !== memberId) {
      throw apiError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} is fenced by existing member ${existing.memberId}.`);
    }
    if (!classic) this.throwIfMemberEpochIsInvalid(existing, memberEpoch, owned);
    return existing;
  }

  private throwIfMemberEpochIsInvalid(member: ConsumerGroupMember, received: number, owned: OwnedPartitions): void {
    const fenced = (rel: string) =>
      apiError(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `The consumer group member has a ${rel} member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      );
    if (received > member.memberEpoch) throw fenced('greater');
    if (received < member.memberEpoch) {
      // The previous epoch with a subset of the assignment: the response with the new epoch was lost.
      if (received !== member.previousMemberEpoch || !isSubset(owned, member.assignedPartitions)) throw fenced('smaller');
    }
  }

  /** Records that replace a static member by a new member id (old removed, new added with the old target). */
  replaceMember(records: GroupRecord[], group: ConsumerGroup, oldMember: ConsumerGroupMember, replacement: ConsumerGroupMember): void {
    const g = group.groupId;
    records.push(...removeMemberRecords(g, oldMember.memberId));
    records.push({ type: 'ConsumerGroupMemberMetadata', groupId: g, memberId: replacement.memberId, value: memberMetadataValue(replacement) });
    records.push({
      type: 'ConsumerGroupTargetAssignmentMember',
      groupId: g,
      memberId: replacement.memberId,
      value: { topicPartitions: toTopicPartitions(group.targetAssignment.get(oldMember.memberId) ?? new Map()) },
    });
    records.push({ type: 'ConsumerGroupCurrentMemberAssignment', groupId: g, memberId: replacement.memberId, value: currentAssignmentValue(replacement) });
  }

  // ================================================================ leaving and fencing

  private leave(groupId: string, instanceId: string | null, memberId: string, memberEpoch: number): ConsumerGroupHeartbeatResponse {
    const group = this.consumerGroup(groupId);
    const response: ConsumerGroupHeartbeatResponse = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    };
    if (instanceId === null) {
      const member = group.members.get(memberId);
      if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
      this.ctx.logger.info({ group: groupId, memberId }, 'member left the consumer group');
      this.fenceMember(group, member);
      return response;
    }
    const member = group.staticMember(instanceId);
    if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (member.memberId !== memberId) {
      throw apiError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} is fenced by existing member ${member.memberId}.`);
    }
    if (memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      this.ctx.logger.info({ group: groupId, memberId, instanceId }, 'static member left the consumer group for now');
      const leaving: ConsumerGroupMember = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: new Map() };
      this.ctx.emit([{ type: 'ConsumerGroupCurrentMemberAssignment', groupId, memberId, value: currentAssignmentValue(leaving) }]);
      return { ...response, memberId: member.memberId, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH };
    }
    this.ctx.logger.info({ group: groupId, memberId, instanceId }, 'static member left the consumer group');
    this.fenceMember(group, member);
    return response;
  }

  /**
   * Removes a member (left, session expired, did not revoke in time): its
   * three records are tombstoned, the subscription metadata follows, the
   * group epoch is bumped. If only classic-protocol members remain, the
   * group goes back to being a classic group (KIP-848 online downgrade).
   */
  fenceMember(group: ConsumerGroup, member: ConsumerGroupMember): void {
    const records: GroupRecord[] = [];
    if (this.migration.validateOnlineDowngradeWithFencedMember(group, member.memberId)) {
      const after = this.migration.convertToClassicGroup(group, member.memberId, null, records);
      this.cancelTimers(group.groupId, member.memberId);
      this.ctx.emit(records, undefined, after);
      return;
    }
    records.push(...removeMemberRecords(group.groupId, member.memberId));
    const names = group.computeSubscribedTopicNames(this.ctx.image(), [{ oldMember: member, newMember: null }]);
    const metadata = ConsumerGroup.computeSubscriptionMetadata(names, this.ctx.image());
    if (!ConsumerGroup.sameSubscriptionMetadata(metadata, group.subscriptionMetadata)) {
      records.push({ type: 'ConsumerGroupPartitionMetadata', groupId: group.groupId, value: partitionMetadataValue(metadata) });
    }
    records.push({ type: 'ConsumerGroupMetadata', groupId: group.groupId, value: { epoch: group.groupEpoch + 1 } });
    this.cancelTimers(group.groupId, member.memberId);
    this.ctx.emit(records);
  }

  /** A timer's fencing: nothing when the group or member is gone by then. */
  private fenceMemberOperation(groupId: string, memberId: string, reason: string, expectEpoch?: number): void {
    const g = this.ctx.groups.get(groupId);
    if (!g || g.type !== 'consumer') return;
    const member = g.members.get(memberId);
    if (!member) return;
    if (expectEpoch !== undefined && member.memberEpoch !== expectEpoch) return;
    this.ctx.logger.info({ group: groupId, memberId, reason }, 'member fenced from the consumer group');
    this.fenceMember(g, member);
  }

  scheduleSessionTimeout(groupId: string, memberId: string, timeoutMs: number): void {
    this.ctx.schedule(sessionKey(groupId, memberId), timeoutMs, () => this.fenceMemberOperation(groupId, memberId, 'the member session expired'));
  }

  private scheduleRebalanceTimeout(groupId: string, memberId: string, memberEpoch: number, rebalanceTimeoutMs: number): void {
    this.ctx.schedule(rebalanceKey(groupId, memberId), rebalanceTimeoutMs, () =>
      this.fenceMemberOperation(groupId, memberId, `it failed to transition from epoch ${memberEpoch} within ${rebalanceTimeoutMs}ms`, memberEpoch),
    );
  }

  scheduleClassicJoinTimeoutIfAbsent(groupId: string, memberId: string, rebalanceTimeoutMs: number): void {
    if (this.ctx.isTimerScheduled(classicJoinKey(groupId, memberId))) return;
    this.ctx.schedule(classicJoinKey(groupId, memberId), rebalanceTimeoutMs, () =>
      this.fenceMemberOperation(groupId, memberId, 'the classic member failed to join within the rebalance timeout'),
    );
  }

  scheduleClassicSyncTimeout(groupId: string, memberId: string, rebalanceTimeoutMs: number): void {
    this.ctx.schedule(classicSyncKey(groupId, memberId), rebalanceTimeoutMs, () => this.fenceMemberOperation(groupId, memberId, 'the member failed to sync within timeout'));
  }

  cancelTimers(groupId: string, memberId: string): void {
    for (const k of [sessionKey, rebalanceKey, classicJoinKey, classicSyncKey]) this.ctx.cancelTimer(k(groupId, memberId));
  }

  // ================================================================ ConsumerGroupDescribe

  describe(groupIds: string[], version: number, includeAuthorizedOperations: boolean): ConsumerGroupDescribeResponse.DescribedGroup[] {
    const image = this.ctx.image();
    return groupIds.map((groupId) => {
      const g = this.ctx.groups.get(groupId);
      if (!g || g.type !== 'consumer') {
        return {
          errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
          errorMessage: g ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`,
          groupId,
          groupState: '',
          groupEpoch: 0,
          assignmentEpoch: 0,
          assignorName: '',
          members: [],
          authorizedOperations: OPS_NOT_REQUESTED,
        };
      }
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupId,
        groupState: g.state,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignorName: g.preferredServerAssignor() ?? this.defaultAssignor,
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: [...m.subscribedTopicNames],
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: { topicPartitions: describedPartitions(m.assignedPartitions, image) },
          targetAssignment: { topicPartitions: describedPartitions(g.targetAssignment.get(m.memberId) ?? new Map(), image) },
          memberType: version >= 1 ? (m.classicMemberMetadata !== null ? MEMBER_TYPE_CLASSIC : MEMBER_TYPE_CONSUMER) : -1,
        })),
        authorizedOperations: includeAuthorizedOperations ? ALL_GROUP_OPERATIONS : OPS_NOT_REQUESTED,
      };
    });
  }

  // ================================================================ load, metadata

  /** After loading: every member gets a fresh session; members waiting to revoke get their rebalance timeout again. */
  onGroupLoaded(group: ConsumerGroup): void {
    this.ctx.logger.info({ group: group.groupId, members: group.members.size, epoch: group.groupEpoch }, 'loaded consumer group');
    for (const m of group.members.values()) {
      this.scheduleSessionTimeout(group.groupId, m.memberId, m.classicMemberMetadata?.sessionTimeoutMs ?? this.sessionTimeoutMs(group.groupId));
      if (m.state === MemberState.UNREVOKED_PARTITIONS && m.classicMemberMetadata === null) {
        this.scheduleRebalanceTimeout(group.groupId, m.memberId, m.memberEpoch, m.rebalanceTimeoutMs);
      }
    }
  }

  /** Topics created, deleted or resized: groups that (may) consume them recompute their metadata at the next heartbeat. */
  onNewMetadataImage(image: MetadataImage, previous: MetadataImage): void {
    const changed = new Set<string>();
    for (const t of image.topicsByName.values()) {
      const p = previous.topicsById.get(t.id);
      if (!p || p.partitions.size !== t.partitions.size || p.name !== t.name) changed.add(t.name);
    }
    for (const t of previous.topicsByName.values()) if (!image.topicsById.has(t.id)) changed.add(t.name);
    if (changed.size === 0) return;
    for (const g of this.ctx.groups.values()) {
      if (g.type !== 'consumer') continue;
      for (const t of changed) {
        if (g.isSubscribedToTopic(t) || g.subscriptionMetadata.has(t)) {
          g.requestMetadataRefresh();
          break;
        }
      }
    }
  }
}

export function removeMemberRecords(groupId: string, memberId: string): GroupRecord[] {
  return [
    { type: 'ConsumerGroupCurrentMemberAssignment', groupId, memberId, value: null },
    { type: 'ConsumerGroupTargetAssignmentMember', groupId, memberId, value: null },
    { type: 'ConsumerGroupMemberMetadata', groupId, memberId, value: null },
  ];
}

export function partitionMetadataValue(m: ReadonlyMap<string, TopicMetadata>): import('../group-records').ConsumerGroupPartitionMetadataValue {
  return {
    topics: [...m.values()].map((t) => ({ topicId: t.topicId, topicName: t.topicName, numPartitions: t.numPartitions, partitionMetadata: [] })),
  };
}

function isSubset(owned: OwnedPartitions, assigned: Assignment): boolean {
  if (owned === null) return false;
  for (const { topicId, partitions } of owned) {
    const a = assigned.get(topicId);
    if (!a) return false;
    for (const p of partitions) if (!a.has(p)) return false;
  }
  return true;
}

function describedPartitions(a: Assignment, image: MetadataImage): ConsumerGroupDescribeResponse.TopicPartitions[] {
  const out: ConsumerGroupDescribeResponse.TopicPartitions[] = [];
  for (const { topicId, partitions } of toTopicPartitions(a)) {
    const t = image.topicsById.get(topicId);
    if (t) out.push({ topicId, topicName: t.name, partitions });
  }
  return out;
}
