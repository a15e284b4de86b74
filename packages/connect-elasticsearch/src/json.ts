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
import { BigDecimal, bigIntToTwosComplement, DataException, SchemaType, Struct, isPlainObject, type Schema } from '@nagare/connect-api';

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const DATE = 'org.apache.kafka.connect.data.Date';
const TIME = 'org.apache.kafka.connect.data.Time';
const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
const MS_PER_DAY = 86_400_000;

/** Java's `Double.toString` as Jackson writes it (non-finite values quoted). */
export function javaDouble(d: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? '"NaN"' : d > 0 ? '"Infinity"' : '"-Infinity"';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
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
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
    case SchemaType.INT64:
      return typeof value === 'bigint' ? value.toString() : String(value);
    case SchemaType.FLOAT32:
      return javaFloat(value as number);
    case SchemaType.FLOAT64:
      return javaDouble(value as number);
    case SchemaType.BOOLEAN:
      return value ? 'true' : 'false';
    case SchemaType.STRING:
      return jsonString(value as string);
    case SchemaType.BYTES:
      return base64(value as Uint8Array);
    case SchemaType.ARRAY: {
      const vs = schema.valueSchema();
      const arr = value as unknown[];
      let out = '[';
      for (let i = 0; i < arr.length; i++) out += (i > 0 ? ',' : '') + toJson(vs, arr[i]);
      return out + ']';
    }
    case SchemaType.MAP: {
      const ks = schema.keySchema()!;
      const vs = schema.valueSchema();
      const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
      if (ks.type() === SchemaType.STRING) {
        let out = '{';
        entries.forEach(([k, v], i) => (out += (i > 0 ? ',' : '') + jsonString(String(k)) + ':' + toJson(vs, v)));
        return out + '}';
      }
      let out = '[';
      entries.forEach(([k, v], i) => (out += (i > 0 ? ',' : '') + '[' + toJson(ks, k) + ',' + toJson(vs, v) + ']'));
      return out + ']';
    }
    case SchemaType.STRUCT: {
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
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof BigDecimal) return value.toString();
  if (value instanceof Date) return String(value.getTime());
  if (Array.isArray(value)) return '[' + value.map(schemaless).join(',') + ']';
  if (value instanceof Struct) return toJson(value.schema(), value);
  if (value instanceof Map) {
    const entries = [...value.entries()];
    if (entries.every(([k]) => typeof k === 'string')) return '{' + entries.map(([k, v]) => jsonString(k as string) + ':' + schemaless(v)).join(',') + '}';
    return '[' + entries.map(([k, v]) => '[' + schemaless(k) + ',' + schemaless(v) + ']').join(',') + ']';
  }
  if (isPlainObject(value)) return '{' + Object.entries(value).map(([k, v]) => jsonString(k) + ':' + schemaless(v)).join(',') + '}';
  throw new DataException(`Java class ${(value as object).constructor?.name ?? typeof value} does not have corresponding schema type.`);
}
