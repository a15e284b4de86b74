/**
 * One shard of the group coordinator: the groups and committed offsets of
 * one `__consumer_offsets` partition (Kafka's GroupCoordinatorShard). It
 * wires the API families (classic join/sync and heartbeat/leave, offsets,
 * admin, the KIP-848 consumer group protocol and the migration between
 * the two) over one shared state, replays records into that state, and
 * owns the timers: sessions, rebalances, and the periodic offset expiration.
 *
 * Operations run through `run`: whatever the families emit while it runs
 * becomes the operation's records, handed to the runtime with the response.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '@nagare/common';
import type { MetadataImage } from '@nagare/metadata';
import { ErrorCode } from '@nagare/protocol';
import type { CoordinatorResult, CoordinatorShard, ShardContext, TimerHandle, TransactionResult } from '../coordinator';
import { ClassicGroup } from './classic/classic-group';
import { ClassicHeartbeatLeave } from './classic/heartbeat-leave';
import { ClassicJoinSync } from './classic/join-sync';
import { ClassicRebalance } from './classic/rebalance';
import { GroupAdmin } from './admin';
import type { GroupConfig } from './config';
import { ConsumerGroup, type TopicMetadata } from './consumer/consumer-group';
import { ConsumerGroupProtocol } from './consumer/heartbeat';
import { LEAVE_GROUP_MEMBER_EPOCH, newMember, withCurrentAssignment, withMetadata } from './consumer/member';
import { ConsumerGroupMigration } from './consumer/migration';
import { assignmentOf } from './consumer/assignment';
import type { GroupRecord } from './group-records';
import type { GroupMetadataValue } from './records';
import { OffsetStore } from './offset-store';
import { OffsetManager } from './offsets';
import type { Group, GroupShardContext } from './shard-context';

export interface GroupShardOptions {
  /** Stamps groups with the order they appeared in, across shards (ListGroups answers in that order). */
  sequence?: { next: number };
  config: GroupConfig;
  clock: Clock;
  logger: Logger;
  newMemberIdSuffix?: () => string;
  newConsumerMemberId?: () => string;
  newMemberJoinTimeoutMs?: number;
}

interface Pending {
  records: GroupRecord[];
  callbacks: Array<(errorCode: number) => void>;
  afterAppend: Array<() => void>;
}

const EXPIRATION_KEY = JSON.stringify(['offset-expiration']);

/** A UUID in Kafka's form (Uuid.toString(): 22 characters of URL-safe base64). */
export function kafkaUuid(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export class GroupCoordinatorShard implements CoordinatorShard<GroupRecord>, GroupShardContext {
  readonly partition: number;
  readonly config: GroupConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly groups: GroupMap;
  readonly offsets = new OffsetStore();
  loading = true;
  private currentImage: MetadataImage;
  private pending: Pending | null = null;
  private readonly memberIdSuffix: () => string;
  private readonly consumerMemberId: () => string;

  readonly rebalance: ClassicRebalance;
  readonly joinSync: ClassicJoinSync;
  readonly heartbeatLeave: ClassicHeartbeatLeave;
  readonly offsetManager: OffsetManager;
  readonly admin: GroupAdmin;
  readonly consumer: ConsumerGroupProtocol;
  readonly migration: ConsumerGroupMigration;

  constructor(
    private readonly sctx: ShardContext<GroupRecord>,
    opts: GroupShardOptions,
  ) {
    this.partition = sctx.partition;
    this.groups = new GroupMap(opts.sequence ?? { next: 0 });
    this.config = opts.config;
    this.clock = opts.clock;
    this.logger = opts.logger.child({ partition: sctx.partition });
    this.currentImage = sctx.image;
    this.memberIdSuffix = opts.newMemberIdSuffix ?? randomUUID;
    this.consumerMemberId = opts.newConsumerMemberId ?? kafkaUuid;
    this.rebalance = new ClassicRebalance(this, opts.newMemberJoinTimeoutMs);
    this.joinSync = new ClassicJoinSync(this, this.rebalance);
    this.heartbeatLeave = new ClassicHeartbeatLeave(this, this.rebalance);
    this.offsetManager = new OffsetManager(this, this.rebalance);
    this.admin = new GroupAdmin(this, this.rebalance, this.offsetManager);
    this.consumer = new ConsumerGroupProtocol(this);
    this.migration = new ConsumerGroupMigration(this, this.consumer, this.rebalance);
    this.consumer.migration = this.migration;
    this.joinSync.consumerGroups = this.migration;
    this.heartbeatLeave.consumerGroups = this.migration;
  }

  // ================================================================ GroupShardContext

  image(): MetadataImage {
    return this.currentImage;
  }

  newMemberIdSuffix(): string {
    return this.memberIdSuffix();
  }

  newConsumerMemberId(): string {
    return this.consumerMemberId();
  }

  emit(records: GroupRecord[], onCommitted?: (errorCode: number) => void, afterAppend?: () => void): void {
    const p = this.pending;
    if (!p) throw new Error('records emitted outside of an operation');
    p.records.push(...records);
    if (onCommitted) p.callbacks.push(onCommitted);
    if (afterAppend) p.afterAppend.push(afterAppend);
  }

  schedule(key: string, delayMs: number, fn: () => void): TimerHandle {
    return this.sctx.timer.schedule(key, delayMs, () => this.run(fn));
  }

  cancelTimer(key: string): void {
    this.sctx.timer.cancel(key);
  }

  isTimerScheduled(key: string): boolean {
    return this.sctx.timer.isScheduled(key);
  }

  /**
   * Runs `fn` as one operation: the records the API families emit meanwhile
   * are its records; their continuations run when they commit or fail.
   */
  run<T>(fn: () => T): CoordinatorResult<T, GroupRecord> {
    const outer = this.pending;
    const p: Pending = { records: [], callbacks: [], afterAppend: [] };
    this.pending = p;
    let response: T;
    try {
      response = fn();
    } finally {
      this.pending = outer;
    }
    const res: CoordinatorResult<T, GroupRecord> = { records: p.records, response };
    if (p.callbacks.length > 0) res.onCommitted = (code) => p.callbacks.forEach((cb) => cb(code));
    if (p.afterAppend.length > 0) res.onAppended = () => p.afterAppend.forEach((f) => f());
    return res;
  }

  // ================================================================ CoordinatorShard

  replay(offset: number, producerId: bigint, producerEpoch: number, record: GroupRecord): void {
    switch (record.type) {
      case 'OffsetCommit':
        this.offsets.replay(offset, producerId, record.groupId, record.topic, record.partition, record.value);
        // Offsets need a group: a group without one holds offsets only (Kafka's "simple" classic group).
        if (record.value !== null && !this.groups.has(record.groupId)) this.groups.set(record.groupId, new ClassicGroup(record.groupId, 'Empty', this.clock.now()));
        return;
      case 'GroupMetadata':
        return this.replayGroupMetadata(record.groupId, record.value);
      default:
        return this.replayConsumerGroupRecord(record);
    }
  }

  private replayGroupMetadata(groupId: string, value: GroupMetadataValue | null): void {
    const existing = this.groups.get(groupId);
    if (value === null) {
      if (existing?.type === 'classic') {
        this.rebalance.unload(existing, ErrorCode.COORDINATOR_NOT_AVAILABLE);
        this.groups.delete(groupId);
      }
      return;
    }
    if (!this.loading && existing?.type === 'classic' && !existing.is('Dead')) {
      this.rebalance.applyRecord(existing, value);
      return;
    }
    if (existing?.type === 'classic') this.rebalance.unload(existing, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.groups.set(groupId, this.rebalance.groupFromRecord(groupId, value));
  }

  /** The consumer group a record is about, created when a record needs it (and a simple classic group replaced). */
  private persistedConsumerGroup(groupId: string, create: boolean): ConsumerGroup | undefined {
    const g = this.groups.get(groupId);
    if (g?.type === 'consumer') return g;
    if (!create) return undefined;
    if (g && g.type === 'classic' && !(g.is('Empty') && g.generationId === 0)) {
      this.logger.warn({ group: groupId }, 'consumer group record for a classic group; replacing it');
      this.rebalance.unload(g, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const c = new ConsumerGroup(groupId);
    this.groups.set(groupId, c);
    return c;
  }

  private replayConsumerGroupRecord(record: Exclude<GroupRecord, { type: 'OffsetCommit' | 'GroupMetadata' }>): void {
    const group = this.persistedConsumerGroup(record.groupId, record.value !== null);
    if (!group) return;
    switch (record.type) {
      case 'ConsumerGroupMetadata':
        if (record.value !== null) group.setGroupEpoch(record.value.epoch);
        else if (group.members.size === 0) {
          group.state = 'Dead';
          this.groups.delete(record.groupId);
        } else this.logger.error({ group: record.groupId, members: group.members.size }, 'group tombstone for a consumer group that still has members; ignored');
        return;
      case 'ConsumerGroupPartitionMetadata': {
        const m = new Map<string, TopicMetadata>();
        for (const t of record.value?.topics ?? []) m.set(t.topicName, { topicId: t.topicId, topicName: t.topicName, numPartitions: t.numPartitions });
        group.setSubscriptionMetadata(m);
        return;
      }
      case 'ConsumerGroupTargetAssignmentMetadata':
        group.setAssignmentEpoch(record.value !== null ? record.value.assignmentEpoch : -1);
        return;
      case 'ConsumerGroupTargetAssignmentMember':
        if (record.value !== null) group.updateTargetAssignment(record.memberId, assignmentOf(record.value.topicPartitions));
        else group.removeTargetAssignment(record.memberId);
        return;
      case 'ConsumerGroupMemberMetadata': {
        if (record.value !== null) {
          group.updateMember(withMetadata(group.members.get(record.memberId) ?? newMember(record.memberId), record.value));
        } else {
          group.removeMember(record.memberId);
        }
        return;
      }
      case 'ConsumerGroupCurrentMemberAssignment': {
        const old = group.members.get(record.memberId);
        if (record.value !== null) {
          group.updateMember(withCurrentAssignment(old ?? newMember(record.memberId), record.value));
        } else if (old) {
          group.updateMember({
            ...old,
            memberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
            previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
            assignedPartitions: new Map(),
            partitionsPendingRevocation: new Map(),
          });
        }
        return;
      }
    }
  }

  replayEndTransactionMarker(producerId: bigint, _producerEpoch: number, result: TransactionResult): void {
    this.offsets.replayEndTransaction(producerId, result);
  }

  onLoaded(image: MetadataImage): void {
    this.currentImage = image;
    this.loading = false;
    let classic = 0;
    let consumer = 0;
    // Groups that only held offsets and have none left are gone (as if never loaded).
    for (const g of [...this.groups.values()]) {
      if (g.type === 'classic' && g.is('Empty') && g.generationId === 0 && !this.offsets.hasOffsets(g.groupId)) this.groups.delete(g.groupId);
    }
    const loaded = this.run(() => {
      for (const g of [...this.groups.values()]) {
        if (g.type === 'classic') {
          classic++;
          this.rebalance.onGroupLoaded(g);
        } else {
          consumer++;
          this.consumer.onGroupLoaded(g);
        }
      }
    });
    if (loaded.records.length > 0) this.logger.error({ records: loaded.records.length }, 'loading produced records; they were not written');
    this.scheduleExpiration();
    this.logger.info({ classicGroups: classic, consumerGroups: consumer, offsets: this.offsets.size() }, 'group coordinator shard loaded');
  }

  onUnloaded(): void {
    for (const g of this.groups.values()) {
      if (g.type === 'classic') this.rebalance.unload(g, ErrorCode.NOT_COORDINATOR);
      else g.state = 'Dead';
    }
    this.groups.clear();
  }

  onNewMetadataImage(image: MetadataImage, previous: MetadataImage): void {
    this.currentImage = image;
    this.consumer.onNewMetadataImage(image, previous);
  }

  // ================================================================ expiration

  private scheduleExpiration(): void {
    const interval = this.config.offsetsRetentionCheckIntervalMs;
    if (!(interval > 0)) return;
    this.schedule(EXPIRATION_KEY, interval, () => {
      this.offsetManager.expire(this.clock.now());
      this.scheduleExpiration();
    });
  }
}

export type { Group };

/** The shard's groups, each stamped with when it first appeared (a shared counter orders groups across shards). */
export class GroupMap extends Map<string, Group> {
  private readonly order = new Map<string, number>();

  constructor(private readonly sequence: { next: number }) {
    super();
  }

  override set(key: string, value: Group): this {
    if (!this.order.has(key)) this.order.set(key, this.sequence.next++);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.order.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.order.clear();
    super.clear();
  }

  /** When the group appeared (smaller: earlier). */
  orderOf(key: string): number {
    return this.order.get(key) ?? Number.MAX_SAFE_INTEGER;
  }
}
