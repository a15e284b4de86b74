/**
 * A tiny fake Kafka broker for interoperability tests with real clients
 * (librdkafka through kcat). It speaks just enough of the protocol:
 * ApiVersions, Metadata, Produce, ListOffsets and Fetch, for single-partition
 * topics led by itself (node 1), using the @nagare/protocol codecs.
 *
 * Produce requests are captured verbatim (the `records` bytes) and also
 * appended to the topic's log with offsets assigned, so they can be fetched
 * back; tests can also put batches they built into a topic with `setLog`.
 * Requests it does not understand are logged and the connection is closed.
 * Test-only: src/testing is excluded from the build (and from the core
 * packages' no-I/O lint rule).
 */
import * as net from 'node:net';
import {
  APIS,
  ApiKey,
  ApiVersionsResponse,
  ApiVersionsResponseCodec,
  ErrorCode,
  FetchRequest,
  FetchResponse,
  FindCoordinatorResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MessageCodec,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  Reader,
  RequestHeaderCodec,
  ResponseHeaderCodec,
  encode,
  readFrom,
} from '@nagare/protocol';
import { assignOffsets, iterateBatches, validateBatches } from '../index';

/** The versions the fake advertises (and accepts). */
export const ADVERTISED: ReadonlyArray<{ apiKey: number; min: number; max: number }> = [
  { apiKey: ApiKey.Produce, min: 0, max: 9 },
  { apiKey: ApiKey.Fetch, min: 4, max: 12 },
  { apiKey: ApiKey.ListOffsets, min: 1, max: 7 },
  { apiKey: ApiKey.Metadata, min: 0, max: 12 },
  { apiKey: ApiKey.ApiVersions, min: 0, max: 3 },
  // librdkafka only enables LZ4 when the broker lists FindCoordinator (its
  // sign-post for Kafka >= 0.8.2), so it is advertised and answered trivially.
  { apiKey: ApiKey.FindCoordinator, min: 0, max: 2 },
];

export interface CapturedProduce {
  topic: string;
  partition: number;
  apiVersion: number;
  records: Buffer;
}

interface TopicLog {
  batches: Buffer[];
  nextOffset: number;
}

export interface CaptureBrokerOptions {
  /** Diagnostic output (default: nothing). */
  log?: (line: string) => void;
  /** How long an empty Fetch waits before answering (ms, capped by the request's maxWaitMs). */
  emptyFetchDelayMs?: number;
}

export class CaptureBroker {
  readonly produced: CapturedProduce[] = [];
  readonly requests: Array<{ apiKey: number; apiVersion: number; clientId: string | null }> = [];
  readonly errors: string[] = [];
  private readonly topics = new Map<string, TopicLog>();
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly options: CaptureBrokerOptions,
  ) {}

  static async start(options: CaptureBrokerOptions = {}): Promise<CaptureBroker> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    const broker = new CaptureBroker(server, port, options);
    server.on('connection', (s) => broker.accept(s));
    return broker;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Replaces a topic's log with `batches`, giving them consecutive offsets from 0 (patched in place). */
  setLog(topic: string, batches: Buffer[]): void {
    let next = 0;
    for (const b of batches) next = assignOffsets(b, next);
    this.topics.set(topic, { batches, nextOffset: next });
  }

  highWatermark(topic: string): number {
    return this.topics.get(topic)?.nextOffset ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private topic(name: string): TopicLog {
    let t = this.topics.get(name);
    if (!t) {
      t = { batches: [], nextOffset: 0 };
      this.topics.set(name, t);
    }
    return t;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    // Responses leave in request order even when one (an empty Fetch) waits.
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > 100 * 1024 * 1024) {
          this.fail(socket, `bad frame size ${size}`);
          return;
        }
        if (pending.length < 4 + size) break;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        chain = chain.then(async () => {
          if (socket.destroyed) return;
          try {
            const response = await this.handle(frame);
            if (response && !socket.destroyed) socket.write(response);
          } catch (e) {
            this.fail(socket, `request failed: ${(e as Error).stack ?? String(e)}`);
          }
        });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private fail(socket: net.Socket, why: string): void {
    this.errors.push(why);
    this.log(`closing connection: ${why}`);
    socket.destroy();
  }

  private async handle(frame: Buffer): Promise<Buffer | null> {
    if (frame.length < 4) throw new Error('frame too short for a request header');
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const api = APIS.find((a) => a.apiKey === apiKey);
    const advertised = ADVERTISED.find((a) => a.apiKey === apiKey);
    if (!api || !advertised) throw new Error(`unsupported API key ${apiKey} v${apiVersion}`);
    const flexible = api.flexibleFrom >= 0 && apiVersion >= api.flexibleFrom;
    const r = new Reader(frame);
    const header = readFrom(RequestHeaderCodec, r, flexible ? 2 : 1);
    this.requests.push({ apiKey, apiVersion, clientId: header.clientId });
    this.log(`<- ${api.name} v${apiVersion} corr=${header.correlationId} client=${header.clientId}`);
    const correlationId = header.correlationId;

    if (apiKey === ApiKey.ApiVersions) {
      // Always answered with response header v0; too new a version gets a v0 error answer.
      const version = apiVersion > advertised.max ? 0 : apiVersion;
      const body: ApiVersionsResponse = {
        ...ApiVersionsResponseCodec.defaults(),
        errorCode: apiVersion > advertised.max ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.NONE,
        apiKeys: ADVERTISED.map((a) => ({ apiKey: a.apiKey, minVersion: a.min, maxVersion: a.max })),
        throttleTimeMs: 0,
      };
      return this.frame(correlationId, 0, ApiVersionsResponseCodec, body, version);
    }
    if (apiVersion < advertised.min || apiVersion > advertised.max) {
      throw new Error(`${api.name} v${apiVersion} outside the advertised ${advertised.min}-${advertised.max}`);
    }
    const request = readFrom(api.request, r, apiVersion);
    const responseHeaderVersion = flexible ? 1 : 0;
    let body: unknown;
    switch (apiKey) {
      case ApiKey.Metadata:
        body = this.metadata(request as MetadataRequest);
        break;
      case ApiKey.Produce: {
        const req = request as ProduceRequest;
        body = this.produce(req, apiVersion);
        if (req.acks === 0) return null;
        break;
      }
      case ApiKey.ListOffsets:
        body = this.listOffsets(request as ListOffsetsRequest);
        break;
      case ApiKey.Fetch:
        body = await this.fetch(request as FetchRequest);
        break;
      case ApiKey.FindCoordinator: {
        const resp: FindCoordinatorResponse = {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          nodeId: 1,
          host: '127.0.0.1',
          port: this.port,
          coordinators: [],
        };
        body = resp;
        break;
      }
      default:
        throw new Error(`no handler for ${api.name}`);
    }
    return this.frame(correlationId, responseHeaderVersion, api.response, body, apiVersion);
  }

  private frame<T>(correlationId: number, headerVersion: number, codec: MessageCodec<T>, body: T, version: number): Buffer {
    const h = encode(ResponseHeaderCodec, { correlationId }, headerVersion);
    const b = encode(codec, body, version);
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(h.length + b.length, 0);
    return Buffer.concat([size, h, b]);
  }

  private metadata(req: MetadataRequest): MetadataResponse {
    const names = req.topics === null ? [...this.topics.keys()] : req.topics.map((t) => t.name ?? '');
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: this.port, rack: null }],
      clusterId: 'nagare-records-test',
      controllerId: 1,
      topics: names.map((name) => {
        this.topic(name);
        return {
          errorCode: ErrorCode.NONE,
          name,
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          isInternal: false,
          partitions: [
            {
              errorCode: ErrorCode.NONE,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: -1,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        };
      }),
      clusterAuthorizedOperations: -2147483648,
      errorCode: ErrorCode.NONE,
    };
  }

  private produce(req: ProduceRequest, apiVersion: number): ProduceResponse {
    return {
      throttleTimeMs: 0,
      nodeEndpoints: [],
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const records = p.records ?? Buffer.alloc(0);
          this.produced.push({ topic: t.name, partition: p.index, apiVersion, records: Buffer.from(records) });
          let errorCode: number = ErrorCode.NONE;
          let errorMessage: string | null = null;
          let baseOffset = -1;
          const check = validateBatches(records, { strict: true });
          if (p.index !== 0) {
            errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          } else if (!check.ok) {
            errorCode = check.error.code;
            errorMessage = check.error.message;
            this.errors.push(`produce rejected: ${check.error.message}`);
          } else {
            const log = this.topic(t.name);
            baseOffset = log.nextOffset;
            const copy = Buffer.from(records);
            log.nextOffset = assignOffsets(copy, log.nextOffset);
            for (const b of iterateBatches(copy)) log.batches.push(Buffer.from(b.bytes));
          }
          return {
            index: p.index,
            errorCode,
            baseOffset: BigInt(baseOffset),
            logAppendTimeMs: -1n,
            logStartOffset: 0n,
            recordErrors: [],
            errorMessage,
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
          };
        }),
      })),
    };
  }

  private listOffsets(req: ListOffsetsRequest): ListOffsetsResponse {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const hw = this.topic(t.name).nextOffset;
          // -2 earliest, -1 latest; any real timestamp answers the end too (enough here).
          const offset = p.timestamp === -2n ? 0 : hw;
          return {
            partitionIndex: p.partitionIndex,
            errorCode: p.partitionIndex === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            timestamp: -1n,
            offset: BigInt(offset),
            leaderEpoch: -1,
          };
        }),
      })),
    };
  }

  private async fetch(req: FetchRequest): Promise<FetchResponse> {
    const build = (): { response: FetchResponse; bytes: number } => {
      let bytes = 0;
      const responses = req.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          const log = this.topic(t.topic);
          const from = Number(p.fetchOffset);
          const parts: Buffer[] = [];
          let size = 0;
          let errorCode: number = ErrorCode.NONE;
          if (p.partition !== 0) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (from < 0 || from > log.nextOffset) errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          else {
            for (const b of log.batches) {
              const it = iterateBatches(b, { verifyCrc: false }).next();
              if (it.done) continue;
              if (it.value.nextOffset <= from) continue;
              if (parts.length > 0 && size + b.length > p.partitionMaxBytes) break;
              parts.push(b);
              size += b.length;
            }
          }
          bytes += size;
          return {
            partitionIndex: p.partition,
            errorCode,
            highWatermark: BigInt(log.nextOffset),
            lastStableOffset: BigInt(log.nextOffset),
            logStartOffset: 0n,
            divergingEpoch: { epoch: -1, endOffset: -1n },
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
            snapshotId: { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: parts.length === 0 ? Buffer.alloc(0) : Buffer.concat(parts),
          };
        }),
      }));
      return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] }, bytes };
    };
    const first = build();
    if (first.bytes > 0 || this.closed) return first.response;
    const delay = Math.min(req.maxWaitMs, this.options.emptyFetchDelayMs ?? 50);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, delay);
      this.timers.add(t);
    });
    return build().response;
  }
}
