/**
 * PostgreSQL -> JDBC source -> nagare -> JDBC sink -> a second database,
 * run as users run it: the real server, connect-standalone from bin/, the
 * connectors created through the REST API with Confluent's JSON configs
 * (numbers and all), a throwaway PostgreSQL. The target table equals the
 * source after inserts and updates, across a worker restart that resumes
 * from the stored offsets (no row re-read). Then the same with the
 * PostgreSQL CDC connector as the source, where deletes arrive too.
 */
import { join } from 'node:path';
import { startPostgres, type PostgresServer, type ServerProcess } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, getJson, startServer, startWorker, tempDir, waitFor, type Worker } from '../testing/harness';
import { createConnector, readTopic, tableRows } from '../testing/pipelines';

let server: ServerProcess;
let pg: PostgresServer;

beforeAll(async () => {
  [server, pg] = await Promise.all([startServer(), startPostgres()]);
}, 180_000);

afterAll(async () => {
  await cleanupAll();
  await pg?.stop();
});

async function worker(dir: string): Promise<Worker> {
  const rest = await freePort();
  const wp = adaptConfig(
    'connect-standalone.properties',
    { 'bootstrap.servers': server.bootstrap, 'offset.storage.file.filename': join(dir, 'connect.offsets'), 'offset.flush.interval.ms': '500', listeners: `http://127.0.0.1:${rest}` },
    join(dir, `worker-${rest}.properties`),
  );
  const w = await startWorker(dir, [wp], rest);
  await waitFor('the REST API', async () => (await getJson(`${w.rest}/`).catch(() => ({ status: 0 }))).status === 200, 60_000);
  return w;
}

async function stop(w: Worker): Promise<void> {
  w.proc.kill('SIGTERM');
  await w.exited;
}

test('JDBC source (timestamp+incrementing) -> topic -> JDBC sink (upsert): the target mirrors inserts and updates, across a restart', async () => {
  pg.createDatabase('shop');
  pg.createDatabase('shop_copy');
  pg.psql(
    `CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, balance numeric(12,2) NOT NULL, opened date, updated_at timestamp(3) NOT NULL DEFAULT clock_timestamp());
     INSERT INTO accounts (name, balance, opened) SELECT 'acct-' || g, g * 1.25, DATE '2024-01-01' + g FROM generate_series(1, 300) g`,
    'shop',
  );
  const dir = tempDir();
  let w = await worker(dir);
  const source = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
    'connection.url': pg.jdbcUrl('shop'),
    'connection.user': 'postgres',
    'topic.prefix': 'shop-',
    'table.whitelist': 'accounts',
    mode: 'timestamp+incrementing',
    'timestamp.column.name': 'updated_at',
    'incrementing.column.name': 'id',
    'poll.interval.ms': 200,
    'tasks.max': 1,
  };
  const sink = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
    'connection.url': pg.jdbcUrl('shop_copy'),
    'connection.user': 'postgres',
    topics: 'shop-accounts',
    'table.name.format': 'accounts',
    'insert.mode': 'upsert',
    'pk.mode': 'record_value',
    'pk.fields': 'id',
    'auto.create': true,
    'auto.evolve': true,
  };
  await createConnector(w.rest, 'accounts-source', source);
  await createConnector(w.rest, 'accounts-sink', sink);
  const cols = 'id, name, balance, opened, updated_at';
  const same = (): boolean => {
    try {
      return tableRows(pg, 'shop_copy', 'accounts', cols) === tableRows(pg, 'shop', 'accounts', cols);
    } catch {
      return false; // not created yet
    }
  };
  // (Connect Timestamps carry milliseconds: the source column has that precision so the copies compare equal)
  await waitFor('the initial copy', same, 120_000, 500);
  pg.psql(`UPDATE accounts SET balance = balance + 1, updated_at = clock_timestamp() WHERE id % 10 = 0; INSERT INTO accounts (name, balance) VALUES ('late', 7)`, 'shop');
  await waitFor('updates and inserts copied', same, 120_000, 500);
  // restart: the source resumes from its stored offset
  await stop(w);
  pg.psql(`UPDATE accounts SET name = name || '!', updated_at = clock_timestamp() WHERE id <= 5; INSERT INTO accounts (name, balance) VALUES ('after-restart', 1)`, 'shop');
  w = await worker(dir);
  // standalone mode keeps no connector configurations: create them again (same names: same offsets)
  await createConnector(w.rest, 'accounts-source', source);
  await createConnector(w.rest, 'accounts-sink', sink);
  await waitFor('changes made while stopped copied', same, 120_000, 500);
  const expected = 300 + 30 + 1 + 5 + 1; // every version of every row once
  const msgs = await readTopic(server.bootstrap, 'shop-accounts', (m) => m.length >= expected);
  await new Promise((r) => setTimeout(r, 1000));
  const versions = msgs.map((m) => {
    const v = JSON.parse(m.value!.toString()) as { payload: { id: number; updated_at: number; name: string } };
    return `${v.payload.id}@${v.payload.updated_at}/${v.payload.name}`;
  });
  expect(new Set(versions).size).toBe(versions.length); // nothing read twice after the restart
  expect(versions.length).toBe(expected);
  const offsets = await getJson(`${w.rest}/connectors/accounts-source/offsets`);
  expect(JSON.stringify(offsets.body)).toContain('"protocol":"1","table":"public.accounts"');
  await stop(w);
}, 400_000);

test('PostgreSQL CDC -> ExtractNewRecordState -> JDBC sink (delete.enabled): the target mirrors inserts, updates and deletes', async () => {
  pg.createDatabase('inventory');
  pg.createDatabase('inventory_copy');
  pg.psql(`CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, price numeric(10,2)); INSERT INTO products SELECT g, 'p' || g, g, g / 4.0 FROM generate_series(1, 200) g`, 'inventory');
  const dir = tempDir();
  const w = await worker(dir);
  await createConnector(w.rest, 'inventory-cdc', {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'plugin.name': 'pgoutput',
    'database.hostname': pg.host,
    'database.port': pg.port,
    'database.user': 'postgres',
    'database.password': '',
    'database.dbname': 'inventory',
    'topic.prefix': 'inv',
    'slot.name': 'inventory_slot',
    'table.include.list': 'public.products',
  });
  await createConnector(w.rest, 'inventory-copy', {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
    'connection.url': pg.jdbcUrl('inventory_copy'),
    'connection.user': 'postgres',
    topics: 'inv.public.products',
    'table.name.format': 'products',
    'insert.mode': 'upsert',
    'pk.mode': 'record_key',
    'delete.enabled': true,
    'auto.create': true,
    transforms: 'unwrap',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  });
  const cols = 'id, name, qty, price';
  const same = (): boolean => {
    try {
      return tableRows(pg, 'inventory_copy', 'products', cols) === tableRows(pg, 'inventory', 'products', cols);
    } catch {
      return false;
    }
  };
  await waitFor('the snapshot copied', same, 120_000, 500);
  pg.psql(
    `UPDATE products SET qty = qty * 2 WHERE id % 3 = 0; DELETE FROM products WHERE id % 7 = 0; INSERT INTO products VALUES (1000, 'new', 1, 9.99);
     UPDATE products SET name = 'renamed' WHERE id = 1000; DELETE FROM products WHERE id = 1; INSERT INTO products VALUES (1, 'back', 5, NULL)`,
    'inventory',
  );
  await waitFor('changes and deletes copied', same, 120_000, 500);
  expect(pg.psql('SELECT count(*) FROM products', 'inventory_copy')).toBe(String(200 - 28 + 1));
  await stop(w);
}, 400_000);
