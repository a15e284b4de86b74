import { ApiKey, ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { Cluster } from '../cluster';
import { resolveCommon } from '../config';
import { FakeCluster, FakeRequest } from '../testing/fake-broker';
import { waitFor } from '../testing/helpers';
import { GroupMember, GroupMemberOptions, JoinCompleteArgs } from './group-member';

describe('GroupMember (scripted coordinator)', () => {
  let fake: FakeCluster;
  let cluster: Cluster;
  let member: GroupMember | null = null;
  let generation = 0;
  beforeEach(async () => {
    fake = await FakeCluster.start(2);
    cluster = new Cluster(resolveCommon({ bootstrapServers: fake.bootstrap, retryBackoffMs: 10 }, 'test'));
    generation = 0;
    fake.on(ApiKey.SyncGroup, (req) => ({ assignment: Buffer.from(`for ${req.body.memberId}`), protocolType: 'connect', protocolName: 'p1' }));
    fake.on(ApiKey.Heartbeat, () => ({ errorCode: 0 }));
    fake.on(ApiKey.LeaveGroup, () => ({ errorCode: 0 }));
  });
  afterEach(async () => {
    await member?.close();
    member = null;
    cluster.close();
    await fake.close();
  });

  const joinOk = (req: FakeRequest) => {
    const memberId = req.body.memberId || 'generated-1';
    return {
      errorCode: 0,
      generationId: ++generation,
      protocolType: 'connect',
      protocolName: 'p1',
      leader: memberId,
      memberId,
      members: [{ memberId, groupInstanceId: req.body.groupInstanceId, metadata: req.body.protocols[0].metadata }],
    };
  };

  const make = (o: Partial<GroupMemberOptions> = {}, completed: JoinCompleteArgs[] = []) =>
    (member = new GroupMember({
      cluster,
      groupId: 'grp',
      protocolType: 'connect',
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 100,
      protocols: () => [{ name: 'p1', metadata: Buffer.from('meta') }],
      assign: ({ members }) => new Map(members.map((m) => [m.memberId, Buffer.from(`assigned-${m.memberId}`)])),
      onJoinComplete: (a) => void completed.push(a),
      ...o,
    }));

  test('KIP-394: MEMBER_ID_REQUIRED makes the member rejoin at once with the id it was given', async () => {
    fake.on(ApiKey.JoinGroup, (req) => (req.body.memberId === '' ? { errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'given-id' } : joinOk(req)));
    const completed: JoinCompleteArgs[] = [];
    make({}, completed);
    await member!.ensureActive();
    const joins = fake.requests(ApiKey.JoinGroup);
    expect(joins.map((r) => r.body.memberId)).toEqual(['', 'given-id']);
    expect(joins[0].apiVersion).toBe(9);
    expect(joins[0].body).toMatchObject({ groupId: 'grp', protocolType: 'connect', sessionTimeoutMs: 3000, rebalanceTimeoutMs: 300000 });
    expect(joins[0].body.protocols).toEqual([{ name: 'p1', metadata: Buffer.from('meta') }]);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ memberId: 'given-id', generationId: 1, isLeader: true, protocolName: 'p1' });
    expect(completed[0].assignment.toString()).toBe('for given-id');
    // The leader's SyncGroup carries the assignment computed by `assign`.
    const sync = fake.requests(ApiKey.SyncGroup)[0];
    expect(sync.body.assignments).toEqual([{ memberId: 'given-id', assignment: Buffer.from('assigned-given-id') }]);
    expect(sync.body).toMatchObject({ protocolType: 'connect', protocolName: 'p1', generationId: 1 });
    expect(member!.state).toBe('stable');
  });

  test('heartbeats while stable; REBALANCE_IN_PROGRESS asks for a rejoin that keeps the member id', async () => {
    fake.on(ApiKey.JoinGroup, joinOk);
    let beats = 0;
    fake.on(ApiKey.Heartbeat, () => ({ errorCode: ++beats === 3 ? ErrorCode.REBALANCE_IN_PROGRESS : 0 }));
    make();
    await member!.ensureActive();
    await waitFor(() => member!.needsRejoin, 3000, 'rejoin request');
    expect(beats).toBe(3);
    const hb = fake.requests(ApiKey.Heartbeat)[0];
    expect(hb.body).toMatchObject({ groupId: 'grp', generationId: 1, memberId: 'generated-1' });
    await member!.ensureActive();
    expect(fake.requests(ApiKey.JoinGroup).map((r) => r.body.memberId)).toEqual(['', 'generated-1']);
    expect(member!.generationId).toBe(2);
  });

  test('UNKNOWN_MEMBER_ID on a heartbeat loses the generation: onGenerationLost, then a fresh join', async () => {
    fake.on(ApiKey.JoinGroup, joinOk);
    let beats = 0;
    fake.on(ApiKey.Heartbeat, () => ({ errorCode: ++beats === 2 ? ErrorCode.UNKNOWN_MEMBER_ID : 0 }));
    const lost: string[] = [];
    const prepared: boolean[] = [];
    make({ onGenerationLost: (r) => void lost.push(r), onJoinPrepare: (a) => void prepared.push(a.lost) });
    await member!.ensureActive();
    await waitFor(() => lost.length === 1, 3000, 'generation lost');
    expect(member!.memberId).toBe('');
    await member!.ensureActive();
    expect(prepared).toEqual([false, true]);
    expect(fake.requests(ApiKey.JoinGroup).map((r) => r.body.memberId)).toEqual(['', '']);
  });

  test('NOT_COORDINATOR: the coordinator is looked up again and the join goes to the new one', async () => {
    fake.coordinatorFor = () => 1;
    fake.broker(1).on(ApiKey.JoinGroup, () => {
      fake.coordinatorFor = () => 2;
      return { errorCode: ErrorCode.NOT_COORDINATOR };
    });
    fake.broker(2).on(ApiKey.JoinGroup, joinOk);
    make();
    await member!.ensureActive();
    expect(member!.coordinatorNode!.nodeId).toBe(2);
    expect(fake.requests(ApiKey.FindCoordinator)).toHaveLength(2);
    expect(fake.requests(ApiKey.FindCoordinator)[0].body).toMatchObject({ keyType: 0, coordinatorKeys: ['grp'] });
  });

  test('static membership: group.instance.id is sent, and close() does not leave; dynamic members leave (LeaveGroup v3+ members)', async () => {
    fake.on(ApiKey.JoinGroup, joinOk);
    make({ groupInstanceId: 'instance-7' });
    await member!.ensureActive();
    expect(fake.requests(ApiKey.JoinGroup)[0].body.groupInstanceId).toBe('instance-7');
    expect(fake.requests(ApiKey.SyncGroup)[0].body.groupInstanceId).toBe('instance-7');
    await member!.close();
    expect(fake.requests(ApiKey.LeaveGroup)).toHaveLength(0);
    make();
    await member!.ensureActive();
    const id = member!.memberId;
    await member!.close();
    const leave = fake.requests(ApiKey.LeaveGroup);
    expect(leave).toHaveLength(1);
    expect(leave[0].apiVersion).toBe(5);
    expect(leave[0].body.members).toEqual([{ memberId: id, groupInstanceId: null, reason: 'the member is closing' }]);
  });

  test('a poll timeout (max.poll.interval.ms) makes the member leave the group', async () => {
    fake.on(ApiKey.JoinGroup, joinOk);
    const lost: string[] = [];
    make({ pollTimeoutMs: 300, onGenerationLost: (r) => void lost.push(r) });
    await member!.ensureActive();
    await waitFor(() => lost.length > 0, 3000, 'poll timeout');
    expect(lost[0]).toBe('poll timeout');
    expect(fake.requests(ApiKey.LeaveGroup)).toHaveLength(1);
    expect(fake.requests(ApiKey.LeaveGroup)[0].body.members[0].reason).toBe('consumer poll timeout has expired');
  });

  test('fatal JoinGroup errors surface as KafkaProtocolError', async () => {
    fake.on(ApiKey.JoinGroup, () => ({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
    make();
    const e = await member!.ensureActive().catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  test('followers send an empty SyncGroup and get the leader’s assignment', async () => {
    fake.on(ApiKey.JoinGroup, (req) => ({ ...joinOk(req), leader: 'someone-else', members: [] }));
    const completed: JoinCompleteArgs[] = [];
    make({ assign: () => fail('followers do not assign') }, completed);
    await member!.ensureActive();
    expect(fake.requests(ApiKey.SyncGroup)[0].body.assignments).toEqual([]);
    expect(completed[0].isLeader).toBe(false);
  });
});
