/**
 * Connect data <-> JSON Schema as Confluent's `JsonSchemaData` maps them:
 * integers carry `"connect.type"` (int8/int16/int32/int64), floats
 * float32/float64, bytes are base64 strings with `"connect.type":"bytes"`;
 * STRUCT is an object whose properties carry `"connect.index"` (field
 * order) and whose `title` is the schema name; MAP with string keys is an
 * object with `additionalProperties`, other keys an array of
 * `{"key","value"}` objects, both `"connect.type":"map"`; an optional schema
 * is `{"oneOf":[{"type":"null"}, <schema>]}`; Decimal, Date, Time and
 * Timestamp are number/integer with their logical name as title and
 * `connect.version` / `connect.parameters`.
 */
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, DataException, Decimal, SchemaBuilder, SchemaType, Struct, type Schema } from '@nagare/connect-api';

type J = Record<string, unknown>;

export class JsonSchemaData {
  private readonly toJsonCache = new Map<Schema, J>();
  private readonly toConnectCache = new Map<string, Schema>();

  fromConnectSchema(s: Schema): J {
    const hit = this.toJsonCache.get(s);
    if (hit) return hit;
    const j = this.jsonSchema(s);
    this.toJsonCache.set(s, j);
    return j;
  }

  private jsonSchema(s: Schema, index?: number): J {
    let j: J;
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
      case SchemaType.INT32:
      case SchemaType.INT64:
        j = { type: 'integer', 'connect.type': s.type().toLowerCase() };
        if (name === ConnectDate.LOGICAL_NAME || name === ConnectTime.LOGICAL_NAME || name === ConnectTimestamp.LOGICAL_NAME) delete j['connect.type'];
        break;
      case SchemaType.FLOAT32:
        j = { type: 'number', 'connect.type': 'float32' };
        break;
      case SchemaType.FLOAT64:
        j = { type: 'number', 'connect.type': 'float64' };
        break;
      case SchemaType.BOOLEAN:
        j = { type: 'boolean' };
        break;
      case SchemaType.STRING:
        j = { type: 'string' };
        break;
      case SchemaType.BYTES:
        j = name === Decimal.LOGICAL_NAME ? { type: 'number' } : { type: 'string', 'connect.type': 'bytes' };
        break;
      case SchemaType.ARRAY:
        j = { type: 'array', items: this.jsonSchema(s.valueSchema()!) };
        break;
      case SchemaType.MAP:
        if (s.keySchema()!.type() === SchemaType.STRING) j = { type: 'object', additionalProperties: this.jsonSchema(s.valueSchema()!), 'connect.type': 'map' };
        else j = { type: 'array', items: { type: 'object', properties: { key: this.jsonSchema(s.keySchema()!, 0), value: this.jsonSchema(s.valueSchema()!, 1) } }, 'connect.type': 'map' };
        break;
      case SchemaType.STRUCT: {
        const props: J = {};
        s.fields().forEach((f, i) => (props[f.name()] = this.jsonSchema(f.schema(), i)));
        j = { type: 'object' };
        if (name !== null) j.title = name;
        j.properties = props;
        break;
      }
    }
    if (name !== null && s.type() !== SchemaType.STRUCT) j.title = name;
    if (s.version() !== null) j['connect.version'] = s.version();
    if (s.doc() !== null) j.description = s.doc();
    const params = s.parameters();
    if (params && Object.keys(params).length) j['connect.parameters'] = { ...params };
    const d = s.defaultValue();
    if (d !== null && d !== undefined && s.type() !== SchemaType.STRUCT) j.default = this.fromConnectData(s, d);
    let out: J = j;
    if (s.isOptional()) out = { oneOf: [{ type: 'null' }, j] };
    if (index !== undefined) out['connect.index'] = index;
    return out;
  }

  fromConnectData(s: Schema | null, v: unknown): unknown {
    if (v === null || v === undefined) {
      if (s && s.defaultValue() !== null && s.defaultValue() !== undefined) return this.fromConnectData(s, s.defaultValue());
      if (s && !s.isOptional()) throw new DataException('Conversion error: null value for field that is required and has no default value');
      return null;
    }
    if (s === null) return schemaless(v);
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT32:
        if (v instanceof Date) return name === ConnectDate.LOGICAL_NAME ? ConnectDate.fromLogical(s, v) : ConnectTime.fromLogical(s, v);
        return v;
      case SchemaType.INT64:
        if (v instanceof Date) return ConnectTimestamp.fromLogical(s, v);
        return v;
      case SchemaType.BYTES:
        if (v instanceof BigDecimal) return v;
        return Buffer.from(v as Uint8Array).toString('base64');
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.fromConnectData(s.valueSchema()!, x));
      case SchemaType.MAP: {
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
        if (s.keySchema()!.type() === SchemaType.STRING) return Object.fromEntries(entries.map(([k, x]) => [k, this.fromConnectData(s.valueSchema()!, x)]));
        return entries.map(([k, x]) => ({ key: this.fromConnectData(s.keySchema()!, k), value: this.fromConnectData(s.valueSchema()!, x) }));
      }
      case SchemaType.STRUCT: {
        const st = v as Struct;
        const o: J = {};
        for (const f of s.fields()) o[f.name()] = this.fromConnectData(f.schema(), st.get(f));
        return o;
      }
      default:
        return v;
    }
  }

  toConnectSchema(schemaText: string): Schema {
    const hit = this.toConnectCache.get(schemaText);
    if (hit) return hit;
    const s = this.connectSchema(JSON.parse(schemaText) as J, false);
    this.toConnectCache.set(schemaText, s);
    return s;
  }

  private connectSchema(j: J | boolean, optional: boolean): Schema {
    if (typeof j === 'boolean' || j === null) throw new DataException('A boolean JSON schema cannot be converted to a Connect schema');
    const alts = (j.oneOf ?? j.anyOf) as J[] | undefined;
    if (Array.isArray(alts)) {
      const nonNull = alts.filter((a) => a.type !== 'null');
      if (nonNull.length === 1 && alts.length === 2) return this.connectSchema(nonNull[0], true);
      throw new DataException('Only unions of one type with null can be converted to Connect schemas');
    }
    let type = j.type as string | string[] | undefined;
    if (Array.isArray(type)) {
      const nonNull = type.filter((t) => t !== 'null');
      if (nonNull.length === 1) {
        optional = optional || type.includes('null');
        type = nonNull[0];
      } else throw new DataException(`Unsupported JSON schema type ${JSON.stringify(type)}`);
    }
    const ct = j['connect.type'] as string | undefined;
    const title = typeof j.title === 'string' ? j.title : null;
    let b: SchemaBuilder;
    switch (type) {
      case 'integer':
        if (title === ConnectDate.LOGICAL_NAME) b = ConnectDate.builder();
        else if (title === ConnectTime.LOGICAL_NAME) b = ConnectTime.builder();
        else if (title === ConnectTimestamp.LOGICAL_NAME) b = ConnectTimestamp.builder();
        else b = ct === 'int8' ? SchemaBuilder.int8() : ct === 'int16' ? SchemaBuilder.int16() : ct === 'int32' ? SchemaBuilder.int32() : SchemaBuilder.int64();
        break;
      case 'number':
        if (title === Decimal.LOGICAL_NAME) b = Decimal.builder(Number((j['connect.parameters'] as J | undefined)?.scale ?? 0));
        else b = ct === 'float32' ? SchemaBuilder.float32() : SchemaBuilder.float64();
        break;
      case 'boolean':
        b = SchemaBuilder.bool();
        break;
      case 'string':
        b = ct === 'bytes' ? SchemaBuilder.bytes() : SchemaBuilder.string();
        break;
      case 'array':
        if (ct === 'map') {
          const props = ((j.items as J).properties ?? {}) as J;
          b = SchemaBuilder.map(this.connectSchema(props.key as J, false), this.connectSchema(props.value as J, false));
        } else b = SchemaBuilder.array(this.connectSchema((j.items ?? {}) as J, false));
        break;
      case 'object':
        if (ct === 'map' || (j.properties === undefined && typeof j.additionalProperties === 'object')) {
          b = SchemaBuilder.map(SchemaBuilder.string().build(), this.connectSchema(j.additionalProperties as J, false));
        } else {
          b = SchemaBuilder.struct();
          const props = Object.entries((j.properties ?? {}) as Record<string, J>);
          props.sort(([, a], [, c]) => Number(a['connect.index'] ?? 0) - Number(c['connect.index'] ?? 0));
          for (const [k, p] of props) b.field(k, this.connectSchema(p, false));
        }
        break;
      default:
        throw new DataException(`Unsupported JSON schema type ${JSON.stringify(type)}`);
    }
    if (title !== null && b.name() === null) b.name(title);
    if (typeof j['connect.version'] === 'number' && b.version() === null) b.version(j['connect.version'] as number);
    if (typeof j.description === 'string') b.doc(j.description);
    const params = j['connect.parameters'];
    if (params && typeof params === 'object') b.parameters(params as Record<string, string>);
    if (optional) b.optional();
    if (j.default !== undefined && j.default !== null) {
      try {
        b.defaultValue(this.toConnectData(b, j.default));
      } catch {
        // a default Connect cannot represent is left out
      }
    }
    return b.build();
  }

  toConnectData(s: Schema, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    const name = s.name();
    switch (s.type()) {
      case SchemaType.INT8:
      case SchemaType.INT16:
      case SchemaType.INT32:
        if (name === ConnectDate.LOGICAL_NAME) return ConnectDate.toLogical(s, Number(v));
        if (name === ConnectTime.LOGICAL_NAME) return ConnectTime.toLogical(s, Number(v));
        return Number(v);
      case SchemaType.INT64:
        if (name === ConnectTimestamp.LOGICAL_NAME) return ConnectTimestamp.toLogical(s, Number(v));
        return typeof v === 'bigint' || Number.isSafeInteger(v) ? v : BigInt(String(v));
      case SchemaType.FLOAT32:
      case SchemaType.FLOAT64:
        return Number(v);
      case SchemaType.BOOLEAN:
        return Boolean(v);
      case SchemaType.STRING:
        return String(v);
      case SchemaType.BYTES:
        if (name === Decimal.LOGICAL_NAME) return BigDecimal.fromString(String(v)).setScale(Decimal.scale(s));
        return Buffer.from(String(v), 'base64');
      case SchemaType.ARRAY:
        return (v as unknown[]).map((x) => this.toConnectData(s.valueSchema()!, x));
      case SchemaType.MAP:
        if (Array.isArray(v)) return new Map((v as J[]).map((e) => [this.toConnectData(s.keySchema()!, e.key), this.toConnectData(s.valueSchema()!, e.value)]));
        return Object.fromEntries(Object.entries(v as J).map(([k, x]) => [k, this.toConnectData(s.valueSchema()!, x)]));
      case SchemaType.STRUCT: {
        const st = new Struct(s);
        for (const f of s.fields()) st.put(f, this.toConnectData(f.schema(), (v as J)[f.name()]));
        return st;
      }
    }
  }
}

function schemaless(v: unknown): unknown {
  if (v instanceof Struct) throw new DataException('A Struct needs a schema');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), schemaless(x)]));
  if (Array.isArray(v)) return v.map(schemaless);
  if (v && typeof v === 'object' && !(v instanceof BigDecimal) && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, schemaless(x)]));
  return v;
}

/** JSON text with BigDecimal as an exact number and bigint as a number literal. */
export function toJsonText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof BigDecimal) return v.toPlainString();
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return String(v.getTime());
  if (Array.isArray(v)) return '[' + v.map(toJsonText).join(',') + ']';
  if (typeof v === 'object') return '{' + Object.entries(v as object).map(([k, x]) => JSON.stringify(k) + ':' + toJsonText(x)).join(',') + '}';
  return JSON.stringify(v);
}
