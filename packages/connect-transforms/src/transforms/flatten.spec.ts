/** The cases of Kafka's `FlattenTest`. */
import { DataException, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SchemaType, SourceRecord, Struct } from '@nagare/connect-api';
import { expectSchema, expectValue } from '../__fixtures__/records';
import { FlattenKey, FlattenValue } from './flatten';

const valueRecord = (schema: Schema | null, value: unknown, topic = 'topic') => new SourceRecord(null, null, topic, 0, null, null, schema, value);
const xformValue = (configs: Record<string, unknown> = {}) => {
  const t = new FlattenValue<SourceRecord>();
  t.configure(configs);
  return t;
};
const bytes = () => Buffer.from('bytes');

describe('Flatten', () => {
  it('requires a top-level struct or map', () => {
    expect(() => xformValue().apply(valueRecord(Schema.INT32_SCHEMA, 42))).toThrow(DataException);
    expect(() => xformValue().apply(valueRecord(null, 42))).toThrow(DataException);
  });

  it('flattens nested structs with dotted names', () => {
    const supported = SchemaBuilder.struct()
      .field('int8', Schema.INT8_SCHEMA)
      .field('int16', Schema.INT16_SCHEMA)
      .field('int32', Schema.INT32_SCHEMA)
      .field('int64', Schema.INT64_SCHEMA)
      .field('float32', Schema.FLOAT32_SCHEMA)
      .field('float64', Schema.FLOAT64_SCHEMA)
      .field('boolean', Schema.BOOLEAN_SCHEMA)
      .field('string', Schema.STRING_SCHEMA)
      .field('bytes', Schema.BYTES_SCHEMA)
      .build();
    const one = SchemaBuilder.struct().field('B', supported).build();
    const two = SchemaBuilder.struct().field('A', one).build();
    const s = new Struct(supported).put('int8', 8).put('int16', 16).put('int32', 32).put('int64', 64).put('float32', 32).put('float64', 64).put('boolean', true).put('string', 'stringy').put('bytes', bytes());
    const out = xformValue().apply(valueRecord(two, new Struct(two).put('A', new Struct(one).put('B', s))));
    expect(out.valueSchema()!.type()).toBe(SchemaType.STRUCT);
    const t = out.value() as Struct;
    expect(t.schema().fields().length).toBe(9);
    expect(t.getInt8('A.B.int8')).toBe(8);
    expect(t.getInt16('A.B.int16')).toBe(16);
    expect(t.getInt32('A.B.int32')).toBe(32);
    expect(t.getInt64('A.B.int64')).toBe(64);
    expect(t.getFloat32('A.B.float32')).toBe(32);
    expect(t.getFloat64('A.B.float64')).toBe(64);
    expect(t.getBoolean('A.B.boolean')).toBe(true);
    expect(t.getString('A.B.string')).toBe('stringy');
    expect(Buffer.from(t.getBytes('A.B.bytes')!)).toEqual(bytes());
  });

  it('flattens nested maps with a custom delimiter', () => {
    const supported = { int8: 8, int16: 16, int32: 32, int64: 64, float32: 32, float64: 64, boolean: true, string: 'stringy', bytes: bytes() };
    const out = xformValue({ delimiter: '#' }).apply(valueRecord(null, { A: { B: supported } }));
    expect(out.valueSchema()).toBeNull();
    const m = out.value() as Record<string, unknown>;
    expect(Object.keys(m).length).toBe(9);
    expect(m['A#B#int8']).toBe(8);
    expect(m['A#B#int64']).toBe(64);
    expect(m['A#B#boolean']).toBe(true);
    expect(m['A#B#string']).toBe('stringy');
    expect(m['A#B#bytes']).toEqual(bytes());
  });

  it('keeps null optional fields of a struct', () => {
    const inner = SchemaBuilder.struct().field('opt_int32', Schema.OPTIONAL_INT32_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('B', inner).build();
    const out = xformValue().apply(valueRecord(outer, new Struct(outer).put('B', new Struct(inner).put('opt_int32', null))));
    expect(out.valueSchema()!.type()).toBe(SchemaType.STRUCT);
    expect((out.value() as Struct).get('B.opt_int32')).toBeNull();
  });

  it('passes a null optional struct with the flattened schema', () => {
    const schema = SchemaBuilder.struct().optional().field('opt_int32', Schema.OPTIONAL_INT32_SCHEMA).build();
    const out = xformValue().apply(valueRecord(schema, null));
    expect(out.valueSchema()!.type()).toBe(SchemaType.STRUCT);
    expect(out.value()).toBeNull();
  });

  it('flattens a null optional nested struct to null fields', () => {
    const inner = SchemaBuilder.struct().optional().field('opt_int32', Schema.OPTIONAL_INT32_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('B', inner).build();
    const out = xformValue().apply(valueRecord(outer, new Struct(outer).put('B', null)));
    expect(out.valueSchema()!.type()).toBe(SchemaType.STRUCT);
    expect((out.value() as Struct).get('B.opt_int32')).toBeNull();
  });

  it('keeps null values of a map', () => {
    const out = xformValue().apply(valueRecord(null, { B: { opt_int32: null } }));
    expect(out.valueSchema()).toBeNull();
    expect(out.value()).toEqual({ 'B.opt_int32': null });
  });

  it('flattens the key with $Key', () => {
    const t = new FlattenKey<SourceRecord>();
    t.configure({});
    const out = t.apply(new SourceRecord(null, null, 'topic', null, null, { A: { B: 12 } }, null, null));
    expect(out.keySchema()).toBeNull();
    expect((out.key() as Record<string, unknown>)['A.B']).toBe(12);
  });

  it('leaves arrays in schemaless values alone', () => {
    const value = { foo: ['bar', { baz: { lfg: 'lfg' } }] };
    expect(xformValue().apply(valueRecord(null, value)).value()).toEqual(value);
  });

  it('leaves arrays of structs alone, schema included', () => {
    const nested = SchemaBuilder.struct().field('lfg', Schema.STRING_SCHEMA).build();
    const inner = SchemaBuilder.struct().field('baz', nested).build();
    const structSchema = SchemaBuilder.struct().field('foo', SchemaBuilder.array(inner).doc('durk').build()).build();
    const value = new Struct(structSchema).put('foo', [new Struct(inner).put('baz', new Struct(nested).put('lfg', 'lfg'))]);
    const out = xformValue().apply(valueRecord(structSchema, value));
    expectValue(out.value(), value);
    expectSchema(out.valueSchema(), structSchema);
  });

  it('carries optionality and the parent default into flattened field schemas', () => {
    const builder = SchemaBuilder.struct().optional().field('req_field', Schema.STRING_SCHEMA).field('opt_field', SchemaBuilder.string().optional().defaultValue('child_default').build());
    const childDefault = new Struct(builder).put('req_field', 'req_default');
    builder.defaultValue(childDefault);
    const schema = builder.build();
    const out = xformValue().apply(valueRecord(schema, new Struct(schema)));
    const ts = out.valueSchema()!;
    expect(ts.type()).toBe(SchemaType.STRUCT);
    expect(ts.fields().length).toBe(2);
    expectSchema(ts.field('req_field')!.schema(), SchemaBuilder.string().optional().defaultValue('req_default').build());
    expectSchema(ts.field('opt_field')!.schema(), SchemaBuilder.string().optional().defaultValue('child_default').build());
  });

  it('passes tombstones through, with and without a schema', () => {
    const a = xformValue().apply(valueRecord(null, null, 'test'));
    expect(a.value()).toBeNull();
    expect(a.valueSchema()).toBeNull();
    const schema = SchemaBuilder.struct().name('name').version(1).doc('doc').field('magic', Schema.OPTIONAL_INT64_SCHEMA).build();
    const b = xformValue().apply(valueRecord(schema, null, 'test'));
    expect(b.value()).toBeNull();
    expectSchema(b.valueSchema(), schema);
  });

  it('keeps null fields of a flat map in order', () => {
    const value = { firstNull: null, firstNonNull: 'nonNull', secondNull: null, secondNonNull: 'alsoNonNull', thirdNonNull: null };
    const out = xformValue().apply(valueRecord(null, value, 'test')).value();
    expect(out).toEqual(value);
    expect(Object.keys(out as object)).toEqual(Object.keys(value));
  });

  it('keeps null fields of a flat struct', () => {
    const b = SchemaBuilder.struct();
    for (const f of ['firstNull', 'firstNonNull', 'secondNull', 'secondNonNull', 'thirdNonNull']) b.field(f, Schema.OPTIONAL_STRING_SCHEMA);
    const schema = b.build();
    const value = new Struct(schema).put('firstNull', null).put('firstNonNull', 'nonNull').put('secondNull', null).put('secondNonNull', 'alsoNonNull').put('thirdNonNull', null);
    expectValue(xformValue().apply(valueRecord(schema, value, 'test')).value(), value);
  });

  it('reports a version', () => {
    expect(new FlattenKey().version()).toBe(NAGARE_CONNECT_VERSION);
    expect(new FlattenValue().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});
