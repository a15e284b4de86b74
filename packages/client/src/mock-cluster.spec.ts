/**
 * The client against a real multi-broker Kafka implementation of another
 * project: librdkafka's mock cluster (3 brokers inside a kcat process; see
 * testing/mock-cluster.ts for what it serves). kcat itself (librdkafka as a
 * client) cross-checks what we write and writes what we read.
 */
import { crc32 } from 'node:zlib';
import { ApiKey } from '@nagare/protocol';
import { iterateBatches } from '@nagare/records';
import { Consumer, ConsumerOptions } from './consumer/consumer';
import { TopicPartition } from './group/consumer-protocol';
import { CompressionType, Producer } from './producer/producer';
import { murmur2Partition } from './producer/partitioner';
import { MockCluster, kcatAsync, kcatAvailable, startMockCluster } from './testing/mock-cluster';
import { consumeN, runConsumer, waitFor } from './testing/helpers';

const describeIfKcat = kcatAvailable() ? describe : describe.skip;

describeIfKcat('against the librdkafka mock cluster (3 brokers)', () => {
  let mc: MockCluster;
  beforeAll(async () => {
    mc = await startMockCluster(3);
  });
  afterAll(async () => {
    await mc?.stop();
  });

  // The mock writes ListOffsets v4+ leader epochs as int64 (4 bytes too many), which
  // breaks responses with more than one partition: stay at v3 with it.
  const base = () => ({ bootstrapServers: mc.bootstrap, maxApiVersions: { [ApiKey.ListOffsets]: 3 } });
  const groupOpts = (groupId: string, extra: Partial<ConsumerOptions> = {}): ConsumerOptions => ({
    ...base(),
    groupId,
    autoOffsetReset: 'earliest',
    sessionTimeoutMs: 3000,
    heartbeatIntervalMs: 300,
    ...extra,
  });

  test('discovers the 3 brokers and routes produce, fetch and list-offsets to each partition leader', async () => {
    const topics = ['route-a', 'route-b', 'route-c', 'route-d', 'route-e'];
    const producer = new Producer({ ...base(), lingerMs: 2 });
    const records = topics.flatMap((topic) => Array.from({ length: 40 }, (_, i) => ({ topic, partition: i % 4, value: `${topic}-${i}` })));
    const meta = await producer.send(records);
    expect(producer.cluster.brokerList.map((b) => b.nodeId)).toEqual([1, 2, 3]);
    expect(producer.cluster.brokerList.map((b) => b.port).sort()).toEqual(mc.brokers.map((b) => b.port).sort());
    // The mock answers NOT_LEADER_OR_FOLLOWER to a broker that does not lead the
    // partition, so acknowledged writes prove the routing; leaders are spread.
    const leaders = new Set(topics.flatMap((t) => producer.cluster.topic(t)!.partitions.map((p) => p.leader)));
    expect(leaders).toEqual(new Set([1, 2, 3]));
    for (const topic of topics) {
      for (let p = 0; p < 4; p++) {
        expect(meta.filter((m) => m.topic === topic && m.partition === p).map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      }
    }
    await producer.close();

    // librdkafka reads what we wrote, partition by partition.
    const out = await kcatAsync(['-b', mc.bootstrap, '-C', '-t', 'route-c', '-e', '-q', '-f', '%p %o %s\n']);
    const lines = out.trim().split('\n').sort();
    expect(lines).toHaveLength(40);
    expect(lines).toContain('2 9 route-c-38');

    const consumer = new Consumer(base());
    const tps: TopicPartition[] = topics.flatMap((topic) => [0, 1, 2, 3].map((partition) => ({ topic, partition })));
    const end = await consumer.endOffsets(tps);
    const begin = await consumer.beginningOffsets(tps);
    expect([...end.values()]).toEqual(tps.map(() => 10));
    expect([...begin.values()]).toEqual(tps.map(() => 0));
    consumer.assign(tps);
    consumer.seekToBeginning();
    const got = await consumeN(consumer, 200);
    expect(got.map((r) => r.value!.toString()).sort()).toEqual(records.map((r) => r.value).sort());
    await consumer.close();
  });

  test.each<CompressionType>(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('round trip with compression %s, both ways with librdkafka', async (codec) => {
    const topic = `codec-${codec}`;
    const producer = new Producer({ ...base(), compressionType: codec, lingerMs: 10 });
    const sent = Array.from({ length: 300 }, (_, i) => ({
      topic,
      key: `key-${i}`,
      value: `value ${i} ${'x'.repeat(i % 50)}`,
      headers: { h: `hv${i}` },
    }));
    await producer.send(sent);
    await producer.close();
    const consumer = new Consumer({ ...base(), autoOffsetReset: 'earliest' });
    consumer.assign([0, 1, 2, 3].map((partition) => ({ topic, partition })));
    const got = await consumeN(consumer, 300);
    const byKey = new Map(got.map((r) => [r.key!.toString(), r]));
    for (const s of sent) {
      const r = byKey.get(s.key)!;
      expect(r.value!.toString()).toBe(s.value);
      expect(r.headers).toEqual([{ key: 'h', value: Buffer.from(s.headers.h) }]);
      expect(r.partition).toBe(murmur2Partition(Buffer.from(s.key), 4));
    }
    // librdkafka decompresses our batches.
    const viaKcat = await kcatAsync(['-b', mc.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%k=%s\n']);
    expect(viaKcat.trim().split('\n').sort()).toEqual(sent.map((s) => `${s.key}=${s.value}`).sort());
    // ...and we decompress librdkafka's.
    const lines = Array.from({ length: 100 }, (_, i) => `k${i}:kcat ${codec} ${i}`).join('\n') + '\n';
    await kcatAsync(['-b', mc.bootstrap, '-P', '-t', `${topic}-in`, '-K:', '-z', codec === 'none' ? 'none' : codec], lines);
    const c2 = new Consumer({ ...base(), autoOffsetReset: 'earliest' });
    c2.assign([0, 1, 2, 3].map((partition) => ({ topic: `${topic}-in`, partition })));
    const fromKcat = await consumeN(c2, 100);
    expect(fromKcat.map((r) => `${r.key}:${r.value}`).sort()).toEqual(lines.trim().split('\n').sort());
    await consumer.close();
    await c2.close();
  });

  test('keyed records go where librdkafka murmur2_random and the Java client put them', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i * 7919}`);
    await kcatAsync(['-b', mc.bootstrap, '-P', '-t', 'keyed-kcat', '-K:', '-X', 'topic.partitioner=murmur2_random'], keys.map((k) => `${k}:v`).join('\n') + '\n');
    const out = await kcatAsync(['-b', mc.bootstrap, '-C', '-t', 'keyed-kcat', '-e', '-q', '-f', '%k %p\n']);
    const kcatPartition = new Map(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    expect(kcatPartition.size).toBe(200);
    const producer = new Producer(base());
    const meta = await producer.send(keys.map((key) => ({ topic: 'keyed-ours', key, value: 'v' })));
    await producer.close();
    keys.forEach((k, i) => {
      expect(Number(kcatPartition.get(k))).toBe(murmur2Partition(Buffer.from(k), 4));
      expect(meta[i].partition).toBe(Number(kcatPartition.get(k)));
    });
    expect(new Set(meta.map((m) => m.partition)).size).toBe(4);
  });

  test('idempotent producer: InitProducerId, one producer id and epoch, contiguous sequences per partition', async () => {
    const producer = new Producer({ ...base(), lingerMs: 0 });
    expect(producer.idempotent).toBe(true);
    for (let round = 0; round < 3; round++) {
      await producer.send(Array.from({ length: 20 }, (_, i) => ({ topic: 'idem', partition: i % 4, value: `r${round}-${i}` })));
    }
    const { producerId, producerEpoch } = producer.producerIdAndEpoch;
    expect(producerId).toBeGreaterThan(0);
    expect(producerEpoch).toBe(0);
    // Read the raw batches from each leader and check their producer fields.
    for (let p = 0; p < 4; p++) {
      const leader = producer.cluster.leaderOf('idem', p);
      const res = await producer.cluster.connection(leader).request(ApiKey.Fetch, () => ({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'idem', topicId: '', partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: '' }] }],
        forgottenTopicsData: [],
        rackId: '',
      }), { maxVersion: 11 });
      // The mock returns one batch per fetch: walk the partition batch by batch.
      let expectedSeq = 0;
      let offset = 0;
      let buf = res.responses[0].partitions[0].records!;
      while (offset < 15) {
        for (const b of iterateBatches(buf, { allowPartialTail: true })) {
          expect(b.header.producerId).toBe(producerId);
          expect(b.header.producerEpoch).toBe(producerEpoch);
          expect(b.header.baseSequence).toBe(expectedSeq);
          expectedSeq += b.header.recordCount;
          offset = b.nextOffset;
        }
        if (offset >= 15) break;
        const next = await producer.cluster.connection(leader).request(ApiKey.Fetch, (v) => ({
          clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic: 'idem', topicId: '', partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: '' }] }],
          forgottenTopicsData: [], rackId: v >= 11 ? '' : '',
        }), { maxVersion: 11 });
        buf = next.responses[0].partitions[0].records!;
      }
      expect(expectedSeq).toBe(15);
    }
    await producer.close();
  });

  test('offsets: commitSync / committed through the group coordinator, resumed by a new consumer', async () => {
    const topic = 'offsets-topic';
    const producer = new Producer(base());
    await producer.send(Array.from({ length: 40 }, (_, i) => ({ topic, partition: i % 4, value: `m${i}` })));
    await producer.close();
    const tps = [0, 1, 2, 3].map((partition) => ({ topic, partition }));
    const c1 = new Consumer({ ...base(), groupId: 'offsets-group', enableAutoCommit: false, autoOffsetReset: 'earliest' });
    c1.assign(tps);
    await consumeN(c1, 40);
    await c1.commitSync([
      { topic, partition: 0, offset: 3, metadata: 'meta-0' },
      { topic, partition: 1, offset: 7 },
    ]);
    const committed = await c1.committed(tps);
    expect(committed.get(`${topic}\u00000`)).toMatchObject({ offset: 3, metadata: 'meta-0' });
    expect(committed.get(`${topic}\u00001`)).toMatchObject({ offset: 7 });
    expect(committed.get(`${topic}\u00002`)).toBeNull();
    // The coordinator is the broker the mock hashes the group id to.
    const coordinator = c1.groupMember!.coordinatorNode!;
    expect(coordinator.nodeId).toBe((crc32(Buffer.from('offsets-group')) % 3) + 1);
    await c1.close();

    const c2 = new Consumer({ ...base(), groupId: 'offsets-group', enableAutoCommit: false, autoOffsetReset: 'earliest' });
    c2.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
    const got = await consumeN(c2, 7 + 3);
    const p0 = got.filter((r) => r.partition === 0).map((r) => r.offset);
    const p1 = got.filter((r) => r.partition === 1).map((r) => r.offset);
    expect(p0).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(p1).toEqual([7, 8, 9]);
    expect(await c2.position({ topic, partition: 0 })).toBe(10);
    await c2.close();
  });

  test('OFFSET_OUT_OF_RANGE resets the position with auto.offset.reset', async () => {
    const topic = 'oor-topic';
    const producer = new Producer(base());
    await producer.send(Array.from({ length: 5 }, (_, i) => ({ topic, partition: 0, value: `m${i}` })));
    await producer.close();
    const c = new Consumer({ ...base(), autoOffsetReset: 'earliest' });
    c.assign([{ topic, partition: 0 }]);
    c.seek({ topic, partition: 0 }, 1000);
    const got = await consumeN(c, 5);
    expect(got.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    await c.close();
    const strict = new Consumer({ ...base(), autoOffsetReset: 'none' });
    strict.assign([{ topic, partition: 0 }]);
    strict.seek({ topic, partition: 0 }, 1000);
    await expect(
      (async () => {
        for (let i = 0; i < 50; i++) await strict.poll(100);
      })(),
    ).rejects.toMatchObject({ code: 1, errorName: 'OFFSET_OUT_OF_RANGE' });
    await strict.close();
  });

  test('consumer group with 3 members (range): joins, rebalances, leaves; every partition owned once', async () => {
    const topics = ['grp-a', 'grp-b'];
    const producer = new Producer(base());
    await producer.send(topics.flatMap((topic) => Array.from({ length: 80 }, (_, i) => ({ topic, partition: i % 4, value: `${topic}:${i}` }))));
    await producer.close();
    const group = 'range-group';
    const events: string[] = [];
    const mk = (name: string) => {
      const c = new Consumer(groupOpts(group, { clientId: name }));
      c.subscribe(topics, {
        onPartitionsAssigned: (tps) => void events.push(`${name}+${tps.length}`),
        onPartitionsRevoked: (tps) => void events.push(`${name}-${tps.length}`),
      });
      return runConsumer(c, 100);
    };
    const owned = (rs: ReturnType<typeof mk>[]) => rs.map((r) => r.consumer.assignment().length);
    const r1 = mk('c1');
    await waitFor(() => r1.consumer.assignment().length === 8, 15000, 'c1 owns all 8 partitions');
    expect(r1.consumer.rebalanceProtocol).toBe('eager');
    expect(r1.consumer.groupMember!.protocolName).toBe('range');
    const r2 = mk('c2');
    await waitFor(() => owned([r1, r2]).join() === '4,4', 15000, () => `4,4 (is ${owned([r1, r2])})`);
    const r3 = mk('c3');
    // Range, per topic of 4 partitions over 3 members: 2,1,1; so 4,2,2 in all.
    await waitFor(() => owned([r1, r2, r3]).sort().join() === '2,2,4', 15000, () => `2,2,4 (is ${owned([r1, r2, r3])})`);
    const all = [r1, r2, r3].flatMap((r) => r.consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`));
    expect(new Set(all).size).toBe(8);
    // Range: each member gets a contiguous range of each topic.
    for (const r of [r1, r2, r3]) {
      for (const t of topics) {
        const ps = r.consumer.assignment().filter((tp) => tp.topic === t).map((tp) => tp.partition);
        if (ps.length > 1) expect(ps[ps.length - 1] - ps[0]).toBe(ps.length - 1);
      }
    }
    await waitFor(() => new Set([r1, r2, r3].flatMap((r) => r.records.map((x) => x.value!.toString()))).size === 160, 15000, 'all 160 records consumed');
    // c3 leaves: LeaveGroup, and the other two split the partitions again.
    await r3.stop();
    await r3.consumer.close();
    await waitFor(() => owned([r1, r2]).join() === '4,4', 15000, () => `4,4 after c3 left (is ${owned([r1, r2])})`);
    expect(events.some((e) => e.startsWith('c3-'))).toBe(true);
    // (The mock refuses commits while a rebalance is in progress, so a new owner
    // may start over from an older commit: wait until both are at the end.)
    const atEnd = async () => {
      for (const r of [r1, r2]) for (const tp of r.consumer.assignment()) if ((await r.consumer.position(tp)) !== 20) return false;
      return true;
    };
    for (let i = 0; i < 100 && !(await atEnd()); i++) await new Promise((res) => setTimeout(res, 100));
    await Promise.all([r1, r2].map((r) => r.stop()));
    // Commit what was consumed while both are members (the mock refuses commits
    // once a leave has started a rebalance), then close.
    await Promise.all([r1, r2].map((r) => r.consumer.commitSync()));
    await Promise.all([r1.consumer.close(), r2.consumer.close()]);
    const check = new Consumer({ ...base(), groupId: group });
    const tps = topics.flatMap((topic) => [0, 1, 2, 3].map((partition) => ({ topic, partition })));
    const committed = await check.committed(tps);
    for (const tp of tps) expect(committed.get(`${tp.topic}\u0000${tp.partition}`)?.offset).toBe(20);
    await check.close();
    for (const r of [r1, r2, r3]) expect(r.errors).toEqual([]);
  });

  test('cooperative-sticky: the second member only takes moved partitions, the first keeps the rest throughout', async () => {
    const topics = ['coop-a', 'coop-b'];
    const producer = new Producer(base());
    await producer.send(topics.flatMap((topic) => Array.from({ length: 8 }, (_, i) => ({ topic, partition: i % 4, value: 'x' }))));
    await producer.close();
    const revoked: Record<string, string[][]> = { c1: [], c2: [] };
    const timeline: string[] = [];
    const mk = (name: string) => {
      const c = new Consumer(groupOpts('coop-group', { clientId: name, partitionAssignmentStrategy: ['cooperative-sticky'] }));
      c.subscribe(topics, {
        onPartitionsAssigned: (tps) => void timeline.push(...tps.map((tp) => `${name}+${tp.topic}-${tp.partition}`)),
        onPartitionsRevoked: (tps) => {
          revoked[name].push(tps.map((tp) => `${tp.topic}-${tp.partition}`));
          timeline.push(...tps.map((tp) => `${name}-${tp.topic}-${tp.partition}`));
        },
      });
      return runConsumer(c, 100);
    };
    const r1 = mk('c1');
    await waitFor(() => r1.consumer.assignment().length === 8, 15000, 'c1 owns all 8');
    expect(r1.consumer.rebalanceProtocol).toBe('cooperative');
    const before = r1.consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`);
    const r2 = mk('c2');
    await waitFor(() => r1.consumer.assignment().length === 4 && r2.consumer.assignment().length === 4, 20000, () => `4/4 (is ${r1.consumer.assignment().length}/${r2.consumer.assignment().length})`);
    const kept = r1.consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`);
    const moved = before.filter((p) => !kept.includes(p));
    // c1 revoked exactly the 4 moved partitions (never everything), and c2 got exactly those...
    expect(revoked.c1.flat().sort()).toEqual(moved.sort());
    expect(r2.consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`).sort()).toEqual(moved.sort());
    // ...each only after c1 had revoked it (KIP-429: never two owners).
    for (const p of moved) expect(timeline.indexOf(`c1-${p}`)).toBeLessThan(timeline.indexOf(`c2+${p}`));
    expect(timeline.filter((e) => e.startsWith('c1+'))).toHaveLength(8);
    await Promise.all([r1, r2].map((r) => r.stop()));
    await r2.consumer.close();
    await r1.consumer.close();
  });

  test('GroupMember with a custom protocol type ("connect"): leader assigns with its own function', async () => {
    const { GroupMember } = await import('./group/group-member');
    const { Cluster } = await import('./cluster');
    const { resolveCommon } = await import('./config');
    const members: Array<{ member: InstanceType<typeof GroupMember>; got: string[] }> = [];
    const clusters: Array<InstanceType<typeof Cluster>> = [];
    for (const name of ['w1', 'w2']) {
      const cluster = new Cluster(resolveCommon({ ...base(), clientId: name }, 'connect'));
      clusters.push(cluster);
      const entry = { member: null as unknown as InstanceType<typeof GroupMember>, got: [] as string[] };
      entry.member = new GroupMember({
        cluster,
        groupId: 'connect-cluster',
        protocolType: 'connect',
        sessionTimeoutMs: 3000,
        heartbeatIntervalMs: 300,
        protocols: () => [{ name: 'default', metadata: Buffer.from(`url=${name}`) }],
        // The mock completes SyncGroup as soon as the leader's arrives and turns
        // followers that come later away: a leader that takes a moment (as a
        // Connect leader reading its config topic does) avoids that.
        assign: async ({ members: ms }) => {
          await new Promise((r) => setTimeout(r, 100));
          return new Map(ms.map((m, i) => [m.memberId, Buffer.from(`task-${i} of ${ms.map((x) => x.metadata.toString()).sort().join('+')}`)]));
        },
        onJoinComplete: ({ assignment }) => void entry.got.push(assignment.toString()),
      });
      members.push(entry);
    }
    const done = () => members.every((x) => x.got.length > 0 && x.got[x.got.length - 1].includes('url=w1+url=w2') && x.member.state === 'stable');
    const loops = members.map(async (m) => {
      for (let i = 0; i < 300 && !done(); i++) {
        await m.member.ensureActive(200);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await Promise.all(loops);
    const finals = members.map((m) => m.got[m.got.length - 1]);
    expect(finals.sort()).toEqual(['task-0 of url=w1+url=w2', 'task-1 of url=w1+url=w2']);
    expect(members.filter((m) => m.member.isLeader)).toHaveLength(1);
    for (const m of members) {
      await m.member.close();
      clusters.forEach((c) => c.close());
    }
  });
});
