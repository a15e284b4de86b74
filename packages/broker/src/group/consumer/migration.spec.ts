/**
 * KIP-848 online migration with members on both protocols: a consumer
 * protocol member joining a running classic group converts it; the classic
 * members carry on with JoinGroup/SyncGroup/Heartbeat against the consumer
 * group; when the last consumer protocol member leaves, the group is a
 * classic group again.
 */
import { ErrorCode } from '@nagare/protocol';
import { decodeAssignment } from '../consumer-protocol';
import { deserializeGroupRecord } from '../group-records';
import { ConsumerMember, consumerHarness, type ConsumerHarness } from '../__fixtures__/consumer-harness';
import { TestMember, commitRequest, ctx, rebalance, subscription } from '../__fixtures__/harness';

const G = 'mixed';

function classicSetup(h: ConsumerHarness) {
  const th = { ...h, topics: new Set(['t']) } as unknown as ConstructorParameters<typeof TestMember>[0];
  return th;
}

/** What a classic member of a consumer group owns: its last SyncGroup assignment, by "t-0" names. */
function classicOwned(m: TestMember): string[] {
  return m.assignment ? decodeAssignment(m.assignment).flatMap((tp) => tp.partitions.map((p) => `${tp.topic}-${p}`)).sort() : [];
}

describe('online migration with members on both protocols', () => {
  it('upgrades a running classic group when a consumer protocol member joins; the classic members follow with JoinGroup/SyncGroup', async () => {
    const h = consumerHarness({ topics: { t: 4 } });
    await h.coord.start();
    const th = classicSetup(h);
    const [a, b] = [new TestMember(th, G, 'a'), new TestMember(th, G, 'b')];
    await rebalance(th as never, [a, b]);
    expect(classicOwned(a)).toEqual(['t-0']);
    await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 100n } }, { generation: a.generation, memberId: a.memberId }));

    const c = new ConsumerMember(h, G, ['t'], { clientId: 'c' });
    const res = await c.heartbeat();
    expect(res.errorCode).toBe(0);
    const snap = h.coord.snapshot(G)!;
    expect(snap).toMatchObject({ type: 'consumer' });
    expect(snap.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId, c.memberId].sort());
    // The classic members' session timeouts carried over.
    expect(snap.members.filter((m) => m.memberId !== c.memberId).map((m) => m.sessionTimeoutMs)).toEqual([10_000, 10_000]);
    // Written as Kafka does: the classic group tombstoned, then the consumer group records.
    const types = h.store.records(h.coord.partitionFor(G)).map((r) => deserializeGroupRecord(r.key!, r.value)!);
    const upgrade = types.findIndex((r) => r.type === 'GroupMetadata' && r.value === null);
    expect(upgrade).toBeGreaterThan(0);
    expect(types[upgrade + 1]).toMatchObject({ type: 'ConsumerGroupMemberMetadata', memberId: a.memberId, value: { classicMemberMetadata: { sessionTimeoutMs: 10_000 } } });

    // The classic members must rejoin: heartbeats say so.
    expect(await a.heartbeat()).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    for (let round = 0; round < 6; round++) {
      for (const m of [a, b]) {
        const hb = await m.heartbeat();
        if (hb === ErrorCode.REBALANCE_IN_PROGRESS || hb === ErrorCode.ILLEGAL_GENERATION) {
          const joined = await (await m.startJoin()).promise;
          expect(joined.errorCode).toBe(0);
          // JoinGroup v5 has no protocol type in its response (v7+).
          expect(joined).toMatchObject({ protocolType: null, protocolName: 'range', leader: '' });
          const synced = await m.sync().promise;
          expect(synced.errorCode).toBe(0);
        }
      }
      await c.heartbeat();
      // Nobody owns a partition another one owns.
      const owners = [...classicOwned(a), ...classicOwned(b), ...c.ownedNames()];
      expect(new Set(owners).size).toBe(owners.length);
    }
    expect(h.coord.groupState(G)).toBe('Stable');
    expect([classicOwned(a).length, classicOwned(b).length, c.ownedNames().length].sort()).toEqual([1, 1, 2]);
    // Offsets committed by the classic group are the consumer group's.
    const f = await h.coord.fetchOffsets(ctx(9), { groupId: '', topics: [], requireStable: false, groups: [{ groupId: G, memberId: c.memberId, memberEpoch: c.memberEpoch, topics: null }] });
    expect(f.groups[0].topics[0].partitions[0].committedOffset).toBe(100n);
    // A classic member commits with its generation (= member epoch) on OffsetCommit v8.
    const commit = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 1: 7n } }, { generation: a.generation, memberId: a.memberId }));
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
  });

  it('downgrades to a classic group when the last consumer protocol member leaves, and rebalances the classic members', async () => {
    const h = consumerHarness({ topics: { t: 4 } });
    await h.coord.start();
    const th = classicSetup(h);
    const [a, b] = [new TestMember(th, G, 'a'), new TestMember(th, G, 'b')];
    await rebalance(th as never, [a, b]);
    const c = new ConsumerMember(h, G, ['t'], { clientId: 'c' });
    await c.heartbeat();
    expect(h.coord.snapshot(G)!.type).toBe('consumer');
    await c.leave();
    const snap = h.coord.snapshot(G)!;
    expect(snap).toMatchObject({ type: 'classic', state: 'PreparingRebalance', protocolType: 'consumer' });
    expect(snap.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    // The classic members rejoin an ordinary classic rebalance.
    await rebalance(th as never, [a, b]);
    expect(h.coord.snapshot(G)).toMatchObject({ type: 'classic', state: 'Stable' });
    const last = h.store.records(h.coord.partitionFor(G)).map((r) => deserializeGroupRecord(r.key!, r.value)!);
    const downgrade = last.findIndex((r) => r.type === 'ConsumerGroupMetadata' && r.value === null);
    expect(last[downgrade + 1]).toMatchObject({ type: 'GroupMetadata', value: { protocolType: 'consumer', protocol: 'range' } });
  });

  it('refuses classic protocols the consumer group members do not share, and SyncGroup from consumer protocol members', async () => {
    const h = consumerHarness({ topics: { t: 4 } });
    await h.coord.start();
    const c = new ConsumerMember(h, G, ['t']);
    await c.heartbeat();
    const connect = await h.coord.joinGroup(ctx(5), { groupId: G, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'connect', protocols: [{ name: 'x', metadata: subscription(['t']) }], reason: null });
    expect(connect.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const sync = await h.coord.syncGroup(ctx(5), { groupId: G, generationId: c.memberEpoch, memberId: c.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(sync.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
