/**
 * `FieldsMetadata.extract` / `SinkRecordField`: which columns a record
 * writes and which of them form the primary key, by `pk.mode`, `pk.fields`
 * and `fields.whitelist` (Confluent's rules and messages).
 */
import { ConnectException, isPrimitiveType, Schemas, SchemaType, type Schema } from '@nagare/connect-api';
import { DEFAULT_KAFKA_PK_NAMES, STRING_OUTPUT_VALUE_COLUMN_NAME, type PrimaryKeyMode } from './config';

export class SinkRecordField {
  constructor(
    readonly schema: Schema,
    readonly name: string,
    readonly isPrimaryKey: boolean,
  ) {}
  schemaName(): string | null {
    return this.schema.name();
  }
  schemaType(): SchemaType {
    return this.schema.type();
  }
  schemaParameters(): Readonly<Record<string, string>> | null {
    return this.schema.parameters();
  }
  defaultValue(): unknown {
    return this.schema.defaultValue();
  }
  isOptional(): boolean {
    return !this.isPrimaryKey && this.schema.isOptional();
  }
  toString(): string {
    return `SinkRecordField{schema=${String(this.schema)}, name='${this.name}', isPrimaryKey=${this.isPrimaryKey}}`;
  }
}

export interface FieldsMetadata {
  keyFieldNames: string[];
  nonKeyFieldNames: string[];
  /** Every column, Kafka coordinates first, then in value-schema order. */
  allFields: Map<string, SinkRecordField>;
}

export function extractFieldsMetadata(
  tableName: string,
  pkMode: PrimaryKeyMode,
  configuredPkFields: readonly string[],
  fieldsWhitelist: ReadonlySet<string>,
  stringValueColumnName: string,
  keySchema: Schema | null,
  valueSchema: Schema | null,
): FieldsMetadata {
  if (valueSchema !== null && valueSchema.type() !== SchemaType.STRUCT && valueSchema.type() !== SchemaType.STRING) {
    throw new ConnectException('Value schema must be of type Struct or String');
  }
  const isStringValue = valueSchema !== null && valueSchema.type() === SchemaType.STRING;
  const allFields = new Map<string, SinkRecordField>();
  const keyFieldNames: string[] = [];
  const addKey = (n: string): void => {
    if (!keyFieldNames.includes(n)) keyFieldNames.push(n);
  };
  switch (pkMode) {
    case 'none':
      break;
    case 'kafka': {
      if (configuredPkFields.length === 0) DEFAULT_KAFKA_PK_NAMES.forEach(addKey);
      else if (configuredPkFields.length === 3) configuredPkFields.forEach(addKey);
      else {
        throw new ConnectException(
          `PK mode for table '${tableName}' is KAFKA so there should either be no field names defined for defaults [${DEFAULT_KAFKA_PK_NAMES.join(', ')}] to be applicable, or exactly 3, defined fields are: [${configuredPkFields.join(', ')}]`,
        );
      }
      allFields.set(keyFieldNames[0], new SinkRecordField(Schemas.STRING_SCHEMA, keyFieldNames[0], true));
      allFields.set(keyFieldNames[1], new SinkRecordField(Schemas.INT32_SCHEMA, keyFieldNames[1], true));
      allFields.set(keyFieldNames[2], new SinkRecordField(Schemas.INT64_SCHEMA, keyFieldNames[2], true));
      break;
    }
    case 'record_key': {
      if (keySchema === null) throw new ConnectException(`PK mode for table '${tableName}' is RECORD_KEY, but record key schema is missing`);
      if (isPrimitiveType(keySchema.type())) {
        if (configuredPkFields.length !== 1) {
          throw new ConnectException(`Need exactly one PK column defined since the key schema for records is a primitive type, defined columns are: [${configuredPkFields.join(', ')}]`);
        }
        addKey(configuredPkFields[0]);
        allFields.set(configuredPkFields[0], new SinkRecordField(keySchema, configuredPkFields[0], true));
      } else if (keySchema.type() === SchemaType.STRUCT) {
        if (configuredPkFields.length === 0) for (const f of keySchema.fields()) addKey(f.name());
        else {
          for (const n of configuredPkFields) {
            if (keySchema.field(n) === null) {
              throw new ConnectException(`PK mode for table '${tableName}' is RECORD_KEY with configured PK fields [${configuredPkFields.join(', ')}], but record key schema does not contain field: ${n}`);
            }
          }
          configuredPkFields.forEach(addKey);
        }
        for (const n of keyFieldNames) allFields.set(n, new SinkRecordField(keySchema.field(n)!.schema(), n, true));
      } else {
        throw new ConnectException(`Key schema must be primitive type or Struct, but is of type: ${keySchema.type()}`);
      }
      break;
    }
    case 'record_value': {
      if (isStringValue) throw new ConnectException('pk.mode record_value is not supported with String value schemas');
      if (valueSchema === null) throw new ConnectException(`PK mode for table '${tableName}' is RECORD_VALUE, but record value schema is missing`);
      if (configuredPkFields.length === 0) for (const f of valueSchema.fields()) addKey(f.name());
      else {
        for (const n of configuredPkFields) {
          if (valueSchema.field(n) === null) {
            throw new ConnectException(`PK mode for table '${tableName}' is RECORD_VALUE with configured PK fields [${configuredPkFields.join(', ')}], but record value schema does not contain field: ${n}`);
          }
        }
        configuredPkFields.forEach(addKey);
      }
      for (const n of keyFieldNames) allFields.set(n, new SinkRecordField(valueSchema.field(n)!.schema(), n, true));
      break;
    }
  }
  const nonKeyFieldNames: string[] = [];
  if (isStringValue) {
    if (keyFieldNames.includes(stringValueColumnName)) {
      throw new ConnectException(`Configured ${STRING_OUTPUT_VALUE_COLUMN_NAME} '${stringValueColumnName}' conflicts with a primary key column for table '${tableName}'`);
    }
    nonKeyFieldNames.push(stringValueColumnName);
    allFields.set(stringValueColumnName, new SinkRecordField(Schemas.OPTIONAL_STRING_SCHEMA, stringValueColumnName, false));
  } else if (valueSchema !== null) {
    for (const f of valueSchema.fields()) {
      if (keyFieldNames.includes(f.name())) continue;
      if (fieldsWhitelist.size > 0 && !fieldsWhitelist.has(f.name())) continue;
      nonKeyFieldNames.push(f.name());
      allFields.set(f.name(), new SinkRecordField(f.schema(), f.name(), false));
    }
  }
  if (allFields.size === 0) throw new ConnectException(`No fields found using key and value schemas for table: ${tableName}`);
  const ordered = new Map<string, SinkRecordField>();
  for (const n of DEFAULT_KAFKA_PK_NAMES) if (allFields.has(n)) ordered.set(n, allFields.get(n)!);
  if (isStringValue) ordered.set(stringValueColumnName, allFields.get(stringValueColumnName)!);
  else if (valueSchema !== null) for (const f of valueSchema.fields()) if (allFields.has(f.name())) ordered.set(f.name(), allFields.get(f.name())!);
  if (ordered.size < allFields.size) for (const n of [...allFields.keys()].sort()) if (!ordered.has(n)) ordered.set(n, allFields.get(n)!);
  return { keyFieldNames, nonKeyFieldNames, allFields: ordered };
}
