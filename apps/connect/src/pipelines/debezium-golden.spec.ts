/**
 * Byte compatibility with Debezium: the PostgreSQL connector's events (and
 * ExtractNewRecordState's output) serialized by the worker's JsonConverter
 * equal the golden bytes derived from Debezium's documented example (see
 * the fixture for how each part is derived).
 */
import { SourceRecord } from '@nagare/connect-api';
import { JsonConverter } from '@nagare/connect-runtime';
import { ChangeEventEmitter, ExtractNewRecordState, TableSchema, type EventPosition, type PgType } from '@nagare/connect-postgres-cdc';
import { DEBEZIUM_GOLDEN } from './__fixtures__/debezium-golden';

const T = (oid: number, name: string): PgType => ({ oid, name, schema: 'pg_catalog', typtype: 'b', category: 'N', elemOid: 0, baseOid: 0, baseTypmod: -1, enumValues: null });
const TYPES = new Map([
  [23, T(23, 'int4')],
  [1043, T(1043, 'varchar')],
]);
const COLS = ['id', 'first_name', 'last_name', 'email'];

/** `CREATE TABLE customers (id SERIAL, first_name VARCHAR(255) NOT NULL, last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL, PRIMARY KEY(id))`. */
const customers = new TableSchema(
  'public',
  'customers',
  COLS.map((name, i) => ({ name, typeOid: i === 0 ? 23 : 1043, typeMod: i === 0 ? -1 : 259 })),
  {
    oid: 16385,
    schema: 'public',
    table: 'customers',
    replicaIdentity: 'd',
    keyColumns: ['id'],
    columns: COLS.map((name, i) => ({
      name,
      attnum: i + 1,
      typeOid: i === 0 ? 23 : 1043,
      typeMod: i === 0 ? -1 : 259,
      notNull: true,
      defaultExpr: i === 0 ? "nextval('customers_id_seq'::regclass)" : null,
      driverTypeName: i === 0 ? 'serial' : 'varchar',
    })),
  },
  {
    topicPrefix: 'PostgreSQL_server',
    delimiter: '.',
    types: { get: (o) => TYPES.get(o) },
    typeConfig: { decimalMode: 'precise', temporalMode: 'adaptive', binaryMode: 'bytes', intervalMode: 'numeric', moneyFractionDigits: 2, includeUnknownDatatypes: false, unavailableValuePlaceholder: '__debezium_unavailable_value' },
    columnFilter: () => true,
    keyColumnsOverride: null,
  },
);

const emitter = new ChangeEventEmitter({
  serverName: 'PostgreSQL_server',
  db: 'postgres',
  version: '0.1.0',
  tombstonesOnDelete: true,
  unavailableValuePlaceholder: '__debezium_unavailable_value',
  clockMicros: () => 1559033904863841n,
});
const stream: EventPosition = { tsMicros: 1559033904863123n, txId: 555, lsn: 24023128n, lastCommitLsn: 24023119n, snapshot: null };
const anne = ['1', 'Anne', 'Kretchmar', 'annek@noanswer.org'];

function converters(): { key: JsonConverter; value: JsonConverter } {
  const key = new JsonConverter();
  key.configure({}, true);
  const value = new JsonConverter();
  value.configure({}, false);
  return { key, value };
}

const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

describe('Debezium PostgreSQL events under JsonConverter', () => {
  const c = converters();
  const key = (r: SourceRecord): string | null => text(c.key.fromConnectData(r.topic(), r.keySchema(), r.key()));
  const value = (r: SourceRecord): string | null => text(c.value.fromConnectData(r.topic(), r.valueSchema(), r.value()));

  it('create, update, delete + tombstone, truncate and snapshot read match the golden bytes', () => {
    const [create] = emitter.insert(customers, anne, stream);
    expect(create.topic()).toBe('PostgreSQL_server.public.customers');
    expect(key(create)).toBe(DEBEZIUM_GOLDEN.key);
    expect(value(create)).toBe(DEBEZIUM_GOLDEN.create);
    const [update] = emitter.update(customers, null, ['1', 'Anne Marie', 'Kretchmar', 'annek@noanswer.org'], stream);
    expect(value(update)).toBe(DEBEZIUM_GOLDEN.update);
    const [del, tomb] = emitter.delete(customers, ['1', null, null, null], stream);
    expect(key(del)).toBe(DEBEZIUM_GOLDEN.key);
    expect(value(del)).toBe(DEBEZIUM_GOLDEN.delete);
    expect(key(tomb)).toBe(DEBEZIUM_GOLDEN.key);
    expect(value(tomb)).toBeNull();
    const trunc = emitter.truncate(customers, stream);
    expect(key(trunc)).toBeNull();
    expect(value(trunc)).toBe(DEBEZIUM_GOLDEN.truncate);
    const read = emitter.read(customers, anne, { tsMicros: 1559033904863123n, txId: 555, lsn: 24023128n, lastCommitLsn: null, snapshot: 'last', lastSnapshotRecord: true });
    expect(value(read)).toBe(DEBEZIUM_GOLDEN.snapshotRead);
    const hb = emitter.heartbeat('__debezium-heartbeat.PostgreSQL_server', {}, 1559033904863);
    expect(key(hb)).toBe(DEBEZIUM_GOLDEN.heartbeatKey);
    expect(value(hb)).toBe(DEBEZIUM_GOLDEN.heartbeatValue);
  });

  it('ExtractNewRecordState output matches the golden bytes', () => {
    const plain = new ExtractNewRecordState<SourceRecord>();
    plain.configure({});
    expect(value(plain.apply(emitter.insert(customers, anne, stream)[0])!)).toBe(DEBEZIUM_GOLDEN.unwrapped);
    const rewrite = new ExtractNewRecordState<SourceRecord>();
    rewrite.configure({ 'delete.tombstone.handling.mode': 'rewrite', 'add.fields': 'op,source.ts_ms' });
    expect(value(rewrite.apply(emitter.insert(customers, anne, stream)[0])!)).toBe(DEBEZIUM_GOLDEN.unwrappedRewrite);
  });
});
