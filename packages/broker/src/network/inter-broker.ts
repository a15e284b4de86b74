/**
 * Requests one broker sends another (WriteTxnMarkers from the transaction
 * coordinator to partition leaders, AddPartitionsToTxn from partition
 * leaders to the transaction coordinator, KIP-890). A request for this
 * broker itself runs its own handler in-process, with the same body a remote
 * broker would decode; any other broker is reached over its endpoint for
 * inter.broker.listener.name (the first broker listener by default) from the
 * metadata image, one pipelined connection per broker. So the callers work
 * unchanged when a partition's leader or a transaction's coordinator is
 * another broker.
 */
import * as net from 'node:net';
import type { Logger } from '@nagare/common';
import { NagareError } from '@nagare/common';
import { decodeResponseFrame, encodeRequestFrame, type RequestByKey, type ResponseByKey } from '@nagare/protocol';
import type { ApiHandler, RequestContext } from '../handlers/types';
import type { BrokerServices } from '../services';
import { FrameReader } from './frame-reader';
import type { ConnectionInfo } from './socket-server';

const CLIENT_ID = 'nagare-inter-broker';

interface Pending {
  apiKey: number;
  version: number;
  resolve(frame: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

class BrokerConnection {
  private correlation = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new FrameReader(1 << 30);
  private readonly ready: Promise<void>;
  closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly socket: net.Socket = net.connect(port, host),
  ) {
    socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    this.ready.catch(() => undefined);
    socket.on('data', (d) => {
      for (const ev of this.reader.push(d)) {
        if (ev.kind !== 'frame') {
          this.fail(new Error(ev.reason));
          return;
        }
        const id = ev.frame.readInt32BE(0);
        const p = this.pending.get(id);
        if (!p) continue;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.resolve(ev.frame);
      }
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error(`connection to ${host}:${port} closed`)));
  }

  private fail(e: Error): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
    this.socket.destroy();
  }

  async send<K extends keyof RequestByKey & keyof ResponseByKey>(apiKey: K, version: number, body: RequestByKey[K], timeoutMs: number): Promise<ResponseByKey[K]> {
    await this.ready;
    if (this.closed) throw new NagareError('CONNECTION_FAILED', `connection to ${this.host}:${this.port} is closed`);
    const id = ++this.correlation;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NagareError('REQUEST_TIMED_OUT', `request ${apiKey} v${version} to ${this.host}:${this.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { apiKey, version, resolve, reject, timer });
      for (const c of encodeRequestFrame(apiKey, version, id, CLIENT_ID, body)) this.socket.write(c);
    });
    return decodeResponseFrame(apiKey, version, frame).body;
  }

  close(): void {
    this.fail(new Error('closed'));
  }
}

/** The connection a request for this broker pretends to come in on. */
const LOCAL_CONNECTION: ConnectionInfo = { id: 'inter-broker-local', listener: '', remoteAddress: '127.0.0.1', remotePort: 0, clientId: CLIENT_ID };

export class InterBrokerSender {
  private readonly connections = new Map<string, BrokerConnection>();
  /** Set by tests: send requests for this broker over the network too. */
  forceNetwork = false;
  /** Requests answered in-process / over the network (tests, benchmarks). */
  readonly sent = { local: 0, remote: 0 };

  constructor(
    private readonly services: BrokerServices,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The endpoint other brokers reach `nodeId` on, from the metadata image. */
  private endpointOf(nodeId: number): { host: string; port: number } | undefined {
    const broker = this.services.metadata().brokers.get(nodeId);
    if (!broker || broker.fenced) return undefined;
    const name = this.services.config.get('inter.broker.listener.name');
    const ep = (name ? broker.endpoints.find((e) => e.name === name) : undefined) ?? broker.endpoints.find((e) => !this.services.config.controllerListenerNames.includes(e.name)) ?? broker.endpoints[0];
    return ep ? { host: ep.host, port: ep.port } : undefined;
  }

  private localConnection: ConnectionInfo | null = null;

  /**
   * `channel` names a connection of its own (the replica fetchers use one each, so their long polls
   * never hold up other requests to the same broker); `timeoutMs` overrides request.timeout.ms.
   */
  async send<K extends keyof RequestByKey & keyof ResponseByKey>(
    nodeId: number,
    apiKey: K,
    version: number,
    body: RequestByKey[K],
    options: { channel?: string; timeoutMs?: number } = {},
  ): Promise<ResponseByKey[K]> {
    if (nodeId === this.services.nodeId && !this.forceNetwork) {
      const handler = this.services.handlers.get(apiKey) as ApiHandler<K> | undefined;
      if (!handler) throw new NagareError('UNSUPPORTED_API', `this broker does not serve API ${apiKey}`);
      this.sent.local++;
      this.localConnection ??= { ...LOCAL_CONNECTION, listener: this.services.config.brokerListeners[0]?.listener ?? 'PLAINTEXT' };
      const ctx: RequestContext = {
        conn: this.localConnection,
        header: { requestApiKey: apiKey, requestApiVersion: version, correlationId: 0, clientId: CLIENT_ID },
        apiVersion: version,
        services: this.services,
      };
      const res = await handler.handle(ctx, body);
      if (res === null) throw new NagareError('UNSUPPORTED_API', `API ${apiKey} sent no response`);
      return res as ResponseByKey[K];
    }
    const ep = this.endpointOf(nodeId);
    if (!ep) throw new NagareError('CONNECTION_FAILED', `broker ${nodeId} is not registered or is fenced`);
    const connKey = options.channel === undefined ? String(nodeId) : `${nodeId}/${options.channel}`;
    let conn = this.connections.get(connKey);
    if (!conn || conn.closed || conn.host !== ep.host || conn.port !== ep.port) {
      conn?.close();
      conn = new BrokerConnection(ep.host, ep.port);
      this.connections.set(connKey, conn);
    }
    this.sent.remote++;
    try {
      return await conn.send(apiKey, version, body, options.timeoutMs ?? this.requestTimeoutMs);
    } catch (e) {
      if (options.channel === undefined) this.logger.info({ nodeId, apiKey, err: (e as Error).message }, 'inter-broker request failed');
      throw e;
    }
  }

  close(): void {
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}
