/** The cases of Kafka's `HoistFieldTest`. */
import { NAGARE_CONNECT_VERSION, Schema, SchemaType, SinkRecord, Struct } from '@nagare/connect-api';
import { HoistFieldKey, HoistFieldValue } from './hoist-field';

const xform = () => {
  const t = new HoistFieldKey<SinkRecord>();
  t.configure({ field: 'magic' });
  return t;
};

describe('HoistField', () => {
  it('wraps a schemaless key in a map', () => {
    const out = xform().apply(new SinkRecord('test', 0, null, 42, null, null, 0));
    expect(out.keySchema()).toBeNull();
    expect(out.key()).toEqual({ magic: 42 });
  });
  it('wraps a key with a schema in a struct', () => {
    const record = new SinkRecord('test', 0, Schema.INT32_SCHEMA, 42, null, null, 0);
    const out = xform().apply(record);
    expect(out.keySchema()!.type()).toBe(SchemaType.STRUCT);
    expect(out.keySchema()!.field('magic')!.schema()).toBe(record.keySchema());
    expect((out.key() as Struct).get('magic')).toBe(42);
  });
  it('gives a mutable schemaless map', () => {
    const key = xform().apply(new SinkRecord('test', 0, null, 420, null, null, 0)).key() as Record<string, unknown>;
    key.k = 'v';
    expect(key).toEqual({ k: 'v', magic: 420 });
  });
  it('wraps the value with $Value', () => {
    const t = new HoistFieldValue<SinkRecord>();
    t.configure({ field: 'line' });
    const out = t.apply(new SinkRecord('test', 0, null, 'k', Schema.STRING_SCHEMA, 'hello', 0));
    expect(out.key()).toBe('k');
    expect((out.value() as Struct).get('line')).toBe('hello');
  });
  it('refuses a missing field config', () => {
    expect(() => new HoistFieldKey().configure({})).toThrow('Missing required configuration "field" which has no default value.');
  });
  it('reports a version', () => {
    expect(new HoistFieldKey().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});
