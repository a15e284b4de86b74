/**
 * Change events as Debezium's PostgreSQL connector emits them
 * (`PostgresChangeRecordEmitter` through `EventDispatcher`), built from a
 * table's schemas and decoded rows with no I/O, so the byte format is
 * testable in isolation:
 *
 * - insert: `c` with `after`; update: `u` with `before` (the old key or,
 *   with REPLICA IDENTITY FULL, the old row; absent otherwise) and `after`;
 *   delete: `d` with `before`, then a tombstone (same key, null value) when
 *   `tombstones.on.delete`; truncate: `t` with neither (no key); snapshot
 *   reads: `r`.
 * - a primary key change: `d` for the old key with header
 *   `__debezium.newkey`, its tombstone, then `c` for the new key with
 *   header `__debezium.oldkey` (headers carry the key structs).
 * - source partition `{"server": <topic.prefix>}`; offsets with Debezium's
 *   keys in Java HashMap order (`lsn_proc`, `lsn_events_processed`,
 *   `messageType`, `lsn_commit`, `lsn`, `txId`, `ts_usec`; snapshot:
 *   `last_snapshot_record`, `lsn`, `txId`, `ts_usec`, `snapshot`,
 *   `snapshot_completed`).
 */
import { SourceRecord, Struct, type Header, ConnectHeader, SchemaAndValue } from '@nagare/connect-api';
import { bigToNumber, HEARTBEAT_KEY_SCHEMA, HEARTBEAT_VALUE_SCHEMA, putProcessingTime, sourceStruct, type SnapshotRecord } from './schema/envelope';
import type { TableSchema } from './schema/table-schema';
import type { TupleValue } from './replication/pgoutput';

export const PK_UPDATE_NEWKEY_FIELD = '__debezium.newkey';
export const PK_UPDATE_OLDKEY_FIELD = '__debezium.oldkey';

export type Operation = 'c' | 'u' | 'd' | 'r' | 't';
export const MESSAGE_TYPES: Record<Operation, string> = { c: 'INSERT', u: 'UPDATE', d: 'DELETE', r: 'INSERT', t: 'TRUNCATE' };

/** Where an event comes from (`SourceInfo` + `PostgresOffsetContext`). */
export interface EventPosition {
  /** Commit time (streaming) or read time (snapshot), epoch micros. */
  tsMicros: bigint;
  txId: number | null;
  lsn: bigint | null;
  lastCommitLsn: bigint | null;
  /** Snapshot marker (null while streaming). */
  snapshot: SnapshotRecord | null;
  /** Snapshot records only: whether this is the snapshot's last record. */
  lastSnapshotRecord?: boolean;
  origin?: { name: string; lsn: bigint } | null;
}

export interface EmitterOptions {
  serverName: string;
  db: string;
  version: string;
  tombstonesOnDelete: boolean;
  unavailableValuePlaceholder: string;
  /** Epoch micros now (the events' own ts_ms/ts_us/ts_ns). */
  clockMicros: () => bigint;
}

export class ChangeEventEmitter {
  readonly partition: Record<string, string>;

  constructor(readonly o: EmitterOptions) {
    this.partition = { server: o.serverName };
  }

  /** The offset map of an event at `p` (`PostgresOffsetContext.getOffset`). */
  offset(p: EventPosition, op: Operation | null): Record<string, unknown> {
    const m: Record<string, unknown> = {};
    if (p.snapshot !== null) {
      m.last_snapshot_record = p.lastSnapshotRecord ?? false;
      if (p.lsn !== null) m.lsn = bigToNumber(p.lsn);
      if (p.txId !== null) m.txId = p.txId;
      m.ts_usec = bigToNumber(p.tsMicros);
      m.snapshot = 'INITIAL';
      m.snapshot_completed = false;
      return m;
    }
    if (p.lsn !== null) m.lsn_proc = bigToNumber(p.lsn);
    if (op !== null) {
      m.lsn_events_processed = 1;
      m.messageType = MESSAGE_TYPES[op];
    }
    if (p.lastCommitLsn !== null) m.lsn_commit = bigToNumber(p.lastCommitLsn);
    if (p.lsn !== null) m.lsn = bigToNumber(p.lsn);
    if (p.txId !== null) m.txId = p.txId;
    m.ts_usec = bigToNumber(p.tsMicros);
    return m;
  }

  private source(t: TableSchema, p: EventPosition): Struct {
    return sourceStruct({
      version: this.o.version,
      serverName: this.o.serverName,
      db: this.o.db,
      tsMicros: p.tsMicros,
      snapshot: p.snapshot,
      lastCommitLsn: p.lastCommitLsn,
      lsn: p.lsn,
      schema: t.schema,
      table: t.table,
      txId: p.txId,
      xmin: null,
      origin: p.origin?.name ?? null,
      originLsn: p.origin?.lsn ?? null,
    });
  }

  private envelope(t: TableSchema, op: Operation, before: Struct | null, after: Struct | null, p: EventPosition): Struct {
    const f = t.envelopeFields;
    const e = new Struct(t.envelope);
    if (before !== null) e.putWithoutValidation(f.before, before);
    if (after !== null) e.putWithoutValidation(f.after, after);
    e.putWithoutValidation(f.source, this.source(t, p));
    e.putWithoutValidation(f.op, op);
    putProcessingTime(e, f, this.o.clockMicros());
    return e;
  }

  private record(t: TableSchema, key: Struct | null, value: Struct | null, offset: Record<string, unknown>, headers?: Header[]): SourceRecord {
    return new SourceRecord(this.partition, offset, t.topic, null, key === null ? null : t.keySchema, key, value === null ? null : t.envelope, value, null, headers);
  }

  private tombstone(t: TableSchema, key: Struct | null, offset: Record<string, unknown>, headers?: Header[]): SourceRecord {
    return new SourceRecord(this.partition, offset, t.topic, null, key === null ? null : t.keySchema, key, null, null, null, headers);
  }

  read(t: TableSchema, row: TupleValue[], p: EventPosition): SourceRecord {
    const ph = this.o.unavailableValuePlaceholder;
    return this.record(t, t.key(row, ph), this.envelope(t, 'r', null, t.value(row, ph), p), this.offset(p, 'r'));
  }

  insert(t: TableSchema, row: TupleValue[], p: EventPosition): SourceRecord[] {
    const ph = this.o.unavailableValuePlaceholder;
    return [this.record(t, t.key(row, ph), this.envelope(t, 'c', null, t.value(row, ph), p), this.offset(p, 'c'))];
  }

  update(t: TableSchema, oldTuple: TupleValue[] | null, newTuple: TupleValue[], p: EventPosition): SourceRecord[] {
    const ph = this.o.unavailableValuePlaceholder;
    const offset = this.offset(p, 'u');
    const newKey = t.key(newTuple, ph, oldTuple);
    const after = t.value(newTuple, ph, oldTuple);
    const before = oldTuple === null ? null : t.value(oldTuple, ph);
    const oldKey = oldTuple === null ? null : t.key(oldTuple, ph);
    if (oldKey !== null && newKey !== null && !oldKey.equals(newKey)) {
      // primary key change: delete (+ tombstone) for the old key, create for the new one
      const out: SourceRecord[] = [];
      const delHeaders = [new ConnectHeader(PK_UPDATE_NEWKEY_FIELD, new SchemaAndValue(t.keySchema, newKey))];
      out.push(this.record(t, oldKey, this.envelope(t, 'd', before, null, p), this.offset(p, 'd'), delHeaders));
      if (this.o.tombstonesOnDelete) out.push(this.tombstone(t, oldKey, this.offset(p, 'd'), [new ConnectHeader(PK_UPDATE_NEWKEY_FIELD, new SchemaAndValue(t.keySchema, newKey))]));
      out.push(this.record(t, newKey, this.envelope(t, 'c', null, after, p), this.offset(p, 'c'), [new ConnectHeader(PK_UPDATE_OLDKEY_FIELD, new SchemaAndValue(t.keySchema, oldKey))]));
      return out;
    }
    return [this.record(t, newKey, this.envelope(t, 'u', before, after, p), offset)];
  }

  delete(t: TableSchema, oldTuple: TupleValue[], p: EventPosition): SourceRecord[] {
    const ph = this.o.unavailableValuePlaceholder;
    const key = t.key(oldTuple, ph);
    const offset = this.offset(p, 'd');
    const out = [this.record(t, key, this.envelope(t, 'd', t.value(oldTuple, ph), null, p), offset)];
    if (this.o.tombstonesOnDelete) out.push(this.tombstone(t, key, offset));
    return out;
  }

  truncate(t: TableSchema, p: EventPosition): SourceRecord {
    return new SourceRecord(this.partition, this.offset(p, 't'), t.topic, null, null, null, t.envelope, this.envelope(t, 't', null, null, p), null);
  }

  /** `HeartbeatImpl`: key {serverName}, value {ts_ms}, on `<topic.heartbeat.prefix>.<topic.prefix>`. */
  heartbeat(topic: string, offset: Record<string, unknown>, nowMs: number): SourceRecord {
    const key = new Struct(HEARTBEAT_KEY_SCHEMA).put('serverName', this.o.serverName);
    const value = new Struct(HEARTBEAT_VALUE_SCHEMA).put('ts_ms', nowMs);
    return new SourceRecord(this.partition, offset, topic, null, HEARTBEAT_KEY_SCHEMA, key, HEARTBEAT_VALUE_SCHEMA, value, null);
  }
}
