/**
 * Test helper: librdkafka's mock Kafka cluster, started inside a kcat
 * process (`-X test.mock.num.brokers=N`). kcat logs the mock brokers'
 * addresses ("Mock cluster enabled: ... replaced with 127.0.0.1:p1,...");
 * a `kcat -P` reading from a pipe we hold open keeps the process (and the
 * cluster) alive until `stop()`.
 *
 * The mock (librdkafka 2.0.2) serves Produce v0-7, Fetch v0-11,
 * ListOffsets v0-5, Metadata v0-2, OffsetCommit v0-7, OffsetFetch v0-5,
 * FindCoordinator v0-2, InitProducerId v0-4, JoinGroup v0-5, Heartbeat
 * v0-3, LeaveGroup v0-1, SyncGroup v0-3, ApiVersions v0-2 and the
 * transaction APIs; no admin APIs. Auto-created topics have 4 partitions,
 * replication factor min(3, brokers), and a random leader per partition.
 * The group coordinator of a group is broker number crc32(group) % N + 1.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const KCAT = process.env.KCAT ?? '/usr/bin/kcat';

export function kcatAvailable(): boolean {
  return existsSync(KCAT);
}

export interface MockCluster {
  bootstrap: string;
  brokers: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

export async function startMockCluster(numBrokers = 3, extra: string[] = []): Promise<MockCluster> {
  const proc: ChildProcess = spawn(
    KCAT,
    ['-b', '127.0.0.1:1', '-X', `test.mock.num.brokers=${numBrokers}`, ...extra, '-P', '-t', '__mock_keepalive'],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kcat mock cluster did not start:\n${stderr}`)), 10000);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /replaced with ([0-9.:,]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat exited with ${code}:\n${stderr}`));
    });
  });
  const brokers = bootstrap.split(',').map((s) => {
    const [host, port] = s.split(':');
    return { host, port: Number(port) };
  });
  return {
    bootstrap,
    brokers,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** Runs kcat synchronously against a cluster; returns stdout. */
export function kcat(args: string[], input?: string | Buffer, timeoutMs = 20000): string {
  const r = spawnSync(KCAT, args, { input, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`kcat ${args.join(' ')} exited with ${r.status}: ${r.stderr?.toString()}`);
  return r.stdout.toString();
}

/** Runs kcat asynchronously; resolves with stdout. */
export function kcatAsync(args: string[], input?: string | Buffer, timeoutMs = 30000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(KCAT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out: ${err}`));
    }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`kcat ${args.join(' ')} exited with ${code}: ${err}`));
    });
    p.stdin.end(input ?? '');
  });
}
