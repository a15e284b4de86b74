/**
 * Test scaffolding for KIP-848 consumer groups: a coordinator over the
 * memory store with a metadata image of real-looking topics (ids, partition
 * counts), and a member that heartbeats the way Kafka's consumer does: it
 * gives up partitions missing from a new assignment at once, reports what it
 * owns in the next heartbeat, and starts on new partitions when they arrive.
 */
import { ManualClock, ManualScheduler } from '@nagare/common';
import { EMPTY_IMAGE, type MetadataImage, type TopicImage } from '@nagare/metadata';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '@nagare/protocol';
import { GroupCoordinator, type GroupConfig } from '../coordinator';
import { MemoryOffsetsTopicStore } from '../memory-store';
import type { GroupRequestContext } from '../request-context';

export function topicImage(name: string, partitions: number, id = Buffer.from(name.padEnd(16, '#').slice(0, 16)).toString('base64url')): TopicImage {
  return {
    name,
    id,
    partitions: new Map(Array.from({ length: partitions }, (_, p) => [p, { partition: p, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0, removingReplicas: [], addingReplicas: [] }])),
  };
}

export function imageWith(topics: TopicImage[], base: MetadataImage = EMPTY_IMAGE): MetadataImage {
  return { ...base, topicsByName: new Map(topics.map((t) => [t.name, t])), topicsById: new Map(topics.map((t) => [t.id, t])) };
}

export interface ConsumerHarnessOptions {
  config?: Partial<GroupConfig>;
  store?: MemoryOffsetsTopicStore;
  clock?: ManualClock;
  topics?: Record<string, number>;
}

export function consumerHarness(opts: ConsumerHarnessOptions = {}) {
  const clock = opts.clock ?? new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const store = opts.store ?? new MemoryOffsetsTopicStore(10);
  let image = imageWith(Object.entries(opts.topics ?? { t: 6, u: 3 }).map(([n, p]) => topicImage(n, p)));
  let ids = 0;
  let classicIds = 0;
  const coord = new GroupCoordinator({
    store,
    clock,
    scheduler,
    config: { groupInitialRebalanceDelayMs: 0, ...opts.config },
    metadata: () => image,
    newConsumerMemberId: () => `member-${++ids}`,
    newMemberIdSuffix: () => `m${++classicIds}`,
  });
  const setImage = (next: MetadataImage) => {
    const previous = image;
    image = next;
    coord.onMetadataImage(next, previous);
  };
  const topicId = (name: string) => image.topicsByName.get(name)!.id;
  const topicName = (id: string) => image.topicsById.get(id)?.name ?? id;
  return { clock, scheduler, store, coord, image: () => image, setImage, topicId, topicName };
}

export type ConsumerHarness = ReturnType<typeof consumerHarness>;

export function cctx(apiVersion = 0, clientId = 'consumer'): GroupRequestContext {
  return { apiVersion, clientId, clientHost: '/127.0.0.1' };
}

/** "t-0" style names of a response assignment or owned set. */
export function tpNames(h: ConsumerHarness, tps: Array<{ topicId: string; partitions: number[] }>): string[] {
  return tps.flatMap((tp) => tp.partitions.map((p) => `${h.topicName(tp.topicId)}-${p}`)).sort();
}

export class ConsumerMember {
  memberId = '';
  memberEpoch = 0;
  /** What the member owns (consumes): topic id -> partitions. */
  owned = new Map<string, Set<number>>();
  last: ConsumerGroupHeartbeatResponse | null = null;
  /** Every partition it ever got, in order (for the no-double-ownership checks). */
  readonly events: string[] = [];
  fenced = false;

  constructor(
    readonly h: ConsumerHarness,
    readonly groupId: string,
    readonly topics: string[] | null,
    readonly opts: { instanceId?: string | null; assignor?: string | null; regex?: string | null; rebalanceTimeoutMs?: number; version?: number; clientId?: string } = {},
  ) {}

  ownedList(): Array<{ topicId: string; partitions: number[] }> {
    return [...this.owned].filter(([, ps]) => ps.size > 0).map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((a, b) => a - b) }));
  }

  ownedNames(): string[] {
    return tpNames(this.h, this.ownedList());
  }

  request(full: boolean): ConsumerGroupHeartbeatRequest {
    const joining = this.memberEpoch === 0;
    return {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      instanceId: this.opts.instanceId ?? null,
      rackId: null,
      rebalanceTimeoutMs: joining || full ? (this.opts.rebalanceTimeoutMs ?? 30_000) : -1,
      subscribedTopicNames: joining || full ? this.topics : null,
      subscribedTopicRegex: joining || full ? (this.opts.regex ?? null) : null,
      serverAssignor: joining || full ? (this.opts.assignor ?? null) : null,
      topicPartitions: joining ? [] : this.ownedList(),
    };
  }

  /** One heartbeat: applies the answer (revoking at once what the assignment no longer has). */
  async heartbeat(full = false): Promise<ConsumerGroupHeartbeatResponse> {
    const version = this.opts.version ?? 0;
    if (version >= 1 && this.memberId === '') this.memberId = `${this.opts.clientId ?? 'client'}-${Math.random().toString(36).slice(2)}`;
    const res = await this.h.coord.consumerGroupHeartbeat(cctx(version, this.opts.clientId ?? 'consumer'), this.request(full));
    this.last = res;
    if (res.errorCode !== 0) {
      if (res.errorCode === 110 || res.errorCode === 25) {
        // FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID: give everything up and rejoin.
        this.fenced = true;
        for (const [t, ps] of this.owned) for (const p of ps) this.events.push(`-${this.h.topicName(t)}-${p}`);
        this.owned.clear();
        this.memberEpoch = 0;
      }
      return res;
    }
    this.memberId = res.memberId ?? this.memberId;
    this.memberEpoch = res.memberEpoch;
    if (res.assignment) {
      const next = new Map<string, Set<number>>();
      for (const tp of res.assignment.topicPartitions) next.set(tp.topicId, new Set(tp.partitions));
      for (const [t, ps] of this.owned) for (const p of ps) if (!next.get(t)?.has(p)) this.events.push(`-${this.h.topicName(t)}-${p}`);
      for (const [t, ps] of next) for (const p of ps) if (!this.owned.get(t)?.has(p)) this.events.push(`+${this.h.topicName(t)}-${p}`);
      this.owned = next;
    }
    return res;
  }

  async leave(): Promise<ConsumerGroupHeartbeatResponse> {
    const res = await this.h.coord.consumerGroupHeartbeat(cctx(this.opts.version ?? 0), { ...this.request(false), memberEpoch: this.opts.instanceId ? -2 : -1 });
    for (const [t, ps] of this.owned) for (const p of ps) this.events.push(`-${this.h.topicName(t)}-${p}`);
    this.owned.clear();
    return res;
  }
}

/** Throws when a partition is owned by two members. */
export function assertNoDoubleOwnership(members: ConsumerMember[]): void {
  const owner = new Map<string, string>();
  for (const m of members) {
    for (const tp of m.ownedNames()) {
      const other = owner.get(tp);
      if (other !== undefined) throw new Error(`${tp} is owned by ${other} and ${m.memberId}`);
      owner.set(tp, m.memberId);
    }
  }
}

/** Heartbeats every member round-robin until the group is stable and nothing moves (or `rounds` runs out). */
export async function settle(h: ConsumerHarness, groupId: string, members: ConsumerMember[], rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const m of members) {
      await m.heartbeat();
      assertNoDoubleOwnership(members);
    }
    if (h.coord.groupState(groupId) === 'Stable') {
      // One more round so every member has seen its final assignment.
      for (const m of members) await m.heartbeat();
      assertNoDoubleOwnership(members);
      return;
    }
  }
  throw new Error(`group ${groupId} did not settle: ${h.coord.groupState(groupId)}`);
}
