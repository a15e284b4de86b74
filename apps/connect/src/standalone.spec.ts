/**
 * connect-standalone end to end, as a user runs it: the real server, the
 * real bin, the shipped config files (only ports and paths changed).
 * Kafka's quickstart (file source -> topic -> file sink, read back with kcat
 * too), a kill -9 mid-stream and restart (at-least-once: every line arrives,
 * in order of first appearance), and the REST read side.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerProcess } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, getJson, readLines, startServer, startWorker, tempDir, waitFor } from './testing/harness';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
}, 120000);

afterAll(async () => {
  await cleanupAll();
});

async function workerProps(dir: string, restPort: number, extra: Record<string, string> = {}): Promise<string> {
  return adaptConfig(
    'connect-standalone.properties',
    { 'bootstrap.servers': server.bootstrap, 'offset.storage.file.filename': join(dir, 'connect.offsets'), 'offset.flush.interval.ms': '500', listeners: `http://127.0.0.1:${restPort}`, ...extra },
    join(dir, 'worker.properties'),
  );
}

function hasKcat(): boolean {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the Kafka quickstart: connect-file-source -> connect-test -> connect-file-sink, with Kafka\'s config files', async () => {
  const dir = tempDir();
  const rest = await freePort();
  const wp = await workerProps(dir, rest);
  const src = adaptConfig('connect-file-source.properties', { topic: 'quickstart-test' }, join(dir, 'source.properties'));
  const sink = adaptConfig('connect-file-sink.properties', { topics: 'quickstart-test' }, join(dir, 'sink.properties'));
  writeFileSync(join(dir, 'test.txt'), 'foo\nbar\n');
  const w = await startWorker(dir, [wp, src, sink], rest);
  await waitFor('sink lines', () => readLines(join(dir, 'test.sink.txt')).length === 2, 60000);
  expect(readLines(join(dir, 'test.sink.txt'))).toEqual(['foo', 'bar']);
  appendFileSync(join(dir, 'test.txt'), 'Another line\n');
  await waitFor('appended line', () => readLines(join(dir, 'test.sink.txt')).length === 3, 60000);
  expect(readLines(join(dir, 'test.sink.txt'))).toEqual(['foo', 'bar', 'Another line']);

  // REST read side, Kafka's JSON shapes
  const status = await getJson(`${w.rest}/connectors/local-file-source/status`);
  expect(status).toEqual({
    status: 200,
    body: { name: 'local-file-source', connector: { state: 'RUNNING', worker_id: `127.0.0.1:${rest}` }, tasks: [{ id: 0, state: 'RUNNING', worker_id: `127.0.0.1:${rest}` }], type: 'source' },
  });
  expect((await getJson(`${w.rest}/connectors`)).body).toEqual(['local-file-sink', 'local-file-source']);
  const info = await getJson(`${w.rest}/connectors/local-file-sink`);
  expect(info.body).toMatchObject({ name: 'local-file-sink', tasks: [{ connector: 'local-file-sink', task: 0 }], type: 'sink', config: { 'connector.class': 'FileStreamSink', topics: 'quickstart-test' } });
  const tasks = (await getJson(`${w.rest}/connectors/local-file-source/tasks`)).body as Array<{ id: unknown; config: Record<string, string> }>;
  expect(tasks[0]).toMatchObject({ id: { connector: 'local-file-source', task: 0 }, config: { topic: 'quickstart-test', 'task.class': 'org.apache.kafka.connect.file.FileStreamSourceTask', file: 'test.txt' } });
  const plugins = (await getJson(`${w.rest}/connector-plugins`)).body as Array<{ class: string; type: string }>;
  expect(plugins.map((p) => `${p.class}:${p.type}`)).toEqual(expect.arrayContaining(['org.apache.kafka.connect.file.FileStreamSinkConnector:sink', 'org.apache.kafka.connect.file.FileStreamSourceConnector:source']));
  expect((await getJson(`${w.rest}/connectors/nope/status`)).body).toEqual({ error_code: 404, message: 'No status found for connector nope' });
  await waitFor('offsets committed', async () => {
    const o = (await getJson(`${w.rest}/connectors/local-file-source/offsets`)).body as { offsets: Array<{ offset: { position: number } }> };
    return o.offsets.length === 1 && o.offsets[0].offset.position === 21 ? o : undefined;
  });
  expect((await getJson(`${w.rest}/connectors/local-file-source/offsets`)).body).toEqual({ offsets: [{ partition: { filename: 'test.txt' }, offset: { position: 21 } }] });

  // the records as any Kafka client sees them: JsonConverter envelopes with a string schema
  if (hasKcat()) {
    const out = execFileSync('kcat', ['-b', server.bootstrap, '-C', '-t', 'quickstart-test', '-e', '-q', '-f', '%k|%s\\n'], { encoding: 'utf8', timeout: 30000 });
    expect(out.trim().split('\n')).toEqual([
      '|{"schema":{"type":"string","optional":false},"payload":"foo"}',
      '|{"schema":{"type":"string","optional":false},"payload":"bar"}',
      '|{"schema":{"type":"string","optional":false},"payload":"Another line"}',
    ]);
  }

  w.proc.kill('SIGTERM');
  expect(await w.exited).toBe(0);
  expect(w.output.join('\n')).toContain('Kafka Connect stopped');
  // offsets file: the documented JSON with Kafka's key/value bytes
  expect(JSON.parse(require('node:fs').readFileSync(join(dir, 'connect.offsets'), 'utf8'))).toEqual({
    format: 'nagare-connect-offsets',
    version: 1,
    offsets: [{ key: '["local-file-source",{"filename":"test.txt"}]', value: '{"position":21}' }],
  });

  // restart: resumes after the last committed line, no duplicates
  appendFileSync(join(dir, 'test.txt'), 'after restart\n');
  const w2 = await startWorker(dir, [wp, src, sink], rest);
  await waitFor('line after restart', () => readLines(join(dir, 'test.sink.txt')).length >= 4, 60000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(readLines(join(dir, 'test.sink.txt'))).toEqual(['foo', 'bar', 'Another line', 'after restart']);
  w2.proc.kill('SIGTERM');
  expect(await w2.exited).toBe(0);
});

test('kill -9 mid-stream, restart: the sink file has every line, in order of first appearance (at-least-once)', async () => {
  const dir = tempDir();
  const rest = await freePort();
  const wp = await workerProps(dir, rest, { 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'value.converter': 'org.apache.kafka.connect.storage.StringConverter' });
  const src = adaptConfig('connect-file-source.properties', { topic: 'crash-test', 'batch.size': '200' }, join(dir, 'source.properties'));
  const sink = adaptConfig('connect-file-sink.properties', { topics: 'crash-test' }, join(dir, 'sink.properties'));
  const N = 50000;
  const lines = Array.from({ length: N }, (_v, i) => `line-${String(i).padStart(6, '0')}-${'x'.repeat(80)}`);
  writeFileSync(join(dir, 'test.txt'), lines.join('\n') + '\n');
  const w = await startWorker(dir, [wp, src, sink], rest);
  await waitFor('some lines through', () => readLines(join(dir, 'test.sink.txt')).length >= 2000, 90000, 20);
  w.proc.kill('SIGKILL');
  await w.exited;
  const before = readLines(join(dir, 'test.sink.txt')).length;
  expect(before).toBeLessThan(N + 1); // killed before everything (or just at the end)
  const w2 = await startWorker(dir, [wp, src, sink], rest);
  const firstSeen = await waitFor(
    'every line',
    () => {
      const got = readLines(join(dir, 'test.sink.txt'));
      const seen = new Set<string>();
      const order: string[] = [];
      for (const l of got) if (!seen.has(l)) (seen.add(l), order.push(l));
      return order.length === N ? order : undefined;
    },
    150000,
    500,
  );
  expect(firstSeen).toEqual(lines);
  w2.proc.kill('SIGTERM');
  expect(await w2.exited).toBe(0);
  expect(existsSync(join(dir, 'connect.offsets'))).toBe(true);
});

test('SMTs and predicates from the connector config run in the worker (HoistField, InsertField, RegexRouter with TopicNameMatches)', async () => {
  const dir = tempDir();
  const rest = await freePort();
  const wp = await workerProps(dir, rest);
  const src = adaptConfig(
    'connect-file-source.properties',
    {
      topic: 'smt-in',
      transforms: 'hoist,insert,route',
      'transforms.hoist.type': 'HoistField$Value',
      'transforms.hoist.field': 'line',
      'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.insert.static.field': 'origin',
      'transforms.insert.static.value': 'file',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': '(.*)-in',
      'transforms.route.replacement': '$1-out',
      'transforms.route.predicate': 'isIn',
      predicates: 'isIn',
      'predicates.isIn.type': 'TopicNameMatches',
      'predicates.isIn.pattern': 'smt-.*',
    },
    join(dir, 'source.properties'),
  );
  const sink = adaptConfig('connect-file-sink.properties', { topics: 'smt-out' }, join(dir, 'sink.properties'));
  writeFileSync(join(dir, 'test.txt'), 'alpha\nbeta\n');
  const w = await startWorker(dir, [wp, src, sink], rest);
  const got = await waitFor('transformed lines', () => {
    const l = readLines(join(dir, 'test.sink.txt'));
    return l.length === 2 ? l : undefined;
  });
  expect(got).toEqual(['Struct{line=alpha,origin=file}', 'Struct{line=beta,origin=file}']);
  if (hasKcat()) {
    const out = execFileSync('kcat', ['-b', server.bootstrap, '-C', '-t', 'smt-out', '-e', '-q', '-c', '1'], { encoding: 'utf8', timeout: 30000 });
    expect(out.trim()).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"line"},{"type":"string","optional":true,"field":"origin"}],"optional":false},"payload":{"line":"alpha","origin":"file"}}',
    );
  }
  w.proc.kill('SIGTERM');
  expect(await w.exited).toBe(0);
});
