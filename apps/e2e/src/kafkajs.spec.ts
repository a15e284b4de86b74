/**
 * kafkajs 2.2.4 (non-flexible protocol versions) against the real server
 * process: every compression codec, a three-member consumer group that
 * rebalances on leave and on crash, committed offsets across a server
 * restart, admin topic operations, and the idempotent producer.
 */
import { join } from 'node:path';
import { Admin, AssignerProtocol, CompressionTypes, ConfigResourceTypes, Consumer, Kafka } from 'kafkajs';
import {
  E2E_SRC,
  FAST_GROUP_PROPS,
  NagareProcess,
  batchesOnDisk,
  cleanupAll,
  restartNagare,
  spawnLines,
  startNagare,
  waitFor,
} from './harness';
import { ConsumedMessage, connectedAdmin, consumeN, newKafka, registerKafkajsCodecs, toConsumed, trackedConsumer } from './kafkajs-helpers';

jest.setTimeout(90000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  registerKafkajsCodecs();
  server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
  kafka = newKafka(server.bootstrap, 'e2e-kafkajs');
  admin = await connectedAdmin(kafka);
});

afterAll(async () => {
  await cleanupAll();
});

function describeFailure(): string {
  return `server log (last 40 lines):\n${server.output.slice(-40).join('\n')}`;
}

async function producer(opts: Parameters<Kafka['producer']>[0] = {}) {
  const p = kafka.producer({ allowAutoTopicCreation: false, ...opts });
  await p.connect();
  return p;
}

// ------------------------------------------------------------------ codecs

describe('compression codecs', () => {
  const codecs: Array<[string, CompressionTypes, number]> = [
    ['none', CompressionTypes.None, 0],
    ['gzip', CompressionTypes.GZIP, 1],
    ['snappy', CompressionTypes.Snappy, 2],
    ['lz4', CompressionTypes.LZ4, 3],
    ['zstd', CompressionTypes.ZSTD, 4],
  ];
  const N = 30;
  const valueOf = (codec: string, i: number) => `${codec}-value-${i}-` + 'compressible payload '.repeat(10);

  it('produces and consumes records with every codec; batches are stored with the producer codec', async () => {
    await admin.createTopics({ topics: codecs.map(([name]) => ({ topic: `codec-${name}`, numPartitions: 1 })), waitForLeaders: true });
    const p = await producer();
    for (const [name, type] of codecs) {
      const res = await p.send({
        topic: `codec-${name}`,
        compression: type,
        acks: -1,
        messages: Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: valueOf(name, i), headers: { codec: name, i: String(i) } })),
      });
      expect(res).toEqual([expect.objectContaining({ topicName: `codec-${name}`, partition: 0, errorCode: 0, baseOffset: '0' })]);
    }
    await p.disconnect();

    // Stored as produced: one batch per send, with the codec in its attributes (compression.type=producer).
    for (const [name, , codecId] of codecs) {
      const batches = batchesOnDisk(server, `codec-${name}`, 0);
      expect({ name, batches: batches.map((b) => ({ codec: b.codec, records: b.records, baseOffset: b.baseOffset })) }).toEqual({
        name,
        batches: [{ codec: codecId, records: N, baseOffset: 0n }],
      });
    }

    const got = await consumeN(kafka, codecs.map(([name]) => `codec-${name}`), N * codecs.length);
    expect(got).toHaveLength(N * codecs.length);
    for (const [name] of codecs) {
      const mine = got.filter((m) => m.topic === `codec-${name}`);
      expect(mine.map((m) => m.offset)).toEqual(Array.from({ length: N }, (_, i) => String(i)));
      expect(mine.map((m) => m.key)).toEqual(Array.from({ length: N }, (_, i) => `k${i}`));
      expect(mine.map((m) => m.value)).toEqual(Array.from({ length: N }, (_, i) => valueOf(name, i)));
      expect(mine.map((m) => m.headers)).toEqual(Array.from({ length: N }, (_, i) => ({ codec: name, i: String(i) })));
    }
  });
});

// ------------------------------------------------------------------ consumer group

interface GroupView {
  state: string;
  members: Map<string, { clientId: string; partitions: number[] }>;
}

async function groupView(groupId: string, topic: string): Promise<GroupView> {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0];
  const members = new Map<string, { clientId: string; partitions: number[] }>();
  for (const m of g.members) {
    const a = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
    members.set(m.memberId, { clientId: m.clientId, partitions: [...(a?.assignment[topic] ?? [])].sort((x, y) => x - y) });
  }
  return { state: g.state, members };
}

/** Stable, with exactly `n` members whose assignments partition all of 0..partitions-1. */
function settled(v: GroupView, n: number, partitions: number): boolean {
  if (v.state !== 'Stable' || v.members.size !== n) return false;
  const all = [...v.members.values()].flatMap((m) => m.partitions).sort((a, b) => a - b);
  return JSON.stringify(all) === JSON.stringify(Array.from({ length: partitions }, (_, i) => i));
}

describe('consumer group of three', () => {
  const topic = 'group-topic';
  const groupId = 'e2e-group-3';
  const P = 6;
  const SESSION_MS = 6000;

  interface Member {
    name: string;
    consumer: Consumer;
    memberId: string | null;
    assignment: number[];
    joins: number;
    got: ConsumedMessage[];
  }

  async function startMember(name: string): Promise<Member> {
    const m: Member = {
      name,
      consumer: trackedConsumer(newKafka(server.bootstrap, `e2e-${name}`), {
        groupId,
        sessionTimeout: SESSION_MS,
        rebalanceTimeout: SESSION_MS,
        heartbeatInterval: 300,
        maxWaitTimeInMs: 200,
      }),
      memberId: null,
      assignment: [],
      joins: 0,
      got: [],
    };
    m.consumer.on(m.consumer.events.GROUP_JOIN, (e) => {
      m.memberId = e.payload.memberId;
      m.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      m.joins++;
    });
    await m.consumer.connect();
    await m.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await m.consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ topic: t, partition, message }) => {
        m.got.push(toConsumed(t, partition, message));
      },
    });
    return m;
  }

  /** The server's view agrees with what each in-process member was told. */
  function agrees(v: GroupView, members: Member[]): boolean {
    return members.every((m) => m.memberId !== null && JSON.stringify(v.members.get(m.memberId)?.partitions) === JSON.stringify(m.assignment));
  }

  async function produceRound(round: number, perPartition: number): Promise<string[]> {
    const p = await producer();
    const values: string[] = [];
    const messages = [];
    for (let part = 0; part < P; part++) {
      for (let i = 0; i < perPartition; i++) {
        const value = `r${round}-p${part}-${i}`;
        values.push(value);
        messages.push({ partition: part, value });
      }
    }
    await p.send({ topic, acks: -1, messages });
    await p.disconnect();
    return values;
  }

  it('splits partitions across 3 members, rebalances when one leaves and when one crashes, and consumes every record', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: P }], waitForLeaders: true });
    const c1 = await startMember('c1');
    const c2 = await startMember('c2');
    const c3 = await startMember('c3');
    const all = [c1, c2, c3];

    // 1. Three members, each with a share of the six partitions.
    let view = await waitFor(
      async () => {
        const v = await groupView(groupId, topic);
        return settled(v, 3, P) && agrees(v, all) ? v : null;
      },
      { timeoutMs: 30000, what: () => `a stable 3-member group; ${describeFailure()}` },
    );
    for (const m of all) expect(m.assignment.length).toBe(2);
    const produced = await produceRound(1, 5);
    const consumedValues = () => new Set([...c1.got, ...c2.got, ...c3.got].map((m) => m.value));
    await waitFor(() => produced.every((v) => consumedValues().has(v)), { timeoutMs: 20000, what: 'round 1 consumed' });
    // Each member consumed exactly the partitions it owns.
    for (const m of all) expect([...new Set(m.got.map((x) => x.partition))].sort()).toEqual(m.assignment);

    // 2. c3 leaves (LeaveGroup): the survivors take over its partitions well before the session timeout.
    const leftAt = Date.now();
    await c3.consumer.disconnect();
    view = await waitFor(
      async () => {
        const v = await groupView(groupId, topic);
        return settled(v, 2, P) && agrees(v, [c1, c2]) ? v : null;
      },
      { timeoutMs: 20000, what: () => `a stable 2-member group after c3 left; ${describeFailure()}` },
    );
    expect(Date.now() - leftAt).toBeLessThan(SESSION_MS);
    expect(c1.assignment.length + c2.assignment.length).toBe(P);
    produced.push(...(await produceRound(2, 5)));
    await waitFor(() => produced.every((v) => consumedValues().has(v)), { timeoutMs: 20000, what: 'round 2 consumed by the survivors' });

    // 3. A member in another process joins, gets partitions, then crashes (SIGKILL: no LeaveGroup).
    const crasher = spawnLines(process.execPath, [join(E2E_SRC, 'kafkajs-member.js'), server.bootstrap, groupId, topic, String(SESSION_MS)]);
    const crasherJoined = () => crasher.json<{ event: string; memberId: string; assignment: Record<string, number[]> }>().filter((e) => e.event === 'join');
    view = await waitFor(
      async () => {
        const v = await groupView(groupId, topic);
        const last = crasherJoined().at(-1);
        return settled(v, 3, P) && agrees(v, [c1, c2]) && last && JSON.stringify(v.members.get(last.memberId)?.partitions) === JSON.stringify([...(last.assignment[topic] ?? [])].sort()) ? v : null;
      },
      { timeoutMs: 30000, what: () => `a stable 3-member group with the crash member; member output: ${crasher.lines.join('\n')} ${crasher.stderr.join('\n')}; ${describeFailure()}` },
    );
    const crasherId = crasherJoined().at(-1)!.memberId;
    const crasherPartitions = view.members.get(crasherId)!.partitions;
    expect(crasherPartitions.length).toBe(2);
    produced.push(...(await produceRound(3, 5)));
    // Let the crash member read its share of round 3, so it has something to lose.
    const crasherGot = () =>
      crasher.json<{ event: string; value: string }>().filter((e) => e.event === 'message').map((e) => e.value);
    await waitFor(() => crasherGot().some((v) => v.startsWith('r3-')), { timeoutMs: 20000, what: 'the crash member consuming round 3' });

    await crasher.kill('SIGKILL');
    const killedAt = Date.now();
    produced.push(...(await produceRound(4, 5)));
    view = await waitFor(
      async () => {
        const v = await groupView(groupId, topic);
        return settled(v, 2, P) && !v.members.has(crasherId) && agrees(v, [c1, c2]) ? v : null;
      },
      { timeoutMs: SESSION_MS + 20000, what: () => `the group to drop the crashed member; ${describeFailure()}` },
    );
    const rebalancedAfter = Date.now() - killedAt;
    // The crashed member was removed by its session expiring, not earlier.
    expect(rebalancedAfter).toBeGreaterThanOrEqual(SESSION_MS - 1500);
    // No partition is left unowned: the survivors own all six, including the crashed member's.
    expect([...c1.assignment, ...c2.assignment].sort()).toEqual(Array.from({ length: P }, (_, i) => i));
    for (const p of crasherPartitions) expect([...c1.assignment, ...c2.assignment]).toContain(p);

    // Every record was consumed at least once, by someone.
    const everyone = () => new Set([...consumedValues(), ...crasherGot()]);
    await waitFor(() => produced.every((v) => everyone().has(v)), {
      timeoutMs: 20000,
      what: () => `all records consumed; missing: ${produced.filter((v) => !everyone().has(v)).join(',')}`,
    });
    // Records produced after the crash on the crashed member's partitions went to the survivors.
    for (const p of crasherPartitions) {
      const r4 = [...c1.got, ...c2.got].filter((m) => m.partition === p && m.value!.startsWith('r4-'));
      expect(r4.map((m) => m.value).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `r4-p${p}-${i}`).sort());
    }
    await c1.consumer.disconnect();
    await c2.consumer.disconnect();
    expect(server.logs().filter((l) => l.level >= 50)).toEqual([]);
  });
});

// ------------------------------------------------------------------ restart

describe('committed offsets across a server restart', () => {
  const topic = 'resume-topic';
  const groupId = 'e2e-resume';

  it('resumes the group from its committed offsets after SIGTERM and restart on the same data dir and port', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const p = await producer();
    await p.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `before-${i}` })) });
    await p.disconnect();

    const first = await consumeN(kafka, [topic], 10, { groupId });
    expect(first.map((m) => m.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `before-${i}`).sort());
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0].partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([
      [0, '5'],
      [1, '5'],
    ]);
    await admin.disconnect();

    // Orderly stop, then start again on the same data dir and port.
    const code = await server.stop();
    expect(code).toBe(0);
    server = await restartNagare(server);
    kafka = newKafka(server.bootstrap, 'e2e-kafkajs-after-restart');
    admin = await connectedAdmin(kafka);

    const after = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(after[0].partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([
      [0, '5'],
      [1, '5'],
    ]);
    const p2 = await producer();
    await p2.send({ topic, acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: i % 2, value: `after-${i}` })) });
    await p2.disconnect();

    // fromBeginning only applies without a committed offset: the group resumes at 5/5.
    const second = await consumeN(kafka, [topic], 4, { groupId, fromBeginning: true });
    expect(second.map((m) => m.value).sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3']);
    expect(second.map((m) => [m.partition, m.offset]).sort()).toEqual([
      [0, '5'],
      [0, '6'],
      [1, '5'],
      [1, '6'],
    ]);
    const final = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(final[0].partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([
      [0, '7'],
      [1, '7'],
    ]);
  });
});

// ------------------------------------------------------------------ admin

describe('admin', () => {
  it('creates, describes (metadata and configs) and deletes topics', async () => {
    const topic = 'admin-topic';
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    // Creating it again reports that it exists.
    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).resolves.toBe(false);

    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics).toHaveLength(1);
    expect(md.topics[0].name).toBe(topic);
    expect(md.topics[0].partitions.map((p) => ({ id: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, err: p.partitionErrorCode })).sort((a, b) => a.id - b.id)).toEqual([
      { id: 0, leader: 1, replicas: [1], isr: [1], err: 0 },
      { id: 1, leader: 1, replicas: [1], isr: [1], err: 0 },
      { id: 2, leader: 1, replicas: [1], isr: [1], err: 0 },
    ]);
    expect(await admin.listTopics()).toContain(topic);

    const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    expect(cfg.resources).toHaveLength(1);
    expect(cfg.resources[0].errorCode).toBe(0);
    const entries = new Map(cfg.resources[0].configEntries.map((e) => [e.configName, e]));
    expect(entries.get('retention.ms')).toEqual(expect.objectContaining({ configValue: '3600000', isDefault: false }));
    expect(entries.get('cleanup.policy')).toEqual(expect.objectContaining({ configValue: 'compact', isDefault: false }));
    expect(entries.get('segment.bytes')).toEqual(expect.objectContaining({ configValue: '1073741824', isDefault: true }));
    // DescribeConfigs v1+ carries the source: DYNAMIC_TOPIC_CONFIG (1) for a topic override, DEFAULT_CONFIG (5) otherwise.
    const source = (name: string) => (entries.get(name) as unknown as { configSource: number }).configSource;
    expect([source('retention.ms'), source('cleanup.policy'), source('segment.bytes')]).toEqual([1, 1, 5]);

    // Only the named configs when asked.
    const some = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    expect(some.resources[0].configEntries.map((e) => [e.configName, e.configValue])).toEqual([['retention.ms', '3600000']]);

    await admin.deleteTopics({ topics: [topic], timeout: 10000 });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), { timeoutMs: 10000, what: 'the topic to disappear from listTopics' });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] }).catch((e: { type?: string }) => e);
    expect((after as { type?: string }).type).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('admin: partitions, records, offsets by time', () => {
  it('adds partitions, deletes records below an offset, and finds offsets by timestamp', async () => {
    const topic = 'admin-more';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const p = await producer();
    const base = 1_700_000_000_000;
    await p.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `t${i}`, timestamp: String(base + i * 1000) })) });
    await p.disconnect();

    // ListOffsets by timestamp: the first record at or after it; past the end -> the end.
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 4500)).toEqual([{ partition: 0, offset: '5' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, base)).toEqual([{ partition: 0, offset: '0' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3_600_000)).toEqual([{ partition: 0, offset: '10' }]);

    // DeleteRecords: the log start moves to 3; a consumer from the beginning starts there.
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([expect.objectContaining({ partition: 0, low: '3', high: '10' })]);
    const rest = await consumeN(kafka, [topic], 7);
    expect(rest.map((m) => [m.offset, m.value])).toEqual(Array.from({ length: 7 }, (_, i) => [String(i + 3), `t${i + 3}`]));

    // CreatePartitions: 1 -> 3; a producer that fetches fresh metadata writes to the new ones.
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics[0].partitions.map((x) => x.partitionId).sort()).toEqual([0, 1, 2]);
    const p2 = await producer();
    const res = await p2.send({ topic, acks: -1, messages: [1, 2].map((partition) => ({ partition, value: `new-${partition}` })) });
    await p2.disconnect();
    expect(res.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort()).toEqual([
      [1, 0, '0'],
      [2, 0, '0'],
    ]);
    // Shrinking is refused.
    await expect(admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
  });
});

// ------------------------------------------------------------------ idempotence

describe('idempotent producer', () => {
  it('writes every record exactly once, in order, with a producer id and consecutive sequences', async () => {
    const topic = 'idem-topic';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const p = await producer({ idempotent: true, maxInFlightRequests: 1 });
    const sends = 5;
    const per = 20;
    for (let s = 0; s < sends; s++) {
      const res = await p.send({ topic, acks: -1, messages: Array.from({ length: per }, (_, i) => ({ key: 'k', value: `idem-${s * per + i}` })) });
      expect(res[0]).toEqual(expect.objectContaining({ errorCode: 0, baseOffset: String(s * per) }));
    }
    await p.disconnect();

    const got = await consumeN(kafka, [topic], sends * per);
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: sends * per }, (_, i) => String(i)));
    expect(got.map((m) => m.value)).toEqual(Array.from({ length: sends * per }, (_, i) => `idem-${i}`));

    const batches = batchesOnDisk(server, topic, 0);
    expect(batches).toHaveLength(sends);
    const pid = batches[0].producerId;
    expect(pid >= 0n).toBe(true);
    expect(batches.map((b) => [b.producerId, b.producerEpoch, b.baseSequence, b.records])).toEqual(
      Array.from({ length: sends }, (_, s) => [pid, 0, s * per, per]),
    );

    // A second idempotent producer gets a different producer id.
    const p2 = await producer({ idempotent: true, maxInFlightRequests: 1 });
    await p2.send({ topic, acks: -1, messages: [{ value: 'second-producer' }] });
    await p2.disconnect();
    const after = batchesOnDisk(server, topic, 0);
    expect(after).toHaveLength(sends + 1);
    expect(after[sends].producerId).not.toBe(pid);
    expect(after[sends].baseSequence).toBe(0);
  });
});
