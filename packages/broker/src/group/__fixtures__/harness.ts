/**
 * Test scaffolding for the group coordinator: a coordinator on a manual
 * clock and scheduler over the memory store, a metadata image with a few
 * topics, and request builders. Not part of the build (__fixtures__).
 */
import { ManualClock, ManualScheduler } from '@nagare/common';
import type { MetadataImage } from '@nagare/metadata';
import {
  ConsumerProtocolAssignmentCodec,
  ConsumerProtocolSubscriptionCodec,
  encode,
  type JoinGroupRequest,
  type OffsetCommitRequest,
  type SyncGroupRequest,
} from '@nagare/protocol';
import { GroupCoordinator, type GroupConfig, type GroupRequestContext } from '../coordinator';
import { MemoryOffsetsTopicStore } from '../memory-store';

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Follows a promise so a test can see whether it has settled yet. */
export interface Tracked<T> {
  readonly done: boolean;
  readonly value: T;
  readonly promise: Promise<T>;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const t = { done: false, value: undefined as unknown as T, promise };
  void promise.then((v) => {
    t.done = true;
    t.value = v;
  });
  return t;
}

export function withVersion(prefix: number, body: Buffer): Buffer {
  const v = Buffer.alloc(2);
  v.writeInt16BE(prefix);
  return Buffer.concat([v, body]);
}

/** A consumer-protocol subscription (int16 version + ConsumerProtocolSubscription). */
export function subscription(topics: string[], version = 1): Buffer {
  return withVersion(version, encode(ConsumerProtocolSubscriptionCodec, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, version));
}

/** A consumer-protocol assignment (int16 version + ConsumerProtocolAssignment). */
export function assignment(parts: Record<string, number[]>, version = 1): Buffer {
  const assignedPartitions = Object.entries(parts).map(([topic, partitions]) => ({ topic, partitions }));
  return withVersion(version, encode(ConsumerProtocolAssignmentCodec, { assignedPartitions, userData: null }, version));
}

export interface HarnessOptions {
  config?: Partial<GroupConfig>;
  store?: MemoryOffsetsTopicStore;
  clock?: ManualClock;
  topics?: string[];
}

export function harness(opts: HarnessOptions = {}) {
  const clock = opts.clock ?? new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const store = opts.store ?? new MemoryOffsetsTopicStore(10);
  const topics = new Set(opts.topics ?? ['t', 'u', 'v']);
  let ids = 0;
  const image = () => ({ topicsByName: new Map([...topics].map((name) => [name, { name, id: name, partitions: new Map() }])) }) as unknown as MetadataImage;
  const coord = new GroupCoordinator({
    store,
    clock,
    scheduler,
    config: { groupInitialRebalanceDelayMs: 0, ...opts.config },
    metadata: image,
    newMemberIdSuffix: () => `m${++ids}`,
  });
  return { clock, scheduler, store, coord, topics };
}

export type Harness = ReturnType<typeof harness>;

export function ctx(apiVersion: number, clientId = 'client'): GroupRequestContext {
  return { apiVersion, clientId, clientHost: '/127.0.0.1' };
}

export interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  topics?: string[];
}

export function joinRequest(groupId: string, o: JoinOptions = {}): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 30_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription(o.topics ?? ['t']) }],
    reason: null,
  };
}

export function syncRequest(groupId: string, generationId: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }> = [], groupInstanceId: string | null = null): SyncGroupRequest {
  return { groupId, generationId, memberId, groupInstanceId, protocolType: 'consumer', protocolName: 'range', assignments };
}

export function commitRequest(
  groupId: string,
  offsets: Record<string, Record<number, bigint>>,
  o: { generation?: number; memberId?: string; groupInstanceId?: string | null; metadata?: string | null; leaderEpoch?: number; retentionTimeMs?: bigint } = {},
): OffsetCommitRequest {
  return {
    groupId,
    generationIdOrMemberEpoch: o.generation ?? -1,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    retentionTimeMs: o.retentionTimeMs ?? -1n,
    topics: Object.entries(offsets).map(([name, parts]) => ({
      name,
      partitions: Object.entries(parts).map(([p, offset]) => ({
        partitionIndex: Number(p),
        committedOffset: offset,
        committedLeaderEpoch: o.leaderEpoch ?? -1,
        committedMetadata: o.metadata === undefined ? '' : o.metadata,
      })),
    })),
  };
}

/** A dynamic member that goes through KIP-394 (v5 JoinGroup) and keeps what the coordinator tells it. */
export class TestMember {
  memberId = '';
  generation = -1;
  leader = '';
  assignment: Buffer | null = null;

  constructor(
    readonly h: Harness,
    readonly groupId: string,
    readonly clientId: string,
    readonly join: JoinOptions = {},
    readonly version = 5,
  ) {}

  /** Sends JoinGroup (getting a member id first if it has none); returns the parked request. */
  async startJoin(): Promise<Tracked<Awaited<ReturnType<GroupCoordinator['joinGroup']>>>> {
    if (this.memberId === '' && this.join.groupInstanceId == null) {
      const first = await this.h.coord.joinGroup(ctx(this.version, this.clientId), joinRequest(this.groupId, this.join));
      if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
      this.memberId = first.memberId;
    }
    const t = track(
      this.h.coord.joinGroup(ctx(this.version, this.clientId), joinRequest(this.groupId, { ...this.join, memberId: this.memberId })).then((r) => {
        if (r.errorCode === 0) {
          this.memberId = r.memberId;
          this.generation = r.generationId;
          this.leader = r.leader;
        }
        return r;
      }),
    );
    return t;
  }

  sync(assignments: Array<{ memberId: string; assignment: Buffer }> = []) {
    return track(
      this.h.coord.syncGroup(ctx(5, this.clientId), syncRequest(this.groupId, this.generation, this.memberId, assignments, this.join.groupInstanceId ?? null)).then((r) => {
        if (r.errorCode === 0) this.assignment = r.assignment;
        return r;
      }),
    );
  }

  async heartbeat(): Promise<number> {
    return (await this.h.coord.heartbeat(ctx(4, this.clientId), { groupId: this.groupId, generationId: this.generation, memberId: this.memberId, groupInstanceId: this.join.groupInstanceId ?? null })).errorCode;
  }
}

/**
 * Runs a whole rebalance for these members (all join, the join phase
 * completes, everyone syncs, the leader assigns "t" partitions round-robin).
 */
export async function rebalance(h: Harness, members: TestMember[]): Promise<void> {
  const joins = [];
  for (const m of members) joins.push(await m.startJoin());
  h.scheduler.runDue();
  await flush();
  for (const j of joins) if (!j.done || j.value.errorCode !== 0) throw new Error(`join did not complete: ${JSON.stringify(j.value)}`);
  const leader = members.find((m) => m.leader === m.memberId);
  if (!leader) throw new Error('no leader');
  const assignments = members.map((m, i) => ({ memberId: m.memberId, assignment: assignment({ t: [i] }) }));
  const syncs = members.map((m) => (m === leader ? m.sync(assignments) : m.sync()));
  await flush();
  for (const s of syncs) if (!s.done || s.value.errorCode !== 0) throw new Error(`sync did not complete: ${JSON.stringify(s.value)}`);
}
