/**
 * The client against our own server (apps/cli `nagare server`, one broker
 * that is also the controller). Skipped when the server is not built
 * (`npm run build`). The admin APIs, which librdkafka's mock cluster does
 * not serve, are proven here against a real implementation.
 */
import { memoryLogger } from '@nagare/common';
import { ErrorCode } from '@nagare/protocol';
import { Admin, ConfigResourceType } from './admin/admin';
import { Consumer, ConsumerOptions } from './consumer/consumer';
import { CompressionType, Producer } from './producer/producer';
import { consumeN, runConsumer, waitFor } from './testing/helpers';
import { NagareServer, serverBuilt, startNagareServer } from './testing/nagare-server';

const describeIfBuilt = serverBuilt() ? describe : describe.skip;

describeIfBuilt('against the nagare server', () => {
  let server: NagareServer;
  let admin: Admin;
  beforeAll(async () => {
    server = await startNagareServer();
    admin = new Admin({ bootstrapServers: server.bootstrap });
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });
  const base = () => ({ bootstrapServers: server.bootstrap });
  const groupOpts = (groupId: string, extra: Partial<ConsumerOptions> = {}): ConsumerOptions => ({
    ...base(),
    groupId,
    autoOffsetReset: 'earliest',
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 300,
    ...extra,
  });

  test('topics: create (with per-topic errors and validateOnly), list, describe, add partitions, delete', async () => {
    const created = await admin.createTopics([
      { name: 'adm-a', numPartitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
      { name: 'adm-b', numPartitions: 1, replicationFactor: 1 },
    ]);
    expect(created.map((c) => c.error)).toEqual([null, null]);
    expect(created[0]).toMatchObject({ numPartitions: 3, replicationFactor: 1 });
    const again = await admin.createTopics([{ name: 'adm-a', numPartitions: 1, replicationFactor: 1 }]);
    expect(again[0].error?.code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    const dry = await admin.createTopics([{ name: 'adm-dry', numPartitions: 2, replicationFactor: 1 }], { validateOnly: true });
    expect(dry[0].error).toBeNull();
    const names = (await admin.listTopics()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['adm-a', 'adm-b']));
    expect(names).not.toContain('adm-dry');
    const [a] = await admin.describeTopics(['adm-a']);
    expect(a.partitions.map((p) => [p.partition, p.leader?.nodeId, p.replicas.map((r) => r.nodeId), p.isr.map((r) => r.nodeId)])).toEqual([
      [0, 1, [1], [1]],
      [1, 1, [1], [1]],
      [2, 1, [1], [1]],
    ]);
    expect(a.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(a.isInternal).toBe(false);
    const more = await admin.createPartitions([{ topic: 'adm-b', totalCount: 4 }, { topic: 'adm-a', totalCount: 2 }]);
    expect(more[0].error).toBeNull();
    expect(more[1].error?.code).toBe(ErrorCode.INVALID_PARTITIONS);
    expect((await admin.describeTopics(['adm-b']))[0].partitions).toHaveLength(4);
    const del = await admin.deleteTopics(['adm-b', 'adm-missing']);
    expect(del.map((d) => d.error?.code ?? 0)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    await waitFor(() => true, 1);
  });

  test('configs: describe (topic and broker), incremental alter, legacy alter', async () => {
    await admin.createTopics([{ name: 'cfg-t', numPartitions: 1, replicationFactor: 1 }]);
    const inc = await admin.incrementalAlterConfigs([{ type: ConfigResourceType.TOPIC, name: 'cfg-t', ops: [{ name: 'retention.ms', op: 'set', value: '123456' }] }]);
    expect(inc[0].error).toBeNull();
    const [topicCfg, brokerCfg] = await admin.describeConfigs([
      { type: ConfigResourceType.TOPIC, name: 'cfg-t' },
      { type: ConfigResourceType.BROKER, name: '1' },
    ]);
    expect(topicCfg.error).toBeNull();
    expect(topicCfg.configs.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '123456', isDefault: false });
    expect(brokerCfg.error).toBeNull();
    expect(brokerCfg.configs.length).toBeGreaterThan(0);
    const bad = await admin.incrementalAlterConfigs([{ type: ConfigResourceType.TOPIC, name: 'cfg-t', ops: [{ name: 'no.such.config', op: 'set', value: '1' }] }]);
    expect(bad[0].error?.code).toBe(ErrorCode.INVALID_CONFIG);
    const legacy = await admin.alterConfigs([{ type: ConfigResourceType.TOPIC, name: 'cfg-t', configs: { 'retention.ms': '999' } }]);
    expect(legacy[0].error).toBeNull();
    const [after] = await admin.describeConfigs([{ type: ConfigResourceType.TOPIC, name: 'cfg-t', configNames: ['retention.ms'] }]);
    expect(after.configs.find((c) => c.name === 'retention.ms')?.value).toBe('999');
  });

  test('describeCluster, describeLogDirs', async () => {
    const c = await admin.describeCluster();
    expect(c.clusterId).toBeTruthy();
    expect(c.brokers.map((b) => b.nodeId)).toEqual([1]);
    expect(c.controller?.nodeId).toBe(1);
    await admin.createTopics([{ name: 'dirs-t', numPartitions: 2, replicationFactor: 1 }]);
    const dirs = await admin.describeLogDirs();
    const d = dirs.get(1)!;
    expect(d.length).toBeGreaterThanOrEqual(1);
    expect(d.flatMap((x) => x.replicas).filter((r) => r.topic === 'dirs-t').map((r) => r.partition).sort()).toEqual([0, 1]);
  });

  test.each<CompressionType>(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('produce and consume with %s; offsets, listOffsets, deleteRecords', async (codec) => {
    const topic = `codec-${codec}`;
    await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]);
    const producer = new Producer({ ...base(), compressionType: codec });
    const t0 = Date.now();
    const sent = Array.from({ length: 200 }, (_, i) => ({ topic, partition: i % 2, key: `k${i}`, value: `v${i} ${'z'.repeat(i % 40)}`, timestamp: t0 + i }));
    const meta = await producer.send(sent);
    expect(meta.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await producer.close();
    const consumer = new Consumer({ ...base(), autoOffsetReset: 'earliest' });
    consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
    const got = await consumeN(consumer, 200);
    expect(got.map((r) => `${r.key}=${r.value}`).sort()).toEqual(sent.map((s) => `${s.key}=${s.value}`).sort());
    await consumer.close();
    const offs = await admin.listOffsets([
      { topic, partition: 0, spec: 'earliest' },
      { topic, partition: 0, spec: 'latest' },
      { topic, partition: 1, spec: 'max-timestamp' },
      { topic, partition: 0, spec: { timestamp: t0 + 10 } },
    ]);
    expect(offs.map((o) => o.error)).toEqual([null, null, null, null]);
    expect(offs.map((o) => o.offset)).toEqual([0, 100, 99, 5]);
    const dr = await admin.deleteRecords([{ topic, partition: 0, offset: 40 }]);
    expect(dr[0]).toMatchObject({ lowWatermark: 40, error: null });
    expect((await admin.listOffsets([{ topic, partition: 0, spec: 'earliest' }]))[0].offset).toBe(40);
  });

  test('idempotent producer: the broker tracks our producer id and sequence (describeProducers)', async () => {
    await admin.createTopics([{ name: 'idem-t', numPartitions: 1, replicationFactor: 1 }]);
    const producer = new Producer(base());
    for (let i = 0; i < 3; i++) await producer.send(Array.from({ length: 10 }, (_, j) => ({ topic: 'idem-t', value: `${i}-${j}` })));
    const { producerId, producerEpoch } = producer.producerIdAndEpoch;
    const [res] = await admin.describeProducers([{ topic: 'idem-t', partition: 0 }]);
    expect(res.error).toBeNull();
    const state = res.activeProducers.find((p) => p.producerId === producerId);
    expect(state).toMatchObject({ producerEpoch, lastSequence: 29 });
    await producer.close();
  });

  test('consumer groups: 3 members rebalancing (range), then group admin: list, describe, offsets, delete', async () => {
    await admin.createTopics([{ name: 'grp-t', numPartitions: 6, replicationFactor: 1 }]);
    const producer = new Producer(base());
    await producer.send(Array.from({ length: 120 }, (_, i) => ({ topic: 'grp-t', partition: i % 6, value: `m${i}` })));
    await producer.close();
    const group = 'srv-group';
    const rs = [1, 2, 3].map((n) => {
      const c = new Consumer(groupOpts(group, { clientId: `member-${n}` }));
      c.subscribe(['grp-t']);
      return runConsumer(c, 100);
    });
    await waitFor(() => rs.every((r) => r.consumer.assignment().length === 2), 30000, () => `2 partitions each (is ${rs.map((r) => r.consumer.assignment().length)})`);
    await waitFor(() => new Set(rs.flatMap((r) => r.records.map((x) => x.value!.toString()))).size === 120, 20000, 'all records');
    const listed = await admin.listGroups({ states: ['Stable'] });
    expect(listed.find((g) => g.groupId === group)).toMatchObject({ protocolType: 'consumer', state: 'Stable' });
    const [desc] = await admin.describeGroups([group]);
    expect(desc).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(desc.members).toHaveLength(3);
    expect(desc.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(desc.members.every((m) => m.subscribedTopics.join() === 'grp-t')).toBe(true);
    // One leaves: the other two share the six partitions.
    await rs[2].stop();
    await rs[2].consumer.close();
    await waitFor(() => rs[0].consumer.assignment().length === 3 && rs[1].consumer.assignment().length === 3, 30000, 'rebalance to 3/3');
    await Promise.all(rs.slice(0, 2).map((r) => r.stop()));
    await Promise.all(rs.slice(0, 2).map((r) => r.consumer.close()));
    for (const r of rs) expect(r.errors).toEqual([]);
    const committed = await admin.listConsumerGroupOffsets(group);
    expect(committed.map((c) => c.offset)).toEqual([20, 20, 20, 20, 20, 20]);
    // The group is empty now: offsets can be set and deleted, then the group deleted.
    const altered = await admin.alterConsumerGroupOffsets(group, [{ topic: 'grp-t', partition: 0, offset: 5 }]);
    expect(altered[0].error).toBeNull();
    expect((await admin.listConsumerGroupOffsets(group, { partitions: [{ topic: 'grp-t', partition: 0 }] }))[0].offset).toBe(5);
    const od = await admin.deleteConsumerGroupOffsets(group, [{ topic: 'grp-t', partition: 1 }]);
    expect(od.error).toBeNull();
    expect(od.partitions[0].error).toBeNull();
    expect((await admin.listConsumerGroupOffsets(group)).map((c) => c.partition)).toEqual([0, 2, 3, 4, 5]);
    const [gone, missing] = await admin.deleteGroups([group, 'never-existed']);
    expect(gone.error).toBeNull();
    expect(missing.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('cooperative-sticky against the real coordinator: the first member keeps its partitions that do not move', async () => {
    await admin.createTopics([{ name: 'coop-t', numPartitions: 4, replicationFactor: 1 }]);
    const revoked: string[][] = [];
    const mk = (name: string) => {
      const c = new Consumer(groupOpts('coop-srv', { clientId: name, partitionAssignmentStrategy: ['cooperative-sticky'] }));
      c.subscribe(['coop-t'], { onPartitionsRevoked: (tps) => void (name === 'a' && revoked.push(tps.map((tp) => `${tp.partition}`))) });
      return runConsumer(c, 100);
    };
    const a = mk('a');
    await waitFor(() => a.consumer.assignment().length === 4, 20000, 'a owns 4');
    const b = mk('b');
    await waitFor(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2, 30000, '2/2');
    expect(revoked.flat()).toHaveLength(2);
    await Promise.all([a, b].map((r) => r.stop()));
    await Promise.all([a, b].map((r) => r.consumer.close()));
  });

  test('regex subscription picks up matching topics created later (metadata refresh, rejoin)', async () => {
    await admin.createTopics([
      { name: 'rx-one', numPartitions: 1, replicationFactor: 1 },
      { name: 'other-topic', numPartitions: 1, replicationFactor: 1 },
    ]);
    const c = new Consumer(groupOpts('rx-group', { metadataMaxAgeMs: 300 }));
    c.subscribe(/^rx-/);
    const r = runConsumer(c, 100);
    await waitFor(() => c.assignment().map((tp) => tp.topic).join() === 'rx-one', 20000, () => `rx-one (is ${c.subscription()})`);
    await admin.createTopics([{ name: 'rx-two', numPartitions: 2, replicationFactor: 1 }]);
    await waitFor(() => c.assignment().length === 3, 20000, () => `3 partitions (is ${JSON.stringify(c.assignment())})`);
    expect(c.subscription()).toEqual(['rx-one', 'rx-two']);
    const producer = new Producer(base());
    await producer.send({ topic: 'rx-two', partition: 1, value: 'found' });
    await producer.close();
    await waitFor(() => r.records.some((x) => x.value!.toString() === 'found'), 20000, 'record from the new topic');
    await r.stop();
    await c.close();
  });

  test('JoinGroup with an empty member id gets MEMBER_ID_REQUIRED first (KIP-394) and rejoins', async () => {
    await admin.createTopics([{ name: 'kip394-t', numPartitions: 1, replicationFactor: 1 }]);
    const logger = memoryLogger();
    const c = new Consumer(groupOpts('kip394', { logger }));
    c.subscribe(['kip394-t']);
    const r = runConsumer(c, 100);
    await waitFor(() => c.assignment().length === 1, 20000, 'assignment');
    await r.stop();
    const member = c.groupMember!;
    expect(member.memberId).not.toBe('');
    expect(member.generationId).toBeGreaterThan(0);
    const required = logger.entries.filter((e) => e.msg.startsWith('member id required'));
    expect(required).toHaveLength(1);
    expect(required[0].fields.memberId).toBe(member.memberId);
    await c.close();
  });
});
