import { ErrorCode, JoinGroupResponseCodec, SyncGroupResponseCodec, decode, encode } from '@nagare/protocol';
import { ManualClock } from '@nagare/common';
import { GroupCoordinator } from './coordinator';
import { MemoryOffsetsTopicStore } from './memory-store';
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue } from './records';
import {
  TestMember,
  assignment,
  commitRequest,
  ctx,
  flush,
  harness,
  joinRequest,
  rebalance,
  subscription,
  syncRequest,
  track,
  type Harness,
} from './__fixtures__/harness';

const G = 'group-1';

/** Decoded records of the group's partition. */
function recordsOf(h: Harness, groupId = G) {
  return h.store.records(h.coord.partitionFor(groupId)).map((r) => {
    const key = decodeKey(r.key!);
    if (key.type === 'group') return { key, value: r.value && decodeGroupMetadataValue(r.value) };
    if (key.type === 'offset') return { key, value: r.value && decodeOffsetCommitValue(r.value) };
    return { key, value: null };
  });
}

async function started(opts: Parameters<typeof harness>[0] = {}) {
  const h = harness(opts);
  await h.coord.start();
  return h;
}

async function formGroup(h: Harness, n: number, join = {}) {
  const members = Array.from({ length: n }, (_, i) => new TestMember(h, G, `c${i + 1}`, join));
  await rebalance(h, members);
  return members;
}

describe('GroupCoordinator: forming and rebalancing', () => {
  it('forms a group of three: member ids first, leader gets the metadata, followers wait for the leader', async () => {
    const h = await started({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const [a, b, c] = ['c1', 'c2', 'c3'].map((id, i) => new TestMember(h, G, id, { topics: [`t${i}`] }));
    const ja = await a.startJoin();
    expect(a.memberId).toBe('c1-m1');
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
    h.scheduler.advance(2000);
    const jb = await b.startJoin();
    const jc = await c.startJoin();
    // The initial delay restarts while members keep arriving.
    h.scheduler.advance(1000);
    await flush();
    expect(ja.done).toBe(false);
    h.scheduler.advance(2999);
    await flush();
    expect(ja.done).toBe(false);
    h.scheduler.advance(1);
    await flush();
    expect([ja.done, jb.done, jc.done]).toEqual([true, true, true]);
    expect(h.coord.groupState(G)).toBe('CompletingRebalance');
    expect(ja.value).toMatchObject({ errorCode: 0, generationId: 1, protocolType: null, protocolName: 'range', leader: 'c1-m1', memberId: 'c1-m1' });
    expect(ja.value.members.map((m) => [m.memberId, m.metadata])).toEqual([
      ['c1-m1', subscription(['t0'])],
      ['c2-m2', subscription(['t1'])],
      ['c3-m3', subscription(['t2'])],
    ]);
    expect(jb.value).toMatchObject({ errorCode: 0, generationId: 1, leader: 'c1-m1', memberId: 'c2-m2', members: [] });

    // Followers sync first and wait for the leader's assignment.
    const sb = b.sync();
    const sc = c.sync();
    await flush();
    expect(sb.done).toBe(false);
    expect(h.store.size()).toBe(0);
    const plan = [a, b, c].map((m, i) => ({ memberId: m.memberId, assignment: assignment({ [`t${i}`]: [0] }) }));
    const sa = a.sync(plan);
    await flush();
    expect(sa.value).toEqual({ throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: plan[0].assignment });
    expect(sb.value.assignment).toEqual(plan[1].assignment);
    expect(sc.value.assignment).toEqual(plan[2].assignment);
    expect(h.coord.groupState(G)).toBe('Stable');

    // The assignment was persisted before anyone got it.
    const recs = recordsOf(h);
    expect(recs).toHaveLength(1);
    expect(recs[0].key).toEqual({ type: 'group', version: 2, group: G });
    expect(recs[0].value).toMatchObject({ version: 3, protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'c1-m1' });
    const value = recs[0].value as ReturnType<typeof decodeGroupMetadataValue>;
    expect(value.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.sessionTimeout, m.rebalanceTimeout])).toEqual([
      ['c1-m1', 'c1', '/127.0.0.1', 10000, 30000],
      ['c2-m2', 'c2', '/127.0.0.1', 10000, 30000],
      ['c3-m3', 'c3', '/127.0.0.1', 10000, 30000],
    ]);
    expect(value.members[1].assignment).toEqual(plan[1].assignment);
    expect(value.members[2].subscription).toEqual(subscription(['t2']));
    expect([await a.heartbeat(), await b.heartbeat(), await c.heartbeat()]).toEqual([0, 0, 0]);
  });

  it('rebalances when a member leaves (LeaveGroup v3+ batch)', async () => {
    const h = await started();
    const [a, b, c] = await formGroup(h, 3);
    const res = await h.coord.leaveGroup(ctx(5), { groupId: G, memberId: '', members: [{ memberId: c.memberId, groupInstanceId: null, reason: 'bye' }, { memberId: 'nobody', groupInstanceId: null, reason: null }] });
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      members: [
        { memberId: c.memberId, groupInstanceId: null, errorCode: 0 },
        { memberId: 'nobody', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
    expect(await a.heartbeat()).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await b.heartbeat()).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await c.heartbeat()).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const ja = await a.startJoin();
    await flush();
    expect(ja.done).toBe(false);
    const jb = await b.startJoin();
    await flush();
    // Everyone known rejoined: no need to wait for the rebalance timeout.
    expect(ja.value).toMatchObject({ errorCode: 0, generationId: 2, leader: a.memberId });
    expect(ja.value.members.map((m) => m.memberId)).toEqual([a.memberId, b.memberId]);
    expect(jb.value).toMatchObject({ errorCode: 0, generationId: 2, members: [] });
  });

  it('LeaveGroup v0-2 answers with the member error at the top level', async () => {
    const h = await started();
    const [a] = await formGroup(h, 2);
    expect(await h.coord.leaveGroup(ctx(1), { groupId: G, memberId: 'ghost', members: [] })).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] });
    expect(await h.coord.leaveGroup(ctx(2), { groupId: G, memberId: a.memberId, members: [] })).toEqual({ throttleTimeMs: 0, errorCode: 0, members: [] });
    expect((await h.coord.leaveGroup(ctx(0), { groupId: 'nope', memberId: 'x', members: [] })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.coord.leaveGroup(ctx(0), { groupId: '', memberId: 'x', members: [] })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
  });

  it('removes a crashed member when its session times out and rebalances', async () => {
    const h = await started();
    const [a, b, c] = await formGroup(h, 3);
    // a and b heartbeat every 3 s; c has crashed.
    for (let t = 0; t < 9; t++) {
      h.scheduler.advance(1000);
      if (t % 3 === 2) {
        expect(await a.heartbeat()).toBe(0);
        expect(await b.heartbeat()).toBe(0);
      }
    }
    expect(h.coord.groupState(G)).toBe('Stable');
    h.scheduler.advance(1000);
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([a.memberId, b.memberId]);
    expect(await c.heartbeat()).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const ja = await a.startJoin();
    const jb = await b.startJoin();
    await flush();
    expect(ja.value.generationId).toBe(2);
    expect(jb.value.generationId).toBe(2);
  });

  it('completes the join at the rebalance timeout without the members that did not rejoin', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const ja = await a.startJoin(); // the leader rejoins: rebalance
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
    h.scheduler.advance(19_999);
    await flush();
    expect(ja.done).toBe(false);
    h.scheduler.advance(1);
    await flush();
    expect(ja.value).toMatchObject({ errorCode: 0, generationId: 2, leader: a.memberId });
    expect(ja.value.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(await b.heartbeat()).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('elects a new leader when the leader does not rejoin', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2);
    await h.coord.leaveGroup(ctx(5), { groupId: G, memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] });
    const jb = await b.startJoin();
    await flush();
    expect(jb.value).toMatchObject({ errorCode: 0, generationId: 2, leader: b.memberId });
    expect(jb.value.members).toHaveLength(1);
  });

  it('goes Empty when every member left, and persists that', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2);
    await h.coord.leaveGroup(ctx(5), { groupId: G, memberId: '', members: [a, b].map((m) => ({ memberId: m.memberId, groupInstanceId: null, reason: null })) });
    await flush();
    expect(h.coord.groupState(G)).toBe('Empty');
    const last = recordsOf(h).at(-1)!;
    expect(last.value).toMatchObject({ generation: 2, protocolType: 'consumer', protocol: null, leader: null, members: [], currentStateTimestamp: h.clock.now() });
  });

  it('removes members that do not send SyncGroup within the rebalance timeout', async () => {
    const h = await started();
    const [a, b] = [new TestMember(h, G, 'c1', { rebalanceTimeoutMs: 5000 }), new TestMember(h, G, 'c2', { rebalanceTimeoutMs: 5000 })];
    await a.startJoin();
    await b.startJoin();
    h.scheduler.runDue();
    await flush();
    const sa = a.sync([{ memberId: a.memberId, assignment: assignment({ t: [0] }) }, { memberId: b.memberId, assignment: assignment({ t: [1] }) }]);
    await flush();
    expect(sa.value.errorCode).toBe(0);
    expect(h.coord.groupState(G)).toBe('Stable');
    h.scheduler.advance(5000);
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });
});

describe('GroupCoordinator: JoinGroup rules', () => {
  it('asks for a member id from v4 (KIP-394), with the client id as prefix', async () => {
    const h = await started();
    const r = await h.coord.joinGroup(ctx(4, 'consumer-x'), joinRequest(G));
    expect(r).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.MEMBER_ID_REQUIRED, generationId: -1, protocolType: null, protocolName: '', leader: '', skipAssignment: false, memberId: 'consumer-x-m1', members: [] });
    expect(h.coord.groupState(G)).toBe('Empty');
    // Before v4 the member joins at once.
    const j = track(h.coord.joinGroup(ctx(3, 'old'), joinRequest('g2')));
    h.scheduler.runDue();
    await flush();
    expect(j.value).toMatchObject({ errorCode: 0, memberId: 'old-m2', generationId: 1, leader: 'old-m2' });
  });

  it('holds the join phase for a pending member until it joins or its session expires', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1, { sessionTimeoutMs: 30_000 });
    const pending = await h.coord.joinGroup(ctx(5, 'c2'), joinRequest(G, { sessionTimeoutMs: 8000 }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const ja = await a.startJoin();
    h.scheduler.advance(7999);
    await flush();
    expect(ja.done).toBe(false);
    h.scheduler.advance(1);
    await flush();
    expect(ja.value).toMatchObject({ errorCode: 0, generationId: 2 });
    // The expired id is no longer known.
    const late = await h.coord.joinGroup(ctx(5, 'c2'), joinRequest(G, { memberId: pending.memberId }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('lets a pending member join and completes the join phase once it did', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1);
    const pending = await h.coord.joinGroup(ctx(5, 'c2'), joinRequest(G));
    const ja = await a.startJoin();
    await flush();
    expect(ja.done).toBe(false);
    const jb = track(h.coord.joinGroup(ctx(5, 'c2'), joinRequest(G, { memberId: pending.memberId })));
    await flush();
    expect(ja.value.members.map((m) => m.memberId)).toEqual([a.memberId, pending.memberId]);
    expect(jb.value).toMatchObject({ errorCode: 0, generationId: 2, memberId: pending.memberId });
  });

  it('does not wait for pending members at the end of the initial delay (as Kafka)', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1');
    const ja = await a.startJoin();
    const pending = await h.coord.joinGroup(ctx(5, 'c2'), joinRequest(G, { sessionTimeoutMs: 8000 }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    h.scheduler.runDue();
    await flush();
    expect(ja.value).toMatchObject({ errorCode: 0, generationId: 1 });
    expect(ja.value.members).toHaveLength(1);
  });

  it('stretches the initial delay no further than the rebalance timeout', async () => {
    const h = await started({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const join = { rebalanceTimeoutMs: 5000 };
    const first = await new TestMember(h, G, 'c1', join).startJoin();
    h.scheduler.advance(1000);
    await new TestMember(h, G, 'c2', join).startJoin();
    h.scheduler.advance(3000);
    await new TestMember(h, G, 'c3', join).startJoin();
    h.scheduler.advance(999);
    await flush();
    expect(first.done).toBe(false);
    h.scheduler.advance(1);
    await flush();
    expect(first.value.members).toHaveLength(3);
  });

  it('completes the initial join after one delay when nobody else joins', async () => {
    const h = await started({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const first = await new TestMember(h, G, 'c1').startJoin();
    h.scheduler.advance(2999);
    await flush();
    expect(first.done).toBe(false);
    h.scheduler.advance(1);
    await flush();
    expect(first.value).toMatchObject({ errorCode: 0, generationId: 1 });
  });

  it('answers a superseded parked JoinGroup instead of leaving it hanging', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2);
    const first = await a.startJoin();
    const second = await a.startJoin();
    await flush();
    expect(first.value.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(second.done).toBe(false);
    await b.startJoin();
    await flush();
    expect(second.value).toMatchObject({ errorCode: 0, generationId: 2 });
  });

  it('validates group id, session timeout and member id', async () => {
    const h = await started();
    expect((await h.coord.joinGroup(ctx(5), joinRequest(''))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await h.coord.joinGroup(ctx(5), joinRequest(G, { sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await h.coord.joinGroup(ctx(5), joinRequest(G, { sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const unknown = await h.coord.joinGroup(ctx(5), joinRequest(G, { memberId: 'made-up' }));
    expect(unknown).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: 'made-up' });
    expect(h.coord.groupState(G)).toBeUndefined();
  });

  it('rejects inconsistent protocols', async () => {
    const h = await started();
    await formGroup(h, 1);
    const otherType = await h.coord.joinGroup(ctx(3), joinRequest(G, { protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noCommon = await h.coord.joinGroup(ctx(3), joinRequest(G, { protocols: [{ name: 'sticky', metadata: subscription(['t']) }] }));
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noProtocols = await h.coord.joinGroup(ctx(3), joinRequest('fresh', { protocols: [] }));
    expect(noProtocols.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noType = await h.coord.joinGroup(ctx(3), joinRequest('fresh2', { protocolType: '' }));
    expect(noType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('selects the protocol every member supports with the most first-choice votes', async () => {
    const h = await started();
    const meta = subscription(['t']);
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: meta }));
    const members = [
      new TestMember(h, G, 'a', { protocols: p('cooperative-sticky', 'roundrobin', 'range') }),
      new TestMember(h, G, 'b', { protocols: p('roundrobin', 'range') }),
      new TestMember(h, G, 'c', { protocols: p('roundrobin', 'cooperative-sticky', 'range') }),
      new TestMember(h, G, 'd', { protocols: p('range', 'roundrobin') }),
    ];
    const joins = [];
    for (const m of members) joins.push(await m.startJoin());
    h.scheduler.runDue();
    await flush();
    // Candidates: roundrobin and range (cooperative-sticky is not supported by b and d).
    // Votes: a -> roundrobin, b -> roundrobin, c -> roundrobin, d -> range.
    expect(joins.map((j) => j.value.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin', 'roundrobin']);
    expect(h.coord.snapshot(G)!.protocolName).toBe('roundrobin');
  });

  it('enforces group.max.size', async () => {
    const h = await started({ config: { groupMaxSize: 2 } });
    await formGroup(h, 2);
    const third = await h.coord.joinGroup(ctx(3, 'c3'), joinRequest(G));
    expect(third).toMatchObject({ errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' });
    expect(h.coord.snapshot(G)!.members).toHaveLength(2);
  });

  it('answers a follower that rejoins a stable group unchanged with the current generation', async () => {
    const h = await started();
    const [, b] = await formGroup(h, 2);
    const r = await h.coord.joinGroup(ctx(7), joinRequest(G, { memberId: b.memberId }));
    expect(r).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', members: [] });
    expect(h.coord.groupState(G)).toBe('Stable');
    // With new metadata it rebalances.
    const changed = track(h.coord.joinGroup(ctx(7), joinRequest(G, { memberId: b.memberId, topics: ['t', 'u'] })));
    await flush();
    expect(changed.done).toBe(false);
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
  });

  it('JoinGroup v0 uses the session timeout as rebalance timeout', async () => {
    const h = await started();
    const j = track(h.coord.joinGroup(ctx(0, 'old'), { ...joinRequest(G, { sessionTimeoutMs: 7000 }), rebalanceTimeoutMs: -1 }));
    h.scheduler.runDue();
    await flush();
    expect(j.value.errorCode).toBe(0);
    expect(h.coord.snapshot(G)!.members[0].rebalanceTimeoutMs).toBe(7000);
  });

  it('drops a new member whose JoinGroup stays parked past the new-member timeout', async () => {
    const h = await started({ config: { groupInitialRebalanceDelayMs: 0 } });
    const [a, b] = await formGroup(h, 2, { rebalanceTimeoutMs: 600_000, sessionTimeoutMs: 60_000 });
    // A third member joins; b never rejoins and keeps heartbeating, so the join phase waits.
    const c = new TestMember(h, G, 'c3', { rebalanceTimeoutMs: 600_000, sessionTimeoutMs: 60_000 });
    const jc = await c.startJoin();
    const ja = await a.startJoin();
    for (let i = 0; i < 10; i++) {
      h.scheduler.advance(30_000);
      await b.heartbeat();
    }
    await flush();
    expect(jc.value).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: '' });
    expect(ja.done).toBe(false);
  });
});

describe('GroupCoordinator: SyncGroup and Heartbeat', () => {
  it('fences stale generations and unknown members', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2);
    const stale = a.generation;
    const ja = await a.startJoin();
    const jb = await b.startJoin();
    await flush();
    expect(ja.value.generationId).toBe(stale + 1);
    expect(jb.done).toBe(true);
    expect((await h.coord.heartbeat(ctx(4), { groupId: G, generationId: stale, memberId: a.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await h.coord.syncGroup(ctx(3), { ...syncRequest(G, stale, a.memberId), protocolType: null, protocolName: null })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const commit = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 5n } }, { generation: stale, memberId: a.memberId }));
    expect(commit.topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await h.coord.heartbeat(ctx(4), { groupId: G, generationId: stale + 1, memberId: 'who', groupInstanceId: null })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.coord.heartbeat(ctx(4), { groupId: 'nope', generationId: 1, memberId: 'who', groupInstanceId: null })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.coord.heartbeat(ctx(4), { groupId: '', generationId: 1, memberId: 'who', groupInstanceId: null })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    // In CompletingRebalance heartbeats are fine, commits are not yet.
    expect(await a.heartbeat()).toBe(0);
    const early = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 5n } }, { generation: a.generation, memberId: a.memberId }));
    expect(early.topics[0].partitions[0].errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('answers SyncGroup during PreparingRebalance with REBALANCE_IN_PROGRESS and parks syncs until the leader assigns', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2);
    await a.startJoin();
    expect((await b.sync().promise).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await b.startJoin();
    await flush();
    const sb = b.sync();
    await flush();
    expect(sb.done).toBe(false);
    // A new rebalance before the leader syncs sends the parked follower back to JoinGroup.
    const c = new TestMember(h, G, 'c9');
    await c.startJoin();
    await flush();
    expect(sb.value.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('checks protocol type and name in SyncGroup v5', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1);
    const base = syncRequest(G, a.generation, a.memberId);
    expect((await h.coord.syncGroup(ctx(5), { ...base, protocolName: 'roundrobin' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await h.coord.syncGroup(ctx(5), { ...base, protocolType: null })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await h.coord.syncGroup(ctx(5), base)).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    // v4 and below have neither field.
    expect(await h.coord.syncGroup(ctx(4), { ...base, protocolType: null, protocolName: null })).toMatchObject({ errorCode: 0, protocolType: null, protocolName: null });
  });

  it('fills missing assignments with empty ones', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1');
    const b = new TestMember(h, G, 'c2');
    await a.startJoin();
    await b.startJoin();
    h.scheduler.runDue();
    await flush();
    const sb = b.sync();
    const sa = a.sync([{ memberId: a.memberId, assignment: assignment({ t: [0, 1] }) }]);
    await flush();
    expect(sa.value.assignment).toEqual(assignment({ t: [0, 1] }));
    expect(sb.value).toMatchObject({ errorCode: 0, assignment: Buffer.alloc(0) });
  });
});

describe('GroupCoordinator: static membership (KIP-345)', () => {
  it('replaces the member id of a restarted static member without a rebalance and fences the old id', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1' });
    const b = new TestMember(h, G, 'c2', { groupInstanceId: 'i2' });
    await rebalance(h, [a, b]);
    expect(a.memberId).toBe('i1-m1');
    const oldB = b.memberId;
    const appends = h.store.appendCalls;
    // b restarts: it has lost its member id.
    const r = await h.coord.joinGroup(ctx(7, 'c2'), joinRequest(G, { groupInstanceId: 'i2' }));
    expect(r).toMatchObject({ errorCode: 0, memberId: 'i2-m3', generationId: 1, leader: a.memberId, members: [], skipAssignment: false });
    expect(h.coord.groupState(G)).toBe('Stable');
    expect(h.store.appendCalls).toBe(appends + 1);
    expect(recordsOf(h).at(-1)!.value).toMatchObject({ generation: 1, members: [{ memberId: a.memberId }, { memberId: 'i2-m3', groupInstanceId: 'i2' }] });
    // The old incarnation is fenced; the new one syncs and gets the old assignment.
    expect((await h.coord.heartbeat(ctx(4), { groupId: G, generationId: 1, memberId: oldB, groupInstanceId: 'i2' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const s = await h.coord.syncGroup(ctx(5), syncRequest(G, 1, 'i2-m3', [], 'i2'));
    expect(s).toMatchObject({ errorCode: 0, assignment: assignment({ t: [1] }) });
    expect((await h.coord.heartbeat(ctx(4), { groupId: G, generationId: 1, memberId: 'i2-m3', groupInstanceId: 'i2' })).errorCode).toBe(0);
    // An unknown instance id with a known member id is UNKNOWN_MEMBER_ID.
    expect((await h.coord.heartbeat(ctx(4), { groupId: G, generationId: 1, memberId: 'i2-m3', groupInstanceId: 'i9' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('tells a restarted static leader to skip the assignment (JoinGroup v9)', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1' });
    const b = new TestMember(h, G, 'c2', { groupInstanceId: 'i2' });
    await rebalance(h, [a, b]);
    const r = await h.coord.joinGroup(ctx(9, 'c1'), joinRequest(G, { groupInstanceId: 'i1' }));
    expect(r).toMatchObject({ errorCode: 0, memberId: 'i1-m3', leader: 'i1-m3', skipAssignment: true });
    expect(r.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([
      ['i1-m3', 'i1'],
      [b.memberId, 'i2'],
    ]);
    // Before v9, the rejoining leader is told the old leader id so it does not assign.
    const r8 = await h.coord.joinGroup(ctx(8, 'c1'), joinRequest(G, { groupInstanceId: 'i1' }));
    expect(r8).toMatchObject({ errorCode: 0, memberId: 'i1-m4', leader: 'i1-m3', members: [] });
  });

  it('keeps a static member that does not rejoin through the join phase, until its session expires', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1', rebalanceTimeoutMs: 5000, sessionTimeoutMs: 20000 });
    const b = new TestMember(h, G, 'c2', { groupInstanceId: 'i2', rebalanceTimeoutMs: 5000, sessionTimeoutMs: 20000 });
    await rebalance(h, [a, b]);
    const ja = await a.startJoin();
    h.scheduler.advance(5000);
    await flush();
    expect(ja.value).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(ja.value.members.map((m) => m.memberId)).toEqual([a.memberId, b.memberId]);
    await a.sync([{ memberId: a.memberId, assignment: assignment({ t: [0] }) }]).promise;
    h.scheduler.advance(1000);
    await a.heartbeat();
    h.scheduler.advance(4000);
    // b neither synced nor heartbeated: removed at the sync deadline.
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });

  it('reverts the replacement when it cannot be persisted', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1' });
    await rebalance(h, [a]);
    const before = a.memberId;
    h.store.failAppends = ErrorCode.NOT_ENOUGH_REPLICAS;
    const r = await h.coord.joinGroup(ctx(7, 'c1'), joinRequest(G, { groupInstanceId: 'i1' }));
    expect(r).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId: '', generationId: 1, leader: before });
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([before]);
    expect(await a.heartbeat()).toBe(0);
  });

  it('rebalances when a static member rejoins with a protocol change', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1' });
    await rebalance(h, [a]);
    // A protocol the current members do not all support is refused...
    const refused = await h.coord.joinGroup(ctx(7, 'c1'), joinRequest(G, { groupInstanceId: 'i1', protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }] }));
    expect(refused.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // ...but a new preference that changes the group's choice starts a rebalance.
    const meta = subscription(['t']);
    const j = track(h.coord.joinGroup(ctx(7, 'c1'), joinRequest(G, { groupInstanceId: 'i1', protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] })));
    await flush();
    expect(j.value).toMatchObject({ errorCode: 0, generationId: 2, protocolName: 'roundrobin', memberId: 'i1-m2', leader: 'i1-m2' });
    expect(h.coord.groupState(G)).toBe('CompletingRebalance');
  });

  it('removes a static member by group instance id (LeaveGroup v3+)', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1' });
    const b = new TestMember(h, G, 'c2', { groupInstanceId: 'i2' });
    await rebalance(h, [a, b]);
    const r = await h.coord.leaveGroup(ctx(4), {
      groupId: G,
      memberId: '',
      members: [
        { memberId: '', groupInstanceId: 'i2', reason: null },
        { memberId: 'wrong', groupInstanceId: 'i1', reason: null },
      ],
    });
    expect(r.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.FENCED_INSTANCE_ID]);
    expect(h.coord.snapshot(G)!.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });
});

describe('GroupCoordinator: offsets', () => {
  it('commits for a group without members (generation -1) and fetches them back', async () => {
    const h = await started();
    h.clock.advance(5);
    const r = await h.coord.commitOffsets(ctx(8), commitRequest('simple', { t: { 0: 10n, 1: 20n }, u: { 0: 1n } }, { metadata: 'meta', leaderEpoch: 3 }));
    expect(r).toEqual({
      throttleTimeMs: 0,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] },
        { name: 'u', partitions: [{ partitionIndex: 0, errorCode: 0 }] },
      ],
    });
    expect(h.coord.groupState('simple')).toBe('Empty');
    const recs = recordsOf(h, 'simple');
    expect(recs.map((x) => x.key)).toEqual([
      { type: 'offset', version: 1, group: 'simple', topic: 't', partition: 0 },
      { type: 'offset', version: 1, group: 'simple', topic: 't', partition: 1 },
      { type: 'offset', version: 1, group: 'simple', topic: 'u', partition: 0 },
    ]);
    expect(recs[0].value).toEqual({ version: 3, offset: 10n, leaderEpoch: 3, metadata: 'meta', commitTimestamp: h.clock.now(), expireTimestamp: -1 });

    const some = await h.coord.fetchOffsets(ctx(7), { groupId: 'simple', topics: [{ name: 't', partitionIndexes: [1, 2] }], groups: [], requireStable: true });
    expect(some).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [],
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 1, committedOffset: 20n, committedLeaderEpoch: 3, metadata: 'meta', errorCode: 0 },
            { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          ],
        },
      ],
    });
    const all = await h.coord.fetchOffsets(ctx(2), { groupId: 'simple', topics: null, groups: [], requireStable: false });
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      ['t', [[0, 10n], [1, 20n]]],
      ['u', [[0, 1n]]],
    ]);
    const none = await h.coord.fetchOffsets(ctx(5), { groupId: 'no-such-group', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false });
    expect(none.topics[0].partitions[0]).toMatchObject({ committedOffset: -1n, errorCode: 0 });
  });

  it('fetches several groups at once (v8+, KIP-709)', async () => {
    const h = await started();
    await h.coord.commitOffsets(ctx(8), commitRequest('g-a', { t: { 0: 1n } }));
    await h.coord.commitOffsets(ctx(8), commitRequest('g-b', { u: { 3: 7n } }));
    const r = await h.coord.fetchOffsets(ctx(8), {
      groupId: '',
      topics: [],
      requireStable: false,
      groups: [
        { groupId: 'g-a', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'g-b', memberId: null, memberEpoch: -1, topics: [{ name: 'u', partitionIndexes: [3, 4] }] },
        { groupId: 'g-c', memberId: null, memberEpoch: -1, topics: null },
      ],
    });
    expect(r).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [],
      groups: [
        { groupId: 'g-a', errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }] },
        {
          groupId: 'g-b',
          errorCode: 0,
          topics: [
            {
              name: 'u',
              partitions: [
                { partitionIndex: 3, committedOffset: 7n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
                { partitionIndex: 4, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
              ],
            },
          ],
        },
        { groupId: 'g-c', errorCode: 0, topics: [] },
      ],
    });
  });

  it('fails partitions of unknown topics and oversized metadata, and stores the rest', async () => {
    const h = await started({ config: { offsetMetadataMaxBytes: 4 } });
    const req = commitRequest('g', { t: { 0: 1n }, gone: { 0: 1n } }, { metadata: 'abcd' });
    req.topics[0].partitions.push({ partitionIndex: 1, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: 'abcde' });
    const r = await h.coord.commitOffsets(ctx(8), req);
    expect(r.topics).toEqual([
      { name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }] },
      { name: 'gone', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    ]);
    expect(h.coord.snapshot('g')!.offsets.map((o) => [o.topic, o.partition])).toEqual([['t', 0]]);
  });

  it('takes commits from members of the current generation only', async () => {
    const h = await started();
    const [a] = await formGroup(h, 2);
    const ok = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 42n } }, { generation: a.generation, memberId: a.memberId }));
    expect(ok.topics[0].partitions[0].errorCode).toBe(0);
    const simple = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 43n } }));
    expect(simple.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const stranger = await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 43n } }, { generation: a.generation, memberId: 'stranger' }));
    expect(stranger.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(h.coord.snapshot(G)!.offsets[0].offset).toBe(42n);
  });

  it('answers a generation-bearing commit to a missing group with ILLEGAL_GENERATION (v8) or GROUP_ID_NOT_FOUND (v9)', async () => {
    const h = await started();
    const v8 = await h.coord.commitOffsets(ctx(8), commitRequest('none', { t: { 0: 1n } }, { generation: 3, memberId: 'm' }));
    expect(v8.topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const v9 = await h.coord.commitOffsets(ctx(9), commitRequest('none', { t: { 0: 1n } }, { generation: 3, memberId: 'm' }));
    expect(v9.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(h.coord.groupState('none')).toBeUndefined();
  });

  it('writes OffsetCommitValue v1 with the expire timestamp for a v2-4 retention time', async () => {
    const h = await started();
    await h.coord.commitOffsets(ctx(2), commitRequest('g', { t: { 0: 9n } }, { retentionTimeMs: 60_000n }));
    const now = h.clock.now();
    expect(recordsOf(h, 'g')[0].value).toEqual({ version: 1, offset: 9n, leaderEpoch: -1, metadata: '', commitTimestamp: now, expireTimestamp: now + 60_000 });
    // v5+ has no retention time: the broker's applies.
    await h.coord.commitOffsets(ctx(5), commitRequest('g', { t: { 0: 10n } }, { retentionTimeMs: 60_000n }));
    expect(recordsOf(h, 'g')[1].value).toMatchObject({ version: 3, expireTimestamp: -1 });
  });

  it('maps storage errors of commits the way Kafka does', async () => {
    const h = await started();
    for (const [stored, answered] of [
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.INVALID_COMMIT_OFFSET_SIZE],
      [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REQUEST_TIMED_OUT],
    ]) {
      h.store.failAppends = stored;
      const r = await h.coord.commitOffsets(ctx(8), commitRequest('g', { t: { 0: 1n } }));
      expect(r.topics[0].partitions[0].errorCode).toBe(answered);
    }
    expect(h.coord.snapshot('g')!.offsets).toEqual([]);
    h.store.failAppends = null;
    await h.coord.commitOffsets(ctx(8), commitRequest('g', { t: { 0: 1n } }));
    expect(h.coord.snapshot('g')!.offsets).toHaveLength(1);
  });
});

describe('GroupCoordinator: storage failure during SyncGroup', () => {
  it('answers every member with the mapped error and rebalances', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1');
    const b = new TestMember(h, G, 'c2');
    await a.startJoin();
    await b.startJoin();
    h.scheduler.runDue();
    await flush();
    const sb = b.sync();
    h.store.failAppends = ErrorCode.NOT_ENOUGH_REPLICAS;
    const sa = a.sync([{ memberId: a.memberId, assignment: assignment({ t: [0] }) }]);
    await flush();
    expect(sa.value).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    expect(sb.value.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.coord.groupState(G)).toBe('PreparingRebalance');
    h.store.failAppends = null;
    await rebalance(h, [a, b]);
    expect(a.generation).toBe(2);
    expect(h.coord.groupState(G)).toBe('Stable');
  });

  it('maps NOT_LEADER_OR_FOLLOWER to NOT_COORDINATOR and REQUEST_TIMED_OUT to REBALANCE_IN_PROGRESS', async () => {
    for (const [stored, answered] of [
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
      [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REBALANCE_IN_PROGRESS],
      [ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
    ]) {
      const h = await started();
      const a = new TestMember(h, G, 'c1');
      await a.startJoin();
      h.scheduler.runDue();
      await flush();
      h.store.failAppends = stored;
      expect((await a.sync([]).promise).errorCode).toBe(answered);
    }
  });
});

describe('GroupCoordinator: restart', () => {
  it('loads offsets and groups back; stable members keep going, then expire without heartbeats', async () => {
    const store = new MemoryOffsetsTopicStore(10);
    const clock = new ManualClock();
    const h1 = await started({ store, clock });
    const [a, b] = await formGroup(h1, 2);
    await h1.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 100n, 1: 200n } }, { generation: a.generation, memberId: a.memberId, metadata: 'x', leaderEpoch: 2 }));
    await h1.coord.commitOffsets(ctx(8), commitRequest('simple', { u: { 0: 5n } }));
    await h1.coord.commitOffsets(ctx(8), commitRequest('simple', { u: { 0: 6n } }));
    await h1.coord.shutdown();

    const h2 = harness({ store, clock });
    const loading = h2.coord.start();
    expect((await h2.coord.fetchOffsets(ctx(5), { groupId: G, topics: null, groups: [], requireStable: false })).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const v1 = await h2.coord.fetchOffsets(ctx(1), { groupId: G, topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false });
    expect(v1.topics[0].partitions[0]).toMatchObject({ committedOffset: -1n, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    expect((await h2.coord.joinGroup(ctx(5), joinRequest(G))).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await h2.coord.heartbeat(ctx(4), { groupId: G, generationId: 1, memberId: a.memberId, groupInstanceId: null })).errorCode).toBe(0);
    await loading;

    const fetched = await h2.coord.fetchOffsets(ctx(7), { groupId: G, topics: null, groups: [], requireStable: false });
    expect(fetched.topics).toEqual([
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: 2, metadata: 'x', errorCode: 0 },
          { partitionIndex: 1, committedOffset: 200n, committedLeaderEpoch: 2, metadata: 'x', errorCode: 0 },
        ],
      },
    ]);
    expect(h2.coord.snapshot('simple')!.offsets.map((o) => o.offset)).toEqual([6n]);
    const snap = h2.coord.snapshot(G)!;
    expect(snap).toMatchObject({ state: 'Stable', generationId: 1, protocolType: 'consumer', protocolName: 'range', leaderId: a.memberId });
    expect(snap.members.map((m) => [m.memberId, m.assignment])).toEqual([
      [a.memberId, assignment({ t: [0] })],
      [b.memberId, assignment({ t: [1] })],
    ]);
    // The members carry on with their generation.
    const moved = new TestMember(h2, G, 'c1');
    Object.assign(moved, { memberId: a.memberId, generation: 1 });
    expect(await moved.heartbeat()).toBe(0);
    const s = await h2.coord.syncGroup(ctx(5), syncRequest(G, 1, a.memberId));
    expect(s.assignment).toEqual(assignment({ t: [0] }));
    // b never comes back: its fresh session expires and the group rebalances.
    h2.scheduler.advance(5000);
    expect(await moved.heartbeat()).toBe(0);
    h2.scheduler.advance(5000);
    expect(h2.coord.groupState(G)).toBe('PreparingRebalance');
  });

  it('counts retention from when the group became empty, as persisted, across a restart', async () => {
    const store = new MemoryOffsetsTopicStore(10);
    const clock = new ManualClock();
    const h1 = await started({ store, clock });
    const [a] = await formGroup(h1, 1);
    await h1.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 1n } }, { generation: a.generation, memberId: a.memberId }));
    await h1.coord.leaveGroup(ctx(5), { groupId: G, memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] });
    await flush();
    const emptySince = clock.now();
    await h1.coord.shutdown();
    clock.advance(10_080 * 60_000 - 1000);
    const h2 = await started({ store, clock });
    expect(h2.coord.snapshot(G)).toMatchObject({ state: 'Empty', generationId: 2, protocolType: 'consumer', members: [] });
    expect(await h2.coord.runOffsetExpiration()).toBe(0);
    clock.advance(1000);
    expect(clock.now() - emptySince).toBe(10_080 * 60_000);
    expect(await h2.coord.runOffsetExpiration()).toBe(1);
    expect(h2.coord.groupState(G)).toBeUndefined();
  });

  it('rebalances a loaded group that is over group.max.size', async () => {
    const store = new MemoryOffsetsTopicStore(10);
    const h1 = await started({ store });
    await formGroup(h1, 2);
    await h1.coord.shutdown();
    const h2 = await started({ store, config: { groupMaxSize: 1 } });
    expect(h2.coord.groupState(G)).toBe('PreparingRebalance');
  });

  it('does not bring back deleted groups or offsets', async () => {
    const store = new MemoryOffsetsTopicStore(10);
    const h1 = await started({ store });
    await h1.coord.commitOffsets(ctx(8), commitRequest('gone', { t: { 0: 1n } }));
    await h1.coord.commitOffsets(ctx(8), commitRequest('kept', { t: { 0: 1n, 1: 2n } }));
    await h1.coord.deleteGroups(ctx(2), { groupsNames: ['gone'] });
    await h1.coord.deleteOffsets(ctx(0), { groupId: 'kept', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    const h2 = await started({ store });
    expect(h2.coord.groupIds().sort()).toEqual(['kept']);
    expect(h2.coord.snapshot('kept')!.offsets.map((o) => o.partition)).toEqual([1]);
  });

  it('skips records of other group types and malformed ones', async () => {
    const store = new MemoryOffsetsTopicStore(10);
    const h0 = harness({ store });
    const p = h0.coord.partitionFor('x');
    await store.append(p, [{ key: Buffer.from('0003000178', 'hex'), value: Buffer.from('00') }], 0);
    await store.append(p, [{ key: Buffer.from('0001', 'hex'), value: Buffer.from('00') }], 0);
    await h0.coord.start();
    expect(h0.coord.groupIds()).toEqual([]);
  });
});

describe('GroupCoordinator: offset expiration (KIP-211)', () => {
  const RETENTION_MS = 10_080 * 60_000;

  it('expires the offsets of an empty group a retention period after it became empty, then the group', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1);
    await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 1n } }, { generation: a.generation, memberId: a.memberId }));
    h.clock.advance(RETENTION_MS); // old commit, but the group is not empty yet
    await a.heartbeat();
    expect(await h.coord.runOffsetExpiration()).toBe(0);
    await h.coord.leaveGroup(ctx(5), { groupId: G, memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] });
    await flush();
    expect(h.coord.groupState(G)).toBe('Empty');
    h.clock.advance(RETENTION_MS - 1);
    expect(await h.coord.runOffsetExpiration()).toBe(0);
    h.clock.advance(1);
    expect(await h.coord.runOffsetExpiration()).toBe(1);
    expect(h.coord.groupState(G)).toBeUndefined();
    const tail = recordsOf(h).slice(-2);
    expect(tail.map((r) => [r.key.type, r.value])).toEqual([
      ['offset', null],
      ['group', null],
    ]);
  });

  it('expires offsets of topics a stable consumer group no longer subscribes to', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1, { topics: ['t'] });
    await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 1n }, u: { 0: 2n } }, { generation: a.generation, memberId: a.memberId }));
    h.clock.advance(RETENTION_MS);
    await a.heartbeat();
    expect(await h.coord.runOffsetExpiration()).toBe(1);
    expect(h.coord.snapshot(G)!.offsets.map((o) => o.topic)).toEqual(['t']);
  });

  it('expires offsets of a group that only stores offsets by commit time, and honours explicit expire timestamps', async () => {
    const h = await started();
    await h.coord.commitOffsets(ctx(8), commitRequest('simple', { t: { 0: 1n } }));
    await h.coord.commitOffsets(ctx(4), commitRequest('short', { t: { 0: 1n } }, { retentionTimeMs: 1000n }));
    h.clock.advance(1000);
    expect(await h.coord.runOffsetExpiration()).toBe(1);
    expect(h.coord.groupIds()).toEqual(['simple']);
    h.clock.advance(RETENTION_MS);
    expect(await h.coord.runOffsetExpiration()).toBe(1);
    expect(h.coord.groupIds()).toEqual([]);
  });

  it('runs every offsets.retention.check.interval.ms on the scheduler', async () => {
    const h = await started({ config: { offsetsRetentionMinutes: 1, offsetsRetentionCheckIntervalMs: 30_000 } });
    await h.coord.commitOffsets(ctx(8), commitRequest('simple', { t: { 0: 1n } }));
    h.scheduler.advance(30_000);
    await flush();
    expect(h.coord.groupIds()).toEqual(['simple']);
    h.scheduler.advance(30_000);
    await flush();
    expect(h.coord.groupIds()).toEqual([]);
  });
});

describe('GroupCoordinator: DeleteGroups, OffsetDelete, topic deletion', () => {
  it('deletes only empty groups, with tombstones for the group and its offsets', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1);
    await h.coord.commitOffsets(ctx(8), commitRequest('idle', { t: { 0: 1n, 1: 1n } }));
    const r = await h.coord.deleteGroups(ctx(2), { groupsNames: [G, 'idle', 'missing', 'idle'] });
    expect(r).toEqual({
      throttleTimeMs: 0,
      results: [
        { groupId: G, errorCode: ErrorCode.NON_EMPTY_GROUP },
        { groupId: 'idle', errorCode: 0 },
        { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
      ],
    });
    expect(recordsOf(h, 'idle').slice(-2).map((x) => [x.key, x.value])).toEqual([
      [{ type: 'offset', version: 1, group: 'idle', topic: 't', partition: 0 }, null],
      [{ type: 'offset', version: 1, group: 'idle', topic: 't', partition: 1 }, null],
    ]);
    await h.coord.leaveGroup(ctx(5), { groupId: G, memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] });
    await flush();
    const again = await h.coord.deleteGroups(ctx(2), { groupsNames: [G] });
    expect(again.results[0].errorCode).toBe(0);
    expect(recordsOf(h).at(-1)).toEqual({ key: { type: 'group', version: 2, group: G }, value: null });
    expect(h.coord.groupState(G)).toBeUndefined();
  });

  it('keeps the group when the tombstones cannot be written', async () => {
    const h = await started();
    await h.coord.commitOffsets(ctx(8), commitRequest('idle', { t: { 0: 1n } }));
    h.store.failAppends = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const r = await h.coord.deleteGroups(ctx(2), { groupsNames: ['idle'] });
    expect(r.results[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.coord.snapshot('idle')!.offsets).toHaveLength(1);
  });

  it('deletes offsets of topics the group does not consume (KIP-496)', async () => {
    const h = await started();
    const [a] = await formGroup(h, 1, { topics: ['t'] });
    await h.coord.commitOffsets(ctx(8), commitRequest(G, { t: { 0: 1n }, u: { 0: 2n, 1: 3n } }, { generation: a.generation, memberId: a.memberId }));
    const r = await h.coord.deleteOffsets(ctx(0), {
      groupId: G,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0 }] },
        { name: 'u', partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] },
      ],
    });
    expect(r).toEqual({
      errorCode: 0,
      throttleTimeMs: 0,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] },
        { name: 'u', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 9, errorCode: 0 }] },
      ],
    });
    expect(h.coord.snapshot(G)!.offsets.map((o) => [o.topic, o.partition])).toEqual([
      ['t', 0],
      ['u', 1],
    ]);
    expect(recordsOf(h).at(-1)).toEqual({ key: { type: 'offset', version: 1, group: G, topic: 'u', partition: 0 }, value: null });
    expect((await h.coord.deleteOffsets(ctx(0), { groupId: 'nope', topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect((await h.coord.deleteOffsets(ctx(0), { groupId: '', topics: [] })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('refuses OffsetDelete for a non-empty group that does not use the consumer protocol', async () => {
    const h = await started();
    const m = new TestMember(h, 'connect-cluster', 'w1', { protocolType: 'connect', protocols: [{ name: 'sessioned', metadata: Buffer.from('x') }] });
    await m.startJoin();
    h.scheduler.runDue();
    await flush();
    const r = await h.coord.deleteOffsets(ctx(0), { groupId: 'connect-cluster', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(r).toEqual({ errorCode: ErrorCode.NON_EMPTY_GROUP, throttleTimeMs: 0, topics: [] });
  });

  it('drops the committed offsets of deleted topics', async () => {
    const h = await started();
    await h.coord.commitOffsets(ctx(8), commitRequest('g1', { t: { 0: 1n }, u: { 0: 1n } }));
    await h.coord.commitOffsets(ctx(8), commitRequest('g2', { u: { 5: 1n } }));
    await h.coord.onTopicsDeleted(['u']);
    expect(h.coord.snapshot('g1')!.offsets.map((o) => o.topic)).toEqual(['t']);
    expect(h.coord.snapshot('g2')!.offsets).toEqual([]);
    expect(recordsOf(h, 'g2').at(-1)).toEqual({ key: { type: 'offset', version: 1, group: 'g2', topic: 'u', partition: 5 }, value: null });
  });
});

describe('GroupCoordinator: DescribeGroups and ListGroups', () => {
  it('describes members with metadata and assignment when stable', async () => {
    const h = await started();
    const [a, b] = await formGroup(h, 2);
    const r = await h.coord.describeGroups(ctx(5), { groups: [G, 'none'], includeAuthorizedOperations: true });
    expect(r.groups[0]).toEqual({
      errorCode: 0,
      errorMessage: null,
      groupId: G,
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      members: [
        { memberId: a.memberId, groupInstanceId: null, clientId: 'c1', clientHost: '/127.0.0.1', memberMetadata: subscription(['t']), memberAssignment: assignment({ t: [0] }) },
        { memberId: b.memberId, groupInstanceId: null, clientId: 'c2', clientHost: '/127.0.0.1', memberMetadata: subscription(['t']), memberAssignment: assignment({ t: [1] }) },
      ],
      authorizedOperations: 3400,
    });
    expect(r.groups[1]).toMatchObject({ errorCode: 0, groupId: 'none', groupState: 'Dead', members: [], authorizedOperations: -2147483648 });
    const v6 = await h.coord.describeGroups(ctx(6), { groups: ['none'], includeAuthorizedOperations: false });
    expect(v6.groups[0]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group none not found.', groupState: 'Dead' });
    // During a rebalance: no protocol, no metadata.
    await a.startJoin();
    const during = await h.coord.describeGroups(ctx(2), { groups: [G], includeAuthorizedOperations: true });
    expect(during.groups[0]).toMatchObject({ groupState: 'PreparingRebalance', protocolData: '', authorizedOperations: -2147483648 });
    expect(during.groups[0].members.map((m) => m.memberMetadata.length + m.memberAssignment.length)).toEqual([0, 0]);
  });

  it('lists groups with state and type filters', async () => {
    const h = await started();
    await formGroup(h, 1);
    await h.coord.commitOffsets(ctx(8), commitRequest('simple', { t: { 0: 1n } }));
    const all = await h.coord.listGroups(ctx(5), { statesFilter: [], typesFilter: [] });
    expect(all).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [
        { groupId: G, protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
        { groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' },
      ],
    });
    expect((await h.coord.listGroups(ctx(4), { statesFilter: ['empty'], typesFilter: [] })).groups.map((g) => g.groupId)).toEqual(['simple']);
    expect((await h.coord.listGroups(ctx(5), { statesFilter: ['Stable', 'PreparingRebalance'], typesFilter: ['Classic'] })).groups.map((g) => g.groupId)).toEqual([G]);
    expect((await h.coord.listGroups(ctx(5), { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([]);
    // Filters are ignored below the versions that have them.
    expect((await h.coord.listGroups(ctx(2), { statesFilter: ['empty'], typesFilter: [] })).groups).toEqual([
      { groupId: G, protocolType: 'consumer', groupState: '', groupType: '' },
      { groupId: 'simple', protocolType: '', groupState: '', groupType: '' },
    ]);
  });
});

describe('GroupCoordinator: lifecycle and wire shapes', () => {
  it('answers parked requests with NOT_COORDINATOR at shutdown and refuses requests after', async () => {
    const h = await started({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const a = new TestMember(h, G, 'c1');
    const ja = await a.startJoin();
    await h.coord.shutdown();
    await flush();
    expect(ja.value).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR });
    expect(h.scheduler.size()).toBe(0);
    expect((await h.coord.joinGroup(ctx(5), joinRequest(G))).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.coord.listGroups(ctx(5), { statesFilter: [], typesFilter: [] })).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('produces JoinGroup and SyncGroup responses every version can encode', async () => {
    for (let v = 0; v <= 9; v++) {
      const h = await started();
      const first = track(h.coord.joinGroup(ctx(v, 'c'), joinRequest(G, { groupInstanceId: v >= 5 ? 'i' : null })));
      h.scheduler.runDue();
      await flush();
      let join = first.value;
      if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        const second = track(h.coord.joinGroup(ctx(v, 'c'), joinRequest(G, { memberId: join.memberId })));
        h.scheduler.runDue();
        await flush();
        join = second.value;
      }
      expect(join).toMatchObject({ errorCode: 0, generationId: 1 });
      const back = decode(JoinGroupResponseCodec, encode(JoinGroupResponseCodec, join, v), v);
      expect(back.errorCode).toBe(join.errorCode);
      for (let sv = 0; sv <= 5; sv++) {
        const s = await h.coord.syncGroup(ctx(sv), { ...syncRequest(G, join.generationId, join.memberId, [], sv >= 3 && v >= 5 ? 'i' : null), protocolType: sv >= 5 ? 'consumer' : null, protocolName: sv >= 5 ? 'range' : null });
        expect(() => encode(SyncGroupResponseCodec, s, sv)).not.toThrow();
      }
    }
  });

  it('takes its partition count from the store', () => {
    const clock = new ManualClock();
    const coord = new GroupCoordinator({ store: new MemoryOffsetsTopicStore(3), clock, scheduler: { schedule: () => ({ cancel() {} }) } });
    expect(coord.partitionFor('a')).toBe(97 % 3);
  });
});

describe('GroupCoordinator: closed static members expire on time', () => {
  it('deletes a group of closed static members right when their sessions have expired', async () => {
    const h = await started({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 300000 });
    const b = new TestMember(h, G, 'c2', { groupInstanceId: 'i2', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 300000 });
    const ja = await a.startJoin();
    const jb = await b.startJoin();
    // b arrived during the initial delay (3000 ms), so the delay runs once more.
    h.scheduler.advance(6000);
    await flush();
    expect([ja.value.errorCode, jb.value.errorCode]).toEqual([0, 0]);
    const leader = [a, b].find((m) => m.leader === m.memberId)!;
    const plan = [a, b].map((m, i) => ({ memberId: m.memberId, assignment: assignment({ t: [i] }) }));
    const syncs = [a, b].map((m) => (m === leader ? m.sync(plan) : m.sync()));
    await flush();
    expect(syncs.map((s) => s.value.errorCode)).toEqual([0, 0]);
    // Both members commit (as a closing consumer does) and then go silent, without LeaveGroup.
    h.scheduler.advance(1000);
    expect(await a.heartbeat()).toBe(0);
    h.scheduler.advance(500);
    expect(await b.heartbeat()).toBe(0);
    // Just before b's session ends the group still has b.
    h.scheduler.advance(5999);
    await flush();
    expect((await h.coord.deleteGroups(ctx(2), { groupsNames: [G] })).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    h.scheduler.advance(1);
    await flush();
    expect(h.coord.groupState(G)).toBe('Empty');
    expect((await h.coord.deleteGroups(ctx(2), { groupsNames: [G] })).results[0].errorCode).toBe(ErrorCode.NONE);
  });

  it('sees the sessions as over at their deadline even when the expiry timer runs late (a busy event loop)', async () => {
    const h = await started();
    const a = new TestMember(h, G, 'c1', { groupInstanceId: 'i1', sessionTimeoutMs: 6000 });
    const b = new TestMember(h, G, 'c2', { groupInstanceId: 'i2', sessionTimeoutMs: 6000 });
    await rebalance(h, [a, b]);
    expect(h.coord.groupState(G)).toBe('Stable');
    // Time passes, but the scheduler has not run the timers yet.
    h.clock.advance(5999);
    expect((await h.coord.deleteGroups(ctx(2), { groupsNames: [G] })).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    h.clock.advance(1);
    const described = await h.coord.describeGroups(ctx(5), { groups: [G], includeAuthorizedOperations: false });
    expect(described.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Empty', members: [] });
    expect((await h.coord.deleteGroups(ctx(2), { groupsNames: [G] })).results).toEqual([{ groupId: G, errorCode: ErrorCode.NONE }]);
    // The late timers find nothing left to do.
    h.scheduler.advance(0);
    await flush();
    expect(h.coord.groupState(G)).toBeUndefined();
  });
});

