/**
 * `schema-registry-start schema-registry.properties` as a process: starts
 * against the real server, refuses bad configurations with one line, and
 * two instances survive a SIGKILL of the leader (the other is elected after
 * the session timeout, writes continue through it, no id is reused).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServerProcess, freePort, singleNodeProps, spawnServer, splitLines, writeProperties } from '@nagare/testing';

jest.setTimeout(180000);

const BIN = resolve(__dirname, '../bin/schema-registry-start.js');
let server: ServerProcess;
let dir: string;
const procs: ChildProcess[] = [];

interface Registry {
  proc: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<number | null>;
}

function startRegistry(props: Record<string, string>): Registry {
  const file = join(dir, `sr-${procs.length}.properties`);
  writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const proc = spawn(process.execPath, [BIN, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  const lines: string[] = [];
  splitLines(proc.stdout!, (l) => lines.push(l));
  splitLines(proc.stderr!, (l) => lines.push(l));
  const exited = new Promise<number | null>((res) => proc.once('exit', (c, s) => res(c ?? (s ? -1 : null))));
  return { proc, url: props.listeners, lines, exited };
}

async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: () => string, timeoutMs = 60000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../dist/main.js'))) throw new Error('apps/schema-registry is not built: run `npx tsc -b tsconfig.build.json` at the repository root');
  dir = mkdtempSync(join(tmpdir(), 'nagare-sr-app-'));
  const port = await freePort();
  writeProperties(join(dir, 'server.properties'), { ...singleNodeProps(port, dir), 'group.min.session.timeout.ms': '1000' });
  server = await spawnServer({ dataDir: dir, port });
});

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('bad configurations: one line and exit status 1', async () => {
  const a = startRegistry({ listeners: 'http://127.0.0.1:0' });
  expect(await a.exited).toBe(1);
  expect(a.lines.join('\n')).toContain('schema-registry-start: invalid configuration: Must configure kafkastore.bootstrap.servers (e.g. PLAINTEXT://localhost:9092)');
  const b = startRegistry({ listeners: 'https://127.0.0.1:0', 'kafkastore.bootstrap.servers': server.bootstrap });
  expect(await b.exited).toBe(1);
  expect(b.lines.join('\n')).toContain("Listener 'https://127.0.0.1:0': only http listeners are supported");
  const c = startRegistry({ listeners: 'http://127.0.0.1:0', 'kafkastore.bootstrap.servers': server.bootstrap, 'schema.compatibility.level': 'sideways' });
  expect(await c.exited).toBe(1);
  expect(c.lines.join('\n')).toContain('Invalid value sideways for configuration schema.compatibility.level');
  const missing = spawn(process.execPath, [BIN, join(dir, 'nope.properties')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const err: string[] = [];
  splitLines(missing.stderr!, (l) => err.push(l));
  expect(await new Promise((r) => missing.once('exit', r))).toBe(1);
  expect(err.join('\n')).toContain('nope.properties does not exist');
});

test('two instances: SIGKILL the leader, the other takes over, ids stay unique', async () => {
  const ports = [await freePort(), await freePort()];
  const common = {
    'kafkastore.bootstrap.servers': `PLAINTEXT://${server.bootstrap}`,
    'host.name': '127.0.0.1',
    'kafkastore.timeout.ms': '10000',
    'kafkagroup.session.timeout.ms': '3000',
    'kafkagroup.heartbeat.interval.ms': '500',
    'schema.registry.group.id': 'sr-kill',
  };
  const regs = ports.map((p) => startRegistry({ listeners: `http://127.0.0.1:${p}`, ...common }));
  for (const r of regs) await waitFor(() => r.lines.some((l) => l.includes('Server started, listening for requests')), () => `start-up:\n${r.lines.join('\n')}`);
  const leaderLine = (r: Registry) => [...r.lines].reverse().find((l) => l.includes('schema registry leader elected'));
  const leaderIndex = await waitFor(() => {
    const l = regs.map(leaderLine);
    if (!l[0] || !l[1]) return null;
    const i = l.findIndex((x) => x!.includes('isLeader=true'));
    return i >= 0 && l.filter((x) => x!.includes('isLeader=true')).length === 1 ? i + 1 : null;
  }, () => regs.map((r) => r.lines.join('\n')).join('\n----\n'));
  const leader = regs[leaderIndex - 1];
  const survivor = regs[2 - leaderIndex];

  const ids = new Set<number>();
  for (let i = 0; i < 4; i++) {
    const via = i % 2 === 0 ? survivor : leader;
    const r = await post(via.url, `/subjects/k${i}/versions`, { schema: JSON.stringify({ type: 'record', name: `R${i}`, fields: [{ name: 'a', type: 'int' }] }) });
    expect(r.status).toBe(200);
    ids.add(r.body.id);
  }
  expect(ids.size).toBe(4);

  leader.proc.kill('SIGKILL');
  await leader.exited;
  // until the group notices, the survivor cannot forward (50003) or knows no leader (50004)
  const after = await waitFor(async () => {
    const r = await post(survivor.url, '/subjects/k9/versions', { schema: JSON.stringify({ type: 'record', name: 'R9', fields: [{ name: 'a', type: 'int' }] }) });
    if (r.status === 200) return r;
    expect([50003, 50004]).toContain(r.body.error_code);
    return null;
  }, () => `failover:\n${survivor.lines.join('\n')}`);
  expect(ids.has(after.body.id)).toBe(false);
  ids.add(after.body.id);
  const more = await post(survivor.url, '/subjects/k10/versions', { schema: JSON.stringify({ type: 'record', name: 'R10', fields: [{ name: 'a', type: 'int' }] }) });
  expect(ids.has(more.body.id)).toBe(false);
  expect(leaderLine(survivor)).toContain('isLeader=true');

  survivor.proc.kill('SIGTERM');
  expect(await survivor.exited).toBe(0);
});
