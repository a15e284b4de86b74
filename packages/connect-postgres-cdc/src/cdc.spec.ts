/**
 * The PostgreSQL CDC connector against a real PostgreSQL (wal_level=logical,
 * started by @nagare/testing): snapshot + streaming of every operation,
 * Debezium's keys/envelopes/sources/offsets, primary key changes, REPLICA
 * IDENTITY FULL, type mapping, ALTER TABLE mid-stream, a long transaction,
 * heartbeats, snapshot and publication modes, and the slot's confirmed
 * LSN following only what was acknowledged. The task is driven as the
 * worker drives it: poll, commitRecord per acknowledged record, offsets
 * stored, commit().
 */
import { BigDecimal, Struct, type SourceRecord } from '@nagare/connect-api';
import { startPostgres, type PostgresServer } from '@nagare/testing';
import { PostgresConnectorTask } from './task';
import { PostgresConnector } from './connector';
import { parseLsn } from './util/lsn';

let pg: PostgresServer;
let seq = 0;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

function freshDb(sql: string): string {
  const name = `cdc${++seq}`;
  pg.createDatabase(name);
  if (sql) pg.psql(sql, name);
  return name;
}

type Store = Map<string, Record<string, unknown>>;

function props(db: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': pg.host,
    'database.port': String(pg.port),
    'database.user': 'postgres',
    'database.dbname': db,
    'topic.prefix': 'srv',
    'plugin.name': 'pgoutput',
    'slot.name': `slot_${db}`,
    'poll.interval.ms': '50',
    'status.update.interval.ms': '200',
    ...extra,
  };
}

async function startTask(p: Record<string, string>, store: Store = new Map()): Promise<PostgresConnectorTask> {
  const task = new PostgresConnectorTask();
  const read = (part: Record<string, unknown>): Record<string, unknown> | null => store.get(JSON.stringify(part)) ?? null;
  task.initialize({ configs: () => p, offsetStorageReader: () => ({ offset: async (x) => read(x), offsets: async (xs) => new Map(xs.map((x) => [x, read(x)])) }) });
  await task.start(p);
  return task;
}

/** Polls until `pred(all so far)` holds; acks and stores offsets like the worker unless `ack` is false. */
async function pollUntil(task: PostgresConnectorTask, pred: (rs: SourceRecord[]) => boolean, store: Store = new Map(), ack = true, timeoutMs = 30_000): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!pred(out)) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${out.length} records: ${out.map((r) => show(r)).join(' ')}`);
    const rs = (await task.poll()) ?? [];
    for (const r of rs) {
      out.push(r);
      if (ack) {
        store.set(JSON.stringify(r.sourcePartition()), r.sourceOffset()!);
        task.commitRecord(r, { topic: r.topic(), partition: 0, offset: 0, timestamp: 0 });
      }
    }
    if (ack && rs.length > 0) task.commit();
  }
  return out;
}

const op = (r: SourceRecord): string | null => (r.value() === null ? null : ((r.value() as Struct).get('op') as string));
const after = (r: SourceRecord): Struct | null => (r.value() as Struct).getStruct('after');
const before = (r: SourceRecord): Struct | null => (r.value() as Struct).getStruct('before');
const src = (r: SourceRecord): Struct => (r.value() as Struct).getStruct('source')!;
function show(r: SourceRecord): string {
  if (r.value() === null) return `tombstone(${r.topic()})`;
  const o = op(r);
  if (r.valueSchema()?.name()?.endsWith('.Envelope')) return `${o}:${JSON.stringify(((o === 'd' ? before(r) : after(r)) as Struct | null)?.get('id') ?? null)}`;
  return `${r.topic()}`;
}
const dataOnly = (rs: SourceRecord[]): SourceRecord[] => rs.filter((r) => !r.topic().startsWith('__debezium-heartbeat'));

async function confirmedFlush(db: string, slot: string): Promise<bigint> {
  const v = pg.psql(`SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '${slot}'`, db);
  return parseLsn(v);
}

describe('PostgreSQL CDC (Debezium-compatible)', () => {
  it('snapshot then streaming: r/c/u/d/t events, tombstones, keys, envelope and source, offsets', async () => {
    const db = freshDb(`CREATE TABLE customers (id SERIAL PRIMARY KEY, first_name VARCHAR(255) NOT NULL, last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL);
      INSERT INTO customers (first_name, last_name, email) VALUES ('Sally', 'Thomas', 'sally@example.com'), ('George', 'Bailey', 'gbailey@foobar.com'), ('Edward', 'Walker', 'ed@walker.com');
      CREATE TABLE other (k int PRIMARY KEY); INSERT INTO other VALUES (7);`);
    const store: Store = new Map();
    const task = await startTask(props(db, { 'skipped.operations': 'none' }), store);
    try {
      const snap = await pollUntil(task, (rs) => rs.length >= 4, store);
      expect(snap.map((r) => `${r.topic()}:${op(r)}:${src(r).get('snapshot')}`)).toEqual([
        'srv.public.customers:r:first',
        'srv.public.customers:r:true',
        'srv.public.customers:r:last_in_data_collection',
        'srv.public.other:r:last',
      ]);
      const first = snap[0];
      expect(first.keySchema()!.name()).toBe('srv.public.customers.Key');
      expect(first.valueSchema()!.name()).toBe('srv.public.customers.Envelope');
      expect(first.valueSchema()!.version()).toBe(2);
      expect((first.key() as Struct).get('id')).toBe(1);
      expect(after(first)!.schema().name()).toBe('srv.public.customers.Value');
      expect(after(first)!.get('email')).toBe('sally@example.com');
      // a serial column carries Debezium's default 0
      expect(first.keySchema()!.field('id')!.schema().defaultValue()).toBe(0);
      expect(first.sourcePartition()).toEqual({ server: 'srv' });
      expect(Object.keys(first.sourceOffset()!)).toEqual(['last_snapshot_record', 'lsn', 'txId', 'ts_usec', 'snapshot', 'snapshot_completed']);
      expect(first.sourceOffset()!.snapshot).toBe('INITIAL');
      expect(snap[3].sourceOffset()!.last_snapshot_record).toBe(true);
      const s = src(first);
      expect([s.get('connector'), s.get('name'), s.get('db'), s.get('schema'), s.get('table')]).toEqual(['postgresql', 'srv', db, 'public', 'customers']);
      expect(typeof s.get('txId')).toBe('number');
      expect(s.get('sequence')).toMatch(/^\[null,"\d+"\]$/);

      pg.psql(
        `INSERT INTO customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org');
         UPDATE customers SET first_name = 'Anne Marie' WHERE id = 4;
         DELETE FROM customers WHERE id = 2;
         TRUNCATE other;`,
        db,
      );
      const stream = await pollUntil(task, (rs) => rs.length >= 5, store);
      expect(stream.map(show)).toEqual(['c:4', 'u:4', 'd:2', 'tombstone(srv.public.customers)', 't:null']);
      const [c, u, d, tomb, t] = stream;
      expect(after(c)!.get('first_name')).toBe('Anne');
      expect(before(c)).toBeNull();
      // REPLICA IDENTITY DEFAULT: no before for an update, the key for a delete
      expect(before(u)).toBeNull();
      expect(after(u)!.get('first_name')).toBe('Anne Marie');
      expect(before(d)!.get('id')).toBe(2);
      expect(before(d)!.get('first_name')).toBe(''); // NOT NULL columns absent from the old key read as ''
      expect(after(d)).toBeNull();
      expect((tomb.key() as Struct).get('id')).toBe(2);
      expect(tomb.valueSchema()).toBeNull();
      expect(t.topic()).toBe('srv.public.other');
      expect(t.key()).toBeNull();
      // streaming source: commit time, lsn, txId, no snapshot marker (reads as the default "false")
      const cs = src(c);
      expect(cs.get('snapshot')).toBe('false');
      expect(cs.getWithoutDefault('snapshot')).toBeNull();
      expect(cs.get('lsn')).toBeGreaterThan(0);
      expect(cs.get('ts_us')).toBe((cs.get('ts_ms') as number) * 1000 + ((cs.get('ts_us') as number) % 1000));
      expect(BigInt(cs.get('ts_ns') as number | bigint)).toBe(BigInt(cs.get('ts_us') as number) * 1000n);
      expect(src(u).get('txId')).toBe(src(c).get('txId')); // one transaction
      expect(Object.keys(c.sourceOffset()!)).toEqual(['lsn_proc', 'lsn_events_processed', 'messageType', 'lsn', 'txId', 'ts_usec']);
      expect(c.sourceOffset()!.messageType).toBe('INSERT');
      expect(u.sourceOffset()!.messageType).toBe('UPDATE');
      expect(d.sourceOffset()!.lsn).toBe(src(d).get('lsn'));
      const seqs = stream.filter((r) => r.value() !== null).map((r) => JSON.parse(src(r).get('sequence') as string) as Array<string | null>);
      expect(seqs.every((x) => x[1] === String(src(stream[0]).get('lsn')) || Number(x[1]) > 0)).toBe(true);
    } finally {
      await task.stop();
    }
  }, 90_000);

  it('a primary key change is a delete (header __debezium.newkey), a tombstone and a create (header __debezium.oldkey); REPLICA IDENTITY FULL fills before', async () => {
    const db = freshDb(`CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL); INSERT INTO t VALUES (1, 'a'), (2, 'b'); ALTER TABLE t REPLICA IDENTITY FULL`);
    const store: Store = new Map();
    const task = await startTask(props(db, { 'snapshot.mode': 'no_data' }), store);
    try {
      await pollUntil(task, () => true, store);
      await new Promise((r) => setTimeout(r, 300));
      pg.psql("UPDATE t SET id = 10 WHERE id = 1; UPDATE t SET v = 'b2' WHERE id = 2", db);
      const rs = await pollUntil(task, (x) => x.length >= 4, store);
      expect(rs.map(show)).toEqual(['d:1', 'tombstone(srv.public.t)', 'c:10', 'u:2']);
      const [del, tomb, cre, upd] = rs;
      expect((del.headers().lastWithName('__debezium.newkey')!.value() as Struct).get('id')).toBe(10);
      expect(tomb.headers().lastWithName('__debezium.newkey')).not.toBeNull();
      expect((cre.headers().lastWithName('__debezium.oldkey')!.value() as Struct).get('id')).toBe(1);
      expect(before(del)!.get('v')).toBe('a');
      expect(before(upd)!.get('v')).toBe('b');
      expect(after(upd)!.get('v')).toBe('b2');
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('maps PostgreSQL types as Debezium does (adaptive time precision, precise decimals, json, uuid, arrays, enums, bits, intervals, zoned timestamps)', async () => {
    const db = freshDb(`CREATE TYPE mood AS ENUM ('ok', 'sad');
      CREATE TABLE ty (id int PRIMARY KEY, b bool, s int2, big int8, r real, d float8, n numeric(10,3), nu numeric, m money, c char(3), vc varchar(10), tx text,
        by bytea, j jsonb, u uuid, dt date, tm time, tm3 time(3), ttz timetz, ts timestamp, ts3 timestamp(3), tz timestamptz, iv interval, ia int[], ta text[],
        e mood, bit1 bit(1), bits bit(10), inet inet, x xml DEFAULT '<a/>', withdef int DEFAULT 42 NOT NULL);
      INSERT INTO ty VALUES (1, true, 7, 9007199254740993, 1.5, 2.25, 12.345, 0.1, 12.34, 'ab', 'vc', 'tx', '\\xdeadbeef', '{"a": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '2024-02-29', '13:14:15.678901', '13:14:15.678', '01:02:03+02', '2024-03-01 12:00:00.000001', '2024-03-01 12:00:00.5', '2024-03-01 12:00:00.5+01', '1 day 02:03:04.5',
        '{1,NULL,3}', '{"a b",c}', 'sad', B'1', B'1000000001', '10.0.0.1', '<b/>', 7)`);
    const task = await startTask(props(db, { 'snapshot.mode': 'initial' }));
    try {
      const [snap] = await pollUntil(task, (rs) => rs.length >= 1);
      pg.psql(`INSERT INTO ty (id) VALUES (2)`, db);
      const [streamed] = await pollUntil(task, (rs) => rs.length >= 1);
      const a = after(snap)!;
      const f = (n: string) => a.schema().field(n)!.schema();
      expect([f('s').type(), f('big').type(), f('r').type(), f('d').type()]).toEqual(['INT16', 'INT64', 'FLOAT32', 'FLOAT64']);
      expect(f('n').name()).toBe('org.apache.kafka.connect.data.Decimal');
      expect(f('n').parameters()).toEqual({ scale: '3', 'connect.decimal.precision': '10' });
      expect(f('nu').name()).toBe('io.debezium.data.VariableScaleDecimal');
      expect(f('m').parameters()).toEqual({ scale: '2' });
      expect([f('j').name(), f('u').name(), f('x').name(), f('e').name()]).toEqual(['io.debezium.data.Json', 'io.debezium.data.Uuid', 'io.debezium.data.Xml', 'io.debezium.data.Enum']);
      expect(f('e').parameters()).toEqual({ allowed: 'ok,sad' });
      expect([f('dt').name(), f('tm').name(), f('tm3').name(), f('ts').name(), f('ts3').name(), f('tz').name(), f('ttz').name(), f('iv').name()]).toEqual([
        'io.debezium.time.Date',
        'io.debezium.time.MicroTime',
        'io.debezium.time.Time',
        'io.debezium.time.MicroTimestamp',
        'io.debezium.time.Timestamp',
        'io.debezium.time.ZonedTimestamp',
        'io.debezium.time.ZonedTime',
        'io.debezium.time.MicroDuration',
      ]);
      expect(f('bits').name()).toBe('io.debezium.data.Bits');
      expect(f('bits').parameters()).toEqual({ length: '10' });
      expect(f('bit1').type()).toBe('BOOLEAN');
      expect(f('ia').valueSchema()!.type()).toBe('INT32');
      expect(f('withdef').defaultValue()).toBe(42);
      expect(f('x').defaultValue()).toBe('<a/>');
      expect(a.get('big')).toBe(9007199254740993n);
      expect(a.get('n')).toEqual(new BigDecimal(12345n, 3));
      expect((a.get('nu') as Struct).get('scale')).toBe(1);
      expect(Buffer.from((a.get('nu') as Struct).get('value') as Uint8Array)).toEqual(Buffer.from([1]));
      expect(a.get('m')).toEqual(new BigDecimal(1234n, 2));
      expect(a.get('c')).toBe('ab ');
      expect(Buffer.from(a.get('by') as Uint8Array).toString('hex')).toBe('deadbeef');
      expect(a.get('j')).toBe('{"a": 1}');
      expect(a.get('dt')).toBe(19782);
      expect(a.get('tm')).toBe(((13 * 60 + 14) * 60 + 15) * 1_000_000 + 678901);
      expect(a.get('tm3')).toBe(((13 * 60 + 14) * 60 + 15) * 1000 + 678);
      expect(a.get('ttz')).toBe('23:02:03Z');
      expect(a.get('ts')).toBe(Date.UTC(2024, 2, 1, 12) * 1000 + 1);
      expect(a.get('ts3')).toBe(Date.UTC(2024, 2, 1, 12, 0, 0, 500));
      expect(a.get('tz')).toBe('2024-03-01T11:00:00.500000Z');
      expect(a.get('iv')).toBe((26 * 3600 + 3 * 60 + 4.5) * 1_000_000);
      expect(a.get('ia')).toEqual([1, null, 3]);
      expect(a.get('ta')).toEqual(['a b', 'c']);
      expect(a.get('e')).toBe('sad');
      expect(a.get('bit1')).toBe(true);
      expect(Buffer.from(a.get('bits') as Uint8Array)).toEqual(Buffer.from([0x01, 0x02]));
      expect(a.get('inet')).toBe('10.0.0.1');
      // streamed values are converted the same way as snapshot values
      const s2 = after(streamed)!;
      expect(s2.get('withdef')).toBe(42);
      expect(s2.get('x')).toBe('<a/>');
      expect((s2.schema() as import('@nagare/connect-api').ConnectSchema).equals(a.schema())).toBe(true);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('ALTER TABLE ADD COLUMN mid-stream: later events carry the new column in a new schema', async () => {
    const db = freshDb(`CREATE TABLE evo (id int PRIMARY KEY, a text)`);
    const task = await startTask(props(db, { 'snapshot.mode': 'no_data' }));
    try {
      await pollUntil(task, () => true);
      await new Promise((r) => setTimeout(r, 300));
      pg.psql("INSERT INTO evo VALUES (1, 'x'); ALTER TABLE evo ADD COLUMN b int DEFAULT 5; INSERT INTO evo VALUES (2, 'y', 9); UPDATE evo SET a = 'x2' WHERE id = 1", db);
      const rs = await pollUntil(task, (x) => x.length >= 3);
      expect(after(rs[0])!.schema().field('b')).toBeNull();
      expect(after(rs[1])!.get('b')).toBe(9);
      expect(after(rs[1])!.schema().field('b')!.schema().defaultValue()).toBe(5);
      expect(after(rs[2])!.get('b')).toBe(5);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('the slot confirms only what Kafka acknowledged; a restart resumes without losing or repeating acknowledged changes', async () => {
    const db = freshDb(`CREATE TABLE ev (id int PRIMARY KEY)`);
    const store: Store = new Map();
    const p = props(db, { 'snapshot.mode': 'no_data' });
    let task = await startTask(p, store);
    await pollUntil(task, () => true, store);
    await new Promise((r) => setTimeout(r, 300));
    const startFlush = await confirmedFlush(db, p['slot.name']);
    for (let i = 1; i <= 3; i++) pg.psql(`INSERT INTO ev VALUES (${i})`, db); // three transactions
    const got = await pollUntil(task, (rs) => rs.length >= 3, store, false);
    // acknowledge the first two only (the worker stored their offsets)
    for (const r of got.slice(0, 2)) {
      store.set(JSON.stringify(r.sourcePartition()), r.sourceOffset()!);
      task.commitRecord(r, null);
    }
    task.commit();
    const lsn2 = BigInt(src(got[1]).get('lsn') as number);
    const lsn3 = BigInt(src(got[2]).get('lsn') as number);
    let flushed = startFlush;
    const deadline = Date.now() + 10_000;
    while (flushed <= lsn2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      flushed = await confirmedFlush(db, p['slot.name']);
    }
    expect(flushed).toBeGreaterThan(lsn2); // transaction 2's end
    expect(flushed).toBeLessThanOrEqual(lsn3); // not past transaction 3's change
    await task.stop();
    expect(await confirmedFlush(db, p['slot.name'])).toBeLessThanOrEqual(lsn3);
    // restart: transaction 3 comes again, 1 and 2 do not
    pg.psql('INSERT INTO ev VALUES (4)', db);
    task = await startTask(p, store);
    try {
      const again = await pollUntil(task, (rs) => rs.length >= 2, store);
      expect(again.map(show)).toEqual(['c:3', 'c:4']);
      expect(await pollUntil(task, () => true, store)).toEqual([]);
    } finally {
      await task.stop();
    }
  }, 90_000);

  it('a long transaction (20,000 rows) streams in order through a small queue (backpressure)', async () => {
    const db = freshDb(`CREATE TABLE big (id int PRIMARY KEY, pad text)`);
    const task = await startTask(props(db, { 'snapshot.mode': 'no_data', 'max.queue.size': '500', 'max.batch.size': '200' }));
    try {
      await pollUntil(task, () => true);
      await new Promise((r) => setTimeout(r, 300));
      pg.psql("INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g", db);
      const rs = await pollUntil(task, (x) => x.length >= 20000, new Map(), true, 120_000);
      expect(rs.length).toBe(20000);
      expect(rs.every((r, i) => (after(r)!.get('id') as number) === i + 1)).toBe(true);
      expect(new Set(rs.map((r) => src(r).get('txId'))).size).toBe(1);
    } finally {
      await task.stop();
    }
  }, 180_000);

  it('heartbeats go to __debezium-heartbeat.<prefix> and advance the slot while captured tables are idle', async () => {
    const db = freshDb(`CREATE TABLE cap (id int PRIMARY KEY); CREATE TABLE noise (id int)`);
    const p = props(db, { 'snapshot.mode': 'no_data', 'heartbeat.interval.ms': '200', 'table.include.list': 'public.cap', 'publication.autocreate.mode': 'filtered' });
    const task = await startTask(p);
    try {
      const before0 = await confirmedFlush(db, p['slot.name']);
      pg.psql('INSERT INTO noise SELECT generate_series(1, 100)', db);
      const current = parseLsn(pg.psql('SELECT pg_current_wal_lsn()', db));
      const hbs = await pollUntil(task, (rs) => rs.filter((r) => r.topic() === '__debezium-heartbeat.srv').length >= 3);
      const hb = hbs.find((r) => r.topic() === '__debezium-heartbeat.srv')!;
      expect(hb.keySchema()!.name()).toBe('io.debezium.connector.common.ServerNameKey');
      expect((hb.key() as Struct).get('serverName')).toBe('srv');
      expect(hb.valueSchema()!.name()).toBe('io.debezium.connector.common.Heartbeat');
      expect(typeof (hb.value() as Struct).get('ts_ms')).toBe('number');
      expect(dataOnly(hbs)).toEqual([]);
      // the publication holds only the captured table
      expect(pg.psql(`SELECT tablename FROM pg_publication_tables WHERE pubname = 'dbz_publication'`, db)).toBe('cap');
      const deadline = Date.now() + 10_000;
      let flushed = before0;
      while (flushed < current && Date.now() < deadline) {
        await pollUntil(task, () => true);
        await new Promise((r) => setTimeout(r, 200));
        flushed = await confirmedFlush(db, p['slot.name']);
      }
      expect(flushed).toBeGreaterThanOrEqual(current);
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('snapshot modes: initial_only does not stream; always snapshots again; when_needed snapshots when the slot is gone; slot.drop.on.stop', async () => {
    const db = freshDb(`CREATE TABLE sm (id int PRIMARY KEY); INSERT INTO sm VALUES (1), (2)`);
    const store: Store = new Map();
    let task = await startTask(props(db, { 'snapshot.mode': 'initial_only' }), store);
    expect((await pollUntil(task, (rs) => rs.length >= 2, store)).map((r) => op(r))).toEqual(['r', 'r']);
    pg.psql('INSERT INTO sm VALUES (3)', db);
    await new Promise((r) => setTimeout(r, 500));
    expect(await pollUntil(task, () => true, store)).toEqual([]);
    await task.stop();
    task = await startTask(props(db, { 'snapshot.mode': 'always' }), store);
    expect((await pollUntil(task, (rs) => rs.length >= 3, store)).map(show)).toEqual(['r:1', 'r:2', 'r:3']);
    await task.stop();
    // initial with a complete snapshot offset: no snapshot, streaming from the slot (still at its creation point:
    // the insert of 3 comes again, at least once, as after a snapshot the slot did not export)
    task = await startTask(props(db, { 'snapshot.mode': 'initial', 'slot.drop.on.stop': 'true' }), store);
    pg.psql('INSERT INTO sm VALUES (4)', db);
    expect((await pollUntil(task, (rs) => rs.length >= 2, store)).map(show)).toEqual(['c:3', 'c:4']);
    await task.stop();
    expect(pg.psql(`SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_${db}'`, db)).toBe('0');
    task = await startTask(props(db, { 'snapshot.mode': 'when_needed' }), store);
    try {
      expect((await pollUntil(task, (rs) => rs.length >= 4, store)).map(show)).toEqual(['r:1', 'r:2', 'r:3', 'r:4']);
    } finally {
      await task.stop();
    }
  }, 90_000);

  it('refuses what it cannot do with clear messages', async () => {
    const db = freshDb('CREATE TABLE x (id int PRIMARY KEY)');
    const c = new PostgresConnector();
    const errs = Object.fromEntries(c.validate({ 'database.hostname': 'h', 'database.user': 'u', 'database.dbname': 'd', 'snapshot.mode': 'custom' }).filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages]));
    expect(errs['topic.prefix']).toEqual(["The 'topic.prefix' value is invalid: A value is required"]);
    expect(errs['plugin.name'][0]).toMatch(/decodes the built-in pgoutput plugin only: set plugin.name=pgoutput/);
    expect(errs['snapshot.mode'][0]).toMatch(/snapshot mode 'custom' is not supported/);
    expect(c.taskConfigs(3)).toHaveLength(1);
    await expect(startTask(props(db, { 'publication.autocreate.mode': 'disabled' }))).rejects.toThrow('Publication autocreation is disabled, please create one and restart the connector.');
    await expect(startTask({ ...props(db), 'database.port': '1' })).rejects.toThrow(/Couldn't obtain database connection to 127.0.0.1:1/);
  }, 60_000);
});

