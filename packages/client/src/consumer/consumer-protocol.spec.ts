/**
 * Our Consumer with group.protocol=consumer (KIP-848) against our server:
 * three members join, one leaves, one crashes; a partition is never owned by
 * two members at once, and nothing committed is read again. Skipped when the
 * server is not built.
 */
import { Admin } from '../admin/admin';
import { ConsumerGroupMember } from '../group/consumer-group-member';
import { Producer } from '../producer/producer';
import { waitFor } from '../testing/helpers';
import { NagareServer, serverBuilt, startNagareServer } from '../testing/nagare-server';
import { Consumer, ConsumerOptions } from './consumer';

const describeIfBuilt = serverBuilt() ? describe : describe.skip;

interface Owner {
  name: string;
  consumer: Consumer;
  /** partition -> since when it owns it */
  open: Map<number, number>;
  intervals: Array<{ partition: number; from: number; to: number }>;
  read: Array<{ partition: number; offset: number; at: number }>;
  committed: Map<number, number>;
  stopped: boolean;
  loop: Promise<void>;
  errors: Error[];
  crashedAt?: number;
}

describeIfBuilt('Consumer with groupProtocol consumer (KIP-848) against the nagare server', () => {
  let server: NagareServer;
  let admin: Admin;
  beforeAll(async () => {
    server = await startNagareServer({
      'group.consumer.session.timeout.ms': '4000',
      'group.consumer.min.session.timeout.ms': '2000',
      'group.consumer.heartbeat.interval.ms': '200',
      'group.consumer.min.heartbeat.interval.ms': '100',
    });
    admin = new Admin({ bootstrapServers: server.bootstrap });
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });

  const opts = (name: string, extra: Partial<ConsumerOptions> = {}): ConsumerOptions => ({
    bootstrapServers: server.bootstrap,
    clientId: name,
    groupId: 'kip848-client',
    groupProtocol: 'consumer',
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    maxPollRecords: 7,
    ...extra,
  });

  function start(name: string, topic: string): Owner {
    const consumer = new Consumer(opts(name));
    const o: Owner = { name, consumer, open: new Map(), intervals: [], read: [], committed: new Map(), stopped: false, loop: Promise.resolve(), errors: [] };
    const close = (ps: number[]) => {
      for (const p of ps) {
        const from = o.open.get(p);
        if (from !== undefined) o.intervals.push({ partition: p, from, to: Date.now() });
        o.open.delete(p);
      }
    };
    consumer.subscribe([topic], {
      onPartitionsAssigned: (tps) => tps.forEach((tp) => o.open.set(tp.partition, Date.now())),
      onPartitionsRevoked: (tps) => close(tps.map((tp) => tp.partition)),
      onPartitionsLost: (tps) => close(tps.map((tp) => tp.partition)),
    });
    o.loop = (async () => {
      while (!o.stopped) {
        try {
          const records = await consumer.poll(100);
          if (o.stopped) break;
          for (const r of records) o.read.push({ partition: r.partition, offset: r.offset, at: Date.now() });
          if (records.length > 0) {
            await consumer.commitSync();
            for (const r of records) o.committed.set(r.partition, Math.max(o.committed.get(r.partition) ?? 0, r.offset + 1));
          }
        } catch (e) {
          o.errors.push(e as Error);
          await new Promise((res) => setTimeout(res, 50));
        }
      }
    })();
    return o;
  }

  const owned = (o: Owner) => [...o.open.keys()].sort();

  test('three members join, one leaves, one crashes: one owner per partition at a time, nothing read twice after a commit', async () => {
    const topic = 'kip848-client-t';
    await admin.createTopics([{ name: topic, numPartitions: 6, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers: server.bootstrap });
    const produce = (from: number, to: number) =>
      producer.send(Array.from({ length: 6 * (to - from) }, (_, i) => ({ topic, partition: i % 6, value: `v${from + Math.floor(i / 6)}` })));
    const [a, b, c] = ['a', 'b', 'c'].map((n) => start(n, topic));
    const all = [a, b, c];
    const state = () => all.map((o) => `${o.name}: [${owned(o)}] errors ${o.errors.map((e) => e.message).join('; ')}`).join('\n');
    await waitFor(() => all.every((o) => owned(o).length === 2), 30000, () => `two partitions each\n${state()}`);
    expect(all.flatMap(owned).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const member = a.consumer.groupMember as ConsumerGroupMember;
    expect(member.memberEpoch).toBeGreaterThan(0);
    expect(member.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    await produce(0, 10);
    const distinct = () => new Set(all.flatMap((o) => o.read.map((r) => `${r.partition}@${r.offset}`))).size;
    await waitFor(() => distinct() === 60, 30000, () => `60 records read (${distinct()})\n${state()}`);

    // b leaves.
    b.stopped = true;
    await b.loop;
    await b.consumer.close();
    await waitFor(() => owned(a).length === 3 && owned(c).length === 3, 30000, () => `3/3 after b left\n${state()}`);
    await produce(10, 15);
    await waitFor(() => distinct() === 90, 30000, () => `90 records read (${distinct()})\n${state()}`);

    // c crashes: no more polls, heartbeats or leave; its session (4 s) runs out.
    c.stopped = true;
    c.crashedAt = Date.now();
    c.consumer.cluster.close();
    for (const p of owned(c)) c.intervals.push({ partition: p, from: c.open.get(p)!, to: c.crashedAt });
    c.open.clear();
    await waitFor(() => owned(a).length === 6, 30000, () => `a owns all after c's session expired\n${state()}`);
    expect(Date.now() - c.crashedAt).toBeGreaterThanOrEqual(3000);
    await produce(15, 20);
    await waitFor(() => distinct() === 120, 30000, () => `120 records read (${distinct()})\n${state()}`);
    a.stopped = true;
    await a.loop;
    await a.consumer.close();
    await producer.close();

    // One owner per partition at a time.
    const now = Date.now();
    const intervals = all.flatMap((o) => [...o.intervals, ...[...o.open].map(([partition, from]) => ({ partition, from, to: now }))].map((i) => ({ ...i, member: o.name })));
    const overlapping = intervals.filter((x) => intervals.some((y) => y.member !== x.member && y.partition === x.partition && x.from < y.to && y.from < x.to));
    expect(overlapping).toEqual([]);
    expect(new Set(intervals.map((i) => `${i.partition}:${i.member}`)).size).toBeGreaterThan(6);
    // Nothing read again once its reader had committed past it.
    const reads = all.flatMap((o) => o.read.map((r) => ({ ...r, o }))).sort((x, y) => x.at - y.at);
    const first = new Map<string, Owner>();
    const again: string[] = [];
    for (const r of reads) {
      const k = `${r.partition}@${r.offset}`;
      const f = first.get(k);
      if (!f) first.set(k, r.o);
      else if ((f.committed.get(r.partition) ?? 0) > r.offset) again.push(`${k}: ${f.name} then ${r.o.name}`);
    }
    expect(again).toEqual([]);
    expect(all.filter((o) => o !== c).flatMap((o) => o.errors)).toEqual([]);
    const offsets = await admin.listConsumerGroupOffsets('kip848-client');
    expect(offsets.map((x) => x.offset)).toEqual([20, 20, 20, 20, 20, 20]);
  });

  test('refuses classic-only settings with the consumer protocol, naming the fix', () => {
    expect(() => new Consumer({ ...opts('x'), sessionTimeoutMs: 10000 })).toThrow(/sessionTimeoutMs \(session.timeout.ms\) is not supported with groupProtocol 'consumer'/);
    expect(() => new Consumer({ bootstrapServers: server.bootstrap, groupId: 'g', groupRemoteAssignor: 'range' })).toThrow(/needs groupProtocol 'consumer'/);
  });
});
