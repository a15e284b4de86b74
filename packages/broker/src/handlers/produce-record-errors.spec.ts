/**
 * Per-record produce errors over the wire (Produce v8+, KIP-467): the
 * partition answers INVALID_RECORD / INVALID_TIMESTAMP with one record error
 * per bad record and Kafka's message, the batch is not appended, and the
 * other partitions of the request are unaffected.
 */
import { ApiKey, ErrorCode, FetchRequestCodec, ZERO_UUID } from '@nagare/protocol';
import { Compression, RecordBatchBuilder } from '@nagare/records';
import { TestBroker, TestClient, startTestBroker } from '../testing/test-broker';

let tb: TestBroker;
let client: TestClient;

function batch(records: Array<{ key: string | null; timestamp?: number }>, compression = Compression.None): Buffer {
  const b = new RecordBatchBuilder({ compression, now: () => Date.now() });
  records.forEach((r, i) => b.append({ key: r.key, value: `v${i}`, timestamp: r.timestamp }));
  return b.build();
}

async function create(name: string, configs: Record<string, string>): Promise<void> {
  const res = await client.send(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(res.topics[0].errorCode).toBe(0);
}

async function highWatermark(topic: string): Promise<bigint> {
  const f = await client.send(ApiKey.Fetch, 12, {
    ...FetchRequestCodec.defaults(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    sessionEpoch: -1,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return f.responses[0].partitions[0].highWatermark;
}

beforeAll(async () => {
  tb = await startTestBroker();
  client = await TestClient.connect(tb.port);
  await create('compacted', { 'cleanup.policy': 'compact' });
  await create('plain', {});
  await create('recent', { 'message.timestamp.before.max.ms': '60000', 'message.timestamp.after.max.ms': '60000' });
});

afterAll(async () => {
  client.close();
  await tb.stop();
});

describe('Produce: per-record errors', () => {
  it.each([
    [8, Compression.None],
    [9, Compression.Snappy],
    [12, Compression.Zstd],
  ])('v%i: 10 keyless records of 100 to a compacted topic give exactly 10 record errors', async (v, compression) => {
    const keyless = new Set([3, 11, 20, 33, 47, 50, 64, 78, 89, 99]);
    const records = Array.from({ length: 100 }, (_, i) => ({ key: keyless.has(i) ? null : `k${i}` }));
    const res = await client.send(ApiKey.Produce, v, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: 'compacted', partitionData: [{ index: 0, records: batch(records, compression) }] },
        { name: 'plain', partitionData: [{ index: 0, records: batch(records, compression) }] },
      ],
    });
    const [bad, good] = res.responses.map((t) => t.partitionResponses[0]);
    const message = 'Compacted topic cannot accept message without key in topic partition compacted-0';
    expect(bad.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(bad.recordErrors).toEqual([...keyless].map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message })));
    expect(bad.errorMessage).toMatch(/^One or more records have been rejected due to 10 record errors in total, and only showing the first three errors at most: \[RecordError\(batchIndex=3, /);
    expect(bad).toMatchObject({ baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: 0n });
    // The other partition of the same request is appended.
    expect(good).toMatchObject({ errorCode: 0, recordErrors: [], errorMessage: null });
    expect(await highWatermark('compacted')).toBe(0n);
  });

  it('v7 (no record errors on the wire) still answers INVALID_RECORD', async () => {
    const res = await client.send(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'compacted', partitionData: [{ index: 0, records: batch([{ key: null }]) }] }] });
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('timestamps outside message.timestamp.before/after.max.ms: INVALID_TIMESTAMP naming each record', async () => {
    const now = Date.now();
    const records = [{ key: 'a', timestamp: now }, { key: 'b', timestamp: now - 3_600_000 }, { key: 'c', timestamp: now + 3_600_000 }, { key: 'd', timestamp: now }];
    const res = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'recent', partitionData: [{ index: 0, records: batch(records) }] }] });
    const p = res.responses[0].partitionResponses[0];
    expect(p.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(p.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
    expect(p.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
    expect(p.recordErrors[0].batchIndexErrorMessage).toMatch(new RegExp(`^Timestamp ${now - 3_600_000} of message with offset 1 is out of range\\. The timestamp should be within \\[\\d+, \\d+\\]$`));
    expect(await highWatermark('recent')).toBe(0n);
    const ok = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'recent', partitionData: [{ index: 0, records: batch([{ key: 'a' }]) }] }] });
    expect(ok.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, recordErrors: [] });
  });

  it('a topic whose compression.type recompresses still reports the keyless records', async () => {
    await create('compacted-gzip', { 'cleanup.policy': 'compact', 'compression.type': 'gzip' });
    const res = await client.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'compacted-gzip', partitionData: [{ index: 0, records: batch([{ key: 'a' }, { key: null }, { key: 'b' }], Compression.Lz4) }] }],
    });
    expect(res.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, recordErrors: [{ batchIndex: 1 }] });
  });
});

describe('Produce: one record batch per partition (ProduceRequest.validateRecords)', () => {
  it('two batches for one partition: INVALID_RECORD for it, nothing appended; the other partitions of the request are appended', async () => {
    await create('two-batches', {});
    const before = await highWatermark('plain');
    const twoBatches = Buffer.concat([batch([{ key: 'a' }]), batch([{ key: 'b' }])]);
    const res = await client.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: 'two-batches', partitionData: [{ index: 0, records: twoBatches }] },
        { name: 'plain', partitionData: [{ index: 0, records: batch([{ key: 'c' }]) }] },
      ],
    });
    const [refused, appended] = res.responses.map((t) => t.partitionResponses[0]);
    expect(refused).toMatchObject({
      errorCode: ErrorCode.INVALID_RECORD,
      errorMessage: 'Produce requests with version 9 are only allowed to contain exactly one record batch per partition',
      baseOffset: -1n,
      recordErrors: [],
    });
    expect(appended).toMatchObject({ errorCode: 0, baseOffset: before });
    expect(await highWatermark('two-batches')).toBe(0n);
    expect(await highWatermark('plain')).toBe(before + 1n);
  });
});
