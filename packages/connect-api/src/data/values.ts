/**
 * `org.apache.kafka.connect.data.Values`: converting Connect values between
 * types and to/from the string form SimpleHeaderConverter and InsertHeader
 * use (`parseString` infers the schema: booleans, the smallest integer type,
 * FLOAT32/FLOAT64, Decimal for huge integers, ISO-8601 dates/times/timestamps,
 * `[..]` arrays and `{k:v}` maps with quoted strings).
 *
 * Differences from Kafka (documented in the README): arrays/maps whose
 * elements have no common schema parse with a null schema (Kafka 3.8+
 * widens some combinations); all-null arrays/maps parse with a null schema.
 */
import { DataException } from '../errors/errors';
import { BigDecimal } from './big-decimal';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './logical';
import { isPlainObject, javaClassName, Schemas, SchemaType, Struct, valueToString, type Schema } from './schema';
import { SchemaAndValue } from './schema-and-value';
import { SchemaBuilder } from './schema-builder';

const MILLIS_PER_DAY = 86_400_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Formats a Date as Kafka's `Values.dateFormatFor` chooses: time (< 1 day), date (midnight), else timestamp; UTC. */
export function formatConnectDate(d: Date): string {
  const ms = d.getTime();
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
  if (ms >= 0 && ms < MILLIS_PER_DAY) return time;
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  if (ms % MILLIS_PER_DAY === 0) return date;
  return `${date}T${time}`;
}

function parseTemporal(token: string): SchemaAndValue | null {
  const t = token.replace(/\\:/g, ':');
  let m = TIME_RE.exec(t);
  if (m) return new SchemaAndValue(ConnectTime.SCHEMA, new Date(Date.UTC(1970, 0, 1, +m[1], +m[2], +m[3], +m[4])));
  m = TIMESTAMP_RE.exec(t);
  if (m) return new SchemaAndValue(ConnectTimestamp.SCHEMA, new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7])));
  m = DATE_RE.exec(t);
  if (m) return new SchemaAndValue(ConnectDate.SCHEMA, new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  return null;
}

function parseNumber(token: string): SchemaAndValue | null {
  if (!NUMBER_RE.test(token)) return null;
  const d = BigDecimal.fromString(token);
  const floor = d.scale <= 0 ? d : d.setScale(0, false);
  const integral = d.scale <= 0 || d.compareTo(floor) === 0;
  if (integral) {
    const n = d.toBigInt();
    if (n >= INT64_MIN && n <= INT64_MAX) {
      if (n >= -128n && n <= 127n) return new SchemaAndValue(Schemas.INT8_SCHEMA, Number(n));
      if (n >= -32768n && n <= 32767n) return new SchemaAndValue(Schemas.INT16_SCHEMA, Number(n));
      if (n >= -2147483648n && n <= 2147483647n) return new SchemaAndValue(Schemas.INT32_SCHEMA, Number(n));
      return new SchemaAndValue(Schemas.INT64_SCHEMA, n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);
    }
  }
  const dv = d.toNumber();
  if (d.scale !== 0 && Number.isFinite(Math.fround(dv))) return new SchemaAndValue(Schemas.FLOAT32_SCHEMA, Math.fround(dv));
  if (d.scale !== 0 && Number.isFinite(dv)) return new SchemaAndValue(Schemas.FLOAT64_SCHEMA, dv);
  return new SchemaAndValue(Decimal.schema(d.scale), d);
}

const NUMERIC_ORDER = [SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64];

/** Common schema of two parsed elements (same schema, or the wider number), else undefined. */
function merge(a: Schema | null | undefined, b: Schema | null): Schema | null | undefined {
  if (a === undefined) return b; // first element
  if (a === null) return b;
  if (b === null) return a;
  if (a === b) return a;
  const ia = a.name() === null ? NUMERIC_ORDER.indexOf(a.type()) : -1;
  const ib = b.name() === null ? NUMERIC_ORDER.indexOf(b.type()) : -1;
  if (ia >= 0 && ib >= 0) return ia >= ib ? a : b;
  if (a.type() === b.type() && a.name() === b.name() && a.type() !== SchemaType.ARRAY && a.type() !== SchemaType.MAP && a.type() !== SchemaType.STRUCT) return a;
  return undefined;
}

class ValueParser {
  pos = 0;
  constructor(readonly s: string) {}

  ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  /** Parses one embedded value; null schema and value for `null`. */
  embedded(): SchemaAndValue {
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) throw new DataException(`Unexpected end of input: ${this.s}`);
    if (c === '"') return this.quoted();
    if (c === '[') return this.array();
    if (c === '{') return this.map();
    const start = this.pos;
    // a time/timestamp contains ':' which is also the entry delimiter: try them first
    const rest = this.s.slice(start);
    const tm = /^(\d{4}-\d{2}-\d{2}T)?\d{2}(\\?:)\d{2}\\?:\d{2}\.\d{3}Z/.exec(rest);
    if (tm) {
      const t = parseTemporal(tm[0]);
      if (t) {
        this.pos += tm[0].length;
        return t;
      }
    }
    while (this.pos < this.s.length && !',:]}'.includes(this.s[this.pos])) this.pos++;
    const token = this.s.slice(start, this.pos).trim();
    if (token === 'null') return SchemaAndValue.NULL;
    if (token === 'true') return new SchemaAndValue(Schemas.BOOLEAN_SCHEMA, true);
    if (token === 'false') return new SchemaAndValue(Schemas.BOOLEAN_SCHEMA, false);
    const t = /^\d/.test(token) ? parseTemporal(token) : null;
    if (t) return t;
    const n = /^[\d+\-.]/.test(token) ? parseNumber(token) : null;
    if (n) return n;
    throw new DataException('Failed to parse embedded value');
  }

  quoted(): SchemaAndValue {
    this.pos++; // opening quote
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++];
      if (c === '\\' && this.pos < this.s.length) out += this.s[this.pos++];
      else if (c === '"') {
        return parseTemporal(out) ?? new SchemaAndValue(Schemas.STRING_SCHEMA, out);
      } else out += c;
    }
    throw new DataException(`Missing terminating quote: ${this.s}`);
  }

  array(): SchemaAndValue {
    this.pos++;
    const out: unknown[] = [];
    let schema: Schema | null | undefined;
    let compatible = true;
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return new SchemaAndValue(null, out);
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] === ',') throw new DataException(`Unable to parse an empty array element: ${this.s}`);
      const e = this.embedded();
      out.push(e.value());
      const m = merge(schema, e.schema());
      if (m === undefined && schema !== undefined) compatible = false;
      else schema = m;
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') break;
      if (c === undefined) throw new DataException(`Array is missing terminating ']': ${this.s}`);
      if (c !== ',') throw new DataException("Array elements missing ',' delimiter");
    }
    if (!compatible || schema === null || schema === undefined) return new SchemaAndValue(null, out);
    const elementSchema = SchemaBuilder.fromSchema(schema).optional().build();
    return new SchemaAndValue(SchemaBuilder.array(elementSchema).build(), out.map((v) => align(elementSchema, v)));
  }

  map(): SchemaAndValue {
    this.pos++;
    const out = new Map<unknown, unknown>();
    let ks: Schema | null | undefined;
    let vs: Schema | null | undefined;
    let compatible = true;
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return new SchemaAndValue(null, out);
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] === ',') throw new DataException(`Unable to parse a map entry with no key or value: ${this.s}`);
      const k = this.embedded();
      if (k.value() === null) throw new DataException(`Map entry may not have a null key: ${this.s}`);
      this.ws();
      if (this.s[this.pos] !== ':') throw new DataException(`Map entry is missing ':' at ${this.pos} in ${this.s}`);
      this.pos++;
      const v = this.embedded();
      out.set(k.value(), v.value());
      const mk = merge(ks, k.schema());
      const mv = merge(vs, v.schema());
      if ((mk === undefined && ks !== undefined) || (mv === undefined && vs !== undefined)) compatible = false;
      else {
        ks = mk;
        vs = mv;
      }
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') break;
      if (c === undefined) throw new DataException(`Map is missing terminating '}': ${this.s}`);
      if (c !== ',') throw new DataException(`Map entry is missing ',' delimiter: ${this.s}`);
    }
    if (!compatible || ks === null || ks === undefined || vs === null || vs === undefined) return new SchemaAndValue(null, out);
    const vSchema = SchemaBuilder.fromSchema(vs).optional().build();
    const aligned = new Map<unknown, unknown>();
    for (const [k, v] of out) aligned.set(align(ks, k), align(vSchema, v));
    return new SchemaAndValue(SchemaBuilder.map(ks, vSchema).build(), aligned);
  }
}

/** Widens a parsed number to the element schema chosen for its array/map. */
function align(schema: Schema, v: unknown): unknown {
  if (v === null) return null;
  if (schema.type() === SchemaType.INT64 && typeof v === 'number') return v;
  return v;
}

export const Values = {
  /** Parses the string form (see the module comment). Never throws: unparseable input is a STRING. */
  parseString(value: string | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    if (value === '') return new SchemaAndValue(Schemas.STRING_SCHEMA, value);
    const trimmed = value.trim();
    if (trimmed === 'null') return SchemaAndValue.NULL;
    if (trimmed === 'true' && value === 'true') return new SchemaAndValue(Schemas.BOOLEAN_SCHEMA, true);
    if (trimmed === 'false' && value === 'false') return new SchemaAndValue(Schemas.BOOLEAN_SCHEMA, false);
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      try {
        const p = new ValueParser(value);
        p.ws();
        const r = p.embedded();
        p.ws();
        if (p.pos === value.length) return r;
      } catch (e) {
        if (!(e instanceof DataException)) throw e;
      }
      return new SchemaAndValue(Schemas.STRING_SCHEMA, value);
    }
    if (trimmed.length === 0) return new SchemaAndValue(Schemas.STRING_SCHEMA, value);
    if (/^\d/.test(trimmed)) {
      const t = parseTemporal(trimmed);
      if (t) return t;
    }
    if (/^[\d+-]/.test(trimmed)) {
      const n = parseNumber(trimmed);
      if (n) return n;
    }
    return new SchemaAndValue(Schemas.STRING_SCHEMA, value);
  },

  /** `Values.convertToString`: strings as-is at the top level, bytes Base64, containers in the parseable form. */
  convertToString(_schema: Schema | null, value: unknown): string | null {
    if (value === null || value === undefined) return null;
    return append(value, false);
  },

  convertToBoolean(schema: Schema | null, value: unknown): boolean | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const p = Values.parseString(value);
      if (typeof p.value() === 'boolean') return p.value() as boolean;
    }
    return asLong(value, schema) !== 0n;
  },
  convertToByte(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(8, asLong(value, schema)));
  },
  convertToShort(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(16, asLong(value, schema)));
  },
  convertToInteger(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(32, asLong(value, schema)));
  },
  /** INT64 as a number when safe, else a bigint. */
  convertToLong(schema: Schema | null, value: unknown): number | bigint | null {
    if (value === null || value === undefined) return null;
    const n = asLong(value, schema);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  },
  convertToFloat(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Math.fround(asDouble(value, schema));
  },
  convertToDouble(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return asDouble(value, schema);
  },
  convertToList(_schema: Schema | null, value: unknown): unknown[] | null {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value;
    if (typeof value === 'string') {
      const p = Values.parseString(value);
      if (Array.isArray(p.value())) return p.value() as unknown[];
    }
    throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to ${String(SchemaBuilder.array(Schemas.STRING_SCHEMA).build())}`);
  },
  convertToMap(_schema: Schema | null, value: unknown): Map<unknown, unknown> | Record<string, unknown> | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Map || isPlainObject(value)) return value;
    if (typeof value === 'string') {
      const p = Values.parseString(value);
      if (p.value() instanceof Map) return p.value() as Map<unknown, unknown>;
    }
    throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to Schema{MAP}`);
  },
  convertToStruct(_schema: Schema | null, value: unknown): Struct | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Struct) return value;
    throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to Schema{STRUCT}`);
  },
  convertToDate(schema: Schema | null, value: unknown): Date {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return toDateLike(value, schema, (ms) => ms % MILLIS_PER_DAY === 0, ConnectDate.SCHEMA, (n) => new Date(n * MILLIS_PER_DAY));
  },
  convertToTime(schema: Schema | null, value: unknown): Date {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return toDateLike(value, schema, () => true, ConnectTime.SCHEMA, (n) => new Date(n), (d) => new Date(((d.getTime() % MILLIS_PER_DAY) + MILLIS_PER_DAY) % MILLIS_PER_DAY));
  },
  convertToTimestamp(schema: Schema | null, value: unknown): Date {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return toDateLike(value, schema, () => true, ConnectTimestamp.SCHEMA, (n) => new Date(n));
  },
  convertToDecimal(_schema: Schema | null, value: unknown, scale: number): BigDecimal {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    if (value instanceof BigDecimal) return value;
    if (typeof value === 'number') return BigDecimal.fromNumber(value);
    if (typeof value === 'bigint') return new BigDecimal(value, 0);
    if (typeof value === 'string') {
      try {
        return BigDecimal.fromString(value);
      } catch (e) {
        throw new DataException(`Could not convert value to decimal: ${value}`, { cause: e });
      }
    }
    if (value instanceof Uint8Array) return Decimal.toLogical(Decimal.schema(scale), value);
    throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to ${String(Decimal.schema(scale))}`);
  },

  /** `Values.inferSchema`: the schema of schemaless data, or null when it cannot be inferred. */
  inferSchema(value: unknown): Schema | null {
    if (typeof value === 'string') return Schemas.STRING_SCHEMA;
    if (typeof value === 'boolean') return Schemas.BOOLEAN_SCHEMA;
    if (typeof value === 'number') return Number.isInteger(value) ? (Math.abs(value) <= 2147483647 ? Schemas.INT32_SCHEMA : Schemas.INT64_SCHEMA) : Schemas.FLOAT64_SCHEMA;
    if (typeof value === 'bigint') return Schemas.INT64_SCHEMA;
    if (value instanceof Uint8Array) return Schemas.BYTES_SCHEMA;
    if (value instanceof Struct) return value.schema();
    if (Array.isArray(value)) {
      if (value.length === 0) return null;
      let s: Schema | null | undefined;
      for (const e of value) {
        const m = merge(s, Values.inferSchema(e));
        if (m === undefined || m === null) return null;
        s = m;
      }
      return SchemaBuilder.array(s!).build();
    }
    if (value instanceof Map || isPlainObject(value)) {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      if (entries.length === 0) return null;
      let ks: Schema | null | undefined;
      let vs: Schema | null | undefined;
      for (const [k, v] of entries) {
        const mk = merge(ks, Values.inferSchema(k));
        const mv = merge(vs, Values.inferSchema(v));
        if (!mk || !mv) return null;
        ks = mk;
        vs = mv;
      }
      return SchemaBuilder.map(ks!, vs!).build();
    }
    return null;
  },

  dateFormatFor: formatConnectDate,
} as const;

function append(value: unknown, embedded: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof BigDecimal) return value.toString();
  if (typeof value === 'string') return embedded ? '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"' : value;
  if (value instanceof Uint8Array) {
    const b64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    return embedded ? '"' + b64 + '"' : b64;
  }
  if (Array.isArray(value)) return '[' + value.map((v) => append(v, true)).join(',') + ']';
  if (value instanceof Map) return '{' + [...value.entries()].map(([k, v]) => append(k, true) + ':' + append(v, true)).join(',') + '}';
  if (value instanceof Struct) return '{' + value.schema().fields().map((f) => append(f.name(), true) + ':' + append(value.get(f), true)).join(',') + '}';
  if (value instanceof Date) return formatConnectDate(value);
  if (isPlainObject(value)) return '{' + Object.entries(value).map(([k, v]) => append(k, true) + ':' + append(v, true)).join(',') + '}';
  throw new DataException(`Failed to serialize unexpected value type ${javaClassName(value)}: ${String(value)}`);
}

function asLong(value: unknown, fromSchema: Schema | null): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (value instanceof BigDecimal) return value.toBigInt();
  if (typeof value === 'string' && NUMBER_RE.test(value.trim())) return BigDecimal.fromString(value.trim()).toBigInt();
  if (value instanceof Date && fromSchema !== null) {
    const n = fromSchema.name();
    if (n === ConnectDate.LOGICAL_NAME) return BigInt(ConnectDate.fromLogical(fromSchema, value));
    if (n === ConnectTime.LOGICAL_NAME) return BigInt(ConnectTime.fromLogical(fromSchema, value));
    if (n === ConnectTimestamp.LOGICAL_NAME) return BigInt(ConnectTimestamp.fromLogical(fromSchema, value));
  }
  if (fromSchema !== null) throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to ${String(fromSchema)}`);
  throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to a number`);
}

function asDouble(value: unknown, schema: Schema | null): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof BigDecimal) return value.toNumber();
  if (typeof value === 'string' && NUMBER_RE.test(value.trim())) return Number(value.trim());
  return Number(asLong(value, schema));
}

function toDateLike(value: unknown, fromSchema: Schema | null, ok: (ms: number) => boolean, target: Schema, fromNumber: (n: number) => Date, fromDate: (d: Date) => Date = (d) => d): Date {
  if (value instanceof Date) return fromDate(value);
  if (typeof value === 'string') {
    const p = Values.parseString(value);
    if (p.value() instanceof Date) return fromDate(p.value() as Date);
    const n = asLong(p.value() === null ? value : p.value(), null);
    return fromNumber(Number(n));
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (fromSchema !== null && fromSchema.name() === ConnectDate.LOGICAL_NAME) return new Date(Number(value) * MILLIS_PER_DAY);
    const d = fromNumber(Number(value));
    if (!ok(d.getTime())) throw new DataException(`Unable to convert ${String(value)} to ${String(target)}`);
    return d;
  }
  throw new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to ${String(target)}`);
}
