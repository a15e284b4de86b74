/**
 * The REST API's contract, endpoint by endpoint, against two
 * `connect-distributed` workers in one group: status codes, `Location` on
 * 201, the exact JSON of Kafka's entities, `{"error_code","message"}` error
 * bodies with Kafka's texts (src/__fixtures__/kafka-rest.ts says where in
 * Kafka each comes from), KIP-875 offsets with the request bodies of Kafka's
 * documentation, and every response conforming to the schema /openapi.json
 * declares for it. Writes go to the follower, so each one is also forwarded
 * to the leader and answered from there.
 */
import { writeFileSync } from 'node:fs';
import Ajv from 'ajv';
import { Admin } from '@nagare/client';
import type { ServerProcess } from '@nagare/testing';
import { DOCS_SINK_OFFSETS, DOCS_SOURCE_OFFSETS, ENTITY_KEYS, MESSAGES } from './__fixtures__/kafka-rest';
import { cleanupAll, startDistributedWorker, startServer, tempDir, waitFor, waitHealthy, type DistributedWorker } from './testing/harness';

let server: ServerProcess;
let leader: DistributedWorker;
let follower: DistributedWorker;
let dir: string;
let openapi: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
const ajv = new Ajv({ strict: false, allErrors: true });
const checked = new Set<string>();

interface Res {
  status: number;
  body: any;
  headers: Headers;
  text: string;
}

/** An HTTP call; the response must conform to /openapi.json's schema for its route, method and status. */
async function call(w: DistributedWorker, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const r = await fetch(`${w.rest}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  const res = { status: r.status, body: text === '' ? null : JSON.parse(text), headers: r.headers, text };
  if (res.body !== null) expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  if (openapi) conforms(method, path, res);
  return res;
}

/** Worker-to-worker endpoints: hidden from the document, as Kafka's @Operation(hidden = true) hides them. */
const INTERNAL = new Set(['POST /connectors/{connector}/tasks', 'PUT /connectors/{connector}/fence']);

function routeOf(path: string): string | undefined {
  const p = path.split('?')[0];
  const internal = /^\/connectors\/[^/]+\/(tasks|fence)$/.exec(p);
  if (internal) return `/connectors/{connector}/${internal[1]}`;
  const segs = p.split('/');
  return Object.keys(openapi.paths).find((tpl) => {
    const t = tpl.split('/');
    return t.length === segs.length && t.every((s, i) => s.startsWith('{') || s === decodeURIComponent(segs[i]));
  });
}

function conforms(method: string, path: string, res: Res): void {
  const route = routeOf(path);
  if (!route) return; // an unknown path: its 404 is checked by the test itself
  const op = openapi.paths[route]?.[method.toLowerCase()];
  if (INTERNAL.has(`${method} ${route}`)) return expect(op).toBeUndefined();
  expect([method, route, op !== undefined]).toEqual([method, route, true]);
  const declared = op.responses[String(res.status)];
  expect([method, path, res.status, declared !== undefined ? 'declared' : Object.keys(op.responses)]).toEqual([method, path, res.status, 'declared']);
  const schema = declared.content?.['application/json']?.schema;
  if (res.body === null) return;
  expect([method, route, res.status, schema !== undefined]).toEqual([method, route, res.status, true]);
  const validate = ajv.compile(schema as object);
  const ok = validate(res.body);
  expect([method, path, res.status, ok ? 'conforms' : validate.errors]).toEqual([method, path, res.status, 'conforms']);
  checked.add(`${method} ${route} ${res.status}`);
}

const keys = (o: object) => Object.keys(o).sort();
const errorBody = (status: number, message: string) => ({ error_code: status, message });

beforeAll(async () => {
  server = await startServer();
  dir = tempDir();
  const overrides = {
    'group.id': 'contract-cluster',
    'config.storage.topic': 'contract-configs',
    'offset.storage.topic': 'contract-offsets',
    'status.storage.topic': 'contract-status',
    'offset.storage.partitions': '3',
    'status.storage.partitions': '2',
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '1000',
    'scheduled.rebalance.max.delay.ms': '2000',
    'offset.flush.interval.ms': '500',
  };
  const a = await startDistributedWorker(dir, server.bootstrap, overrides);
  await waitHealthy(a);
  const b = await startDistributedWorker(dir, server.bootstrap, overrides);
  await waitHealthy(b);
  // the leader is who b's last assignment names (the first to join leads)
  const leaderUrl = await waitFor('b joined with a leader', () => {
    const joined = b.output.filter((l) => l.includes('Joined group at generation')).pop();
    return joined ? /\(leader (\S+?)\/?\)/.exec(joined)?.[1] : undefined;
  });
  [leader, follower] = leaderUrl === a.rest ? [a, b] : [b, a];
  expect(leaderUrl).toBe(leader.rest);
  const admin = new Admin({ bootstrapServers: server.bootstrap });
  await admin.createTopics([{ name: 'test', numPartitions: 2, replicationFactor: 1 }]);
  await admin.close();
  const doc = await fetch(`${follower.rest}/openapi.json`);
  expect(doc.status).toBe(200);
  openapi = (await doc.json()) as typeof openapi;
}, 180000);

afterAll(async () => {
  await cleanupAll();
});

describe('root', () => {
  test('GET / is ServerInfo with the broker cluster id; GET /health is WorkerStatus', async () => {
    const r = await call(follower, 'GET', '/');
    expect(r.status).toBe(200);
    expect(keys(r.body)).toEqual(ENTITY_KEYS.ServerInfo);
    expect(r.body.kafka_cluster_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await call(leader, 'GET', '/')).body.kafka_cluster_id).toBe(r.body.kafka_cluster_id);
    const h = await call(follower, 'GET', '/health');
    expect(h).toMatchObject({ status: 200, body: { status: 'healthy', message: MESSAGES.healthy } });
    expect(keys(h.body)).toEqual(ENTITY_KEYS.WorkerStatus);
  });

  test('an unknown path is 404 with the ErrorMessage body', async () => {
    const r = await call(follower, 'GET', '/no/such/path');
    expect(r).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.httpNotFound) });
  });

  test('/openapi.json documents every route with its methods', () => {
    expect(openapi.openapi).toMatch(/^3\./);
    const routes = Object.entries(openapi.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes.sort()).toEqual(
      [
        'GET /',
        'GET /health',
        'GET /connectors',
        'POST /connectors',
        'GET /connectors/{connector}',
        'DELETE /connectors/{connector}',
        'GET /connectors/{connector}/config',
        'PUT /connectors/{connector}/config',
        'PATCH /connectors/{connector}/config',
        'GET /connectors/{connector}/status',
        'GET /connectors/{connector}/topics',
        'PUT /connectors/{connector}/topics/reset',
        'GET /connectors/{connector}/tasks',
        'GET /connectors/{connector}/tasks/{task}/status',
        'GET /connectors/{connector}/tasks/{task}/metrics',
        'POST /connectors/{connector}/tasks/{task}/restart',
        'POST /connectors/{connector}/restart',
        'PUT /connectors/{connector}/pause',
        'PUT /connectors/{connector}/resume',
        'PUT /connectors/{connector}/stop',
        'GET /connectors/{connector}/offsets',
        'PATCH /connectors/{connector}/offsets',
        'DELETE /connectors/{connector}/offsets',
        'GET /connector-plugins',
        'GET /connector-plugins/{plugin}/config',
        'PUT /connector-plugins/{plugin}/config/validate',
        'GET /admin/loggers',
        'GET /admin/loggers/{logger}',
        'PUT /admin/loggers/{logger}',
      ].sort(),
    );
  });
});

describe('connectors', () => {
  const src = (file: string, extra: Record<string, string> = {}) => ({ 'connector.class': 'FileStreamSource', file, topic: 'contract-lines', ...extra });

  test('POST /connectors: 201 with Location naming the worker asked and ConnectorInfo; 409 when it exists; 400s with Kafka\'s texts', async () => {
    writeFileSync(`${dir}/a.txt`, 'one line\n');
    const r = await call(follower, 'POST', '/connectors', { name: 'src-a', config: src(`${dir}/a.txt`) });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${follower.rest}/connectors/src-a`);
    expect(r.body).toEqual({ name: 'src-a', config: { ...src(`${dir}/a.txt`), name: 'src-a' }, tasks: [], type: 'source' });
    expect(keys(r.body)).toEqual(ENTITY_KEYS.ConnectorInfo);

    const dup = await call(follower, 'POST', '/connectors', { name: 'src-a', config: src(`${dir}/a.txt`) });
    expect(dup).toMatchObject({ status: 409, body: errorBody(409, MESSAGES.alreadyExists('src-a')) });
    expect(keys(dup.body)).toEqual(ENTITY_KEYS.ErrorMessage);

    const noType = await call(follower, 'POST', '/connectors', { name: 'typeless', config: { file: 'x' } });
    expect(noType).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.noConnectorType('{file=x, name=typeless}')) });

    const invalid = await call(follower, 'POST', '/connectors', { name: 'no-topics', config: { 'connector.class': 'FileStreamSink', file: 'x' } });
    expect(invalid).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.invalidConfig([MESSAGES.sinkNoTopics, MESSAGES.sinkNoTopics])) });

    const mismatch = await call(follower, 'POST', '/connectors', { name: 'one', config: { ...src('x'), name: 'other' } });
    expect(mismatch).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.nameMismatch('other', 'one')) });

    const unknownClass = await call(follower, 'POST', '/connectors', { name: 'nope', config: { 'connector.class': 'com.example.NoSuchConnector' } });
    // AbstractHerder.validateConnectorConfig -> Plugins.newConnector: a ConnectException, so 500
    expect(unknownClass.status).toBe(500);
    expect(unknownClass.body.message).toMatch(/^Failed to find any class that implements Connector and which name matches com\.example\.NoSuchConnector, available connectors are: /);

    const notJson = await call(follower, 'POST', '/connectors', '{"name": ');
    expect(notJson.status).toBe(400);
    expect(keys(notJson.body)).toEqual(ENTITY_KEYS.ErrorMessage);

    // initial_state (KIP-980)
    const stopped = await call(follower, 'POST', '/connectors', { name: 'src-stopped', config: src(`${dir}/s.txt`), initial_state: 'STOPPED' });
    expect(stopped.status).toBe(201);
    await waitFor('src-stopped STOPPED', async () => (await call(follower, 'GET', '/connectors/src-stopped/status')).body?.connector?.state === 'STOPPED');
    const badState = await call(follower, 'POST', '/connectors', { name: 'x', config: src('x'), initial_state: 'SLEEPING' });
    expect(badState.status).toBe(400);
  });

  test('GET /connectors (names; ?expand=status and ?expand=info), GET /connectors/{c}, /config, /status, /tasks, /tasks/{t}/status', async () => {
    const status = await waitFor('src-a RUNNING with its task', async () => {
      const s = await call(leader, 'GET', '/connectors/src-a/status');
      return s.status === 200 && s.body.connector.state === 'RUNNING' && s.body.tasks[0]?.state === 'RUNNING' ? s.body : undefined;
    });
    expect(keys(status)).toEqual(ENTITY_KEYS.ConnectorStateInfo);
    expect(keys(status.connector)).toEqual(ENTITY_KEYS.ConnectorState); // no "trace" unless failed
    expect(keys(status.tasks[0])).toEqual(ENTITY_KEYS.TaskState);
    expect(status).toEqual({
      name: 'src-a',
      connector: { state: 'RUNNING', worker_id: expect.stringMatching(/^127\.0\.0\.1:\d+$/) },
      tasks: [{ id: 0, state: 'RUNNING', worker_id: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }],
      type: 'source',
    });

    const names = await call(follower, 'GET', '/connectors');
    expect(names).toMatchObject({ status: 200 });
    expect([...names.body].sort()).toEqual(['src-a', 'src-stopped']);
    const expanded = await call(follower, 'GET', '/connectors?expand=status&expand=info');
    expect(keys(expanded.body)).toEqual(['src-a', 'src-stopped']);
    expect(keys(expanded.body['src-a'])).toEqual(['info', 'status']);
    expect(expanded.body['src-a'].status).toEqual(status);
    expect(keys(expanded.body['src-a'].info)).toEqual(ENTITY_KEYS.ConnectorInfo);

    const info = await call(follower, 'GET', '/connectors/src-a');
    expect(info).toMatchObject({ status: 200, body: { name: 'src-a', tasks: [{ connector: 'src-a', task: 0 }], type: 'source' } });
    expect(keys(info.body.tasks[0])).toEqual(ENTITY_KEYS.ConnectorTaskId);
    const config = await call(follower, 'GET', '/connectors/src-a/config');
    expect(config).toMatchObject({ status: 200, body: { ...src(`${dir}/a.txt`), name: 'src-a' } });
    const tasks = await call(follower, 'GET', '/connectors/src-a/tasks');
    expect(tasks.status).toBe(200);
    expect(tasks.body).toEqual([{ id: { connector: 'src-a', task: 0 }, config: { 'task.class': 'org.apache.kafka.connect.file.FileStreamSourceTask', file: `${dir}/a.txt`, topic: 'contract-lines', 'batch.size': '2000' } }]);
    expect(keys(tasks.body[0])).toEqual(ENTITY_KEYS.TaskInfo);
    const task = await call(follower, 'GET', '/connectors/src-a/tasks/0/status');
    expect(task).toMatchObject({ status: 200, body: status.tasks[0] });

    expect(await call(follower, 'GET', '/connectors/ghost')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
    expect(await call(follower, 'GET', '/connectors/ghost/config')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
    expect(await call(follower, 'GET', '/connectors/ghost/status')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.noStatusForConnector('ghost')) });
    expect(await call(follower, 'GET', '/connectors/ghost/tasks')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
    expect(await call(follower, 'GET', '/connectors/src-a/tasks/9/status')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.noStatusForTask('src-a', 9)) });
  });

  test('PUT /connectors/{c}/config: 201 + Location when new, 200 when replaced; PATCH merges and null removes (KIP-477)', async () => {
    const created = await call(follower, 'PUT', '/connectors/src-b/config', src(`${dir}/b.txt`));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${follower.rest}/connectors/src-b`);
    expect(created.body).toEqual({ name: 'src-b', config: { ...src(`${dir}/b.txt`), name: 'src-b' }, tasks: [], type: 'source' });
    const replaced = await call(follower, 'PUT', '/connectors/src-b/config', src(`${dir}/b.txt`, { 'batch.size': '10' }));
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('location')).toBeNull();
    expect(replaced.body.config).toEqual({ ...src(`${dir}/b.txt`, { 'batch.size': '10' }), name: 'src-b' });
    const mismatch = await call(follower, 'PUT', '/connectors/src-b/config', { ...src('x'), name: 'src-c' });
    expect(mismatch).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.nameMismatch('src-c', 'src-b')) });

    const patched = await call(follower, 'PATCH', '/connectors/src-b/config', { 'batch.size': null, topic: 'contract-other' });
    expect(patched.status).toBe(200);
    expect(patched.body.config).toEqual({ ...src(`${dir}/b.txt`, { topic: 'contract-other' }), name: 'src-b' });
    expect(keys(patched.body)).toEqual(ENTITY_KEYS.ConnectorInfo);
    expect(await call(follower, 'PATCH', '/connectors/ghost/config', { topic: 't' })).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
    expect((await call(leader, 'GET', '/connectors/src-b/config')).body.topic).toBe('contract-other');
  });

  test('pause 202, resume 202, stop 204 (no bodies); restart 204 / 202 with ConnectorStateInfo (KIP-745); task restart 204; 404s', async () => {
    const stateOf = async (c: string) => (await call(leader, 'GET', `/connectors/${c}/status`)).body;
    const p = await call(follower, 'PUT', '/connectors/src-b/pause');
    expect([p.status, p.text]).toEqual([202, '']);
    await waitFor('src-b PAUSED', async () => (await stateOf('src-b')).connector.state === 'PAUSED');
    const r = await call(follower, 'PUT', '/connectors/src-b/resume');
    expect([r.status, r.text]).toEqual([202, '']);
    await waitFor('src-b RUNNING', async () => {
      const s = await stateOf('src-b');
      return s.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING';
    });
    const restart = await call(follower, 'POST', '/connectors/src-b/restart');
    expect([restart.status, restart.text]).toEqual([204, '']);
    const withTasks = await call(follower, 'POST', '/connectors/src-b/restart?includeTasks=true&onlyFailed=false');
    expect(withTasks.status).toBe(202);
    expect(withTasks.body).toEqual({
      name: 'src-b',
      connector: { state: 'RESTARTING', worker_id: expect.any(String) },
      tasks: [{ id: 0, state: 'RESTARTING', worker_id: expect.any(String) }],
      type: 'source',
    });
    // onlyFailed with nothing failed: the status as it is
    const onlyFailed = await call(follower, 'POST', '/connectors/src-b/restart?includeTasks=true&onlyFailed=true');
    expect(onlyFailed.status).toBe(202);
    expect(keys(onlyFailed.body)).toEqual(ENTITY_KEYS.ConnectorStateInfo);
    const taskRestart = await call(follower, 'POST', '/connectors/src-b/tasks/0/restart');
    expect([taskRestart.status, taskRestart.text]).toEqual([204, '']);
    expect(await call(follower, 'POST', '/connectors/src-b/tasks/5/restart')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.unknownTask('src-b', 5)) });
    expect(await call(follower, 'POST', '/connectors/ghost/restart?includeTasks=true')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.unknownConnectorColon('ghost')) });
    expect(await call(follower, 'POST', '/connectors/ghost/restart')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.unknownConnectorColon('ghost')) });
    const stop = await call(follower, 'PUT', '/connectors/src-b/stop');
    expect([stop.status, stop.text]).toEqual([204, '']);
    await waitFor('src-b STOPPED, no tasks', async () => {
      const s = await stateOf('src-b');
      return s.connector.state === 'STOPPED' && s.tasks.length === 0;
    });
    expect((await call(follower, 'GET', '/connectors/src-b')).body.tasks).toEqual([]);
    expect(await call(follower, 'PUT', '/connectors/ghost/pause')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
  });

  test('GET /connectors/{c}/topics (KIP-558) and PUT .../topics/reset 202', async () => {
    const t = await waitFor('src-a has used its topic', async () => {
      const r = await call(follower, 'GET', '/connectors/src-a/topics');
      return r.status === 200 && r.body['src-a'].topics.length > 0 ? r : undefined;
    });
    expect(t.body).toEqual({ 'src-a': { topics: ['contract-lines'] } });
    const reset = await call(follower, 'PUT', '/connectors/src-b/topics/reset');
    expect([reset.status, reset.text]).toEqual([202, '']);
    expect((await call(follower, 'GET', '/connectors/src-b/topics')).body).toEqual({ 'src-b': { topics: [] } });
  });

  test('writes forwarded with forward=false to a worker that cannot serve them are 409 (HerderRequestHandler)', async () => {
    const r = await call(follower, 'POST', '/connectors?forward=false', { name: 'src-z', config: src('z') });
    expect(r).toMatchObject({ status: 409, body: errorBody(409, MESSAGES.conflictingOperation) });
  });

  test('internal POST /connectors/{c}/tasks: unsigned 400, badly signed 403 (KIP-507)', async () => {
    const unsigned = await call(leader, 'POST', '/connectors/src-a/tasks', [{ 'task.class': 'x' }]);
    expect(unsigned).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.signatureMissing) });
    const forged = await call(leader, 'POST', '/connectors/src-a/tasks', [{ 'task.class': 'x' }], {
      'X-Connect-Authorization': Buffer.alloc(32).toString('base64'),
      'X-Connect-Request-Signature-Algorithm': 'HmacSHA256',
    });
    expect(forged).toMatchObject({ status: 403, body: errorBody(403, MESSAGES.signatureInvalid) });
    // the task configs are untouched
    expect((await call(leader, 'GET', '/connectors/src-a/tasks')).body[0].config['task.class']).toBe('org.apache.kafka.connect.file.FileStreamSourceTask');
  });

  test('DELETE /connectors/{c}: 204, then 404', async () => {
    const d = await call(follower, 'DELETE', '/connectors/src-b');
    expect([d.status, d.text]).toEqual([204, '']);
    expect(await call(follower, 'DELETE', '/connectors/src-b')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('src-b')) });
    await waitFor('src-b gone on the leader too', async () => (await call(leader, 'GET', '/connectors/src-b')).status === 404);
  });
});

describe('offsets (KIP-875) with the request bodies of Kafka\'s documentation', () => {
  test('FileStreamSource: PATCH the docs example on a STOPPED connector, GET it back, DELETE resets; not STOPPED is 400', async () => {
    const c = await call(follower, 'POST', '/connectors', { name: 'docs-source', config: { 'connector.class': 'FileStreamSource', file: 'test.txt', topic: 'test' }, initial_state: 'STOPPED' });
    expect(c.status).toBe(201);
    await waitFor('docs-source STOPPED', async () => (await call(follower, 'GET', '/connectors/docs-source/status')).body?.connector?.state === 'STOPPED');
    const empty = await call(follower, 'GET', '/connectors/docs-source/offsets');
    expect(empty).toMatchObject({ status: 200, body: { offsets: [] } });
    const altered = await call(follower, 'PATCH', '/connectors/docs-source/offsets', DOCS_SOURCE_OFFSETS);
    expect(altered).toMatchObject({ status: 200, body: { message: MESSAGES.offsetsAltered } });
    expect(keys(altered.body)).toEqual(ENTITY_KEYS.Message);
    const got = await call(leader, 'GET', '/connectors/docs-source/offsets');
    expect(got).toMatchObject({ status: 200, body: DOCS_SOURCE_OFFSETS });
    expect(keys(got.body)).toEqual(ENTITY_KEYS.ConnectorOffsets);
    expect(keys(got.body.offsets[0])).toEqual(ENTITY_KEYS.ConnectorOffset);
    expect(await call(follower, 'PATCH', '/connectors/docs-source/offsets', { offsets: [] })).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.noOffsets) });
    expect(await call(follower, 'PATCH', '/connectors/docs-source/offsets', {})).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.noOffsets) });
    const reset = await call(follower, 'DELETE', '/connectors/docs-source/offsets');
    expect(reset).toMatchObject({ status: 200, body: { message: MESSAGES.offsetsReset } });
    expect((await call(follower, 'GET', '/connectors/docs-source/offsets')).body).toEqual({ offsets: [] });

    expect(await call(follower, 'PATCH', '/connectors/src-a/offsets', DOCS_SOURCE_OFFSETS)).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.notStopped('src-a')) });
    expect(await call(follower, 'DELETE', '/connectors/src-a/offsets')).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.notStopped('src-a')) });
    expect(await call(follower, 'GET', '/connectors/ghost/offsets')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
    expect(await call(follower, 'PATCH', '/connectors/ghost/offsets', DOCS_SOURCE_OFFSETS)).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.notFound('ghost')) });
  });

  test('FileStreamSink: the docs example sets partition 0 and leaves partition 1 without an offset; a bad partition is 400', async () => {
    const c = await call(follower, 'POST', '/connectors', { name: 'docs-sink', config: { 'connector.class': 'FileStreamSink', file: `${dir}/docs-sink.txt`, topics: 'test' }, initial_state: 'STOPPED' });
    expect(c.status).toBe(201);
    await waitFor('docs-sink STOPPED', async () => (await call(follower, 'GET', '/connectors/docs-sink/status')).body?.connector?.state === 'STOPPED');
    const altered = await call(follower, 'PATCH', '/connectors/docs-sink/offsets', DOCS_SINK_OFFSETS);
    expect(altered).toMatchObject({ status: 200, body: { message: MESSAGES.offsetsAltered } });
    const got = await call(leader, 'GET', '/connectors/docs-sink/offsets');
    expect(got).toMatchObject({ status: 200, body: { offsets: [DOCS_SINK_OFFSETS.offsets[0]] } });
    const bad = await call(follower, 'PATCH', '/connectors/docs-sink/offsets', { offsets: [{ partition: { topic: 'test', partition: 0 }, offset: { kafka_offset: 1 } }] });
    expect(bad).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.sinkPartitionKeys) });
    const reset = await call(follower, 'DELETE', '/connectors/docs-sink/offsets');
    expect(reset).toMatchObject({ status: 200, body: { message: MESSAGES.offsetsReset } });
    expect((await call(follower, 'GET', '/connectors/docs-sink/offsets')).body).toEqual({ offsets: [] });
  });
});

describe('connector-plugins', () => {
  test('GET /connector-plugins (connectors; ?connectorsOnly=false all types) and /{plugin}/config', async () => {
    const list = await call(follower, 'GET', '/connector-plugins');
    expect(list.status).toBe(200);
    // the FileStream connectors and the bundled ones (connectors.ts: JDBC, Debezium PostgreSQL, Elasticsearch), sorted by class
    expect(list.body).toEqual([
      { class: 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector', type: 'sink', version: expect.any(String) },
      { class: 'io.confluent.connect.jdbc.JdbcSinkConnector', type: 'sink', version: expect.any(String) },
      { class: 'io.confluent.connect.jdbc.JdbcSourceConnector', type: 'source', version: expect.any(String) },
      { class: 'io.debezium.connector.postgresql.PostgresConnector', type: 'source', version: expect.any(String) },
      { class: 'org.apache.kafka.connect.file.FileStreamSinkConnector', type: 'sink', version: expect.any(String) },
      { class: 'org.apache.kafka.connect.file.FileStreamSourceConnector', type: 'source', version: expect.any(String) },
    ]);
    expect(keys(list.body[0])).toEqual(ENTITY_KEYS.PluginInfo);
    const all = await call(follower, 'GET', '/connector-plugins?connectorsOnly=false');
    expect(new Set(all.body.map((p: { type: string }) => p.type))).toEqual(new Set(['sink', 'source', 'converter', 'header_converter', 'transformation', 'predicate']));
    expect(all.body).toContainEqual({ class: 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches', type: 'predicate', version: expect.any(String) });

    const cfg = await call(follower, 'GET', '/connector-plugins/FileStreamSinkConnector/config');
    expect(cfg.status).toBe(200);
    const file = cfg.body.find((k: { name: string }) => k.name === 'file');
    expect(keys(file)).toEqual(ENTITY_KEYS.ConfigKeyInfo);
    // FileStreamSinkConnector.CONFIG_DEF: define(FILE_CONFIG, Type.STRING, null, Importance.HIGH, "Destination filename. If not specified, the standard output will be used")
    expect(file).toMatchObject({ name: 'file', type: 'STRING', required: false, default_value: null, importance: 'HIGH', documentation: 'Destination filename. If not specified, the standard output will be used' });
    const tf = await call(follower, 'GET', '/connector-plugins/org.apache.kafka.connect.transforms.InsertField$Value/config');
    expect(tf.body.map((k: { name: string }) => k.name)).toContain('static.field');
    expect(await call(follower, 'GET', '/connector-plugins/NoSuchPlugin/config')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.unknownPlugin('NoSuchPlugin')) });
  });

  test('PUT /connector-plugins/{plugin}/config/validate: ConfigInfos; a different connector.class is 400', async () => {
    const v = await call(follower, 'PUT', '/connector-plugins/FileStreamSinkConnector/config/validate', { 'connector.class': 'FileStreamSink', name: 'v', file: 'x' });
    expect(v.status).toBe(200);
    expect(keys(v.body)).toEqual(ENTITY_KEYS.ConfigInfos);
    // ConfigInfos names the connector.class as given (AbstractHerder.generateResult(connType, ...))
    expect(v.body).toMatchObject({ name: 'FileStreamSink', error_count: 2 });
    expect(v.body.groups).toEqual(expect.arrayContaining(['Common', 'Transforms', 'Predicates', 'Error Handling']));
    const topics = v.body.configs.find((c: { value: { name: string } }) => c.value.name === 'topics');
    expect(keys(topics)).toEqual(ENTITY_KEYS.ConfigInfo);
    expect(keys(topics.definition)).toEqual(ENTITY_KEYS.ConfigKeyInfo);
    expect(keys(topics.value)).toEqual(ENTITY_KEYS.ConfigValueInfo);
    expect(topics.value).toEqual({ name: 'topics', value: '', recommended_values: [], errors: [MESSAGES.sinkNoTopics], visible: true });
    const ok = await call(follower, 'PUT', '/connector-plugins/FileStreamSinkConnector/config/validate', { 'connector.class': 'FileStreamSink', name: 'v', file: 'x', topics: 't' });
    expect(ok.body.error_count).toBe(0);
    const mismatch = await call(follower, 'PUT', '/connector-plugins/FileStreamSinkConnector/config/validate', { 'connector.class': 'FileStreamSource', name: 'v' });
    expect(mismatch).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.typeMismatch('FileStreamSource', 'FileStreamSinkConnector')) });
  });
});

describe('admin/loggers (KIP-495, KIP-976)', () => {
  test('GET all and one, PUT worker scope (the loggers affected), PUT cluster scope 204 reaching every worker; errors', async () => {
    const all = await call(follower, 'GET', '/admin/loggers');
    expect(all.status).toBe(200);
    expect(all.body.root).toEqual({ level: expect.stringMatching(/^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF)$/), last_modified: null });
    expect(keys(all.body.root)).toEqual(ENTITY_KEYS.LoggerLevel);
    const set = await call(follower, 'PUT', '/admin/loggers/org.apache.kafka.connect.runtime.WorkerSourceTask', { level: 'DEBUG' });
    expect(set).toMatchObject({ status: 200, body: ['org.apache.kafka.connect.runtime.WorkerSourceTask'] });
    const one = await call(follower, 'GET', '/admin/loggers/org.apache.kafka.connect.runtime.WorkerSourceTask');
    expect(one).toMatchObject({ status: 200, body: { level: 'DEBUG', last_modified: expect.any(Number) } });

    const cluster = await call(follower, 'PUT', '/admin/loggers/org.apache.kafka.connect.runtime.WorkerSinkTask?scope=cluster', { level: 'WARN' });
    expect([cluster.status, cluster.text]).toEqual([204, '']);
    for (const w of [leader, follower]) {
      await waitFor(`the cluster-wide level on ${w.rest}`, async () => (await call(w, 'GET', '/admin/loggers/org.apache.kafka.connect.runtime.WorkerSinkTask')).body?.level === 'WARN');
    }

    expect(await call(follower, 'GET', '/admin/loggers/no.such.logger')).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.loggerNotFound('no.such.logger')) });
    expect(await call(follower, 'PUT', '/admin/loggers/root', {})).toMatchObject({ status: 400, body: errorBody(400, MESSAGES.levelMissing) });
    expect(await call(follower, 'PUT', '/admin/loggers/root', { level: 'LOUD' })).toMatchObject({ status: 404, body: errorBody(404, MESSAGES.invalidLevel('LOUD')) });
  });
});

afterAll(() => {
  // every documented status this suite produced was checked against /openapi.json
  expect(checked.size).toBeGreaterThan(40);
});
