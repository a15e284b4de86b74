/**
 * The PostgreSQL CDC connector survives kill -9 of the worker without
 * losing a change: connect-standalone (a child process) streams inserts
 * while they happen, is killed mid-stream, and at that moment every change
 * is either in Kafka or still in the replication slot (read back with
 * pg_logical_slot_peek_binary_changes and decoded): the slot's
 * confirmed_flush_lsn never passed what Kafka had acknowledged. After a
 * restart every change reaches the topic (at least once).
 */
import { join } from 'node:path';
import { Client } from 'pg';
import { decodePgOutput } from '@nagare/connect-postgres-cdc';
import { startPostgres, type PostgresServer, type ServerProcess } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, getJson, startServer, startWorker, tempDir, waitFor, type Worker } from '../testing/harness';
import { createConnector, readTopic } from '../testing/pipelines';

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
    { 'bootstrap.servers': server.bootstrap, 'offset.storage.file.filename': join(dir, 'connect.offsets'), 'offset.flush.interval.ms': '300', listeners: `http://127.0.0.1:${rest}` },
    join(dir, `worker-${rest}.properties`),
  );
  const w = await startWorker(dir, [wp], rest);
  await waitFor('the REST API', async () => (await getJson(`${w.rest}/`).catch(() => ({ status: 0 }))).status === 200, 60_000);
  return w;
}

const N = 1500;

test('kill -9 mid-stream: nothing the slot confirmed is missing from Kafka; after a restart every change arrives', async () => {
  pg.createDatabase('crash');
  pg.psql('CREATE TABLE orders (id int PRIMARY KEY, note text NOT NULL)', 'crash');
  const dir = tempDir();
  let w = await worker(dir);
  const cdc = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'plugin.name': 'pgoutput',
    'database.hostname': pg.host,
    'database.port': pg.port,
    'database.user': 'postgres',
    'database.dbname': 'crash',
    'topic.prefix': 'crash',
    'slot.name': 'crash_slot',
    'status.update.interval.ms': 200,
  };
  await createConnector(w.rest, 'orders-cdc', cdc);
  await waitFor('the slot in use', () => pg.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'crash_slot'", 'crash') === 't', 60_000, 200);
  await new Promise((r) => setTimeout(r, 500)); // the initial (empty) snapshot is done
  const writer = new Client(pg.connection('crash'));
  await writer.connect();
  let killedAt = -1;
  try {
    for (let id = 1; id <= N; id += 5) {
      await writer.query('BEGIN');
      for (let j = id; j < id + 5; j++) await writer.query('INSERT INTO orders VALUES ($1, $2)', [j, `order ${j}`]);
      await writer.query('COMMIT');
      if (killedAt < 0 && id > N / 2) {
        w.proc.kill('SIGKILL');
        killedAt = id;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    await writer.end();
  }
  await w.exited;
  await waitFor('the slot released', () => pg.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'crash_slot'", 'crash') === 'f', 60_000, 200);
  const inKafka = async (until: (ids: Set<number>) => boolean): Promise<Set<number>> => {
    const ids = new Set<number>();
    await readTopic(server.bootstrap, 'crash.public.orders', (ms) => {
      ids.clear();
      for (const m of ms) {
        const v = JSON.parse(m.value!.toString()) as { payload: { op: string; after: { id: number } | null } };
        if (v.payload.after) ids.add(v.payload.after.id);
      }
      return until(ids);
    });
    return ids;
  };
  // what the killed worker got into Kafka (settled: nothing more arrives)
  let last = -1;
  const before = await inKafka((ids) => {
    const settled = ids.size === last && ids.size > 0;
    last = ids.size;
    return settled;
  });
  // what the slot still holds (the server resends it): everything after confirmed_flush_lsn
  const pending = new Set<number>();
  const peek = pg.psql("SELECT encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('crash_slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'dbz_publication')", 'crash');
  for (const hex of peek.split('\n').filter((l) => l !== '')) {
    const m = decodePgOutput(Buffer.from(hex, 'hex'));
    if (m.tag === 'insert') pending.add(Number(m.newTuple[0]));
  }
  const missing = Array.from({ length: N }, (_, i) => i + 1).filter((id) => !before.has(id) && !pending.has(id));
  expect(killedAt).toBeGreaterThan(0);
  expect(before.size).toBeGreaterThan(0);
  expect(before.size).toBeLessThan(N); // it was killed mid-stream
  expect(missing).toEqual([]); // the slot never confirmed past what Kafka holds
  // restart: every change arrives
  w = await worker(dir);
  await createConnector(w.rest, 'orders-cdc', cdc);
  const after = await inKafka((ids) => ids.size === N);
  expect(after.size).toBe(N);
  w.proc.kill('SIGTERM');
  await w.exited;
}, 400_000);
