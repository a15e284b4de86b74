/**
 * The cases of Kafka's `CastTest` (connect/transforms/src/test/.../CastTest.java),
 * schemaful and schemaless, written for this implementation.
 */
import {
  BigDecimal,
  ConfigException,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  NAGARE_CONNECT_VERSION,
  Schema,
  SchemaBuilder,
  SchemaType,
  SourceRecord,
  Struct,
  Values,
} from '@nagare/connect-api';
import { CastKey, CastValue } from './cast';

const MILLIS_PER_HOUR = 3_600_000;
const MILLIS_PER_DAY = 86_400_000;

const valueRecord = (schema: Schema | null, value: unknown) => new SourceRecord(null, null, 'topic', 0, null, null, schema, value);
const castValue = (spec: string, extra: Record<string, unknown> = {}) => {
  const t = new CastValue<SourceRecord>();
  t.configure({ spec, ...extra });
  return t;
};
const castKey = (spec: string) => {
  const t = new CastKey<SourceRecord>();
  t.configure({ spec });
  return t;
};

describe('Cast config', () => {
  it('refuses an empty spec', () => {
    expect(() => castKey('')).toThrow(ConfigException);
  });
  it('refuses an unknown schema type', () => {
    expect(() => castKey('foo:faketype')).toThrow(ConfigException);
    expect(() => castKey('foo:faketype')).toThrow('Invalid type found in casting spec: faketype');
  });
  it('refuses array as a target, for a field and for the whole value', () => {
    expect(() => castKey('foo:array')).toThrow(ConfigException);
    expect(() => castKey('array')).toThrow(ConfigException);
  });
  it('refuses bytes as a target', () => {
    expect(() => castKey('foo:bytes')).toThrow(ConfigException);
  });
  it('refuses a mapping with more than one colon', () => {
    expect(() => castKey('foo:int8:extra')).toThrow(ConfigException);
  });
  it('refuses mixing a whole-value cast with field casts', () => {
    expect(() => castKey('foo:int8,int32')).toThrow(ConfigException);
  });
  it('reports a version', () => {
    expect(new CastKey().version()).toBe(NAGARE_CONNECT_VERSION);
    expect(new CastKey().version()).toBe(new CastValue().version());
  });
});

describe('Cast null values', () => {
  it('passes a record with a null value (schema) unchanged', () => {
    const original = new SourceRecord(null, null, 'topic', 0, Schema.STRING_SCHEMA, 'key', Schema.STRING_SCHEMA, null);
    expect(castValue('foo:int64').apply(original)).toBe(original);
  });
  it('passes a record with a null value (schemaless) unchanged', () => {
    const original = new SourceRecord(null, null, 'topic', 0, Schema.STRING_SCHEMA, 'key', null, null);
    expect(castValue('foo:int64').apply(original)).toBe(original);
  });
  it('passes a record with a null key (schema) unchanged', () => {
    const original = new SourceRecord(null, null, 'topic', 0, Schema.STRING_SCHEMA, null, Schema.STRING_SCHEMA, 'value');
    expect(castKey('foo:int64').apply(original)).toBe(original);
  });
  it('passes a record with a null key (schemaless) unchanged', () => {
    const original = new SourceRecord(null, null, 'topic', 0, null, null, Schema.STRING_SCHEMA, 'value');
    expect(castKey('foo:int64').apply(original)).toBe(original);
  });
  it.each([
    [false, null],
    [true, '10'],
  ])('a null field with a default, replace.null.with.default=%s -> %s', (replace, expected) => {
    const structSchema = SchemaBuilder.struct().field('magic', SchemaBuilder.int32().optional().defaultValue(10).build()).build();
    const t = castValue('magic:string', { 'replace.null.with.default': replace });
    const out = t.apply(new SourceRecord(null, null, 'topic', 0, Schema.STRING_SCHEMA, 'key', structSchema, new Struct(structSchema).put('magic', null)));
    expect(out.valueSchema()!.field('magic')!.schema().type()).toBe(SchemaType.STRING);
    expect((out.value() as Struct).getWithoutDefault('magic')).toBe(expected);
  });
});

describe('Cast whole record with schema', () => {
  it('casts a whole key', () => {
    const out = castKey('int8').apply(new SourceRecord(null, null, 'topic', 0, Schema.INT32_SCHEMA, 42, Schema.STRING_SCHEMA, 'bogus'));
    expect(out.keySchema()!.type()).toBe(SchemaType.INT8);
    expect(out.key()).toBe(42);
  });
  it.each([
    ['int8', SchemaType.INT8, 42, 42],
    ['int16', SchemaType.INT16, 42, 42],
    ['int32', SchemaType.INT32, 42, 42],
    ['int64', SchemaType.INT64, 42, 42],
    ['float32', SchemaType.FLOAT32, 42, 42],
    ['float64', SchemaType.FLOAT64, 42, 42],
    ['boolean', SchemaType.BOOLEAN, 42, true],
    ['boolean', SchemaType.BOOLEAN, 0, false],
    ['string', SchemaType.STRING, 42, '42'],
  ])('INT32 %s -> %s', (spec, type, input, expected) => {
    const out = castValue(spec).apply(valueRecord(Schema.INT32_SCHEMA, input));
    expect(out.valueSchema()!.type()).toBe(type);
    expect(out.value()).toBe(expected);
  });
  it('casts a Decimal to string', () => {
    const d = new BigDecimal(42n, 0);
    const out = castValue('string').apply(valueRecord(Decimal.schema(d.scale), d));
    expect(out.valueSchema()!.type()).toBe(SchemaType.STRING);
    expect(out.value()).toBe('42');
  });
  it('casts a Timestamp to string with Values.dateFormatFor', () => {
    const ts = new Date(MILLIS_PER_DAY + 1);
    const out = castValue('string').apply(valueRecord(ConnectTimestamp.SCHEMA, ts));
    expect(out.valueSchema()!.type()).toBe(SchemaType.STRING);
    expect(out.value()).toBe(Values.dateFormatFor(ts));
    expect(out.value()).toBe('1970-01-02T00:00:00.001Z');
  });
  it('converts the schema default too', () => {
    const out = castValue('int32').apply(valueRecord(SchemaBuilder.float32().defaultValue(-42.125).build(), 42.125));
    expect(out.valueSchema()!.type()).toBe(SchemaType.INT32);
    expect(out.value()).toBe(42);
    expect(out.valueSchema()!.defaultValue()).toBe(-42);
  });
});

describe('Cast whole record schemaless', () => {
  it('casts a whole key', () => {
    const out = castKey('int8').apply(new SourceRecord(null, null, 'topic', 0, null, 42, Schema.STRING_SCHEMA, 'bogus'));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toBe(42);
  });
  it.each([
    ['int8', 42, 42],
    ['int16', 42, 42],
    ['int32', 42, 42],
    ['int64', 42, 42],
    ['float32', 42, 42],
    ['float64', 42, 42],
    ['boolean', 42, true],
    ['boolean', 0, false],
    ['string', 42, '42'],
  ])('%s of %s', (spec, input, expected) => {
    const out = castValue(spec).apply(valueRecord(null, input));
    expect(out.valueSchema()).toBeNull();
    expect(out.value()).toBe(expected);
  });
  it('refuses a value of an unsupported type', () => {
    expect(() => castValue('int8').apply(valueRecord(null, ['foo']))).toThrow(DataException);
  });
  it('narrows like Java (int8 of 300 wraps, float to int truncates)', () => {
    expect(castValue('int8').apply(valueRecord(null, 300)).value()).toBe(44);
    expect(castValue('int32').apply(valueRecord(null, -42.9)).value()).toBe(-42);
    expect(castValue('float32').apply(valueRecord(null, 0.1)).value()).toBe(Math.fround(0.1));
  });
  it('parses strings to numbers and refuses out-of-range ones', () => {
    expect(castValue('int16').apply(valueRecord(null, '-123')).value()).toBe(-123);
    expect(() => castValue('int8').apply(valueRecord(null, '128'))).toThrow('Value (128) was out of range for requested data type');
  });
});

describe('Cast logical types', () => {
  it('casts logical types to their primitives', () => {
    const t = castValue(['date_to_int32:int32', 'timestamp_to_int64:int64', 'time_to_int64:int64', 'decimal_to_int32:int32', 'timestamp_to_float64:float64', 'null_timestamp_to_int32:int32'].join(','));
    const schema = SchemaBuilder.struct()
      .field('date_to_int32', ConnectDate.SCHEMA)
      .field('timestamp_to_int64', ConnectTimestamp.SCHEMA)
      .field('time_to_int64', ConnectTime.SCHEMA)
      .field('decimal_to_int32', Decimal.schema(0))
      .field('timestamp_to_float64', ConnectTimestamp.SCHEMA)
      .field('null_timestamp_to_int32', ConnectTimestamp.builder().optional().build())
      .build();
    // Kafka's test uses new Date(Long.MAX_VALUE); a JS Date holds at most 8.64e15 ms, so the largest Date stands in.
    const value = new Struct(schema)
      .put('date_to_int32', new Date(MILLIS_PER_DAY))
      .put('timestamp_to_int64', new Date(0))
      .put('time_to_int64', new Date(1))
      .put('decimal_to_int32', new BigDecimal(2147483648n, 0))
      .put('timestamp_to_float64', new Date(8.64e15))
      .put('null_timestamp_to_int32', null);
    const out = t.apply(valueRecord(schema, value)).value() as Struct;
    expect(out.get('date_to_int32')).toBe(1);
    expect(out.get('timestamp_to_int64')).toBe(0);
    expect(out.get('time_to_int64')).toBe(1);
    expect(out.get('decimal_to_int32')).toBe(-2147483648);
    expect(out.get('timestamp_to_float64')).toBe(8.64e15);
    expect(out.get('null_timestamp_to_int32')).toBeNull();
    const s = out.schema();
    expect(['date_to_int32', 'timestamp_to_int64', 'time_to_int64', 'decimal_to_int32', 'timestamp_to_float64', 'null_timestamp_to_int32'].map((f) => s.field(f)!.schema().type())).toEqual([
      SchemaType.INT32,
      SchemaType.INT64,
      SchemaType.INT64,
      SchemaType.INT32,
      SchemaType.FLOAT64,
      SchemaType.INT32,
    ]);
  });

  it('casts logical types to strings', () => {
    const date = new Date(MILLIS_PER_DAY);
    const time = new Date(MILLIS_PER_HOUR);
    const timestamp = new Date(1_700_000_000_123);
    const schema = SchemaBuilder.struct().field('date', ConnectDate.SCHEMA).field('decimal', Decimal.schema(0)).field('time', ConnectTime.SCHEMA).field('timestamp', ConnectTimestamp.SCHEMA).build();
    const value = new Struct(schema).put('date', date).put('decimal', new BigDecimal(1982n, 0)).put('time', time).put('timestamp', timestamp);
    const out = castValue('date:string,decimal:string,time:string,timestamp:string').apply(valueRecord(schema, value)).value() as Struct;
    expect(out.get('date')).toBe('1970-01-02');
    expect(out.get('decimal')).toBe('1982');
    expect(out.get('time')).toBe('01:00:00.000Z');
    expect(out.get('timestamp')).toBe('2023-11-14T22:13:20.123Z');
    for (const f of ['date', 'decimal', 'time', 'timestamp']) expect(out.schema().field(f)!.schema().type()).toBe(SchemaType.STRING);
  });
});

describe('Cast fields', () => {
  it('casts struct fields, keeping optionality and converting defaults', () => {
    const day = new Date(MILLIS_PER_DAY);
    const bytes = Uint8Array.from([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]);
    const t = castValue('int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string,byteArray:string');
    const schema = SchemaBuilder.struct()
      .field('int8', Schema.INT8_SCHEMA)
      .field('int16', Schema.OPTIONAL_INT16_SCHEMA)
      .field('int32', SchemaBuilder.int32().defaultValue(2).build())
      .field('int64', Schema.INT64_SCHEMA)
      .field('float32', Schema.FLOAT32_SCHEMA)
      .field('float64', SchemaBuilder.float64().defaultValue(-1.125).build())
      .field('boolean', Schema.BOOLEAN_SCHEMA)
      .field('string', Schema.STRING_SCHEMA)
      .field('bigdecimal', Decimal.schema(0))
      .field('date', ConnectDate.SCHEMA)
      .field('optional', Schema.OPTIONAL_FLOAT32_SCHEMA)
      .field('timestamp', ConnectTimestamp.SCHEMA)
      .field('bytes', Schema.BYTES_SCHEMA)
      .field('byteArray', Schema.BYTES_SCHEMA)
      .build();
    const value = new Struct(schema)
      .put('int8', 8)
      .put('int16', 16)
      .put('int32', 32)
      .put('int64', 64)
      .put('float32', 32)
      .put('float64', -64)
      .put('boolean', true)
      .put('bigdecimal', new BigDecimal(42n, 0))
      .put('date', day)
      .put('string', '42')
      .put('timestamp', new Date(0))
      .put('bytes', Buffer.from(bytes))
      .put('byteArray', bytes);
    const out = t.apply(valueRecord(schema, value)).value() as Struct;
    const s = out.schema();
    expect(out.get('int8')).toBe(8);
    expect(s.field('int16')!.schema().isOptional()).toBe(true);
    expect(out.get('int16')).toBe(16);
    expect(out.get('int32')).toBe(32);
    expect(s.field('int32')!.schema().defaultValue()).toBe(2);
    expect(out.get('int64')).toBe(true);
    expect(out.get('float32')).toBe(32);
    expect(out.get('float64')).toBe(true);
    expect(s.field('float64')!.schema().defaultValue()).toBe(true);
    expect(out.get('boolean')).toBe(1);
    expect(out.get('string')).toBe(42);
    expect(out.get('bigdecimal')).toBe('42');
    expect(out.get('date')).toBe(Values.dateFormatFor(day));
    expect(out.get('timestamp')).toEqual(new Date(0));
    expect(out.get('bytes')).toBe('/ty6mHZUMhA=');
    expect(out.get('byteArray')).toBe('/ty6mHZUMhA=');
    expect(out.get('optional')).toBeNull();
    const types = Object.fromEntries(s.fields().map((f) => [f.name(), f.schema().type()]));
    expect(types).toEqual({
      int8: SchemaType.INT16,
      int16: SchemaType.INT32,
      int32: SchemaType.INT64,
      int64: SchemaType.BOOLEAN,
      float32: SchemaType.FLOAT64,
      float64: SchemaType.BOOLEAN,
      boolean: SchemaType.INT8,
      string: SchemaType.INT32,
      bigdecimal: SchemaType.STRING,
      date: SchemaType.STRING,
      optional: SchemaType.INT32,
      timestamp: SchemaType.INT64, // unchanged: still Timestamp
      bytes: SchemaType.STRING,
      byteArray: SchemaType.STRING,
    });
    expect(s.field('timestamp')!.schema().name()).toBe(ConnectTimestamp.LOGICAL_NAME);
    expect(s.field('optional')!.schema().isOptional()).toBe(true);
  });

  it('casts map fields schemaless', () => {
    const t = castValue('int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32');
    const out = t.apply(valueRecord(null, { int8: 8, int16: 16, int32: 32, int64: 64, float32: 32, float64: -64, boolean: true, string: '42' }));
    expect(out.valueSchema()).toBeNull();
    expect(out.value()).toEqual({ int8: 8, int16: 16, int32: 32, int64: true, float32: 32, float64: true, boolean: 1, string: 42 });
  });

  it('refuses a non-map value without a schema and a non-struct value with one', () => {
    expect(() => castValue('a:int8').apply(valueRecord(null, 'str'))).toThrow('Only Map objects supported in absence of schema for [cast types], found: java.lang.String');
    expect(() => castValue('a:int8').apply(valueRecord(Schema.STRING_SCHEMA, 'str'))).toThrow(DataException);
  });
});
