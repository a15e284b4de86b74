/**
 * Catalog look-ups the JDBC connectors need (pgjdbc's `DatabaseMetaData`
 * answers, read from pg_catalog): the tables of the configured types, a
 * table's columns (type, nullability, auto-increment, default) and the
 * database's current time.
 */
import type { Client } from 'pg';
import { TableId } from './identifiers';

/** `table.types` names to pg_class.relkind (as pgjdbc's getTables maps them). */
const RELKINDS: Record<string, string[]> = {
  TABLE: ['r'],
  VIEW: ['v'],
  'PARTITIONED TABLE': ['p'],
  'MATERIALIZED VIEW': ['m'],
  'FOREIGN TABLE': ['f'],
};

export function relkindsFor(tableTypes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of tableTypes) for (const k of RELKINDS[t.trim().toUpperCase()] ?? []) out.add(k);
  return [...out];
}

/** `DatabaseDialect.tableIds`: user tables of the given types (system schemas excluded), ordered by schema and name. */
export async function listTables(client: Client, tableTypes: readonly string[], schemaPattern: string | null): Promise<TableId[]> {
  const kinds = relkindsFor(tableTypes);
  if (kinds.length === 0) return [];
  const r = await client.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = ANY($1::"char"[]) AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
       AND ($2::text IS NULL OR n.nspname LIKE $2)
     ORDER BY n.nspname, c.relname`,
    [kinds, schemaPattern],
  );
  return r.rows.map((row) => new TableId(row.nspname, row.relname));
}

export interface ColumnDefinition {
  name: string;
  typeOid: number;
  typeMod: number;
  typeName: string;
  notNull: boolean;
  autoIncrement: boolean;
  hasDefault: boolean;
  /** True when the column is part of the primary key. */
  primaryKey: boolean;
}

export interface TableDefinition {
  id: TableId;
  /** pg_class.relkind. */
  kind: string;
  columns: Map<string, ColumnDefinition>;
}

/** The table's definition, or null when it does not exist (an unqualified name resolves through search_path). */
export async function describeTable(client: Client, id: TableId): Promise<TableDefinition | null> {
  const qualified = id.toSql('always');
  const r = await client.query<{ oid: string; relkind: string }>(
    `SELECT c.oid, c.relkind FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($1)`,
    [qualified],
  );
  if (r.rows.length === 0) return null;
  const oid = r.rows[0].oid;
  const cols = await client.query<{ attname: string; atttypid: string; atttypmod: string; typname: string; attnotnull: string; attidentity: string; adsrc: string | null; pk: string }>(
    `SELECT a.attname, a.atttypid, a.atttypmod, t.typname, a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid) AS adsrc,
            (EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey))) AS pk
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  const columns = new Map<string, ColumnDefinition>();
  for (const c of cols.rows) {
    const def = c.adsrc;
    columns.set(c.attname, {
      name: c.attname,
      typeOid: Number(c.atttypid),
      typeMod: Number(c.atttypmod),
      typeName: c.typname,
      notNull: c.attnotnull === 't' || (c.attnotnull as unknown) === true,
      autoIncrement: (c.attidentity !== '' && c.attidentity !== null) || (def !== null && def.includes('nextval(')),
      hasDefault: def !== null,
      primaryKey: c.pk === 't' || (c.pk as unknown) === true,
    });
  }
  return { id, kind: r.rows[0].relkind, columns };
}

/** NOT NULL flags of result columns by (table OID, attribute number): pgjdbc's `ResultSetMetaData.isNullable`. */
export async function notNullColumns(client: Client, refs: ReadonlyArray<{ tableID: number; columnID: number }>): Promise<Set<string>> {
  const tables = [...new Set(refs.filter((r) => r.tableID !== 0).map((r) => r.tableID))];
  const out = new Set<string>();
  if (tables.length === 0) return out;
  const r = await client.query<{ attrelid: string; attnum: string }>(
    'SELECT attrelid, attnum FROM pg_catalog.pg_attribute WHERE attrelid = ANY($1::oid[]) AND attnum > 0 AND attnotnull',
    [tables],
  );
  for (const row of r.rows) out.add(`${row.attrelid}:${row.attnum}`);
  return out;
}

/** `SELECT CURRENT_TIMESTAMP` as the database returns it (text, in the session time zone). */
export async function currentTimestampText(client: Client): Promise<string> {
  const r = await client.query<{ now: string }>('SELECT CURRENT_TIMESTAMP AS now');
  return r.rows[0].now;
}
