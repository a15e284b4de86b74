/** `SetSchemaMetadata`: sets the schema name and/or version of the key/value (structs are re-created with the new schema). */
import { ConfigDef, ConfigException, ConfigType, ConnectSchema, Importance, SchemaType, Struct, type ConnectRecord, type Schema } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SimpleConfig, requireSchema } from '../util/requirements';

export const SET_SCHEMA_METADATA_CONFIG_DEF = new ConfigDef()
  .define('schema.name', ConfigType.STRING, null, Importance.HIGH, 'Schema name to set.')
  .define('schema.version', ConfigType.INT, null, Importance.HIGH, 'Schema version to set.')
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

export abstract class SetSchemaMetadata<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private schemaName: string | null = null;
  private schemaVersion: number | null = null;
  private replaceNullWithDefault = true;

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(SET_SCHEMA_METADATA_CONFIG_DEF, props);
    this.schemaName = config.getString('schema.name');
    this.schemaVersion = config.getInt('schema.version');
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
    if (this.schemaName === null && this.schemaVersion === null) throw new ConfigException('Neither schema name nor version configured');
  }

  config(): ConfigDef {
    return SET_SCHEMA_METADATA_CONFIG_DEF;
  }

  apply(record: R): R {
    const value = this.operatingValue(record);
    const schema = this.operatingSchema(record);
    if ((value === null || value === undefined) && schema === null) return record;
    requireSchema(schema, 'updating schema metadata');
    const s = schema!;
    const isArray = s.type() === SchemaType.ARRAY;
    const isMap = s.type() === SchemaType.MAP;
    const updated = new ConnectSchema(
      s.type(),
      s.isOptional(),
      s.defaultValue(),
      this.schemaName ?? s.name(),
      this.schemaVersion ?? s.version(),
      s.doc(),
      s.parameters(),
      s.type() === SchemaType.STRUCT ? s.fields() : null,
      isMap ? s.keySchema() : null,
      isMap || isArray ? s.valueSchema() : null,
    );
    return this.newRecord(record, updated, this.updateSchemaIn(value, updated));
  }

  /** Re-creates a Struct with the updated schema (other values unchanged). */
  protected updateSchemaIn(value: unknown, updated: Schema): unknown {
    if (!(value instanceof Struct)) return value;
    const out = new Struct(updated);
    for (const f of updated.fields()) out.put(f, this.replaceNullWithDefault ? value.get(f.name()) : value.getWithoutDefault(f.name()));
    return out;
  }
}

export class SetSchemaMetadataKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends SetSchemaMetadata<R> {
  constructor() {
    super('key');
  }
}
export class SetSchemaMetadataValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends SetSchemaMetadata<R> {
  constructor() {
    super('value');
  }
}
