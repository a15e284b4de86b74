/**
 * `io.debezium.transforms.ExtractNewRecordState` (event flattening): a
 * Debezium change event becomes the row it describes.
 *
 * - create/update/read: the `after` struct (with `__deleted: "false"` in
 *   the rewrite modes);
 * - delete, by `delete.tombstone.handling.mode`: `tombstone` (default; the
 *   delete becomes a record with a null value, the connector's own
 *   tombstone is dropped), `drop`, `rewrite` (the `before` struct plus
 *   `__deleted: "true"`, tombstones dropped), `rewrite-with-tombstone`
 *   (same, tombstones kept), `delete-to-tombstone` (a real tombstone: null
 *   value and value schema);
 * - truncate events are dropped; records that are not change events
 *   (heartbeats, ...) pass through;
 * - `add.fields` / `add.headers` copy envelope or `source` fields
 *   (`op,table,source.ts_ms`, `name:newName`) into `__`-prefixed fields /
 *   headers; `route.by.field` sends the record to the topic named by a
 *   field; `drop.fields.header.name` removes the fields a header lists.
 *
 * The pre-2.5 options `delete.handling.mode` (drop|rewrite|none) and
 * `drop.tombstones` (removed in Debezium 3.2) are honoured when the new
 * option is not set.
 */
import {
  ConfigDef,
  ConfigException,
  ConfigType,

  Importance,
  SchemaBuilder,
  Schemas,
  SchemaType,
  Struct,
  type ConnectRecord,
  type Schema,
  type Transformation,
} from '@nagare/connect-api';
import { CONNECT_POSTGRES_CDC_VERSION } from '../version';

export type DeleteTombstoneHandling = 'drop' | 'tombstone' | 'rewrite' | 'rewrite-with-tombstone' | 'delete-to-tombstone';
const MODES: DeleteTombstoneHandling[] = ['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone', 'delete-to-tombstone'];
export const DELETED_FIELD = '__deleted';

const CONFIG = new ConfigDef()
  .define('delete.tombstone.handling.mode', ConfigType.STRING, null, Importance.MEDIUM, 'How to handle delete and tombstone records: drop, tombstone (default), rewrite, rewrite-with-tombstone, delete-to-tombstone.')
  .define('route.by.field', ConfigType.STRING, '', Importance.LOW, 'The column which determines how the events will be routed, the value will replace the topic name.')
  .define('add.fields.prefix', ConfigType.STRING, '__', Importance.LOW, 'Adds this prefix to each field listed.')
  .define('add.fields', ConfigType.STRING, '', Importance.LOW, "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified), e.g. 'version,connector,source.ts_ms'; 'field:newName' renames.")
  .define('add.headers.prefix', ConfigType.STRING, '__', Importance.LOW, 'Adds this prefix listed to each header.')
  .define('add.headers', ConfigType.STRING, '', Importance.LOW, 'Adds each field listed to the header, prefixed with __ (or __<struct>_).')
  .define('replace.null.with.default', ConfigType.BOOLEAN, true, Importance.LOW, 'When this option is enabled, null field values are replaced by source-defined defaults when rewriting the record.')
  .define('drop.fields.header.name', ConfigType.STRING, null, Importance.LOW, 'Specifies the name of a header that contains a list of fields to be removed from the event value.')
  .define('drop.fields.from.key', ConfigType.BOOLEAN, false, Importance.LOW, 'Specifies whether to apply the drop fields behavior to the event key as well as the value.')
  .define('drop.fields.keep.schema.compatible', ConfigType.BOOLEAN, true, Importance.LOW, 'true: only optional fields are dropped, leaving the schemas compatible; false: listed fields are dropped regardless.')
  .define('delete.handling.mode', ConfigType.STRING, null, Importance.LOW, 'Deprecated (removed in Debezium 3.2): drop, rewrite or none.')
  .define('drop.tombstones', ConfigType.BOOLEAN, null, Importance.LOW, 'Deprecated (removed in Debezium 3.2): whether to drop tombstone records.');

/** `SchemaUtil.copySchemaBasics`: type, name, version, doc, parameters (not optionality, not fields). */
function copySchemaBasics(s: Schema, builder?: SchemaBuilder): SchemaBuilder {
  let b = builder;
  if (!b) b = s.type() === SchemaType.ARRAY ? SchemaBuilder.array(s.valueSchema()!) : s.type() === SchemaType.MAP ? SchemaBuilder.map(s.keySchema()!, s.valueSchema()!) : SchemaBuilder.type(s.type());
  if (s.name() !== null) b.name(s.name()!);
  if (s.version() !== null) b.version(s.version()!);
  if (s.doc() !== null) b.doc(s.doc()!);
  const p = s.parameters();
  if (p !== null) b.parameters({ ...p });
  return b;
}

class FieldReference {
  readonly struct: string | null;
  readonly field: string;
  readonly newField: string;

  constructor(prefix: string, spec: string) {
    const parts = spec.split(':');
    const splits = parts[0].split('.');
    this.field = splits.length === 1 ? splits[0] : splits[1];
    this.struct = splits.length === 1 ? FieldReference.determineStruct(this.field) : splits[0];
    if (parts.length === 1) this.newField = prefix + (splits.length === 1 ? this.field : `${this.struct}_${this.field}`);
    else if (parts.length === 2) this.newField = prefix + parts[1];
    else throw new ConfigException(`Unexpected field name: ${spec}`);
  }

  private static determineStruct(name: string): string | null {
    switch (name) {
      case 'id':
      case 'data_collection_order':
      case 'total_order':
        return 'transaction';
      case 'op':
      case 'ts_ms':
      case 'ts_us':
      case 'ts_ns':
        return null;
      case 'updateDescription':
        return 'updateDescription';
      default:
        return 'source';
    }
  }

  static parse(prefix: string, list: string | null): FieldReference[] {
    if (!list) return [];
    return list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => new FieldReference(prefix, s));
  }

  schema(original: Schema): Schema | null {
    const parent = this.struct !== null ? original.field(this.struct)?.schema() ?? null : original;
    let f = parent?.field(this.field) ?? null;
    if (f === null) f = original.field(this.field);
    if (f === null) return null;
    return copySchemaBasics(f.schema()).optional().build();
  }

  value(original: Struct): unknown {
    const parent = this.struct !== null ? (original.schema().field(this.struct) ? (original.getWithoutDefault(this.struct) as Struct | null) : null) : original;
    if (parent === null) return null;
    if (parent.schema().field(this.field) !== null) return parent.getWithoutDefault(this.field);
    return original.schema().field(this.field) !== null ? original.getWithoutDefault(this.field) : null;
  }
}

export class ExtractNewRecordState<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly className = 'io.debezium.transforms.ExtractNewRecordState';
  private mode: DeleteTombstoneHandling = 'tombstone';
  private routeByField: string | null = null;
  private fields: FieldReference[] = [];
  private headers: FieldReference[] = [];
  private replaceNullWithDefault = true;
  private dropFieldsHeader: string | null = null;
  private dropFieldsFromKey = false;
  private dropFieldsKeepSchemaCompatible = true;
  private readonly schemaCache = new Map<Schema, Map<string, Schema>>();

  version(): string {
    return CONNECT_POSTGRES_CDC_VERSION;
  }

  config(): ConfigDef {
    return CONFIG;
  }

  configure(configs: Record<string, unknown>): void {
    const c = CONFIG.parse(configs);
    const mode = c['delete.tombstone.handling.mode'] as string | null;
    if (mode !== null) {
      if (!MODES.includes(mode.toLowerCase() as DeleteTombstoneHandling)) {
        throw new ConfigException(`The 'delete.tombstone.handling.mode' value is invalid: Value must be one of ${MODES.join(', ')}`);
      }
      this.mode = mode.toLowerCase() as DeleteTombstoneHandling;
    } else {
      const legacy = ((c['delete.handling.mode'] as string | null) ?? 'drop').toLowerCase();
      const dropTombstones = (c['drop.tombstones'] as boolean | null) ?? true;
      if (!['drop', 'rewrite', 'none'].includes(legacy)) throw new ConfigException(`The 'delete.handling.mode' value is invalid: Value must be one of drop, rewrite, none`);
      if (c['delete.handling.mode'] === null && c['drop.tombstones'] === null) this.mode = 'tombstone';
      else if (legacy === 'rewrite') this.mode = dropTombstones ? 'rewrite' : 'rewrite-with-tombstone';
      else if (legacy === 'drop') this.mode = dropTombstones ? 'drop' : 'delete-to-tombstone';
      else this.mode = 'tombstone';
    }
    const route = (c['route.by.field'] as string) ?? '';
    this.routeByField = route === '' ? null : route;
    this.fields = FieldReference.parse(c['add.fields.prefix'] as string, c['add.fields'] as string);
    this.headers = FieldReference.parse(c['add.headers.prefix'] as string, c['add.headers'] as string);
    this.replaceNullWithDefault = c['replace.null.with.default'] as boolean;
    this.dropFieldsHeader = (c['drop.fields.header.name'] as string | null) || null;
    this.dropFieldsFromKey = c['drop.fields.from.key'] as boolean;
    this.dropFieldsKeepSchemaCompatible = c['drop.fields.keep.schema.compatible'] as boolean;
  }

  private static isEnvelope(schema: Schema | null): boolean {
    return schema !== null && schema.type() === SchemaType.STRUCT && (schema.name() ?? '').endsWith('.Envelope');
  }

  apply(record: R): R | null {
    const isTombstone = record.value() === null || record.value() === undefined;
    const valid = !isTombstone && ExtractNewRecordState.isEnvelope(record.valueSchema()) && record.value() instanceof Struct;
    if ((valid || isTombstone) && this.headers.length > 0) {
      const original = isTombstone ? null : (record.value() as Struct);
      for (const h of this.headers) {
        if (original === null) {
          if (h.field === 'op') record.headers().addString(h.newField, 'd');
          continue;
        }
        const s = h.schema(original.schema());
        if (s !== null) record.headers().add(h.newField, h.value(original), s);
      }
    }
    if (isTombstone) return this.mode === 'rewrite-with-tombstone' ? record : null;
    if (!valid) return record;
    const envelope = record.value() as Struct;
    const after = this.extract(record, 'after');
    const before = envelope.get('before');
    if (after.value() === null && (before === null || before === undefined)) return null; // truncate
    let out: R | null;
    if (after.value() === null) {
      out = this.handleDelete(record);
      if (out === null) return null;
      if (this.routeByField !== null) out = this.route(out, (envelope.get('before') as Struct).getString(this.routeByField));
      if (this.dropFieldsHeader) out = this.dropFields(out);
      if (out.value() !== null) out = this.addFields(record, out);
    } else {
      out = after;
      if (this.mode === 'rewrite' || this.mode === 'rewrite-with-tombstone') out = this.insertDeleted(out, 'false');
      if (this.routeByField !== null) out = this.route(out, (out.value() as Struct).getString(this.routeByField));
      out = this.addFields(record, out);
      if (this.dropFieldsHeader) out = this.dropFields(out);
    }
    return out;
  }

  /** Kafka's ExtractField$Value on the envelope. */
  private extract(record: R, field: 'after' | 'before'): R {
    const env = record.value() as Struct;
    const f = env.schema().field(field)!;
    const v = this.replaceNullWithDefault ? env.get(f) : env.getWithoutDefault(field);
    return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), f.schema(), v ?? null, record.timestamp());
  }

  private handleDelete(record: R): R | null {
    switch (this.mode) {
      case 'drop':
        return null;
      case 'tombstone':
        return this.extract(record, 'after');
      case 'delete-to-tombstone':
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), null, null, record.timestamp());
      case 'rewrite':
      case 'rewrite-with-tombstone': {
        const old = this.extract(record, 'before');
        return old.value() instanceof Struct ? this.insertDeleted(old, 'true') : old;
      }
    }
  }

  /** Kafka's InsertField$Value with static.field=__deleted (an optional string). */
  private insertDeleted(record: R, value: string): R {
    const v = record.value() as Struct;
    const key = `deleted:${value === 'true'}`;
    const schema = this.cached(v.schema(), key, () => {
      const b = copySchemaBasics(v.schema(), SchemaBuilder.struct());
      for (const f of v.schema().fields()) b.field(f.name(), f.schema());
      b.field(DELETED_FIELD, Schemas.OPTIONAL_STRING_SCHEMA);
      return b.build();
    });
    const out = new Struct(schema);
    for (const f of v.schema().fields()) out.putWithoutValidation(schema.field(f.name())!, this.replaceNullWithDefault ? v.get(f) : v.getWithoutDefault(f.name()));
    out.putWithoutValidation(schema.field(DELETED_FIELD)!, value);
    return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), schema, out, record.timestamp());
  }

  private addFields(original: R, unwrapped: R): R {
    if (this.fields.length === 0) return unwrapped;
    const value = unwrapped.value() as Struct;
    const env = original.value() as Struct;
    const op = env.getString('op') ?? '';
    const schema = this.cached(value.schema(), `fields:${op}`, () => {
      const b = copySchemaBasics(value.schema(), SchemaBuilder.struct());
      for (const f of value.schema().fields()) b.field(f.name(), f.schema());
      for (const r of this.fields) {
        const s = r.schema(env.schema());
        if (s !== null) b.field(r.newField, s);
      }
      return b.build();
    });
    const out = new Struct(schema);
    for (const f of value.schema().fields()) out.putWithoutValidation(schema.field(f.name())!, value.getWithoutDefault(f.name()));
    for (const r of this.fields) if (r.schema(env.schema()) !== null) out.put(r.newField, r.value(env));
    return unwrapped.newRecord(unwrapped.topic(), unwrapped.kafkaPartition(), unwrapped.keySchema(), unwrapped.key(), schema, out, unwrapped.timestamp());
  }

  private route(record: R, topic: string | null): R {
    if (topic === null || topic.trim() === '') return record;
    return record.newRecord(topic, record.kafkaPartition(), record.keySchema(), record.key(), record.valueSchema(), record.value(), record.timestamp());
  }

  private dropFields(record: R): R {
    const h = record.headers().lastWithName(this.dropFieldsHeader!);
    const names = (h?.value() as string[] | null | undefined) ?? [];
    if (names.length === 0) return record;
    const pick = (schema: Schema | null): string[] => (schema === null ? [] : this.dropFieldsKeepSchemaCompatible ? schema.fields().filter((f) => f.schema().isOptional() && names.includes(f.name())).map((f) => f.name()) : names);
    let r = record;
    if (this.dropFieldsFromKey && r.key() instanceof Struct) {
      const drop = pick(r.keySchema());
      if (drop.length > 0) {
        const [s, v] = this.without(r.keySchema()!, r.key() as Struct, drop);
        r = r.newRecord(r.topic(), r.kafkaPartition(), s, v, r.valueSchema(), r.value(), r.timestamp());
      }
    }
    if (r.value() instanceof Struct) {
      const drop = pick(r.valueSchema());
      if (drop.length > 0) {
        const [s, v] = this.without(r.valueSchema()!, r.value() as Struct, drop);
        r = r.newRecord(r.topic(), r.kafkaPartition(), r.keySchema(), r.key(), s, v, r.timestamp());
      }
    }
    return r;
  }

  /** ReplaceField with `exclude`. */
  private without(schema: Schema, value: Struct, drop: string[]): [Schema, Struct] {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    if (schema.isOptional()) b.optional();
    for (const f of schema.fields()) if (!drop.includes(f.name())) b.field(f.name(), f.schema());
    const s = b.build();
    const out = new Struct(s);
    for (const f of s.fields()) out.putWithoutValidation(f, value.getWithoutDefault(f.name()));
    return [s, out];
  }

  private cached(base: Schema, key: string, make: () => Schema): Schema {
    let m = this.schemaCache.get(base);
    if (!m) {
      if (this.schemaCache.size > 64) this.schemaCache.clear();
      this.schemaCache.set(base, (m = new Map()));
    }
    let s = m.get(key);
    if (!s) m.set(key, (s = make()));
    return s;
  }

  close(): void {
    this.schemaCache.clear();
  }
}

