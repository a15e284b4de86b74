import * as net from 'node:net';
import { memoryLogger } from '@nagare/common';
import { FrameReader } from './frame-reader';
import { FrameHandler, HandleResult, SocketServer } from './socket-server';

function frame(payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}

describe('FrameReader', () => {
  it('returns frames within a chunk as views and joins frames split across chunks', () => {
    const r = new FrameReader(1024);
    const a = frame(Buffer.from('hello'));
    const b = frame(Buffer.from('world!'));
    const all = Buffer.concat([a, b]);
    const first = r.push(all.subarray(0, 7));
    expect(first).toEqual([]);
    const rest = r.push(all.subarray(7));
    expect(rest.map((e) => (e.kind === 'frame' ? e.frame.toString() : e.reason))).toEqual(['hello', 'world!']);
    // A frame inside one chunk is a view of it, not a copy.
    const chunk = Buffer.concat([frame(Buffer.from('xyz'))]);
    const [ev] = r.push(chunk);
    expect(ev.kind === 'frame' && ev.frame.buffer === chunk.buffer).toBe(true);
  });

  it('handles a size prefix split byte by byte', () => {
    const r = new FrameReader(1024);
    const f = frame(Buffer.from('abc'));
    const out = [];
    for (const byte of f) out.push(...r.push(Buffer.from([byte])));
    expect(out).toHaveLength(1);
    expect(out[0].kind === 'frame' && out[0].frame.toString()).toBe('abc');
  });

  it('rejects negative and oversized sizes', () => {
    expect(new FrameReader(10).push(Buffer.from('ffffffff', 'hex'))[0]).toMatchObject({ kind: 'invalid', size: -1 });
    expect(new FrameReader(10).push(Buffer.from('0000000b', 'hex'))[0]).toMatchObject({
      kind: 'invalid',
      reason: 'frame size 11 is larger than socket.request.max.bytes (10)',
    });
  });
});

/** A handler that echoes payloads, completing them after a delay named in the payload ("<ms>:<text>"). */
class EchoHandler implements FrameHandler {
  handleFrame(_conn: unknown, f: Buffer): HandleResult | Promise<HandleResult> {
    const text = f.toString();
    if (text === 'close') return { kind: 'close', reason: 'asked to close' };
    if (text === 'none') return { kind: 'none' };
    const [ms, body] = text.split(':');
    const result: HandleResult = { kind: 'response', chunks: [frame(Buffer.from(body))] };
    return Number(ms) === 0 ? result : new Promise((r) => setTimeout(() => r(result), Number(ms)));
  }
}

async function withServer(fn: (port: number, server: SocketServer, log: ReturnType<typeof memoryLogger>) => Promise<void>) {
  const log = memoryLogger();
  const server = new SocketServer({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }],
    handler: new EchoHandler(),
    logger: log,
    maxRequestSize: 1024,
    idleTimeoutMs: 60000,
  });
  const [l] = await server.start();
  try {
    await fn(l.boundPort, server, log);
  } finally {
    await server.stop();
  }
}

function readFrames(sock: net.Socket, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const r = new FrameReader(1 << 20);
    const got: string[] = [];
    sock.on('data', (d) => {
      for (const e of r.push(d)) if (e.kind === 'frame') got.push(e.frame.toString());
      if (got.length >= count) resolve(got);
    });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
  });
}

describe('SocketServer', () => {
  it('answers pipelined requests in request order even when they complete out of order', async () => {
    await withServer(async (port) => {
      const sock = net.connect(port, '127.0.0.1');
      const got = readFrames(sock, 4);
      sock.write(Buffer.concat(['50:a', '0:b', 'none', '20:c', '0:d'].map((s) => frame(Buffer.from(s)))));
      expect(await got).toEqual(['a', 'b', 'c', 'd']);
      sock.destroy();
    });
  });

  it('closes a connection that sends an oversized frame, logs it once, and keeps serving others', async () => {
    await withServer(async (port, server, log) => {
      const bad = net.connect(port, '127.0.0.1');
      const good = net.connect(port, '127.0.0.1');
      const badDone = readFrames(bad, 1);
      bad.write(Buffer.from('7fffffff', 'hex'));
      expect(await badDone).toEqual([]);
      const goodFrames = readFrames(good, 1);
      good.write(frame(Buffer.from('0:still here')));
      expect(await goodFrames).toEqual(['still here']);
      const warnings = log.entries.filter((e) => e.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toMatch(/larger than socket.request.max.bytes/);
      expect(warnings[0].fields.client).toMatch(/^127\.0\.0\.1:\d+$/);
      good.destroy();
      await new Promise((r) => setTimeout(r, 20));
      expect(server.connectionCount()).toBe(0);
    });
  });

  it('closes when the handler says so, after earlier responses were sent', async () => {
    await withServer(async (port) => {
      const sock = net.connect(port, '127.0.0.1');
      const got = readFrames(sock, 3);
      sock.write(Buffer.concat(['10:first', 'close', '0:never'].map((s) => frame(Buffer.from(s)))));
      expect(await got).toEqual(['first']);
    });
  });

  it('stops reading from a client that does not read its responses, and resumes when it does', async () => {
    await withServer(async (port) => {
      const sock = net.connect(port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.pause();
      const big = 'x'.repeat(900);
      // Many requests whose responses pile up unread.
      const n = 3000;
      for (let i = 0; i < n; i++) sock.write(frame(Buffer.from(`0:${big}`)));
      await new Promise((r) => setTimeout(r, 200));
      const got = readFrames(sock, n);
      sock.resume();
      expect((await got).length).toBe(n);
      sock.destroy();
    });
  });
});

describe('binding', () => {
  it('names the listener, the address and the fix when the port is taken', async () => {
    await withServer(async (port) => {
      const second = new SocketServer({
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port }],
        handler: new EchoHandler(),
        logger: memoryLogger(),
        maxRequestSize: 1024,
        idleTimeoutMs: 1000,
      });
      await expect(second.start()).rejects.toThrow(`listener PLAINTEXT cannot bind 127.0.0.1:${port}: address already in use (another server running? change 'listeners')`);
    });
  });
});
