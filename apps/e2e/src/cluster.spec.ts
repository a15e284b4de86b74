/**
 * Third-party clients against a cluster of 3 controllers and 3 brokers (real processes, the
 * @nagare/testing cluster testkit): kcat, kafkajs and confluent-kafka see every broker in Metadata
 * and a controller in DescribeCluster; Kafka's Java Admin sees the active controller through
 * `bootstrap.controllers` and the metadata quorum (describeMetadataQuorum) through brokers and
 * controllers alike. Then the active controller is killed (SIGKILL) and every client keeps working:
 * new topics, produce and consume, and the Java Admin names the new active controller.
 */
import { TestCluster } from '@nagare/testing';
import { KCAT, cleanupAll, onCleanup, requireTool, runOk, runPython, waitFor } from './harness';
import { compileJava, javaClientMissing, requireJava, runJavaMain } from './java-harness';
import { connectedAdmin, newKafka, consumeN } from './kafkajs-helpers';

jest.setTimeout(300000);

type Step = Record<string, unknown> & { step: string; error?: string };

async function java(classes: string, mode: 'servers' | 'controllers', bootstrap: string): Promise<Record<string, Step>> {
  const r = await runJavaMain(classes, 'MetadataQuorum', [mode, bootstrap]);
  const steps = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Step);
  return Object.fromEntries(steps.map((s) => [s.step, s]));
}

interface KcatMetadata {
  brokers: Array<{ id: number; name: string }>;
  controllerid: number;
  topics: Array<{ topic: string }>;
}

const kcatMetadata = async (bootstrap: string): Promise<KcatMetadata> => JSON.parse(await runOk(KCAT, ['-b', bootstrap, '-L', '-J'])) as KcatMetadata;

describe('clients against 3 controllers + 3 brokers, across a controller failover', () => {
  let cluster: TestCluster;
  let classes: string | undefined;
  beforeAll(async () => {
    requireTool(KCAT, 'kcat');
    const withJava = javaClientMissing() === undefined;
    if (withJava) requireJava({ javac: true });
    else process.stderr.write(`cluster.spec: the Java Admin steps are skipped: ${javaClientMissing()}\n`);
    [cluster, classes] = await Promise.all([TestCluster.start({ controllers: 3, brokers: 3 }), withJava ? compileJava() : Promise.resolve(undefined)]);
    onCleanup(() => cluster.close());
  });
  afterAll(async () => {
    await cleanupAll();
  });

  it('Metadata, DescribeCluster and the metadata quorum before and after the active controller dies', async () => {
    const brokerIds = cluster.brokers().map((b) => b.id);
    // kcat (librdkafka): every broker, and a controller that is one of them (Kafka names an alive broker).
    const md = await kcatMetadata(cluster.bootstrapServers);
    expect(md.brokers.map((b) => b.id).sort()).toEqual(brokerIds);
    expect(brokerIds).toContain(md.controllerid);

    // kafkajs: DescribeCluster (v0 Metadata) shows the brokers; a topic, produced and consumed.
    const kafka = newKafka(cluster.bootstrapServers, 'e2e-cluster', { brokers: cluster.bootstrapServers.split(',') });
    const admin = await connectedAdmin(kafka);
    const desc = await admin.describeCluster();
    expect(desc.brokers.map((b) => b.nodeId).sort()).toEqual(brokerIds);
    expect(brokerIds).toContain(desc.controller);
    await admin.createTopics({ topics: [{ topic: 'before', numPartitions: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
    await producer.send({ topic: 'before', messages: [0, 1, 2, 3, 4, 5].map((i) => ({ key: `k${i}`, value: `v${i}` })) });

    // Kafka's Java Admin: the active controller (via the controller listeners) is the quorum's leader.
    let leader: number;
    if (classes !== undefined) {
      const viaControllers = await java(classes, 'controllers', cluster.bootstrapControllers);
      expect(viaControllers.describeCluster).toMatchObject({ clusterId: cluster.clusterId, nodes: [1, 2, 3] });
      expect(viaControllers.describeMetadataQuorum).toMatchObject({ observers: [4, 5, 6], nodes: [1, 2, 3] });
      leader = viaControllers.describeMetadataQuorum.leaderId as number;
      expect(viaControllers.describeCluster.controller).toBe(leader);
      const viaBrokers = await java(classes, 'servers', cluster.bootstrapServers);
      expect(viaBrokers.describeCluster).toMatchObject({ clusterId: cluster.clusterId, nodes: brokerIds });
      expect(viaBrokers.describeMetadataQuorum).toMatchObject({ leaderId: leader, observers: [4, 5, 6] });
    } else {
      const { Admin } = await import('@nagare/client');
      const a = new Admin({ bootstrapServers: cluster.bootstrapServers });
      leader = (await a.describeMetadataQuorum()).leaderId;
      a.close();
    }

    // The active controller dies.
    await cluster.killNode(leader);

    // kafkajs goes on: a new topic (created by the next controller), produce and consume both.
    await waitFor(async () => {
      try {
        await admin.createTopics({ topics: [{ topic: 'after', numPartitions: 2 }], waitForLeaders: true });
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs: 60000, what: 'a topic created after the failover' });
    await producer.send({ topic: 'after', messages: [{ key: 'a', value: 'after-0' }] });
    const consumed = await consumeN(kafka, ['before', 'after'], 7, { groupId: 'e2e-cluster-group' });
    expect(consumed.map((m) => m.value?.toString()).sort()).toEqual(['after-0', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5']);

    // kcat: still every broker; produce and consume through the cluster.
    const md2 = await kcatMetadata(cluster.bootstrapServers);
    expect(md2.brokers.map((b) => b.id).sort()).toEqual(brokerIds);
    expect(md2.topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['before', 'after']));
    await runOk(KCAT, ['-b', cluster.bootstrapServers, '-t', 'kcat-after', '-P', '-K:'], { input: 'k1:one\nk2:two\n' });
    const back = await runOk(KCAT, ['-b', cluster.bootstrapServers, '-t', 'kcat-after', '-C', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n']);
    expect(back.trim().split('\n').sort()).toEqual(['k1=one', 'k2=two']);

    // confluent-kafka (librdkafka): every broker, produce and consume.
    const py = await runPython<{ brokers: number[]; controller: number; errors: string[]; consumed: string[] }>('cluster_client.py', [cluster.bootstrapServers, 'py-after', '20']);
    expect(py.brokers).toEqual(brokerIds);
    expect(brokerIds).toContain(py.controller);
    expect(py.errors).toEqual([]);
    expect(py.consumed.length).toBe(20);

    // The Java Admin: a new active controller (not the dead one) in a later epoch.
    if (classes !== undefined) {
      const after = await java(classes, 'controllers', cluster.bootstrapControllers);
      const q = after.describeMetadataQuorum as unknown as { leaderId: number; leaderEpoch: number };
      expect(q.leaderId).not.toBe(leader);
      expect(after.describeCluster.controller).toBe(q.leaderId);
    }
  });
});
