/**
 * The state of one KIP-848 consumer group (Kafka's ConsumerGroup and
 * ModernGroup): group epoch, members, target assignment and its epoch, the
 * subscription metadata (partition counts of the subscribed topics), and the
 * indexes derived from them (static members, who owns which partition at
 * which epoch, subscription and assignor counts). It changes only through
 * the replay methods, each of which mirrors one record kind.
 *
 * States: Empty (no members), Assigning (the group epoch is ahead of the
 * target assignment), Reconciling (some member has not reached the target),
 * Stable, Dead (deleted).
 */
import { RE2JS } from 're2js';
import type { MetadataImage } from '@nagare/metadata';
import type { GroupRecord } from '../group-records';
import { EMPTY_ASSIGNMENT, type Assignment } from './assignment';
import { isReconciledTo, type ConsumerGroupMember } from './member';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';

export interface TopicMetadata {
  topicId: string;
  topicName: string;
  numPartitions: number;
}

export type SubscriptionType = 'homogeneous' | 'heterogeneous';

/** Compiled RE2 patterns (KIP-848 regex subscriptions), matched against whole topic names as Kafka's Pattern.matches. */
const patterns = new Map<string, RE2JS | null>();
export function compileRegex(regex: string): RE2JS | null {
  let p = patterns.get(regex);
  if (p === undefined) {
    try {
      p = RE2JS.compile(regex);
    } catch {
      p = null;
    }
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(regex, p);
  }
  return p;
}

function inc(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function dec(m: Map<string, number>, k: string): void {
  const n = (m.get(k) ?? 0) - 1;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
}

export class ConsumerGroup {
  readonly type = 'consumer' as const;
  groupEpoch = 0;
  assignmentEpoch = 0;
  state: ConsumerGroupState = 'Empty';
  readonly members = new Map<string, ConsumerGroupMember>();
  /** instanceId -> memberId */
  readonly staticMembers = new Map<string, string>();
  readonly targetAssignment = new Map<string, Assignment>();
  /** topicId -> partition -> memberId of the target assignment */
  readonly invertedTargetAssignment = new Map<string, Map<number, string>>();
  /** Persisted: the subscribed topics that exist, with their partition counts (ConsumerGroupPartitionMetadata). */
  subscriptionMetadata = new Map<string, TopicMetadata>();
  /** Explicitly subscribed topic names -> number of members. */
  readonly subscribedTopicNames = new Map<string, number>();
  /** Regex subscriptions -> number of members. */
  readonly subscribedRegexes = new Map<string, number>();
  readonly serverAssignors = new Map<string, number>();
  /** topicId -> partition -> epoch of the member that owns it (assigned or pending revocation). */
  private readonly currentPartitionEpochs = new Map<string, Map<number, number>>();
  numClassicProtocolMembers = 0;
  /** When the subscription metadata must be recomputed (not persisted; 0 = at the next heartbeat). */
  metadataRefreshDeadline = { deadlineMs: 0, epoch: 0 };

  constructor(readonly groupId: string) {}

  // ------------------------------------------------------------ queries

  get protocolType(): string {
    return 'consumer';
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  staticMember(instanceId: string | null): ConsumerGroupMember | undefined {
    if (instanceId === null) return undefined;
    const id = this.staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  /** The target of a member (of the static member it replaces when the instance id is held by another member id). */
  targetAssignmentOf(memberId: string, instanceId: string | null = null): Assignment {
    if (instanceId !== null) {
      const previous = this.staticMembers.get(instanceId);
      if (previous !== undefined) return this.targetAssignment.get(previous) ?? EMPTY_ASSIGNMENT;
      return EMPTY_ASSIGNMENT;
    }
    return this.targetAssignment.get(memberId) ?? EMPTY_ASSIGNMENT;
  }

  /** The epoch at which a partition is owned, or -1 when no member holds it. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.currentPartitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  isPartitionAssignedInTarget(topicId: string, partition: number): boolean {
    return this.invertedTargetAssignment.get(topicId)?.has(partition) ?? false;
  }

  /** Whether the group consumes the topic: named by a member, or matched by a member's regex. */
  isSubscribedToTopic(topic: string): boolean {
    if (this.subscribedTopicNames.has(topic)) return true;
    for (const regex of this.subscribedRegexes.keys()) if (compileRegex(regex)?.matches(topic)) return true;
    return false;
  }

  allMembersUseClassicProtocolExcept(memberId: string): boolean {
    const m = this.members.get(memberId);
    return m !== undefined && m.classicMemberMetadata === null && this.numClassicProtocolMembers === this.members.size - 1;
  }

  /** The assignor most members ask for, if any asks (ties: the name first in alphabetical order). */
  preferredServerAssignor(counts: ReadonlyMap<string, number> = this.serverAssignors): string | null {
    let best: string | null = null;
    let bestCount = 0;
    for (const [name, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (n > bestCount) {
        best = name;
        bestCount = n;
      }
    }
    return best;
  }

  /** The assignor counts as they would be with `oldMember` replaced by `newMember` (either may be null). */
  computeServerAssignors(oldMember: ConsumerGroupMember | null, newMember: ConsumerGroupMember | null): Map<string, number> {
    const counts = new Map(this.serverAssignors);
    if (oldMember?.serverAssignorName) dec(counts, oldMember.serverAssignorName);
    if (newMember?.serverAssignorName) inc(counts, newMember.serverAssignorName);
    return counts;
  }

  /**
   * The topic names the members subscribe to, with `removed` left out and
   * `oldMember` replaced by `newMember`; regexes are resolved against the
   * image. Counts are the number of subscribing members.
   */
  computeSubscribedTopicNames(image: MetadataImage, changes: Array<{ oldMember: ConsumerGroupMember | null; newMember: ConsumerGroupMember | null }>): Map<string, number> {
    const names = new Map(this.subscribedTopicNames);
    const regexes = new Map(this.subscribedRegexes);
    for (const { oldMember, newMember } of changes) {
      if (oldMember) {
        for (const t of oldMember.subscribedTopicNames) dec(names, t);
        if (oldMember.subscribedTopicRegex) dec(regexes, oldMember.subscribedTopicRegex);
      }
      if (newMember) {
        for (const t of newMember.subscribedTopicNames) inc(names, t);
        if (newMember.subscribedTopicRegex) inc(regexes, newMember.subscribedTopicRegex);
      }
    }
    if (regexes.size > 0) {
      for (const topic of image.topicsByName.keys()) {
        for (const [regex, n] of regexes) {
          if (compileRegex(regex)?.matches(topic)) names.set(topic, (names.get(topic) ?? 0) + n);
        }
      }
    }
    return names;
  }

  /** The topics of `names` that exist, with their ids and partition counts. */
  static computeSubscriptionMetadata(names: ReadonlyMap<string, number>, image: MetadataImage): Map<string, TopicMetadata> {
    const out = new Map<string, TopicMetadata>();
    for (const name of [...names.keys()].sort()) {
      const t = image.topicsByName.get(name);
      if (t) out.set(name, { topicId: t.id, topicName: name, numPartitions: t.partitions.size });
    }
    return out;
  }

  static sameSubscriptionMetadata(a: ReadonlyMap<string, TopicMetadata>, b: ReadonlyMap<string, TopicMetadata>): boolean {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (!w || w.topicId !== v.topicId || w.numPartitions !== v.numPartitions) return false;
    }
    return true;
  }

  /** Homogeneous when every member subscribes to every topic (Kafka's SubscriptionType). */
  static subscriptionType(names: ReadonlyMap<string, number>, numMembers: number): SubscriptionType {
    for (const n of names.values()) if (n !== numMembers) return 'heterogeneous';
    return 'homogeneous';
  }

  hasMetadataExpired(nowMs: number): boolean {
    return nowMs >= this.metadataRefreshDeadline.deadlineMs || this.groupEpoch < this.metadataRefreshDeadline.epoch;
  }

  requestMetadataRefresh(): void {
    this.metadataRefreshDeadline = { deadlineMs: 0, epoch: 0 };
  }

  /** Whether the member waits for a partition another member still holds (Kafka's waitingOnUnreleasedPartition). */
  waitingOnUnreleasedPartition(member: ConsumerGroupMember): boolean {
    const target = this.targetAssignment.get(member.memberId);
    if (!target) return false;
    for (const [topicId, parts] of target) {
      const assigned = member.assignedPartitions.get(topicId);
      for (const p of parts) if (!(assigned?.has(p) ?? false) && this.currentPartitionEpoch(topicId, p) !== -1) return true;
    }
    return false;
  }

  /** The records that delete the group (Kafka's createGroupTombstoneRecords order). */
  tombstones(replaced?: { leaving: string; joining: string }): GroupRecord[] {
    const ids = [...this.members.keys()].map((id) => (replaced && id === replaced.leaving ? replaced.joining : id));
    const g = this.groupId;
    return [
      ...ids.map((memberId) => ({ type: 'ConsumerGroupCurrentMemberAssignment', groupId: g, memberId, value: null }) as GroupRecord),
      ...ids.map((memberId) => ({ type: 'ConsumerGroupTargetAssignmentMember', groupId: g, memberId, value: null }) as GroupRecord),
      { type: 'ConsumerGroupTargetAssignmentMetadata', groupId: g, value: null },
      ...ids.map((memberId) => ({ type: 'ConsumerGroupMemberMetadata', groupId: g, memberId, value: null }) as GroupRecord),
      { type: 'ConsumerGroupPartitionMetadata', groupId: g, value: null },
      { type: 'ConsumerGroupMetadata', groupId: g, value: null },
    ];
  }

  // ------------------------------------------------------------ replay

  setGroupEpoch(epoch: number): void {
    this.groupEpoch = epoch;
    this.updateState();
  }

  setAssignmentEpoch(epoch: number): void {
    this.assignmentEpoch = epoch;
    this.updateState();
  }

  setSubscriptionMetadata(m: Map<string, TopicMetadata>): void {
    this.subscriptionMetadata = m;
  }

  updateMember(member: ConsumerGroupMember): void {
    const old = this.members.get(member.memberId) ?? null;
    this.members.set(member.memberId, member);
    this.updateIndexes(old, member);
    this.updateState();
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (!old) return;
    this.members.delete(memberId);
    this.updateIndexes(old, null);
    this.updateState();
  }

  updateTargetAssignment(memberId: string, assignment: Assignment): void {
    const old = this.targetAssignment.get(memberId) ?? EMPTY_ASSIGNMENT;
    this.updateInvertedTarget(memberId, old, assignment);
    this.targetAssignment.set(memberId, assignment);
  }

  removeTargetAssignment(memberId: string): void {
    const old = this.targetAssignment.get(memberId) ?? EMPTY_ASSIGNMENT;
    this.updateInvertedTarget(memberId, old, EMPTY_ASSIGNMENT);
    this.targetAssignment.delete(memberId);
  }

  private updateInvertedTarget(memberId: string, oldA: Assignment, newA: Assignment): void {
    for (const [topicId, parts] of oldA) {
      const inv = this.invertedTargetAssignment.get(topicId);
      if (!inv) continue;
      const keep = newA.get(topicId);
      for (const p of parts) if (!(keep?.has(p) ?? false) && inv.get(p) === memberId) inv.delete(p);
      if (inv.size === 0) this.invertedTargetAssignment.delete(topicId);
    }
    for (const [topicId, parts] of newA) {
      let inv = this.invertedTargetAssignment.get(topicId);
      if (!inv) this.invertedTargetAssignment.set(topicId, (inv = new Map()));
      for (const p of parts) inv.set(p, memberId);
    }
  }

  private updateIndexes(old: ConsumerGroupMember | null, next: ConsumerGroupMember | null): void {
    if (old) {
      for (const t of old.subscribedTopicNames) dec(this.subscribedTopicNames, t);
      if (old.subscribedTopicRegex) dec(this.subscribedRegexes, old.subscribedTopicRegex);
      if (old.serverAssignorName) dec(this.serverAssignors, old.serverAssignorName);
      if (old.classicMemberMetadata) this.numClassicProtocolMembers--;
      this.removePartitionEpochs(old.assignedPartitions, old.memberEpoch);
      this.removePartitionEpochs(old.partitionsPendingRevocation, old.memberEpoch);
      if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === old.memberId && (!next || next.instanceId !== old.instanceId)) {
        this.staticMembers.delete(old.instanceId);
      }
    }
    if (next) {
      for (const t of next.subscribedTopicNames) inc(this.subscribedTopicNames, t);
      if (next.subscribedTopicRegex) inc(this.subscribedRegexes, next.subscribedTopicRegex);
      if (next.serverAssignorName) inc(this.serverAssignors, next.serverAssignorName);
      if (next.classicMemberMetadata) this.numClassicProtocolMembers++;
      this.addPartitionEpochs(next.assignedPartitions, next.memberEpoch);
      this.addPartitionEpochs(next.partitionsPendingRevocation, next.memberEpoch);
      if (next.instanceId !== null) this.staticMembers.set(next.instanceId, next.memberId);
    }
  }

  private removePartitionEpochs(a: Assignment, epoch: number): void {
    for (const [topicId, parts] of a) {
      const m = this.currentPartitionEpochs.get(topicId);
      if (!m) continue;
      for (const p of parts) if (m.get(p) === epoch) m.delete(p);
      if (m.size === 0) this.currentPartitionEpochs.delete(topicId);
    }
  }

  private addPartitionEpochs(a: Assignment, epoch: number): void {
    for (const [topicId, parts] of a) {
      let m = this.currentPartitionEpochs.get(topicId);
      if (!m) this.currentPartitionEpochs.set(topicId, (m = new Map()));
      for (const p of parts) m.set(p, epoch);
    }
  }

  private updateState(): void {
    if (this.members.size === 0) this.state = 'Empty';
    else if (this.groupEpoch > this.assignmentEpoch) this.state = 'Assigning';
    else {
      let reconciling = false;
      for (const m of this.members.values()) {
        if (!isReconciledTo(m, this.assignmentEpoch)) {
          reconciling = true;
          break;
        }
      }
      this.state = reconciling ? 'Reconciling' : 'Stable';
    }
  }
}
