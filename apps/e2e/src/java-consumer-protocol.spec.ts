/**
 * KIP-848 with a real client: Apache Kafka's Java KafkaConsumer (4.0) with
 * group.protocol=consumer against nagare. Three members join, one leaves,
 * one crashes; every partition is owned by one member at a time (the
 * members' own revoke/assign callbacks, on the wall clock), and nothing is
 * read twice once it was committed. Then the mixed-group upgrade: classic
 * members commit and leave, a consumer-protocol member takes the same group
 * and starts from their commits.
 *
 * Debian's librdkafka is 2.0.2, which has no group.protocol property (KIP-848
 * arrived in librdkafka 2.4 as early access): that is asserted first, so the
 * day Debian ships a newer one this suite says to add it.
 */
import { Admin, Kafka, Producer } from 'kafkajs';
import { LineProcess, NagareProcess, PYTHON, cleanupAll, onCleanup, run, startNagare, waitFor } from './harness';
import { compileJava, describeWithJava, kafkaToolOk, parseTable, requireJava, spawnJavaMain } from './java-harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(300000);

/** Fast KIP-848 timing for the test (Kafka's defaults: 45 s sessions, 5 s heartbeats). */
const CONSUMER_PROTOCOL_PROPS: Record<string, string> = {
  'group.consumer.session.timeout.ms': '6000',
  'group.consumer.min.session.timeout.ms': '3000',
  'group.consumer.heartbeat.interval.ms': '500',
  'group.consumer.min.heartbeat.interval.ms': '500',
  'group.min.session.timeout.ms': '1000',
  'group.initial.rebalance.delay.ms': '0',
};

interface Event {
  event: string;
  partitions?: number[];
  partition?: number;
  offset?: number;
  value?: string;
  offsets?: Record<string, number>;
  ts?: number;
}

interface Member {
  name: string;
  proc: LineProcess;
  /** When the test killed it (a crash), if it did. */
  killedAt?: number;
}

const events = (m: Member) => m.proc.json<Event>();
const owned = (m: Member): Set<number> => {
  const s = new Set<number>();
  for (const e of events(m)) {
    if (e.event === 'assigned') e.partitions!.forEach((p) => s.add(p));
    if (e.event === 'revoked' || e.event === 'lost') e.partitions!.forEach((p) => s.delete(p));
  }
  return s;
};
const records = (m: Member) => events(m).filter((e) => e.event === 'record');

/** Per partition, the time intervals each member owned it, from its callbacks (a crash ends them at the kill). */
function ownership(members: Member[], now: number): Map<number, Array<{ member: string; from: number; to: number }>> {
  const out = new Map<number, Array<{ member: string; from: number; to: number }>>();
  for (const m of members) {
    const open = new Map<number, number>();
    const close = (p: number, to: number) => {
      const from = open.get(p);
      if (from === undefined) return;
      open.delete(p);
      const list = out.get(p) ?? [];
      list.push({ member: m.name, from, to });
      out.set(p, list);
    };
    for (const e of events(m)) {
      if (e.event === 'assigned') e.partitions!.forEach((p) => open.set(p, e.ts!));
      if (e.event === 'revoked' || e.event === 'lost') e.partitions!.forEach((p) => close(p, e.ts!));
    }
    for (const p of [...open.keys()]) close(p, m.killedAt ?? now);
  }
  return out;
}

function overlaps(own: ReturnType<typeof ownership>): string[] {
  const bad: string[] = [];
  for (const [p, list] of own) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i];
        const b = list[j];
        if (a.member !== b.member && a.from < b.to && b.from < a.to) bad.push(`partition ${p}: ${a.member} [${a.from}, ${a.to}] and ${b.member} [${b.from}, ${b.to}]`);
      }
    }
  }
  return bad;
}

/** Records read by more than one member, where the first reader had committed past it: must be none. */
function readTwiceAfterCommit(members: Member[]): string[] {
  const committedBy = new Map<string, Map<number, number>>();
  for (const m of members) {
    const c = new Map<number, number>();
    for (const e of events(m)) if (e.event === 'committed') for (const [p, o] of Object.entries(e.offsets!)) c.set(Number(p), Math.max(c.get(Number(p)) ?? 0, o));
    committedBy.set(m.name, c);
  }
  const firstReader = new Map<string, string>();
  const bad: string[] = [];
  const all = members.flatMap((m) => records(m).map((r) => ({ ...r, member: m.name }))).sort((a, b) => a.ts! - b.ts!);
  for (const r of all) {
    const k = `${r.partition}@${r.offset}`;
    const first = firstReader.get(k);
    if (first === undefined) firstReader.set(k, r.member);
    else {
      const committed = committedBy.get(first)!.get(r.partition!) ?? 0;
      if (committed > r.offset!) bad.push(`${k} read by ${first} (committed up to ${committed}) and again by ${r.member}`);
    }
  }
  return bad;
}

let server: NagareProcess;
let classes: string;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

it("Debian's librdkafka has no group.protocol (KIP-848 needs librdkafka 2.4+): the Java client carries the real-client tests", async () => {
  const r = await run(PYTHON, ['-c', "import confluent_kafka as c\nprint(c.libversion()[0])\ntry:\n  c.Consumer({'bootstrap.servers': '127.0.0.1:1', 'group.id': 'g', 'group.protocol': 'consumer'})\n  print('accepted')\nexcept Exception as e:\n  print(e)"]);
  const [version, outcome] = r.stdout.trim().split('\n');
  expect(version).toBe('2.0.2');
  expect(outcome).toMatch(/No such configuration property: "group.protocol"/);
});

describeWithJava('KIP-848 consumer groups with Kafka\'s Java client (group.protocol=consumer)', () => {
  beforeAll(async () => {
    requireJava({ javac: true });
    [classes, server] = await Promise.all([compileJava(), startNagare({ props: CONSUMER_PROTOCOL_PROPS })]);
    kafka = newKafka(server.bootstrap, 'e2e-kip848-setup');
    admin = await connectedAdmin(kafka);
    producer = kafka.producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
  });
  afterAll(async () => {
    await cleanupAll();
  });

  const produce = (topic: string, partitions: number, from: number, to: number) =>
    producer.send({ topic, messages: Array.from({ length: partitions }, (_, p) => p).flatMap((p) => Array.from({ length: to - from }, (_, i) => ({ partition: p, value: `p${p}-${from + i}` }))) });
  const start = (name: string, group: string, topic: string, protocol: 'consumer' | 'classic'): Member => ({
    name,
    proc: spawnJavaMain(classes, 'ProtocolMember', [server.bootstrap, group, topic, name, protocol]),
  });
  const state = (ms: Member[]) => ms.map((m) => `${m.name}: owns [${[...owned(m)].sort()}] ${m.proc.lines.slice(-3).join(' ')} ${m.proc.stderr.slice(-3).join(' ')}`).join('\n');

  it('three members join, one leaves, one crashes: one owner per partition at a time, nothing read twice after a commit', async () => {
    const topic = 'kip848';
    const group = 'kip848-group';
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => start(n, group, topic, 'consumer'));
    const all = [a, b, c];
    await waitFor(() => all.every((m) => owned(m).size === 2), { timeoutMs: 90000, what: () => `three members with two partitions each\n${state(all)}` });
    expect([...owned(a), ...owned(b), ...owned(c)].sort()).toEqual([0, 1, 2, 3, 4, 5]);

    // The group as Kafka's tool shows it (ConsumerGroupDescribe for consumer groups).
    const described = parseTable(await kafkaToolOk('kafka-consumer-groups.sh', ['--bootstrap-server', server.bootstrap, '--describe', '--group', group, '--members']));
    expect(described.map((r) => r['CLIENT-ID']).sort()).toEqual(['a', 'b', 'c']);
    expect(described.map((r) => r['#PARTITIONS'])).toEqual(['2', '2', '2']);
    const listed = parseTable(await kafkaToolOk('kafka-consumer-groups.sh', ['--bootstrap-server', server.bootstrap, '--list', '--type']));
    expect(listed.find((r) => r.GROUP === group)).toEqual({ GROUP: group, TYPE: 'Consumer' });

    await produce(topic, 6, 0, 10);
    await waitFor(() => all.reduce((n, m) => n + records(m).length, 0) >= 60, { timeoutMs: 60000, what: () => `60 records read\n${state(all)}` });

    // b leaves: its partitions go to a and c, once b gave them up.
    b.proc.proc.stdin!.write('close\n');
    expect(await b.proc.exited).toBe(0);
    await waitFor(() => owned(a).size === 3 && owned(c).size === 3, { timeoutMs: 60000, what: () => `a and c with three partitions each\n${state(all)}` });
    await produce(topic, 6, 10, 15);
    const distinct = () => new Set(all.flatMap((m) => records(m).map((r) => `${r.partition}@${r.offset}`))).size;
    await waitFor(() => distinct() >= 90, { timeoutMs: 60000, what: () => `the new records read\n${state(all)}` });

    // c crashes: after the session timeout (6 s) a has everything.
    c.killedAt = Date.now();
    await c.proc.kill('SIGKILL');
    await waitFor(() => owned(a).size === 6, { timeoutMs: 60000, what: () => `a with all six partitions after c's session expired\n${state(all)}` });
    expect(events(a).filter((e) => e.event === 'assigned').pop()!.ts!).toBeGreaterThanOrEqual(c.killedAt + 3000);
    await produce(topic, 6, 15, 20);
    await waitFor(() => distinct() === 120, { timeoutMs: 60000, what: () => `every record read\n${state(all)}` });
    a.proc.proc.stdin!.write('close\n');
    expect(await a.proc.exited).toBe(0);

    const own = ownership(all, Date.now());
    // Partitions did move between members (b's and c's went to the others) ...
    expect([...own.values()].filter((l) => new Set(l.map((x) => x.member)).size >= 2).length).toBeGreaterThanOrEqual(4);
    // ... and never had two owners at once.
    expect(overlaps(own)).toEqual([]);
    expect(readTwiceAfterCommit(all)).toEqual([]);
    // Every partition was read in order by whoever owned it, from 0 to 19 overall.
    for (let p = 0; p < 6; p++) {
      const offsets = new Set(all.flatMap((m) => records(m).filter((r) => r.partition === p).map((r) => r.offset)));
      expect([...offsets].sort((x, y) => x! - y!)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    const desc = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(desc[0].partitions.map((x) => x.offset)).toEqual(['20', '20', '20', '20', '20', '20']);
  });

  it('mixed group upgrade: classic members commit and leave, a consumer-protocol member takes the group from their commits', async () => {
    const topic = 'upgrade';
    const group = 'upgrade-group';
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const classic = ['old-1', 'old-2'].map((n) => start(n, group, topic, 'classic'));
    await waitFor(() => classic.every((m) => owned(m).size === 2), { timeoutMs: 90000, what: () => `two classic members\n${state(classic)}` });
    await produce(topic, 4, 0, 5);
    await waitFor(() => classic.reduce((n, m) => n + records(m).length, 0) >= 20, { timeoutMs: 60000, what: () => `20 records read by the classic members\n${state(classic)}` });
    for (const m of classic) {
      m.proc.proc.stdin!.write('close\n');
      expect(await m.proc.exited).toBe(0);
    }
    const groups = await admin.describeGroups([group]);
    expect(groups.groups[0]).toMatchObject({ state: 'Empty', protocolType: 'consumer' });

    await produce(topic, 4, 5, 8);
    const upgraded = start('new-1', group, topic, 'consumer');
    await waitFor(() => owned(upgraded).size === 4 && records(upgraded).length >= 12, { timeoutMs: 90000, what: () => `the consumer-protocol member reads the 12 new records\n${state([upgraded])}` });
    // It started from the classic members' commits: only offsets 5-7 of each partition.
    for (let p = 0; p < 4; p++) expect(records(upgraded).filter((r) => r.partition === p).map((r) => r.offset)).toEqual([5, 6, 7]);
    const listed = parseTable(await kafkaToolOk('kafka-consumer-groups.sh', ['--bootstrap-server', server.bootstrap, '--list', '--type']));
    expect(listed.find((r) => r.GROUP === group)).toMatchObject({ TYPE: 'Consumer' });
    upgraded.proc.proc.stdin!.write('close\n');
    expect(await upgraded.proc.exited).toBe(0);
  });
});
