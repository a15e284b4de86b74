/**
 * Rebalance time, classic vs KIP-848 (run: `npm run bench -- rebalance`).
 *
 * 100 members of one group consume a topic of 1,000 partitions from our
 * server; one member leaves (close(): LeaveGroup, or ConsumerGroupHeartbeat
 * with epoch -1); the figure is the time from its leaving until every
 * partition is owned again by exactly one of the 99 others. Both protocols
 * with the same heartbeat interval (500 ms: the classic members' own
 * heartbeat.interval.ms, the broker's group.consumer.heartbeat.interval.ms
 * for KIP-848) and the consumer's defaults otherwise: the classic group uses
 * [range, cooperative-sticky], an eager rebalance where every member gives
 * up everything; the KIP-848 group the broker's uniform assignor, where only
 * the departed member's partitions move. Also reported: how many partitions
 * had no owner at the worst moment. Our client in this process, the server
 * in another; both share this machine's cores.
 */
import type { BenchContext, BenchResult } from '@nagare/common';
import { Admin } from './admin/admin';
import { Consumer, ConsumerOptions } from './consumer/consumer';
import { NagareServer, serverBuilt, startNagareServer } from './testing/nagare-server';

const MEMBERS = Number(process.env.REBALANCE_BENCH_MEMBERS ?? 100);
const PARTITIONS = Number(process.env.REBALANCE_BENCH_PARTITIONS ?? 1000);
const TOPIC = 'rebalance-bench';

interface Running {
  consumer: Consumer;
  stop: boolean;
  loop: Promise<void>;
}

function startMember(opts: ConsumerOptions): Running {
  const consumer = new Consumer(opts);
  consumer.subscribe([TOPIC]);
  const r: Running = { consumer, stop: false, loop: Promise.resolve() };
  r.loop = (async () => {
    while (!r.stop) {
      try {
        await consumer.poll(50);
      } catch {
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  })();
  return r;
}

/** Partitions owned now: how many distinct, and whether one is owned twice. */
function ownership(members: Running[]): { owned: number; doubled: number } {
  const seen = new Set<number>();
  let doubled = 0;
  for (const m of members) {
    for (const tp of m.consumer.assignment()) {
      if (seen.has(tp.partition)) doubled++;
      seen.add(tp.partition);
    }
  }
  return { owned: seen.size, doubled };
}

async function until(what: string, cond: () => boolean, timeoutMs: number, everyMs = 2): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, everyMs));
  }
}

async function measure(ctx: BenchContext, server: NagareServer, protocol: 'classic' | 'consumer'): Promise<{ ms: number; worstUnowned: number; moved: number }> {
  const group = `rebalance-${protocol}`;
  const base: ConsumerOptions = { bootstrapServers: server.bootstrap, groupId: group, enableAutoCommit: false, maxPollIntervalMs: 60_000 };
  const opts = (i: number): ConsumerOptions =>
    protocol === 'classic'
      ? { ...base, clientId: `m${i}`, heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000 }
      : { ...base, clientId: `m${i}`, groupProtocol: 'consumer' };
  const members: Running[] = [];
  for (let i = 0; i < MEMBERS; i++) members.push(startMember(opts(i)));
  try {
    await until(`${MEMBERS} ${protocol} members to own all ${PARTITIONS} partitions`, () => {
      const o = ownership(members);
      return o.owned === PARTITIONS && o.doubled === 0 && members.every((m) => m.consumer.assignment().length > 0);
    }, 300_000, 50);
    // Let the group settle (late joiners, a last heartbeat round).
    await new Promise((res) => setTimeout(res, 2000));
    const before = new Map<number, Consumer>();
    for (const m of members) for (const tp of m.consumer.assignment()) before.set(tp.partition, m.consumer);
    ctx.log(`${protocol}: ${MEMBERS} members own ${PARTITIONS} partitions; one leaves`);
    const leaving = members.pop()!;
    leaving.stop = true;
    await leaving.loop;
    const start = process.hrtime.bigint();
    await leaving.consumer.close();
    let worstUnowned = 0;
    await until('every partition owned again', () => {
      const o = ownership(members);
      worstUnowned = Math.max(worstUnowned, PARTITIONS - o.owned);
      return o.owned === PARTITIONS && o.doubled === 0;
    }, 120_000);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    let moved = 0;
    for (const m of members) for (const tp of m.consumer.assignment()) if (before.get(tp.partition) !== m.consumer) moved++;
    ctx.log(`${protocol}: every partition owned again after ${ms.toFixed(0)} ms; ${moved} partitions changed owner, at worst ${worstUnowned} had none`);
    return { ms, worstUnowned, moved };
  } finally {
    for (const m of members) m.stop = true;
    await Promise.all(members.map((m) => m.loop));
    await Promise.all(members.map((m) => m.consumer.close().catch(() => undefined)));
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  if (!serverBuilt()) throw new Error('the server is not built: run `npm run build` first');
  const server = await startNagareServer({
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
    'group.consumer.heartbeat.interval.ms': '500',
    'group.consumer.min.heartbeat.interval.ms': '500',
  });
  const admin = new Admin({ bootstrapServers: server.bootstrap });
  try {
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }]);
    const classic = await measure(ctx, server, 'classic');
    const consumer = await measure(ctx, server, 'consumer');
    const note = (r: typeof classic) => `${r.moved} partitions changed owner; at worst ${r.worstUnowned} of ${PARTITIONS} had no owner`;
    return [
      { name: `rebalance after 1 of ${MEMBERS} members leaves, ${PARTITIONS} partitions, classic (eager range)`, value: classic.ms, unit: 'ms', better: 'lower', note: note(classic) },
      {
        name: `rebalance after 1 of ${MEMBERS} members leaves, ${PARTITIONS} partitions, KIP-848 (uniform)`,
        value: consumer.ms,
        unit: 'ms',
        better: 'lower',
        note: `${note(consumer)}; ${(classic.ms / consumer.ms).toFixed(1)}x faster than classic`,
      },
    ];
  } finally {
    admin.close();
    await server.stop();
  }
}
