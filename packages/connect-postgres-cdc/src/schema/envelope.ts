/**
 * Debezium's event structure: the `source` block of the PostgreSQL
 * connector (`PostgresSourceInfoStructMaker` on `SchemaFactory`'s common
 * fields, in that order), the change event `Envelope` (`before`, `after`,
 * `source`, `op`, `ts_ms`, `ts_us`, `ts_ns`, `transaction`, version 2),
 * the transaction block and the heartbeat key/value schemas.
 */
import { SchemaBuilder, Schemas, Struct, type ConnectSchema, type Schema } from '@nagare/connect-api';

export const SNAPSHOT_RECORD_VALUES = ['true', 'first', 'first_in_data_collection', 'last_in_data_collection', 'last', 'false', 'incremental'] as const;
export type SnapshotRecord = (typeof SNAPSHOT_RECORD_VALUES)[number];

const SNAPSHOT_SCHEMA = SchemaBuilder.string().name('io.debezium.data.Enum').version(1).parameter('allowed', SNAPSHOT_RECORD_VALUES.join(',')).defaultValue('false').optional().build();

export const SOURCE_SCHEMA: ConnectSchema = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .version(1)
  .field('version', Schemas.STRING_SCHEMA)
  .field('connector', Schemas.STRING_SCHEMA)
  .field('name', Schemas.STRING_SCHEMA)
  .field('ts_ms', Schemas.INT64_SCHEMA)
  .field('snapshot', SNAPSHOT_SCHEMA)
  .field('db', Schemas.STRING_SCHEMA)
  .field('sequence', Schemas.OPTIONAL_STRING_SCHEMA)
  .field('ts_us', Schemas.OPTIONAL_INT64_SCHEMA)
  .field('ts_ns', Schemas.OPTIONAL_INT64_SCHEMA)
  .field('schema', Schemas.STRING_SCHEMA)
  .field('table', Schemas.STRING_SCHEMA)
  .field('txId', Schemas.OPTIONAL_INT64_SCHEMA)
  .field('lsn', Schemas.OPTIONAL_INT64_SCHEMA)
  .field('xmin', Schemas.OPTIONAL_INT64_SCHEMA)
  .field('origin', Schemas.OPTIONAL_STRING_SCHEMA)
  .field('origin_lsn', Schemas.OPTIONAL_INT64_SCHEMA)
  .build();

export const TRANSACTION_BLOCK_SCHEMA: ConnectSchema = SchemaBuilder.struct()
  .optional()
  .name('event.block')
  .version(1)
  .field('id', Schemas.STRING_SCHEMA)
  .field('total_order', Schemas.INT64_SCHEMA)
  .field('data_collection_order', Schemas.INT64_SCHEMA)
  .build();

export const HEARTBEAT_KEY_SCHEMA: ConnectSchema = SchemaBuilder.struct().name('io.debezium.connector.common.ServerNameKey').version(1).field('serverName', Schemas.STRING_SCHEMA).build();
export const HEARTBEAT_VALUE_SCHEMA: ConnectSchema = SchemaBuilder.struct().name('io.debezium.connector.common.Heartbeat').version(1).field('ts_ms', Schemas.INT64_SCHEMA).build();

/** `Envelope.defineSchema().withName(..).withRecord(value).withSource(source).build()`. */
export function envelopeSchema(name: string, valueSchema: Schema): ConnectSchema {
  return SchemaBuilder.struct()
    .version(2)
    .name(name)
    .field('before', valueSchema)
    .field('after', valueSchema)
    .field('source', SOURCE_SCHEMA)
    .field('op', Schemas.STRING_SCHEMA)
    .field('ts_ms', Schemas.OPTIONAL_INT64_SCHEMA)
    .field('ts_us', Schemas.OPTIONAL_INT64_SCHEMA)
    .field('ts_ns', Schemas.OPTIONAL_INT64_SCHEMA)
    .field('transaction', TRANSACTION_BLOCK_SCHEMA)
    .build();
}

export interface SourceInfo {
  version: string;
  serverName: string;
  db: string;
  /** Commit (or snapshot) time, epoch micros. */
  tsMicros: bigint;
  snapshot: SnapshotRecord | null;
  lastCommitLsn: bigint | null;
  lsn: bigint | null;
  schema: string;
  table: string;
  txId: number | null;
  xmin: number | null;
  origin: string | null;
  originLsn: bigint | null;
}

/** Jackson's `writeValueAsString(List<String>)` of `[lastCommitLsn, lsn]`. */
export function sequence(lastCommitLsn: bigint | null, lsn: bigint | null): string {
  const s = (v: bigint | null): string => (v === null ? 'null' : `"${v}"`);
  return `[${s(lastCommitLsn)},${s(lsn)}]`;
}

const SOURCE_FIELDS = SOURCE_SCHEMA.fields();
const F = Object.fromEntries(SOURCE_FIELDS.map((f) => [f.name(), f]));

/** The `source` struct (values written as Debezium's struct maker does; unset snapshot reads as the default "false"). */
/** ts_ms / ts_us / ts_ns of the last commit time seen (every event of a transaction shares it). */
let lastTs: { micros: bigint; ms: number; us: number | bigint; ns: number | bigint } = { micros: 0n, ms: 0, us: 0, ns: 0 };

export function sourceStruct(s: SourceInfo): Struct {
  const st = new Struct(SOURCE_SCHEMA);
  if (lastTs.micros !== s.tsMicros) {
    const ms = s.tsMicros / 1000n - (s.tsMicros % 1000n < 0n ? 1n : 0n);
    lastTs = { micros: s.tsMicros, ms: Number(ms), us: num(s.tsMicros), ns: num(s.tsMicros * 1000n) };
  }
  st.putWithoutValidation(F.version, s.version);
  st.putWithoutValidation(F.connector, 'postgresql');
  st.putWithoutValidation(F.name, s.serverName);
  st.putWithoutValidation(F.ts_ms, lastTs.ms);
  st.putWithoutValidation(F.db, s.db);
  st.putWithoutValidation(F.ts_us, lastTs.us);
  st.putWithoutValidation(F.ts_ns, lastTs.ns);
  st.putWithoutValidation(F.sequence, sequence(s.lastCommitLsn, s.lsn));
  if (s.snapshot !== null && s.snapshot !== 'false') st.putWithoutValidation(F.snapshot, s.snapshot);
  st.putWithoutValidation(F.schema, s.schema);
  st.putWithoutValidation(F.table, s.table);
  if (s.snapshot !== 'incremental') {
    if (s.txId !== null) st.putWithoutValidation(F.txId, s.txId);
    if (s.lsn !== null) st.putWithoutValidation(F.lsn, num(s.lsn));
    if (s.xmin !== null) st.putWithoutValidation(F.xmin, s.xmin);
  }
  if (s.origin !== null) st.putWithoutValidation(F.origin, s.origin);
  if (s.originLsn !== null) st.putWithoutValidation(F.origin_lsn, num(s.originLsn));
  return st;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
function num(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v;
}

/** The event's own processing time (`ts_ms`, `ts_us`, `ts_ns`), from a clock in epoch micros. */
export function putProcessingTime(envelope: Struct, fields: { ts_ms: import('@nagare/connect-api').Field; ts_us: import('@nagare/connect-api').Field; ts_ns: import('@nagare/connect-api').Field }, nowMicros: bigint): void {
  envelope.putWithoutValidation(fields.ts_ms, Number(nowMicros / 1000n));
  envelope.putWithoutValidation(fields.ts_us, num(nowMicros));
  envelope.putWithoutValidation(fields.ts_ns, num(nowMicros * 1000n));
}

export { num as bigToNumber };
