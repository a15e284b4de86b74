/**
 * Connect data <-> Avro the way Confluent's `AvroData` maps them:
 * INT8/INT16 are Avro ints with `"connect.type":"int8"|"int16"`; STRUCT is a
 * record named by the schema name (namespace from its dots), else
 * `io.confluent.connect.avro.ConnectDefault`; MAP with string keys is an Avro
 * map, other keys an array of `io.confluent.connect.avro.MapEntry` records;
 * an optional schema is a union with "null" (null first, unless it has a
 * default) and optional fields default to null; Decimal is bytes with
 * logicalType decimal (precision from `connect.decimal.precision`, 64 by
 * default), Date/Time/Timestamp are date/time-millis/timestamp-millis. With
 * `connect.meta.data` (true) the Connect name, version, doc, parameters and
 * default are kept as `connect.name`, `connect.version`, `connect.doc`,
 * `connect.parameters`, `connect.default`, so schemas round-trip.
 */
import {
  BigDecimal,
  ConnectDate,
  ConnectSchema,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  Field,
  SchemaBuilder,
  SchemaType,
  Struct,
  type Schema,
  bigIntToTwosComplement,
  twosComplementToBigInt,
} from '@nagare/connect-api';

export const NAMESPACE = 'io.confluent.connect.avro';
export const DEFAULT_SCHEMA_NAME = 'ConnectDefault';
export const MAP_ENTRY_TYPE_NAME = 'MapEntry';
const PRECISION_PARAM = 'connect.decimal.precision';
const ENUM_PARAM = 'io.confluent.connect.avro.Enum';

type AvroJson = string | Record<string, unknown> | unknown[];

export interface AvroDataConfig {
  /** `connect.meta.data` (true). */
  connectMetaData: boolean;
  /** `enhanced.avro.schema.support` (false): enums and their symbols kept as parameters. */
  enhancedSchemaSupport: boolean;
}

function splitName(full: string): { name: string; namespace: string | null } {
  const i = full.lastIndexOf('.');
  return i < 0 ? { name: full, namespace: null } : { name: full.slice(i + 1), namespace: full.slice(0, i) };
}

function validName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : '_' + n;
}

export class AvroData {
  private defaultCount = 0;
  private readonly toAvroCache = new Map<Schema, AvroJson>();
  private readonly toConnectCache = new Map<string, Schema>();

  constructor(readonly cfg: AvroDataConfig = { connectMetaData: true, enhancedSchemaSupport: false }) {}

  // ---------------------------------------------------------------- schema: Connect -> Avro

  fromConnectSchema(schema: Schema): AvroJson {
    const hit = this.toAvroCache.get(schema);
    if (hit) return hit;
    this.defaultCount = 0;
    const out = this.avroSchema(schema, false, new Set());
    this.toAvroCache.set(schema, out);
    return out;
  }

  private withMeta(base: Record<string, unknown>, s: Schema, isRecord: boolean, skipDefault: boolean): Record<string, unknown> {
    if (!this.cfg.connectMetaData) return base;
    if (s.doc() !== null && !isRecord) base['connect.doc'] = s.doc();
    if (s.version() !== null) base['connect.version'] = s.version();
    const params = s.parameters();
    if (params && Object.keys(params).length > 0) base['connect.parameters'] = { ...params };
    if (!skipDefault && s.defaultValue() !== null && s.defaultValue() !== undefined && s.type() !== SchemaType.STRUCT) base['connect.default'] = this.defaultJson(s, s.defaultValue());
    if (s.name() !== null) base['connect.name'] = s.name();
    return base;
  }

  private avroSchema(s: Schema, skipOptional: boolean, names: Set<string>, asField = false): AvroJson {
    let base: AvroJson;
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
        base = this.withMeta({ type: 'int', 'connect.type': s.type() === SchemaType.INT8 ? 'int8' : 'int16' }, s, false, asField);
        break;
      case SchemaType.INT32:
        base = this.withMeta({ type: 'int' }, s, false, asField);
        if (name === ConnectDate.LOGICAL_NAME) (base as Record<string, unknown>).logicalType = 'date';
        if (name === ConnectTime.LOGICAL_NAME) (base as Record<string, unknown>).logicalType = 'time-millis';
        break;
      case SchemaType.INT64:
        base = this.withMeta({ type: 'long' }, s, false, asField);
        if (name === ConnectTimestamp.LOGICAL_NAME) (base as Record<string, unknown>).logicalType = 'timestamp-millis';
        break;
      case SchemaType.FLOAT32:
        base = this.withMeta({ type: 'float' }, s, false, asField);
        break;
      case SchemaType.FLOAT64:
        base = this.withMeta({ type: 'double' }, s, false, asField);
        break;
      case SchemaType.BOOLEAN:
        base = this.withMeta({ type: 'boolean' }, s, false, asField);
        break;
      case SchemaType.STRING: {
        const params = s.parameters();
        if (this.cfg.enhancedSchemaSupport && params && params[ENUM_PARAM]) {
          const symbols = Object.keys(params).filter((k) => k.startsWith(ENUM_PARAM + '.')).map((k) => params[k]);
          const { name: en, namespace } = splitName(params[ENUM_PARAM]);
          base = this.withMeta({ type: 'enum', name: en, ...(namespace ? { namespace } : {}), symbols }, s, false, asField);
        } else base = this.withMeta({ type: 'string' }, s, false, asField);
        break;
      }
      case SchemaType.BYTES:
        if (name === Decimal.LOGICAL_NAME) {
          const scale = Decimal.scale(s);
          const precision = Number(s.parameters()?.[PRECISION_PARAM] ?? 64);
          base = this.withMeta({ type: 'bytes', scale, precision }, s, false, asField);
          (base as Record<string, unknown>).logicalType = 'decimal';
        } else base = this.withMeta({ type: 'bytes' }, s, false, asField);
        break;
      case SchemaType.ARRAY:
        base = this.withMeta({ type: 'array', items: this.avroSchema(s.valueSchema()!, false, names) }, s, false, asField);
        break;
      case SchemaType.MAP: {
        const ks = s.keySchema()!;
        const vs = s.valueSchema()!;
        if (ks.type() === SchemaType.STRING && !ks.isOptional()) {
          base = this.withMeta({ type: 'map', values: this.avroSchema(vs, false, names) }, s, false, asField);
        } else {
          const entryName = `${NAMESPACE}.${MAP_ENTRY_TYPE_NAME}`;
          const entry = names.has(entryName)
            ? entryName
            : (names.add(entryName),
              {
                type: 'record',
                name: MAP_ENTRY_TYPE_NAME,
                namespace: NAMESPACE,
                fields: [
                  { name: 'key', type: this.avroSchema(ks, false, names) },
                  { name: 'value', type: this.avroSchema(vs, false, names) },
                ],
              });
          base = this.withMeta({ type: 'array', items: entry }, s, false, asField);
        }
        break;
      }
      case SchemaType.STRUCT: {
        let full = name;
        if (full === null) full = `${NAMESPACE}.${DEFAULT_SCHEMA_NAME}${this.defaultCount++ === 0 ? '' : this.defaultCount}`;
        const { name: rn, namespace } = splitName(full);
        if (names.has(full)) {
          base = full;
          break;
        }
        names.add(full);
        const rec: Record<string, unknown> = { type: 'record', name: validName(rn) };
        if (namespace) rec.namespace = namespace;
        if (s.doc() !== null) rec.doc = s.doc();
        rec.fields = s.fields().map((f) => this.avroField(f, names));
        base = this.withMeta(rec, s, true, true);
        break;
      }
    }
    if (skipOptional || !s.isOptional()) return base;
    const d = s.defaultValue();
    return d !== null && d !== undefined ? [base, 'null'] : ['null', base];
  }

  private avroField(f: Field, names: Set<string>): Record<string, unknown> {
    const fs = f.schema();
    const out: Record<string, unknown> = { name: f.name(), type: this.avroSchema(fs, false, names, true) };
    if (fs.doc() !== null && fs.type() !== SchemaType.STRUCT) out.doc = fs.doc();
    const d = fs.defaultValue();
    if (d !== null && d !== undefined) out.default = this.defaultJson(fs, d);
    else if (fs.isOptional()) out.default = null;
    return out;
  }

  /** A default value as Avro JSON. */
  private defaultJson(s: Schema, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT64:
        return name === ConnectTimestamp.LOGICAL_NAME && v instanceof Date ? v.getTime() : Number(v);
      case SchemaType.INT32:
        if (v instanceof Date) return name === ConnectDate.LOGICAL_NAME ? ConnectDate.fromLogical(s, v) : ConnectTime.fromLogical(s, v);
        return v;
      case SchemaType.BYTES: {
        const bytes = v instanceof BigDecimal ? Decimal.fromLogical(s, v) : (v as Uint8Array);
        return Buffer.from(bytes).toString('latin1');
      }
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.defaultJson(s.valueSchema()!, x));
      case SchemaType.MAP: {
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
        if (s.keySchema()!.type() === SchemaType.STRING) return Object.fromEntries(entries.map(([k, x]) => [k, this.defaultJson(s.valueSchema()!, x)]));
        return entries.map(([k, x]) => ({ key: this.defaultJson(s.keySchema()!, k), value: this.defaultJson(s.valueSchema()!, x) }));
      }
      case SchemaType.STRUCT: {
        const st = v as Struct;
        return Object.fromEntries(s.fields().map((f) => [f.name(), this.defaultJson(f.schema(), st.get(f))]));
      }
      default:
        return v;
    }
  }

  // ---------------------------------------------------------------- value: Connect -> Avro (avsc representation)

  fromConnectData(s: Schema | null, v: unknown): unknown {
    if (s === null) throw new DataException('The Avro converter needs a schema: the record has no schema (a schemaless value cannot be written as Avro)');
    if (v === null || v === undefined) {
      const d = s.defaultValue();
      if (d !== null && d !== undefined) return this.fromConnectData(s, d);
      if (!s.isOptional()) throw new DataException(`Conversion error: null value for field that is required and has no default value`);
      return null;
    }
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
      case SchemaType.FLOAT32:
      case SchemaType.FLOAT64:
      case SchemaType.BOOLEAN:
      case SchemaType.STRING:
        return v;
      case SchemaType.INT32:
        if (v instanceof Date) return name === ConnectDate.LOGICAL_NAME ? ConnectDate.fromLogical(s, v) : ConnectTime.fromLogical(s, v);
        return v;
      case SchemaType.INT64:
        if (v instanceof Date) return ConnectTimestamp.fromLogical(s, v);
        return v;
      case SchemaType.BYTES:
        if (v instanceof BigDecimal) return Buffer.from(Decimal.fromLogical(s, v));
        return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.fromConnectData(s.valueSchema()!, x));
      case SchemaType.MAP: {
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
        if (s.keySchema()!.type() === SchemaType.STRING && !s.keySchema()!.isOptional()) {
          const o: Record<string, unknown> = {};
          for (const [k, x] of entries) o[String(k)] = this.fromConnectData(s.valueSchema()!, x);
          return o;
        }
        return entries.map(([k, x]) => ({ key: this.fromConnectData(s.keySchema()!, k), value: this.fromConnectData(s.valueSchema()!, x) }));
      }
      case SchemaType.STRUCT: {
        if (!(v instanceof Struct)) throw new DataException(`Invalid value for a STRUCT schema: ${typeof v}`);
        const o: Record<string, unknown> = {};
        for (const f of s.fields()) o[f.name()] = this.fromConnectData(f.schema(), v.get(f));
        return o;
      }
    }
  }

  // ---------------------------------------------------------------- schema: Avro -> Connect

  /** The Connect schema of an Avro schema (JSON as the registry stores it). */
  toConnectSchema(avroSchema: string): Schema {
    const hit = this.toConnectCache.get(avroSchema);
    if (hit) return hit;
    const named = new Map<string, Record<string, unknown>>();
    const s = this.connectSchema(JSON.parse(avroSchema), null, named, false);
    this.toConnectCache.set(avroSchema, s);
    return s;
  }

  private connectSchema(a: unknown, ns: string | null, named: Map<string, Record<string, unknown>>, optional: boolean, fieldDefault?: unknown): Schema {
    if (Array.isArray(a)) {
      const nonNull = a.filter((t) => t !== 'null' && !(typeof t === 'object' && (t as { type?: string }).type === 'null'));
      if (nonNull.length === 1 && a.length === 2) return this.connectSchema(nonNull[0], ns, named, true, fieldDefault);
      // general union: io.confluent.connect.avro.Union struct with one optional field per branch
      const b = SchemaBuilder.struct().name(`${NAMESPACE}.Union`);
      for (const t of nonNull) {
        const fs = this.connectSchema(t, ns, named, true);
        const fname = typeof t === 'string' ? t.slice(t.lastIndexOf('.') + 1) : ((t as { name?: string }).name ?? (t as { type: string }).type);
        b.field(fname, fs);
      }
      if (optional || a.length !== nonNull.length) b.optional();
      return b.build();
    }
    const o: Record<string, unknown> = typeof a === 'string' ? (named.get(a) ?? named.get(ns ? `${ns}.${a}` : a) ?? { type: a }) : (a as Record<string, unknown>);
    const type = o.type as string;
    let b: SchemaBuilder;
    switch (type) {
      case 'null':
        throw new DataException('A standalone null type cannot be converted to a Connect schema');
      case 'boolean':
        b = SchemaBuilder.bool();
        break;
      case 'int': {
        const ct = o['connect.type'];
        const lt = o.logicalType;
        if (lt === 'date') b = ConnectDate.builder();
        else if (lt === 'time-millis') b = ConnectTime.builder();
        else b = ct === 'int8' ? SchemaBuilder.int8() : ct === 'int16' ? SchemaBuilder.int16() : SchemaBuilder.int32();
        break;
      }
      case 'long':
        b = o.logicalType === 'timestamp-millis' ? ConnectTimestamp.builder() : SchemaBuilder.int64();
        break;
      case 'float':
        b = SchemaBuilder.float32();
        break;
      case 'double':
        b = SchemaBuilder.float64();
        break;
      case 'string':
        b = SchemaBuilder.string();
        break;
      case 'bytes':
      case 'fixed':
        if (o.logicalType === 'decimal') {
          b = Decimal.builder(Number(o.scale ?? 0));
          if (o.precision !== undefined && !o['connect.parameters']) b.parameter(PRECISION_PARAM, String(o.precision));
        } else b = SchemaBuilder.bytes();
        if (type === 'fixed') this.define(o, ns, named);
        break;
      case 'enum': {
        const full = this.define(o, ns, named);
        b = SchemaBuilder.string();
        if (this.cfg.enhancedSchemaSupport) {
          b.parameter(ENUM_PARAM, full);
          for (const sym of o.symbols as string[]) b.parameter(`${ENUM_PARAM}.${sym}`, sym);
        }
        break;
      }
      case 'array': {
        const items = o.items;
        const itemRec = typeof items === 'object' && !Array.isArray(items) ? (items as Record<string, unknown>) : typeof items === 'string' ? named.get(items) : undefined;
        const isEntry = itemRec && itemRec.type === 'record' && (itemRec.name === MAP_ENTRY_TYPE_NAME || itemRec.name === `${NAMESPACE}.${MAP_ENTRY_TYPE_NAME}`) && Array.isArray(itemRec.fields) && (itemRec.fields as unknown[]).length === 2;
        if (isEntry) {
          if (typeof items !== 'string') this.define(itemRec!, ns, named);
          const [kf, vf] = itemRec!.fields as Array<{ type: unknown }>;
          b = SchemaBuilder.map(this.connectSchema(kf.type, NAMESPACE, named, false), this.connectSchema(vf.type, NAMESPACE, named, false));
        } else b = SchemaBuilder.array(this.connectSchema(items, ns, named, false));
        break;
      }
      case 'map':
        b = SchemaBuilder.map(SchemaBuilder.string().build(), this.connectSchema(o.values, ns, named, false));
        break;
      case 'record': {
        const full = this.define(o, ns, named);
        const recNs = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : null;
        b = SchemaBuilder.struct();
        if (full !== `${NAMESPACE}.${DEFAULT_SCHEMA_NAME}` && !new RegExp(`^${NAMESPACE.replace(/\./g, '\\.')}\\.${DEFAULT_SCHEMA_NAME}\\d*$`).test(full)) b.name(full);
        if (typeof o.doc === 'string') b.doc(o.doc);
        for (const f of o.fields as Array<Record<string, unknown>>) {
          const fs = this.connectSchema(f.type, recNs, named, false, f.default);
          b.field(f.name as string, fs);
        }
        break;
      }
      default: {
        throw new DataException(`Unsupported Avro type: ${JSON.stringify(a)}`);
      }
    }
    if (this.cfg.connectMetaData) {
      const cn = o['connect.name'];
      if (typeof cn === 'string' && b.name() === null) b.name(cn);
      if (typeof o['connect.version'] === 'number' && b.version() === null) b.version(o['connect.version'] as number);
      if (typeof o['connect.doc'] === 'string' && b.doc() === null) b.doc(o['connect.doc'] as string);
      const params = o['connect.parameters'];
      if (params && typeof params === 'object') b.parameters(params as Record<string, string>);
    }
    if (optional) b.optional();
    const def = fieldDefault !== undefined ? fieldDefault : this.cfg.connectMetaData ? o['connect.default'] : undefined;
    if (def !== undefined && def !== null) {
      try {
        b.defaultValue(this.defaultToConnect(b, def));
      } catch {
        // a default Connect cannot represent is left out, as AvroData does
      }
    }
    return b.build();
  }

  private define(o: Record<string, unknown>, ns: string | null, named: Map<string, Record<string, unknown>>): string {
    const n = String(o.name);
    const space = typeof o.namespace === 'string' ? o.namespace : ns;
    const full = n.includes('.') ? n : space ? `${space}.${n}` : n;
    named.set(full, o);
    return full;
  }

  private defaultToConnect(s: Schema, v: unknown): unknown {
    if (v === null) return null;
    switch (s.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
      case SchemaType.FLOAT32:
      case SchemaType.FLOAT64:
      case SchemaType.BOOLEAN:
      case SchemaType.STRING:
        return v;
      case SchemaType.INT32:
        if (s.name() === ConnectDate.LOGICAL_NAME) return ConnectDate.toLogical(s, v as number);
        if (s.name() === ConnectTime.LOGICAL_NAME) return ConnectTime.toLogical(s, v as number);
        return v;
      case SchemaType.INT64:
        if (s.name() === ConnectTimestamp.LOGICAL_NAME) return ConnectTimestamp.toLogical(s, v as number);
        return v;
      case SchemaType.BYTES: {
        const bytes = Buffer.from(String(v), 'latin1');
        return s.name() === Decimal.LOGICAL_NAME ? Decimal.toLogical(s, bytes) : bytes;
      }
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.defaultToConnect(s.valueSchema()!, x));
      case SchemaType.MAP:
        if (Array.isArray(v)) return new Map((v as Array<{ key: unknown; value: unknown }>).map((e) => [this.defaultToConnect(s.keySchema()!, e.key), this.defaultToConnect(s.valueSchema()!, e.value)]));
        return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, this.defaultToConnect(s.valueSchema()!, x)]));
      case SchemaType.STRUCT: {
        const st = new Struct(s);
        for (const f of s.fields()) {
          const x = (v as Record<string, unknown>)[f.name()];
          if (x !== undefined) st.put(f, this.defaultToConnect(f.schema(), x));
        }
        return st;
      }
    }
  }

  // ---------------------------------------------------------------- value: Avro -> Connect

  toConnectData(s: Schema, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
      case SchemaType.INT32:
        if (name === ConnectDate.LOGICAL_NAME) return ConnectDate.toLogical(s, v as number);
        if (name === ConnectTime.LOGICAL_NAME) return ConnectTime.toLogical(s, v as number);
        return v;
      case SchemaType.INT64:
        if (name === ConnectTimestamp.LOGICAL_NAME) return ConnectTimestamp.toLogical(s, v as number);
        return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      case SchemaType.FLOAT32:
      case SchemaType.FLOAT64:
      case SchemaType.BOOLEAN:
        return v;
      case SchemaType.STRING:
        return typeof v === 'string' ? v : String(v);
      case SchemaType.BYTES: {
        const b = Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
        return name === Decimal.LOGICAL_NAME ? new BigDecimal(twosComplementToBigInt(b), Decimal.scale(s)) : b;
      }
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.toConnectData(s.valueSchema()!, x));
      case SchemaType.MAP:
        if (Array.isArray(v)) return new Map((v as Array<{ key: unknown; value: unknown }>).map((e) => [this.toConnectData(s.keySchema()!, e.key), this.toConnectData(s.valueSchema()!, e.value)]));
        return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, this.toConnectData(s.valueSchema()!, x)]));
      case SchemaType.STRUCT: {
        const st = new Struct(s);
        const obj = v as Record<string, unknown>;
        if (s.name() === `${NAMESPACE}.Union`) {
          // avsc gives a wrapped union {branch: value} or a bare value
          const wrapped = obj && typeof obj === 'object' && !Buffer.isBuffer(obj) ? Object.entries(obj) : [];
          for (const [k, x] of wrapped) {
            const f = s.fields().find((ff) => ff.name() === k || k.endsWith('.' + ff.name()));
            if (f) st.put(f, this.toConnectData(f.schema(), x));
          }
          return st;
        }
        for (const f of s.fields()) st.put(f, this.toConnectData(f.schema(), obj[f.name()]));
        return st;
      }
    }
  }
}

export { bigIntToTwosComplement, ConnectSchema };
