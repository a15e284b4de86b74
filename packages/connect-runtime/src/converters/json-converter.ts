/**
 * `org.apache.kafka.connect.json.JsonConverter` (also a HeaderConverter).
 *
 * With `schemas.enable=true` (default) every message is the envelope
 * `{"schema":<schema>,"payload":<value>}`; without, the bare payload.
 * Schema JSON keys are written in Kafka's order: `type`, then
 * `items` | `keys`,`values` | `fields` (each field's schema followed by
 * `"field":"<name>"`), `optional` (always), `name`, `version`, `doc`,
 * `parameters`, `default`. Bytes are base64; Decimal is base64 of the
 * unscaled two's-complement value (`decimal.format=BASE64`) or a JSON number
 * (`NUMERIC`); Date/Time are int32 days / ms-of-day, Timestamp int64 ms.
 * Maps with string keys are JSON objects, other maps arrays of `[k,v]`.
 * Schemas are cached both ways (`schemas.cache.size`, default 1000).
 */
import {
  BigDecimal,
  ConfigException,
  ConnectDate,
  ConnectSchema,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  Field,
  SchemaAndValue,
  SchemaType,
  Struct,
  isPlainObject,
  javaClassName,
  schemaEquals,
  type Schema,
} from '@nagare/connect-api';
import type { Converter, HeaderConverter } from '@nagare/connect-api';
import { JsonNumber, javaDouble, javaFloat, jsonString, parsePrecise } from './json-text';
import { LruCache, configBool, configInt } from './util';

/** Read once: every `SchemaType.X` would otherwise go through the package's re-export getter (hot path). */
const T = SchemaType;

export type DecimalFormat = 'BASE64' | 'NUMERIC';

export interface JsonConverterConfig {
  schemasEnable: boolean;
  schemasCacheSize: number;
  decimalFormat: DecimalFormat;
  replaceNullWithDefault: boolean;
}

const TYPE_NAMES: Record<SchemaType, string> = {
  [T.BOOLEAN]: 'boolean',
  [T.INT8]: 'int8',
  [T.INT16]: 'int16',
  [T.INT32]: 'int32',
  [T.INT64]: 'int64',
  [T.FLOAT32]: 'float',
  [T.FLOAT64]: 'double',
  [T.BYTES]: 'bytes',
  [T.STRING]: 'string',
  [T.ARRAY]: 'array',
  [T.MAP]: 'map',
  [T.STRUCT]: 'struct',
};
const TYPES_BY_NAME = new Map(Object.entries(TYPE_NAMES).map(([t, n]) => [n, t as SchemaType]));

const ENVELOPE_ERROR =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

function nodeType(v: unknown): string {
  if (v === null) return 'NULL';
  if (v === undefined) return 'MISSING';
  if (typeof v === 'number' || v instanceof JsonNumber) return 'NUMBER';
  if (typeof v === 'string') return 'STRING';
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (Array.isArray(v)) return 'ARRAY';
  return 'OBJECT';
}
const isNum = (v: unknown): v is number | JsonNumber => typeof v === 'number' || v instanceof JsonNumber;
const isIntegral = (v: unknown): boolean => (typeof v === 'number' ? Number.isInteger(v) : v instanceof JsonNumber && v.integral);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
const num = (v: number | JsonNumber): number => (typeof v === 'number' ? v : Number(v.raw));

export class JsonConverter implements Converter, HeaderConverter {
  static readonly className = 'org.apache.kafka.connect.json.JsonConverter';
  private cfg: JsonConverterConfig = { schemasEnable: true, schemasCacheSize: 1000, decimalFormat: 'BASE64', replaceNullWithDefault: true };
  private fromConnectCache = new LruCache<Schema, string>(1000);
  private toConnectCache = new LruCache<string, Schema | null>(1000);

  version(): string {
    return '3.9.0';
  }

  configure(configs: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    void isKey;
    const df = String(configs['decimal.format'] ?? 'BASE64').toUpperCase();
    if (df !== 'BASE64' && df !== 'NUMERIC') throw new ConfigException('decimal.format', configs['decimal.format'], 'String must be one of (case insensitive): BASE64, NUMERIC');
    this.cfg = {
      schemasEnable: configBool(configs, 'schemas.enable', true),
      schemasCacheSize: configInt(configs, 'schemas.cache.size', 1000),
      decimalFormat: df,
      replaceNullWithDefault: configBool(configs, 'replace.null.with.default', true),
    };
    this.fromConnectCache = new LruCache(this.cfg.schemasCacheSize);
    this.toConnectCache = new LruCache(this.cfg.schemasCacheSize);
  }

  get settings(): Readonly<JsonConverterConfig> {
    return this.cfg;
  }

  close(): void {}

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (schema === null && (value === null || value === undefined)) return null;
    const text = this.cfg.schemasEnable ? `{"schema":${this.schemaJson(schema)},"payload":${this.toJson(schema, value)}}` : this.toJson(schema, value);
    return Buffer.from(text, 'utf8');
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    if (text.length === 0 && !this.cfg.schemasEnable) return SchemaAndValue.NULL;
    if (this.cfg.schemasEnable) {
      // Fast path for the compact envelope converters write: the schema's text is the cache key (parsed once),
      // only the payload is parsed per record. Anything else takes the general path below.
      const env = splitEnvelope(text);
      if (env !== null) {
        let schema = this.toConnectCache.get(env.schemaText);
        if (schema === undefined) schema = this.schemaFromText(env.schemaText);
        let payload: unknown;
        try {
          payload = readJson(env.payloadText, env.schemaText.includes('org.apache.kafka.connect.data.Decimal'));
        } catch {
          payload = NOT_PARSED;
        }
        if (payload !== NOT_PARSED) return new SchemaAndValue(schema, this.toConnect(schema, payload));
      }
    }
    let node: unknown;
    try {
      node = readJson(text, text.includes('org.apache.kafka.connect.data.Decimal'));
    } catch (e) {
      throw new DataException('Converting byte[] to Kafka Connect data failed due to serialization error: ', { cause: e });
    }
    if (!this.cfg.schemasEnable) return new SchemaAndValue(null, this.toConnect(null, node));
    if (!isObj(node) || !('schema' in node) || !('payload' in node) || Object.keys(node).length !== 2) throw new DataException(ENVELOPE_ERROR);
    const schema = this.asConnectSchema(node.schema);
    return new SchemaAndValue(schema, this.toConnect(schema, node.payload));
  }

  /** The schema of an envelope's schema text (cached under that text). */
  private schemaFromText(schemaText: string): Schema | null {
    const schema = schemaText === 'null' ? null : this.asConnectSchema(readJson(schemaText, true));
    this.toConnectCache.set(schemaText, schema);
    return schema;
  }

  // ------------------------------------------------------------ schema <-> JSON

  /** The schema's JSON text as Kafka writes it ("null" for no schema). */
  schemaJson(schema: Schema | null): string {
    if (schema === null) return 'null';
    const hit = this.fromConnectCache.get(schema);
    if (hit !== undefined) return hit;
    let s = '{"type":' + jsonString(TYPE_NAMES[schema.type()]);
    switch (schema.type()) {
      case T.ARRAY:
        s += ',"items":' + this.schemaJson(schema.valueSchema());
        break;
      case T.MAP:
        s += ',"keys":' + this.schemaJson(schema.keySchema()) + ',"values":' + this.schemaJson(schema.valueSchema());
        break;
      case T.STRUCT:
        s += ',"fields":[' + schema.fields().map((f) => this.schemaJson(f.schema()).slice(0, -1) + ',"field":' + jsonString(f.name()) + '}').join(',') + ']';
        break;
      default:
    }
    s += ',"optional":' + String(schema.isOptional());
    if (schema.name() !== null) s += ',"name":' + jsonString(schema.name()!);
    if (schema.version() !== null) s += ',"version":' + String(schema.version());
    if (schema.doc() !== null) s += ',"doc":' + jsonString(schema.doc()!);
    const params = schema.parameters();
    if (params !== null) s += ',"parameters":{' + Object.entries(params).map(([k, v]) => jsonString(k) + ':' + jsonString(v)).join(',') + '}';
    const dv = schema.defaultValue();
    if (dv !== null && dv !== undefined) s += ',"default":' + this.toJson(schema, dv);
    s += '}';
    this.fromConnectCache.set(schema, s);
    return s;
  }

  asConnectSchema(node: unknown): Schema | null {
    if (node === null || node === undefined) return null;
    const key = JSON.stringify(node, (_k, v: unknown) => (v instanceof JsonNumber ? Number(v.raw) : v));
    const hit = this.toConnectCache.get(key);
    if (hit !== undefined) return hit;
    if (!isObj(node)) throw new DataException("Schema must contain 'type' field");
    const typeNode = node.type;
    if (typeof typeNode !== 'string') throw new DataException("Schema must contain 'type' field");
    const type = TYPES_BY_NAME.get(typeNode);
    if (type === undefined) throw new DataException('Unknown schema type: ' + typeNode);
    let fields: Field[] | null = null;
    let keySchema: Schema | null = null;
    let valueSchema: Schema | null = null;
    if (type === T.ARRAY) {
      if (node.items === undefined || node.items === null) throw new DataException('Array schema did not specify the items type');
      valueSchema = this.asConnectSchema(node.items);
    } else if (type === T.MAP) {
      if (node.keys === undefined || node.keys === null) throw new DataException('Map schema did not specify the key type');
      if (node.values === undefined || node.values === null) throw new DataException('Map schema did not specify the value type');
      keySchema = this.asConnectSchema(node.keys);
      valueSchema = this.asConnectSchema(node.values);
    } else if (type === T.STRUCT) {
      if (!Array.isArray(node.fields)) throw new DataException('Struct schema\'s "fields" argument is not an array.');
      fields = [];
      for (const f of node.fields as unknown[]) {
        const fname = isObj(f) ? f.field : undefined;
        if (typeof fname !== 'string') throw new DataException("Struct schema's field name not specified properly");
        if (fields.some((x) => x.name() === fname)) throw new DataException(`Cannot create field because of field name duplication ${fname}`);
        fields.push(new Field(fname, fields.length, this.asConnectSchema(f)!));
      }
    }
    const optional = node.optional === true;
    const name = typeof node.name === 'string' ? node.name : null;
    const version = isIntegral(node.version) ? num(node.version as number | JsonNumber) : null;
    const doc = typeof node.doc === 'string' ? node.doc : null;
    let params: Record<string, string> | null = null;
    if (isObj(node.parameters)) {
      params = {};
      for (const [k, v] of Object.entries(node.parameters)) {
        if (typeof v !== 'string') throw new DataException('Schema parameters must have string values.');
        params[k] = v;
      }
    }
    const make = (dv: unknown): ConnectSchema => new ConnectSchema(type, optional, dv, name, version, doc, params, fields, keySchema, valueSchema);
    let result: ConnectSchema = make(null);
    if (node.default !== undefined) {
      const dv = this.toConnect(result, node.default);
      result = make(dv);
      if (dv !== null) result.validateValue(dv);
    }
    this.toConnectCache.set(key, result);
    return result;
  }

  // ------------------------------------------------------------ values -> JSON text

  toJson(schema: Schema | null, value: unknown): string {
    if (value === null || value === undefined) {
      if (schema === null) return 'null';
      const dv = schema.defaultValue();
      if (dv !== null && dv !== undefined && this.cfg.replaceNullWithDefault) return this.toJson(schema, dv);
      if (schema.isOptional()) return 'null';
      throw new DataException('Conversion error: null value for field that is required and has no default value');
    }
    const name = schema?.name() ?? null;
    if (name !== null) {
      switch (name) {
        case Decimal.LOGICAL_NAME:
          if (!(value instanceof BigDecimal)) throw new DataException(`Invalid type for Decimal, expected BigDecimal but was class ${javaClassName(value)}`);
          return this.cfg.decimalFormat === 'NUMERIC' ? value.toString() : '"' + Buffer.from(Decimal.fromLogical(schema!, value)).toString('base64') + '"';
        case ConnectDate.LOGICAL_NAME:
          if (!(value instanceof Date)) throw new DataException(`Invalid type for Date, expected Date but was class ${javaClassName(value)}`);
          return String(ConnectDate.fromLogical(schema!, value));
        case ConnectTime.LOGICAL_NAME:
          if (!(value instanceof Date)) throw new DataException(`Invalid type for Time, expected Date but was class ${javaClassName(value)}`);
          return String(ConnectTime.fromLogical(schema!, value));
        case ConnectTimestamp.LOGICAL_NAME:
          if (!(value instanceof Date)) throw new DataException(`Invalid type for Timestamp, expected Date but was class ${javaClassName(value)}`);
          return String(ConnectTimestamp.fromLogical(schema!, value));
        default:
      }
    }
    const type = schema !== null ? schema.type() : inferType(value);
    const bad = (): never => {
      throw new DataException(`Invalid type for ${schema !== null ? schema.type() : 'unknown schema'}: class ${javaClassName(value)}`);
    };
    switch (type) {
      case T.INT8:
      case T.INT16:
      case T.INT32:
        if (typeof value !== 'number' || !Number.isInteger(value)) bad();
        return String(value);
      case T.INT64:
        if (typeof value === 'bigint') return value.toString();
        if (typeof value !== 'number' || !Number.isInteger(value)) bad();
        return String(value);
      case T.FLOAT32:
        if (typeof value !== 'number') bad();
        return javaFloat(value as number);
      case T.FLOAT64:
        if (typeof value !== 'number') bad();
        return javaDouble(value as number);
      case T.BOOLEAN:
        if (typeof value !== 'boolean') bad();
        return value ? 'true' : 'false';
      case T.STRING:
        if (typeof value !== 'string') bad();
        return jsonString(value as string);
      case T.BYTES:
        if (!(value instanceof Uint8Array)) bad();
        return '"' + Buffer.from((value as Uint8Array).buffer, (value as Uint8Array).byteOffset, (value as Uint8Array).byteLength).toString('base64') + '"';
      case T.ARRAY: {
        if (!Array.isArray(value)) bad();
        const vs = schema === null ? null : schema.valueSchema();
        return '[' + (value as unknown[]).map((e) => this.toJson(vs, e)).join(',') + ']';
      }
      case T.MAP: {
        const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : isPlainObject(value) ? Object.entries(value) : bad();
        const ks = schema === null ? null : schema.keySchema();
        const vs = schema === null ? null : schema.valueSchema();
        const objectMode = schema !== null ? ks!.type() === T.STRING : entries.every(([k]) => typeof k === 'string');
        if (objectMode) return '{' + entries.map(([k, v]) => jsonString(textOf(this.toJson(ks, k))) + ':' + this.toJson(vs, v)).join(',') + '}';
        return '[' + entries.map(([k, v]) => '[' + this.toJson(ks, k) + ',' + this.toJson(vs, v) + ']').join(',') + ']';
      }
      case T.STRUCT: {
        if (!(value instanceof Struct)) throw new DataException('Mismatching schema.');
        const s = schema ?? value.schema();
        if (value.schema() !== s && !schemaEquals(value.schema(), s)) throw new DataException('Mismatching schema.');
        let out = '{';
        const fs = s.fields();
        for (let i = 0; i < fs.length; i++) {
          if (i > 0) out += ',';
          out += jsonString(fs[i].name()) + ':' + this.toJson(fs[i].schema(), value.get(fs[i]));
        }
        return out + '}';
      }
      default:
        throw new DataException(`Java class ${javaClassName(value)} does not have corresponding schema type.`);
    }
  }

  // ------------------------------------------------------------ JSON -> values

  toConnect(schema: Schema | null, v: unknown): unknown {
    let type: SchemaType;
    if (schema !== null) {
      type = schema.type();
      if (v === null || v === undefined) {
        const dv = schema.defaultValue();
        if (dv !== null && dv !== undefined && this.cfg.replaceNullWithDefault) return dv;
        if (schema.isOptional()) return null;
        throw new DataException(`Invalid null value for required ${type} field`);
      }
    } else {
      if (v === null || v === undefined) return null;
      if (typeof v === 'boolean') type = T.BOOLEAN;
      else if (isNum(v)) type = isIntegral(v) ? T.INT64 : T.FLOAT64;
      else if (typeof v === 'string') type = T.STRING;
      else if (Array.isArray(v)) type = T.ARRAY;
      else type = T.MAP;
    }
    const name = schema?.name() ?? null;
    if (name !== null) {
      switch (name) {
        case Decimal.LOGICAL_NAME:
          if (isNum(v)) return v instanceof JsonNumber ? BigDecimal.fromString(v.raw) : BigDecimal.fromNumber(v);
          if (typeof v === 'string') {
            try {
              return Decimal.toLogical(schema!, Buffer.from(v, 'base64'));
            } catch (e) {
              throw new DataException('Invalid bytes for Decimal field', { cause: e });
            }
          }
          throw new DataException(`Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(v)}`);
        case ConnectDate.LOGICAL_NAME:
          if (!isIntegral(v) || Math.abs(num(v as number)) > 2147483647) throw new DataException(`Invalid type for Date, underlying representation should be integer but was ${nodeType(v)}`);
          return ConnectDate.toLogical(schema!, num(v as number));
        case ConnectTime.LOGICAL_NAME:
          if (!isIntegral(v) || Math.abs(num(v as number)) > 2147483647) throw new DataException(`Invalid type for Time, underlying representation should be integer but was ${nodeType(v)}`);
          return ConnectTime.toLogical(schema!, num(v as number));
        case ConnectTimestamp.LOGICAL_NAME:
          if (!isIntegral(v)) throw new DataException(`Invalid type for Timestamp, underlying representation should be integral but was ${nodeType(v)}`);
          return ConnectTimestamp.toLogical(schema!, num(v as number));
        default:
      }
    }
    switch (type) {
      case T.BOOLEAN:
        return v === true;
      case T.INT8:
        return isNum(v) ? (Math.trunc(num(v)) << 24) >> 24 : 0;
      case T.INT16:
        return isNum(v) ? (Math.trunc(num(v)) << 16) >> 16 : 0;
      case T.INT32:
        return isNum(v) ? Math.trunc(num(v)) | 0 : 0;
      case T.INT64: {
        if (!isNum(v)) return 0;
        if (v instanceof JsonNumber && v.integral) {
          const b = BigInt(v.raw);
          return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
        }
        return Math.trunc(num(v));
      }
      case T.FLOAT32:
        return isNum(v) ? Math.fround(num(v)) : 0;
      case T.FLOAT64:
        return isNum(v) ? num(v) : 0;
      case T.STRING:
        return typeof v === 'string' ? v : null;
      case T.BYTES:
        if (typeof v !== 'string') return null;
        return Buffer.from(v, 'base64');
      case T.ARRAY: {
        const es = schema === null ? null : schema.valueSchema();
        return Array.isArray(v) ? v.map((e) => this.toConnect(es, e)) : [];
      }
      case T.MAP: {
        const ks = schema === null ? null : schema.keySchema();
        const vs = schema === null ? null : schema.valueSchema();
        if (schema === null || ks!.type() === T.STRING) {
          if (!isObj(v)) throw new DataException(`Maps with string fields should be encoded as JSON objects, but found ${nodeType(v)}`);
          const out: Record<string, unknown> = {};
          for (const [k, x] of Object.entries(v)) out[k] = this.toConnect(vs, x);
          return out;
        }
        if (!Array.isArray(v)) throw new DataException(`Maps with non-string fields should be encoded as JSON array of tuples, but found ${nodeType(v)}`);
        const out = new Map<unknown, unknown>();
        for (const e of v) {
          if (!Array.isArray(e)) throw new DataException(`Found invalid map entry instead of array tuple: ${nodeType(e)}`);
          if (e.length !== 2) throw new DataException(`Found invalid map entry, expected length 2 but found :${e.length}`);
          out.set(this.toConnect(ks, e[0]), this.toConnect(vs, e[1]));
        }
        return out;
      }
      case T.STRUCT: {
        if (!isObj(v)) throw new DataException(`Structs should be encoded as JSON objects, but found ${nodeType(v)}`);
        const st = new Struct(schema!);
        for (const f of schema!.fields()) st.put(f, this.toConnect(f.schema(), v[f.name()]));
        return st;
      }
    }
  }
}

/** Kafka's `ConnectSchema.schemaType(Class)` for schemaless values. */
function inferType(v: unknown): SchemaType | null {
  switch (typeof v) {
    case 'string':
      return T.STRING;
    case 'boolean':
      return T.BOOLEAN;
    case 'bigint':
      return T.INT64;
    case 'number':
      return Number.isInteger(v) ? (Math.abs(v) <= 2147483647 ? T.INT32 : T.INT64) : T.FLOAT64;
    case 'object':
      if (v instanceof Uint8Array) return T.BYTES;
      if (Array.isArray(v)) return T.ARRAY;
      if (v instanceof Struct) return T.STRUCT;
      if (v instanceof Map || isPlainObject(v)) return T.MAP;
      return null;
    default:
      return null;
  }
}

/** Jackson's `asText()` of a written JSON scalar (map keys). */
const NOT_PARSED = Symbol('not parsed');

/** JSON text as Jackson reads it: exact literals (parsePrecise) when plain JSON.parse could round (long digit runs, or a NUMERIC Decimal). */
function readJson(text: string, mayHoldDecimal: boolean): unknown {
  return mayHoldDecimal || /\d{16}/.test(text) ? parsePrecise(text) : JSON.parse(text);
}

const ENVELOPE_HEAD = '{"schema":';
const PAYLOAD_KEY = ',"payload":';

/**
 * `{"schema":<s>,"payload":<p>}` written compactly (as JsonConverter writes
 * it) split into the two texts, or null for any other shape. <s> is found
 * by bracket matching outside strings; <p> is the rest up to the final `}`.
 */
export function splitEnvelope(text: string): { schemaText: string; payloadText: string } | null {
  if (!text.startsWith(ENVELOPE_HEAD) || text.charCodeAt(text.length - 1) !== 0x7d) return null;
  const start = ENVELOPE_HEAD.length;
  let i = start;
  const c0 = text.charCodeAt(i);
  if (c0 === 0x6e) {
    if (!text.startsWith('null', i)) return null;
    i += 4;
  } else if (c0 === 0x7b) {
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        // skip a string, honouring escapes
        for (i++; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22) break;
        }
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return null;
  } else return null;
  if (!text.startsWith(PAYLOAD_KEY, i)) return null;
  return { schemaText: text.slice(start, i), payloadText: text.slice(i + PAYLOAD_KEY.length, text.length - 1) };
}

function textOf(json: string): string {
  return json.startsWith('"') ? (JSON.parse(json) as string) : json;
}
