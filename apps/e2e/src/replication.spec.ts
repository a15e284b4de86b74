/**
 * Third-party clients across a partition leader failover (issue 12), on 3 combined nodes (real
 * processes, @nagare/testing; num.replica.fetchers=2): RF=3 topics with min.insync.replicas=2. kafkajs (idempotent,
 * acks=-1) and confluent-kafka (librdkafka, idempotent, acks=all) keep producing while the leader
 * of their partition is killed with SIGKILL; a follower takes over and every record the client saw
 * acknowledged is read back afterwards (kafkajs and kcat), in order and once.
 */
import { TestCluster } from '@nagare/testing';
import { KCAT, cleanupAll, onCleanup, requireTool, runOk, runPython, sleep, waitFor } from './harness';
import { connectedAdmin, consumeN, newKafka } from './kafkajs-helpers';

jest.setTimeout(300000);

interface PyFailover {
  sent: number;
  acked: string[];
  errors: string[];
  unflushed: number;
}

describe('clients across a partition leader failover (3 combined nodes, RF=3)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    requireTool(KCAT, 'kcat');
    cluster = await TestCluster.start({
      combined: 3,
      props: { 'broker.heartbeat.interval.ms': '500', 'broker.session.timeout.ms': '4000', 'replica.fetch.backoff.ms': '200', 'num.replica.fetchers': '2' },
    });
    onCleanup(() => cluster.close());
  });
  afterAll(async () => {
    await cleanupAll();
  });

  const leaderOf = async (admin: Awaited<ReturnType<typeof connectedAdmin>>, topic: string): Promise<{ leader: number; isr: number[] }> => {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const p = md.topics[0].partitions.find((x) => x.partitionId === 0)!;
    return { leader: p.leader, isr: p.isr };
  };

  it('kafkajs and confluent-kafka lose no acknowledged record when the leader is killed; kcat reads them all', async () => {
    const kafka = newKafka(cluster.bootstrapServers, 'e2e-replication', { brokers: cluster.bootstrapServers.split(','), retry: { initialRetryTime: 200, retries: 30 } });
    const admin = await connectedAdmin(kafka);
    await admin.createTopics({
      topics: ['js-failover', 'py-failover'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] })),
      waitForLeaders: true,
    });
    for (const t of ['js-failover', 'py-failover']) {
      await waitFor(async () => ((await leaderOf(admin, t)).isr.length === 3 ? true : undefined), { timeoutMs: 30000, what: `${t} with a full ISR` });
    }

    // kafkajs: batches of 10, acks=-1, idempotent; the leader dies after 100 are acknowledged.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const acked: string[] = [];
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const values = Array.from({ length: 10 }, () => `js-${n++}`);
        try {
          await producer.send({ topic: 'js-failover', acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
          acked.push(...values);
        } catch {
          // Not acknowledged: may or may not be there.
        }
      }
    })();
    await waitFor(() => (acked.length >= 100 ? true : undefined), { timeoutMs: 60000, what: '100 records acknowledged' });
    const jsLeader = (await leaderOf(admin, 'js-failover')).leader;
    await cluster.killNode(jsLeader);
    const killedAt = acked.length;
    await waitFor(() => (acked.length >= killedAt + 100 ? true : undefined), { timeoutMs: 90000, what: () => `100 more acknowledged after the kill (have ${acked.length - killedAt})` });
    stop = true;
    await writer;
    const after = await leaderOf(admin, 'js-failover');
    expect(after.leader).not.toBe(jsLeader);
    const consumed = (await consumeN(kafka, ['js-failover'], acked.length, { timeoutMs: 60000 })).map((m) => m.value!);
    expect(acked.filter((v) => !consumed.includes(v))).toEqual([]);
    expect(new Set(consumed).size).toBe(consumed.length);

    // The killed node comes back and rejoins the ISR of both topics.
    await cluster.startNode(jsLeader);
    for (const t of ['js-failover', 'py-failover']) {
      await waitFor(async () => ((await leaderOf(admin, t)).isr.length === 3 ? true : undefined), { timeoutMs: 60000, what: `${t} ISR full again` });
    }

    // confluent-kafka: one record every 10 ms for 10 s; its partition's leader is killed after 3 s.
    const pyRun = runPython<PyFailover>('failover_producer.py', [cluster.bootstrapServers, 'py-failover', '10', '10'], { timeoutMs: 200000 });
    await sleep(3000);
    const pyLeader = (await leaderOf(admin, 'py-failover')).leader;
    await cluster.killNode(pyLeader);
    const py = await pyRun;
    expect(py.unflushed).toBe(0);
    expect(py.acked.length).toBeGreaterThan(100);
    expect((await leaderOf(admin, 'py-failover')).leader).not.toBe(pyLeader);
    // kcat reads the partition through the new leader: every acknowledged record, in send order, once.
    const out = await runOk(KCAT, ['-b', cluster.bootstrapServers, '-t', 'py-failover', '-p', '0', '-C', '-o', 'beginning', '-e', '-q', '-f', '%s\\n']);
    const read = out.trim().split('\n');
    expect(py.acked.filter((v) => !read.includes(v))).toEqual([]);
    expect(new Set(read).size).toBe(read.length);
    const seq = read.map((v) => Number(v.slice(3)));
    expect(seq.filter((x, k) => k > 0 && x <= seq[k - 1])).toEqual([]);
    await cluster.startNode(pyLeader);
  });
});
