/**
 * Exactly-once for sinks, the way Kafka Connect provides it: not in the
 * runtime (KIP-618 is for sources; the framework commits a sink's consumer
 * offsets outside any transaction) but in the connector, which stores the
 * offsets in its destination with the data, makes the framework commit
 * nothing (`preCommit` returns an empty map) and rewinds in `open()` with
 * `SinkTaskContext.offset`. This runs such a sink (testing/plugins/offset-file-sink.js)
 * in connect-standalone, kills it with kill -9 mid-stream and restarts it:
 * every record is in the file exactly once, in order, and the group has no
 * committed offsets (the framework never committed).
 */
import { join } from 'node:path';
import { Admin, Producer } from '@nagare/client';
import type { ServerProcess } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, readLines, startServer, startWorker, tempDir, waitFor } from './testing/harness';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
}, 120000);

afterAll(async () => {
  await cleanupAll();
});

test('a sink that keeps its offsets in its destination: kill -9 mid-stream, restart, every record exactly once', async () => {
  const dir = tempDir();
  const N = 100_000;
  const producer = new Producer({ bootstrapServers: server.bootstrap, lingerMs: 5 });
  const admin = new Admin({ bootstrapServers: server.bootstrap });
  try {
    await admin.createTopics([{ name: 'eos-sink', numPartitions: 1, replicationFactor: 1 }]);
    const values = Array.from({ length: N }, (_v, i) => `v${i}-${'y'.repeat(60)}`);
    for (let i = 0; i < N; i += 5000) await producer.send(values.slice(i, i + 5000).map((value) => ({ topic: 'eos-sink', partition: 0, value })));

    const rest = await freePort();
    const wp = adaptConfig(
      'connect-standalone.properties',
      {
        'bootstrap.servers': server.bootstrap,
        'offset.storage.file.filename': join(dir, 'connect.offsets'),
        'offset.flush.interval.ms': '200',
        listeners: `http://127.0.0.1:${rest}`,
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'plugin.path': join(__dirname, 'testing/plugins'),
        'consumer.max.poll.records': '500',
      },
      join(dir, 'worker.properties'),
    );
    const out = join(dir, 'out.tsv');
    const sink = adaptConfig('connect-file-sink.properties', { name: 'eos-file-sink', 'connector.class': 'com.example.OffsetFileSinkConnector', topics: 'eos-sink', file: out }, join(dir, 'sink.properties'));
    const w = await startWorker(dir, [wp, sink], rest);
    await waitFor('some records through', () => readLines(out).length >= 5_000, 90_000, 10);
    w.proc.kill('SIGKILL');
    await w.exited;
    const before = readLines(out).length;
    expect(before).toBeLessThan(N);

    const w2 = await startWorker(dir, [wp, sink], rest);
    const lines = await waitFor('every record', () => {
      const l = readLines(out);
      return l.length >= N ? l : undefined;
    }, 150_000, 250);
    await new Promise((r) => setTimeout(r, 1000));
    expect(readLines(out).length).toBe(N);
    expect(lines.map((l) => l.split('\t')[2])).toEqual(Array.from({ length: N }, (_v, i) => String(i)));
    expect(lines.map((l) => l.split('\t')[3])).toEqual(values);
    // the framework committed nothing: the offsets live in the file
    expect(await admin.listConsumerGroupOffsets('connect-eos-file-sink')).toEqual([]);
    w2.proc.kill('SIGTERM');
    expect(await w2.exited).toBe(0);
  } finally {
    await producer.close();
    admin.close();
  }
}, 300_000);
