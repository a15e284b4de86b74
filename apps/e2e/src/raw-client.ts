/**
 * A bare Kafka connection over node:net for the bad-input suite and for
 * checks no third-party client exposes: send arbitrary bytes, or well-formed
 * requests built with @nagare/protocol, and read response frames.
 */
import * as net from 'node:net';
import { RequestByKey, ResponseByKey, apiByKey, decodeResponseFrame, encodeRequestFrame } from '@nagare/protocol';

export class RawConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiters: Array<() => void> = [];
  private correlationId = 0;
  /** Resolves when the server closed (or reset) the connection. */
  readonly closed: Promise<void>;
  isClosed = false;
  /** The local port: how the server's log names this client. */
  localPort = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.wake();
    });
    this.closed = new Promise<void>((res) => {
      const done = () => {
        this.isClosed = true;
        this.wake();
        res();
      };
      socket.once('close', done);
      socket.once('end', done);
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((res, rej) => {
      const s = net.connect({ port, host }, () => {
        const c = new RawConnection(s);
        c.localPort = s.localPort ?? 0;
        res(c);
      });
      s.once('error', rej);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: Buffer | Buffer[]): void {
    for (const b of Array.isArray(data) ? data : [data]) this.socket.write(b);
  }

  /** Encodes a request (header version from the API and version) and sends it; returns its correlation id. */
  send<K extends keyof RequestByKey>(apiKey: K, version: number, body: RequestByKey[K], clientId: string | null = 'e2e-raw'): number {
    const id = ++this.correlationId;
    this.write(encodeRequestFrame(apiKey, version, id, clientId, body));
    return id;
  }

  /** The next response frame (without its size prefix); rejects when the connection closes first or after timeoutMs. */
  async readFrame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered >= 4) {
        const all = Buffer.concat(this.chunks);
        const size = all.readInt32BE(0);
        if (all.length >= 4 + size) {
          const frame = all.subarray(4, 4 + size);
          const rest = all.subarray(4 + size);
          this.chunks = rest.length > 0 ? [rest] : [];
          this.buffered = rest.length;
          return frame;
        }
      }
      if (this.isClosed) throw new Error('connection closed by the server before a response arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Sends a request and decodes its response. */
  async request<K extends keyof RequestByKey & keyof ResponseByKey>(apiKey: K, version: number, body: RequestByKey[K], timeoutMs = 5000): Promise<ResponseByKey[K]> {
    const id = this.send(apiKey, version, body);
    const frame = await this.readFrame(timeoutMs);
    const decoded = decodeResponseFrame(apiKey, version, frame);
    if (decoded.correlationId !== id) throw new Error(`correlation id ${decoded.correlationId}, expected ${id}`);
    return decoded.body;
  }

  /** Whether the server closes the connection within timeoutMs. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.closed.then(() => true), new Promise<boolean>((res) => (t = setTimeout(() => res(false), timeoutMs)))]);
    clearTimeout(t);
    return r;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A request body with the codec's defaults, overridden by `fields`. */
export function body<K extends keyof RequestByKey>(apiKey: K, fields: Partial<RequestByKey[K]>): RequestByKey[K] {
  return { ...(apiByKey(apiKey)!.request.defaults() as RequestByKey[K]), ...fields };
}
