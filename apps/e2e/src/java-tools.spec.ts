/**
 * Apache Kafka's own command-line tools (4.0, ../shared/java-client/bin, the
 * Java Admin client, producer and consumer underneath) against the real
 * server: kafka-topics, kafka-consumer-groups (describe and every
 * --reset-offsets scenario), kafka-get-offsets, kafka-delete-records, the
 * console producer and consumer, and the producer/consumer perf tools with
 * every codec. Outputs are parsed and checked against what was produced.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Kafka, Producer } from 'kafkajs';
import { FAST_GROUP_PROPS, NagareProcess, batchesOnDisk, cleanupAll, onCleanup, spawnLines, startNagare, tempDir, waitFor } from './harness';
import { JAVA_BIN, describeWithJava, kafkaTool, kafkaToolOk, parseConsumerPerf, parseProducerPerf, parseTable, requireJava } from './java-harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(240000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let bs: string;

const topicsTool = (args: string[]) => kafkaToolOk('kafka-topics.sh', ['--bootstrap-server', bs, ...args]);
const groupsTool = (args: string[]) => kafkaToolOk('kafka-consumer-groups.sh', ['--bootstrap-server', bs, ...args]);
const getOffsets = async (args: string[]) =>
  (await kafkaToolOk('kafka-get-offsets.sh', ['--bootstrap-server', bs, ...args]))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(':'))
    .map(([topic, partition, offset]) => ({ topic, partition: Number(partition), offset: offset === '' ? null : Number(offset) }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);

interface DescribedTopic {
  fields: Record<string, string>;
  partitions: Array<Record<string, string>>;
}

/** `kafka-topics --describe` output: a "Topic: t\tTopicId: ...\t..." line per topic, then a tab-indented line per partition. */
function parseDescribe(out: string): Record<string, DescribedTopic> {
  const topics: Record<string, DescribedTopic> = {};
  let current: DescribedTopic | undefined;
  const fields = (l: string) =>
    Object.fromEntries(
      l
        .trim()
        .split('\t')
        .map((kv) => {
          const i = kv.indexOf(':');
          return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
        }),
    );
  for (const l of out.split('\n').filter((x) => x.trim() !== '')) {
    if (l.startsWith('\t') || l.startsWith(' ')) current?.partitions.push(fields(l));
    else {
      current = { fields: fields(l), partitions: [] };
      topics[current.fields.Topic] = current;
    }
  }
  return topics;
}

/** The committed offsets of a group per partition of `topic`, from `kafka-consumer-groups --describe`. */
async function committed(group: string, topic: string): Promise<Record<number, string>> {
  const rows = parseTable(await groupsTool(['--describe', '--group', group])).filter((r) => r.TOPIC === topic);
  return Object.fromEntries(rows.map((r) => [Number(r.PARTITION), r['CURRENT-OFFSET']]));
}

/** The NEW-OFFSET column of a --reset-offsets run, per partition of `topic`. */
function planned(out: string, topic: string): Record<number, number> {
  const rows = parseTable(out).filter((r) => r.TOPIC === topic);
  return Object.fromEntries(rows.map((r) => [Number(r.PARTITION), Number(r['NEW-OFFSET'])]));
}

describeWithJava("Apache Kafka's command-line tools (Java)", () => {
  beforeAll(async () => {
    requireJava();
    server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
    bs = server.bootstrap;
    kafka = newKafka(bs, 'e2e-java-tools-setup');
    admin = await connectedAdmin(kafka);
    producer = kafka.producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
  });
  afterAll(async () => {
    await cleanupAll();
  });

  it('kafka-topics.sh: create, list, describe, alter partitions, delete', async () => {
    const t = 'jt-topics';
    expect(await topicsTool(['--create', '--topic', t, '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000'])).toBe(`Created topic ${t}.\n`);
    const again = await kafkaTool('kafka-topics.sh', ['--bootstrap-server', bs, '--create', '--topic', t, '--partitions', '3']);
    expect({ code: again.code, out: again.stdout.trim() }).toEqual({ code: 1, out: `Error while executing topic command : Topic '${t}' already exists.` });
    expect(await topicsTool(['--create', '--if-not-exists', '--topic', t, '--partitions', '3'])).toBe('');
    expect((await topicsTool(['--list'])).split('\n')).toContain(t);

    const d = parseDescribe(await topicsTool(['--describe', '--topic', t]))[t];
    expect(d.fields).toMatchObject({ Topic: t, PartitionCount: '3', ReplicationFactor: '1', Configs: 'retention.ms=3600000' });
    expect(d.fields.TopicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.fields.TopicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(d.partitions.map((p) => [p.Partition, p.Leader, p.Replicas, p.Isr])).toEqual([
      ['0', '1', '1', '1'],
      ['1', '1', '1', '1'],
      ['2', '1', '1', '1'],
    ]);

    expect(await topicsTool(['--alter', '--topic', t, '--partitions', '5'])).toBe('');
    const after = parseDescribe(await topicsTool(['--describe', '--topic', t]))[t];
    expect(after.fields.PartitionCount).toBe('5');
    expect(after.fields.TopicId).toBe(d.fields.TopicId);
    expect(after.partitions.map((p) => p.Partition)).toEqual(['0', '1', '2', '3', '4']);
    const shrink = await kafkaTool('kafka-topics.sh', ['--bootstrap-server', bs, '--alter', '--topic', t, '--partitions', '2']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(/InvalidPartitionsException/);

    expect(await topicsTool(['--delete', '--topic', t])).toBe('');
    await waitFor(async () => !(await topicsTool(['--list'])).split('\n').includes(t), { timeoutMs: 30000, what: `${t} gone from --list` });
    const missing = await kafkaTool('kafka-topics.sh', ['--bootstrap-server', bs, '--describe', '--topic', t]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/does not exist as expected/);
  });

  it('console producer and consumer: keyed records, every one read back in order per partition; the group commits on close', async () => {
    const t = 'jt-console';
    await topicsTool(['--create', '--topic', t, '--partitions', '2']);
    const N = 30;
    const input = Array.from({ length: N }, (_, i) => `key-${i % 6}|value-${i}`).join('\n') + '\n';
    await kafkaToolOk('kafka-console-producer.sh', ['--bootstrap-server', bs, '--topic', t, '--property', 'parse.key=true', '--property', 'key.separator=|'], { input });
    const out = await kafkaToolOk('kafka-console-consumer.sh', [
      '--bootstrap-server', bs, '--topic', t, '--group', 'jt-console-group', '--from-beginning', '--max-messages', String(N),
      '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true',
    ]);
    // Lines are "Partition:P\tOffset:O\tKEY\tVALUE".
    const recs = out
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [p, o, key, value] = l.split('\t');
        return { partition: Number(p.replace('Partition:', '')), offset: Number(o.replace('Offset:', '')), key, value };
      });
    expect(recs).toHaveLength(N);
    expect(recs.map((r) => r.value).sort()).toEqual(Array.from({ length: N }, (_, i) => `value-${i}`).sort());
    const byPartition: Record<number, typeof recs> = {};
    for (const r of recs) (byPartition[r.partition] ??= []).push(r);
    for (const rs of Object.values(byPartition)) {
      // Offsets 0.. with no gap; in each partition the values keep the order they were produced in.
      expect(rs.map((r) => r.offset)).toEqual(rs.map((_, i) => i));
      const idx = rs.map((r) => Number(r.value.slice('value-'.length)));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
    // The default partitioner sends one key to one partition.
    for (let k = 0; k < 6; k++) expect(new Set(recs.filter((r) => r.key === `key-${k}`).map((r) => r.partition)).size).toBe(1);
    const count = (p: number) => String(byPartition[p]?.length ?? 0);
    expect(await committed('jt-console-group', t)).toEqual({ 0: count(0), 1: count(1) });

    // --partition/--offset: one partition from a given offset, no group.
    const p0 = byPartition[0] ?? [];
    if (p0.length > 2) {
      const part = await kafkaToolOk('kafka-console-consumer.sh', ['--bootstrap-server', bs, '--topic', t, '--partition', '0', '--offset', '2', '--max-messages', String(p0.length - 2)]);
      expect(part.split('\n').filter(Boolean)).toEqual(p0.slice(2).map((r) => r.value));
    }
  });

  describe('kafka-consumer-groups.sh', () => {
    const t = 'jt-reset';
    const g = 'jt-reset-group';
    const HOUR = 3600_000;
    // Offset i of each partition has timestamp t0 + i hours, t0 = 20 hours ago.
    const t0 = Date.now() - 20 * HOUR;
    const reset = (args: string[]) => groupsTool(['--group', g, '--reset-offsets', ...args]);
    // The group's committed offsets as the tests below leave them (each test checks them before changing them).
    let current: Record<number, string> = {};

    beforeAll(async () => {
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true });
      for (let p = 0; p < 2; p++) {
        await producer.send({ topic: t, messages: Array.from({ length: 20 }, (_, i) => ({ partition: p, key: `k${i}`, value: `p${p}-${i}`, timestamp: String(t0 + i * HOUR) })) });
      }
    });

    it('--describe (offsets, --members, --state) of a group with an active member and after it left', async () => {
      const consumer = spawnLines(join(JAVA_BIN, 'kafka-console-consumer.sh'), ['--bootstrap-server', bs, '--topic', t, '--group', g, '--from-beginning', '--consumer-property', 'auto.commit.interval.ms=200', '--consumer-property', 'client.id=jt-member'], {
        env: { LOG_LEVEL: 'warn' },
      });
      try {
        await waitFor(() => consumer.lines.length >= 40, { timeoutMs: 60000, what: () => `the console consumer to read 40 records (has ${consumer.lines.length}; stderr ${consumer.stderr.join('\n')})` });
        expect(consumer.lines.sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `p0-${i}`), ...Array.from({ length: 20 }, (_, i) => `p1-${i}`)].sort());

        // While it runs: a member, both partitions assigned to it, offsets committed by auto-commit.
        const active = await waitFor(
          async () => {
            const rows = parseTable(await groupsTool(['--describe', '--group', g])).filter((r) => r.TOPIC === t);
            return rows.length === 2 && rows.every((r) => r['CURRENT-OFFSET'] === '20') ? rows : undefined;
          },
          { timeoutMs: 30000, what: 'the group to commit 20 on both partitions' },
        );
        for (const r of active) {
          expect(r).toMatchObject({ GROUP: g, 'LOG-END-OFFSET': '20', LAG: '0', 'CLIENT-ID': 'jt-member' });
          expect(r['CONSUMER-ID']).toMatch(/^jt-member-/);
        }
        const members = parseTable(await groupsTool(['--describe', '--group', g, '--members', '--verbose']));
        expect(members).toHaveLength(1);
        expect(members[0]).toMatchObject({ GROUP: g, 'CLIENT-ID': 'jt-member', '#PARTITIONS': '2', ASSIGNMENT: '(0,1)' });
        const state = parseTable(await groupsTool(['--describe', '--group', g, '--state']));
        expect(state).toEqual([{ GROUP: g, 'COORDINATOR-(ID)': `${bs}  (1)`, 'ASSIGNMENT-STRATEGY': 'range', STATE: 'Stable', '#MEMBERS': '1' }]);
        expect((await groupsTool(['--list'])).split('\n')).toContain(g);

        // Offsets cannot be reset under an active member (Kafka's check in the tool).
        const refused = await kafkaTool('kafka-consumer-groups.sh', ['--bootstrap-server', bs, '--group', g, '--reset-offsets', '--to-earliest', '--all-topics', '--execute']);
        expect(refused.stdout + refused.stderr).toMatch(/can only be reset if the group '?jt-reset-group'? is inactive, but the current state is Stable/);
      } finally {
        // SIGTERM: the JVM's shutdown hook closes the consumer, which leaves the group.
        await consumer.kill('SIGTERM');
      }
      await waitFor(async () => parseTable(await groupsTool(['--describe', '--group', g, '--state']))[0]?.STATE === 'Empty', { timeoutMs: 30000, what: 'the group to be Empty' });
      const after = await kafkaTool('kafka-consumer-groups.sh', ['--bootstrap-server', bs, '--describe', '--group', g]);
      expect(after.stderr).toMatch(new RegExp(`Consumer group '${g}' has no active members`));
      expect(await committed(g, t)).toEqual({ 0: '20', 1: '20' });
      current = { 0: '20', 1: '20' };
    });

    // Each scenario: --dry-run prints the plan and changes nothing; --execute commits it.
    const scenarios: Array<{ name: string; args: string[]; expected: Record<number, number> }> = [
      { name: '--to-earliest --topic T', args: ['--to-earliest', '--topic', t], expected: { 0: 0, 1: 0 } },
      { name: '--to-latest --all-topics', args: ['--to-latest', '--all-topics'], expected: { 0: 20, 1: 20 } },
      { name: '--to-offset 5 --topic T', args: ['--to-offset', '5', '--topic', t], expected: { 0: 5, 1: 5 } },
      { name: '--shift-by 4 --all-topics', args: ['--shift-by', '4', '--all-topics'], expected: { 0: 9, 1: 9 } },
      { name: '--shift-by -3 --topic T:1 (one partition)', args: ['--shift-by', '-3', '--topic', `${t}:1`], expected: { 1: 6 } },
      { name: '--shift-by 100 --topic T (clamped to the log end)', args: ['--shift-by', '100', '--topic', t], expected: { 0: 20, 1: 20 } },
      // The first offset whose timestamp is at or after t0 + 5.5 h.
      { name: '--to-datetime --all-topics', args: ['--to-datetime', new Date(t0 + 5.5 * HOUR).toISOString().replace('Z', '+00:00'), '--all-topics'], expected: { 0: 6, 1: 6 } },
      // now - 10.5 h = t0 + 9.5 h: offset 10.
      { name: '--by-duration PT10H30M --topic T', args: ['--by-duration', 'PT10H30M', '--topic', t], expected: { 0: 10, 1: 10 } },
      { name: '--to-current --all-topics', args: ['--to-current', '--all-topics'], expected: { 0: 10, 1: 10 } },
      { name: '--to-offset 25 --topic T (above the log end: latest)', args: ['--to-offset', '25', '--topic', t], expected: { 0: 20, 1: 20 } },
    ];
    for (const s of scenarios) {
      it(`--reset-offsets ${s.name}: --dry-run, then --execute`, async () => {
        expect(Object.keys(current)).toEqual(['0', '1']);
        const dry = await reset([...s.args, '--dry-run']);
        expect(planned(dry, t)).toEqual(s.expected);
        expect(await committed(g, t)).toEqual(current);
        const exec = await reset([...s.args, '--execute']);
        expect(planned(exec, t)).toEqual(s.expected);
        current = { ...current, ...Object.fromEntries(Object.entries(s.expected).map(([p, o]) => [p, String(o)])) };
        expect(await committed(g, t)).toEqual(current);
      });
    }

    it('--reset-offsets without --dry-run or --execute only prints the plan', async () => {
      const r = await kafkaTool('kafka-consumer-groups.sh', ['--bootstrap-server', bs, '--group', g, '--reset-offsets', '--to-earliest', '--all-topics']);
      expect(planned(r.stdout, t)).toEqual({ 0: 0, 1: 0 });
      expect(await committed(g, t)).toEqual(current);
    });

    it('--delete removes an inactive group', async () => {
      expect(await groupsTool(['--delete', '--group', g])).toMatch(new RegExp(`Deletion of requested consumer groups \\('${g}'\\) was successful`));
      expect((await groupsTool(['--list'])).split('\n')).not.toContain(g);
    });

    it('kafka-get-offsets.sh: latest, earliest, max-timestamp, by timestamp, partition selections', async () => {
      expect(await getOffsets(['--topic', t])).toEqual([
        { topic: t, partition: 0, offset: 20 },
        { topic: t, partition: 1, offset: 20 },
      ]);
      expect(await getOffsets(['--topic', t, '--time', 'earliest'])).toEqual([
        { topic: t, partition: 0, offset: 0 },
        { topic: t, partition: 1, offset: 0 },
      ]);
      expect(await getOffsets(['--topic', t, '--time', '-3'])).toEqual([
        { topic: t, partition: 0, offset: 19 },
        { topic: t, partition: 1, offset: 19 },
      ]);
      expect(await getOffsets(['--topic', t, '--time', String(t0 + 7 * HOUR - 1), '--partitions', '1'])).toEqual([{ topic: t, partition: 1, offset: 7 }]);
      expect(await getOffsets(['--topic-partitions', `${t}:0`, '--time', '-1'])).toEqual([{ topic: t, partition: 0, offset: 20 }]);
      // A timestamp after the last record: the broker answers offset -1 and the tool prints nothing.
      expect(await getOffsets(['--topic', t, '--time', String(Date.now() + HOUR)])).toEqual([]);
    });
  });

  it('kafka-delete-records.sh: the low watermark moves, and readers start from it', async () => {
    const t = 'jt-delete';
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true });
    for (let p = 0; p < 2; p++) await producer.send({ topic: t, messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, value: `d${p}-${i}` })) });
    const file = join(tempDir(), 'delete.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: t, partition: 0, offset: 6 }, { topic: t, partition: 1, offset: -1 }] }));
    const out = await kafkaToolOk('kafka-delete-records.sh', ['--bootstrap-server', bs, '--offset-json-file', file]);
    const lows = out
      .split('\n')
      .filter((l) => l.startsWith('partition: '))
      .sort();
    // offset -1 means "up to the high watermark".
    expect(lows).toEqual([`partition: ${t}-0\tlow_watermark: 6`, `partition: ${t}-1\tlow_watermark: 10`]);
    expect(await getOffsets(['--topic', t, '--time', 'earliest'])).toEqual([
      { topic: t, partition: 0, offset: 6 },
      { topic: t, partition: 1, offset: 10 },
    ]);
    const read = await kafkaToolOk('kafka-console-consumer.sh', ['--bootstrap-server', bs, '--topic', t, '--partition', '0', '--offset', 'earliest', '--max-messages', '4', '--property', 'print.offset=true']);
    expect(read.split('\n').filter(Boolean)).toEqual([6, 7, 8, 9].map((o) => `Offset:${o}\td0-${o}`));
  });

  describe('ProducerPerformance and ConsumerPerformance', () => {
    const codecs: Array<[string, number]> = [
      ['none', 0],
      ['gzip', 1],
      ['snappy', 2],
      ['lz4', 3],
      ['zstd', 4],
    ];
    const N = 3000;
    for (const [codec, id] of codecs) {
      it(`kafka-producer-perf-test.sh with compression.type=${codec}, read back by kafka-consumer-perf-test.sh`, async () => {
        const t = `jt-perf-${codec}`;
        const out = await kafkaToolOk('kafka-producer-perf-test.sh', ['--topic', t, '--num-records', String(N), '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${bs}`, `compression.type=${codec}`]);
        // The summary line: "3000 records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, ...".
        const summary = parseProducerPerf(out);
        expect(summary.records).toBe(N);
        expect(summary.recordsPerSec).toBeGreaterThan(0);
        const batches = batchesOnDisk(server, t, 0);
        expect({ records: batches.reduce((n, b) => n + b.records, 0), codecs: [...new Set(batches.map((b) => b.codec))] }).toEqual({ records: N, codecs: [id] });
        // Kafka's defaults: an idempotent producer (acks=all), one producer id, sequences from 0.
        expect(new Set(batches.map((b) => b.producerId)).size).toBe(1);
        expect(batches[0].producerId).toBeGreaterThanOrEqual(0n);
        expect(batches[0].baseSequence).toBe(0);

        const cons = await kafkaToolOk('kafka-consumer-perf-test.sh', ['--bootstrap-server', bs, '--topic', t, '--messages', String(N), '--timeout', '60000']);
        const row = parseConsumerPerf(cons);
        expect(Number(row['data.consumed.in.nMsg'])).toBe(N);
        // 100-byte values, no keys.
        expect(Number(row['data.consumed.in.MB'])).toBeCloseTo((N * 100) / 2 ** 20, 3);
      });
    }
  });
});
