/**
 * Real KRaft replicas in this process, on loopback sockets and real disks: election, replication of
 * metadata records into every node's image, failover after a leader dies, restart from the log,
 * snapshots (KIP-630) with FetchSnapshot to a replica that is far behind, and a KIP-853 dynamic
 * quorum grown with AddRaftVoter and shrunk with RemoveRaftVoter over the wire.
 */
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConnection, ExponentialBackoff } from '@nagare/client';
import { systemClock, systemScheduler, silentLogger } from '@nagare/common';
import { MetadataRecordType, encodeMetadataRecord, type MetadataRecord } from '@nagare/metadata';
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { freePort } from '@nagare/testing';
import { CLUSTER_ID, QuorumNode } from './testing/quorum-node';

const dirs: string[] = [];
const nodes: QuorumNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.kill().catch(() => undefined)));
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'nagare-kraft-'));
  dirs.push(d);
  return d;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => T | undefined | false, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const id = (n: number) => `AAAAAAAAAAAAAAAAAAAA${String.fromCharCode(65 + n)}A`;
const topicRecord = (name: string, n: number): Buffer => encodeMetadataRecord({ type: MetadataRecordType.TopicRecord, version: 0, data: { name, topicId: id(n) } } as MetadataRecord);

async function cluster(n: number, extra: Partial<ConstructorParameters<typeof QuorumNode>[0]> = {}) {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const voters = new Map(ports.map((port, i) => [i + 1, { host: '127.0.0.1', port }]));
  const base = tmp();
  const made = ports.map((port, i) => new QuorumNode({ nodeId: i + 1, dir: join(base, `n${i + 1}`), port, staticVoters: voters, ...extra }));
  nodes.push(...made);
  await Promise.all(made.map((x) => x.start()));
  return { nodes: made, voters, base, ports };
}

async function leaderOf(ns: QuorumNode[]): Promise<QuorumNode> {
  return until('a leader that committed in its epoch', () => ns.find((x) => x.raft.role === 'leader' && x.raft.leaderAndEpoch().leaderId === x.raft.nodeId));
}

describe('KRaft over the wire', () => {
  it('3 voters elect a leader, replicate metadata records into every image, and survive the leader dying', async () => {
    const { nodes: ns, voters, base } = await cluster(3);
    const leader = await leaderOf(ns);
    const last = leader.raft.append(leader.raft.epoch, [topicRecord('t1', 1), topicRecord('t2', 2)]);
    await until('every image has both topics', () => ns.every((x) => x.loader.image().provenance.offset >= last && x.loader.image().topicsByName.has('t2')));
    // The batch committed as a whole on every node: both topics arrive together.
    for (const x of ns) expect([...x.loader.image().topicsByName.keys()]).toEqual(['t1', 't2']);

    // Kill the leader: the others elect a new one in a higher epoch and keep every committed record.
    await leader.kill();
    const rest = ns.filter((x) => x !== leader);
    const next = await until('a new leader', () => rest.find((x) => x.raft.role === 'leader' && x.raft.leaderAndEpoch().leaderId === x.raft.nodeId));
    expect(next.raft.epoch).toBeGreaterThan(leader.raft.epoch);
    const last2 = next.raft.append(next.raft.epoch, [topicRecord('t3', 3)]);
    await until('the survivors have t3', () => rest.every((x) => x.loader.image().provenance.offset >= last2));

    // The dead node restarts from its own disk, replays, and catches up.
    const port = voters.get(leader.raft.nodeId)!.port;
    const again = new QuorumNode({ nodeId: leader.raft.nodeId, dir: join(base, `n${leader.raft.nodeId}`), port, staticVoters: voters });
    nodes.push(again);
    await again.start();
    await until('the restarted node caught up', () => again.loader.image().topicsByName.has('t3'));
    expect([...again.loader.image().topicsByName.keys()].sort()).toEqual(['t1', 't2', 't3']);
    // Its log on disk is Kafka's layout: segments plus quorum-state in __cluster_metadata-0.
    expect(readdirSync(join(base, `n${leader.raft.nodeId}`, '__cluster_metadata-0'))).toEqual(expect.arrayContaining(['quorum-state', '00000000000000000000.log']));
  }, 60_000);

  it('takes snapshots, deletes the log behind them, and a replica that was away catches up with FetchSnapshot', async () => {
    const { nodes: ns, voters, base } = await cluster(3, { snapshotPolicy: { maxBytesBetweenSnapshots: 2000, maxIntervalMs: 0 } });
    const leader = await leaderOf(ns);
    const away = ns.find((x) => x !== leader)!;
    await away.kill();
    let last = -1;
    for (let i = 0; i < 60; i++) last = leader.raft.append(leader.raft.epoch, [topicRecord(`s${i}`, i % 26)].map((b, j) => (j === 0 ? b : b)));
    const others = ns.filter((x) => x !== away);
    await until('the others applied everything', () => others.every((x) => x.loader.image().provenance.offset >= last));
    await until('the leader snapshotted and moved its log start', () => leader.raft.logStartOffset > 0);
    const files = readdirSync(join(base, `n${leader.raft.nodeId}`, '__cluster_metadata-0')).filter((f) => f.endsWith('.checkpoint'));
    expect(files.length).toBeGreaterThan(0);
    const back = new QuorumNode({ nodeId: away.raft.nodeId, dir: join(base, `n${away.raft.nodeId}`), port: voters.get(away.raft.nodeId)!.port, staticVoters: voters, snapshotPolicy: { maxBytesBetweenSnapshots: 2000, maxIntervalMs: 0 } });
    nodes.push(back);
    await back.start();
    await until('the returning replica has every topic', () => back.loader.image().topicsByName.size === 60 && back.loader.image().provenance.offset >= last);
    expect(back.raft.logStartOffset).toBeGreaterThan(0);
  }, 60_000);

  it('KIP-853: a standalone controller grows to 2 voters with AddRaftVoter and DescribeQuorum reports both', async () => {
    const [p1, p2] = await Promise.all([freePort(), freePort()]);
    const base = tmp();
    const voter1 = { id: 1, directoryId: id(1), endpoints: [{ name: 'CONTROLLER', host: '127.0.0.1', port: p1 }] };
    const n1 = new QuorumNode({ nodeId: 1, dir: join(base, 'n1'), port: p1, directoryId: id(1), bootstrap: { id: { endOffset: 0, epoch: 0 }, data: new Uint8Array(0), kraftVersion: 1, voters: [voter1] } });
    const n2 = new QuorumNode({ nodeId: 2, dir: join(base, 'n2'), port: p2, directoryId: id(2), bootstrapServers: [{ host: '127.0.0.1', port: p1 }] });
    nodes.push(n1, n2);
    await n1.start();
    await n2.start();
    await leaderOf([n1]);
    await until('the observer follows the leader', () => n2.raft.leaderAndEpoch().leaderId === 1 && n2.raft.kraftVersion === 1);
    expect(n2.raft.isVoter).toBe(false);

    const conn = new BrokerConnection(1, '127.0.0.1', p1, {
      clientId: 'test',
      requestTimeoutMs: 5000,
      connectionSetupTimeoutMs: 5000,
      maxInFlight: 1,
      reconnectBackoff: new ExponentialBackoff(50, 1000),
      clock: systemClock,
      scheduler: systemScheduler,
      logger: silentLogger,
    });
    try {
      const add = () => conn.request(ApiKey.AddRaftVoter, () => ({ clusterId: CLUSTER_ID, timeoutMs: 5000, voterId: 2, voterDirectoryId: id(2), listeners: [{ name: 'CONTROLLER', host: '127.0.0.1', port: p2 }] }));
      let r = await add();
      // The observer may not have shown itself caught up yet.
      for (let i = 0; i < 50 && r.errorCode === ErrorCode.REQUEST_TIMED_OUT; i++) r = (await sleep(100), await add());
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE });
      await until('node 2 is a voter', () => n2.raft.isVoter);
      const dup = await add();
      expect(dup.errorCode).toBe(ErrorCode.DUPLICATE_VOTER);

      const q = await conn.request(ApiKey.DescribeQuorum, () => ({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }));
      const p = q.topics[0].partitions[0];
      expect(p.leaderId).toBe(1);
      expect(p.currentVoters.map((v) => [v.replicaId, v.replicaDirectoryId]).sort()).toEqual([
        [1, id(1)],
        [2, id(2)],
      ]);
      expect(q.nodes.map((x) => [x.nodeId, x.listeners[0].port]).sort()).toEqual([
        [1, p1],
        [2, p2],
      ]);
      // A wrong cluster id is refused.
      const bad = await conn.request(ApiKey.RemoveRaftVoter, () => ({ clusterId: 'AAAAAAAAAAAAAAAAAAAAAA', voterId: 2, voterDirectoryId: id(2) }));
      expect(bad.errorCode).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID);
      const rm = await conn.request(ApiKey.RemoveRaftVoter, () => ({ clusterId: CLUSTER_ID, voterId: 2, voterDirectoryId: id(2) }));
      expect(rm.errorCode).toBe(ErrorCode.NONE);
      await until('node 2 is an observer again', () => !n2.raft.isVoter);
    } finally {
      conn.close();
    }
  }, 60_000);
});
