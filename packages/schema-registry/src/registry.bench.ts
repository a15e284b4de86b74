/**
 * Schema Registry latency and throughput (run: `npm run bench -- registry.bench`).
 *
 * A nagare server and `schema-registry-start` (its own process, so the
 * registry has one core to itself) on loopback, both fresh on free ports:
 * - register latency: N new schemas, one at a time (each written to
 *   `_schemas` with acks=all and read back before the answer), p50/p99;
 * - lookup latency: POST /subjects/{s} of registered schemas, p99;
 * - GET /schemas/ids/{id} throughput: keep-alive connections with
 *   pipelined requests from a raw-socket client (so the client is not the
 *   limit), for a few seconds.
 * Two baselines without targets show the machine's floor: a plain acks=all
 * produce of the same size to the same broker (what a register waits for
 * at least), and `GET /` on the registry (HTTP round trip, no work).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer } from '@nagare/client';
import type { BenchContext, BenchResult } from '@nagare/common';
import { REPO_ROOT, freePort, singleNodeProps, spawnServer, splitLines, writeProperties } from '@nagare/testing';

const REGISTER_N = Number(process.env.SR_BENCH_REGISTER ?? 1000);
const LOOKUP_N = Number(process.env.SR_BENCH_LOOKUP ?? 5000);
const THROUGHPUT_MS = Number(process.env.SR_BENCH_SECONDS ?? 5) * 1000;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', rej);
    req.end(body);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function schema(i: number): string {
  return JSON.stringify({ schema: JSON.stringify({ type: 'record', name: `Bench${i}`, namespace: 'bench', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'v', type: ['null', 'double'], default: null }] }) });
}

/** Pipelined GETs over raw keep-alive sockets; returns completed requests. */
async function pipelined(port: number, paths: string[], connections: number, depth: number, durationMs: number): Promise<number> {
  let done = 0;
  let stop = false;
  const end = Date.now() + durationMs;
  const conns = Array.from({ length: connections }, (_, c) => {
    return new Promise<void>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      let buf: Buffer = Buffer.alloc(0);
      let outstanding = 0;
      let k = c;
      const send = (n: number) => {
        let out = '';
        for (let i = 0; i < n; i++) {
          out += `GET ${paths[k++ % paths.length]} HTTP/1.1\r\nHost: x\r\nAccept: application/vnd.schemaregistry.v1+json\r\n\r\n`;
          outstanding++;
        }
        sock.write(out);
      };
      sock.on('connect', () => send(depth));
      sock.on('data', (d: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        let completed = 0;
        for (;;) {
          const h = buf.indexOf('\r\n\r\n');
          if (h < 0) break;
          const head = buf.subarray(0, h).toString('latin1');
          if (!head.startsWith('HTTP/1.1 200')) {
            reject(new Error(`unexpected response: ${head.split('\r\n')[0]}`));
            return;
          }
          const m = /content-length: (\d+)/i.exec(head);
          const len = m ? Number(m[1]) : 0;
          if (buf.length < h + 4 + len) break;
          buf = buf.subarray(h + 4 + len);
          completed++;
        }
        outstanding -= completed;
        done += completed;
        if (Date.now() >= end) stop = true;
        if (!stop && completed > 0) send(completed);
        if (stop && outstanding === 0) {
          sock.end();
          resolve();
        }
      });
      sock.on('error', reject);
    });
  });
  await Promise.all(conns);
  return done;
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nagare-sr-bench-'));
  const kport = await freePort();
  writeProperties(join(dir, 'server.properties'), singleNodeProps(kport, dir));
  const server = await spawnServer({ dataDir: dir, port: kport });
  const port = await freePort();
  writeFileSync(join(dir, 'sr.properties'), `listeners=http://127.0.0.1:${port}\nkafkastore.bootstrap.servers=127.0.0.1:${kport}\nhost.name=127.0.0.1\nkafkastore.timeout.ms=10000\n`);
  const sr = spawn(process.execPath, [join(REPO_ROOT, 'apps/schema-registry/bin/schema-registry-start.js'), join(dir, 'sr.properties')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NAGARE_LOG_LEVEL: 'warn' } });
  const lines: string[] = [];
  splitLines(sr.stdout!, (l) => lines.push(l));
  splitLines(sr.stderr!, (l) => lines.push(l));
  try {
    // ready once a registration goes through (a leader was elected)
    const start = Date.now();
    let last = '';
    for (;;) {
      const r = await call(port, 'POST', '/subjects/warmup/versions', schema(999999)).catch((e: Error) => ({ status: 0, text: e.message }));
      last = r.text;
      if (r.status === 200) break;
      if (Date.now() - start > 60000) throw new Error(`the registry did not start (${last}): ${lines.join('\n')}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const reg: number[] = [];
    for (let i = 0; i < REGISTER_N; i++) {
      const t = process.hrtime.bigint();
      const r = await call(port, 'POST', `/subjects/bench-${i}/versions`, schema(i));
      reg.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 200) throw new Error(`register failed: ${r.text}`);
    }
    reg.sort((a, b) => a - b);
    ctx.log(`register (new schema, written to _schemas and read back): n=${REGISTER_N} p50=${pct(reg, 50).toFixed(2)} ms p99=${pct(reg, 99).toFixed(2)} ms`);
    const look: number[] = [];
    for (let i = 0; i < LOOKUP_N; i++) {
      const k = i % REGISTER_N;
      const t = process.hrtime.bigint();
      const r = await call(port, 'POST', `/subjects/bench-${k}`, schema(k));
      look.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 200) throw new Error(`lookup failed: ${r.text}`);
    }
    look.sort((a, b) => a - b);
    ctx.log(`lookup: n=${LOOKUP_N} p50=${pct(look, 50).toFixed(2)} ms p99=${pct(look, 99).toFixed(2)} ms`);
    const noop: number[] = [];
    for (let i = 0; i < LOOKUP_N; i++) {
      const t = process.hrtime.bigint();
      await call(port, 'GET', '/');
      noop.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    noop.sort((a, b) => a - b);
    ctx.log(`GET / (baseline): n=${LOOKUP_N} p50=${pct(noop, 50).toFixed(2)} ms p99=${pct(noop, 99).toFixed(2)} ms`);
    const admin = new Admin({ bootstrapServers: `127.0.0.1:${kport}` });
    await admin.createTopics([{ name: 'baseline', numPartitions: 1, replicationFactor: 1 }]);
    admin.close();
    // as the registry's store produces (kafka-log.ts)
    const producer = new Producer({ bootstrapServers: `127.0.0.1:${kport}`, acks: 'all', lingerMs: 0, enableIdempotence: false, retries: 0 });
    const prod: number[] = [];
    try {
      const value = schema(0);
      for (let i = 0; i < REGISTER_N; i++) {
        const t = process.hrtime.bigint();
        await producer.send({ topic: 'baseline', partition: 0, key: `{"keytype":"SCHEMA","subject":"bench-${i}","version":1,"magic":1}`, value });
        prod.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    } finally {
      await producer.close();
    }
    prod.sort((a, b) => a - b);
    ctx.log(`produce acks=all (baseline): n=${REGISTER_N} p50=${pct(prod, 50).toFixed(2)} ms p99=${pct(prod, 99).toFixed(2)} ms`);
    const paths = Array.from({ length: REGISTER_N }, (_, i) => `/schemas/ids/${i + 2}`);
    await pipelined(port, paths, 8, 16, 1000); // warm-up
    const t = process.hrtime.bigint();
    const done = await pipelined(port, paths, 8, 16, THROUGHPUT_MS);
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    ctx.log(`GET /schemas/ids/{id}: ${done} requests in ${secs.toFixed(2)} s (8 connections x 16 pipelined)`);
    return [
      { name: 'register p99 (new schema, acks=all write + read-back)', value: pct(reg, 99), unit: 'ms', target: 5, better: 'lower', note: `p50 ${pct(reg, 50).toFixed(2)} ms, n=${REGISTER_N}` },
      { name: 'lookup p99 (POST /subjects/{s})', value: pct(look, 99), unit: 'ms', target: 5, better: 'lower', note: `p50 ${pct(look, 50).toFixed(2)} ms, n=${LOOKUP_N}` },
      { name: 'baseline: produce p99, acks=all, same broker', value: pct(prod, 99), unit: 'ms', better: 'lower', note: `p50 ${pct(prod, 50).toFixed(2)} ms` },
      { name: 'baseline: GET / p99, same registry', value: pct(noop, 99), unit: 'ms', better: 'lower', note: `p50 ${pct(noop, 50).toFixed(2)} ms` },
      { name: 'GET /schemas/ids/{id} throughput (registry process, one core)', value: done / secs, unit: 'req/s', target: 20000, better: 'higher' },
    ];
  } finally {
    agent.destroy();
    sr.kill('SIGTERM');
    await new Promise((r) => sr.once('exit', r));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
