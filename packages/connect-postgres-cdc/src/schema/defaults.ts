/**
 * Column default values propagated into the field schemas
 * (`PostgresDefaultValueConverter`): literal defaults (`42`,
 * `'abc'::text`, `true`, `'2024-01-01'::date`) become the schema default;
 * defaults computed by a function (`nextval(...)`, `now()`,
 * `CURRENT_TIMESTAMP`) become the type's zero (0, '', false, '{}', the
 * epoch); `NULL::type` and types without a mapper give none. The type name
 * is the driver's (`serial`/`bigserial`/`smallserial` for integer columns
 * whose default is a sequence, as pgjdbc reports them).
 */
import { logger } from '../util/log';
import type { MappedType } from './types';

const log = logger('io.debezium.connector.postgresql.connection.PostgresDefaultValueConverter');

const LITERAL_DEFAULT_PATTERN = /'([^']*(?:''[^']*)*)'/;
const FUNCTION_DEFAULT_PATTERN = /^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)/;
const CURRENT_DATE_TIMES = new Set(['current_timestamp', 'current_time', 'current_date', 'localtime', 'localtimestamp']);
const TRIM_DATA_TYPES = new Set(['bit', 'varbit', 'bool', 'numeric', 'float4', 'float8', 'int2', 'int4', 'serial', 'int8', 'bigserial', 'smallserial', 'uuid', 'date', 'time', 'timestamp', 'timestamptz', 'interval']);

/** The generated-value placeholder of each supported type (null: NULL::type handled). */
const PLACEHOLDERS: Record<string, string> = {
  bit: '00',
  varbit: '0',
  bool: 'false',
  bpchar: '',
  varchar: '',
  text: '',
  numeric: '0.0',
  float4: '0.0',
  float8: '0.0',
  int2: '0',
  int4: '0',
  serial: '0',
  int8: '0',
  bigserial: '0',
  smallserial: '0',
  json: '{}',
  jsonb: '{}',
  xml: '',
  uuid: '00000000-0000-0000-0000-000000000000',
  date: '1970-01-01',
  time: '00:00',
  timestamp: '1970-01-01',
  timestamptz: '1970-01-01',
  interval: 'epoch',
};
const NULL_AWARE = new Set(['bool', 'numeric', 'float4', 'float8', 'int2', 'int4', 'serial', 'int8', 'bigserial', 'smallserial']);

function extractDefault(v: string): string | null {
  if (!v.includes("'")) return v.startsWith('NULL::') ? null : v;
  const m = LITERAL_DEFAULT_PATTERN.exec(v);
  return m ? m[1].replace(/''/g, "'") : v;
}

function extractWithPlaceholder(v: string, placeholder: string): string | null {
  if (FUNCTION_DEFAULT_PATTERN.test(v) || CURRENT_DATE_TIMES.has(v.toLowerCase())) return placeholder;
  return extractDefault(v);
}

/** Text in the form the value converter reads (PostgreSQL output format). */
function normalize(typeName: string, text: string): string {
  switch (typeName) {
    case 'time':
      return /^\d{2}:\d{2}$/.test(text) ? text + ':00' : text;
    case 'timestamp':
      return /^\d{4,}-\d{2}-\d{2}$/.test(text) ? text + ' 00:00:00' : text.replace('T', ' ');
    case 'timestamptz':
      return /^\d{4,}-\d{2}-\d{2}$/.test(text) ? text + ' 00:00:00+00' : /[+-]\d{2}(:?\d{2})?$|Z$/.test(text) ? text.replace('T', ' ').replace(/Z$/, '+00') : text.replace('T', ' ') + '+00';
    case 'interval':
      return text === 'epoch' ? '00:00:00' : text;
    case 'bool':
      return text === 'true' ? 't' : text === 'false' ? 'f' : text;
    default:
      return text;
  }
}

/**
 * The schema default of a column, or undefined for none. `isEnum` lets
 * enum literals (`'ok'::mood`) through.
 */
export function parseDefaultValue(expr: string | null, typeName: string, mapped: MappedType, isEnum = false): unknown {
  if (expr === null) return undefined;
  let e = expr;
  if (TRIM_DATA_TYPES.has(typeName)) e = e.trim();
  let text: string | null;
  if (isEnum) {
    const cast = e.lastIndexOf('::');
    const v = cast >= 0 ? e.slice(0, cast) : e;
    if (!(v.startsWith("'") && v.endsWith("'"))) return undefined;
    text = v.slice(1, -1);
  } else {
    const placeholder = PLACEHOLDERS[typeName];
    if (placeholder === undefined) return undefined;
    if (NULL_AWARE.has(typeName) && e.startsWith('NULL::')) return undefined;
    text = extractWithPlaceholder(e, placeholder);
  }
  if (text === null) return undefined;
  try {
    if (typeName === 'bit' && text.length === 1) return text === '1';
    const v = mapped.convert(normalize(typeName, text));
    if (v === null || v === undefined) return undefined;
    if (typeof v === 'object' && v !== null && v.constructor?.name === 'Struct') return undefined; // KAFKA-12694: no struct defaults
    return v;
  } catch {
    log('warn', `Cannot parse column default value '${expr}' to type '${typeName}'. Expression evaluation is not supported.`);
    return undefined;
  }
}
