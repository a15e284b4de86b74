/**
 * Apache Kafka's own perf tools (../shared/java-client: ProducerPerformance
 * and ConsumerPerformance from Kafka 4.0's tools, Kafka's Java client)
 * against the nagare server on this machine (`npm run bench -- java`):
 * 2,000,000 x 100-byte records into one partition with the client's
 * defaults, the same with librdkafka-sized batches (what rdperf sends) to
 * tell the client's batching from the broker, and the records read back.
 * Each figure notes the CPU the broker and the tool used, read from /proc and
 * bash's `times`, to show which side is busy. Skips without ../shared.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from '@nagare/common';
import { freePort, singleNodeProps, spawnServer, writeProperties } from '@nagare/testing';
import { JAVA_BIN, javaClientMissing, parseConsumerPerf, parseProducerPerf } from './java-harness';

// JAVA_BENCH_RECORDS: fewer records for a quick check of the bench itself.
const N = Number(process.env.JAVA_BENCH_RECORDS ?? 2_000_000);
const SIZE = 100;
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Runs one of Kafka's tools; returns its stdout, wall seconds, and the CPU seconds it used (bash's `times` for its children). */
function timedTool(script: string, args: string[]): { out: string; wall: number; cpu: number } {
  const started = process.hrtime.bigint();
  // Kafka's own heap for its perf scripts (-Xmx512M, kafka-run-class.sh's default here).
  const r = spawnSync('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'bash', join(JAVA_BIN, script), ...args], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${script} exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  // `times` prints the shell's user/system time, then its children's ("0m1.234s 0m0.567s").
  const children = r.stderr.trim().split('\n').pop() ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { out: r.stdout, wall, cpu: secs.reduce((a, b) => a + b, 0) };
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const missing = javaClientMissing();
  if (missing !== undefined) return [{ name: 'Java perf tools', value: NaN, unit: '', note: `skipped: ${missing}` }];
  ctx.log('building the server');
  try {
    execFileSync('npx', ['tsc', '-b', join(ctx.root, 'tsconfig.build.json')], { stdio: 'ignore' });
  } catch {
    ctx.log('the build failed: measuring the server as last built');
  }
  const dir = mkdtempSync(join(tmpdir(), 'nagare-bench-java-'));
  const port = await freePort();
  // The test node's settings with Kafka's 50 __consumer_offsets partitions (what a user's server has).
  writeProperties(join(dir, 'server.properties'), { ...singleNodeProps(port, dir), 'offsets.topic.num.partitions': '50' });
  const server = await spawnServer({ dataDir: dir, port });
  const pid = server.proc.pid!;
  const results: BenchResult[] = [];
  try {
    const bs = server.bootstrap;
    const produce = (name: string, topic: string, props: string[]) => {
      execFileSync(join(JAVA_BIN, 'kafka-topics.sh'), ['--bootstrap-server', bs, '--create', '--topic', topic, '--partitions', '1'], { stdio: 'ignore' });
      execFileSync('sync');
      ctx.log(`kafka-producer-perf-test ${name}`);
      const before = cpuSeconds(pid);
      const r = timedTool('kafka-producer-perf-test.sh', ['--topic', topic, '--num-records', String(N), '--record-size', String(SIZE), '--throughput', '-1', '--producer-props', `bootstrap.servers=${bs}`, ...props]);
      const broker = cpuSeconds(pid) - before;
      return { ...r, broker };
    };
    const runs: Array<[string, string, string[]]> = [
      ['defaults (acks=all, idempotent, linger.ms=0, batch.size=16384)', 'java-perf', []],
      ['batch.size=1000000 linger.ms=5 (librdkafka-sized batches, as rdperf sends)', 'java-perf-big', ['batch.size=1000000', 'linger.ms=5']],
    ];
    for (const [name, topic, props] of runs) {
      const r = produce(name, topic, props);
      const s = parseProducerPerf(r.out);
      if (s.records !== N) throw new Error(`ProducerPerformance sent ${s.records} of ${N}`);
      results.push({
        name: `kafka-producer-perf-test --num-records ${N} --record-size ${SIZE} --throughput -1, ${name}, 1 partition`,
        value: s.recordsPerSec,
        unit: 'records/s',
        better: 'higher',
        note: `${s.mbPerSec} MB/s; avg latency ${s.avgLatencyMs} ms, max ${s.maxLatencyMs} ms, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms; CPU over ${r.wall.toFixed(1)} s: broker ${r.broker.toFixed(1)} s, tool ${r.cpu.toFixed(1)} s`,
      });
    }
    ctx.log('kafka-consumer-perf-test');
    const before = cpuSeconds(pid);
    const c = timedTool('kafka-consumer-perf-test.sh', ['--bootstrap-server', bs, '--topic', 'java-perf', '--messages', String(N), '--timeout', '60000']);
    const broker = cpuSeconds(pid) - before;
    const row = parseConsumerPerf(c.out);
    if (Number(row['data.consumed.in.nMsg']) !== N) throw new Error(`ConsumerPerformance read ${row['data.consumed.in.nMsg']} of ${N}`);
    results.push({
      name: `kafka-consumer-perf-test --messages ${N} (nMsg.sec, whole run incl. group join), defaults`,
      value: Number(row['nMsg.sec']),
      unit: 'records/s',
      better: 'higher',
      note: `${row['MB.sec']} MB/s; fetch.nMsg.sec (after the ${row['rebalance.time.ms']} ms group join) ${Math.round(Number(row['fetch.nMsg.sec']))}; CPU over ${c.wall.toFixed(1)} s: broker ${broker.toFixed(1)} s, tool ${c.cpu.toFixed(1)} s`,
    });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
