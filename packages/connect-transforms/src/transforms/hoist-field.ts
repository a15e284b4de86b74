/** `HoistField`: wraps the key/value in a struct (or map) with a single field. */
import { ConfigDef, ConfigType, Importance, SchemaBuilder, Struct, type ConnectRecord } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SchemaCache, SimpleConfig } from '../util/requirements';

export const HOIST_FIELD_CONFIG_DEF = new ConfigDef().define('field', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.MEDIUM, 'Field name for the single field that will be created in the resulting Struct or Map.');

export abstract class HoistField<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private fieldName = '';
  private cache = new SchemaCache();

  configure(props: Record<string, unknown>): void {
    this.fieldName = new SimpleConfig(HOIST_FIELD_CONFIG_DEF, props).getString('field')!;
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return HOIST_FIELD_CONFIG_DEF;
  }

  apply(record: R): R {
    const schema = this.operatingSchema(record);
    const value = this.operatingValue(record);
    if (schema === null) return this.newRecord(record, null, { [this.fieldName]: value ?? null });
    let updated = this.cache.get(schema);
    if (updated === null) {
      updated = SchemaBuilder.struct().field(this.fieldName, schema).build();
      this.cache.put(schema, updated);
    }
    return this.newRecord(record, updated, new Struct(updated).put(this.fieldName, value));
  }
}

export class HoistFieldKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends HoistField<R> {
  constructor() {
    super('key');
  }
}
export class HoistFieldValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends HoistField<R> {
  constructor() {
    super('value');
  }
}
