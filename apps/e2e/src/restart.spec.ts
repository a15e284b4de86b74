/**
 * Durability across restarts of the real server process.
 *
 * - SIGKILL at a random point while librdkafka (python3-confluent-kafka)
 *   produces with acks=all and the server flushes every message: after a
 *   restart on the same data dir every acknowledged record is there, at the
 *   offset it was acknowledged with, exactly once, in order; the log then
 *   keeps appending after the recovered end.
 * - SIGTERM and restart: topics (ids, partitions, configs), records, group
 *   offsets and deletions are all as they were.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, CompressionTypes, ConfigResourceTypes, Kafka } from 'kafkajs';
import { ApiKey, ZERO_UUID } from '@nagare/protocol';
import { buildRecordBatch } from '@nagare/records';
import {
  E2E_SRC,
  LineProcess,
  NagareProcess,
  PYTHON,
  cleanupAll,
  readAllWithPython,
  onCleanup,
  requirePythonModule,
  restartNagare,
  segmentFiles,
  spawnLines,
  startNagare,
  waitFor,
} from './harness';
import { connectedAdmin, consumeN, newKafka, trackedConsumer } from './kafkajs-helpers';
import { RawConnection, body } from './raw-client';

jest.setTimeout(120000);

let server: NagareProcess;

beforeAll(async () => {
  requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
  server = await startNagare({ props: { 'log.flush.interval.messages': '1', 'group.min.session.timeout.ms': '1000', 'metadata.log.segment.bytes': '4096' } });
});
afterAll(async () => {
  await cleanupAll();
});

/** The storage engine's "loaded log directory" lines of this server run. */
function loadedDirs(np: NagareProcess) {
  return np.logs().filter((l) => l.msg === 'loaded log directory');
}

describe('SIGKILL during produce', () => {
  it('keeps every acknowledged record exactly once, at its acknowledged offset, in order (flush per message, acks=all)', async () => {
    const topic = 'crash-topic';
    const P = 2;
    let kafka = newKafka(server.bootstrap, 'e2e-restart-setup');
    let admin = await connectedAdmin(kafka);
    // Small segments: the stream rolls several times, so recovery spans segments and rebuilds their indexes.
    await admin.createTopics({
      topics: [{ topic, numPartitions: P, configEntries: [{ name: 'flush.messages', value: '1' }, { name: 'segment.bytes', value: '8192' }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();

    /** value -> where the broker said it wrote it */
    const acked = new Map<string, { p: number; o: number }>();
    const seqOf = (v: string) => Number(v.slice(2));
    const cycles = 3;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const killAfter = 100 + Math.floor(Math.random() * 400);
      const producer: LineProcess = spawnLines(PYTHON, ['-u', join(E2E_SRC, 'python', 'acked_producer.py'), server.bootstrap, topic, String(P), String(cycle * 1_000_000), '100000', '3000']);
      const acks = () => producer.json<{ p?: number; o?: number; v: string; err?: string }>().filter((r) => r.o !== undefined);
      await waitFor(() => acks().length >= killAfter, {
        timeoutMs: 30000,
        what: () => `${killAfter} acknowledgements in cycle ${cycle} (have ${acks().length}); producer stderr: ${producer.stderr.join('\n')}`,
      });
      // No failures while the server was up.
      expect(producer.json<{ err?: string }>().filter((r) => r.err)).toEqual([]);
      expect(await server.kill()).toBe(-1);
      // Stop the producer before the restart so nothing it still holds reaches the new process.
      await producer.kill('SIGKILL');
      const cycleAcks = acks();
      for (const a of cycleAcks) {
        expect(acked.has(a.v)).toBe(false);
        acked.set(a.v, { p: a.p!, o: a.o! });
      }
      process.stdout.write(`restart.spec: cycle ${cycle}: SIGKILL after ${cycleAcks.length} acknowledgements (target ${killAfter})\n`);

      server = await restartNagare(server);
      // The kill was noticed: the log directory was not shut down cleanly.
      expect(loadedDirs(server).map((l) => l.cleanShutdown)).toContain(false);

      const read = await readAllWithPython(server.bootstrap, topic, P);
      expect(read.complete).toBe(true);
      expect(read.errors).toEqual([]);
      const where = new Map<string, Array<{ p: number; o: number }>>();
      for (let p = 0; p < P; p++) {
        const recs = read.partitions[p];
        // Offsets are contiguous from 0 up to the high watermark.
        expect(recs.map((r) => r.offset)).toEqual(Array.from({ length: read.highWatermarks[p] }, (_, i) => i));
        for (const r of recs) {
          const w = where.get(r.value) ?? [];
          w.push({ p, o: r.offset });
          where.set(r.value, w);
          expect(r.key).toBe(`k-${seqOf(r.value)}`);
        }
        // In produce order: sequence numbers only grow along a partition.
        const seqs = recs.map((r) => seqOf(r.value));
        expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
        expect(seqs.every((s) => s % P === p)).toBe(true);
      }
      // No record is stored twice.
      const dups = [...where].filter(([, w]) => w.length > 1);
      expect(dups).toEqual([]);
      // Every acknowledged record is there, exactly where it was acknowledged.
      const missing = [...acked].filter(([v, a]) => {
        const w = where.get(v);
        return !w || w[0].p !== a.p || w[0].o !== a.o;
      });
      expect(missing).toEqual([]);
    }

    // The stream rolled segments, so the recoveries above spanned several of them.
    for (let p = 0; p < P; p++) expect(segmentFiles(server, topic, p).length).toBeGreaterThan(1);

    // After the recoveries the log appends right after its recovered end.
    kafka = newKafka(server.bootstrap, 'e2e-restart-after');
    admin = await connectedAdmin(kafka);
    const before = await admin.fetchTopicOffsets(topic);
    const p = kafka.producer();
    await p.connect();
    const res = await p.send({ topic, acks: -1, messages: [0, 1].map((part) => ({ partition: part, key: 'after', value: `after-${part}` })) });
    await p.disconnect();
    for (const r of res) {
      expect(r.baseOffset).toBe(before.find((b) => b.partition === r.partition)!.high);
    }
    await admin.disconnect();
  });
});

describe('state across SIGKILL', () => {
  it('keeps committed group offsets and idempotent producer state (a resend after the restart is not stored twice)', async () => {
    const topic = 'kill-state';
    const kafka = newKafka(server.bootstrap, 'e2e-kill-state');
    const admin = await connectedAdmin(kafka);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic, acks: -1, messages: Array.from({ length: 8 }, (_, i) => ({ value: `m${i}` })) });
    await p.disconnect();
    // A group consumes and commits (kafkajs commits resolved offsets on disconnect at the latest).
    const first = await consumeN(kafka, [topic], 8, { groupId: 'kill-state-g' });
    expect(first.map((m) => m.value)).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`));
    expect((await admin.fetchOffsets({ groupId: 'kill-state-g', topics: [topic] }))[0].partitions.map((x) => x.offset)).toEqual(['8']);
    await admin.disconnect();

    // An idempotent producer (raw) writes sequences 0-2 and 3-4.
    const raw = await RawConnection.connect(server.port);
    const init = await raw.request(ApiKey.InitProducerId, 4, body(ApiKey.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }));
    expect(init.errorCode).toBe(0);
    const batch = (seq: number, n: number) =>
      buildRecordBatch(
        Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`idem-${seq + i}`) })),
        { producerId: Number(init.producerId), producerEpoch: 0, baseSequence: seq, now: () => Date.now() },
      );
    const produce = async (c: RawConnection, records: Buffer) => {
      const r = await c.request(ApiKey.Produce, 9, body(ApiKey.Produce, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }));
      return [r.responses[0].partitionResponses[0].errorCode, r.responses[0].partitionResponses[0].baseOffset];
    };
    expect(await produce(raw, batch(0, 3))).toEqual([0, 8n]);
    expect(await produce(raw, batch(3, 2))).toEqual([0, 11n]);
    raw.destroy();

    expect(await server.kill()).toBe(-1);
    server = await restartNagare(server);

    // The response to 3-4 was "lost": the producer resends it to the restarted server.
    const raw2 = await RawConnection.connect(server.port);
    expect(await produce(raw2, batch(3, 2))).toEqual([0, 11n]);
    expect(await produce(raw2, batch(5, 1))).toEqual([0, 13n]);
    raw2.destroy();

    const kafka2 = newKafka(server.bootstrap, 'e2e-kill-state-2');
    const admin2 = await connectedAdmin(kafka2);
    expect((await admin2.fetchOffsets({ groupId: 'kill-state-g', topics: [topic] }))[0].partitions.map((x) => x.offset)).toEqual(['8']);
    expect(await admin2.fetchTopicOffsets(topic)).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '14' })]);
    // The group resumes at 8 and sees the idempotent records once each.
    const rest = await consumeN(kafka2, [topic], 6, { groupId: 'kill-state-g' });
    expect(rest.map((m) => [m.offset, m.value])).toEqual([8, 9, 10, 11, 12, 13].map((o) => [String(o), `idem-${o - 8}`]));
    await admin2.disconnect();
  });

  it('connected clients ride through a SIGKILL and restart: the consumer keeps its group and gets the new records', async () => {
    const topic = 'ride-topic';
    const kafka = newKafka(server.bootstrap, 'e2e-ride', { retry: { initialRetryTime: 200, retries: 12, maxRetryTime: 2000 } });
    const admin = await connectedAdmin(kafka);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const consumer = trackedConsumer(kafka, { groupId: 'ride-g', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    const got: string[] = [];
    const crashes: string[] = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(String(e.payload.error)));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    const producer = kafka.producer();
    onCleanup(() => producer.disconnect());
    await producer.connect();
    const batchOf = (prefix: string) => Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `${prefix}${i}` }));
    await producer.send({ topic, acks: -1, messages: batchOf('a') });
    await waitFor(() => got.length >= 10, { timeoutMs: 20000, what: 'the first 10 records' });

    expect(await server.kill()).toBe(-1);
    server = await restartNagare(server);
    // The same producer and consumer objects: they reconnect on their own.
    await producer.send({ topic, acks: -1, messages: batchOf('b') });
    const want = [...batchOf('a'), ...batchOf('b')].map((m) => m.value);
    await waitFor(() => want.every((v) => got.includes(v)), { timeoutMs: 30000, what: () => `all 20 records (have ${got.join(',')}; crashes: ${crashes.join(';')})` });
    expect(crashes).toEqual([]);
    await consumer.disconnect();
    await producer.disconnect();
  });
});

describe('topic configs after a restart', () => {
  it('keeps enforcing topic overrides (max.message.bytes, message.timestamp.type, segment.bytes) after SIGTERM and after SIGKILL', async () => {
    const topic = 'cfg-topic';
    let kafka = newKafka(server.bootstrap, 'e2e-cfg');
    const admin = await connectedAdmin(kafka);
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'max.message.bytes', value: '1000' },
            { name: 'message.timestamp.type', value: 'LogAppendTime' },
            { name: 'segment.bytes', value: '2048' },
          ],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();

    const check = async (k: Kafka, round: string) => {
      const p = k.producer();
      await p.connect();
      try {
        // max.message.bytes: a 1500-byte record is refused (the batch stays under segment.bytes).
        const tooBig = await p.send({ topic, acks: -1, messages: [{ value: 'x'.repeat(1500) }] }).then(
          () => 'accepted',
          (e: { type?: string }) => e.type,
        );
        // LogAppendTime: the broker stamps the batch and says so.
        const before = Date.now();
        const [r] = await p.send({ topic, acks: -1, messages: [{ value: `${round}-stamped`, timestamp: '1000' }] });
        // segment.bytes: 20 records of 300 bytes roll the 2 KiB segments.
        const segmentsBefore = segmentFiles(server, topic, 0).length;
        for (let i = 0; i < 20; i++) await p.send({ topic, acks: -1, messages: [{ value: `${round}-${i}-` + 'y'.repeat(300) }] });
        const segmentsAfter = segmentFiles(server, topic, 0).length;
        return { round, tooBig, logAppendTime: Number(r.logAppendTime) >= before - 1000, rolled: segmentsAfter - segmentsBefore >= 2 };
      } finally {
        await p.disconnect();
      }
    };
    expect(await check(kafka, 'first')).toEqual({ round: 'first', tooBig: 'MESSAGE_TOO_LARGE', logAppendTime: true, rolled: true });

    expect(await server.stop()).toBe(0);
    server = await restartNagare(server);
    kafka = newKafka(server.bootstrap, 'e2e-cfg-2');
    expect(await check(kafka, 'after-sigterm')).toEqual({ round: 'after-sigterm', tooBig: 'MESSAGE_TOO_LARGE', logAppendTime: true, rolled: true });

    expect(await server.kill()).toBe(-1);
    server = await restartNagare(server);
    kafka = newKafka(server.bootstrap, 'e2e-cfg-3');
    expect(await check(kafka, 'after-sigkill')).toEqual({ round: 'after-sigkill', tooBig: 'MESSAGE_TOO_LARGE', logAppendTime: true, rolled: true });

    // The metadata log keeps metadata.log.segment.bytes (4096) after the restarts too:
    // creating topics one request at a time rolls it instead of growing one segment.
    const raw = await RawConnection.connect(server.port);
    for (let i = 0; i < 60; i++) {
      const r = await raw.request(
        ApiKey.CreateTopics,
        7,
        body(ApiKey.CreateTopics, { topics: [{ name: `cfg-many-${i}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10000, validateOnly: false }),
      );
      expect(r.topics[0].errorCode).toBe(0);
    }
    raw.destroy();
    const metaDir = join(server.dataDir, 'logs', '__cluster_metadata-0');
    const sizes = readdirSync(metaDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => statSync(join(metaDir, f)).size);
    expect(sizes.length).toBeGreaterThan(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096 + 512);
  });
});

describe('clean restart', () => {
  it('keeps topics (ids, partitions, configs), records, group offsets and deletions', async () => {
    let kafka = newKafka(server.bootstrap, 'e2e-clean-restart');
    let admin = await connectedAdmin(kafka);
    const topic = 'durable-topic';
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '86400000' }] },
        { topic: 'ephemeral-topic', numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    // Legacy AlterConfigs: the full set of the topic's dynamic configs.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '86400000' }, { name: 'max.message.bytes', value: '2000000' }] }],
    });
    const p = kafka.producer();
    await p.connect();
    await p.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `durable-${i}`, headers: { n: String(i) } })),
    });
    await p.disconnect();
    // Commit group offsets as a standalone (simple) consumer would: generation -1, no member id.
    // (kafkajs's admin.setOffsets runs a paused consumer that idles for 5 s.)
    const raw = await RawConnection.connect(server.port);
    // As clients do: find the coordinator first (this creates __consumer_offsets), retrying while it loads.
    await waitFor(async () => (await raw.request(ApiKey.FindCoordinator, 3, body(ApiKey.FindCoordinator, { key: 'durable-g', keyType: 0 }))).errorCode === 0, {
      timeoutMs: 10000,
      what: 'FindCoordinator to succeed',
    });
    const commit = await raw.request(
      ApiKey.OffsetCommit,
      8,
      body(ApiKey.OffsetCommit, {
        groupId: 'durable-g',
        topics: [{ name: topic, partitions: [4, 5, 6].map((o, i) => ({ partitionIndex: i, committedOffset: BigInt(o), committedLeaderEpoch: -1, committedMetadata: 'e2e' })) }],
      }),
    );
    raw.destroy();
    expect(commit.topics[0].partitions.map((x) => x.errorCode)).toEqual([0, 0, 0]);
    await admin.deleteTopics({ topics: ['ephemeral-topic'] });

    const snapshot = async (k: Kafka, a: Admin, np: NagareProcess) => {
      const cfg = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'max.message.bytes', 'cleanup.policy'] }] });
      const raw = await RawConnection.connect(np.port);
      const md = await raw.request(ApiKey.Metadata, 12, body(ApiKey.Metadata, { topics: [{ topicId: ZERO_UUID, name: topic }], allowAutoTopicCreation: false }));
      raw.destroy();
      const records = await consumeN(k, [topic], 30);
      return {
        topics: (await a.listTopics()).filter((t) => !t.startsWith('__')).sort(),
        topicId: md.topics[0].topicId,
        partitions: md.topics[0].partitions.map((x) => [x.partitionIndex, x.leaderId, x.errorCode]),
        configs: cfg.resources[0].configEntries.map((e) => [e.configName, e.configValue, (e as unknown as { configSource: number }).configSource]).sort(),
        offsets: (await a.fetchTopicOffsets(topic)).map((o) => [o.partition, o.low, o.high]).sort(),
        group: (await a.fetchOffsets({ groupId: 'durable-g', topics: [topic] }))[0].partitions.map((x) => [x.partition, x.offset]).sort(),
        records: records.map((r) => [r.partition, r.offset, r.key, r.value, r.headers.n]).sort(),
      };
    };
    const before = await snapshot(kafka, admin, server);
    expect(before.topics).toContain(topic);
    expect(before.topics).not.toContain('ephemeral-topic');
    expect(before.topicId).not.toBe(ZERO_UUID);
    expect(before.configs).toEqual([
      ['cleanup.policy', 'delete', 5],
      ['max.message.bytes', '2000000', 1],
      ['retention.ms', '86400000', 1],
    ]);
    expect(before.offsets).toEqual([
      [0, '0', '10'],
      [1, '0', '10'],
      [2, '0', '10'],
    ]);
    expect(before.group).toEqual([
      [0, '4'],
      [1, '5'],
      [2, '6'],
    ]);
    expect(before.records).toHaveLength(30);
    await admin.disconnect();

    expect(await server.stop()).toBe(0);
    expect(server.output.some((l) => l.includes('nagare server stopped'))).toBe(true);
    server = await restartNagare(server);
    // A clean stop is recognised: no recovery needed.
    expect(loadedDirs(server).length).toBeGreaterThan(0);
    expect(loadedDirs(server).every((l) => l.cleanShutdown === true)).toBe(true);

    kafka = newKafka(server.bootstrap, 'e2e-clean-restart-2');
    admin = await connectedAdmin(kafka);
    const after = await snapshot(kafka, admin, server);
    expect(after).toEqual(before);
    await admin.disconnect();
  });
});
