/**
 * The JDBC source against a real PostgreSQL (started by @nagare/testing):
 * every mode, Confluent's query shapes, offsets and resuming from them,
 * type mapping, tables split over tasks.max, table monitoring, errors.
 * The task runs as the worker drives it (initialize, start, poll, stop);
 * its offsets are kept as the worker would store them.
 */
import { BigDecimal, ConnectSchema, Decimal, SchemaType, Struct, type SourceRecord } from '@nagare/connect-api';
import { startPostgres, type PostgresServer } from '@nagare/testing';
import { JdbcSourceConnector } from './connector';
import { JdbcSourceTask } from './task';

let pg: PostgresServer;
let dbSeq = 0;

beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

/** A fresh database for one test. */
function freshDb(sql: string): string {
  const name = `src${++dbSeq}`;
  pg.createDatabase(name);
  if (sql) pg.psql(sql, name);
  return name;
}

type OffsetStore = Map<string, Record<string, unknown>>;

async function startTask(props: Record<string, string>, store: OffsetStore = new Map()): Promise<JdbcSourceTask> {
  const task = new JdbcSourceTask();
  const read = (p: Record<string, unknown>): Record<string, unknown> | null => store.get(JSON.stringify(p)) ?? null;
  task.initialize({
    configs: () => props,
    offsetStorageReader: () => ({ offset: async (p) => read(p), offsets: async (ps) => new Map(ps.map((p) => [p, read(p)])) }),
  });
  await task.start(props);
  return task;
}

/** Polls until `n` records came (or `timeoutMs`), storing each record's offset as the worker would. */
async function pollRecords(task: JdbcSourceTask, n: number, store: OffsetStore = new Map(), timeoutMs = 15_000): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) {
    const rs = await task.poll();
    for (const r of rs ?? []) {
      out.push(r);
      if (r.sourceOffset() !== null) store.set(JSON.stringify(r.sourcePartition()), r.sourceOffset()!);
    }
  }
  return out;
}

/** Polls for `ms` and returns whatever came. */
async function pollFor(task: JdbcSourceTask, ms: number, store?: OffsetStore): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const r of (await task.poll()) ?? []) {
      out.push(r);
      if (store && r.sourceOffset() !== null) store.set(JSON.stringify(r.sourcePartition()), r.sourceOffset()!);
    }
  }
  return out;
}

const ids = (rs: SourceRecord[]): unknown[] => rs.map((r) => (r.value() as Struct).get('id'));

function base(db: string, extra: Record<string, string>): Record<string, string> {
  return { 'connection.url': pg.jdbcUrl(db), 'connection.user': 'postgres', 'poll.interval.ms': '100', 'topic.prefix': 'pg-', ...extra };
}

describe('JDBC source: modes', () => {
  it('bulk: the whole table every poll.interval.ms, partition {"table":<name>}, no offset', async () => {
    const db = freshDb("CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL); INSERT INTO accounts VALUES (1, 'a'), (2, 'b')");
    const task = await startTask({ ...base(db, { mode: 'bulk', 'table.whitelist': 'accounts' }), tables: '"public"."accounts"', 'tables.fetched': 'true' });
    try {
      const first = await pollRecords(task, 2);
      expect(ids(first)).toEqual([1, 2]);
      expect(first[0].topic()).toBe('pg-accounts');
      expect(first[0].sourcePartition()).toEqual({ table: 'accounts' });
      expect(first[0].sourceOffset()).toBeNull();
      expect(first[0].key()).toBeNull();
      expect(first[0].valueSchema()!.name()).toBe('accounts');
      pg.psql("INSERT INTO accounts VALUES (3, 'c')", db);
      const second = await pollRecords(task, 3);
      expect(ids(second)).toEqual([1, 2, 3]);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('incrementing: WHERE id > ? ORDER BY id ASC, batch.max.rows per poll, offsets {"incrementing":n}, restart resumes', async () => {
    const db = freshDb("CREATE TABLE orders (id serial PRIMARY KEY, item text); INSERT INTO orders (item) SELECT 'i' || g FROM generate_series(1, 25) g");
    const store: OffsetStore = new Map();
    const props = { ...base(db, { mode: 'incrementing', 'incrementing.column.name': 'id', 'batch.max.rows': '10' }), tables: '"public"."orders"', 'tables.fetched': 'true' };
    let task = await startTask(props, store);
    const batch = await task.poll();
    expect(batch!.length).toBe(10); // batch.max.rows
    for (const r of batch!) store.set(JSON.stringify(r.sourcePartition()), r.sourceOffset()!);
    const rest = await pollRecords(task, 15, store);
    expect(ids([...batch!, ...rest])).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const last = rest[rest.length - 1];
    expect(last.sourcePartition()).toEqual({ protocol: '1', table: 'public.orders' });
    expect(last.sourceOffset()).toEqual({ incrementing: 25 });
    expect(JSON.stringify(last.sourceOffset())).toBe('{"incrementing":25}');
    await task.stop();
    // rows added while stopped are read after a restart, nothing earlier again
    pg.psql("INSERT INTO orders (item) VALUES ('x'), ('y')", db);
    task = await startTask(props, store);
    try {
      expect(ids(await pollRecords(task, 2, store))).toEqual([26, 27]);
      expect(await pollFor(task, 500, store)).toEqual([]);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('incrementing with the column auto-detected (serial / identity)', async () => {
    const db = freshDb("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text); INSERT INTO t (v) VALUES ('a'), ('b')");
    const task = await startTask({ ...base(db, { mode: 'incrementing' }), tables: '"public"."t"', 'tables.fetched': 'true' });
    try {
      const rs = await pollRecords(task, 2);
      expect(ids(rs)).toEqual([1, 2]);
      expect(rs[1].sourceOffset()).toEqual({ incrementing: 2 });
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('timestamp: updates are read again, microsecond offsets {"timestamp_nanos","timestamp"}, delay interval holds back recent rows', async () => {
    const db = freshDb(`CREATE TABLE users (id int PRIMARY KEY, name text, updated_at timestamp NOT NULL);
      INSERT INTO users VALUES (1, 'a', '2024-01-01 10:00:00.123456'), (2, 'b', '2024-01-01 10:00:01.5')`);
    const store: OffsetStore = new Map();
    const props = { ...base(db, { mode: 'timestamp', 'timestamp.column.name': 'updated_at' }), tables: '"public"."users"', 'tables.fetched': 'true' };
    let task = await startTask(props, store);
    const rs = await pollRecords(task, 2, store);
    expect(ids(rs)).toEqual([1, 2]);
    expect(rs[0].sourceOffset()).toEqual({ timestamp_nanos: 123456000, timestamp: Date.UTC(2024, 0, 1, 10, 0, 0, 123) });
    expect(JSON.stringify(rs[1].sourceOffset())).toBe(`{"timestamp_nanos":500000000,"timestamp":${Date.UTC(2024, 0, 1, 10, 0, 1, 500)}}`);
    expect((rs[0].value() as Struct).get('updated_at')).toEqual(new Date(Date.UTC(2024, 0, 1, 10, 0, 0, 123)));
    // an update moves the row past the offset: read again; a row 1 µs later than the offset too
    pg.psql("UPDATE users SET name = 'a2', updated_at = '2024-01-02 00:00:00' WHERE id = 1; INSERT INTO users VALUES (3, 'c', '2024-01-01 10:00:01.500001')", db);
    const more = await pollRecords(task, 2, store);
    expect(ids(more)).toEqual([3, 1]);
    expect(await pollFor(task, 400, store)).toEqual([]);
    await task.stop();
    // delay: rows newer than now - delay wait
    task = await startTask({ ...props, 'timestamp.delay.interval.ms': '3600000' }, store);
    try {
      pg.psql("INSERT INTO users VALUES (4, 'd', now() AT TIME ZONE 'UTC')", db);
      expect(await pollFor(task, 600, store)).toEqual([]);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('timestamp+incrementing: equal timestamps are told apart by the id; restart resumes inside a timestamp', async () => {
    const db = freshDb(`CREATE TABLE ev (id int PRIMARY KEY, modified timestamptz NOT NULL);
      INSERT INTO ev VALUES (1, '2024-05-01T00:00:00Z'), (2, '2024-05-01T00:00:00Z'), (3, '2024-05-01T00:00:00Z')`);
    const store: OffsetStore = new Map();
    const props = {
      ...base(db, { mode: 'timestamp+incrementing', 'timestamp.column.name': 'modified', 'incrementing.column.name': 'id', 'batch.max.rows': '2' }),
      tables: '"public"."ev"',
      'tables.fetched': 'true',
    };
    let task = await startTask(props, store);
    const first = await task.poll();
    for (const r of first!) store.set(JSON.stringify(r.sourcePartition()), r.sourceOffset()!);
    expect(ids(first!)).toEqual([1, 2]);
    expect(first![1].sourceOffset()).toEqual({ timestamp_nanos: 0, incrementing: 2, timestamp: Date.UTC(2024, 4, 1) });
    await task.stop(); // before reading id 3
    task = await startTask(props, store);
    try {
      expect(ids(await pollRecords(task, 1, store))).toEqual([3]);
      pg.psql("UPDATE ev SET modified = '2024-05-02T00:00:00Z' WHERE id = 1", db);
      expect(ids(await pollRecords(task, 1, store))).toEqual([1]);
      expect(await pollFor(task, 400, store)).toEqual([]);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('query mode: the custom query with the criteria appended, topic = topic.prefix, partition {"query":"query"}', async () => {
    const db = freshDb(`CREATE TABLE c (id int PRIMARY KEY, name text); CREATE TABLE o (oid int PRIMARY KEY, cid int, total numeric(8,2));
      INSERT INTO c VALUES (1, 'ann'), (2, 'bob'); INSERT INTO o VALUES (10, 1, 5.50), (11, 2, 7.25), (12, 1, 1.00)`);
    const store: OffsetStore = new Map();
    const props = {
      ...base(db, { mode: 'incrementing', 'incrementing.column.name': 'oid', query: 'SELECT * FROM (SELECT o.oid, c.name, o.total FROM o JOIN c ON c.id = o.cid) q', 'topic.prefix': 'orders-joined' }),
      tables: '',
      'tables.fetched': 'true',
    };
    const task = await startTask(props, store);
    try {
      const rs = await pollRecords(task, 3, store);
      expect(rs.map((r) => (r.value() as Struct).get('oid'))).toEqual([10, 11, 12]);
      expect(rs[0].topic()).toBe('orders-joined');
      expect(rs[0].sourcePartition()).toEqual({ query: 'query' });
      expect(rs[2].sourceOffset()).toEqual({ incrementing: 12 });
      expect(rs[0].valueSchema()!.name()).toBeNull();
      expect((rs[0].value() as Struct).get('total')).toEqual(new BigDecimal(550n, 2));
      expect((rs[0].value() as Struct).get('name')).toBe('ann');
      // computed columns are optional
      expect(rs[0].valueSchema()!.field('name')!.schema().isOptional()).toBe(true);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('reads offsets stored under protocol 0 ({"table":<name>}) and timestamp.initial=-1 starts at the database time', async () => {
    const db = freshDb("CREATE TABLE p (id int PRIMARY KEY, ts timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')); INSERT INTO p (id) SELECT g FROM generate_series(1, 5) g");
    const store: OffsetStore = new Map([[JSON.stringify({ table: 'p' }), { incrementing: 3 }]]);
    const task = await startTask({ ...base(db, { mode: 'incrementing', 'incrementing.column.name': 'id' }), tables: '"public"."p"', 'tables.fetched': 'true' }, store);
    try {
      const rs = await pollRecords(task, 2);
      expect(ids(rs)).toEqual([4, 5]);
      // new offsets use protocol 1
      expect(rs[0].sourcePartition()).toEqual({ protocol: '1', table: 'public.p' });
    } finally {
      await task.stop();
    }
    const t2 = await startTask({ ...base(db, { mode: 'timestamp', 'timestamp.column.name': 'ts', 'timestamp.initial': '-1' }), tables: '"public"."p"', 'tables.fetched': 'true' });
    try {
      expect(await pollFor(t2, 500)).toEqual([]);
      pg.psql("INSERT INTO p (id, ts) VALUES (6, (now() AT TIME ZONE 'UTC') - interval '1 millisecond' + interval '1 second')", db);
      await new Promise((r) => setTimeout(r, 1200));
      expect(ids(await pollRecords(t2, 1))).toEqual([6]);
    } finally {
      await t2.stop();
    }
  }, 60_000);
});

describe('JDBC source: PostgreSQL types to Connect schemas', () => {
  it('maps numeric, timestamps, dates, times, arrays, json/jsonb, uuid, bytea, bool, bit and money; unsupported types are left out', async () => {
    const db = freshDb(`CREATE TYPE mood AS ENUM ('ok', 'sad');
      CREATE TABLE types (
        id bigint PRIMARY KEY, s smallint NOT NULL, i int, r real, d double precision, n numeric(12,3), nu numeric, b boolean, bits bit(3),
        t text, vc varchar(10), ch char(3), by bytea, dt date, tm time, tt timetz, ts timestamp, tz timestamptz,
        j json, jb jsonb, u uuid, ia int[], ta text[], m money, e mood, iv interval, x xml);
      INSERT INTO types VALUES (9007199254740993, 7, -5, 1.5, 2.25, 12345.678, 0.1, true, B'101',
        'text', 'vc', 'ab', '\\x00ff10', '2024-02-29', '13:14:15.678', '01:02:03+02', '2024-03-01 12:00:00.000001', '2024-03-01 12:00:00.5+01',
        '{"a": 1}', '{"b": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,NULL,3}', '{"x y","z"}', '$1,234.50', 'sad', '1 day', '<a/>');
      INSERT INTO types (id, s) VALUES (1, 1)`);
    const task = await startTask({ ...base(db, { mode: 'bulk' }), tables: '"public"."types"', 'tables.fetched': 'true' });
    try {
      const rs = await pollRecords(task, 2);
      const schema = rs[0].valueSchema() as ConnectSchema;
      const f = (n: string) => schema.field(n)!.schema();
      expect(schema.fields().map((x) => x.name())).not.toContain('iv'); // interval: not supported
      expect(f('id').type()).toBe(SchemaType.INT64);
      expect(f('id').isOptional()).toBe(false);
      expect(f('s').type()).toBe(SchemaType.INT16);
      expect(f('i').type()).toBe(SchemaType.INT32);
      expect(f('i').isOptional()).toBe(true);
      expect(f('r').type()).toBe(SchemaType.FLOAT32);
      expect(f('d').type()).toBe(SchemaType.FLOAT64);
      expect(f('n').name()).toBe(Decimal.LOGICAL_NAME);
      expect(f('n').parameters()).toEqual({ scale: '3', 'connect.decimal.precision': '12' });
      expect(f('nu').parameters()).toEqual({ scale: '127', 'connect.decimal.precision': '0' });
      expect(f('b').type()).toBe(SchemaType.BOOLEAN);
      expect(f('bits').type()).toBe(SchemaType.INT8);
      expect(f('by').type()).toBe(SchemaType.BYTES);
      expect(f('dt').name()).toBe('org.apache.kafka.connect.data.Date');
      expect(f('tm').name()).toBe('org.apache.kafka.connect.data.Time');
      expect(f('ts').name()).toBe('org.apache.kafka.connect.data.Timestamp');
      expect(f('tz').name()).toBe('org.apache.kafka.connect.data.Timestamp');
      for (const s of ['t', 'vc', 'ch', 'j', 'jb', 'u', 'e', 'x']) expect(f(s).type()).toBe(SchemaType.STRING);
      expect(f('ia').type()).toBe(SchemaType.ARRAY);
      expect(f('ia').valueSchema()!.type()).toBe(SchemaType.INT32);
      expect(f('m').type()).toBe(SchemaType.FLOAT64);
      const full = rs.map((r) => r.value() as Struct).find((v) => v.get('s') === 7)!;
      expect(full.get('id')).toBe(9007199254740993n);
      expect(full.get('r')).toBe(1.5);
      expect(full.get('n')).toEqual(new BigDecimal(12345678n, 3));
      expect((full.get('nu') as BigDecimal).compareTo(BigDecimal.fromString('0.1'))).toBe(0);
      expect(full.get('b')).toBe(true);
      expect(full.get('bits')).toBe(5);
      expect(full.get('ch')).toBe('ab ');
      expect(Buffer.from(full.get('by') as Uint8Array).toString('hex')).toBe('00ff10');
      expect(full.get('dt')).toEqual(new Date(Date.UTC(2024, 1, 29)));
      expect(full.get('tm')).toEqual(new Date(((13 * 60 + 14) * 60 + 15) * 1000 + 678));
      expect(full.get('tt')).toEqual(new Date(((23 * 60 + 2) * 60 + 3) * 1000));
      expect(full.get('ts')).toEqual(new Date(Date.UTC(2024, 2, 1, 12)));
      expect(full.get('tz')).toEqual(new Date(Date.UTC(2024, 2, 1, 11, 0, 0, 500)));
      expect(full.get('j')).toBe('{"a": 1}');
      expect(full.get('jb')).toBe('{"b": [1, 2]}');
      expect(full.get('u')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
      expect(full.get('ia')).toEqual([1, null, 3]);
      expect(full.get('ta')).toEqual(['x y', 'z']);
      expect(full.get('m')).toBe(1234.5);
      expect(full.get('e')).toBe('sad');
      // every value fits its schema
      full.validate();
      const sparse = rs.map((r) => r.value() as Struct).find((v) => v.get('s') === 1)!;
      sparse.validate();
      expect(sparse.get('n')).toBeNull();
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('numeric.mapping=best_fit maps numeric(p,s) to primitive types; db.timezone reads timestamp (without zone) in that zone', async () => {
    const db = freshDb(`CREATE TABLE nm (id int PRIMARY KEY, a numeric(2,0), b numeric(9,0), c numeric(18,0), d numeric(10,2), e numeric(30,0), ts timestamp);
      INSERT INTO nm VALUES (1, 12, 123456789, 123456789012345678, 12.5, 123456789012345678901234567890, '2024-07-01 12:00:00')`);
    const task = await startTask({ ...base(db, { mode: 'bulk', 'numeric.mapping': 'best_fit', 'db.timezone': 'Europe/Paris' }), tables: '"public"."nm"', 'tables.fetched': 'true' });
    try {
      const [r] = await pollRecords(task, 1);
      const s = r.valueSchema()!;
      expect(s.field('a')!.schema().type()).toBe(SchemaType.INT8);
      expect(s.field('b')!.schema().type()).toBe(SchemaType.INT32);
      expect(s.field('c')!.schema().type()).toBe(SchemaType.INT64);
      expect(s.field('d')!.schema().type()).toBe(SchemaType.FLOAT64);
      expect(s.field('e')!.schema().name()).toBe(Decimal.LOGICAL_NAME);
      const v = r.value() as Struct;
      expect([v.get('a'), v.get('b'), v.get('c'), v.get('d')]).toEqual([12, 123456789, 123456789012345678n, 12.5]);
      // 12:00 in Paris (CEST, UTC+2) is 10:00 UTC
      expect(v.get('ts')).toEqual(new Date(Date.UTC(2024, 6, 1, 10)));
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('timestamp.granularity=micros_long and nanos_iso_datetime_string keep the microseconds', async () => {
    const db = freshDb("CREATE TABLE g (id int PRIMARY KEY, ts timestamp NOT NULL); INSERT INTO g VALUES (1, '2024-01-01 00:00:00.123456')");
    for (const [gran, expected] of [
      ['micros_long', Date.UTC(2024, 0, 1) * 1000 + 123456],
      ['nanos_iso_datetime_string', '2024-01-01T00:00:00.123456000'],
      ['micros_string', String(Date.UTC(2024, 0, 1) * 1000 + 123456)],
    ] as const) {
      const task = await startTask({ ...base(db, { mode: 'timestamp', 'timestamp.column.name': 'ts', 'timestamp.granularity': gran }), tables: '"public"."g"', 'tables.fetched': 'true' });
      try {
        const [r] = await pollRecords(task, 1);
        expect((r.value() as Struct).get('ts')).toBe(expected);
        expect(r.sourceOffset()).toEqual({ timestamp_nanos: 123456000, timestamp: Date.UTC(2024, 0, 1, 0, 0, 0, 123) });
      } finally {
        await task.stop();
      }
    }
  }, 60_000);
});

describe('JDBC source connector', () => {
  function fakeContext(): { reconfigs: number; errors: Error[]; ctx: Parameters<JdbcSourceConnector['initialize']>[0] } {
    const state = { reconfigs: 0, errors: [] as Error[], ctx: undefined as unknown as Parameters<JdbcSourceConnector['initialize']>[0] };
    state.ctx = {
      requestTaskReconfiguration: () => void state.reconfigs++,
      raiseError: (e: Error) => void state.errors.push(e),
      offsetStorageReader: () => ({ offset: async () => null, offsets: async (ps: ReadonlyArray<Record<string, unknown>>) => new Map(ps.map((p) => [p, null])) }),
    } as unknown as Parameters<JdbcSourceConnector['initialize']>[0];
    return state;
  }

  it('spreads the whitelisted tables over tasks.max, watches for new tables and requests a reconfiguration', async () => {
    const db = freshDb('CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int); CREATE SCHEMA other; CREATE TABLE other.d (id int); CREATE VIEW v AS SELECT 1 AS x');
    const c = new JdbcSourceConnector();
    const state = fakeContext();
    c.initialize(state.ctx);
    await c.start(base(db, { mode: 'bulk', 'table.poll.interval.ms': '200', 'table.blacklist': 'b' }));
    try {
      const configs = await c.taskConfigs(2);
      expect(configs.map((t) => t.tables)).toEqual(['"other"."d","public"."a"', '"public"."c"']);
      expect(configs.every((t) => t['tables.fetched'] === 'true')).toBe(true);
      expect((await c.taskConfigs(10)).map((t) => t.tables)).toEqual(['"other"."d"', '"public"."a"', '"public"."c"']);
      pg.psql('CREATE TABLE e (id int)', db);
      const deadline = Date.now() + 10_000;
      while (state.reconfigs === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(state.reconfigs).toBeGreaterThan(0);
      expect((await c.taskConfigs(1))[0].tables).toBe('"other"."d","public"."a","public"."c","public"."e"');
    } finally {
      await c.stop();
    }
  }, 60_000);

  it('table.include.list / exclude.list regexes match fully-qualified names; query mode gives one task', async () => {
    const db = freshDb('CREATE TABLE keep_1 (id int); CREATE TABLE keep_2 (id int); CREATE TABLE drop_1 (id int)');
    const c = new JdbcSourceConnector();
    c.initialize(fakeContext().ctx);
    await c.start(base(db, { mode: 'bulk', 'table.include.list': 'public\\.keep_.*', 'table.exclude.list': '.*_2' }));
    try {
      expect((await c.taskConfigs(4)).map((t) => t.tables)).toEqual(['"public"."keep_1"']);
    } finally {
      await c.stop();
    }
    const q = new JdbcSourceConnector();
    q.initialize(fakeContext().ctx);
    await q.start(base(db, { mode: 'bulk', query: 'SELECT 1 AS x' }));
    try {
      const configs = await q.taskConfigs(4);
      expect(configs.length).toBe(1);
      expect(configs[0].tables).toBe('');
      expect(configs[0].query).toBe('SELECT 1 AS x');
    } finally {
      await q.stop();
    }
  }, 60_000);

  it('validate reports Confluent\'s cross-key errors; bad input fails with upstream messages', async () => {
    const c = new JdbcSourceConnector();
    const errs = (cfg: Record<string, string>) => Object.fromEntries(c.validate(cfg).filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages]));
    expect(errs({ 'connection.url': 'jdbc:postgresql://x/y', mode: 'incrementing', query: 'SELECT 1', 'table.whitelist': 't' })[
      'query'
    ]).toEqual([expect.stringContaining("Do not specify table filtering configs with 'query'")]);
    expect(errs({ 'connection.url': 'x', mode: 'timestamp' })['timestamp.column.name']).toEqual([expect.stringContaining('Timestamp column configuration must be provided')]);
    expect(errs({ 'connection.url': 'x', mode: 'nope' }).mode).toEqual(['Invalid value nope for configuration mode: String must be one of: , bulk, timestamp, incrementing, timestamp+incrementing']);
    expect(errs({ 'connection.url': 'x', 'topic.prefix': 'bad prefix!' })['topic.prefix']).toEqual([
      "Invalid value bad prefix! for configuration topic.prefix: Topic prefix must not contain any character other than ASCII alphanumerics, '.', '_' and '-'.",
    ]);
    expect(errs({ 'connection.url': 'x', 'db.timezone': 'Mars/Olympus' })['db.timezone']).toEqual(['Invalid value Mars/Olympus for configuration db.timezone: Invalid time zone identifier']);
    const db = freshDb('CREATE TABLE n (id int, ts timestamp)');
    await expect(startTask({ ...base(db, { mode: 'incrementing', 'incrementing.column.name': 'nope' }), tables: '"public"."n"', 'tables.fetched': 'true' })).rejects.toThrow(
      "Incrementing column: nope does not exist in table 'public.n'",
    );
    await expect(startTask({ ...base(db, { mode: 'incrementing', 'incrementing.column.name': 'id' }), tables: '"public"."n"', 'tables.fetched': 'true' })).rejects.toThrow(
      'Cannot make incremental queries using incrementing column id on "public"."n" because this column is nullable.',
    );
    await expect(startTask({ ...base(db, { mode: 'timestamp', 'timestamp.column.name': 'ts' }), tables: '"public"."n"', 'tables.fetched': 'true' })).rejects.toThrow(
      'Cannot make incremental queries using timestamp columns ts on "public"."n" because all of these columns are nullable.',
    );
    await expect(startTask({ ...base(db, { mode: 'bulk' }), tables: '', 'tables.fetched': 'true' })).rejects.toThrow(/Task is being killed because it was not assigned a table nor a query/);
    await expect(startTask({ 'connection.url': 'jdbc:postgresql://127.0.0.1:1/x', 'connection.attempts': '1', mode: 'bulk', tables: '"t"', 'tables.fetched': 'true' })).rejects.toThrow(
      /Unable to connect to the database at jdbc:postgresql:\/\/127.0.0.1:1\/x/,
    );
  }, 60_000);

  it('a failing query is retried (query.retry.attempts) and then fails the task', async () => {
    const db = freshDb('CREATE TABLE f (id int NOT NULL)');
    const task = await startTask({ ...base(db, { mode: 'bulk', 'query.retry.attempts': '2' }), tables: '"public"."f"', 'tables.fetched': 'true' });
    pg.psql('DROP TABLE f', db);
    try {
      await expect(pollFor(task, 3000)).rejects.toThrow(/Failed to query table after retries: relation "public.f" does not exist/);
    } finally {
      await task.stop();
    }
  }, 60_000);
});

