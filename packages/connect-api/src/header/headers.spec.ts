import { ConnectHeaders } from './headers';
import { Schema, Struct } from '../data/schema';
import { SchemaBuilder } from '../data/schema-builder';
import { ConnectTimestamp, Decimal } from '../data/logical';
import { BigDecimal } from '../data/big-decimal';
import { SinkRecord, SourceRecord } from '../records/records';

describe('ConnectHeaders (ConnectHeadersTest cases)', () => {
  it('keeps order and duplicates; lastWithName/allWithName/remove/retainLatest', () => {
    const h = new ConnectHeaders().addString('k1', 'a').addInt('k2', 1).addString('k1', 'b');
    expect(h.size()).toBe(3);
    expect(h.lastWithName('k1')!.value()).toBe('b');
    expect([...h.allWithName('k1')].map((x) => x.value())).toEqual(['a', 'b']);
    expect(h.lastWithName('none')).toBeNull();
    h.retainLatest();
    expect(h.toArray().map((x) => `${x.key()}=${String(x.value())}`)).toEqual(['k2=1', 'k1=b']);
    h.remove('k1');
    expect(h.size()).toBe(1);
    h.clear();
    expect(h.isEmpty()).toBe(true);
  });

  it('validates values against their schema', () => {
    const h = new ConnectHeaders();
    expect(() => h.add('k', 'x', Schema.INT32_SCHEMA)).toThrow('Invalid Java object for schema with type INT32');
    expect(() => h.add('k', null, Schema.INT32_SCHEMA)).toThrow('A null value requires an optional schema but was Schema{INT32}');
    expect(() => h.addList('k', [1], Schema.INT32_SCHEMA)).toThrow('Expecting ARRAY but instead found INT32');
    const s = SchemaBuilder.struct().field('f', Schema.STRING_SCHEMA).build();
    expect(() => h.addStruct('k', new Struct(s))).toThrow('Invalid value: null used for required field: "f"');
    h.addDecimal('d', new BigDecimal(5n, 2)).addTimestamp('t', new Date(5));
    expect(h.lastWithName('d')!.schema()!.parameters()).toEqual({ [Decimal.SCALE_FIELD]: '2' });
    expect(h.lastWithName('t')!.schema()!.name()).toBe(ConnectTimestamp.LOGICAL_NAME);
  });

  it('apply() transforms, renames or drops headers, optionally by key', () => {
    const h = new ConnectHeaders().addString('a', 'x').addString('b', 'y');
    h.apply('a', (x) => x.rename('c'));
    expect(h.toArray().map((x) => x.key())).toEqual(['c', 'b']);
    h.apply((x) => (x.key() === 'b' ? null : x));
    expect(h.toArray().map((x) => x.key())).toEqual(['c']);
  });
});

describe('records', () => {
  it('newRecord copies the type-specific fields and duplicates headers', () => {
    const r = new SourceRecord({ filename: 'f' }, { position: 10 }, 't', 0, null, null, Schema.STRING_SCHEMA, 'v', 123);
    r.headers().addString('h', '1');
    const r2 = r.newRecord('t2', null, null, 'k', null, 'v2', 5);
    expect(r2.sourcePartition()).toEqual({ filename: 'f' });
    expect(r2.sourceOffset()).toEqual({ position: 10 });
    expect(r2.topic()).toBe('t2');
    r2.headers().addString('h2', '2');
    expect(r.headers().size()).toBe(1);
    expect(r2.headers().size()).toBe(2);
  });

  it('SinkRecord keeps offset, timestamp type and the original topic/partition/offset (KIP-793)', () => {
    const r = new SinkRecord('t', 3, null, null, null, 'v', 42, 1000, 'CreateTime');
    const r2 = r.newRecord('renamed', 0, null, null, null, 'v', 1000);
    expect([r2.kafkaOffset(), r2.timestampType(), r2.originalTopic(), r2.originalKafkaPartition(), r2.originalKafkaOffset()]).toEqual([42, 'CreateTime', 't', 3, 42]);
    expect(r2.kafkaPartition()).toBe(0);
  });
});
