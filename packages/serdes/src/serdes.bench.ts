/**
 * Avro serializer/deserializer throughput with a cached schema (run:
 * `npm run bench -- serdes.bench`): a 10-field record, the schema id
 * resolved once against a registry (in a worker thread), then N records
 * serialized (AvroSerializer.serialize: framing + avsc encoding) and
 * deserialized (AvroDeserializer.deserialize) one by one.
 */
import type { BenchContext, BenchResult } from '@nagare/common';
import { AvroDeserializer, AvroSerializer } from './serdes';
import { startRegistryThread } from './testing/registry-thread';

const N = Number(process.env.SERDES_BENCH_RECORDS ?? 1_000_000);

const SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Trade',
  namespace: 'bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'symbol', type: 'string' },
    { name: 'price', type: 'double' },
    { name: 'qty', type: 'int' },
    { name: 'side', type: { type: 'enum', name: 'Side', symbols: ['BUY', 'SELL'] } },
    { name: 'venue', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'flags', type: 'int' },
    { name: 'settled', type: 'boolean' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const reg = await startRegistryThread();
  try {
    const cfg = { 'schema.registry.url': reg.url };
    const ser = new AvroSerializer(cfg);
    const de = new AvroDeserializer(cfg);
    const values = Array.from({ length: 1024 }, (_, i) => ({
      id: 1_000_000 + i,
      symbol: ['ACME', 'INIT', 'NAGR'][i % 3],
      price: 100 + i / 7,
      qty: i % 500,
      side: i % 2 ? 'BUY' : 'SELL',
      venue: 'XTKS',
      ts: 1_700_000_000_000 + i,
      flags: i & 7,
      settled: i % 3 === 0,
      note: i % 5 === 0 ? 'odd lot' : null,
    }));
    const encoded: Buffer[] = new Array(values.length);
    // warm-up: registers the schema, fills the caches, lets V8 optimize
    for (let i = 0; i < 50_000; i++) encoded[i & 1023] = (await ser.serialize('trades', values[i & 1023], SCHEMA))!;
    for (let i = 0; i < 50_000; i++) await de.deserialize('trades', encoded[i & 1023]);

    let t = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < N; i++) bytes += (await ser.serialize('trades', values[i & 1023], SCHEMA))!.length;
    const serSecs = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    let check = 0;
    for (let i = 0; i < N; i++) check += ((await de.deserialize('trades', encoded[i & 1023])) as { qty: number }).qty;
    const deSecs = Number(process.hrtime.bigint() - t) / 1e9;
    ctx.log(`serialize: ${N} records, ${(bytes / N).toFixed(1)} bytes each, ${serSecs.toFixed(2)} s; deserialize: ${deSecs.toFixed(2)} s (checksum ${check})`);
    return [
      { name: 'Avro serialize, 10-field record, cached schema', value: N / serSecs, unit: 'records/s', target: 500_000, better: 'higher' },
      { name: 'Avro deserialize, 10-field record, cached schema', value: N / deSecs, unit: 'records/s', target: 500_000, better: 'higher' },
    ];
  } finally {
    await reg.stop();
  }
}
