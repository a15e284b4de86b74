/**
 * PostgreSQL types as pgjdbc reports them to Confluent's dialects: the
 * `java.sql.Types` kind of each built-in type, precision and scale from the
 * type modifier, and a catalog lookup for the rest (domains resolve to their
 * base type, enums read as text, arrays by their element type).
 */
import type { Client } from 'pg';

/** The `java.sql.Types` kinds the dialect distinguishes. */
export type SqlKind =
  | 'BIT'
  | 'SMALLINT'
  | 'INTEGER'
  | 'BIGINT'
  | 'REAL'
  | 'DOUBLE'
  | 'NUMERIC'
  | 'CHAR'
  | 'VARCHAR'
  | 'BINARY'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP'
  | 'SQLXML'
  | 'ARRAY'
  | 'OTHER';

export interface PgType {
  oid: number;
  name: string;
  kind: SqlKind;
  /** ARRAY: the element type's OID. */
  elemOid?: number;
}

/** Built-in types (OIDs are fixed in pg_type.dat). */
const BUILTIN: Array<[number, string, SqlKind, number?]> = [
  [16, 'bool', 'BIT'],
  [17, 'bytea', 'BINARY'],
  [18, 'char', 'CHAR'],
  [19, 'name', 'VARCHAR'],
  [20, 'int8', 'BIGINT'],
  [21, 'int2', 'SMALLINT'],
  [23, 'int4', 'INTEGER'],
  [25, 'text', 'VARCHAR'],
  [26, 'oid', 'BIGINT'],
  [114, 'json', 'OTHER'],
  [142, 'xml', 'SQLXML'],
  [700, 'float4', 'REAL'],
  [701, 'float8', 'DOUBLE'],
  [790, 'money', 'DOUBLE'],
  [1042, 'bpchar', 'CHAR'],
  [1043, 'varchar', 'VARCHAR'],
  [1082, 'date', 'DATE'],
  [1083, 'time', 'TIME'],
  [1114, 'timestamp', 'TIMESTAMP'],
  [1184, 'timestamptz', 'TIMESTAMP'],
  [1186, 'interval', 'OTHER'],
  [1266, 'timetz', 'TIME'],
  [1560, 'bit', 'BIT'],
  [1562, 'varbit', 'OTHER'],
  [1700, 'numeric', 'NUMERIC'],
  [2950, 'uuid', 'OTHER'],
  [3802, 'jsonb', 'OTHER'],
  [869, 'inet', 'OTHER'],
  [650, 'cidr', 'OTHER'],
  [829, 'macaddr', 'OTHER'],
  [600, 'point', 'OTHER'],
  [705, 'unknown', 'VARCHAR'],
  // arrays
  [1000, '_bool', 'ARRAY', 16],
  [1001, '_bytea', 'ARRAY', 17],
  [1002, '_char', 'ARRAY', 18],
  [1003, '_name', 'ARRAY', 19],
  [1005, '_int2', 'ARRAY', 21],
  [1007, '_int4', 'ARRAY', 23],
  [1009, '_text', 'ARRAY', 25],
  [1014, '_bpchar', 'ARRAY', 1042],
  [1015, '_varchar', 'ARRAY', 1043],
  [1016, '_int8', 'ARRAY', 20],
  [1021, '_float4', 'ARRAY', 700],
  [1022, '_float8', 'ARRAY', 701],
  [1028, '_oid', 'ARRAY', 26],
  [1115, '_timestamp', 'ARRAY', 1114],
  [1182, '_date', 'ARRAY', 1082],
  [1183, '_time', 'ARRAY', 1083],
  [1185, '_timestamptz', 'ARRAY', 1184],
  [1231, '_numeric', 'ARRAY', 1700],
  [1270, '_timetz', 'ARRAY', 1266],
  [199, '_json', 'ARRAY', 114],
  [3807, '_jsonb', 'ARRAY', 3802],
  [2951, '_uuid', 'ARRAY', 2950],
  [791, '_money', 'ARRAY', 790],
];

export const BUILTIN_TYPES: ReadonlyMap<number, PgType> = new Map(BUILTIN.map(([oid, name, kind, elemOid]) => [oid, { oid, name, kind, elemOid }]));

/** Resolves type OIDs, looking up user-defined ones (domains, enums, their arrays) in pg_type once. */
export class PgTypeRegistry {
  private readonly types = new Map<number, PgType>(BUILTIN_TYPES);

  get(oid: number): PgType | undefined {
    return this.types.get(oid);
  }

  async resolve(client: Client, oids: Iterable<number>): Promise<void> {
    interface Raw {
      name: string;
      typtype: string;
      base: number;
      elem: number;
      category: string;
    }
    const raw = new Map<number, Raw>();
    let missing = [...new Set(oids)].filter((o) => !this.types.has(o));
    while (missing.length > 0) {
      const r = await client.query<{ oid: string; typname: string; typtype: string; typbasetype: string; typelem: string; typcategory: string }>(
        'SELECT oid, typname, typtype, typbasetype, typelem, typcategory FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
        [missing],
      );
      const next = new Set<number>();
      for (const row of r.rows) {
        const e: Raw = { name: row.typname, typtype: row.typtype, base: Number(row.typbasetype), elem: Number(row.typelem), category: row.typcategory };
        raw.set(Number(row.oid), e);
        for (const dep of [e.typtype === 'd' ? e.base : 0, e.category === 'A' ? e.elem : 0]) {
          if (dep !== 0 && !this.types.has(dep) && !raw.has(dep)) next.add(dep);
        }
      }
      for (const o of missing) if (!raw.has(o)) this.types.set(o, { oid: o, name: `oid ${o}`, kind: 'OTHER' });
      missing = [...next];
    }
    const finish = (oid: number, depth = 0): PgType => {
      const known = this.types.get(oid);
      if (known) return known;
      const e = raw.get(oid);
      let t: PgType;
      if (!e || depth > 10) t = { oid, name: e?.name ?? `oid ${oid}`, kind: 'OTHER' };
      else if (e.typtype === 'd' && e.base !== 0) t = { ...finish(e.base, depth + 1), oid, name: e.name };
      else if (e.category === 'A' && e.elem !== 0) {
        finish(e.elem, depth + 1);
        t = { oid, name: e.name, kind: 'ARRAY', elemOid: e.elem };
      } else if (e.typtype === 'e') t = { oid, name: e.name, kind: 'VARCHAR' };
      else t = { oid, name: e.name, kind: 'OTHER' };
      this.types.set(oid, t);
      return t;
    };
    for (const oid of raw.keys()) finish(oid);
  }
}

/** NUMERIC precision from the type modifier (0 when unconstrained, as pgjdbc reports). */
export function numericPrecision(typmod: number): number {
  return typmod < 4 ? 0 : ((typmod - 4) >> 16) & 0xffff;
}

/** NUMERIC scale from the type modifier (0 when unconstrained; PostgreSQL 15 allows negative scales). */
export function numericScale(typmod: number): number {
  if (typmod < 4) return 0;
  return (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
}

/** Length of bit(n) / char(n) / varchar(n) columns. */
export function charLength(oid: number, typmod: number): number {
  if (typmod < 0) return oid === 1560 ? 1 : 0;
  return oid === 1560 || oid === 1562 ? typmod : typmod - 4;
}

/**
 * Splits a one-dimensional PostgreSQL array literal (`{1,2,NULL,"a \"b\""}`)
 * into element texts (null for NULL). Nested arrays come back as their
 * literal text.
 */
export function parseArrayLiteral(text: string, delimiter = ','): Array<string | null> {
  let s = text;
  // optional dimension decoration: [1:3]={...}
  if (s.startsWith('[')) s = s.slice(s.indexOf('=') + 1);
  if (!s.startsWith('{') || !s.endsWith('}')) throw new Error(`Invalid array value '${text}'`);
  const out: Array<string | null> = [];
  const body = s.slice(1, -1);
  if (body === '') return out;
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '"') {
      let v = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        v += body[i++];
      }
      i++; // closing quote
      out.push(v);
    } else if (body[i] === '{') {
      let depth = 0;
      const start = i;
      let inq = false;
      for (; i < body.length; i++) {
        const c = body[i];
        if (inq) {
          if (c === '\\') i++;
          else if (c === '"') inq = false;
        } else if (c === '"') inq = true;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
          i++;
          break;
        }
      }
      out.push(body.slice(start, i));
    } else {
      let j = body.indexOf(delimiter, i);
      if (j < 0) j = body.length;
      const raw = body.slice(i, j).trim();
      out.push(raw === 'NULL' ? null : raw);
      i = j;
    }
    if (i >= body.length) break;
    i++; // delimiter
  }
  return out;
}

/** `\x0a0b` (bytea hex output) or escape format to bytes. */
export function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      if (text[i + 1] === '\\') {
        out.push(0x5c);
        i++;
      } else {
        out.push(parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else out.push(c);
  }
  return Buffer.from(out);
}
