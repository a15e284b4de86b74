/**
 * Error handling end to end (KIP-298) and config validation through the
 * REST API of a running connect-standalone: a poisoned record (not JSON)
 * with errors.tolerance=none fails the sink task with the trace in its
 * status; with errors.tolerance=all it goes to the dead letter queue with
 * the __connect.errors.* context headers and the good records still reach
 * the file. Invalid configs are refused with Kafka's messages naming the key.
 */
import { join } from 'node:path';
import { Consumer, Producer } from '@nagare/client';
import type { ServerProcess } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, getJson, readLines, sendJson, startServer, startWorker, tempDir, waitFor, type Worker } from './testing/harness';

let server: ServerProcess;
let worker: Worker;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  dir = tempDir();
  const rest = await freePort();
  const wp = adaptConfig(
    'connect-standalone.properties',
    { 'bootstrap.servers': server.bootstrap, 'offset.storage.file.filename': join(dir, 'connect.offsets'), 'offset.flush.interval.ms': '500', listeners: `http://127.0.0.1:${rest}`, 'value.converter.schemas.enable': 'false', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter' },
    join(dir, 'worker.properties'),
  );
  worker = await startWorker(dir, [wp], rest);
  await waitFor('REST up', async () => (await getJson(`${worker.rest}/`)).status === 200);
  const p = new Producer({ bootstrapServers: server.bootstrap });
  await p.connect();
  await p.send([
    { topic: 'poison', key: 'k1', value: '{"n":1}' },
    { topic: 'poison', key: 'k2', value: 'this is not json', headers: [{ key: 'origin', value: 'test' }] },
    { topic: 'poison', key: 'k3', value: '{"n":3}' },
  ]);
  await p.close();
}, 120000);

afterAll(async () => {
  await cleanupAll();
});

test('errors.tolerance=none: the task FAILS with "Tolerance exceeded in error handler" and the DataException in its trace', async () => {
  const r = await sendJson('POST', `${worker.rest}/connectors`, { name: 'strict-sink', config: { 'connector.class': 'FileStreamSink', topics: 'poison', file: join(dir, 'strict.txt') } });
  expect(r.status).toBe(201);
  // Jersey resolves the resource's relative URI against the request's base URI
  expect(r.headers.get('location')).toBe(`${worker.rest}/connectors/strict-sink`);
  const status = await waitFor('task FAILED', async () => {
    const s = (await getJson(`${worker.rest}/connectors/strict-sink/status`)).body as { connector: { state: string }; tasks: Array<{ state: string; trace?: string }> };
    return s.tasks[0]?.state === 'FAILED' ? s : undefined;
  });
  expect(status.connector.state).toBe('RUNNING');
  expect(status.tasks[0].trace).toMatch(/^org\.apache\.kafka\.connect\.errors\.ConnectException: Tolerance exceeded in error handler\n\tat /);
  expect(status.tasks[0].trace).toContain('Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error: ');
  const task = (await getJson(`${worker.rest}/connectors/strict-sink/tasks/0/status`)).body as { id: number; state: string; trace: string };
  expect(task).toMatchObject({ id: 0, state: 'FAILED' });
  // nothing after the poisoned record was written (the first one may be, it came before)
  expect(readLines(join(dir, 'strict.txt'))).not.toContain('{n=3}');
  expect((await sendJson('DELETE', `${worker.rest}/connectors/strict-sink`)).status).toBe(204);
});

test('errors.tolerance=all: the poisoned record goes to the DLQ with the __connect.errors.* headers; the others reach the file', async () => {
  const file = join(dir, 'tolerant.txt');
  const r = await sendJson('PUT', `${worker.rest}/connectors/tolerant-sink/config`, {
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    topics: 'poison',
    file,
    'errors.tolerance': 'all',
    'errors.log.enable': 'true',
    'errors.deadletterqueue.topic.name': 'dlq-poison',
    'errors.deadletterqueue.topic.replication.factor': '1',
    'errors.deadletterqueue.context.headers.enable': 'true',
  });
  expect(r.status).toBe(201);
  await waitFor('good records in the file', () => readLines(file).length === 2);
  expect(readLines(file)).toEqual(['{n=1}', '{n=3}']);
  const c = new Consumer({ bootstrapServers: server.bootstrap, groupId: 'dlq-reader', autoOffsetReset: 'earliest' });
  c.subscribe(['dlq-poison']);
  const recs = await waitFor('DLQ record', async () => {
    const got = await c.poll(1000);
    return got.length > 0 ? got : undefined;
  });
  await c.close();
  expect(recs).toHaveLength(1);
  const d = recs[0];
  expect(d.key?.toString()).toBe('k2');
  expect(d.value?.toString()).toBe('this is not json');
  const h = Object.fromEntries(d.headers.map((x) => [x.key, x.value?.toString() ?? null]));
  expect(h).toMatchObject({
    origin: 'test',
    '__connect.errors.topic': 'poison',
    '__connect.errors.partition': '0',
    '__connect.errors.offset': '1',
    '__connect.errors.connector.name': 'tolerant-sink',
    '__connect.errors.task.id': '0',
    '__connect.errors.stage': 'VALUE_CONVERTER',
    '__connect.errors.class.name': 'org.apache.kafka.connect.json.JsonConverter',
    '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
    '__connect.errors.exception.message': 'Converting byte[] to Kafka Connect data failed due to serialization error: ',
  });
  expect(h['__connect.errors.exception.stacktrace']).toMatch(/^org\.apache\.kafka\.connect\.errors\.DataException: /);
  expect(d.headers.map((x) => x.key)).toEqual([
    'origin',
    '__connect.errors.topic',
    '__connect.errors.partition',
    '__connect.errors.offset',
    '__connect.errors.connector.name',
    '__connect.errors.task.id',
    '__connect.errors.stage',
    '__connect.errors.class.name',
    '__connect.errors.exception.class.name',
    '__connect.errors.exception.message',
    '__connect.errors.exception.stacktrace',
  ]);
  const status = (await getJson(`${worker.rest}/connectors/tolerant-sink/status`)).body as { tasks: Array<{ state: string }> };
  expect(status.tasks[0].state).toBe('RUNNING');
  expect(worker.output.join('\n')).toContain("Error encountered in task tolerant-sink-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='poison', partition=0, offset=1}.");
});

test('invalid configs are refused with Kafka\'s messages, naming the key', async () => {
  const r = await sendJson('POST', `${worker.rest}/connectors`, { name: 'bad-source', config: { 'connector.class': 'FileStreamSource', 'tasks.max': '0' } });
  expect(r.status).toBe(400);
  expect(r.body).toEqual({
    error_code: 400,
    message:
      'Connector configuration is invalid and contains the following 2 error(s):\n' +
      'Invalid value 0 for configuration tasks.max: Value must be at least 1\n' +
      'Missing required configuration "topic" which has no default value.\n' +
      'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
  });
  const sink = await sendJson('POST', `${worker.rest}/connectors`, { name: 'bad-sink', config: { 'connector.class': 'FileStreamSink' } });
  expect((sink.body as { message: string }).message).toContain('\nMust configure one of topics or topics.regex\n');
  const unknown = await sendJson('POST', `${worker.rest}/connectors`, { name: 'x', config: { 'connector.class': 'NoSuchConnector' } });
  // Plugins.newConnector's ConnectException: Kafka answers 500
  expect(unknown.status).toBe(500);
  expect((unknown.body as { message: string }).message).toMatch(/^Failed to find any class that implements Connector and which name matches NoSuchConnector, available connectors are: /);
  const v = await sendJson('PUT', `${worker.rest}/connector-plugins/FileStreamSource/config/validate`, { 'connector.class': 'FileStreamSource', name: 'v', 'transforms': 't', 'transforms.t.type': 'Nope' });
  expect(v.status).toBe(200);
  const infos = v.body as { name: string; error_count: number; configs: Array<{ value: { name: string; errors: string[] } }> };
  // ConfigInfos names the connector.class as given (AbstractHerder.generateResult(connType, ...))
  expect(infos.name).toBe('FileStreamSource');
  expect(infos.error_count).toBe(2);
  const errs = Object.fromEntries(infos.configs.filter((c) => c.value.errors.length).map((c) => [c.value.name, c.value.errors]));
  expect(errs).toEqual({ topic: ['Missing required configuration "topic" which has no default value.'], 'transforms.t.type': ['Invalid value Nope for configuration transforms.t.type: Class Nope could not be found.'] });
  const mismatch = await sendJson('PUT', `${worker.rest}/connectors/a/config`, { name: 'b', 'connector.class': 'FileStreamSink', topics: 't' });
  expect(mismatch.body).toEqual({ error_code: 400, message: "Connector name configuration (b) doesn't match connector name in the URL (a)" });
  const dup = await sendJson('POST', `${worker.rest}/connectors`, { name: 'tolerant-sink', config: { 'connector.class': 'FileStreamSink', topics: 'poison' } });
  expect(dup.body).toEqual({ error_code: 409, message: 'Connector tolerant-sink already exists' });
});
