/**
 * The broker in process, over TCP, with real storage (in-memory file system)
 * and the real controller: requests in, bytes and error codes out.
 */
import * as net from 'node:net';
import { ApiKey, ErrorCode, MetadataRequestCodec, ZERO_UUID, apiByKey } from '@nagare/protocol';
import { Compression, RecordBatchBuilder, iterateBatches, readRecords } from '@nagare/records';
import { TestBroker, TestClient, startTestBroker } from './testing/test-broker';

function batch(values: string[], opts: { key?: (i: number) => string | null; compression?: Compression; timestamp?: number } = {}): Buffer {
  const b = new RecordBatchBuilder({ compression: opts.compression ?? Compression.None, now: () => opts.timestamp ?? Date.now() });
  values.forEach((v, i) => b.append({ key: opts.key ? opts.key(i) : null, value: v }));
  return b.build();
}

function valuesOf(records: Buffer | null): string[] {
  const out: string[] = [];
  if (!records) return out;
  for (const b of iterateBatches(records)) for (const r of readRecords(b.bytes)) out.push(r.value!.toString());
  return out;
}

let tb: TestBroker;
let client: TestClient;

beforeAll(async () => {
  tb = await startTestBroker({ 'num.partitions': '2' });
  client = await TestClient.connect(tb.port);
});

afterAll(async () => {
  client.close();
  await tb.stop();
});

describe('ApiVersions', () => {
  it('lists exactly the served APIs, in every version 0-4', async () => {
    for (const v of [0, 1, 2, 3, 4]) {
      const res = await client.send(ApiKey.ApiVersions, v, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
      expect(res.errorCode).toBe(0);
      const keys = res.apiKeys.map((k) => k.apiKey);
      expect(keys).toEqual(tb.broker.handlers.apiVersions().map((a) => a.apiKey));
      expect(res.apiKeys.find((k) => k.apiKey === ApiKey.Produce)).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 12 });
      for (const k of res.apiKeys) {
        const api = apiByKey(k.apiKey)!;
        expect(k.minVersion).toBeGreaterThanOrEqual(api.lowestVersion);
        expect(k.maxVersion).toBeLessThanOrEqual(api.highestVersion);
      }
      if (v >= 3) expect(res.finalizedFeatures).toEqual([{ name: 'metadata.version', maxVersionLevel: 25, minVersionLevel: 25 }, { name: 'group.version', maxVersionLevel: 1, minVersionLevel: 1 }, { name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 }]);
    }
  });

  it('answers an unknown version with a v0 body, error 35 and its own range (KIP-511)', async () => {
    const sock = net.connect(tb.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    // ApiVersions v99, correlation 77, header v2 (flexible), empty tagged fields and body.
    const body = Buffer.from('0012' + '0063' + '0000004d' + '0001' + '78' + '00' + '00' + '00' + '00', 'hex');
    const frame = Buffer.alloc(4);
    frame.writeInt32BE(body.length);
    sock.write(Buffer.concat([frame, body]));
    const resp = await new Promise<Buffer>((resolve) => sock.once('data', resolve));
    sock.destroy();
    // size, correlation id (header v0), error 35, one api key entry: 18, 0, 4
    expect(resp.toString('hex')).toBe('00000010' + '0000004d' + '0023' + '00000001' + '0012' + '0000' + '0004');
  });
});

describe('topics, produce and fetch', () => {
  it('auto-creates a topic on Metadata and serves it', async () => {
    const res = await client.send(ApiKey.Metadata, 12, { ...MetadataRequestCodec.defaults(), topics: [{ topicId: ZERO_UUID, name: 'auto-topic' }], allowAutoTopicCreation: true });
    expect(res.topics[0]).toMatchObject({ errorCode: 0, name: 'auto-topic', isInternal: false });
    expect(res.topics[0].partitions.map((p) => [p.partitionIndex, p.leaderId])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(res.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: tb.port, rack: null }]);
    expect(res.clusterId).toBe('test-cluster-id-000000');
    const v0 = await client.send(ApiKey.Metadata, 0, { ...MetadataRequestCodec.defaults(), topics: [] });
    expect(v0.topics.map((t) => t.name)).toContain('auto-topic');
    const unknown = await client.send(ApiKey.Metadata, 12, { ...MetadataRequestCodec.defaults(), topics: [{ topicId: ZERO_UUID, name: 'not-created' }], allowAutoTopicCreation: false });
    expect(unknown.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const bad = await client.send(ApiKey.Metadata, 12, { ...MetadataRequestCodec.defaults(), topics: [{ topicId: ZERO_UUID, name: 'bad/name' }], allowAutoTopicCreation: true });
    expect(bad.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('produces (v3 and v9) and fetches the batches back as bytes, offsets assigned', async () => {
    await client.send(ApiKey.CreateTopics, 7, { topics: [{ name: 'pf', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const p1 = await client.send(ApiKey.Produce, 3, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'pf', partitionData: [{ index: 0, records: batch(['a', 'b']) }] }] });
    expect(p1.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0n });
    const p2 = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'pf', partitionData: [{ index: 0, records: batch(['c'], { compression: Compression.Zstd }) }] }] });
    expect(p2.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 2n, logStartOffset: 0n });
    for (const v of [4, 11, 12]) {
      const f = await client.send(ApiKey.Fetch, v, {
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'pf', topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
        forgottenTopicsData: [],
        rackId: '',
      });
      const part = f.responses[0].partitions[0];
      expect(part).toMatchObject({ errorCode: 0, highWatermark: 3n, lastStableOffset: 3n });
      // Whole batches: the first batch (offsets 0-1) comes back whole although the fetch starts at 1.
      expect(valuesOf(part.records)).toEqual(['a', 'b', 'c']);
    }
  });

  it('gives per-partition errors and keeps going', async () => {
    const res = await client.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: 'pf', partitionData: [{ index: 0, records: batch(['ok']) }, { index: 9, records: batch(['x']) }] },
        { name: 'missing-topic', partitionData: [{ index: 0, records: batch(['x']) }] },
        { name: '__consumer_offsets', partitionData: [{ index: 0, records: batch(['x']) }] },
      ],
    });
    const codes = res.responses.map((t) => t.partitionResponses.map((p) => p.errorCode));
    expect(codes).toEqual([[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const corrupt = batch(['x']);
    corrupt[corrupt.length - 1] ^= 0xff;
    const bad = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'pf', partitionData: [{ index: 0, records: corrupt }] }] });
    expect(bad.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const acks = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: 2, timeoutMs: 5000, topicData: [{ name: 'pf', partitionData: [{ index: 0, records: batch(['x']) }] }] });
    expect(acks.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    const old = await client.send(ApiKey.Produce, 2, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'pf', partitionData: [{ index: 0, records: batch(['x']) }] }] });
    expect(old.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('long-polls a fetch until data arrives', async () => {
    await client.send(ApiKey.CreateTopics, 7, { topics: [{ name: 'lp', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const other = await TestClient.connect(tb.port);
    const started = Date.now();
    const fetching = other.send(ApiKey.Fetch, 12, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: 5000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'lp', topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    await new Promise((r) => setTimeout(r, 100));
    await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'lp', partitionData: [{ index: 0, records: batch(['wake']) }] }] });
    const f = await fetching;
    expect(valuesOf(f.responses[0].partitions[0].records)).toEqual(['wake']);
    expect(Date.now() - started).toBeLessThan(4000);
    other.close();
  });

  it('lists offsets: earliest, latest, by timestamp and max timestamp', async () => {
    await client.send(ApiKey.CreateTopics, 7, { topics: [{ name: 'lo', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    for (const ts of [1000, 3000, 2000]) {
      await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'lo', partitionData: [{ index: 0, records: batch([`t${ts}`], { timestamp: ts }) }] }] });
    }
    const q = async (timestamp: bigint) =>
      (await client.send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'lo', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }], timeoutMs: 1000 })).topics[0].partitions[0];
    expect(await q(-2n)).toMatchObject({ errorCode: 0, offset: 0n });
    expect(await q(-1n)).toMatchObject({ errorCode: 0, offset: 3n });
    expect(await q(1500n)).toMatchObject({ offset: 1n, timestamp: 3000n });
    expect(await q(2500n)).toMatchObject({ offset: 1n });
    expect(await q(-3n)).toMatchObject({ offset: 1n, timestamp: 3000n });
    expect(await q(9999n)).toMatchObject({ offset: -1n, timestamp: -1n });
  });
});

describe('bad input', () => {
  it('closes on an unknown API key and on garbage, and others keep working', async () => {
    const bad = await TestClient.connect(tb.port);
    const frame = Buffer.from('0000000c' + '03e7' + '0000' + '00000001' + 'ffff' + '0000', 'hex');
    bad.raw(frame);
    await bad.closed;
    const garbage = await TestClient.connect(tb.port);
    garbage.raw(Buffer.from('00000008' + '0003' + '0009' + '00000001', 'hex')); // Metadata v9 that ends before its client id
    await garbage.closed;
    const res = await client.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(res.errorCode).toBe(0);
    const warnings = tb.log.entries.filter((e) => e.level === 'warn' && e.msg.startsWith('closing connection'));
    expect(warnings.map((w) => w.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/unknown or unserved API key 999/), expect.stringMatching(/shorter than a request header|malformed request/)]),
    );
  });

  it('closes on an unsupported version of a regular API', async () => {
    const c = await TestClient.connect(tb.port);
    const p = c.send(ApiKey.Metadata, 13, MetadataRequestCodec.defaults());
    await expect(p).rejects.toThrow('connection closed');
  });
});
