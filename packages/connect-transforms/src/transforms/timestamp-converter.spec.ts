/** The cases of Kafka's `TimestampConverterTest`. */
import { ConfigException, ConnectDate, ConnectTime, ConnectTimestamp, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SourceRecord, Struct } from '@nagare/connect-api';
import { expectSchema } from '../__fixtures__/records';
import { TimestampConverterKey, TimestampConverterValue } from './timestamp-converter';

const EPOCH = new Date(0);
const TIME = new Date(1234);
const DATE = new Date(86_400_000);
const DATE_PLUS_TIME = new Date(86_400_000 + 1234);
const DATE_PLUS_TIME_UNIX = DATE_PLUS_TIME.getTime();
const DATE_PLUS_TIME_UNIX_MICROS = DATE_PLUS_TIME_UNIX * 1000 + 123;
const DATE_PLUS_TIME_UNIX_NANOS = BigInt(DATE_PLUS_TIME_UNIX_MICROS) * 1000n + 456n;
const DATE_PLUS_TIME_UNIX_SECONDS = Math.floor(DATE_PLUS_TIME_UNIX / 1000);
const STRING_DATE_FMT = 'yyyy MM dd HH mm ss SSS z';
const DATE_PLUS_TIME_STRING = '1970 01 02 00 00 01 234 UTC';

const OPTIONAL_TIMESTAMP = ConnectTimestamp.builder().optional().build();
const OPTIONAL_DATE = ConnectDate.builder().optional().build();
const OPTIONAL_TIME = ConnectTime.builder().optional().build();

const xformValue = (config: Record<string, unknown>) => {
  const t = new TimestampConverterValue<SourceRecord>();
  t.configure(config);
  return t;
};
const withSchema = (schema: Schema | null, value: unknown) => new SourceRecord(null, null, 'topic', 0, null, null, schema, value);
const schemaless = (value: unknown) => withSchema(null, value);

describe('TimestampConverter config', () => {
  it('requires target.type', () => expect(() => xformValue({})).toThrow(ConfigException));
  it('refuses an unknown target.type', () => expect(() => xformValue({ 'target.type': 'invalid' })).toThrow(ConfigException));
  it('refuses an unknown unix.precision, accepts seconds', () => {
    expect(() => xformValue({ 'target.type': 'unix', 'unix.precision': 'invalid' })).toThrow(ConfigException);
    expect(() => xformValue({ 'target.type': 'unix', 'unix.precision': 'seconds' })).not.toThrow();
  });
  it('requires format for string targets', () => expect(() => xformValue({ 'target.type': 'string' })).toThrow(ConfigException));
  it('refuses an invalid format', () => expect(() => xformValue({ 'target.type': 'string', format: 'bad-format' })).toThrow(ConfigException));
  it('reports a version', () => {
    expect(new TimestampConverterKey().version()).toBe(NAGARE_CONNECT_VERSION);
    expect(new TimestampConverterValue().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});

describe('TimestampConverter schemaless', () => {
  it.each<[string, Record<string, unknown>, unknown, unknown]>([
    ['identity', { 'target.type': 'Timestamp' }, DATE_PLUS_TIME, DATE_PLUS_TIME],
    ['Timestamp -> Date', { 'target.type': 'Date' }, DATE_PLUS_TIME, DATE],
    ['Timestamp -> Time', { 'target.type': 'Time' }, DATE_PLUS_TIME, TIME],
    ['Timestamp -> unix', { 'target.type': 'unix' }, DATE_PLUS_TIME, DATE_PLUS_TIME_UNIX],
    ['Timestamp -> string', { 'target.type': 'string', format: STRING_DATE_FMT }, DATE_PLUS_TIME, DATE_PLUS_TIME_STRING],
    ['Date -> Timestamp', { 'target.type': 'Timestamp' }, DATE, DATE],
    ['Time -> Timestamp', { 'target.type': 'Timestamp' }, TIME, TIME],
    ['unix -> Timestamp', { 'target.type': 'Timestamp' }, DATE_PLUS_TIME_UNIX, DATE_PLUS_TIME],
    ['string -> Timestamp', { 'target.type': 'Timestamp', format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, DATE_PLUS_TIME],
    ['string -> unix micros', { 'target.type': 'unix', 'unix.precision': 'microseconds', format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, 86401234000],
    ['string -> unix nanos', { 'target.type': 'unix', 'unix.precision': 'nanoseconds', format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, 86401234000000],
    ['string -> unix seconds', { 'target.type': 'unix', 'unix.precision': 'seconds', format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, DATE_PLUS_TIME_UNIX_SECONDS],
  ])('%s', (_d, config, input, expected) => {
    const out = xformValue(config).apply(schemaless(input));
    expect(out.valueSchema()).toBeNull();
    expect(out.value()).toEqual(expected);
  });
  it.each(['string', 'Date', 'Timestamp', 'unix', 'Time'])('null value and null field -> %s stay null', (target) => {
    for (const extra of [{}, { field: 'ts' }]) {
      const out = xformValue({ 'target.type': target, format: STRING_DATE_FMT, ...extra }).apply(schemaless(null));
      expect(out.valueSchema()).toBeNull();
      expect(out.value()).toBeNull();
    }
  });
  it('converts a field of a map', () => {
    const out = xformValue({ 'target.type': 'Date', field: 'ts' }).apply(schemaless({ ts: DATE_PLUS_TIME }));
    expect(out.valueSchema()).toBeNull();
    expect(out.value()).toEqual({ ts: DATE });
  });
  it('converts the key with $Key', () => {
    const t = new TimestampConverterKey<SourceRecord>();
    t.configure({ 'target.type': 'Timestamp' });
    const out = t.apply(new SourceRecord(null, null, 'topic', 0, null, DATE_PLUS_TIME, null, null));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toEqual(DATE_PLUS_TIME);
  });
});

describe('TimestampConverter with schema', () => {
  it.each<[string, Record<string, unknown>, Schema, unknown, Schema, unknown]>([
    ['identity', { 'target.type': 'Timestamp' }, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME],
    ['Timestamp -> Date', { 'target.type': 'Date' }, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME, ConnectDate.SCHEMA, DATE],
    ['Timestamp -> Time', { 'target.type': 'Time' }, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME, ConnectTime.SCHEMA, TIME],
    ['Timestamp -> unix', { 'target.type': 'unix' }, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME, Schema.INT64_SCHEMA, DATE_PLUS_TIME_UNIX],
    ['Timestamp -> string', { 'target.type': 'string', format: STRING_DATE_FMT }, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME, Schema.STRING_SCHEMA, DATE_PLUS_TIME_STRING],
    ['Date -> Timestamp', { 'target.type': 'Timestamp' }, ConnectDate.SCHEMA, DATE, ConnectTimestamp.SCHEMA, DATE],
    ['Time -> Timestamp', { 'target.type': 'Timestamp' }, ConnectTime.SCHEMA, TIME, ConnectTimestamp.SCHEMA, TIME],
    ['unix -> Timestamp', { 'target.type': 'Timestamp' }, Schema.INT64_SCHEMA, DATE_PLUS_TIME_UNIX, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME],
    ['string -> Timestamp', { 'target.type': 'Timestamp', format: STRING_DATE_FMT }, Schema.STRING_SCHEMA, DATE_PLUS_TIME_STRING, ConnectTimestamp.SCHEMA, DATE_PLUS_TIME],
  ])('%s', (_d, config, schema, input, expectedSchema, expected) => {
    const out = xformValue(config).apply(withSchema(schema, input));
    expectSchema(out.valueSchema(), expectedSchema);
    expect(out.value()).toEqual(expected);
  });

  const nullCases: Array<[string, Schema]> = [
    ['Timestamp', OPTIONAL_TIMESTAMP],
    ['unix', Schema.OPTIONAL_INT64_SCHEMA],
    ['Time', OPTIONAL_TIME],
    ['Date', OPTIONAL_DATE],
    ['string', Schema.OPTIONAL_STRING_SCHEMA],
  ];
  const originals = [Schema.OPTIONAL_INT64_SCHEMA, OPTIONAL_TIME, OPTIONAL_DATE, Schema.OPTIONAL_STRING_SCHEMA, OPTIONAL_TIMESTAMP];
  it.each(nullCases)('null values -> %s keep an optional schema', (target, expectedSchema) => {
    for (const original of originals) {
      const out = xformValue({ 'target.type': target, format: STRING_DATE_FMT }).apply(withSchema(original, null));
      expectSchema(out.valueSchema(), expectedSchema);
      expect(out.value()).toBeNull();
    }
  });
  it.each(nullCases)('null fields -> %s keep an optional field schema; a null optional struct passes', (target, expectedSchema) => {
    for (const original of originals) {
      const t = xformValue({ 'target.type': target, format: STRING_DATE_FMT, field: 'ts' });
      const structSchema = SchemaBuilder.struct().field('ts', original).field('other', Schema.STRING_SCHEMA);
      const expectedStruct = SchemaBuilder.struct().field('ts', expectedSchema).field('other', Schema.STRING_SCHEMA);
      const value = new Struct(structSchema.build()).put('ts', null).put('other', 'test');
      const out = t.apply(withSchema(structSchema.build(), value));
      expectSchema(out.valueSchema(), expectedStruct.build());
      expect((out.value() as Struct).get('ts')).toBeNull();
      const out2 = t.apply(withSchema(structSchema.optional().build(), null));
      expectSchema(out2.valueSchema(), expectedStruct.optional().build());
      expect(out2.value()).toBeNull();
    }
  });

  const tsSchema = (s: Schema) => SchemaBuilder.struct().field('ts', s).field('other', Schema.STRING_SCHEMA).build();
  it('converts a struct field', () => {
    const s = tsSchema(Schema.INT64_SCHEMA);
    const out = xformValue({ 'target.type': 'Timestamp', field: 'ts' }).apply(withSchema(s, new Struct(s).put('ts', DATE_PLUS_TIME_UNIX).put('other', 'test')));
    expectSchema(out.valueSchema(), tsSchema(ConnectTimestamp.SCHEMA));
    expect((out.value() as Struct).get('ts')).toEqual(DATE_PLUS_TIME);
    expect((out.value() as Struct).get('other')).toBe('test');
  });
  it.each([
    [false, null],
    [true, null],
  ])('a null field with a default (replace.null.with.default=false in both of Kafka\'s cases) stays null', (_replace, expected) => {
    const s = tsSchema(SchemaBuilder.int64().optional().defaultValue(0).build());
    const out = xformValue({ 'target.type': 'Timestamp', field: 'ts', 'replace.null.with.default': false }).apply(withSchema(s, new Struct(s).put('ts', null).put('other', 'test')));
    expectSchema(out.valueSchema(), tsSchema(OPTIONAL_TIMESTAMP));
    expect((out.value() as Struct).get('ts')).toBe(expected);
  });
  it('replaces a null field with its default when replace.null.with.default=true', () => {
    const s = tsSchema(SchemaBuilder.int64().optional().defaultValue(0).build());
    const out = xformValue({ 'target.type': 'Timestamp', field: 'ts' }).apply(withSchema(s, new Struct(s).put('ts', null).put('other', 'test')));
    expect((out.value() as Struct).get('ts')).toEqual(EPOCH);
  });
  it.each<[string, number | bigint, Date]>([
    ['microseconds', DATE_PLUS_TIME_UNIX_MICROS, DATE_PLUS_TIME],
    ['nanoseconds', DATE_PLUS_TIME_UNIX_NANOS, DATE_PLUS_TIME],
    ['seconds', DATE_PLUS_TIME_UNIX_SECONDS, new Date(86_400_000 + 1000)],
  ])('reads unix %s', (precision, input, expected) => {
    const s = SchemaBuilder.struct().field('ts', Schema.INT64_SCHEMA).build();
    const out = xformValue({ 'target.type': 'Timestamp', field: 'ts', 'unix.precision': precision }).apply(withSchema(s, new Struct(s).put('ts', input)));
    expectSchema(out.valueSchema(), SchemaBuilder.struct().field('ts', ConnectTimestamp.SCHEMA).build());
    expect((out.value() as Struct).get('ts')).toEqual(expected);
  });
});
