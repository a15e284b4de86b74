/**
 * librdkafka 2.0.2 (python3-confluent-kafka, `src/python/*.py`) meeting the
 * broker's error paths:
 *
 * - Fetch from an offset past the log end: the partition comes back with
 *   OFFSET_OUT_OF_RANGE and empty (non-null) records, as Kafka answers, so
 *   librdkafka applies auto.offset.reset. (With null records librdkafka
 *   rejected the whole response, "invalid MessageSetSize -1", and re-fetched
 *   forever.)
 * - Produce to a compacted topic with keyless records: INVALID_RECORD with one
 *   record error per keyless record (KIP-467), so librdkafka fails those
 *   records with the broker's message and the others of the batch as failed
 *   because of a different record; nothing is appended.
 */
import { Admin, Kafka } from 'kafkajs';
import { join } from 'node:path';
import { NagareProcess, cleanupAll, readAllWithPython, requirePythonModule, runOk, runPython, startNagare, tempDir } from './harness';
import { JAVA_SRC, KAFKA_CLIENTS_JAR, describeWithJava, requireJava, runJavaMain } from './java-harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(120000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
  server = await startNagare();
  kafka = newKafka(server.bootstrap, 'e2e-librdkafka-errors');
  admin = await connectedAdmin(kafka);
});
afterAll(async () => {
  await cleanupAll();
});

interface ResetResult {
  records: Array<{ offset: number; value: string }>;
  errors: string[];
  resets: string[];
}

async function topicWith(topic: string, n: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition: 0, value: `v-${i}` })) });
  await producer.disconnect();
}

describe('auto.offset.reset after OFFSET_OUT_OF_RANGE', () => {
  it('earliest: librdkafka resets to the log start and reads every record', async () => {
    const topic = 'reset-earliest';
    await topicWith(topic, 5);
    const res = await runPython<ResetResult>('offset_reset.py', [server.bootstrap, topic, '1000', 'earliest', '5', '40'], { timeoutMs: 90000 });
    expect(res.resets.filter((l) => l.includes('MessageSetSize'))).toEqual([]);
    expect(res.records).toEqual(Array.from({ length: 5 }, (_, i) => ({ offset: i, value: `v-${i}` })));
  });

  it('latest: librdkafka resets to the log end and reads only what comes after', async () => {
    const topic = 'reset-latest';
    await topicWith(topic, 5);
    const res = await runPython<ResetResult>('offset_reset.py', [server.bootstrap, topic, '1000', 'latest', '1', '40'], { timeoutMs: 90000 });
    expect(res.resets.filter((l) => l.includes('MessageSetSize'))).toEqual([]);
    expect(res.records).toHaveLength(1);
    // The 5 records before the reset are skipped; the first one read was produced after it.
    expect(res.records[0].offset).toBeGreaterThanOrEqual(5);
    expect(res.records[0].value).toMatch(/^after-reset-\d+$/);
    const read = await readAllWithPython(server.bootstrap, topic, 1);
    expect(read.partitions['0'].find((r) => r.offset === res.records[0].offset)?.value).toBe(res.records[0].value);
  });
});

interface DeliveryReport {
  i: number;
  error: { code: number; name: string; str: string } | null;
  offset: number | null;
}

const KEYLESS = [0, 9, 10, 25, 42, 50, 63, 77, 88, 99];

async function compactedTopic(topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
}

describe('per-record produce errors (KIP-467)', () => {
  it('librdkafka 2.0.2: 100 records of which 10 are keyless, to a compacted topic: all fail with INVALID_RECORD, nothing appended', async () => {
    // librdkafka decides its own batching: on a loaded machine it sometimes sends these records one
    // request each despite linger.ms. Each attempt checks what holds whatever the batching (keyless
    // records always fail with INVALID_RECORD, only the acknowledged records are in the log); the
    // whole-batch answer is asserted on the first attempt that went out as one ProduceRequest.
    let topic = '';
    let oneBatch: { reports: DeliveryReport[]; unflushed: number; logs: string[] } | undefined;
    for (let attempt = 0; attempt < 3 && oneBatch === undefined; attempt++) {
      topic = `keyless-compacted-rdkafka-${attempt}`;
      await compactedTopic(topic);
      const res = await runPython<{ reports: DeliveryReport[]; unflushed: number; logs: string[] }>(
        'keyless_producer.py',
        [server.bootstrap, topic, '100', KEYLESS.join(','), 'protocol'],
        { timeoutMs: 90000 },
      );
      expect(res.unflushed).toBe(0);
      expect(res.reports).toHaveLength(100);
      // librdkafka 2.0.2 speaks Produce v7, which has no record_errors field.
      expect(res.logs.some((l) => /Sent ProduceRequest \(v7,/.test(l))).toBe(true);
      for (const i of KEYLESS) expect(res.reports[i].error).toMatchObject({ code: 87, name: 'INVALID_RECORD' });
      const acked = res.reports.filter((r) => r.error === null);
      for (const r of res.reports) if (r.error !== null) expect(r.error.code).toBe(87);
      const read = await readAllWithPython(server.bootstrap, topic, 1);
      expect(read.highWatermarks['0']).toBe(acked.length);
      if (res.logs.filter((l) => /Sent ProduceRequest/.test(l)).length === 1) oneBatch = res;
    }
    if (oneBatch === undefined) throw new Error('librdkafka never sent the 100 records as one ProduceRequest in 3 attempts');
    // One batch: it cannot tell the bad records from the others and fails the whole batch with the
    // partition's error; nothing is appended.
    expect(new Set(oneBatch.reports.map((r) => JSON.stringify(r.error)))).toEqual(new Set([JSON.stringify({ code: 87, name: 'INVALID_RECORD', str: 'Broker: Broker failed to validate record' })]));
    const read = await readAllWithPython(server.bootstrap, topic, 1);
    expect(read.highWatermarks['0']).toBe(0);
    // The 90 keyed records alone are fine.
    const keyed = await runPython<{ reports: DeliveryReport[]; unflushed: number }>('keyless_producer.py', [server.bootstrap, topic, '90', ''], { timeoutMs: 90000 });
    expect(keyed.reports.filter((r) => r.error !== null)).toEqual([]);
    expect(keyed.reports.map((r) => r.offset)).toEqual(Array.from({ length: 90 }, (_, i) => i));
  });

  describeWithJava("Apache Kafka's Java producer (Produce v8+)", () => {
    let classes: string;
    beforeAll(async () => {
      requireJava({ javac: true });
      classes = tempDir('nagare-e2e-record-errors-');
      await runOk('javac', ['--release', '17', '-cp', KAFKA_CLIENTS_JAR, '-d', classes, join(JAVA_SRC, 'RecordErrorsProducer.java')], { timeoutMs: 120000 });
    });

    it('100 records of which 10 are keyless: exactly 10 fail with the broker\'s message, 90 because of the others', async () => {
      const topic = 'keyless-compacted-java';
      await compactedTopic(topic);
      const r = await runJavaMain(classes, 'RecordErrorsProducer', [server.bootstrap, topic, '100', KEYLESS.join(',')]);
      expect(r.code).toBe(0);
      const { results } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { results: Array<{ i: number; offset: number; error: string | null; message: string | null }> };
      expect(results).toHaveLength(100);
      const bad = results.filter((x) => x.message?.startsWith('Compacted topic cannot accept message without key'));
      expect(bad.map((x) => x.i)).toEqual(KEYLESS);
      for (const x of bad) {
        expect(x).toMatchObject({ error: 'InvalidRecordException', message: `Compacted topic cannot accept message without key in topic partition ${topic}-0`, offset: -1 });
      }
      const others = results.filter((x) => !KEYLESS.includes(x.i));
      expect(others).toHaveLength(90);
      // Kafka's Sender: the records the broker did not name failed because of a different record.
      expect(new Set(others.map((x) => `${x.error}: ${x.message}`))).toEqual(new Set(['KafkaException: Failed to append record because it was part of a batch which had one more more invalid records']));
      const read = await readAllWithPython(server.bootstrap, topic, 1);
      expect(read.highWatermarks['0']).toBe(0);
    });
  });
});
