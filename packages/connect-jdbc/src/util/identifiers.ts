/**
 * Table and column identifiers as Confluent's `TableId`, `IdentifierRules`
 * and `ExpressionBuilder` handle them for PostgreSQL: `.` separates the
 * parts, `"` quotes them, the catalog is never used (PostgreSQL connects to
 * one database), and `quote.sql.identifiers` (`always` | `never`) decides
 * whether statements quote names.
 */
import { ConfigException } from '@nagare/connect-api';

export type QuoteMethod = 'always' | 'never';

export class TableId {
  constructor(
    readonly schemaName: string | null,
    readonly tableName: string,
  ) {}

  /** `schema.table` unquoted (the offset partition's table name in protocol 1, the regexes' subject). */
  toUnquotedString(): string {
    return this.schemaName === null ? this.tableName : `${this.schemaName}.${this.tableName}`;
  }

  /** As statements write it. */
  toSql(quote: QuoteMethod = 'always'): string {
    const q = (s: string): string => quoteIdentifier(s, quote);
    return this.schemaName === null ? q(this.tableName) : `${q(this.schemaName)}.${q(this.tableName)}`;
  }

  equals(o: TableId): boolean {
    return o.schemaName === this.schemaName && o.tableName === this.tableName;
  }

  compareTo(o: TableId): number {
    const a = this.toUnquotedString();
    const b = o.toUnquotedString();
    return a < b ? -1 : a > b ? 1 : 0;
  }

  toString(): string {
    return this.toSql('always');
  }
}

export function quoteIdentifier(name: string, quote: QuoteMethod = 'always'): string {
  return quote === 'never' ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Splits `a.b.c` / `"a"."b.c"` into unquoted parts (`IdentifierRules.parseQualifiedIdentifier`). */
export function parseQualifiedIdentifier(fqn: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  let quoted = false;
  for (let i = 0; i < fqn.length; i++) {
    const c = fqn[i];
    if (inQuote) {
      if (c === '"') {
        if (fqn[i + 1] === '"') {
          cur += '"';
          i++;
        } else inQuote = false;
      } else cur += c;
    } else if (c === '"') {
      inQuote = true;
      quoted = true;
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
      quoted = false;
    } else cur += c;
  }
  if (inQuote) throw new ConfigException(`Unterminated quoted identifier in '${fqn}'`);
  parts.push(quoted ? cur : cur.trim());
  return parts.map((p) => p.trim() === p ? p : p.trim());
}

/** `parseTableIdentifier` (PostgreSQL dialect: the catalog part is dropped; with quoting `never` names are lower-cased). */
export function parseTableIdentifier(fqn: string, quote: QuoteMethod = 'always'): TableId {
  const parts = parseQualifiedIdentifier(fqn);
  if (parts.length === 0 || parts[parts.length - 1] === '') throw new ConfigException(`Invalid table name '${fqn}'`);
  const table = parts[parts.length - 1];
  const schema = parts.length >= 2 ? parts[parts.length - 2] : null;
  return new TableId(schema, quote === 'never' ? table.toLowerCase() : table);
}
