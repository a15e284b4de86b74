/**
 * The PostgreSQL dialect's sink side (`PostgreSqlDatabaseDialect` on
 * `GenericDatabaseDialect`): column types for `auto.create`/`auto.evolve`,
 * the CREATE / ALTER / INSERT / upsert (`ON CONFLICT ... DO UPDATE SET
 * c=EXCLUDED.c`) / UPDATE / DELETE statements, and Connect values bound as
 * statement parameters (times in `db.timezone`, dates in `date.timezone`).
 */
import {
  type BigDecimal,
  ConnectDate,
  ConnectException,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  SchemaType,
  Struct,
  type Schema,
} from '@nagare/connect-api';
import { formatDate, formatTime, formatTimestampMicros, type Zone } from '../util/datetime';
import { quoteIdentifier, type QuoteMethod, type TableId } from '../util/identifiers';
import type { ColumnDefinition, TableDefinition } from '../util/catalog';
import type { SinkRecordField } from './fields-metadata';

export interface DialectOptions {
  quote: QuoteMethod;
  zone: Zone;
  dateZone: Zone;
  timestampFields: ReadonlySet<string>;
  timestampPrecisionNanos: boolean;
}

const CAST_TYPES = new Set(['json', 'jsonb', 'uuid']);

export class PostgresSinkDialect {
  constructor(readonly o: DialectOptions) {}

  private q(name: string): string {
    return quoteIdentifier(name, this.o.quote);
  }

  /** `getSqlType`. */
  sqlType(field: SinkRecordField): string {
    return this.sqlTypeOf(field.schema, field.name);
  }

  private sqlTypeOf(schema: Schema, name: string): string {
    switch (schema.name()) {
      case Decimal.LOGICAL_NAME:
        return 'DECIMAL';
      case ConnectDate.LOGICAL_NAME:
        return 'DATE';
      case ConnectTime.LOGICAL_NAME:
        return 'TIME';
      case ConnectTimestamp.LOGICAL_NAME:
        return 'TIMESTAMP';
      default:
    }
    switch (schema.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
        return 'SMALLINT';
      case SchemaType.INT32:
        return 'INT';
      case SchemaType.INT64:
        return this.o.timestampFields.has(name) ? 'TIMESTAMP' : 'BIGINT';
      case SchemaType.FLOAT32:
        return 'REAL';
      case SchemaType.FLOAT64:
        return 'DOUBLE PRECISION';
      case SchemaType.BOOLEAN:
        return 'BOOLEAN';
      case SchemaType.STRING:
        return this.o.timestampFields.has(name) ? 'TIMESTAMP' : 'TEXT';
      case SchemaType.BYTES:
        return 'BYTEA';
      case SchemaType.ARRAY:
        return this.sqlTypeOf(schema.valueSchema()!, name) + '[]';
      default:
        throw new ConnectException(`${schema.name()} (${schema.type()}) type doesn't have a mapping to the SQL database column type`);
    }
  }

  private columnSpec(f: SinkRecordField): string {
    let s = `${this.q(f.name)} ${this.sqlType(f)}`;
    const d = f.defaultValue();
    if (d !== null && d !== undefined) s += ` DEFAULT ${this.formatColumnValue(f.schema, d)}`;
    else s += f.isOptional() ? ' NULL' : ' NOT NULL';
    return s;
  }

  /** A literal for DEFAULT clauses (`formatColumnValue`). */
  formatColumnValue(schema: Schema, value: unknown): string {
    const quoted = (s: string): string => `'${s.replace(/'/g, "''")}'`;
    switch (schema.name()) {
      case Decimal.LOGICAL_NAME:
        return (value as BigDecimal).toPlainString();
      case ConnectDate.LOGICAL_NAME:
        return quoted(formatDate(value as Date, this.o.dateZone));
      case ConnectTime.LOGICAL_NAME:
        return quoted(formatTime(value as Date, this.o.zone));
      case ConnectTimestamp.LOGICAL_NAME:
        return quoted(formatTimestampMicros(BigInt((value as Date).getTime()) * 1000n, this.o.zone, 3));
      default:
    }
    switch (schema.type()) {
      case SchemaType.BOOLEAN:
        return value ? 'TRUE' : 'FALSE';
      case SchemaType.STRING:
        return quoted(String(value));
      case SchemaType.BYTES:
        return `'\\x${Buffer.from(value as Uint8Array).toString('hex')}'`;
      case SchemaType.ARRAY:
        return `ARRAY[${(value as unknown[]).map((v) => (v === null ? 'NULL' : typeof v === 'string' ? quoted(v) : typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : String(v))).join(',')}]`;
      default:
        return String(value);
    }
  }

  createTable(table: TableId, fields: Iterable<SinkRecordField>): string {
    const all = [...fields];
    const pks = all.filter((f) => f.isPrimaryKey).map((f) => f.name);
    let sql = `CREATE TABLE ${table.toSql(this.o.quote)} (` + all.map((f) => '\n' + this.columnSpec(f)).join(',');
    if (pks.length > 0) sql += `,\nPRIMARY KEY(${pks.map((p) => this.q(p)).join(',')})`;
    return sql + ')';
  }

  alterTable(table: TableId, fields: readonly SinkRecordField[]): string[] {
    const nl = fields.length > 1;
    return [`ALTER TABLE ${table.toSql(this.o.quote)} ` + fields.map((f) => `${nl ? '\n' : ''}ADD ${this.columnSpec(f)}`).join(',')];
  }

  private cast(defn: TableDefinition | null, column: string): string {
    const t = defn?.columns.get(column)?.typeName.toLowerCase();
    return t !== undefined && CAST_TYPES.has(t) ? `::${t}` : '';
  }

  /** `INSERT INTO t (k..., v...) VALUES (...),(...)` for `rows` rows; with `upsert` the ON CONFLICT clause. */
  insert(table: TableId, keys: readonly string[], nonKeys: readonly string[], defn: TableDefinition | null, rows: number, upsert: boolean): string {
    const cols = [...keys, ...nonKeys];
    let p = 0;
    const tuple = (): string => '(' + cols.map((c) => `$${++p}${this.cast(defn, c)}`).join(',') + ')';
    const values: string[] = [];
    for (let i = 0; i < rows; i++) values.push(tuple());
    let sql = `INSERT INTO ${table.toSql(this.o.quote)} (${cols.map((c) => this.q(c)).join(',')}) VALUES ${values.join(',')}`;
    if (upsert) {
      sql += ` ON CONFLICT (${keys.map((c) => this.q(c)).join(',')})`;
      sql += nonKeys.length === 0 ? ' DO NOTHING' : ` DO UPDATE SET ${nonKeys.map((c) => `${this.q(c)}=EXCLUDED.${this.q(c)}`).join(',')}`;
    }
    return sql;
  }

  /** `UPDATE t SET v = ?, ... WHERE k = ? AND ...` (non-key values bound first). */
  update(table: TableId, keys: readonly string[], nonKeys: readonly string[], defn: TableDefinition | null): string {
    let p = 0;
    let sql = `UPDATE ${table.toSql(this.o.quote)} SET ${nonKeys.map((c) => `${this.q(c)} = $${++p}${this.cast(defn, c)}`).join(', ')}`;
    if (keys.length > 0) sql += ` WHERE ${keys.map((c) => `${this.q(c)} = $${++p}`).join(' AND ')}`;
    return sql;
  }

  /** `DELETE FROM t WHERE k = ? AND ...`. */
  delete(table: TableId, keys: readonly string[]): string {
    let p = 0;
    return `DELETE FROM ${table.toSql(this.o.quote)} WHERE ${keys.map((c) => `${this.q(c)} = $${++p}`).join(' AND ')}`;
  }

  /** A Connect value as a statement parameter (`bindField`). */
  bindValue(schema: Schema, value: unknown, fieldName: string, column?: ColumnDefinition): unknown {
    if (value === null || value === undefined) return null;
    switch (schema.name()) {
      case Decimal.LOGICAL_NAME:
        return (value as BigDecimal).toPlainString();
      case ConnectDate.LOGICAL_NAME:
        return formatDate(value as Date, this.o.dateZone);
      case ConnectTime.LOGICAL_NAME:
        return formatTime(value as Date, this.o.zone);
      case ConnectTimestamp.LOGICAL_NAME:
        return formatTimestampMicros(BigInt((value as Date).getTime()) * 1000n, this.o.zone, 3);
      default:
    }
    void column;
    switch (schema.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
      case SchemaType.INT32:
      case SchemaType.FLOAT32:
      case SchemaType.FLOAT64:
        return String(value);
      case SchemaType.INT64:
        if (this.o.timestampFields.has(fieldName)) return this.epochToTimestamp(value as number | bigint);
        return String(value);
      case SchemaType.BOOLEAN:
        return value ? 't' : 'f';
      case SchemaType.STRING:
        if (this.o.timestampFields.has(fieldName)) {
          const s = value as string;
          if (!/^-?\d+$/.test(s)) throw new DataException(`Invalid value for timestamp field ${fieldName}: ${s}`);
          return this.epochToTimestamp(BigInt(s));
        }
        return value as string;
      case SchemaType.BYTES:
        return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
      case SchemaType.ARRAY: {
        const vs = schema.valueSchema()!;
        return (value as unknown[]).map((e) => (e === null || e === undefined ? null : this.bindValue(vs, e, fieldName)));
      }
      default:
        if (value instanceof Struct || typeof value === 'object') throw new ConnectException(`Unsupported source data type: ${schema.type()}`);
        return value;
    }
  }

  private epochToTimestamp(v: number | bigint): string {
    const n = BigInt(v);
    return formatTimestampMicros(this.o.timestampPrecisionNanos ? n / 1000n : n, this.o.zone);
  }
}

