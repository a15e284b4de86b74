/**
 * Connect data <-> Protobuf as Confluent's `ProtobufData` maps them (proto3):
 * a STRUCT is a message (named by the schema name, package from its dots,
 * else `ConnectDefault1`), fields numbered 1..n in order; INT8/INT16/INT32
 * are int32 (INT8/INT16 marked with `(confluent.field_meta).params`
 * `connect.type`), INT64 int64, FLOAT32 float, FLOAT64 double, BOOLEAN bool,
 * STRING string, BYTES bytes; optional primitives use proto3 `optional`
 * (field presence), nested structs are nested messages, ARRAY is repeated,
 * MAP is `map<K, V>` (or a repeated entry message for other key types);
 * Decimal is `confluent.type.Decimal`, Date `google.type.Date`, Time
 * `google.type.TimeOfDay`, Timestamp `google.protobuf.Timestamp`.
 */
import type * as protobuf from 'protobufjs';
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, DataException, Decimal, SchemaBuilder, SchemaType, Struct, type Schema, bigIntToTwosComplement, twosComplementToBigInt } from '@nagare/connect-api';
import type { ProtobufParsedSchema } from '@nagare/schema-registry';

const META_IMPORT = 'confluent/meta.proto';
const DECIMAL_IMPORT = 'confluent/type/decimal.proto';
const DATE_IMPORT = 'google/type/date.proto';
const TIME_IMPORT = 'google/type/timeofday.proto';
const TIMESTAMP_IMPORT = 'google/protobuf/timestamp.proto';
const MAP_ENTRY_SUFFIX = 'Entry';
/** Wrapper messages of primitive Connect values (`ConnectWrapperStringValue { string value = 1; }`). */
export const WRAPPER_PREFIX = 'ConnectWrapper';

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('') || 'Field';
}

function ident(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : '_' + n;
}

export interface ProtobufSchemaText {
  text: string;
  /** Full name of the top-level message. */
  messageName: string;
}

export class ProtobufData {
  private readonly toProtoCache = new Map<Schema, ProtobufSchemaText>();
  private readonly toConnectCache = new Map<string, Schema>();
  private defaultCount = 0;

  /** A non-STRUCT value is written as a one-field wrapper message (`value = 1`), read back as the bare value. */
  static wrapperSchema(s: Schema): Schema {
    return SchemaBuilder.struct().name(`${WRAPPER_PREFIX}${s.type().charAt(0)}${s.type().slice(1).toLowerCase()}Value`).field('value', s).build();
  }

  fromConnectSchema(s: Schema): ProtobufSchemaText {
    const hit = this.toProtoCache.get(s);
    if (hit) return hit;
    if (s.type() !== SchemaType.STRUCT) {
      const w = this.fromConnectSchema(ProtobufData.wrapperSchema(s));
      this.toProtoCache.set(s, w);
      return w;
    }
    const imports = new Set<string>();
    const full = s.name() ?? `ConnectDefault${++this.defaultCount}`;
    const dot = full.lastIndexOf('.');
    const pkg = dot >= 0 ? full.slice(0, dot) : null;
    const name = ident(dot >= 0 ? full.slice(dot + 1) : full);
    const body = this.message(name, s, imports, '');
    let text = 'syntax = "proto3";\n';
    if (pkg) text += `package ${pkg};\n`;
    if (imports.size) text += '\n' + [...imports].sort().map((i) => `import "${i}";\n`).join('');
    text += '\n' + body;
    const out = { text, messageName: pkg ? `${pkg}.${name}` : name };
    this.toProtoCache.set(s, out);
    return out;
  }

  private message(name: string, s: Schema, imports: Set<string>, indent: string): string {
    const nested: string[] = [];
    const lines: string[] = [];
    s.fields().forEach((f, i) => {
      const fs = f.schema();
      const tag = Number(fs.parameters()?.['protobuf.tag'] ?? i + 1);
      lines.push(`${indent}  ${this.fieldDecl(ident(f.name()), fs, tag, imports, nested, indent + '  ')}`);
    });
    let out = `${indent}message ${name} {\n`;
    out += lines.join('\n') + (lines.length ? '\n' : '');
    for (const n of nested) out += n;
    return out + `${indent}}\n`;
  }

  private scalarType(fs: Schema, imports: Set<string>): { type: string; meta: string | null } | null {
    const name = fs.name();
    if (name === Decimal.LOGICAL_NAME) {
      imports.add(DECIMAL_IMPORT);
      return { type: 'confluent.type.Decimal', meta: null };
    }
    if (name === ConnectDate.LOGICAL_NAME) {
      imports.add(DATE_IMPORT);
      return { type: 'google.type.Date', meta: null };
    }
    if (name === ConnectTime.LOGICAL_NAME) {
      imports.add(TIME_IMPORT);
      return { type: 'google.type.TimeOfDay', meta: null };
    }
    if (name === ConnectTimestamp.LOGICAL_NAME) {
      imports.add(TIMESTAMP_IMPORT);
      return { type: 'google.protobuf.Timestamp', meta: null };
    }
    switch (fs.type()) {
      case SchemaType.INT8:
        imports.add(META_IMPORT);
        return { type: 'int32', meta: 'int8' };
      case SchemaType.INT16:
        imports.add(META_IMPORT);
        return { type: 'int32', meta: 'int16' };
      case SchemaType.INT32:
        return { type: 'int32', meta: null };
      case SchemaType.INT64:
        return { type: 'int64', meta: null };
      case SchemaType.FLOAT32:
        return { type: 'float', meta: null };
      case SchemaType.FLOAT64:
        return { type: 'double', meta: null };
      case SchemaType.BOOLEAN:
        return { type: 'bool', meta: null };
      case SchemaType.STRING:
        return { type: 'string', meta: null };
      case SchemaType.BYTES:
        return { type: 'bytes', meta: null };
      default:
        return null;
    }
  }

  private fieldDecl(fname: string, fs: Schema, tag: number, imports: Set<string>, nested: string[], indent: string): string {
    const opt = (meta: string | null): string => (meta ? ` [(confluent.field_meta).params = { key: "connect.type", value: "${meta}" }]` : '');
    const sc = this.scalarType(fs, imports);
    if (sc) {
      const isMessage = sc.type.includes('.');
      return `${fs.isOptional() && !isMessage ? 'optional ' : ''}${sc.type} ${fname} = ${tag}${opt(sc.meta)};`;
    }
    switch (fs.type()) {
      case SchemaType.STRUCT: {
        const tn = fs.name() ? ident(fs.name()!.slice(fs.name()!.lastIndexOf('.') + 1)) : pascal(fname);
        nested.push(this.message(tn, fs, imports, indent));
        return `${tn} ${fname} = ${tag};`;
      }
      case SchemaType.ARRAY: {
        const vs = fs.valueSchema()!;
        const el = this.scalarType(vs, imports);
        if (el) return `repeated ${el.type} ${fname} = ${tag}${opt(el.meta)};`;
        if (vs.type() === SchemaType.STRUCT) {
          const tn = vs.name() ? ident(vs.name()!.slice(vs.name()!.lastIndexOf('.') + 1)) : pascal(fname);
          nested.push(this.message(tn, vs, imports, indent));
          return `repeated ${tn} ${fname} = ${tag};`;
        }
        throw new DataException(`Arrays of ${vs.type()} cannot be written as Protobuf`);
      }
      case SchemaType.MAP: {
        const ks = fs.keySchema()!;
        const vs = fs.valueSchema()!;
        const k = this.scalarType(ks, imports);
        const keyOk = k && ['int32', 'int64', 'string', 'bool'].includes(k.type) && !k.meta;
        let vType: string;
        const v = this.scalarType(vs, imports);
        if (v && !v.meta) vType = v.type;
        else if (vs.type() === SchemaType.STRUCT) {
          vType = vs.name() ? ident(vs.name()!.slice(vs.name()!.lastIndexOf('.') + 1)) : pascal(fname) + 'Value';
          nested.push(this.message(vType, vs, imports, indent));
        } else throw new DataException(`Maps with ${vs.type()} values cannot be written as Protobuf`);
        if (keyOk) return `map<${k!.type}, ${vType}> ${fname} = ${tag};`;
        const entry = pascal(fname) + MAP_ENTRY_SUFFIX;
        if (!k) throw new DataException(`Maps with ${ks.type()} keys cannot be written as Protobuf`);
        nested.push(`${indent}message ${entry} {\n${indent}  ${k.type} key = 1${opt(k.meta)};\n${indent}  ${vType} value = 2;\n${indent}}\n`);
        return `repeated ${entry} ${fname} = ${tag};`;
      }
      default:
        throw new DataException(`Unsupported Connect type ${fs.type()}`);
    }
  }

  // ---------------------------------------------------------------- values

  fromConnectData(s: Schema, v: unknown, topLevel = false): unknown {
    if (topLevel && s.type() !== SchemaType.STRUCT) return { value: this.fromConnectData(s, v) };
    if (v === null || v === undefined) return undefined;
    const name = s.name();
    if (name === Decimal.LOGICAL_NAME) {
      const d = v as BigDecimal;
      const precision = Number(s.parameters()?.['connect.decimal.precision'] ?? 0);
      return { value: Buffer.from(bigIntToTwosComplement(d.unscaled)), precision, scale: d.scale };
    }
    if (name === ConnectDate.LOGICAL_NAME) {
      const d = v as Date;
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    }
    if (name === ConnectTime.LOGICAL_NAME) {
      const ms = (v as Date).getTime();
      return { hours: Math.floor(ms / 3600000), minutes: Math.floor(ms / 60000) % 60, seconds: Math.floor(ms / 1000) % 60, nanos: (ms % 1000) * 1000000 };
    }
    if (name === ConnectTimestamp.LOGICAL_NAME) {
      const ms = (v as Date).getTime();
      return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1000000 };
    }
    switch (s.type()) {
      case SchemaType.INT64:
        return typeof v === 'bigint' ? v.toString() : v;
      case SchemaType.BYTES:
        return Buffer.from(v as Uint8Array);
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.fromConnectData(s.valueSchema()!, x));
      case SchemaType.MAP: {
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
        const ks = s.keySchema()!;
        const keyOk = [SchemaType.INT32, SchemaType.INT64, SchemaType.STRING, SchemaType.BOOLEAN].includes(ks.type()) && ks.name() === null;
        if (keyOk) return Object.fromEntries(entries.map(([k, x]) => [String(k), this.fromConnectData(s.valueSchema()!, x)]));
        return entries.map(([k, x]) => ({ key: this.fromConnectData(ks, k), value: this.fromConnectData(s.valueSchema()!, x) }));
      }
      case SchemaType.STRUCT: {
        const st = v as Struct;
        const o: Record<string, unknown> = {};
        for (const f of s.fields()) {
          const x = this.fromConnectData(f.schema(), st.get(f));
          if (x !== undefined) o[ident(f.name())] = x;
        }
        return o;
      }
      default:
        return v;
    }
  }

  /** The Connect schema of a message type of a parsed Protobuf schema. */
  toConnectSchema(parsed: ProtobufParsedSchema, messageName: string): Schema {
    const key = `${parsed.canonicalString()}\u0000${messageName}`;
    const hit = this.toConnectCache.get(key);
    if (hit) return hit;
    const root = parsed.linked();
    const type = root.lookupType(messageName);
    let s = this.structSchema(type, false);
    // a wrapper message of a primitive value reads back as the value
    if (type.name.startsWith(WRAPPER_PREFIX) && s.fields().length === 1 && s.fields()[0].name() === 'value') s = SchemaBuilder.fromSchema(s.fields()[0].schema()).build();
    this.toConnectCache.set(key, s);
    return s;
  }

  private structSchema(type: protobuf.Type, optional: boolean): Schema {
    const full = type.fullName.replace(/^\./, '');
    switch (full) {
      case 'confluent.type.Decimal':
        return (optional ? Decimal.builder(0).optional() : Decimal.builder(0)).build();
      case 'google.type.Date':
        return (optional ? ConnectDate.builder().optional() : ConnectDate.builder()).build();
      case 'google.type.TimeOfDay':
        return (optional ? ConnectTime.builder().optional() : ConnectTime.builder()).build();
      case 'google.protobuf.Timestamp':
        return (optional ? ConnectTimestamp.builder().optional() : ConnectTimestamp.builder()).build();
      default:
    }
    const b = SchemaBuilder.struct().name(/^ConnectDefault\d+$/.test(full) ? full : full);
    if (/^ConnectDefault\d+$/.test(full)) {
      // default names do not come back (as AvroData drops ConnectDefault)
    }
    for (const f of type.fieldsArray) {
      f.resolve();
      b.field(f.name, this.fieldSchema(f));
    }
    if (optional) b.optional();
    const out = b.build();
    return /^ConnectDefault\d+$/.test(full) ? SchemaBuilder.fromSchema(out).build() : out;
  }

  private scalarSchema(f: protobuf.Field, typeName: string, optional: boolean): SchemaBuilder | null {
    const meta = connectTypeMeta(f);
    let b: SchemaBuilder | null;
    switch (typeName) {
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        b = meta === 'int8' ? SchemaBuilder.int8() : meta === 'int16' ? SchemaBuilder.int16() : SchemaBuilder.int32();
        break;
      case 'uint32':
      case 'fixed32':
      case 'int64':
      case 'sint64':
      case 'sfixed64':
      case 'uint64':
      case 'fixed64':
        b = SchemaBuilder.int64();
        break;
      case 'float':
        b = SchemaBuilder.float32();
        break;
      case 'double':
        b = SchemaBuilder.float64();
        break;
      case 'bool':
        b = SchemaBuilder.bool();
        break;
      case 'string':
        b = SchemaBuilder.string();
        break;
      case 'bytes':
        b = SchemaBuilder.bytes();
        break;
      default:
        b = null;
    }
    if (b && optional) b.optional();
    return b;
  }

  private fieldSchema(f: protobuf.Field): Schema {
    const mf = f as unknown as protobuf.MapField;
    if (mf.map) {
      const keyS = this.scalarSchema(f, mf.keyType, false)!.build();
      const vt = f.resolvedType;
      const valS = vt && (vt as protobuf.Type).fieldsArray ? this.structSchema(vt as protobuf.Type, true) : vt ? SchemaBuilder.string().optional().build() : this.scalarSchema(f, f.type, false)!.build();
      return SchemaBuilder.map(keyS, valS).optional().build();
    }
    const elem = (optional: boolean): Schema => {
      const rt = f.resolvedType;
      if (rt && (rt as protobuf.Type).fieldsArray) return this.structSchema(rt as protobuf.Type, optional);
      if (rt) return (optional ? SchemaBuilder.string().optional() : SchemaBuilder.string()).build(); // enum
      return this.scalarSchema(f, f.type, optional)!.build();
    };
    if (f.repeated) {
      const rt = f.resolvedType as protobuf.Type | null;
      // a repeated entry message with key/value is a map with non-string keys
      if (rt && rt.fieldsArray && rt.name.endsWith(MAP_ENTRY_SUFFIX) && rt.fieldsArray.length === 2 && rt.fields.key && rt.fields.value) {
        rt.fields.key.resolve();
        rt.fields.value.resolve();
        return SchemaBuilder.map(this.fieldSchema(rt.fields.key), this.fieldSchema(rt.fields.value)).optional().build();
      }
      return SchemaBuilder.array(elem(false)).optional().build();
    }
    const optional = !!f.resolvedType && !!(f.resolvedType as protobuf.Type).fieldsArray ? true : f.options?.proto3_optional === true || !!f.partOf;
    return elem(optional);
  }

  toConnectData(s: Schema, v: unknown, topLevel = false): unknown {
    if (topLevel && s.type() !== SchemaType.STRUCT) return this.toConnectData(s, (v as { value?: unknown } | null)?.value);
    if (v === null || v === undefined) return s.isOptional() ? null : (s.defaultValue() ?? null);
    const name = s.name();
    if (name === Decimal.LOGICAL_NAME) {
      const d = v as { value: Uint8Array; scale: number };
      return new BigDecimal(twosComplementToBigInt(Buffer.from(d.value ?? [])), d.scale ?? 0);
    }
    if (name === ConnectDate.LOGICAL_NAME) {
      const d = v as { year: number; month: number; day: number };
      return new Date(Date.UTC(d.year, (d.month ?? 1) - 1, d.day ?? 1));
    }
    if (name === ConnectTime.LOGICAL_NAME) {
      const t = v as { hours: number; minutes: number; seconds: number; nanos: number };
      return new Date((t.hours ?? 0) * 3600000 + (t.minutes ?? 0) * 60000 + (t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1000000));
    }
    if (name === ConnectTimestamp.LOGICAL_NAME) {
      const t = v as { seconds: string | number; nanos: number };
      return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1000000));
    }
    switch (s.type()) {
      case SchemaType.INT64: {
        const big = BigInt(String(v));
        return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
      }
      case SchemaType.BYTES:
        return Buffer.from(v as Uint8Array);
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.toConnectData(s.valueSchema()!, x));
      case SchemaType.MAP: {
        if (Array.isArray(v)) return new Map((v as Array<{ key: unknown; value: unknown }>).map((e) => [this.toConnectData(s.keySchema()!, e.key), this.toConnectData(s.valueSchema()!, e.value)]));
        const ks = s.keySchema()!;
        const conv = (k: string): unknown => (ks.type() === SchemaType.STRING ? k : ks.type() === SchemaType.BOOLEAN ? k === 'true' : this.toConnectData(ks, k));
        if (ks.type() === SchemaType.STRING) return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, this.toConnectData(s.valueSchema()!, x)]));
        return new Map(Object.entries(v as object).map(([k, x]) => [conv(k), this.toConnectData(s.valueSchema()!, x)]));
      }
      case SchemaType.STRUCT: {
        const st = new Struct(s);
        for (const f of s.fields()) st.put(f, this.toConnectData(f.schema(), (v as Record<string, unknown>)[f.name()]));
        return st;
      }
      default:
        return v;
    }
  }
}

function connectTypeMeta(f: protobuf.Field): string | null {
  const opts = (f as unknown as { parsedOptions?: Array<Record<string, unknown>> }).parsedOptions ?? [];
  for (const o of opts) {
    const meta = o['(confluent.field_meta)'] as { params?: unknown } | undefined;
    const params = meta?.params;
    const list = Array.isArray(params) ? params : params ? [params] : [];
    for (const p of list as Array<{ key?: string; value?: string }>) if (p.key === 'connect.type') return p.value ?? null;
  }
  const flat = f.options ?? {};
  for (const [k, val] of Object.entries(flat)) if (k.startsWith('(confluent.field_meta)') && k.endsWith('.value')) return String(val);
  return null;
}
