/**
 * Test support: the real nagare server (built) on a free port, and
 * `connect-standalone` run from apps/connect/bin exactly as users run it,
 * with the shipped config files adapted to the test's ports and directories.
 * Everything started is tracked; call `cleanupAll()` in `afterAll`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, singleNodeProps, spawnServer, splitLines, writeProperties, type ServerProcess } from '@nagare/testing';

export const APP_DIR = resolve(__dirname, '../..');
export const BIN = join(APP_DIR, 'bin/connect-standalone.js');
export const CONFIG_DIR = join(APP_DIR, 'config');

const procs = new Set<ChildProcess>();
const dirs = new Set<string>();

export function requireBuilt(): void {
  if (!existsSync(join(APP_DIR, 'dist/standalone.js'))) throw new Error('apps/connect is not built: run `npx tsc -b tsconfig.build.json` at the repository root first');
}

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nagare-connect-'));
  dirs.add(d);
  return d;
}

export async function startServer(): Promise<ServerProcess> {
  requireBuilt();
  const dataDir = tempDir();
  const port = await freePort();
  writeProperties(join(dataDir, 'server.properties'), { ...singleNodeProps(port, dataDir), 'group.min.session.timeout.ms': '1000' });
  return spawnServer({ dataDir, port, onSpawn: (p) => track(p) });
}

function track(p: ChildProcess): ChildProcess {
  procs.add(p);
  p.once('exit', () => procs.delete(p));
  return p;
}

export async function cleanupAll(): Promise<void> {
  await Promise.all(
    [...procs].map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once('exit', () => r());
          p.kill('SIGKILL');
        }),
    ),
  );
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/** The shipped config/<name> with `overrides` applied (keys replaced in place, new keys appended). */
export function adaptConfig(name: string, overrides: Record<string, string>, dest: string): string {
  const lines = readFileSync(join(CONFIG_DIR, name), 'utf8').split('\n');
  const left = new Map(Object.entries(overrides));
  const out = lines.map((l) => {
    const m = /^([^#!\s][^=]*)=/.exec(l);
    if (m && left.has(m[1])) {
      const v = left.get(m[1])!;
      left.delete(m[1]);
      return `${m[1]}=${v}`;
    }
    return l;
  });
  for (const [k, v] of left) out.push(`${k}=${v}`);
  writeFileSync(dest, out.join('\n'));
  return dest;
}

export interface Worker {
  proc: ChildProcess;
  rest: string;
  output: string[];
  exited: Promise<number | null>;
}

export async function startWorker(cwd: string, args: string[], restPort: number): Promise<Worker> {
  requireBuilt();
  const proc = track(spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env } }));
  const output: string[] = [];
  splitLines(proc.stdout!, (l) => output.push(l));
  splitLines(proc.stderr!, (l) => output.push(l));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  const rest = `http://127.0.0.1:${restPort}`;
  return { proc, rest, output, exited };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

export async function sendJson(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text), headers: r.headers };
}

export function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const t = readFileSync(file, 'utf8');
  return t === '' ? [] : t.replace(/\n$/, '').split('\n');
}

export { freePort };

export const DISTRIBUTED_BIN = join(APP_DIR, 'bin/connect-distributed.js');

export interface DistributedWorker extends Worker {
  port: number;
  propsFile: string;
}

/**
 * A `connect-distributed` worker with the shipped config/connect-distributed.properties
 * adapted: the test's broker, a free REST port advertised as 127.0.0.1, and `overrides`
 * (group.id, topic names, timeouts...).
 */
export async function startDistributedWorker(dir: string, bootstrap: string, overrides: Record<string, string> = {}, env: Record<string, string> = {}): Promise<DistributedWorker> {
  requireBuilt();
  const port = await freePort();
  const propsFile = join(dir, `worker-${port}.properties`);
  adaptConfig('connect-distributed.properties', { 'bootstrap.servers': bootstrap, listeners: `http://127.0.0.1:${port}`, 'rest.advertised.host.name': '127.0.0.1', ...overrides }, propsFile);
  const proc = track(spawn(process.execPath, [DISTRIBUTED_BIN, propsFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  const output: string[] = [];
  splitLines(proc.stdout!, (l) => output.push(l));
  splitLines(proc.stderr!, (l) => output.push(l));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { proc, rest: `http://127.0.0.1:${port}`, output, exited, port, propsFile };
}

/** Resolves once the worker answers /health with 200 (it joined its group and read the config topic). */
export async function waitHealthy(w: Worker, timeoutMs = 90_000): Promise<void> {
  await waitFor(`${w.rest} to be healthy`, async () => {
    if (w.proc.exitCode !== null) throw new Error(`worker exited with ${w.proc.exitCode}: ${w.output.slice(-20).join('\n')}`);
    return (await getJson(`${w.rest}/health`)).status === 200;
  }, timeoutMs, 200);
}

/** Kills a process with SIGKILL and waits for it to be gone. */
export async function kill9(w: Worker): Promise<void> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
  const gone = w.exited;
  w.proc.kill('SIGKILL');
  await gone;
}

/** Stops a worker with SIGTERM (clean shutdown) and waits for it. */
export async function stopGracefully(w: Worker, timeoutMs = 30_000): Promise<number | null> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return w.proc.exitCode;
  w.proc.kill('SIGTERM');
  const t = setTimeout(() => w.proc.kill('SIGKILL'), timeoutMs);
  const code = await w.exited;
  clearTimeout(t);
  return code;
}
