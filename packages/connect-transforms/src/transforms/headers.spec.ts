/**
 * The cases of Kafka's `DropHeadersTest`, `InsertHeaderTest` and
 * `HeaderFromTest`, for keys and values, schemaful and schemaless.
 */
import { ConfigException, ConnectHeaders, NAGARE_CONNECT_VERSION, Schema, SchemaAndValue, SchemaBuilder, SourceRecord, Struct } from '@nagare/connect-api';
import { expectSameRecord, sourceRecordWithHeaders } from '../__fixtures__/records';
import { DropHeaders, HeaderFromKey, HeaderFromValue, InsertHeader } from './headers';

const nonHeadersEqual = (a: SourceRecord, b: SourceRecord) => {
  expect([a.sourcePartition(), a.sourceOffset(), a.topic(), a.kafkaPartition(), a.keySchema(), a.key(), a.valueSchema(), a.value(), a.timestamp()]).toEqual([
    b.sourcePartition(),
    b.sourceOffset(),
    b.topic(),
    b.kafkaPartition(),
    b.keySchema(),
    b.key(),
    b.valueSchema(),
    b.value(),
    b.timestamp(),
  ]);
};

describe('DropHeaders', () => {
  const xform = (...headers: string[]) => {
    const t = new DropHeaders<SourceRecord>();
    t.configure({ headers });
    return t;
  };
  it('drops an existing header', () => {
    const expected = new ConnectHeaders().addString('existing', 'existing-value');
    const original = sourceRecordWithHeaders(expected.duplicate().addString('to-drop', 'existing-value'));
    const out = xform('to-drop').apply(original);
    nonHeadersEqual(out, original);
    expect((out.headers() as ConnectHeaders).equals(expected)).toBe(true);
  });
  it('drops every value of a header with several', () => {
    const expected = new ConnectHeaders().addString('existing', 'existing-value');
    const original = sourceRecordWithHeaders(expected.duplicate().addString('to-drop', 'existing-value').addString('to-drop', 'existing-other-value'));
    const out = xform('to-drop').apply(original);
    nonHeadersEqual(out, original);
    expect((out.headers() as ConnectHeaders).equals(expected)).toBe(true);
  });
  it('leaves records without the header alone', () => {
    const expected = new ConnectHeaders().addString('existing', 'existing-value');
    const original = sourceRecordWithHeaders(expected.duplicate());
    const out = xform('to-drop').apply(original);
    nonHeadersEqual(out, original);
    expect((out.headers() as ConnectHeaders).equals(expected)).toBe(true);
  });
  it('refuses an empty list', () => {
    expect(() => xform()).toThrow(ConfigException);
    expect(() => xform()).toThrow('Invalid value [] for configuration headers: Empty list');
  });
  it('does not change the original record', () => {
    const original = sourceRecordWithHeaders(new ConnectHeaders().addString('to-drop', 'v'));
    xform('to-drop').apply(original);
    expect(original.headers().size()).toBe(1);
  });
  it('reports a version', () => {
    expect(new DropHeaders().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});

describe('InsertHeader', () => {
  const xform = (header: string | null, literal: string | null) => {
    const t = new InsertHeader<SourceRecord>();
    t.configure({ header, 'value.literal': literal });
    return t;
  };
  it('adds beside an existing other header', () => {
    const headers = new ConnectHeaders().addString('existing', 'existing-value');
    const expected = headers.duplicate().addString('inserted', 'inserted-value');
    const original = sourceRecordWithHeaders(headers);
    const out = xform('inserted', 'inserted-value').apply(original);
    nonHeadersEqual(out, original);
    expect((out.headers() as ConnectHeaders).equals(expected)).toBe(true);
  });
  it('adds another value to an existing header of the same name', () => {
    const headers = new ConnectHeaders().addString('existing', 'preexisting-value');
    const expected = headers.duplicate().addString('existing', 'inserted-value');
    const out = xform('existing', 'inserted-value').apply(sourceRecordWithHeaders(headers));
    expect((out.headers() as ConnectHeaders).equals(expected)).toBe(true);
  });
  it('parses the literal with Values (1 is an INT8 header)', () => {
    const headers = new ConnectHeaders().addString('existing', 'existing-value');
    const expected = headers.duplicate().addByte('inserted', 1);
    const out = xform('inserted', '1').apply(sourceRecordWithHeaders(headers));
    expect((out.headers() as ConnectHeaders).equals(expected)).toBe(true);
    expect(out.headers().lastWithName('inserted')!.schema()).toBe(Schema.INT8_SCHEMA);
  });
  it('refuses a null header key or value', () => {
    expect(() => xform(null, '1')).toThrow(ConfigException);
    expect(() => xform('inserted', null)).toThrow(ConfigException);
  });
  it('reports a version', () => {
    expect(new InsertHeader().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});

/** HeaderFromTest.RecordBuilder. */
class RecordBuilder {
  readonly fields: string[] = [];
  readonly fieldSchemas: Schema[] = [];
  readonly fieldValues: unknown[] = [];
  readonly headers = new ConnectHeaders();

  withField(name: string, schema: Schema, value: unknown): this {
    this.fields.push(name);
    this.fieldSchemas.push(schema);
    this.fieldValues.push(value);
    return this;
  }
  addHeader(name: string, schema: Schema, value: unknown): this {
    this.headers.add(name, new SchemaAndValue(schema, value));
    return this;
  }
  schemaless(keyTransform: boolean): SourceRecord {
    const map: Record<string, unknown> = {};
    this.fields.forEach((f, i) => (map[f] = this.fieldValues[i]));
    return this.record(keyTransform, null, map);
  }
  withSchema(keyTransform: boolean): SourceRecord {
    const b = SchemaBuilder.struct();
    this.fields.forEach((f, i) => b.field(f, this.fieldSchemas[i]));
    const schema = b.build();
    const struct = new Struct(schema);
    this.fields.forEach((f, i) => struct.put(f, this.fieldValues[i]));
    return this.record(keyTransform, schema, struct);
  }
  private record(keyTransform: boolean, schema: Schema | null, value: unknown): SourceRecord {
    let headers = this.headers;
    if (schema === null) {
      // a schemaless transformation does not give the header a schema
      headers = new ConnectHeaders();
      for (const h of this.headers) headers.add(h.key(), new SchemaAndValue(null, h.value()));
    }
    return new SourceRecord({ foo: 'bar' }, { baz: 'quxx' }, 'topic', 0, keyTransform ? schema : null, keyTransform ? value : 'key', keyTransform ? null : schema, keyTransform ? 'value' : value, 0, headers);
  }
}

const S = Schema.STRING_SCHEMA;
const structSchema = SchemaBuilder.struct().field('foo', S).build();
const struct = new Struct(structSchema).put('foo', 'foo-value');
const optionalWithDefault = () => SchemaBuilder.string().defaultValue('default').optional().build();

type Case = [string, RecordBuilder, string[], string[], 'copy' | 'move', boolean, RecordBuilder];
const cases = (): Case[] => [
  ['basic copy', new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value'), ['field1'], ['inserted1'], 'copy', true,
    new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value').addHeader('inserted1', S, 'field1-value')],
  ['basic move', new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value'), ['field1'], ['inserted1'], 'move', true,
    new RecordBuilder().withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value').addHeader('inserted1', S, 'field1-value')],
  ['copy with preexisting header', new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('inserted1', S, 'existing-value'), ['field1'], ['inserted1'], 'copy', true,
    new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('inserted1', S, 'existing-value').addHeader('inserted1', S, 'field1-value')],
  ['move with preexisting header', new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('inserted1', S, 'existing-value'), ['field1'], ['inserted1'], 'move', true,
    new RecordBuilder().withField('field2', S, 'field2-value').addHeader('inserted1', S, 'existing-value').addHeader('inserted1', S, 'field1-value')],
  ['copy with struct value', new RecordBuilder().withField('field1', structSchema, struct).withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value'), ['field1'], ['inserted1'], 'copy', true,
    new RecordBuilder().withField('field1', structSchema, struct).withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value').addHeader('inserted1', structSchema, struct)],
  ['move with struct value', new RecordBuilder().withField('field1', structSchema, struct).withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value'), ['field1'], ['inserted1'], 'move', true,
    new RecordBuilder().withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value').addHeader('inserted1', structSchema, struct)],
  ['two headers from same field', new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value'), ['field1', 'field1'], ['inserted1', 'inserted2'], 'move', true,
    new RecordBuilder().withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value').addHeader('inserted1', S, 'field1-value').addHeader('inserted2', S, 'field1-value')],
  ['two fields to same header', new RecordBuilder().withField('field1', S, 'field1-value').withField('field2', S, 'field2-value').addHeader('header1', S, 'existing-value'), ['field1', 'field2'], ['inserted1', 'inserted1'], 'move', true,
    new RecordBuilder().addHeader('header1', S, 'existing-value').addHeader('inserted1', S, 'field1-value').addHeader('inserted1', S, 'field2-value')],
  ['copy null field without default', new RecordBuilder().withField('field1', optionalWithDefault(), 'field1-value').withField('field2', optionalWithDefault(), null).addHeader('header1', S, 'existing-value'), ['field1', 'field2'], ['inserted1', 'inserted2'], 'copy', false,
    new RecordBuilder().withField('field1', optionalWithDefault(), 'field1-value').withField('field2', optionalWithDefault(), null).addHeader('header1', S, 'existing-value').addHeader('inserted1', optionalWithDefault(), 'field1-value').addHeader('inserted2', optionalWithDefault(), null)],
  ['move null field without default', new RecordBuilder().withField('field1', optionalWithDefault(), 'field1-value').withField('field2', optionalWithDefault(), null).addHeader('header1', S, 'existing-value'), ['field1', 'field2'], ['inserted1', 'inserted2'], 'move', false,
    new RecordBuilder().addHeader('header1', S, 'existing-value').addHeader('inserted1', optionalWithDefault(), 'field1-value').addHeader('inserted2', optionalWithDefault(), null)],
];

describe.each([true, false])('HeaderFrom (key transform: %s)', (keyTransform) => {
  const xform = (fields: string[], headers: string[], operation: string, replaceNullWithDefault: boolean) => {
    const t = keyTransform ? new HeaderFromKey<SourceRecord>() : new HeaderFromValue<SourceRecord>();
    t.configure({ fields, headers, operation, 'replace.null.with.default': replaceNullWithDefault });
    return t;
  };
  it.each(cases())('%s, schemaless', (_d, original, fields, headers, op, replace, expected) => {
    expectSameRecord(xform(fields, headers, op, replace).apply(original.schemaless(keyTransform)), expected.schemaless(keyTransform));
  });
  it.each(cases())('%s, with schema', (_d, original, fields, headers, op, replace, expected) => {
    expectSameRecord(xform(fields, headers, op, replace).apply(original.withSchema(keyTransform)), expected.withSchema(keyTransform));
  });
  it('refuses more fields than headers, more headers than fields, and empty lists', () => {
    expect(() => xform(['foo', 'bar'], ['foo'], 'copy', true)).toThrow(ConfigException);
    expect(() => xform(['foo'], ['foo', 'bar'], 'copy', true)).toThrow("'fields' config must have the same number of elements as 'headers' config.");
    expect(() => xform([], [], 'copy', true)).toThrow(ConfigException);
  });
  it('refuses an unknown operation', () => {
    expect(() => xform(['a'], ['b'], 'rename', true)).toThrow('Invalid value rename for configuration operation: String must be one of: move, copy');
  });
});
