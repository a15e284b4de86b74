/**
 * Distributed mode as operators run it: three `connect-distributed`
 * processes in one group, three connectors with six tasks in all (a source
 * plugin loaded from `plugin.path`), then `kill -9` of a worker. Its tasks
 * must be RUNNING elsewhere once the session times out and
 * `scheduled.rebalance.max.delay.ms` (set low here) passes, and resume from
 * their stored offsets with no record lost; the others' tasks keep running
 * (incremental cooperative: not restarted, by their start counts). A worker
 * added back then gets work again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer } from '@nagare/client';
import {
  cleanupAll,
  getJson,
  kill9,
  sendJson,
  startDistributedWorker,
  startServer,
  tempDir,
  waitFor,
  waitHealthy,
  type DistributedWorker,
} from './testing/harness';

const SESSION_TIMEOUT_MS = 6000;
const SCHEDULED_DELAY_MS = 3000;
const PLUGINS = join(__dirname, 'testing/plugins');
const STRING = 'org.apache.kafka.connect.storage.StringConverter';

afterAll(() => cleanupAll());

interface TaskState {
  id: number;
  state: string;
  worker_id: string;
}

async function statuses(w: DistributedWorker, names: string[]): Promise<Map<string, TaskState>> {
  const out = new Map<string, TaskState>();
  for (const n of names) {
    const r = await getJson(`${w.rest}/connectors/${n}/status`);
    if (r.status !== 200) continue;
    for (const t of (r.body as { tasks: TaskState[] }).tasks) out.set(`${n}-${t.id}`, t);
  }
  return out;
}

function startCounts(file: string): Map<string, number> {
  const m = new Map<string, number>();
  if (!existsSync(file)) return m;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (l.trim() === '') continue;
    const id = l.split(' ')[0];
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

/** Every record of the topic, read from the beginning to the end offsets. */
async function readTopic(bootstrap: string, topic: string): Promise<string[]> {
  const c = new Consumer({ bootstrapServers: bootstrap, clientId: 'failover-check' });
  try {
    const tps = [{ topic, partition: 0 }];
    c.assign(tps);
    c.seekToBeginning();
    const end = (await c.endOffsets(tps)).values().next().value as number;
    const out: string[] = [];
    while ((await c.position(tps[0])) < end) for (const r of await c.poll(500)) out.push(r.value?.toString('utf8') ?? '');
    return out;
  } finally {
    await c.close();
  }
}

test('three workers: kill -9 one, its tasks move within the rebalance delay and resume from their offsets; a worker added back gets work', async () => {
  const server = await startServer();
  const dir = tempDir();
  const startsFile = join(dir, 'starts.log');
  const overrides = {
    'group.id': 'failover-cluster',
    'key.converter': STRING,
    'value.converter': STRING,
    'offset.storage.partitions': '5',
    'status.storage.partitions': '3',
    'session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'heartbeat.interval.ms': '1000',
    'rebalance.timeout.ms': '20000',
    'scheduled.rebalance.max.delay.ms': String(SCHEDULED_DELAY_MS),
    'offset.flush.interval.ms': '300',
    'plugin.path': PLUGINS,
  };
  const workers: DistributedWorker[] = [];
  for (let i = 0; i < 3; i++) workers.push(await startDistributedWorker(dir, server.bootstrap, overrides));
  for (const w of workers) await waitHealthy(w);

  const names = ['counter-a', 'counter-b', 'counter-c'];
  for (const n of names) {
    const r = await sendJson('POST', `${workers[0].rest}/connectors`, {
      name: n,
      config: { 'connector.class': 'com.example.CounterSourceConnector', 'tasks.max': '2', topic: `${n}-topic`, 'starts.file': startsFile, 'records.per.poll': '5', 'poll.interval.ms': '50' },
    });
    expect(r.status).toBe(201);
  }
  // six tasks RUNNING, spread over the three workers
  const workerIds = workers.map((w) => `127.0.0.1:${w.port}`);
  const before = await waitFor(
    'six RUNNING tasks on three workers',
    async () => {
      const s = await statuses(workers[1], names);
      const running = [...s.values()].filter((t) => t.state === 'RUNNING');
      return running.length === 6 && new Set(running.map((t) => t.worker_id)).size === 3 ? s : undefined;
    },
    120_000,
    250,
  );
  const countsBefore = startCounts(startsFile);
  // every task has committed an offset (GET /connectors/{c}/offsets reads the offsets topic), so a
  // moved task has something to resume from
  await waitFor(
    'an offset committed for each of the six tasks',
    async () => {
      let committed = 0;
      for (const n of names) {
        const r = await getJson(`${workers[1].rest}/connectors/${n}/offsets`);
        committed += ((r.body as { offsets?: Array<{ offset: { n?: number } | null }> }).offsets ?? []).filter((o) => (o.offset?.n ?? 0) > 0).length;
      }
      return committed === 6;
    },
    60_000,
    250,
  );
  expect([...countsBefore.values()].every((n) => n === 1)).toBe(true);

  // kill -9 a worker that runs tasks, not the one we ask
  const victimIndex = 2;
  const victimId = workerIds[victimIndex];
  const victimTasks = [...before].filter(([, t]) => t.worker_id === victimId).map(([k]) => k);
  expect(victimTasks.length).toBeGreaterThan(0);
  const killedAt = Date.now();
  await kill9(workers[victimIndex]);
  const survivors = workers.slice(0, 2);
  const moved = await waitFor(
    'the killed worker\'s tasks RUNNING on the others',
    async () => {
      const s = await statuses(survivors[0], names);
      return [...s.values()].filter((t) => t.state === 'RUNNING' && t.worker_id !== victimId).length === 6 ? s : undefined;
    },
    120_000,
    200,
  );
  const failoverMs = Date.now() - killedAt;
  // the session must expire first, then the leader holds the lost work for the scheduled delay
  expect(failoverMs).toBeGreaterThanOrEqual(SCHEDULED_DELAY_MS);
  expect(failoverMs).toBeLessThan(SESSION_TIMEOUT_MS + SCHEDULED_DELAY_MS + 30_000);
  for (const k of victimTasks) expect(workerIds.slice(0, 2)).toContain(moved.get(k)!.worker_id);

  // the survivors' own tasks were not restarted (cooperative rebalancing)
  const countsAfter = startCounts(startsFile);
  for (const [k, t] of before) if (t.worker_id !== victimId) expect(countsAfter.get(k)).toBe(1);
  for (const k of victimTasks) expect(countsAfter.get(k)).toBe(2);

  // no record lost: each task's numbers 1..max are all in its topic (duplicates allowed: at-least-once)
  await new Promise((r) => setTimeout(r, 1500));
  for (const n of names) {
    const values = await readTopic(server.bootstrap, `${n}-topic`);
    for (const task of [0, 1]) {
      const nums = values.filter((v) => v.startsWith(`${n}-${task}-`)).map((v) => Number(v.slice(`${n}-${task}-`.length)));
      const max = Math.max(...nums);
      const seen = new Set(nums);
      const missing = [];
      for (let i = 1; i <= max; i++) if (!seen.has(i)) missing.push(i);
      expect({ task: `${n}-${task}`, missing }).toEqual({ task: `${n}-${task}`, missing: [] });
      expect(max).toBeGreaterThan(10);
    }
  }
  // the resumed tasks went on from their stored offsets (the second start did not begin from 0)
  const resumed = readFileSync(startsFile, 'utf8').split('\n').filter((l) => victimTasks.some((k) => l.startsWith(`${k} `)));
  for (const k of victimTasks) {
    const lines = resumed.filter((l) => l.startsWith(`${k} `));
    expect(lines.length).toBe(2);
    expect(Number(lines[1].split(' from ')[1])).toBeGreaterThan(0);
  }

  // a worker added back receives work again; tasks that stay where they are keep running
  const countsBeforeJoin = startCounts(startsFile);
  const returning = await startDistributedWorker(dir, server.bootstrap, overrides);
  await waitHealthy(returning);
  const returningId = `127.0.0.1:${returning.port}`;
  const after = await waitFor(
    'the new worker to run tasks',
    async () => {
      const s = await statuses(survivors[0], names);
      const running = [...s.values()].filter((t) => t.state === 'RUNNING');
      return running.length === 6 && running.some((t) => t.worker_id === returningId) ? s : undefined;
    },
    120_000,
    250,
  );
  const countsAfterJoin = startCounts(startsFile);
  for (const [k, t] of after) {
    if (t.worker_id !== returningId) expect(countsAfterJoin.get(k)).toBe(countsBeforeJoin.get(k));
  }
  const perWorker = new Map<string, number>();
  for (const t of after.values()) perWorker.set(t.worker_id, (perWorker.get(t.worker_id) ?? 0) + 1);
  expect([...perWorker.values()].sort()).toEqual([2, 2, 2]);
});
