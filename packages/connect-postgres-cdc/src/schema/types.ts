/**
 * PostgreSQL column types to Debezium's Connect schemas and values
 * (`PostgresValueConverter` on `JdbcValueConverters`), from the text
 * format both pgoutput and the snapshot's SELECT deliver:
 *
 * | PostgreSQL | schema (name) |
 * |---|---|
 * | bool, bit(1) | boolean |
 * | bit(n), varbit | bytes `io.debezium.data.Bits` (`length`) |
 * | int2 / int4 / int8, oid | int16 / int32 / int64 |
 * | float4 / float8 | float / double |
 * | numeric(p,s) | `decimal.handling.mode`: precise = Decimal (`connect.decimal.precision`), unconstrained = `io.debezium.data.VariableScaleDecimal`; double; string |
 * | money | Decimal(`money.fraction.digits`) / double / string |
 * | char, varchar, text, bpchar, name, inet, cidr, macaddr, ranges | string |
 * | json, jsonb / xml / uuid | string `io.debezium.data.Json` / `.Xml` / `.Uuid` |
 * | enum | string `io.debezium.data.Enum` (`allowed`) |
 * | bytea | `binary.handling.mode`: bytes, base64, base64-url-safe, hex |
 * | date | int32 `io.debezium.time.Date` (connect: Connect Date) |
 * | time(p) | adaptive: p<=3 int32 `io.debezium.time.Time`, else int64 `io.debezium.time.MicroTime` |
 * | timestamp(p) | adaptive: p<=3 int64 `io.debezium.time.Timestamp`, else `io.debezium.time.MicroTimestamp` |
 * | timestamptz / timetz | string `io.debezium.time.ZonedTimestamp` / `ZonedTime` (UTC) |
 * | interval | int64 `io.debezium.time.MicroDuration` or string `io.debezium.time.Interval` |
 * | arrays | array of the element's optional schema |
 * | domains | their base type |
 * | anything else | left out, or bytes with `include.unknown.datatypes` |
 */
import {
  BigDecimal,
  bigIntToTwosComplement,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  SchemaBuilder,
  Schemas,
  Struct,
} from '@nagare/connect-api';

export type DecimalMode = 'precise' | 'double' | 'string';
export type TemporalMode = 'adaptive' | 'adaptive_time_microseconds' | 'connect' | 'isostring' | 'microseconds' | 'nanoseconds';
export type BinaryMode = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
export type IntervalMode = 'numeric' | 'string';

export interface TypeConfig {
  decimalMode: DecimalMode;
  temporalMode: TemporalMode;
  binaryMode: BinaryMode;
  intervalMode: IntervalMode;
  moneyFractionDigits: number;
  includeUnknownDatatypes: boolean;
  unavailableValuePlaceholder: string;
}

/** A pg_type row. */
export interface PgType {
  oid: number;
  name: string;
  schema: string;
  /** b base, d domain, e enum, c composite, r range, m multirange, p pseudo. */
  typtype: string;
  category: string;
  elemOid: number;
  baseOid: number;
  baseTypmod: number;
  enumValues: string[] | null;
}

export interface TypeLookup {
  get(oid: number): PgType | undefined;
}

export interface MappedType {
  /** The field schema (required; the caller sets optional/default). */
  builder: () => SchemaBuilder;
  convert: (text: string) => unknown;
  /** What a required column holds when its value is absent (JdbcValueConverters' fallback). */
  fallback: unknown;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export const DEBEZIUM = {
  BITS: 'io.debezium.data.Bits',
  ENUM: 'io.debezium.data.Enum',
  JSON: 'io.debezium.data.Json',
  UUID: 'io.debezium.data.Uuid',
  XML: 'io.debezium.data.Xml',
  VARIABLE_SCALE_DECIMAL: 'io.debezium.data.VariableScaleDecimal',
  DATE: 'io.debezium.time.Date',
  TIME: 'io.debezium.time.Time',
  MICRO_TIME: 'io.debezium.time.MicroTime',
  NANO_TIME: 'io.debezium.time.NanoTime',
  TIMESTAMP: 'io.debezium.time.Timestamp',
  MICRO_TIMESTAMP: 'io.debezium.time.MicroTimestamp',
  NANO_TIMESTAMP: 'io.debezium.time.NanoTimestamp',
  ZONED_TIMESTAMP: 'io.debezium.time.ZonedTimestamp',
  ZONED_TIME: 'io.debezium.time.ZonedTime',
  MICRO_DURATION: 'io.debezium.time.MicroDuration',
  INTERVAL: 'io.debezium.time.Interval',
  ISO_DATE: 'io.debezium.time.IsoDate',
  ISO_TIME: 'io.debezium.time.IsoTime',
  ISO_TIMESTAMP: 'io.debezium.time.IsoTimestamp',
} as const;

const named = (b: SchemaBuilder, name: string, version = 1): SchemaBuilder => b.name(name).version(version);

export const VARIABLE_SCALE_DECIMAL_SCHEMA_BUILDER = (): SchemaBuilder =>
  SchemaBuilder.struct().name(DEBEZIUM.VARIABLE_SCALE_DECIMAL).version(1).doc('Variable scaled decimal').field('scale', Schemas.INT32_SCHEMA).field('value', Schemas.BYTES_SCHEMA);

function toLong(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseInt64(t: string): number | bigint {
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

function parseFloat(t: string): number {
  if (t === 'NaN') return NaN;
  if (t === 'Infinity') return Infinity;
  if (t === '-Infinity') return -Infinity;
  return Number(t);
}

/** `\x..` bytea output to bytes. */
export function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      if (text[i + 1] === '\\') {
        out.push(0x5c);
        i++;
      } else {
        out.push(parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else out.push(c);
  }
  return Buffer.from(out);
}

function binary(mode: BinaryMode): { builder: () => SchemaBuilder; conv: (b: Buffer) => unknown; fallback: unknown } {
  switch (mode) {
    case 'bytes':
      return { builder: () => SchemaBuilder.bytes(), conv: (b) => b, fallback: Buffer.alloc(0) };
    case 'base64':
      return { builder: () => SchemaBuilder.string(), conv: (b) => b.toString('base64'), fallback: '' };
    case 'base64-url-safe':
      return { builder: () => SchemaBuilder.string(), conv: (b) => b.toString('base64url'), fallback: '' };
    case 'hex':
      return { builder: () => SchemaBuilder.string(), conv: (b) => b.toString('hex'), fallback: '' };
  }
}

/** `java.util.BitSet.toByteArray()` of a bit string (bit i = character length-1-i): little-endian bytes. */
export function bitsToBytes(bits: string): Buffer {
  const n = bits.length;
  let highest = -1;
  for (let i = 0; i < n; i++) if (bits[n - 1 - i] === '1') highest = i;
  const out = Buffer.alloc(highest < 0 ? 0 : Math.floor(highest / 8) + 1);
  for (let i = 0; i <= highest; i++) if (bits[n - 1 - i] === '1') out[i >> 3] |= 1 << (i & 7);
  return out;
}

const DATE_RE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const TIMETZ_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/;
const TS_RE = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

function utcMs(year: number, month: number, day: number, h = 0, mi = 0, s = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, h, mi, s); // Date.UTC maps years 0..99 to 1900..1999
  const d = new Date(Date.UTC(2000, month - 1, day, h, mi, s));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** Epoch day of a `date` text. */
export function epochDay(text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw new DataException(`Unexpected date value '${text}'`);
  const y = m[4] ? 1 - Number(m[1]) : Number(m[1]);
  return Math.round(utcMs(y, Number(m[2]), Number(m[3])) / 86_400_000);
}

/** Micros of the day of a `time` text ('24:00:00' is a whole day). */
export function microsOfDay(text: string): bigint {
  const m = TIME_RE.exec(text);
  if (!m) throw new DataException(`Unexpected time value '${text}'`);
  return ((BigInt(m[1]) * 60n + BigInt(m[2])) * 60n + BigInt(m[3])) * 1_000_000n + (m[4] ? BigInt((m[4] + '00000').slice(0, 6)) : 0n);
}

/** Epoch micros of a `timestamp`/`timestamptz` text (no offset = UTC wall clock, as Debezium reads `timestamp`). */
export function epochMicros(text: string): bigint {
  const m = TS_RE.exec(text);
  if (!m) throw new DataException(`Unexpected timestamp value '${text}'`);
  const y = m[12] ? 1 - Number(m[1]) : Number(m[1]);
  let ms = utcMs(y, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (m[8]) ms -= (m[8] === '-' ? -1 : 1) * ((Number(m[9]) * 60 + Number(m[10] ?? 0)) * 60 + Number(m[11] ?? 0)) * 1000;
  return BigInt(ms) * 1000n + (m[7] ? BigInt((m[7] + '00000').slice(0, 6)) : 0n);
}

const pad = (n: number | bigint, w = 2): string => String(n).padStart(w, '0');

/** ISO date-time of epoch micros in UTC with `width` fraction digits (`ZonedTimestamp`), or Java's ISO_OFFSET_DATE_TIME minimal fraction when width is 0. */
export function isoUtc(micros: bigint, width: number): string {
  const ms = Number(micros / 1000n) - (micros % 1000n < 0n ? 1 : 0);
  const d = new Date(ms);
  const frac = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  const y = d.getUTCFullYear();
  const date = `${y < 0 ? '-' + pad(-y, 4) : y > 9999 ? '+' + y : pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  let f = '';
  if (width > 0 && width <= 9) f = '.' + (String(frac).padStart(6, '0') + '000').slice(0, width);
  else if (frac !== 0) {
    // ISO_LOCAL_TIME: nanos printed in groups of three digits
    const nanos = String(frac * 1000).padStart(9, '0');
    f = '.' + (nanos.endsWith('000000') ? nanos.slice(0, 3) : nanos.endsWith('000') ? nanos.slice(0, 6) : nanos);
  }
  return `${date}T${time}${f}Z`;
}

const TS_UTC_RE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * `isoUtc(epochMicros(text), width)` without the arithmetic when the text is
 * already in UTC with a four-digit year (the replication session's time
 * zone is UTC, so that is every streamed `timestamptz`), else null.
 */
export function zonedTimestampUtc(text: string, width: number): string | null {
  const m = TS_UTC_RE.exec(text);
  if (m === null || m[1].startsWith('0000')) return null;
  if (width > 0 && width <= 9) return `${m[1]}T${m[2]}.${((m[3] ?? '') + '000000000').slice(0, width)}Z`;
  return m[3] === undefined && width === 0 ? `${m[1]}T${m[2]}Z` : null;
}

/** ISO_OFFSET_TIME of a timetz text shifted to UTC (`ZonedTime`). */
export function zonedTime(text: string): string {
  const m = TIMETZ_RE.exec(text);
  if (!m) throw new DataException(`Unexpected time with time zone value '${text}'`);
  if (m[1] === '24' && m[2] === '00' && m[3] === '00' && !m[4]) return '24:00:00Z';
  const offset = (m[5] === '-' ? -1 : 1) * ((Number(m[6]) * 60 + Number(m[7] ?? 0)) * 60 + Number(m[8] ?? 0));
  let secs = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) - offset;
  secs = ((secs % 86400) + 86400) % 86400;
  const frac = m[4] ? Number((m[4] + '00000').slice(0, 6)) : 0;
  let f = '';
  if (frac !== 0) {
    const nanos = String(frac * 1000).padStart(9, '0');
    f = '.' + (nanos.endsWith('000000') ? nanos.slice(0, 3) : nanos.endsWith('000') ? nanos.slice(0, 6) : nanos);
  }
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}${f}Z`;
}

/** PostgreSQL interval output (IntervalStyle postgres) to its parts. */
export function parseInterval(text: string): { years: number; months: number; days: number; hours: number; minutes: number; seconds: number; micros: number } {
  const p = { years: 0, months: 0, days: 0, hours: 0, minutes: 0, seconds: 0, micros: 0 };
  const re = /([+-]?\d+) (year|years|mon|mons|day|days)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const n = Number(m[1]);
    if (m[2].startsWith('year')) p.years = n;
    else if (m[2].startsWith('mon')) p.months = n;
    else p.days = n;
  }
  const t = /([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(text);
  if (t) {
    const sign = t[1] === '-' ? -1 : 1;
    p.hours = sign * Number(t[2]);
    p.minutes = sign * Number(t[3]);
    p.seconds = sign * Number(t[4]);
    p.micros = sign * (t[5] ? Number((t[5] + '00000').slice(0, 6)) : 0);
  }
  return p;
}

const DAYS_PER_MONTH_AVG = 365.25 / 12.0;

/** `MicroDuration.durationMicros` (double arithmetic, as Debezium's). */
export function intervalMicros(text: string): number {
  const p = parseInterval(text);
  let numberOfDays = p.days + (p.years * 12 + p.months) * DAYS_PER_MONTH_AVG;
  numberOfDays = numberOfDays * 24 * 60 * 60;
  const seconds = numberOfDays + p.hours * 3600 + p.minutes * 60 + p.seconds;
  return Math.trunc(seconds * 1e6) + p.micros;
}

/** `Interval.toIsoString`: `P<y>Y<m>M<d>DT<h>H<m>M<s>S`. */
export function intervalIso(text: string): string {
  const p = parseInterval(text);
  const secs = BigDecimal.fromString(`${p.seconds < 0 || p.micros < 0 ? '-' : ''}${Math.abs(p.seconds)}.${String(Math.abs(p.micros)).padStart(6, '0')}`);
  let s = secs.toPlainString().replace(/\.?0+$/, '');
  if (s === '' || s === '-') s = '0';
  return `P${p.years}Y${p.months}M${p.days}DT${p.hours}H${p.minutes}M${s}S`;
}

/** Splits a one-dimensional array literal (`{1,NULL,"a b"}`) into element texts. */
export function parseArrayLiteral(text: string): Array<string | null> {
  let s = text;
  if (s.startsWith('[')) s = s.slice(s.indexOf('=') + 1);
  if (!s.startsWith('{') || !s.endsWith('}')) throw new DataException(`Unexpected array value '${text}'`);
  const body = s.slice(1, -1);
  const out: Array<string | null> = [];
  if (body === '') return out;
  let i = 0;
  for (;;) {
    if (body[i] === '"') {
      let v = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        v += body[i++];
      }
      i++;
      out.push(v);
    } else if (body[i] === '{') {
      let depth = 0;
      const start = i;
      let inq = false;
      for (; i < body.length; i++) {
        const c = body[i];
        if (inq) {
          if (c === '\\') i++;
          else if (c === '"') inq = false;
        } else if (c === '"') inq = true;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
          i++;
          break;
        }
      }
      out.push(body.slice(start, i));
    } else {
      let j = body.indexOf(',', i);
      if (j < 0) j = body.length;
      const raw = body.slice(i, j).trim();
      out.push(raw === 'NULL' ? null : raw);
      i = j;
    }
    if (i >= body.length) break;
    i++;
  }
  return out;
}

function parseMoney(t: string): BigDecimal {
  const neg = t.includes('-') || (t.startsWith('(') && t.endsWith(')'));
  const digits = t.replace(/[^0-9.]/g, '');
  const d = BigDecimal.fromString(digits === '' ? '0' : digits);
  return neg ? new BigDecimal(-d.unscaled, d.scale) : d;
}

/** Precision of time/timestamp columns from the type modifier (6 when unconstrained), as pgjdbc's getScale reports it. */
export function timePrecision(typmod: number): number {
  return typmod < 0 ? 6 : typmod;
}

function numericPrecision(typmod: number): number {
  return typmod < 4 ? 0 : ((typmod - 4) >> 16) & 0xffff;
}
function numericScale(typmod: number): number | null {
  if (typmod < 4) return null;
  return (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
}

/** The mapping of a (resolved, non-domain) type, or null when not supported. */
export function mapType(type: PgType, typmod: number, cfg: TypeConfig, types: TypeLookup, depth = 0): MappedType | null {
  if (type.typtype === 'd' && type.baseOid !== 0) {
    const base = types.get(type.baseOid);
    if (!base) return null;
    return mapType(base, typmod >= 0 ? typmod : type.baseTypmod, cfg, types, depth);
  }
  if (type.typtype === 'e') {
    const allowed = (type.enumValues ?? []).join(',');
    return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.ENUM).parameter('allowed', allowed), convert: (t) => t, fallback: '' };
  }
  const str = (): MappedType => ({ builder: () => SchemaBuilder.string(), convert: (t) => t, fallback: '' });
  switch (type.name) {
    case 'bool':
      return { builder: () => SchemaBuilder.bool(), convert: (t) => t === 't' || t === 'true', fallback: false };
    case 'bit':
    case 'varbit': {
      const length = typmod > 0 ? typmod : type.name === 'bit' ? 1 : 0;
      if (length === 1 && type.name === 'bit') return { builder: () => SchemaBuilder.bool(), convert: (t) => t === '1', fallback: false };
      return { builder: () => named(SchemaBuilder.bytes(), DEBEZIUM.BITS).parameter('length', String(length)), convert: (t) => bitsToBytes(t), fallback: Buffer.alloc(0) };
    }
    case 'int2':
      return { builder: () => SchemaBuilder.int16(), convert: (t) => Number(t), fallback: 0 };
    case 'int4':
      return { builder: () => SchemaBuilder.int32(), convert: (t) => Number(t), fallback: 0 };
    case 'int8':
    case 'oid':
      return { builder: () => SchemaBuilder.int64(), convert: parseInt64, fallback: 0 };
    case 'float4':
      return { builder: () => SchemaBuilder.float32(), convert: (t) => Math.fround(parseFloat(t)), fallback: 0 };
    case 'float8':
      return { builder: () => SchemaBuilder.float64(), convert: parseFloat, fallback: 0 };
    case 'numeric': {
      const precision = numericPrecision(typmod);
      const scale = numericScale(typmod);
      switch (cfg.decimalMode) {
        case 'double':
          return { builder: () => SchemaBuilder.float64(), convert: parseFloat, fallback: 0 };
        case 'string':
          return {
            builder: () => SchemaBuilder.string(),
            convert: (t) => (t === 'NaN' ? 'NAN' : t === 'Infinity' ? 'POSITIVE_INFINITY' : t === '-Infinity' ? 'NEGATIVE_INFINITY' : BigDecimal.fromString(t).toPlainString()),
            fallback: '0',
          };
        case 'precise':
          if (scale === null) {
            // unconstrained numeric: VariableScaleDecimal {scale, value}
            return {
              builder: VARIABLE_SCALE_DECIMAL_SCHEMA_BUILDER,
              convert: (t) => {
                if (t === 'NaN' || t.endsWith('Infinity')) return null;
                const d = BigDecimal.fromString(t);
                const s = new Struct(VARIABLE_SCALE_DECIMAL_SCHEMA_BUILDER().build());
                return s.put('scale', d.scale).put('value', Buffer.from(bigIntToTwosComplement(d.unscaled)));
              },
              fallback: null,
            };
          }
          return {
            builder: () => Decimal.builder(scale).parameter('connect.decimal.precision', String(precision)),
            convert: (t) => (t === 'NaN' || t.endsWith('Infinity') ? null : BigDecimal.fromString(t).setScale(scale)),
            fallback: new BigDecimal(0n, scale),
          };
      }
      return null;
    }
    case 'money':
      switch (cfg.decimalMode) {
        case 'double':
          return { builder: () => SchemaBuilder.float64(), convert: (t) => parseMoney(t).toNumber(), fallback: 0 };
        case 'string':
          return { builder: () => SchemaBuilder.string(), convert: (t) => parseMoney(t).setScale(cfg.moneyFractionDigits).toPlainString(), fallback: '0' };
        default:
          return { builder: () => Decimal.builder(cfg.moneyFractionDigits), convert: (t) => parseMoney(t).setScale(cfg.moneyFractionDigits), fallback: new BigDecimal(0n, cfg.moneyFractionDigits) };
      }
    case 'char':
    case 'bpchar':
    case 'varchar':
    case 'text':
    case 'name':
    case 'citext':
    case 'inet':
    case 'cidr':
    case 'macaddr':
    case 'macaddr8':
    case 'int4range':
    case 'int8range':
    case 'numrange':
    case 'tsrange':
    case 'tstzrange':
    case 'daterange':
    case 'ltree':
    case 'isbn':
      return str();
    case 'json':
    case 'jsonb':
      return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.JSON), convert: (t) => t, fallback: '{}' };
    case 'xml':
      return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.XML), convert: (t) => t, fallback: '' };
    case 'uuid':
      return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.UUID), convert: (t) => t, fallback: '00000000-0000-0000-0000-000000000000' };
    case 'bytea': {
      const b = binary(cfg.binaryMode);
      return { builder: b.builder, convert: (t) => b.conv(parseBytea(t)), fallback: b.fallback };
    }
    case 'date':
      if (cfg.temporalMode === 'connect') return { builder: () => ConnectDate.builder(), convert: (t) => new Date(epochDay(t) * 86_400_000), fallback: new Date(0) };
      if (cfg.temporalMode === 'isostring') return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.ISO_DATE), convert: (t) => `${t}Z`, fallback: '1970-01-01Z' };
      return { builder: () => named(SchemaBuilder.int32(), DEBEZIUM.DATE), convert: epochDay, fallback: 0 };
    case 'time': {
      const p = timePrecision(typmod);
      switch (cfg.temporalMode) {
        case 'connect':
          return { builder: () => ConnectTime.builder(), convert: (t) => new Date(Number(microsOfDay(t) / 1000n)), fallback: new Date(0) };
        case 'isostring':
          return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.ISO_TIME), convert: (t) => `${t}Z`, fallback: '00:00:00Z' };
        case 'nanoseconds':
          return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.NANO_TIME), convert: (t) => toLong(microsOfDay(t) * 1000n), fallback: 0 };
        case 'microseconds':
        case 'adaptive_time_microseconds':
          return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.MICRO_TIME), convert: (t) => toLong(microsOfDay(t)), fallback: 0 };
        default:
          if (p <= 3) return { builder: () => named(SchemaBuilder.int32(), DEBEZIUM.TIME), convert: (t) => Number(microsOfDay(t) / 1000n), fallback: 0 };
          return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.MICRO_TIME), convert: (t) => toLong(microsOfDay(t)), fallback: 0 };
      }
    }
    case 'timetz':
      return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.ZONED_TIME), convert: zonedTime, fallback: '00:00:00Z' };
    case 'timestamp': {
      const p = timePrecision(typmod);
      const inf = (t: string, v: (m: bigint) => unknown, max: unknown, min: unknown): unknown => (t === 'infinity' ? max : t === '-infinity' ? min : v(epochMicros(t)));
      switch (cfg.temporalMode) {
        case 'connect':
          return { builder: () => ConnectTimestamp.builder(), convert: (t) => inf(t, (m) => new Date(Number(m / 1000n)), new Date(8.64e15), new Date(-8.64e15)), fallback: new Date(0) };
        case 'isostring':
          return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.ISO_TIMESTAMP), convert: (t) => inf(t, (m) => isoUtc(m, 0), 'infinity', '-infinity'), fallback: '1970-01-01T00:00:00Z' };
        case 'nanoseconds':
          return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.NANO_TIMESTAMP), convert: (t) => inf(t, (m) => toLong(m * 1000n), INT64_MAX, INT64_MIN), fallback: 0 };
        case 'microseconds':
          return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.MICRO_TIMESTAMP), convert: (t) => inf(t, (m) => toLong(m), INT64_MAX, INT64_MIN), fallback: 0 };
        default:
          if (p <= 3) return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.TIMESTAMP), convert: (t) => inf(t, (m) => toLong(floorDiv(m, 1000n)), INT64_MAX, INT64_MIN), fallback: 0 };
          return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.MICRO_TIMESTAMP), convert: (t) => inf(t, (m) => toLong(m), INT64_MAX, INT64_MIN), fallback: 0 };
      }
    }
    case 'timestamptz': {
      const width = typmod < 0 ? 6 : typmod;
      return {
        builder: () => named(SchemaBuilder.string(), DEBEZIUM.ZONED_TIMESTAMP),
        convert: (t) => (t === 'infinity' || t === '-infinity' ? t : zonedTimestampUtc(t, width) ?? isoUtc(epochMicros(t), width)),
        fallback: '1970-01-01T00:00:00Z',
      };
    }
    case 'interval':
      if (cfg.intervalMode === 'string') return { builder: () => named(SchemaBuilder.string(), DEBEZIUM.INTERVAL), convert: intervalIso, fallback: 'P0Y0M0DT0H0M0S' };
      return { builder: () => named(SchemaBuilder.int64(), DEBEZIUM.MICRO_DURATION), convert: intervalMicros, fallback: 0 };
    default:
      break;
  }
  if (type.category === 'A' && type.elemOid !== 0 && depth === 0) {
    const elem = types.get(type.elemOid);
    if (!elem) return null;
    const unsupported = ['money', 'name', 'interval', 'varbit', 'xml', 'point', 'refcursor'];
    if (unsupported.includes(elem.name)) return null;
    const m = mapType(elem, typmod, cfg, types, depth + 1);
    if (!m) return null;
    return {
      builder: () => SchemaBuilder.array(m.builder().optional().build()),
      convert: (t) => parseArrayLiteral(t).map((e) => (e === null ? null : m.convert(e))),
      fallback: [],
    };
  }
  if (cfg.includeUnknownDatatypes) {
    const b = binary(cfg.binaryMode);
    return { builder: b.builder, convert: (t) => b.conv(Buffer.from(t, 'utf8')), fallback: b.fallback };
  }
  return null;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

