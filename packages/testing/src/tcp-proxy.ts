/**
 * A TCP proxy for one network link between two nodes (a test's way to cut or slow that link):
 * connections to the proxy's port are forwarded to the target; `cut()` drops every connection and
 * refuses new ones (a partition), `delay(ms)` holds each chunk that long in both directions (a slow
 * link), `heal()` undoes both.
 */
import * as net from 'node:net';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private isCut = false;
  private delayMs = 0;
  port = 0;
  /** Connections accepted and forwarded so far (refused ones while cut are not counted). */
  forwarded = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** Listens on 127.0.0.1 (`port` 0: a free one). */
  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      if (this.isCut) return void client.destroy();
      this.forwarded++;
      const upstream = net.connect(this.targetPort, this.targetHost);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      const pipe = (from: net.Socket, to: net.Socket) => {
        // One FIFO per direction drained by one timer: chunks keep their order even when the
        // delay changes while some are held or timers fire late (one timer per chunk did not:
        // timers of different durations due in the same millisecond may fire in either order).
        const held: { due: number; data: Buffer }[] = [];
        let timer: NodeJS.Timeout | undefined;
        const drain = () => {
          timer = undefined;
          const now = Date.now();
          while (held.length > 0 && held[0].due <= now) {
            const { data } = held.shift()!;
            if (!to.destroyed && !this.isCut) to.write(data);
          }
          if (held.length > 0) timer = setTimeout(drain, held[0].due - now);
        };
        from.on('data', (d: Buffer) => {
          if (this.isCut) return;
          if (this.delayMs <= 0 && held.length === 0) return void to.write(d);
          const last = held.length > 0 ? held[held.length - 1].due : 0;
          held.push({ due: Math.max(Date.now() + this.delayMs, last), data: d });
          if (timer === undefined) timer = setTimeout(drain, Math.max(0, held[0].due - Date.now()));
        });
        from.on('close', () => timer !== undefined && clearTimeout(timer));
      };
      pipe(client, upstream);
      pipe(upstream, client);
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const s of pair) {
        s.on('close', close);
        s.on('error', close);
      }
    });
    await new Promise<void>((res, rej) => {
      this.server!.once('error', rej);
      this.server!.listen(port, '127.0.0.1', () => res());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** A partition: existing connections drop, new ones are refused. */
  cut(): void {
    this.isCut = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  /** Whether the link is cut. */
  get isCutNow(): boolean {
    return this.isCut;
  }

  /** A slow link: every chunk waits `ms` in each direction. */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  heal(): void {
    this.isCut = false;
    this.delayMs = 0;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
  }
}
