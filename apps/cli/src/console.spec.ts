/**
 * kafka-console-producer and kafka-console-consumer against the real
 * server: LineMessageReader parsing (keys, headers, null marker), the
 * DefaultMessageFormatter layout for every print.* property, partition and
 * offset selection, --include, timeouts, and their error lines.
 */
import { Server, cleanupAll, cli, startServer } from './testing/harness';

let server: Server;
const produce = (topic: string, input: string, ...args: string[]) => cli('kafka-console-producer', ['--bootstrap-server', server.bootstrap, '--topic', topic, ...args], { input });
const consume = (...args: string[]) => cli('kafka-console-consumer', ['--bootstrap-server', server.bootstrap, ...args]);

beforeAll(async () => {
  server = await startServer();
  for (const t of ['lines', 'events', 'other-events']) await cli('kafka-topics', ['--bootstrap-server', server.bootstrap, '--create', '--topic', t]);
}, 60000);

afterAll(async () => {
  await cleanupAll();
});

test('keys, headers and the null marker, printed with every print.* property', async () => {
  const p = await produce('lines', 'h1:v1,h2:v2\tk1\tval1\nNULL\tNULL\tNULL\nh3:\tk3\tthree\n', '--property', 'parse.key=true', '--property', 'parse.headers=true', '--property', 'null.marker=NULL', '--sync');
  expect(p).toMatchObject({ code: 0, stdout: '', stderr: '' });
  const r = await consume(
    '--topic', 'lines', '--from-beginning', '--max-messages', '3',
    '--property', 'print.key=true', '--property', 'print.headers=true', '--property', 'print.partition=true',
    '--property', 'print.offset=true', '--property', 'print.timestamp=true', '--property', 'key.separator= | ',
  );
  expect(r).toMatchObject({ code: 0, stderr: 'Processed a total of 3 messages\n' });
  expect(r.stdout.replace(/CreateTime:\d{13}/g, 'CreateTime:<ts>')).toBe(
    'CreateTime:<ts> | Partition:0 | Offset:0 | h1:v1,h2:v2 | k1 | val1\n' +
      'CreateTime:<ts> | Partition:0 | Offset:1 | NO_HEADERS | null | null\n' +
      'CreateTime:<ts> | Partition:0 | Offset:2 | h3: | k3 | three\n',
  );
  const plain = await consume('--topic', 'lines', '--from-beginning', '--max-messages', '3', '--property', 'line.separator=;', '--property', 'null.literal=<nil>');
  expect(plain.stdout).toBe('val1;<nil>;three;');
  const keysOnly = await consume('--topic', 'lines', '--from-beginning', '--max-messages', '3', '--property', 'print.key=true', '--property', 'print.value=false');
  expect(keysOnly.stdout).toBe('k1\nnull\nk3\n');
});

test('--partition --offset, --timeout-ms and the count line', async () => {
  const r = await consume('--topic', 'lines', '--partition', '0', '--offset', '1', '--timeout-ms', '1500', '--property', 'print.offset=true');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('Offset:1\tnull\nOffset:2\tthree\n');
  expect(r.stderr).toBe('ERROR Error processing message, terminating consumer process: org.apache.kafka.common.errors.TimeoutException\nProcessed a total of 2 messages\n');
  const earliest = await consume('--topic', 'lines', '--partition', '0', '--offset', 'earliest', '--max-messages', '1');
  expect(earliest.stdout).toBe('val1\n');
});

test('--include subscribes by regex; a group resumes from its commits', async () => {
  await produce('events', 'e1\ne2\n');
  await produce('other-events', 'o1\n');
  const a = await consume('--include', '.*events', '--from-beginning', '--group', 'regex-readers', '--max-messages', '3');
  expect(a.stdout.split('\n').filter((l) => l).sort()).toEqual(['e1', 'e2', 'o1']);
  await produce('events', 'e3\n');
  const b = await consume('--include', 'events|other-events', '--group', 'regex-readers', '--max-messages', '1');
  expect(b).toMatchObject({ code: 0, stdout: 'e3\n', stderr: 'Processed a total of 1 messages\n' });
});

test('--max-messages leaves unread records uncommitted', async () => {
  await produce('events', 'e4\ne5\ne6\n');
  const first = await consume('--topic', 'events', '--group', 'slow', '--from-beginning', '--max-messages', '2');
  expect(first.stdout).toBe('e1\ne2\n');
  const next = await consume('--topic', 'events', '--group', 'slow', '--max-messages', '1');
  expect(next.stdout).toBe('e3\n');
});

test('--compression-codec, --producer-property and deserializers', async () => {
  const p = await produce('events', 'z1\n', '--compression-codec', 'gzip', '--producer-property', 'acks=1', '--producer-property', 'client.id=compressing');
  expect(p.code).toBe(0);
  const r = await consume('--topic', 'events', '--partition', '0', '--offset', '6', '--max-messages', '1', '--value-deserializer', 'org.apache.kafka.common.serialization.StringDeserializer');
  expect(r.stdout).toBe('z1\n');
});

describe('errors', () => {
  test('a line without the key separator stops the producer with one line', async () => {
    const r = await produce('lines', 'good:1\nbad\n', '--property', 'parse.key=true', '--property', 'key.separator=:');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: "org.apache.kafka.common.KafkaException: No key separator found on line number 2: 'bad'\n" });
  });

  const usage: Array<[string, string[], string]> = [
    ['kafka-console-consumer', ['--from-beginning'], 'Exactly one of --include/--topic is required.  (add --topic <name>)\n'],
    ['kafka-console-consumer', ['--topic', 't', '--offset', '3'], 'The partition is required when offset is specified. (add --partition <n>)\n'],
    ['kafka-console-consumer', ['--topic', 't', '--partition', '0', '--group', 'g'], 'Options group and partition cannot be specified together. (drop --group, or --partition to consume with the group)\n'],
    ['kafka-console-consumer', ['--topic', 't', '--partition', '0', '--offset', 'soon'], "The provided offset value 'soon' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.\n"],
    ['kafka-console-consumer', ['--topic', 't', '--from-beginning', '--consumer-property', 'auto.offset.reset=latest'], "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option\n"],
    ['kafka-console-producer', [], 'Missing required argument "[topic]" (add --topic <name>)\n'],
    ['kafka-console-producer', ['--topic', 't', '--property', 'headers.delimiter=,'], 'org.apache.kafka.common.KafkaException: headers.delimiter and headers.separator may not be equal\n'],
  ];
  test.each(usage)('%s %j', async (bin, args, line) => {
    const all = bin === 'kafka-console-producer' && args.length === 0 ? ['--bootstrap-server', '127.0.0.1:1'] : ['--bootstrap-server', '127.0.0.1:1', ...args];
    expect(await cli(bin, all)).toMatchObject({ code: 1, stdout: '', stderr: line });
  });

  test('unreachable servers fail fast', async () => {
    const p = await cli('kafka-console-producer', ['--bootstrap-server', 'localhost:1', '--topic', 't'], { input: 'x\n' });
    expect(p).toMatchObject({ code: 1, stderr: 'Error: could not connect to any broker in --bootstrap-server localhost:1 (connection refused)\n' });
    const c = await cli('kafka-console-consumer', ['--bootstrap-server', 'localhost:1', '--topic', 't']);
    expect(c).toMatchObject({ code: 1, stderr: 'Error: could not connect to any broker in --bootstrap-server localhost:1 (connection refused)\n' });
  });
});
