/**
 * `MaskField`: replaces fields with the type's "empty" value (0, false, "",
 * empty list/map, epoch Date, 0 decimal) or with `replacement` converted to
 * the field's type.
 */
import { BigDecimal, ConfigDef, ConfigType, DataException, Importance, NonEmptyString, SchemaType, Struct, Values, isPlainObject, javaClassName, type ConnectRecord, type Field, type Schema } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { NonEmptyListValidator, SimpleConfig, requireMap, requireStruct, copyMap } from '../util/requirements';

const PURPOSE = 'mask fields';

export const MASK_FIELD_CONFIG_DEF = new ConfigDef()
  .define('fields', ConfigType.LIST, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyListValidator(), Importance.HIGH, 'Names of fields to mask.')
  .define('replacement', ConfigType.STRING, null, new NonEmptyString(), Importance.LOW, 'Custom value replacement, that will be applied to all \'fields\' values (numeric or non-empty string values only).')
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.');

/** The Java class MaskField keys its mappings on, from the schema when there is one. */
function kind(value: unknown, schema: Schema | null): string {
  if (schema !== null) {
    if (schema.name() === 'org.apache.kafka.connect.data.Decimal') return 'BigDecimal';
    if (value instanceof Date) return 'Date';
    switch (schema.type()) {
      case SchemaType.INT8:
        return 'Byte';
      case SchemaType.INT16:
        return 'Short';
      case SchemaType.INT32:
        return 'Integer';
      case SchemaType.INT64:
        return 'Long';
      case SchemaType.FLOAT32:
        return 'Float';
      case SchemaType.FLOAT64:
        return 'Double';
      default:
    }
  }
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'bigint') return 'Long';
  if (typeof value === 'number') return Number.isInteger(value) ? (Math.abs(value) <= 2147483647 ? 'Integer' : 'Long') : 'Double';
  if (value instanceof BigDecimal) return 'BigDecimal';
  if (value instanceof Date) return 'Date';
  return 'other';
}

function maskWithNull(value: unknown, schema: Schema | null): unknown {
  switch (kind(value, schema)) {
    case 'Boolean':
      return false;
    case 'Byte':
    case 'Short':
    case 'Integer':
    case 'Float':
    case 'Double':
      return 0;
    case 'Long':
      return typeof value === 'bigint' ? 0n : 0;
    case 'BigDecimal':
      return schema !== null ? new BigDecimal(0n, (value as BigDecimal).scale) : new BigDecimal(0n, 0);
    case 'Date':
      return new Date(0);
    case 'String':
      return '';
    default:
      if (Array.isArray(value)) return [];
      if (value instanceof Map) return new Map();
      if (isPlainObject(value)) return {};
      throw new DataException(`Cannot mask value of type: class ${javaClassName(value)}`);
  }
}

function maskWithReplacement(value: unknown, schema: Schema | null, replacement: string): unknown {
  const k = kind(value, schema);
  try {
    switch (k) {
      case 'Byte':
        return Values.convertToByte(null, replacement);
      case 'Short':
        return Values.convertToShort(null, replacement);
      case 'Integer':
        return Values.convertToInteger(null, replacement);
      case 'Long':
        return Values.convertToLong(null, replacement);
      case 'Float':
        return Values.convertToFloat(null, replacement);
      case 'Double':
        return Values.convertToDouble(null, replacement);
      case 'String':
        return replacement;
      case 'BigDecimal': {
        const d = BigDecimal.fromString(replacement);
        return schema !== null ? d.setScale((value as BigDecimal).scale) : d;
      }
      default:
        throw new DataException(`Cannot mask value of type class ${javaClassName(value)} with custom replacement.`);
    }
  } catch (e) {
    if (e instanceof DataException && e.message.startsWith('Cannot mask')) throw e;
    throw new DataException(`Unable to convert ${replacement} (class java.lang.String) to number`, { cause: e });
  }
}

export abstract class MaskField<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private maskedFields = new Set<string>();
  private replacement: string | null = null;
  private replaceNullWithDefault = true;

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(MASK_FIELD_CONFIG_DEF, props);
    this.maskedFields = new Set(config.getList('fields')!);
    this.replacement = config.getString('replacement');
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
  }

  config(): ConfigDef {
    return MASK_FIELD_CONFIG_DEF;
  }

  apply(record: R): R {
    if (this.operatingSchema(record) === null) {
      const value = requireMap(this.operatingValue(record), PURPOSE);
      const updated: Record<string, unknown> = copyMap(value);
      for (const f of this.maskedFields) updated[f] = this.masked(value[f] ?? null, null);
      return this.newRecord(record, null, updated);
    }
    const value = requireStruct(this.operatingValue(record), PURPOSE);
    const out = new Struct(value.schema());
    for (const f of value.schema().fields()) {
      const orig = this.fieldValue(value, f);
      out.put(f, this.maskedFields.has(f.name()) ? this.masked(orig, f.schema()) : orig);
    }
    return this.newRecord(record, value.schema(), out);
  }

  private fieldValue(s: Struct, f: Field): unknown {
    return this.replaceNullWithDefault ? s.get(f) : s.getWithoutDefault(f.name());
  }

  private masked(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null;
    return this.replacement === null ? maskWithNull(value, schema) : maskWithReplacement(value, schema, this.replacement);
  }
}

export class MaskFieldKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends MaskField<R> {
  constructor() {
    super('key');
  }
}
export class MaskFieldValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends MaskField<R> {
  constructor() {
    super('value');
  }
}
