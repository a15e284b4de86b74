/**
 * The Connect converters against a real registry (in a worker thread: the
 * converters block their thread on HTTP): every Connect type round-trips
 * through AvroConverter, ProtobufConverter and JsonSchemaConverter; the
 * registered schemas are what Confluent's AvroData/ProtobufData/
 * JsonSchemaData produce; bytes are Confluent's wire format; errors are
 * DataExceptions.
 */
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, DataException, Decimal, Schema, SchemaBuilder, Struct, valuesEqual } from '@nagare/connect-api';
import { SchemaRegistryClient } from '../client';
import { RegistryThread, startRegistryThread } from '../testing/registry-thread';
import { unframe } from '../wire';
import { AvroConverter, JsonSchemaConverter, ProtobufConverter } from './converters';

let reg: RegistryThread;
let client: SchemaRegistryClient;
beforeAll(async () => {
  reg = await startRegistryThread();
  client = new SchemaRegistryClient({ url: reg.url });
});
afterAll(async () => {
  await reg.stop();
});

const INNER = SchemaBuilder.struct().name('com.acme.Address').field('street', Schema.STRING_SCHEMA).field('zip', Schema.OPTIONAL_INT32_SCHEMA).optional().build();
const FULL = SchemaBuilder.struct()
  .name('com.acme.Customer')
  .field('i8', Schema.INT8_SCHEMA)
  .field('i16', Schema.INT16_SCHEMA)
  .field('i32', Schema.INT32_SCHEMA)
  .field('i64', Schema.INT64_SCHEMA)
  .field('f32', Schema.FLOAT32_SCHEMA)
  .field('f64', Schema.FLOAT64_SCHEMA)
  .field('flag', Schema.BOOLEAN_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('note', Schema.OPTIONAL_STRING_SCHEMA)
  .field('raw', Schema.BYTES_SCHEMA)
  .field('amount', Decimal.schema(2))
  .field('born', ConnectDate.SCHEMA)
  .field('wake', ConnectTime.SCHEMA)
  .field('seen', ConnectTimestamp.SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('scores', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
  .field('address', INNER)
  .build();

function fullValue(): Struct {
  return new Struct(FULL)
    .put('i8', -5)
    .put('i16', 1234)
    .put('i32', 2147483647)
    .put('i64', 2n ** 62n)
    .put('f32', 1.5)
    .put('f64', -2.25)
    .put('flag', true)
    .put('name', 'Ann')
    .put('note', null)
    .put('raw', Buffer.from([0, 1, 255]))
    .put('amount', new BigDecimal(-123456n, 2))
    .put('born', new Date(Date.UTC(1990, 4, 17)))
    .put('wake', new Date(7 * 3600000 + 30 * 60000))
    .put('seen', new Date(1700000000123))
    .put('tags', ['a', 'b'])
    .put('scores', { x: 1, y: 2 ** 40 })
    .put('address', new Struct(INNER).put('street', 'Main St').put('zip', null));
}

describe.each([
  ['Avro', () => new AvroConverter(), 'AVRO'],
  ['Protobuf', () => new ProtobufConverter(), 'PROTOBUF'],
  ['JsonSchema', () => new JsonSchemaConverter(), 'JSON'],
] as const)('%sConverter', (name, make, type) => {
  it('round-trips every Connect type, registering under <topic>-value', async () => {
    const c = make();
    c.configure({ 'schema.registry.url': reg.url }, false);
    const topic = `customers-${name}`;
    const bytes = c.fromConnectData(topic, FULL, fullValue())!;
    const { id } = unframe(bytes);
    const meta = await client.getLatestSchemaMetadata(`${topic}-value`);
    expect([meta.id, meta.schemaType]).toEqual([id, type]);
    const back = c.toConnectData(topic, bytes);
    expect(back.schema()!.name()).toBe('com.acme.Customer');
    const s = back.value() as Struct;
    for (const f of FULL.fields()) {
      const got = s.get(f.name());
      const want = fullValue().get(f);
      // nested structs compare by value (a Protobuf nested message is named after its parent)
      const same = want instanceof Struct ? String(got) === String(want) : valuesEqual(got, want);
      expect([f.name(), same]).toEqual([f.name(), true]);
    }
    expect(back.schema()!.field('note')!.schema().isOptional()).toBe(true);
    expect(back.schema()!.field('amount')!.schema().name()).toBe(Decimal.LOGICAL_NAME);
    // a second conversion uses the cached id (no new version)
    c.fromConnectData(topic, FULL, fullValue());
    expect(await client.getVersions(`${topic}-value`)).toEqual([1]);
  });

  it('keys register under <topic>-key; nulls stay null', async () => {
    const c = make();
    c.configure({ 'schema.registry.url': reg.url }, true);
    const keySchema = SchemaBuilder.struct().name('com.acme.Key').field('id', Schema.INT64_SCHEMA).build();
    const bytes = c.fromConnectData(`keys-${name}`, keySchema, new Struct(keySchema).put('id', 7))!;
    expect((await client.getAllSubjects()).includes(`keys-${name}-key`)).toBe(true);
    expect(((c.toConnectData(`keys-${name}`, bytes).value() as Struct).get('id'))).toBe(7);
    expect(c.fromConnectData('t', keySchema, null)).toBeNull();
    expect(c.toConnectData('t', null).value()).toBeNull();
  });

  it('errors are DataExceptions', () => {
    const c = make();
    c.configure({ 'schema.registry.url': reg.url }, false);
    expect(() => c.toConnectData('t', Buffer.from('{"not":"framed"}'))).toThrow(DataException);
    expect(() => c.toConnectData('t', Buffer.from('{"not":"framed"}'))).toThrow('Unknown magic byte!');
    expect(() => c.fromConnectData('t', null, { a: 1 })).toThrow(DataException);
    const bad = new AvroConverter();
    expect(() => bad.configure({}, false)).toThrow('Missing required configuration "schema.registry.url" which has no default value.');
  });
});

describe('schemas as Confluent’s converters write them', () => {
  it('AvroData: connect.type for int8/int16, optional unions with null default, logical types with connect.* properties', async () => {
    const c = new AvroConverter();
    c.configure({ 'schema.registry.url': reg.url }, false);
    const s = SchemaBuilder.struct().name('com.acme.Small').field('b', Schema.INT8_SCHEMA).field('o', Schema.OPTIONAL_STRING_SCHEMA).field('d', Decimal.schema(2)).field('t', ConnectTimestamp.SCHEMA).build();
    c.fromConnectData('small', s, new Struct(s).put('b', 1).put('o', null).put('d', new BigDecimal(1n, 2)).put('t', new Date(0)));
    const meta = await client.getLatestSchemaMetadata('small-value');
    expect(JSON.parse(meta.schema)).toEqual({
      type: 'record',
      name: 'Small',
      namespace: 'com.acme',
      fields: [
        { name: 'b', type: { type: 'int', 'connect.type': 'int8' } },
        { name: 'o', type: ['null', 'string'], default: null },
        { name: 'd', type: { type: 'bytes', scale: 2, precision: 64, 'connect.version': 1, 'connect.parameters': { scale: '2' }, 'connect.name': 'org.apache.kafka.connect.data.Decimal', logicalType: 'decimal' } },
        { name: 't', type: { type: 'long', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Timestamp', logicalType: 'timestamp-millis' } },
      ],
      'connect.name': 'com.acme.Small',
    });
  });

  it('ProtobufData: a proto3 message, optional primitives with presence, logical types as well-known messages', async () => {
    const c = new ProtobufConverter();
    c.configure({ 'schema.registry.url': reg.url }, false);
    const s = SchemaBuilder.struct().name('com.acme.Small').field('n', Schema.INT32_SCHEMA).field('o', Schema.OPTIONAL_STRING_SCHEMA).field('t', ConnectTimestamp.SCHEMA).build();
    c.fromConnectData('psmall', s, new Struct(s).put('n', 1).put('o', null).put('t', new Date(0)));
    const meta = await client.getLatestSchemaMetadata('psmall-value');
    expect(meta.schema).toBe('syntax = "proto3";\npackage com.acme;\n\nimport "google/protobuf/timestamp.proto";\n\nmessage Small {\n  int32 n = 1;\n  optional string o = 2;\n  google.protobuf.Timestamp t = 3;\n}\n');
  });

  it('JsonSchemaData: connect.type and connect.index, optional as oneOf with null', async () => {
    const c = new JsonSchemaConverter();
    c.configure({ 'schema.registry.url': reg.url }, false);
    const s = SchemaBuilder.struct().name('com.acme.Small').field('n', Schema.INT64_SCHEMA).field('o', Schema.OPTIONAL_STRING_SCHEMA).build();
    const bytes = c.fromConnectData('jsmall', s, new Struct(s).put('n', 2n ** 60n).put('o', 'x'))!;
    expect(unframe(bytes).payload.toString()).toBe('{"n":1152921504606846976,"o":"x"}');
    const meta = await client.getLatestSchemaMetadata('jsmall-value');
    expect(JSON.parse(meta.schema)).toEqual({
      type: 'object',
      title: 'com.acme.Small',
      properties: { n: { type: 'integer', 'connect.type': 'int64', 'connect.index': 0 }, o: { oneOf: [{ type: 'null' }, { type: 'string' }], 'connect.index': 1 } },
    });
    expect((c.toConnectData('jsmall', bytes).value() as Struct).get('n')).toBe(2n ** 60n);
  });
});

describe('primitive (non-STRUCT) values', () => {
  it.each([
    ['Avro', () => new AvroConverter()],
    ['Protobuf', () => new ProtobufConverter()],
    ['JsonSchema', () => new JsonSchemaConverter()],
  ] as const)('%s: a STRING and an INT64 value round-trip', (name, make) => {
    const c = make();
    c.configure({ 'schema.registry.url': reg.url }, false);
    const s = c.toConnectData(`prim-s-${name}`, c.fromConnectData(`prim-s-${name}`, Schema.STRING_SCHEMA, 'hello')!);
    expect([s.schema()!.type(), s.value()]).toEqual(['STRING', 'hello']);
    const l = c.toConnectData(`prim-l-${name}`, c.fromConnectData(`prim-l-${name}`, Schema.INT64_SCHEMA, 42)!);
    expect([l.schema()!.type(), l.value()]).toEqual(['INT64', 42]);
  });
});
