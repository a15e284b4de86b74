/**
 * The network layer: TCP listeners, one Connection per client socket.
 *
 * A connection reads frames as they arrive and hands each to the request
 * handler at once (clients pipeline requests), but answers strictly in request
 * order: every request takes a slot in a queue and a response is written only
 * when all earlier slots are done. A request that expects no answer (Produce
 * with acks=0) still holds its slot, so order is kept.
 *
 * Backpressure: when the socket's send buffer is full, or too many requests
 * are in flight, the connection stops reading until it drains. Oversized or
 * negative frame sizes close the connection (Kafka's InvalidReceiveException),
 * as do requests the handler cannot parse; each is logged once with the
 * client's address. Idle connections close after `connections.max.idle.ms`.
 */
import * as net from 'node:net';
import { NagareError, type Logger } from '@nagare/common';
import { FrameReader } from './frame-reader';

export interface ListenerSpec {
  /** Listener name, e.g. PLAINTEXT or CONTROLLER. */
  name: string;
  host: string;
  port: number;
}

export interface BoundListener extends ListenerSpec {
  /** The port actually bound (differs from `port` when it was 0). */
  boundPort: number;
}

export interface ConnectionInfo {
  readonly id: string;
  readonly listener: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Set from the first request header that carries one. */
  clientId: string | null;
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
}

/** What handling a frame produced. */
export type HandleResult =
  | { kind: 'response'; chunks: Buffer[] }
  | { kind: 'none' }
  | { kind: 'close'; reason: string };

export interface FrameHandler {
  handleFrame(conn: ConnectionInfo, frame: Buffer): HandleResult | Promise<HandleResult>;
}

export interface SocketServerOptions {
  listeners: ListenerSpec[];
  handler: FrameHandler;
  logger: Logger;
  /** socket.request.max.bytes */
  maxRequestSize: number;
  /** connections.max.idle.ms */
  idleTimeoutMs: number;
  /** In-flight requests per connection before reading pauses. */
  maxInFlightPerConnection?: number;
}

interface Slot {
  done: boolean;
  result?: HandleResult;
}

let connectionCounter = 0;

class Connection {
  readonly info: ConnectionInfo;
  private readonly reader: FrameReader;
  private readonly slots: Slot[] = [];
  private inFlight = 0;
  private writeBlocked = false;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    listener: string,
    private readonly server: SocketServer,
    private readonly opts: SocketServerOptions,
  ) {
    this.info = {
      id: `${listener}-${++connectionCounter}`,
      listener,
      remoteAddress: socket.remoteAddress ?? '?',
      remotePort: socket.remotePort ?? 0,
      clientId: null,
    };
    this.reader = new FrameReader(opts.maxRequestSize);
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on('data', (d) => this.onData(d));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.updateReading();
    });
    socket.on('timeout', () => {
      if (this.inFlight === 0) this.close('idle for connections.max.idle.ms', 'debug');
    });
    socket.on('error', (e) => this.close(`socket error: ${e.message}`, 'debug'));
    socket.on('close', () => this.close('closed by peer', 'debug'));
  }

  private describe(): string {
    return `${this.info.remoteAddress}:${this.info.remotePort}`;
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    for (const ev of this.reader.push(data)) {
      if (ev.kind === 'invalid') {
        this.close(ev.reason, 'warn');
        return;
      }
      this.dispatch(ev.frame);
      if (this.closed) return;
    }
    this.updateReading();
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = { done: false };
    this.slots.push(slot);
    this.inFlight++;
    let result: HandleResult | Promise<HandleResult>;
    try {
      result = this.opts.handler.handleFrame(this.info, frame);
    } catch (e) {
      result = { kind: 'close', reason: `request handling failed: ${(e as Error).stack ?? e}` };
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.complete(slot, r),
        (e) => this.complete(slot, { kind: 'close', reason: `request handling failed: ${(e as Error)?.stack ?? e}` }),
      );
    } else {
      this.complete(slot, result);
    }
  }

  private complete(slot: Slot, result: HandleResult): void {
    slot.done = true;
    slot.result = result;
    this.inFlight--;
    this.flushSlots();
  }

  private flushSlots(): void {
    while (!this.closed && this.slots.length > 0 && this.slots[0].done) {
      const { result } = this.slots.shift()!;
      if (!result || result.kind === 'none') continue;
      if (result.kind === 'close') {
        this.close(result.reason, 'warn');
        return;
      }
      const chunks = result.chunks;
      let ok = true;
      if (chunks.length === 1) {
        ok = this.socket.write(chunks[0]);
      } else {
        this.socket.cork();
        for (const c of chunks) ok = this.socket.write(c) && ok;
        this.socket.uncork();
      }
      if (!ok) this.writeBlocked = true;
    }
    this.updateReading();
  }

  private updateReading(): void {
    if (this.closed) return;
    const max = this.opts.maxInFlightPerConnection ?? 100;
    const shouldPause = this.writeBlocked || this.slots.length >= max;
    if (shouldPause && !this.socket.isPaused()) this.socket.pause();
    else if (!shouldPause && this.socket.isPaused()) this.socket.resume();
  }

  close(reason: string, level: 'debug' | 'warn' = 'debug'): void {
    if (this.closed) return;
    this.closed = true;
    if (level === 'warn') {
      this.opts.logger.warn({ client: this.describe(), clientId: this.info.clientId, listener: this.info.listener }, `closing connection: ${reason}`);
    } else {
      this.opts.logger.debug({ client: this.describe(), clientId: this.info.clientId }, `connection closed: ${reason}`);
    }
    this.socket.destroy();
    this.server.forget(this);
  }
}

export class SocketServer {
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private bound: BoundListener[] = [];

  constructor(private readonly opts: SocketServerOptions) {}

  async start(): Promise<BoundListener[]> {
    for (const l of this.opts.listeners) {
      const server = net.createServer((socket) => {
        this.connections.add(new Connection(socket, l.name, this, this.opts));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) => {
          const where = `${l.host || '0.0.0.0'}:${l.port}`;
          const why =
            e.code === 'EADDRINUSE'
              ? `address already in use (another server running? change 'listeners')`
              : e.code === 'EACCES'
                ? 'permission denied (ports below 1024 need privileges)'
                : e.code === 'EADDRNOTAVAIL'
                  ? `no such local address (check the host in 'listeners')`
                  : e.message;
          reject(new NagareError('INVALID_CONFIG', `listener ${l.name} cannot bind ${where}: ${why}`, { cause: e }));
        });
        server.listen({ host: l.host === '' ? undefined : l.host, port: l.port, backlog: 511 }, () => {
          server.removeAllListeners('error');
          server.on('error', (e) => this.opts.logger.error({ listener: l.name, err: e.message }, 'listener error'));
          resolve();
        });
      });
      const addr = server.address() as net.AddressInfo;
      this.bound.push({ ...l, boundPort: addr.port });
      this.servers.push(server);
    }
    return this.bound;
  }

  listeners(): BoundListener[] {
    return this.bound;
  }

  connectionCount(): number {
    return this.connections.size;
  }

  forget(c: Connection): void {
    this.connections.delete(c);
  }

  async stop(): Promise<void> {
    for (const c of [...this.connections]) c.close('server shutting down');
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }
}
