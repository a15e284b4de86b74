/**
 * Transactions with third-party clients against the real server:
 * python3-confluent-kafka 1.7.0 / librdkafka 2.0.2 (commit, abort,
 * consume-transform-produce with send_offsets_to_transaction, zombie
 * fencing, read_committed reads with the last stable offset as the end) and
 * kafkajs 2.2.4 (transaction().send/sendOffsets/commit/abort, a read_committed
 * consumer group, fencing), and Kafka's Java client 4.0 (KafkaProducer
 * transactions, sendOffsetsToTransaction with the consumer's group metadata,
 * ProducerFencedException; src/java/Transactions.java). The Python scripts
 * are in src/python.
 */
import { Admin, Kafka } from 'kafkajs';
import { cleanupAll, NagareProcess, requirePythonModule, runPython, startNagare, waitFor } from './harness';
import { compileJava, describeWithJava, requireJava, runJavaMain } from './java-harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(90000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

interface ReadIsolated {
  values: Record<string, string[]>;
  ends: Record<string, number>;
  errors: string[];
  complete: boolean;
}

const readIsolated = (topic: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted') =>
  runPython<ReadIsolated>('read_isolated.py', [server.bootstrap, topic, String(partitions), isolation]);

const all = (r: ReadIsolated) => Object.values(r.values).flat().sort();

beforeAll(async () => {
  requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
  server = await startNagare({ props: { 'group.min.session.timeout.ms': '1000' } });
  kafka = newKafka(server.bootstrap, 'e2e-transactions');
  admin = await connectedAdmin(kafka);
});
afterAll(async () => {
  await cleanupAll();
});

describe('python3-confluent-kafka (librdkafka) transactions', () => {
  it('commit and abort: read_committed sees the committed transactions only, and its end offset is the last stable offset', async () => {
    const topic = 'py-txn';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const res = await runPython<{ steps: string[]; errors: string[] }>('txn_producer.py', [server.bootstrap, topic, 'py-txn-1', '2']);
    expect(res).toEqual({ steps: ['init', 'commit', 'abort', 'commit'], errors: [] });

    const committed = await readIsolated(topic, 2, 'read_committed');
    expect(committed.errors).toEqual([]);
    expect(committed.complete).toBe(true);
    const expected = ['committed-a', 'committed-b'].flatMap((l) => [0, 1, 2, 3].map((i) => `${l}-${i}`)).sort();
    expect(all(committed)).toEqual(expected);
    const uncommitted = await readIsolated(topic, 2, 'read_uncommitted');
    expect(all(uncommitted)).toEqual([...expected, ...[0, 1, 2, 3].map((i) => `aborted-${i}`)].sort());
    // Per partition: 6 records and 3 markers; every transaction is decided, so the LSO is the log end.
    expect(committed.ends).toEqual({ 0: 9, 1: 9 });
    expect(uncommitted.ends).toEqual({ 0: 9, 1: 9 });
  });

  it('consume-transform-produce with send_offsets_to_transaction: outputs and input offsets commit together; the aborted round is redone', async () => {
    const [input, output, group] = ['py-ctp-in', 'py-ctp-out', 'py-ctp-group'];
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 2 }], waitForLeaders: true });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: input, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `in-${i}`, partition: i % 2 })) });
    await p.disconnect();

    const res = await runPython<{ committed: number; aborted: number; errors: string[] }>('txn_ctp.py', [server.bootstrap, input, output, group, 'py-ctp-txn', '40', '5']);
    expect(res.errors).toEqual([]);
    expect(res.committed).toBe(40);
    expect(res.aborted).toBeGreaterThan(0);

    const out = await readIsolated(output, 2, 'read_committed');
    expect(all(out)).toEqual(Array.from({ length: 40 }, (_, i) => `IN-${i}`).sort());
    // Each input exactly once: the aborted round's outputs are there only for read_uncommitted.
    const raw = await readIsolated(output, 2, 'read_uncommitted');
    expect(all(raw).length).toBe(40 + res.aborted);
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(offsets[0].partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([
      [0, '20'],
      [1, '20'],
    ]);
  });

  it('zombie fencing: the older producer of a transactional id is fenced (fatal); nothing it wrote becomes visible', async () => {
    const topic = 'py-zombie';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const res = await runPython<{ zombie_errors: string[]; fatal: boolean; fresh_errors: string[] }>('txn_zombie.py', [server.bootstrap, topic, 'py-zombie-txn']);
    expect(res.fresh_errors).toEqual([]);
    expect(res.fatal).toBe(true);
    expect(res.zombie_errors.join(' ')).toMatch(/_FENCED|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    const read = await readIsolated(topic, 1, 'read_committed');
    expect(read.values['0']).toEqual(['fresh']);
  });
});

describe('kafkajs transactions', () => {
  it('commit, abort and sendOffsets; a read_committed consumer group sees the committed records only', async () => {
    const [topic, input, group] = ['kjs-txn', 'kjs-txn-in', 'kjs-txn-src'];
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: input, numPartitions: 1 }], waitForLeaders: true });
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await plain.disconnect();

    const p = kafka.producer({ transactionalId: 'kjs-txn-1', idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    try {
      const t1 = await p.transaction();
      await t1.send({ topic, messages: [{ value: 'kjs-committed-1', partition: 0 }, { value: 'kjs-committed-2', partition: 1 }] });
      await t1.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }] });
      await t1.commit();

      const t2 = await p.transaction();
      await t2.send({ topic, messages: [{ value: 'kjs-aborted', partition: 0 }] });
      await t2.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '1' }] }] });
      await t2.abort();

      const t3 = await p.transaction();
      await t3.send({ topic, messages: [{ value: 'kjs-committed-3', partition: 1 }] });
      await t3.commit();
    } finally {
      await p.disconnect();
    }
    // The committed transaction's offsets stand; the aborted one's never became visible.
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(offsets[0].partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

    const consumer = kafka.consumer({ groupId: 'kjs-rc', readUncommitted: false, maxWaitTimeInMs: 200 });
    await consumer.connect();
    const seen: string[] = [];
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.length >= 3, { timeoutMs: 20000, what: () => `3 committed records, got ${JSON.stringify(seen)}` });
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort()).toEqual(['kjs-committed-1', 'kjs-committed-2', 'kjs-committed-3']);
  });

  it('fences the older of two producers with the same transactional id', async () => {
    const topic = 'kjs-zombie';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const zombie = kafka.producer({ transactionalId: 'kjs-zombie-1', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    const fresh = kafka.producer({ transactionalId: 'kjs-zombie-1', idempotent: true, maxInFlightRequests: 1 });
    await zombie.connect();
    await fresh.connect();
    try {
      const tz = await zombie.transaction();
      await tz.send({ topic, messages: [{ value: 'zombie-before' }] });
      const tf = await fresh.transaction();
      await tf.send({ topic, messages: [{ value: 'fresh' }] });
      await tf.commit();
      const err = await tz
        .send({ topic, messages: [{ value: 'zombie-after' }] })
        .then(() => tz.commit())
        .then(
          () => null,
          (e: { type?: string; message: string }) => e,
        );
      expect(err).not.toBeNull();
      expect(err!.type ?? err!.message).toMatch(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/);
    } finally {
      await zombie.disconnect().catch(() => undefined);
      await fresh.disconnect();
    }
    const read = await readIsolated(topic, 1, 'read_committed');
    expect(read.values['0']).toEqual(['fresh']);
  });
});

describeWithJava("Kafka's Java client transactions", () => {
  let classes: string;
  beforeAll(async () => {
    requireJava({ javac: true });
    classes = await compileJava();
  });
  const java = async <T>(...args: string[]): Promise<T> => {
    const r = await runJavaMain(classes, 'Transactions', args);
    if (r.code !== 0) throw new Error(`Transactions ${args[0]} exited with ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
  };

  it('KafkaProducer commit/abort and a read_committed KafkaConsumer whose end offsets are the last stable offsets', async () => {
    const topic = 'java-txn';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const r = await java<{ values: string[]; endOffsets: Record<string, number>; uncommitted: number }>('produce', server.bootstrap, topic, 'java-txn-1', '2');
    expect(r.values).toEqual(['java-committed-a', 'java-committed-b'].flatMap((l) => [0, 1, 2, 3].map((i) => `${l}-${i}`)).sort());
    expect(r.uncommitted).toBe(12);
    expect(r.endOffsets).toEqual({ 0: 9, 1: 9 });
  });

  it('consume-transform-produce with sendOffsetsToTransaction(offsets, groupMetadata())', async () => {
    const [input, output, group] = ['java-ctp-in', 'java-ctp-out', 'java-ctp-group'];
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 2 }], waitForLeaders: true });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: input, messages: Array.from({ length: 30 }, (_, i) => ({ value: `j-${i}`, partition: i % 2 })) });
    await p.disconnect();
    const r = await java<{ committed: number; aborted: number }>('ctp', server.bootstrap, input, output, group, 'java-ctp-txn', '30');
    expect(r.committed).toBe(30);
    expect(r.aborted).toBeGreaterThan(0);
    const out = await readIsolated(output, 2, 'read_committed');
    expect(all(out)).toEqual(Array.from({ length: 30 }, (_, i) => `J-${i}`).sort());
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(offsets[0].partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([
      [0, '15'],
      [1, '15'],
    ]);
  });

  it('a second KafkaProducer with the same transactional.id fences the first (ProducerFencedException)', async () => {
    const topic = 'java-zombie';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const r = await java<{ commitError: string | null; zombieError: string | null; values: string[] }>('zombie', server.bootstrap, topic, 'java-zombie-txn');
    // As against Kafka: the partition refuses the old epoch, the coordinator then answers the abort with PRODUCER_FENCED.
    expect(r.commitError).toBe('InvalidProducerEpochException');
    expect(r.zombieError).toBe('ProducerFencedException');
    expect(r.values).toEqual(['fresh']);
  });
});
