/**
 * The real server as tests and benchmarks meet it: the built `nagare` CLI
 * (apps/cli/bin/nagare.js) started as a child process on a free port with
 * its own data directory, ready once its port accepts connections (or once
 * it logs that it started), stopped with SIGTERM or killed with SIGKILL.
 *
 * Only spawning and waiting live here; each suite keeps its own bookkeeping
 * (which processes and directories to clean up, log parsing, restarts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join, resolve } from 'node:path';

/** The repository root (this file is packages/testing/{src,dist}/server-process.*). */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const NAGARE_BIN = join(REPO_ROOT, 'apps/cli/bin/nagare.js');

/** The one line to show when the server has not been compiled yet. */
export const NOT_BUILT_MESSAGE = 'the server is not built: run `npx tsc -b tsconfig.build.json` at the repository root (npm test does it first)';

export function serverBuilt(): boolean {
  return existsSync(NAGARE_BIN) && existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js'));
}

export function requireServerBuilt(): void {
  if (!serverBuilt()) throw new Error(NOT_BUILT_MESSAGE);
}

/** A free TCP port on 127.0.0.1 (bind :0 and release it). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

/**
 * Free ports held open until `release()`: ports taken together never repeat, and a listener bound
 * to port 0 meanwhile (a proxy) cannot be handed one of them (freePort() alone releases each port at
 * once, so the kernel may give it out again before its node binds it).
 */
export class PortReservation {
  private readonly held: net.Server[] = [];

  take(): Promise<number> {
    return new Promise((res, rej) => {
      const s = net.createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        this.held.push(s);
        res((s.address() as net.AddressInfo).port);
      });
    });
  }

  async release(): Promise<void> {
    await Promise.all(this.held.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/**
 * server.properties of a single combined node (broker and controller) on
 * 127.0.0.1:`port` with its logs under `dataDir`/logs, set for tests: one
 * partition per new topic, five __consumer_offsets and __transaction_state
 * partitions (replication factor 1) and no initial
 * rebalance delay.
 */
export function singleNodeProps(port: number, dataDir: string): Record<string, string> {
  return {
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': join(dataDir, 'logs'),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '5',
    'group.initial.rebalance.delay.ms': '0',
  };
}

export function writeProperties(file: string, props: Record<string, string>): void {
  writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portAccepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  bootstrap: string;
  dataDir: string;
  /** stdout and stderr, line by line, as they arrive. */
  output: string[];
  /** Milliseconds from spawn to ready. */
  startMs: number;
  /** Resolves with the exit code (-1 when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM (a clean shutdown); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  kill(): Promise<number | null>;
}

export interface SpawnServerOptions {
  /** Arguments after `node`; default: `apps/cli/bin/nagare.js server --config <dataDir>/server.properties`. */
  args?: string[];
  dataDir: string;
  port: number;
  /** Added to this process's environment (NAGARE_LOG_LEVEL defaults to warn). */
  env?: Record<string, string>;
  /** Ready when the port accepts connections (default), or when the server logs that it started (needs log level info). */
  ready?: 'port' | 'started-log';
  timeoutMs?: number;
  /** Called with the child right after spawn (to track it for clean-up). */
  onSpawn?: (proc: ChildProcess) => void;
}

/** Calls `onLine` for every complete line of `stream`. */
export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.on('data', (d: Buffer | string) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const l of parts) onLine(l);
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
    rest = '';
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function spawnServer(o: SpawnServerOptions): Promise<ServerProcess> {
  requireServerBuilt();
  const args = o.args ?? [NAGARE_BIN, 'server', '--config', join(o.dataDir, 'server.properties')];
  const spawned = Date.now();
  const proc = spawn(process.execPath, args, {
    cwd: o.dataDir,
    env: { ...process.env, NAGARE_LOG_LEVEL: process.env.NAGARE_LOG_LEVEL ?? 'warn', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  o.onSpawn?.(proc);
  const output: string[] = [];
  splitLines(proc.stdout!, (l) => output.push(l));
  splitLines(proc.stderr!, (l) => output.push(l));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code, signal) => res(code ?? (signal ? -1 : null))));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const timeoutMs = o.timeoutMs ?? 30000;
  for (;;) {
    if (o.ready === 'started-log' ? output.some((l) => l.includes('nagare server started')) : await portAccepts(o.port)) break;
    if (!running()) {
      await sleep(50); // let the last output arrive
      throw new Error(`the server exited during start-up:\n${output.join('\n')}`);
    }
    if (Date.now() - spawned > timeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`the server did not start within ${timeoutMs / 1000} s:\n${output.join('\n')}`);
    }
    await sleep(25);
  }
  const startMs = Date.now() - spawned;
  return {
    proc,
    port: o.port,
    bootstrap: `127.0.0.1:${o.port}`,
    dataDir: o.dataDir,
    output,
    startMs,
    exited,
    stop: async (graceMs = 30000) => {
      if (!running()) return exited;
      proc.kill('SIGTERM');
      const t = setTimeout(() => running() && proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    kill: async () => {
      if (running()) proc.kill('SIGKILL');
      return exited;
    },
  };
}
