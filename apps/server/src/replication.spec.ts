/**
 * Partition replication across brokers (issue 12) with real processes: 3 combined nodes (the
 * @nagare/testing cluster testkit). An RF=3 topic with min.insync.replicas=2 takes acks=all writes
 * from our client; the leader is SIGKILLed while writes go on; a follower takes over and every
 * acknowledged record is there; the killed node comes back, truncates what it had beyond the new
 * leader's log and rejoins the ISR; afterwards every replica's log, read from its directory, holds
 * the same records. A topic with min.insync.replicas=3 refuses acks=all with NOT_ENOUGH_REPLICAS
 * while a replica is down (two of three combined nodes down would take the metadata quorum too).
 * With 1 controller + 3 brokers: min.insync.replicas=2 with two brokers down (NOT_ENOUGH_REPLICAS,
 * KIP-951 currentLeader from a follower), and a leader paused with SIGSTOP, replaced, resumed.
 */
import { join } from 'node:path';
import { Admin, BrokerConnection, Consumer, ExponentialBackoff, Producer } from '@nagare/client';
import { ManualClock, silentLogger, systemClock, systemScheduler } from '@nagare/common';
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { RecordBatchBuilder, iterateBatches } from '@nagare/records';
import { LogManager, NodeFileSystem, logConfigFromProperties } from '@nagare/storage';
import { TestCluster, serverBuilt, NOT_BUILT_MESSAGE } from '@nagare/testing';

const built = serverBuilt();
if (!built) console.warn(`skipping the replication tests: ${NOT_BUILT_MESSAGE}`);
const describeBuilt = built ? describe : describe.skip;

jest.setTimeout(300_000);

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

/** The record values of a partition's log, read from a stopped node's directory, up to `upTo` offsets. */
function valuesInLog(dataDir: string, topic: string, partition: number): { values: string[]; batches: Buffer[] } {
  const clock = new ManualClock();
  const logs = LogManager.open({ logDirs: [join(dataDir, 'logs')], fs: new NodeFileSystem(), clock, defaultConfig: logConfigFromProperties({}) });
  try {
    const log = logs.getOrCreateLog(topic, partition, logConfigFromProperties({}));
    const values: string[] = [];
    const batches: Buffer[] = [];
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const r = log.read(offset, 1 << 20, { minOneMessage: true });
      if (r.records.length === 0) break;
      for (const b of iterateBatches(r.records)) {
        batches.push(Buffer.from(b.bytes));
        for (const rec of b.records()) values.push(rec.value === null ? '' : rec.value.toString());
      }
      offset = r.nextOffset;
    }
    return { values, batches };
  } finally {
    void logs.close();
  }
}

async function consumeAll(bootstrap: string, topic: string, n: number, timeoutMs: number): Promise<string[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', requestTimeoutMs: 5000 });
  try {
    consumer.assign([{ topic, partition: 0 }]);
    const out: string[] = [];
    const end = Date.now() + timeoutMs;
    while (out.length < n) {
      if (Date.now() > end) throw new Error(`consumed ${out.length} of ${n} records within ${timeoutMs} ms`);
      for (const r of await consumer.poll(200)) out.push(r.value === null ? '' : r.value.toString());
    }
    return out;
  } finally {
    await consumer.close();
  }
}

describeBuilt('partition replication on 3 combined nodes (real processes)', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it('acks=all on RF=3, a SIGKILL of the leader loses no acknowledged record, the old leader rejoins the ISR, every replica holds the same log', async () => {
    cluster = await TestCluster.start({
      combined: 3,
      props: {
        'broker.heartbeat.interval.ms': '500',
        'broker.session.timeout.ms': '4000',
        'replica.lag.time.max.ms': '4000',
        'replica.fetch.backoff.ms': '200',
        'offsets.topic.replication.factor': '3',
      },
    });
    const c = cluster;
    const dump = () => {
      for (const n of c.nodes) {
        const lines = c.output(n.id).filter((l) => /replica|ISR|leader|follower|AlterPartition|fetch/i.test(l));
        process.stderr.write(`---- node ${n.id}\n${lines.slice(-40).join('\n')}\n`);
      }
    };
    const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5000, defaultApiTimeoutMs: 30000 });
    const topic = 'replicated';
    try {
      const [created] = await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
      expect(created.error).toBeNull();
      const describe = async () => (await admin.describeTopics([topic]))[0].partitions[0];
      const first = await until('the topic with a leader and a full ISR', async () => {
        const p = await describe();
        return p.leader !== null && p.isr.length === 3 ? p : undefined;
      }, 30000);
      expect(first.replicas.map((r) => r.nodeId).sort()).toEqual([1, 2, 3]);

      const producer = new Producer({ bootstrapServers: c.bootstrapServers, acks: 'all', lingerMs: 2, deliveryTimeoutMs: 120_000, requestTimeoutMs: 10_000 });
      const acked: string[] = [];
      try {
        // 300 records acknowledged by the ISR before anything happens.
        const firstMeta = await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send({ topic, partition: 0, value: `v-${i}` })));
        expect(firstMeta.map((m) => m.offset)).toEqual(Array.from({ length: 300 }, (_, i) => i));
        for (let i = 0; i < 300; i++) acked.push(`v-${i}`);
        expect(await consumeAll(c.bootstrapServers, topic, 300, 30000)).toEqual(acked);

        // Keep writing, kill the leader, keep writing until 200 more are acknowledged by the new leader.
        const oldLeader = first.leader!.nodeId;
        let stop = false;
        let i = 300;
        const writer = (async () => {
          while (!stop) {
            const values = Array.from({ length: 10 }, () => `v-${i++}`);
            const results = await Promise.allSettled(values.map((value) => producer.send({ topic, partition: 0, value })));
            results.forEach((r, j) => {
              if (r.status === 'fulfilled') acked.push(values[j]);
            });
          }
        })();
        await until('100 more acknowledged records', async () => (acked.length >= 400 ? true : undefined), 60000);
        await c.killNode(oldLeader);
        const killedAt = acked.length;
        const moved = await until('a new leader', async () => {
          const p = await describe();
          return p.leader !== null && p.leader.nodeId !== oldLeader ? p : undefined;
        }, 60000);
        expect(moved.isr.map((r) => r.nodeId)).not.toContain(oldLeader);
        await until('200 records acknowledged after the kill', async () => (acked.length >= killedAt + 200 ? true : undefined), 90000);
        stop = true;
        await writer;
      } finally {
        await producer.close();
      }

      // Every acknowledged record is on the new leader, in order, once (idempotent producer).
      const consumed = await consumeAll(c.bootstrapServers, topic, acked.length, 60000);
      const ackedSet = new Set(acked);
      expect(acked.filter((v) => !consumed.includes(v))).toEqual([]);
      expect(new Set(consumed).size).toBe(consumed.length);
      const seq = consumed.map((v) => Number(v.slice(2)));
      expect(seq.filter((n, k) => k > 0 && n <= seq[k - 1])).toEqual([]);
      expect(consumed.filter((v) => ackedSet.has(v)).length).toBe(acked.length);

      // The killed node comes back as a follower, catches up and rejoins the ISR.
      const oldLeader = first.leader!.nodeId;
      await c.startNode(oldLeader);
      await until('the restarted node back in the ISR', async () => {
        const p = await describe();
        return p.isr.some((r) => r.nodeId === oldLeader) ? true : undefined;
      }, 60000);

      // min.insync.replicas=3 with one replica down: acks=all is refused before the append.
      const strict = 'strict-isr';
      await admin.createTopics([{ name: strict, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '3' } }]);
      const sp = await until('the strict topic with a full ISR', async () => {
        const p = (await admin.describeTopics([strict]))[0].partitions[0];
        return p.leader !== null && p.isr.length === 3 ? p : undefined;
      }, 30000);
      const victim = sp.replicas.map((r) => r.nodeId).find((id) => id !== sp.leader!.nodeId)!;
      await c.killNode(victim);
      await until('the ISR without the killed follower', async () => {
        const p = (await admin.describeTopics([strict]))[0].partitions[0];
        return !p.isr.some((r) => r.nodeId === victim) ? true : undefined;
      }, 60000);
      const strictProducer = new Producer({ bootstrapServers: c.bootstrapServers, acks: 'all', retries: 0, enableIdempotence: false, deliveryTimeoutMs: 20000, requestTimeoutMs: 10000 });
      try {
        await expect(strictProducer.send({ topic: strict, partition: 0, value: 'refused' })).rejects.toMatchObject({ code: 19 });
      } finally {
        await strictProducer.close();
      }
      await c.startNode(victim);
      await until('the strict topic ISR full again', async () => {
        const p = (await admin.describeTopics([strict]))[0].partitions[0];
        return p.isr.length === 3 ? true : undefined;
      }, 60000);
      const okProducer = new Producer({ bootstrapServers: c.bootstrapServers, acks: 'all' });
      try {
        expect((await okProducer.send({ topic: strict, partition: 0, value: 'accepted' })).offset).toBe(0);
      } finally {
        await okProducer.close();
      }

      // Wait until every replica has everything, then compare the logs on disk.
      await until('every replica caught up', async () => {
        const p = await describe();
        return p.isr.length === 3 ? true : undefined;
      }, 60000);
      await sleep(2000);
    } catch (e) {
      dump();
      throw e;
    } finally {
      admin.close();
    }
    for (const n of c.nodes) await c.stopNode(n.id);
    const logs = c.nodes.map((n) => valuesInLog(n.dataDir, topic, 0));
    const reference = logs[0].values;
    expect(reference.length).toBeGreaterThanOrEqual(500);
    for (const l of logs) {
      expect(l.values).toEqual(reference);
      // The batches are the leader's bytes, copied as they are.
      expect(Buffer.concat(l.batches).equals(Buffer.concat(logs[0].batches))).toBe(true);
    }
  });
});

describeBuilt('replication on 1 controller + 3 brokers (real processes)', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it('two brokers down: acks=all gets NOT_ENOUGH_REPLICAS, acks=1 still works; one back in the ISR: acks=all works again', async () => {
    cluster = await TestCluster.start({
      controllers: 1,
      brokers: 3,
      props: { 'broker.heartbeat.interval.ms': '500', 'broker.session.timeout.ms': '4000', 'replica.lag.time.max.ms': '4000', 'replica.fetch.backoff.ms': '200' },
    });
    const c = cluster;
    const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5000, defaultApiTimeoutMs: 30000 });
    const topic = 'min-isr';
    try {
      const [created] = await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
      expect(created.error).toBeNull();
      const describe = async () => (await admin.describeTopics([topic]))[0].partitions[0];
      const p = await until('a full ISR', async () => {
        const d = await describe();
        return d.leader !== null && d.isr.length === 3 ? d : undefined;
      }, 30000);
      const leader = p.leader!.nodeId;
      const followers = p.replicas.map((r) => r.nodeId).filter((id) => id !== leader);
      const leaderBootstrap = `127.0.0.1:${c.node(leader).brokerPort}`;
      const all = new Producer({ bootstrapServers: leaderBootstrap, acks: 'all', retries: 0, enableIdempotence: false, requestTimeoutMs: 10000, deliveryTimeoutMs: 20000 });
      const one = new Producer({ bootstrapServers: leaderBootstrap, acks: 1, retries: 0, enableIdempotence: false, requestTimeoutMs: 10000, deliveryTimeoutMs: 20000 });
      try {
        expect((await all.send({ topic, partition: 0, value: 'a-0' })).offset).toBe(0);
        // A produce sent to a follower: NOT_LEADER_OR_FOLLOWER with the leader and its endpoint (KIP-951).
        const conn = new BrokerConnection(followers[0], '127.0.0.1', c.node(followers[0]).brokerPort!, {
          clientId: 'kip-951',
          requestTimeoutMs: 10000,
          connectionSetupTimeoutMs: 5000,
          maxInFlight: 1,
          reconnectBackoff: new ExponentialBackoff(50, 1000),
          clock: systemClock,
          scheduler: systemScheduler,
          logger: silentLogger,
        });
        try {
          const builder = new RecordBatchBuilder({ maxBytes: 1 << 20 });
          builder.append({ timestamp: Date.now(), key: null, value: Buffer.from('wrong-broker') });
          const records = builder.build();
          const res = await conn.request(ApiKey.Produce, () => ({ transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }));
          const pr = res.responses[0].partitionResponses[0];
          expect(pr.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          expect(pr.currentLeader.leaderId).toBe(leader);
          expect(pr.currentLeader.leaderEpoch).toBeGreaterThanOrEqual(0);
          expect(res.nodeEndpoints.map((e) => [e.nodeId, e.port])).toEqual([[leader, c.node(leader).brokerPort]]);
        } finally {
          conn.close();
        }
        for (const f of followers) await c.killNode(f);
        await until('the ISR down to the leader', async () => {
          const d = await describe();
          return d.isr.length === 1 && d.isr[0].nodeId === leader ? true : undefined;
        }, 60000);
        await expect(all.send({ topic, partition: 0, value: 'refused' })).rejects.toMatchObject({ code: 19 }); // NOT_ENOUGH_REPLICAS
        expect((await one.send({ topic, partition: 0, value: 'one-1' })).offset).toBe(1);
        await c.startNode(followers[0]);
        await until('the restarted follower back in the ISR', async () => {
          const d = await describe();
          return d.isr.some((r) => r.nodeId === followers[0]) ? true : undefined;
        }, 60000);
        expect((await all.send({ topic, partition: 0, value: 'a-2' })).offset).toBe(2);
      } finally {
        await all.close();
        await one.close();
      }
      expect(await consumeAll(c.bootstrapServers, topic, 3, 30000)).toEqual(['a-0', 'one-1', 'a-2']);
    } finally {
      admin.close();
    }
  });

  it('a paused leader (SIGSTOP) is replaced; acks=all goes on with the new leader; resumed, the old leader follows and rejoins the ISR', async () => {
    const c = cluster!;
    // The broker the previous test left down comes back first.
    for (const b of c.brokers()) if (!c.isRunning(b.id)) await c.startNode(b.id);
    const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5000, defaultApiTimeoutMs: 30000 });
    const topic = 'paused-leader';
    let paused = -1;
    try {
      await until('the topic created on 3 brokers', async () => {
        const [r] = await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
        return r.error === null || r.error.code === ErrorCode.TOPIC_ALREADY_EXISTS ? true : undefined;
      }, 30000);
      const describe = async () => (await admin.describeTopics([topic]))[0].partitions[0];
      const p = await until('a full ISR', async () => {
        const d = await describe();
        return d.leader !== null && d.isr.length === 3 ? d : undefined;
      }, 60000);
      paused = p.leader!.nodeId;
      const producer = new Producer({ bootstrapServers: c.bootstrapServers, acks: 'all', deliveryTimeoutMs: 120_000, requestTimeoutMs: 5000 });
      const acked: string[] = [];
      try {
        for (let i = 0; i < 50; i++) acked.push(`before-${i}`);
        await Promise.all(acked.map((value) => producer.send({ topic, partition: 0, value })));
        c.pauseNode(paused);
        const q = await until('a new leader while the old one is paused', async () => {
          const d = await describe();
          return d.leader !== null && d.leader.nodeId !== paused ? d : undefined;
        }, 60000);
        expect(q.isr.map((r) => r.nodeId)).not.toContain(paused);
        const after = Array.from({ length: 50 }, (_, i) => `after-${i}`);
        await Promise.all(after.map((value) => producer.send({ topic, partition: 0, value })));
        acked.push(...after);
      } finally {
        await producer.close();
      }
      c.resumeNode(paused);
      paused = -1;
      await until('the resumed broker back in the ISR', async () => {
        const d = await describe();
        return d.isr.length === 3 ? true : undefined;
      }, 60000);
      expect(await consumeAll(c.bootstrapServers, topic, acked.length, 30000)).toEqual(acked);
    } finally {
      if (paused >= 0) c.resumeNode(paused);
      admin.close();
    }
  });
});
