/**
 * Confluent's converters inside Kafka Connect: connect-standalone with a
 * FileStream source and sink whose value converter is `AvroConverter`,
 * `ProtobufConverter` or `JsonSchemaConverter` (found by the short alias
 * and by class name), against schema-registry-start and the real server.
 * Lines go file -> topic (Confluent wire format, schema registered under
 * <topic>-value) -> file, unchanged.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer } from '@nagare/client';
import { SchemaRegistryClient } from '@nagare/serdes';
import { FAST_GROUP_PROPS, LineProcess, NagareProcess, ROOT, cleanupAll, freePort, spawnLines, startNagare, tempDir, waitFor } from './harness';

jest.setTimeout(180000);

let server: NagareProcess;
let registry: LineProcess;
let url: string;

beforeAll(async () => {
  server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
  url = `http://127.0.0.1:${await freePort()}`;
  const dir = tempDir();
  writeFileSync(join(dir, 'sr.properties'), `listeners=${url}\nkafkastore.bootstrap.servers=${server.bootstrap}\nhost.name=127.0.0.1\nkafkastore.timeout.ms=10000\n`);
  registry = spawnLines(process.execPath, [join(ROOT, 'apps/schema-registry/bin/schema-registry-start.js'), join(dir, 'sr.properties')]);
  await waitFor(() => registry.lines.some((l) => l.includes('isLeader=true')), { timeoutMs: 60000, what: () => registry.lines.join('\n') });
});

afterAll(async () => {
  await registry?.kill('SIGTERM');
  await cleanupAll();
});

it.each([
  ['Avro', 'AVRO', '"string"'],
  ['io.confluent.connect.protobuf.ProtobufConverter', 'PROTOBUF', null],
  ['JsonSchemaConverter', 'JSON', '{"type":"string"}'],
])('FileStream source and sink with value.converter=%s', async (converter, schemaType, schemaText) => {
  const dir = tempDir();
  const topic = `connect-sr-${schemaType.toLowerCase()}`;
  const lines = ['first line', 'second line', 'ünïcödé line'];
  writeFileSync(join(dir, 'in.txt'), lines.join('\n') + '\n');
  const restPort = await freePort();
  writeFileSync(
    join(dir, 'worker.properties'),
    [
      `bootstrap.servers=${server.bootstrap}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      `value.converter=${converter}`,
      `value.converter.schema.registry.url=${url}`,
      `offset.storage.file.filename=${join(dir, 'offsets')}`,
      'offset.flush.interval.ms=1000',
      `listeners=http://127.0.0.1:${restPort}`,
    ].join('\n') + '\n',
  );
  writeFileSync(join(dir, 'source.properties'), `name=src\nconnector.class=FileStreamSource\ntasks.max=1\nfile=${join(dir, 'in.txt')}\ntopic=${topic}\n`);
  writeFileSync(join(dir, 'sink.properties'), `name=sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile=${join(dir, 'out.txt')}\ntopics=${topic}\nconsumer.override.auto.offset.reset=earliest\n`);
  const connect = spawnLines(process.execPath, [join(ROOT, 'apps/connect/bin/connect-standalone.js'), join(dir, 'worker.properties'), join(dir, 'source.properties'), join(dir, 'sink.properties')]);
  try {
    await waitFor(() => existsSync(join(dir, 'out.txt')) && readFileSync(join(dir, 'out.txt'), 'utf8').split('\n').filter(Boolean).length >= lines.length, {
      timeoutMs: 90000,
      what: () => `the sink file; connect output:\n${connect.lines.slice(-40).join('\n')}\n${connect.stderr.slice(-20).join('\n')}`,
    });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe(lines.join('\n') + '\n');
    // the topic holds Confluent wire format with the id registered under <topic>-value
    const meta = await new SchemaRegistryClient({ url }).getLatestSchemaMetadata(`${topic}-value`);
    expect(meta.schemaType).toBe(schemaType);
    if (schemaText) expect(meta.schema).toBe(schemaText);
    const consumer = new Consumer({ bootstrapServers: server.bootstrap, autoOffsetReset: 'earliest' });
    consumer.assign([{ topic, partition: 0 }]);
    const values: Buffer[] = [];
    try {
      await waitFor(async () => {
        for (const r of await consumer.poll(500)) values.push(r.value!);
        return values.length >= lines.length;
      });
    } finally {
      await consumer.close();
    }
    for (const v of values) expect([v[0], v.readInt32BE(1)]).toEqual([0, meta.id]);
  } finally {
    await connect.kill('SIGTERM');
  }
});
