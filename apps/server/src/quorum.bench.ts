/**
 * Metadata quorum benchmarks (npm run bench -- quorum):
 *
 * - CreateTopics latency (1 partition, one request at a time) on a 3-voter quorum of real processes
 *   on loopback: sent to the active controller's listener (the quorum commit itself), and through a
 *   broker (forwarded, what clients see).
 * - From SIGKILL of the active controller to the next committed metadata write (an
 *   IncrementalAlterConfigs retried on the surviving controllers until one commits it), with Kafka's
 *   default quorum timeouts and with tuned ones.
 * - The machine, for reading the above: fdatasync latency of small appends, and the round trip of
 *   a byte between two processes on loopback, measured in the same run (the load average too).
 * - Start-up replay of a metadata image with 100,000 partitions, from the log and from a snapshot:
 *   a node's KRaft replica, metadata loader and controller (a combined node replays twice), on a
 *   real disk, until the image is published.
 */
import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConnection, ExponentialBackoff } from '@nagare/client';
import { silentLogger, systemClock, systemScheduler, type BenchContext, type BenchResult } from '@nagare/common';
import { QuorumController } from '@nagare/controller';
import { MetadataLoader, MetadataLogStore, RaftClient, imageToBatches, kafkaSnapshotCodec } from '@nagare/kraft';
import { ConfigResolver, MetadataRecordType, encodeMetadataRecord, type MetadataRecord } from '@nagare/metadata';
import { ApiKey, ErrorCode, type RequestByKey, type ResponseByKey } from '@nagare/protocol';
import { LogManager, NodeFileSystem, logConfigFromProperties } from '@nagare/storage';
import { TestCluster } from '@nagare/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connect(port: number): BrokerConnection {
  return new BrokerConnection(-1, '127.0.0.1', port, {
    clientId: 'quorum-bench',
    requestTimeoutMs: 5000,
    connectionSetupTimeoutMs: 2000,
    maxInFlight: 1,
    reconnectBackoff: new ExponentialBackoff(20, 200),
    clock: systemClock,
    scheduler: systemScheduler,
    logger: silentLogger,
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The leader and epoch, as the leader itself answers DescribeQuorum (others answer NOT_LEADER_OR_FOLLOWER). */
export async function quorumLeader(c: TestCluster, exclude = -1): Promise<{ leaderId: number; epoch: number }> {
  for (;;) {
    for (const n of c.controllers()) {
      if (n.id === exclude || !c.isRunning(n.id)) continue;
      const conn = connect(n.controllerPort!);
      try {
        const q = await conn.request(ApiKey.DescribeQuorum, () => ({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }));
        const p = q.topics[0].partitions[0];
        if (p.errorCode === ErrorCode.NONE && p.leaderId >= 0) return { leaderId: p.leaderId, epoch: p.leaderEpoch };
      } catch {
        // not answering (yet)
      } finally {
        conn.close();
      }
    }
    await sleep(20);
  }
}

export async function activeController(c: TestCluster, exclude = -1): Promise<number> {
  return (await quorumLeader(c, exclude)).leaderId;
}

export async function createTopicLatencies(port: number, prefix: string, count: number): Promise<number[]> {
  const conn = connect(port);
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      const r = await conn.request(ApiKey.CreateTopics, () => ({ topics: [{ name: `${prefix}-${i}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30000, validateOnly: false }));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.topics[0].errorCode !== ErrorCode.NONE) throw new Error(`CreateTopics ${prefix}-${i}: ${r.topics[0].errorMessage}`);
      if (i >= 20) out.push(ms); // the first ones warm the JIT up
    }
  } finally {
    conn.close();
  }
  return out.sort((a, b) => a - b);
}

/** fdatasync after each small append (what every voter does per Ready), in the temp directory's file system. */
function fsyncLatencies(count: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'nagare-fsync-'));
  const fd = openSync(join(dir, 'f'), 'a');
  const chunk = Buffer.alloc(200, 1);
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      writeSync(fd, chunk);
      fdatasyncSync(fd);
      out.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return out.sort((a, b) => a - b);
}

/** A byte to a child process over loopback TCP and back (scheduling and wake-up latency of the machine). */
async function roundTrips(count: number): Promise<number[]> {
  const code = `const s = require('net').createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); }).listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise((r) => sock.once('connect', r));
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        sock.once('data', () => resolve());
        sock.write('x');
      });
      out.push(performance.now() - t0);
    }
    sock.destroy();
    return out.sort((a, b) => a - b);
  } finally {
    child.kill();
  }
}

export async function machine(ctx: BenchContext): Promise<BenchResult[]> {
  const load = loadavg()[0].toFixed(1);
  ctx.log(`load average ${load}`);
  const f = fsyncLatencies(500);
  const rt = await roundTrips(2000);
  const note = (x: number[]) => `p50 ${percentile(x, 50).toFixed(2)}, p99 ${percentile(x, 99).toFixed(2)}, max ${x[x.length - 1].toFixed(1)} ms; load average ${load} at the start`;
  return [
    { name: 'this machine: write + fdatasync of 200 bytes, p99', value: percentile(f, 99), unit: 'ms', note: note(f) },
    { name: 'this machine: loopback round trip between two processes, p99', value: percentile(rt, 99), unit: 'ms', note: note(rt) },
  ];
}

export async function createTopicsLatency(ctx: BenchContext): Promise<BenchResult[]> {
  ctx.log('3 controllers + 1 broker: CreateTopics (1 partition), one at a time');
  const c = await TestCluster.start({ controllers: 3, brokers: 1, props: { 'metadata.max.idle.interval.ms': '500' } });
  try {
    const leader = await activeController(c);
    const direct = await createTopicLatencies(c.node(leader).controllerPort!, 'direct', 520);
    const viaBroker = await createTopicLatencies(c.brokers()[0].brokerPort!, 'broker', 520);
    const note = (s: number[]) => `${s.length} requests, max ${s[s.length - 1].toFixed(1)} ms`;
    return [
      { name: 'CreateTopics p50, to the active controller (3 voters)', value: percentile(direct, 50), unit: 'ms', note: note(direct) },
      { name: 'CreateTopics p99, to the active controller (3 voters)', value: percentile(direct, 99), unit: 'ms', target: 20, better: 'lower', note: note(direct) },
      { name: 'CreateTopics p50, through a broker', value: percentile(viaBroker, 50), unit: 'ms', note: note(viaBroker) },
      { name: 'CreateTopics p99, through a broker', value: percentile(viaBroker, 99), unit: 'ms', target: 20, better: 'lower', note: note(viaBroker) },
    ];
  } finally {
    await c.close();
  }
}

/** IncrementalAlterConfigs on the cluster-wide broker defaults: a metadata write that needs no broker. */
function alterRequest(i: number): RequestByKey[typeof ApiKey.IncrementalAlterConfigs] {
  return { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: String(3_600_000 + i) }] }], validateOnly: false };
}

/** Sends the write to every surviving controller until one commits it; resolves with the time it committed. */
async function nextCommit(c: TestCluster, dead: number, i: number): Promise<number> {
  const conns = c.controllers().filter((n) => n.id !== dead).map((n) => connect(n.controllerPort!));
  try {
    for (;;) {
      const answers = await Promise.all(
        conns.map((conn) =>
          conn.request(ApiKey.IncrementalAlterConfigs, () => alterRequest(i), { timeoutMs: 2000 }).then(
            (r: ResponseByKey[typeof ApiKey.IncrementalAlterConfigs]) => r.responses[0].errorCode,
            () => -1,
          ),
        ),
      );
      if (answers.includes(ErrorCode.NONE)) return performance.now();
      await sleep(5);
    }
  } finally {
    for (const conn of conns) conn.close();
  }
}

async function failover(ctx: BenchContext, label: string, props: Record<string, string>, rounds: number): Promise<number[]> {
  const times: number[] = [];
  const c = await TestCluster.start({ controllers: 3, props });
  try {
    for (let attempt = 0; times.length < rounds && attempt < rounds * 3; attempt++) {
      // A write commits (the quorum is settled), then the leader of that moment is killed.
      await nextCommit(c, -1, attempt * 2);
      const before = await quorumLeader(c);
      const t0 = performance.now();
      await c.killNode(before.leaderId);
      const t1 = await nextCommit(c, before.leaderId, attempt * 2 + 1);
      const after = await quorumLeader(c, before.leaderId);
      // Under load, short timeouts can move the leadership on their own just before the kill: such a
      // round killed a follower and does not count.
      if (after.epoch > before.epoch) {
        times.push(t1 - t0);
        ctx.log(`${label}: killed ${before.leaderId} (leader in epoch ${before.epoch}), next commit after ${(t1 - t0).toFixed(0)} ms (leader ${after.leaderId}, epoch ${after.epoch})`);
      } else {
        ctx.log(`${label}: ${before.leaderId} was no longer the leader when killed; round not counted`);
      }
      await c.startNode(before.leaderId);
      await sleep(500);
    }
  } finally {
    await c.close();
  }
  return times.sort((a, b) => a - b);
}

export async function failoverTimes(ctx: BenchContext): Promise<BenchResult[]> {
  const rounds = 5;
  const def = await failover(ctx, 'default timeouts', {}, rounds);
  const tuned = {
    'controller.quorum.election.timeout.ms': '150',
    'controller.quorum.fetch.timeout.ms': '200',
    'controller.quorum.election.backoff.max.ms': '100',
    'controller.quorum.request.timeout.ms': '300',
  };
  const fast = await failover(ctx, 'tuned timeouts', tuned, rounds);
  const note = (s: number[]) => `median of ${s.length} kills; all: ${s.map((x) => x.toFixed(0)).join(', ')} ms`;
  return [
    { name: 'SIGKILL of the active controller to the next committed write, default timeouts', value: percentile(def, 50), unit: 'ms', target: 3000, better: 'lower', note: note(def) },
    {
      name: 'SIGKILL of the active controller to the next committed write, tuned timeouts',
      value: percentile(fast, 50),
      unit: 'ms',
      target: 500,
      better: 'lower',
      note: `${note(fast)} (election.timeout 150, fetch.timeout 200, election.backoff.max 100, request.timeout 300)`,
    },
  ];
}

// ---- start-up replay of 100,000 partitions ----

const TOPICS = 1000;
const PARTITIONS = 100;

function topicId(t: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(t + 1, 12);
  return b.toString('base64url');
}

/** The records of a cluster with TOPICS x PARTITIONS partitions over 3 brokers, in command-sized batches. */
export function clusterBatches(): MetadataRecord[][] {
  const batches: MetadataRecord[][] = [[{ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name: 'metadata.version', featureLevel: 25 } }]];
  for (let b = 1; b <= 3; b++) {
    batches.push([
      {
        type: MetadataRecordType.RegisterBrokerRecord,
        version: 3,
        data: { brokerId: b, isMigratingZkBroker: false, incarnationId: topicId(100_000 + b), brokerEpoch: BigInt(b), endPoints: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 + b, securityProtocol: 0 }], features: [], rack: null, fenced: false, inControlledShutdown: false, logDirs: [] },
      },
    ]);
  }
  for (let t = 0; t < TOPICS; t++) {
    const id = topicId(t);
    const batch: MetadataRecord[] = [{ type: MetadataRecordType.TopicRecord, version: 0, data: { name: `topic-${t}`, topicId: id } }];
    for (let p = 0; p < PARTITIONS; p++) {
      const replicas = [1 + ((t + p) % 3), 1 + ((t + p + 1) % 3), 1 + ((t + p + 2) % 3)];
      batch.push({
        type: MetadataRecordType.PartitionRecord,
        version: 0,
        data: { partitionId: p, topicId: id, replicas, isr: replicas, removingReplicas: [], addingReplicas: [], leader: replicas[0], leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null },
      });
    }
    batches.push(batch);
  }
  return batches;
}

interface Node {
  raft: RaftClient;
  loader: MetadataLoader;
  controller: QuorumController;
  logs: LogManager;
}

export function openNode(dir: string): Node {
  const fs = new NodeFileSystem();
  const logs = LogManager.open({ logDirs: [dir], fs, clock: systemClock, defaultConfig: logConfigFromProperties({ 'retention.ms': '-1' }) });
  const log = logs.getOrCreateLog('__cluster_metadata', 0, logConfigFromProperties({ 'retention.ms': '-1', 'retention.bytes': '-1', 'segment.bytes': String(64 * 1024 * 1024) }));
  const codec = kafkaSnapshotCodec(() => Date.now());
  const store = new MetadataLogStore({ log, fs, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', codec, clock: systemClock });
  const raft = new RaftClient(
    { nodeId: 1, directoryId: 'AAAAAAAAAAAAAAAAAAAAAA', clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', staticVoters: new Map([[1, { host: 'localhost', port: 0 }]]), bootstrapServers: [], listenerName: 'CONTROLLER', localEndpoints: [], snapshotCodec: codec },
    { store, clock: systemClock, scheduler: systemScheduler },
  );
  const loader = new MetadataLoader({ clock: systemClock });
  raft.register(loader);
  const controller = new QuorumController({
    nodeId: 1,
    clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
    log: raft,
    clock: systemClock,
    scheduler: systemScheduler,
    settings: { numPartitions: 1, defaultReplicationFactor: 1, deleteTopicEnable: true, resolver: new ConfigResolver(new Map(), 1), metadataVersion: 25, maxIdleIntervalMs: 0, autoLeaderRebalance: false },
  });
  return { raft, loader, controller, logs };
}

export async function closeNode(n: Node): Promise<void> {
  n.controller.close();
  await n.raft.close();
  await n.logs.close();
}

/**
 * Starts a node on `dir` and times it until both the loader and the controller hold every partition:
 * wall-clock time, and the CPU time this process used meanwhile (the machine may be shared).
 */
export async function timedStart(dir: string): Promise<{ ms: number; cpuMs: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const n = openNode(dir);
  n.raft.start();
  for (;;) {
    const img = n.loader.image();
    const t = img.topicsByName.get(`topic-${TOPICS - 1}`);
    if (t !== undefined && t.partitions.size === PARTITIONS && n.controller.committed().topicsByName.get(`topic-${TOPICS - 1}`)?.partitions.size === PARTITIONS) break;
    await new Promise((r) => setImmediate(r));
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await closeNode(n);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

async function threeStarts(dir: string): Promise<Array<{ ms: number; cpuMs: number }>> {
  const runs = [await timedStart(dir), await timedStart(dir), await timedStart(dir)];
  return runs.sort((a, b) => a.ms - b.ms);
}

export async function replay(ctx: BenchContext): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nagare-replay-'));
  try {
    // Write the log: one batch per topic (a CreateTopics of 100 partitions each).
    const n = openNode(dir);
    n.raft.start();
    while (!n.controller.isActive()) await new Promise((r) => setImmediate(r));
    const epoch = n.raft.epoch;
    let last = 0;
    for (const b of clusterBatches()) last = n.raft.append(epoch, b.map((r) => encodeMetadataRecord(r)));
    await n.loader.waitFor(last);
    const logBytes = n.raft.bytesSinceSnapshot;
    await closeNode(n);
    ctx.log(`metadata log: ${TOPICS} topics x ${PARTITIONS} partitions, ${(logBytes / 1e6).toFixed(1)} MB`);
    const fromLog = await threeStarts(dir);

    // Take a snapshot of the same image, and start from it.
    const s = openNode(dir);
    s.raft.start();
    await s.loader.waitFor(last);
    s.raft.createSnapshot(s.loader.image().provenance.offset + 1, imageToBatches(s.loader.image(), Date.now(), s.raft.epoch));
    await closeNode(s);
    const fromSnapshot = await threeStarts(dir);
    const note = (x: Array<{ ms: number; cpuMs: number }>) =>
      `median of 3 starts (${x.map((v) => v.ms.toFixed(0)).join(', ')} ms; CPU time ${x.map((v) => v.cpuMs.toFixed(0)).join(', ')} ms); the loader and the controller both replay (a combined node)`;
    return [
      { name: 'start-up replay of 100,000 partitions from the log', value: fromLog[1].ms, unit: 'ms', target: 2000, better: 'lower', note: note(fromLog) },
      { name: 'start-up replay of 100,000 partitions from a snapshot', value: fromSnapshot[1].ms, unit: 'ms', target: 2000, better: 'lower', note: note(fromSnapshot) },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  return [...(await replay(ctx)), ...(await machine(ctx)), ...(await createTopicsLatency(ctx)), ...(await failoverTimes(ctx))];
}
