/**
 * Bad input on raw node:net sockets against the real server process: garbage,
 * truncated frames, oversized and negative size prefixes, unknown API keys,
 * unsupported versions (ApiVersions answered per KIP-511, other APIs closed),
 * malformed bodies, requests for unknown topics and partitions, and
 * idempotence misuse (a resent batch, a sequence gap). After every bad
 * connection the server has logged the problem once, naming the client's
 * address, and still serves a new raw client and an already-connected kafkajs
 * client.
 */
import { Admin } from 'kafkajs';
import { ApiKey, ApiVersionsResponse, ErrorCode, ZERO_UUID, decodeResponseFrame, encodeRequestFrame } from '@nagare/protocol';
import { Compression, RecordBatchBuilderOptions, RecordInput, buildRecordBatch } from '@nagare/records';
import { NagareProcess, LogLine, cleanupAll, sleep, startNagare, waitFor } from './harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';
import { RawConnection, body } from './raw-client';

jest.setTimeout(60000);

const MAX_REQUEST = 1024 * 1024;
let server: NagareProcess;
let admin: Admin;

beforeAll(async () => {
  server = await startNagare({
    props: { 'socket.request.max.bytes': String(MAX_REQUEST), 'auto.create.topics.enable': 'true' },
    // debug: the network layer logs ordinary disconnects at debug.
    env: { NAGARE_LOG_LEVEL: 'debug' },
  });
  admin = await connectedAdmin(newKafka(server.bootstrap, 'e2e-bystander'));
  await admin.createTopics({ topics: [{ topic: 'known', numPartitions: 2 }], waitForLeaders: true });
});
afterAll(async () => {
  await cleanupAll();
});

const connect = () => RawConnection.connect(server.port);
const batchOf = (records: RecordInput[], opts: RecordBatchBuilderOptions = {}) => buildRecordBatch(records, { now: () => Date.now(), ...opts });
const linesFor = (c: RawConnection, minLevel = 40): LogLine[] => server.logs().filter((l) => l.client === `127.0.0.1:${c.localPort}` && l.level >= minLevel);

/** The server still serves: a new raw client and the long-lived kafkajs admin both work. */
async function stillServing(): Promise<void> {
  const c = await connect();
  const v = await c.request(ApiKey.ApiVersions, 3, body(ApiKey.ApiVersions, { clientSoftwareName: 'e2e', clientSoftwareVersion: '1.0' }));
  expect(v.errorCode).toBe(0);
  expect(v.apiKeys.find((k) => k.apiKey === ApiKey.Produce)).toBeDefined();
  const md = await c.request(ApiKey.Metadata, 12, body(ApiKey.Metadata, { topics: [{ topicId: ZERO_UUID, name: 'known' }], allowAutoTopicCreation: false }));
  expect(md.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([['known', 0, 2]]);
  c.destroy();
  const viaKafkajs = await admin.fetchTopicMetadata({ topics: ['known'] });
  expect(viaKafkajs.topics[0].partitions).toHaveLength(2);
  expect(server.proc.exitCode).toBeNull();
}

/**
 * The bad connection was closed by the server, which logged it exactly once
 * (warn, with the client's address) with a message matching `why`.
 */
async function expectClosedAndLoggedOnce(c: RawConnection, why: RegExp): Promise<void> {
  expect(await c.closedWithin(5000)).toBe(true);
  const [line] = await waitFor(() => (linesFor(c).length > 0 ? linesFor(c) : null), { timeoutMs: 5000, what: () => `a warning naming 127.0.0.1:${c.localPort}; server output:\n${server.output.slice(-10).join('\n')}` });
  expect(line.msg).toMatch(why);
  await stillServing();
  expect(linesFor(c).map((l) => l.msg)).toEqual([line.msg]);
}

/** A frame with a request header v1 (api key, version, correlation id, client id) and the given body bytes. */
function frame(apiKey: number, version: number, bodyBytes: Buffer = Buffer.alloc(0), correlationId = 7): Buffer {
  const clientId = Buffer.from('e2e-raw');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, bodyBytes]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

describe('bad frames', () => {
  it('garbage bytes (an HTTP request) close the connection', async () => {
    const c = await connect();
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    // "GET " read as a size prefix is 1195725856 bytes.
    await expectClosedAndLoggedOnce(c, /1195725856.*socket\.request\.max\.bytes/);
  });

  it('garbage inside a well-sized frame closes the connection', async () => {
    const c = await connect();
    const junk = Buffer.from('ffffabcdef0123456789deadbeefcafe', 'hex');
    const size = Buffer.alloc(4);
    size.writeInt32BE(junk.length);
    c.write(Buffer.concat([size, junk]));
    await expectClosedAndLoggedOnce(c, /unknown or unserved API key -1/);
  });

  it('a size prefix above socket.request.max.bytes closes the connection without reading the body', async () => {
    const c = await connect();
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_REQUEST + 1);
    c.write(size);
    await expectClosedAndLoggedOnce(c, new RegExp(`frame size ${MAX_REQUEST + 1} is larger than socket\\.request\\.max\\.bytes \\(${MAX_REQUEST}\\)`));
  });

  it('a negative size prefix closes the connection', async () => {
    const c = await connect();
    c.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    await expectClosedAndLoggedOnce(c, /invalid frame size -2/);
  });

  it('a request of exactly socket.request.max.bytes is accepted (the limit is inclusive)', async () => {
    await admin.createTopics({ topics: [{ topic: 'big', numPartitions: 1 }], waitForLeaders: true });
    const c = await connect();
    // A Produce v9 request whose frame size is exactly the limit.
    const encode = (valueLen: number) =>
      encodeRequestFrame(ApiKey.Produce, 9, 1, 'e2e-raw', body(ApiKey.Produce, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'big', partitionData: [{ index: 0, records: batchOf([{ value: Buffer.alloc(valueLen, 0x61) }]) }] }] }));
    let len = MAX_REQUEST - 200;
    let f = Buffer.concat(encode(len));
    for (let i = 0; i < 10 && f.readInt32BE(0) !== MAX_REQUEST; i++) {
      len += MAX_REQUEST - f.readInt32BE(0);
      f = Buffer.concat(encode(len));
    }
    expect(f.readInt32BE(0)).toBe(MAX_REQUEST);
    c.write(f);
    const res = decodeResponseFrame(ApiKey.Produce, 9, await c.readFrame(10000));
    expect(res.body.responses[0].partitionResponses.map((p) => [p.errorCode, p.baseOffset])).toEqual([[0, 0n]]);
    expect(linesFor(c)).toEqual([]);
    c.destroy();
  });

  it('a truncated frame followed by close is dropped quietly; the server keeps serving', async () => {
    const c = await connect();
    const f = frame(ApiKey.Metadata, 1, Buffer.from([0, 0, 0, 0]));
    c.write(f.subarray(0, 9));
    await sleep(50);
    c.socket.end();
    await c.closed;
    // Not a server-side problem: logged at debug, once, with the client's address.
    const [line] = await waitFor(() => (linesFor(c, 0).length > 0 ? linesFor(c, 0) : null), { timeoutMs: 5000, what: 'the debug line for the closed connection' });
    expect(line.level).toBe(20);
    expect(line.msg).toMatch(/closed by peer/);
    await stillServing();
    expect(linesFor(c, 0)).toHaveLength(1);
  });

  it('a malformed body (valid header) closes the connection', async () => {
    const c = await connect();
    // Metadata v1: topics array of 1000 entries, then nothing.
    c.write(frame(ApiKey.Metadata, 1, Buffer.from([0, 0, 0x03, 0xe8])));
    await expectClosedAndLoggedOnce(c, /malformed request/);
  });
});

describe('unknown APIs and versions', () => {
  it('an unknown API key closes the connection', async () => {
    const c = await connect();
    c.write(frame(9999, 0));
    await expectClosedAndLoggedOnce(c, /unknown or unserved API key 9999/);
  });

  it('ApiVersions v99 is answered with a v0 body: UNSUPPORTED_VERSION and the ApiVersions range (KIP-511); the connection stays usable', async () => {
    const c = await connect();
    c.write(frame(ApiKey.ApiVersions, 99, Buffer.alloc(0), 4242));
    const f = await c.readFrame();
    const res = decodeResponseFrame(ApiKey.ApiVersions, 0, f);
    expect(res.correlationId).toBe(4242);
    expect(res.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(res.body.errorCode).toBe(35);
    expect(res.body.apiKeys).toEqual([expect.objectContaining({ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 })]);
    // The client retries with a version from the range, on the same connection.
    const ok: ApiVersionsResponse = await c.request(ApiKey.ApiVersions, 4, body(ApiKey.ApiVersions, { clientSoftwareName: 'e2e', clientSoftwareVersion: '1' }));
    expect(ok.errorCode).toBe(0);
    expect(ok.apiKeys.length).toBeGreaterThan(20);
    expect(c.isClosed).toBe(false);
    c.destroy();
    await stillServing();
  });

  it('an unsupported version of another API (Metadata v99, Fetch v3) closes the connection', async () => {
    const c = await connect();
    c.write(frame(ApiKey.Metadata, 99));
    await expectClosedAndLoggedOnce(c, /Metadata v99 is not supported \(supported: v0-\d+\)/);
    const c2 = await connect();
    c2.write(frame(ApiKey.Fetch, 3));
    await expectClosedAndLoggedOnce(c2, /Fetch v3 is not supported \(supported: v4-\d+\)/);
  });
});

describe('unknown topics and partitions', () => {
  it('Metadata: unknown topic (no auto-creation) -> UNKNOWN_TOPIC_OR_PARTITION, invalid name -> INVALID_TOPIC_EXCEPTION', async () => {
    const c = await connect();
    const md = await c.request(
      ApiKey.Metadata,
      12,
      body(ApiKey.Metadata, {
        topics: ['no-such-topic', 'bad name!', 'a'.repeat(250), '..', 'known'].map((name) => ({ topicId: ZERO_UUID, name })),
        allowAutoTopicCreation: false,
      }),
    );
    expect(md.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['a'.repeat(250), ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['..', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['known', 0],
    ]);
    // Even with auto-creation allowed, an invalid name is refused and not created.
    const md2 = await c.request(ApiKey.Metadata, 12, body(ApiKey.Metadata, { topics: [{ topicId: ZERO_UUID, name: 'bad name!' }], allowAutoTopicCreation: true }));
    expect(md2.topics.map((t) => [t.name, t.errorCode])).toEqual([['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION]]);
    // Metadata by an unknown topic id.
    const md3 = await c.request(ApiKey.Metadata, 12, body(ApiKey.Metadata, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }], allowAutoTopicCreation: false }));
    expect(md3.topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_ID]);
    expect(c.isClosed).toBe(false);
    c.destroy();
    expect((await admin.listTopics()).filter((t) => t.includes('bad') || t === 'no-such-topic')).toEqual([]);
  });

  it('Produce, Fetch and ListOffsets for unknown topics and partitions answer per partition and keep the connection', async () => {
    const c = await connect();
    const records = batchOf([{ key: Buffer.from('k'), value: Buffer.from('v') }], { compression: Compression.None });
    const produced = await c.request(
      ApiKey.Produce,
      9,
      body(ApiKey.Produce, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          { name: 'no-such-topic', partitionData: [{ index: 0, records }] },
          { name: 'known', partitionData: [{ index: 7, records }, { index: 0, records }] },
        ],
      }),
    );
    const pr = produced.responses.flatMap((t) => t.partitionResponses.map((p) => [t.name, p.index, p.errorCode])).sort();
    expect(pr).toEqual(
      [
        ['known', 0, 0],
        ['known', 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ].sort(),
    );

    const part = (partition: number) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 65536, replicaDirectoryId: ZERO_UUID });
    const fetched = await c.request(
      ApiKey.Fetch,
      12,
      body(ApiKey.Fetch, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          { topic: 'no-such-topic', topicId: ZERO_UUID, partitions: [part(0)] },
          { topic: 'known', topicId: ZERO_UUID, partitions: [part(9), part(0)] },
        ],
      }),
    );
    expect(fetched.errorCode).toBe(0);
    const fr = fetched.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, p.errorCode, p.highWatermark])).sort();
    expect(fr).toEqual(
      [
        ['known', 0, 0, 1n],
        ['known', 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
        ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ].sort(),
    );

    const listed = await c.request(
      ApiKey.ListOffsets,
      7,
      body(ApiKey.ListOffsets, {
        replicaId: -1,
        topics: [
          { name: 'no-such-topic', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] },
          { name: 'known', partitions: [{ partitionIndex: 5, currentLeaderEpoch: -1, timestamp: -1n }, { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] },
        ],
      }),
    );
    const lr = listed.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode, p.offset])).sort();
    expect(lr).toEqual(
      [
        ['known', 0, 0, 1n],
        ['known', 5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
        ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ].sort(),
    );
    expect(c.isClosed).toBe(false);
    c.destroy();
    // Produce does not auto-create.
    expect(await admin.listTopics()).not.toContain('no-such-topic');
    await stillServing();
  });
});

describe('idempotence misuse', () => {
  it('a resent batch (same producer id and sequence) is acknowledged with its first offset and stored once; a sequence gap is refused', async () => {
    await admin.createTopics({ topics: [{ topic: 'idem-raw', numPartitions: 1 }], waitForLeaders: true });
    const c = await connect();
    const init = await c.request(ApiKey.InitProducerId, 4, body(ApiKey.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }));
    expect(init.errorCode).toBe(0);
    const pid = Number(init.producerId);
    const batch = (seq: number, n: number) =>
      batchOf(
        Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`seq-${seq + i}`) })),
        { producerId: pid, producerEpoch: 0, baseSequence: seq },
      );
    const produce = async (records: Buffer) => {
      const r = await c.request(ApiKey.Produce, 9, body(ApiKey.Produce, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'idem-raw', partitionData: [{ index: 0, records }] }] }));
      return r.responses[0].partitionResponses[0];
    };
    const first = await produce(batch(0, 3));
    expect([first.errorCode, first.baseOffset]).toEqual([0, 0n]);
    const second = await produce(batch(3, 2));
    expect([second.errorCode, second.baseOffset]).toEqual([0, 3n]);
    // The same batch again (a retry after a lost response): acknowledged with its original offset, not appended.
    const retry = await produce(batch(3, 2));
    expect([retry.errorCode, retry.baseOffset]).toEqual([0, 3n]);
    // A gap in the sequence.
    const gap = await produce(batch(10, 1));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const offsets = await admin.fetchTopicOffsets('idem-raw');
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '5' })]);
    expect(c.isClosed).toBe(false);
    c.destroy();
  });
});
