/**
 * The chaos run of issue 12 (`npm run chaos -- --minutes N [--seed S]`, and the bounded
 * `chaos.spec.ts`): three combined nodes (broker + controller) with every inter-node link through a
 * TCP proxy, a topic with replication factor 3 and min.insync.replicas=2, idempotent acks=all
 * producers (@nagare/client) writing numbered records, consumers in a group committing what they
 * read, and a seeded random schedule of faults: SIGKILL of a partition leader, of a follower, of the
 * active controller, SIGSTOP of a node, and a network partition isolating a leader. Then the faults
 * stop, every node runs and every link heals, and the cluster must serve every partition again
 * within a bound. Everything observed goes into a history that the pure checker (`checker.ts`)
 * judges; the same seed gives the same schedule of faults (the timing of a real cluster does not
 * replay exactly).
 */
import { Admin, Consumer, Producer, tpKey, type ConsumerRecord } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { TestCluster } from '@nagare/testing';
import { check, formatEvent, formatReport, recordValue, type ChaosEvent, type CheckResult } from './checker';

export type FaultKind = 'kill-leader' | 'kill-follower' | 'kill-controller' | 'pause' | 'isolate-leader';
export const ALL_FAULTS: readonly FaultKind[] = ['kill-leader', 'kill-follower', 'kill-controller', 'pause', 'isolate-leader'];

export interface ChaosOptions {
  seed: number;
  /** How long faults are injected. */
  durationMs: number;
  partitions?: number;
  producers?: number;
  consumers?: number;
  /** The faults to draw from (default all). Empty: a run without faults. */
  faults?: readonly FaultKind[];
  /** Records per second per producer (default 50). */
  ratePerProducer?: number;
  /** How long the cluster has to serve every partition again after the faults stop (default 90 s). */
  recoveryBoundMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Keep the nodes' directories (a post-mortem of a failed run). */
  keepDirs?: boolean;
}

export interface ChaosRun {
  seed: number;
  result: CheckResult;
  history: ChaosEvent[];
  report: string;
  /** The command that runs the same schedule again. */
  replay: string;
  dataDir?: string;
}

const TOPIC = 'chaos';
const GROUP = 'chaos-group';

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p.catch(() => undefined), t]);
  } finally {
    clearTimeout(timer);
  }
}

/** The cluster's settings for the run: short sessions and timeouts so faults are noticed within seconds. */
export const CHAOS_PROPS: Record<string, string> = {
  'controller.quorum.fetch.timeout.ms': '1000',
  'controller.quorum.election.timeout.ms': '500',
  'controller.quorum.election.backoff.max.ms': '500',
  'broker.heartbeat.interval.ms': '500',
  'broker.session.timeout.ms': '3000',
  'replica.lag.time.max.ms': '5000',
  'default.replication.factor': '3',
  'offsets.topic.replication.factor': '3',
  'offsets.topic.num.partitions': '3',
  'transaction.state.log.replication.factor': '3',
  'transaction.state.log.min.isr': '2',
  'transaction.state.log.num.partitions': '3',
  'unclean.leader.election.enable': 'false',
};

export async function runChaos(o: ChaosOptions): Promise<ChaosRun> {
  const log = o.log ?? (() => undefined);
  const rand = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
  const partitions = o.partitions ?? 3;
  const faults = o.faults ?? ALL_FAULTS;
  const recoveryBoundMs = o.recoveryBoundMs ?? 90_000;
  const history: ChaosEvent[] = [];
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const record = (e: ChaosEvent) => {
    history.push(e);
    if (e.type === 'fault' || e.type === 'recovery') log(formatEvent(e));
  };

  // A client's info-and-above log lines go into the history (the context of an anomaly).
  const clientLogger = (client: string): Logger => {
    const noop = () => undefined;
    const line =
      (level: string) =>
      (a: string | object, b?: string) => {
        const msg = typeof a === 'string' ? a : `${b ?? ''} ${JSON.stringify(a)}`;
        record({ t: now(), type: 'client', client, message: `${level} ${msg}` });
      };
    const l: Logger = { trace: noop, debug: noop, info: line('info'), warn: line('warn'), error: line('error'), fatal: line('fatal'), child: () => l };
    return l;
  };

  log(`chaos: seed ${o.seed}, ${Math.round(o.durationMs / 1000)} s of faults (${faults.join(', ') || 'none'}), ${partitions} partitions`);
  const cluster = await TestCluster.start({ combined: 3, proxyLinks: true, props: CHAOS_PROPS, keepDirs: o.keepDirs, startTimeoutMs: 120_000 });
  const ids = cluster.nodes.map((n) => n.id);
  const clientOpts = { bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 10_000, retryBackoffMaxMs: 500, reconnectBackoffMaxMs: 500, metadataMaxAgeMs: 5000 };
  const admin = new Admin({ ...clientOpts, clientId: 'chaos-admin' });
  const closers: Array<() => Promise<unknown>> = [];
  let stopping = false;
  try {
    await admin.createTopics([{ name: TOPIC, numPartitions: partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }], { timeoutMs: 60_000 });
    await waitFor('the topic to have leaders', async () => {
      const [d] = await admin.describeTopics([TOPIC]);
      return d.error === null && d.partitions.length === partitions && d.partitions.every((p) => p.leader !== null);
    });

    // Producers: idempotent, acks=all, numbered records per (producer, partition).
    const inflight = new Set<Promise<unknown>>();
    const produce = (producer: Producer, name: string, partition: number, seq: number) => {
      record({ t: now(), type: 'send', producer: name, partition, seq });
      const p = (producer.send({ topic: TOPIC, partition, value: recordValue(name, partition, seq) }) as Promise<{ offset: number }>).then(
        (md) => record({ t: now(), type: 'ack', producer: name, partition, seq, offset: md.offset }),
        (e: Error) => record({ t: now(), type: 'fail', producer: name, partition, seq, error: (e as { code?: string }).code ?? e.message }),
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      return p;
    };
    const producerLoops: Promise<void>[] = [];
    const rate = o.ratePerProducer ?? 50;
    for (let i = 0; i < (o.producers ?? 2); i++) {
      const name = `p${i + 1}`;
      const producer = new Producer({ ...clientOpts, logger: clientLogger(name), clientId: `chaos-${name}`, acks: 'all', enableIdempotence: true, lingerMs: 5, deliveryTimeoutMs: 120_000 });
      closers.push(() => producer.close(30_000));
      const seqs = new Array<number>(partitions).fill(0);
      producerLoops.push(
        (async () => {
          let n = 0;
          while (!stopping) {
            const partition = n++ % partitions;
            void produce(producer, name, partition, seqs[partition]++);
            // Backpressure: at most 200 unanswered records per producer.
            while (inflight.size > 200 * (o.producers ?? 2) && !stopping) await sleep(20);
            await sleep(1000 / rate);
          }
        })(),
      );
    }

    // Consumers in a group: read, then commit what they read.
    const consumerLoops: Promise<void>[] = [];
    for (let i = 0; i < (o.consumers ?? 2); i++) {
      const name = `c${i + 1}`;
      const consumer = new Consumer({ ...clientOpts, clientId: `chaos-${name}`, groupId: GROUP, enableAutoCommit: false, autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });
      closers.push(() => consumer.close());
      consumer.subscribe([TOPIC]);
      consumerLoops.push(
        (async () => {
          while (!stopping) {
            let records: ConsumerRecord[] = [];
            try {
              records = await consumer.poll(500);
            } catch {
              await sleep(200);
              continue;
            }
            const next = new Map<number, number>();
            for (const r of records) {
              record({ t: now(), type: 'consume', consumer: name, partition: r.partition, offset: r.offset, value: r.value?.toString() ?? '' });
              next.set(r.partition, r.offset + 1);
            }
            if (next.size === 0) continue;
            try {
              const since = now();
              await consumer.commitSync([...next].map(([partition, offset]) => ({ topic: TOPIC, partition, offset })), 15_000);
              for (const [partition, offset] of next) record({ t: now(), type: 'committed', group: GROUP, partition, offset, source: `commit ${name}`, since });
            } catch {
              // A failed commit (rebalance, coordinator moving) commits nothing; the next one carries on.
            }
          }
        })(),
      );
    }
    // The group's committed offsets as the coordinator reports them, every 2 s.
    const observeCommitted = async () => {
      const since = now();
      const offs = await withTimeout(admin.listConsumerGroupOffsets(GROUP, { timeoutMs: 5000 }), 6000);
      for (const c of offs ?? []) if (c.topic === TOPIC && c.offset >= 0) record({ t: now(), type: 'committed', group: GROUP, partition: c.partition, offset: c.offset, source: 'offset-fetch', since });
    };
    const observerLoop = (async () => {
      while (!stopping) {
        await observeCommitted();
        await sleep(2000);
      }
    })();

    // The faults.
    const describe = async () => {
      const d = await withTimeout(admin.describeTopics([TOPIC], { timeoutMs: 5000 }), 6000);
      return d?.[0]?.error === null ? d[0] : undefined;
    };
    const faultEnd = Date.now() + o.durationMs;
    await sleep(Math.min(3000, o.durationMs));
    while (faults.length > 0 && Date.now() < faultEnd) {
      const kind = pick(faults);
      const partition = between(0, partitions - 1);
      const hold = between(3000, 8000);
      let node: number;
      const d = await describe();
      const p = d?.partitions.find((x) => x.partition === partition);
      switch (kind) {
        case 'kill-leader':
        case 'isolate-leader':
          node = p?.leader?.nodeId ?? pick(ids);
          break;
        case 'kill-follower': {
          const followers = (p?.replicas ?? []).map((r) => r.nodeId).filter((id) => id !== p?.leader?.nodeId);
          node = followers.length > 0 ? pick(followers) : pick(ids);
          break;
        }
        case 'kill-controller': {
          const q = await withTimeout(admin.describeMetadataQuorum({ timeoutMs: 5000 }), 6000);
          node = q !== undefined && q.leaderId > 0 ? q.leaderId : pick(ids);
          break;
        }
        case 'pause':
          node = pick(ids);
          break;
      }
      record({ t: now(), type: 'fault', action: kind, node, detail: `partition ${partition}, for ${hold} ms` });
      if (kind === 'pause') cluster.pause(node);
      else if (kind === 'isolate-leader') cluster.isolate(node);
      else await cluster.kill(node);
      await sleep(hold);
      if (kind === 'pause') cluster.resume(node);
      else if (kind === 'isolate-leader') cluster.heal();
      else await cluster.startNode(node).catch((e: Error) => record({ t: now(), type: 'fault', action: 'restart-failed', node, detail: e.message.split('\n')[0] }));
      record({ t: now(), type: 'fault', action: kind === 'pause' ? 'resume' : kind === 'isolate-leader' ? 'heal' : 'restart', node });
      await sleep(between(1000, 4000));
    }
    if (faults.length === 0) await sleep(Math.max(0, faultEnd - Date.now()));

    // Faults stop: every node runs, every link is up; the cluster must serve every partition again.
    cluster.heal();
    for (const id of ids) {
      cluster.resume(id);
      if (!cluster.isRunning(id)) await cluster.startNode(id).catch(() => undefined);
    }
    record({ t: now(), type: 'fault', action: 'stop-faults' });
    const recoveryStart = Date.now();
    const probe = new Producer({ ...clientOpts, clientId: 'chaos-probe', acks: 'all', enableIdempotence: true, deliveryTimeoutMs: recoveryBoundMs });
    closers.push(() => probe.close(5000));
    let detail = '';
    const recovered = await waitFor(
      'recovery',
      async () => {
        const brokers = await withTimeout(admin.describeCluster({ timeoutMs: 5000 }), 6000);
        if (brokers === undefined || brokers.brokers.length < ids.length) return void (detail = `${brokers?.brokers.length ?? '?'} of ${ids.length} brokers registered`);
        const d2 = await describe();
        const bad = d2?.partitions.filter((x) => x.leader === null || x.isr.length < x.replicas.length);
        if (d2 === undefined || bad!.length > 0) return void (detail = `partitions without a leader or a full ISR: ${bad?.map((x) => x.partition).join(', ') ?? '?'}`);
        return true;
      },
      recoveryBoundMs,
    ).catch(() => false);
    let probesOk = recovered;
    if (recovered) {
      const seqBase = 0;
      const results = await Promise.all(
        Array.from({ length: partitions }, (_, partition) => produce(probe, 'probe', partition, seqBase).then(() => history.some((e) => e.type === 'ack' && e.producer === 'probe' && e.partition === partition))),
      );
      probesOk = results.every(Boolean) && Date.now() - recoveryStart <= recoveryBoundMs;
      if (!probesOk) detail = 'a probe write with acks=all failed';
    }
    record({ t: now(), type: 'recovery', ok: probesOk, ms: Date.now() - recoveryStart, boundMs: recoveryBoundMs, detail: probesOk ? undefined : detail });

    // Let the clients run a little on the healed cluster, then stop them and drain.
    await sleep(3000);
    stopping = true;
    await Promise.all([...producerLoops, ...consumerLoops, observerLoop]);
    await withTimeout(Promise.all([...inflight]), 130_000);
    await withTimeout(Promise.all(closers.splice(0).map((c) => c())), 60_000);
    await observeCommitted();

    // The final read: every partition from the start to its high watermark.
    const reader = new Consumer({ ...clientOpts, clientId: 'chaos-reader', autoOffsetReset: 'earliest' });
    try {
      const tps = Array.from({ length: partitions }, (_, partition) => ({ topic: TOPIC, partition }));
      reader.assign(tps);
      reader.seekToBeginning(tps);
      const ends = new Map([...(await reader.endOffsets(tps))].map(([k, v]) => [tps.find((tp) => tpKey(tp.topic, tp.partition) === k)!.partition, v]));
      if (ends.size !== partitions) throw new Error(`final read: end offsets of ${ends.size} of ${partitions} partitions`);
      const positions = new Map<number, number>();
      const done = () => tps.every((tp) => (positions.get(tp.partition) ?? 0) >= ends.get(tp.partition)!);
      const deadline = Date.now() + 120_000;
      while (!done() && Date.now() < deadline) {
        for (const r of await reader.poll(1000)) {
          record({ t: now(), type: 'final-read', partition: r.partition, offset: r.offset, value: r.value?.toString() ?? '' });
          positions.set(r.partition, r.offset + 1);
        }
      }
      if (!done()) throw new Error(`final read: stopped at ${[...positions].map(([p, o]) => `${p}@${o}`).join(', ')} of ${[...ends].map(([p, o]) => `${p}@${o}`).join(', ')}`);
      log(`final read: ${[...ends].map(([p, v]) => `partition ${p} end ${v}`).join(', ')}`);
    } finally {
      await reader.close();
    }
  } finally {
    stopping = true;
    await withTimeout(Promise.all(closers.map((c) => c())), 30_000);
    admin.close();
    await cluster.close();
  }

  const result = check(history);
  const replay = `npm run chaos -- --minutes ${+(o.durationMs / 60_000).toFixed(2)} --seed ${o.seed}`;
  const report = formatReport(result, `chaos run: seed ${o.seed}, ${(o.durationMs / 60_000).toFixed(2)} minutes of faults, ${partitions} partitions, RF 3, min.insync.replicas 2 (replay: ${replay})`);
  return { seed: o.seed, result, history, report, replay, dataDir: o.keepDirs ? cluster.root : undefined };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}
