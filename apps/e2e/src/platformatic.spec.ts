/**
 * @platformatic/kafka 1.35.0 against the real server: a client that speaks
 * the flexible (KIP-482) versions of every API it uses. It is ESM-only, so it
 * runs in a child process (platformatic-client.mjs) that reports its results
 * and the (API key, version) pairs it sent.
 */
import { join } from 'node:path';
import { apiByKey, ApiKey, ErrorCode } from '@nagare/protocol';
import { E2E_SRC, NagareProcess, batchesOnDisk, cleanupAll, runOk, startNagare, FAST_GROUP_PROPS, waitFor } from './harness';
import { connectedAdmin, newKafka, trackedConsumer } from './kafkajs-helpers';

jest.setTimeout(60000);

let server: NagareProcess;
beforeAll(async () => {
  server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
});
afterAll(async () => {
  await cleanupAll();
});

type Op = Record<string, unknown> & { op: string };
interface Outcome {
  results: Array<{ ok?: unknown; error?: string; code?: string; errors?: Array<{ message: string; apiCode?: number }> }>;
  apis: Array<[number, number]>;
}

async function platformatic(ops: Op[]): Promise<Outcome> {
  const out = await runOk(process.execPath, [join(E2E_SRC, 'platformatic-client.mjs'), server.bootstrap, JSON.stringify(ops)], { timeoutMs: 45000 });
  return JSON.parse(out) as Outcome;
}

/** The results, failing on the first operation that failed. */
function oks(o: Outcome, ops: Op[]): unknown[] {
  return o.results.map((r, i) => {
    if (r.error !== undefined) throw new Error(`${ops[i].op} failed: ${r.error} (${r.code}) ${JSON.stringify(r.errors ?? [])}\nserver log:\n${server.output.slice(-20).join('\n')}`);
    return r.ok;
  });
}

/** Every API the client used was sent at a flexible version. */
function expectFlexible(apis: Array<[number, number]>, mustInclude: number[]): void {
  const used = new Map<number, number>();
  for (const [k, v] of apis) used.set(k, Math.max(used.get(k) ?? -1, v));
  for (const k of mustInclude) expect({ api: apiByKey(k)!.name, used: used.has(k) }).toEqual({ api: apiByKey(k)!.name, used: true });
  for (const [k, v] of used) {
    const api = apiByKey(k)!;
    expect({ api: api.name, version: v, flexible: api.flexibleFrom >= 0 && v >= api.flexibleFrom }).toEqual({ api: api.name, version: v, flexible: true });
  }
}

describe('@platformatic/kafka', () => {
  it('creates, lists, describes, alters and deletes topics (admin, flexible versions)', async () => {
    const ops: Op[] = [
      { op: 'createTopics', topics: ['plt-admin'], partitions: 3, configs: [{ name: 'retention.ms', value: '7200000' }] },
      { op: 'createTopics', topics: ['plt-admin'], partitions: 3 },
      { op: 'listTopics' },
      { op: 'metadata', topics: ['plt-admin'] },
      { op: 'describeConfigs', topic: 'plt-admin', keys: ['retention.ms', 'cleanup.policy'] },
      { op: 'incrementalAlterConfigs', topic: 'plt-admin', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000000' }, { name: 'cleanup.policy', configOperation: 0, value: 'compact' }] },
      { op: 'describeConfigs', topic: 'plt-admin', keys: ['retention.ms', 'cleanup.policy'] },
      { op: 'deleteTopics', topics: ['plt-admin'] },
      { op: 'listTopics' },
    ];
    const o = await platformatic(ops);
    // The second create fails with TOPIC_ALREADY_EXISTS; everything else succeeds.
    expect(o.results[1].error).toBeDefined();
    expect(JSON.stringify(o.results[1])).toMatch(/already exists/i);
    o.results[1] = { ok: null };
    const [created, , listed, md, before, , after, , listedAfter] = oks(o, ops) as [
      Array<{ name: string; partitions: number; replicas: number; configuration: Record<string, string> }>,
      unknown,
      string[],
      { brokers: Record<string, { host: string; port: number }>; topics: Record<string, { partitionsCount: number; partitions: Array<{ leader: number; replicas: number[]; isr: number[] }> }> },
      Array<{ configs: Array<{ name: string; value: string; configSource: number }> }>,
      unknown,
      Array<{ configs: Array<{ name: string; value: string; configSource: number }> }>,
      unknown,
      string[],
    ];
    expect(created).toEqual([expect.objectContaining({ name: 'plt-admin', partitions: 3, replicas: 1 })]);
    expect(created[0].configuration['retention.ms']).toBe('7200000');
    expect(listed).toContain('plt-admin');
    expect(md.brokers).toEqual({ '1': expect.objectContaining({ host: '127.0.0.1', port: server.port }) });
    expect(md.topics['plt-admin'].partitionsCount).toBe(3);
    // (@platformatic/kafka 1.22 keeps leader and replicas of Metadata's partitions, not the ISR.)
    expect(md.topics['plt-admin'].partitions.map((p) => [p.leader, p.replicas])).toEqual([
      [1, [1]],
      [1, [1]],
      [1, [1]],
    ]);
    const cfg = (d: typeof before) => Object.fromEntries(d[0].configs.map((c) => [c.name, [c.value, c.configSource]]));
    // 1 = DYNAMIC_TOPIC_CONFIG, 5 = DEFAULT_CONFIG
    expect(cfg(before)).toEqual({ 'retention.ms': ['7200000', 1], 'cleanup.policy': ['delete', 5] });
    expect(cfg(after)).toEqual({ 'retention.ms': ['1000000', 1], 'cleanup.policy': ['compact', 1] });
    expect(listedAfter).not.toContain('plt-admin');
    expectFlexible(o.apis, [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.CreateTopics, ApiKey.DeleteTopics, ApiKey.DescribeConfigs, ApiKey.IncrementalAlterConfigs]);
  });

  it('produces with none/gzip/snappy/lz4 and reads every record back', async () => {
    // zstd: @platformatic/kafka uses node:zlib's zstd, which Node 20 does not have.
    const codecs: Array<[string, number]> = [
      ['none', 0],
      ['gzip', 1],
      ['snappy', 2],
      ['lz4', 3],
    ];
    const ops: Op[] = [{ op: 'createTopics', topics: codecs.map(([c]) => `plt-codec-${c}`), partitions: 1 }];
    const value = (c: string, i: number) => `${c}-${i}-` + 'abcdefgh'.repeat(20);
    for (const [c] of codecs) {
      ops.push({ op: 'produce', topic: `plt-codec-${c}`, compression: c, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: value(c, i), headers: { h: `${c}${i}` } })) });
    }
    for (const [c] of codecs) ops.push({ op: 'consumeGroup', groupId: `plt-codec-reader-${c}`, topic: `plt-codec-${c}`, members: 1, count: 10 });
    const o = await platformatic(ops);
    const res = oks(o, ops);
    for (let i = 0; i < codecs.length; i++) {
      const [c, id] = codecs[i];
      expect(batchesOnDisk(server, `plt-codec-${c}`, 0).map((b) => [b.codec, b.records])).toEqual([[id, 10]]);
      const got = (res[1 + codecs.length + i] as { messages: Array<{ offset: string; key: string; value: string }> }).messages;
      expect(got.map((m) => [m.offset, m.key, m.value])).toEqual(Array.from({ length: 10 }, (_, j) => [String(j), `k${j}`, value(c, j)]));
    }
    expectFlexible(o.apis, [ApiKey.Produce, ApiKey.Fetch]);
  });

  it('consumes in a group of two that splits the partitions, commits, and resumes from the commit', async () => {
    const topic = 'plt-group';
    const groupId = 'plt-group-g';
    const P = 3;
    const first = Array.from({ length: 30 }, (_, i) => ({ partition: i % P, key: `k${i}`, value: `first-${i}` }));
    const ops: Op[] = [
      { op: 'createTopics', topics: [topic], partitions: P },
      { op: 'consumeGroup', groupId, topic, members: 2, count: first.length, partitions: P, produce: first },
      { op: 'listGroupOffsets', groupId },
      { op: 'describeGroups', groupId },
    ];
    const o = await platformatic(ops);
    const [, consumed, offsets, groups] = oks(o, ops) as [
      unknown,
      {
        messages: Array<{ member: number; partition: number; offset: string; key: string; value: string }>;
        assignments: Array<{ memberId: string; generationId: number; assignments: Array<{ topic: string; partitions: number[] }> }>;
      },
      Array<{ topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: string }> }> }>,
      Record<string, { state: string; members: Record<string, unknown> }>,
    ];
    // Both members are in one generation and split all partitions between them.
    const [a, b] = consumed.assignments;
    expect(a.generationId).toBe(b.generationId);
    const pa = a.assignments.flatMap((x) => x.partitions);
    const pb = b.assignments.flatMap((x) => x.partitions);
    expect(pa.length).toBeGreaterThan(0);
    expect(pb.length).toBeGreaterThan(0);
    expect([...pa, ...pb].sort()).toEqual([0, 1, 2]);
    // Every record exactly once, each from the member owning its partition, in offset order per partition.
    expect(consumed.messages.map((m) => m.value).sort()).toEqual(first.map((m) => m.value).sort());
    for (const m of consumed.messages) expect(m.member === 0 ? pa : pb).toContain(m.partition);
    for (let p = 0; p < P; p++) {
      const mine = consumed.messages.filter((m) => m.partition === p);
      expect(mine.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
      expect(mine.map((m) => m.value)).toEqual(first.filter((m) => m.partition === p).map((m) => m.value));
    }
    // Committed: what the client committed for each partition. @platformatic/kafka
    // 1.22 (the last release whose dependencies support Node 20) commits the
    // offset of the last record it consumed, 9, and resumes after it (later
    // releases commit the next offset, 10, as Kafka's clients do); the resume
    // below shows the broker kept exactly that.
    expect(offsets[0].topics.find((t) => t.name === topic)!.partitions.map((p) => [p.partitionIndex, p.committedOffset]).sort()).toEqual([
      [0, '9'],
      [1, '9'],
      [2, '9'],
    ]);
    expect(groups[groupId].state).toBe('EMPTY');

    // A new member of the same group resumes from the commits: it sees only the new records.
    const second = Array.from({ length: 6 }, (_, i) => ({ partition: i % P, value: `second-${i}` }));
    const ops2: Op[] = [
      { op: 'produce', topic, messages: second },
      { op: 'consumeGroup', groupId, topic, members: 1, count: second.length },
    ];
    const o2 = await platformatic(ops2);
    const [, resumed] = oks(o2, ops2) as [unknown, { messages: Array<{ partition: number; offset: string; value: string }> }];
    expect(resumed.messages.map((m) => m.value).sort()).toEqual(second.map((m) => m.value).sort());
    expect(resumed.messages.every((m) => Number(m.offset) >= 10)).toBe(true);
    expectFlexible([...o.apis, ...o2.apis], [
      ApiKey.FindCoordinator,
      ApiKey.JoinGroup,
      ApiKey.SyncGroup,
      ApiKey.Heartbeat,
      ApiKey.OffsetCommit,
      ApiKey.OffsetFetch,
      ApiKey.LeaveGroup,
      ApiKey.ListOffsets,
      ApiKey.DescribeGroups,
      ApiKey.Produce,
      ApiKey.Fetch,
    ]);
  });

  it('produces idempotently (InitProducerId, flexible) and reads back exactly once', async () => {
    const topic = 'plt-idem';
    const ops: Op[] = [
      { op: 'createTopics', topics: [topic], partitions: 1 },
      { op: 'produce', topic, idempotent: true, messages: Array.from({ length: 20 }, (_, i) => ({ value: `idem-${i}` })) },
      { op: 'consumeGroup', groupId: 'plt-idem-reader', topic, members: 1, count: 20 },
    ];
    const o = await platformatic(ops);
    const [, , got] = oks(o, ops) as [unknown, unknown, { messages: Array<{ offset: string; value: string }> }];
    expect(got.messages.map((m) => [m.offset, m.value])).toEqual(Array.from({ length: 20 }, (_, i) => [String(i), `idem-${i}`]));
    const batches = batchesOnDisk(server, topic, 0);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.producerId >= 0n && b.producerEpoch === 0)).toBe(true);
    expect(batches[0].baseSequence).toBe(0);
    expectFlexible(o.apis, [ApiKey.InitProducerId]);
    expect(server.logs().filter((l) => l.level >= 50)).toEqual([]);
  });

  it('cannot join a kafkajs group whose members use another assignor (INCONSISTENT_GROUP_PROTOCOL); the kafkajs group is unaffected', async () => {
    const topic = 'plt-mixed';
    const groupId = 'plt-mixed-g';
    const kafka = newKafka(server.bootstrap, 'e2e-mixed-kafkajs');
    const admin = await connectedAdmin(kafka);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const consumer = trackedConsumer(kafka, { groupId, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ eachMessage: async () => undefined });
    await waitFor(() => joined, { timeoutMs: 20000, what: 'the kafkajs member to join' });

    // kafkajs offers "RoundRobinAssigner", @platformatic/kafka "roundrobin": no protocol in common.
    const ops: Op[] = [{ op: 'consumeGroup', groupId, topic, members: 1, count: 1, timeoutMs: 5000 }];
    const o = await platformatic(ops);
    expect(o.results[0].error).toBeDefined();
    expect(o.results[0].errors?.map((e) => e.apiCode)).toContain(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    const { groups } = await admin.describeGroups([groupId]);
    expect([groups[0].state, groups[0].protocol, groups[0].members.map((m) => m.clientId)]).toEqual(['Stable', 'RoundRobinAssigner', ['e2e-mixed-kafkajs']]);
    await consumer.disconnect();
  });
});
