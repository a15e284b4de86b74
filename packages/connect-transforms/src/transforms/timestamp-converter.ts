/**
 * `TimestampConverter`: converts a timestamp (whole value or one `field`)
 * between string (SimpleDateFormat `format`, UTC), unix (INT64 with
 * `unix.precision`), Date, Time and Timestamp.
 */
import {
  ConfigDef,
  ConfigException,
  ConfigType,
  ConnectDate,
  ConnectException,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Importance,
  Schema,
  SchemaBuilder,
  SchemaType,
  Struct,
  ValidString,
  javaClassName,
  type ConnectRecord,
  type Schema as SchemaT,
} from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SimpleDateFormat } from '../util/simple-date-format';
import { SchemaCache, SimpleConfig, copySchemaBasics, requireMap, requireStructOrNull, copyMap } from '../util/requirements';

const PURPOSE = 'converting timestamp formats';
type TsType = 'string' | 'unix' | 'Date' | 'Time' | 'Timestamp';
type Precision = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';

export const TIMESTAMP_CONVERTER_CONFIG_DEF = new ConfigDef()
  .define('field', ConfigType.STRING, '', Importance.HIGH, 'The field containing the timestamp, or empty if the entire value is a timestamp')
  .define('target.type', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, ValidString.in('string', 'unix', 'Date', 'Time', 'Timestamp'), Importance.HIGH, 'The desired timestamp representation: string, unix, Date, Time, or Timestamp')
  .define('format', ConfigType.STRING, '', Importance.MEDIUM, 'A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.')
  .define('unix.precision', ConfigType.STRING, 'milliseconds', ValidString.in('nanoseconds', 'microseconds', 'milliseconds', 'seconds'), Importance.LOW, 'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.')
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

const OPTIONAL_DATE = ConnectDate.builder().optional().build();
const OPTIONAL_TIME = ConnectTime.builder().optional().build();
const OPTIONAL_TIMESTAMP = ConnectTimestamp.builder().optional().build();
const DAY = 86_400_000;

interface Cfg {
  field: string;
  type: TsType;
  format: SimpleDateFormat | null;
  precision: Precision;
}

function typeSchema(t: TsType, optional: boolean): SchemaT {
  switch (t) {
    case 'string':
      return optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA;
    case 'unix':
      return optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA;
    case 'Date':
      return optional ? OPTIONAL_DATE : ConnectDate.SCHEMA;
    case 'Time':
      return optional ? OPTIONAL_TIME : ConnectTime.SCHEMA;
    case 'Timestamp':
      return optional ? OPTIONAL_TIMESTAMP : ConnectTimestamp.SCHEMA;
  }
}

function toRaw(cfg: Cfg, t: TsType, orig: unknown): Date {
  switch (t) {
    case 'string': {
      if (typeof orig !== 'string') throw new DataException(`Expected string timestamp to be a String, but found class ${javaClassName(orig)}`);
      const d = cfg.format!.parse(orig);
      if (d === null) throw new DataException(`Could not parse timestamp: value (${orig}) does not match pattern (${cfg.format!.pattern})`);
      return d;
    }
    case 'unix': {
      if (typeof orig !== 'bigint' && !(typeof orig === 'number' && Number.isInteger(orig))) throw new DataException(`Expected Unix timestamp to be a Long, but found class ${javaClassName(orig)}`);
      const n = BigInt(orig);
      const ms = cfg.precision === 'seconds' ? n * 1000n : cfg.precision === 'microseconds' ? n / 1000n : cfg.precision === 'nanoseconds' ? n / 1_000_000n : n;
      return new Date(Number(ms));
    }
    default:
      if (!(orig instanceof Date)) throw new DataException(`Expected ${t} to be a java.util.Date, but found class ${javaClassName(orig)}`);
      return orig;
  }
}

function toType(cfg: Cfg, d: Date): unknown {
  const ms = d.getTime();
  switch (cfg.type) {
    case 'string':
      return cfg.format!.format(d);
    case 'unix': {
      const m = BigInt(ms);
      const r = cfg.precision === 'seconds' ? m / 1000n : cfg.precision === 'microseconds' ? m * 1000n : cfg.precision === 'nanoseconds' ? m * 1_000_000n : m;
      return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
    }
    case 'Date':
      return new Date(ms - (((ms % DAY) + DAY) % DAY));
    case 'Time':
      return new Date(((ms % DAY) + DAY) % DAY);
    case 'Timestamp':
      return d;
  }
}

function typeFromSchema(schema: SchemaT): TsType {
  switch (schema.name()) {
    case ConnectTimestamp.LOGICAL_NAME:
      return 'Timestamp';
    case ConnectDate.LOGICAL_NAME:
      return 'Date';
    case ConnectTime.LOGICAL_NAME:
      return 'Time';
    default:
  }
  if (schema.type() === SchemaType.STRING) return 'string';
  if (schema.type() === SchemaType.INT64) return 'unix';
  throw new ConnectException(`Schema ${String(schema)} does not correspond to a known timestamp type format`);
}

function inferType(v: unknown): TsType {
  if (v instanceof Date) return 'Timestamp';
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return 'unix';
  if (typeof v === 'string') return 'string';
  throw new DataException(`TimestampConverter does not support class ${javaClassName(v)} objects as timestamps`);
}

export abstract class TimestampConverter<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private cfg!: Cfg;
  private cache = new SchemaCache();
  private replaceNullWithDefault = true;

  configure(props: Record<string, unknown>): void {
    const c = new SimpleConfig(TIMESTAMP_CONVERTER_CONFIG_DEF, props);
    const type = c.getString('target.type') as TsType;
    const pattern = c.getString('format')!;
    this.replaceNullWithDefault = c.getBoolean('replace.null.with.default')!;
    if (type === 'string' && pattern.trim() === '') throw new ConfigException('TimestampConverter requires format option to be specified when using string timestamps');
    let format: SimpleDateFormat | null = null;
    if (pattern.trim() !== '') {
      try {
        format = new SimpleDateFormat(pattern);
      } catch (e) {
        throw new ConfigException(`TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern}`);
      }
    }
    this.cfg = { field: c.getString('field')!, type, format, precision: c.getString('unix.precision') as Precision };
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return TIMESTAMP_CONVERTER_CONFIG_DEF;
  }

  private convert(ts: unknown, from: TsType | null): unknown {
    if (ts === null || ts === undefined) return null;
    const raw = toRaw(this.cfg, from ?? inferType(ts), ts);
    return toType(this.cfg, raw);
  }

  apply(record: R): R {
    const schema = this.operatingSchema(record);
    const value = this.operatingValue(record);
    if (schema === null) {
      if (value === null || value === undefined || this.cfg.field === '') return this.newRecord(record, null, this.convert(value, null));
      const map = requireMap(value, PURPOSE);
      const updated = copyMap(map);
      updated[this.cfg.field] = this.convert(map[this.cfg.field] ?? null, null);
      return this.newRecord(record, null, updated);
    }
    if (this.cfg.field === '') return this.newRecord(record, typeSchema(this.cfg.type, schema.isOptional()), this.convert(value, typeFromSchema(schema)));
    const struct = requireStructOrNull(value, PURPOSE);
    let updated = this.cache.get(schema);
    if (updated === null) {
      const b = copySchemaBasics(schema, SchemaBuilder.struct());
      for (const f of schema.fields()) b.field(f.name(), f.name() === this.cfg.field ? typeSchema(this.cfg.type, f.schema().isOptional()) : f.schema());
      if (schema.isOptional()) b.optional();
      const d = schema.defaultValue();
      if (d !== null && d !== undefined) b.defaultValue(this.applyStruct(d as Struct, b));
      updated = b.build();
      this.cache.put(schema, updated);
    }
    return this.newRecord(record, updated, this.applyStruct(struct, updated));
  }

  private applyStruct(value: Struct | null, updated: SchemaT): Struct | null {
    if (value === null) return null;
    const out = new Struct(updated);
    for (const f of value.schema().fields()) {
      const v = this.replaceNullWithDefault ? value.get(f) : value.getWithoutDefault(f.name());
      out.put(f.name(), f.name() === this.cfg.field ? this.convert(v, typeFromSchema(f.schema())) : v);
    }
    return out;
  }
}

export class TimestampConverterKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends TimestampConverter<R> {
  constructor() {
    super('key');
  }
}
export class TimestampConverterValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends TimestampConverter<R> {
  constructor() {
    super('value');
  }
}
