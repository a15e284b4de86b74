/**
 * Test helper: the real nagare server (the built `nagare` CLI) as a child
 * process on a free port with a fresh data directory. Needs `npm run build`
 * (apps/cli/dist/main.js); `serverBuilt()` tells whether it is there.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../../..');
const BIN = join(ROOT, 'apps/cli/bin/nagare.js');

export function serverBuilt(): boolean {
  return existsSync(BIN) && existsSync(join(ROOT, 'apps/cli/dist/main.js'));
}

export interface NagareServer {
  bootstrap: string;
  port: number;
  output: string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

export async function startNagareServer(props: Record<string, string> = {}): Promise<NagareServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nagare-client-'));
  const port = await freePort();
  const all: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': join(dir, 'logs'),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'group.initial.rebalance.delay.ms': '0',
    ...props,
  };
  const config = join(dir, 'server.properties');
  writeFileSync(config, Object.entries(all).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const proc: ChildProcess = spawn(process.execPath, [BIN, 'server', '--config', config], {
    cwd: dir,
    env: { ...process.env, NAGARE_LOG_LEVEL: process.env.NAGARE_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const onData = (d: Buffer) => output.push(...d.toString().split('\n').filter((l) => l !== ''));
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const started = Date.now();
  // Started once the port accepts connections.
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nagare server exited:\n${output.join('\n')}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() - started > 30000) {
      proc.kill('SIGKILL');
      throw new Error(`nagare server did not start within 30 s:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
