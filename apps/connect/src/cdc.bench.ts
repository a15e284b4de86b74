/**
 * PostgreSQL CDC (Debezium's PostgresConnector, pgoutput) through
 * `connect-standalone` as users run it, into a fresh `nagare server`, from a
 * throwaway PostgreSQL (run: `npm run bench -- cdc`). JsonConverter without
 * schemas (the connector's work, not the schema text, is measured).
 *
 *  1. throughput: one INSERT ... SELECT generate_series of CDC_BENCH_ROWS
 *     (default 1,000,000) rows; rows/s from its COMMIT until every change
 *     event is in the topic (the topic's end offset, read with ListOffsets),
 *     issue goal >= 50,000 rows/s. pgoutput sends a transaction at its
 *     commit, so the INSERT itself (PostgreSQL's time) is reported apart.
 *  2. the same INSERT into another database, read by the connector's task
 *     alone, polled as the worker polls it (records acknowledged and the
 *     LSN committed per batch), no Kafka: the connector's own share;
 *  3. latency: single-row INSERTs (each its own transaction) at 500 rows/s
 *     for CDC_BENCH_LATENCY_ROWS (default 10,000) rows; each row carries the
 *     wall clock before its INSERT, a kafkajs consumer takes the time it
 *     reads the event: p50 / p99 / max, issue goal p99 < 200 ms.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import type { BenchContext, BenchResult } from '@nagare/common';
import { PostgresConnectorTask } from '@nagare/connect-postgres-cdc';
import { startPostgres, type PostgresServer } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, getJson, startServer, startWorker, tempDir, waitFor } from './testing/harness';

const ROWS = Number(process.env.CDC_BENCH_ROWS ?? 1_000_000);
const LATENCY_ROWS = Number(process.env.CDC_BENCH_LATENCY_ROWS ?? 10_000);
const LATENCY_RATE = 500;

async function endOffset(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } catch {
    return 0; // not created yet
  } finally {
    await admin.disconnect();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function throughput(ctx: BenchContext, pg: PostgresServer, kafka: Kafka): Promise<{ rowsPerSec: number; insertSecs: number; totalRowsPerSec: number }> {
  const topic = 'bench.public.orders';
  const c = new Client(pg.connection('bench'));
  await c.connect();
  try {
    const t0 = Date.now();
    await c.query(INSERT_ORDERS);
    const committed = Date.now();
    ctx.log(`INSERT of ${ROWS} rows committed in ${((committed - t0) / 1000).toFixed(1)} s`);
    let last = 0;
    let lastLog = Date.now();
    await waitFor(
      'every change event in the topic',
      async () => {
        const n = await endOffset(kafka, topic);
        if (Date.now() - lastLog > 5000) {
          ctx.log(`  ${n} / ${ROWS} events in ${topic} (${Math.round(((n - last) * 1000) / (Date.now() - lastLog))}/s)`);
          last = n;
          lastLog = Date.now();
        }
        return n >= ROWS;
      },
      1_800_000,
      100,
    );
    const done = Date.now();
    ctx.log(`all ${ROWS} events in Kafka ${((done - committed) / 1000).toFixed(1)} s after the commit`);
    return { rowsPerSec: (ROWS * 1000) / (done - committed), insertSecs: (committed - t0) / 1000, totalRowsPerSec: (ROWS * 1000) / (done - t0) };
  } finally {
    await c.end();
  }
}

const ORDERS = `CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, note text)`;
const INSERT_ORDERS = `INSERT INTO orders SELECT g, 'customer ' || (g % 1000), g * 0.01, TIMESTAMPTZ '2024-01-01 00:00:00Z' + g * INTERVAL '1 second', 'note ' || g FROM generate_series(1, ${ROWS}) g`;

async function taskAlone(ctx: BenchContext, pg: PostgresServer): Promise<number> {
  pg.createDatabase('bench_task');
  pg.psql(ORDERS, 'bench_task');
  const props = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'plugin.name': 'pgoutput',
    'database.hostname': pg.host,
    'database.port': String(pg.port),
    'database.user': pg.user,
    'database.dbname': 'bench_task',
    'topic.prefix': 'bench',
    'slot.name': 'bench_task',
  };
  const task = new PostgresConnectorTask();
  task.initialize({ configs: () => props, offsetStorageReader: () => ({ offset: async () => null, offsets: async (ps) => new Map(ps.map((p) => [p, null])) }) });
  await task.start(props);
  const c = new Client(pg.connection('bench_task'));
  await c.connect();
  try {
    // the (empty) snapshot done, streaming
    await waitFor('the task streaming', async () => ((await task.poll()) ?? []).length === 0 && pg.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'bench_task'") === 't', 60_000, 10);
    await c.query(INSERT_ORDERS);
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (n < ROWS) {
      const rs = (await task.poll()) ?? [];
      for (const r of rs) task.commitRecord(r, null);
      if (rs.length > 0) task.commit();
      n += rs.length;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    ctx.log(`task alone: ${ROWS} change events in ${secs.toFixed(1)} s after the commit`);
    return ROWS / secs;
  } finally {
    await c.end();
    await task.stop();
  }
}

async function latency(ctx: BenchContext, pg: PostgresServer, kafka: Kafka): Promise<number[]> {
  const topic = 'bench.public.pings';
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId: `cdc-latency-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  const c = new Client(pg.connection('bench'));
  await c.connect();
  try {
    // the topic exists (and the consumer is assigned) before the measured rows
    await c.query('INSERT INTO pings VALUES (0, 0)');
    await waitFor('the pings topic', async () => (await endOffset(kafka, topic)) >= 1, 60_000);
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = Date.now();
        const event = JSON.parse(message.value!.toString('utf8')) as { after: { id: number; sent_ms: number } | null };
        if (event.after && event.after.id > 0) latencies.push(now - event.after.sent_ms);
      },
    });
    await waitFor('the consumer assigned', () => latencies.length >= 0, 1000);
    const start = Date.now() + 500;
    for (let i = 1; i <= LATENCY_ROWS; i++) {
      const due = start + (i * 1000) / LATENCY_RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await c.query('INSERT INTO pings VALUES ($1, $2)', [i, Date.now()]);
    }
    await waitFor('every ping read back', () => latencies.length >= LATENCY_ROWS, 300_000, 100);
    ctx.log(`${LATENCY_ROWS} single-row transactions at ${LATENCY_RATE}/s read back`);
    return latencies.sort((a, b) => a - b);
  } finally {
    await c.end();
    await consumer.disconnect();
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const loadBefore = loadavg()[0];
  // synchronous_commit=on (PostgreSQL's default; @nagare/testing turns it off for speed): with it off
  // a commit reaches the WAL sender only when the WAL writer flushes (wal_writer_delay, 200 ms)
  const [server, pg] = await Promise.all([startServer(), startPostgres({ settings: { synchronous_commit: 'on' } })]);
  try {
    pg.createDatabase('bench');
    pg.psql(
`${ORDERS}; CREATE TABLE pings (id bigint PRIMARY KEY, sent_ms bigint NOT NULL)`,
      'bench',
    );
    const dir = tempDir();
    const rest = await freePort();
    const wp = adaptConfig(
      'connect-standalone.properties',
      {
        'bootstrap.servers': server.bootstrap,
        'offset.storage.file.filename': join(dir, 'connect.offsets'),
        listeners: `http://127.0.0.1:${rest}`,
        'key.converter.schemas.enable': 'false',
        'value.converter.schemas.enable': 'false',
      },
      join(dir, 'worker.properties'),
    );
    const cp = join(dir, 'cdc.properties');
    writeFileSync(
      cp,
      [
        'name=bench-cdc',
        'connector.class=io.debezium.connector.postgresql.PostgresConnector',
        'plugin.name=pgoutput',
        `database.hostname=${pg.host}`,
        `database.port=${pg.port}`,
        `database.user=${pg.user}`,
        'database.dbname=bench',
        'topic.prefix=bench',
        'slot.name=bench',
        'table.include.list=public.orders,public.pings',
      ].join('\n'),
    );
    const w = await startWorker(dir, [wp, cp], rest);
    await waitFor(
      'the connector streaming',
      async () => {
        const s = await getJson(`${w.rest}/connectors/bench-cdc/status`).catch(() => ({ status: 0, body: null }));
        const running = (s.body as { tasks?: Array<{ state: string }> } | null)?.tasks?.[0]?.state === 'RUNNING';
        return running && pg.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'bench'", 'bench') === 't';
      },
      120_000,
      200,
    );
    const kafka = new Kafka({ brokers: [server.bootstrap], clientId: 'cdc-bench', logLevel: logLevel.NOTHING });
    const t = await throughput(ctx, pg, kafka);
    const l = await latency(ctx, pg, kafka);
    w.proc.kill('SIGTERM');
    await w.exited;
    const alone = await taskAlone(ctx, pg);
    return [
      { name: `CDC throughput: INSERT of ${ROWS} rows (5 columns) -> change events in Kafka, from the COMMIT`, value: Math.round(t.rowsPerSec), unit: 'rows/s', target: 50_000, better: 'higher', note: `JsonConverter, schemas.enable=false; 1-min load average ${loadBefore.toFixed(1)} on the 2 shared cores before the run` },
      { name: `CDC: the same from the start of the INSERT (PostgreSQL took ${t.insertSecs.toFixed(1)} s to insert)`, value: Math.round(t.totalRowsPerSec), unit: 'rows/s' },
      { name: `CDC task alone: the same INSERT -> change events polled (no Kafka)`, value: Math.round(alone), unit: 'rows/s', target: 50_000, better: 'higher' },
      { name: `CDC insert -> Kafka latency p99, single-row transactions at ${LATENCY_RATE} rows/s (${LATENCY_ROWS} rows)`, value: percentile(l, 99), unit: 'ms', target: 200, better: 'lower', note: `p50 ${percentile(l, 50)} ms, max ${l[l.length - 1]} ms; read by a kafkajs consumer` },
    ];
  } finally {
    await cleanupAll();
    await pg.stop();
  }
}
