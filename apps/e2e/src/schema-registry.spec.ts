/**
 * The Schema Registry (schema-registry-start, against the real server) with
 * third-party clients:
 * - @kafkajs/confluent-schema-registry 3.9 registers and encodes/decodes
 *   Avro, JSON Schema and Protobuf; its bytes decode with @nagare/serdes and
 *   ours with it, also through Kafka (kafkajs producer -> nagare consumer and
 *   nagare producer -> kafkajs consumer);
 * - python3-confluent-kafka 1.7.0: SchemaRegistryClient's whole API, its JSON
 *   and Protobuf serializers (base64 descriptors, references), Avro through
 *   the legacy confluent_kafka.avro API (the new AvroSerializer needs fastavro,
 *   which Debian does not package: the test says so and skips that part);
 *   their bytes decode with ours and ours with theirs.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Consumer as NagareConsumer, Producer as NagareProducer } from '@nagare/client';
import { AvroDeserializer, AvroSerializer, JsonSchemaDeserializer, JsonSchemaSerializer, ProtobufDeserializer, ProtobufSerializer, SchemaRegistryClient } from '@nagare/serdes';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { writeFileSync } from 'node:fs';
import { FAST_GROUP_PROPS, LineProcess, NagareProcess, ROOT, cleanupAll, freePort, onCleanup, requirePythonModule, runPython, spawnLines, startNagare, tempDir, waitFor } from './harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(120000);

let server: NagareProcess;
let registryProc: LineProcess;
let url: string;
let kafka: Kafka;
let cfg: Record<string, unknown>;

beforeAll(async () => {
  server = await startNagare({ props: { ...FAST_GROUP_PROPS } });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const dir = tempDir();
  const props = join(dir, 'schema-registry.properties');
  writeFileSync(props, [`listeners=${url}`, `kafkastore.bootstrap.servers=PLAINTEXT://${server.bootstrap}`, 'host.name=127.0.0.1', 'kafkastore.timeout.ms=10000'].join('\n') + '\n');
  registryProc = spawnLines(process.execPath, [join(ROOT, 'apps/schema-registry/bin/schema-registry-start.js'), props]);
  await waitFor(() => registryProc.lines.some((l) => l.includes('schema registry leader elected') && l.includes('isLeader=true')), { timeoutMs: 60000, what: () => `the registry to start:\n${registryProc.lines.join('\n')}\n${registryProc.stderr.join('\n')}` });
  kafka = newKafka(server.bootstrap, 'e2e-sr');
  cfg = { 'schema.registry.url': url };
});

afterAll(async () => {
  await registryProc?.kill('SIGTERM');
  await cleanupAll();
});

const AVRO = JSON.stringify({ type: 'record', name: 'Payment', namespace: 'e2e', fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'note', type: ['null', 'string'], default: null }] });
const JSON_SCHEMA = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'Point', type: 'object', properties: { x: { type: 'integer' }, y: { type: 'integer' } }, required: ['x', 'y'] });
const PROTO = 'syntax = "proto3";\npackage e2e;\n\nmessage Pet {\n  string name = 1;\n  int32 legs = 2;\n}\n';

describe('@kafkajs/confluent-schema-registry', () => {
  let sr: SchemaRegistry;
  beforeAll(() => {
    sr = new SchemaRegistry({ host: url });
  });

  it('Avro: registers, encodes and decodes; its bytes decode with ours and ours with it', async () => {
    const { id } = await sr.register({ type: SchemaType.AVRO, schema: AVRO }, { subject: 'pay-value' });
    expect(await sr.getLatestSchemaId('pay-value')).toBe(id);
    // kafkajs's register sets the subject's compatibility when none is configured
    expect(await new SchemaRegistryClient({ url }).getCompatibility('pay-value')).toBe('BACKWARD');
    const value = { id: 'p1', amount: 9.5, note: 'hi' };
    const theirs = await sr.encode(id, value);
    expect(await sr.decode(theirs)).toEqual(value);
    expect(await new AvroDeserializer(cfg).deserialize('pay', theirs)).toEqual(value);
    const ours = (await new AvroSerializer(cfg).serialize('pay', { id: 'p2', amount: 1, note: null }, AVRO))!;
    expect(ours.readInt32BE(1)).toBe(id);
    expect(await sr.decode(ours)).toEqual({ id: 'p2', amount: 1, note: null });
  });

  it('JSON Schema: both ways', async () => {
    const { id } = await sr.register({ type: SchemaType.JSON, schema: JSON_SCHEMA }, { subject: 'pt-value' });
    const theirs = await sr.encode(id, { x: 1, y: 2 });
    expect(await new JsonSchemaDeserializer(cfg).deserialize('pt', theirs)).toEqual({ x: 1, y: 2 });
    const ours = (await new JsonSchemaSerializer(cfg).serialize('pt', { x: 3, y: 4 }, JSON_SCHEMA))!;
    expect(ours.readInt32BE(1)).toBe(id);
    expect(await sr.decode(ours)).toEqual({ x: 3, y: 4 });
  });

  it('Protobuf: registers, round-trips, and decodes our bytes (it writes no message indexes itself)', async () => {
    const { id } = await sr.register({ type: SchemaType.PROTOBUF, schema: PROTO }, { subject: 'pet-value' });
    const theirs = await sr.encode(id, { name: 'rex', legs: 4 });
    expect((await sr.decode(theirs)).toJSON()).toEqual({ name: 'rex', legs: 4 });
    const ours = (await new ProtobufSerializer(cfg).serialize('pet', { name: 'tom', legs: 3 }, { schema: PROTO }))!;
    expect(ours.readInt32BE(1)).toBe(id);
    expect((await sr.decode(ours)).toJSON()).toEqual({ name: 'tom', legs: 3 });
    // @kafkajs/confluent-schema-registry 3.9 omits Confluent's message indexes, so a
    // conforming deserializer (Confluent's or ours) cannot read its Protobuf bytes.
    await expect(new ProtobufDeserializer(cfg).deserialize('pet', theirs)).rejects.toThrow(/Error deserializing Protobuf message/);
  });

  it('through Kafka: kafkajs producer -> nagare consumer, nagare producer -> kafkajs consumer', async () => {
    const admin = await connectedAdmin(kafka);
    await admin.createTopics({ topics: [{ topic: 'sr-pay', numPartitions: 1 }], waitForLeaders: true });
    const id = await sr.getLatestSchemaId('pay-value');
    const producer = kafka.producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
    await producer.send({ topic: 'sr-pay', messages: [{ value: await sr.encode(id, { id: 'k1', amount: 2.5, note: null }) }] });

    const ours = new NagareProducer({ bootstrapServers: server.bootstrap });
    onCleanup(() => ours.close());
    await ours.send({ topic: 'sr-pay', value: (await new AvroSerializer(cfg).serialize('sr-pay', { id: 'n1', amount: 7, note: 'x' }, AVRO))! });

    const consumer = new NagareConsumer({ bootstrapServers: server.bootstrap, autoOffsetReset: 'earliest' });
    onCleanup(() => consumer.close());
    consumer.assign([{ topic: 'sr-pay', partition: 0 }]);
    const de = new AvroDeserializer(cfg);
    const seen: unknown[] = [];
    await waitFor(async () => {
      for (const r of await consumer.poll(500)) seen.push(await de.deserialize('sr-pay', r.value));
      return seen.length >= 2;
    });
    expect(seen).toEqual([{ id: 'k1', amount: 2.5, note: null }, { id: 'n1', amount: 7, note: 'x' }]);

    const kc = kafka.consumer({ groupId: 'sr-e2e' });
    await kc.connect();
    onCleanup(() => kc.disconnect());
    await kc.subscribe({ topic: 'sr-pay', fromBeginning: true });
    const decoded: unknown[] = [];
    await kc.run({ eachMessage: async ({ message }) => void decoded.push(await sr.decode(message.value!)) });
    await waitFor(() => decoded.length >= 2, { timeoutMs: 30000 });
    expect(decoded).toEqual(seen);
  });
});

describe('python3-confluent-kafka', () => {
  beforeAll(() => {
    requirePythonModule('confluent_kafka.schema_registry', 'python3-confluent-kafka');
    requirePythonModule('requests', 'python3-requests');
    requirePythonModule('jsonschema', 'python3-jsonschema');
    requirePythonModule('google.protobuf', 'python3-protobuf');
    requirePythonModule('avro', 'python3-avro');
  });

  it('SchemaRegistryClient: register, get, lookup, versions, compatibility, errors, deletes', async () => {
    const r = await runPython<Record<string, any>>('sr_client.py', [url, 'py-subject']);
    expect(r.id1).toBe(r.id1_again);
    expect(r.id2).not.toBe(r.id1);
    expect(r.get_schema).toEqual({ schema_str: JSON.stringify({ type: 'record', name: 'Py', fields: [{ name: 'a', type: 'int' }] }), schema_type: 'AVRO' });
    expect(r.latest).toEqual({ schema_id: r.id2, subject: 'py-subject', version: 2 });
    expect(r.version1).toEqual({ schema_id: r.id1, version: 1 });
    expect(r.lookup).toEqual({ schema_id: r.id2, version: 2 });
    expect(r.subjects).toContain('py-subject');
    expect(r.versions).toEqual([1, 2]);
    expect([r.compat_v2, r.compat_bad]).toEqual([true, false]);
    expect([r.set_compat, r.get_compat]).toEqual([{ compatibility: 'FULL' }, 'FULL']);
    expect(r.incompatible).toEqual({ http_status_code: 409, error_code: 409 });
    expect(r.missing_version).toEqual({ http_status_code: 404, error_code: 40402, message: 'Version 99 not found.' });
    expect(r.invalid).toEqual({ http_status_code: 422, error_code: 42201 });
    expect([r.delete_version, r.delete_subject_permanent]).toEqual([2, [1]]);
    expect(r.after_delete).toEqual({ http_status_code: 404, error_code: 40401 });
  });

  it('JSON, Protobuf and (legacy) Avro serializers: their bytes decode with ours, ours with theirs', async () => {
    const topic = 'py';
    const json = (await new JsonSchemaSerializer(cfg).serialize(`${topic}-json`, { x: 7, y: 8, label: 'ts' }, JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'Point', type: 'object', properties: { x: { type: 'integer' }, y: { type: 'integer' }, label: { type: 'string' } }, required: ['x', 'y'] })))!;
    const shop = 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; int64 cents = 2; repeated string tags = 3; }\nmessage Refund { string order_id = 1; }\n';
    const order = (await new ProtobufSerializer(cfg).serialize(`${topic}-ours`, { id: 'n-1', cents: 5, tags: ['x'] }, { schema: shop, messageType: 'shop.Order' }))!;
    // python-confluent-kafka 1.7 reads message indexes as unsigned varints (use.deprecated.format)
    const refund = (await new ProtobufSerializer({ ...cfg, 'use.deprecated.format': true }).serialize(`${topic}-ours-refund`, { order_id: 'n-1' }, { schema: shop, messageType: 'shop.Refund' }))!;
    const avroSchema = JSON.stringify({ type: 'record', name: 'PyUser', namespace: 'py', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }, { name: 'email', type: ['null', 'string'], default: null }] });
    const avroBytes = (await new AvroSerializer(cfg).serialize(`${topic}-ours-avro`, { name: 'bob', age: 7, email: 'b@x' }, avroSchema))!;
    const r = await runPython<{ serialized: Record<string, string>; deserialized: Record<string, unknown>; skipped: string[] }>('sr_serdes.py', [
      url,
      topic,
      'decode-json',
      json.toString('hex'),
      'decode-proto-order',
      order.toString('hex'),
      'decode-proto-refund',
      refund.toString('hex'),
      'decode-avro',
      avroBytes.toString('hex'),
    ]);
    for (const line of r.skipped) console.warn(`skipped: ${line}`);
    // ours, read by theirs
    expect(r.deserialized.json).toEqual({ x: 7, y: 8, label: 'ts' });
    expect(r.deserialized.proto_order).toEqual({ id: 'n-1', cents: '5', tags: ['x'] });
    expect(r.deserialized.proto_refund).toEqual({ order_id: 'n-1' });
    expect(r.deserialized.avro).toEqual({ name: 'bob', age: 7, email: 'b@x' });
    // theirs, read by ours
    const hex = (k: string) => Buffer.from(r.serialized[k], 'hex');
    expect(await new JsonSchemaDeserializer({ ...cfg, 'json.fail.invalid.schema': true }).deserialize(topic, hex('json'))).toEqual({ x: 3, y: 4, label: 'py' });
    expect(await new ProtobufDeserializer(cfg).deserializeWithType(hex('proto_order'))).toEqual({ messageType: 'shop.Order', value: { id: 'o-1', cents: '1999', tags: ['a', 'b'] } });
    expect(await new ProtobufDeserializer({ ...cfg, 'use.deprecated.format': true }).deserializeWithType(hex('proto_refund'))).toEqual({ messageType: 'shop.Refund', value: { order_id: 'o-1' } });
    expect(await new AvroDeserializer(cfg).deserialize(topic, hex('avro'))).toEqual({ name: 'ann', age: 42, email: null });
    // what Python registered: its JSON schema, the Protobuf file as a base64 descriptor (stored in canonical text)
    const client = new SchemaRegistryClient({ url });
    const pyProto = await client.getLatestSchemaMetadata(`${topic}-proto-value`);
    expect(pyProto.schemaType).toBe('PROTOBUF');
    expect(pyProto.schema).toBe('syntax = "proto3";\npackage shop;\n\nmessage Order {\n  string id = 1;\n  int64 cents = 2;\n  repeated string tags = 3;\n}\nmessage Refund {\n  string order_id = 1;\n}\n');
    expect((await client.getLatestSchemaMetadata(`${topic}-json-value`)).schemaType).toBe('JSON');
  });
});
