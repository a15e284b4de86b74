/** The cases of Kafka's `ExtractFieldTest`. */
import { NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SinkRecord, Struct } from '@nagare/connect-api';
import { ExtractFieldKey, ExtractFieldValue } from './extract-field';

const keyRecord = (schema: Schema | null, key: unknown) => new SinkRecord('test', 0, schema, key, null, null, 0);
const xformKey = (configs: Record<string, unknown>) => {
  const t = new ExtractFieldKey<SinkRecord>();
  t.configure(configs);
  return t;
};
const V2 = { 'field.syntax.version': 'V2' };

describe('ExtractField', () => {
  it('extracts from a map (schemaless)', () => {
    const out = xformKey({ field: 'magic' }).apply(keyRecord(null, { magic: 42 }));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toBe(42);
  });
  it('extracts a nested path from a map (V2)', () => {
    const out = xformKey({ field: 'magic.foo', ...V2 }).apply(keyRecord(null, { magic: { foo: 42 } }));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toBe(42);
  });
  it('passes a null schemaless key', () => {
    const out = xformKey({ field: 'magic' }).apply(keyRecord(null, null));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toBeNull();
  });
  it('extracts from a struct with its schema', () => {
    const keySchema = SchemaBuilder.struct().field('magic', Schema.INT32_SCHEMA).build();
    const out = xformKey({ field: 'magic' }).apply(keyRecord(keySchema, new Struct(keySchema).put('magic', 42)));
    expect(out.keySchema()).toBe(Schema.INT32_SCHEMA);
    expect(out.key()).toBe(42);
  });
  it('extracts a nested path from a struct (V2)', () => {
    const fooSchema = SchemaBuilder.struct().field('foo', Schema.INT32_SCHEMA).build();
    const keySchema = SchemaBuilder.struct().field('magic', fooSchema).build();
    const out = xformKey({ field: 'magic.foo', ...V2 }).apply(keyRecord(keySchema, new Struct(keySchema).put('magic', new Struct(fooSchema).put('foo', 42))));
    expect(out.keySchema()).toBe(Schema.INT32_SCHEMA);
    expect(out.key()).toBe(42);
  });
  it('gives the field schema and a null value for a null struct', () => {
    const keySchema = SchemaBuilder.struct().field('magic', Schema.INT32_SCHEMA).optional().build();
    const out = xformKey({ field: 'magic' }).apply(keyRecord(keySchema, null));
    expect(out.keySchema()).toBe(Schema.INT32_SCHEMA);
    expect(out.key()).toBeNull();
  });
  it('returns null for an unknown field without a schema, top-level and nested', () => {
    expect(xformKey({ field: 'nonexistent' }).apply(keyRecord(null, { magic: 42 })).key()).toBeNull();
    const out = xformKey({ field: 'magic.nonexistent', ...V2 }).apply(keyRecord(null, { magic: { foo: 42 } }));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toBeNull();
  });
  it('fails on an unknown field with a schema, top-level and nested', () => {
    const keySchema = SchemaBuilder.struct().field('magic', Schema.INT32_SCHEMA).build();
    expect(() => xformKey({ field: 'nonexistent' }).apply(keyRecord(keySchema, new Struct(keySchema).put('magic', 42)))).toThrow('Unknown field: nonexistent');
    const fooSchema = SchemaBuilder.struct().field('foo', Schema.INT32_SCHEMA).build();
    const nested = SchemaBuilder.struct().field('magic', fooSchema).build();
    const rec = keyRecord(nested, new Struct(nested).put('magic', new Struct(fooSchema).put('foo', 42)));
    let err: Error | undefined;
    try {
      xformKey({ field: 'magic.nonexistent', ...V2 }).apply(rec);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('IllegalArgumentException');
    expect(err?.message).toBe('Unknown field: magic.nonexistent');
  });
  it('reports a version', () => {
    expect(new ExtractFieldKey().version()).toBe(NAGARE_CONNECT_VERSION);
  });
  it.each([
    [false, null],
    [true, 42],
  ])('an unset optional field with a default, replace.null.with.default=%s -> %s (key and value)', (replace, expected) => {
    const schema = SchemaBuilder.struct().field('optional_with_default', SchemaBuilder.int32().optional().defaultValue(42).build()).build();
    const struct = new Struct(schema).put('optional_with_default', null);
    expect(xformKey({ field: 'optional_with_default', 'replace.null.with.default': replace }).apply(keyRecord(schema, struct)).key()).toBe(expected);
    const v = new ExtractFieldValue<SinkRecord>();
    v.configure({ field: 'optional_with_default', 'replace.null.with.default': replace });
    expect(v.apply(new SinkRecord('test', 0, null, null, schema, struct, 0)).value()).toBe(expected);
  });
  it('refuses a non-map schemaless value and a non-struct value with a schema', () => {
    expect(() => xformKey({ field: 'a' }).apply(keyRecord(null, 42))).toThrow('Only Map objects supported in absence of schema for [field extraction], found: java.lang.Integer');
    expect(() => xformKey({ field: 'a' }).apply(keyRecord(Schema.INT32_SCHEMA, 42))).toThrow('Only Struct objects supported for [field extraction], found: java.lang.Integer');
  });
});
