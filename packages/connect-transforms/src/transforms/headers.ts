/** The header SMTs: `HeaderFrom` (field -> header, move or copy), `InsertHeader` (literal), `DropHeaders`. */
import {
  ConfigDef,
  ConfigException,
  ConfigType,
  ConnectHeaders,
  Importance,
  NAGARE_CONNECT_VERSION,
  SchemaBuilder,
  Struct,
  ValidString,
  Values,
  type ConnectRecord,
  type Field,
  type Headers,
  type Schema,
  type SchemaAndValue,
  type Transformation,
} from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { NonEmptyListValidator, SchemaCache, SimpleConfig, copySchemaBasics, requireMap, requireStruct, copyMap } from '../util/requirements';

export const HEADER_FROM_CONFIG_DEF = new ConfigDef()
  .define('fields', ConfigType.LIST, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyListValidator(), Importance.HIGH, 'Field names in the record whose values are to be copied or moved to headers.')
  .define('headers', ConfigType.LIST, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyListValidator(), Importance.HIGH, 'Header names, in the same order as the field names listed in the fields configuration property.')
  .define('operation', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, ValidString.in('move', 'copy'), Importance.HIGH, "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).")
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

export abstract class HeaderFrom<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private fields: string[] = [];
  private headers: string[] = [];
  private operation: 'move' | 'copy' = 'copy';
  private replaceNullWithDefault = true;
  private readonly moveSchemaCache = new SchemaCache();

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(HEADER_FROM_CONFIG_DEF, props);
    this.fields = config.getList('fields')!;
    this.headers = config.getList('headers')!;
    if (this.headers.length !== this.fields.length) throw new ConfigException(`'fields' config must have the same number of elements as 'headers' config.`);
    this.operation = config.getString('operation') as 'move' | 'copy';
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
  }

  config(): ConfigDef {
    return HEADER_FROM_CONFIG_DEF;
  }

  apply(record: R): R {
    const value = this.operatingValue(record);
    const schema = this.operatingSchema(record);
    const updatedHeaders = record.headers().duplicate();
    if (schema === null) {
      const map = requireMap(value, `header ${this.operation}`);
      const updated: Record<string, unknown> = copyMap(map);
      this.fields.forEach((f, i) => {
        if (this.operation === 'move') delete updated[f];
        updatedHeaders.add(this.headers[i], map[f] ?? null, null);
      });
      return this.withHeaders(record, null, updated, updatedHeaders);
    }
    const struct = requireStruct(value, `header ${this.operation}`);
    let updatedSchema: Schema = schema;
    let updatedValue: Struct = struct;
    if (this.operation === 'move') {
      updatedSchema = this.moveSchema(schema);
      updatedValue = new Struct(updatedSchema);
      for (const f of updatedSchema.fields()) updatedValue.put(f, this.fieldValue(struct, f));
    }
    this.fields.forEach((fieldName, i) => {
      const f = struct.schema().field(fieldName);
      const fieldValue = f !== null ? this.fieldValue(struct, f) : null;
      const fieldSchema = schema.field(fieldName)!.schema();
      updatedHeaders.add(this.headers[i], fieldValue, fieldSchema);
    });
    return this.withHeaders(record, updatedSchema, updatedValue, updatedHeaders);
  }

  private fieldValue(s: Struct, f: Field): unknown {
    return this.replaceNullWithDefault ? s.get(f.name()) : s.getWithoutDefault(f.name());
  }

  private moveSchema(schema: Schema): Schema {
    let s = this.moveSchemaCache.get(schema);
    if (s === null) {
      const b = copySchemaBasics(schema, SchemaBuilder.struct());
      for (const f of schema.fields()) if (!this.fields.includes(f.name())) b.field(f.name(), f.schema());
      s = b.build();
      this.moveSchemaCache.put(schema, s);
    }
    return s;
  }

  private withHeaders(record: R, schema: Schema | null, value: unknown, headers: Headers): R {
    return this.side === 'key'
      ? record.newRecord(record.topic(), record.kafkaPartition(), schema, value, record.valueSchema(), record.value(), record.timestamp(), headers)
      : record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), schema, value, record.timestamp(), headers);
  }
}

export class HeaderFromKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends HeaderFrom<R> {
  constructor() {
    super('key');
  }
}
export class HeaderFromValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends HeaderFrom<R> {
  constructor() {
    super('value');
  }
}

export const INSERT_HEADER_CONFIG_DEF = new ConfigDef()
  .define('header', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, { ensureValid: (n: string, v: unknown) => { if (v === null || v === undefined) throw new ConfigException(n, 'null', 'entry must be non null'); }, toString: () => 'non-null string' }, Importance.HIGH, 'The name of the header.')
  .define('value.literal', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, { ensureValid: (n: string, v: unknown) => { if (v === null || v === undefined) throw new ConfigException(n, 'null', 'entry must be non null'); }, toString: () => 'non-null string' }, Importance.HIGH, 'The literal value that is to be set as the header value on all records.');

/** `InsertHeader`: adds `header` with `value.literal` parsed by `Values.parseString` (so "42" is an INT8 header). */
export class InsertHeader<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  private header = '';
  private literalValue: SchemaAndValue | null = null;

  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(INSERT_HEADER_CONFIG_DEF, props);
    this.header = config.getString('header')!;
    this.literalValue = Values.parseString(config.getString('value.literal'));
  }
  apply(record: R): R {
    const headers = record.headers().duplicate();
    headers.add(this.header, this.literalValue);
    return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), record.valueSchema(), record.value(), record.timestamp(), headers);
  }
  config(): ConfigDef {
    return INSERT_HEADER_CONFIG_DEF;
  }
  close(): void {}
}

export const DROP_HEADERS_CONFIG_DEF = new ConfigDef().define('headers', ConfigType.LIST, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyListValidator(), Importance.HIGH, 'The name of the headers to be removed.');

/** `DropHeaders`: removes every header whose key is listed. */
export class DropHeaders<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  private headers = new Set<string>();

  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(props: Record<string, unknown>): void {
    this.headers = new Set(new SimpleConfig(DROP_HEADERS_CONFIG_DEF, props).getList('headers')!);
  }
  apply(record: R): R {
    const updated = new ConnectHeaders();
    for (const h of record.headers()) if (!this.headers.has(h.key())) updated.add(h);
    return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), record.valueSchema(), record.value(), record.timestamp(), updated);
  }
  config(): ConfigDef {
    return DROP_HEADERS_CONFIG_DEF;
  }
  close(): void {}
}
