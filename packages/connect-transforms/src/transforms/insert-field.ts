/**
 * `InsertField`: adds the record's topic, partition, offset (sinks only),
 * timestamp and/or a static string. A field spec suffixed `!` is required,
 * `?` (or nothing) optional.
 */
import { ConfigDef, ConfigException, ConfigType, ConnectTimestamp, Importance, Schema, SchemaBuilder, Struct, type ConnectRecord, type Field } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SchemaCache, SimpleConfig, copySchemaBasics, requireMap, requireSinkRecord, requireStruct, copyMap } from '../util/requirements';

const PURPOSE = 'field insertion';
const OPTIONALITY_DOC = 'Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).';
const OPTIONAL_TIMESTAMP_SCHEMA = ConnectTimestamp.builder().optional().build();

export const INSERT_FIELD_CONFIG_DEF = new ConfigDef()
  .define('topic.field', ConfigType.STRING, null, Importance.MEDIUM, `Field name for Kafka topic. ${OPTIONALITY_DOC}`)
  .define('partition.field', ConfigType.STRING, null, Importance.MEDIUM, `Field name for Kafka partition. ${OPTIONALITY_DOC}`)
  .define('offset.field', ConfigType.STRING, null, Importance.MEDIUM, `Field name for Kafka offset - only applicable to sink connectors.<br/>${OPTIONALITY_DOC}`)
  .define('timestamp.field', ConfigType.STRING, null, Importance.MEDIUM, `Field name for record timestamp. ${OPTIONALITY_DOC}`)
  .define('static.field', ConfigType.STRING, null, Importance.MEDIUM, `Field name for static data field. ${OPTIONALITY_DOC}`)
  .define('static.value', ConfigType.STRING, null, Importance.MEDIUM, 'Static field value, if field name configured.')
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

interface InsertionSpec {
  name: string;
  optional: boolean;
}

function parseSpec(spec: string | null): InsertionSpec | null {
  if (spec === null || spec === '') return null;
  if (spec.endsWith('?')) return { name: spec.slice(0, -1), optional: true };
  if (spec.endsWith('!')) return { name: spec.slice(0, -1), optional: false };
  return { name: spec, optional: true };
}

export abstract class InsertField<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private topicField: InsertionSpec | null = null;
  private partitionField: InsertionSpec | null = null;
  private offsetField: InsertionSpec | null = null;
  private timestampField: InsertionSpec | null = null;
  private staticField: InsertionSpec | null = null;
  private staticValue: string | null = null;
  private replaceNullWithDefault = true;
  private cache = new SchemaCache();

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(INSERT_FIELD_CONFIG_DEF, props);
    this.topicField = parseSpec(config.getString('topic.field'));
    this.partitionField = parseSpec(config.getString('partition.field'));
    this.offsetField = parseSpec(config.getString('offset.field'));
    this.timestampField = parseSpec(config.getString('timestamp.field'));
    this.staticField = parseSpec(config.getString('static.field'));
    this.staticValue = config.getString('static.value');
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
    if (!this.topicField && !this.partitionField && !this.offsetField && !this.timestampField && !this.staticField) throw new ConfigException('No field insertion configured');
    if (this.staticField && this.staticValue === null) throw new ConfigException('static.value', null, `No value specified for static field: ${this.staticField.name}`);
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return INSERT_FIELD_CONFIG_DEF;
  }

  override close(): void {
    this.cache = new SchemaCache();
  }

  apply(record: R): R {
    const value = this.operatingValue(record);
    if (value === null || value === undefined) return record;
    if (this.operatingSchema(record) === null) {
      const updated: Record<string, unknown> = copyMap(requireMap(value, PURPOSE));
      if (this.topicField) updated[this.topicField.name] = record.topic();
      if (this.partitionField && record.kafkaPartition() !== null) updated[this.partitionField.name] = record.kafkaPartition();
      if (this.offsetField) updated[this.offsetField.name] = requireSinkRecord(record, PURPOSE).kafkaOffset();
      if (this.timestampField && record.timestamp() !== null) updated[this.timestampField.name] = record.timestamp();
      if (this.staticField && this.staticValue !== null) updated[this.staticField.name] = this.staticValue;
      return this.newRecord(record, null, updated);
    }
    const struct = requireStruct(value, PURPOSE);
    let schema = this.cache.get(struct.schema());
    if (schema === null) {
      schema = this.makeUpdatedSchema(struct.schema());
      this.cache.put(struct.schema(), schema);
    }
    const out = new Struct(schema);
    for (const f of struct.schema().fields()) out.put(f.name(), this.fieldValue(struct, f));
    if (this.topicField) out.put(this.topicField.name, record.topic());
    if (this.partitionField && record.kafkaPartition() !== null) out.put(this.partitionField.name, record.kafkaPartition());
    if (this.offsetField) out.put(this.offsetField.name, requireSinkRecord(record, PURPOSE).kafkaOffset());
    if (this.timestampField && record.timestamp() !== null) out.put(this.timestampField.name, new Date(record.timestamp()!));
    if (this.staticField && this.staticValue !== null) out.put(this.staticField.name, this.staticValue);
    return this.newRecord(record, schema, out);
  }

  private fieldValue(s: Struct, f: Field): unknown {
    return this.replaceNullWithDefault ? s.get(f) : s.getWithoutDefault(f.name());
  }

  private makeUpdatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields()) b.field(f.name(), f.schema());
    if (this.topicField) b.field(this.topicField.name, this.topicField.optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA);
    if (this.partitionField) b.field(this.partitionField.name, this.partitionField.optional ? Schema.OPTIONAL_INT32_SCHEMA : Schema.INT32_SCHEMA);
    if (this.offsetField) b.field(this.offsetField.name, this.offsetField.optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA);
    if (this.timestampField) b.field(this.timestampField.name, this.timestampField.optional ? OPTIONAL_TIMESTAMP_SCHEMA : ConnectTimestamp.SCHEMA);
    if (this.staticField) b.field(this.staticField.name, this.staticField.optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA);
    return b.build();
  }
}

export class InsertFieldKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends InsertField<R> {
  constructor() {
    super('key');
  }
}
export class InsertFieldValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends InsertField<R> {
  constructor() {
    super('value');
  }
}
