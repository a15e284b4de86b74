/**
 * What the connector reads from pg_catalog over its regular (non
 * replication) connection: types (with enum labels, array elements and
 * domain bases), a table's columns with nullability and defaults, its
 * primary key (or replica identity / first unique index), and the tables
 * the filters capture.
 */
import type { Client } from 'pg';
import type { PgType, TypeLookup } from './types';

export class TypeCatalog implements TypeLookup {
  private readonly types = new Map<number, PgType>();

  get(oid: number): PgType | undefined {
    return this.types.get(oid);
  }

  /** Loads the types (and their element / base types) not known yet. */
  async load(client: Client, oids: Iterable<number>): Promise<void> {
    let missing = [...new Set(oids)].filter((o) => o !== 0 && !this.types.has(o));
    while (missing.length > 0) {
      const r = await client.query<{ oid: string; typname: string; nspname: string; typtype: string; typcategory: string; typelem: string; typbasetype: string; typtypmod: string; enums: string[] | null }>(
        `SELECT t.oid, t.typname, n.nspname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod,
                CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END AS enums
           FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
          WHERE t.oid = ANY($1::oid[])`,
        [missing],
      );
      const next = new Set<number>();
      for (const row of r.rows) {
        const t: PgType = {
          oid: Number(row.oid),
          name: row.typname,
          schema: row.nspname,
          typtype: row.typtype,
          category: row.typcategory,
          elemOid: Number(row.typelem),
          baseOid: Number(row.typbasetype),
          baseTypmod: Number(row.typtypmod),
          enumValues: parseTextArray(row.enums),
        };
        this.types.set(t.oid, t);
        for (const dep of [t.category === 'A' ? t.elemOid : 0, t.typtype === 'd' ? t.baseOid : 0]) if (dep !== 0 && !this.types.has(dep)) next.add(dep);
      }
      for (const o of missing) if (!this.types.has(o)) this.types.set(o, { oid: o, name: `oid${o}`, schema: '', typtype: 'p', category: 'X', elemOid: 0, baseOid: 0, baseTypmod: -1, enumValues: null });
      missing = [...next];
    }
  }
}

/** node-postgres returns text[] as `{a,b}` text when type parsing is off; accept both. */
function parseTextArray(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v as string[];
  const s = String(v);
  if (!s.startsWith('{')) return [s];
  const body = s.slice(1, -1);
  if (body === '') return [];
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (q) {
      if (c === '\\') cur += body[++i];
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export interface CatalogColumn {
  name: string;
  attnum: number;
  typeOid: number;
  typeMod: number;
  notNull: boolean;
  defaultExpr: string | null;
  /** pgjdbc's type name: `serial`/`bigserial`/`smallserial` for sequence-backed integers. */
  driverTypeName: string;
}

export interface CatalogTable {
  oid: number;
  schema: string;
  table: string;
  /** d default, n nothing, f full, i index. */
  replicaIdentity: string;
  columns: CatalogColumn[];
  /** Primary key columns, else the replica identity index's, else the first unique index's (Debezium's key). */
  keyColumns: string[];
}

export async function describeTable(client: Client, schema: string, table: string): Promise<CatalogTable | null> {
  const t = await client.query<{ oid: string; relreplident: string }>(
    `SELECT c.oid, c.relreplident FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','p')`,
    [schema, table],
  );
  if (t.rows.length === 0) return null;
  const oid = Number(t.rows[0].oid);
  const cols = await client.query<{ attname: string; attnum: string; atttypid: string; atttypmod: string; attnotnull: string; def: string | null; typname: string }>(
    `SELECT a.attname, a.attnum, a.atttypid, a.atttypmod, a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS def, ty.typname
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  const idx = await client.query<{ indisprimary: string; indisreplident: string; indisunique: string; relname: string; cols: string }>(
    `SELECT i.indisprimary, i.indisreplident, i.indisunique, ic.relname,
            array_to_string(ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols
       FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
      ORDER BY ic.relname`,
    [oid],
  );
  const bool = (v: unknown): boolean => v === true || v === 't';
  const pk = idx.rows.find((r) => bool(r.indisprimary));
  const ri = idx.rows.find((r) => bool(r.indisreplident));
  const uq = idx.rows[0];
  const keyRow = pk ?? ri ?? uq;
  const columns: CatalogColumn[] = cols.rows.map((c) => {
    let driverTypeName = c.typname;
    if (c.def !== null && c.def.includes('nextval(')) {
      if (c.typname === 'int4') driverTypeName = 'serial';
      else if (c.typname === 'int8') driverTypeName = 'bigserial';
      else if (c.typname === 'int2') driverTypeName = 'smallserial';
    }
    return { name: c.attname, attnum: Number(c.attnum), typeOid: Number(c.atttypid), typeMod: Number(c.atttypmod), notNull: bool(c.attnotnull), defaultExpr: c.def, driverTypeName };
  });
  return { oid, schema, table, replicaIdentity: t.rows[0].relreplident, columns, keyColumns: keyRow ? keyRow.cols.split(',').filter((s) => s !== '') : [] };
}

/** Every user table (schema.table) of the database, ordered. */
export async function listTables(client: Client): Promise<Array<{ schema: string; table: string }>> {
  const r = await client.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname !~ '^pg_'
      ORDER BY n.nspname, c.relname`,
  );
  return r.rows.map((x) => ({ schema: x.nspname, table: x.relname }));
}
