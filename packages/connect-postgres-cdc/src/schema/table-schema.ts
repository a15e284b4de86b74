/**
 * One captured table's schemas and row converters (`TableSchemaBuilder`):
 * key `<prefix>.<schema>.<table>.Key` (primary key columns, or
 * `message.key.columns`; none when the table has no key), value
 * `<prefix>.<schema>.<table>.Value` (optional struct of the columns the
 * column filters keep, with defaults from the column definitions) and the
 * `<topic>.Envelope`. Built from the Relation message's columns (names,
 * types, modifiers: the truth at that point of the stream) and the
 * catalog (nullability, defaults, key).
 */
import { SchemaBuilder, Struct, type ConnectSchema, type Field } from '@nagare/connect-api';
import type { CatalogTable } from './catalog';
import { parseDefaultValue } from './defaults';
import { envelopeSchema } from './envelope';
import { mapType, type MappedType, type TypeConfig, type TypeLookup } from './types';
import { UNCHANGED_TOAST, type TupleValue } from '../replication/pgoutput';
import { logger } from '../util/log';

const log = logger('io.debezium.relational.TableSchemaBuilder');

export interface RelationColumnInfo {
  name: string;
  typeOid: number;
  typeMod: number;
}

interface ColumnSlot {
  /** Position in the tuple. */
  tupleIndex: number;
  field: Field;
  mapped: MappedType;
  /** For required columns whose value is absent: the schema default, else the type's zero. */
  absent: unknown;
  optional: boolean;
  isString: boolean;
  isBytes: boolean;
}

export interface TableSchemaOptions {
  topicPrefix: string;
  delimiter: string;
  types: TypeLookup;
  typeConfig: TypeConfig;
  /** Column filter on `schema.table.column` (true = keep). */
  columnFilter: (schema: string, table: string, column: string) => boolean;
  /** `message.key.columns` for this table, if configured. */
  keyColumnsOverride: string[] | null;
}

export class TableSchema {
  readonly topic: string;
  readonly keySchema: ConnectSchema | null;
  readonly valueSchema: ConnectSchema;
  readonly envelope: ConnectSchema;
  readonly keyColumns: string[];
  private readonly valueSlots: ColumnSlot[];
  private readonly keySlots: ColumnSlot[];
  readonly envelopeFields: Record<'before' | 'after' | 'source' | 'op' | 'ts_ms' | 'ts_us' | 'ts_ns' | 'transaction', Field>;

  constructor(
    readonly schema: string,
    readonly table: string,
    columns: readonly RelationColumnInfo[],
    catalog: CatalogTable | null,
    o: TableSchemaOptions,
  ) {
    const base = `${o.topicPrefix}${o.delimiter}${schema}${o.delimiter}${table}`;
    this.topic = base;
    const byName = new Map((catalog?.columns ?? []).map((c) => [c.name, c]));
    const present = new Set(columns.map((c) => c.name));
    this.keyColumns = (o.keyColumnsOverride ?? catalog?.keyColumns ?? []).filter((k) => present.has(k));
    const valueBuilder = SchemaBuilder.struct().name(`${base}.Value`);
    const keyBuilder = SchemaBuilder.struct().name(`${base}.Key`);
    const pendingValue: Array<Omit<ColumnSlot, 'field'> & { name: string }> = [];
    const pendingKey: Array<Omit<ColumnSlot, 'field'> & { name: string }> = [];
    const buildSlot = (c: RelationColumnInfo, tupleIndex: number): (Omit<ColumnSlot, 'field'> & { name: string; schema: import('@nagare/connect-api').Schema }) | null => {
      const type = o.types.get(c.typeOid);
      if (!type) return null;
      const mapped = mapType(type, c.typeMod, o.typeConfig, o.types);
      if (!mapped) return null;
      const cat = byName.get(c.name);
      const optional = cat ? !cat.notNull : true;
      const b = mapped.builder();
      let absent = mapped.fallback;
      if (cat && cat.defaultExpr !== null) {
        const typeName = type.typtype === 'd' ? (o.types.get(type.baseOid)?.name ?? type.name) : cat.driverTypeName;
        const d = parseDefaultValue(cat.defaultExpr, typeName, mapped, type.typtype === 'e');
        if (d !== undefined) {
          b.defaultValue(d);
          absent = d;
        }
      }
      if (optional) b.optional();
      const schemaBuilt = b.build();
      return {
        name: c.name,
        tupleIndex,
        schema: schemaBuilt,
        mapped,
        absent: optional ? null : absent,
        optional,
        isString: schemaBuilt.type() === 'STRING',
        isBytes: schemaBuilt.type() === 'BYTES',
      };
    };
    columns.forEach((c, i) => {
      const isKey = this.keyColumns.includes(c.name);
      const slot = buildSlot(c, i);
      if (slot === null) {
        log('warn', `Column '${schema}.${table}.${c.name}' of type ${o.types.get(c.typeOid)?.name ?? `oid ${c.typeOid}`} is not supported and is left out${isKey ? ' (also from the key)' : ''}; include.unknown.datatypes=true passes such values through as bytes`);
        return;
      }
      if (o.columnFilter(schema, table, c.name)) {
        valueBuilder.field(c.name, slot.schema);
        pendingValue.push(slot);
      }
    });
    for (const k of this.keyColumns) {
      const i = columns.findIndex((c) => c.name === k);
      const slot = buildSlot(columns[i], i);
      if (slot === null) continue;
      keyBuilder.field(k, slot.schema);
      pendingKey.push(slot);
    }
    this.valueSchema = valueBuilder.optional().build();
    this.keySchema = pendingKey.length > 0 ? keyBuilder.build() : null;
    this.valueSlots = pendingValue.map((p) => ({ ...p, field: this.valueSchema.field(p.name)! }));
    this.keySlots = this.keySchema ? pendingKey.map((p) => ({ ...p, field: this.keySchema!.field(p.name)! })) : [];
    this.envelope = envelopeSchema(`${base}.Envelope`, this.valueSchema);
    const ef = (n: string): Field => this.envelope.field(n)!;
    this.envelopeFields = { before: ef('before'), after: ef('after'), source: ef('source'), op: ef('op'), ts_ms: ef('ts_ms'), ts_us: ef('ts_us'), ts_ns: ef('ts_ns'), transaction: ef('transaction') };
  }

  private convert(slot: ColumnSlot, v: TupleValue | undefined, placeholder: string, fallbackTuple?: TupleValue[] | null): unknown {
    if (v === UNCHANGED_TOAST) {
      const prior = fallbackTuple?.[slot.tupleIndex];
      if (prior !== undefined && prior !== UNCHANGED_TOAST) return this.convert(slot, prior, placeholder);
      if (slot.isString) return placeholder;
      if (slot.isBytes) return Buffer.from(placeholder, 'utf8');
      return slot.absent;
    }
    if (v === null || v === undefined) return slot.optional ? null : slot.absent;
    return slot.mapped.convert(v);
  }

  /** The row struct of a tuple (`fallbackTuple` resolves unchanged TOAST values, e.g. the old row of REPLICA IDENTITY FULL). */
  value(tuple: TupleValue[], placeholder: string, fallbackTuple?: TupleValue[] | null): Struct {
    const s = new Struct(this.valueSchema);
    for (const slot of this.valueSlots) s.putWithoutValidation(slot.field, this.convert(slot, tuple[slot.tupleIndex], placeholder, fallbackTuple));
    return s;
  }

  /** The key struct of a tuple, or null when the table has no key. */
  key(tuple: TupleValue[], placeholder: string, fallbackTuple?: TupleValue[] | null): Struct | null {
    if (this.keySchema === null) return null;
    const s = new Struct(this.keySchema);
    for (const slot of this.keySlots) s.putWithoutValidation(slot.field, this.convert(slot, tuple[slot.tupleIndex], placeholder, fallbackTuple));
    return s;
  }
}
