import * as net from 'node:net';
import { TcpProxy } from './tcp-proxy';

/** An echo server; resolves with its port. */
async function echoServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(d));
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Connects, sends `text`, resolves with what came back within `ms` (or the error). */
function roundTrip(port: number, text: string, ms = 1000): Promise<{ echoed: string; ms: number; closed: boolean }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let echoed = '';
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ echoed, ms: Date.now() - t0, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('data', (d) => {
      echoed += d.toString();
      if (echoed.length >= text.length) done(false);
    });
    s.on('error', () => done(true));
    s.on('close', () => done(true));
  });
}

describe('TcpProxy', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: TcpProxy;
  beforeEach(async () => {
    echo = await echoServer();
    proxy = new TcpProxy('127.0.0.1', echo.port);
    await proxy.start();
  });
  afterEach(async () => {
    await proxy.close();
    await echo.close();
  });

  it('forwards both ways', async () => {
    expect((await roundTrip(proxy.port, 'hello')).echoed).toBe('hello');
  });

  it('cut drops open connections and refuses new ones; heal restores the link', async () => {
    const open = net.connect(proxy.port, '127.0.0.1');
    await new Promise((r) => open.once('connect', r));
    await new Promise((r) => setTimeout(r, 50));
    const closed = new Promise((r) => open.once('close', r));
    open.on('error', () => undefined);
    proxy.cut();
    await closed;
    const during = await roundTrip(proxy.port, 'lost');
    expect(during).toMatchObject({ echoed: '', closed: true });
    proxy.heal();
    expect((await roundTrip(proxy.port, 'back')).echoed).toBe('back');
  });

  it('delay holds each chunk in each direction, in order', async () => {
    proxy.delay(150);
    const slow = await roundTrip(proxy.port, 'slow', 3000);
    expect(slow.echoed).toBe('slow');
    expect(slow.ms).toBeGreaterThanOrEqual(280);
    // Chunks sent while held are not overtaken when the delay is lifted.
    const s = net.connect(proxy.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.write('a');
    await new Promise((r) => setTimeout(r, 20));
    proxy.heal();
    s.write('b');
    for (const end = Date.now() + 10_000; got.length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    expect(got).toBe('ab');
  });
});
