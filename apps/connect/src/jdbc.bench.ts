/**
 * Confluent's JDBC source in incrementing mode against a throwaway
 * PostgreSQL (run: `npm run bench -- jdbc`): a table of JDBC_BENCH_ROWS
 * (default 1,000,000) rows of 5 columns (bigserial id, text, numeric(12,2),
 * timestamptz, text), issue goal >= 100,000 rows/s.
 *
 *  1. the source task alone, polled as the worker polls it (cursor FETCHes
 *     of batch.max.rows, rows -> Connect structs + offsets), no Kafka;
 *  2. end to end: `connect-standalone` as users run it (JsonConverter
 *     without schemas) into a fresh `nagare server`, from the connector's
 *     creation until the topic's end offset (ListOffsets) holds every row.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { BenchContext, BenchResult } from '@nagare/common';
import { JdbcSourceTask } from '@nagare/connect-jdbc';
import { startPostgres } from '@nagare/testing';
import { adaptConfig, cleanupAll, freePort, startServer, startWorker, tempDir, waitFor } from './testing/harness';

const ROWS = Number(process.env.JDBC_BENCH_ROWS ?? 1_000_000);

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const loadBefore = loadavg()[0];
  const [server, pg] = await Promise.all([startServer(), startPostgres()]);
  try {
    pg.createDatabase('bench');
    pg.psql(
      `CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, note text);
       INSERT INTO orders (customer, amount, created_at, note) SELECT 'customer ' || (g % 1000), g * 0.01, TIMESTAMPTZ '2024-01-01 00:00:00Z' + g * INTERVAL '1 second', 'note ' || g FROM generate_series(1, ${ROWS}) g`,
      'bench',
    );
    pg.psql('VACUUM ANALYZE orders', 'bench');
    ctx.log(`${ROWS} rows in orders`);
    const common = {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
      'connection.url': pg.jdbcUrl('bench'),
      'connection.user': pg.user,
      mode: 'incrementing',
      'incrementing.column.name': 'id',
      'topic.prefix': 'jdbc-',
    };

    // 1. the task alone
    const task = new JdbcSourceTask();
    const props = { ...common, tables: '"public"."orders"', 'tables.fetched': 'true' };
    task.initialize({ configs: () => props, offsetStorageReader: () => ({ offset: async () => null, offsets: async (ps) => new Map(ps.map((p) => [p, null])) }) });
    await task.start(props);
    let n = 0;
    let lastId: unknown = null;
    const t0 = process.hrtime.bigint();
    while (n < ROWS) {
      const rs = (await task.poll()) ?? [];
      for (const r of rs) task.commitRecord(r, null);
      n += rs.length;
      if (rs.length > 0) lastId = rs[rs.length - 1].sourceOffset()!.incrementing;
    }
    const taskSecs = Number(process.hrtime.bigint() - t0) / 1e9;
    await task.stop();
    if (String(lastId) !== String(ROWS)) throw new Error(`the task's last offset is ${String(lastId)}, expected ${ROWS}`);
    ctx.log(`task: ${ROWS} rows in ${taskSecs.toFixed(1)} s`);

    // 2. end to end
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
    const cp = join(dir, 'jdbc.properties');
    writeFileSync(cp, Object.entries({ name: 'bench-jdbc', ...common, 'table.whitelist': 'orders' }).map(([k, v]) => `${k}=${v}`).join('\n'));
    const kafka = new Kafka({ brokers: [server.bootstrap], clientId: 'jdbc-bench', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const started = Date.now();
    const w = await startWorker(dir, [wp, cp], rest);
    let last = 0;
    let lastLog = Date.now();
    await waitFor(
      'every row in the topic',
      async () => {
        const offsets = await admin.fetchTopicOffsets('jdbc-orders').catch(() => []);
        const end = offsets.reduce((s, p) => s + Number(p.high), 0);
        if (Date.now() - lastLog > 5000) {
          ctx.log(`  ${end} / ${ROWS} records in jdbc-orders (${Math.round(((end - last) * 1000) / (Date.now() - lastLog))}/s)`);
          last = end;
          lastLog = Date.now();
        }
        return end >= ROWS;
      },
      1_800_000,
      100,
    );
    const e2eSecs = (Date.now() - started) / 1000;
    await admin.disconnect();
    w.proc.kill('SIGTERM');
    await w.exited;
    ctx.log(`end to end: ${ROWS} rows in ${e2eSecs.toFixed(1)} s`);
    return [
      { name: `JDBC source task, incrementing mode, ${ROWS} rows of 5 columns -> SourceRecords (no Kafka)`, value: Math.round(ROWS / taskSecs), unit: 'rows/s', target: 100_000, better: 'higher' },
      { name: `JDBC source, incrementing mode, ${ROWS} rows -> records in Kafka through connect-standalone`, value: Math.round(ROWS / e2eSecs), unit: 'rows/s', target: 100_000, better: 'higher', note: `includes worker start-up; JsonConverter, schemas.enable=false; 1-min load average ${loadBefore.toFixed(1)} on the 2 shared cores before the run` },
    ];
  } finally {
    await cleanupAll();
    await pg.stop();
  }
}
