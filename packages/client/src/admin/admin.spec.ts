/**
 * Admin request shapes, routing (controller, coordinators, leaders, every
 * broker) and per-item error mapping, against scripted brokers. The same
 * calls run against the real nagare server in nagare-server.spec.ts.
 */
import { ApiKey, ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { encodeAssignment, encodeSubscription } from '../group/consumer-protocol';
import { FakeCluster } from '../testing/fake-broker';
import { Admin, ConfigResourceType, ConfigSource, throwIfAnyError } from './admin';

describe('Admin (scripted 3-broker cluster)', () => {
  let fake: FakeCluster;
  let admin: Admin;
  beforeEach(async () => {
    fake = await FakeCluster.start(3);
    fake.controllerId = 2;
    fake.addTopic('t', [1, 2, 3], 'AAAAAAAAAAAAAAAAAAAAAQ');
    admin = new Admin({ bootstrapServers: fake.bootstrap, retryBackoffMs: 10, defaultApiTimeoutMs: 5000 });
  });
  afterEach(async () => {
    admin.close();
    await fake.close();
  });

  test('createTopics goes to the controller, maps per-topic errors, retries NOT_CONTROLLER on the new controller', async () => {
    let first = true;
    fake.on(ApiKey.CreateTopics, (req) => {
      if (req.broker.nodeId === 2 && first) {
        first = false;
        fake.controllerId = 3;
        return { topics: req.body.topics.map((t: { name: string }) => ({ name: t.name, errorCode: ErrorCode.NOT_CONTROLLER })) };
      }
      return {
        topics: req.body.topics.map((t: { name: string; numPartitions: number; replicationFactor: number }) =>
          t.name === 'exists'
            ? { name: t.name, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: "Topic 'exists' already exists." }
            : { name: t.name, topicId: 'AAAAAAAAAAAAAAAAAAAAAg', numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, configs: [{ name: 'cleanup.policy', value: 'compact', configSource: 1 }] },
        ),
      };
    });
    const res = await admin.createTopics(
      [
        { name: 'new', numPartitions: 6, replicationFactor: 3, configs: { 'cleanup.policy': 'compact' } },
        { name: 'exists', numPartitions: 1, replicationFactor: 1 },
      ],
      { validateOnly: true },
    );
    expect(res[0]).toMatchObject({ name: 'new', error: null, numPartitions: 6, replicationFactor: 3, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' });
    expect(res[0].configs[0]).toMatchObject({ name: 'cleanup.policy', value: 'compact', source: 1 });
    expect(res[1].error).toBeInstanceOf(KafkaProtocolError);
    expect(res[1].error).toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS, message: "TOPIC_ALREADY_EXISTS: Topic 'exists' already exists." });
    expect(() => throwIfAnyError(res)).toThrow(/TOPIC_ALREADY_EXISTS/);
    const reqs = fake.requests(ApiKey.CreateTopics);
    expect(reqs.map((r) => r.broker.nodeId)).toEqual([2, 3]);
    expect(reqs[0].body.validateOnly).toBe(true);
    expect(reqs[0].body.topics[0]).toMatchObject({ name: 'new', numPartitions: 6, replicationFactor: 3, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
  });

  test('deleteTopics by name and by id (v6), createPartitions', async () => {
    fake.on(ApiKey.DeleteTopics, (req) => ({
      responses:
        req.apiVersion >= 6
          ? req.body.topics.map((t: { name: string | null; topicId: string }) => ({ name: t.name, topicId: t.topicId, errorCode: t.name === 'nope' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0 }))
          : req.body.topicNames.map((name: string) => ({ name, errorCode: 0 })),
    }));
    fake.on(ApiKey.CreatePartitions, (req) => ({
      results: req.body.topics.map((t: { name: string; count: number }) => ({ name: t.name, errorCode: t.count < 3 ? ErrorCode.INVALID_PARTITIONS : 0, errorMessage: t.count < 3 ? 'too few' : null })),
    }));
    const d = await admin.deleteTopics(['t', 'nope', { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }]);
    expect(d.map((r) => r.error?.code ?? 0)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]);
    expect(fake.requests(ApiKey.DeleteTopics)[0].body.topics[2]).toEqual({ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', _unknownTaggedFields: undefined });
    const c = await admin.createPartitions([{ topic: 't', totalCount: 6 }, { topic: 'u', totalCount: 2, assignments: [[1], [2]] }]);
    expect(c.map((r) => r.error?.code ?? 0)).toEqual([0, ErrorCode.INVALID_PARTITIONS]);
    expect(fake.requests(ApiKey.CreatePartitions)[0].body.topics[1].assignments).toEqual([
      { brokerIds: [1], _unknownTaggedFields: undefined },
      { brokerIds: [2], _unknownTaggedFields: undefined },
    ]);
  });

  test('listTopics and describeTopics (leaders, replicas, isr, topic ids, internal flag, unknown topics)', async () => {
    fake.topics.set('__consumer_offsets', { name: '__consumer_offsets', leaders: [3], isInternal: true });
    expect((await admin.listTopics()).map((t) => t.name)).toEqual(['t']);
    expect((await admin.listTopics({ listInternal: true })).map((t) => t.name)).toEqual(['__consumer_offsets', 't']);
    const [t, missing] = await admin.describeTopics(['t', 'missing']);
    expect(t.topicId).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
    expect(t.partitions.map((p) => [p.partition, p.leader?.nodeId, p.replicas.map((r) => r.nodeId), p.isr.map((r) => r.nodeId)])).toEqual([
      [0, 1, [1], [1]],
      [1, 2, [2], [2]],
      [2, 3, [3], [3]],
    ]);
    expect(t.partitions[1].leader).toMatchObject({ host: '127.0.0.1', port: fake.broker(2).port });
    expect(missing.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // Admin metadata requests never auto-create topics.
    expect(fake.requests(ApiKey.Metadata).every((r) => r.body.allowAutoTopicCreation === false)).toBe(true);
  });

  test('describeConfigs: broker resources go to that broker; incremental and legacy alterConfigs', async () => {
    fake.on(ApiKey.DescribeConfigs, (req) => ({
      results: req.body.resources.map((r: { resourceType: number; resourceName: string }) => ({
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        errorCode: r.resourceName === 'gone' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0,
        configs:
          r.resourceName === 'gone'
            ? []
            : [{ name: 'retention.ms', value: '1000', readOnly: false, configSource: ConfigSource.DEFAULT_CONFIG, isSensitive: false, synonyms: [{ name: 'log.retention.ms', value: '1000', source: 4 }], configType: 5 }],
      })),
    }));
    const res = await admin.describeConfigs(
      [
        { type: ConfigResourceType.BROKER, name: '3' },
        { type: ConfigResourceType.TOPIC, name: 't', configNames: ['retention.ms'] },
        { type: ConfigResourceType.TOPIC, name: 'gone' },
      ],
      { includeSynonyms: true },
    );
    expect(res[0]).toMatchObject({ type: ConfigResourceType.BROKER, name: '3', error: null });
    expect(res[1].configs[0]).toMatchObject({ name: 'retention.ms', value: '1000', isDefault: true, source: ConfigSource.DEFAULT_CONFIG, type: 5 });
    expect(res[1].configs[0].synonyms).toEqual([{ name: 'log.retention.ms', value: '1000', source: 4 }]);
    expect(res[2].error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(fake.broker(3).requestsFor(ApiKey.DescribeConfigs).some((r) => r.body.resources[0].resourceName === '3')).toBe(true);
    const topicReq = fake.requests(ApiKey.DescribeConfigs).find((r) => r.body.resources[0].resourceType === ConfigResourceType.TOPIC)!;
    expect(topicReq.body).toMatchObject({ includeSynonyms: true });
    expect(topicReq.body.resources[0].configurationKeys).toEqual(['retention.ms']);

    fake.on(ApiKey.IncrementalAlterConfigs, (req) => ({
      responses: req.body.resources.map((r: { resourceType: number; resourceName: string }) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: r.resourceName === 'bad' ? ErrorCode.INVALID_CONFIG : 0, errorMessage: r.resourceName === 'bad' ? 'no such config' : null })),
    }));
    const inc = await admin.incrementalAlterConfigs([
      { type: ConfigResourceType.TOPIC, name: 't', ops: [{ name: 'retention.ms', op: 'set', value: '5' }, { name: 'cleanup.policy', op: 'append', value: 'compact' }, { name: 'x', op: 'delete' }] },
      { type: ConfigResourceType.TOPIC, name: 'bad', ops: [{ name: 'y', op: 'subtract', value: 'z' }] },
    ]);
    expect(inc.map((r) => r.error?.message ?? null)).toEqual([null, 'INVALID_CONFIG: no such config']);
    expect(fake.requests(ApiKey.IncrementalAlterConfigs)[0].body.resources[0].configs.map((c: { configOperation: number }) => c.configOperation)).toEqual([0, 2, 1]);

    fake.on(ApiKey.AlterConfigs, (req) => ({ responses: req.body.resources.map((r: { resourceType: number; resourceName: string }) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: 0 })) }));
    const legacy = await admin.alterConfigs([{ type: ConfigResourceType.BROKER, name: '1', configs: { 'log.cleaner.threads': '2' } }], { validateOnly: true });
    expect(legacy[0].error).toBeNull();
    expect(fake.broker(1).requestsFor(ApiKey.AlterConfigs)[0].body).toMatchObject({ validateOnly: true });
  });

  test('describeCluster: DescribeCluster when supported, else Metadata', async () => {
    fake.on(ApiKey.DescribeCluster, () => ({
      clusterId: 'cid',
      controllerId: 2,
      brokers: fake.brokers.map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: 'r' })),
    }));
    const d = await admin.describeCluster();
    expect(d.clusterId).toBe('cid');
    expect(d.controller?.nodeId).toBe(2);
    expect(d.brokers.map((b) => b.rack)).toEqual(['r', 'r', 'r']);
    for (const b of fake.brokers) b.apiVersions.set(ApiKey.DescribeCluster, [1, 0]);
    const a2 = new Admin({ bootstrapServers: fake.bootstrap });
    const d2 = await a2.describeCluster();
    a2.close();
    expect(d2).toMatchObject({ clusterId: 'fake-cluster', controller: { nodeId: 2 } });
    expect(d2.brokers.map((b) => b.nodeId)).toEqual([1, 2, 3]);
  });

  test('listGroups asks every broker (with a state filter) and merges', async () => {
    fake.on(ApiKey.ListGroups, (req) => ({
      groups: [{ groupId: `g${req.broker.nodeId}`, protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }],
    }));
    const groups = await admin.listGroups({ states: ['Stable'] });
    expect(groups.map((g) => g.groupId)).toEqual(['g1', 'g2', 'g3']);
    expect(groups[0]).toMatchObject({ state: 'Stable', type: 'classic', protocolType: 'consumer' });
    expect(fake.requests(ApiKey.ListGroups).map((r) => r.body.statesFilter)).toEqual([['Stable'], ['Stable'], ['Stable']]);
  });

  test('describeGroups: batched FindCoordinator, each group on its coordinator, consumer assignments decoded, load-in-progress retried', async () => {
    fake.coordinatorFor = (key) => (key === 'ga' ? 1 : 3);
    let loading = true;
    fake.on(ApiKey.DescribeGroups, (req) => ({
      groups: req.body.groups.map((g: string) => {
        if (g === 'gb' && loading) {
          loading = false;
          return { groupId: g, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
        }
        if (g === 'dead') return { groupId: g, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'no group' };
        return {
          groupId: g,
          errorCode: 0,
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'm1',
              clientId: 'c1',
              clientHost: '/10.0.0.1',
              memberMetadata: encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [], generationId: 1, rackId: null }),
              memberAssignment: encodeAssignment({ partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }], userData: null }),
            },
          ],
        };
      }),
    }));
    const [ga, gb, dead] = await admin.describeGroups(['ga', 'gb', 'dead']);
    expect(ga).toMatchObject({ groupId: 'ga', state: 'Stable', protocol: 'range', coordinator: { nodeId: 1 }, error: null });
    expect(ga.members[0]).toMatchObject({ memberId: 'm1', clientId: 'c1', host: '/10.0.0.1', subscribedTopics: ['t'] });
    expect(ga.members[0].assignment).toEqual([{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }]);
    expect(gb.coordinator?.nodeId).toBe(3);
    expect(dead.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const fc = fake.requests(ApiKey.FindCoordinator);
    expect(fc[0].apiVersion).toBeGreaterThanOrEqual(4);
    expect(fc[0].body.coordinatorKeys).toEqual(['ga', 'gb', 'dead']);
    expect(fake.broker(1).requestsFor(ApiKey.DescribeGroups)[0].body.groups).toEqual(['ga']);
    expect(fake.broker(3).requestsFor(ApiKey.DescribeGroups).length).toBe(2);
  });

  test('FindCoordinator before v4 looks groups up one by one', async () => {
    for (const b of fake.brokers) b.apiVersions.set(ApiKey.FindCoordinator, [0, 3]);
    fake.on(ApiKey.DeleteGroups, (req) => ({ results: req.body.groupsNames.map((g: string) => ({ groupId: g, errorCode: g === 'busy' ? ErrorCode.NON_EMPTY_GROUP : 0 })) }));
    const res = await admin.deleteGroups(['idle', 'busy']);
    expect(res.map((r) => r.error?.code ?? 0)).toEqual([0, ErrorCode.NON_EMPTY_GROUP]);
    expect(fake.requests(ApiKey.FindCoordinator).map((r) => r.body.key).sort()).toEqual(['busy', 'idle']);
  });

  test('consumer group offsets: list (OffsetFetch), alter (standalone OffsetCommit), delete (OffsetDelete)', async () => {
    fake.coordinatorFor = () => 2;
    fake.on(ApiKey.OffsetFetch, (req) => ({
      groups: [{ groupId: req.body.groups[0].groupId, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: 3, metadata: 'm' }, { partitionIndex: 1, committedOffset: -1n, metadata: null }] }] }],
    }));
    const offsets = await admin.listConsumerGroupOffsets('g');
    expect(offsets).toEqual([{ topic: 't', partition: 0, offset: 5, leaderEpoch: 3, metadata: 'm' }]);
    expect(fake.broker(2).requestsFor(ApiKey.OffsetFetch)[0].body.groups[0]).toMatchObject({ groupId: 'g', topics: null });

    fake.on(ApiKey.OffsetCommit, (req) => ({
      topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number }> }) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: p.partitionIndex === 1 ? ErrorCode.UNKNOWN_MEMBER_ID : 0 })),
      })),
    }));
    const altered = await admin.alterConsumerGroupOffsets('g', [{ topic: 't', partition: 0, offset: 9 }, { topic: 't', partition: 1, offset: 1 }]);
    expect(altered.map((r) => r.error?.code ?? 0)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(fake.broker(2).requestsFor(ApiKey.OffsetCommit)[0].body).toMatchObject({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null });

    fake.on(ApiKey.OffsetDelete, (req) => ({
      errorCode: 0,
      topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number }> }) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC })),
      })),
    }));
    const del = await admin.deleteConsumerGroupOffsets('g', [{ topic: 't', partition: 0 }]);
    expect(del.error).toBeNull();
    expect(del.partitions[0].error?.code).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
  });

  test('listOffsets, deleteRecords and describeProducers go to each partition leader', async () => {
    fake.on(ApiKey.ListOffsets, (req) => ({
      topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, offset: 100n * BigInt(req.broker.nodeId) + BigInt(p.timestamp < 0n ? -p.timestamp : 50n), timestamp: 7n, leaderEpoch: 1 })),
      })),
    }));
    const lo = await admin.listOffsets(
      [
        { topic: 't', partition: 0, spec: 'earliest' },
        { topic: 't', partition: 1, spec: 'latest' },
        { topic: 't', partition: 2, spec: 'max-timestamp' },
        { topic: 't', partition: 0, spec: 'latest' },
      ],
      { isolationLevel: 'read_committed' },
    );
    // Two specs for partition 0: two requests (a partition appears once per request).
    expect(lo.map((r) => r.offset)).toEqual([102, 201, 303, 101]);
    expect(fake.broker(1).requestsFor(ApiKey.ListOffsets)).toHaveLength(2);
    const maxTs = fake.broker(3).requestsFor(ApiKey.ListOffsets)[0];
    expect(maxTs.apiVersion).toBeGreaterThanOrEqual(7);
    expect(maxTs.body.isolationLevel).toBe(1);
    const byTs = await admin.listOffsets([{ topic: 't', partition: 0, spec: { timestamp: 12345 } }]);
    expect(byTs[0].offset).toBe(150);
    expect(fake.broker(1).requestsFor(ApiKey.ListOffsets).pop()!.body.topics[0].partitions[0].timestamp).toBe(12345n);

    fake.on(ApiKey.DeleteRecords, (req) => ({
      topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number; offset: bigint }> }) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: p.offset, errorCode: p.partitionIndex === 2 ? ErrorCode.OFFSET_OUT_OF_RANGE : 0 })),
      })),
    }));
    const dr = await admin.deleteRecords([{ topic: 't', partition: 1, offset: 10 }, { topic: 't', partition: 2, offset: 999 }]);
    expect(dr[0]).toMatchObject({ lowWatermark: 10, error: null });
    expect(dr[1].error?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(fake.broker(2).requestsFor(ApiKey.DeleteRecords)).toHaveLength(1);
    expect(fake.broker(3).requestsFor(ApiKey.DeleteRecords)).toHaveLength(1);

    fake.on(ApiKey.DescribeProducers, (req) => ({
      topics: req.body.topics.map((t: { name: string; partitionIndexes: number[] }) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: 0, activeProducers: [{ producerId: 77n, producerEpoch: 2, lastSequence: 9, lastTimestamp: 1000n, coordinatorEpoch: -1, currentTxnStartOffset: -1n }] })),
      })),
    }));
    const dp = await admin.describeProducers([{ topic: 't', partition: 0 }]);
    expect(dp[0].activeProducers).toEqual([{ producerId: 77, producerEpoch: 2, lastSequence: 9, lastTimestamp: 1000, coordinatorEpoch: -1, currentTransactionStartOffset: -1 }]);
    expect(fake.broker(1).requestsFor(ApiKey.DescribeProducers)).toHaveLength(1);
  });

  test('describeLogDirs asks each broker', async () => {
    fake.on(ApiKey.DescribeLogDirs, (req) => ({
      results: [{ errorCode: 0, logDir: `/data/${req.broker.nodeId}`, totalBytes: 1000n, usableBytes: 600n, topics: [{ name: 't', partitions: [{ partitionIndex: req.broker.nodeId - 1, partitionSize: 42n, offsetLag: 0n, isFutureKey: false }] }] }],
    }));
    const dirs = await admin.describeLogDirs();
    expect([...dirs.keys()].sort()).toEqual([1, 2, 3]);
    expect(dirs.get(2)).toEqual([{ logDir: '/data/2', error: null, totalBytes: 1000, usableBytes: 600, replicas: [{ topic: 't', partition: 1, size: 42, offsetLag: 0, isFuture: false }] }]);
  });
});
