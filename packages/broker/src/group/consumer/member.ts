/**
 * A member of a KIP-848 consumer group (Kafka's ConsumerGroupMember): what
 * ConsumerGroupMemberMetadataValue persists (subscription, client, static
 * instance id, rebalance timeout, assignor, and for members that still speak
 * the classic protocol their JoinGroup protocols and session timeout) and
 * what ConsumerGroupCurrentMemberAssignmentValue persists (member epoch,
 * reconciliation state, assigned partitions and partitions pending
 * revocation). Members are immutable values; every change is a new member.
 */
import type { ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataValue } from '../group-records';
import { EMPTY_ASSIGNMENT, assignmentEquals, assignmentOf, toTopicPartitions, type Assignment } from './assignment';

/** Kafka's MemberState (the byte in ConsumerGroupCurrentMemberAssignmentValue.State). */
export const MemberState = {
  STABLE: 0,
  UNREVOKED_PARTITIONS: 1,
  UNRELEASED_PARTITIONS: 2,
  UNKNOWN: 127,
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

export function memberStateName(s: MemberState): string {
  switch (s) {
    case MemberState.STABLE:
      return 'stable';
    case MemberState.UNREVOKED_PARTITIONS:
      return 'unrevoked_partitions';
    case MemberState.UNRELEASED_PARTITIONS:
      return 'unreleased_partitions';
    default:
      return 'unknown';
  }
}

/** The member epoch a leaving member sends (and a removed member has). */
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
/** The member epoch of a static member that left for now and may come back with the same instance id. */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  supportedProtocols: Array<{ name: string; metadata: Buffer }>;
}

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** Sorted, without duplicates. */
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignorName: string | null;
  readonly assignedPartitions: Assignment;
  readonly partitionsPendingRevocation: Assignment;
  /** Set while the member speaks the classic protocol inside a consumer group (KIP-848 migration). */
  readonly classicMemberMetadata: ClassicMemberMetadata | null;
}

export function newMember(memberId: string): ConsumerGroupMember {
  return {
    memberId,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: MemberState.STABLE,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    clientId: '',
    clientHost: '',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignorName: null,
    assignedPartitions: EMPTY_ASSIGNMENT,
    partitionsPendingRevocation: EMPTY_ASSIGNMENT,
    classicMemberMetadata: null,
  };
}

export function sortedUnique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

export function useClassicProtocol(m: ConsumerGroupMember): boolean {
  return m.classicMemberMetadata !== null;
}

/** Stable and at this epoch: nothing left to reconcile. */
export function isReconciledTo(m: ConsumerGroupMember, epoch: number): boolean {
  return m.state === MemberState.STABLE && m.memberEpoch === epoch;
}

/** The fields ConsumerGroupMemberMetadataValue persists are equal. */
export function sameMetadata(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.rackId === b.rackId &&
    a.rebalanceTimeoutMs === b.rebalanceTimeoutMs &&
    a.clientId === b.clientId &&
    a.clientHost === b.clientHost &&
    sameNames(a.subscribedTopicNames, b.subscribedTopicNames) &&
    a.subscribedTopicRegex === b.subscribedTopicRegex &&
    a.serverAssignorName === b.serverAssignorName &&
    sameClassic(a.classicMemberMetadata, b.classicMemberMetadata)
  );
}

/** The fields ConsumerGroupCurrentMemberAssignmentValue persists are equal. */
export function sameAssignmentState(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return (
    a.memberEpoch === b.memberEpoch &&
    a.previousMemberEpoch === b.previousMemberEpoch &&
    a.state === b.state &&
    assignmentEquals(a.assignedPartitions, b.assignedPartitions) &&
    assignmentEquals(a.partitionsPendingRevocation, b.partitionsPendingRevocation)
  );
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameClassic(a: ClassicMemberMetadata | null, b: ClassicMemberMetadata | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.sessionTimeoutMs === b.sessionTimeoutMs &&
    a.supportedProtocols.length === b.supportedProtocols.length &&
    a.supportedProtocols.every((p, i) => p.name === b.supportedProtocols[i].name && p.metadata.equals(b.supportedProtocols[i].metadata))
  );
}

// ---------------------------------------------------------------- records

export function memberMetadataValue(m: ConsumerGroupMember): ConsumerGroupMemberMetadataValue {
  return {
    instanceId: m.instanceId,
    rackId: m.rackId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    subscribedTopicNames: [...m.subscribedTopicNames],
    subscribedTopicRegex: m.subscribedTopicRegex,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    serverAssignor: m.serverAssignorName,
    classicMemberMetadata:
      m.classicMemberMetadata === null
        ? null
        : { sessionTimeoutMs: m.classicMemberMetadata.sessionTimeoutMs, supportedProtocols: m.classicMemberMetadata.supportedProtocols.map((p) => ({ ...p })) },
  };
}

export function currentAssignmentValue(m: ConsumerGroupMember): ConsumerGroupCurrentMemberAssignmentValue {
  return {
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    state: m.state,
    assignedPartitions: toTopicPartitions(m.assignedPartitions),
    partitionsPendingRevocation: toTopicPartitions(m.partitionsPendingRevocation),
  };
}

export function withMetadata(m: ConsumerGroupMember, v: ConsumerGroupMemberMetadataValue): ConsumerGroupMember {
  return {
    ...m,
    instanceId: v.instanceId,
    rackId: v.rackId,
    clientId: v.clientId,
    clientHost: v.clientHost,
    subscribedTopicNames: sortedUnique(v.subscribedTopicNames),
    subscribedTopicRegex: v.subscribedTopicRegex,
    rebalanceTimeoutMs: v.rebalanceTimeoutMs,
    serverAssignorName: v.serverAssignor,
    classicMemberMetadata:
      v.classicMemberMetadata === null
        ? null
        : {
            sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs,
            supportedProtocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          },
  };
}

export function withCurrentAssignment(m: ConsumerGroupMember, v: ConsumerGroupCurrentMemberAssignmentValue): ConsumerGroupMember {
  const known = v.state === MemberState.STABLE || v.state === MemberState.UNREVOKED_PARTITIONS || v.state === MemberState.UNRELEASED_PARTITIONS;
  return {
    ...m,
    memberEpoch: v.memberEpoch,
    previousMemberEpoch: v.previousMemberEpoch,
    state: known ? (v.state as MemberState) : MemberState.UNKNOWN,
    assignedPartitions: assignmentOf(v.assignedPartitions),
    partitionsPendingRevocation: assignmentOf(v.partitionsPendingRevocation),
  };
}
