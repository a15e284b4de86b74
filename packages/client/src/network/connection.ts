/**
 * One TCP connection to one broker: Kafka framing, request pipelining with
 * correlation ids, an in-flight limit, request timeouts, reconnect backoff
 * and API version negotiation (ApiVersions, with the KIP-511 fallback).
 *
 * Requests are answered in the order they were sent (Kafka's guarantee per
 * connection); a response whose correlation id is not the oldest in flight
 * is a protocol violation and closes the connection. A request that times
 * out closes the connection too, as the Java client does: every other
 * request in flight then fails with CONNECTION_FAILED and callers retry.
 */
import * as net from 'node:net';
import { Clock, Logger, NagareError, ScheduledTask, Scheduler } from '@nagare/common';
import {
  ApiKey,
  ApiVersionsResponse,
  ApiVersionsResponseCodec,
  ErrorCode,
  KafkaProtocolError,
  Reader,
  RequestByKey,
  ResponseByKey,
  apiByKey,
  decodeResponseFrame,
  encodeRequestFrame,
} from '@nagare/protocol';
import { ExponentialBackoff } from './backoff';

export const CLIENT_SOFTWARE_NAME = 'nagare-client';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

/** Largest response frame accepted (a fetch response is bounded by fetch.max.bytes plus overhead). */
const MAX_RESPONSE_FRAME = 1024 * 1024 * 1024;

export interface ConnectionConfig {
  clientId: string;
  requestTimeoutMs: number;
  /** `socket.connection.setup.timeout.ms` (Java default 10000). */
  connectionSetupTimeoutMs: number;
  maxInFlight: number;
  reconnectBackoff: ExponentialBackoff;
  /** Caps on the versions used per API key (e.g. to work around a broker that mis-implements one). */
  maxApiVersions?: Readonly<Record<number, number>>;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
}

export interface RequestOptions {
  /** Lowest acceptable version (default: the lowest our codecs and the broker share). */
  minVersion?: number;
  /** Highest acceptable version (default: the highest our codecs and the broker share). */
  maxVersion?: number;
  /** Overrides request.timeout.ms for this request (JoinGroup waits for the rebalance). */
  timeoutMs?: number;
  /** False for acks=0 produce requests: resolved once written, with an undefined body. */
  expectResponse?: boolean;
  /** Drop values in fields the negotiated version lacks instead of failing (for requests built once for every version). */
  lenient?: boolean;
}

export interface VersionRange {
  min: number;
  max: number;
}

type AnyKey = keyof RequestByKey & keyof ResponseByKey;

interface Pending {
  correlationId: number;
  apiKey: number;
  version: number;
  frame: Buffer[];
  expectResponse: boolean;
  timeoutMs: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ScheduledTask | null;
  /** Set for the internal ApiVersions exchange: bypasses the ready check. */
  handshake?: boolean;
}

type State = 'disconnected' | 'connecting' | 'ready' | 'closed';

export class BrokerConnection {
  private socket: net.Socket | null = null;
  private state: State = 'disconnected';
  private connecting: Promise<void> | null = null;
  private versions = new Map<number, VersionRange>();
  private features = new Map<string, number>();
  private nextCorrelationId = 1;
  private readonly inFlight = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];
  private failures = 0;
  private nextAttemptAt = 0;
  private corked = false;
  private readonly disconnectListeners: Array<(err: Error) => void> = [];
  // Frame reassembly.
  private head: Buffer | null = null; // partial size prefix
  private frame: Buffer | null = null;
  private framePos = 0;

  constructor(
    readonly nodeId: number,
    readonly host: string,
    readonly port: number,
    private readonly config: ConnectionConfig,
  ) {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Requests written and not yet answered (plus those queued behind the in-flight limit). */
  get inFlightCount(): number {
    return this.inFlight.size + this.waiting.length;
  }

  /** The broker's version range per API key, after connecting. */
  get apiVersions(): ReadonlyMap<number, VersionRange> {
    return this.versions;
  }

  /** The broker's finalized feature levels (KIP-584: ApiVersions v3+), after connecting. */
  get finalizedFeatures(): ReadonlyMap<string, number> {
    return this.features;
  }

  onDisconnect(listener: (err: Error) => void): void {
    this.disconnectListeners.push(listener);
  }

  /**
   * The version to use for `apiKey`: the highest that our codecs, the broker
   * and the configured cap all allow, within [minVersion, maxVersion]; -1
   * when there is none. Requires a negotiated connection.
   */
  versionFor(apiKey: number, minVersion?: number, maxVersion?: number): number {
    const ours = apiByKey(apiKey);
    const theirs = this.versions.get(apiKey);
    if (!ours || !theirs) return -1;
    let hi = Math.min(ours.highestVersion, theirs.max);
    const cap = this.config.maxApiVersions?.[apiKey];
    if (cap !== undefined) hi = Math.min(hi, cap);
    if (maxVersion !== undefined) hi = Math.min(hi, maxVersion);
    let lo = Math.max(ours.lowestVersion, theirs.min);
    if (minVersion !== undefined) lo = Math.max(lo, minVersion);
    return hi >= lo ? hi : -1;
  }

  /** Connects (waiting out the reconnect backoff first) and negotiates versions. */
  connect(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new NagareError('CLIENT_CLOSED', `connection to ${this.address} is closed`));
    if (this.state === 'ready') return Promise.resolve();
    if (this.connecting) return this.connecting;
    const p = this.doConnect();
    this.connecting = p;
    p.then(
      () => (this.connecting = null),
      () => (this.connecting = null),
    );
    return p;
  }

  private async doConnect(): Promise<void> {
    const wait = this.nextAttemptAt - this.config.clock.monotonicMs();
    if (wait > 0) await new Promise<void>((res) => this.config.scheduler.schedule(wait, res));
    if (this.state === 'closed') throw new NagareError('CLIENT_CLOSED', `connection to ${this.address} is closed`);
    this.state = 'connecting';
    try {
      await this.openSocket();
      await this.negotiateVersions();
    } catch (e) {
      this.failures++;
      this.nextAttemptAt = this.config.clock.monotonicMs() + this.config.reconnectBackoff.backoff(this.failures - 1);
      const err =
        e instanceof NagareError || e instanceof KafkaProtocolError
          ? e
          : new NagareError('CONNECTION_FAILED', `connection to ${this.address} (node ${this.nodeId}) failed: ${(e as Error).message}`, { cause: e });
      this.teardown(err);
      throw err;
    }
    this.failures = 0;
    this.state = 'ready';
    this.config.logger.debug({ node: this.nodeId, address: this.address }, 'connected');
    this.pump();
  }

  private openSocket(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      this.socket = socket;
      socket.setNoDelay(true);
      let settled = false;
      const timer = this.config.scheduler.schedule(this.config.connectionSetupTimeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new NagareError('CONNECTION_FAILED', `connection to ${this.address} timed out after ${this.config.connectionSetupTimeoutMs} ms`));
        socket.destroy();
      });
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => {
        if (!settled) {
          settled = true;
          timer.cancel();
          reject(err);
        }
        this.config.logger.debug({ node: this.nodeId, err: err.message }, 'socket error');
      });
      socket.on('close', () => {
        if (this.socket !== socket) return;
        if (!settled) {
          settled = true;
          timer.cancel();
          reject(new Error('connection closed'));
        }
        this.handleDisconnect(new NagareError('CONNECTION_FAILED', `connection to ${this.address} (node ${this.nodeId}) was closed`));
      });
    });
  }

  /**
   * ApiVersions at the highest version we know; a broker that does not know
   * that version answers with error UNSUPPORTED_VERSION in a v0 body, listing
   * its own ApiVersions range (KIP-511), and we retry at that version (or v0).
   */
  private async negotiateVersions(): Promise<void> {
    const ours = apiByKey(ApiKey.ApiVersions)!;
    let version = Math.min(ours.highestVersion, this.config.maxApiVersions?.[ApiKey.ApiVersions] ?? ours.highestVersion);
    for (let attempt = 0; attempt < 3; attempt++) {
      const frame = await this.sendRaw(ApiKey.ApiVersions, version, {
        clientSoftwareName: CLIENT_SOFTWARE_NAME,
        clientSoftwareVersion: CLIENT_SOFTWARE_VERSION,
      });
      const body = decodeApiVersionsResponse(frame, version);
      if (body.errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
        const theirs = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        const next = theirs ? Math.min(theirs.maxVersion, version - 1) : 0;
        this.config.logger.debug({ node: this.nodeId, version, next }, 'ApiVersions version not supported, retrying');
        version = Math.max(0, next);
        continue;
      }
      if (body.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(body.errorCode, `ApiVersions from ${this.address}`);
      this.versions = new Map(body.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      this.features = new Map((version >= 3 ? body.finalizedFeatures : []).map((f) => [f.name, f.maxVersionLevel]));
      return;
    }
    throw new NagareError('CONNECTION_FAILED', `could not agree on an ApiVersions version with ${this.address}`);
  }

  /** Sends during the handshake; resolves with the raw response frame (after the size prefix). */
  private sendRaw(apiKey: number, version: number, body: unknown): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const correlationId = this.nextId();
      const pending: Pending = {
        correlationId,
        apiKey,
        version,
        frame: encodeRequestFrame(apiKey as AnyKey, version, correlationId, this.config.clientId, body as never),
        expectResponse: true,
        timeoutMs: this.config.requestTimeoutMs,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: null,
        handshake: true,
      };
      this.write(pending);
    });
  }

  private nextId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id === 0x7fffffff ? 1 : id + 1;
    return id;
  }

  /**
   * Sends a request built for the negotiated version and resolves with the
   * decoded response body. Connects first if needed.
   */
  async request<K extends AnyKey>(apiKey: K, build: (version: number) => RequestByKey[K], options: RequestOptions = {}): Promise<ResponseByKey[K]> {
    if (this.state !== 'ready') await this.connect();
    const version = this.versionFor(apiKey, options.minVersion, options.maxVersion);
    if (version < 0) {
      const theirs = this.versions.get(apiKey);
      throw new KafkaProtocolError(
        ErrorCode.UNSUPPORTED_VERSION,
        `${apiByKey(apiKey)?.name ?? apiKey}: broker ${this.address} supports ${theirs ? `versions ${theirs.min}-${theirs.max}` : 'no version'}, ` +
          `the client needs ${options.minVersion ?? apiByKey(apiKey)?.lowestVersion}-${options.maxVersion ?? apiByKey(apiKey)?.highestVersion}`,
      );
    }
    return this.send(apiKey, version, build(version), options);
  }

  /** Sends a request at an explicit version (must be negotiated already). */
  send<K extends AnyKey>(apiKey: K, version: number, body: RequestByKey[K], options: RequestOptions = {}): Promise<ResponseByKey[K]> {
    if (this.state === 'closed') return Promise.reject(new NagareError('CLIENT_CLOSED', `connection to ${this.address} is closed`));
    return new Promise<ResponseByKey[K]>((resolve, reject) => {
      const correlationId = this.nextId();
      let frame: Buffer[];
      try {
        frame = encodeRequestFrame(apiKey, version, correlationId, this.config.clientId, body, { lenient: options.lenient === true });
      } catch (e) {
        reject(e as Error);
        return;
      }
      const pending: Pending = {
        correlationId,
        apiKey,
        version,
        frame,
        expectResponse: options.expectResponse !== false,
        timeoutMs: options.timeoutMs ?? this.config.requestTimeoutMs,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: null,
      };
      this.waiting.push(pending);
      if (this.state === 'ready') this.pump();
      else this.connect().catch((err: Error) => this.failWaiting(err));
    });
  }

  private failWaiting(err: Error): void {
    const w = this.waiting.splice(0);
    for (const p of w) p.reject(err);
  }

  private pump(): void {
    while (this.state === 'ready' && this.waiting.length > 0 && this.inFlight.size < this.config.maxInFlight) {
      this.write(this.waiting.shift()!);
    }
  }

  private write(p: Pending): void {
    const socket = this.socket;
    if (!socket) {
      p.reject(new NagareError('CONNECTION_FAILED', `not connected to ${this.address}`));
      return;
    }
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    for (const chunk of p.frame) socket.write(chunk);
    p.frame = [];
    if (!p.expectResponse) {
      p.resolve(undefined);
      return;
    }
    this.inFlight.set(p.correlationId, p);
    p.timer = this.config.scheduler.schedule(p.timeoutMs, () => this.onTimeout(p));
  }

  private onTimeout(p: Pending): void {
    if (!this.inFlight.has(p.correlationId)) return;
    this.inFlight.delete(p.correlationId);
    p.reject(
      new NagareError(
        'REQUEST_TIMED_OUT',
        `no answer from ${this.address} within ${p.timeoutMs} ms (${apiByKey(p.apiKey)?.name ?? p.apiKey} request to node ${this.nodeId}; request.timeout.ms)`,
      ),
    );
    this.config.logger.debug({ node: this.nodeId, apiKey: p.apiKey }, 'request timed out, disconnecting');
    this.disconnect(new NagareError('CONNECTION_FAILED', `disconnected from ${this.address} after a request timed out`));
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.frame === null) {
        // Reading the 4-byte size prefix, possibly split across chunks.
        let size: number;
        if (this.head === null && n - pos >= 4) {
          size = chunk.readInt32BE(pos);
          pos += 4;
        } else {
          const have = this.head ?? Buffer.alloc(0);
          const need = 4 - have.length;
          const take = Math.min(need, n - pos);
          const head = Buffer.concat([have, chunk.subarray(pos, pos + take)]);
          pos += take;
          if (head.length < 4) {
            this.head = head;
            return;
          }
          this.head = null;
          size = head.readInt32BE(0);
        }
        if (size < 0 || size > MAX_RESPONSE_FRAME) {
          this.disconnect(new NagareError('CONNECTION_FAILED', `invalid response frame size ${size} from ${this.address}`));
          return;
        }
        if (n - pos >= size) {
          // The whole frame is in this chunk: a view, no copy.
          const frame = chunk.subarray(pos, pos + size);
          pos += size;
          this.onFrame(frame);
          if (this.state === 'closed' || this.socket === null) return;
          continue;
        }
        this.frame = Buffer.allocUnsafe(size);
        this.framePos = 0;
      }
      const frame = this.frame;
      const take = Math.min(frame.length - this.framePos, n - pos);
      chunk.copy(frame, this.framePos, pos, pos + take);
      this.framePos += take;
      pos += take;
      if (this.framePos === frame.length) {
        this.frame = null;
        this.onFrame(frame);
        if (this.state === 'closed' || this.socket === null) return;
      }
    }
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) {
      this.disconnect(new NagareError('CONNECTION_FAILED', `short response frame from ${this.address}`));
      return;
    }
    const correlationId = frame.readInt32BE(0);
    const first = this.inFlight.values().next();
    const p = this.inFlight.get(correlationId);
    if (!p || first.value !== p) {
      this.disconnect(
        new NagareError('CONNECTION_FAILED', `response with unexpected correlation id ${correlationId} from ${this.address}`),
      );
      return;
    }
    this.inFlight.delete(correlationId);
    p.timer?.cancel();
    if (p.handshake) {
      p.resolve(frame);
    } else {
      try {
        p.resolve(decodeResponseFrame(p.apiKey as AnyKey, p.version, frame).body);
      } catch (e) {
        p.reject(e as Error);
      }
    }
    this.pump();
  }

  private handleDisconnect(err: Error): void {
    const wasReady = this.state === 'ready';
    this.teardown(err);
    if (wasReady) {
      this.nextAttemptAt = this.config.clock.monotonicMs() + this.config.reconnectBackoff.backoff(0);
    }
    for (const l of this.disconnectListeners) l(err);
  }

  private teardown(err: Error): void {
    const socket = this.socket;
    this.socket = null;
    this.head = null;
    this.frame = null;
    if (this.state !== 'closed') this.state = 'disconnected';
    if (socket) {
      socket.removeAllListeners('data');
      socket.destroy();
    }
    const inflight = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const p of inflight) {
      p.timer?.cancel();
      p.reject(err);
    }
    if (this.state === 'closed' || !this.connecting) this.failWaiting(err);
  }

  /** Drops the connection (it reconnects on the next request). */
  disconnect(err: Error = new NagareError('CONNECTION_FAILED', `disconnected from ${this.address}`)): void {
    if (this.socket === null && this.state !== 'ready') {
      this.failWaiting(err);
      return;
    }
    this.handleDisconnect(err);
  }

  /** Closes for good: every pending request fails with CLIENT_CLOSED. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.teardown(new NagareError('CLIENT_CLOSED', `connection to ${this.address} closed`));
  }
}

/**
 * Decodes an ApiVersions response frame. If the body does not parse at the
 * version we sent, it is the v0 body a broker sends for a version it does
 * not know (KIP-511).
 */
export function decodeApiVersionsResponse(frame: Buffer, version: number): ApiVersionsResponse {
  try {
    const body = decodeResponseFrame(ApiKey.ApiVersions, version, frame).body;
    if (body.errorCode !== ErrorCode.UNSUPPORTED_VERSION || version === 0) return body;
  } catch (e) {
    if (version === 0) throw e;
  }
  // Header v0 is the 4-byte correlation id; then the v0 body.
  const r = new Reader(frame, 4);
  const body = ApiVersionsResponseCodec.read(r, 0);
  if (r.failed) {
    return { ...ApiVersionsResponseCodec.defaults(), errorCode: ErrorCode.UNSUPPORTED_VERSION };
  }
  return body;
}
