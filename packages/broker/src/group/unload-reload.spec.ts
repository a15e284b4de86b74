/**
 * Leadership of a `__consumer_offsets` partition moves away mid-rebalance
 * and comes back (as it would move to another broker and the group follow
 * it): the members get NOT_COORDINATOR meanwhile, then carry on with the
 * group rebuilt from the partition; committed offsets are intact.
 */
import { ErrorCode } from '@nagare/protocol';
import { ConsumerMember, assertNoDoubleOwnership, consumerHarness, settle } from './__fixtures__/consumer-harness';
import { TestMember, assignment, commitRequest, ctx, flush, rebalance, track } from './__fixtures__/harness';

describe('a shard unloaded mid-rebalance and loaded again', () => {
  it('classic group: parked requests and newcomers get NOT_COORDINATOR, then the members rejoin; offsets are intact', async () => {
    const h = consumerHarness({ topics: { t: 4 } });
    await h.coord.start();
    const G = 'classic-g';
    const p = h.coord.partitionFor(G);
    const th = { ...h, topics: new Set(['t']) } as unknown as ConstructorParameters<typeof TestMember>[0];
    const [a, b] = [new TestMember(th, G, 'a'), new TestMember(th, G, 'b')];
    await rebalance(th as never, [a, b]);
    await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 10n, 1: 20n } }, { generation: a.generation, memberId: a.memberId }));
    // The leader rejoins: the group is rebalancing, a's JoinGroup is parked.
    const parked = await a.startJoin();
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');

    h.coord.onResignation(p, 1);
    expect(await parked.promise).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR });
    expect(await b.heartbeat()).toBe(ErrorCode.NOT_COORDINATOR);
    const refused = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 11n } }, { generation: b.generation, memberId: b.memberId }));
    expect(refused.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await h.coord.fetchOffsets(ctx(7), { groupId: G, topics: null, groups: [], requireStable: false })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    // Nothing of it survives in memory; its timers died with it.
    expect(h.coord.groupState(G)).toBeUndefined();
    expect(h.coord.runtime.timerCount(p)).toBe(0);

    await h.coord.onElection(p, 2);
    // Back as last persisted: stable at generation 1 with its assignments; the rebalance in flight is gone.
    expect(h.coord.snapshot(G)).toMatchObject({ state: 'Stable', generationId: 1 });
    const fetched = await h.coord.fetchOffsets(ctx(7), { groupId: G, topics: null, groups: [], requireStable: false });
    expect(fetched.topics[0].partitions.map((x) => [x.partitionIndex, x.committedOffset])).toEqual([
      [0, 10n],
      [1, 20n],
    ]);
    expect(await b.heartbeat()).toBe(0);
    // The members rejoin and go on.
    await rebalance(th as never, [a, b]);
    expect(h.coord.snapshot(G)).toMatchObject({ state: 'Stable', generationId: 2 });
    const later = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 12n } }, { generation: a.generation, memberId: a.memberId }));
    expect(later.topics[0].partitions[0].errorCode).toBe(0);
    expect(a.assignment).toEqual(assignment({ t: [0] }));
  });

  it('consumer group: members mid-reconciliation get NOT_COORDINATOR, then reconcile without a partition owned twice', async () => {
    const h = consumerHarness({ topics: { t: 6 } });
    await h.coord.start();
    const G = 'consumer-g';
    const p = h.coord.partitionFor(G);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => new ConsumerMember(h, G, ['t'], { clientId: id }));
    await a.heartbeat();
    await b.heartbeat();
    await settle(h, G, [a, b]);
    await h.coord.commitOffsets(ctx(9), { ...commitRequest(G, { t: { 0: 5n } }), generationIdOrMemberEpoch: a.memberEpoch, memberId: a.memberId });
    // c joins; a and b are asked to give partitions up.
    await c.heartbeat();
    await a.heartbeat();
    expect(h.coord.groupState(G)).toBe('Reconciling');
    const before = h.coord.shardOf(G)!.groups.get(G);
    const epochs = before?.type === 'consumer' ? [...before.members.values()].map((m) => [m.memberId, m.memberEpoch, m.state]) : [];

    h.coord.onResignation(p, 1);
    for (const m of [a, b, c]) expect((await m.heartbeat()).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const described = await h.coord.consumerGroupDescribe(ctx(0), { groupIds: [G], includeAuthorizedOperations: false });
    expect(described.groups[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    assertNoDoubleOwnership([a, b, c]);

    const loading = h.coord.onElection(p, 2);
    expect((await c.heartbeat()).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await loading;
    const after = h.coord.shardOf(G)!.groups.get(G);
    expect(after?.type === 'consumer' ? [...after.members.values()].map((m) => [m.memberId, m.memberEpoch, m.state]) : []).toEqual(epochs);
    await settle(h, G, [a, b, c]);
    expect([a, b, c].map((m) => m.ownedNames().length)).toEqual([2, 2, 2]);
    const f = await h.coord.fetchOffsets(ctx(9), { groupId: '', topics: [], requireStable: false, groups: [{ groupId: G, memberId: null, memberEpoch: -1, topics: null }] });
    expect(f.groups[0].topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }]);
  });

  it('answers parked operations waiting for the high watermark with NOT_COORDINATOR when leadership goes', async () => {
    const h = consumerHarness({ topics: { t: 2 } });
    await h.coord.start();
    h.store.holdHighWatermark = true;
    const commit = track(h.coord.commitOffsets(ctx(8), commitRequest('g', { t: { 0: 1n } })));
    await flush();
    expect(commit.done).toBe(false);
    h.coord.onResignation(h.coord.partitionFor('g'), 1);
    expect((await commit.promise).topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});
