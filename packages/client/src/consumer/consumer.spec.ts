import { ApiKey, ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { ControlRecordType, buildControlBatch, buildRecordBatch } from '@nagare/records';
import { FakeCluster, FakeRequest } from '../testing/fake-broker';
import { consumeN, delay, waitFor } from '../testing/helpers';
import { Consumer, ConsumerOptions } from './consumer';

const T0 = 1_700_000_000_000;

/** Builds a batch of values at an offset. */
function batch(baseOffset: number, values: string[], o: { producerId?: number; transactional?: boolean } = {}): Buffer {
  return buildRecordBatch(
    values.map((v, i) => ({ timestamp: T0 + baseOffset + i, key: null, value: v })),
    { baseOffset, producerId: o.producerId ?? -1, producerEpoch: o.producerId !== undefined ? 0 : -1, baseSequence: o.producerId !== undefined ? 0 : -1, isTransactional: o.transactional },
  );
}

function marker(offset: number, producerId: number, type: ControlRecordType.Abort | ControlRecordType.Commit): Buffer {
  return buildControlBatch({ type, producerId, producerEpoch: 0, coordinatorEpoch: 1, timestamp: T0, baseOffset: offset });
}

interface PartitionLog {
  batches: Buffer[];
  aborted?: Array<{ producerId: number; firstOffset: number }>;
  error?: number;
  /** Cut the response after this many bytes (a partial batch at the end). */
  cutAt?: number;
}

/** A Fetch handler serving `logs` ("topic-partition" -> batches). */
function fetchHandler(logs: Map<string, PartitionLog>) {
  return (req: FakeRequest) => ({
    responses: req.body.topics.map((t: { topic: string; partitions: Array<{ partition: number; fetchOffset: bigint }> }) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const log = logs.get(`${t.topic}-${p.partition}`);
        if (!log) return { partitionIndex: p.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (log.error !== undefined) {
          const e = log.error;
          delete log.error;
          return { partitionIndex: p.partition, errorCode: e };
        }
        const offset = Number(p.fetchOffset);
        const from = log.batches.filter((b) => b.readBigInt64BE(0) + BigInt(b.readInt32BE(23)) >= BigInt(offset));
        let records = Buffer.concat(from);
        if (log.cutAt !== undefined && offset === 0) records = records.subarray(0, log.cutAt);
        const end = log.batches.length === 0 ? 0 : Number(log.batches[log.batches.length - 1].readBigInt64BE(0)) + log.batches[log.batches.length - 1].readInt32BE(23) + 1;
        return {
          partitionIndex: p.partition,
          errorCode: 0,
          highWatermark: BigInt(end),
          lastStableOffset: BigInt(end),
          logStartOffset: 0n,
          abortedTransactions: log.aborted?.map((a) => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset) })) ?? null,
          records: records.length > 0 ? records : null,
        };
      }),
    })),
  });
}

describe('Consumer (scripted brokers)', () => {
  let cluster: FakeCluster;
  let consumer: Consumer | null = null;
  const logs = new Map<string, PartitionLog>();
  beforeEach(async () => {
    logs.clear();
    cluster = await FakeCluster.start(2);
    cluster.addTopic('t', [1, 2]);
    cluster.on(ApiKey.Fetch, fetchHandler(logs));
    cluster.on(ApiKey.ListOffsets, (req) => ({
      topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, offset: p.timestamp === -2n ? 0n : 100n, timestamp: -1n, leaderEpoch: 0 })),
      })),
    }));
  });
  afterEach(async () => {
    await consumer?.close();
    consumer = null;
    await cluster.close();
  });
  const make = (o: Partial<ConsumerOptions> = {}) => (consumer = new Consumer({ bootstrapServers: cluster.bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50, ...o }));

  test('read_committed drops aborted transactions and control batches; read_uncommitted only control batches', async () => {
    logs.set('t-0', {
      batches: [
        batch(0, ['aborted-1', 'aborted-2'], { producerId: 5, transactional: true }),
        batch(2, ['plain']),
        batch(3, ['committed-1', 'committed-2'], { producerId: 6, transactional: true }),
        marker(5, 5, ControlRecordType.Abort),
        marker(6, 6, ControlRecordType.Commit),
        batch(7, ['after'], { producerId: 5, transactional: true }),
        marker(8, 5, ControlRecordType.Commit),
      ],
      aborted: [{ producerId: 5, firstOffset: 0 }],
    });
    make({ isolationLevel: 'read_committed' });
    consumer!.assign([{ topic: 't', partition: 0 }]);
    const committed = await consumeN(consumer!, 4);
    expect(committed.map((r) => `${r.offset}:${r.value}`)).toEqual(['2:plain', '3:committed-1', '4:committed-2', '7:after']);
    expect(await consumer!.position({ topic: 't', partition: 0 })).toBe(9);
    expect(cluster.requests(ApiKey.Fetch)[0].body.isolationLevel).toBe(1);
    await consumer!.close();
    make();
    consumer!.assign([{ topic: 't', partition: 0 }]);
    const all = await consumeN(consumer!, 6);
    expect(all.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 7]);
    expect(all[0]).toMatchObject({ topic: 't', partition: 0, timestamp: T0, timestampType: 'CreateTime', key: null });
  });

  test('a partial batch at the end of a response is left for the next fetch', async () => {
    const b0 = batch(0, ['a', 'b']);
    const b1 = batch(2, ['c', 'd']);
    logs.set('t-0', { batches: [b0, b1], cutAt: b0.length + 20 });
    make();
    consumer!.assign([{ topic: 't', partition: 0 }]);
    const got = await consumeN(consumer!, 4);
    expect(got.map((r) => r.value!.toString())).toEqual(['a', 'b', 'c', 'd']);
    const offsets = cluster.requests(ApiKey.Fetch).map((r) => Number(r.body.topics[0].partitions[0].fetchOffset));
    expect(offsets.slice(0, 2)).toEqual([0, 2]);
  });

  test('max.poll.records bounds each poll; the rest is returned without refetching', async () => {
    logs.set('t-0', { batches: [batch(0, Array.from({ length: 10 }, (_, i) => `v${i}`))] });
    make({ maxPollRecords: 3 });
    consumer!.assign([{ topic: 't', partition: 0 }]);
    let first: number[] = [];
    for (let i = 0; i < 50 && first.length === 0; i++) first = (await consumer!.poll(100)).map((r) => r.offset);
    const fetchesAfterFirst = cluster.requests(ApiKey.Fetch).filter((r) => r.body.topics[0]?.partitions[0]?.fetchOffset === 0n).length;
    const sizes = [first.length];
    const offsets = [...first];
    while (offsets.length < 10) {
      const r = await consumer!.poll(100);
      if (r.length) sizes.push(r.length);
      offsets.push(...r.map((x) => x.offset));
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(cluster.requests(ApiKey.Fetch).filter((r) => r.body.topics[0]?.partitions[0]?.fetchOffset === 0n).length).toBe(fetchesAfterFirst);
  });

  test('fetches go to each partition leader; FENCED_LEADER_EPOCH refreshes metadata and follows the new leader', async () => {
    logs.set('t-0', { batches: [batch(0, ['p0'])] });
    logs.set('t-1', { batches: [batch(0, ['p1'])] });
    // Broker 2 has lost leadership of partition 1 (to broker 1).
    const serve = fetchHandler(logs);
    cluster.broker(2).on(ApiKey.Fetch, (req) => {
      cluster.addTopic('t', [1, 1]);
      return {
        responses: req.body.topics.map((t: { topic: string; partitions: Array<{ partition: number }> }) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: ErrorCode.FENCED_LEADER_EPOCH })),
        })),
      };
    });
    cluster.broker(1).on(ApiKey.Fetch, serve);
    make();
    consumer!.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    const got = await consumeN(consumer!, 2);
    expect(got.map((r) => r.value!.toString()).sort()).toEqual(['p0', 'p1']);
    expect(cluster.broker(2).requestsFor(ApiKey.Fetch).length).toBeGreaterThanOrEqual(1);
    for (const r of cluster.broker(2).requestsFor(ApiKey.Fetch)) {
      expect(r.body.topics[0].partitions.map((p: { partition: number }) => p.partition)).toEqual([1]);
      expect(r.body.topics[0].partitions[0].currentLeaderEpoch).toBe(0);
    }
    expect(cluster.broker(1).requestsFor(ApiKey.Fetch).some((r) => r.body.topics.some((t: { partitions: Array<{ partition: number }> }) => t.partitions.some((p) => p.partition === 1)))).toBe(true);
  });

  test('pause() stops fetching a partition, resume() restarts; seek() moves the position', async () => {
    logs.set('t-0', { batches: [batch(0, ['a0', 'a1', 'a2'])] });
    logs.set('t-1', { batches: [batch(0, ['b0'])] });
    make();
    consumer!.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    consumer!.pause([{ topic: 't', partition: 0 }]);
    expect(consumer!.paused()).toEqual([{ topic: 't', partition: 0 }]);
    const got = await consumeN(consumer!, 1);
    expect(got[0].value!.toString()).toBe('b0');
    await consumer!.poll(100);
    expect(cluster.requests(ApiKey.Fetch).every((r) => r.body.topics.every((t: { partitions: Array<{ partition: number }> }) => t.partitions.every((p) => p.partition !== 0)))).toBe(true);
    consumer!.seek({ topic: 't', partition: 0 }, 2);
    consumer!.resume([{ topic: 't', partition: 0 }]);
    const after = await consumeN(consumer!, 1);
    expect(after.map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:2']);
  });

  test('auto.offset.reset latest / earliest via ListOffsets on the leader; none without a position throws', async () => {
    make({ autoOffsetReset: 'latest' });
    consumer!.assign([{ topic: 't', partition: 1 }]);
    expect(await consumer!.position({ topic: 't', partition: 1 })).toBe(100);
    const lo = cluster.broker(2).requestsFor(ApiKey.ListOffsets)[0];
    expect(lo.body.topics[0].partitions[0].timestamp).toBe(-1n);
    await consumer!.close();
    make({ autoOffsetReset: 'none' });
    consumer!.assign([{ topic: 't', partition: 0 }]);
    await expect(consumer!.poll(200)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  test('group consumers start from the committed offset (OffsetFetch on the coordinator) and commit with generation -1 when assigned manually', async () => {
    logs.set('t-0', { batches: [batch(0, ['a', 'b', 'c', 'd'])] });
    cluster.coordinatorFor = () => 2;
    cluster.on(ApiKey.OffsetFetch, (req) => ({
      groups: req.apiVersion >= 8 ? [{ groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: -1, metadata: '' }] }] }] : [],
      topics: req.apiVersion < 8 ? [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: -1, metadata: '' }] }] : [],
    }));
    const commits: FakeRequest[] = [];
    cluster.on(ApiKey.OffsetCommit, (req) => {
      commits.push(req);
      return { topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number }> }) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })) };
    });
    make({ groupId: 'g', enableAutoCommit: false });
    consumer!.assign([{ topic: 't', partition: 0 }]);
    const got = await consumeN(consumer!, 2);
    expect(got.map((r) => r.value!.toString())).toEqual(['c', 'd']);
    await consumer!.commitSync();
    expect(commits).toHaveLength(1);
    expect(commits[0].broker.nodeId).toBe(2);
    expect(commits[0].body).toMatchObject({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '' });
    expect(commits[0].body.topics[0].partitions[0].committedOffset).toBe(4n);
    expect(cluster.broker(2).requestsFor(ApiKey.OffsetFetch)[0].body.requireStable).toBe(true);
  });

  test('commit errors surface as KafkaProtocolError; coordinator moves are followed', async () => {
    logs.set('t-0', { batches: [batch(0, ['a'])] });
    let coordinator = 1;
    cluster.coordinatorFor = () => coordinator;
    let calls = 0;
    cluster.on(ApiKey.OffsetCommit, (req) => {
      calls++;
      const code = calls === 1 ? ErrorCode.NOT_COORDINATOR : calls === 2 ? ErrorCode.NONE : ErrorCode.GROUP_AUTHORIZATION_FAILED;
      if (calls === 1) coordinator = 2;
      return { topics: req.body.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number }> }) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })) };
    });
    make({ groupId: 'g2', enableAutoCommit: false, retryBackoffMs: 10 });
    consumer!.assign([{ topic: 't', partition: 0 }]);
    await consumer!.commitSync([{ topic: 't', partition: 0, offset: 1 }]);
    expect(cluster.broker(1).requestsFor(ApiKey.OffsetCommit)).toHaveLength(1);
    expect(cluster.broker(2).requestsFor(ApiKey.OffsetCommit)).toHaveLength(1);
    const e = await consumer!.commitSync([{ topic: 't', partition: 0, offset: 1, metadata: 'x'.repeat(10) }]).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });

  test('records decode keys, values and headers; poll waits up to its timeout', async () => {
    logs.set('t-1', {
      batches: [buildRecordBatch([{ timestamp: T0, key: 'k', value: 'v', headers: [{ key: 'h1', value: Buffer.from('x') }, { key: 'h2', value: null }] }], { baseOffset: 0 })],
    });
    make();
    consumer!.assign([{ topic: 't', partition: 1 }]);
    const [r] = await consumeN(consumer!, 1);
    expect(r.key!.toString()).toBe('k');
    expect(r.headers).toEqual([{ key: 'h1', value: Buffer.from('x') }, { key: 'h2', value: null }]);
    const start = Date.now();
    expect(await consumer!.poll(300)).toEqual([]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(250);
    await delay(1);
    await waitFor(() => true, 10);
  });
});
