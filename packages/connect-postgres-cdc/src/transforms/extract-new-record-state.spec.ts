import { Schemas, SourceRecord, Struct, type Schema } from '@nagare/connect-api';
import { ChangeEventEmitter, type EventPosition } from '../events';
import { TableSchema } from '../schema/table-schema';
import type { PgType } from '../schema/types';
import { ExtractNewRecordState } from './extract-new-record-state';

const T = (oid: number, name: string): PgType => ({ oid, name, schema: 'pg_catalog', typtype: 'b', category: 'N', elemOid: 0, baseOid: 0, baseTypmod: -1, enumValues: null });
const TYPES = new Map<number, PgType>([
  [23, T(23, 'int4')],
  [1043, T(1043, 'varchar')],
]);

function customers(): TableSchema {
  return new TableSchema(
    'public',
    'customers',
    [
      { name: 'id', typeOid: 23, typeMod: -1 },
      { name: 'first_name', typeOid: 1043, typeMod: 259 },
      { name: 'email', typeOid: 1043, typeMod: 259 },
    ],
    {
      oid: 1,
      schema: 'public',
      table: 'customers',
      replicaIdentity: 'd',
      keyColumns: ['id'],
      columns: [
        { name: 'id', attnum: 1, typeOid: 23, typeMod: -1, notNull: true, defaultExpr: null, driverTypeName: 'int4' },
        { name: 'first_name', attnum: 2, typeOid: 1043, typeMod: 259, notNull: true, defaultExpr: null, driverTypeName: 'varchar' },
        { name: 'email', attnum: 3, typeOid: 1043, typeMod: 259, notNull: false, defaultExpr: null, driverTypeName: 'varchar' },
      ],
    },
    {
      topicPrefix: 'dbserver1',
      delimiter: '.',
      types: { get: (o) => TYPES.get(o) },
      typeConfig: { decimalMode: 'precise', temporalMode: 'adaptive', binaryMode: 'bytes', intervalMode: 'numeric', moneyFractionDigits: 2, includeUnknownDatatypes: false, unavailableValuePlaceholder: '__debezium_unavailable_value' },
      columnFilter: () => true,
      keyColumnsOverride: null,
    },
  );
}

const emitter = new ChangeEventEmitter({ serverName: 'dbserver1', db: 'inventory', version: '0.1.0', tombstonesOnDelete: true, unavailableValuePlaceholder: '__debezium_unavailable_value', clockMicros: () => 1_700_000_000_000_000n });
const pos: EventPosition = { tsMicros: 1_699_999_999_000_123n, txId: 777, lsn: 33_227_720n, lastCommitLsn: 33_227_000n, snapshot: null };
const t = customers();
const created = emitter.insert(t, ['1', 'Anne', 'annek@noanswer.org'], pos)[0];
const [deleted, tombstone] = emitter.delete(t, ['1', null, null], pos);
const truncated = emitter.truncate(t, pos);

function smt(config: Record<string, string> = {}): ExtractNewRecordState<SourceRecord> {
  const s = new ExtractNewRecordState<SourceRecord>();
  s.configure(config);
  return s;
}

const fieldNames = (s: Schema | null): string[] => s!.fields().map((f) => f.name());

describe('ExtractNewRecordState', () => {
  it('default (delete.tombstone.handling.mode=tombstone): create -> the after row; delete -> a null value; tombstones and truncates dropped', () => {
    const s = smt();
    const c = s.apply(created)!;
    expect(c.valueSchema()!.name()).toBe('dbserver1.public.customers.Value');
    expect(c.valueSchema()!.isOptional()).toBe(true);
    expect((c.value() as Struct).get('first_name')).toBe('Anne');
    expect(c.key()).toBe(created.key());
    expect(c.topic()).toBe('dbserver1.public.customers');
    const d = s.apply(deleted)!;
    expect(d.value()).toBeNull();
    expect(d.valueSchema()!.name()).toBe('dbserver1.public.customers.Value');
    expect(s.apply(tombstone)).toBeNull();
    expect(s.apply(truncated)).toBeNull();
  });

  it('rewrite: __deleted "true"/"false" and tombstones dropped; rewrite-with-tombstone keeps them; drop; delete-to-tombstone', () => {
    const r = smt({ 'delete.tombstone.handling.mode': 'rewrite' });
    const c = r.apply(created)!;
    expect(fieldNames(c.valueSchema())).toEqual(['id', 'first_name', 'email', '__deleted']);
    expect((c.value() as Struct).get('__deleted')).toBe('false');
    expect(c.valueSchema()!.isOptional()).toBe(false); // InsertField copies the schema basics only
    const d = r.apply(deleted)!;
    expect((d.value() as Struct).get('__deleted')).toBe('true');
    expect((d.value() as Struct).get('id')).toBe(1);
    expect(r.apply(tombstone)).toBeNull();
    expect(smt({ 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' }).apply(tombstone)).toBe(tombstone);
    expect(smt({ 'delete.tombstone.handling.mode': 'drop' }).apply(deleted)).toBeNull();
    const dt = smt({ 'delete.tombstone.handling.mode': 'delete-to-tombstone' }).apply(deleted)!;
    expect(dt.value()).toBeNull();
    expect(dt.valueSchema()).toBeNull();
    expect((dt.key() as Struct).get('id')).toBe(1);
    // the pre-2.5 options map onto the new modes
    expect((smt({ 'delete.handling.mode': 'rewrite' }).apply(deleted)!.value() as Struct).get('__deleted')).toBe('true');
    expect(smt({ 'delete.handling.mode': 'rewrite', 'drop.tombstones': 'false' }).apply(tombstone)).toBe(tombstone);
    expect(() => smt({ 'delete.tombstone.handling.mode': 'nope' })).toThrow("The 'delete.tombstone.handling.mode' value is invalid: Value must be one of drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone");
  });

  it('add.fields / add.headers copy envelope and source fields; route.by.field picks the topic; non-envelopes pass through', () => {
    const s = smt({ 'add.fields': 'op,table,source.ts_ms,lsn:position', 'add.headers': 'op,db' });
    const c = s.apply(created)!;
    expect(fieldNames(c.valueSchema())).toEqual(['id', 'first_name', 'email', '__op', '__table', '__source_ts_ms', '__position']);
    const v = c.value() as Struct;
    expect([v.get('__op'), v.get('__table'), v.get('__source_ts_ms'), v.get('__position')]).toEqual(['c', 'customers', 1_699_999_999_000, 33_227_720]);
    expect(c.valueSchema()!.field('__source_ts_ms')!.schema().isOptional()).toBe(true);
    expect(created.headers().lastWithName('__op')!.value()).toBe('c');
    expect(created.headers().lastWithName('__db')!.value()).toBe('inventory');
    const tomb = emitter.delete(t, ['2', null, null], pos)[1];
    smt({ 'add.headers': 'op', 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' }).apply(tomb);
    expect(tomb.headers().lastWithName('__op')!.value()).toBe('d');
    const routed = smt({ 'route.by.field': 'first_name' }).apply(created)!;
    expect(routed.topic()).toBe('Anne');
    const hb = emitter.heartbeat('__debezium-heartbeat.dbserver1', {}, 1);
    expect(smt().apply(hb)).toBe(hb);
    const plain = new SourceRecord(null, null, 'x', null, null, null, Schemas.STRING_SCHEMA, 'hello');
    expect(smt().apply(plain)).toBe(plain);
  });
});
