/** The cases of Kafka's `ReplaceFieldTest`. */
import { ConfigException, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SinkRecord, Struct } from '@nagare/connect-api';
import { expectSchema } from '../__fixtures__/records';
import { ReplaceFieldKey, ReplaceFieldValue } from './replace-field';

const xform = (props: Record<string, unknown>) => {
  const t = new ReplaceFieldValue<SinkRecord>();
  t.configure(props);
  return t;
};
const schema = () => SchemaBuilder.struct().field('dont', Schema.STRING_SCHEMA).field('abc', Schema.INT32_SCHEMA).field('foo', Schema.BOOLEAN_SCHEMA).field('etc', Schema.STRING_SCHEMA).build();

describe('ReplaceField', () => {
  it('passes schemaless tombstones', () => {
    const out = xform({ include: 'abc,foo', renames: 'abc:xyz,foo:bar' }).apply(new SinkRecord('test', 0, null, null, null, null, 0));
    expect(out.value()).toBeNull();
    expect(out.valueSchema()).toBeNull();
  });
  it('passes tombstones with their schema', () => {
    const s = schema();
    const out = xform({ include: 'abc,foo', renames: 'abc:xyz,foo:bar' }).apply(new SinkRecord('test', 0, null, null, s, null, 0));
    expect(out.value()).toBeNull();
    expectSchema(out.valueSchema(), s);
  });
  it('excludes and renames schemaless fields', () => {
    const out = xform({ exclude: 'dont', renames: 'abc:xyz,foo:bar' }).apply(new SinkRecord('test', 0, null, null, null, { dont: 'whatever', abc: 42, foo: true, etc: 'etc' }, 0));
    expect(out.value()).toEqual({ xyz: 42, bar: true, etc: 'etc' });
  });
  it('includes and renames struct fields', () => {
    const s = schema();
    const value = new Struct(s).put('dont', 'whatever').put('abc', 42).put('foo', true).put('etc', 'etc');
    const out = xform({ include: 'abc,foo', renames: 'abc:xyz,foo:bar' }).apply(new SinkRecord('test', 0, null, null, s, value, 0)).value() as Struct;
    expect(out.schema().fields().length).toBe(2);
    expect(out.getInt32('xyz')).toBe(42);
    expect(out.getBoolean('bar')).toBe(true);
  });
  it('excludes wins over include; include limits schemaless fields too', () => {
    expect(xform({ include: 'abc,foo', exclude: 'foo' }).apply(new SinkRecord('t', 0, null, null, null, { abc: 1, foo: 2, etc: 3 }, 0)).value()).toEqual({ abc: 1 });
  });
  it('reports a version', () => {
    expect(new ReplaceFieldValue().version()).toBe(NAGARE_CONNECT_VERSION);
  });
  it.each([
    [false, null],
    [true, 42],
  ])('replace.null.with.default=%s gives %s, on values and keys', (replace, expected) => {
    const props = { include: 'abc', renames: 'abc:optional_with_default', 'replace.null.with.default': String(replace) };
    const s = SchemaBuilder.struct().field('abc', SchemaBuilder.int32().optional().defaultValue(42).build()).build();
    const v = xform(props).apply(new SinkRecord('test', 0, null, null, s, new Struct(s).put('abc', null), 0)).value() as Struct;
    expect(v.schema().fields().length).toBe(1);
    expect(v.getWithoutDefault('optional_with_default')).toBe(expected);
    const k = new ReplaceFieldKey<SinkRecord>();
    k.configure(props);
    const key = k.apply(new SinkRecord('test', 0, s, new Struct(s).put('abc', null), null, null, 0)).key() as Struct;
    expect(key.schema().fields().length).toBe(1);
    expect(key.getWithoutDefault('optional_with_default')).toBe(expected);
  });
  it('refuses a rename without a colon', () => {
    expect(() => xform({ renames: 'a' })).toThrow(ConfigException);
    expect(() => xform({ renames: 'a' })).toThrow('Invalid value [a] for configuration renames: Invalid rename mapping: a');
  });
});
