/**
 * Result columns to a Connect schema and values (Confluent's
 * `SchemaMapping` with `GenericDatabaseDialect.addFieldToSchema` /
 * `columnConverterFor` and the PostgreSQL dialect's overrides):
 *
 * | PostgreSQL | Connect |
 * |---|---|
 * | bool, bit(1) | BOOLEAN |
 * | bit(2..8) | INT8; longer bit strings BYTES |
 * | smallint / integer / bigint, oid | INT16 / INT32 / INT64 |
 * | real / double precision, money | FLOAT32 / FLOAT64 |
 * | numeric(p,s) | Decimal(scale s, parameter `connect.decimal.precision`=p); by `numeric.mapping` INT8..INT64 or FLOAT64 |
 * | char, varchar, text, name, xml, enums, json, jsonb, uuid | STRING |
 * | bytea | BYTES |
 * | date / time, timetz | Date / Time |
 * | timestamp, timestamptz | Timestamp (or INT64/STRING by `timestamp.granularity`) |
 * | arrays of the above | ARRAY of the element's (optional) schema |
 * | interval, inet, point, ranges, ... | not supported: the column is left out with a warning |
 *
 * Column optionality comes from `pg_attribute.attnotnull` (as pgjdbc's
 * `isNullable`); computed columns are optional. Values arrive as text and
 * are parsed here exactly (numeric to BigDecimal, timestamps to the
 * microsecond, kept for the offsets).
 */
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  SchemaBuilder,
  Schemas,
  type ConnectSchema,
  type Schema,
} from '@nagare/connect-api';
import { isoDateTime, microsToMs, parseDate, parseTimeMs, parseTimestampMicros, type Zone } from '../util/datetime';
import { charLength, numericPrecision, numericScale, parseArrayLiteral, parseBytea, type PgType, type PgTypeRegistry } from '../util/pg-types';

export type NumericMapping = 'none' | 'precision_only' | 'best_fit' | 'best_fit_eager_double';
export type TimestampGranularity =
  | 'connect_logical'
  | 'micros_long'
  | 'micros_string'
  | 'micros_iso_datetime_string'
  | 'nanos_long'
  | 'nanos_string'
  | 'nanos_iso_datetime_string';

export const PRECISION_FIELD = 'connect.decimal.precision';
const MAX_INTEGER_TYPE_PRECISION = 18;
const NUMERIC_TYPE_SCALE_LOW = -84;
const NUMERIC_TYPE_SCALE_HIGH = 127;

export interface MappingOptions {
  numericMapping: NumericMapping;
  granularity: TimestampGranularity;
  zone: Zone;
  warn?: (msg: string) => void;
}

/** A result column as node-postgres describes it. */
export interface ResultColumn {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
  tableID: number;
  columnID: number;
}

type Converter = (text: string) => unknown;

export interface ColumnSetter {
  index: number;
  name: string;
  schema: Schema;
  convert: Converter;
  /** TIMESTAMP columns: the value as epoch micros (for offsets). */
  micros?: (text: string) => bigint;
}

export interface SchemaMapping {
  schema: ConnectSchema;
  setters: ColumnSetter[];
}

function integerSchema(optional: boolean, precision: number): { schema: Schema; convert: Converter } {
  if (precision > 9) return { schema: optional ? Schemas.OPTIONAL_INT64_SCHEMA : Schemas.INT64_SCHEMA, convert: parseInt64 };
  if (precision > 4) return { schema: optional ? Schemas.OPTIONAL_INT32_SCHEMA : Schemas.INT32_SCHEMA, convert: parseIntChecked(-2147483648, 2147483647) };
  if (precision > 2) return { schema: optional ? Schemas.OPTIONAL_INT16_SCHEMA : Schemas.INT16_SCHEMA, convert: parseIntChecked(-32768, 32767) };
  return { schema: optional ? Schemas.OPTIONAL_INT8_SCHEMA : Schemas.INT8_SCHEMA, convert: parseIntChecked(-128, 127) };
}

function parseIntChecked(min: number, max: number): Converter {
  return (t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < min || n > max) throw new DataException(`Value '${t}' is out of range for the column's integer type`);
    return n;
  };
}

export function parseInt64(t: string): number | bigint {
  const n = Number(t);
  if (Number.isSafeInteger(n)) return n;
  const s = t.includes('.') ? t.slice(0, t.indexOf('.')) : t;
  return BigInt(s);
}

const parseFloat64: Converter = (t) => Number(t);
const parseFloat32: Converter = (t) => Math.fround(Number(t));
const parseMoney: Converter = (t) => {
  const neg = t.includes('-') || (t.startsWith('(') && t.endsWith(')'));
  const n = Number(t.replace(/[^0-9.]/g, ''));
  return neg ? -n : n;
};

function parseDecimal(scale: number): Converter {
  return (t) => {
    if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') throw new DataException(`Numeric value '${t}' cannot be represented as a Connect Decimal`);
    return BigDecimal.fromString(t).setScale(scale);
  };
}

function bitsToBigInt(t: string): bigint {
  let v = 0n;
  for (const c of t) v = (v << 1n) | (c === '1' ? 1n : 0n);
  return v;
}

function bitsToBytes(t: string): Buffer {
  const out = Buffer.alloc(Math.ceil(t.length / 8));
  for (let i = 0; i < t.length; i++) if (t[i] === '1') out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

interface Mapped {
  schema: Schema;
  convert: Converter;
  micros?: (text: string) => bigint;
}

/** The Connect schema and converter of one column type, or null when not supported. */
export function mapType(type: PgType, typmod: number, optional: boolean, o: MappingOptions, types: PgTypeRegistry, depth = 0): Mapped | null {
  const opt = <T extends Schema>(req: T, op: T): T => (optional ? op : req);
  switch (type.kind) {
    case 'BIT': {
      if (type.oid === 16) return { schema: opt(Schemas.BOOLEAN_SCHEMA, Schemas.OPTIONAL_BOOLEAN_SCHEMA), convert: (t) => t === 't' || t === 'true' || t === '1' };
      const bits = charLength(type.oid, typmod);
      if (bits <= 1) return { schema: opt(Schemas.BOOLEAN_SCHEMA, Schemas.OPTIONAL_BOOLEAN_SCHEMA), convert: (t) => t === '1' };
      if (bits <= 8) return { schema: opt(Schemas.INT8_SCHEMA, Schemas.OPTIONAL_INT8_SCHEMA), convert: (t) => Number(BigInt.asIntN(8, bitsToBigInt(t))) };
      return { schema: opt(Schemas.BYTES_SCHEMA, Schemas.OPTIONAL_BYTES_SCHEMA), convert: bitsToBytes };
    }
    case 'SMALLINT':
      return { schema: opt(Schemas.INT16_SCHEMA, Schemas.OPTIONAL_INT16_SCHEMA), convert: (t) => Number(t) };
    case 'INTEGER':
      return { schema: opt(Schemas.INT32_SCHEMA, Schemas.OPTIONAL_INT32_SCHEMA), convert: (t) => Number(t) };
    case 'BIGINT':
      return { schema: opt(Schemas.INT64_SCHEMA, Schemas.OPTIONAL_INT64_SCHEMA), convert: parseInt64 };
    case 'REAL':
      return { schema: opt(Schemas.FLOAT32_SCHEMA, Schemas.OPTIONAL_FLOAT32_SCHEMA), convert: parseFloat32 };
    case 'DOUBLE':
      return { schema: opt(Schemas.FLOAT64_SCHEMA, Schemas.OPTIONAL_FLOAT64_SCHEMA), convert: type.oid === 790 ? parseMoney : parseFloat64 };
    case 'NUMERIC': {
      const precision = numericPrecision(typmod);
      const scale = numericScale(typmod);
      // precision 0 = unconstrained numeric: never fits a primitive (pgjdbc reports 0/0 for it)
      const constrained = precision > 0;
      if (constrained) {
        if (o.numericMapping === 'precision_only') {
          if (scale === 0 && precision <= MAX_INTEGER_TYPE_PRECISION) return integerSchema(optional, precision);
        } else if (o.numericMapping === 'best_fit') {
          if (precision <= MAX_INTEGER_TYPE_PRECISION) {
            if (scale < 1 && scale >= NUMERIC_TYPE_SCALE_LOW) return integerSchema(optional, precision);
            if (scale > 0) return { schema: opt(Schemas.FLOAT64_SCHEMA, Schemas.OPTIONAL_FLOAT64_SCHEMA), convert: parseFloat64 };
          }
        } else if (o.numericMapping === 'best_fit_eager_double') {
          if (scale < 1 && scale >= NUMERIC_TYPE_SCALE_LOW) {
            if (precision <= MAX_INTEGER_TYPE_PRECISION) return integerSchema(optional, precision);
          } else if (scale > 0) return { schema: opt(Schemas.FLOAT64_SCHEMA, Schemas.OPTIONAL_FLOAT64_SCHEMA), convert: parseFloat64 };
        }
      }
      // PostgreSQL dialect's decimalScale: an unconstrained numeric gets the high scale
      const s = !constrained ? NUMERIC_TYPE_SCALE_HIGH : scale;
      const b = Decimal.builder(s).parameter(PRECISION_FIELD, String(precision));
      if (optional) b.optional();
      return { schema: b.build(), convert: parseDecimal(s) };
    }
    case 'CHAR':
    case 'VARCHAR':
    case 'SQLXML':
      return { schema: opt(Schemas.STRING_SCHEMA, Schemas.OPTIONAL_STRING_SCHEMA), convert: (t) => t };
    case 'BINARY':
      return { schema: opt(Schemas.BYTES_SCHEMA, Schemas.OPTIONAL_BYTES_SCHEMA), convert: parseBytea };
    case 'DATE': {
      const b = ConnectDate.builder();
      if (optional) b.optional();
      return { schema: b.build(), convert: parseDate };
    }
    case 'TIME': {
      const b = ConnectTime.builder();
      if (optional) b.optional();
      return { schema: b.build(), convert: (t) => new Date(parseTimeMs(t, o.zone)) };
    }
    case 'TIMESTAMP': {
      const micros = (t: string): bigint => parseTimestampMicros(t, o.zone);
      switch (o.granularity) {
        case 'connect_logical': {
          const b = ConnectTimestamp.builder();
          if (optional) b.optional();
          return { schema: b.build(), convert: (t) => new Date(microsToMs(micros(t))), micros };
        }
        case 'micros_long':
          return { schema: opt(Schemas.INT64_SCHEMA, Schemas.OPTIONAL_INT64_SCHEMA), convert: (t) => toLong(micros(t)), micros };
        case 'nanos_long':
          return { schema: opt(Schemas.INT64_SCHEMA, Schemas.OPTIONAL_INT64_SCHEMA), convert: (t) => toLong(micros(t) * 1000n), micros };
        case 'micros_string':
          return { schema: opt(Schemas.STRING_SCHEMA, Schemas.OPTIONAL_STRING_SCHEMA), convert: (t) => String(micros(t)), micros };
        case 'nanos_string':
          return { schema: opt(Schemas.STRING_SCHEMA, Schemas.OPTIONAL_STRING_SCHEMA), convert: (t) => String(micros(t) * 1000n), micros };
        case 'micros_iso_datetime_string':
          return { schema: opt(Schemas.STRING_SCHEMA, Schemas.OPTIONAL_STRING_SCHEMA), convert: (t) => isoDateTime(micros(t), o.zone, false), micros };
        case 'nanos_iso_datetime_string':
          return { schema: opt(Schemas.STRING_SCHEMA, Schemas.OPTIONAL_STRING_SCHEMA), convert: (t) => isoDateTime(micros(t), o.zone, true), micros };
      }
      return null;
    }
    case 'ARRAY': {
      if (depth > 0 || type.elemOid === undefined) return null;
      const elemType = types.get(type.elemOid);
      if (!elemType) return null;
      const elem = mapType(elemType, -1, true, o, types, depth + 1);
      if (!elem) return null;
      const b = SchemaBuilder.array(elem.schema);
      if (optional) b.optional();
      return {
        schema: b.build(),
        convert: (t) =>
          parseArrayLiteral(t).map((e) => {
            if (e === null) return null;
            if (e.startsWith('{')) throw new DataException(`Multi-dimensional array values are not supported: '${t}'`);
            return elem.convert(e);
          }),
      };
    }
    case 'OTHER':
      if (type.name === 'json' || type.name === 'jsonb' || type.name === 'uuid') return { schema: opt(Schemas.STRING_SCHEMA, Schemas.OPTIONAL_STRING_SCHEMA), convert: (t) => t };
      return null;
  }
}

function toLong(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * `SchemaMapping.create`: a STRUCT named `schemaName` (the table name; none
 * in query mode) with one field per supported column, in result order.
 */
export function createSchemaMapping(schemaName: string | null, columns: readonly ResultColumn[], notNull: (c: ResultColumn) => boolean, types: PgTypeRegistry, o: MappingOptions): SchemaMapping {
  const builder = SchemaBuilder.struct();
  if (schemaName !== null) builder.name(schemaName);
  const pending: Array<{ index: number; name: string; mapped: Mapped }> = [];
  columns.forEach((c, index) => {
    const type = types.get(c.dataTypeID) ?? { oid: c.dataTypeID, name: `oid ${c.dataTypeID}`, kind: 'OTHER' as const };
    const mapped = mapType(type, c.dataTypeModifier, !notNull(c), o, types);
    if (mapped === null) {
      o.warn?.(`JDBC type ${type.kind === 'ARRAY' ? 2003 : 1111} (${type.name}) not currently supported`);
      return;
    }
    builder.field(c.name, mapped.schema);
    pending.push({ index, name: c.name, mapped });
  });
  const schema = builder.build();
  return {
    schema,
    setters: pending.map((p) => ({ index: p.index, name: p.name, schema: schema.field(p.name)!.schema(), convert: p.mapped.convert, micros: p.mapped.micros })),
  };
}
