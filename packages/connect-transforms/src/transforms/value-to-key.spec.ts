/** The cases of Kafka's `ValueToKeyTest`. */
import { DataException, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SinkRecord, Struct } from '@nagare/connect-api';
import { expectSchema, expectValue } from '../__fixtures__/records';
import { ValueToKey } from './value-to-key';

const xform = (props: Record<string, unknown>) => {
  const t = new ValueToKey<SinkRecord>();
  t.configure(props);
  return t;
};

describe('ValueToKey', () => {
  it('builds a schemaless key from value fields', () => {
    const out = xform({ fields: 'a,b' }).apply(new SinkRecord('', 0, null, null, null, { a: 1, b: 2, c: 3 }, 0));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toEqual({ a: 1, b: 2 });
  });
  it('builds a struct key with a schema', () => {
    const vs = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).field('b', Schema.INT32_SCHEMA).field('c', Schema.INT32_SCHEMA).build();
    const out = xform({ fields: 'a,b' }).apply(new SinkRecord('', 0, null, null, vs, new Struct(vs).put('a', 1).put('b', 2).put('c', 3), 0));
    const ks = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).field('b', Schema.INT32_SCHEMA).build();
    expectSchema(out.keySchema(), ks);
    expectValue(out.key(), new Struct(ks).put('a', 1).put('b', 2));
  });
  it('refuses a field the value schema lacks', () => {
    const vs = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).build();
    expect(() => xform({ fields: 'not_exist' }).apply(new SinkRecord('', 0, null, null, vs, new Struct(vs).put('a', 1), 0))).toThrow(DataException);
    expect(() => xform({ fields: 'not_exist' }).apply(new SinkRecord('', 0, null, null, vs, new Struct(vs).put('a', 1), 0))).toThrow('Field does not exist: not_exist');
  });
  it('reports a version', () => {
    expect(new ValueToKey().version()).toBe(NAGARE_CONNECT_VERSION);
  });
  it.each([
    [false, null],
    [true, 42],
  ])('replace.null.with.default=%s gives %s', (replace, expected) => {
    const vs = SchemaBuilder.struct().field('optional_with_default', SchemaBuilder.int32().optional().defaultValue(42).build()).build();
    const out = xform({ fields: 'optional_with_default', 'replace.null.with.default': replace }).apply(new SinkRecord('', 0, null, null, vs, new Struct(vs).put('optional_with_default', null), 0));
    expect((out.key() as Struct).getWithoutDefault('optional_with_default')).toBe(expected);
  });
  it('refuses an empty field list', () => {
    expect(() => xform({ fields: '' })).toThrow('Invalid value [] for configuration fields: Empty list');
  });
});
