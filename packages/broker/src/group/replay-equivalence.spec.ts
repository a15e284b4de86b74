/**
 * Replay equivalence: for seeded random sequences of group operations, the
 * state a coordinator built live equals the state a fresh coordinator
 * rebuilds by replaying the records the first one wrote. That is what lets
 * a group move to another broker when partition leadership moves.
 *
 * Compared: every committed offset; every KIP-848 consumer group whole
 * (epochs, state, subscription metadata, members with their epochs,
 * reconciliation state, assignments and metadata, target assignment); every
 * classic group whose live state is settled (Stable or Empty: a classic
 * rebalance in progress is not persisted by design, Kafka's neither), with
 * its generation, protocol, leader and members with their assignments.
 */
import { ErrorCode } from '@nagare/protocol';
import type { GroupCoordinator } from './coordinator';
import { MemoryOffsetsTopicStore } from './memory-store';
import { ConsumerMember, consumerHarness, imageWith, topicImage, type ConsumerHarness } from './__fixtures__/consumer-harness';
import { TestMember, assignment, commitRequest, ctx, flush } from './__fixtures__/harness';
import { toTopicPartitions } from './consumer/assignment';
import { deserializeGroupRecord } from './group-records';

/** mulberry32: a small seeded generator, so a failing seed can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

/** The durable state of every loaded shard of a coordinator, as plain data. */
function durableState(coord: GroupCoordinator): unknown {
  const out: Record<string, unknown> = {};
  for (const { partition, shard } of coord.runtime.activeShards()) {
    const groups: Record<string, unknown> = {};
    for (const [id, g] of shard.groups) {
      if (g.type === 'consumer') {
        groups[id] = {
          type: 'consumer',
          groupEpoch: g.groupEpoch,
          assignmentEpoch: g.assignmentEpoch,
          state: g.state,
          subscriptionMetadata: [...g.subscriptionMetadata.values()].sort((a, b) => (a.topicName < b.topicName ? -1 : 1)),
          members: [...g.members.values()]
            .map((m) => ({
              ...m,
              subscribedTopicNames: [...m.subscribedTopicNames],
              assignedPartitions: toTopicPartitions(m.assignedPartitions),
              partitionsPendingRevocation: toTopicPartitions(m.partitionsPendingRevocation),
            }))
            .sort((a, b) => (a.memberId < b.memberId ? -1 : 1)),
          targetAssignment: [...g.targetAssignment].map(([m, a]) => [m, toTopicPartitions(a)]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
          staticMembers: [...g.staticMembers].sort(),
        };
      } else if (g.is('Stable') || g.is('Empty')) {
        // A group that only holds offsets and has none left is not persisted (as in Kafka).
        if (g.generationId === 0 && !shard.offsets.hasOffsets(id)) continue;
        groups[id] = {
          type: 'classic',
          state: g.state,
          generation: g.generationId,
          protocolType: g.protocolType,
          protocolName: g.protocolName,
          leader: g.leaderId,
          members: [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            sessionTimeoutMs: m.sessionTimeoutMs,
            rebalanceTimeoutMs: m.rebalanceTimeoutMs,
            subscription: g.protocolName !== null && m.supports(g.protocolName) ? m.metadata(g.protocolName).toString('hex') : '',
            assignment: m.assignment.toString('hex'),
          })),
        };
      } else {
        groups[id] = { type: 'classic', unsettled: true };
      }
    }
    const offsets: Record<string, unknown> = {};
    for (const id of shard.offsets.groupIds()) offsets[id] = shard.offsets.offsetsOf(id).map(({ topic, partition, value }) => ({ topic, partition, ...value }));
    out[partition] = { groups, offsets };
  }
  return out;
}

/** The same, for the groups settled in the live state only (unsettled classic groups are compared by what they persisted). */
function comparable(live: unknown, replayed: unknown): [unknown, unknown] {
  const l = structuredClone(live) as Record<string, { groups: Record<string, unknown> }>;
  const r = structuredClone(replayed) as Record<string, { groups: Record<string, unknown> }>;
  for (const p of Object.keys(l)) {
    for (const [id, g] of Object.entries(l[p].groups)) {
      if ((g as { unsettled?: boolean }).unsettled) {
        delete l[p].groups[id];
        if (r[p]) delete r[p].groups[id];
      }
    }
  }
  return [l, r];
}

async function reloaded(store: MemoryOffsetsTopicStore, h: ConsumerHarness): Promise<GroupCoordinator> {
  const fresh = consumerHarness({ store, clock: h.clock });
  fresh.setImage(h.image());
  await fresh.coord.start();
  return fresh.coord;
}

/** Groups of a type with members (and, for classic ones, settled with a generation), in a durable state. */
function countGroups(state: unknown, type: 'classic' | 'consumer'): number {
  let n = 0;
  for (const p of Object.values(state as Record<string, { groups: Record<string, { type: string; members?: unknown[]; generation?: number }> }>)) {
    for (const g of Object.values(p.groups)) if (g.type === type && (g.members?.length ?? 0) > 0) n++;
  }
  return n;
}

describe('replay equivalence (seeded)', () => {
  const SEEDS = Number(process.env.NAGARE_REPLAY_SEEDS ?? 40);
  const coverage = { classic: [] as number[], consumer: [] as number[], mixed: [] as number[] };

  afterAll(() => {
    if (process.env.NAGARE_REPLAY_SEEDS) {
      const some = (xs: number[]) => `${xs.filter((n) => n > 0).length}/${xs.length}`;
      console.log(`seeds with groups that have members: classic ${some(coverage.classic)}, consumer ${some(coverage.consumer)}; seeds with protocol conversions: ${some(coverage.mixed)}`);
    }
  });


  it.each(Array.from({ length: SEEDS }, (_, i) => i + 1))('classic groups, seed %i', async (seed) => {
    const r = rng(seed);
    const store = new MemoryOffsetsTopicStore(4);
    const h = consumerHarness({ store, topics: { t: 4, u: 2 }, config: { groupInitialRebalanceDelayMs: 0 } });
    await h.coord.start();
    const harness = { ...h, coord: h.coord, topics: new Set(['t', 'u']) } as unknown as ConstructorParameters<typeof TestMember>[0];
    const groups = ['g1', 'g2'];
    const members = groups.flatMap((g) => [0, 1, 2].map((i) => new TestMember(harness, g, `c${i}`, { topics: r.chance(0.5) ? ['t'] : ['t', 'u'], groupInstanceId: i === 2 ? `${g}-static` : null })));
    const syncs: Array<Promise<unknown>> = [];
    /** A whole rebalance of the group's members that are in (joins, then syncs with the leader's assignment). */
    const rebalance = async (groupId: string) => {
      const group = members.filter((x) => x.groupId === groupId);
      for (const x of group) if (r.chance(0.85)) await x.startJoin().catch(() => undefined);
      await flush();
      h.scheduler.advance(0);
      await flush();
      const joined = group.filter((x) => x.memberId !== '' && x.generation >= 0);
      const leader = joined.find((x) => x.leader === x.memberId);
      for (const x of joined) {
        const plan = x === leader ? joined.map((p, i) => ({ memberId: p.memberId, assignment: assignment({ t: [i % 4], u: [i % 2] }) })) : [];
        syncs.push(x.sync(plan).promise);
      }
      await flush();
    };
    for (let step = 0; step < 60; step++) {
      const m = r.pick(members);
      store.failAppends = r.chance(0.04) ? r.pick([ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_LEADER_OR_FOLLOWER]) : null;
      try {
        switch (r.int(10)) {
          case 0:
          case 1:
          case 2:
            await rebalance(m.groupId);
            break;
          case 3:
            await m.startJoin();
            break;
          case 4:
            for (const x of members) await x.heartbeat();
            break;
          case 5:
            if (m.memberId && r.chance(0.5)) await h.coord.leaveGroup(ctx(5), { groupId: m.groupId, memberId: '', members: [{ memberId: m.memberId, groupInstanceId: m.join.groupInstanceId ?? null, reason: null }] });
            else if (m.join.groupInstanceId) Object.assign(m, { memberId: '' }); // a static member restarts: it rejoins with a new member id
            break;
          case 6:
          case 7:
            await h.coord.commitOffsets(
              ctx(8),
              commitRequest(r.pick([...groups, 'simple']), { [r.pick(['t', 'u'])]: { [r.int(2)]: BigInt(r.int(1000)) } }, { generation: m.generation, memberId: m.memberId, metadata: `s${step}` }),
            );
            break;
          case 8:
            if (r.chance(0.3)) await h.coord.deleteOffsets(ctx(0), { groupId: r.pick([...groups, 'simple']), topics: [{ name: 'u', partitions: [{ partitionIndex: 0 }] }] });
            else if (r.chance(0.3)) await h.coord.deleteGroups(ctx(2), { groupsNames: [r.pick([...groups, 'simple'])] });
            else await h.coord.runOffsetExpiration(h.clock.now() + r.int(3) * 7 * 24 * 3600_000);
            break;
          default:
            h.scheduler.advance(r.chance(0.85) ? r.pick([0, 100, 2000]) : r.pick([12_000, 31_000]));
        }
      } catch {
        // A member the coordinator refused (max size, inconsistent protocol): go on.
      }
      await flush();
    }
    store.failAppends = null;
    h.scheduler.advance(1);
    await flush();
    await Promise.race([Promise.all(syncs), flush()]);
    const live = durableState(h.coord);
    const replayed = durableState(await reloaded(store, h));
    const [l, rp] = comparable(live, replayed);
    coverage.classic.push(countGroups(l, 'classic'));
    expect(rp).toEqual(l);
  });

  it.each(Array.from({ length: SEEDS }, (_, i) => i + 1))('consumer groups, seed %i', async (seed) => {
    const r = rng(1000 + seed);
    const store = new MemoryOffsetsTopicStore(4);
    const h = consumerHarness({ store, topics: { t: 6, u: 3, v: 2 }, config: { consumerGroupSessionTimeoutMs: 20_000 } });
    await h.coord.start();
    const groups = ['cg1', 'cg2'];
    const members = groups.flatMap((g) =>
      [0, 1, 2, 3].map(
        (i) =>
          new ConsumerMember(h, g, r.chance(0.2) ? null : r.pick([['t'], ['t', 'u'], ['u', 'v']]), {
            clientId: `c${i}`,
            instanceId: i === 3 ? `${g}-static` : null,
            assignor: r.chance(0.3) ? r.pick(['range', 'uniform']) : null,
            regex: null,
            rebalanceTimeoutMs: 15_000,
          }),
      ),
    );
    for (const m of members) if (m.topics === null) Object.assign(m, { topics: ['t'] });
    let nextTopic = 0;
    for (let step = 0; step < 100; step++) {
      const m = r.pick(members);
      store.failAppends = r.chance(0.04) ? r.pick([ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_LEADER_OR_FOLLOWER]) : null;
      switch (r.int(12)) {
        case 0:
        case 1:
        case 2:
          await m.heartbeat(r.chance(0.2));
          break;
        case 3:
        case 4:
          // A round of heartbeats: members reconcile.
          for (const x of members) if (x.memberEpoch > 0 || r.chance(0.5)) await x.heartbeat();
          break;
        case 5:
          if (r.chance(0.3)) {
            if (m.memberEpoch > 0) await m.leave();
            m.memberEpoch = 0;
            m.memberId = '';
          }
          break;
        case 6:
        case 7:
          if (m.memberEpoch > 0)
            await h.coord.commitOffsets(ctx(9), { ...commitRequest(m.groupId, { t: { [r.int(6)]: BigInt(step) } }), generationIdOrMemberEpoch: m.memberEpoch, memberId: m.memberId });
          break;
        case 8:
          if (r.chance(0.5)) {
            // A topic is created or grows.
            const topics = [...h.image().topicsByName.values()];
            if (r.chance(0.5)) topics.push(topicImage(`new${nextTopic++}`, 1 + r.int(3)));
            else topics[0] = topicImage(topics[0].name, topics[0].partitions.size + 1, topics[0].id);
            h.setImage(imageWith(topics));
          } else {
            Object.assign(m, { topics: r.pick([['t'], ['u'], ['t', 'v'], ['new0', 't']]) });
            await m.heartbeat(true);
          }
          break;
        case 9:
          if (r.chance(0.3)) await h.coord.deleteGroups(ctx(2), { groupsNames: [m.groupId] });
          break;
        default:
          h.scheduler.advance(r.chance(0.85) ? r.pick([0, 500, 3000]) : r.pick([16_000, 21_000]));
      }
      await flush();
    }
    store.failAppends = null;
    const live = durableState(h.coord);
    const replayed = durableState(await reloaded(store, h));
    coverage.consumer.push(countGroups(live, 'consumer'));
    expect(replayed).toEqual(live);
    // Something happened: the seeds build groups, not just errors.
    expect(store.size()).toBeGreaterThan(0);
  });

  it.each(Array.from({ length: Math.ceil(SEEDS / 2) }, (_, i) => i + 1))('groups migrating between the protocols (classic and consumer members in one group), seed %i', async (seed) => {
    const r = rng(5000 + seed);
    const store = new MemoryOffsetsTopicStore(2);
    const h = consumerHarness({ store, topics: { t: 4 }, config: { consumerGroupSessionTimeoutMs: 20_000 } });
    await h.coord.start();
    const th = { ...h, topics: new Set(['t']) } as unknown as ConstructorParameters<typeof TestMember>[0];
    const classic = [0, 1].map((i) => new TestMember(th, 'mix', `old${i}`, { topics: ['t'], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 }));
    const modern = [0, 1].map((i) => new ConsumerMember(h, 'mix', ['t'], { clientId: `new${i}`, rebalanceTimeoutMs: 15_000 }));
    for (let step = 0; step < 60; step++) {
      store.failAppends = r.chance(0.03) ? ErrorCode.NOT_ENOUGH_REPLICAS : null;
      try {
        switch (r.int(7)) {
          case 0: {
            // The classic members go through a join and sync round (against whichever kind the group is).
            const joins = [];
            for (const m of classic) joins.push(await m.startJoin().catch(() => undefined));
            await flush();
            h.scheduler.advance(0);
            await flush();
            const leader = classic.find((m) => m.leader === m.memberId && m.memberId !== '');
            for (const m of classic) if (m.generation >= 0) await Promise.race([m.sync(m === leader ? classic.filter((x) => x.memberId).map((x, i) => ({ memberId: x.memberId, assignment: assignment({ t: [i] }) })) : []).promise, flush()]);
            break;
          }
          case 1:
            for (const m of classic) await m.heartbeat();
            break;
          case 2:
          case 3:
            await r.pick(modern).heartbeat(r.chance(0.2));
            break;
          case 4: {
            const m = r.pick(modern);
            if (m.memberEpoch > 0) await m.leave();
            m.memberEpoch = 0;
            m.memberId = '';
            break;
          }
          case 5: {
            const m = r.pick(classic);
            if (m.memberId) await h.coord.leaveGroup(ctx(5), { groupId: 'mix', memberId: '', members: [{ memberId: m.memberId, groupInstanceId: null, reason: null }] });
            Object.assign(m, { memberId: '', generation: -1 });
            break;
          }
          default:
            h.scheduler.advance(r.chance(0.8) ? r.pick([0, 500, 2000]) : r.pick([11_000, 21_000]));
        }
      } catch {
        // refused (inconsistent protocol, unknown member): go on
      }
      await flush();
    }
    store.failAppends = null;
    const live = durableState(h.coord);
    const replayed = durableState(await reloaded(store, h));
    const [l, rp] = comparable(live, replayed);
    expect(rp).toEqual(l);
    // Conversions that happened: classic -> consumer (GroupMetadata tombstones) and consumer -> classic (a GroupMetadata after consumer tombstones).
    const types = store.records(h.coord.partitionFor('mix')).map((x) => deserializeGroupRecord(x.key!, x.value)!);
    coverage.mixed.push(types.filter((x, i) => (x.type === 'GroupMetadata' && x.value === null) || (x.type === 'GroupMetadata' && i > 0 && types[i - 1].type === 'ConsumerGroupMetadata' && types[i - 1].value === null)).length);
  });

  it('most seeds compared groups with members', () => {
    expect(coverage.classic.length).toBe(SEEDS);
    expect(coverage.classic.filter((n) => n > 0).length).toBeGreaterThanOrEqual(SEEDS / 3);
    expect(coverage.consumer.filter((n) => n > 0).length).toBeGreaterThanOrEqual(SEEDS / 2);
    expect(coverage.mixed.filter((n) => n > 0).length).toBeGreaterThanOrEqual(coverage.mixed.length / 2);
  });
});
