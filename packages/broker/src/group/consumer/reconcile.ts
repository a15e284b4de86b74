/**
 * Target assignment and reconciliation of KIP-848 consumer groups.
 *
 * computeTargetAssignment (Kafka's TargetAssignmentBuilder): runs the
 * group's assignor over the members as they will be (one updated, one
 * removed) and returns the records of what changed: a
 * ConsumerGroupTargetAssignmentMember per member whose target differs, then
 * the ConsumerGroupTargetAssignmentMetadata with the new epoch.
 *
 * reconcile (Kafka's CurrentAssignmentBuilder): moves a member from its
 * current assignment towards its target, revocation before assignment. A
 * member that must give partitions up stays at its epoch in
 * UNREVOKED_PARTITIONS with only the partitions it keeps assigned, until its
 * heartbeat no longer lists the revoked ones; then it moves to the target
 * epoch and gets the new partitions, except those another member still
 * holds (UNRELEASED_PARTITIONS until they are released). So no partition is
 * ever owned by two members.
 */
import { CoordinatorError } from '../../coordinator';
import { ErrorCode } from '@nagare/protocol';
import type { GroupRecord } from '../group-records';
import { EMPTY_ASSIGNMENT, assignmentEquals, toTopicPartitions, type Assignment } from './assignment';
import type { ConsumerGroupPartitionAssignor, MemberSpec } from './assignors';
import type { ConsumerGroup, SubscriptionType, TopicMetadata } from './consumer-group';
import { MemberState, type ConsumerGroupMember } from './member';

export interface TargetAssignmentInput {
  group: ConsumerGroup;
  groupEpoch: number;
  assignor: ConsumerGroupPartitionAssignor;
  subscriptionMetadata: ReadonlyMap<string, TopicMetadata>;
  subscriptionType: SubscriptionType;
  /** Members as they will be: added or updated (value) or removed (null). */
  updates: ReadonlyMap<string, ConsumerGroupMember | null>;
  /** Resolves a member's regex subscription to the topic names it matches now. */
  regexTopics(regex: string): string[];
}

export function computeTargetAssignment(input: TargetAssignmentInput): { records: GroupRecord[]; target: Map<string, Assignment> } {
  const { group, subscriptionMetadata } = input;
  const byName = subscriptionMetadata;
  const partitionsById = new Map([...byName.values()].map((t) => [t.topicId, t.numPartitions]));
  const specOf = (m: ConsumerGroupMember, assignment: Assignment): MemberSpec => {
    const ids = new Set<string>();
    const names = m.subscribedTopicRegex ? [...m.subscribedTopicNames, ...input.regexTopics(m.subscribedTopicRegex)] : m.subscribedTopicNames;
    for (const n of names) {
      const t = byName.get(n);
      if (t) ids.add(t.topicId);
    }
    return { instanceId: m.instanceId, rackId: m.rackId, subscribedTopicIds: ids, assignment };
  };
  const members = new Map<string, MemberSpec>();
  for (const [id, m] of group.members) {
    if (input.updates.has(id)) continue;
    members.set(id, specOf(m, group.targetAssignment.get(id) ?? EMPTY_ASSIGNMENT));
  }
  for (const [id, m] of input.updates) {
    if (m === null) continue;
    let assignment = group.targetAssignment.get(id) ?? EMPTY_ASSIGNMENT;
    // A new static member takes the place (and the target) of the departed one with its instance id.
    if (m.instanceId !== null) {
      const previous = group.staticMembers.get(m.instanceId);
      if (previous !== undefined && previous !== id) assignment = group.targetAssignment.get(previous) ?? EMPTY_ASSIGNMENT;
    }
    members.set(id, specOf(m, assignment));
  }
  const result = input.assignor.assign({
    members,
    subscriptionType: input.subscriptionType,
    numPartitions: (topicId) => partitionsById.get(topicId) ?? -1,
  });
  const records: GroupRecord[] = [];
  const target = new Map<string, Assignment>();
  for (const id of members.keys()) {
    const next = result.get(id) ?? EMPTY_ASSIGNMENT;
    target.set(id, next);
    const old = group.targetAssignment.get(id);
    if (old === undefined || !assignmentEquals(old, next)) {
      records.push({ type: 'ConsumerGroupTargetAssignmentMember', groupId: group.groupId, memberId: id, value: { topicPartitions: toTopicPartitions(next) } });
    }
  }
  records.push({ type: 'ConsumerGroupTargetAssignmentMetadata', groupId: group.groupId, value: { assignmentEpoch: input.groupEpoch } });
  return { records, target };
}

/** The partitions a member reports owning, by topic id (null when the request did not say). */
export type OwnedPartitions = ReadonlyArray<{ topicId: string; partitions: readonly number[] }> | null;

function ownsAnyOf(owned: OwnedPartitions, a: Assignment): boolean {
  if (owned === null) return true;
  for (const { topicId, partitions } of owned) {
    const pending = a.get(topicId);
    if (!pending) continue;
    for (const p of partitions) if (pending.has(p)) return true;
  }
  return false;
}

export function reconcile(
  member: ConsumerGroupMember,
  targetEpoch: number,
  target: Assignment,
  currentPartitionEpoch: (topicId: string, partition: number) => number,
  owned: OwnedPartitions,
): ConsumerGroupMember {
  const next = (epoch: number, assigned: Assignment): ConsumerGroupMember => {
    let unreleased = false;
    const newAssigned = new Map<string, Set<number>>();
    const pendingRevocation = new Map<string, Set<number>>();
    const pendingAssignment = new Map<string, Set<number>>();
    for (const topicId of new Set([...target.keys(), ...assigned.keys()])) {
      const t = target.get(topicId) ?? new Set<number>();
      const cur = assigned.get(topicId) ?? new Set<number>();
      const keep = new Set([...cur].filter((p) => t.has(p)));
      const revoke = new Set([...cur].filter((p) => !keep.has(p)));
      const add = new Set<number>();
      for (const p of t) {
        if (keep.has(p)) continue;
        if (currentPartitionEpoch(topicId, p) !== -1) unreleased = true;
        else add.add(p);
      }
      if (keep.size > 0) newAssigned.set(topicId, keep);
      if (revoke.size > 0) pendingRevocation.set(topicId, revoke);
      if (add.size > 0) pendingAssignment.set(topicId, add);
    }
    // Kafka's updateMemberEpoch: the previous epoch becomes the one the member had.
    const withEpoch = (e: number) => ({ memberEpoch: e, previousMemberEpoch: member.memberEpoch });
    if (pendingRevocation.size > 0 && ownsAnyOf(owned, pendingRevocation)) {
      return { ...member, state: MemberState.UNREVOKED_PARTITIONS, ...withEpoch(epoch), assignedPartitions: newAssigned, partitionsPendingRevocation: pendingRevocation };
    }
    if (pendingAssignment.size > 0) {
      for (const [topicId, ps] of pendingAssignment) {
        let s = newAssigned.get(topicId);
        if (!s) newAssigned.set(topicId, (s = new Set()));
        for (const p of ps) s.add(p);
      }
      return {
        ...member,
        state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
        ...withEpoch(targetEpoch),
        assignedPartitions: newAssigned,
        partitionsPendingRevocation: EMPTY_ASSIGNMENT,
      };
    }
    return {
      ...member,
      state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
      ...withEpoch(targetEpoch),
      assignedPartitions: newAssigned,
      partitionsPendingRevocation: EMPTY_ASSIGNMENT,
    };
  };
  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch !== targetEpoch ? next(member.memberEpoch, member.assignedPartitions) : member;
    case MemberState.UNREVOKED_PARTITIONS:
      // Still holds some of what it must give up: wait.
      if (ownsAnyOf(owned, member.partitionsPendingRevocation)) return member;
      return next(member.memberEpoch + 1, member.assignedPartitions);
    case MemberState.UNRELEASED_PARTITIONS:
      return next(member.memberEpoch, member.assignedPartitions);
    default:
      if (owned === null || owned.length > 0) {
        throw new CoordinatorError(ErrorCode.FENCED_MEMBER_EPOCH, 'The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.');
      }
      return next(targetEpoch, member.assignedPartitions);
  }
}
