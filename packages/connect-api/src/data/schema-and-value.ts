import { schemaEquals, valuesEqual, type Schema } from './schema';

/** `org.apache.kafka.connect.data.SchemaAndValue`. */
export class SchemaAndValue {
  static readonly NULL = new SchemaAndValue(null, null);
  constructor(
    private readonly _schema: Schema | null,
    private readonly _value: unknown,
  ) {}
  schema(): Schema | null {
    return this._schema;
  }
  value(): unknown {
    return this._value;
  }
  /** Schema and value equal (structurally, as Java's `equals`). */
  equals(o: unknown): boolean {
    return o instanceof SchemaAndValue && (o._schema === this._schema || schemaEquals(o._schema, this._schema)) && valuesEqual(o._value, this._value);
  }
  toString(): string {
    return `SchemaAndValue{schema=${String(this._schema)}, value=${String(this._value)}}`;
  }
}
