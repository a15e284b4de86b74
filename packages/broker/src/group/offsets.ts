/**
 * The offset APIs of one shard: OffsetCommit, OffsetFetch and OffsetDelete,
 * offset expiration (KIP-211) and the removal of deleted topics' offsets.
 * Commits are records; they become visible by replay into the shard's
 * OffsetStore, and the request is answered once they are committed.
 * Classic groups validate generations; consumer groups (KIP-848) validate
 * member epochs (OffsetCommit/OffsetFetch v9).
 */
import { ErrorCode, type OffsetCommitRequest, type OffsetDeleteRequest, type OffsetDeleteResponse, type OffsetFetchResponse, type TxnOffsetCommitRequest } from '@nagare/protocol';
import type { ClassicGroup } from './classic/classic-group';
import type { ClassicRebalance } from './classic/rebalance';
import type { ConsumerGroup } from './consumer/consumer-group';
import { apiError } from './errors';
import type { GroupRecord } from './group-records';
import type { CommittedOffset } from './offset-store';
import type { OffsetCommitValue } from './records';
import type { GroupShardContext } from './shard-context';

/** One partition of an OffsetCommit that names an existing topic, with the place its error code goes. */
export interface CommitCandidate {
  topic: string;
  req: OffsetCommitRequest.OffsetCommitRequestPartition;
  res: { errorCode: number };
}

/** One partition of a TxnOffsetCommit, with the place its error code goes. */
export interface TxnCommitCandidate {
  topic: string;
  req: TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition;
  res: { errorCode: number };
}

export interface FetchedTopic {
  name: string;
  partitions: OffsetFetchResponse.OffsetFetchResponsePartition[];
}

export class OffsetManager {
  constructor(
    private readonly ctx: GroupShardContext,
    private readonly rb: ClassicRebalance,
  ) {}

  // ================================================================ OffsetCommit

  /**
   * Validates the commit against the group and emits one record per
   * partition (errors for the others are set in place). Throws a
   * CoordinatorError when the whole commit fails.
   */
  commit(apiVersion: number, req: OffsetCommitRequest, candidates: CommitCandidate[]): void {
    const generation = req.generationIdOrMemberEpoch;
    const instanceId = apiVersion >= 7 ? req.groupInstanceId : null;
    let group = this.ctx.groups.get(req.groupId);
    if (!group) {
      // Generation -1: a consumer without group management (or the admin client) uses the group for offsets only.
      if (generation >= 0) throw apiError(apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      group = this.rb.createGroup(req.groupId);
    }
    if (group.type === 'classic') {
      const err = this.validateClassicCommit(group, generation, req.memberId, instanceId);
      if (err !== ErrorCode.NONE) throw apiError(err);
      const member = group.members.get(req.memberId);
      if (member && (group.is('Stable') || group.is('PreparingRebalance'))) this.rb.scheduleSessionExpiry(group, member, member.sessionTimeoutMs);
    } else {
      this.validateConsumerCommit(group, generation, req.memberId, apiVersion);
    }

    const now = this.ctx.clock.now();
    // OffsetCommit v2-4 may carry a retention time (-1: the broker's); it becomes the offset's expire timestamp.
    const expireTimestamp = apiVersion <= 4 && req.retentionTimeMs !== -1n ? Math.min(Math.max(now + Number(req.retentionTimeMs), 0), Number.MAX_SAFE_INTEGER) : -1;
    const records: GroupRecord[] = [];
    for (const c of candidates) {
      const metadata = c.req.committedMetadata;
      // Kafka compares the string length (UTF-16 units); the record's int16 length bounds the UTF-8 bytes too.
      if (metadata !== null && (metadata.length > this.ctx.config.offsetMetadataMaxBytes || Buffer.byteLength(metadata, 'utf8') > 0x7fff)) {
        c.res.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        continue;
      }
      const value: OffsetCommitValue = {
        offset: c.req.committedOffset,
        leaderEpoch: apiVersion >= 6 ? c.req.committedLeaderEpoch : -1,
        metadata: metadata ?? '',
        commitTimestamp: now,
        expireTimestamp,
      };
      records.push({ type: 'OffsetCommit', groupId: req.groupId, topic: c.topic, partition: c.req.partitionIndex, value });
    }
    if (records.length > 0) this.ctx.emit(records);
  }

  private validateClassicCommit(group: ClassicGroup, generation: number, memberId: string, instanceId: string | null, transactional = false): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generation < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (generation >= 0 || memberId !== '' || instanceId !== null) {
      const err = this.rb.validateMember(group, memberId, instanceId);
      if (err !== ErrorCode.NONE) return err;
      if (generation !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!transactional && !group.is('Empty')) {
      // Without member id and generation, only an empty group takes commits (TxnOffsetCommit v0-2 carries neither).
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // The member has the new generation from JoinGroup but no assignment yet (transactional commits do not look at the state).
    if (!transactional && group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /**
   * TxnOffsetCommit (Kafka's commitTransactionalOffset): the group is
   * validated as for a transactional commit (a simple group is created for
   * generation -1; member and generation when given, the group's state
   * not), then one record per partition, written with the producer's id so
   * it stays pending until the transaction's marker.
   */
  commitTransactional(apiVersion: number, req: TxnOffsetCommitRequest, candidates: TxnCommitCandidate[]): void {
    const generation = apiVersion >= 3 ? req.generationId : -1;
    const memberId = apiVersion >= 3 ? req.memberId : '';
    const instanceId = apiVersion >= 3 ? req.groupInstanceId : null;
    let group = this.ctx.groups.get(req.groupId);
    if (!group) {
      if (generation >= 0) throw apiError(ErrorCode.ILLEGAL_GENERATION);
      group = this.rb.createGroup(req.groupId);
    }
    if (group.type === 'classic') {
      const err = this.validateClassicCommit(group, generation, memberId, instanceId, true);
      if (err !== ErrorCode.NONE) throw apiError(err);
    } else if (!(generation < 0 && group.members.size === 0)) {
      const member = group.members.get(memberId);
      if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      // A stale member epoch is ILLEGAL_GENERATION for transactional commits.
      if (generation !== member.memberEpoch) throw apiError(ErrorCode.ILLEGAL_GENERATION, `The received generation id ${generation} does not match the expected member epoch ${member.memberEpoch}.`);
    }
    const now = this.ctx.clock.now();
    const records: GroupRecord[] = [];
    for (const c of candidates) {
      const metadata = c.req.committedMetadata;
      if (metadata !== null && (metadata.length > this.ctx.config.offsetMetadataMaxBytes || Buffer.byteLength(metadata, 'utf8') > 0x7fff)) {
        c.res.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        continue;
      }
      const value: OffsetCommitValue = {
        offset: c.req.committedOffset,
        leaderEpoch: apiVersion >= 2 ? c.req.committedLeaderEpoch : -1,
        metadata: metadata ?? '',
        commitTimestamp: now,
        expireTimestamp: -1,
      };
      records.push({ type: 'OffsetCommit', groupId: req.groupId, topic: c.topic, partition: c.req.partitionIndex, value });
    }
    if (records.length > 0) this.ctx.emit(records);
  }

  /** Kafka's ConsumerGroup.validateOffsetCommit: member epochs instead of generations. */
  private validateConsumerCommit(group: ConsumerGroup, memberEpoch: number, memberId: string, apiVersion: number): void {
    // Epoch -1 comes from the admin client or a consumer without group management: fine while the group is empty.
    if (memberEpoch < 0 && group.members.size === 0) return;
    const member = group.members.get(memberId);
    if (!member) throw apiError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
    if (!(member.classicMemberMetadata !== null) && apiVersion < 9) {
      throw apiError(ErrorCode.UNSUPPORTED_VERSION, 'OffsetCommit version 9 or above must be used by members using the modern group protocol');
    }
    if (memberEpoch !== member.memberEpoch) {
      if ((member.classicMemberMetadata !== null)) {
        throw apiError(ErrorCode.ILLEGAL_GENERATION, `The received generation id ${memberEpoch} does not match the expected member epoch ${member.memberEpoch}.`);
      }
      throw apiError(ErrorCode.STALE_MEMBER_EPOCH, `The received member epoch ${memberEpoch} does not match the expected member epoch ${member.memberEpoch}.`);
    }
  }

  // ================================================================ OffsetFetch

  /**
   * The committed offsets of one group, for the requested partitions (-1 for
   * those without one) or all of them (null). Offsets are returned whatever
   * the group's state, as Kafka does. With requireStable (v7+), partitions an
   * open transaction has offsets for answer UNSTABLE_OFFSET_COMMIT.
   * memberId/memberEpoch (v9) are checked for consumer groups.
   */
  fetch(
    groupId: string,
    topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    opts: { requireStable: boolean; memberId: string | null; memberEpoch: number },
  ): { errorCode: number; topics: FetchedTopic[] } {
    const group = this.ctx.groups.get(groupId);
    if (group?.type === 'consumer' && !(opts.memberId === null && opts.memberEpoch < 0)) {
      const member = opts.memberId === null ? undefined : group.members.get(opts.memberId);
      if (!member) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] };
      if (member.memberEpoch !== opts.memberEpoch) return { errorCode: (member.classicMemberMetadata !== null) ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH, topics: [] };
    }
    const store = this.ctx.offsets;
    const entry = (topic: string, partitionIndex: number, o: CommittedOffset | undefined): OffsetFetchResponse.OffsetFetchResponsePartition => {
      if (opts.requireStable && store.hasPendingTransactionalOffsets(groupId, topic, partitionIndex)) {
        return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      return o
        ? { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
        : { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const out = new Map<string, OffsetFetchResponse.OffsetFetchResponsePartition[]>();
      for (const { topic, partition, value } of store.offsetsOf(groupId)) {
        let parts = out.get(topic);
        if (!parts) out.set(topic, (parts = []));
        parts.push(entry(topic, partition, value));
      }
      return { errorCode: ErrorCode.NONE, topics: [...out].map(([name, partitions]) => ({ name, partitions })) };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(t.name, p, store.offset(groupId, t.name, p))) })),
    };
  }

  // ================================================================ OffsetDelete

  delete(req: OffsetDeleteRequest): OffsetDeleteResponse {
    const fail = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
    const group = this.ctx.groups.get(req.groupId);
    if (!group || (group.type === 'classic' && group.is('Dead'))) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    if (group.type === 'classic' && !group.is('Empty') && !group.usesConsumerProtocol) return fail(ErrorCode.NON_EMPTY_GROUP);
    const records: GroupRecord[] = [];
    const topics = req.topics.map((t) => {
      // KIP-496: offsets of topics the group consumes stay.
      const subscribed = group.isSubscribedToTopic(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (subscribed) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          if (this.ctx.offsets.offset(req.groupId, t.name, p.partitionIndex)) {
            records.push({ type: 'OffsetCommit', groupId: req.groupId, topic: t.name, partition: p.partitionIndex, value: null });
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    if (records.length > 0) {
      this.ctx.emit(records);
      this.ctx.logger.info({ group: req.groupId, offsets: records.length }, 'deleting committed offsets');
    }
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  }

  // ================================================================ expiration, topic deletion

  /**
   * Removes expired offsets (KIP-211): of an empty group, those older than
   * offsets.retention.minutes since the group became empty; of a stable
   * consumer group, those of topics no member subscribes to, counted from the
   * commit; of a group without protocol (offsets only), counted from the
   * commit; of a KIP-848 consumer group, those of topics it does not
   * subscribe to, counted from the commit. An explicit expire timestamp
   * (OffsetCommit v2-4) wins. Empty groups left without offsets are deleted.
   * Tombstones are emitted. Returns the number of offsets removed.
   */
  expire(nowMs: number): number {
    const retentionMs = this.ctx.config.offsetsRetentionMinutes * 60_000;
    const records: GroupRecord[] = [];
    let removed = 0;
    const emptied: Array<{ group: ClassicGroup | ConsumerGroup; offsetsLeft: boolean }> = [];
    const groupIds = new Set([...this.ctx.groups.keys(), ...this.ctx.offsets.groupIds()]);
    for (const groupId of groupIds) {
      const group = this.ctx.groups.get(groupId);
      const base = this.expirationBase(group);
      let left = 0;
      for (const { topic, partition, value } of this.ctx.offsets.offsetsOf(groupId)) {
        const expired =
          base !== null &&
          !(group?.isSubscribedToTopic(topic) ?? false) &&
          !this.ctx.offsets.hasPendingTransactionalOffsets(groupId, topic, partition) &&
          (value.expireTimestamp >= 0 ? nowMs >= value.expireTimestamp : nowMs - base(value) >= retentionMs);
        if (!expired) {
          left++;
          continue;
        }
        records.push({ type: 'OffsetCommit', groupId, topic, partition, value: null });
        removed++;
      }
      if (group && left === 0 && isEmptyGroup(group)) emptied.push({ group, offsetsLeft: false });
    }
    for (const { group } of emptied) records.push(...this.deleteGroupRecords(group));
    if (records.length > 0) {
      this.ctx.emit(records, (code) => {
        if (code !== ErrorCode.NONE) this.ctx.logger.warn({ partition: this.ctx.partition, error: code }, 'could not write tombstones for expired offsets');
        else for (const { group } of emptied) this.forgetGroupShell(group);
      });
    }
    if (removed > 0 || emptied.length > 0) this.ctx.logger.info({ offsets: removed, groups: emptied.map((e) => e.group.groupId) }, 'removing expired offsets and groups');
    return removed;
  }

  /** From when an offset's retention counts, or null when the group's offsets do not expire now. */
  private expirationBase(group: ClassicGroup | ConsumerGroup | undefined): ((o: CommittedOffset) => number) | null {
    if (!group) return (o) => o.commitTimestamp;
    if (group.type === 'consumer') return (o) => o.commitTimestamp;
    if (group.protocolType === null || group.protocolType === '') return (o) => o.commitTimestamp;
    if (group.is('Empty')) {
      const since = group.currentStateTimestamp;
      return (o) => since ?? o.commitTimestamp;
    }
    if (group.usesConsumerProtocol && group.subscribedTopics !== null && group.is('Stable')) return (o) => o.commitTimestamp;
    return null;
  }

  /**
   * The tombstones that delete an empty group: its offsets, and its group
   * records (a classic group's GroupMetadata when it ever completed a
   * generation; a consumer group's whole set).
   */
  deleteGroupRecords(group: ClassicGroup | ConsumerGroup): GroupRecord[] {
    const records: GroupRecord[] = this.ctx.offsets
      .offsetsOf(group.groupId)
      .map(({ topic, partition }) => ({ type: 'OffsetCommit', groupId: group.groupId, topic, partition, value: null }) as GroupRecord);
    if (group.type === 'consumer') records.push(...group.tombstones());
    else if (group.generationId > 0) records.push({ type: 'GroupMetadata', groupId: group.groupId, value: null });
    return records;
  }

  /**
   * A classic group that never completed a generation has no record of its
   * own (it held offsets only): once its offsets are gone, it goes too.
   */
  forgetGroupShell(group: ClassicGroup | ConsumerGroup): void {
    if (group.type !== 'classic' || this.ctx.groups.get(group.groupId) !== group) return;
    if (!group.is('Empty') || this.ctx.offsets.hasOffsets(group.groupId)) return;
    this.rb.unload(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.ctx.groups.delete(group.groupId);
  }

  /** Topics were deleted: their committed offsets go (tombstones emitted). */
  onTopicsDeleted(topics: ReadonlySet<string>): number {
    const records: GroupRecord[] = [];
    for (const groupId of this.ctx.offsets.groupIds()) {
      for (const { topic, partition } of this.ctx.offsets.offsetsOf(groupId)) {
        if (topics.has(topic)) records.push({ type: 'OffsetCommit', groupId, topic, partition, value: null });
      }
    }
    if (records.length > 0) {
      this.ctx.emit(records, (code) => {
        if (code !== ErrorCode.NONE) this.ctx.logger.warn({ partition: this.ctx.partition, error: code }, 'could not write tombstones for offsets of deleted topics');
      });
      this.ctx.logger.info({ topics: [...topics], offsets: records.length }, 'removing committed offsets of deleted topics');
    }
    return records.length;
  }
}

/** Kafka's Group.isEmpty for deletion: a classic group in Empty, a consumer group without members. */
export function isEmptyGroup(group: ClassicGroup | ConsumerGroup): boolean {
  return group.type === 'classic' ? group.is('Empty') : group.members.size === 0;
}
