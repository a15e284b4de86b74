/**
 * The one-pass document writer (`toDocument`) against the two-step path it
 * replaces on the hot path, Confluent's `preProcessSchema`/`preProcessValue`
 * followed by JsonConverter's `convertToJson` (`toJson`): the same text for
 * decimals, dates, maps with and without string keys (compact.map.entries
 * on and off), arrays, nested structs, optional nulls and defaults.
 */
import { BigDecimal, ConnectDate, ConnectTimestamp, Decimal, SchemaBuilder, Schemas, Struct, type Schema } from '@nagare/connect-api';
import { ElasticsearchSinkConnectorConfig } from './config';
import { DataConverter } from './data-converter';
import { toDocument, toJson } from './json';

const inner = SchemaBuilder.struct()
  .name('inner')
  .field('amount', Decimal.builder(3).build())
  .field('label', SchemaBuilder.string().optional().defaultValue('none').build())
  .build();

const schema = SchemaBuilder.struct()
  .name('row')
  .field('id', Schemas.INT64_SCHEMA)
  .field('price', Decimal.builder(2).optional().build())
  .field('born', ConnectDate.builder().optional().build())
  .field('at', ConnectTimestamp.builder().build())
  .field('ratio', Schemas.OPTIONAL_FLOAT32_SCHEMA)
  .field('score', Schemas.FLOAT64_SCHEMA)
  .field('ok', Schemas.BOOLEAN_SCHEMA)
  .field('raw', Schemas.OPTIONAL_BYTES_SCHEMA)
  .field('tags', SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT32_SCHEMA).optional().build())
  .field('byId', SchemaBuilder.map(Schemas.INT32_SCHEMA, Decimal.builder(1).build()).optional().build())
  .field('list', SchemaBuilder.array(Decimal.builder(2).build()).optional().build())
  .field('nested', inner)
  .field('nestedList', SchemaBuilder.array(inner).optional().build())
  .field('count', SchemaBuilder.int32().defaultValue(7).build())
  .build();

function row(full: boolean): Struct {
  const n = new Struct(inner).put('amount', new BigDecimal(-12345n, 3));
  const s = new Struct(schema)
    .put('id', 9007199254740993n)
    .put('at', new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)))
    .put('score', 1e21)
    .put('ok', true)
    .put('nested', n);
  if (!full) return s;
  return s
    .put('price', new BigDecimal(199n, 2))
    .put('born', new Date(Date.UTC(1969, 11, 31)))
    .put('ratio', Math.fround(0.1))
    .put('raw', Uint8Array.from([1, 2, 255]))
    .put('tags', new Map([['a "quoted"\n', 1], ['b', 2]]))
    .put('byId', new Map([[3, new BigDecimal(5n, 1)]]))
    .put('list', [new BigDecimal(1n, 2), new BigDecimal(100000000000n, 2)])
    .put('nestedList', [new Struct(inner).put('amount', new BigDecimal(0n, 3)).put('label', 'x')])
    .put('count', 3);
}

function twoStep(compact: boolean, s: Schema, v: unknown): string {
  const converter = new DataConverter(new ElasticsearchSinkConnectorConfig({ 'connection.url': 'http://localhost:9200', 'compact.map.entries': String(compact) }));
  const pre = converter.preProcessSchema(s)!;
  return toJson(pre, converter.preProcessValue(v, s, pre));
}

describe('toDocument', () => {
  for (const compact of [true, false]) {
    for (const full of [true, false]) {
      it(`equals preProcess + convertToJson (compact.map.entries=${compact}, ${full ? 'every field set' : 'optional fields null'})`, () => {
        const v = row(full);
        expect(toDocument(schema, v, compact)).toBe(twoStep(compact, schema, v));
      });
    }
  }

  it('writes the exact JSON (decimals as doubles, maps by compact.map.entries, defaults)', () => {
    const v = row(true);
    expect(JSON.parse(toDocument(schema, v, false))).toMatchObject({
      price: 1.99,
      born: -1,
      tags: [
        { key: 'a "quoted"\n', value: 1 },
        { key: 'b', value: 2 },
      ],
      byId: [{ key: 3, value: 0.5 }],
      list: [0.01, 1000000000],
      nested: { amount: -12.345, label: 'none' },
      count: 3,
    });
    expect(toDocument(schema, v, true)).toContain('"tags":{"a \\"quoted\\"\\n":1,"b":2},"byId":[{"key":3,"value":0.5}]');
    expect(toDocument(schema, row(false), true)).toContain('"score":1.0E21,"ok":true,"raw":null');
    expect(() => toDocument(Schemas.STRING_SCHEMA, null, true)).toThrow('null value for field that is required and has no default value');
  });
});
