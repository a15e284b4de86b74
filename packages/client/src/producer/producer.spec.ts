import { ManualClock, ManualScheduler } from '@nagare/common';
import { ApiKey, ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { BatchHeader, computeBatchCrc, iterateBatches, readBatchHeader } from '@nagare/records';
import { FakeCluster, FakeRequest, NO_RESPONSE } from '../testing/fake-broker';
import { waitFor } from '../testing/helpers';
import { murmur2Partition } from './partitioner';
import { Producer, ProducerOptions } from './producer';

interface Written {
  topic: string;
  partition: number;
  header: BatchHeader;
  values: string[];
  broker: number;
}

/**
 * A produce handler with a log per partition. `inject` may return an error
 * code for a batch (then nothing is written).
 */
function produceLog(inject?: (w: Written, req: FakeRequest) => number | undefined) {
  const written: Written[] = [];
  const next = new Map<string, number>();
  const handler = (req: FakeRequest) => {
    if (req.body.acks === 0) {
      for (const t of req.body.topicData) for (const p of t.partitionData) record(t.name, p.index, p.records, req);
      return NO_RESPONSE;
    }
    return {
      responses: req.body.topicData.map((t: { name: string; partitionData: Array<{ index: number; records: Buffer }> }) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const w = parse(t.name, p.index, p.records, req);
          const code = inject?.(w, req);
          if (code !== undefined) return { index: p.index, errorCode: code, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: 0n };
          const base = next.get(`${t.name}-${p.index}`) ?? 0;
          next.set(`${t.name}-${p.index}`, base + w.header.recordCount);
          written.push(w);
          return { index: p.index, errorCode: 0, baseOffset: BigInt(base), logAppendTimeMs: -1n, logStartOffset: 0n };
        }),
      })),
    };
  };
  function parse(topic: string, partition: number, records: Buffer, req: FakeRequest): Written {
    const batches = [...iterateBatches(records)];
    expect(batches).toHaveLength(1);
    // Every batch carries a CRC over what it holds (producer id, epoch and sequence included).
    expect(computeBatchCrc(records)).toBe(readBatchHeader(records).crc);
    const values = [...batches[0].records()].map((r) => r.value!.toString());
    return { topic, partition, header: readBatchHeader(records), values, broker: req.broker.nodeId };
  }
  function record(topic: string, partition: number, records: Buffer, req: FakeRequest) {
    written.push(parse(topic, partition, records, req));
  }
  return { handler, written };
}

function initPid(cluster: FakeCluster, producerId = 1000n) {
  cluster.on(ApiKey.InitProducerId, (req) => {
    if (req.body.producerId >= 0n) return { producerId: req.body.producerId, producerEpoch: req.body.producerEpoch + 1 };
    return { producerId: producerId++, producerEpoch: 0 };
  });
}

describe('Producer', () => {
  let cluster: FakeCluster;
  let producer: Producer | null = null;
  beforeEach(async () => {
    cluster = await FakeCluster.start(2);
    cluster.addTopic('t', [1, 2, 1, 2]);
    initPid(cluster);
  });
  afterEach(async () => {
    await producer?.close(1000);
    producer = null;
    await cluster.close();
  });
  const make = (o: Partial<ProducerOptions> = {}) => (producer = new Producer({ bootstrapServers: cluster.bootstrap, ...o }));

  test('defaults follow the Java client (idempotent, acks=all); conflicting settings are rejected or turn idempotence off', () => {
    expect(make().idempotent).toBe(true);
    expect(new Producer({ bootstrapServers: cluster.bootstrap, acks: 1 }).idempotent).toBe(false);
    expect(() => new Producer({ bootstrapServers: cluster.bootstrap, acks: 1, enableIdempotence: true })).toThrow(/acks=all/);
    expect(() => new Producer({ bootstrapServers: cluster.bootstrap, maxInFlightRequestsPerConnection: 6, enableIdempotence: true })).toThrow(/<= 5/);
    expect(() => new Producer({ bootstrapServers: cluster.bootstrap, deliveryTimeoutMs: 10 })).toThrow(/deliveryTimeoutMs/);
  });

  test('linger.ms holds a batch until it expires (manual clock); records of one partition share one batch', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    const clock = new ManualClock();
    const scheduler = new ManualScheduler(clock);
    make({ lingerMs: 100, clock, scheduler });
    await producer!.connect();
    await producer!.partitionsFor('t');
    const sent = producer!.send([0, 1, 2].map((i) => ({ topic: 't', partition: 2, value: `v${i}`, timestamp: 1000 + i })));
    scheduler.advance(99);
    await new Promise((r) => setTimeout(r, 50));
    expect(cluster.requests(ApiKey.Produce)).toHaveLength(0);
    scheduler.advance(1);
    const meta = await sent;
    expect(cluster.requests(ApiKey.Produce)).toHaveLength(1);
    expect(log.written).toHaveLength(1);
    expect(log.written[0]).toMatchObject({ partition: 2, broker: 1, values: ['v0', 'v1', 'v2'] });
    expect(meta).toEqual([0, 1, 2].map((i) => ({ topic: 't', partition: 2, offset: i, timestamp: 1000 + i })));
    const req = cluster.requests(ApiKey.Produce)[0];
    expect(req.body.acks).toBe(-1);
    expect(req.apiVersion).toBe(12);
    await producer!.close();
    producer = null;
  });

  test('batch.size splits batches; one batch per partition per request; offsets follow', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ batchSize: 400, lingerMs: 20 });
    const values = Array.from({ length: 30 }, (_, i) => `value-${String(i).padStart(3, '0')}-${'x'.repeat(30)}`);
    const meta = await producer!.send(values.map((value) => ({ topic: 't', partition: 0, value })));
    expect(log.written.length).toBeGreaterThan(3);
    for (const w of log.written) expect(w.header.batchLength + 12).toBeLessThanOrEqual(400);
    expect(log.written.flatMap((w) => w.values)).toEqual(values);
    expect(meta.map((m) => m.offset)).toEqual(values.map((_, i) => i));
    for (const req of cluster.requests(ApiKey.Produce)) {
      const parts = req.body.topicData.flatMap((t: { partitionData: Array<{ index: number }> }) => t.partitionData.map((p) => p.index));
      expect(new Set(parts).size).toBe(parts.length);
    }
  });

  test('keyed records go to the murmur2 partition, each request to that partition leader', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make();
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const meta = await producer!.send(keys.map((key) => ({ topic: 't', key, value: key })));
    keys.forEach((k, i) => expect(meta[i].partition).toBe(murmur2Partition(Buffer.from(k), 4)));
    const leaders = [1, 2, 1, 2];
    for (const w of log.written) {
      expect(w.broker).toBe(leaders[w.partition]);
      for (const v of w.values) expect(murmur2Partition(Buffer.from(v), 4)).toBe(w.partition);
    }
    expect(new Set(log.written.map((w) => w.broker))).toEqual(new Set([1, 2]));
  });

  test('null keys stick to one partition until its batch is full, then move on', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ batchSize: 600, lingerMs: 1000 });
    const sends = [];
    for (let i = 0; i < 40; i++) sends.push(producer!.send({ topic: 't', value: `v${String(i).padStart(2, '0')}-${'y'.repeat(40)}` }));
    const meta = await Promise.all(sends);
    await producer!.flush();
    // Runs of the same partition, each run one (full) batch.
    const runs: number[][] = [];
    for (const m of meta) {
      if (runs.length === 0 || runs[runs.length - 1][0] !== m.partition) runs.push([m.partition]);
      else runs[runs.length - 1].push(m.partition);
    }
    expect(runs.length).toBeGreaterThan(2);
    for (const r of runs.slice(0, -1)) expect(r.length).toBe(runs[0].length);
    for (const w of log.written.slice(0, -1)) expect(w.header.batchLength + 12).toBeGreaterThan(600 - 70);
  });

  test('idempotence: InitProducerId, per-partition sequences, producer id and epoch stamped on every batch', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ lingerMs: 0 });
    for (let round = 0; round < 3; round++) await producer!.send([0, 1, 2, 3, 0].map((partition, i) => ({ topic: 't', partition, value: `${round}-${i}` })));
    expect(cluster.requests(ApiKey.InitProducerId)).toHaveLength(1);
    const seq = new Map<number, number>();
    for (const w of log.written) {
      expect(w.header.producerId).toBe(1000);
      expect(w.header.producerEpoch).toBe(0);
      expect(w.header.baseSequence).toBe(seq.get(w.partition) ?? 0);
      seq.set(w.partition, (seq.get(w.partition) ?? 0) + w.header.recordCount);
    }
    expect(seq.get(0)).toBe(6);
  });

  test('retriable errors are retried with the same sequence after a metadata refresh (NOT_LEADER_OR_FOLLOWER)', async () => {
    let failures = 0;
    const log = produceLog((w) => (w.partition === 1 && failures++ < 2 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : undefined));
    cluster.on(ApiKey.Produce, log.handler);
    make({ retryBackoffMs: 10 });
    await producer!.connect();
    const metadataBefore = cluster.requests(ApiKey.Metadata).length;
    const meta = await producer!.send({ topic: 't', partition: 1, value: 'x' });
    expect(meta.offset).toBe(0);
    expect(failures).toBe(3);
    const attempts = cluster.requests(ApiKey.Produce).map((r) => readBatchHeader(r.body.topicData[0].partitionData[0].records));
    expect(attempts.map((h) => h.baseSequence)).toEqual([0, 0, 0]);
    expect(cluster.requests(ApiKey.Metadata).length).toBeGreaterThan(metadataBefore);
  });

  test('ordering with several batches in flight: a failed first batch makes the later ones fail too (sequence gap), all are retried in order', async () => {
    // A broker that checks sequences as Kafka does: only the next expected one is appended.
    const expected = new Map<number, number>();
    let failedOnce = false;
    const log = produceLog((w) => {
      const next = expected.get(w.partition) ?? 0;
      if (!failedOnce && w.header.baseSequence === 0) {
        failedOnce = true;
        return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      }
      if (w.header.baseSequence !== next) return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
      expected.set(w.partition, next + w.header.recordCount);
      return undefined;
    });
    cluster.on(ApiKey.Produce, log.handler);
    make({ batchSize: 200, lingerMs: 0, retryBackoffMs: 20 });
    await producer!.partitionsFor('t');
    const values = Array.from({ length: 40 }, (_, i) => `ordered-${String(i).padStart(2, '0')}-${'o'.repeat(20)}`);
    const meta = await producer!.send(values.map((value) => ({ topic: 't', partition: 0, value })));
    expect(log.written.flatMap((w) => w.values)).toEqual(values);
    expect(meta.map((m) => m.offset)).toEqual(values.map((_, i) => i));
    const attempts = cluster.requests(ApiKey.Produce).map((r) => readBatchHeader(r.body.topicData[0].partitionData[0].records).baseSequence);
    // More than one batch was in flight when the first failed; no epoch bump was needed.
    expect(attempts.filter((x) => x === 0).length).toBe(2);
    expect(attempts.length).toBeGreaterThan(log.written.length + 1);
    expect(cluster.requests(ApiKey.InitProducerId)).toHaveLength(1);
  });

  test('DUPLICATE_SEQUENCE_NUMBER counts as success', async () => {
    cluster.on(ApiKey.Produce, (req) => ({
      responses: [{ name: 't', partitionResponses: [{ index: req.body.topicData[0].partitionData[0].index, errorCode: ErrorCode.DUPLICATE_SEQUENCE_NUMBER, baseOffset: 41n, logAppendTimeMs: -1n }] }],
    }));
    make();
    await expect(producer!.send({ topic: 't', partition: 0, value: 'x' })).resolves.toMatchObject({ offset: 41 });
  });

  test('OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch: epoch bump with InitProducerId v3+ (current id and epoch), sequences restart at 0', async () => {
    let n = 0;
    const log = produceLog((w) => (w.partition === 0 && n++ === 1 ? ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER : undefined));
    cluster.on(ApiKey.Produce, log.handler);
    make({ lingerMs: 0, retryBackoffMs: 5 });
    await producer!.send({ topic: 't', partition: 0, value: 'a' });
    await producer!.send({ topic: 't', partition: 3, value: 'b' });
    await producer!.send({ topic: 't', partition: 0, value: 'c' });
    const inits = cluster.requests(ApiKey.InitProducerId);
    expect(inits).toHaveLength(2);
    expect(inits[1].apiVersion).toBeGreaterThanOrEqual(3);
    expect(inits[1].body).toMatchObject({ transactionalId: null, producerId: 1000n, producerEpoch: 0 });
    expect(producer!.producerIdAndEpoch).toEqual({ producerId: 1000, producerEpoch: 1 });
    const last = log.written[log.written.length - 1];
    expect(last).toMatchObject({ values: ['c'], partition: 0 });
    expect(last.header).toMatchObject({ producerId: 1000, producerEpoch: 1, baseSequence: 0 });
    // Later batches of the other partitions also restart under the new epoch.
    await producer!.send({ topic: 't', partition: 3, value: 'd' });
    expect(log.written[log.written.length - 1].header).toMatchObject({ producerEpoch: 1, baseSequence: 0 });
  });

  test('an epoch bump does not re-stamp a retried batch whose first attempt may have been written (no duplicate; Kafka keeps its epoch and sequence)', async () => {
    // A broker with Kafka's per-partition producer state: a higher epoch must start at sequence 0,
    // a lower one is fenced, a sequence already written is a duplicate (answered with its offset).
    const state = new Map<number, { epoch: number; last: number; offsets: Map<number, number> }>();
    const logs = new Map<number, string[]>();
    let dropFirstP0 = true;
    let rejectFirstP1 = true;
    cluster.on(ApiKey.Produce, (req) => {
      let drop = false;
      const responses = req.body.topicData.map((t: { name: string; partitionData: Array<{ index: number; records: Buffer }> }) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const h = readBatchHeader(p.records);
          const values = [...[...iterateBatches(p.records)][0].records()].map((r) => r.value!.toString());
          const answer = (errorCode: number, baseOffset = -1) => ({ index: p.index, errorCode, baseOffset: BigInt(baseOffset), logAppendTimeMs: -1n, logStartOffset: 0n });
          if (p.index === 1 && rejectFirstP1) {
            rejectFirstP1 = false;
            return answer(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
          }
          const st = state.get(p.index);
          if (st !== undefined && h.producerEpoch < st.epoch) return answer(ErrorCode.INVALID_PRODUCER_EPOCH);
          if (st !== undefined && h.producerEpoch === st.epoch && h.baseSequence <= st.last) return answer(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, st.offsets.get(h.baseSequence) ?? -1);
          const expected = st === undefined || h.producerEpoch > st.epoch ? 0 : st.last + 1;
          if (h.baseSequence !== expected) return answer(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
          const log = logs.get(p.index) ?? [];
          logs.set(p.index, log);
          const base = log.length;
          log.push(...values);
          const next = st === undefined || h.producerEpoch > st.epoch ? { epoch: h.producerEpoch, last: -1, offsets: new Map<number, number>() } : st;
          next.last = h.baseSequence + h.recordCount - 1;
          next.offsets.set(h.baseSequence, base);
          state.set(p.index, next);
          if (p.index === 0 && dropFirstP0) {
            // Written, but the answer is lost: the client cannot know.
            dropFirstP0 = false;
            drop = true;
          }
          return answer(ErrorCode.NONE, base);
        }),
      }));
      return drop ? NO_RESPONSE : { responses };
    });
    make({ lingerMs: 0, requestTimeoutMs: 300, retryBackoffMs: 10 });
    await producer!.partitionsFor('t');
    const a = producer!.send({ topic: 't', partition: 0, value: 'a' });
    await waitFor(() => cluster.requests(ApiKey.Produce).length === 1, 2000);
    // p1's first batch is refused out of order: the producer bumps its epoch once p0's request is over.
    const x = producer!.send({ topic: 't', partition: 1, value: 'x' });
    await expect(a).resolves.toMatchObject({ offset: 0 });
    await expect(x).resolves.toMatchObject({ offset: 0 });
    expect(cluster.requests(ApiKey.InitProducerId)).toHaveLength(2);
    await expect(producer!.send({ topic: 't', partition: 0, value: 'b' })).resolves.toMatchObject({ offset: 1 });
    await expect(producer!.send({ topic: 't', partition: 1, value: 'y' })).resolves.toMatchObject({ offset: 1 });
    expect(logs.get(0)).toEqual(['a', 'b']);
    expect(logs.get(1)).toEqual(['x', 'y']);
    expect(state.get(0)).toMatchObject({ epoch: 1, last: 0 });
  });

  test('UNKNOWN_PRODUCER_ID on a broker without InitProducerId v3: a new producer id, then the batch is retried', async () => {
    for (const b of cluster.brokers) b.apiVersions.set(ApiKey.InitProducerId, [0, 2]);
    let n = 0;
    const log = produceLog(() => (n++ === 0 ? ErrorCode.UNKNOWN_PRODUCER_ID : undefined));
    cluster.on(ApiKey.Produce, log.handler);
    make({ retryBackoffMs: 5 });
    await producer!.send({ topic: 't', partition: 2, value: 'z' });
    const inits = cluster.requests(ApiKey.InitProducerId);
    expect(inits).toHaveLength(2);
    expect(inits[1].body).toMatchObject({ producerId: -1n, producerEpoch: -1 });
    expect(log.written[0].header).toMatchObject({ producerId: 1001, producerEpoch: 0, baseSequence: 0 });
  });

  test('non-retriable errors fail the send with the Kafka error', async () => {
    const log = produceLog(() => ErrorCode.RECORD_LIST_TOO_LARGE);
    cluster.on(ApiKey.Produce, log.handler);
    make();
    const e = await producer!.send({ topic: 't', partition: 0, value: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe(ErrorCode.RECORD_LIST_TOO_LARGE);
  });

  test('delivery.timeout.ms bounds the retries of an unanswered batch', async () => {
    cluster.on(ApiKey.Produce, () => NO_RESPONSE);
    make({ requestTimeoutMs: 200, lingerMs: 0, deliveryTimeoutMs: 700, retryBackoffMs: 10 });
    const start = Date.now();
    const e = await producer!.send({ topic: 't', partition: 0, value: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(Date.now() - start).toBeGreaterThanOrEqual(650);
    expect(cluster.requests(ApiKey.Produce).length).toBeGreaterThanOrEqual(2);
  });

  test('acks=0: no response is awaited; offsets are -1', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ acks: 0 });
    expect(producer!.idempotent).toBe(false);
    const meta = await producer!.send([{ topic: 't', partition: 0, value: 'a' }, { topic: 't', partition: 1, value: 'b' }]);
    expect(meta.map((m) => m.offset)).toEqual([-1, -1]);
    await waitFor(() => log.written.length === 2, 2000);
    expect(log.written[0].header.producerId).toBe(-1);
    expect(cluster.requests(ApiKey.InitProducerId)).toHaveLength(0);
  });

  test('unknown topics: send waits for metadata up to max.block.ms, then fails with a timeout', async () => {
    make({ maxBlockMs: 300, retryBackoffMs: 20 });
    const e = await producer!.send({ topic: 'missing', value: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(e.message).toMatch(/topic missing not present in metadata/);
    // A topic that appears while waiting is used.
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    setTimeout(() => cluster.addTopic('late', [2]), 100);
    const p2 = new Producer({ bootstrapServers: cluster.bootstrap, maxBlockMs: 3000, retryBackoffMs: 20 });
    await expect(p2.send({ topic: 'late', value: 'y' })).resolves.toMatchObject({ topic: 'late', partition: 0, offset: 0 });
    await p2.close();
  });

  test('an invalid explicit partition is rejected; compression is recorded in the batch attributes', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ compressionType: 'gzip' });
    await expect(producer!.send({ topic: 't', partition: 9, value: 'x' })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    await producer!.send({ topic: 't', partition: 0, value: 'compressed '.repeat(20) });
    expect(log.written[0].header.compression).toBe(1);
    expect(log.written[0].values).toEqual(['compressed '.repeat(20)]);
  });

  test('flush() sends immediately regardless of linger; close() fails what cannot be delivered', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ lingerMs: 60000 });
    const p = producer!.send({ topic: 't', partition: 0, value: 'x' });
    await producer!.flush();
    await expect(p).resolves.toMatchObject({ offset: 0 });
    cluster.on(ApiKey.Produce, () => NO_RESPONSE);
    const q = producer!.send({ topic: 't', partition: 0, value: 'y' });
    await producer!.close(300);
    producer = null;
    await expect(q).rejects.toMatchObject({ kind: 'CLIENT_CLOSED' });
  });
  test('send(record, callback) as the Java client: metadata per record in order, errors to the callback, a throwing callback harms nothing', async () => {
    const log = produceLog();
    cluster.on(ApiKey.Produce, log.handler);
    make({ lingerMs: 5 });
    await producer!.partitionsFor('t');
    const got: Array<{ err: string | null; offset: number | null; partition: number | null }> = [];
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let warnings: unknown[][] = [];
    try {
      for (let i = 0; i < 5; i++) {
        producer!.send({ topic: 't', partition: 1, value: `cb-${i}` }, (err, md) => {
          got.push({ err: err ? err.message : null, offset: md ? md.offset : null, partition: md ? md.partition : null });
          if (i === 2) throw new Error('callback bug');
        });
      }
      // A partition that does not exist: the callback hears UNKNOWN_TOPIC_OR_PARTITION, nothing is sent.
      producer!.send({ topic: 't', partition: 9, value: 'nowhere' }, (err, md) => got.push({ err: err ? (err as KafkaProtocolError).code.toString() : null, offset: md?.offset ?? null, partition: null }));
      await waitFor(() => got.length === 6, 5000, 'callbacks');
      // The producer keeps working after the throwing callback.
      const after = await producer!.send({ topic: 't', partition: 1, value: 'after' });
      expect(after.offset).toBe(5);
    } finally {
      warnings = warn.mock.calls.slice();
      warn.mockRestore();
    }
    expect(got[0]).toEqual({ err: String(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), offset: null, partition: null });
    expect(got.slice(1)).toEqual([0, 1, 2, 3, 4].map((offset) => ({ err: null, offset, partition: 1 })));
    expect(warnings).toEqual([['a send callback threw: callback bug', 'NagareCallbackWarning']]);
    expect(log.written.flatMap((w) => w.values)).toEqual(['cb-0', 'cb-1', 'cb-2', 'cb-3', 'cb-4', 'after']);
  });

  test('send(record, callback) waits for metadata like send(): an unknown topic fails the callback after max.block.ms', async () => {
    make({ maxBlockMs: 300 });
    const err = await new Promise<Error | null>((res) => producer!.send({ topic: 'missing', value: 'x' }, (e) => res(e)));
    expect(err).toBeInstanceOf(KafkaProtocolError);
    expect((err as KafkaProtocolError).code).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(err!.message).toMatch(/missing not present in metadata after max.block.ms/);
  });
});
