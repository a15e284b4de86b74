/**
 * `org.apache.kafka.connect.transforms.Cast`: casts fields (or the whole
 * key/value) to INT8..FLOAT64, BOOLEAN or STRING. `spec` is a list of
 * `field:type` (or a single `type` for the whole value).
 */
import {
  BigDecimal,
  ConfigDef,
  ConfigException,
  ConfigType,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Importance,
  LambdaValidator,
  SchemaBuilder,
  SchemaType,
  Struct,
  Values,
  javaClassName,
  schemaTypeForName,
  type ConnectRecord,
  type Field,
  type Schema,
} from '@nagare/connect-api';
import { KeyOrValueTransformation, javaIntegral } from '../base';
import { SchemaCache, SimpleConfig, copySchemaBasics, requireMap, requireStruct, copyMap } from '../util/requirements';

const WHOLE_VALUE_CAST = '\u0000whole';
const PURPOSE = 'cast types';
const SUPPORTED_INPUT = [SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64, SchemaType.BOOLEAN, SchemaType.STRING, SchemaType.BYTES];
const SUPPORTED_OUTPUT = [SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64, SchemaType.BOOLEAN, SchemaType.STRING];

export const CAST_CONFIG_DEF = new ConfigDef()
  .define(
    'spec',
    ConfigType.LIST,
    ConfigDef.NO_DEFAULT_VALUE,
    LambdaValidator.with(
      (name, value) => {
        const list = value as string[];
        if (list.length === 0) throw new ConfigException(name, value, 'Must specify at least one field to cast.');
        parseFieldTypes(list);
      },
      () => 'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
    ),
    Importance.HIGH,
    'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.',
  )
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

function listString(types: SchemaType[]): string {
  return '[' + types.join(', ') + ']';
}

function validCastType(type: SchemaType, kind: 'input' | 'output'): SchemaType {
  if (kind === 'input' && !SUPPORTED_INPUT.includes(type)) throw new DataException(`Cast transformation does not support casting from ${type}; supported types are ${listString(SUPPORTED_INPUT)}`);
  if (kind === 'output' && !SUPPORTED_OUTPUT.includes(type)) throw new ConfigException(`Cast transformation does not support casting to ${type}; supported types are ${listString(SUPPORTED_OUTPUT)}`);
  return type;
}

function parseType(s: string): SchemaType {
  const t = schemaTypeForName(s.trim());
  if (t === null) throw new ConfigException(`Invalid type found in casting spec: ${s.trim()}`);
  return t;
}

function parseFieldTypes(mappings: string[]): Map<string, SchemaType> {
  const m = new Map<string, SchemaType>();
  let whole = false;
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length > 2) throw new ConfigException('renames', mappings, `Invalid rename mapping: ${mapping}`);
    if (parts.length === 1) {
      m.set(WHOLE_VALUE_CAST, validCastType(parseType(parts[0]), 'output'));
      whole = true;
    } else {
      m.set(parts[0].trim(), validCastType(parseType(parts[1]), 'output'));
    }
  }
  if (whole && mappings.length > 1) throw new ConfigException('Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec');
  return m;
}

function inferType(value: unknown): SchemaType | null {
  switch (typeof value) {
    case 'boolean':
      return SchemaType.BOOLEAN;
    case 'string':
      return SchemaType.STRING;
    case 'bigint':
      return SchemaType.INT64;
    case 'number':
      return Number.isInteger(value) ? (Math.abs(value) <= 2147483647 ? SchemaType.INT32 : SchemaType.INT64) : SchemaType.FLOAT64;
    default:
      if (value instanceof Uint8Array) return SchemaType.BYTES;
      if (Array.isArray(value)) return SchemaType.ARRAY;
      if (value instanceof Struct) return SchemaType.STRUCT;
      if (value instanceof Map || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)) return SchemaType.MAP;
      return null;
  }
}

function builderFor(type: SchemaType): SchemaBuilder {
  switch (type) {
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
    case SchemaType.INT64:
    case SchemaType.FLOAT32:
    case SchemaType.FLOAT64:
    case SchemaType.BOOLEAN:
    case SchemaType.STRING:
      return new SchemaBuilder(type);
    default:
      throw new DataException(`Unexpected type in Cast transformation: ${type}`);
  }
}

function encodeLogical(schema: Schema, value: unknown): unknown {
  switch (schema.name()) {
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.fromLogical(schema, value as Date);
    case ConnectTime.LOGICAL_NAME:
      return ConnectTime.fromLogical(schema, value as Date);
    case ConnectTimestamp.LOGICAL_NAME:
      return ConnectTimestamp.fromLogical(schema, value as Date);
    default:
      return value;
  }
}

class OutOfRange extends Error {}

function parseJavaInt(s: string, bits: 8 | 16 | 32 | 64): number | bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new OutOfRange();
  const n = BigInt(s);
  const lim = 1n << BigInt(bits - 1);
  if (n < -lim || n >= lim) throw new OutOfRange();
  return bits === 64 && (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) ? n : Number(n);
}

function parseJavaFloat(s: string): number {
  const t = s.trim();
  if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/.test(t)) throw new OutOfRange();
  return Number(t.replace(/[fFdD]$/, ''));
}

function unexpected(value: unknown): DataException {
  return new DataException(`Unexpected type in Cast transformation: class ${javaClassName(value)}`);
}

function castTo(value: unknown, target: SchemaType): unknown {
  const isNum = typeof value === 'number' || typeof value === 'bigint';
  const num = value instanceof BigDecimal ? (target === SchemaType.FLOAT32 || target === SchemaType.FLOAT64 ? value.toNumber() : value.toBigInt()) : value;
  const numeric = isNum || value instanceof BigDecimal;
  switch (target) {
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
    case SchemaType.INT64: {
      const bits = target === SchemaType.INT8 ? 8 : target === SchemaType.INT16 ? 16 : target === SchemaType.INT32 ? 32 : 64;
      if (numeric) return javaIntegral(num as number | bigint, bits);
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'string') return parseJavaInt(value, bits);
      throw unexpected(value);
    }
    case SchemaType.FLOAT32:
    case SchemaType.FLOAT64: {
      let d: number;
      if (numeric) d = Number(num);
      else if (typeof value === 'boolean') d = value ? 1 : 0;
      else if (typeof value === 'string') d = parseJavaFloat(value);
      else throw unexpected(value);
      return target === SchemaType.FLOAT32 ? Math.fround(d) : d;
    }
    case SchemaType.BOOLEAN:
      if (numeric) return (value instanceof BigDecimal ? value.toBigInt() : BigInt(javaIntegral(value as number | bigint, 64))) !== 0n;
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') return value.toLowerCase() === 'true';
      throw unexpected(value);
    case SchemaType.STRING:
      if (value instanceof Date) return Values.dateFormatFor(value);
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      if (typeof value === 'number' && (Number.isInteger(value) === false || Object.is(value, -0))) return javaDoubleString(value);
      return String(value);
    default:
      throw new DataException(`${target} is not supported in the Cast transformation.`);
  }
}

/** Java `Double.toString` for non-integral doubles (JS prints most the same). */
function javaDoubleString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(d);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [m, e] = d.toExponential().split('e');
    return (m.includes('.') ? m : m + '.0') + 'E' + String(Number(e));
  }
  const s = String(d);
  return s.includes('.') ? s : s + '.0';
}

export function castValueToType(schema: Schema | null, value: unknown, target: SchemaType): unknown {
  if (value === null || value === undefined) return null;
  const inferred = schema === null ? inferType(value) : schema.type();
  if (inferred === null) throw new DataException(`Cast transformation was passed a value of type class ${javaClassName(value)} which is not supported by Connect's data API`);
  validCastType(inferred, 'input');
  let v: unknown = value;
  if (schema !== null && schema.name() !== null && target !== SchemaType.STRING) v = encodeLogical(schema, v);
  try {
    return castTo(v, target);
  } catch (e) {
    if (e instanceof OutOfRange) throw new DataException(`Value (${String(value)}) was out of range for requested data type`, { cause: e });
    throw e;
  }
}

export abstract class Cast<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  static readonly CONFIG_DEF = CAST_CONFIG_DEF;
  private casts = new Map<string, SchemaType>();
  private wholeValueCastType: SchemaType | null = null;
  private cache = new SchemaCache();
  private replaceNullWithDefault = true;

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(CAST_CONFIG_DEF, props);
    this.casts = parseFieldTypes(config.getList('spec')!);
    this.wholeValueCastType = this.casts.get(WHOLE_VALUE_CAST) ?? null;
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return CAST_CONFIG_DEF;
  }

  apply(record: R): R {
    const value = this.operatingValue(record);
    if (value === null || value === undefined) return record;
    const schema = this.operatingSchema(record);
    if (schema === null) {
      if (this.wholeValueCastType !== null) return this.newRecord(record, null, castValueToType(null, value, this.wholeValueCastType));
      const map = requireMap(value, PURPOSE);
      const updated: Record<string, unknown> = copyMap(map);
      for (const [field, type] of this.casts) updated[field] = castValueToType(null, map[field] ?? null, type);
      return this.newRecord(record, null, updated);
    }
    const updatedSchema = this.getOrBuildSchema(schema);
    if (this.wholeValueCastType !== null) return this.newRecord(record, updatedSchema, castValueToType(schema, value, this.wholeValueCastType));
    const struct = requireStruct(value, PURPOSE);
    const out = new Struct(updatedSchema);
    for (const field of struct.schema().fields()) {
      const orig = this.fieldValue(struct, field);
      const target = this.casts.get(field.name());
      out.put(updatedSchema.field(field.name())!, target !== undefined ? castValueToType(field.schema(), orig, target) : orig);
    }
    return this.newRecord(record, updatedSchema, out);
  }

  private fieldValue(s: Struct, f: Field): unknown {
    return this.replaceNullWithDefault ? s.get(f) : s.getWithoutDefault(f.name());
  }

  private getOrBuildSchema(valueSchema: Schema): Schema {
    const hit = this.cache.get(valueSchema);
    if (hit !== null) return hit;
    let builder: SchemaBuilder;
    if (this.wholeValueCastType !== null) {
      builder = copySchemaBasics(valueSchema, builderFor(this.wholeValueCastType));
    } else {
      builder = copySchemaBasics(valueSchema, SchemaBuilder.struct());
      for (const field of valueSchema.fields()) {
        const target = this.casts.get(field.name());
        if (target !== undefined) {
          const fb = builderFor(target);
          if (field.schema().isOptional()) fb.optional();
          const d = field.schema().defaultValue();
          if (d !== null && d !== undefined) fb.defaultValue(castValueToType(field.schema(), d, fb.type()));
          builder.field(field.name(), fb.build());
        } else builder.field(field.name(), field.schema());
      }
    }
    if (valueSchema.isOptional()) builder.optional();
    const d = valueSchema.defaultValue();
    if (d !== null && d !== undefined) builder.defaultValue(castValueToType(valueSchema, d, builder.type()));
    const updated = builder.build();
    this.cache.put(valueSchema, updated);
    return updated;
  }
}

export class CastKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends Cast<R> {
  constructor() {
    super('key');
  }
}
export class CastValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends Cast<R> {
  constructor() {
    super('value');
  }
}
