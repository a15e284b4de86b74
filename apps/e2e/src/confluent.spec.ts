/**
 * python3-confluent-kafka 1.7.0 (librdkafka 2.0.2) against the real server:
 * the idempotent producer with several requests in flight, a consumer group
 * of two, and AdminClient topic creation and config changes. The Python
 * scripts are in src/python; each prints one JSON document.
 */
import { Admin, Kafka } from 'kafkajs';
import { FAST_GROUP_PROPS, NagareProcess, batchesOnDisk, cleanupAll, readAllWithPython, requirePythonModule, runPython, startNagare } from './harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(60000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
  server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
  kafka = newKafka(server.bootstrap, 'e2e-confluent-setup');
  admin = await connectedAdmin(kafka);
});
afterAll(async () => {
  await cleanupAll();
});

describe('python3-confluent-kafka', () => {
  it('idempotent producer: every record delivered without errors and stored exactly once, in order per partition', async () => {
    const topic = 'py-idem';
    const P = 3;
    const N = 300;
    await admin.createTopics({ topics: [{ topic, numPartitions: P }], waitForLeaders: true });
    const res = await runPython<{ delivered: Array<{ partition: number; offset: number; value: string }>; errors: unknown[]; unflushed: number }>(
      'idempotent_producer.py',
      [server.bootstrap, topic, String(P), String(N)],
    );
    expect(res.errors).toEqual([]);
    expect(res.unflushed).toBe(0);
    expect(res.delivered).toHaveLength(N);

    const read = await readAllWithPython(server.bootstrap, topic, P);
    expect(read.complete).toBe(true);
    expect(read.errors).toEqual([]);
    for (let p = 0; p < P; p++) {
      // Produced round-robin: partition p holds v-p, v-(p+P), ... at offsets 0, 1, 2, ...
      const expected = Array.from({ length: N / P }, (_, i) => `v-${p + i * P}`);
      expect(read.highWatermarks[p]).toBe(N / P);
      expect(read.partitions[p].map((r) => r.value)).toEqual(expected);
      expect(read.partitions[p].map((r) => r.offset)).toEqual(expected.map((_, i) => i));
      // The delivery reports agree with what was stored.
      const reported = res.delivered.filter((d) => d.partition === p).sort((a, b) => a.offset - b.offset);
      expect(reported.map((d) => [d.offset, d.value])).toEqual(expected.map((v, i) => [i, v]));
      // Stored with one producer id and gap-free sequences (several batches per partition).
      const batches = batchesOnDisk(server, topic, p);
      expect(batches.length).toBeGreaterThan(1);
      let seq = 0;
      for (const b of batches) {
        expect([b.producerId === batches[0].producerId, b.producerEpoch, b.baseSequence]).toEqual([true, 0, seq]);
        seq += b.records;
      }
      expect(batches[0].producerId >= 0n).toBe(true);
    }
  });

  it('consumer group of two: the partitions are split, each record is consumed once, offsets are committed', async () => {
    const topic = 'py-group';
    const groupId = 'py-group-g';
    const P = 4;
    const per = 10;
    await admin.createTopics({ topics: [{ topic, numPartitions: P }], waitForLeaders: true });
    const res = await runPython<{
      error?: string;
      assignments: number[][];
      finalAssignments: number[][];
      records: Array<{ c: number; partition: number; offset: number; value: string }>;
      errors: string[];
    }>('group.py', [server.bootstrap, topic, groupId, String(P), String(per)]);
    expect(res.error).toBeUndefined();
    expect(res.errors).toEqual([]);
    expect(res.assignments[0].length).toBeGreaterThan(0);
    expect(res.assignments[1].length).toBeGreaterThan(0);
    expect([...res.assignments[0], ...res.assignments[1]].sort()).toEqual([0, 1, 2, 3]);
    expect(res.finalAssignments).toEqual(res.assignments);
    const values = res.records.map((r) => r.value).sort();
    expect(values).toEqual(Array.from({ length: P }, (_, p) => Array.from({ length: per }, (_, i) => `p${p}-${i}`)).flat().sort());
    for (const r of res.records) expect(res.assignments[r.c]).toContain(r.partition);
    for (let p = 0; p < P; p++) {
      expect(res.records.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: per }, (_, i) => i));
    }
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0].partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([0, 1, 2, 3].map((p) => [p, String(per)]));
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0].state).toBe('Empty');
  });

  it('AdminClient: create_topics, describe_configs, alter_configs, describe_configs shows DYNAMIC_TOPIC_CONFIG', async () => {
    type Entries = Record<string, { value: string; source: number; isDefault: boolean; readOnly: boolean }>;
    const res = await runPython<{
      create: Record<string, string>;
      createAgain: Record<string, string>;
      metadata: { error: string | null; partitions: number[]; leaders: number[]; brokers: number[] };
      before: Entries;
      alter: Record<string, string>;
      after: Entries;
      alter2: Record<string, string>;
      after2: Entries;
    }>('admin.py', [server.bootstrap, 'py-admin', '3']);
    expect(res.create).toEqual({ 'py-admin': 'ok' });
    expect(res.createAgain['py-admin']).toMatch(/TOPIC_ALREADY_EXISTS/);
    expect(res.metadata).toEqual({ error: null, partitions: [0, 1, 2], leaders: [1], brokers: [1] });
    const pick = (e: Entries) => ({
      'retention.ms': [e['retention.ms'].value, e['retention.ms'].source, e['retention.ms'].isDefault],
      'cleanup.policy': [e['cleanup.policy'].value, e['cleanup.policy'].source, e['cleanup.policy'].isDefault],
      'segment.bytes': [e['segment.bytes'].value, e['segment.bytes'].source, e['segment.bytes'].isDefault],
    });
    // ConfigSource: 1 DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG
    expect(pick(res.before)).toEqual({ 'retention.ms': ['3600000', 1, false], 'cleanup.policy': ['delete', 5, true], 'segment.bytes': ['1073741824', 5, true] });
    expect(Object.values(res.alter)).toEqual(['ok']);
    expect(pick(res.after)).toEqual({ 'retention.ms': ['7200000', 1, false], 'cleanup.policy': ['compact', 1, false], 'segment.bytes': ['1073741824', 5, true] });
    // Legacy AlterConfigs replaces the whole set: cleanup.policy, not named, reverts to its default.
    expect(Object.values(res.alter2)).toEqual(['ok']);
    expect(pick(res.after2)).toEqual({ 'retention.ms': ['7200000', 1, false], 'cleanup.policy': ['delete', 5, true], 'segment.bytes': ['1073741824', 5, true] });
    expect(server.logs().filter((l) => l.level >= 50)).toEqual([]);
  });
});
