/**
 * Fields that Kafka's schemas mark nullable but Kafka's broker always fills.
 * Clients rely on the broker, not the schema: librdkafka rejects a whole Fetch
 * response whose error partition carries null records ("invalid MessageSetSize
 * -1") and so never resets an out-of-range offset; Kafka's Java Admin client
 * throws a NullPointerException on null ELR lists in DescribeTopicPartitions.
 * Every row drives the real broker over TCP and checks the decoded response.
 *
 * | message | field | Kafka's broker | why it matters |
 * |---|---|---|---|
 * | Fetch (all versions) | partitions[].records, error partitions | MemoryRecords.EMPTY (FetchResponse.partitionResponse) | librdkafka fails the whole response on a null MessageSet |
 * | Fetch (all versions) | partitions[].records, empty reads | empty records | same |
 * | Fetch, read_committed | partitions[].abortedTransactions | a list, empty when none (FetchDataInfo with includeAbortedTxns) | transactional consumers read it as "no aborted transactions" |
 * | DescribeTopicPartitions v0 | partitions[].eligibleLeaderReplicas | Replicas.toList(elr): a list | Java Admin describeTopics NPE (kafka-topics.sh --describe, kafka-get-offsets.sh) |
 * | DescribeTopicPartitions v0 | partitions[].lastKnownElr | Replicas.toList(lastKnownElr): a list | same |
 * | DescribeTopicPartitions v0 | topics[].name | the requested name, also for unknown topics | the Admin client keys results by name |
 * | CreateTopics v5+ | topics[].configs, error topics | an empty list (generated default) | clients iterate it |
 * | Metadata v2+ | clusterId | always the cluster id | clients compare it across brokers |
 * | Metadata v12+ | topics[].name, topics asked by name | the name | |
 * | FindCoordinator v1-3 | errorMessage | Errors.message(): "NONE" on success | |
 * | OffsetFetch (all versions) | partitions[].metadata | "" for no metadata or no offset (OffsetAndMetadata.NO_METADATA) | |
 * | JoinGroup v7+ | protocolType, protocolName, on success | the group's | |
 * | SyncGroup v5+ | protocolType, protocolName, on success | the group's | the client checks them against its own (KIP-559) |
 *
 * Nullable fields that Kafka's broker does leave null, and so do we: Produce
 * errorMessage without a custom message and batchIndexErrorMessage never set,
 * racks without broker.rack, DescribeTopicPartitions nextCursor on the last
 * page, abortedTransactions for read_uncommitted and error partitions,
 * JoinGroup/SyncGroup protocol fields on errors (v7+/v5+), DescribeGroups
 * errorMessage and groupInstanceId of dynamic members, error messages of
 * successful CreatePartitions/DeleteTopics/AlterConfigs results, and names
 * of topics asked by an unknown id.
 */
import { ApiKey, ErrorCode, FetchRequest, FetchRequestCodec, MetadataRequestCodec, ZERO_UUID } from '@nagare/protocol';
import { RecordBatchBuilder, Compression } from '@nagare/records';
import { TestBroker, TestClient, startTestBroker } from '../testing/test-broker';

let tb: TestBroker;
let client: TestClient;
let topicId: string;

function batch(values: string[]): Buffer {
  const b = new RecordBatchBuilder({ compression: Compression.None, now: () => Date.now() });
  for (const v of values) b.append({ key: v, value: v });
  return b.build();
}

function fetchRequest(topics: Array<{ topic: string; topicId: string; offset: bigint }>, opts: { replicaId?: number; isolationLevel?: number; version?: number } = {}): FetchRequest {
  const replicaId = opts.replicaId ?? -1;
  return {
    ...FetchRequestCodec.defaults(),
    // Fetch v15 moved the replica id into replica_state (KIP-903).
    replicaId: (opts.version ?? 12) < 15 ? replicaId : -1,
    replicaState: { replicaId: (opts.version ?? 12) >= 15 ? replicaId : -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: t.offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }],
    })),
    forgottenTopicsData: [],
    rackId: '',
  };
}

beforeAll(async () => {
  tb = await startTestBroker({ 'num.partitions': '1' });
  client = await TestClient.connect(tb.port);
  const created = await client.send(ApiKey.CreateTopics, 7, { topics: [{ name: 'nf', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  topicId = created.topics[0].topicId;
  const p = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'nf', partitionData: [{ index: 0, records: batch(['a', 'b', 'c']) }] }] });
  expect(p.responses[0].partitionResponses[0].errorCode).toBe(0);
});

afterAll(async () => {
  client.close();
  await tb.stop();
});

describe('Fetch: records are never null', () => {
  const versions = [4, 7, 11, 12, 13, 15, 16, 17];

  it.each(versions)('v%i: OFFSET_OUT_OF_RANGE partitions carry empty records', async (v) => {
    const res = await client.send(ApiKey.Fetch, v, fetchRequest([{ topic: 'nf', topicId, offset: 1000n }]));
    const part = res.responses[0].partitions[0];
    expect(part.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(part.records).not.toBeNull();
    expect(part.records!.length).toBe(0);
    // Kafka's high watermark and log start offset come with the error, so the client can reset.
    expect(part.highWatermark).toBe(3n);
    if (v >= 5) expect(part.logStartOffset).toBe(0n);
  });

  it.each(versions.filter((v) => v < 13))('v%i: unknown topics carry empty records', async (v) => {
    const res = await client.send(ApiKey.Fetch, v, fetchRequest([{ topic: 'no-such-topic', topicId: ZERO_UUID, offset: 0n }]));
    const part = res.responses[0].partitions[0];
    expect(part.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(part.records).not.toBeNull();
  });

  it.each(versions.filter((v) => v >= 13))('v%i: unknown topic ids carry empty records', async (v) => {
    const res = await client.send(ApiKey.Fetch, v, fetchRequest([{ topic: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', offset: 0n }]));
    const part = res.responses[0].partitions[0];
    expect(part.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    expect(part.records).not.toBeNull();
  });

  it.each([11, 17])('v%i: replica fetches (NOT_LEADER_OR_FOLLOWER) carry empty records', async (v) => {
    const res = await client.send(ApiKey.Fetch, v, fetchRequest([{ topic: 'nf', topicId, offset: 0n }], { replicaId: 2, version: v }));
    const part = res.responses[0].partitions[0];
    expect(part.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(part.records).not.toBeNull();
  });

  it('v12: a fetch at the high watermark carries empty records', async () => {
    const res = await client.send(ApiKey.Fetch, 12, fetchRequest([{ topic: 'nf', topicId, offset: 3n }]));
    const part = res.responses[0].partitions[0];
    expect(part.errorCode).toBe(0);
    expect(part.records).not.toBeNull();
    expect(part.records!.length).toBe(0);
  });

  it('read_committed answers a list of aborted transactions (empty), read_uncommitted null', async () => {
    for (const offset of [0n, 3n]) {
      const committed = await client.send(ApiKey.Fetch, 12, fetchRequest([{ topic: 'nf', topicId, offset }], { isolationLevel: 1 }));
      expect(committed.responses[0].partitions[0].abortedTransactions).toEqual([]);
      const uncommitted = await client.send(ApiKey.Fetch, 12, fetchRequest([{ topic: 'nf', topicId, offset }]));
      expect(uncommitted.responses[0].partitions[0].abortedTransactions).toBeNull();
    }
  });
});

describe('DescribeTopicPartitions', () => {
  it('answers ELR lists, empty, never null', async () => {
    const res = await client.send(ApiKey.DescribeTopicPartitions, 0, { topics: [{ name: 'nf' }, { name: 'missing' }], responsePartitionLimit: 100, cursor: null });
    const [missing, nf] = res.topics;
    expect(missing).toMatchObject({ name: 'missing', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(nf.name).toBe('nf');
    expect(nf.partitions[0]).toMatchObject({ eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [], replicaNodes: [1], isrNodes: [1] });
  });
});

describe('CreateTopics', () => {
  it.each([5, 7])('v%i: error topics carry an empty configs list', async (v) => {
    const res = await client.send(ApiKey.CreateTopics, v, { topics: [{ name: 'nf', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(res.topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(res.topics[0].configs).toEqual([]);
  });
});

describe('Metadata, FindCoordinator, groups', () => {
  it('Metadata v12 fills the cluster id and the names of topics asked by name', async () => {
    const res = await client.send(ApiKey.Metadata, 12, { ...MetadataRequestCodec.defaults(), topics: [{ topicId: ZERO_UUID, name: 'nf' }], allowAutoTopicCreation: false });
    expect(res.clusterId).toBe('test-cluster-id-000000');
    expect(res.topics[0].name).toBe('nf');
  });

  it.each([1, 2, 3])('FindCoordinator v%i answers "NONE" as the message of success', async (v) => {
    const res = await client.send(ApiKey.FindCoordinator, v, { key: 'g', keyType: 0, coordinatorKeys: [] });
    expect(res).toMatchObject({ errorCode: 0, errorMessage: 'NONE' });
  });

  it('JoinGroup v9 / SyncGroup v5 fill the protocol, OffsetFetch the metadata', async () => {
    const join = (memberId: string) =>
      client.send(ApiKey.JoinGroup, 9, {
        groupId: 'nfg',
        sessionTimeoutMs: 10000,
        rebalanceTimeoutMs: 10000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]) }],
        reason: null,
      });
    const first = await join('');
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await join(first.memberId);
    expect(joined).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    const synced = await client.send(ApiKey.SyncGroup, 5, {
      groupId: 'nfg',
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.alloc(0) }],
    });
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    await client.send(ApiKey.OffsetCommit, 8, {
      groupId: 'nfg',
      generationIdOrMemberEpoch: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{ name: 'nf', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    const v7 = await client.send(ApiKey.OffsetFetch, 7, { groupId: 'nfg', topics: [{ name: 'nf', partitionIndexes: [0, 5] }], groups: [], requireStable: false });
    expect(v7.topics[0].partitions.map((p) => [p.committedOffset, p.metadata])).toEqual([
      [1n, ''],
      [-1n, ''],
    ]);
    const v9 = await client.send(ApiKey.OffsetFetch, 9, { groupId: '', topics: [], requireStable: false, groups: [{ groupId: 'nfg', memberId: null, memberEpoch: -1, topics: null }] });
    expect(v9.groups[0].topics[0].partitions[0]).toMatchObject({ committedOffset: 1n, metadata: '' });
  });
});
