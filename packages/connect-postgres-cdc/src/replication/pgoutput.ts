/**
 * The pgoutput logical replication protocol (protocol version 1, PostgreSQL
 * docs "Logical Replication Message Formats"), decoded from the payload of
 * each XLogData message. Column values stay in PostgreSQL's text output
 * format (the connector converts them exactly, numeric and timestamps
 * included); LSNs are bigints and the commit time keeps its microseconds.
 */
import type { Lsn } from '../util/lsn';
import { PG_EPOCH_MICROS } from '../util/lsn';

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface RelationColumn {
  /** Part of the replica identity (flag 1). */
  key: boolean;
  name: string;
  typeOid: number;
  typeMod: number;
}

export interface RelationMessage {
  tag: 'relation';
  relationOid: number;
  schema: string;
  table: string;
  replicaIdentity: ReplicaIdentity;
  columns: RelationColumn[];
}

/** A tuple column: text, null, or an unchanged TOASTed value that was not sent. */
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');

export interface BeginMessage {
  tag: 'begin';
  /** The LSN of the transaction's commit record. */
  finalLsn: Lsn;
  /** Commit time, epoch microseconds. */
  commitTimeMicros: bigint;
  xid: number;
}

export interface CommitMessage {
  tag: 'commit';
  flags: number;
  commitLsn: Lsn;
  endLsn: Lsn;
  commitTimeMicros: bigint;
}

export interface InsertMessage {
  tag: 'insert';
  relationOid: number;
  newTuple: TupleValue[];
}

export interface UpdateMessage {
  tag: 'update';
  relationOid: number;
  /** 'K' (old key columns) or 'O' (old row, REPLICA IDENTITY FULL), when sent. */
  oldKind: 'K' | 'O' | null;
  oldTuple: TupleValue[] | null;
  newTuple: TupleValue[];
}

export interface DeleteMessage {
  tag: 'delete';
  relationOid: number;
  oldKind: 'K' | 'O';
  oldTuple: TupleValue[];
}

export interface TruncateMessage {
  tag: 'truncate';
  cascade: boolean;
  restartIdentity: boolean;
  relationOids: number[];
}

export interface OriginMessage {
  tag: 'origin';
  originLsn: Lsn;
  name: string;
}

export interface TypeMessage {
  tag: 'type';
  typeOid: number;
  schema: string;
  name: string;
}

export interface LogicalMessage {
  tag: 'message';
  transactional: boolean;
  lsn: Lsn;
  prefix: string;
  content: Buffer;
}

export type PgOutputMessage =
  | BeginMessage
  | CommitMessage
  | RelationMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | OriginMessage
  | TypeMessage
  | LogicalMessage;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  u8(): number {
    return this.buf[this.pos++];
  }
  i16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

const IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

function readTuple(r: Reader): TupleValue[] {
  const n = r.i16();
  const out: TupleValue[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = r.u8();
    switch (kind) {
      case 0x6e: // n
        out[i] = null;
        break;
      case 0x75: // u
        out[i] = UNCHANGED_TOAST;
        break;
      case 0x74: // t
      case 0x62: {
        // b (binary: not requested, kept as hex text)
        const len = r.i32();
        out[i] = kind === 0x74 ? r.buf.toString('utf8', r.pos, r.pos + len) : '\\x' + r.buf.toString('hex', r.pos, r.pos + len);
        r.pos += len;
        break;
      }
      default:
        throw new Error(`pgoutput: unknown tuple column kind 0x${kind.toString(16)}`);
    }
  }
  return out;
}

const micros = (pgMicros: bigint): bigint => pgMicros + PG_EPOCH_MICROS;

/** Decodes one pgoutput message (the XLogData payload). */
export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf);
  const tag = r.u8();
  switch (tag) {
    case 0x42: // B
      return { tag: 'begin', finalLsn: r.u64(), commitTimeMicros: micros(r.i64()), xid: r.u32() };
    case 0x43: // C
      return { tag: 'commit', flags: r.u8(), commitLsn: r.u64(), endLsn: r.u64(), commitTimeMicros: micros(r.i64()) };
    case 0x4f: // O
      return { tag: 'origin', originLsn: r.u64(), name: r.cstring() };
    case 0x52: {
      // R
      const relationOid = r.u32();
      const schema = r.cstring();
      const table = r.cstring();
      const replicaIdentity = IDENTITY[String.fromCharCode(r.u8())] ?? 'default';
      const n = r.i16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        columns.push({ key: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() });
      }
      return { tag: 'relation', relationOid, schema, table, replicaIdentity, columns };
    }
    case 0x59: // Y
      return { tag: 'type', typeOid: r.u32(), schema: r.cstring(), name: r.cstring() };
    case 0x49: {
      // I
      const relationOid = r.u32();
      r.u8(); // 'N'
      return { tag: 'insert', relationOid, newTuple: readTuple(r) };
    }
    case 0x55: {
      // U
      const relationOid = r.u32();
      let sub = r.u8();
      let oldKind: 'K' | 'O' | null = null;
      let oldTuple: TupleValue[] | null = null;
      if (sub === 0x4b || sub === 0x4f) {
        oldKind = sub === 0x4b ? 'K' : 'O';
        oldTuple = readTuple(r);
        sub = r.u8();
      }
      if (sub !== 0x4e) throw new Error(`pgoutput: unexpected update submessage 0x${sub.toString(16)}`);
      return { tag: 'update', relationOid, oldKind, oldTuple, newTuple: readTuple(r) };
    }
    case 0x44: {
      // D
      const relationOid = r.u32();
      const sub = r.u8();
      return { tag: 'delete', relationOid, oldKind: sub === 0x4b ? 'K' : 'O', oldTuple: readTuple(r) };
    }
    case 0x54: {
      // T
      const n = r.i32();
      const flags = r.u8();
      const relationOids: number[] = [];
      for (let i = 0; i < n; i++) relationOids.push(r.u32());
      return { tag: 'truncate', cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0, relationOids };
    }
    case 0x4d: {
      // M
      const flags = r.u8();
      const lsn = r.u64();
      const prefix = r.cstring();
      const len = r.i32();
      return { tag: 'message', transactional: (flags & 1) !== 0, lsn, prefix, content: Buffer.from(r.bytes(len)) };
    }
    default:
      throw new Error(`pgoutput: unknown message type '${String.fromCharCode(tag)}' (0x${tag.toString(16)})`);
  }
}
