/**
 * Table queriers (Confluent's `BulkTableQuerier` and
 * `TimestampIncrementingTableQuerier` with `TimestampIncrementingCriteria`):
 * one per table (or the one custom query), run inside a read transaction
 * through a server-side cursor so a poll takes at most `batch.max.rows` rows
 * while the result stays open across polls, as JDBC's fetch size does.
 *
 * Query shapes (upstream's, PostgreSQL quoting):
 * - bulk: `SELECT * FROM "schema"."table"`
 * - incrementing: `... WHERE "id" > ? ORDER BY "id" ASC`
 * - timestamp: `... WHERE "ts" > ? AND "ts" < ? ORDER BY "ts" ASC`
 * - timestamp+incrementing: `... WHERE "ts" < ? AND (("ts" = ? AND "id" > ?) OR "ts" > ?) ORDER BY "ts","id" ASC`
 * several timestamp columns are COALESCE'd; the upper bound is the
 * database's CURRENT_TIMESTAMP minus `timestamp.delay.interval.ms`.
 *
 * Offsets: partition `{"protocol":"1","table":"schema.table"}` (protocol 1;
 * protocol 0's `{"table":"table"}` is still read), `{"query":"query"}` in
 * query mode; offset `{"timestamp_nanos":…,"incrementing":…,"timestamp":…}`
 * (what is known). Bulk mode: partition `{"table":"table"}`, no offset.
 */
import type { Client, FieldDef } from 'pg';
import { ConnectException, DataException, SourceRecord, Struct, type Schema } from '@nagare/connect-api';
import { currentTimestampText, describeTable, notNullColumns } from '../util/catalog';
import { formatTimestampMicros, MICROS_PER_MS, microsOfSecond, microsToMs, parseTimestampMicros, type Zone } from '../util/datetime';
import { quoteIdentifier, type QuoteMethod, type TableId } from '../util/identifiers';
import type { PgTypeRegistry } from '../util/pg-types';
import { createSchemaMapping, type MappingOptions, type SchemaMapping } from './schema-mapping';

export type QueryMode = 'TABLE' | 'QUERY';
export type LoadMode = 'bulk' | 'incrementing' | 'timestamp' | 'timestamp+incrementing';

export const TABLE_NAME_KEY = 'table';
export const QUERY_NAME_KEY = 'query';
export const QUERY_NAME_VALUE = 'query';
export const OFFSET_PROTOCOL_VERSION_KEY = 'protocol';
export const PROTOCOL_VERSION_ONE = '1';
export const INCREMENTING_FIELD = 'incrementing';
export const TIMESTAMP_FIELD = 'timestamp';
export const TIMESTAMP_NANOS_FIELD = 'timestamp_nanos';

/** Protocol 1 partition (fully qualified, unquoted table name). */
export function sourcePartitionV1(table: TableId): Record<string, string> {
  return { [OFFSET_PROTOCOL_VERSION_KEY]: PROTOCOL_VERSION_ONE, [TABLE_NAME_KEY]: table.toUnquotedString() };
}

/** Protocol 0 partition (unqualified table name). */
export function sourcePartitionV0(table: TableId): Record<string, string> {
  return { [TABLE_NAME_KEY]: table.tableName };
}

export const QUERY_PARTITION: Record<string, string> = { [QUERY_NAME_KEY]: QUERY_NAME_VALUE };

/** `TimestampIncrementingOffset`: timestamp in epoch micros, incrementing as a long. */
export class TimestampIncrementingOffset {
  constructor(
    readonly timestampMicros: bigint | null,
    readonly incrementing: number | bigint | null,
  ) {}

  static fromMap(map: Record<string, unknown> | null | undefined): TimestampIncrementingOffset {
    if (!map || Object.keys(map).length === 0) return new TimestampIncrementingOffset(null, null);
    const inc = map[INCREMENTING_FIELD];
    const ms = map[TIMESTAMP_FIELD];
    let micros: bigint | null = null;
    if (ms !== undefined && ms !== null) {
      const msN = BigInt(ms as number);
      const nanos = map[TIMESTAMP_NANOS_FIELD];
      // Timestamp(millis) then setNanos(nanos): the whole second from millis, the fraction from nanos
      const secMs = msN - (((msN % 1000n) + 1000n) % 1000n);
      micros = nanos !== undefined && nanos !== null ? secMs * MICROS_PER_MS + BigInt(Math.floor(Number(nanos) / 1000)) : msN * MICROS_PER_MS;
    }
    return new TimestampIncrementingOffset(micros, inc === undefined || inc === null ? null : (inc as number));
  }

  /** The incrementing offset, -1 when unknown. */
  incrementingOffset(): number | bigint {
    return this.incrementing ?? -1;
  }

  /** The timestamp offset, the epoch when unknown. */
  timestampOffsetMicros(): bigint {
    return this.timestampMicros ?? 0n;
  }

  /** As Java's HashMap iterates these keys: timestamp_nanos, incrementing, timestamp. */
  toMap(): Record<string, unknown> {
    const m: Record<string, unknown> = {};
    if (this.timestampMicros !== null) m[TIMESTAMP_NANOS_FIELD] = microsOfSecond(this.timestampMicros) * 1000;
    if (this.incrementing !== null) m[INCREMENTING_FIELD] = typeof this.incrementing === 'bigint' ? Number(this.incrementing) : this.incrementing;
    if (this.timestampMicros !== null) m[TIMESTAMP_FIELD] = microsToMs(this.timestampMicros);
    return m;
  }
}

export interface QuerierOptions {
  mode: LoadMode;
  queryMode: QueryMode;
  table: TableId | null;
  query: string | null;
  topicPrefix: string;
  suffix: string;
  incrementingColumn: string;
  timestampColumns: string[];
  offset: Record<string, unknown> | null;
  timestampDelayMs: number;
  zone: Zone;
  quote: QuoteMethod;
  mapping: MappingOptions;
  types: PgTypeRegistry;
  isolation: string;
  /** query.masked: never log the query. */
  masked: boolean;
  log: (level: 'info' | 'debug' | 'warn', msg: string) => void;
}

let cursorSeq = 0;

export class TableQuerier {
  lastUpdate = 0;
  private client: Client | null = null;
  private cursor: string | null = null;
  private mapping: SchemaMapping | null = null;
  private sql: string | null = null;
  private incrementingColumn: string;
  private offset: TimestampIncrementingOffset;
  private committedOffset: TimestampIncrementingOffset;
  private readonly topic: string;
  private readonly partition: Record<string, string>;
  private endMicros = 0n;
  private loggedQuery: string | null = null;
  attemptedRetries = 0;
  private tsFieldIdx: number[] = [];
  private incFieldIdx = -1;

  constructor(readonly o: QuerierOptions) {
    this.incrementingColumn = o.incrementingColumn;
    this.offset = this.committedOffset = TimestampIncrementingOffset.fromMap(o.offset);
    if (o.queryMode === 'TABLE') {
      this.topic = o.topicPrefix + o.table!.tableName;
      this.partition = o.mode === 'bulk' ? sourcePartitionV0(o.table!) : sourcePartitionV1(o.table!);
    } else {
      this.topic = o.topicPrefix;
      this.partition = QUERY_PARTITION;
    }
  }

  querying(): boolean {
    return this.cursor !== null;
  }

  private usesTimestamp(): boolean {
    return (this.o.mode === 'timestamp' || this.o.mode === 'timestamp+incrementing') && this.o.timestampColumns.length > 0;
  }
  private usesIncrementing(): boolean {
    return (this.o.mode === 'incrementing' || this.o.mode === 'timestamp+incrementing') && this.incrementingColumn !== '';
  }

  private async createStatement(client: Client): Promise<void> {
    if (this.sql !== null) return;
    const q = (s: string): string => quoteIdentifier(s, this.o.quote);
    if ((this.o.mode === 'incrementing' || this.o.mode === 'timestamp+incrementing') && this.incrementingColumn === '' && this.o.queryMode === 'TABLE') {
      const defn = await describeTable(client, this.o.table!);
      for (const c of defn?.columns.values() ?? []) {
        if (c.autoIncrement) {
          this.incrementingColumn = c.name;
          break;
        }
      }
      if (this.incrementingColumn === '') {
        throw new ConnectException(`Cannot find an auto-incrementing column in table ${this.o.table!.toString()} for mode ${this.o.mode}: set incrementing.column.name`);
      }
    }
    let sql = this.o.queryMode === 'TABLE' ? `SELECT * FROM ${this.o.table!.toSql(this.o.quote)}` : this.o.query!;
    const ts = this.o.timestampColumns.map(q);
    const coalesce = ts.length === 1 ? ts[0] : `COALESCE(${ts.join(',')})`;
    const inc = this.usesIncrementing() ? q(this.incrementingColumn) : '';
    if (this.usesTimestamp() && this.usesIncrementing()) {
      sql += ` WHERE ${coalesce} < $1 AND ((${coalesce} = $2 AND ${inc} > $3) OR ${coalesce} > $4) ORDER BY ${coalesce},${inc} ASC`;
    } else if (this.usesTimestamp()) {
      sql += ` WHERE ${coalesce} > $1 AND ${coalesce} < $2 ORDER BY ${coalesce} ASC`;
    } else if (this.usesIncrementing()) {
      sql += ` WHERE ${inc} > $1 ORDER BY ${inc} ASC`;
    }
    if (this.o.suffix !== '') sql += ' ' + this.o.suffix;
    this.sql = sql;
    if (sql !== this.loggedQuery) {
      this.o.log('info', `Begin using SQL query: ${this.o.masked ? '<masked>' : sql}`);
      this.loggedQuery = sql;
    }
  }

  private params(): unknown[] {
    const fmt = (m: bigint): string => formatTimestampMicros(m, this.o.zone);
    const begin = this.offset.timestampOffsetMicros();
    const inc = this.offset.incrementingOffset();
    if (this.usesTimestamp() && this.usesIncrementing()) return [fmt(this.endMicros), fmt(begin), String(inc), fmt(begin)];
    if (this.usesTimestamp()) return [fmt(begin), fmt(this.endMicros)];
    if (this.usesIncrementing()) return [String(inc)];
    return [];
  }

  /** Starts the query (in a new read transaction) unless one is open. */
  async maybeStartQuery(client: Client): Promise<void> {
    if (this.cursor === null) {
      await this.createStatement(client);
      this.client = client;
      const iso = this.o.isolation.toUpperCase();
      const level = iso === 'DEFAULT' || iso === 'SQL_SERVER_SNAPSHOT' ? '' : ` ISOLATION LEVEL ${iso === 'READ_UNCOMMITTED' ? 'READ UNCOMMITTED' : iso.replace('_', ' ')}`;
      await client.query(`BEGIN${level} READ ONLY`);
      if (this.usesTimestamp()) {
        const now = parseTimestampMicros(await currentTimestampText(client), this.o.zone);
        this.endMicros = now - BigInt(this.o.timestampDelayMs) * MICROS_PER_MS;
      }
      const name = `nagare_jdbc_${++cursorSeq}`;
      await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${this.sql}`, this.params());
      this.cursor = name;
      this.mapping = null;
    }
    // the previous run succeeded: its offset is committed
    this.committedOffset = this.offset;
  }

  /** Up to `max` records; `done` when the result is exhausted. */
  async next(max: number): Promise<{ records: SourceRecord[]; done: boolean }> {
    const client = this.client!;
    const r = await client.query({ text: `FETCH FORWARD ${max} FROM ${this.cursor}`, rowMode: 'array' });
    if (this.mapping === null) await this.createMapping(client, r.fields);
    const records: SourceRecord[] = [];
    for (const row of r.rows as Array<Array<string | null>>) records.push(this.extractRecord(row));
    return { records, done: r.rows.length < max };
  }

  private async createMapping(client: Client, fields: FieldDef[]): Promise<void> {
    await this.o.types.resolve(client, fields.map((f) => f.dataTypeID));
    const notNull = await notNullColumns(client, fields);
    this.mapping = createSchemaMapping(this.o.queryMode === 'TABLE' ? this.o.table!.tableName : null, fields, (c) => notNull.has(`${c.tableID}:${c.columnID}`), this.o.types, this.o.mapping);
    const schema = this.mapping.schema;
    this.tsFieldIdx = [];
    if (this.usesTimestamp()) {
      for (const col of this.o.timestampColumns) {
        let f = this.mapping.setters.findIndex((s) => s.name === col);
        if (f < 0) {
          const ci = this.mapping.setters.filter((s) => s.name.toLowerCase() === col.toLowerCase());
          if (ci.length === 0) throw new DataException(`Timestamp column ${col} not found in ${schema.fields().map((x) => x.name()).join(',')}`);
          if (ci.length > 1) {
            throw new DataException(
              `Timestamp column ${col} not found in columns read from database: ${schema.fields().map((x) => x.name()).join(',')}. Could not fall back to case-insensitively selecting a column because there were multiple columns whose names case-insensitively matched the specified name: ${ci.map((s) => s.name).join(',')}. To force the connector to choose between these columns, specify a value for the timestamp column configuration property that matches the desired column case-sensitively.`,
            );
          }
          f = this.mapping.setters.indexOf(ci[0]);
        }
        if (!this.mapping.setters[f].micros) throw new ConnectException(`Timestamp column ${col} of ${this.describe()} is not a timestamp column`);
        this.tsFieldIdx.push(f);
      }
    }
    this.incFieldIdx = -1;
    if (this.usesIncrementing()) {
      this.incFieldIdx = this.mapping.setters.findIndex((s) => s.name === this.incrementingColumn);
      if (this.incFieldIdx < 0) throw new DataException(`Incrementing column ${this.incrementingColumn} not found in ${schema.fields().map((x) => x.name()).join(',')}`);
    }
  }

  private extractRecord(row: Array<string | null>): SourceRecord {
    const m = this.mapping!;
    const struct = new Struct(m.schema);
    const fields = m.schema.fields();
    const setters = m.setters;
    for (let i = 0; i < setters.length; i++) {
      const text = row[setters[i].index];
      struct.putWithoutValidation(fields[i], text === null ? null : setters[i].convert(text));
    }
    if (this.o.mode === 'bulk') return new SourceRecord(this.partition, null, this.topic, null, null, null, m.schema, struct);
    let tsMicros: bigint | null = null;
    for (const i of this.tsFieldIdx) {
      const text = row[m.setters[i].index];
      if (text !== null) {
        tsMicros = m.setters[i].micros!(text);
        break;
      }
    }
    let inc: number | bigint | null = null;
    if (this.incFieldIdx >= 0) {
      const s = m.setters[this.incFieldIdx];
      const v = struct.get(m.schema.fields()[this.incFieldIdx]);
      inc = incrementingValue(s.schema, v);
    }
    this.offset = new TimestampIncrementingOffset(this.usesTimestamp() ? tsMicros : null, this.usesIncrementing() ? inc : null);
    return new SourceRecord(this.partition, this.offset.toMap(), this.topic, null, null, null, m.schema, struct);
  }

  /** Ends the query; with `resetOffset` the offset goes back to the last committed run (after a failure). */
  async reset(now: number, resetOffset: boolean): Promise<void> {
    if (resetOffset) this.offset = this.committedOffset;
    const client = this.client;
    this.client = null;
    const cursor = this.cursor;
    this.cursor = null;
    this.mapping = null;
    this.lastUpdate = now;
    if (client) {
      try {
        if (cursor) await client.query(`CLOSE ${cursor}`);
        await client.query('COMMIT');
      } catch {
        await client.query('ROLLBACK').catch(() => undefined);
      }
    }
  }

  /** Forgets the open cursor without touching the connection (it is gone). */
  abandon(now: number): void {
    this.offset = this.committedOffset;
    this.client = null;
    this.cursor = null;
    this.mapping = null;
    this.lastUpdate = now;
  }

  describe(): string {
    return this.o.queryMode === 'TABLE' ? `table ${this.o.table!.toString()}` : 'query';
  }

  /** Priority-queue order: least recently updated first, then by table. */
  compareTo(other: TableQuerier): number {
    if (this.lastUpdate !== other.lastUpdate) return this.lastUpdate < other.lastUpdate ? -1 : 1;
    if (this.o.table && other.o.table) return this.o.table.compareTo(other.o.table);
    return 0;
  }
}

function incrementingValue(schema: Schema, v: unknown): number | bigint {
  if (v === null || v === undefined) throw new ConnectException(`Null value for incrementing column of type: ${schema.type()}`);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return v;
  if (schema.name() === 'org.apache.kafka.connect.data.Decimal') {
    const d = v as { scale: number; unscaled: bigint; toBigInt(): bigint };
    if (d.toBigInt() > 9223372036854775807n) throw new ConnectException('Decimal value for incrementing column exceeded Long.MAX_VALUE');
    if (d.scale !== 0) throw new ConnectException('Scale of Decimal value for incrementing column must be 0');
    const n = d.toBigInt();
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
  }
  throw new ConnectException(`Invalid type for incrementing column: ${schema.type()}`);
}
