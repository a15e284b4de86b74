/**
 * JsonConverter against golden bytes of Kafka's converter (see
 * __fixtures__/json-converter-golden.ts for the source): Connect value ->
 * exact bytes, and those bytes -> the same schema and value.
 */
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, DataException, Decimal, SchemaBuilder, Schemas, Struct, schemaEquals, valuesEqual, type Schema } from '@nagare/connect-api';
import { GOLDEN } from './__fixtures__/json-converter-golden';
import { JsonConverter, splitEnvelope } from './json-converter';

function conv(configs: Record<string, unknown> = {}): JsonConverter {
  const c = new JsonConverter();
  c.configure(configs, false);
  return c;
}

const structSchema = SchemaBuilder.struct().field('field1', Schemas.BOOLEAN_SCHEMA).field('field2', Schemas.STRING_SCHEMA).field('field3', Schemas.OPTIONAL_STRING_SCHEMA).build();
const DAY = 86400000;

const cases: Array<[keyof typeof GOLDEN, Schema, unknown, Record<string, unknown>?]> = [
  ['booleanTrue', Schemas.BOOLEAN_SCHEMA, true],
  ['optionalBooleanNull', Schemas.OPTIONAL_BOOLEAN_SCHEMA, null],
  ['booleanWithDefault', SchemaBuilder.bool().defaultValue(true).build(), true],
  ['booleanMetadata', SchemaBuilder.bool().required().name('bool').version(3).doc('the documentation').parameter('foo', 'bar').build(), true],
  ['int8', Schemas.INT8_SCHEMA, 12],
  ['int16', Schemas.INT16_SCHEMA, 12],
  ['int32', Schemas.INT32_SCHEMA, 12],
  ['int64', Schemas.INT64_SCHEMA, 4398046511104],
  ['int64Max', Schemas.INT64_SCHEMA, 9223372036854775807n],
  ['float32', Schemas.FLOAT32_SCHEMA, Math.fround(12.34)],
  ['float64', Schemas.FLOAT64_SCHEMA, 12.34],
  ['float64Whole', Schemas.FLOAT64_SCHEMA, 12],
  ['float64Large', Schemas.FLOAT64_SCHEMA, 1e7],
  ['float64Small', Schemas.FLOAT64_SCHEMA, 1e-4],
  ['bytes', Schemas.BYTES_SCHEMA, Buffer.from('test-string')],
  ['string', Schemas.STRING_SCHEMA, 'test-string'],
  ['stringEscapes', Schemas.STRING_SCHEMA, 'q"b\\n\nt\tc\u0001\u001f é'],
  ['arrayInt32', SchemaBuilder.array(Schemas.INT32_SCHEMA).build(), [1, 2, 3]],
  ['mapStringKeys', SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT32_SCHEMA).build(), { key1: 12, key2: 15 }],
  ['mapIntKeys', SchemaBuilder.map(Schemas.INT32_SCHEMA, Schemas.INT32_SCHEMA).build(), new Map([[1, 12], [2, 15]])],
  ['struct', structSchema, new Struct(structSchema).put('field1', true).put('field2', 'string')],
  ['decimalBase64', Decimal.schema(2), new BigDecimal(156n, 2)],
  ['decimalNumeric', Decimal.schema(2), new BigDecimal(156n, 2), { 'decimal.format': 'NUMERIC' }],
  ['decimalNegative', Decimal.schema(2), new BigDecimal(-156n, 2)],
  ['date', ConnectDate.SCHEMA, new Date(10000 * DAY)],
  ['time', ConnectTime.SCHEMA, new Date(14400000)],
  ['timestamp', ConnectTimestamp.SCHEMA, new Date(4000000000)],
  ['timestampDefault', ConnectTimestamp.builder().optional().defaultValue(new Date(42)).build(), null],
];

describe('JsonConverter golden bytes', () => {
  test.each(cases)('%s: fromConnectData writes Kafka\'s bytes', (...[name, schema, value, cfg]) => {
    expect(conv(cfg).fromConnectData('topic', schema, value)!.toString('utf8')).toBe(GOLDEN[name]);
  });

  test.each(cases)('%s: toConnectData reads them back', (...[name, schema, value, cfg]) => {
    const sv = conv(cfg).toConnectData('topic', Buffer.from(GOLDEN[name]));
    expect(schemaEquals(sv.schema(), schema)).toBe(true);
    const expected = value === null && schema.defaultValue() !== null ? schema.defaultValue() : value;
    if (expected instanceof Uint8Array) expect(Buffer.from(sv.value() as Uint8Array).equals(Buffer.from(expected))).toBe(true);
    else if (schema.type() === 'INT64' && typeof expected === 'bigint') expect(sv.value()).toBe(expected);
    else if (schema.type() === 'FLOAT32') expect(sv.value()).toBe(Math.fround(expected as number));
    else expect(valuesEqual(sv.value(), expected)).toBe(true);
  });

  test('schemaless values under schemas.enable=true get "schema":null; plain JSON with schemas.enable=false', () => {
    expect(conv().fromConnectData('t', null, { field1: 1, field2: 2 })!.toString()).toBe(GOLDEN.schemalessMap);
    const plain = conv({ 'schemas.enable': 'false' });
    expect(plain.fromConnectData('t', structSchema, new Struct(structSchema).put('field1', true).put('field2', 'string'))!.toString()).toBe(GOLDEN.plainStruct);
    const back = plain.toConnectData('t', Buffer.from(GOLDEN.plainStruct));
    expect(back.schema()).toBeNull();
    expect(back.value()).toEqual({ field1: true, field2: 'string', field3: null });
    const nums = conv().toConnectData('t', Buffer.from('{ "schema": null, "payload": [1, "2", 3.5] }'));
    expect(nums.value()).toEqual([1, '2', 3.5]);
  });

  test('null bytes are a tombstone both ways; a null value with no schema writes nothing', () => {
    const c = conv();
    expect(c.toConnectData('t', null).value()).toBeNull();
    expect(c.fromConnectData('t', null, null)).toBeNull();
    expect(conv({ 'schemas.enable': false }).toConnectData('t', Buffer.alloc(0)).value()).toBeNull();
  });

  test('numeric Decimal keeps scale and precision (Kafka reads with USE_BIG_DECIMAL_FOR_FLOATS)', () => {
    const c = conv();
    const msg = (scale: number, payload: string) =>
      Buffer.from(`{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "${scale}" } }, "payload": ${payload} }`);
    expect((c.toConnectData('t', msg(4, '1.5600')).value() as BigDecimal).equals(new BigDecimal(15600n, 4))).toBe(true);
    expect((c.toConnectData('t', msg(17, '1.23456789123456789')).value() as BigDecimal).equals(BigDecimal.fromString('1.23456789123456789'))).toBe(true);
  });

  test('envelope and type errors read like Kafka\'s', () => {
    const c = conv();
    expect(() => c.toConnectData('t', Buffer.from('{"schema":null}'))).toThrow(
      'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
    );
    expect(() => c.toConnectData('t', Buffer.from('not json'))).toThrow(DataException);
    expect(() => c.toConnectData('t', Buffer.from('{"schema":{"type":"struct","fields":[{"type":"int32"}]},"payload":{}}'))).toThrow("Struct schema's field name not specified properly");
    expect(() => c.toConnectData('t', Buffer.from('{"schema":{"type":"int32"},"payload":null}'))).toThrow('Invalid null value for required INT32 field');
    expect(() => c.fromConnectData('t', Schemas.INT32_SCHEMA, 'x')).toThrow('Invalid type for INT32: class java.lang.String');
    expect(() => c.fromConnectData('t', Schemas.INT32_SCHEMA, null)).toThrow('Conversion error: null value for field that is required and has no default value');
    expect(() => conv({ 'decimal.format': 'HEX' })).toThrow('Invalid value HEX for configuration decimal.format');
  });

  test('the compact envelope fast path and the general parse agree; odd shapes still get the general errors', () => {
    const c = conv();
    const compact = '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"a\\"}{"}],"optional":false},"payload":{"a\\"}{":"x,\\"payload\\":1"}}';
    const spaced = compact.replace('{"schema":', '{ "schema" : ').replace(',"payload":{', ', "payload" : {');
    const a = c.toConnectData('t', Buffer.from(compact));
    const b = c.toConnectData('t', Buffer.from(spaced));
    expect((a.value() as Struct).get('a"}{')).toBe('x,"payload":1');
    expect(schemaEquals(a.schema(), b.schema())).toBe(true);
    expect(valuesEqual(a.value(), b.value())).toBe(true);
    expect(splitEnvelope(compact)).toEqual({ schemaText: compact.slice(10, compact.indexOf(',"payload":{"a')), payloadText: '{"a\\"}{":"x,\\"payload\\":1"}' });
    expect(splitEnvelope('{"schema":null,"payload":5}')).toEqual({ schemaText: 'null', payloadText: '5' });
    expect(c.toConnectData('t', Buffer.from('{"schema":null,"payload":5}')).value()).toBe(5);
    // an extra field after the payload makes the payload text unparseable: the general path reports the envelope error
    expect(() => c.toConnectData('t', Buffer.from('{"schema":null,"payload":5,"extra":1}'))).toThrow('JsonConverter with schemas.enable requires "schema" and "payload" fields');
  });

  test('schemas are cached both ways (schemas.cache.size)', () => {
    const c = conv({ 'schemas.cache.size': 2 });
    const a = c.toConnectData('t', Buffer.from(GOLDEN.booleanTrue)).schema();
    expect(c.toConnectData('t', Buffer.from(GOLDEN.booleanTrue)).schema()).toBe(a);
    c.toConnectData('t', Buffer.from(GOLDEN.int8));
    c.toConnectData('t', Buffer.from(GOLDEN.int16));
    expect(c.toConnectData('t', Buffer.from(GOLDEN.booleanTrue)).schema()).not.toBe(a);
  });
});
