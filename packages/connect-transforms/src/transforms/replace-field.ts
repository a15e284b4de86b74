/**
 * `ReplaceField`: keeps/drops (`include`/`exclude`) and renames
 * (`renames` = `old:new,...`) fields. The deprecated `whitelist`/`blacklist`
 * (removed in Kafka 4.0) are still accepted as aliases of include/exclude;
 * the new name wins when both are set.
 */
import { ConfigDef, ConfigException, ConfigType, Importance, SchemaBuilder, Struct, type ConnectRecord, type Schema } from '@nagare/connect-api';
import { KeyOrValueTransformation } from '../base';
import { SchemaCache, SimpleConfig, copySchemaBasics, requireMap, requireStruct } from '../util/requirements';

const PURPOSE = 'field replacement';

export const REPLACE_FIELD_CONFIG_DEF = new ConfigDef()
  .define('exclude', ConfigType.LIST, [], Importance.MEDIUM, 'Fields to exclude. This takes precedence over the fields to include.')
  .define('include', ConfigType.LIST, [], Importance.MEDIUM, 'Fields to include. If specified, only these fields will be used.')
  .define(
    'renames',
    ConfigType.LIST,
    [],
    {
      ensureValid(name: string, value: unknown) {
        parseRenameMappings(value as string[]);
      },
      toString: () => 'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
    },
    Importance.MEDIUM,
    'Field rename mappings.',
  )
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.')
  .define('blacklist', ConfigType.LIST, null, Importance.LOW, 'Deprecated. Use exclude instead.')
  .define('whitelist', ConfigType.LIST, null, Importance.LOW, 'Deprecated. Use include instead.');

function parseRenameMappings(mappings: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length !== 2) throw new ConfigException('renames', mappings, `Invalid rename mapping: ${mapping}`);
    m.set(parts[0], parts[1]);
  }
  return m;
}

/** `ConfigUtils.translateDeprecatedConfigs` for the two aliases. */
function translateDeprecated(props: Record<string, unknown>): Record<string, unknown> {
  const out = { ...props };
  for (const [target, deprecated] of [
    ['include', 'whitelist'],
    ['exclude', 'blacklist'],
  ]) {
    if (out[deprecated] !== undefined && out[deprecated] !== null) {
      if (out[target] === undefined || out[target] === null) out[target] = out[deprecated];
      delete out[deprecated];
    }
  }
  return out;
}

export abstract class ReplaceField<R extends ConnectRecord<R> = ConnectRecord<any>> extends KeyOrValueTransformation<R> {
  private exclude = new Set<string>();
  private include = new Set<string>();
  private renames = new Map<string, string>();
  private reverseRenames = new Map<string, string>();
  private replaceNullWithDefault = true;
  private cache = new SchemaCache();

  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(REPLACE_FIELD_CONFIG_DEF, translateDeprecated(props));
    this.exclude = new Set(config.getList('exclude')!);
    this.include = new Set(config.getList('include')!);
    this.renames = parseRenameMappings(config.getList('renames')!);
    this.reverseRenames = new Map([...this.renames].map(([a, b]) => [b, a]));
    this.replaceNullWithDefault = config.getBoolean('replace.null.with.default')!;
    this.cache = new SchemaCache();
  }

  config(): ConfigDef {
    return REPLACE_FIELD_CONFIG_DEF;
  }

  filter(fieldName: string): boolean {
    return !this.exclude.has(fieldName) && (this.include.size === 0 || this.include.has(fieldName));
  }

  renamed(fieldName: string): string {
    return this.renames.get(fieldName) ?? fieldName;
  }

  reverseRenamed(fieldName: string): string {
    return this.reverseRenames.get(fieldName) ?? fieldName;
  }

  apply(record: R): R {
    const value = this.operatingValue(record);
    if (value === null || value === undefined) return record;
    if (this.operatingSchema(record) === null) {
      const map = requireMap(value, PURPOSE);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(map)) if (this.filter(k)) out[this.renamed(k)] = map[k];
      return this.newRecord(record, null, out);
    }
    const struct = requireStruct(value, PURPOSE);
    let schema = this.cache.get(struct.schema());
    if (schema === null) {
      schema = this.makeUpdatedSchema(struct.schema());
      this.cache.put(struct.schema(), schema);
    }
    const out = new Struct(schema);
    for (const f of schema.fields()) {
      const orig = this.reverseRenamed(f.name());
      out.put(f, this.replaceNullWithDefault ? struct.get(orig) : struct.getWithoutDefault(orig));
    }
    return this.newRecord(record, schema, out);
  }

  private makeUpdatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields()) if (this.filter(f.name())) b.field(this.renamed(f.name()), f.schema());
    return b.build();
  }
}

export class ReplaceFieldKey<R extends ConnectRecord<R> = ConnectRecord<any>> extends ReplaceField<R> {
  constructor() {
    super('key');
  }
}
export class ReplaceFieldValue<R extends ConnectRecord<R> = ConnectRecord<any>> extends ReplaceField<R> {
  constructor() {
    super('value');
  }
}
