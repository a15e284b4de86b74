/**
 * Cross-check against a real implementation: kafkajs 2.2 (non-flexible
 * versions only). Its request builders encode frames that we decode and
 * re-encode to the identical bytes; responses we encode are decoded by its
 * response parsers into the values we put in.
 */
import * as p from './index';
import { messageSchemas } from './schema';
import { withDefaults } from './schema';

const kjs = (path: string) => require(`kafkajs/src/protocol/${path}`);
const kafkajsRequestFrame = kjs('request');
const Long = require('kafkajs/src/utils/long');

interface RequestCase {
  dir: string;
  api: number;
  versions: number[];
  args: unknown;
  /** Fields we expect to see decoded (a subset). */
  expect?: (body: Record<string, unknown>, version: number) => void;
}

const topicMessages = [{ key: 'k1', value: 'v1', headers: { h: 'x' } }, { value: 'v2' }];

const requestCases: RequestCase[] = [
  { dir: 'apiVersions', api: p.ApiKey.ApiVersions, versions: [0, 1, 2], args: undefined },
  {
    dir: 'metadata',
    api: p.ApiKey.Metadata,
    versions: [0, 1, 2, 3, 4, 5, 6],
    args: { topics: ['orders', 'payments'], allowAutoTopicCreation: false },
    expect: (b, v) => {
      expect((b.topics as Array<{ name: string }>).map((t) => t.name)).toEqual(['orders', 'payments']);
      if (v >= 4) expect(b.allowAutoTopicCreation).toBe(false);
    },
  },
  {
    dir: 'produce',
    api: p.ApiKey.Produce,
    versions: [3, 4, 5, 6, 7],
    args: { acks: -1, timeout: 30000, topicData: [{ topic: 'orders', partitions: [{ partition: 2, messages: topicMessages }] }] },
    expect: (b) => {
      expect(b.acks).toBe(-1);
      const t = (b.topicData as p.ProduceRequest['topicData'])[0];
      expect(t.name).toBe('orders');
      expect(t.partitionData[0].index).toBe(2);
      // The record batch rides as raw bytes: magic 2 at byte 16.
      expect(t.partitionData[0].records![16]).toBe(2);
    },
  },
  {
    dir: 'fetch',
    api: p.ApiKey.Fetch,
    versions: [4, 5, 6, 7, 8, 9, 10, 11],
    args: {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 10485760,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '42', maxBytes: 1048576 }] }],
      rackId: '',
    },
    expect: (b) => {
      const t = (b.topics as p.FetchRequest['topics'])[0];
      expect(t.topic).toBe('orders');
      expect(t.partitions[0].fetchOffset).toBe(42n);
      expect(t.partitions[0].partitionMaxBytes).toBe(1048576);
    },
  },
  {
    dir: 'listOffsets',
    api: p.ApiKey.ListOffsets,
    versions: [1, 2, 3],
    args: { replicaId: -1, isolationLevel: 1, topics: [{ topic: 'orders', partitions: [{ partition: 0, timestamp: -2 }] }] },
    expect: (b) => expect((b.topics as p.ListOffsetsRequest['topics'])[0].partitions[0].timestamp).toBe(-2n),
  },
  {
    dir: 'findCoordinator',
    api: p.ApiKey.FindCoordinator,
    versions: [0, 1, 2],
    args: { groupId: 'group-a', coordinatorType: 0 },
    expect: (b) => expect(b.key).toBe('group-a'),
  },
  {
    dir: 'joinGroup',
    api: p.ApiKey.JoinGroup,
    versions: [0, 1, 2, 3, 4, 5],
    args: {
      groupId: 'group-a',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 0, 0]) }],
    },
    expect: (b) => {
      expect(b.groupId).toBe('group-a');
      expect((b.protocols as p.JoinGroupRequest['protocols'])[0].name).toBe('RoundRobinAssigner');
    },
  },
  {
    dir: 'syncGroup',
    api: p.ApiKey.SyncGroup,
    versions: [0, 1, 2, 3],
    args: { groupId: 'group-a', generationId: 3, memberId: 'm-1', groupAssignment: [{ memberId: 'm-1', memberAssignment: Buffer.from([1, 2]) }] },
    expect: (b) => expect(b.generationId).toBe(3),
  },
  {
    dir: 'heartbeat',
    api: p.ApiKey.Heartbeat,
    versions: [0, 1, 2, 3],
    args: { groupId: 'group-a', groupGenerationId: 3, memberId: 'm-1' },
    expect: (b) => expect(b.memberId).toBe('m-1'),
  },
  {
    dir: 'leaveGroup',
    api: p.ApiKey.LeaveGroup,
    versions: [0, 1, 2, 3],
    args: { groupId: 'group-a', memberId: 'm-1', members: [{ memberId: 'm-1' }] },
    expect: (b) => expect(b.groupId).toBe('group-a'),
  },
  {
    dir: 'offsetCommit',
    api: p.ApiKey.OffsetCommit,
    versions: [2, 3, 4, 5],
    args: {
      groupId: 'group-a',
      groupGenerationId: 3,
      memberId: 'm-1',
      retentionTime: -1,
      topics: [{ topic: 'orders', partitions: [{ partition: 1, offset: '77' }] }],
    },
    expect: (b) => expect((b.topics as p.OffsetCommitRequest['topics'])[0].partitions[0].committedOffset).toBe(77n),
  },
  {
    dir: 'offsetFetch',
    api: p.ApiKey.OffsetFetch,
    versions: [1, 2, 3, 4],
    args: { groupId: 'group-a', topics: [{ topic: 'orders', partitions: [{ partition: 1 }] }] },
    expect: (b) => expect(b.groupId).toBe('group-a'),
  },
  { dir: 'describeGroups', api: p.ApiKey.DescribeGroups, versions: [0, 1, 2], args: { groupIds: ['a', 'b'] } },
  { dir: 'listGroups', api: p.ApiKey.ListGroups, versions: [0, 1, 2], args: undefined },
  { dir: 'deleteGroups', api: p.ApiKey.DeleteGroups, versions: [0, 1], args: ['a', 'b'] },
  {
    dir: 'createTopics',
    api: p.ApiKey.CreateTopics,
    versions: [2, 3],
    args: {
      topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 1, replicaAssignment: [], configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      validateOnly: false,
      timeout: 5000,
    },
    expect: (b) => {
      const t = (b.topics as p.CreateTopicsRequest['topics'])[0];
      expect(t.numPartitions).toBe(3);
      expect(t.configs[0]).toMatchObject({ name: 'cleanup.policy', value: 'compact' });
    },
  },
  { dir: 'deleteTopics', api: p.ApiKey.DeleteTopics, versions: [1], args: { topics: ['orders'], timeout: 5000 } },
  {
    dir: 'describeConfigs',
    api: p.ApiKey.DescribeConfigs,
    versions: [1, 2],
    args: { resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }], includeSynonyms: false },
  },
  {
    dir: 'alterConfigs',
    api: p.ApiKey.AlterConfigs,
    versions: [0, 1],
    args: { resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: false },
  },
  {
    dir: 'createPartitions',
    api: p.ApiKey.CreatePartitions,
    versions: [0, 1],
    args: { topicPartitions: [{ topic: 'orders', count: 6 }], validateOnly: false, timeout: 5000 },
  },
  {
    dir: 'deleteRecords',
    api: p.ApiKey.DeleteRecords,
    versions: [0, 1],
    args: { topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '10' }] }], timeout: 5000 },
  },
  { dir: 'initProducerId', api: p.ApiKey.InitProducerId, versions: [0, 1], args: { transactionalId: null, transactionTimeout: 60000 } },
  {
    dir: 'addPartitionsToTxn',
    api: p.ApiKey.AddPartitionsToTxn,
    versions: [0, 1],
    args: { transactionalId: 'tx', producerId: Long.fromString('5'), producerEpoch: 1, topics: [{ topic: 'orders', partitions: [0, 1] }] },
  },
  {
    dir: 'addOffsetsToTxn',
    api: p.ApiKey.AddOffsetsToTxn,
    versions: [0, 1],
    args: { transactionalId: 'tx', producerId: Long.fromString('5'), producerEpoch: 1, groupId: 'group-a' },
  },
  {
    dir: 'endTxn',
    api: p.ApiKey.EndTxn,
    versions: [0, 1],
    args: { transactionalId: 'tx', producerId: Long.fromString('5'), producerEpoch: 1, transactionResult: true },
  },
  {
    dir: 'txnOffsetCommit',
    api: p.ApiKey.TxnOffsetCommit,
    versions: [0, 1],
    args: {
      transactionalId: 'tx',
      groupId: 'group-a',
      producerId: Long.fromString('5'),
      producerEpoch: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '3', metadata: null }] }],
    },
  },
  { dir: 'saslHandshake', api: p.ApiKey.SaslHandshake, versions: [0, 1], args: { mechanism: 'PLAIN' } },
];

async function kafkajsFrame(c: RequestCase, version: number): Promise<Buffer> {
  const request = kjs(`requests/${c.dir}`).protocol({ version })(c.args).request;
  const encoder = await kafkajsRequestFrame({ correlationId: 1234, clientId: 'kafkajs-check', request });
  return encoder.buffer as Buffer;
}

describe('kafkajs request builders -> our decoders', () => {
  for (const c of requestCases) {
    for (const version of c.versions) {
      it(`${c.dir} v${version}`, async () => {
        const frame = await kafkajsFrame(c, version);
        expect(frame.readInt32BE(0)).toBe(frame.length - 4);
        const body = frame.subarray(4);
        const { header, bodyOffset } = p.decodeRequestHeader(body);
        expect(header).toMatchObject({ requestApiKey: c.api, requestApiVersion: version, correlationId: 1234, clientId: 'kafkajs-check' });
        const decoded = p.decodeRequestBody(c.api as keyof p.RequestByKey, version, body, bodyOffset) as unknown as Record<string, unknown>;
        c.expect?.(decoded, version);
        const again = Buffer.concat(p.encodeRequestFrame(c.api as keyof p.RequestByKey, version, 1234, 'kafkajs-check', decoded as never));
        expect(again.toString('hex')).toBe(frame.toString('hex'));
      });
    }
  }

  it('every API kafkajs uses has a version both sides support', () => {
    for (const c of requestCases) {
      const api = p.apiByKey(c.api)!;
      expect(Math.max(...c.versions)).toBeGreaterThanOrEqual(api.lowestVersion);
    }
  });
});

interface ResponseCase {
  dir: string;
  codec: p.MessageCodec<unknown>;
  versions: number[];
  value: Record<string, unknown>;
  check: (parsed: Record<string, unknown>, version: number) => void;
}

function kafkajsBatch(): Promise<Buffer> {
  const { RecordBatch } = kjs('recordBatch/v0');
  const Record = kjs('recordBatch/record/v0');
  return RecordBatch({
    firstOffset: Long.fromNumber(10),
    firstTimestamp: 1700000000000,
    maxTimestamp: 1700000000000,
    lastOffsetDelta: 1,
    records: [
      Record({ offsetDelta: 0, key: Buffer.from('k'), value: Buffer.from('hello'), headers: {} }),
      Record({ offsetDelta: 1, key: null, value: Buffer.from('world'), headers: {} }),
    ],
  }).then((enc: { buffer: Buffer }) => enc.buffer);
}

const responseCases = (batch: Buffer): ResponseCase[] => [
  {
    dir: 'apiVersions',
    codec: p.ApiVersionsResponseCodec,
    versions: [0, 1, 2],
    value: { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 12 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 0 },
    check: (r) => expect(r.apiVersions).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 12 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ]),
  },
  {
    dir: 'metadata',
    codec: p.MetadataResponseCodec,
    versions: [0, 1, 2, 3, 4, 5, 6],
    value: {
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterId: 'cluster-1',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        },
      ],
    },
    check: (r, v) => {
      expect(r.brokers).toEqual([expect.objectContaining({ nodeId: 1, host: 'localhost', port: 9092 })]);
      const t = (r.topicMetadata as Array<Record<string, unknown>>)[0];
      expect(t.topic).toBe('orders');
      expect((t.partitionMetadata as Array<Record<string, unknown>>)[0]).toMatchObject({ partitionId: 0, leader: 1, replicas: [1], isr: [1] });
      if (v >= 2) expect(r.clusterId).toBe('cluster-1');
    },
  },
  {
    dir: 'produce',
    codec: p.ProduceResponseCodec,
    versions: [3, 4, 5, 6, 7],
    value: {
      responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 99n, logAppendTimeMs: -1n, logStartOffset: 0n }] }],
      throttleTimeMs: 0,
    },
    check: (r) => {
      const t = (r.topics as Array<Record<string, unknown>>)[0];
      expect(t.topicName).toBe('orders');
      expect((t.partitions as Array<Record<string, unknown>>)[0]).toMatchObject({ partition: 0, errorCode: 0, baseOffset: '99' });
    },
  },
  {
    dir: 'fetch',
    codec: p.FetchResponseCodec,
    versions: [4, 5, 6, 7, 8, 9, 10, 11],
    value: {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 12n,
              lastStableOffset: 12n,
              logStartOffset: 0n,
              abortedTransactions: [],
              preferredReadReplica: -1,
              records: batch,
            },
          ],
        },
      ],
    },
    check: async (r) => {
      const t = (r.responses as Array<Record<string, unknown>>)[0];
      expect(t.topicName).toBe('orders');
      const part = (t.partitions as Array<Record<string, unknown>>)[0];
      expect(part.highWatermark).toBe('12');
      const messages = part.messages as Array<{ offset: string; value: Buffer }>;
      expect(messages.map((m) => [m.offset, m.value.toString()])).toEqual([
        ['10', 'hello'],
        ['11', 'world'],
      ]);
    },
  },
  {
    dir: 'findCoordinator',
    codec: p.FindCoordinatorResponseCodec,
    versions: [0, 1, 2],
    value: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: 'localhost', port: 9092 },
    check: (r) => expect(r.coordinator).toEqual({ nodeId: 1, host: 'localhost', port: 9092 }),
  },
  {
    dir: 'joinGroup',
    codec: p.JoinGroupResponseCodec,
    versions: [0, 1, 2, 3, 4, 5],
    value: {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 4,
      protocolName: 'RoundRobinAssigner',
      leader: 'm-1',
      memberId: 'm-1',
      members: [{ memberId: 'm-1', groupInstanceId: null, metadata: Buffer.from([0, 1]) }],
    },
    check: (r) => {
      expect(r).toMatchObject({ generationId: 4, groupProtocol: 'RoundRobinAssigner', leaderId: 'm-1', memberId: 'm-1' });
      expect((r.members as Array<{ memberId: string }>)[0].memberId).toBe('m-1');
    },
  },
  {
    dir: 'syncGroup',
    codec: p.SyncGroupResponseCodec,
    versions: [0, 1, 2, 3],
    value: { throttleTimeMs: 0, errorCode: 0, assignment: Buffer.from([7, 8, 9]) },
    check: (r) => expect(r.memberAssignment).toEqual(Buffer.from([7, 8, 9])),
  },
  {
    dir: 'listOffsets',
    codec: p.ListOffsetsResponseCodec,
    versions: [1, 2, 3],
    value: {
      throttleTimeMs: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 12n }] }],
    },
    check: (r) => {
      const t = (r.responses as Array<Record<string, unknown>>)[0];
      expect(t.topic).toBe('orders');
      expect((t.partitions as Array<Record<string, unknown>>)[0]).toMatchObject({ partition: 0, offset: '12' });
    },
  },
  {
    dir: 'offsetFetch',
    codec: p.OffsetFetchResponseCodec,
    versions: [1, 2, 3, 4],
    value: {
      throttleTimeMs: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 77n, metadata: '', errorCode: 0 }] }],
      errorCode: 0,
    },
    check: (r) => {
      const t = (r.responses as Array<Record<string, unknown>>)[0];
      expect((t.partitions as Array<Record<string, unknown>>)[0]).toMatchObject({ partition: 1, offset: '77' });
    },
  },
  {
    dir: 'initProducerId',
    codec: p.InitProducerIdResponseCodec,
    versions: [0, 1],
    value: { throttleTimeMs: 0, errorCode: 0, producerId: 4000n, producerEpoch: 2 },
    check: (r) => expect(r).toMatchObject({ producerId: '4000', producerEpoch: 2 }),
  },
  {
    dir: 'listGroups',
    codec: p.ListGroupsResponseCodec,
    versions: [0, 1, 2],
    value: { throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: 'group-a', protocolType: 'consumer' }] },
    check: (r) => expect(r.groups).toEqual([{ groupId: 'group-a', protocolType: 'consumer' }]),
  },
];

describe('our response encoders -> kafkajs response parsers', () => {
  let batch: Buffer;
  beforeAll(async () => {
    batch = await kafkajsBatch();
  });

  it('covers every response case', async () => {
    for (const c of responseCases(batch)) {
      for (const version of c.versions) {
        const value = withDefaults<unknown>(messageSchemas()[c.codec.name], c.value);
        const bytes = p.encode(c.codec, value, version);
        const response = kjs(`requests/${c.dir}/v${version}/response`);
        const decoded = await response.decode(bytes);
        const parsed = await response.parse(decoded);
        try {
          await c.check(parsed, version);
        } catch (e) {
          throw new Error(`${c.dir} v${version}: ${(e as Error).message}`);
        }
      }
    }
  });
});
