/**
 * The fault-injection operations of TestCluster on three combined nodes with every inter-node link
 * proxied: the broker-to-broker listeners are wired through the link proxies, and kill, pause /
 * resume, restart, isolate / heal each do what they say, seen as Kafka clients see the cluster
 * (kafkajs' describeCluster: a broker that lost its session with the controller is fenced and
 * disappears from the metadata, and comes back once it heartbeats again).
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { TestCluster } from './cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

/**
 * The brokers (id -> port) in the metadata of the broker at `port`: a Metadata v1 request for no
 * topics, over a socket of its own to that one broker (a client library would also talk to others).
 */
function brokersSeenAt(port: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('faults-spec');
    const body = Buffer.alloc(4);
    body.writeInt32BE(0); // topics: an empty array (no topics)
    const header = Buffer.alloc(10);
    header.writeInt16BE(3, 0); // Metadata
    header.writeInt16BE(1, 2); // v1
    header.writeInt32BE(1, 4); // correlation id
    header.writeInt16BE(clientId.length, 8);
    const frame = Buffer.concat([header, clientId, body]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(frame.length);
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no Metadata answer from port ${port}`));
    }, 5000);
    s.on('connect', () => s.write(Buffer.concat([size, frame])));
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(timer);
      s.destroy();
      let at = 8; // size, correlation id
      const n = buf.readInt32BE(at);
      at += 4;
      const out = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const id = buf.readInt32BE(at);
        const hostLen = buf.readInt16BE(at + 4);
        at += 6 + hostLen;
        const p = buf.readInt32BE(at);
        const rackLen = buf.readInt16BE(at + 4);
        at += 6 + Math.max(0, rackLen);
        out.set(id, p);
      }
      resolve(out);
    });
  });
}

/** The state letter of a process in /proc (T: stopped). */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** Whether a TCP connection to the port is accepted and stays open for a moment. */
function connects(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (v: boolean) => {
      s.destroy();
      res(v);
    };
    s.once('connect', () => setTimeout(() => done(!s.destroyed), 200));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

describe('TestCluster fault injection', () => {
  jest.setTimeout(300_000);
  let c: TestCluster;

  beforeAll(async () => {
    c = await TestCluster.start({
      combined: 3,
      proxyLinks: true,
      props: {
        'controller.quorum.fetch.timeout.ms': '1000',
        'controller.quorum.election.timeout.ms': '500',
        'controller.quorum.election.backoff.max.ms': '500',
        'broker.heartbeat.interval.ms': '500',
        'broker.session.timeout.ms': '3000',
      },
      startTimeoutMs: 120_000,
    });
  });
  afterAll(async () => {
    await c?.close();
  });
  afterEach(async () => {
    // Each test leaves every node running and every link up.
    c.heal();
    for (const n of c.nodes) {
      c.resume(n.id);
      if (!c.isRunning(n.id)) await c.startNode(n.id);
    }
    await until('three brokers', async () => ((await brokersSeenAt(c.node(1).brokerPort!)).size === 3 ? true : undefined));
  });

  it('routes broker-to-broker traffic through one proxy per link (listener BROKER_<from> on every broker)', async () => {
    const links = c.links();
    // 3 nodes: 6 controller links (a->b) and 6 broker links (a=>b).
    expect([...links.keys()].filter((k) => k.includes('->'))).toHaveLength(6);
    expect([...links.keys()].filter((k) => k.includes('=>'))).toHaveLength(6);
    await until('three brokers', async () => ((await brokersSeenAt(c.node(1).brokerPort!)).size === 3 ? true : undefined));
    // Clients on PLAINTEXT see the real client ports.
    expect(await brokersSeenAt(c.node(1).brokerPort!)).toEqual(new Map(c.nodes.map((n) => [n.id, n.brokerPort!])));
    // Broker 1's inter-broker listener name is BROKER_1: on it, broker 2 and 3 are the ports of the proxies 1=>2 and 1=>3,
    // and itself its own listener. Asked through the proxy 1=>2, broker 2 answers with the same map.
    const seenBy1 = new Map([
      [1, c.node(1).interBrokerPorts.get(1)!],
      [2, links.get('1=>2')!.port],
      [3, links.get('1=>3')!.port],
    ]);
    const before = links.get('1=>2')!.forwarded;
    expect(await brokersSeenAt(links.get('1=>2')!.port)).toEqual(seenBy1);
    expect(links.get('1=>2')!.forwarded).toBeGreaterThan(before);
    expect(await brokersSeenAt(links.get('3=>1')!.port)).toEqual(
      new Map([
        [1, links.get('3=>1')!.port],
        [2, links.get('3=>2')!.port],
        [3, c.node(3).interBrokerPorts.get(3)!],
      ]),
    );
  });

  it('replica fetches go through the broker-to-broker proxies: every follower reaches its leader over the follower=>leader link', async () => {
    const before = new Map([...c.links()].filter(([k]) => k.includes('=>')).map(([k, p]) => [k, p.forwarded]));
    const kafka = new Kafka({ brokers: [`127.0.0.1:${c.node(1).brokerPort}`], clientId: 'faults-spec', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'wired', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
      const md = await until('leaders of wired', async () => {
        const m = await admin.fetchTopicMetadata({ topics: ['wired'] });
        const ps = m.topics[0]?.partitions ?? [];
        return ps.length === 3 && ps.every((p) => p.leader >= 1 && p.isr.length === 3) ? ps : undefined;
      });
      const expected = new Set(md.flatMap((p) => p.replicas.filter((r) => r !== p.leader).map((f) => `${f}=>${p.leader}`)));
      expect(expected.size).toBeGreaterThan(0);
      for (const k of expected) expect([k, c.links().get(k)!.forwarded]).toEqual([k, expect.any(Number)]);
      await until('fetcher connections on every follower=>leader link', async () => ([...expected].every((k) => c.links().get(k)!.forwarded > before.get(k)!) ? true : undefined));
    } finally {
      await admin.disconnect();
    }
  });

  it('kill(id) sends SIGKILL: the broker is fenced; restart(id) brings it back on the same directory', async () => {
    const proc = c.node(2).process!.proc;
    await c.kill(2);
    expect(proc.signalCode).toBe('SIGKILL');
    expect(c.isRunning(2)).toBe(false);
    await until('broker 2 fenced', async () => ((await brokersSeenAt(c.node(1).brokerPort!)).has(2) ? undefined : true));
    const runs = c.node(2).runs.length;
    await c.restart(2);
    expect(c.isRunning(2)).toBe(true);
    expect(c.node(2).runs).toHaveLength(runs + 1);
    await until('broker 2 back', async () => ((await brokersSeenAt(c.node(1).brokerPort!)).has(2) ? true : undefined));
    // A restart of a running node: SIGKILL then start (a crash-restart), or SIGTERM then start.
    const old = c.node(2).process!.proc;
    await c.restart(2, 'kill');
    expect(old.signalCode).toBe('SIGKILL');
    const old2 = c.node(2).process!.proc;
    await c.restart(2);
    expect(old2.signalCode === 'SIGTERM' || old2.exitCode === 0).toBe(true);
    expect(c.isRunning(2)).toBe(true);
  });

  it('pause(id) freezes the process (SIGSTOP): it is fenced; resume(id) (SIGCONT) and it rejoins', async () => {
    const pid = c.node(3).process!.proc.pid!;
    c.pause(3);
    await until('process stopped', async () => (procState(pid) === 'T' ? true : undefined), 10_000);
    await until('broker 3 fenced', async () => ((await brokersSeenAt(c.node(1).brokerPort!)).has(3) ? undefined : true));
    expect(procState(pid)).toBe('T');
    c.resume(3);
    await until('process running', async () => (procState(pid) !== 'T' ? true : undefined), 10_000);
    await until('broker 3 back', async () => ((await brokersSeenAt(c.node(1).brokerPort!)).has(3) ? true : undefined));
    expect(c.isRunning(3)).toBe(true);
  });

  it('isolate(id) cuts every link from and to the node (and no other); heal() restores them', async () => {
    c.isolate(1);
    for (const [k, p] of c.links()) {
      const [from, to] = k.split(/->|=>/).map(Number);
      expect([k, p.isCutNow]).toEqual([k, from === 1 || to === 1]);
    }
    expect(await connects(c.links().get('2=>1')!.port)).toBe(false);
    expect(await connects(c.links().get('2=>3')!.port)).toBe(true);
    // The majority fences the isolated broker; its client listener still answers (clients are not cut).
    await until('broker 1 fenced by the majority', async () => ((await brokersSeenAt(c.node(2).brokerPort!)).has(1) ? undefined : true));
    expect(await connects(c.node(1).brokerPort!)).toBe(true);
    c.heal();
    for (const p of c.links().values()) expect(p.isCutNow).toBe(false);
    expect(await connects(c.links().get('2=>1')!.port)).toBe(true);
    await until('broker 1 back', async () => ((await brokersSeenAt(c.node(2).brokerPort!)).has(1) ? true : undefined));
    // link(a, b) acts on both the controller and the broker proxy of that direction.
    const l = c.link(3, 2);
    expect(l.proxies).toEqual([c.links().get('3->2'), c.links().get('3=>2')]);
    l.cut();
    expect(l.proxies.every((p) => p.isCutNow)).toBe(true);
    l.heal();
  });
});
