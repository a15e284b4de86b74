/**
 * Distributed mode beyond the default protocol and the happy path:
 *
 * - `connect.protocol=eager`: the group runs Kafka's "default" protocol
 *   (ConnectProtocol v0 metadata and assignments, read back from the broker
 *   with DescribeGroups), every rebalance revokes everything (the running
 *   tasks start again when a connector is added), and the tasks of a worker
 *   killed with -9 run on the survivor once its session expires.
 * - Offsets (KIP-875) end to end: a FileStream source stopped, its position
 *   PATCHed back, resumed, continues from the altered position; a
 *   FileStream sink's offsets DELETEd (its consumer group's offsets go) reads
 *   the topic again from the start, and a PATCHed sink offset is where it
 *   resumes.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Consumer } from '@nagare/client';
import { CONNECT_PROTOCOL_V0, deserializeAssignment, deserializeMetadata } from '@nagare/connect-runtime';
import type { ServerProcess } from '@nagare/testing';
import { cleanupAll, getJson, kill9, readLines, sendJson, startDistributedWorker, startServer, tempDir, waitFor, waitHealthy, type DistributedWorker } from './testing/harness';

const PLUGINS = join(__dirname, 'testing/plugins');
const STRING = 'org.apache.kafka.connect.storage.StringConverter';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
}, 60000);

afterAll(() => cleanupAll());

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

interface Status {
  connector: { state: string; worker_id: string };
  tasks: Array<{ id: number; state: string; worker_id: string }>;
}

async function status(w: DistributedWorker, c: string): Promise<Status | undefined> {
  const r = await getJson(`${w.rest}/connectors/${c}/status`);
  return r.status === 200 ? (r.body as Status) : undefined;
}

/** Every record value of partition 0 of the topic, from the beginning to the end offset. */
async function readTopic(topic: string): Promise<string[]> {
  const c = new Consumer({ bootstrapServers: server.bootstrap, clientId: 'modes-check' });
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

test('connect.protocol=eager: v0 metadata and assignments, every rebalance restarts the tasks, a killed worker\'s tasks move', async () => {
  const dir = tempDir();
  const starts = join(dir, 'starts.log');
  const overrides = {
    'group.id': 'eager-cluster',
    'connect.protocol': 'eager',
    'config.storage.topic': 'eager-configs',
    'offset.storage.topic': 'eager-offsets',
    'status.storage.topic': 'eager-status',
    'offset.storage.partitions': '3',
    'status.storage.partitions': '2',
    'key.converter': STRING,
    'value.converter': STRING,
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '1000',
    'offset.flush.interval.ms': '300',
    'plugin.path': PLUGINS,
  };
  const a = await startDistributedWorker(dir, server.bootstrap, overrides);
  await waitHealthy(a);
  const b = await startDistributedWorker(dir, server.bootstrap, overrides);
  await waitHealthy(b);
  const counter = (name: string) => ({
    name,
    config: { 'connector.class': 'com.example.CounterSourceConnector', 'tasks.max': '2', topic: `${name}-topic`, 'starts.file': starts, 'records.per.poll': '5', 'poll.interval.ms': '50' },
  });
  expect((await sendJson('POST', `${b.rest}/connectors`, counter('eager-a'))).status).toBe(201);
  await waitFor('eager-a: two RUNNING tasks', async () => (await status(a, 'eager-a'))?.tasks.filter((t) => t.state === 'RUNNING').length === 2, 60000, 200);

  // the broker's view of the group: protocol type connect, protocol "default", ConnectProtocol v0 bytes
  const admin = new Admin({ bootstrapServers: server.bootstrap });
  try {
    const g = await waitFor('a stable eager group of two', async () => {
      const [d] = await admin.describeGroups(['eager-cluster']);
      return d.state === 'Stable' && d.members.length === 2 ? d : undefined;
    });
    expect(g).toMatchObject({ protocolType: 'connect', protocol: 'default' });
    const urls = new Set<string>();
    const assignedTasks: string[] = [];
    for (const m of g.members) {
      const meta = deserializeMetadata(m.metadata);
      expect(meta.version).toBe(CONNECT_PROTOCOL_V0);
      urls.add(meta.url);
      const asg = deserializeAssignment(m.assignmentBytes)!;
      expect(asg.version).toBe(CONNECT_PROTOCOL_V0);
      expect(asg.revokedConnectors).toEqual([]); // v0 has no revocations
      assignedTasks.push(...asg.tasks.map((t) => `${t.connector}-${t.task}`));
    }
    expect(urls).toEqual(new Set([`${a.rest}/`, `${b.rest}/`]));
    expect(assignedTasks.sort()).toEqual(['eager-a-0', 'eager-a-1']);
  } finally {
    await admin.close();
  }

  // eager: a new connector means a rebalance in which everything is revoked, so eager-a's tasks start again
  expect(startCounts(starts)).toEqual(new Map([['eager-a-0', 1], ['eager-a-1', 1]]));
  expect((await sendJson('POST', `${a.rest}/connectors`, counter('eager-b'))).status).toBe(201);
  await waitFor(
    'all four tasks RUNNING and eager-a\'s restarted',
    async () => {
      const sa = await status(a, 'eager-a');
      const sb = await status(a, 'eager-b');
      const c = startCounts(starts);
      return [...(sa?.tasks ?? []), ...(sb?.tasks ?? [])].filter((t) => t.state === 'RUNNING').length === 4 && (c.get('eager-a-0') ?? 0) >= 2 && (c.get('eager-a-1') ?? 0) >= 2;
    },
    60000,
    200,
  );

  // kill -9 one worker: once its session expires the survivor runs all four
  const killedAt = Date.now();
  await kill9(b);
  const survivor = `127.0.0.1:${a.port}`;
  await waitFor(
    'every task RUNNING on the survivor',
    async () => {
      const all = [...((await status(a, 'eager-a'))?.tasks ?? []), ...((await status(a, 'eager-b'))?.tasks ?? [])];
      return all.length === 4 && all.every((t) => t.state === 'RUNNING' && t.worker_id === survivor);
    },
    60000,
    200,
  );
  // no scheduled rebalance delay in eager mode: the session timeout (6 s) plus a rebalance
  expect(Date.now() - killedAt).toBeLessThan(30000);
});

test('offsets: a stopped FileStream source resumes from the PATCHed position; a sink re-reads after DELETE and resumes at a PATCHed offset', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  writeFileSync(input, 'line-1\nline-2\nline-3\nline-4\nline-5\n');
  const w = await startDistributedWorker(dir, server.bootstrap, {
    'group.id': 'offsets-cluster',
    'config.storage.topic': 'offsets-configs',
    'offset.storage.topic': 'offsets-offsets',
    'status.storage.topic': 'offsets-status',
    'offset.storage.partitions': '3',
    'status.storage.partitions': '2',
    'key.converter': STRING,
    'value.converter': STRING,
    'offset.flush.interval.ms': '300',
  });
  await waitHealthy(w);
  const put = (path: string) => sendJson('PUT', `${w.rest}${path}`);
  const waitState = (c: string, state: string) =>
    waitFor(`${c} ${state}`, async () => {
      const s = await status(w, c);
      return s?.connector.state === state && (state === 'STOPPED' ? s.tasks.length === 0 : s.tasks.length > 0 && s.tasks.every((t) => t.state === state));
    }, 60000, 200);

  expect((await sendJson('POST', `${w.rest}/connectors`, { name: 'lines-src', config: { 'connector.class': 'FileStreamSource', file: input, topic: 'offsets-lines' } })).status).toBe(201);
  await waitFor('five lines in the topic', async () => (await readTopic('offsets-lines')).length === 5, 60000, 300);

  expect((await put('/connectors/lines-src/stop')).status).toBe(204);
  await waitState('lines-src', 'STOPPED');
  // the task's last commit on stop: after the fifth line
  expect((await getJson(`${w.rest}/connectors/lines-src/offsets`)).body).toEqual({ offsets: [{ partition: { filename: input }, offset: { position: 35 } }] });
  // back to the start of line-3 (bytes of "line-1\nline-2\n")
  const patch = await sendJson('PATCH', `${w.rest}/connectors/lines-src/offsets`, { offsets: [{ partition: { filename: input }, offset: { position: 14 } }] });
  expect(patch).toMatchObject({ status: 200, body: { message: 'The offsets for this connector have been altered successfully' } });
  expect((await put('/connectors/lines-src/resume')).status).toBe(202);
  await waitFor('line-3..5 read again', async () => (await readTopic('offsets-lines')).length === 8, 60000, 300);
  appendFileSync(input, 'line-6\n');
  await waitFor('and then what is appended', async () => (await readTopic('offsets-lines')).length === 9, 60000, 300);
  const topic = await readTopic('offsets-lines');
  expect(topic).toEqual(['line-1', 'line-2', 'line-3', 'line-4', 'line-5', 'line-3', 'line-4', 'line-5', 'line-6']);

  // the sink: all nine, then stopped
  expect((await sendJson('POST', `${w.rest}/connectors`, { name: 'lines-sink', config: { 'connector.class': 'FileStreamSink', file: output, topics: 'offsets-lines' } })).status).toBe(201);
  await waitFor('nine lines in the sink file', () => readLines(output).length === 9, 60000, 200);
  expect((await put('/connectors/lines-sink/stop')).status).toBe(204);
  await waitState('lines-sink', 'STOPPED');
  expect((await getJson(`${w.rest}/connectors/lines-sink/offsets`)).body).toEqual({ offsets: [{ partition: { kafka_topic: 'offsets-lines', kafka_partition: 0 }, offset: { kafka_offset: 9 } }] });

  // DELETE: the group connect-lines-sink loses its offsets, so the sink starts over (auto.offset.reset=earliest)
  const reset = await sendJson('DELETE', `${w.rest}/connectors/lines-sink/offsets`);
  expect(reset).toMatchObject({ status: 200, body: { message: 'The offsets for this connector have been reset successfully' } });
  const admin = new Admin({ bootstrapServers: server.bootstrap });
  try {
    const committed = await admin.listConsumerGroupOffsets('connect-lines-sink').catch(() => []);
    expect(committed.filter((c) => c.offset >= 0)).toEqual([]);
  } finally {
    await admin.close();
  }
  expect((await getJson(`${w.rest}/connectors/lines-sink/offsets`)).body).toEqual({ offsets: [] });
  expect((await put('/connectors/lines-sink/resume')).status).toBe(202);
  await waitFor('the topic written again', () => readLines(output).length === 18, 60000, 200);
  expect(readLines(output)).toEqual([...topic, ...topic]);

  // PATCH a sink offset: it resumes at record 7 (line-5, line-6)
  expect((await put('/connectors/lines-sink/stop')).status).toBe(204);
  await waitState('lines-sink', 'STOPPED');
  const sinkPatch = await sendJson('PATCH', `${w.rest}/connectors/lines-sink/offsets`, { offsets: [{ partition: { kafka_topic: 'offsets-lines', kafka_partition: 0 }, offset: { kafka_offset: 7 } }] });
  expect(sinkPatch).toMatchObject({ status: 200, body: { message: 'The offsets for this connector have been altered successfully' } });
  expect((await put('/connectors/lines-sink/resume')).status).toBe(202);
  await waitFor('two more lines', () => readLines(output).length === 20, 60000, 200);
  expect(readLines(output).slice(18)).toEqual(['line-5', 'line-6']);
});
