/**
 * `Mapping.buildMapping`: an Elasticsearch mapping from a Connect schema
 * (structs as `properties`, maps as `key`/`value` properties, arrays as
 * their element, STRING as `text` with a `keyword` sub-field, logical
 * Date/Time/Timestamp as `date`, Decimal as `double`, defaults as
 * `null_value`).
 */
import { DataException, SchemaType, type BigDecimal, type Schema } from '@nagare/connect-api';
import { javaDouble, javaFloat } from './json';

function esType(t: SchemaType): string | null {
  switch (t) {
    case SchemaType.BOOLEAN:
      return 'boolean';
    case SchemaType.INT8:
      return 'byte';
    case SchemaType.INT16:
      return 'short';
    case SchemaType.INT32:
      return 'integer';
    case SchemaType.INT64:
      return 'long';
    case SchemaType.FLOAT32:
      return 'float';
    case SchemaType.FLOAT64:
      return 'double';
    case SchemaType.STRING:
      return 'text';
    case SchemaType.BYTES:
      return 'binary';
    default:
      return null;
  }
}

function primitive(type: string | null, defaultValue: unknown): string {
  if (type === null) throw new DataException(`Invalid primitive type ${type}.`);
  let s = `"type":"${type}"`;
  if (type === 'text') s += ',"fields":{"keyword":{"type":"keyword","ignore_above":256}}';
  if (defaultValue === null || defaultValue === undefined) return s;
  switch (type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return s + `,"null_value":${String(defaultValue)}`;
    case 'float':
      return s + `,"null_value":${javaFloat(defaultValue as number)}`;
    case 'double':
      return s + `,"null_value":${javaDouble(defaultValue as number)}`;
    case 'boolean':
      return s + `,"null_value":${defaultValue ? 'true' : 'false'}`;
    case 'date':
      return s + `,"null_value":${(defaultValue as Date).getTime()}`;
    default:
      return s;
  }
}

function body(schema: Schema | null): string {
  if (schema === null) throw new DataException('Cannot infer mapping without schema.');
  switch (schema.name()) {
    case 'org.apache.kafka.connect.data.Date':
    case 'org.apache.kafka.connect.data.Time':
    case 'org.apache.kafka.connect.data.Timestamp':
      return primitive('date', schema.defaultValue());
    case 'org.apache.kafka.connect.data.Decimal': {
      const d = schema.defaultValue() as BigDecimal | null;
      return primitive('double', d === null || d === undefined ? null : d.toNumber());
    }
    default:
  }
  switch (schema.type()) {
    case SchemaType.ARRAY:
      return body(schema.valueSchema());
    case SchemaType.MAP:
      return `"properties":{"key":{${body(schema.keySchema())}},"value":{${body(schema.valueSchema())}}}`;
    case SchemaType.STRUCT:
      return `"properties":{${schema
        .fields()
        .map((f) => `${JSON.stringify(f.name())}:{${body(f.schema())}}`)
        .join(',')}}`;
    default:
      return primitive(esType(schema.type()), schema.defaultValue());
  }
}

/** The mapping JSON text for `PUT /<index>/_mapping`. */
export function buildMapping(schema: Schema | null): string {
  return `{${body(schema)}}`;
}
