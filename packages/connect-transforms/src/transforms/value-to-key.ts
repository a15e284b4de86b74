/** `ValueToKey`: replaces the key with a struct/map of fields taken from the value. */
import { ConfigDef, ConfigType, DataException, Importance, NAGARE_CONNECT_VERSION, SchemaBuilder, Struct, type ConnectRecord, type Transformation } from '@nagare/connect-api';
import { NonEmptyListValidator, SchemaCache, SimpleConfig, requireMap, requireStruct } from '../util/requirements';

const PURPOSE = 'copying fields from value to key';

export const VALUE_TO_KEY_CONFIG_DEF = new ConfigDef()
  .define('fields', ConfigType.LIST, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyListValidator(), Importance.HIGH, 'Field names on the record value to extract as the record key.')
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

export class ValueToKey<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  private fields: string[] = [];
  private replaceNullWithDefault = true;
  private cache = new SchemaCache();

  version(): string {
    return NAGARE_CONNECT_VERSION;
  }

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(VALUE_TO_KEY_CONFIG_DEF, props);
    this.fields = config.getList('fields')!;
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return VALUE_TO_KEY_CONFIG_DEF;
  }

  close(): void {
    this.cache = new SchemaCache();
  }

  apply(record: R): R {
    if (record.valueSchema() === null) {
      const value = requireMap(record.value(), PURPOSE);
      const key: Record<string, unknown> = {};
      for (const f of this.fields) key[f] = value[f] ?? null;
      return record.newRecord(record.topic(), record.kafkaPartition(), null, key, record.valueSchema(), record.value(), record.timestamp());
    }
    const value = requireStruct(record.value(), PURPOSE);
    let keySchema = this.cache.get(value.schema());
    if (keySchema === null) {
      const b = SchemaBuilder.struct();
      for (const f of this.fields) {
        const field = value.schema().field(f);
        if (field === null) throw new DataException(`Field does not exist: ${f}`);
        b.field(f, field.schema());
      }
      keySchema = b.build();
      this.cache.put(value.schema(), keySchema);
    }
    const key = new Struct(keySchema);
    for (const f of this.fields) key.put(f, this.replaceNullWithDefault ? value.get(f) : value.getWithoutDefault(f));
    return record.newRecord(record.topic(), record.kafkaPartition(), keySchema, key, record.valueSchema(), record.value(), record.timestamp());
  }
}
