/**
 * kcat 1.7.1 (librdkafka 2.0.2) against the real server: produce and consume
 * with every codec (-z), metadata listings (-L, -J), and a balanced consumer
 * group (-G) of two concurrent kcat processes.
 */
import { Admin, AssignerProtocol, Kafka } from 'kafkajs';
import { FAST_GROUP_PROPS, KCAT, NagareProcess, batchesOnDisk, cleanupAll, requireTool, run, runOk, spawnLines, startNagare, waitFor } from './harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(60000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  requireTool(KCAT, 'kcat');
  server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
  kafka = newKafka(server.bootstrap, 'e2e-kcat-setup');
  admin = await connectedAdmin(kafka);
});
afterAll(async () => {
  await cleanupAll();
});

const kcat = (args: string[], input?: string) => runOk(KCAT, ['-b', server.bootstrap, ...args], { input, timeoutMs: 30000 });

describe('kcat', () => {
  const codecs: Array<[string, number]> = [
    ['none', 0],
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ];

  it('produces and consumes with every codec (-z); the broker stores the batches as compressed by librdkafka', async () => {
    await admin.createTopics({ topics: codecs.map(([c]) => ({ topic: `kcat-codec-${c}`, numPartitions: 1 })), waitForLeaders: true });
    const N = 25;
    // Compressible values: librdkafka sends a batch uncompressed when compression does not pay.
    const value = (c: string, i: number) => `${c}-${i}-` + 'the quick brown fox '.repeat(8);
    for (const [c] of codecs) {
      const input = Array.from({ length: N }, (_, i) => `k${i}:${value(c, i)}`).join('\n') + '\n';
      const out = await kcatFull(['-P', '-t', `kcat-codec-${c}`, '-p', '0', '-z', c, '-K', ':', '-H', `codec=${c}`, '-X', 'linger.ms=20'], input);
      expect(out.stderr).not.toMatch(/fail|error/i);
    }
    for (const [c, id] of codecs) {
      const batches = batchesOnDisk(server, `kcat-codec-${c}`, 0);
      expect({ c, records: batches.reduce((n, b) => n + b.records, 0), codecs: [...new Set(batches.map((b) => b.codec))] }).toEqual({ c, records: N, codecs: [id] });
      const out = await kcat(['-C', '-t', `kcat-codec-${c}`, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%h|%s\n']);
      const lines = out.split('\n').filter(Boolean);
      expect(lines).toEqual(Array.from({ length: N }, (_, i) => `${i}|k${i}|codec=${c}|${value(c, i)}`));
    }
  });

  // Kafka recompresses batches whose codec differs from the topic's
  // compression.type (LogValidator); so does nagare.
  it('recompresses to the topic compression.type (gzip, zstd, uncompressed) whatever the producer used', async () => {
    const targets: Array<[string, number]> = [
      ['gzip', 1],
      ['zstd', 4],
      ['uncompressed', 0],
    ];
    await admin.createTopics({
      topics: targets.map(([t]) => ({ topic: `kcat-recompress-${t}`, numPartitions: 1, configEntries: [{ name: 'compression.type', value: t }] })),
      waitForLeaders: true,
    });
    const value = (i: number) => `v${i}-` + 'compress me '.repeat(10);
    for (const [t] of targets) {
      await kcat(['-P', '-t', `kcat-recompress-${t}`, '-p', '0', '-z', 'lz4'], Array.from({ length: 20 }, (_, i) => value(i)).join('\n') + '\n');
      // Whatever the codec on disk, the records read back intact.
      const out = await kcat(['-C', '-t', `kcat-recompress-${t}`, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
      expect(out.split('\n').filter(Boolean)).toEqual(Array.from({ length: 20 }, (_, i) => value(i)));
    }
    for (const [t, id] of targets) {
      expect({ t, codecs: [...new Set(batchesOnDisk(server, `kcat-recompress-${t}`, 0).map((b) => b.codec))] }).toEqual({ t, codecs: [id] });
    }
  });

  it('lists brokers and topics with -L and -J', async () => {
    await admin.createTopics({ topics: [{ topic: 'kcat-md', numPartitions: 3 }], waitForLeaders: true });
    const text = await kcat(['-L']);
    expect(text).toContain(`broker 1 at 127.0.0.1:${server.port} (controller)`);
    expect(text).toContain(' 1 brokers:');
    expect(text).toContain('topic "kcat-md" with 3 partitions:');
    for (let p = 0; p < 3; p++) expect(text).toContain(`partition ${p}, leader 1, replicas: 1, isrs: 1`);

    const json = JSON.parse(await kcat(['-L', '-J'])) as {
      controllerid: number;
      brokers: Array<{ id: number; name: string }>;
      topics: Array<{ topic: string; error?: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
    };
    expect(json.controllerid).toBe(1);
    expect(json.brokers).toEqual([{ id: 1, name: `127.0.0.1:${server.port}` }]);
    const md = json.topics.find((t) => t.topic === 'kcat-md');
    expect(md).toBeDefined();
    expect(md!.error).toBeUndefined();
    expect(md!.partitions.sort((a, b) => a.partition - b.partition)).toEqual(
      [0, 1, 2].map((p) => ({ partition: p, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] })),
    );
    const names = json.topics.map((t) => t.topic);
    for (const [c] of codecs) expect(names).toContain(`kcat-codec-${c}`);

    // One topic only, with -t.
    const one = JSON.parse(await kcat(['-L', '-J', '-t', 'kcat-md'])) as { topics: Array<{ topic: string }> };
    expect(one.topics.map((t) => t.topic)).toEqual(['kcat-md']);
  });

  it('splits partitions between two balanced consumers (-G) and delivers each record once across both', async () => {
    const topic = 'kcat-group';
    const groupId = 'kcat-g';
    const P = 4;
    await admin.createTopics({ topics: [{ topic, numPartitions: P }], waitForLeaders: true });
    const consumerArgs = ['-b', server.bootstrap, '-G', groupId, '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300', '-X', 'auto.offset.reset=earliest', '-X', 'fetch.wait.max.ms=200', '-u', '-f', '%p|%o|%s\n', topic];
    const consumers = [spawnLines(KCAT, consumerArgs), spawnLines(KCAT, consumerArgs)];
    // kcat reports each rebalance on stderr: "% Group g rebalanced (memberid m): assigned: t [0], t [2]" or "revoked: ...".
    const assignment = (c: (typeof consumers)[number]): number[] | null => {
      let last: number[] | null = null;
      for (const l of c.stderr) {
        const m = /rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(l);
        if (!m) continue;
        last = m[1] === 'revoked' ? [] : [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])).sort();
      }
      return last;
    };
    const serverView = async () => {
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0];
      return {
        state: g.state,
        parts: g.members.map((m) => [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])].sort()),
      };
    };
    await waitFor(
      async () => {
        const a = consumers.map(assignment);
        if (a.some((x) => !x || x.length === 0)) return false;
        const all = a.flatMap((x) => x!).sort();
        if (JSON.stringify(all) !== JSON.stringify([0, 1, 2, 3])) return false;
        const v = await serverView();
        return v.state === 'Stable' && v.parts.length === 2 && JSON.stringify(v.parts.map((p) => JSON.stringify(p)).sort()) === JSON.stringify(a.map((p) => JSON.stringify(p)).sort());
      },
      { timeoutMs: 30000, what: () => `both kcat consumers to share the partitions: ${consumers.map((c) => c.stderr.join(' / ')).join(' || ')}` },
    );
    const assigned = consumers.map((c) => assignment(c)!);

    const perPartition = 10;
    for (let p = 0; p < P; p++) {
      await kcat(['-P', '-t', topic, '-p', String(p)], Array.from({ length: perPartition }, (_, i) => `p${p}-${i}`).join('\n') + '\n');
    }
    const records = () => consumers.flatMap((c, ci) => c.lines.filter((l) => /^\d+\|/.test(l)).map((l) => ({ ci, partition: Number(l.split('|')[0]), offset: Number(l.split('|')[1]), value: l.split('|')[2] })));
    await waitFor(() => records().length >= P * perPartition, { timeoutMs: 20000, what: () => `${P * perPartition} records (have ${records().length})` });
    const got = records();
    expect(got.map((r) => r.value).sort()).toEqual(Array.from({ length: P }, (_, p) => Array.from({ length: perPartition }, (_, i) => `p${p}-${i}`)).flat().sort());
    for (const r of got) expect(assigned[r.ci]).toContain(r.partition);
    for (let p = 0; p < P; p++) {
      expect(got.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: perPartition }, (_, i) => i));
    }

    // SIGTERM: kcat commits and leaves the group.
    for (const c of consumers) await c.kill('SIGTERM');
    for (const c of consumers) expect(c.stderr.filter((l) => /ERROR/.test(l))).toEqual([]);
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0].partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([0, 1, 2, 3].map((p) => [p, String(perPartition)]));
    await waitFor(async () => (await serverView()).state === 'Empty', { timeoutMs: 10000, what: 'the group to be empty after both left' });
  });
});

/** Runs kcat; returns stdout and stderr (fails on a non-zero exit). */
async function kcatFull(args: string[], input: string) {
  const r = await run(KCAT, ['-b', server.bootstrap, ...args], { input, timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
