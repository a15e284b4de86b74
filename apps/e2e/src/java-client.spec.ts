/**
 * Apache Kafka's Java client (4.0, ../shared/java-client) used directly by
 * the suite's own Java programs (src/java, compiled with javac in beforeAll):
 * every Admin API call Kafka's command-line tools are built on (AdminCalls),
 * and a consumer group of two KafkaConsumers (GroupMember) that split the
 * partitions, commit, and hand over when one leaves.
 */
import { Admin, Kafka, Producer } from 'kafkajs';
import { FAST_GROUP_PROPS, LineProcess, NagareProcess, cleanupAll, onCleanup, startNagare, waitFor } from './harness';
import { compileJava, describeWithJava, requireJava, runJavaMain, spawnJavaMain } from './java-harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(240000);

let server: NagareProcess;
let classes: string;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

type Step = Record<string, unknown> & { step: string; error?: string };

describeWithJava("Apache Kafka's Java client (Admin, KafkaProducer, KafkaConsumer)", () => {
  beforeAll(async () => {
    requireJava({ javac: true });
    [classes, server] = await Promise.all([compileJava(), startNagare({ props: { ...FAST_GROUP_PROPS } })]);
    kafka = newKafka(server.bootstrap, 'e2e-java-client-setup');
    admin = await connectedAdmin(kafka);
    producer = kafka.producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
  });
  afterAll(async () => {
    await cleanupAll();
  });

  it('Admin: every call the CLI tools use answers as Kafka does', async () => {
    const r = await runJavaMain(classes, 'AdminCalls', [server.bootstrap, 'jadm']);
    const steps = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Step);
    const by = Object.fromEntries(steps.map((s) => [s.step, s]));
    // Every step ran and none failed (the message of the first failure, if any, is in the diff).
    expect(steps.filter((s) => s.error).map((s) => `${s.step}: ${s.error}`)).toEqual([]);
    expect(steps.map((s) => s.step)).toEqual([
      'describeCluster', 'createTopics', 'createTopics existing', 'listTopics', 'describeTopics', 'describeConfigs', 'incrementalAlterConfigs', 'produce',
      'listOffsets', 'deleteRecords', 'alterConsumerGroupOffsets', 'listConsumerGroups', 'describeConsumerGroups', 'listConsumerGroupOffsets',
      'deleteConsumerGroups', 'createPartitions', 'deleteTopics',
    ]);
    expect(r.code).toBe(0);

    const node = { id: 1, host: '127.0.0.1', port: server.port };
    expect(by.describeCluster).toEqual({ step: 'describeCluster', clusterId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), controller: node, nodes: [node] });
    expect(by['createTopics existing'].expectedError).toBe("TopicExistsException: Topic 'jadm-a' already exists.");
    expect(by.listTopics.names).toEqual(['jadm-a', 'jadm-b']);

    const partitions = (n: number) => Array.from({ length: n }, (_, p) => ({ partition: p, leader: 1, replicas: [1], isr: [1] }));
    expect(by.describeTopics.topics).toEqual({
      'jadm-a': { topicId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), internal: false, partitions: partitions(3) },
      'jadm-b': { topicId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), internal: false, partitions: partitions(1) },
    });

    expect(by.describeConfigs).toMatchObject({
      topic: {
        'retention.ms': { value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG' },
        'cleanup.policy': { value: 'delete', source: 'DEFAULT_CONFIG' },
        'max.message.bytes': { value: '1048588', source: 'DEFAULT_CONFIG' },
      },
      // The server's properties file sets these two (see singleNodeProps).
      broker: {
        'num.partitions': { value: '1', source: 'STATIC_BROKER_CONFIG' },
        'log.retention.hours': { value: '168', source: 'DEFAULT_CONFIG' },
        'offsets.topic.num.partitions': { value: '5', source: 'STATIC_BROKER_CONFIG' },
      },
    });
    expect(by.describeConfigs.topicEntries).toBeGreaterThan(20);
    expect(by.describeConfigs.brokerEntries).toBeGreaterThan(50);
    expect(by.incrementalAlterConfigs).toEqual({
      step: 'incrementalAlterConfigs',
      afterSet: { 'retention.ms': { value: '7200000', source: 'DYNAMIC_TOPIC_CONFIG' }, 'max.message.bytes': { value: '2000000', source: 'DYNAMIC_TOPIC_CONFIG' } },
      afterDelete: { 'retention.ms': { value: '7200000', source: 'DYNAMIC_TOPIC_CONFIG' }, 'max.message.bytes': { value: '1048588', source: 'DEFAULT_CONFIG' } },
    });

    const ten = Array.from({ length: 10 }, (_, i) => i);
    expect(by.produce.offsets).toEqual({ 0: ten, 1: ten, 2: ten });
    // Records i of each partition were produced with timestamp BASE + i s (BASE = 1,700,000,000,000).
    const each = (v: { offset: number; timestamp: number }) => ({ 0: v, 1: v, 2: v });
    expect(by.listOffsets).toEqual({
      step: 'listOffsets',
      earliest: each({ offset: 0, timestamp: -1 }),
      latest: each({ offset: 10, timestamp: -1 }),
      maxTimestamp: each({ offset: 9, timestamp: 1_700_000_009_000 }),
      forTimestamp: each({ offset: 5, timestamp: 1_700_000_005_000 }),
      afterLast: each({ offset: -1, timestamp: -1 }),
    });
    expect(by.deleteRecords).toEqual({
      step: 'deleteRecords',
      lowWatermark: 4,
      earliestAfter: { 0: { offset: 4, timestamp: -1 }, 1: { offset: 0, timestamp: -1 }, 2: { offset: 0, timestamp: -1 } },
    });

    // A group that only ever had offsets committed by the admin: a simple (protocol-less) classic group.
    expect(by.listConsumerGroups.groups).toEqual({ 'jadm-group': { simple: true, state: 'Empty', type: 'Classic' } });
    expect(by.describeConsumerGroups).toEqual({ step: 'describeConsumerGroups', groupId: 'jadm-group', state: 'Empty', members: 0, partitionAssignor: '', coordinator: node });
    expect(by.listConsumerGroupOffsets.offsets).toEqual({ 'jadm-a-0': { offset: 7, metadata: 'from AdminCalls' }, 'jadm-a-1': { offset: 3, metadata: '' } });
    expect(by.deleteConsumerGroups.listedAfter).toEqual([]);
    expect(by.createPartitions.partitions).toBe(3);
    expect(by.deleteTopics.listedAfter).toEqual([]);

    // Cross-checked with another client: the topics are gone, the group too.
    expect((await admin.listTopics()).filter((t) => t.startsWith('jadm'))).toEqual([]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('jadm-group');
  });

  describe('a consumer group of two KafkaConsumers', () => {
    const topic = 'jgroup';
    const group = 'jgroup-members';
    interface Event {
      event: string;
      partitions?: number[];
      partition?: number;
      offset?: number;
      value?: string;
      offsets?: Record<string, number>;
    }
    const events = (m: LineProcess) => m.json<Event>();
    const lastAssignment = (m: LineProcess) => events(m).filter((e) => e.event === 'assigned').pop()?.partitions;
    const records = (m: LineProcess) => events(m).filter((e) => e.event === 'record');
    const produce = (from: number, to: number) =>
      producer.send({ topic, messages: [0, 1, 2, 3].flatMap((p) => Array.from({ length: to - from }, (_, i) => ({ partition: p, key: `k${from + i}`, value: `p${p}-${from + i}` }))) });
    const committed = async () =>
      Object.fromEntries((await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions.map((p) => [p.partition, p.offset]));

    it('split the partitions, each reads and commits its own; when one leaves the other takes over from the commits', async () => {
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
      const a = spawnJavaMain(classes, 'GroupMember', [server.bootstrap, group, topic, 'member-a']);
      const b = spawnJavaMain(classes, 'GroupMember', [server.bootstrap, group, topic, 'member-b']);
      const state = () => `a: ${a.lines.slice(-5).join(' ')} ${a.stderr.slice(-5).join(' ')}\nb: ${b.lines.slice(-5).join(' ')} ${b.stderr.slice(-5).join(' ')}`;

      // Both join; the range assignor gives each two of the four partitions.
      await waitFor(
        async () => {
          const pa = lastAssignment(a);
          const pb = lastAssignment(b);
          if (!pa || !pb || pa.length + pb.length !== 4) return false;
          const desc = await admin.describeGroups([group]);
          return desc.groups[0].state === 'Stable' && desc.groups[0].members.length === 2;
        },
        { timeoutMs: 90000, what: () => `two members with two partitions each\n${state()}` },
      );
      const pa = lastAssignment(a)!;
      const pb = lastAssignment(b)!;
      expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3]);
      expect(pa).toHaveLength(2);
      expect(pb).toHaveLength(2);

      await produce(0, 10);
      await waitFor(() => records(a).length + records(b).length >= 40, { timeoutMs: 60000, what: () => `40 records between the two members\n${state()}` });
      for (const [m, mine] of [
        [a, pa],
        [b, pb],
      ] as const) {
        const got = records(m);
        // Only its own partitions, each from offset 0 in order, no duplicates.
        expect([...new Set(got.map((r) => r.partition!))].sort()).toEqual(mine);
        for (const p of mine) {
          expect(got.filter((r) => r.partition === p).map((r) => [r.offset, r.value])).toEqual(Array.from({ length: 10 }, (_, i) => [i, `p${p}-${i}`]));
        }
      }
      await waitFor(async () => Object.values(await committed()).every((o) => o === '10'), { timeoutMs: 30000, what: () => `offsets 10 committed on all partitions\n${state()}` });

      // b leaves (KafkaConsumer.close sends LeaveGroup); a gets all four partitions.
      b.proc.stdin!.write('close\n');
      expect(await b.exited).toBe(0);
      expect(events(b).pop()).toEqual({ event: 'closed' });
      await waitFor(() => lastAssignment(a)?.length === 4, { timeoutMs: 60000, what: () => `a to be assigned all partitions\n${state()}` });
      expect(lastAssignment(a)).toEqual([0, 1, 2, 3]);
      const before = records(a).length;

      await produce(10, 15);
      await waitFor(() => records(a).length - before >= 20, { timeoutMs: 60000, what: () => `a to read the 20 new records\n${state()}` });
      const taken = records(a).slice(before);
      // From b's partitions a starts where b committed: offset 10, nothing read twice.
      for (const p of [0, 1, 2, 3]) {
        expect(taken.filter((r) => r.partition === p).map((r) => [r.offset, r.value])).toEqual(Array.from({ length: 5 }, (_, i) => [10 + i, `p${p}-${10 + i}`]));
      }
      await waitFor(async () => Object.values(await committed()).every((o) => o === '15'), { timeoutMs: 30000, what: () => `offsets 15 committed on all partitions\n${state()}` });

      a.proc.stdin!.write('close\n');
      expect(await a.exited).toBe(0);
      const desc = await admin.describeGroups([group]);
      expect({ state: desc.groups[0].state, members: desc.groups[0].members.length }).toEqual({ state: 'Empty', members: 0 });
    });
  });
});
