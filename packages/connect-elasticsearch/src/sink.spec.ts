/**
 * The Elasticsearch sink against @elastic/elasticsearch-mock (Elasticsearch
 * cannot run here): the exact bulk bodies, ids, external versions, index
 * names, mappings, upserts, deletes, data streams, retries on 429/5xx,
 * partial bulk failures and the DLQ, batching and in-flight limits, and
 * offsets committed only once Elasticsearch acknowledged.
 */
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  SchemaBuilder,
  Schemas,
  SinkRecord,
  Struct,
  topicPartitionKey,
  type PartitionOffsets,
  type SinkTaskContext,
} from '@nagare/connect-api';
import { ElasticsearchSinkConnector } from './connector';
import { javaDouble, javaFloat } from './json';
import { MockedElasticsearch, mockedTaskClass } from './testing/mock-es';
import type { ElasticsearchSinkTask } from './task';

const valueSchema = SchemaBuilder.struct()
  .name('customer')
  .field('id', Schemas.INT32_SCHEMA)
  .field('name', Schemas.STRING_SCHEMA)
  .field('score', Schemas.OPTIONAL_FLOAT64_SCHEMA)
  .field('balance', Decimal.builder(2).optional().build())
  .field('born', ConnectDate.builder().optional().build())
  .field('tags', SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT32_SCHEMA).optional().build())
  .build();

function customer(id: number, name: string, score: number | null = null): Struct {
  return new Struct(valueSchema).put('id', id).put('name', name).put('score', score);
}

function rec(topic: string, key: unknown, value: Struct | null, offset: number, partition = 0): SinkRecord {
  return new SinkRecord(topic, partition, key === null ? null : Schemas.INT32_SCHEMA, key, value === null ? null : valueSchema, value, offset, 1_700_000_000_000, 'CreateTime');
}

interface Harness {
  es: MockedElasticsearch;
  task: ElasticsearchSinkTask;
  reported: Array<{ record: SinkRecord; error: Error }>;
  paused: number;
}

async function startTask(props: Record<string, string>, es = new MockedElasticsearch(), withReporter = true): Promise<Harness> {
  const Task = mockedTaskClass(es);
  const task = new Task();
  const h: Harness = { es, task, reported: [], paused: 0 };
  const all = { 'connection.url': 'http://localhost:9200', 'retry.backoff.ms': '1', 'linger.ms': '1', ...props };
  task.initialize({
    configs: () => all,
    offset: () => undefined,
    timeout: () => undefined,
    assignment: () => [{ topic: 'customers', partition: 0 }],
    pause: () => void h.paused++,
    resume: () => undefined,
    requestCommit: () => undefined,
    errantRecordReporter: () => (withReporter ? { report: async (record: SinkRecord, error: Error) => void h.reported.push({ record, error }) } : null),
  } as SinkTaskContext);
  await task.start(all);
  return h;
}

const current = (...tps: Array<[string, number, number]>): PartitionOffsets => new Map(tps.map(([topic, partition, offset]) => [topicPartitionKey({ topic, partition }), { topic, partition, offset }]));
const committed = (m: PartitionOffsets): Record<string, number> => Object.fromEntries([...m.entries()].map(([k, v]) => [k, v.offset]));

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Elasticsearch sink', () => {
  it('indexes with the key as _id and the offset as external version; the exact bulk body; a mapping from the schema', async () => {
    const h = await startTask({ 'flush.synchronously': 'true' });
    const v = customer(1, 'Anne "A"', 2.5).put('balance', new BigDecimal(12345n, 2)).put('born', new Date(Date.UTC(1990, 0, 2))).put('tags', new Map([['vip', 1]]));
    await h.task.put([rec('Customers', 1, v, 41), rec('Customers', 2, customer(2, 'Bob'), 42)]);
    const offsets = await h.task.preCommit(current(['Customers', 0, 43]));
    expect(committed(offsets)).toEqual({ 'Customers-0': 43 });
    expect(h.es.bulks()).toEqual([
      '{"index":{"_index":"customers","_id":"1","version":41,"version_type":"external"}}\n' +
        '{"id":1,"name":"Anne \\"A\\"","score":2.5,"balance":123.45,"born":7306,"tags":{"vip":1}}\n' +
        '{"index":{"_index":"customers","_id":"2","version":42,"version_type":"external"}}\n' +
        '{"id":2,"name":"Bob","score":null,"balance":null,"born":null,"tags":null}\n',
    ]);
    const mappingReq = h.es.raw.find((r) => r.method === 'PUT' && r.path === '/customers/_mapping')!;
    expect(JSON.parse(mappingReq.body)).toEqual({
      properties: {
        id: { type: 'integer' },
        name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        score: { type: 'double' },
        balance: { type: 'double' },
        born: { type: 'date' },
        tags: { properties: { key: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } }, value: { type: 'integer' } } },
      },
    });
    expect(h.es.raw.map((r) => `${r.method} ${r.path}`).slice(0, 4)).toEqual(['GET /', 'HEAD /customers', 'PUT /customers', 'GET /customers/_mapping']);
    expect(h.es.fake.documents('customers').get('1')!.name).toBe('Anne "A"');
    await h.task.stop();
  });

  it('key.ignore: ids <topic>+<partition>+<offset> without versions; schema.ignore: no mapping, decimals as base64 bytes', async () => {
    const h = await startTask({ 'key.ignore': 'true', 'schema.ignore': 'true', 'flush.synchronously': 'true' });
    await h.task.put([rec('logs', null, customer(7, 'x').put('balance', new BigDecimal(100n, 2)), 5, 3)]);
    await h.task.preCommit(current(['logs', 3, 6]));
    expect(h.es.bulks()).toEqual(['{"index":{"_index":"logs","_id":"logs+3+5"}}\n{"id":7,"name":"x","score":null,"balance":"ZA==","born":null,"tags":null}\n']);
    expect(h.es.raw.some((r) => r.path.endsWith('/_mapping'))).toBe(false);
    await h.task.stop();
  });

  it('write.method=upsert: update with doc + upsert and retry_on_conflict; behavior.on.null.values=delete deletes by key with its version', async () => {
    const h = await startTask({ 'write.method': 'upsert', 'behavior.on.null.values': 'delete', 'max.in.flight.requests': '3', 'flush.synchronously': 'true' });
    await h.task.put([rec('customers', 1, customer(1, 'a'), 0), rec('customers', 1, customer(1, 'b'), 1), rec('customers', 2, customer(2, 'c'), 2), rec('customers', 2, null, 3)]);
    await h.task.preCommit(current(['customers', 0, 4]));
    expect(h.es.bulks().join('')).toBe(
      '{"update":{"_index":"customers","_id":"1","retry_on_conflict":3}}\n{"doc":{"id":1,"name":"a","score":null,"balance":null,"born":null,"tags":null},"upsert":{"id":1,"name":"a","score":null,"balance":null,"born":null,"tags":null}}\n' +
        '{"update":{"_index":"customers","_id":"1","retry_on_conflict":3}}\n{"doc":{"id":1,"name":"b","score":null,"balance":null,"born":null,"tags":null},"upsert":{"id":1,"name":"b","score":null,"balance":null,"born":null,"tags":null}}\n' +
        '{"update":{"_index":"customers","_id":"2","retry_on_conflict":3}}\n{"doc":{"id":2,"name":"c","score":null,"balance":null,"born":null,"tags":null},"upsert":{"id":2,"name":"c","score":null,"balance":null,"born":null,"tags":null}}\n' +
        '{"delete":{"_index":"customers","_id":"2","version":3,"version_type":"external"}}\n',
    );
    expect([...h.es.fake.documents('customers').keys()]).toEqual(['1']);
    expect(h.es.fake.documents('customers').get('1')!.name).toBe('b');
    await h.task.stop();
    // IGNORE skips (and reports) null values; FAIL fails with Confluent's message
    const ig = await startTask({ 'behavior.on.null.values': 'ignore', 'flush.synchronously': 'true' });
    await ig.task.put([rec('customers', 9, null, 0)]);
    expect(ig.es.fake.bulkCount()).toBe(0);
    expect(ig.reported.map((r) => r.error.message)).toEqual(['Cannot write null valued record.']);
    expect(committed(await ig.task.preCommit(current(['customers', 0, 1])))).toEqual({ 'customers-0': 1 });
    await ig.task.stop();
    const fail = await startTask({});
    await expect(fail.task.put([rec('customers', 9, null, 4)])).rejects.toThrow(
      "record from topic=customers partition=0 offset=4 has a null value (to ignore future records like this change the configuration property 'behavior.on.null.values' from 'FAIL' to 'IGNORE')",
    );
    await fail.task.stop();
  });

  it('replays never overwrite newer data: an older external version is a conflict that is ignored and counted as done', async () => {
    const h = await startTask({ 'flush.synchronously': 'true', 'behavior.on.null.values': 'delete' });
    await h.task.put([rec('customers', 1, customer(1, 'new'), 10)]);
    await h.task.preCommit(current(['customers', 0, 11]));
    // a replay from an earlier offset (e.g. after a rewind)
    await h.task.put([rec('customers', 1, customer(1, 'old'), 4), rec('customers', 2, customer(2, 'two'), 5)]);
    const offsets = await h.task.preCommit(current(['customers', 0, 6]));
    expect(h.es.fake.documents('customers').get('1')!.name).toBe('new');
    expect(h.es.fake.documents('customers').get('2')!.name).toBe('two');
    expect(committed(offsets)).toEqual({ 'customers-0': 6 });
    expect(h.reported).toEqual([]);
    // a delete (versioned tombstone) is not undone by replaying the older insert
    await h.task.put([rec('customers', 2, null, 7), rec('customers', 2, customer(2, 'stale'), 5)]);
    await h.task.preCommit(current(['customers', 0, 8]));
    expect(h.es.fake.documents('customers').has('2')).toBe(false);
    await h.task.stop();
  });

  it('retries a rejected bulk (429, 503) with backoff; after max.retries the task fails and offsets stay put', async () => {
    const es = new MockedElasticsearch();
    es.fake.failNextBulks(2, 429);
    const h = await startTask({ 'max.retries': '3', 'flush.synchronously': 'true' }, es);
    await h.task.put([rec('customers', 1, customer(1, 'a'), 0)]);
    expect(committed(await h.task.preCommit(current(['customers', 0, 1])))).toEqual({ 'customers-0': 1 });
    expect(h.es.bulks()).toHaveLength(3); // two rejections, then accepted
    expect(new Set(h.es.bulks()).size).toBe(1); // the same bytes each time
    await h.task.stop();
    const es2 = new MockedElasticsearch();
    es2.fake.failNextBulks(5, 503);
    const h2 = await startTask({ 'max.retries': '2', 'flush.synchronously': 'true' }, es2);
    await h2.task.put([rec('customers', 1, customer(1, 'a'), 0)]);
    expect(committed(await h2.task.preCommit(current(['customers', 0, 1])))).toEqual({});
    expect(h2.es.bulks()).toHaveLength(3);
    await expect(h2.task.put([rec('customers', 2, customer(2, 'b'), 1)])).rejects.toThrow(/Bulk request failed: ResponseError \(status 503\)/);
    await h2.task.stop().catch(() => undefined);
  });

  it('partial bulk failures: malformed documents per behavior.on.malformed.documents, reported to the DLQ; offsets stop at a failed record', async () => {
    const es = new MockedElasticsearch();
    es.fake.rejectField('bad');
    const badSchema = SchemaBuilder.struct().field('id', Schemas.INT32_SCHEMA).field('bad', Schemas.STRING_SCHEMA).build();
    const bad = (id: number, off: number): SinkRecord => new SinkRecord('customers', 0, Schemas.INT32_SCHEMA, id, badSchema, new Struct(badSchema).put('id', id).put('bad', 'x'), off);
    const warn = await startTask({ 'behavior.on.malformed.documents': 'warn', 'flush.synchronously': 'true', 'schema.ignore': 'true' }, es);
    await warn.task.put([rec('customers', 1, customer(1, 'a'), 0), bad(2, 1), rec('customers', 3, customer(3, 'c'), 2)]);
    expect(committed(await warn.task.preCommit(current(['customers', 0, 3])))).toEqual({ 'customers-0': 3 });
    expect(warn.reported.map((r) => (r.record.key() as number))).toEqual([2]);
    expect(warn.reported[0].error.message).toMatch(/^Indexing failed: \[customers\/2\] ElasticsearchException\[Elasticsearch exception \[type=mapper_parsing_exception, reason=failed to parse field \[bad\]/);
    expect([...es.fake.documents('customers').keys()].sort()).toEqual(['1', '3']);
    await warn.task.stop();
    const es2 = new MockedElasticsearch();
    es2.fake.rejectField('bad');
    const fail = await startTask({ 'flush.synchronously': 'true', 'schema.ignore': 'true' }, es2);
    await fail.task.put([rec('customers', 1, customer(1, 'a'), 0), bad(2, 1), rec('customers', 3, customer(3, 'c'), 2)]);
    expect(committed(await fail.task.preCommit(current(['customers', 0, 3])))).toEqual({ 'customers-0': 1 });
    await expect(fail.task.put([])).rejects.toThrow('Indexing record failed. Please check DLQ topic for errors.');
    await fail.task.stop().catch(() => undefined);
  });

  it('batch.size and bulk.size.bytes split bulks; at most max.in.flight.requests in flight; offsets only after the acknowledgement', async () => {
    const es = new MockedElasticsearch();
    const h = await startTask({ 'batch.size': '2', 'max.in.flight.requests': '2', 'max.buffered.records': '100', 'linger.ms': '100000', 'flush.timeout.ms': '10000' }, es);
    let release!: () => void;
    es.gate = new Promise<void>((r) => (release = r));
    await h.task.put([1, 2, 3, 4].map((i) => rec('customers', i, customer(i, `n${i}`), i - 1)));
    await waitFor(() => es.bulks().length === 2); // two bulks of two records in flight
    // nothing acknowledged yet: nothing to commit
    expect(committed(await h.task.preCommit(current(['customers', 0, 4])))).toEqual({});
    // a third full batch waits for an in-flight slot
    const put = h.task.put([5, 6].map((i) => rec('customers', i, customer(i, `n${i}`), i - 1)));
    await new Promise((r) => setTimeout(r, 50));
    expect(es.bulks().length).toBe(2);
    es.gate = null;
    release();
    await put;
    await waitFor(() => es.fake.documents('customers').size === 6);
    await new Promise((r) => setTimeout(r, 20));
    expect(committed(await h.task.preCommit(current(['customers', 0, 6])))).toEqual({ 'customers-0': 6 });
    expect(es.bulks().map((b) => b.split('\n').length - 1)).toEqual([4, 4, 4]);
    await h.task.stop();
    // bulk.size.bytes
    const es2 = new MockedElasticsearch();
    const h2 = await startTask({ 'bulk.size.bytes': '150', 'flush.synchronously': 'true' }, es2);
    await h2.task.put([1, 2, 3].map((i) => rec('customers', i, customer(i, 'x'), i)));
    await h2.task.preCommit(current(['customers', 0, 4]));
    expect(es2.bulks().length).toBe(3);
    await h2.task.stop();
  });

  it('data streams: create operations into <type>-<dataset>-<namespace> with @timestamp; index names made valid', async () => {
    const h = await startTask({ 'data.stream.type': 'logs', 'data.stream.dataset': 'app', 'flush.synchronously': 'true' });
    await h.task.put([rec('Web.Events', 1, customer(1, 'a'), 3)]);
    await h.task.preCommit(current(['Web.Events', 0, 4]));
    expect(h.es.raw.find((r) => r.method === 'PUT' && r.path.startsWith('/_data_stream/'))!.path).toBe('/_data_stream/logs-app-web.events');
    expect(h.es.bulks()).toEqual(['{"create":{"_index":"logs-app-web.events","_id":"1"}}\n{"id":1,"name":"a","score":null,"balance":null,"born":null,"tags":null,"@timestamp":1700000000000}\n']);
    await h.task.stop();
    const ts = await startTask({ 'data.stream.type': 'metrics', 'data.stream.dataset': 'm', 'data.stream.timestamp.field': 'name', 'flush.synchronously': 'true', 'data.stream.namespace': 'ns' });
    await ts.task.put([rec('x', 1, customer(1, '2024-01-01T00:00:00Z'), 0)]);
    await ts.task.preCommit(current(['x', 0, 1]));
    expect(ts.es.bulks()[0]).toContain('"@timestamp":"2024-01-01T00:00:00Z"');
    expect(ts.es.bulks()[0]).toContain('"_index":"metrics-m-ns"');
    await ts.task.stop();
    const { indexName } = await import('./task');
    expect([indexName('MyTopic'), indexName('_private'), indexName('-dash'), indexName('.'), indexName('..'), indexName('x'.repeat(300)).length]).toEqual(['mytopic', 'private', 'dash', 'dot', 'dotdot', 255]);
  });

  it('validates configurations with Confluent\'s messages', () => {
    const c = new ElasticsearchSinkConnector();
    const errs = (cfg: Record<string, string>) => Object.fromEntries(c.validate(cfg).filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages]));
    expect(errs({})['connection.url']).toEqual(['Missing required configuration "connection.url" which has no default value.']);
    expect(errs({ 'connection.url': 'ftp://x' })['connection.url']).toEqual(['Invalid value [ftp://x] for configuration connection.url: Invalid URL: ftp://x']);
    expect(errs({ 'connection.url': 'http://x', 'behavior.on.null.values': 'explode' })['behavior.on.null.values']).toEqual([
      'Invalid value explode for configuration behavior.on.null.values: String must be one of (case insensitive): IGNORE, DELETE, FAIL',
    ]);
    expect(errs({ 'connection.url': 'http://x', 'data.stream.type': 'logs' })['data.stream.dataset']).toEqual([
      'Invalid configuration: data.stream.type and data.stream.dataset must be configured together. Either both must be set, or both must be empty.',
    ]);
    expect(errs({ 'connection.url': 'http://x', 'data.stream.type': 'logs', 'data.stream.dataset': 'a', 'write.method': 'upsert' })['write.method']).toEqual([
      'Upserts are not supported with data streams. write.method must not be UPSERT when using data streams.',
    ]);
    expect(errs({ 'connection.url': 'http://x', 'key.ignore': 'true', 'topic.key.ignore': 't' })['key.ignore']).toEqual(["'topic.key.ignore' can not be set if 'key.ignore' is true."]);
    expect(errs({ 'connection.url': 'http://x', 'max.buffered.records': '10' })['max.buffered.records']).toEqual([
      "'max.buffered.records' (10) must be larger than or equal to 'batch.size' (2000) x max.in.flight.requests (5).",
    ]);
  });

  it('formats numbers as the Java connector does', () => {
    expect([javaDouble(1), javaDouble(2.5), javaDouble(1e7), javaDouble(1.5e-4), javaDouble(-0), javaDouble(NaN), javaDouble(123456.789)]).toEqual(['1.0', '2.5', '1.0E7', '1.5E-4', '-0.0', '"NaN"', '123456.789']);
    expect([javaFloat(Math.fround(0.1)), javaFloat(Math.fround(3.4028235e38)), javaFloat(Math.fround(1))]).toEqual(['0.1', '3.4028235E38', '1.0']);
  });
});
