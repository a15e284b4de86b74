/** The cases of Kafka's `InsertFieldTest`, plus sink-only offset.field. */
import { ConfigException, ConnectTimestamp, DataException, NAGARE_CONNECT_VERSION, Schema, SchemaBuilder, SinkRecord, SourceRecord, Struct } from '@nagare/connect-api';
import { expectSchema } from '../__fixtures__/records';
import { InsertFieldKey, InsertFieldValue } from './insert-field';

const PROPS = { 'topic.field': 'topic_field!', 'partition.field': 'partition_field', 'timestamp.field': 'timestamp_field?', 'static.field': 'instance_id', 'static.value': 'my-instance-id' };
const xformValue = (props: Record<string, unknown> = PROPS) => {
  const t = new InsertFieldValue<SourceRecord>();
  t.configure(props);
  return t;
};
const xformKey = (props: Record<string, unknown> = PROPS) => {
  const t = new InsertFieldKey<SourceRecord>();
  t.configure(props);
  return t;
};
const simpleStructSchema = () => SchemaBuilder.struct().name('name').version(1).doc('doc').field('magic', Schema.OPTIONAL_INT64_SCHEMA).build();

describe('InsertField', () => {
  it('requires a top-level struct with a schema', () => {
    expect(() => xformValue({ 'topic.field': 'topic_field' }).apply(new SourceRecord(null, null, '', 0, null, null, Schema.INT32_SCHEMA, 42))).toThrow(DataException);
  });

  it('copies the schema and inserts the configured fields', () => {
    const t = xformValue();
    const schema = simpleStructSchema();
    const out = t.apply(new SourceRecord(null, null, 'test', 0, null, null, schema, new Struct(schema).put('magic', 42), 789));
    const vs = out.valueSchema()!;
    expect([vs.name(), vs.version(), vs.doc()]).toEqual([schema.name(), schema.version(), schema.doc()]);
    const v = out.value() as Struct;
    expectSchema(vs.field('magic')!.schema(), Schema.OPTIONAL_INT64_SCHEMA);
    expect(v.getInt64('magic')).toBe(42);
    expectSchema(vs.field('topic_field')!.schema(), Schema.STRING_SCHEMA);
    expect(v.getString('topic_field')).toBe('test');
    expectSchema(vs.field('partition_field')!.schema(), Schema.OPTIONAL_INT32_SCHEMA);
    expect(v.getInt32('partition_field')).toBe(0);
    expectSchema(vs.field('timestamp_field')!.schema(), ConnectTimestamp.builder().optional().build());
    expect((v.get('timestamp_field') as Date).getTime()).toBe(789);
    expectSchema(vs.field('instance_id')!.schema(), Schema.OPTIONAL_STRING_SCHEMA);
    expect(v.getString('instance_id')).toBe('my-instance-id');
    // the updated schema is cached: the same object for the next record of that schema
    const out2 = t.apply(new SourceRecord(null, null, 'test', 1, null, null, schema, new Struct(schema)));
    expect(out2.valueSchema()).toBe(out.valueSchema());
  });

  it('inserts into a schemaless map', () => {
    const out = xformValue().apply(new SourceRecord(null, null, 'test', 0, null, null, null, { magic: 42 }, 123));
    expect(out.value()).toEqual({ magic: 42, topic_field: 'test', partition_field: 0, timestamp_field: 123, instance_id: 'my-instance-id' });
  });

  it('leaves tombstones unchanged, with and without a schema', () => {
    const a = xformValue().apply(new SourceRecord(null, null, 'test', 0, null, null, null, null));
    expect(a.value()).toBeNull();
    expect(a.valueSchema()).toBeNull();
    const schema = simpleStructSchema();
    const b = xformValue().apply(new SourceRecord(null, null, 'test', 0, null, null, schema, null));
    expect(b.value()).toBeNull();
    expectSchema(b.valueSchema(), schema);
  });

  it('inserts into the key of a tombstone', () => {
    const out = xformKey().apply(new SourceRecord(null, null, 'test', 0, null, { magic: 42 }, null, null));
    const k = out.key() as Record<string, unknown>;
    expect(k.magic).toBe(42);
    expect(k.topic_field).toBe('test');
    expect(k.partition_field).toBe(0);
    expect(k.timestamp_field).toBeUndefined();
    expect(k.instance_id).toBe('my-instance-id');
    expect(out.value()).toBeNull();
  });

  it('returns the very record when the key is null', () => {
    const record = new SourceRecord(null, null, 'test', 0, null, null, null, { magic: 42 });
    expect(xformKey().apply(record)).toBe(record);
  });

  it('inserts the offset only for sink records', () => {
    const t = new InsertFieldValue<SinkRecord>();
    t.configure({ 'offset.field': 'off!' });
    const schema = simpleStructSchema();
    const out = t.apply(new SinkRecord('t', 2, null, null, schema, new Struct(schema).put('magic', 1), 77));
    expect((out.value() as Struct).get('off')).toBe(77);
    expectSchema(out.valueSchema()!.field('off')!.schema(), Schema.INT64_SCHEMA);
    expect(() => xformValue({ 'offset.field': 'off' }).apply(new SourceRecord(null, null, 't', 0, null, null, null, { a: 1 }))).toThrow(
      'Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord',
    );
  });

  it('refuses a config with nothing to insert, or a static field without a value', () => {
    expect(() => xformValue({})).toThrow(ConfigException);
    expect(() => xformValue({})).toThrow('No field insertion configured');
    expect(() => xformValue({ 'static.field': 'x' })).toThrow('No value specified for static field: x');
  });

  it('reports a version', () => {
    expect(new InsertFieldKey().version()).toBe(NAGARE_CONNECT_VERSION);
    expect(new InsertFieldValue().version()).toBe(NAGARE_CONNECT_VERSION);
  });

  it.each([
    [false, null],
    [true, 42],
  ])('an unset optional field with a default, replace.null.with.default=%s -> %s', (replace, expected) => {
    const magic = SchemaBuilder.int64().optional().defaultValue(42).build();
    const schema = SchemaBuilder.struct().name('name').version(1).doc('doc').field('magic_with_default', magic).build();
    const out = xformValue({ ...PROPS, 'replace.null.with.default': replace }).apply(new SourceRecord(null, null, 'test', 0, null, null, schema, new Struct(schema).put('magic_with_default', null), 789));
    const vs = out.valueSchema()!;
    expect([vs.name(), vs.version(), vs.doc()]).toEqual(['name', 1, 'doc']);
    expectSchema(vs.field('magic_with_default')!.schema(), magic);
    expect((out.value() as Struct).getInt64('magic_with_default')).toBe(expected);
  });
});
