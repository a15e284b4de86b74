/**
 * The cases of Kafka's `MaskFieldTest`. Java's BigInteger has no JS
 * counterpart distinct from INT64 (`bigint`), so its cases use int64 bigints.
 */
import { BigDecimal, ConfigException, ConnectDate, ConnectTime, ConnectTimestamp, DataException, Decimal, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SinkRecord, Struct } from '@nagare/connect-api';
import { MaskFieldKey, MaskFieldValue } from './mask-field';

const SCHEMA = SchemaBuilder.struct()
  .field('magic', Schema.INT32_SCHEMA)
  .field('bool', Schema.BOOLEAN_SCHEMA)
  .field('byte', Schema.INT8_SCHEMA)
  .field('short', Schema.INT16_SCHEMA)
  .field('int', Schema.INT32_SCHEMA)
  .field('long', Schema.INT64_SCHEMA)
  .field('float', Schema.FLOAT32_SCHEMA)
  .field('double', Schema.FLOAT64_SCHEMA)
  .field('string', Schema.STRING_SCHEMA)
  .field('date', ConnectDate.SCHEMA)
  .field('time', ConnectTime.SCHEMA)
  .field('timestamp', ConnectTimestamp.SCHEMA)
  .field('decimal', Decimal.schema(0))
  .field('array', SchemaBuilder.array(Schema.INT32_SCHEMA))
  .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA))
  .field('withDefault', SchemaBuilder.string().optional().defaultValue('default').build())
  .build();

const values = (): Record<string, unknown> => ({
  magic: 42,
  bool: true,
  byte: 42,
  short: 42,
  int: 42,
  long: 42n,
  float: 42.5,
  double: 42.25,
  string: '55.121.20.20',
  date: new Date(),
  bigint: 42n,
  bigdec: BigDecimal.fromString('42.0'),
  list: [42],
  map: { key: 'value' },
});

const valuesWithSchema = () =>
  new Struct(SCHEMA)
    .put('magic', 42)
    .put('bool', true)
    .put('byte', 42)
    .put('short', 42)
    .put('int', 42)
    .put('long', 42)
    .put('float', 42)
    .put('double', 42)
    .put('string', 'hmm')
    .put('date', new Date(86_400_000 * 19000))
    .put('time', new Date(1000))
    .put('timestamp', new Date())
    .put('decimal', new BigDecimal(42n, 0))
    .put('array', [1, 2, 3])
    .put('map', { what: 'what' })
    .put('withDefault', null);

const transform = (fields: string[], replacement: string | null) => {
  const t = new MaskFieldValue<SinkRecord>();
  t.configure({ fields, replacement, 'replace.null.with.default': false });
  return t;
};
const record = (schema: Schema | null, value: unknown) => new SinkRecord('', 0, null, null, schema, value, 0);

const schemaless = (fields: string[], replacement: string | null) => transform(fields, replacement).apply(record(null, values())).value() as Record<string, unknown>;
const withSchema = (fields: string[], replacement: string | null) => transform(fields, replacement).apply(record(SCHEMA, valuesWithSchema())).value() as Struct;

describe('MaskField', () => {
  it('masks schemaless fields with the empty value of their type', () => {
    const fields = Object.keys(values()).filter((f) => f !== 'magic');
    const v = schemaless(fields, null);
    expect(v.magic).toBe(42);
    expect(v.bool).toBe(false);
    expect(v.byte).toBe(0);
    expect(v.short).toBe(0);
    expect(v.int).toBe(0);
    expect(v.long).toBe(0n);
    expect(v.float).toBe(0);
    expect(v.double).toBe(0);
    expect(v.string).toBe('');
    expect(v.date).toEqual(new Date(0));
    expect(v.bigint).toBe(0n);
    expect((v.bigdec as BigDecimal).equals(new BigDecimal(0n, 0))).toBe(true);
    expect(v.list).toEqual([]);
    expect(v.map).toEqual({});
  });

  it('masks struct fields with the empty value of their schema type', () => {
    const fields = SCHEMA.fields().map((f) => f.name()).filter((f) => f !== 'magic');
    const v = withSchema(fields, null);
    expect(v.get('magic')).toBe(42);
    expect(v.get('bool')).toBe(false);
    for (const f of ['byte', 'short', 'int', 'long', 'float', 'double']) expect(v.get(f)).toBe(0);
    expect(v.get('string')).toBe('');
    expect(v.get('date')).toEqual(new Date(0));
    expect(v.get('time')).toEqual(new Date(0));
    expect(v.get('timestamp')).toEqual(new Date(0));
    expect((v.get('decimal') as BigDecimal).equals(new BigDecimal(0n, 0))).toBe(true);
    expect(v.get('array')).toEqual([]);
    expect(v.get('map')).toEqual({});
    expect(v.getWithoutDefault('withDefault')).toBeNull();
  });

  it.each<[string, string, unknown]>([
    ['short', '123', 123],
    ['byte', '123', 123],
    ['int', '123', 123],
    ['long', '123', 123],
    ['float', '123.0', 123],
    ['double', '123.0', 123],
    ['string', '123', '123'],
    ['bigint', '123', 123],
  ])('masks schemaless %s with the replacement %s', (field, replacement, expected) => {
    expect(schemaless([field], replacement)[field]).toBe(expected);
  });
  it('masks a schemaless decimal with a decimal replacement', () => {
    expect((schemaless(['bigdec'], '123.0').bigdec as BigDecimal).equals(BigDecimal.fromString('123.0'))).toBe(true);
  });

  it.each([
    ['date', [], String(new Date())],
    ['int,date', [], String(new Date())],
    ['bool', [], 'false'],
    ['list', [], '[123]'],
    ['map', [], '{123=321}'],
  ])('refuses a custom replacement for schemaless %s', (fields, _x, replacement) => {
    expect(() => schemaless(fields.split(','), replacement)).toThrow(DataException);
    expect(() => schemaless(fields.split(','), replacement)).toThrow(/Cannot mask value of type|Unable to convert/);
  });

  it.each<[string, string, unknown]>([
    ['short', '123', 123],
    ['byte', '123', 123],
    ['int', '123', 123],
    ['long', '123', 123],
    ['float', '123.0', 123],
    ['double', '123.0', 123],
    ['string', '123', '123'],
  ])('masks struct field %s with the replacement %s', (field, replacement, expected) => {
    expect(withSchema([field], replacement).get(field)).toBe(expected);
  });
  it('masks a struct decimal with a replacement at the schema scale', () => {
    // Kafka keeps the replacement's own scale (123.0) even for a scale-0 schema, which its converters then
    // refuse ("BigDecimal has mismatching scale value"); nagare rescales to the schema's scale instead.
    expect((withSchema(['decimal'], '123.0').get('decimal') as BigDecimal).equals(new BigDecimal(123n, 0))).toBe(true);
  });

  it.each(['time', 'timestamp', 'array'])('refuses a custom replacement for struct field %s', (field) => {
    expect(() => withSchema([field], '123')).toThrow('Cannot mask value of type');
  });

  it.each(['byte', 'short', 'int', 'long', 'float', 'double', 'bigint', 'bigdec'])('refuses a replacement that does not convert to %s', (field) => {
    expect(() => schemaless([field], 'foo')).toThrow(DataException);
    expect(() => schemaless([field], 'foo')).toThrow(field === 'bigdec' ? /Unable to convert foo/ : 'Unable to convert foo (class java.lang.String) to number');
  });
  it('refuses non-numeric replacements for numbers (a date, an object, mixed fields)', () => {
    expect(() => schemaless(['int'], String(new Date()))).toThrow(DataException);
    expect(() => schemaless(['int'], '[object Object]')).toThrow(DataException);
    expect(() => schemaless(['string', 'int'], 'foo')).toThrow(DataException);
  });

  it('refuses an empty replacement', () => {
    expect(() => transform(['short'], '')).toThrow(ConfigException);
    expect(() => transform(['short'], '')).toThrow('Invalid value  for configuration replacement: String must be non-empty');
  });

  it('gives mutable empty lists and maps', () => {
    const v = withSchema(['array', 'map'], null);
    const list = v.get('array') as number[];
    list.push(0);
    expect(list).toEqual([0]);
    const map = v.get('map') as Record<string, string>;
    map.k = 'v';
    expect(map).toEqual({ k: 'v' });
  });

  it('masks keys with $Key and keeps null fields null', () => {
    const t = new MaskFieldKey<SinkRecord>();
    t.configure({ fields: 'a,b' });
    expect(t.apply(new SinkRecord('t', 0, null, { a: 'secret', c: 1 }, null, null, 0)).key()).toEqual({ a: '', b: null, c: 1 });
  });

  it('reports a version', () => {
    expect(new MaskFieldValue().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});
