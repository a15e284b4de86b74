/**
 * Per-record cost of each built-in SMT and predicate (`npm run bench --
 * transforms`): ns/record for a schemaful record (a struct of 6 fields, as a
 * JsonConverter with schemas would give) and a schemaless one (the same as a
 * map), after warm-up, median of 5 timed rounds; plus a three-stage chain.
 */
import { ConnectHeaders, ConnectTimestamp, Schema, SchemaBuilder, SinkRecord, Struct, type Transformation } from '@nagare/connect-api';
import type { BenchContext, BenchResult } from '@nagare/common';
import { TransformationChain, builtinPredicate, builtinTransformation } from './chain';

const N = Number(process.env.SMT_BENCH_RECORDS ?? 200_000);

const valueSchema = SchemaBuilder.struct()
  .name('bench.Value')
  .field('id', Schema.INT64_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('amount', Schema.FLOAT64_SCHEMA)
  .field('ts', ConnectTimestamp.SCHEMA)
  .field('nested', SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).field('b', Schema.STRING_SCHEMA).build())
  .field('flag', Schema.BOOLEAN_SCHEMA)
  .build();
const nestedSchema = valueSchema.field('nested')!.schema();

function records(schemaful: boolean): SinkRecord[] {
  const out: SinkRecord[] = [];
  for (let i = 0; i < 1000; i++) {
    const headers = new ConnectHeaders().addString('h', 'v');
    if (schemaful) {
      const v = new Struct(valueSchema)
        .put('id', i)
        .put('name', `name-${i}`)
        .put('amount', i * 1.5)
        .put('ts', new Date(1_700_000_000_000 + i))
        .put('nested', new Struct(nestedSchema).put('a', i).put('b', 'x'))
        .put('flag', i % 2 === 0);
      out.push(new SinkRecord('bench', 0, Schema.STRING_SCHEMA, `k${i}`, valueSchema, v, i, 1_700_000_000_000 + i, 'CreateTime', headers));
    } else {
      const v = { id: i, name: `name-${i}`, amount: i * 1.5, ts: 1_700_000_000_000 + i, nested: { a: i, b: 'x' }, flag: i % 2 === 0 };
      out.push(new SinkRecord('bench', 0, null, `k${i}`, null, v, i, 1_700_000_000_000 + i, 'CreateTime', headers));
    }
  }
  return out;
}

interface Case {
  name: string;
  cls: string;
  config: Record<string, unknown>;
  schemaless?: boolean;
  schemaful?: boolean;
}

const CASES: Case[] = [
  { name: 'Cast$Value', cls: 'Cast$Value', config: { spec: 'id:string,amount:int32,flag:int8' } },
  { name: 'DropHeaders', cls: 'DropHeaders', config: { headers: 'h' } },
  { name: 'ExtractField$Value', cls: 'ExtractField$Value', config: { field: 'name' } },
  { name: 'ExtractField$Value (V2 nested)', cls: 'ExtractField$Value', config: { field: 'nested.b', 'field.syntax.version': 'V2' } },
  { name: 'Filter', cls: 'Filter', config: {} },
  { name: 'Flatten$Value', cls: 'Flatten$Value', config: {} },
  { name: 'HeaderFrom$Value (copy)', cls: 'HeaderFrom$Value', config: { fields: 'name', headers: 'n', operation: 'copy' } },
  { name: 'HoistField$Value', cls: 'HoistField$Value', config: { field: 'wrapped' } },
  { name: 'InsertField$Value', cls: 'InsertField$Value', config: { 'topic.field': 'topic', 'offset.field': 'offset', 'static.field': 'source', 'static.value': 'bench' } },
  { name: 'InsertHeader', cls: 'InsertHeader', config: { header: 'x', 'value.literal': '42' } },
  { name: 'MaskField$Value', cls: 'MaskField$Value', config: { fields: 'name,amount' } },
  { name: 'RegexRouter', cls: 'RegexRouter', config: { regex: '(.*)', replacement: 'routed-$1' } },
  { name: 'ReplaceField$Value', cls: 'ReplaceField$Value', config: { exclude: 'flag', renames: 'name:label' } },
  { name: 'SetSchemaMetadata$Value', cls: 'SetSchemaMetadata$Value', config: { 'schema.name': 'bench.Renamed', 'schema.version': '2' }, schemaless: false },
  { name: 'TimestampConverter$Value', cls: 'TimestampConverter$Value', config: { field: 'ts', 'target.type': 'string', format: 'yyyy-MM-dd HH:mm:ss.SSS' } },
  { name: 'TimestampRouter', cls: 'TimestampRouter', config: {} },
  { name: 'ValueToKey', cls: 'ValueToKey', config: { fields: 'id,name' } },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ns per record of `apply` over N records (1,000 distinct ones, cycled). */
function measure(apply: (r: SinkRecord) => unknown, input: SinkRecord[]): number {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) if (apply(input[i % input.length]) !== null) sink++; // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) if (apply(input[i % input.length]) !== null) sink++;
    rounds.push(Number(process.hrtime.bigint() - t0) / N);
  }
  if (sink < 0) throw new Error('unreachable');
  return median(rounds);
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const structs = records(true);
  const maps = records(false);
  for (const c of CASES) {
    for (const schemaful of [true, false]) {
      if ((schemaful && c.schemaful === false) || (!schemaful && c.schemaless === false)) continue;
      const t = new (builtinTransformation(c.cls)!)() as Transformation<SinkRecord>;
      t.configure({ ...c.config });
      const ns = measure((r) => t.apply(r), schemaful ? structs : maps);
      const name = `SMT ${c.name}, ${schemaful ? 'struct with schema' : 'schemaless map'}`;
      ctx.log(`${name}: ${ns.toFixed(0)} ns/record`);
      out.push({ name, value: Math.round(ns), unit: 'ns/record', better: 'lower', note: `${N} records x 5 rounds, median` });
    }
  }
  for (const [name, cls, config] of [
    ['TopicNameMatches', 'TopicNameMatches', { pattern: 'ben.*' }],
    ['HasHeaderKey', 'HasHeaderKey', { name: 'h' }],
    ['RecordIsTombstone', 'RecordIsTombstone', {}],
  ] as const) {
    const p = new (builtinPredicate(cls)!)();
    p.configure({ ...config });
    const ns = measure((r) => p.test(r), structs);
    out.push({ name: `predicate ${name}`, value: Math.round(ns), unit: 'ns/record', better: 'lower', note: `${N} records x 5 rounds, median` });
  }
  const chain = TransformationChain.fromConfig<SinkRecord>({
    transforms: 'hoist,insert,replace',
    'transforms.hoist.type': 'HoistField$Value',
    'transforms.hoist.field': 'line',
    'transforms.insert.type': 'InsertField$Value',
    'transforms.insert.static.field': 'source',
    'transforms.insert.static.value': 'bench',
    'transforms.replace.type': 'ReplaceField$Value',
    'transforms.replace.renames': 'line:text',
  });
  const lines = Array.from({ length: 1000 }, (_, i) => new SinkRecord('bench', 0, null, null, Schema.STRING_SCHEMA, 'x'.repeat(100) + i, i));
  const ns = measure((r) => chain.apply(r), lines);
  out.push({ name: 'chain HoistField -> InsertField -> ReplaceField (the Connect bench\'s), STRING line', value: Math.round(ns), unit: 'ns/record', better: 'lower', note: `${N} records x 5 rounds, median` });
  return out;
}
