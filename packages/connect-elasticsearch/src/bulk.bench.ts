/**
 * Elasticsearch sink bulk building (run: `npm run bench -- connect-elasticsearch`):
 * SinkRecords as JsonConverter hands them to the task (a Debezium row
 * flattened by ExtractNewRecordState: int32 id, three strings, a decimal,
 * a timestamp; key = the id) turned into `_bulk` NDJSON bodies of
 * batch.size (2,000) operations, with the offset as external version.
 * ES_BENCH_RECORDS (default 300,000) records per figure; each figure is the
 * median of three runs (the machine is shared).
 *
 *  1. with schemas (the default: the value schema drives the JSON), the
 *     issue's goal >= 200,000 records/s;
 *  2. schemaless values (schema.ignore / JsonConverter schemas.enable=false);
 *  3. the whole task: put() -> bulk bodies -> the client's batching and
 *     in-flight limit -> an instant bulk acknowledgement -> preCommit()
 *     returning the offsets (no network; no target, for comparison).
 */
import { BigDecimal, Decimal, SchemaBuilder, Schemas, SinkRecord, Struct, ConnectTimestamp, topicPartitionKey, type SinkTaskContext } from '@nagare/connect-api';
import { ElasticsearchSinkConnectorConfig } from './config';
import { DataConverter } from './data-converter';
import { MockedElasticsearch, mockedTaskClass } from './testing/mock-es';

/** `BenchResult` of @nagare/common (connectors depend on @nagare/connect-api only). */
interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: number;
  better?: 'higher' | 'lower';
  note?: string;
}

const N = Number(process.env.ES_BENCH_RECORDS ?? 300_000);
const TOPIC = 'dbserver1.public.customers';

const valueSchema = SchemaBuilder.struct()
  .name('dbserver1.public.customers.Value')
  .field('id', Schemas.INT32_SCHEMA)
  .field('first_name', Schemas.STRING_SCHEMA)
  .field('last_name', Schemas.STRING_SCHEMA)
  .field('email', Schemas.STRING_SCHEMA)
  .field('balance', Decimal.builder(2).optional().build())
  .field('updated_at', ConnectTimestamp.builder().optional().build())
  .build();

function records(schemaless: boolean): SinkRecord[] {
  const out: SinkRecord[] = new Array(N);
  for (let i = 0; i < N; i++) {
    const first = `first ${i}`;
    const email = `customer.${i}@example.com`;
    const balance = new BigDecimal(BigInt(i * 37), 2);
    const updated = new Date(1_700_000_000_000 + i);
    const value = schemaless
      ? { id: i, first_name: first, last_name: 'Thomas', email, balance: Number(balance.toString()), updated_at: updated.getTime() }
      : new Struct(valueSchema).put('id', i).put('first_name', first).put('last_name', 'Thomas').put('email', email).put('balance', balance).put('updated_at', updated);
    out[i] = new SinkRecord(TOPIC, 0, schemaless ? null : Schemas.INT32_SCHEMA, i, schemaless ? null : valueSchema, value, i, 1_700_000_000_000, 'CreateTime');
  }
  return out;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function buildBodies(rs: SinkRecord[], props: Record<string, string>): { secs: number; bytes: number; bodies: number } {
  const config = new ElasticsearchSinkConnectorConfig({ 'connection.url': 'http://localhost:9200', ...props });
  const converter = new DataConverter(config);
  const batch = config.batchSize;
  let bytes = 0;
  let bodies = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rs.length; i += batch) {
    let body = '';
    const end = Math.min(rs.length, i + batch);
    for (let j = i; j < end; j++) body += converter.convertRecord(rs[j], TOPIC)!.lines;
    bytes += Buffer.byteLength(body);
    bodies++;
  }
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, bytes, bodies };
}

/** MockedElasticsearch answering `_bulk` at once with every item created (the bodies are not parsed). */
class InstantBulk extends MockedElasticsearch {
  override connection(): unknown {
    const Base = super.connection() as new (...a: unknown[]) => { request(params: Record<string, unknown>, options: unknown): Promise<unknown> };
    return class extends Base {
      override async request(params: Record<string, unknown>, options: unknown): Promise<unknown> {
        if (params.path !== '/_bulk') return super.request(params, options);
        const body = String(params.body);
        let ops = 0;
        for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) ops++;
        const item = '{"index":{"status":201,"result":"created"}}';
        const payload = `{"took":1,"errors":false,"items":[${new Array(ops / 2).fill(item).join(',')}]}`;
        return { body: payload, statusCode: 200, headers: { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' } };
      }
    };
  }
}

async function wholeTask(rs: SinkRecord[]): Promise<number> {
  const es = new InstantBulk();
  const Task = mockedTaskClass(es);
  const task = new Task();
  const props = { 'connection.url': 'http://localhost:9200', 'linger.ms': '1' };
  task.initialize({
    configs: () => props,
    offset: () => undefined,
    timeout: () => undefined,
    assignment: () => [{ topic: TOPIC, partition: 0 }],
    pause: () => undefined,
    resume: () => undefined,
    requestCommit: () => undefined,
    errantRecordReporter: () => null,
  } as SinkTaskContext);
  await task.start(props);
  const t0 = process.hrtime.bigint();
  // the worker hands records over in poll-sized chunks (max.poll.records=500)
  for (let i = 0; i < rs.length; i += 500) await task.put(rs.slice(i, i + 500));
  const tp = { topic: TOPIC, partition: 0 };
  // preCommit returns what Elasticsearch has acknowledged so far (the last bulks may still be in flight)
  const current = new Map([[topicPartitionKey(tp), { ...tp, offset: rs.length }]]);
  let committed = -1;
  while ((committed = (await task.preCommit(current)).get(topicPartitionKey(tp))?.offset ?? -1) < rs.length) await new Promise((r) => setTimeout(r, 1));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await task.stop();
  if (committed !== rs.length) throw new Error(`preCommit returned offset ${committed}, expected ${rs.length}`);
  return secs;
}

export async function run(ctx: { log(line: string): void }): Promise<BenchResult[]> {
  const withSchema = records(false);
  buildBodies(withSchema.slice(0, 20_000), {}); // warm-up
  const a = [0, 1, 2].map(() => buildBodies(withSchema, {}));
  ctx.log(`with schema: ${N} records in ${a.map((x) => x.secs.toFixed(2)).join(' / ')} s, ${a[0].bodies} bodies, ${(a[0].bytes / N).toFixed(0)} B/record`);
  const schemaless = records(true);
  buildBodies(schemaless.slice(0, 20_000), { 'schema.ignore': 'true' });
  const b = [0, 1, 2].map(() => buildBodies(schemaless, { 'schema.ignore': 'true' }));
  ctx.log(`schemaless: ${N} records in ${b.map((x) => x.secs.toFixed(2)).join(' / ')} s`);
  const c: number[] = [];
  for (let i = 0; i < 3; i++) c.push(await wholeTask(withSchema));
  ctx.log(`task put -> preCommit: ${N} records in ${c.map((x) => x.toFixed(2)).join(' / ')} s`);
  return [
    { name: `bulk bodies from ${N} records with schemas (6 fields: int, 3 strings, decimal, timestamp; external versions)`, value: Math.round(N / median(a.map((x) => x.secs))), unit: 'records/s', target: 200_000, better: 'higher', note: 'median of 3' },
    { name: `bulk bodies from ${N} schemaless records (schema.ignore=true)`, value: Math.round(N / median(b.map((x) => x.secs))), unit: 'records/s', target: 200_000, better: 'higher', note: 'median of 3' },
    { name: 'task put() -> batching -> instant bulk ack -> preCommit() offsets', value: Math.round(N / median(c)), unit: 'records/s', note: 'median of 3; no network, bulk responses not parsed by a server' },
  ];
}
