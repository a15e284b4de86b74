import * as net from 'node:net';
import { NagareError, silentLogger, systemClock, systemScheduler } from '@nagare/common';
import { ApiKey, ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { CLOSE, FakeBroker, NO_RESPONSE } from '../testing/fake-broker';
import { waitFor } from '../testing/helpers';
import { ExponentialBackoff } from './backoff';
import { BrokerConnection, ConnectionConfig } from './connection';

function config(over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    clientId: 'test-client',
    requestTimeoutMs: 5000,
    connectionSetupTimeoutMs: 2000,
    maxInFlight: 5,
    reconnectBackoff: new ExponentialBackoff(50, 1000),
    clock: systemClock,
    scheduler: systemScheduler,
    logger: silentLogger,
    ...over,
  };
}

const metadataBody = () => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });

describe('BrokerConnection', () => {
  let broker: FakeBroker;
  let conn: BrokerConnection | null = null;
  beforeEach(async () => {
    broker = await FakeBroker.start(1);
  });
  afterEach(async () => {
    conn?.close();
    conn = null;
    await broker.close();
  });

  test('negotiates versions: the highest both support, capped by config; client id in every header', async () => {
    broker.apiVersions.set(ApiKey.Metadata, [0, 7]);
    broker.on(ApiKey.Metadata, () => ({ brokers: [], topics: [] }));
    conn = new BrokerConnection(1, broker.host, broker.port, config({ maxApiVersions: { [ApiKey.Fetch]: 10 } }));
    await conn.connect();
    expect(conn.versionFor(ApiKey.Metadata)).toBe(7);
    expect(conn.versionFor(ApiKey.Fetch)).toBe(10);
    expect(conn.versionFor(ApiKey.Metadata, 8)).toBe(-1);
    await conn.request(ApiKey.Metadata, metadataBody);
    expect(broker.requestsFor(ApiKey.Metadata)[0].apiVersion).toBe(7);
    expect(broker.requests.every((r) => r.clientId === 'test-client')).toBe(true);
    const av = broker.requestsFor(ApiKey.ApiVersions)[0];
    expect(av.apiVersion).toBe(4);
    expect(av.body).toMatchObject({ clientSoftwareName: 'nagare-client', clientSoftwareVersion: '0.1.0' });
  });

  test('an API the broker lacks is UNSUPPORTED_VERSION without a request', async () => {
    broker.apiVersions.set(ApiKey.DescribeProducers, [1, 0]);
    conn = new BrokerConnection(1, broker.host, broker.port, config());
    const e = await conn.request(ApiKey.DescribeProducers, () => ({ topics: [] })).catch((x) => x);
    expect(e).toBeInstanceOf(KafkaProtocolError);
    expect(e.code).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(broker.requestsFor(ApiKey.DescribeProducers)).toHaveLength(0);
  });

  test('KIP-511: a broker that does not know our ApiVersions version answers v0 with its range; we retry at that version', async () => {
    broker.maxApiVersionsVersion = 2;
    broker.on(ApiKey.Metadata, () => ({ brokers: [], topics: [] }));
    conn = new BrokerConnection(1, broker.host, broker.port, config());
    await conn.request(ApiKey.Metadata, metadataBody);
    expect(broker.requestsFor(ApiKey.ApiVersions).map((r) => r.apiVersion)).toEqual([4, 2]);
    expect(conn.versionFor(ApiKey.Metadata)).toBeGreaterThan(0);
  });

  test('KIP-511 without the ApiVersions entry: retry at v0', async () => {
    // A raw server: UNSUPPORTED_VERSION with an empty list for v4, a normal v0 answer after.
    const server = net.createServer((s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
          buf = buf.subarray(4 + frame.length);
          const version = frame.readInt16BE(2);
          const corr = frame.readInt32BE(4);
          const body =
            version > 0
              ? Buffer.from([0, 35, 0, 0, 0, 0]) // error 35, 0 api keys (v0 layout)
              : Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 1]), Buffer.from([0, 3, 0, 1, 0, 9])]); // Metadata 1-9
          const out = Buffer.alloc(8 + body.length);
          out.writeInt32BE(4 + body.length, 0);
          out.writeInt32BE(corr, 4);
          body.copy(out, 8);
          s.write(out);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const c = new BrokerConnection(1, '127.0.0.1', (server.address() as net.AddressInfo).port, config());
    await c.connect();
    expect(c.versionFor(ApiKey.Metadata)).toBe(9);
    c.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('pipelines requests, matches responses by correlation id, and keeps at most maxInFlight outstanding', async () => {
    const gates: Array<() => void> = [];
    let n = 0;
    broker.on(ApiKey.Metadata, async () => {
      const mine = n++;
      await new Promise<void>((r) => gates.push(r));
      return { clusterId: `answer-${mine}`, brokers: [], topics: [] };
    });
    conn = new BrokerConnection(1, broker.host, broker.port, config({ maxInFlight: 2 }));
    await conn.connect();
    const all = Array.from({ length: 5 }, () => conn!.request(ApiKey.Metadata, metadataBody));
    await waitFor(() => broker.requestsFor(ApiKey.Metadata).length === 2, 20000, 'two requests at the broker');
    // A third would be on its way by now if the limit did not hold.
    await new Promise((r) => setTimeout(r, 50));
    expect(broker.requestsFor(ApiKey.Metadata)).toHaveLength(2);
    expect(conn.inFlightCount).toBe(5);
    for (let i = 0; i < 5; i++) {
      while (gates.length === 0) await new Promise((r) => setTimeout(r, 5));
      gates.shift()!();
      await new Promise((r) => setTimeout(r, 20));
      expect(broker.requestsFor(ApiKey.Metadata).length).toBeLessThanOrEqual(Math.min(5, i + 3));
    }
    const res = await Promise.all(all);
    expect(res.map((r) => r.clusterId)).toEqual(['answer-0', 'answer-1', 'answer-2', 'answer-3', 'answer-4']);
    const ids = broker.requestsFor(ApiKey.Metadata).map((r) => r.correlationId);
    expect(new Set(ids).size).toBe(5);
  });

  test('a request timeout fails that request, drops the connection (failing the rest), and the next request reconnects', async () => {
    let calls = 0;
    broker.on(ApiKey.Metadata, () => (calls++ < 2 ? NO_RESPONSE : { clusterId: 'later', brokers: [], topics: [] }));
    conn = new BrokerConnection(1, broker.host, broker.port, config({ requestTimeoutMs: 300 }));
    const start = Date.now();
    const [a, b] = await Promise.allSettled([conn.request(ApiKey.Metadata, metadataBody), conn.request(ApiKey.Metadata, metadataBody)]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(280);
    expect((a as PromiseRejectedResult).reason).toMatchObject({ kind: 'REQUEST_TIMED_OUT' });
    expect((b as PromiseRejectedResult).reason).toMatchObject({ kind: 'CONNECTION_FAILED' });
    expect(conn.isReady).toBe(false);
    const c = await conn.request(ApiKey.Metadata, metadataBody);
    expect(c.clusterId).toBe('later');
    expect(broker.requestsFor(ApiKey.ApiVersions)).toHaveLength(2);
  });

  test('a peer that accepts TCP but never answers: REQUEST_TIMED_OUT after request.timeout.ms, saying so', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((c) => {
      accepted.push(c);
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      conn = new BrokerConnection(1, '127.0.0.1', port, config({ requestTimeoutMs: 300 }));
      const e = await conn.request(ApiKey.Metadata, metadataBody).catch((x) => x);
      expect(e).toMatchObject({ kind: 'REQUEST_TIMED_OUT' });
      expect((e as Error).message).toMatch(new RegExp(`^no answer from 127\\.0\\.0\\.1:${port} within 300 ms \\(ApiVersions request`));
    } finally {
      conn?.close();
      for (const c of accepted) c.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('per-request timeout override (JoinGroup waits longer)', async () => {
    broker.on(ApiKey.Metadata, async () => {
      await new Promise((r) => setTimeout(r, 400));
      return { brokers: [], topics: [] };
    });
    conn = new BrokerConnection(1, broker.host, broker.port, config({ requestTimeoutMs: 200 }));
    await conn.connect();
    await expect(conn.request(ApiKey.Metadata, metadataBody, { timeoutMs: 10000 })).resolves.toBeDefined();
  });

  test('a dropped connection fails in-flight requests with CONNECTION_FAILED and tells listeners', async () => {
    broker.on(ApiKey.Metadata, () => CLOSE);
    conn = new BrokerConnection(1, broker.host, broker.port, config());
    const events: string[] = [];
    conn.onDisconnect((e) => events.push((e as NagareError).kind));
    const e = await conn.request(ApiKey.Metadata, metadataBody).catch((x) => x);
    expect(e).toMatchObject({ kind: 'CONNECTION_FAILED', retriable: true });
    expect(events).toEqual(['CONNECTION_FAILED']);
  });

  test('reconnect attempts back off exponentially with jitter (reconnect.backoff.ms 50 .. max 1000)', async () => {
    const port = broker.port;
    await broker.close();
    conn = new BrokerConnection(1, '127.0.0.1', port, config());
    // Each attempt starts at least one backoff after the previous failure;
    // we can only observe failures late (a loaded machine delays callbacks),
    // so bound the time from before the first attempt to each observed
    // failure: after k failures at least the sum of the first k backoffs
    // (nominal 50, 100, 200, 400, 800, -20% jitter) has passed. A late
    // observation can only lengthen these sums, never shorten them.
    const started = Date.now();
    const elapsed: number[] = [];
    for (let i = 0; i < 6; i++) {
      await conn.connect().catch((e) => expect(e).toMatchObject({ kind: 'CONNECTION_FAILED' }));
      elapsed.push(Date.now() - started);
    }
    let minimum = 0;
    [50, 100, 200, 400, 800].forEach((nominal, i) => {
      minimum += nominal * 0.8;
      expect(elapsed[i + 1]).toBeGreaterThanOrEqual(minimum - 5);
    });
    // (A constant 50 ms backoff would total 250 ms, far below 1,240.) Upper bound loose.
    expect(elapsed[5]).toBeLessThanOrEqual(1550 * 1.2 + 5000);
    broker = await FakeBroker.start(1); // for afterEach
  });

  test('close() fails pending requests with CLIENT_CLOSED', async () => {
    broker.on(ApiKey.Metadata, () => NO_RESPONSE);
    conn = new BrokerConnection(1, broker.host, broker.port, config());
    await conn.connect();
    const p = conn.request(ApiKey.Metadata, metadataBody);
    await new Promise((r) => setTimeout(r, 50));
    conn.close();
    await expect(p).rejects.toMatchObject({ kind: 'CLIENT_CLOSED' });
    await expect(conn.request(ApiKey.Metadata, metadataBody)).rejects.toMatchObject({ kind: 'CLIENT_CLOSED' });
  });
});

describe('ExponentialBackoff', () => {
  test('doubles up to the max, jitter within +-20%', () => {
    const b = new ExponentialBackoff(100, 1000, 0.2, () => 0.5);
    expect([0, 1, 2, 3, 4, 5].map((n) => b.backoff(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(new ExponentialBackoff(100, 1000, 0.2, () => 0).backoff(0)).toBe(80);
    expect(new ExponentialBackoff(100, 1000, 0.2, () => 0.9999).backoff(0)).toBe(120);
    expect(new ExponentialBackoff(0, 1000).backoff(3)).toBe(0);
  });
});
