import { Schema, SchemaBuilder, SinkRecord, SourceRecord, Struct } from '@nagare/connect-api';
import { TransformationChain } from './chain';
import { CastValue } from './transforms/cast';
import { ExtractFieldValue } from './transforms/extract-field';
import { InsertFieldValue } from './transforms/insert-field';
import { RegexRouter } from './transforms/routing';
import { ReplaceFieldValue } from './transforms/replace-field';

const sink = (valueSchema: Schema | null, value: unknown, topic = 'test') => new SinkRecord(topic, 0, null, null, valueSchema, value, 42, 1000, 'CreateTime');

describe('built-in SMTs (subset; see README for what is not yet covered)', () => {
  it('InsertField$Value adds topic/partition/offset/timestamp/static, schemaful and schemaless', () => {
    const t = new InsertFieldValue<SinkRecord>();
    t.configure({ 'topic.field': 'topic_field!', 'partition.field': 'partition_field', 'offset.field': 'offset_field!', 'timestamp.field': 'ts', 'static.field': 'instance_id', 'static.value': 'my-instance-id' });
    const schema = SchemaBuilder.struct().name('name').version(1).field('magic', Schema.OPTIONAL_INT64_SCHEMA).build();
    const out = t.apply(sink(schema, new Struct(schema).put('magic', 42)));
    const v = out.value() as Struct;
    expect(out.valueSchema()!.name()).toBe('name');
    expect([v.get('magic'), v.get('topic_field'), v.get('partition_field'), v.get('offset_field'), (v.get('ts') as Date).getTime(), v.get('instance_id')]).toEqual([42, 'test', 0, 42, 1000, 'my-instance-id']);
    expect(out.valueSchema()!.field('topic_field')!.schema().isOptional()).toBe(false);
    const schemaless = t.apply(sink(null, { magic: 42 })).value();
    expect(schemaless).toEqual({ magic: 42, topic_field: 'test', partition_field: 0, offset_field: 42, ts: 1000, instance_id: 'my-instance-id' });
    expect(() => t.apply(new SourceRecord(null, null, 'test', 0, null, null, null, { a: 1 }) as never)).toThrow('Only SinkRecord supported for [field insertion]');
  });

  it('ReplaceField$Value excludes, includes and renames (and accepts the deprecated blacklist)', () => {
    const t = new ReplaceFieldValue<SinkRecord>();
    t.configure({ blacklist: 'dont', renames: 'abc:xyz,foo:bar' });
    expect(t.apply(sink(null, { dont: 1, abc: 2, foo: 3, etc: 4 })).value()).toEqual({ xyz: 2, bar: 3, etc: 4 });
    expect(() => new ReplaceFieldValue().configure({ renames: 'a' })).toThrow('Invalid value [a] for configuration renames: Invalid rename mapping: a');
  });

  it('Cast$Value casts fields with Java narrowing', () => {
    const t = new CastValue<SinkRecord>();
    t.configure({ spec: 'a:int8,b:string,c:boolean' });
    expect(t.apply(sink(null, { a: 300, b: 1.5, c: 'TRUE' })).value()).toEqual({ a: 44, b: '1.5', c: true });
    expect(() => new CastValue().configure({ spec: 'a:array' })).toThrow('Cast transformation does not support casting to ARRAY');
  });

  it('ExtractField$Value with V2 nested paths', () => {
    const t = new ExtractFieldValue<SinkRecord>();
    t.configure({ field: 'magic.foo', 'field.syntax.version': 'v2' });
    expect(t.apply(sink(null, { magic: { foo: 42 } })).value()).toBe(42);
  });

  it('RegexRouter uses Java replacement syntax', () => {
    const t = new RegexRouter<SinkRecord>();
    t.configure({ regex: '(.*)-(\\d\\d)', replacement: '$1-$2-suffix' });
    expect(t.apply(sink(null, null, 'foo-22')).topic()).toBe('foo-22-suffix');
    expect(t.apply(sink(null, null, 'nomatch')).topic()).toBe('nomatch');
  });

  it('TransformationChain builds aliases with predicates and negate', () => {
    const chain = TransformationChain.fromConfig<SinkRecord>({
      transforms: 'drop,route',
      'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.drop.predicate': 'isFoo',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': 'x-$1',
      predicates: 'isFoo',
      'predicates.isFoo.type': 'TopicNameMatches',
      'predicates.isFoo.pattern': 'foo.*',
    });
    expect(chain.apply(sink(null, null, 'foo1'))).toBeNull();
    expect(chain.apply(sink(null, null, 'bar'))!.topic()).toBe('x-bar');
    expect(() => TransformationChain.fromConfig({ transforms: 'a', 'transforms.a.type': 'Nope' })).toThrow('Invalid value Nope for configuration transforms.a.type: Class Nope could not be found.');
    expect(() => TransformationChain.fromConfig({ transforms: 'a,a' })).toThrow('Duplicate alias provided.');
  });
});
