import { ApiKey, ErrorCode, apiByKey, decode, encode } from '@nagare/protocol';
import { deserializeGroupRecord } from '../group-records';
import { ConsumerMember, assertNoDoubleOwnership, cctx, consumerHarness, imageWith, settle, topicImage, tpNames, type ConsumerHarness } from '../__fixtures__/consumer-harness';
import { commitRequest, ctx, flush, joinRequest } from '../__fixtures__/harness';

const G = 'cg';

async function started(opts: Parameters<typeof consumerHarness>[0] = {}) {
  const h = consumerHarness(opts);
  await h.coord.start();
  return h;
}

/** The record types written to the group's partition, in order. */
function recordTypes(h: ConsumerHarness, groupId = G): string[] {
  return h.store.records(h.coord.partitionFor(groupId)).map((r) => {
    const rec = deserializeGroupRecord(r.key!, r.value)!;
    return `${rec.type}${rec.value === null ? '(tombstone)' : ''}`;
  });
}

describe('ConsumerGroupHeartbeat: joining', () => {
  it('a first member joins: member id, epoch 1, the whole subscription assigned, and the records Kafka writes', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t']);
    const res = await a.heartbeat();
    expect(res).toMatchObject({ errorCode: 0, errorMessage: null, memberId: 'member-1', memberEpoch: 1, heartbeatIntervalMs: 5000 });
    expect(tpNames(h, res.assignment!.topicPartitions)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
    expect(recordTypes(h)).toEqual([
      'ConsumerGroupMemberMetadata',
      'ConsumerGroupPartitionMetadata',
      'ConsumerGroupMetadata',
      'ConsumerGroupTargetAssignmentMember',
      'ConsumerGroupTargetAssignmentMetadata',
      'ConsumerGroupCurrentMemberAssignment',
    ]);
    const records = h.store.records(h.coord.partitionFor(G)).map((r) => deserializeGroupRecord(r.key!, r.value)!);
    expect(records[0]).toMatchObject({ groupId: G, memberId: 'member-1', value: { clientId: 'consumer', clientHost: '/127.0.0.1', subscribedTopicNames: ['t'], rebalanceTimeoutMs: 30000 } });
    expect(records[1].value).toEqual({ topics: [{ topicId: h.topicId('t'), topicName: 't', numPartitions: 6, partitionMetadata: [] }] });
    expect(records[2].value).toEqual({ epoch: 1 });
    expect(records[4].value).toEqual({ assignmentEpoch: 1 });
    expect(records[5].value).toEqual({
      memberEpoch: 1,
      previousMemberEpoch: 0,
      state: 0,
      assignedPartitions: [{ topicId: h.topicId('t'), partitions: [0, 1, 2, 3, 4, 5] }],
      partitionsPendingRevocation: [],
    });
    expect(h.coord.groupState(G)).toBe('Stable');
    // A plain heartbeat: nothing changed, no assignment in the answer, nothing written.
    const before = h.store.size();
    const again = await a.heartbeat();
    expect(again).toMatchObject({ errorCode: 0, memberEpoch: 1, assignment: null });
    expect(h.store.size()).toBe(before);
  });

  it('three members: revocation before assignment, never a partition owned twice', async () => {
    const h = await started();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => new ConsumerMember(h, G, ['t'], { clientId: id }));
    await a.heartbeat();
    expect(a.ownedNames()).toHaveLength(6);
    await b.heartbeat();
    // b joined: a must give up half first; b gets nothing it would share.
    expect(b.memberEpoch).toBe(2);
    expect(b.ownedNames()).toEqual([]);
    expect(h.coord.groupState(G)).toBe('Reconciling');
    await a.heartbeat();
    expect(a.ownedNames()).toHaveLength(3);
    assertNoDoubleOwnership([a, b]);
    await c.heartbeat();
    await settle(h, G, [a, b, c]);
    expect([a, b, c].map((m) => m.ownedNames().length)).toEqual([2, 2, 2]);
    expect(new Set([...a.ownedNames(), ...b.ownedNames(), ...c.ownedNames()]).size).toBe(6);
    expect([a, b, c].map((m) => m.memberEpoch)).toEqual([3, 3, 3]);
  });

  it('a leaving member (epoch -1) frees its partitions for the others at once', async () => {
    const h = await started();
    const ms = ['a', 'b', 'c'].map((id) => new ConsumerMember(h, G, ['t'], { clientId: id }));
    for (const m of ms) await m.heartbeat();
    await settle(h, G, ms);
    const [a, b, c] = ms;
    const res = await c.leave();
    expect(res).toMatchObject({ errorCode: 0, memberId: c.memberId, memberEpoch: -1 });
    await settle(h, G, [a, b]);
    expect([a, b].map((m) => m.ownedNames().length)).toEqual([3, 3]);
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
  });

  it('fences a member whose session expires (group.consumer.session.timeout.ms) and gives its partitions away', async () => {
    const h = await started({ config: { consumerGroupSessionTimeoutMs: 10_000 } });
    const ms = ['a', 'b'].map((id) => new ConsumerMember(h, G, ['t'], { clientId: id }));
    for (const m of ms) await m.heartbeat();
    await settle(h, G, ms);
    const [a, b] = ms;
    for (let i = 0; i < 4; i++) {
      h.scheduler.advance(3000);
      await a.heartbeat();
    }
    await flush();
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([a.memberId]);
    await settle(h, G, [a]);
    expect(a.ownedNames()).toHaveLength(6);
    // The crashed one comes back: it is unknown, gives up what it thought it had, rejoins.
    const r = await b.heartbeat();
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(b.ownedNames()).toEqual([]);
  });

  it('fences a member that does not revoke within its rebalance timeout', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t'], { clientId: 'a', rebalanceTimeoutMs: 5000 });
    const b = new ConsumerMember(h, G, ['t'], { clientId: 'b' });
    await a.heartbeat();
    await b.heartbeat();
    // a is asked to revoke, then never answers.
    await a.heartbeat();
    expect(a.ownedNames()).toHaveLength(3);
    h.scheduler.advance(4999);
    await flush();
    expect(h.coord.snapshot(G)!.members).toHaveLength(2);
    h.scheduler.advance(1);
    await flush();
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([b.memberId]);
    const r = await a.heartbeat();
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('accepts the previous epoch with a subset of the assignment (lost response), fences other epochs', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t']);
    await a.heartbeat();
    const b = new ConsumerMember(h, G, ['t']);
    await b.heartbeat();
    await settle(h, G, [a, b]);
    const epoch = a.memberEpoch;
    const req = { ...a.request(false), memberEpoch: epoch + 1 };
    const ahead = await h.coord.consumerGroupHeartbeat(cctx(), req);
    expect(ahead).toMatchObject({ errorCode: ErrorCode.FENCED_MEMBER_EPOCH, memberId: null, memberEpoch: 0 });
    expect(ahead.errorMessage).toMatch(/greater member epoch/);
    // The previous epoch, but claiming partitions it was never given: fenced.
    const everything = [{ topicId: h.topicId('t'), partitions: [0, 1, 2, 3, 4, 5] }];
    const behind = await h.coord.consumerGroupHeartbeat(cctx(), { ...a.request(false), memberEpoch: epoch - 1, topicPartitions: everything });
    expect(behind.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect(behind.errorMessage).toMatch(/smaller member epoch/);
    // The previous epoch with what it owns: the answer with the new epoch was lost; it gets it again.
    const lost = await h.coord.consumerGroupHeartbeat(cctx(), { ...a.request(false), memberEpoch: epoch - 1 });
    expect(lost).toMatchObject({ errorCode: 0, memberEpoch: epoch });
  });

  it('validates requests as Kafka does', async () => {
    const h = await started();
    const base = new ConsumerMember(h, G, ['t']).request(true);
    const call = (over: object, v = 0) => h.coord.consumerGroupHeartbeat(cctx(v), { ...base, ...over });
    expect(await call({ groupId: '' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "GroupId can't be empty." });
    expect(await call({ instanceId: '' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "InstanceId can't be empty." });
    expect(await call({ rackId: '' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "RackId can't be empty." });
    expect(await call({ rebalanceTimeoutMs: -1 })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'RebalanceTimeoutMs must be provided in first request.' });
    expect(await call({ topicPartitions: null })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'TopicPartitions must be empty when (re-)joining.' });
    expect(await call({ subscribedTopicNames: [] })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'SubscribedTopicNames must be set in first request.' });
    expect(await call({ memberEpoch: 5 })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "MemberId can't be empty." });
    expect(await call({ memberEpoch: -3, memberId: 'x' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'MemberEpoch is invalid.' });
    expect(await call({ memberEpoch: -2, memberId: 'x' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "InstanceId can't be null." });
    expect(await call({ serverAssignor: 'sticky' })).toMatchObject({
      errorCode: ErrorCode.UNSUPPORTED_ASSIGNOR,
      errorMessage: 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.',
    });
    // v1 (KIP-1082): the member brings its id.
    expect(await call({}, 1)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "MemberId can't be empty." });
    expect(await call({ memberId: 'm', subscribedTopicNames: null, subscribedTopicRegex: '(' }, 1)).toMatchObject({ errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION });
    expect(await call({ memberId: 'nobody', memberEpoch: 3 })).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Consumer group ${G} not found.` });
    expect(h.store.size()).toBe(0);
  });

  it('v1: the member id is the client\'s own; regex subscriptions follow new topics', async () => {
    const h = await started({ topics: { 'orders-eu': 2, 'orders-us': 2, other: 1 } });
    const a = new ConsumerMember(h, G, null, { version: 1, regex: 'orders-.*' });
    const res = await a.heartbeat();
    expect(res.memberId).toBe(a.memberId);
    expect(a.ownedNames()).toEqual(['orders-eu-0', 'orders-eu-1', 'orders-us-0', 'orders-us-1']);
    // A new matching topic: the group sees it at the next heartbeat.
    h.setImage(imageWith([...h.image().topicsByName.values(), topicImage('orders-jp', 1)]));
    await settle(h, G, [a]);
    expect(a.ownedNames()).toContain('orders-jp-0');
    expect(a.ownedNames()).not.toContain('other-0');
  });

  it('uses the range assignor when members ask for it, and group.consumer.assignors sets the default', async () => {
    const h = await started({ topics: { t: 4, u: 4 }, config: { consumerGroupAssignors: ['range', 'uniform'] } });
    const ms = ['a', 'b'].map((id) => new ConsumerMember(h, G, ['t', 'u'], { clientId: id }));
    for (const m of ms) await m.heartbeat();
    await settle(h, G, ms);
    // Range co-partitions: the same partition numbers of both topics go together.
    const sorted = ms.map((m) => m.ownedNames()).sort();
    expect(sorted).toEqual([
      ['t-0', 't-1', 'u-0', 'u-1'],
      ['t-2', 't-3', 'u-2', 'u-3'],
    ]);
    const d = await h.coord.consumerGroupDescribe(cctx(), { groupIds: [G], includeAuthorizedOperations: false });
    expect(d.groups[0].assignorName).toBe('range');
  });
});

describe('ConsumerGroupHeartbeat: static members', () => {
  it('a static member leaves for a while (-2), keeps its partitions, and comes back with a new member id', async () => {
    const h = await started({ config: { consumerGroupSessionTimeoutMs: 45_000 } });
    const a = new ConsumerMember(h, G, ['t'], { instanceId: 'i-a' });
    const b = new ConsumerMember(h, G, ['t'], { instanceId: 'i-b' });
    await a.heartbeat();
    await b.heartbeat();
    await settle(h, G, [a, b]);
    const kept = b.ownedNames();
    const left = await b.leave();
    expect(left).toMatchObject({ errorCode: 0, memberEpoch: -2 });
    // While it is away, its partitions are not handed to a.
    await a.heartbeat();
    expect(a.ownedNames()).toHaveLength(3);
    const b2 = new ConsumerMember(h, G, ['t'], { instanceId: 'i-b' });
    const back = await b2.heartbeat();
    expect(back.errorCode).toBe(0);
    expect(b2.memberId).not.toBe(b.memberId);
    expect(b2.ownedNames()).toEqual(kept);
    expect(h.coord.snapshot(G)!.members.map((m) => m.groupInstanceId).sort()).toEqual(['i-a', 'i-b']);
  });

  it('refuses a second instance while the first holds the id (UNRELEASED_INSTANCE_ID), fences the old member id', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t'], { instanceId: 'i-a' });
    await a.heartbeat();
    const dup = new ConsumerMember(h, G, ['t'], { instanceId: 'i-a' });
    const r = await dup.heartbeat();
    expect(r.errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
    expect(r.errorMessage).toMatch(/cannot join the group because the instance id is owned by member-1 member/);
    const wrongId = await h.coord.consumerGroupHeartbeat(cctx(), { ...a.request(false), memberId: 'other' });
    expect(wrongId.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });
});

describe('ConsumerGroupDescribe, ListGroups, DescribeGroups, DeleteGroups', () => {
  it('describes epochs, members, assignments and targets with topic names (v1: member types)', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t', 'u'], { instanceId: 'inst', clientId: 'cid' });
    await a.heartbeat();
    const d = await h.coord.consumerGroupDescribe(cctx(1), { groupIds: [G, 'missing', ''], includeAuthorizedOperations: true });
    expect(d.groups[0]).toMatchObject({
      errorCode: 0,
      groupId: G,
      groupState: 'Stable',
      groupEpoch: 1,
      assignmentEpoch: 1,
      assignorName: 'uniform',
      authorizedOperations: (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11),
    });
    const m = d.groups[0].members[0];
    expect(m).toMatchObject({ memberId: a.memberId, instanceId: 'inst', memberEpoch: 1, clientId: 'cid', clientHost: '/127.0.0.1', subscribedTopicNames: ['t', 'u'], memberType: 1 });
    expect(m.assignment.topicPartitions.map((tp) => [tp.topicName, tp.partitions.length]).sort()).toEqual([
      ['t', 6],
      ['u', 3],
    ]);
    expect(m.targetAssignment).toEqual(m.assignment);
    expect(d.groups[1]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupId: 'missing' });
    expect(d.groups[2]).toMatchObject({ errorCode: ErrorCode.INVALID_GROUP_ID });
  });

  it('lists both group types with states and types (KIP-848 ListGroups v5)', async () => {
    const h = await started();
    await new ConsumerMember(h, G, ['t']).heartbeat();
    await h.coord.commitOffsets(ctx(8), commitRequest('classic-offsets', { t: { 0: 1n } }));
    const all = await h.coord.listGroups(ctx(5), { statesFilter: [], typesFilter: [] });
    expect(all.groups).toEqual([
      { groupId: G, protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' },
      { groupId: 'classic-offsets', protocolType: '', groupState: 'Empty', groupType: 'classic' },
    ]);
    expect((await h.coord.listGroups(ctx(5), { statesFilter: [], typesFilter: ['Consumer'] })).groups.map((g) => g.groupId)).toEqual([G]);
    expect((await h.coord.listGroups(ctx(5), { statesFilter: ['stable'], typesFilter: [] })).groups.map((g) => g.groupId)).toEqual([G]);
    // DescribeGroups is for classic groups.
    const dg = await h.coord.describeGroups(ctx(6), { groups: [G], includeAuthorizedOperations: false });
    expect(dg.groups[0]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${G} is not a classic group.` });
  });

  it('deletes an empty consumer group with every tombstone, refuses a non-empty one', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t']);
    await a.heartbeat();
    await h.coord.commitOffsets(ctx(9), { ...commitRequest(G, { t: { 0: 5n } }), generationIdOrMemberEpoch: a.memberEpoch, memberId: a.memberId });
    expect((await h.coord.deleteGroups(ctx(2), { groupsNames: [G] })).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    await a.leave();
    expect(h.coord.groupState(G)).toBe('Empty');
    expect((await h.coord.deleteGroups(ctx(2), { groupsNames: [G] })).results[0].errorCode).toBe(0);
    expect(h.coord.groupState(G)).toBeUndefined();
    expect(recordTypes(h).slice(-4)).toEqual([
      'OffsetCommit(tombstone)',
      'ConsumerGroupTargetAssignmentMetadata(tombstone)',
      'ConsumerGroupPartitionMetadata(tombstone)',
      'ConsumerGroupMetadata(tombstone)',
    ]);
  });
});

describe('OffsetCommit and OffsetFetch with member epochs (v9)', () => {
  it('takes commits at the member epoch, STALE_MEMBER_EPOCH otherwise; v8 from a consumer-protocol member is refused', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t']);
    await a.heartbeat();
    const commit = (v: number, epoch: number, memberId = a.memberId) =>
      h.coord.commitOffsets(ctx(v), { ...commitRequest(G, { t: { 0: 7n } }), generationIdOrMemberEpoch: epoch, memberId });
    expect((await commit(9, a.memberEpoch)).topics[0].partitions[0].errorCode).toBe(0);
    expect((await commit(9, a.memberEpoch + 1)).topics[0].partitions[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await commit(9, a.memberEpoch, 'ghost')).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await commit(8, a.memberEpoch)).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    // Epoch -1 (admin client) is refused while the group has members.
    expect((await commit(9, -1, '')).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const fetch = (memberId: string | null, memberEpoch: number) =>
      h.coord.fetchOffsets(ctx(9), { groupId: '', topics: [], requireStable: false, groups: [{ groupId: G, memberId, memberEpoch, topics: null }] });
    expect((await fetch(a.memberId, a.memberEpoch)).groups[0]).toMatchObject({ errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 7n }] }] });
    expect((await fetch(null, -1)).groups[0].errorCode).toBe(0);
    expect((await fetch(a.memberId, a.memberEpoch - 1)).groups[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await fetch('ghost', 1)).groups[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('online migration between classic and consumer groups (KIP-848)', () => {
  it('an empty classic group becomes a consumer group and the new member sees its committed offsets', async () => {
    const h = await started();
    const joining = h.coord.joinGroup(ctx(3, 'old'), joinRequest(G));
    await flush();
    h.scheduler.runDue();
    const join = await joining;
    expect(join.errorCode).toBe(0);
    await h.coord.leaveGroup(ctx(3), { groupId: G, memberId: '', members: [{ memberId: join.memberId, groupInstanceId: null, reason: null }] });
    await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 42n } }));
    expect(h.coord.snapshot(G)).toMatchObject({ type: 'classic', state: 'Empty' });
    const a = new ConsumerMember(h, G, ['t']);
    expect((await a.heartbeat()).errorCode).toBe(0);
    expect(h.coord.snapshot(G)).toMatchObject({ type: 'consumer', state: 'Stable' });
    const f = await h.coord.fetchOffsets(ctx(9), { groupId: '', topics: [], requireStable: false, groups: [{ groupId: G, memberId: a.memberId, memberEpoch: a.memberEpoch, topics: null }] });
    expect(f.groups[0].topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }]);
    expect(recordTypes(h)).toContain('GroupMetadata(tombstone)');
  });

  it('a classic JoinGroup for an empty consumer group makes it classic again', async () => {
    const h = await started();
    const a = new ConsumerMember(h, G, ['t']);
    await a.heartbeat();
    await a.leave();
    const first = await h.coord.joinGroup(ctx(5, 'old'), joinRequest(G));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(h.coord.snapshot(G)).toMatchObject({ type: 'classic' });
  });
});

describe('responses on the wire', () => {
  it('ConsumerGroupHeartbeat and ConsumerGroupDescribe answers encode and decode at every version (v1 member types)', async () => {
    const h = await started();
    const hb = apiByKey(ApiKey.ConsumerGroupHeartbeat)!;
    const ds = apiByKey(ApiKey.ConsumerGroupDescribe)!;
    for (let v = hb.lowestVersion; v <= hb.highestVersion; v++) {
      const m = new ConsumerMember(h, `wire-${v}`, ['t'], { version: v });
      // v1 (KIP-1082): the member names itself.
      if (v >= 1) m.memberId = 'ClientGeneratedId00001';
      const req = decode(hb.request, encode(hb.request, m.request(true), v), v);
      const res = await h.coord.consumerGroupHeartbeat(cctx(v), req as never);
      const back = decode(hb.response, encode(hb.response, res, v), v) as typeof res;
      expect(back).toMatchObject({ errorCode: 0, memberEpoch: 1, heartbeatIntervalMs: 5000 });
      expect(back.assignment!.topicPartitions[0].partitions).toEqual([0, 1, 2, 3, 4, 5]);
    }
    for (let v = ds.lowestVersion; v <= ds.highestVersion; v++) {
      const res = await h.coord.consumerGroupDescribe(cctx(v), { groupIds: ['wire-0', 'nope'], includeAuthorizedOperations: false });
      const back = decode(ds.response, encode(ds.response, res, v), v) as typeof res;
      expect(back.groups.map((g) => g.errorCode)).toEqual([0, ErrorCode.GROUP_ID_NOT_FOUND]);
      expect(back.groups[0].members[0].memberType).toBe(v >= 1 ? 1 : -1);
      expect(back.groups[0].members[0].assignment.topicPartitions[0].topicName).toBe('t');
    }
  });
});
