/**
 * Replication benchmarks (npm run bench -- replication), measured with librdkafka clients
 * (../shared/tools/rdperf for throughput, tools/rdlat for latency): RF=3 acks=all on 3 local
 * combined nodes against one node with acks=1, same client, same run; produce latency at 20,000
 * records/s on RF=3 acks=all; and the time from a SIGKILL of a partition leader to the next
 * acknowledged produce. Every process shares this machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Producer } from '@nagare/client';
import type { BenchContext, BenchResult } from '@nagare/common';
import { TestCluster } from '@nagare/testing';

function parseLine(out: string): Record<string, string> {
  const line = out.trim().split('\n').pop() ?? '';
  return Object.fromEntries(line.split(/\s+/).map((kv) => kv.split('=') as [string, string]));
}

function exec(cmd: string, args: string[], timeoutMs = 300_000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function createTopic(c: TestCluster, name: string, rf: number): Promise<void> {
  const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 10000 });
  try {
    const [r] = await admin.createTopics([{ name, numPartitions: 1, replicationFactor: rf, configs: rf > 1 ? { 'min.insync.replicas': '2' } : {} }]);
    if (r.error !== null) throw r.error;
    for (;;) {
      const p = (await admin.describeTopics([name]))[0].partitions[0];
      if (p.leader !== null && p.isr.length === rf) return;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    admin.close();
  }
}

async function leaderOf(c: TestCluster, topic: string): Promise<number> {
  const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5000 });
  try {
    return (await admin.describeTopics([topic]))[0].partitions[0].leader!.nodeId;
  } finally {
    admin.close();
  }
}

/** ms from SIGKILL of the topic's leader to the next record acknowledged (acks=all) through the others. */
async function failover(c: TestCluster, topic: string): Promise<number> {
  const leader = await leaderOf(c, topic);
  const others = c.nodes.filter((n) => n.id !== leader).map((n) => `127.0.0.1:${n.brokerPort}`).join(',');
  const producer = new Producer({ bootstrapServers: others, acks: 'all', deliveryTimeoutMs: 120_000, requestTimeoutMs: 5000 });
  try {
    await producer.send({ topic, partition: 0, value: 'warm-up' });
    const t0 = Date.now();
    await c.killNode(leader);
    await producer.send({ topic, partition: 0, value: 'after-kill' });
    return Date.now() - t0;
  } finally {
    await producer.close();
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const shared = join(ctx.root, '../shared/tools/rdperf/build.sh');
  ctx.log('building the server');
  exec('npx', ['tsc', '-b', join(ctx.root, 'tsconfig.build.json')]);
  if (!existsSync(shared)) return [{ name: 'replication benchmarks', value: NaN, unit: '', note: `skipped: ${shared} is not present on this machine` }];
  const rdperf = exec('bash', [shared, '/tmp/rdperf-bin']).trim().split('\n').pop()!;
  exec('gcc', ['-O2', '-o', '/tmp/rdlat', join(ctx.root, 'tools/rdlat/rdlat.c'), '-lrdkafka']);
  const rdlat = '/tmp/rdlat';
  const N = Number(process.env.NAGARE_BENCH_REPLICATION_RECORDS ?? 1_000_000);
  const perf = (bootstrap: string, topic: string, extra: string[]) => {
    const out = parseLine(exec(rdperf, ['produce', bootstrap, topic, String(N), '100', ...extra]));
    ctx.log(`produce ${topic} n=${N} ${extra.join(' ')}: ${out.msgs_per_s} msgs/s, errors=${out.errors}`);
    if (Number(out.msgs) !== N) throw new Error(`rdperf delivered ${out.msgs} of ${N}`);
    return Number(out.msgs_per_s);
  };
  const results: BenchResult[] = [];

  // One node, acks=1.
  const single = await TestCluster.start({ combined: 1 });
  let one: number;
  try {
    await createTopic(single, 'one', 1);
    one = perf(single.bootstrapServers, 'one', ['acks=1']);
  } finally {
    await single.close();
  }

  // Three nodes, RF=3, acks=all.
  const three = await TestCluster.start({ combined: 3 });
  try {
    await createTopic(three, 'three', 3);
    const all = perf(three.bootstrapServers, 'three', ['acks=all']);
    results.push({ name: 'produce 100 B records, 1 partition, 1 node acks=1', value: one, unit: 'records/s' });
    results.push({
      name: 'produce 100 B records, 1 partition, RF=3 acks=all on 3 local nodes',
      value: all,
      unit: 'records/s',
      note: `${(all / one).toFixed(2)}x of 1 node acks=1 (goal >= 0.4x); rdperf, ${N.toLocaleString('en-US')} records, same run`,
    });
    results.push({ name: 'RF=3 acks=all / 1 node acks=1', value: all / one, unit: 'x', target: 0.4, better: 'higher' });

    await createTopic(three, 'lat3', 3);
    const rounds = [0, 1, 2].map(() => parseLine(exec(rdlat, [three.bootstrapServers, 'lat3', '20000', '10', '100', 'acks=all'])));
    for (const r of rounds) ctx.log(`latency at 20,000 records/s RF=3 acks=all: ${JSON.stringify(r)}`);
    const lat = [...rounds].sort((a, b) => Number(a.p99_ms) - Number(b.p99_ms))[1];
    results.push({
      name: 'produce latency p99 at 20,000 records/s, RF=3 acks=all, 3 local nodes (median of 3 rounds)',
      value: Number(lat.p99_ms),
      unit: 'ms',
      target: 5,
      better: 'lower',
      note: `p50 ${lat.p50_ms} ms, p99.9 ${lat.p999_ms} ms, max ${lat.max_ms} ms; rounds p99 ${rounds.map((r) => r.p99_ms).join('/')} ms`,
    });
  } finally {
    await three.close();
  }

  // Failover: defaults (broker.session.timeout.ms 9000) and tuned (3000, heartbeats every 500 ms).
  for (const [label, props] of [
    ['defaults', {}],
    ['broker.session.timeout.ms=3000, broker.heartbeat.interval.ms=500', { 'broker.session.timeout.ms': '3000', 'broker.heartbeat.interval.ms': '500' }],
  ] as const) {
    const c = await TestCluster.start({ combined: 3, props: { ...props } });
    try {
      await createTopic(c, 'fo', 3);
      const ms = await failover(c, 'fo');
      ctx.log(`failover (${label}): ${ms} ms`);
      results.push({ name: `first acks=all produce after SIGKILL of the partition leader (${label})`, value: ms, unit: 'ms' });
    } finally {
      await c.close();
    }
  }
  return results;
}

