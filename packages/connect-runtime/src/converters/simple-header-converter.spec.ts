/** The cases of Kafka's `SimpleHeaderConverterTest`, plus dates, times and timestamps in headers. */
import { ConnectDate, ConnectTime, ConnectTimestamp, Schemas as Schema, SchemaBuilder, SchemaType, schemaEquals, valuesEqual, type Schema as S, type SchemaAndValue } from '@nagare/connect-api';
import { SimpleHeaderConverter } from './simple-converters';

const converter = new SimpleHeaderConverter();
const roundTrip = (schema: S | null, input: unknown): SchemaAndValue => converter.toConnectHeader('topic', 'header', converter.fromConnectHeader('topic', 'header', schema, input));

function assertRoundTrip(schema: S, value: unknown): void {
  const serialized = converter.fromConnectHeader('topic', 'header', schema, value);
  const result = converter.toConnectHeader('topic', 'header', serialized);
  if (value === null) {
    expect(serialized).toBeNull();
    expect([result.schema(), result.value()]).toEqual([null, null]);
    return;
  }
  expect(serialized).not.toBeNull();
  expect(valuesEqual(result.value(), value)).toBe(true);
  expect(schemaEquals(result.schema(), schema)).toBe(true);
  const result2 = converter.toConnectHeader('topic', 'header', converter.fromConnectHeader('topic', 'header', result.schema(), result.value()));
  expect(schemaEquals(result2.schema(), schema)).toBe(true);
  expect(valuesEqual(result2.value(), value)).toBe(true);
}

const STRING_MAP = new Map([['foo', '123'], ['bar', 'baz']]);
const STRING_SHORT_MAP = new Map([['foo', 12345], ['bar', 0], ['baz', -4321]]);
const STRING_INT_MAP = new Map([['foo', 1234567890], ['bar', 0], ['baz', -987654321]]);

describe('SimpleHeaderConverter', () => {
  it('round-trips null, strings and strings with delimiters', () => {
    assertRoundTrip(Schema.STRING_SCHEMA, null);
    assertRoundTrip(Schema.OPTIONAL_STRING_SCHEMA, null);
    assertRoundTrip(Schema.STRING_SCHEMA, 'simple');
    assertRoundTrip(Schema.STRING_SCHEMA, '');
    assertRoundTrip(Schema.STRING_SCHEMA, 'three"blind\\"mice');
    assertRoundTrip(Schema.STRING_SCHEMA, "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':");
  });
  it('round-trips maps and lists with their schemas', () => {
    assertRoundTrip(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build(), STRING_MAP);
    assertRoundTrip(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT16_SCHEMA).build(), STRING_SHORT_MAP);
    assertRoundTrip(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), STRING_INT_MAP);
    assertRoundTrip(SchemaBuilder.array(Schema.STRING_SCHEMA).build(), ['foo', 'bar']);
    assertRoundTrip(SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1234567890, -987654321]);
  });
  it.each<[string, S, Map<string, unknown>]>([
    ['{"foo":"123","bar":"baz"}', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build(), STRING_MAP],
    ['{ "foo" : "123", \n"bar" : "baz" } ', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build(), STRING_MAP],
    ['{"foo":12345,"bar":0,"baz":-4321}', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT16_SCHEMA).build(), STRING_SHORT_MAP],
    [' { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  ', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT16_SCHEMA).build(), STRING_SHORT_MAP],
    ['{"foo":1234567890,"bar":0,"baz":-987654321}', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), STRING_INT_MAP],
    [' { "foo" :  1234567890 , "bar" : 0,  "baz" : -987654321 }  ', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), STRING_INT_MAP],
  ])('reads the string %j back as a map', (text, schema, map) => {
    const r = roundTrip(Schema.STRING_SCHEMA, text);
    expect(schemaEquals(r.schema(), schema)).toBe(true);
    expect(r.value()).toEqual(map);
  });
  it('gives mixed values a schema without a value/element schema, and empty containers none', () => {
    const m = roundTrip(null, new Map<string, unknown>([['foo', 'bar'], ['baz', 3456]]));
    expect(m.schema()!.type()).toBe(SchemaType.MAP);
    expect(m.schema()!.keySchema()!.type()).toBe(SchemaType.STRING);
    expect(m.schema()!.valueSchema()).toBeNull();
    expect(m.value()).toEqual(new Map<string, unknown>([['foo', 'bar'], ['baz', 3456]]));
    const l = roundTrip(null, ['foo', 13344]);
    expect(l.schema()!.valueSchema()).toBeNull();
    expect(l.value()).toEqual(['foo', 13344]);
    const em = roundTrip(null, new Map());
    expect([em.schema()!.type(), em.schema()!.keySchema(), em.schema()!.valueSchema()]).toEqual([SchemaType.MAP, null, null]);
    const el = roundTrip(null, []);
    expect([el.schema()!.type(), el.schema()!.valueSchema()]).toEqual([SchemaType.ARRAY, null]);
  });
  it('writes and reads dates, times and timestamps in ISO-8601 (UTC)', () => {
    const ts = new Date(Date.UTC(2019, 7, 23, 14, 34, 54, 346));
    expect(converter.fromConnectHeader('t', 'h', ConnectTimestamp.SCHEMA, ts)!.toString()).toBe('2019-08-23T14:34:54.346Z');
    assertRoundTrip(ConnectTimestamp.SCHEMA, ts);
    assertRoundTrip(ConnectDate.SCHEMA, new Date(Date.UTC(2019, 7, 23)));
    assertRoundTrip(ConnectTime.SCHEMA, new Date(Date.UTC(1970, 0, 1, 14, 34, 54, 346)));
    const arr = roundTrip(null, [ts, new Date(Date.UTC(2020, 0, 1, 0, 0, 0, 1))]);
    expect(arr.schema()!.valueSchema()!.name()).toBe(ConnectTimestamp.LOGICAL_NAME);
  });
  it('reads "null" as a null header and numbers with their narrowest schema', () => {
    const n = converter.toConnectHeader('t', 'h', Buffer.from('null'));
    expect([n.schema(), n.value()]).toEqual([null, null]);
    expect(converter.toConnectHeader('t', 'h', Buffer.from('42')).schema()).toBe(Schema.INT8_SCHEMA);
    expect(converter.fromConnectHeader('t', 'h', Schema.FLOAT32_SCHEMA, 1)!.toString()).toBe('1.0');
  });
});
