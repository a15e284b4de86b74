/**
 * Cross-check of flexible versions against a second real implementation,
 * @platformatic/kafka (ESM, so it runs in a child process: see
 * testing/platformatic-bridge.mjs). Its request builders' bytes decode with
 * ours and re-encode identically; our responses parse with its parsers.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as p from './index';
import { messageSchemas } from './schema';
import { withDefaults } from './schema';

const buf = (hex: string) => ({ $buf: hex });
const big = (n: bigint) => ({ $big: n.toString() });
const TOPIC_ID = 'AQIDBAUGBwgJCgsMDQ4PEA';

interface Req {
  module: string;
  api: keyof p.RequestByKey;
  version: number;
  args: unknown[];
  check?: (body: Record<string, unknown>) => void;
  /** Bytes the builder writes that the version does not define (their bug); Kafka, like us, ignores trailing bytes. */
  extraTrailingBytes?: number;
}

const requests: Req[] = [
  { module: 'metadata/api-versions-v3', api: 18, version: 3, args: ['plt', '1.35.0'], check: (b) => expect(b.clientSoftwareName).toBe('plt') },
  { module: 'metadata/api-versions-v4', api: 18, version: 4, args: ['plt', '1.35.0'] },
  ...[9, 10, 11, 12].map((version) => ({
    module: `metadata/metadata-v${version}`,
    api: 3 as const,
    version,
    args: [['orders', 'payments'], true, false],
    check: (b: Record<string, unknown>) => expect((b.topics as Array<{ name: string }>).map((t) => t.name)).toEqual(['orders', 'payments']),
    // Their v11 builder still writes IncludeClusterAuthorizedOperations, which exists in v8-10 only.
    extraTrailingBytes: version === 11 ? 1 : 0,
  })),
  {
    module: 'consumer/fetch-v12',
    api: 1,
    version: 12,
    args: [500, 1, 1048576, 0, 0, -1, [{ topicId: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: 1, fetchOffset: big(5n), lastFetchedEpoch: -1, partitionMaxBytes: 65536 }] }], [], ''],
    check: (b) => expect((b.topics as p.FetchRequest['topics'])[0].partitions[0].fetchOffset).toBe(5n),
  },
  {
    module: 'consumer/join-group-v9',
    api: 11,
    version: 9,
    args: ['group-a', 30000, 60000, '', null, 'consumer', [{ name: 'roundrobin', metadata: buf('0001') }], null],
    check: (b) => expect(b.groupId).toBe('group-a'),
  },
  {
    module: 'consumer/sync-group-v5',
    api: 14,
    version: 5,
    args: ['group-a', 2, 'm-1', null, 'consumer', 'roundrobin', [{ memberId: 'm-1', assignment: buf('0102') }]],
    check: (b) => expect(b.protocolName).toBe('roundrobin'),
  },
  { module: 'consumer/heartbeat-v4', api: 12, version: 4, args: ['group-a', 2, 'm-1', null] },
  {
    module: 'consumer/offset-commit-v8',
    api: 8,
    version: 8,
    args: ['group-a', 2, 'm-1', null, [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: big(10n), committedLeaderEpoch: -1, committedMetadata: null }] }]],
    check: (b) => expect((b.topics as p.OffsetCommitRequest['topics'])[0].partitions[0].committedOffset).toBe(10n),
  },
  {
    module: 'consumer/offset-fetch-v9',
    api: 9,
    version: 9,
    args: [[{ groupId: 'group-a', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', partitionIndexes: [0, 1] }] }], false],
    check: (b) => expect((b.groups as p.OffsetFetchRequest['groups'])[0].groupId).toBe('group-a'),
  },
  {
    module: 'consumer/list-offsets-v8',
    api: 2,
    version: 8,
    args: [-1, 0, [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: big(-3n) }] }]],
    check: (b) => expect((b.topics as p.ListOffsetsRequest['topics'])[0].partitions[0].timestamp).toBe(-3n),
  },
  {
    module: 'admin/create-topics-v7',
    api: 19,
    version: 7,
    args: [[{ name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] }], 5000, false],
    check: (b) => expect((b.topics as p.CreateTopicsRequest['topics'])[0].configs[0].value).toBe('1000'),
  },
  {
    module: 'admin/describe-configs-v4',
    api: 32,
    version: 4,
    args: [[{ resourceType: 2, resourceName: 'orders', configurationKeys: null }], false, false],
  },
  { module: 'metadata/find-coordinator-v6', api: 10, version: 6, args: [0, ['group-a', 'group-b']] },
  { module: 'producer/init-producer-id-v5', api: 22, version: 5, args: [null, 60000, big(-1n), -1] },
  {
    module: 'producer/produce-v9',
    api: 0,
    version: 9,
    args: [-1, 30000, [{ topic: 'orders', partition: 1, key: buf('6b'), value: buf('76'), timestamp: big(1700000000000n) }], {}],
    check: (b) => {
      const records = (b.topicData as p.ProduceRequest['topicData'])[0].partitionData[0].records!;
      expect(records[16]).toBe(2); // magic
    },
  },
];

interface Res {
  module: string;
  codec: p.MessageCodec<unknown>;
  version: number;
  value: Record<string, unknown>;
  check: (parsed: Record<string, unknown>) => void;
}

const responses: Res[] = [
  {
    module: 'metadata/metadata-v12',
    codec: p.MetadataResponseCodec,
    version: 12,
    value: {
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: 'r1' }],
      clusterId: 'c1',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          topicId: TOPIC_ID,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        },
      ],
    },
    check: (r) => {
      expect(r.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: 9092, rack: 'r1' }]);
      const t = (r.topics as Array<Record<string, unknown>>)[0];
      expect(t.name).toBe('orders');
      expect((t.partitions as Array<Record<string, unknown>>)[0]).toMatchObject({ partitionIndex: 0, leaderId: 1, leaderEpoch: 3 });
    },
  },
  {
    module: 'metadata/api-versions-v3',
    codec: p.ApiVersionsResponseCodec,
    version: 3,
    value: { errorCode: 0, apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }], throttleTimeMs: 0, finalizedFeaturesEpoch: 4n },
    check: (r) => expect(r.apiKeys).toEqual([expect.objectContaining({ apiKey: 3, minVersion: 0, maxVersion: 12 })]),
  },
  {
    module: 'consumer/join-group-v9',
    codec: p.JoinGroupResponseCodec,
    version: 9,
    value: { generationId: 3, protocolType: 'consumer', protocolName: 'roundrobin', leader: 'm-1', memberId: 'm-1', members: [{ memberId: 'm-1', metadata: Buffer.from([1]) }] },
    check: (r) => expect(r).toMatchObject({ generationId: 3, protocolName: 'roundrobin', leader: 'm-1' }),
  },
  {
    module: 'producer/produce-v9',
    codec: p.ProduceResponseCodec,
    version: 9,
    value: { responses: [{ name: 'orders', partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 41n, logAppendTimeMs: -1n, logStartOffset: 0n }] }] },
    check: (r) => {
      const part = ((r.responses as Array<Record<string, unknown>>)[0].partitionResponses as Array<Record<string, unknown>>)[0];
      expect(part).toMatchObject({ index: 1, errorCode: 0, baseOffset: { $big: '41' } });
    },
  },
  {
    module: 'metadata/find-coordinator-v6',
    codec: p.FindCoordinatorResponseCodec,
    version: 6,
    value: { coordinators: [{ key: 'group-a', nodeId: 1, host: 'localhost', port: 9092, errorCode: 0, errorMessage: null }] },
    check: (r) => expect((r.coordinators as Array<Record<string, unknown>>)[0]).toMatchObject({ key: 'group-a', nodeId: 1, port: 9092 }),
  },
];

describe('@platformatic/kafka (flexible versions)', () => {
  let result: { requests: string[]; responses: Array<{ ok?: Record<string, unknown>; error?: string }> };

  beforeAll(() => {
    const input = {
      requests: requests.map((r) => ({ module: r.module, args: r.args })),
      responses: responses.map((r) => ({
        module: r.module,
        apiKey: r.codec.apiKey,
        version: r.version,
        hex: p.encode(r.codec, withDefaults(messageSchemas()[r.codec.name], r.value), r.version).toString('hex'),
      })),
    };
    const out = execFileSync(process.execPath, [join(__dirname, 'testing/platformatic-bridge.mjs')], {
      input: JSON.stringify(input),
      encoding: 'utf8',
      cwd: __dirname,
    });
    result = JSON.parse(out);
  });

  requests.forEach((r, i) => {
    it(`request ${r.module} decodes and re-encodes identically`, () => {
      const bytes = Buffer.from(result.requests[i], 'hex');
      const codec = p.apiByKey(r.api)!.request;
      const body = p.decode(codec, bytes, r.version) as Record<string, unknown>;
      r.check?.(body);
      const expected = bytes.subarray(0, bytes.length - (r.extraTrailingBytes ?? 0));
      expect(p.encode(codec, body, r.version).toString('hex')).toBe(expected.toString('hex'));
    });
  });

  responses.forEach((r, i) => {
    it(`response ${r.module} is parsed by @platformatic/kafka`, () => {
      const got = result.responses[i];
      expect(got.error).toBeUndefined();
      r.check(got.ok!);
    });
  });
});
