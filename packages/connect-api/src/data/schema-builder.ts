/**
 * `org.apache.kafka.connect.data.SchemaBuilder`: the fluent, mutable way to
 * build a schema, e.g.
 * `SchemaBuilder.struct().name('com.example.Person').field('name', Schema.STRING_SCHEMA).optional().build()`.
 * Each of name/version/doc/optional/defaultValue can be set once, as in Kafka.
 */
import { DataException, SchemaBuilderException } from '../errors/errors';
import { ConnectSchema, Field, SchemaType, schemaEquals, type Schema } from './schema';

export class SchemaBuilder implements Schema {
  private _optional: boolean | null = null;
  private _defaultValue: unknown = null;
  private _name: string | null = null;
  private _version: number | null = null;
  private _doc: string | null = null;
  private _parameters: Record<string, string> | null = null;
  private readonly _fields: Map<string, Field> | null;
  private _keySchema: Schema | null = null;
  private _valueSchema: Schema | null = null;

  constructor(private readonly _type: SchemaType) {
    if (_type === null || _type === undefined) throw new SchemaBuilderException('type cannot be null');
    this._fields = _type === SchemaType.STRUCT ? new Map() : null;
  }

  isOptional(): boolean {
    return this._optional === null ? false : this._optional;
  }
  optional(): this {
    checkCanSet('optional', this._optional, true);
    this._optional = true;
    return this;
  }
  required(): this {
    checkCanSet('optional', this._optional, false);
    this._optional = false;
    return this;
  }
  defaultValue(): unknown;
  defaultValue(value: unknown): this;
  defaultValue(...args: [] | [unknown]): unknown {
    if (args.length === 0) return this._defaultValue;
    const value = args[0] ?? null;
    checkCanSet('default', this._defaultValue, value);
    try {
      ConnectSchema.validateValue(this, value);
    } catch (e) {
      throw new SchemaBuilderException('Invalid default value', { cause: e });
    }
    this._defaultValue = value;
    return this;
  }
  name(): string | null;
  name(name: string): this;
  name(...args: [] | [string]): string | null | this {
    if (args.length === 0) return this._name;
    checkCanSet('name', this._name, args[0]);
    this._name = args[0];
    return this;
  }
  version(): number | null;
  version(version: number): this;
  version(...args: [] | [number]): number | null | this {
    if (args.length === 0) return this._version;
    checkCanSet('version', this._version, args[0]);
    this._version = args[0];
    return this;
  }
  doc(): string | null;
  doc(doc: string): this;
  doc(...args: [] | [string]): string | null | this {
    if (args.length === 0) return this._doc;
    checkCanSet('doc', this._doc, args[0]);
    this._doc = args[0];
    return this;
  }
  parameters(): Readonly<Record<string, string>> | null;
  parameters(props: Record<string, string>): this;
  parameters(...args: [] | [Record<string, string>]): Readonly<Record<string, string>> | null | this {
    if (args.length === 0) return this._parameters === null ? null : { ...this._parameters };
    const props = args[0];
    if (Object.keys(props).length === 0) return this;
    this._parameters = { ...(this._parameters ?? {}), ...props };
    return this;
  }
  parameter(propertyName: string, propertyValue: string): this {
    this._parameters = this._parameters ?? {};
    this._parameters[propertyName] = propertyValue;
    return this;
  }
  type(): SchemaType {
    return this._type;
  }

  static type(type: SchemaType): SchemaBuilder {
    return new SchemaBuilder(type);
  }
  static int8(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.INT8);
  }
  static int16(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.INT16);
  }
  static int32(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.INT32);
  }
  static int64(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.INT64);
  }
  static float32(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.FLOAT32);
  }
  static float64(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.FLOAT64);
  }
  static bool(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.BOOLEAN);
  }
  static string(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.STRING);
  }
  static bytes(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.BYTES);
  }
  static struct(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.STRUCT);
  }
  static array(valueSchema: Schema): SchemaBuilder {
    if (valueSchema === null || valueSchema === undefined) throw new SchemaBuilderException('valueSchema cannot be null.');
    const b = new SchemaBuilder(SchemaType.ARRAY);
    b._valueSchema = valueSchema;
    return b;
  }
  static map(keySchema: Schema, valueSchema: Schema): SchemaBuilder {
    if (keySchema === null || keySchema === undefined) throw new SchemaBuilderException('keySchema cannot be null.');
    if (valueSchema === null || valueSchema === undefined) throw new SchemaBuilderException('valueSchema cannot be null.');
    const b = new SchemaBuilder(SchemaType.MAP);
    b._keySchema = keySchema;
    b._valueSchema = valueSchema;
    return b;
  }

  /** An array schema with no element schema: what `Values.parseString` gives an array of nulls (Kafka 3.8+, package-private there). */
  static arrayOfNull(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.ARRAY);
  }
  /** A map schema with no key or value schema (`Values.parseString` of maps without a common key schema). */
  static mapOfNull(): SchemaBuilder {
    return new SchemaBuilder(SchemaType.MAP);
  }
  /** A map schema with a key schema only (`Values.parseString` of maps whose values share no schema). */
  static mapWithNullValues(keySchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder(SchemaType.MAP);
    b._keySchema = keySchema;
    return b;
  }

  /** A builder preset with the type, name, version, doc, parameters, optionality (and fields, key/value schemas) of `schema`; default not copied unless `withDefault`. */
  static fromSchema(schema: Schema, withDefault = false): SchemaBuilder {
    let b: SchemaBuilder;
    switch (schema.type()) {
      case SchemaType.ARRAY:
        b = SchemaBuilder.array(schema.valueSchema()!);
        break;
      case SchemaType.MAP:
        b = SchemaBuilder.map(schema.keySchema()!, schema.valueSchema()!);
        break;
      default:
        b = new SchemaBuilder(schema.type());
    }
    if (schema.name() !== null) b.name(schema.name()!);
    if (schema.version() !== null) b.version(schema.version()!);
    if (schema.doc() !== null) b.doc(schema.doc()!);
    if (schema.parameters() !== null) b.parameters({ ...schema.parameters()! });
    if (schema.isOptional()) b.optional();
    if (schema.type() === SchemaType.STRUCT) for (const f of schema.fields()) b.field(f.name(), f.schema());
    if (withDefault && schema.defaultValue() !== null && schema.defaultValue() !== undefined) b.defaultValue(schema.defaultValue());
    return b;
  }

  /** Adds a field (STRUCT only). */
  field(fieldName: string, fieldSchema: Schema): this;
  /** Looks a field up (STRUCT only). */
  field(fieldName: string): Field | null;
  field(fieldName: string, fieldSchema?: Schema): this | Field | null {
    if (fieldSchema === undefined) {
      if (this._fields === null) throw new DataException('Cannot look up fields on non-struct type');
      return this._fields.get(fieldName) ?? null;
    }
    if (this._fields === null) throw new SchemaBuilderException(`Cannot create fields on type ${this._type}`);
    if (fieldName === null || fieldName === undefined || fieldName === '') throw new SchemaBuilderException('fieldName cannot be null.');
    if (fieldSchema === null) throw new SchemaBuilderException(`fieldSchema for field ${fieldName} cannot be null.`);
    if (this._fields.has(fieldName)) throw new SchemaBuilderException(`Cannot create field because of field name duplication ${fieldName}`);
    this._fields.set(fieldName, new Field(fieldName, this._fields.size, fieldSchema));
    return this;
  }
  fields(): readonly Field[] {
    if (this._fields === null) throw new DataException('Cannot list fields on non-struct type');
    return [...this._fields.values()];
  }
  keySchema(): Schema | null {
    return this._keySchema;
  }
  valueSchema(): Schema | null {
    return this._valueSchema;
  }

  build(): ConnectSchema {
    return new ConnectSchema(
      this._type,
      this._optional === null ? false : this._optional,
      this._defaultValue,
      this._name,
      this._version,
      this._doc,
      this._parameters === null ? null : Object.freeze({ ...this._parameters }),
      this._fields === null ? null : Object.freeze([...this._fields.values()]),
      this._keySchema,
      this._valueSchema,
    );
  }
  schema(): ConnectSchema {
    return this.build();
  }
  equals(o: unknown): boolean {
    return schemaEquals(this, o);
  }
  toString(): string {
    return this._name !== null ? `SchemaBuilder{${this._name}:${this._type}}` : `SchemaBuilder{${this._type}}`;
  }
}

function checkCanSet(fieldName: string, fieldVal: unknown, val: unknown): void {
  if (fieldVal !== null && fieldVal !== undefined && fieldVal !== val) {
    throw new SchemaBuilderException(`Invalid SchemaBuilder call: ${fieldName} has already been set.`);
  }
}
