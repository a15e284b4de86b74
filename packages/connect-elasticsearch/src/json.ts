/**
 * Connect data to JSON text as Kafka's `JsonConverter` writes it with
 * `schemas.enable=false` (what Confluent's sink sends as the document):
 * structs as objects in field order, maps with string keys as objects (any
 * other key type as `[[k, v], ...]`), bytes and (with `decimal.format` BASE64)
 * Decimals as base64, Date/Time/Timestamp as their int32/int64 encodings,
 * and numbers as Jackson prints Java's float/double (`1.0`, `1.0E7`), so
 * Elasticsearch's dynamic mapping sees the same types it would from the
 * Java connector. Written straight into a string (no intermediate objects)
 * because it runs once per record on the bulk-building hot path.
 */
import { BigDecimal, bigIntToTwosComplement, DataException, SchemaType, Struct, type Schema } from '@nagare/connect-api';

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const DATE = 'org.apache.kafka.connect.data.Date';
const TIME = 'org.apache.kafka.connect.data.Time';
const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
const MS_PER_DAY = 86_400_000;
// read once: an imported enum is a getter on the package's module object, too slow for the per-field switch
const INT8 = SchemaType.INT8;
const INT16 = SchemaType.INT16;
const INT32 = SchemaType.INT32;
const INT64 = SchemaType.INT64;
const FLOAT32 = SchemaType.FLOAT32;
const FLOAT64 = SchemaType.FLOAT64;
const BOOLEAN = SchemaType.BOOLEAN;
const STRING = SchemaType.STRING;
const BYTES = SchemaType.BYTES;
const ARRAY = SchemaType.ARRAY;
const MAP = SchemaType.MAP;
const STRUCT = SchemaType.STRUCT;

/** Java's `Double.toString` as Jackson writes it (non-finite values quoted). */
export function javaDouble(d: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? '"NaN"' : d > 0 ? '"Infinity"' : '"-Infinity"';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    if (Number.isInteger(d)) return d + '.0';
    const s = String(d);
    return s.includes('.') ? s : s + '.0';
  }
  const [m, e] = abs.toExponential().split('e');
  return `${d < 0 ? '-' : ''}${m.includes('.') ? m : m + '.0'}E${Number(e)}`;
}

/** Java's `Float.toString` of a float32 value (shortest digits that round-trip as a float). */
export function javaFloat(f: number): string {
  if (!Number.isFinite(f) || f === 0) return javaDouble(f);
  const abs = Math.abs(f);
  for (let p = 1; p <= 9; p++) {
    const n = Number(abs.toPrecision(p));
    if (Math.fround(n) === abs) return javaDouble(f < 0 ? -n : n);
  }
  return javaDouble(f);
}

const ESC: string[] = [];
for (let i = 0; i < 0x20; i++) ESC[i] = '\\u' + i.toString(16).padStart(4, '0');
ESC[0x08] = '\\b';
ESC[0x09] = '\\t';
ESC[0x0a] = '\\n';
ESC[0x0c] = '\\f';
ESC[0x0d] = '\\r';

/** A JSON string literal (Jackson escapes control characters, `"` and `\`). */
export function jsonString(s: string): string {
  // fast path: nothing to escape
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) out += ESC[c];
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else out += s[i];
  }
  return out + '"';
}

function base64(b: Uint8Array): string {
  return '"' + (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('base64') + '"';
}

/** `JsonConverter.convertToJson` with a schema (schemas.enable=false output). */
export function toJson(schema: Schema | null, value: unknown): string {
  if (schema === null) return schemaless(value);
  if (value === null || value === undefined) {
    const d = schema.defaultValue();
    if (d !== null && d !== undefined) return toJson(schema, d);
    if (schema.isOptional()) return 'null';
    throw new DataException(`Conversion error: null value for field that is required and has no default value`);
  }
  const name = schema.name();
  if (name !== null) {
    switch (name) {
      case DECIMAL:
        return value instanceof BigDecimal ? base64(bigIntToTwosComplement(value.unscaled)) : schemaless(value);
      case DATE:
        return String(Math.floor((value as Date).getTime() / MS_PER_DAY));
      case TIME:
        return String(((value as Date).getTime() % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY);
      case TIMESTAMP:
        return String((value as Date).getTime());
      default:
    }
  }
  switch (schema.type()) {
    case INT8:
    case INT16:
    case INT32:
    case INT64:
      return typeof value === 'bigint' ? value.toString() : String(value);
    case FLOAT32:
      return javaFloat(value as number);
    case FLOAT64:
      return javaDouble(value as number);
    case BOOLEAN:
      return value ? 'true' : 'false';
    case STRING:
      return jsonString(value as string);
    case BYTES:
      return base64(value as Uint8Array);
    case ARRAY: {
      const vs = schema.valueSchema();
      const arr = value as unknown[];
      let out = '[';
      for (let i = 0; i < arr.length; i++) out += (i > 0 ? ',' : '') + toJson(vs, arr[i]);
      return out + ']';
    }
    case MAP: {
      const ks = schema.keySchema()!;
      const vs = schema.valueSchema();
      const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
      if (ks.type() === STRING) {
        let out = '{';
        entries.forEach(([k, v], i) => (out += (i > 0 ? ',' : '') + jsonString(String(k)) + ':' + toJson(vs, v)));
        return out + '}';
      }
      let out = '[';
      entries.forEach(([k, v], i) => (out += (i > 0 ? ',' : '') + '[' + toJson(ks, k) + ',' + toJson(vs, v) + ']'));
      return out + ']';
    }
    case STRUCT: {
      const s = value as Struct;
      if (!(s instanceof Struct)) throw new DataException(`Mismatching schema: expected a Struct, got ${typeof value}`);
      const fields = schema.fields();
      let out = '{';
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        out += (i > 0 ? ',' : '') + jsonString(f.name()) + ':' + toJson(f.schema(), s.get(f));
      }
      return out + '}';
    }
  }
}

/** `"name":` of each field of a struct schema, with the separating comma from the second on. */
const fieldKeys = new WeakMap<Schema, string[]>();
function keysOf(schema: Schema): string[] {
  let keys = fieldKeys.get(schema);
  if (keys === undefined) {
    keys = schema.fields().map((f, i) => (i > 0 ? ',' : '') + jsonString(f.name()) + ':');
    fieldKeys.set(schema, keys);
  }
  return keys;
}

/**
 * The document Confluent's sink sends for a value with a schema: its
 * `preProcessSchema`/`preProcessValue` (Decimals as doubles; maps without
 * string keys, or all maps when `compact.map.entries` is false, as arrays of
 * `{"key": k, "value": v}`) followed by `JsonConverter.convertToJson`, in one
 * pass without copying the value.
 */
export function toDocument(schema: Schema, value: unknown, compactMapEntries: boolean): string {
  if (value === null || value === undefined) {
    const d = schema.defaultValue();
    if (d !== null && d !== undefined) return toDocument(schema, d, compactMapEntries);
    if (schema.isOptional()) return 'null';
    throw new DataException('null value for field that is required and has no default value');
  }
  const name = schema.name();
  if (name !== null) {
    if (name === DECIMAL) return javaDouble(value instanceof BigDecimal ? value.toNumber() : Number(value));
    if (name === DATE || name === TIME || name === TIMESTAMP) return toJson(schema, value);
  }
  const type = schema.type();
  switch (type) {
    case INT8:
    case INT16:
    case INT32:
    case INT64:
      return typeof value === 'bigint' ? value.toString() : String(value);
    case STRING:
      return jsonString(value as string);
    case STRUCT: {
      const s = value as Struct;
      if (!(s instanceof Struct)) throw new DataException(`Mismatching schema: expected a Struct, got ${typeof value}`);
      const fields = schema.fields();
      const keys = keysOf(schema);
      // joined rather than concatenated: a flat string, cheaper to flatten into the bulk body later
      const parts = new Array<string>(fields.length * 2 + 2);
      parts[0] = '{';
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        parts[2 * i + 1] = keys[i];
        parts[2 * i + 2] = toDocument(f.schema(), s.get(f), compactMapEntries);
      }
      parts[parts.length - 1] = '}';
      return parts.join('');
    }
    case ARRAY: {
      const vs = schema.valueSchema()!;
      const arr = value as unknown[];
      let out = '[';
      for (let i = 0; i < arr.length; i++) out += (i > 0 ? ',' : '') + toDocument(vs, arr[i], compactMapEntries);
      return out + ']';
    }
    case MAP: {
      const ks = schema.keySchema()!;
      const vs = schema.valueSchema()!;
      const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
      if (compactMapEntries && ks.type() === STRING) {
        let out = '{';
        entries.forEach(([k, v], i) => (out += (i > 0 ? ',' : '') + jsonString(String(k)) + ':' + toDocument(vs, v, compactMapEntries)));
        return out + '}';
      }
      let out = '[';
      entries.forEach(([k, v], i) => (out += (i > 0 ? ',' : '') + '{"key":' + toDocument(ks, k, compactMapEntries) + ',"value":' + toDocument(vs, v, compactMapEntries) + '}'));
      return out + ']';
    }
    default:
      return toJson(schema, value);
  }
}

/** Schemaless values (maps, lists, primitives) as JsonConverter infers them. */
export function schemaless(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value) : javaDouble(value);
    default:
  }
  // plain objects and arrays first: the common schemaless document
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) {
    const parts: string[] = ['{'];
    for (const k in value as Record<string, unknown>) {
      if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
      parts.push(parts.length > 1 ? ',' : '', jsonString(k), ':', schemaless((value as Record<string, unknown>)[k]));
    }
    parts.push('}');
    return parts.join('');
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + schemaless(value[i]);
    return out + ']';
  }
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof BigDecimal) return value.toString();
  if (value instanceof Date) return String(value.getTime());
  if (value instanceof Struct) return toJson(value.schema(), value);
  if (value instanceof Map) {
    const entries = [...value.entries()];
    if (entries.every(([k]) => typeof k === 'string')) return '{' + entries.map(([k, v]) => jsonString(k as string) + ':' + schemaless(v)).join(',') + '}';
    return '[' + entries.map(([k, v]) => '[' + schemaless(k) + ',' + schemaless(v) + ']').join(',') + ']';
  }
  throw new DataException(`Java class ${(value as object).constructor?.name ?? typeof value} does not have corresponding schema type.`);
}
