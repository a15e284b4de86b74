/**
 * Starts the real server (the built `nagare` CLI) as a child process on a
 * random port with a fresh data directory, for end-to-end tests with
 * third-party clients; runs the third-party tools as child processes.
 *
 * Everything a suite starts (servers, child processes, temp dirs) is tracked
 * per test file: call `cleanupAll()` in `afterAll` and nothing outlives the
 * suite, even when a test fails half-way.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, singleNodeProps, spawnServer, splitLines, writeProperties } from '@nagare/testing';

export { NAGARE_BIN, freePort } from '@nagare/testing';
export const ROOT = resolve(__dirname, '../../..');
export const E2E_SRC = __dirname;
export const PYTHON = '/usr/bin/python3';
export const KCAT = '/usr/bin/kcat';

export interface NagareProcess {
  port: number;
  bootstrap: string;
  dataDir: string;
  configFile: string;
  props: Record<string, string>;
  proc: ChildProcess;
  output: string[];
  /** Resolves with the exit code (-1 when killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill(): Promise<number | null>;
  /** The JSON log lines, parsed (lines that are not JSON are skipped). */
  logs(): LogLine[];
  /** Waits until a log line matches. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- cleanup

const tracked = {
  processes: new Set<ChildProcess>(),
  dirs: new Set<string>(),
  closers: new Set<() => Promise<unknown> | unknown>(),
};

/** Registers a function (e.g. a client's disconnect) to run in cleanupAll, before processes are killed. */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  tracked.closers.add(fn);
}

/** Closes clients, SIGKILLs every child process still running and removes temp dirs. */
export async function cleanupAll(): Promise<void> {
  const closers = [...tracked.closers];
  tracked.closers.clear();
  await Promise.all(closers.map((c) => withTimeout(Promise.resolve().then(c), 5000).catch(() => undefined)));
  const procs = [...tracked.processes];
  tracked.processes.clear();
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((res) => {
          if (p.exitCode !== null || p.signalCode !== null) return res();
          p.once('exit', () => res());
          try {
            p.kill('SIGKILL');
          } catch {
            res();
          }
        }),
    ),
  );
  for (const d of tracked.dirs) removeDir(d);
  tracked.dirs.clear();
}

function track(p: ChildProcess): ChildProcess {
  tracked.processes.add(p);
  p.once('exit', () => tracked.processes.delete(p));
  return p;
}

export function tempDir(prefix = 'nagare-e2e-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tracked.dirs.add(d);
  return d;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- tools

/** Fails (with the Debian package to install) when a third-party tool is missing. */
export function requireTool(path: string, debPackage: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${debPackage} (apt-get install ${debPackage})`);
}

/** Fails when /usr/bin/python3 cannot import a module. */
export function requirePythonModule(module: string, debPackage: string): void {
  requireTool(PYTHON, 'python3');
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${PYTHON} cannot import ${module}: install the Debian package ${debPackage} (apt-get install ${debPackage})`);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command to completion (SIGKILLed after timeoutMs, default 60 s). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((res, rej) => {
    const p = track(
      spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on('data', (d: Buffer) => out.push(d));
    p.stderr!.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, opts.timeoutMs ?? 60000);
    p.once('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      const r = { code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (timedOut) rej(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs ?? 60000} ms\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`));
      else res(r);
    });
    p.stdin!.on('error', () => undefined);
    p.stdin!.end(opts.input ?? '');
  });
}

/** Runs a command that must exit 0; returns stdout. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`);
  }
  return r.stdout;
}

/** A long-running child whose stdout lines are collected as they arrive. */
export interface LineProcess {
  proc: ChildProcess;
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Parsed JSON lines (non-JSON lines skipped). */
  json<T = Record<string, unknown>>(): T[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnLines(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): LineProcess {
  const proc = track(spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] }));
  const lines: string[] = [];
  const stderr: string[] = [];
  splitLines(proc.stdout!, (l) => lines.push(l));
  splitLines(proc.stderr!, (l) => stderr.push(l));
  proc.stdin!.on('error', () => undefined);
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  const exited = new Promise<number | null>((res) => proc.once('exit', (code, signal) => res(code ?? (signal ? -1 : null))));
  return {
    proc,
    lines,
    stderr,
    exited,
    json<T>() {
      const out: T[] = [];
      for (const l of lines) {
        try {
          out.push(JSON.parse(l) as T);
        } catch {
          // not JSON
        }
      }
      return out;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** What src/python/read_all.py prints: every record of each partition up to its high watermark. */
export interface ReadAll {
  partitions: Record<string, Array<{ offset: number; key: string | null; value: string }>>;
  highWatermarks: Record<string, number>;
  errors: string[];
  complete: boolean;
}

/** Reads every partition of `topic` from the beginning with confluent-kafka (assign, no group). */
export function readAllWithPython(bootstrap: string, topic: string, partitions: number): Promise<ReadAll> {
  return runPython<ReadAll>('read_all.py', [bootstrap, topic, String(partitions)]);
}

/** Runs a Python script from src/python with /usr/bin/python3; returns its stdout parsed as JSON. */
export async function runPython<T = unknown>(script: string, args: string[], opts: RunOptions = {}): Promise<T> {
  const r = await run(PYTHON, ['-u', join(E2E_SRC, 'python', script), ...args], opts);
  if (r.code !== 0) throw new Error(`${script} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${script} did not print JSON:\n${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`);
  }
}

// ---------------------------------------------------------------- waiting

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls until `fn` returns a truthy value (or stops throwing); fails after
 * timeoutMs with `what` and the last error, if any.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 20000;
  const started = Date.now();
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      lastErr = undefined;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() - started > timeoutMs) {
      const why = lastErr ? `: ${(lastErr as Error).message ?? lastErr}` : '';
      const what = typeof opts.what === 'function' ? opts.what() : (opts.what ?? 'a condition');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(opts.intervalMs ?? 50);
  }
}

// ---------------------------------------------------------------- server

export interface StartOptions {
  dataDir?: string;
  port?: number;
  props?: Record<string, string>;
  env?: Record<string, string>;
}

/** Props for fast group tests: short session timeouts are allowed, no initial rebalance delay. */
export const FAST_GROUP_PROPS: Record<string, string> = {
  'group.min.session.timeout.ms': '1000',
  'group.initial.rebalance.delay.ms': '0',
};

export async function startNagare(opts: StartOptions = {}): Promise<NagareProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const port = opts.port ?? (await freePort());
  const props: Record<string, string> = { ...singleNodeProps(port, dataDir), ...opts.props };
  const configFile = join(dataDir, 'server.properties');
  writeProperties(configFile, props);
  const server = await spawnServer({
    dataDir,
    port,
    // Info logs: tests read them (waitForLog), and readiness is the "started" line.
    env: { NAGARE_LOG_LEVEL: process.env.NAGARE_LOG_LEVEL ?? 'info', ...opts.env },
    ready: 'started-log',
    onSpawn: track,
  });
  const { proc, output, exited } = server;
  const logs = (): LogLine[] => {
    const out: LogLine[] = [];
    for (const l of output) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as LogLine);
      } catch {
        // a partial line
      }
    }
    return out;
  };
  const np: NagareProcess = {
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    configFile,
    props,
    proc,
    output,
    exited,
    logs,
    waitForLog: (pred, timeoutMs = 10000, what = 'a server log line') =>
      waitFor(() => logs().find(pred), { timeoutMs, what: () => `${what}; server output:\n${output.slice(-30).join('\n')}` }),
    stop: () => server.stop(),
    kill: () => server.kill(),
  };
  return np;
}

/** Starts the server again on the same data dir, port and properties (after stop() or kill()). */
export async function restartNagare(prev: NagareProcess, extraProps: Record<string, string> = {}): Promise<NagareProcess> {
  if (prev.proc.exitCode === null && prev.proc.signalCode === null) await prev.stop();
  return startNagare({ dataDir: prev.dataDir, port: prev.port, props: { ...prev.props, ...extraProps } });
}

// ---------------------------------------------------------------- on-disk checks

/**
 * The record batches in a partition's segment files, read straight from the
 * data directory: base offset, record count and the compression codec in the
 * attributes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
 */
export interface DiskBatch {
  baseOffset: bigint;
  records: number;
  codec: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

export function batchesOnDisk(np: NagareProcess, topic: string, partition: number): DiskBatch[] {
  const dir = join(np.dataDir, 'logs', `${topic}-${partition}`);
  const out: DiskBatch[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const buf = readFileSync(join(dir, f));
    let pos = 0;
    while (pos + 61 <= buf.length) {
      const baseOffset = buf.readBigInt64BE(pos);
      const batchLength = buf.readInt32BE(pos + 8);
      if (batchLength <= 0 || pos + 12 + batchLength > buf.length) break;
      const attributes = buf.readInt16BE(pos + 21);
      const records = buf.readInt32BE(pos + 57);
      out.push({
        baseOffset,
        records,
        codec: attributes & 7,
        producerId: buf.readBigInt64BE(pos + 43),
        producerEpoch: buf.readInt16BE(pos + 51),
        baseSequence: buf.readInt32BE(pos + 53),
      });
      pos += 12 + batchLength;
    }
  }
  return out;
}

/** The segment files (.log) of a partition in the data directory. */
export function segmentFiles(np: NagareProcess, topic: string, partition: number): string[] {
  return readdirSync(join(np.dataDir, 'logs', `${topic}-${partition}`))
    .filter((n) => n.endsWith('.log'))
    .sort();
}
