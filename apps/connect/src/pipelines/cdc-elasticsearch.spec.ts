/**
 * PostgreSQL -> CDC -> nagare -> Elasticsearch, end to end: a real
 * PostgreSQL and the real server; the Connect worker in this process (so
 * its Elasticsearch client can use @elastic/elasticsearch-mock, answering
 * from a FakeElasticsearch with Elasticsearch's versioning semantics).
 * After a snapshot and 10,000 mixed inserts, updates and deletes the index
 * mirrors the table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { PluginClass } from '@nagare/connect-runtime';
import { startPostgres, type PostgresServer, type ServerProcess } from '@nagare/testing';
import { silentLogger } from '@nagare/common';
import { startStandalone, type RunningStandalone } from '../standalone';
import { cleanupAll, freePort, startServer, tempDir, waitFor } from '../testing/harness';
import { createConnector, MockedElasticsearch } from '../testing/pipelines';

let server: ServerProcess;
let pg: PostgresServer;
let worker: RunningStandalone | null = null;

beforeAll(async () => {
  [server, pg] = await Promise.all([startServer(), startPostgres()]);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await cleanupAll();
  await pg?.stop();
});

/** A small deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('after a snapshot and 10,000 mixed changes the Elasticsearch index mirrors the table', async () => {
  pg.createDatabase('catalog');
  pg.psql(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, note text); INSERT INTO items SELECT g, 'item ' || g, g, NULL FROM generate_series(1, 1000) g`, 'catalog');
  const es = new MockedElasticsearch();
  const dir = tempDir();
  const rest = await freePort();
  const wp = join(dir, 'worker.properties');
  writeFileSync(
    wp,
    [
      `bootstrap.servers=${server.bootstrap}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      'offset.flush.interval.ms=500',
      `listeners=http://127.0.0.1:${rest}`,
    ].join('\n'),
  );
  worker = await startStandalone(wp, [], silentLogger, { configurePlugins: (p) => void p.add(es.connectorClass() as unknown as PluginClass) });
  const url = `http://127.0.0.1:${worker.port}`;
  await createConnector(url, 'catalog-cdc', {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'plugin.name': 'pgoutput',
    'database.hostname': pg.host,
    'database.port': pg.port,
    'database.user': 'postgres',
    'database.dbname': 'catalog',
    'topic.prefix': 'shop',
    'slot.name': 'catalog_slot',
    'table.include.list': 'public.items',
  });
  await createConnector(url, 'catalog-es', {
    'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    'connection.url': 'http://elasticsearch:9200',
    topics: 'shop.public.items',
    'key.ignore': false,
    'schema.ignore': false,
    'behavior.on.null.values': 'delete',
    'batch.size': 500,
    'linger.ms': 10,
    transforms: 'unwrap,key',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.key.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
    'transforms.key.field': 'id',
  });
  const index = 'shop.public.items';
  const table = (): Map<string, Record<string, unknown>> => {
    const out = new Map<string, Record<string, unknown>>();
    const rows = pg.psql("SELECT json_build_object('id', id, 'name', name, 'qty', qty, 'note', note) FROM items ORDER BY id", 'catalog');
    for (const line of rows.split('\n').filter((l) => l !== '')) {
      const r = JSON.parse(line) as Record<string, unknown>;
      out.set(String(r.id), r);
    }
    return out;
  };
  const mirrors = (): boolean => {
    const docs = es.fake.documents(index);
    const rows = table();
    if (docs.size !== rows.size) return false;
    for (const [id, row] of rows) if (JSON.stringify(docs.get(id)) !== JSON.stringify(row)) return false;
    return true;
  };
  await waitFor('the snapshot indexed', mirrors, 120_000, 500);

  // 10,000 changes: inserts, updates and deletes in 100 transactions
  const rnd = prng(17);
  const c = new Client(pg.connection('catalog'));
  await c.connect();
  let nextId = 1001;
  const live = new Set(Array.from({ length: 1000 }, (_, i) => i + 1));
  const counts = { insert: 0, update: 0, delete: 0 };
  try {
    for (let tx = 0; tx < 100; tx++) {
      const stmts: string[] = [];
      for (let i = 0; i < 100; i++) {
        const r = rnd();
        const ids = [...live];
        if (r < 0.4 || ids.length === 0) {
          stmts.push(`INSERT INTO items VALUES (${nextId}, 'item ${nextId}', ${Math.floor(rnd() * 1000)}, 'n${tx}')`);
          live.add(nextId++);
          counts.insert++;
        } else if (r < 0.8) {
          const id = ids[Math.floor(rnd() * ids.length)];
          stmts.push(`UPDATE items SET qty = qty + 1, note = 'u${tx}-${i}' WHERE id = ${id}`);
          counts.update++;
        } else {
          const id = ids[Math.floor(rnd() * ids.length)];
          stmts.push(`DELETE FROM items WHERE id = ${id}`);
          live.delete(id);
          counts.delete++;
        }
      }
      await c.query(`BEGIN; ${stmts.join('; ')}; COMMIT`);
    }
  } finally {
    await c.end();
  }
  expect(counts.insert + counts.update + counts.delete).toBe(10_000);
  expect(Math.min(counts.insert, counts.update, counts.delete)).toBeGreaterThan(1000);
  await waitFor('the index mirroring the table', mirrors, 240_000, 1000);
  expect(es.fake.documents(index).size).toBe(live.size);
  // the mapping came from the Connect schema of the flattened rows
  expect(es.fake.indices.get(index)!.mappings).toEqual({
    properties: {
      id: { type: 'integer' },
      name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
      qty: { type: 'integer' },
      note: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
    },
  });
}, 600_000);
