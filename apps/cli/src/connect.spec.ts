/**
 * `nagare connect ...` against the Connect worker `npm start` runs (distributed
 * mode, REST API on its own port here): every subcommand's table and JSON
 * output, the worker's error messages with the HTTP status, exit codes, and
 * the FileStream pipeline the commands set up doing its work (lines reach
 * the sink file; altered offsets make the source read again).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunResult, Server, cleanupAll, cli, freePort, sleep, startNpmStart, tempDir } from './testing/harness';

let server: Server & { connectUrl: string | null };
let url: string;
let dir: string;
let workerId: string;

const nagare = (...args: string[]): Promise<RunResult> => cli('nagare', ['connect', ...args, '--url', url]);
const nagareJson = async (...args: string[]): Promise<any> => {
  const r = await nagare(...args, '-o', 'json');
  expect([args, r.stderr, r.code]).toEqual([args, '', 0]);
  return JSON.parse(r.stdout);
};

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 45000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);

beforeAll(async () => {
  server = await startNpmStart();
  url = server.connectUrl!;
  dir = tempDir('nagare-connect-cli-');
  // the worker is up once it answers and has joined its group (GET /connectors answers then)
  await eventually('the worker', () => fetch(`${url}/connectors`).then((r) => r.status), (s) => s === 200, 60000);
}, 90000);

afterAll(async () => {
  await cleanupAll();
});

test('plugins: the bundled connectors as a table; --all adds converters, transformations and predicates', async () => {
  const r = await nagare('plugins');
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toBe(
    'CLASS                                                          TYPE    VERSION\n' +
      'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector  sink    0.1.0\n' +
      'io.confluent.connect.jdbc.JdbcSinkConnector                    sink    0.1.0\n' +
      'io.confluent.connect.jdbc.JdbcSourceConnector                  source  0.1.0\n' +
      'io.debezium.connector.postgresql.PostgresConnector             source  0.1.0\n' +
      'org.apache.kafka.connect.file.FileStreamSinkConnector          sink    0.1.0\n' +
      'org.apache.kafka.connect.file.FileStreamSourceConnector        source  0.1.0\n',
  );
  const all = (await nagareJson('plugins', '--all')) as Array<{ class: string; type: string }>;
  const types = new Set(all.map((p) => p.type));
  expect([...types].sort()).toEqual(['converter', 'header_converter', 'predicate', 'sink', 'source', 'transformation']);
  expect(all).toContainEqual(expect.objectContaining({ class: 'org.apache.kafka.connect.transforms.InsertField$Value', type: 'transformation' }));
});

test('a FileStream source and sink created from files run, pause, resume, stop, have their offsets altered and reset, restart and go', async () => {
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  writeFileSync(input, 'alpha\nbeta\ngamma\n');
  writeFileSync(join(dir, 'source.json'), JSON.stringify({ name: 'file-src', config: { 'connector.class': 'FileStreamSource', file: input, topic: 'cli-lines', 'tasks.max': '1' } }));
  writeFileSync(
    join(dir, 'sink.properties'),
    `# a connector file as connect-standalone takes it\nname=file-sink\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\ntopics=cli-lines\nfile=${output}\n`,
  );

  expect(await nagare('list')).toMatchObject({ code: 0, stdout: 'no connectors\n', stderr: '' });
  expect(await nagare('create', '-f', join(dir, 'source.json'))).toMatchObject({ code: 0, stdout: 'Created connector file-src (source)\n', stderr: '' });
  expect(await nagare('create', '-f', join(dir, 'sink.properties'))).toMatchObject({ code: 0, stdout: 'Created connector file-sink (sink)\n', stderr: '' });
  const again = await nagare('create', '-f', join(dir, 'source.json'));
  // Kafka's AlreadyExistsException text (DistributedHerder.putConnectorConfig), with the HTTP status
  expect(again).toMatchObject({ code: 1, stdout: '', stderr: 'nagare connect: Connector file-src already exists (HTTP 409 POST /connectors)\n' });

  const running = await eventually(
    'both connectors RUNNING',
    () => nagareJson('list'),
    (all: any) => ['file-src', 'file-sink'].every((n) => all[n]?.status.connector.state === 'RUNNING' && all[n].status.tasks.length === 1 && all[n].status.tasks[0].state === 'RUNNING'),
  );
  workerId = running['file-src'].status.connector.worker_id;
  expect(workerId).toMatch(/^[^:]+:\d+$/);
  await eventually('the sink file', async () => lines(output), (l) => l.length === 3);
  expect(lines(output)).toEqual(['alpha', 'beta', 'gamma']);

  const list = await nagare('list');
  expect(list.stdout).toBe(
    `NAME       TYPE    STATE    TASKS        WORKER\n` + `file-sink  sink    RUNNING  1/1 running  ${workerId}\n` + `file-src   source  RUNNING  1/1 running  ${workerId}\n`,
  );
  expect((await nagare('status', 'file-src')).stdout).toBe(
    `KIND       ID          STATE    ${'WORKER'.padEnd(workerId.length)}  ERROR\n` +
      `connector  file-src    RUNNING  ${workerId}\n` +
      `task       file-src-0  RUNNING  ${workerId}\n`,
  );
  expect((await nagare('config', 'file-src')).stdout).toBe(
    'KEY              VALUE\n' + `connector.class  FileStreamSource\nfile             ${input}\nname             file-src\ntasks.max        1\ntopic            cli-lines\n`,
  );
  expect(await nagareJson('get', 'file-src')).toEqual({
    name: 'file-src',
    config: { 'connector.class': 'FileStreamSource', file: input, topic: 'cli-lines', 'tasks.max': '1', name: 'file-src' },
    tasks: [{ connector: 'file-src', task: 0 }],
    type: 'source',
  });
  expect(await nagareJson('tasks', 'file-src')).toEqual([
    { id: { connector: 'file-src', task: 0 }, config: { 'task.class': 'org.apache.kafka.connect.file.FileStreamSourceTask', file: input, topic: 'cli-lines', 'batch.size': '2000' } },
  ]);
  expect((await nagare('topics', 'file-sink')).stdout).toBe('cli-lines\n');

  expect(await nagare('pause', 'file-sink')).toMatchObject({ code: 0, stdout: 'Paused connector file-sink\n' });
  await eventually('file-sink PAUSED', () => nagareJson('status', 'file-sink'), (s: any) => s.connector.state === 'PAUSED' && s.tasks[0]?.state === 'PAUSED');
  expect(await nagare('resume', 'file-sink')).toMatchObject({ code: 0, stdout: 'Resumed connector file-sink\n' });
  await eventually('file-sink RUNNING', () => nagareJson('status', 'file-sink'), (s: any) => s.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING');

  // offsets can only be changed while the connector is STOPPED: Kafka's text, HTTP 400
  const notStopped = await nagare('offsets', 'reset', 'file-src');
  expect(notStopped).toMatchObject({
    code: 1,
    stderr:
      "nagare connect: Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/file-src/stop' endpoint (HTTP 400 DELETE /connectors/file-src/offsets)\n",
  });
  expect(await nagare('stop', 'file-src')).toMatchObject({ code: 0, stdout: 'Stopped connector file-src\n' });
  await eventually('file-src STOPPED', () => nagareJson('status', 'file-src'), (s: any) => s.connector.state === 'STOPPED' && s.tasks.length === 0);
  // a stopped source has committed where it is: after the third line
  expect((await nagare('offsets', 'get', 'file-src')).stdout).toBe(`PARTITION${' '.repeat(input.length + 15 - 9)}  OFFSET\n{"filename":"${input}"}  {"position":17}\n`);
  writeFileSync(join(dir, 'offsets.json'), JSON.stringify({ offsets: [{ partition: { filename: input }, offset: { position: 6 } }] }));
  expect(await nagare('offsets', 'alter', 'file-src', '-f', join(dir, 'offsets.json'))).toMatchObject({
    code: 0,
    stdout: 'The offsets for this connector have been altered successfully\n',
  });
  expect(await nagareJson('offsets', 'get', 'file-src')).toEqual({ offsets: [{ partition: { filename: input }, offset: { position: 6 } }] });
  expect(await nagare('resume', 'file-src')).toMatchObject({ code: 0, stdout: 'Resumed connector file-src\n' });
  // from byte 6 the source reads "beta" and "gamma" again
  await eventually('the re-read lines', async () => lines(output), (l) => l.length === 5);
  expect(lines(output)).toEqual(['alpha', 'beta', 'gamma', 'beta', 'gamma']);

  // reset of a stopped sink: its consumer group's offsets go; Kafka's success text
  expect(await nagare('stop', 'file-sink')).toMatchObject({ code: 0 });
  await eventually('file-sink STOPPED', () => nagareJson('status', 'file-sink'), (s: any) => s.connector.state === 'STOPPED' && s.tasks.length === 0);
  expect(await nagare('offsets', 'reset', 'file-sink')).toMatchObject({ code: 0, stdout: 'The offsets for this connector have been reset successfully\n' });
  expect(await nagareJson('offsets', 'get', 'file-sink')).toEqual({ offsets: [] });
  expect((await nagare('offsets', 'get', 'file-sink')).stdout).toBe('no offsets\n');
  expect(await nagare('resume', 'file-sink')).toMatchObject({ code: 0 });
  await eventually('the sink re-reads the topic from the start', async () => lines(output), (l) => l.length === 10);

  // restart: no query -> 204 and a line; --include-tasks -> 202 and the status (KIP-745)
  expect(await nagare('restart', 'file-src')).toMatchObject({ code: 0, stdout: 'Restarted connector file-src\n' });
  const r = await nagare('restart', 'file-src', '--include-tasks');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^KIND {7}ID {10}STATE {7}WORKER/);
  expect(r.stdout).toMatch(/\nconnector {2}file-src {4}RESTARTING {2}/);
  expect(await nagare('restart', 'file-src', '--task', '0')).toMatchObject({ code: 0, stdout: 'Restarted task file-src-0\n' });
  const missingTask = await nagare('restart', 'file-src', '--task', '7');
  expect(missingTask).toMatchObject({ code: 1, stderr: 'nagare connect: Unknown task: file-src-7 (HTTP 404 POST /connectors/file-src/tasks/7/restart)\n' });

  expect(await nagare('delete', 'file-src')).toMatchObject({ code: 0, stdout: 'Deleted connector file-src\n' });
  expect(await nagare('delete', 'file-sink')).toMatchObject({ code: 0, stdout: 'Deleted connector file-sink\n' });
  expect(await nagare('get', 'file-src')).toMatchObject({ code: 1, stdout: '', stderr: 'nagare connect: Connector file-src not found (HTTP 404 GET /connectors/file-src)\n' });
  await eventually('no connectors', () => nagare('list'), (l) => l.stdout === 'no connectors\n');
}, 240000);

test('update creates (201) then replaces (200) a config; validate lists the errors and exits 1', async () => {
  const input = join(dir, 'u.txt');
  writeFileSync(input, '');
  writeFileSync(join(dir, 'u.json'), JSON.stringify({ name: 'upd', 'connector.class': 'FileStreamSource', file: input, topic: 'u1' }));
  expect(await nagare('update', '-f', join(dir, 'u.json'))).toMatchObject({ code: 0, stdout: 'Created connector upd\n' });
  writeFileSync(join(dir, 'u.json'), JSON.stringify({ name: 'upd', 'connector.class': 'FileStreamSource', file: input, topic: 'u2' }));
  expect(await nagare('update', '-f', join(dir, 'u.json'))).toMatchObject({ code: 0, stdout: 'Updated connector upd\n' });
  await eventually('the new config', () => nagareJson('config', 'upd'), (c: any) => c.topic === 'u2');
  expect(await nagare('delete', 'upd')).toMatchObject({ code: 0 });

  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', config: { 'connector.class': 'FileStreamSink', file: join(dir, 'x') } }));
  const v = await nagare('validate', '-f', join(dir, 'bad.json'));
  expect(v.code).toBe(1);
  // SinkConnectorConfig.validate's texts for neither topics nor topics.regex
  expect(v.stdout).toBe(
    '2 error(s):\n' +
      'KEY           ERROR\n' +
      'topics        Must configure one of topics or topics.regex\n' +
      'topics.regex  Must configure one of topics or topics.regex\n',
  );
  expect(v.stderr).toBe('nagare connect: the configuration is invalid\n');
  writeFileSync(join(dir, 'good.json'), JSON.stringify({ name: 'good', config: { 'connector.class': 'FileStreamSink', file: join(dir, 'x'), topics: 't' } }));
  expect(await nagare('validate', '-f', join(dir, 'good.json'))).toMatchObject({ code: 0, stdout: 'Configuration is valid\n' });
});

test('errors: an unreachable worker says how to start one; CONNECT_URL is the default URL; a file without a name', async () => {
  const closed = await freePort();
  const r = await cli('nagare', ['connect', 'list', '--url', `http://127.0.0.1:${closed}`]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    `nagare connect: cannot reach the Connect REST API at http://127.0.0.1:${closed} (ECONNREFUSED): start a worker (npm start, connect-distributed config/connect-distributed.properties) or pass --url\n`,
  );
  const viaEnv = await cli('nagare', ['connect', 'list'], { env: { CONNECT_URL: url } });
  expect(viaEnv).toMatchObject({ code: 0, stdout: 'no connectors\n' });
  writeFileSync(join(dir, 'noname.json'), JSON.stringify({ config: { 'connector.class': 'FileStreamSink' } }));
  const n = await nagare('create', '-f', join(dir, 'noname.json'));
  expect(n).toMatchObject({ code: 1, stderr: `nagare connect: ${join(dir, 'noname.json')}: no connector name (a "name" field, or "name" in the config)\n` });
});
