/**
 * The REST API under load: 50 concurrent clients create, reconfigure
 * (tasks.max) and delete connectors for 30 s, each request to either of two
 * workers (so half the writes are forwarded to the leader). Afterwards the
 * config topic, read by a fresh KafkaConfigBackingStore, must be consistent:
 * no connector with an incomplete set of task configs, every connector
 * present with exactly the tasks its last config asks for (and running
 * them), every deleted one gone, both workers agreeing with the topic, and
 * every request a client saw succeed reflected in the end state.
 */
import { join } from 'node:path';
import { silentLogger } from '@nagare/common';
import { KafkaConfigBackingStore } from '@nagare/connect-runtime';
import type { ServerProcess } from '@nagare/testing';
import { cleanupAll, getJson, sendJson, startDistributedWorker, startServer, tempDir, waitFor, waitHealthy, type DistributedWorker } from './testing/harness';

const PLUGINS = join(__dirname, 'testing/plugins');
const STRING = 'org.apache.kafka.connect.storage.StringConverter';
const CLIENTS = 50;
const NAMES_PER_CLIENT = 2;
const LOAD_MS = 30_000;

let server: ServerProcess;
afterAll(() => cleanupAll());

type Known = 'present' | 'absent' | 'unknown';

test('50 clients creating, updating and deleting connectors for 30 s leave the config topic consistent', async () => {
  server = await startServer();
  const dir = tempDir();
  const overrides = {
    'group.id': 'load-cluster',
    'config.storage.topic': 'load-configs',
    'offset.storage.topic': 'load-offsets',
    'status.storage.topic': 'load-status',
    'offset.storage.partitions': '3',
    'status.storage.partitions': '2',
    'key.converter': STRING,
    'value.converter': STRING,
    'session.timeout.ms': '10000',
    'heartbeat.interval.ms': '2000',
    'scheduled.rebalance.max.delay.ms': '5000',
    'plugin.path': PLUGINS,
  };
  const workers: DistributedWorker[] = [];
  for (let i = 0; i < 2; i++) {
    const w = await startDistributedWorker(dir, server.bootstrap, overrides);
    await waitHealthy(w);
    workers.push(w);
  }

  const config = (name: string, tasks: number) => ({
    'connector.class': 'com.example.CounterSourceConnector',
    name,
    'tasks.max': String(tasks),
    topic: 'load-topic',
    'records.per.poll': '1',
    'poll.interval.ms': '1000',
  });
  const known = new Map<string, { state: Known; tasks: number }>();
  const statuses = new Map<string, number>();
  const unexpected: string[] = [];
  const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
  const deadline = Date.now() + LOAD_MS;
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };

  const client = async (c: number) => {
    const names = Array.from({ length: NAMES_PER_CLIENT }, (_v, k) => `load-${c}-${k}`);
    for (const n of names) known.set(n, { state: 'absent', tasks: 0 });
    while (Date.now() < deadline) {
      const name = names[rand(names.length)];
      const w = workers[rand(workers.length)];
      const cur = known.get(name)!;
      const tasks = 1 + rand(2);
      let op: string;
      let r: { status: number; body: unknown };
      try {
        if (cur.state !== 'present' || rand(3) === 0) {
          op = cur.state === 'present' ? 'PUT' : 'POST';
          r = op === 'POST'
            ? await sendJson('POST', `${w.rest}/connectors`, { name, config: config(name, tasks) })
            : await sendJson('PUT', `${w.rest}/connectors/${name}/config`, config(name, tasks));
        } else {
          op = 'DELETE';
          r = await sendJson('DELETE', `${w.rest}/connectors/${name}`);
        }
      } catch (e) {
        unexpected.push(`${name}: ${(e as Error).message}`);
        known.set(name, { state: 'unknown', tasks: 0 });
        continue;
      }
      count(`${op} ${r.status}`);
      const msg = (r.body as { message?: string } | null)?.message ?? '';
      if (r.status === 201 || r.status === 200) known.set(name, { state: 'present', tasks });
      else if (r.status === 204 || (op === 'DELETE' && r.status === 404)) known.set(name, { state: 'absent', tasks: 0 });
      else if (r.status === 409 && msg === `Connector ${name} already exists`) known.set(name, { state: 'unknown', tasks: 0 });
      else if (r.status === 409) continue; // a rebalance or a conflicting operation: not applied (Kafka's 409s)
      else if (r.status === 500 && msg.startsWith('Request timed out')) known.set(name, { state: 'unknown', tasks: 0 });
      else unexpected.push(`${op} ${name} -> ${r.status} ${JSON.stringify(r.body)}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_v, c) => client(c)));
  expect(unexpected).toEqual([]);
  const ok = [...statuses].filter(([k]) => / 20[014]$/.test(k)).reduce((s, [, n]) => s + n, 0);
  process.stdout.write(`REST load: ${[...statuses].map(([k, n]) => `${k}: ${n}`).join(', ')}\n`);
  expect(ok).toBeGreaterThan(CLIENTS); // the clients got work done, not only 409s

  // a fresh reader of the config topic
  const store = new KafkaConfigBackingStore(
    { topic: 'load-configs', workerProps: { 'bootstrap.servers': server.bootstrap }, clientId: 'load-check', replicationFactor: 1, topicConfigKey: 'config.storage.topic', logger: silentLogger, createTopic: false },
    silentLogger,
  );
  await store.start();
  try {
    // the cluster settles: both workers list what the topic holds, and every connector runs the tasks its config asks for
    const snapshot = await waitFor(
      'a settled cluster',
      async () => {
        await store.refresh();
        const s = store.snapshot();
        const inTopic = s.connectors().sort();
        for (const w of workers) {
          const listed = (await getJson(`${w.rest}/connectors`)).body as string[];
          if (JSON.stringify([...listed].sort()) !== JSON.stringify(inTopic)) return undefined;
        }
        for (const c of inTopic) {
          if (s.isInconsistent(c) || s.taskCount(c) !== Number(s.connectorConfig(c)!['tasks.max'])) return undefined;
          const st = (await getJson(`${workers[0].rest}/connectors/${c}/status`)).body as { connector: { state: string }; tasks: Array<{ state: string }> };
          if (st.connector?.state !== 'RUNNING' || st.tasks.length !== s.taskCount(c) || !st.tasks.every((t) => t.state === 'RUNNING')) return undefined;
        }
        return s;
      },
      180_000,
      1000,
    );
    expect([...snapshot.inconsistentConnectors]).toEqual([]);
    // every request a client saw succeed is in the end state
    for (const [name, k] of known) {
      if (k.state === 'present') {
        expect([name, snapshot.contains(name)]).toEqual([name, true]);
        expect([name, snapshot.taskCount(name)]).toEqual([name, k.tasks]);
        expect(snapshot.tasks(name).map((t) => snapshot.taskConfig(t)!['task.class'])).toEqual(Array(k.tasks).fill('com.example.CounterSourceTask'));
      } else if (k.state === 'absent') {
        expect([name, snapshot.contains(name), snapshot.tasks(name)]).toEqual([name, false, []]);
        expect((await getJson(`${workers[1].rest}/connectors/${name}`)).status).toBe(404);
      }
    }
    expect(snapshot.connectors().length).toBeGreaterThan(0);
  } finally {
    await store.stop();
  }
}, 400_000);
