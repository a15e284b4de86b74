/**
 * The Connect data model (`org.apache.kafka.connect.data`): schema types,
 * `Schema`, `Field`, `ConnectSchema` (immutable schema + value validation)
 * and `Struct`.
 *
 * JavaScript representation of values (what `ConnectSchema.validateValue`
 * accepts), chosen so converters and SMTs agree:
 * | type | value |
 * |---|---|
 * | INT8/INT16/INT32 | integer `number` within the type's range |
 * | INT64 | `bigint` within int64, or a safe-integer `number` (converters return `number` when it is safe) |
 * | FLOAT32/FLOAT64 | `number` |
 * | BOOLEAN | `boolean` |
 * | STRING | `string` |
 * | BYTES | `Uint8Array` (a `Buffer` is one) |
 * | ARRAY | JS array |
 * | MAP | `Map` (any key type), or a plain object when keys are strings |
 * | STRUCT | `Struct` |
 * | Decimal | `BigDecimal`; Date / Time / Timestamp | `Date` |
 * Schemaless data (no schema) uses plain objects for maps, as Kafka's SMTs
 * use `java.util.Map` for them.
 *
 * Absent values and metadata are `null` (Java's null); inputs accept `undefined` too.
 */
import { DataException } from '../errors/errors';
import { BigDecimal } from './big-decimal';

/** `Schema.Type`. The string value is the Java enum constant name. */
export enum SchemaType {
  INT8 = 'INT8',
  INT16 = 'INT16',
  INT32 = 'INT32',
  INT64 = 'INT64',
  FLOAT32 = 'FLOAT32',
  FLOAT64 = 'FLOAT64',
  BOOLEAN = 'BOOLEAN',
  STRING = 'STRING',
  BYTES = 'BYTES',
  ARRAY = 'ARRAY',
  MAP = 'MAP',
  STRUCT = 'STRUCT',
}

const PRIMITIVES = new Set<SchemaType>([
  SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32,
  SchemaType.FLOAT64, SchemaType.BOOLEAN, SchemaType.STRING, SchemaType.BYTES,
]);

/** `Type.isPrimitive()`. */
export function isPrimitiveType(t: SchemaType): boolean {
  return PRIMITIVES.has(t);
}

/** `Type.getName()`: the lower-case name (`int32`, `boolean`, `struct`) used by JsonConverter and Cast. */
export function schemaTypeName(t: SchemaType): string {
  return t.toLowerCase();
}

/** The type for a lower- or upper-case name, or null. */
export function schemaTypeForName(name: string): SchemaType | null {
  const up = name.toUpperCase();
  return (Object.values(SchemaType) as string[]).includes(up) ? (up as SchemaType) : null;
}

/** `org.apache.kafka.connect.data.Schema`. */
export interface Schema {
  type(): SchemaType;
  isOptional(): boolean;
  defaultValue(): unknown;
  name(): string | null;
  version(): number | null;
  doc(): string | null;
  parameters(): Readonly<Record<string, string>> | null;
  /** MAP only (throws DataException otherwise). */
  keySchema(): Schema | null;
  /** MAP and ARRAY only (throws DataException otherwise). */
  valueSchema(): Schema | null;
  /** STRUCT only (throws DataException otherwise). */
  fields(): readonly Field[];
  /** STRUCT only: the field or null. */
  field(name: string): Field | null;
  /** The immutable schema (a SchemaBuilder builds itself). */
  schema(): ConnectSchema;
}

/** `org.apache.kafka.connect.data.Field`. */
export class Field {
  constructor(
    private readonly _name: string,
    private readonly _index: number,
    private readonly _schema: Schema,
  ) {}
  name(): string {
    return this._name;
  }
  index(): number {
    return this._index;
  }
  schema(): Schema {
    return this._schema;
  }
  equals(o: unknown): boolean {
    return o instanceof Field && o._name === this._name && o._index === this._index && schemaEquals(o._schema, this._schema);
  }
  toString(): string {
    return `Field{name=${this._name}, index=${this._index}, schema=${String(this._schema)}}`;
  }
}

/** Logical type names whose value class differs from the physical type's (see the table above). */
const LOGICAL_DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const LOGICAL_DATES = new Set(['org.apache.kafka.connect.data.Date', 'org.apache.kafka.connect.data.Time', 'org.apache.kafka.connect.data.Timestamp']);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether `v` is a plain object (schemaless map / record), not a Struct, array, bytes, Date, ... */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * The Java class Kafka would name for a value of this JS type, so messages
 * read like Kafka's (`java.lang.String`, `org.apache.kafka.connect.data.Struct`).
 */
export function javaClassName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'bigint':
      return 'java.lang.Long';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) <= 2147483647 ? 'java.lang.Integer' : Number.isSafeInteger(v) ? 'java.lang.Long' : 'java.lang.Double';
    case 'object':
      if (v instanceof Struct) return 'org.apache.kafka.connect.data.Struct';
      if (v instanceof Uint8Array) return '[B';
      if (Array.isArray(v)) return 'java.util.ArrayList';
      if (v instanceof Date) return 'java.util.Date';
      if (v instanceof BigDecimal) return 'java.math.BigDecimal';
      if (v instanceof Map || isPlainObject(v)) return 'java.util.HashMap';
      return v.constructor?.name ?? 'java.lang.Object';
    default:
      return typeof v;
  }
}

function matchesType(schema: Schema, value: unknown): boolean {
  const name = schema.name();
  if (name !== null) {
    if (name === LOGICAL_DECIMAL) return value instanceof BigDecimal;
    if (LOGICAL_DATES.has(name)) return value instanceof Date;
  }
  switch (schema.type()) {
    case SchemaType.INT8:
      return typeof value === 'number' && Number.isInteger(value) && value >= -128 && value <= 127;
    case SchemaType.INT16:
      return typeof value === 'number' && Number.isInteger(value) && value >= -32768 && value <= 32767;
    case SchemaType.INT32:
      return typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647;
    case SchemaType.INT64:
      return typeof value === 'bigint' ? value >= INT64_MIN && value <= INT64_MAX : typeof value === 'number' && Number.isSafeInteger(value);
    case SchemaType.FLOAT32:
    case SchemaType.FLOAT64:
      return typeof value === 'number';
    case SchemaType.BOOLEAN:
      return typeof value === 'boolean';
    case SchemaType.STRING:
      return typeof value === 'string';
    case SchemaType.BYTES:
      return value instanceof Uint8Array;
    case SchemaType.ARRAY:
      return Array.isArray(value);
    case SchemaType.MAP:
      return value instanceof Map || isPlainObject(value);
    case SchemaType.STRUCT:
      return value instanceof Struct;
  }
}

/** `org.apache.kafka.connect.data.ConnectSchema`: an immutable schema. */
export class ConnectSchema implements Schema {
  private readonly _fields: readonly Field[] | null;
  private readonly _fieldsByName: Map<string, Field> | null;

  constructor(
    private readonly _type: SchemaType,
    private readonly _optional = false,
    private readonly _defaultValue: unknown = null,
    private readonly _name: string | null = null,
    private readonly _version: number | null = null,
    private readonly _doc: string | null = null,
    private readonly _parameters: Readonly<Record<string, string>> | null = null,
    fields: readonly Field[] | null = null,
    private readonly _keySchema: Schema | null = null,
    private readonly _valueSchema: Schema | null = null,
  ) {
    if (_type === SchemaType.STRUCT) {
      this._fields = fields ?? [];
      this._fieldsByName = new Map(this._fields.map((f) => [f.name(), f]));
    } else {
      this._fields = null;
      this._fieldsByName = null;
    }
  }

  type(): SchemaType {
    return this._type;
  }
  isOptional(): boolean {
    return this._optional;
  }
  defaultValue(): unknown {
    return this._defaultValue;
  }
  name(): string | null {
    return this._name;
  }
  version(): number | null {
    return this._version;
  }
  doc(): string | null {
    return this._doc;
  }
  parameters(): Readonly<Record<string, string>> | null {
    return this._parameters;
  }
  fields(): readonly Field[] {
    if (this._fields === null) throw new DataException('Cannot list fields on non-struct type');
    return this._fields;
  }
  field(name: string): Field | null {
    if (this._fieldsByName === null) throw new DataException('Cannot look up fields on non-struct type');
    return this._fieldsByName.get(name) ?? null;
  }
  keySchema(): Schema | null {
    if (this._type !== SchemaType.MAP) throw new DataException('Cannot look up key schema on non-map type');
    return this._keySchema;
  }
  valueSchema(): Schema | null {
    if (this._type !== SchemaType.MAP && this._type !== SchemaType.ARRAY) throw new DataException('Cannot look up value schema on non-array and non-map type');
    return this._valueSchema;
  }
  schema(): ConnectSchema {
    return this;
  }

  /** Validates `value` against this schema (throws DataException). */
  validateValue(value: unknown): void {
    ConnectSchema.validateValue(this, value);
  }

  /**
   * `ConnectSchema.validateValue([field,] schema, value)`: throws a
   * DataException with Kafka's message when the value does not fit.
   */
  static validateValue(schema: Schema, value: unknown): void;
  static validateValue(field: string | null, schema: Schema, value: unknown): void;
  static validateValue(a: Schema | string | null, b: unknown, c?: unknown): void {
    if (typeof a === 'string' || a === null) validate(b as Schema, c, a === null ? 'value' : `field: "${a}"`);
    else validate(a, b, 'value');
  }

  equals(o: unknown): boolean {
    return schemaEquals(this, o);
  }

  toString(): string {
    return this._name !== null ? `Schema{${this._name}:${this._type}}` : `Schema{${this._type}}`;
  }
}

function validate(schema: Schema, value: unknown, location: string): void {
  if (value === null || value === undefined) {
    if (!schema.isOptional()) throw new DataException(`Invalid value: null used for required ${location}, schema type: ${schema.type()}`);
    return;
  }
  if (!matchesType(schema, value)) {
    const name = schema.name();
    throw new DataException(`Invalid Java object for schema${name !== null ? ` "${name}"` : ''} with type ${schema.type()}: class ${javaClassName(value)} for ${location}`);
  }
  switch (schema.type()) {
    case SchemaType.STRUCT: {
      const struct = value as Struct;
      if (struct.schema() !== schema && !schemaEquals(struct.schema(), schema)) throw new DataException('Struct schemas do not match.');
      struct.validate();
      break;
    }
    case SchemaType.ARRAY: {
      const entryLocation = `element of array ${location}`;
      const vs = assertSchemaNotNull(schema.valueSchema(), entryLocation);
      for (const e of value as unknown[]) validate(vs, e, entryLocation);
      break;
    }
    case SchemaType.MAP: {
      const keyLocation = `key of map ${location}`;
      const valueLocation = `value of map ${location}`;
      const ks = assertSchemaNotNull(schema.keySchema(), keyLocation);
      const vs = assertSchemaNotNull(schema.valueSchema(), valueLocation);
      const entries = value instanceof Map ? value.entries() : Object.entries(value as object);
      for (const [k, v] of entries) {
        validate(ks, k, keyLocation);
        validate(vs, v, valueLocation);
      }
      break;
    }
    default:
  }
}

function assertSchemaNotNull(schema: Schema | null, location: string): Schema {
  if (schema === null) throw new DataException(`No schema defined for ${location}`);
  return schema;
}

/** Structural schema equality (ConnectSchema.equals); a SchemaBuilder compares equal to what it builds. */
export function schemaEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  const x = a as Schema;
  const y = b as Schema;
  if (typeof x.type !== 'function' || typeof y.type !== 'function') return false;
  if (x.type() !== y.type() || x.isOptional() !== y.isOptional() || x.name() !== y.name() || x.version() !== y.version() || x.doc() !== y.doc()) return false;
  if (!valuesEqual(x.defaultValue(), y.defaultValue())) return false;
  const px = x.parameters();
  const py = y.parameters();
  if ((px === null) !== (py === null)) return false;
  if (px !== null && py !== null) {
    const kx = Object.keys(px);
    if (kx.length !== Object.keys(py).length || kx.some((k) => px[k] !== py[k])) return false;
  }
  switch (x.type()) {
    case SchemaType.STRUCT: {
      const fx = x.fields();
      const fy = y.fields();
      return fx.length === fy.length && fx.every((f, i) => f.equals(fy[i]));
    }
    case SchemaType.MAP:
      return schemaEquals(x.keySchema(), y.keySchema()) && schemaEquals(x.valueSchema(), y.valueSchema());
    case SchemaType.ARRAY:
      return schemaEquals(x.valueSchema(), y.valueSchema());
    default:
      return true;
  }
}

/**
 * Deep equality of Connect values (Java's `Objects.deepEquals` on Connect
 * data): bytes by content, Dates by time, BigDecimal by value and scale,
 * Structs by schema and values, maps by entries, int64 `bigint` equal to
 * the same `number`.
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number') && Number.isInteger(Number(a)) && BigInt(a) === BigInt(b);
  }
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Struct) return a.equals(b);
  if (a instanceof BigDecimal) return a.equals(b);
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  const ea = a instanceof Map ? [...a.entries()] : isPlainObject(a) ? Object.entries(a) : null;
  const eb = b instanceof Map ? [...b.entries()] : isPlainObject(b) ? Object.entries(b) : null;
  if (ea === null || eb === null || ea.length !== eb.length) return false;
  if (a instanceof Map && b instanceof Map) {
    return ea.every(([k, v]) => {
      if (b.has(k)) return valuesEqual(v, b.get(k));
      // keys compared deeply (e.g. byte-array or struct keys)
      return eb.some(([k2, v2]) => valuesEqual(k, k2) && valuesEqual(v, v2));
    });
  }
  const mb = new Map(eb.map(([k, v]) => [String(k), v] as const));
  return ea.every(([k, v]) => mb.has(String(k)) && valuesEqual(v, mb.get(String(k))));
}

/** `org.apache.kafka.connect.data.Struct`: a record with a STRUCT schema, validated on `put`. */
export class Struct {
  private readonly values: unknown[];

  constructor(private readonly _schema: Schema) {
    if (_schema.type() !== SchemaType.STRUCT) throw new DataException(`Not a struct schema: ${String(_schema)}`);
    this.values = new Array(_schema.fields().length).fill(null);
  }

  schema(): Schema {
    return this._schema;
  }

  /** The value, or the field schema's default when unset (null). */
  get(field: string | Field): unknown {
    const f = typeof field === 'string' ? this.lookupField(field) : field;
    const v = this.values[f.index()];
    if (v === null) {
      const d = f.schema().defaultValue();
      if (d !== null && d !== undefined) return d;
    }
    return v;
  }

  getWithoutDefault(fieldName: string): unknown {
    return this.values[this.lookupField(fieldName).index()];
  }

  getInt8(fieldName: string): number | null {
    return this.getCheckType(fieldName, SchemaType.INT8) as number | null;
  }
  getInt16(fieldName: string): number | null {
    return this.getCheckType(fieldName, SchemaType.INT16) as number | null;
  }
  getInt32(fieldName: string): number | null {
    return this.getCheckType(fieldName, SchemaType.INT32) as number | null;
  }
  getInt64(fieldName: string): number | bigint | null {
    return this.getCheckType(fieldName, SchemaType.INT64) as number | bigint | null;
  }
  getFloat32(fieldName: string): number | null {
    return this.getCheckType(fieldName, SchemaType.FLOAT32) as number | null;
  }
  getFloat64(fieldName: string): number | null {
    return this.getCheckType(fieldName, SchemaType.FLOAT64) as number | null;
  }
  getBoolean(fieldName: string): boolean | null {
    return this.getCheckType(fieldName, SchemaType.BOOLEAN) as boolean | null;
  }
  getString(fieldName: string): string | null {
    return this.getCheckType(fieldName, SchemaType.STRING) as string | null;
  }
  getBytes(fieldName: string): Uint8Array | null {
    return this.getCheckType(fieldName, SchemaType.BYTES) as Uint8Array | null;
  }
  getArray<T = unknown>(fieldName: string): T[] | null {
    return this.getCheckType(fieldName, SchemaType.ARRAY) as T[] | null;
  }
  getMap(fieldName: string): Map<unknown, unknown> | Record<string, unknown> | null {
    return this.getCheckType(fieldName, SchemaType.MAP) as Map<unknown, unknown> | Record<string, unknown> | null;
  }
  getStruct(fieldName: string): Struct | null {
    return this.getCheckType(fieldName, SchemaType.STRUCT) as Struct | null;
  }

  /** Sets a field, validating the value against the field's schema. Returns this. */
  put(field: string | Field, value: unknown): this {
    if (field === null || field === undefined) throw new DataException('field cannot be null.');
    const f = typeof field === 'string' ? this.lookupField(field) : field;
    ConnectSchema.validateValue(f.name(), f.schema(), value);
    this.values[f.index()] = value ?? null;
    return this;
  }

  /** Sets a field without validation (for SMTs copying already-valid values on hot paths). */
  putWithoutValidation(field: Field, value: unknown): this {
    this.values[field.index()] = value ?? null;
    return this;
  }

  /** Checks every field: required fields without a default must be set and all values must fit. */
  validate(): void {
    for (const f of this._schema.fields()) {
      const fs = f.schema();
      const v = this.values[f.index()];
      if (v === null && (fs.isOptional() || (fs.defaultValue() !== null && fs.defaultValue() !== undefined))) continue;
      ConnectSchema.validateValue(f.name(), fs, v);
    }
  }

  equals(o: unknown): boolean {
    if (this === o) return true;
    if (!(o instanceof Struct)) return false;
    return schemaEquals(this._schema, o._schema) && this.values.length === o.values.length && this.values.every((v, i) => valuesEqual(v, o.values[i]));
  }

  toString(): string {
    const parts: string[] = [];
    const fields = this._schema.fields();
    for (let i = 0; i < this.values.length; i++) {
      const v = this.values[i];
      if (v !== null) parts.push(`${fields[i].name()}=${valueToString(v)}`);
    }
    return `Struct{${parts.join(',')}}`;
  }

  private lookupField(fieldName: string): Field {
    const f = this._schema.field(fieldName);
    if (f === null) throw new DataException(`${fieldName} is not a valid field name`);
    return f;
  }

  private getCheckType(fieldName: string, type: SchemaType): unknown {
    const f = this.lookupField(fieldName);
    if (f.schema().type() !== type) throw new DataException(`Field '${fieldName}' is not of type ${type}`);
    return this.values[f.index()];
  }
}

/** Java-ish `toString` of a Connect value (arrays `[a, b]`, maps `{k=v}`). */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[' + v.map(valueToString).join(', ') + ']';
  if (v instanceof Map) return '{' + [...v.entries()].map(([k, x]) => `${valueToString(k)}=${valueToString(x)}`).join(', ') + '}';
  if (isPlainObject(v)) return '{' + Object.entries(v).map(([k, x]) => `${k}=${valueToString(x)}`).join(', ') + '}';
  if (v instanceof Uint8Array) return '[B@' + Buffer.from(v).toString('hex');
  if (v instanceof Date) return v.toString();
  return String(v);
}

function primitive(type: SchemaType, optional: boolean): ConnectSchema {
  return new ConnectSchema(type, optional);
}

/** The predefined schemas of `org.apache.kafka.connect.data.Schema`. */
export const Schemas = {
  INT8_SCHEMA: primitive(SchemaType.INT8, false),
  INT16_SCHEMA: primitive(SchemaType.INT16, false),
  INT32_SCHEMA: primitive(SchemaType.INT32, false),
  INT64_SCHEMA: primitive(SchemaType.INT64, false),
  FLOAT32_SCHEMA: primitive(SchemaType.FLOAT32, false),
  FLOAT64_SCHEMA: primitive(SchemaType.FLOAT64, false),
  BOOLEAN_SCHEMA: primitive(SchemaType.BOOLEAN, false),
  STRING_SCHEMA: primitive(SchemaType.STRING, false),
  BYTES_SCHEMA: primitive(SchemaType.BYTES, false),
  OPTIONAL_INT8_SCHEMA: primitive(SchemaType.INT8, true),
  OPTIONAL_INT16_SCHEMA: primitive(SchemaType.INT16, true),
  OPTIONAL_INT32_SCHEMA: primitive(SchemaType.INT32, true),
  OPTIONAL_INT64_SCHEMA: primitive(SchemaType.INT64, true),
  OPTIONAL_FLOAT32_SCHEMA: primitive(SchemaType.FLOAT32, true),
  OPTIONAL_FLOAT64_SCHEMA: primitive(SchemaType.FLOAT64, true),
  OPTIONAL_BOOLEAN_SCHEMA: primitive(SchemaType.BOOLEAN, true),
  OPTIONAL_STRING_SCHEMA: primitive(SchemaType.STRING, true),
  OPTIONAL_BYTES_SCHEMA: primitive(SchemaType.BYTES, true),
} as const;

/** Kafka's shape: `Schema.STRING_SCHEMA`, `Schema.Type.INT32` (the interface above is the type). */
export const Schema = { ...Schemas, Type: SchemaType } as const;
