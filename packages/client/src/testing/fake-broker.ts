/**
 * Test helper: scripted Kafka brokers on localhost. Requests are decoded
 * with @nagare/protocol; a handler per API key returns a (partial) response
 * body, completed with the schema defaults at every depth, or NO_RESPONSE /
 * CLOSE. A FakeCluster answers ApiVersions, Metadata and FindCoordinator
 * from a shared description (brokers, topics with leaders, coordinator), so
 * a test only scripts the API it is about.
 *
 * Used for what the librdkafka mock cluster cannot do: admin APIs, error
 * injection (KIP-511, KIP-394, idempotence errors), timeouts, aborted
 * transactions.
 */
import * as net from 'node:net';
import {
  APIS,
  ErrorCode,
  ZERO_UUID,
  apiByKey,
  checkFrameSize,
  decodeRequestBody,
  decodeRequestHeader,
  encodeResponseFrame,
  messageSchemas,
  withDefaults,
} from '@nagare/protocol';

export const NO_RESPONSE = Symbol('no response');
export const CLOSE = Symbol('close connection');

export interface FakeRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  body: any;
  broker: FakeBroker;
}

export type HandlerResult = Record<string, any> | typeof NO_RESPONSE | typeof CLOSE | Buffer;
export type Handler = (req: FakeRequest) => HandlerResult | Promise<HandlerResult>;

/** Fills every missing field (at any depth) of a partial message with its default. */
export function completeMessage<T>(messageName: string, partial: Record<string, unknown>): T {
  const schema = messageSchemas()[messageName];
  if (!schema) throw new Error(`no schema ${messageName}`);
  return withDefaults<T>(schema, partial);
}

export class FakeBroker {
  readonly requests: FakeRequest[] = [];
  readonly handlers = new Map<number, Handler>();
  readonly sockets = new Set<net.Socket>();
  port = 0;
  readonly host = '127.0.0.1';
  /** Override the advertised ApiVersions ranges: apiKey -> [min, max] (others: our codecs' ranges). */
  apiVersions = new Map<number, [number, number]>();
  /** Highest ApiVersions version this broker "knows" (KIP-511 tests). */
  maxApiVersionsVersion = 4;
  private server: net.Server;

  constructor(readonly nodeId: number) {
    this.server = net.createServer((s) => this.onConnection(s));
  }

  static async start(nodeId = 1): Promise<FakeBroker> {
    const b = new FakeBroker(nodeId);
    await new Promise<void>((res) => b.server.listen(0, '127.0.0.1', () => res()));
    b.port = (b.server.address() as net.AddressInfo).port;
    return b;
  }

  on(apiKey: number, handler: Handler): this {
    this.handlers.set(apiKey, handler);
    return this;
  }

  requestsFor(apiKey: number): FakeRequest[] {
    return this.requests.filter((r) => r.apiKey === apiKey);
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const c = checkFrameSize(buf, 0);
        if (c.kind !== 'frame' || buf.length < 4 + c.size) break;
        const frame = buf.subarray(4, 4 + c.size);
        buf = buf.subarray(4 + c.size);
        let req: FakeRequest;
        try {
          req = this.decode(frame);
        } catch {
          socket.destroy();
          return;
        }
        this.requests.push(req);
        // Answer in order, as a broker does.
        chain = chain.then(() => this.handle(socket, req)).catch(() => void socket.destroy());
      }
    });
  }

  private decode(frame: Buffer): FakeRequest {
    const { header, bodyOffset } = decodeRequestHeader(frame);
    const apiKey = header.requestApiKey;
    const version = header.requestApiVersion;
    const req: FakeRequest = { apiKey, apiVersion: version, correlationId: header.correlationId, clientId: header.clientId, body: null, broker: this };
    if (!(apiKey === 18 && version > this.maxApiVersionsVersion)) req.body = decodeRequestBody(apiKey as 0, version, frame, bodyOffset);
    return req;
  }

  private async handle(socket: net.Socket, req: FakeRequest): Promise<void> {
    const apiKey = req.apiKey;
    const version = req.apiVersion;
    if (apiKey === 18 && version > this.maxApiVersionsVersion) {
      // KIP-511: a v0 body with UNSUPPORTED_VERSION and our own ApiVersions range.
      const out = encodeResponseFrame(18, 0, req.correlationId, completeMessage('ApiVersionsResponse', {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: this.maxApiVersionsVersion }],
      }));
      for (const c of out) socket.write(c);
      return;
    }
    const handler = this.handlers.get(apiKey) ?? (apiKey === 18 ? () => this.defaultApiVersions() : undefined);
    if (!handler) {
      socket.destroy();
      return;
    }
    const result = await handler(req);
    if (result === NO_RESPONSE) return;
    if (result === CLOSE) {
      socket.destroy();
      return;
    }
    if (Buffer.isBuffer(result)) {
      socket.write(result);
      return;
    }
    const api = apiByKey(apiKey)!;
    const body = completeMessage(`${api.name}Response`, result);
    const chunks = encodeResponseFrame(apiKey as 0, version, req.correlationId, body as never);
    if (!socket.destroyed) for (const c of chunks) socket.write(c);
  }

  private defaultApiVersions(): Record<string, unknown> {
    return {
      errorCode: 0,
      apiKeys: APIS.filter((a) => !a.latestVersionUnstable).map((a) => {
        const o = this.apiVersions.get(a.apiKey);
        return { apiKey: a.apiKey, minVersion: o ? o[0] : a.lowestVersion, maxVersion: o ? o[1] : a.highestVersion };
      }),
    };
  }

  /** Drops every client connection. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}

export interface FakeTopic {
  name: string;
  topicId?: string;
  /** Leader node id per partition. */
  leaders: number[];
  isInternal?: boolean;
}

/** Brokers sharing one cluster description. */
export class FakeCluster {
  readonly topics = new Map<string, FakeTopic>();
  /** Coordinator node id for group (and transactional id) keys; default: the first broker. */
  coordinatorFor: (key: string) => number = () => this.brokers[0].nodeId;
  controllerId = 1;
  clusterId = 'fake-cluster';

  private constructor(readonly brokers: FakeBroker[]) {}

  static async start(n: number): Promise<FakeCluster> {
    const brokers: FakeBroker[] = [];
    for (let i = 1; i <= n; i++) brokers.push(await FakeBroker.start(i));
    const c = new FakeCluster(brokers);
    for (const b of brokers) {
      b.on(3, (req) => c.metadata(req));
      b.on(10, (req) => c.findCoordinator(req));
    }
    return c;
  }

  get bootstrap(): string {
    return this.brokers.map((b) => `${b.host}:${b.port}`).join(',');
  }

  broker(nodeId: number): FakeBroker {
    return this.brokers.find((b) => b.nodeId === nodeId)!;
  }

  addTopic(name: string, leaders: number[], topicId = ZERO_UUID): void {
    this.topics.set(name, { name, leaders, topicId });
  }

  /** Sets the same handler on every broker. */
  on(apiKey: number, handler: Handler): this {
    for (const b of this.brokers) b.on(apiKey, handler);
    return this;
  }

  requests(apiKey: number): FakeRequest[] {
    return this.brokers.flatMap((b) => b.requestsFor(apiKey));
  }

  metadata(req: FakeRequest): Record<string, unknown> {
    const names: string[] | null = req.body.topics === null ? null : req.body.topics.map((t: { name: string }) => t.name);
    const list = names === null ? [...this.topics.keys()] : names;
    return {
      brokers: this.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: null })),
      clusterId: this.clusterId,
      controllerId: this.controllerId,
      topics: list.map((name) => {
        const t = this.topics.get(name);
        if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
        return {
          errorCode: 0,
          name,
          topicId: t.topicId ?? ZERO_UUID,
          isInternal: t.isInternal ?? false,
          partitions: t.leaders.map((leader, i) => ({
            errorCode: 0,
            partitionIndex: i,
            leaderId: leader,
            leaderEpoch: 0,
            replicaNodes: [leader],
            isrNodes: [leader],
          })),
        };
      }),
    };
  }

  findCoordinator(req: FakeRequest): Record<string, unknown> {
    const keys: string[] = req.apiVersion >= 4 ? req.body.coordinatorKeys : [req.body.key];
    const entries = keys.map((key) => {
      const b = this.broker(this.coordinatorFor(key));
      return { key, nodeId: b.nodeId, host: b.host, port: b.port, errorCode: 0, errorMessage: null };
    });
    if (req.apiVersion >= 4) return { coordinators: entries };
    const e = entries[0];
    return { errorCode: 0, nodeId: e.nodeId, host: e.host, port: e.port };
  }

  async close(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.close()));
  }
}
