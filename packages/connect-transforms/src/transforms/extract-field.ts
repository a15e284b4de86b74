/** `ExtractField`: replaces the key/value with one (possibly nested, KIP-821 V2) field of it. */
import { ConfigDef, ConfigType, Importance, type ConnectRecord } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SingleFieldPath, appendFieldSyntaxVersionConfig, fieldSyntaxVersionFromConfig } from '../util/field-path';
import { SimpleConfig, requireMapOrNull, requireStructOrNull } from '../util/requirements';

const PURPOSE = 'field extraction';

export const EXTRACT_FIELD_CONFIG_DEF = appendFieldSyntaxVersionConfig(
  new ConfigDef()
    .define('field', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.MEDIUM, 'Field name to extract.')
    .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.'),
);

export abstract class ExtractField<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private fieldPath!: SingleFieldPath;
  private originalPath = '';
  private replaceNullWithDefault = true;

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(EXTRACT_FIELD_CONFIG_DEF, props);
    this.originalPath = config.getString('field')!;
    this.fieldPath = new SingleFieldPath(this.originalPath, fieldSyntaxVersionFromConfig(config));
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
  }

  config(): ConfigDef {
    return EXTRACT_FIELD_CONFIG_DEF;
  }

  apply(record: R): R {
    const schema = this.operatingSchema(record);
    if (schema === null) {
      const value = requireMapOrNull(this.operatingValue(record), PURPOSE);
      return this.newRecord(record, null, value === null ? null : this.fieldPath.valueFromMap(value));
    }
    const value = requireStructOrNull(this.operatingValue(record), PURPOSE);
    const field = this.fieldPath.fieldFrom(schema);
    if (field === null) throw new IllegalArgumentError(`Unknown field: ${this.originalPath}`);
    return this.newRecord(record, field.schema(), value === null ? null : this.fieldPath.valueFromStruct(value, this.replaceNullWithDefault));
  }
}

/** Java's IllegalArgumentException (ExtractField's unknown field). */
export class IllegalArgumentError extends Error {
  override readonly name = 'IllegalArgumentException';
}

export class ExtractFieldKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends ExtractField<R> {
  constructor() {
    super('key');
  }
}
export class ExtractFieldValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends ExtractField<R> {
  constructor() {
    super('value');
  }
}
