import { ApiKey, ErrorCode, apiByKey, decode, encode, type FindCoordinatorResponse, type JoinGroupResponse } from '@nagare/protocol';
import { HandlerRegistry } from '../handlers/registry';
import type { ApiHandler, RequestContext } from '../handlers/types';
import type { BrokerServices } from '../services';
import { groupHandlers } from './handlers';
import { clientHostOf } from './request-context';
import { flush, harness, subscription, track, type Harness } from './__fixtures__/harness';

function services(h: Harness, listeners = [{ listener: 'PLAINTEXT', host: 'broker-1', port: 9092 }, { listener: 'EXTERNAL', host: 'ext.example', port: 19092 }]) {
  // Transactional ids: the transaction coordinator's topic is created like the offsets topic.
  const transactions = { ensureTopic: async () => ErrorCode.NONE, partitionFor: () => 0 };
  return { nodeId: 7, config: { advertisedListeners: listeners }, groups: h.coord, transactions } as unknown as BrokerServices;
}

function context(s: BrokerServices, apiKey: number, apiVersion: number, listener = 'PLAINTEXT'): RequestContext {
  return {
    apiVersion,
    header: { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: 1, clientId: 'cli' },
    conn: { id: 'conn-1', listener, remoteAddress: '::ffff:10.0.0.5', remotePort: 50000, clientId: 'cli' },
    services: s,
  };
}

const handlerFor = (key: number) => groupHandlers.find((h) => h.apiKey === key)! as ApiHandler;

/** Encodes the request at the version, decodes it back, runs the handler, and checks the response encodes too. */
async function roundTrip(h: Harness, key: number, version: number, request: unknown, listener?: string) {
  const api = apiByKey(key)!;
  const decoded = decode(api.request, encode(api.request, request, version), version);
  const pending = track(Promise.resolve(handlerFor(key).handle(context(services(h), key, version, listener), decoded as never)));
  h.scheduler.runDue();
  await flush();
  if (!pending.done) throw new Error(`${api.name} v${version} did not answer`);
  const response = pending.value as never;
  return decode(api.response, encode(api.response, response, version), version) as Record<string, unknown>;
}

describe('group handlers', () => {
  it('registers eleven APIs over the versions Kafka 4.0 serves', () => {
    const registry = new HandlerRegistry(groupHandlers);
    expect(registry.apiVersions().map(({ name, minVersion, maxVersion }) => `${name} ${minVersion}-${maxVersion}`)).toEqual([
      'OffsetCommit 2-9',
      'OffsetFetch 1-9',
      'FindCoordinator 0-6',
      'JoinGroup 0-9',
      'Heartbeat 0-4',
      'LeaveGroup 0-5',
      'SyncGroup 0-5',
      'DescribeGroups 0-6',
      'ListGroups 0-5',
      'DeleteGroups 0-2',
      'OffsetDelete 0-0',
    ]);
    for (const hd of groupHandlers) {
      const api = apiByKey(hd.apiKey)!;
      expect([hd.minVersion, hd.maxVersion]).toEqual([api.lowestVersion, api.highestVersion]);
    }
  });

  it('reports client hosts the way Kafka does', () => {
    expect(clientHostOf('127.0.0.1')).toBe('/127.0.0.1');
    expect(clientHostOf('::ffff:10.0.0.5')).toBe('/10.0.0.5');
    expect(clientHostOf('::1')).toBe('/::1');
  });

  describe('FindCoordinator', () => {
    it('answers with this node on the listener of the connection, creating the offsets topic first', async () => {
      const h = harness();
      await h.coord.start();
      const v0 = await roundTrip(h, ApiKey.FindCoordinator, 0, { key: 'g', keyType: 0, coordinatorKeys: [] });
      expect(v0).toMatchObject({ errorCode: 0, nodeId: 7, host: 'broker-1', port: 9092 });
      expect(h.store.topicCreated).toBe(true);
      const v3 = await roundTrip(h, ApiKey.FindCoordinator, 3, { key: 'g', keyType: 0, coordinatorKeys: [] }, 'EXTERNAL');
      expect(v3).toMatchObject({ errorCode: 0, errorMessage: 'NONE', nodeId: 7, host: 'ext.example', port: 19092 });
      const v4 = (await roundTrip(h, ApiKey.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['tx-1', 'tx-2'] }, 'UNKNOWN')) as unknown as FindCoordinatorResponse;
      expect(v4.coordinators).toEqual([
        { key: 'tx-1', nodeId: 7, host: 'broker-1', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'tx-2', nodeId: 7, host: 'broker-1', port: 9092, errorCode: 0, errorMessage: null },
      ]);
      // An empty group id is hashed like any other.
      const empty = (await roundTrip(h, ApiKey.FindCoordinator, 6, { key: '', keyType: 0, coordinatorKeys: [''] })) as unknown as FindCoordinatorResponse;
      expect(empty.coordinators[0]).toMatchObject({ key: '', errorCode: 0, nodeId: 7 });
    });

    it('rejects unknown key types and reports a topic that cannot be created', async () => {
      const h = harness();
      await h.coord.start();
      expect(await roundTrip(h, ApiKey.FindCoordinator, 2, { key: 'g', keyType: 2, coordinatorKeys: [] })).toMatchObject({
        errorCode: ErrorCode.INVALID_REQUEST,
        nodeId: -1,
        host: '',
        port: -1,
      });
      h.store.failEnsureTopic = 'no';
      expect(await roundTrip(h, ApiKey.FindCoordinator, 1, { key: 'g', keyType: 0, coordinatorKeys: [] })).toMatchObject({
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        nodeId: -1,
      });
      const v5 = (await roundTrip(h, ApiKey.FindCoordinator, 5, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] })) as unknown as FindCoordinatorResponse;
      expect(v5.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([
        ['a', ErrorCode.COORDINATOR_NOT_AVAILABLE, -1],
        ['b', ErrorCode.COORDINATOR_NOT_AVAILABLE, -1],
      ]);
    });
  });

  it('passes the client id and host of the connection to JoinGroup', async () => {
    const h = harness();
    await h.coord.start();
    const res = (await roundTrip(h, ApiKey.JoinGroup, 3, {
      groupId: 'g',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 20000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t']) }],
      reason: null,
    })) as unknown as JoinGroupResponse;
    expect(res).toMatchObject({ errorCode: 0, memberId: 'cli-m1', generationId: 1 });
    expect(h.coord.snapshot('g')!.members[0]).toMatchObject({ clientId: 'cli', clientHost: '/10.0.0.5' });
  });

  it('serves every version of every group API with responses that encode', async () => {
    const h = harness();
    await h.coord.start();
    const g = 'sweep';
    const requests: Record<number, (v: number) => unknown> = {
      [ApiKey.JoinGroup]: (v) => ({
        groupId: `${g}-${v}`,
        sessionTimeoutMs: 10000,
        rebalanceTimeoutMs: 20000,
        memberId: '',
        groupInstanceId: v >= 5 ? `inst-${v}` : null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: subscription(['t']) }],
        reason: v >= 8 ? 'why not' : null,
      }),
      [ApiKey.SyncGroup]: (v) => ({ groupId: g, generationId: 1, memberId: 'x', groupInstanceId: null, protocolType: v >= 5 ? 'consumer' : null, protocolName: v >= 5 ? 'range' : null, assignments: [] }),
      [ApiKey.Heartbeat]: () => ({ groupId: g, generationId: 1, memberId: 'x', groupInstanceId: null }),
      [ApiKey.LeaveGroup]: (v) => (v <= 2 ? { groupId: g, memberId: 'x', members: [] } : { groupId: g, memberId: '', members: [{ memberId: 'x', groupInstanceId: null, reason: v >= 5 ? 'r' : null }] }),
      [ApiKey.OffsetCommit]: (v) => ({
        groupId: 'sweep-offsets',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: BigInt(v), committedLeaderEpoch: v >= 6 ? 1 : -1, committedMetadata: 'm' }] }],
      }),
      [ApiKey.OffsetFetch]: (v) =>
        v >= 8
          ? { groupId: '', topics: [], requireStable: true, groups: [{ groupId: 'sweep-offsets', memberId: v >= 9 ? null : null, memberEpoch: -1, topics: null }, { groupId: g, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] }] }
          : { groupId: 'sweep-offsets', topics: v >= 2 ? null : [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: v >= 7 },
      [ApiKey.DescribeGroups]: (v) => ({ groups: [g, 'sweep-offsets', 'missing'], includeAuthorizedOperations: v >= 3 }),
      [ApiKey.ListGroups]: (v) => ({ statesFilter: v >= 4 ? ['Empty'] : [], typesFilter: v >= 5 ? ['classic'] : [] }),
      [ApiKey.DeleteGroups]: () => ({ groupsNames: ['missing', g] }),
      [ApiKey.OffsetDelete]: () => ({ groupId: 'sweep-offsets', topics: [{ name: 'u', partitions: [{ partitionIndex: 0 }] }] }),
      [ApiKey.FindCoordinator]: (v) => ({ key: v < 4 ? g : '', keyType: 0, coordinatorKeys: v >= 4 ? [g] : [] }),
    };
    for (const hd of groupHandlers) {
      for (let v = hd.minVersion; v <= hd.maxVersion; v++) {
        const res = await roundTrip(h, hd.apiKey, v, requests[hd.apiKey](v));
        expect(res).toBeDefined();
      }
    }
    const fetched = await roundTrip(h, ApiKey.OffsetFetch, 7, requests[ApiKey.OffsetFetch](7));
    expect(fetched).toMatchObject({ errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: 1, metadata: 'm' }] }] });
    const listed = await roundTrip(h, ApiKey.ListGroups, 5, requests[ApiKey.ListGroups](5));
    // v4 got MEMBER_ID_REQUIRED: its group exists, empty, as in Kafka.
    expect(listed.groups).toEqual([
      expect.objectContaining({ groupId: 'sweep-offsets', protocolType: '', groupState: 'Empty', groupType: 'classic' }),
      expect.objectContaining({ groupId: 'sweep-4', protocolType: '', groupState: 'Empty', groupType: 'classic' }),
    ]);
  });
});
