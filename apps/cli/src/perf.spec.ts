/**
 * kafka-producer-perf-test and kafka-consumer-perf-test against the real
 * server: Kafka's summary lines and header, piped (no progress bar).
 */
import { Server, cleanupAll, cli, startServer } from './testing/harness';

let server: Server;

beforeAll(async () => {
  server = await startServer();
  await cli('kafka-topics', ['--bootstrap-server', server.bootstrap, '--create', '--topic', 'perf', '--partitions', '2']);
}, 60000);

afterAll(async () => {
  await cleanupAll();
});

const NUM = '\\d+(\\.\\d+)?|Infinity|NaN';

test('kafka-producer-perf-test prints the final summary with percentiles', async () => {
  const r = await cli('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '3000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${server.bootstrap}`, 'acks=1', 'linger.ms=5']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(
    new RegExp(`^(\\d+ records sent, (${NUM}) records/sec \\((${NUM}) MB/sec\\), (${NUM}) ms avg latency, (${NUM}) ms max latency\\.\\n)*3000 records sent, (${NUM}) records/sec \\((${NUM}) MB/sec\\), \\d+\\.\\d\\d ms avg latency, \\d+\\.\\d\\d ms max latency, \\d+ ms 50th, \\d+ ms 95th, \\d+ ms 99th, \\d+ ms 99\\.9th\\.\\n$`),
  );
  const offsets = await cli('kafka-get-offsets', ['--bootstrap-server', server.bootstrap, '--topic', 'perf']);
  const total = offsets.stdout.trim().split('\n').reduce((n, l) => n + Number(l.split(':')[2]), 0);
  expect(total).toBe(3000);
});

test('kafka-producer-perf-test --throughput, --payload-monotonic, --print-metrics, --bootstrap-server', async () => {
  const r = await cli('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '200', '--payload-monotonic', '--throughput', '1000', '--bootstrap-server', server.bootstrap, '--print-metrics']);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toMatch(/^200 records sent, /);
  // Paced at ~1000 records/s: 200 records take at least ~0.2 s.
  expect(Number(/^200 records sent, ([\d.]+) records\/sec/.exec(lines[0])![1])).toBeLessThan(1500);
  expect(lines[1]).toBe('');
  expect(lines[2]).toMatch(/^Metric Name +Value$/);
  expect(r.stdout).toMatch(/\nproducer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 200\.000\n/);
});

test('kafka-consumer-perf-test prints the header and the summary', async () => {
  const r = await cli('kafka-consumer-perf-test', ['--bootstrap-server', server.bootstrap, '--topic', 'perf', '--messages', '3000', '--timeout', '10000']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const [header, summary, rest] = r.stdout.split('\n');
  expect(header).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  const ts = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3}';
  const m = new RegExp(`^${ts}, ${ts}, (\\d+\\.\\d{4}), (\\d+\\.\\d{4}|Infinity), (\\d+), (\\d+\\.\\d{4}|Infinity), \\d+, -?\\d+, (-?\\d+\\.\\d{4}|-?Infinity|NaN), (-?\\d+\\.\\d{4}|-?Infinity|NaN)$`).exec(summary);
  expect(m).not.toBeNull();
  // Whole polls are counted, as Kafka's tool counts them: at least the 3000 asked for.
  expect(Number(m![3])).toBeGreaterThanOrEqual(3000);
  expect(Number(m![1])).toBeGreaterThan(0.25);
  expect(rest).toBe('');
  const detailed = await cli('kafka-consumer-perf-test', ['--bootstrap-server', server.bootstrap, '--topic', 'perf', '--messages', '10', '--show-detailed-stats', '--hide-header', '--group', 'perf-detail']);
  expect(detailed).toMatchObject({ code: 0, stdout: '' });
});

test('consumer-perf-test warns when the timeout passes first', async () => {
  const r = await cli('kafka-consumer-perf-test', ['--bootstrap-server', server.bootstrap, '--topic', 'perf', '--messages', '999999', '--timeout', '300', '--hide-header']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^WARNING: Exiting before consuming the expected number of messages: timeout \(300 ms\) exceeded\. You can use the --timeout option to increase the timeout\.\n/);
});

test('kafka-producer-perf-test --transaction-duration-ms sends in committed transactions', async () => {
  await cli('kafka-topics', ['--bootstrap-server', server.bootstrap, '--create', '--topic', 'perf-txn', '--partitions', '2']);
  const r = await cli('kafka-producer-perf-test', ['--topic', 'perf-txn', '--num-records', '400', '--record-size', '50', '--throughput', '2000', '--bootstrap-server', server.bootstrap, '--transaction-duration-ms', '50']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/^400 records sent, /m);
  // Every record committed: a read_committed reader sees all 400, and the id is Kafka's default form.
  const read = await cli('kafka-console-consumer', ['--bootstrap-server', server.bootstrap, '--topic', 'perf-txn', '--from-beginning', '--max-messages', '400', '--timeout-ms', '15000', '--isolation-level', 'read_committed']);
  expect(read.stdout.split('\n').filter((l) => l !== '')).toHaveLength(400);
  const list = await cli('kafka-transactions', ['--bootstrap-server', server.bootstrap, 'list']);
  expect(list.stdout).toMatch(/\nperformance-producer-[0-9a-f-]{36}\s+\d+\s+\d+\s+CompleteCommit\s*\n/);
}, 60000);

describe('perf tool usage errors', () => {
  const cases: Array<[string, string[], string]> = [
    ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '10', '--throughput', '-1'], 'producer-performance: error: one of the arguments --record-size --payload-file --payload-monotonic is required\n'],
    ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '0', '--throughput', '-1', '--record-size', '10'], 'producer-performance: error: --num-records should be greater than zero\n'],
    ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '10', '--throughput', '-1', '--record-size', '10'], 'producer-performance: error: Either --producer-props or --producer.config must be specified.\n'],
    ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '10', '--throughput', '-1', '--record-size', '10', '--producer-props', 'bootstrap.servers=localhost:1'], 'Error: could not connect to any broker in --bootstrap-server localhost:1 (connection refused)\n'],
    ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '10', '--throughput', '-1', '--record-size', '10', '--bootstrap-server', 'h:1', '--transaction-duration-ms', '0'], 'producer-performance: error: --transaction-duration-ms should be greater than zero\n'],
    ['kafka-consumer-perf-test', ['--bootstrap-server', 'localhost:1', '--topic', 't'], 'Missing required argument "[messages]" (add --messages <count>)\n'],
  ];
  test.each(cases)('%s %j', async (bin, args, line) => {
    expect(await cli(bin, args)).toMatchObject({ code: 1, stdout: '', stderr: line });
  });
});
