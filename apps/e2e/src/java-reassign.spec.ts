/**
 * Kafka's Java Admin client against three nagare nodes for what kafka-reassign-partitions and
 * kafka-leader-election call (/work/shared/java-client has the client but not those two tools'
 * classes): listPartitionReassignments, alterPartitionReassignments (a reorder; an unknown broker),
 * electLeaders PREFERRED (elected, then ElectionNotNeededException; an unknown partition).
 */
import { Kafka, logLevel } from 'kafkajs';
import { TestCluster } from '@nagare/testing';
import { compileJava, describeWithJava, requireJava, runJavaMain } from './java-harness';

jest.setTimeout(240_000);

describeWithJava('Java Admin: partition reassignments and leader elections on a 3-node cluster', () => {
  let classes: string;
  let c: TestCluster;

  beforeAll(async () => {
    requireJava({ javac: true });
    [classes, c] = await Promise.all([compileJava(), TestCluster.start({ combined: 3, props: { 'auto.leader.rebalance.enable': 'false' }, startTimeoutMs: 120_000 })]);
  }, 240_000);
  afterAll(async () => {
    await c?.close();
  });

  test('reorder the replicas, elect the preferred leader, and the errors Kafka names', async () => {
    const kafka = new Kafka({ brokers: c.bootstrapServers.split(','), clientId: 'java-reassign-spec', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'jmoves', replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const r = await runJavaMain(classes, 'ReassignElect', [c.bootstrapServers, 'jmoves']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toEqual({
      listedBefore: 0,
      replicasAfterReorder: [2, 1, 3],
      leaderBefore: 1,
      elect: 'ok',
      leaderAfter: 2,
      electAgain: 'ElectionNotNeededException',
      electMissing: 'UnknownTopicOrPartitionException',
      unknownBroker: 'InvalidReplicaAssignmentException',
      listedAfter: 0,
    });
  });
});
