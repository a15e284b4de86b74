/** The cases of Kafka's `SetSchemaMetadataTest`. */
import { DataException, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SinkRecord, Struct } from '@nagare/connect-api';
import { SetSchemaMetadataKey, SetSchemaMetadataValue } from './set-schema-metadata';

const xform = (props: Record<string, unknown>) => {
  const t = new SetSchemaMetadataValue<SinkRecord>();
  t.configure(props);
  return t;
};
const updateSchemaIn = (t: SetSchemaMetadataValue<SinkRecord>, v: unknown, s: Schema) => (t as unknown as { updateSchemaIn(v: unknown, s: Schema): unknown }).updateSchemaIn(v, s);
const rec = (schema: Schema | null, value: unknown) => new SinkRecord('', 0, null, null, schema, value, 0);

function assertMatchingSchema(value: Struct, schema: Schema): void {
  expect(value.schema()).toBe(schema);
  for (const f of schema.fields()) {
    expect(value.schema().field(f.name())!.index()).toBe(f.index());
    expect(value.schema().field(f.name())!.schema()).toBe(f.schema());
  }
}

describe('SetSchemaMetadata', () => {
  it('updates the name', () => {
    expect(xform({ 'schema.name': 'foo' }).apply(rec(SchemaBuilder.struct().build(), null)).valueSchema()!.name()).toBe('foo');
  });
  it('updates the version (int or string config)', () => {
    expect(xform({ 'schema.version': 42 }).apply(rec(SchemaBuilder.struct().build(), null)).valueSchema()!.version()).toBe(42);
    const out = xform({ 'schema.name': 'foo', 'schema.version': '42' }).apply(rec(SchemaBuilder.struct().build(), null));
    expect(out.valueSchema()!.name()).toBe('foo');
    expect(out.valueSchema()!.version()).toBe(42);
  });
  it('rebuilds the struct on the new schema', () => {
    const schema = SchemaBuilder.struct().name('my.orig.SchemaDefn').field('f1', Schema.STRING_SCHEMA).field('f2', Schema.INT32_SCHEMA).build();
    const out = xform({ 'schema.name': 'foo', 'schema.version': '42' }).apply(rec(schema, new Struct(schema).put('f1', 'value1').put('f2', 1)));
    expect(out.valueSchema()!.name()).toBe('foo');
    expect(out.valueSchema()!.version()).toBe(42);
    assertMatchingSchema(out.value() as Struct, out.valueSchema()!);
    expect((out.value() as Struct).get('f1')).toBe('value1');
  });
  it.each([
    [false, null],
    [true, 'default'],
  ])('replace.null.with.default=%s keeps %s for a null field with a default', (replace, expected) => {
    const schema = SchemaBuilder.struct().name('my.orig.SchemaDefn').field('f1', SchemaBuilder.string().defaultValue('default').optional().build()).field('f2', Schema.INT32_SCHEMA).build();
    const out = xform({ 'schema.name': 'foo', 'schema.version': '42', 'replace.null.with.default': replace }).apply(rec(schema, new Struct(schema).put('f1', null).put('f2', 1)));
    assertMatchingSchema(out.value() as Struct, out.valueSchema()!);
    expect((out.value() as Struct).getWithoutDefault('f1')).toBe(expected);
  });
  it('requires a schema', () => {
    expect(() => xform({ 'schema.name': 'foo' }).apply(rec(null, 42))).toThrow(DataException);
  });
  it('ignores a record with a null value and no schema', () => {
    const out = xform({ 'schema.name': 'foo' }).apply(rec(null, null));
    expect([out.key(), out.keySchema(), out.value(), out.valueSchema()]).toEqual([null, null, null, null]);
  });
  it('updateSchemaIn: structs move to the new schema, other values and null stay', () => {
    const t = xform({ 'schema.name': 'foo' });
    const schema = SchemaBuilder.struct().name('my.orig.SchemaDefn').field('f1', Schema.STRING_SCHEMA).field('f2', Schema.INT32_SCHEMA).build();
    const newSchema = SchemaBuilder.struct().name('my.updated.SchemaDefn').field('f1', Schema.STRING_SCHEMA).field('f2', Schema.INT32_SCHEMA).build();
    assertMatchingSchema(updateSchemaIn(t, new Struct(schema).put('f1', 'value1').put('f2', 1), newSchema) as Struct, newSchema);
    expect(updateSchemaIn(t, 1, Schema.INT32_SCHEMA)).toBe(1);
    expect(updateSchemaIn(t, null, Schema.INT32_SCHEMA)).toBeNull();
  });
  it('works on keys with $Key', () => {
    const t = new SetSchemaMetadataKey<SinkRecord>();
    t.configure({ 'schema.name': 'k' });
    expect(t.apply(new SinkRecord('', 0, Schema.STRING_SCHEMA, 'x', null, null, 0)).keySchema()!.name()).toBe('k');
  });
  it('reports a version', () => {
    expect(new SetSchemaMetadataValue().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});
