/** `Flatten`: nested structs/maps become top-level fields named `parent<delimiter>child`. */
import { ConfigDef, ConfigType, DataException, Importance, SchemaBuilder, SchemaType, Struct, javaClassName, isPlainObject, type ConnectRecord, type Schema } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SchemaCache, SimpleConfig, copySchemaBasics, requireMap, requireStructOrNull, type SchemalessMap } from '../util/requirements';

const PURPOSE = 'flattening';

export const FLATTEN_CONFIG_DEF = new ConfigDef().define('delimiter', ConfigType.STRING, '.', Importance.MEDIUM, 'Delimiter to insert between field names from the input record when generating field names for the output record');

const KEPT = new Set([SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64, SchemaType.BOOLEAN, SchemaType.STRING, SchemaType.BYTES, SchemaType.ARRAY]);

export abstract class Flatten<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private delimiter = '.';
  private cache = new SchemaCache();

  configure(props: Record<string, unknown>): void {
    this.delimiter = new SimpleConfig(FLATTEN_CONFIG_DEF, props).getString('delimiter')!;
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return FLATTEN_CONFIG_DEF;
  }

  apply(record: R): R {
    const value = this.operatingValue(record);
    if (value === null || value === undefined) return record;
    const schema = this.operatingSchema(record);
    if (schema === null) {
      const out: SchemalessMap = {};
      this.flattenSchemaless(requireMap(value, PURPOSE), '', out);
      return this.newRecord(record, null, out);
    }
    const struct = requireStructOrNull(value, PURPOSE);
    let updated = this.cache.get(schema);
    if (updated === null) {
      const b = copySchemaBasics(schema, SchemaBuilder.struct());
      this.buildSchema(schema, '', b, schema.isOptional(), (schema.defaultValue() as Struct | null) ?? null);
      updated = b.build();
      this.cache.put(schema, updated);
    }
    if (struct === null) return this.newRecord(record, updated, null);
    const out = new Struct(updated);
    this.buildValue(struct, '', out);
    return this.newRecord(record, updated, out);
  }

  private name(prefix: string, field: string): string {
    return prefix === '' ? field : prefix + this.delimiter + field;
  }

  private flattenSchemaless(orig: SchemalessMap, prefix: string, out: SchemalessMap): void {
    for (const key of Object.keys(orig)) {
      const fieldName = this.name(prefix, key);
      const v = orig[key];
      if (v === null || v === undefined) {
        out[fieldName] = null;
        continue;
      }
      if (isPlainObject(v)) {
        this.flattenSchemaless(v, fieldName, out);
      } else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string' || v instanceof Uint8Array || Array.isArray(v)) {
        out[fieldName] = v;
      } else if (v instanceof Struct) {
        throw new DataException(`Flatten transformation does not support class ${javaClassName(v)} for record without schemas (for field ${fieldName}).`);
      } else {
        throw new DataException(`Flatten transformation was passed a value of type class ${javaClassName(v)} which is not supported by Connect's data API`);
      }
    }
  }

  private buildSchema(schema: Schema, prefix: string, b: SchemaBuilder, optional: boolean, defaultFromParent: Struct | null): void {
    for (const field of schema.fields()) {
      const fieldName = this.name(prefix, field.name());
      const fieldOptional = optional || field.schema().isOptional();
      let fieldDefault: unknown = null;
      const d = field.schema().defaultValue();
      if (d !== null && d !== undefined) fieldDefault = d;
      else if (defaultFromParent !== null) fieldDefault = defaultFromParent.get(field);
      const t = field.schema().type();
      if (KEPT.has(t)) {
        const fb = copySchemaBasics(field.schema());
        if (fieldOptional) fb.optional();
        if (fieldDefault !== null && fieldDefault !== undefined) fb.defaultValue(fieldDefault);
        b.field(fieldName, fb.build());
      } else if (t === SchemaType.STRUCT) {
        this.buildSchema(field.schema(), fieldName, b, fieldOptional, (fieldDefault as Struct | null) ?? null);
      } else {
        throw new DataException(`Flatten transformation does not support ${t} for record with schemas (for field ${fieldName}).`);
      }
    }
  }

  private buildValue(struct: Struct | null, prefix: string, out: Struct): void {
    if (struct === null) return;
    for (const field of struct.schema().fields()) {
      const fieldName = this.name(prefix, field.name());
      const t = field.schema().type();
      if (KEPT.has(t)) out.put(fieldName, struct.get(field));
      else if (t === SchemaType.STRUCT) this.buildValue(struct.getStruct(field.name()), fieldName, out);
      else throw new DataException(`Flatten transformation does not support ${t} for record with schemas (for field ${fieldName}).`);
    }
  }
}

export class FlattenKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends Flatten<R> {
  constructor() {
    super('key');
  }
}
export class FlattenValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends Flatten<R> {
  constructor() {
    super('value');
  }
}
