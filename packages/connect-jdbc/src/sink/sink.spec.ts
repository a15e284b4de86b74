/**
 * The JDBC sink against a real PostgreSQL: insert / upsert / update modes,
 * pk.mode none / kafka / record_key / record_value, auto.create and
 * auto.evolve (the DDL as Confluent writes it), deletes, batching, errors,
 * retries and the errant record reporter.
 */
import {
  BigDecimal,
  ConnectDate,
  ConnectTimestamp,
  Decimal,
  RetriableException,
  SchemaBuilder,
  Schemas,
  SinkRecord,
  Struct,
  type Schema,
  type SinkTaskContext,
} from '@nagare/connect-api';
import { startPostgres, type PostgresServer } from '@nagare/testing';
import { JdbcSinkConnector, JdbcSinkTask } from './connector';

let pg: PostgresServer;
let dbSeq = 0;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

function freshDb(sql = ''): string {
  const name = `sink${++dbSeq}`;
  pg.createDatabase(name);
  if (sql) pg.psql(sql, name);
  return name;
}

interface Ctx {
  timeouts: number[];
  reported: Array<{ record: SinkRecord; error: Error }>;
}

async function startTask(db: string, props: Record<string, string>, withReporter = false): Promise<{ task: JdbcSinkTask; ctx: Ctx }> {
  const ctx: Ctx = { timeouts: [], reported: [] };
  const task = new JdbcSinkTask();
  const all = { name: 'jdbc-sink', 'connection.url': pg.jdbcUrl(db), 'connection.user': 'postgres', ...props };
  task.initialize({
    configs: () => all,
    offset: () => undefined,
    timeout: (ms: number) => void ctx.timeouts.push(ms),
    assignment: () => [],
    pause: () => undefined,
    resume: () => undefined,
    requestCommit: () => undefined,
    errantRecordReporter: () =>
      withReporter
        ? {
            report: async (record: SinkRecord, error: Error) => {
              ctx.reported.push({ record, error });
            },
          }
        : null,
  } as SinkTaskContext);
  await task.start(all);
  return { task, ctx };
}

const personSchema = SchemaBuilder.struct()
  .name('person')
  .field('id', Schemas.INT32_SCHEMA)
  .field('name', Schemas.STRING_SCHEMA)
  .field('score', Schemas.OPTIONAL_FLOAT64_SCHEMA)
  .build();
const keySchema = SchemaBuilder.struct().name('key').field('id', Schemas.INT32_SCHEMA).build();

function person(id: number, name: string, score: number | null = null): Struct {
  return new Struct(personSchema).put('id', id).put('name', name).put('score', score);
}

let offset = 0;
function rec(topic: string, key: Struct | null, value: Struct | null, valueSchema: Schema | null = value ? personSchema : null): SinkRecord {
  return new SinkRecord(topic, 0, key ? keySchema : null, key, valueSchema, value, offset++);
}
const k = (id: number): Struct => new Struct(keySchema).put('id', id);

describe('JDBC sink', () => {
  it('insert + auto.create: CREATE TABLE from the record schema (pk.mode=record_value, pk.fields=id), every Connect type written', async () => {
    const db = freshDb();
    const schema = SchemaBuilder.struct()
      .name('all')
      .field('id', Schemas.INT64_SCHEMA)
      .field('i8', Schemas.INT8_SCHEMA)
      .field('i16', Schemas.OPTIONAL_INT16_SCHEMA)
      .field('i32', Schemas.INT32_SCHEMA)
      .field('f32', Schemas.FLOAT32_SCHEMA)
      .field('f64', Schemas.FLOAT64_SCHEMA)
      .field('b', Schemas.BOOLEAN_SCHEMA)
      .field('s', Schemas.OPTIONAL_STRING_SCHEMA)
      .field('by', Schemas.BYTES_SCHEMA)
      .field('dec', Decimal.builder(2).build())
      .field('d', ConnectDate.SCHEMA)
      .field('ts', ConnectTimestamp.SCHEMA)
      .field('arr', SchemaBuilder.array(Schemas.INT32_SCHEMA).build())
      .field('withdef', SchemaBuilder.string().optional().defaultValue('dflt').build())
      .build();
    const v = new Struct(schema)
      .put('id', 9007199254740993n)
      .put('i8', 1)
      .put('i32', 3)
      .put('f32', 1.5)
      .put('f64', 2.25)
      .put('b', true)
      .put('s', "it's")
      .put('by', Buffer.from([0, 255]))
      .put('dec', new BigDecimal(12345n, 2))
      .put('d', new Date(Date.UTC(2024, 1, 29)))
      .put('ts', new Date(Date.UTC(2024, 2, 1, 12, 30, 0, 250)))
      .put('arr', [1, 2, 3]);
    const { task } = await startTask(db, { 'auto.create': 'true', 'pk.mode': 'record_value', 'pk.fields': 'id' });
    try {
      await task.put([new SinkRecord('all_types', 0, null, null, schema, v, 0)]);
    } finally {
      await task.stop();
    }
    const cols = pg.psql("SELECT column_name || ':' || data_type || ':' || is_nullable FROM information_schema.columns WHERE table_name = 'all_types' ORDER BY ordinal_position", db).split('\n');
    expect(cols).toEqual([
      'id:bigint:NO',
      'i8:smallint:NO',
      'i16:smallint:YES',
      'i32:integer:NO',
      'f32:real:NO',
      'f64:double precision:NO',
      'b:boolean:NO',
      's:text:YES',
      'by:bytea:NO',
      'dec:numeric:NO',
      'd:date:NO',
      'ts:timestamp without time zone:NO',
      'arr:ARRAY:NO',
      'withdef:text:YES',
    ]);
    expect(pg.psql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'all_types'::regclass AND contype = 'p'", db)).toBe('PRIMARY KEY (id)');
    expect(pg.psql("SELECT column_default FROM information_schema.columns WHERE table_name = 'all_types' AND column_name = 'withdef'", db)).toBe("'dflt'::text");
    expect(pg.psql('SELECT id, i8, i16, i32, f32, f64, b, s, encode("by", \'hex\'), dec, d, ts, arr, withdef FROM all_types', db)).toBe(
      "9007199254740993|1||3|1.5|2.25|t|it's|00ff|123.45|2024-02-29|2024-03-01 12:30:00.25|{1,2,3}|dflt",
    );
  }, 60_000);

  it('upsert with pk.mode=record_key and delete.enabled: updates in place, tombstones delete, repeated keys in one batch', async () => {
    const db = freshDb();
    const { task } = await startTask(db, { 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'delete.enabled': 'true', 'batch.size': '2' });
    try {
      await task.put([rec('people', k(1), person(1, 'ann')), rec('people', k(2), person(2, 'bob', 3.5)), rec('people', k(1), person(1, 'ann2')), rec('people', k(3), person(3, 'cy'))]);
      expect(pg.psql('SELECT id, name, score FROM people ORDER BY id', db)).toBe('1|ann2|\n2|bob|3.5\n3|cy|');
      // a delete then a re-insert of the same key in one put; a repeated key inside one multi-row upsert
      await task.put([rec('people', k(2), null), rec('people', k(2), person(2, 'bob-again')), rec('people', k(3), null), rec('people', k(4), person(4, 'd')), rec('people', k(4), person(4, 'd2'))]);
      expect(pg.psql('SELECT id, name FROM people ORDER BY id', db)).toBe('1|ann2\n2|bob-again\n4|d2');
    } finally {
      await task.stop();
    }
    expect(pg.psql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'people'::regclass AND contype = 'p'", db)).toBe('PRIMARY KEY (id)');
  }, 60_000);

  it('update mode, pk.mode=kafka coordinates, table.name.format, fields.whitelist and String values', async () => {
    const db = freshDb("CREATE TABLE upd (id int PRIMARY KEY, name text NOT NULL, score double precision); INSERT INTO upd VALUES (1, 'old', 1), (2, 'keep', 2)");
    const u = await startTask(db, { 'insert.mode': 'update', 'pk.mode': 'record_value', 'pk.fields': 'id', 'fields.whitelist': 'name' });
    try {
      await u.task.put([rec('upd', null, person(1, 'new', 99)), rec('upd', null, person(5, 'absent'))]);
    } finally {
      await u.task.stop();
    }
    expect(pg.psql('SELECT id, name, score FROM upd ORDER BY id', db)).toBe('1|new|1\n2|keep|2');
    const kf = await startTask(db, { 'auto.create': 'true', 'pk.mode': 'kafka', 'table.name.format': 'kafka_${topic}' });
    try {
      await kf.task.put([new SinkRecord('events', 3, null, null, personSchema, person(7, 'x'), 42)]);
    } finally {
      await kf.task.stop();
    }
    expect(pg.psql('SELECT __connect_topic, __connect_partition, __connect_offset, id, name FROM kafka_events', db)).toBe('events|3|42|7|x');
    expect(pg.psql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'kafka_events'::regclass AND contype = 'p'", db)).toBe('PRIMARY KEY (__connect_topic, __connect_partition, __connect_offset)');
    const str = await startTask(db, { 'auto.create': 'true' });
    try {
      await str.task.put([new SinkRecord('lines', 0, null, null, Schemas.STRING_SCHEMA, 'hello', 0)]);
    } finally {
      await str.task.stop();
    }
    expect(pg.psql('SELECT record_value FROM lines', db)).toBe('hello');
  }, 60_000);

  it('auto.evolve adds optional columns; without it (or for a required field) the write fails with Confluent\'s messages', async () => {
    const db = freshDb();
    const v2 = SchemaBuilder.struct().name('person').field('id', Schemas.INT32_SCHEMA).field('name', Schemas.STRING_SCHEMA).field('score', Schemas.OPTIONAL_FLOAT64_SCHEMA).field('email', Schemas.OPTIONAL_STRING_SCHEMA).build();
    const { task } = await startTask(db, { 'auto.create': 'true', 'auto.evolve': 'true', 'pk.mode': 'record_value', 'pk.fields': 'id' });
    try {
      await task.put([rec('evo', null, person(1, 'a'))]);
      await task.put([new SinkRecord('evo', 0, null, null, v2, new Struct(v2).put('id', 2).put('name', 'b').put('email', 'b@x'), 9)]);
    } finally {
      await task.stop();
    }
    expect(pg.psql('SELECT id, name, email FROM evo ORDER BY id', db)).toBe('1|a|\n2|b|b@x');
    const strict = await startTask(db, { 'pk.mode': 'record_value', 'pk.fields': 'id' });
    const v3 = SchemaBuilder.struct().name('person').field('id', Schemas.INT32_SCHEMA).field('name', Schemas.STRING_SCHEMA).field('phone', Schemas.OPTIONAL_STRING_SCHEMA).build();
    try {
      await expect(strict.task.put([new SinkRecord('evo', 0, null, null, v3, new Struct(v3).put('id', 3).put('name', 'c'), 10)])).rejects.toThrow(
        /^Table "public"."evo" is missing fields \(SinkRecordField\{schema=Schema\{STRING\}, name='phone', isPrimaryKey=false\}\) and auto-evolution is disabled$/,
      );
      await expect(strict.task.put([rec('nope', null, person(1, 'a'))])).rejects.toThrow('Table "public"."nope" is missing and auto-creation is disabled');
    } finally {
      await strict.task.stop();
    }
    const evolve = await startTask(db, { 'auto.evolve': 'true', 'pk.mode': 'record_value', 'pk.fields': 'id' });
    const v4 = SchemaBuilder.struct().name('person').field('id', Schemas.INT32_SCHEMA).field('name', Schemas.STRING_SCHEMA).field('req', Schemas.INT32_SCHEMA).build();
    try {
      await expect(evolve.task.put([new SinkRecord('evo', 0, null, null, v4, new Struct(v4).put('id', 4).put('name', 'd').put('req', 1), 11)])).rejects.toThrow(
        /Cannot ALTER TABLE "public"."evo" to add missing field SinkRecordField\{schema=Schema\{INT32\}, name='req', isPrimaryKey=false\}, as the field is not optional and does not have a default value/,
      );
    } finally {
      await evolve.task.stop();
    }
  }, 60_000);

  it('validation: delete.enabled needs pk.mode=record_key; records without a key or value fail with the record\'s coordinates', async () => {
    const c = new JdbcSinkConnector();
    const errors = c.validate({ 'connection.url': 'jdbc:postgresql://x/y', 'delete.enabled': 'true', 'insert.mode': 'merge' }).filter((v) => v.errorMessages.length > 0);
    expect(Object.fromEntries(errors.map((v) => [v.name, v.errorMessages]))).toEqual({
      'delete.enabled': ["Primary key mode must be 'record_key' when delete support is enabled"],
      'pk.mode': ["Primary key mode must be 'record_key' when delete support is enabled"],
      'insert.mode': ['Invalid value merge for configuration insert.mode: Invalid enumerator'],
    });
    const db = freshDb();
    await expect(startTask(db, { 'delete.enabled': 'true' })).rejects.toThrow("Primary key mode must be 'record_key' when delete support is enabled");
    const { task } = await startTask(db, { 'auto.create': 'true' });
    try {
      await expect(task.put([new SinkRecord('t', 1, null, null, null, null, 17, 1000)])).rejects.toThrow(
        "Sink connector 'jdbc-sink' is configured with 'delete.enabled=false' and 'pk.mode=none' and therefore requires records with a non-null Struct or String value and non-null Struct or String schema, but found record at (topic='t',partition=1,offset=17,timestamp=1000) with a null value and null value schema.",
      );
    } finally {
      await task.stop();
    }
    expect(c.taskConfigs(3)).toHaveLength(3);
  }, 60_000);

  it('SQL failures are retried (RetriableException, context.timeout = retry.backoff.ms), then reported record by record to the DLQ', async () => {
    const db = freshDb('CREATE TABLE strict (id int PRIMARY KEY, name text NOT NULL CHECK (name <> \'bad\'), score double precision)');
    const { task, ctx } = await startTask(db, { 'pk.mode': 'record_value', 'pk.fields': 'id', 'max.retries': '1', 'retry.backoff.ms': '10' }, true);
    try {
      const batch = [rec('strict', null, person(1, 'ok')), rec('strict', null, person(2, 'bad')), rec('strict', null, person(3, 'fine'))];
      const first = await task.put(batch).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RetriableException);
      expect((first as Error).message).toMatch(/violates check constraint "strict_name_check"/);
      expect(ctx.timeouts).toEqual([10]);
      // nothing of the failed batch was committed
      expect(pg.psql('SELECT count(*) FROM strict', db)).toBe('0');
      // retries exhausted: one by one, the bad record goes to the reporter
      await task.put(batch);
      expect(ctx.reported.map((r) => (r.record.value() as Struct).get('id'))).toEqual([2]);
      expect(ctx.reported[0].error.message).toMatch(/check constraint/);
      expect(pg.psql('SELECT id FROM strict ORDER BY id', db)).toBe('1\n3');
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('timestamp.fields.list turns epoch micros (Long or String) into TIMESTAMP columns', async () => {
    const db = freshDb();
    const schema = SchemaBuilder.struct().field('id', Schemas.INT32_SCHEMA).field('at', Schemas.INT64_SCHEMA).field('at_s', Schemas.STRING_SCHEMA).build();
    const { task } = await startTask(db, { 'auto.create': 'true', 'timestamp.fields.list': 'at,at_s' });
    try {
      const micros = BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n + 123456n;
      await task.put([new SinkRecord('tsf', 0, null, null, schema, new Struct(schema).put('id', 1).put('at', micros).put('at_s', String(micros)), 0)]);
    } finally {
      await task.stop();
    }
    expect(pg.psql('SELECT at, at_s FROM tsf', db)).toBe('2024-01-02 03:04:05.123456|2024-01-02 03:04:05.123456');
  }, 60_000);
});
