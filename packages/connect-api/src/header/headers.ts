/**
 * Connect record headers (`org.apache.kafka.connect.header`): an ordered
 * multi-map of keys to (schema, value) pairs. `ConnectHeaders` is the
 * mutable implementation every record uses; records get a copy on
 * `newRecord` unless headers are passed in.
 */
import { DataException } from '../errors/errors';
import { BigDecimal } from '../data/big-decimal';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from '../data/logical';
import { ConnectSchema, Schemas, SchemaType, schemaEquals, valuesEqual, type Schema, type Struct } from '../data/schema';
import { SchemaAndValue } from '../data/schema-and-value';

/** `org.apache.kafka.connect.header.Header`. */
export interface Header {
  key(): string;
  schema(): Schema | null;
  value(): unknown;
  /** A copy with the same key and a new schema and value. */
  with(schema: Schema | null, value: unknown): Header;
  /** A copy with a new key. */
  rename(key: string): Header;
}

/** `Headers.HeaderTransform`. */
export type HeaderTransform = (header: Header) => Header | null;

/** `org.apache.kafka.connect.header.ConnectHeader`. */
export class ConnectHeader implements Header {
  constructor(
    private readonly _key: string,
    private readonly _schemaAndValue: SchemaAndValue,
  ) {
    if (_key === null || _key === undefined) throw new Error('Null header keys are not permitted');
  }
  key(): string {
    return this._key;
  }
  schema(): Schema | null {
    return this._schemaAndValue.schema();
  }
  value(): unknown {
    return this._schemaAndValue.value();
  }
  with(schema: Schema | null, value: unknown): Header {
    return new ConnectHeader(this._key, new SchemaAndValue(schema, value));
  }
  rename(key: string): Header {
    return new ConnectHeader(key, this._schemaAndValue);
  }
  toString(): string {
    return `ConnectHeader(key=${this._key}, value=${String(this.value())}, schema=${String(this.schema())})`;
  }
}

/** `org.apache.kafka.connect.header.Headers`. */
export interface Headers extends Iterable<Header> {
  size(): number;
  isEmpty(): boolean;
  allWithName(key: string): IterableIterator<Header>;
  lastWithName(key: string): Header | null;
  add(header: Header): this;
  add(key: string, schemaAndValue: SchemaAndValue | null): this;
  add(key: string, value: unknown, schema: Schema | null): this;
  addString(key: string, value: string | null): this;
  addBoolean(key: string, value: boolean): this;
  addByte(key: string, value: number): this;
  addShort(key: string, value: number): this;
  addInt(key: string, value: number): this;
  addLong(key: string, value: number | bigint): this;
  addFloat(key: string, value: number): this;
  addDouble(key: string, value: number): this;
  addBytes(key: string, value: Uint8Array | null): this;
  addList(key: string, value: unknown[] | null, schema: Schema): this;
  addMap(key: string, value: Map<unknown, unknown> | Record<string, unknown> | null, schema: Schema): this;
  addStruct(key: string, value: Struct | null): this;
  addDecimal(key: string, value: BigDecimal | null): this;
  addDate(key: string, value: Date | null): this;
  addTime(key: string, value: Date | null): this;
  addTimestamp(key: string, value: Date | null): this;
  remove(key: string): this;
  retainLatest(key?: string): this;
  clear(): this;
  duplicate(): Headers;
  apply(transform: HeaderTransform): this;
  apply(key: string, transform: HeaderTransform): this;
  toArray(): Header[];
}

/** `org.apache.kafka.connect.header.ConnectHeaders`. */
export class ConnectHeaders implements Headers {
  private headers: Header[];

  constructor(original?: Iterable<Header> | null) {
    this.headers = original ? [...original] : [];
  }

  size(): number {
    return this.headers.length;
  }
  isEmpty(): boolean {
    return this.headers.length === 0;
  }
  [Symbol.iterator](): Iterator<Header> {
    return this.headers[Symbol.iterator]();
  }
  toArray(): Header[] {
    return [...this.headers];
  }
  *allWithName(key: string): IterableIterator<Header> {
    for (const h of this.headers) if (h.key() === key) yield h;
  }
  lastWithName(key: string): Header | null {
    for (let i = this.headers.length - 1; i >= 0; i--) if (this.headers[i].key() === key) return this.headers[i];
    return null;
  }

  add(header: Header): this;
  add(key: string, schemaAndValue: SchemaAndValue | null): this;
  add(key: string, value: unknown, schema: Schema | null): this;
  add(a: Header | string, b?: unknown, c?: Schema | null): this {
    if (typeof a !== 'string') {
      if (a === null || a === undefined) throw new Error('Unable to add a null header.');
      this.headers.push(a);
      return this;
    }
    if (c === undefined) {
      const sv = (b as SchemaAndValue | null) ?? SchemaAndValue.NULL;
      checkSchemaMatches(sv.schema(), sv.value());
      return this.addWithoutValidating(a, sv.value(), sv.schema());
    }
    checkSchemaMatches(c, b);
    return this.addWithoutValidating(a, b, c);
  }

  protected addWithoutValidating(key: string, value: unknown, schema: Schema | null): this {
    this.headers.push(new ConnectHeader(key, new SchemaAndValue(schema, value ?? null)));
    return this;
  }

  addString(key: string, value: string | null): this {
    return this.addWithoutValidating(key, value, value !== null ? Schemas.STRING_SCHEMA : Schemas.OPTIONAL_STRING_SCHEMA);
  }
  addBytes(key: string, value: Uint8Array | null): this {
    return this.addWithoutValidating(key, value, value !== null ? Schemas.BYTES_SCHEMA : Schemas.OPTIONAL_BYTES_SCHEMA);
  }
  addBoolean(key: string, value: boolean): this {
    return this.addWithoutValidating(key, value, Schemas.BOOLEAN_SCHEMA);
  }
  addByte(key: string, value: number): this {
    return this.add(key, value, Schemas.INT8_SCHEMA);
  }
  addShort(key: string, value: number): this {
    return this.add(key, value, Schemas.INT16_SCHEMA);
  }
  addInt(key: string, value: number): this {
    return this.add(key, value, Schemas.INT32_SCHEMA);
  }
  addLong(key: string, value: number | bigint): this {
    return this.add(key, value, Schemas.INT64_SCHEMA);
  }
  addFloat(key: string, value: number): this {
    return this.addWithoutValidating(key, value, Schemas.FLOAT32_SCHEMA);
  }
  addDouble(key: string, value: number): this {
    return this.addWithoutValidating(key, value, Schemas.FLOAT64_SCHEMA);
  }
  addList(key: string, value: unknown[] | null, schema: Schema): this {
    if (value === null) return this.add(key, null, null);
    checkSchemaType(schema, SchemaType.ARRAY);
    return this.add(key, value, schema);
  }
  addMap(key: string, value: Map<unknown, unknown> | Record<string, unknown> | null, schema: Schema): this {
    if (value === null) return this.add(key, null, null);
    checkSchemaType(schema, SchemaType.MAP);
    return this.add(key, value, schema);
  }
  addStruct(key: string, value: Struct | null): this {
    if (value === null) return this.add(key, null, null);
    value.validate();
    return this.addWithoutValidating(key, value, value.schema());
  }
  addDecimal(key: string, value: BigDecimal | null): this {
    if (value === null) return this.add(key, null, null);
    return this.addWithoutValidating(key, value, Decimal.schema(value.scale));
  }
  addDate(key: string, value: Date | null): this {
    if (value !== null) ConnectDate.fromLogical(ConnectDate.SCHEMA, value); // validates
    return this.addWithoutValidating(key, value, ConnectDate.SCHEMA);
  }
  addTime(key: string, value: Date | null): this {
    if (value !== null) ConnectTime.fromLogical(ConnectTime.SCHEMA, value);
    return this.addWithoutValidating(key, value, ConnectTime.SCHEMA);
  }
  addTimestamp(key: string, value: Date | null): this {
    if (value !== null) ConnectTimestamp.fromLogical(ConnectTimestamp.SCHEMA, value);
    return this.addWithoutValidating(key, value, ConnectTimestamp.SCHEMA);
  }

  remove(key: string): this {
    this.headers = this.headers.filter((h) => h.key() !== key);
    return this;
  }
  /** Keeps only the last header with `key` (or, without a key, the last of every key). */
  retainLatest(key?: string): this {
    if (key !== undefined) {
      const last = this.lastWithName(key);
      if (last !== null) this.headers = this.headers.filter((h) => h.key() !== key || h === last);
      return this;
    }
    const lastByKey = new Map<string, Header>();
    for (const h of this.headers) lastByKey.set(h.key(), h);
    const keep = new Set(lastByKey.values());
    this.headers = this.headers.filter((h) => keep.has(h));
    return this;
  }
  clear(): this {
    this.headers = [];
    return this;
  }
  duplicate(): ConnectHeaders {
    return new ConnectHeaders(this.headers);
  }

  apply(transform: HeaderTransform): this;
  apply(key: string, transform: HeaderTransform): this;
  apply(a: string | HeaderTransform, b?: HeaderTransform): this {
    const key = typeof a === 'string' ? a : null;
    const t = (typeof a === 'string' ? b : a)!;
    const out: Header[] = [];
    for (const h of this.headers) {
      if (key !== null && h.key() !== key) {
        out.push(h);
        continue;
      }
      const r = t(h);
      if (r !== null) out.push(r);
    }
    this.headers = out;
    return this;
  }

  equals(o: unknown): boolean {
    if (!(o instanceof ConnectHeaders) || o.headers.length !== this.headers.length) return false;
    return this.headers.every((h, i) => {
      const x = o.headers[i];
      return h.key() === x.key() && schemaEquals(h.schema(), x.schema()) && valuesEqual(h.value(), x.value());
    });
  }

  toString(): string {
    return `ConnectHeaders(headers=${this.headers.map(String).join(', ')})`;
  }
}

function checkSchemaType(schema: Schema, type: SchemaType): void {
  if (schema.type() !== type) throw new DataException(`Expecting ${type} but instead found ${schema.type()}`);
}

function checkSchemaMatches(schema: Schema | null, value: unknown): void {
  if (schema === null) return;
  const s = schema.schema();
  if ((value === null || value === undefined) && !s.isOptional()) throw new DataException(`A null value requires an optional schema but was ${String(s)}`);
  if (value !== null && value !== undefined) ConnectSchema.validateValue(s, value);
}
