/**
 * Serializers and deserializers against a real registry (REST over HTTP, in
 * a worker thread): Confluent's wire format byte by byte, message indexes,
 * subject name strategies, auto-registration, use.latest.version,
 * use.schema.id, reader schemas, references, JSON validation and the errors.
 */
import * as avro from 'avsc';
import { AvroDeserializer, AvroSerializer, JsonSchemaDeserializer, JsonSchemaSerializer, ProtobufDeserializer, ProtobufSerializer, SchemaRegistryClient, decodeMessageIndexes, encodeMessageIndexes, frame, unframe } from './index';
import { RegistryThread, startRegistryThread } from './testing/registry-thread';

let reg: RegistryThread;
let cfg: Record<string, unknown>;
beforeAll(async () => {
  reg = await startRegistryThread();
  cfg = { 'schema.registry.url': reg.url };
});
afterAll(async () => {
  await reg.stop();
});

const USER = { type: 'record', name: 'User', namespace: 'com.example', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }] };

describe('wire format', () => {
  it('magic byte, big-endian id, payload', () => {
    expect(frame(258, Buffer.from([9, 9]))).toEqual(Buffer.from([0, 0, 0, 1, 2, 9, 9]));
    expect(unframe(Buffer.from([0, 0, 0, 1, 2, 9]))).toEqual({ id: 258, payload: Buffer.from([9]) });
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 1]))).toThrow('Unknown magic byte!');
    expect(() => unframe(Buffer.from([0, 0]))).toThrow('Unknown magic byte!');
  });
  it('message indexes: [0] is one 0 byte, others zig-zag varints with a count', () => {
    expect(encodeMessageIndexes([0])).toEqual(Buffer.from([0]));
    expect(encodeMessageIndexes([1])).toEqual(Buffer.from([2, 2]));
    expect(encodeMessageIndexes([0, 1, 0])).toEqual(Buffer.from([6, 0, 2, 0]));
    expect(encodeMessageIndexes([70])).toEqual(Buffer.from([2, 0x8c, 0x01]));
    for (const ix of [[0], [1], [0, 1, 0], [70], [3, 64]]) expect(decodeMessageIndexes(Buffer.concat([encodeMessageIndexes(ix), Buffer.from([42])]))).toEqual({ indexes: ix, rest: Buffer.from([42]) });
  });
});

describe('Avro', () => {
  it('registers under <topic>-value and writes 0, id, Avro binary; reads it back', async () => {
    const ser = new AvroSerializer(cfg);
    const bytes = (await ser.serialize('users', { name: 'ann', age: 42 }, USER))!;
    const client = new SchemaRegistryClient({ url: reg.url });
    const meta = await client.getLatestSchemaMetadata('users-value');
    expect(meta.schema).toBe(JSON.stringify(USER));
    expect(bytes).toEqual(frame(meta.id, avro.Type.forSchema(USER as avro.Schema).toBuffer({ name: 'ann', age: 42 })));
    expect(await new AvroDeserializer(cfg).deserialize('users', bytes)).toEqual({ name: 'ann', age: 42 });
    expect(await new AvroDeserializer(cfg).deserialize('users', null)).toBeNull();
  });

  it('keys register under <topic>-key; RecordNameStrategy and TopicRecordNameStrategy', async () => {
    await new AvroSerializer(cfg, true).serialize('k', 'key-1', '"string"');
    await new AvroSerializer({ ...cfg, 'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy' }).serialize('any', { name: 'a', age: 1 }, USER);
    await new AvroSerializer({ ...cfg, 'value.subject.name.strategy': 'TopicRecordNameStrategy' }).serialize('t', { name: 'a', age: 1 }, USER);
    const subjects = await new SchemaRegistryClient({ url: reg.url }).getAllSubjects();
    expect(subjects).toEqual(expect.arrayContaining(['k-key', 'com.example.User', 't-com.example.User']));
  });

  it('a reader schema resolves old data (schema evolution); long values beyond 2^53 survive', async () => {
    const v1 = { type: 'record', name: 'Ev', fields: [{ name: 'a', type: 'long' }] };
    const v2 = { type: 'record', name: 'Ev', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: 'string', default: 'none' }] };
    const bytes = await new AvroSerializer(cfg).serialize('ev', { a: 2n ** 60n + 1n }, v1);
    expect(await new AvroDeserializer(cfg).deserialize('ev', bytes, v2)).toEqual({ a: 2n ** 60n + 1n, b: 'none' });
  });

  it('use.latest.version, use.schema.id, auto.register.schemas=false', async () => {
    const ser = new AvroSerializer(cfg);
    const first = (await ser.serialize('lv', { name: 'x', age: 1 }, USER))!;
    const id = first.readInt32BE(1);
    expect((await new AvroSerializer({ ...cfg, 'use.latest.version': true }).serialize('lv', { name: 'y', age: 2 }))!.readInt32BE(1)).toBe(id);
    expect((await new AvroSerializer({ ...cfg, 'use.schema.id': id }).serialize('other', { name: 'y', age: 2 }))!.readInt32BE(1)).toBe(id);
    await expect(new AvroSerializer({ ...cfg, 'auto.register.schemas': false }).serialize('unregistered', 'x', '"string"')).rejects.toThrow("Error serializing Avro message: Subject 'unregistered-value' not found.; error code: 40401");
    await expect(new AvroSerializer(cfg).serialize('users', { name: 1 }, USER)).rejects.toThrow(/^Error serializing Avro message: invalid/);
  });

  it('errors: unknown id, not Avro, wrong magic byte', async () => {
    const de = new AvroDeserializer(cfg);
    await expect(de.deserialize('t', frame(9999, Buffer.from([0])))).rejects.toThrow('Error deserializing Avro message: Schema 9999 not found; error code: 40403');
    await expect(de.deserialize('t', Buffer.from('plain text'))).rejects.toThrow('Unknown magic byte!');
    const js = await new JsonSchemaSerializer(cfg).serialize('notavro', { a: 1 }, { type: 'object' });
    await expect(de.deserialize('t', js)).rejects.toThrow(/is a JSON schema, not Avro/);
  });
});

describe('Protobuf', () => {
  const PROTO = 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; int64 cents = 2; repeated Line lines = 3; message Line { string sku = 1; int32 qty = 2; } }\nmessage Refund { string order_id = 1; }\n';

  it('writes message indexes and decodes by them; int64 back as strings (lossless)', async () => {
    const ser = new ProtobufSerializer(cfg);
    const order = (await ser.serialize('orders', { id: 'o1', cents: 1999, lines: [{ sku: 'a', qty: 2 }] }, { schema: PROTO, messageType: 'shop.Order' }))!;
    expect(order[5]).toBe(0); // [0]
    const refund = (await ser.serialize('orders', { order_id: 'o1' }, { schema: PROTO, messageType: 'shop.Refund' }))!;
    expect([...refund.subarray(5, 7)]).toEqual([2, 2]); // [1]
    const line = (await ser.serialize('lines', { sku: 'b', qty: 1 }, { schema: PROTO, messageType: 'shop.Order.Line' }))!;
    expect([...line.subarray(5, 8)]).toEqual([4, 0, 0]); // [0, 0]
    const de = new ProtobufDeserializer(cfg);
    expect(await de.deserializeWithType(order)).toEqual({ messageType: 'shop.Order', value: { id: 'o1', cents: '1999', lines: [{ sku: 'a', qty: 2 }] } });
    expect(await de.deserializeWithType(refund)).toEqual({ messageType: 'shop.Refund', value: { order_id: 'o1' } });
    expect(await de.deserialize('lines', line)).toEqual({ sku: 'b', qty: 1 });
    await expect(ser.serialize('orders', { id: 5 }, { schema: PROTO, messageType: 'shop.Order' })).rejects.toThrow('Error serializing Protobuf message: Invalid message for shop.Order: id: string expected');
  });

  it('imports: dependencies registered under their file name and referenced', async () => {
    const money = 'syntax = "proto3";\npackage common;\nmessage Money { int64 cents = 1; string currency = 2; }\n';
    const invoice = 'syntax = "proto3";\npackage billing;\nimport "common/money.proto";\nimport "google/protobuf/timestamp.proto";\nmessage Invoice { common.Money total = 1; google.protobuf.Timestamp at = 2; }\n';
    const bytes = await new ProtobufSerializer(cfg).serialize('invoices', { total: { cents: 5, currency: 'EUR' }, at: { seconds: 10, nanos: 0 } }, { schema: invoice, dependencies: { 'common/money.proto': money } });
    const client = new SchemaRegistryClient({ url: reg.url });
    const meta = await client.getLatestSchemaMetadata('invoices-value');
    expect(meta.references).toEqual([{ name: 'common/money.proto', subject: 'common/money.proto', version: 1 }]);
    expect(await new ProtobufDeserializer(cfg).deserialize('invoices', bytes)).toEqual({ total: { cents: '5', currency: 'EUR' }, at: { seconds: '10', nanos: 0 } });
  });
});

describe('JSON Schema', () => {
  const S = { type: 'object', title: 'Point', properties: { x: { type: 'integer' }, y: { type: 'integer' } }, required: ['x'] };
  it('writes UTF-8 JSON after the id; json.fail.invalid.schema validates', async () => {
    const bytes = (await new JsonSchemaSerializer(cfg).serialize('points', { x: 1, y: 2 }, S))!;
    expect(bytes.subarray(5).toString()).toBe('{"x":1,"y":2}');
    expect(await new JsonSchemaDeserializer(cfg).deserialize('points', bytes)).toEqual({ x: 1, y: 2 });
    // not validated by default (Confluent's default)
    expect(await new JsonSchemaSerializer(cfg).serialize('points', { y: 'no' }, S)).not.toBeNull();
    await expect(new JsonSchemaSerializer({ ...cfg, 'json.fail.invalid.schema': true }).serialize('points', { y: 'no' }, S)).rejects.toThrow("Error serializing JSON message: Validation error: $ must have required property 'x'");
    const bad = frame(bytes.readInt32BE(1), Buffer.from('{"y":"no"}'));
    await expect(new JsonSchemaDeserializer({ ...cfg, 'json.fail.invalid.schema': true }).deserialize('points', bad)).rejects.toThrow(/Validation error/);
  });
});
