/**
 * Test helpers: the real server (the built `nagare server`) on a random
 * port with a fresh data directory, as apps/e2e's harness starts it, and
 * the CLI tools run as child processes from apps/cli/bin — exactly what
 * users run. Everything started is tracked; call `cleanupAll()` in
 * `afterAll`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServerProcess, freePort as anyFreePort, singleNodeProps, spawnServer, writeProperties } from '@nagare/testing';

export const ROOT = resolve(__dirname, '../../../..');
export const CLI_DIR = join(ROOT, 'apps/cli');
export const BIN_DIR = join(CLI_DIR, 'bin');

const processes = new Set<ChildProcess>();
const dirs = new Set<string>();

export function requireBuilt(): void {
  if (!existsSync(join(CLI_DIR, 'dist/main.js')) || !existsSync(join(CLI_DIR, 'dist/tools/topics.js'))) {
    throw new Error('the CLI is not built: run `npx tsc -b tsconfig.build.json` at the repository root first');
  }
}

export function tempDir(prefix = 'nagare-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

export async function cleanupAll(): Promise<void> {
  await Promise.all(
    [...processes].map(
      (p) =>
        new Promise<void>((res) => {
          if (p.exitCode !== null || p.signalCode !== null) return res();
          p.once('exit', () => res());
          p.kill('SIGKILL');
        }),
    ),
  );
  processes.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function track(p: ChildProcess): ChildProcess {
  processes.add(p);
  p.once('exit', () => processes.delete(p));
  return p;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free port with five digits (so outputs that contain it keep their widths when it is masked). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (port >= 10000) return port;
  }
}

export type Server = ServerProcess;

/**
 * `npm start` (tools/scripts/start.js: the embedded single-node settings and
 * a Connect worker in distributed mode) with only the listener port, the
 * data directory and the worker's REST port changed. `connectUrl` is the
 * worker's REST API; `connect: false` starts the server alone.
 */
export async function startNpmStart(opts: { connect?: boolean } = {}): Promise<Server & { connectUrl: string | null }> {
  requireBuilt();
  const dataDir = tempDir();
  const port = await freePort();
  const args = [join(ROOT, 'tools/scripts/start.js'), '--override', `listeners=PLAINTEXT://localhost:${port}`, '--override', `log.dirs=${join(dataDir, 'data')}`];
  let connectUrl: string | null = null;
  if (opts.connect === false) args.push('--no-connect');
  else {
    const connectPort = await freePort();
    args.push('--connect-port', String(connectPort));
    connectUrl = `http://localhost:${connectPort}`;
  }
  return { ...(await spawnServer({ args, dataDir, port, onSpawn: track })), connectUrl };
}

export async function startServer(props: Record<string, string> = {}): Promise<Server> {
  requireBuilt();
  const dataDir = tempDir();
  const port = await freePort();
  writeProperties(join(dataDir, 'server.properties'), { ...singleNodeProps(port, dataDir), 'group.min.session.timeout.ms': '1000', ...props });
  return spawnServer({ dataDir, port, onSpawn: track });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node apps/cli/bin/<bin>.js args...` to completion (SIGKILL after timeoutMs). */
export function cli(bin: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((res, rej) => {
    const p = track(spawn(process.execPath, [join(BIN_DIR, `${bin}.js`), ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, NAGARE_PROGRESS: '', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] }));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on('data', (d: Buffer) => out.push(d));
    p.stderr!.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    p.once('error', rej);
    p.once('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: Date.now() - started });
    });
    p.stdin!.on('error', () => undefined);
    p.stdin!.end(opts.input ?? '');
  });
}

/** A tool that keeps running (a console consumer): its output so far, and a way to stop it. */
export interface Background {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGINT (as Ctrl-C), then the exit code. */
  interrupt(): Promise<number | null>;
}

export function background(bin: string, args: string[]): Background {
  const p = track(spawn(process.execPath, [join(BIN_DIR, `${bin}.js`), ...args], { cwd: ROOT, env: { ...process.env, NAGARE_PROGRESS: '' }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const out: string[] = [];
  const err: string[] = [];
  p.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  p.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return {
    proc: p,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: async () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGINT');
      return exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 20000): Promise<NonNullable<T>> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(100);
  }
}
