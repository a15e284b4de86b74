/**
 * A real cluster: 3 controllers and 3 brokers as separate processes on loopback (the @nagare/testing
 * cluster testkit). Topics are created in a loop while the active controller is killed with
 * SIGKILL; afterwards every acknowledged CreateTopics is in every broker's metadata and in every
 * node's committed metadata log, and no topic is in any log twice.
 */
import { join } from 'node:path';
import { Admin } from '@nagare/client';
import { ManualClock, silentLogger } from '@nagare/common';
import { MetadataLogStore, kafkaSnapshotCodec } from '@nagare/kraft';
import { EMPTY_IMAGE, MetadataDelta, MetadataRecordType, decodeMetadataRecord } from '@nagare/metadata';
import { ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { iterateBatches } from '@nagare/records';
import { LogManager, NodeFileSystem, logConfigFromProperties } from '@nagare/storage';
import { TestCluster, serverBuilt, NOT_BUILT_MESSAGE } from '@nagare/testing';

const built = serverBuilt();
if (!built) console.warn(`skipping the cluster tests: ${NOT_BUILT_MESSAGE}`);
const describeBuilt = built ? describe : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(200);
  }
}

/** A node's committed metadata log, read from its directory after it stopped: topic names, and how many TopicRecords each has. */
function topicsInLog(dir: string): { topics: Set<string>; records: Map<string, number> } {
  const clock = new ManualClock();
  const fs = new NodeFileSystem();
  const logDir = join(dir, 'logs');
  const logs = LogManager.open({ logDirs: [logDir], fs, clock, defaultConfig: logConfigFromProperties({}) });
  try {
    const log = logs.getOrCreateLog('__cluster_metadata', 0, logConfigFromProperties({ 'retention.ms': '-1' }));
    const state = new MetadataLogStore({ log, fs, clusterId: '', codec: kafkaSnapshotCodec(), clock, logger: silentLogger }).load();
    const records = new Map<string, number>();
    const delta = new MetadataDelta(EMPTY_IMAGE);
    const replay = (value: Buffer, offset: number) => {
      const r = decodeMetadataRecord(value);
      if (r.type === MetadataRecordType.TopicRecord) {
        const name = (r.data as { name: string }).name;
        records.set(name, (records.get(name) ?? 0) + 1);
      }
      delta.replay(r, offset, 0);
    };
    let o = 0;
    if (state.snapshot !== undefined) {
      for (const b of iterateBatches(Buffer.from(state.snapshot.data))) for (const r of b.records()) if (r.value !== null) replay(r.value, o++);
    }
    for (const e of state.entries ?? []) if (e.control === undefined && e.payload.length > 0) replay(Buffer.from(e.payload), e.offset);
    return { topics: new Set(delta.apply().topicsByName.keys()), records };
  } finally {
    void logs.close();
  }
}

describeBuilt('a cluster of 3 controllers and 3 brokers (real processes)', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it('keeps every acknowledged CreateTopics, once, on every node, across a SIGKILL of the active controller', async () => {
    cluster = await TestCluster.start({ controllers: 3, brokers: 3 });
    const c = cluster;
    const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5000, defaultApiTimeoutMs: 20000 });
    const acked = new Set<string>();
    try {
      const quorum = await admin.describeMetadataQuorum();
      expect(quorum.voters.map((v) => v.replicaId).sort()).toEqual([1, 2, 3]);
      expect(quorum.observers.map((v) => v.replicaId).sort()).toEqual([4, 5, 6]);
      const leader = quorum.leaderId;

      const refused: string[] = [];
      let stop = false;
      let killedAt = -1;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          const name = `failover-${i}`;
          try {
            const [r] = await admin.createTopics([{ name, numPartitions: 1, replicationFactor: 1 }], { timeoutMs: 20000 });
            if (r.error === null) acked.add(name);
            else refused.push(`${name}: ${r.error.message}`);
          } catch (e) {
            // Not acknowledged (it may or may not exist): TOPIC_ALREADY_EXISTS after a retry, a timeout, ...
            refused.push(`${name}: ${(e as Error).message}`);
            if (e instanceof KafkaProtocolError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS) continue;
          }
        }
      })();
      await until('10 topics created', async () => (acked.size >= 10 ? true : undefined), 60000);
      await c.killNode(leader);
      killedAt = acked.size;
      // Creations go on under the next controller.
      await until('10 more topics created after the failover', async () => (acked.size >= killedAt + 10 ? true : undefined), 60000);
      stop = true;
      await loop;
      const after = await admin.describeMetadataQuorum();
      expect(after.leaderId).not.toBe(leader);
      expect(after.leaderEpoch).toBeGreaterThan(quorum.leaderEpoch);

      // Every broker's metadata has every acknowledged topic.
      for (const b of c.brokers()) {
        const one = new Admin({ bootstrapServers: `127.0.0.1:${b.brokerPort}`, requestTimeoutMs: 5000 });
        try {
          await until(`broker ${b.id} to know every acknowledged topic`, async () => {
            const names = new Set((await one.listTopics()).map((t) => t.name));
            return [...acked].every((n) => names.has(n)) ? true : undefined;
          }, 30000);
        } finally {
          one.close();
        }
      }
      // The killed controller comes back and catches up.
      await c.startNode(leader);
      await until('the restarted controller to catch up', async () => {
        const q = await admin.describeMetadataQuorum();
        const me = q.voters.find((v) => v.replicaId === leader)!;
        return me.logEndOffset >= q.highWatermark ? true : undefined;
      }, 60000);
    } finally {
      admin.close();
    }
    // Stop everything cleanly and read every node's committed log from its directory.
    for (const n of c.nodes) await c.stopNode(n.id);
    for (const n of c.nodes) {
      const { topics, records } = topicsInLog(n.dataDir);
      const missing = [...acked].filter((t) => !topics.has(t));
      expect({ node: n.id, missing }).toEqual({ node: n.id, missing: [] });
      const twice = [...records].filter(([, k]) => k > 1);
      expect({ node: n.id, twice }).toEqual({ node: n.id, twice: [] });
    }
  }, 300_000);
});
