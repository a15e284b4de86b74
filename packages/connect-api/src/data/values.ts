/**
 * `org.apache.kafka.connect.data.Values` (Kafka 3.8+): converting Connect
 * values between types, to and from the string form SimpleHeaderConverter
 * and InsertHeader use, and inferring schemas of schemaless values.
 *
 * `parseString` follows Kafka's tokenizer-based parser: the delimiters
 * `: , { } [ ] "` (a backslash escapes them) split the text into tokens;
 * `true`/`false`/`null` literals, the narrowest integer type that holds a
 * number (INT8..INT64, then FLOAT32/FLOAT64 for fractions, Decimal for huge
 * integers), ISO-8601 dates (`yyyy-MM-dd`), times (`HH:mm:ss.SSS'Z'`) and
 * timestamps, quoted strings, `[..]` arrays and `{k:v}` maps whose elements
 * share a schema (numbers widen; otherwise the array/map schema has no
 * element schema). Anything that does not parse is a STRING of the whole
 * input; a bare `null` parses to null (no SchemaAndValue), as in Kafka.
 *
 * Where JavaScript has one number type for Java's Byte/Short/Integer/Long/
 * Float/Double, `inferSchema` and the string form use the value (integral
 * numbers INT32 or INT64 by magnitude, others FLOAT64) or, when given, the
 * schema (FLOAT32 numbers print as Java's Float.toString). Dates are
 * formatted and parsed in UTC (Kafka uses the JVM's default time zone).
 */
import { DataException } from '../errors/errors';
import { BigDecimal } from './big-decimal';
import { javaDoubleText, javaFloatText } from './java-text';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './logical';
import { isPlainObject, javaClassName, Schemas, SchemaType, Struct, valueToString, type Schema } from './schema';
import { SchemaAndValue } from './schema-and-value';
import { SchemaBuilder } from './schema-builder';

const MILLIS_PER_DAY = 86_400_000;
const NULL_VALUE = 'null';
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ARRAY_SELECTOR_SCHEMA = SchemaBuilder.array(Schemas.STRING_SCHEMA).build();
const MAP_SELECTOR_SCHEMA = SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.STRING_SCHEMA).build();
const STRUCT_SELECTOR_SCHEMA = SchemaBuilder.struct().build();

export const ISO_8601_DATE_FORMAT_PATTERN = 'yyyy-MM-dd';
export const ISO_8601_TIME_FORMAT_PATTERN = "HH:mm:ss.SSS'Z'";
export const ISO_8601_TIMESTAMP_FORMAT_PATTERN = ISO_8601_DATE_FORMAT_PATTERN + "'T'" + ISO_8601_TIME_FORMAT_PATTERN;
const ISO_8601_DATE_LENGTH = 10;
const ISO_8601_TIME_LENGTH = 13;
const ISO_8601_TIMESTAMP_LENGTH = 24;

const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Formats a Date as `Values.dateFormatFor` chooses: time before the first day (and before the epoch), date at UTC midnight, else timestamp. */
export function formatConnectDate(d: Date): string {
  const ms = d.getTime();
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
  if (ms < MILLIS_PER_DAY) return time;
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  if (ms % MILLIS_PER_DAY === 0) return date;
  return `${date}T${time}`;
}

function isBlank(s: string | null): boolean {
  return s === null || s.trim() === '';
}

/**
 * `Values.Parser`: the tokenizer. Tokens are runs of non-delimiter
 * characters, or one delimiter (`: , { } [ ] "`) not escaped by a backslash.
 */
export class ValuesTokenizer {
  private idx = 0;
  private nextToken: string | null = null;
  private previousToken: string | null = null;

  constructor(private readonly text: string) {}

  position(): number {
    return this.idx;
  }
  /** Where the next token starts (for rewinding). */
  mark(): number {
    return this.idx - (this.nextToken !== null ? this.nextToken.length : 0);
  }
  rewindTo(position: number): void {
    this.idx = position;
    this.nextToken = null;
    this.previousToken = null;
  }
  original(): string {
    return this.text;
  }
  hasNext(): boolean {
    return this.nextToken !== null || this.idx < this.text.length;
  }
  next(): string {
    if (this.nextToken !== null) {
      this.previousToken = this.nextToken;
      this.nextToken = null;
    } else this.previousToken = this.consumeNextToken();
    return this.previousToken;
  }
  /** The text of the next `n` tokens, or null (and nothing consumed) when fewer remain. */
  nextN(n: number): string | null {
    const start = this.mark();
    for (let i = 0; i !== n; ++i) {
      if (!this.hasNext()) {
        this.rewindTo(start);
        return null;
      }
      this.next();
    }
    return this.text.substring(start, this.position());
  }
  previous(): string | null {
    return this.previousToken;
  }
  /** Consumes the next token when it is `expected` (compared trimmed, skipping blank tokens, unless told not to). */
  canConsume(expected: string, ignoreLeadingAndTrailingWhitespace = true): boolean {
    if (this.isNext(expected, ignoreLeadingAndTrailingWhitespace)) {
      this.nextToken = null;
      return true;
    }
    return false;
  }
  private isNext(expected: string, ignoreWs: boolean): boolean {
    if (this.nextToken === null) {
      if (!this.hasNext()) return false;
      this.nextToken = this.consumeNextToken();
    }
    if (ignoreWs) {
      while (isBlank(this.nextToken) && this.idx < this.text.length) this.nextToken = this.consumeNextToken();
    }
    return ignoreWs ? this.nextToken!.trim() === expected : this.nextToken === expected;
  }
  private consumeNextToken(): string {
    let escaped = false;
    const start = this.idx;
    const s = this.text;
    while (this.idx < s.length) {
      const c = s[this.idx];
      switch (c) {
        case '\\':
          escaped = !escaped;
          break;
        case ':':
        case ',':
        case '{':
        case '}':
        case '[':
        case ']':
        case '"':
          if (!escaped) {
            if (start < this.idx) return s.substring(start, this.idx);
            this.idx++;
            return s.substring(start, start + 1);
          }
          escaped = false;
          break;
        default:
          escaped = false;
      }
      this.idx++;
    }
    return s.substring(start, this.idx);
  }
}

const TRUE_SCHEMA_AND_VALUE = new SchemaAndValue(Schemas.BOOLEAN_SCHEMA, true);
const FALSE_SCHEMA_AND_VALUE = new SchemaAndValue(Schemas.BOOLEAN_SCHEMA, false);

/** `Values.ValueParser`. */
class ValueParser {
  constructor(private readonly parser: ValuesTokenizer) {}

  private canParseSingleTokenLiteral(embedded: boolean, literal: string): boolean {
    const start = this.parser.mark();
    // A top-level literal must be the whole input ("true}" is a string); an embedded one is followed by a delimiter.
    if (this.parser.canConsume(literal) && (embedded || !this.parser.hasNext())) return true;
    this.parser.rewindTo(start);
    return false;
  }

  parse(embedded: boolean): SchemaAndValue | null {
    const p = this.parser;
    if (!p.hasNext()) return null;
    if (embedded && p.canConsume('"')) return this.parseQuotedString();
    if (this.canParseSingleTokenLiteral(embedded, NULL_VALUE)) return null;
    if (this.canParseSingleTokenLiteral(embedded, 'true')) return TRUE_SCHEMA_AND_VALUE;
    if (this.canParseSingleTokenLiteral(embedded, 'false')) return FALSE_SCHEMA_AND_VALUE;
    const start = p.mark();
    try {
      if (p.canConsume('[')) return this.parseArray();
      if (p.canConsume('{')) return this.parseMap();
    } catch (e) {
      if (!(e instanceof DataException)) throw e;
      p.rewindTo(start); // not an array or map after all: the text is a string
    }
    const token = p.next();
    if (isBlank(token)) return new SchemaAndValue(Schemas.STRING_SCHEMA, token);
    return this.parseNextToken(embedded, token.trim());
  }

  private parseNextToken(embedded: boolean, token: string): SchemaAndValue {
    const first = token.charCodeAt(0);
    const firstIsDigit = first >= 0x30 && first <= 0x39;
    // Temporal types are more restrictive, so try them first
    if (firstIsDigit) {
      const temporal = this.parseMultipleTokensAsTemporal(token);
      if (temporal !== null) return temporal;
    }
    if (firstIsDigit || token[0] === '+' || token[0] === '-') {
      const n = parseAsNumber(token);
      if (n !== null) return n;
    }
    if (embedded) throw new DataException('Failed to parse embedded value');
    return new SchemaAndValue(Schemas.STRING_SCHEMA, this.parser.original());
  }

  private parseQuotedString(): SchemaAndValue {
    let sb = '';
    while (this.parser.hasNext()) {
      if (this.parser.canConsume('"')) break;
      sb += this.parser.next();
    }
    return parseAsTemporal(sb) ?? new SchemaAndValue(Schemas.STRING_SCHEMA, sb);
  }

  private parseArray(): SchemaAndValue {
    const p = this.parser;
    let result: unknown[] = [];
    const elementSchema = new SchemaMerger();
    while (p.hasNext()) {
      if (p.canConsume(']')) {
        let listSchema: Schema;
        if (elementSchema.hasCommonSchema()) {
          listSchema = SchemaBuilder.array(elementSchema.schema()!).schema();
          result = alignListEntriesWithSchema(listSchema, result);
        } else listSchema = SchemaBuilder.arrayOfNull().build(); // every value is null
        return new SchemaAndValue(listSchema, result);
      }
      if (p.canConsume(',')) throw new DataException(`Unable to parse an empty array element: ${p.original()}`);
      const element = this.parse(true);
      elementSchema.merge(element);
      result.push(element !== null ? element.value() : null);
      const current = p.mark();
      if (p.canConsume(']')) p.rewindTo(current);
      else if (!p.canConsume(',')) throw new DataException("Array elements missing ',' delimiter");
    }
    if (p.previous() === ',') throw new DataException(`Array is missing element after ',': ${p.original()}`);
    throw new DataException(`Array is missing terminating ']': ${p.original()}`);
  }

  private parseMap(): SchemaAndValue {
    const p = this.parser;
    let result = new Map<unknown, unknown>();
    const keySchema = new SchemaMerger();
    const valueSchema = new SchemaMerger();
    while (p.hasNext()) {
      if (p.canConsume('}')) {
        let mapSchema: Schema;
        if (keySchema.hasCommonSchema() && valueSchema.hasCommonSchema()) {
          mapSchema = SchemaBuilder.map(keySchema.schema()!, valueSchema.schema()!).build();
          result = alignMapKeysAndValuesWithSchema(mapSchema, result);
        } else if (keySchema.hasCommonSchema()) {
          mapSchema = SchemaBuilder.mapWithNullValues(keySchema.schema()!).build();
          result = alignMapKeysWithSchema(mapSchema, result);
        } else mapSchema = SchemaBuilder.mapOfNull().build();
        return new SchemaAndValue(mapSchema, result);
      }
      if (p.canConsume(',')) throw new DataException(`Unable to parse a map entry with no key or value: ${p.original()}`);
      const key = this.parse(true);
      if (key === null || key.value() === null) throw new DataException(`Map entry may not have a null key: ${p.original()}`);
      if (!p.canConsume(':')) throw new DataException(`Map entry is missing ':' at ${p.position()} in ${p.original()}`);
      const value = this.parse(true);
      result.set(key.value(), value !== null ? value.value() : null);
      p.canConsume(',');
      keySchema.merge(key);
      valueSchema.merge(value);
    }
    if (p.previous() === ',') throw new DataException(`Map is missing element after ',': ${p.original()}`);
    throw new DataException(`Map is missing terminating '}': ${p.original()}`);
  }

  /** A time or timestamp may be split into 5 tokens at its unescaped colons: try those first. */
  private parseMultipleTokensAsTemporal(token: string): SchemaAndValue | null {
    const position = this.parser.mark();
    const remainder = this.parser.nextN(4);
    if (remainder !== null) {
      const temporal = parseAsTemporal(token + remainder);
      if (temporal !== null) return temporal;
    }
    this.parser.rewindTo(position);
    return parseAsTemporal(token);
  }
}

function parseAsNumber(token: string): SchemaAndValue | null {
  let decimal: BigDecimal;
  try {
    decimal = BigDecimal.fromString(token);
  } catch {
    return null;
  }
  const exact = parseAsExactDecimal(decimal);
  if (exact !== null) return exact;
  const dValue = decimal.toNumber();
  const fValue = Math.fround(dValue);
  if (Number.isFinite(fValue) && decimal.scale !== 0) return new SchemaAndValue(Schemas.FLOAT32_SCHEMA, fValue);
  if (Number.isFinite(dValue) && decimal.scale !== 0) return new SchemaAndValue(Schemas.FLOAT64_SCHEMA, dValue);
  return new SchemaAndValue(Decimal.schema(decimal.scale), decimal);
}

function parseAsExactDecimal(decimal: BigDecimal): SchemaAndValue | null {
  const integral = decimal.scale <= 0 || decimal.unscaled % 10n ** BigInt(decimal.scale) === 0n;
  if (!integral) return null;
  const n = decimal.toBigInt();
  if (n < INT64_MIN || n > INT64_MAX) return null;
  if (n >= -128n && n <= 127n) return new SchemaAndValue(Schemas.INT8_SCHEMA, Number(n));
  if (n >= -32768n && n <= 32767n) return new SchemaAndValue(Schemas.INT16_SCHEMA, Number(n));
  if (n >= -2147483648n && n <= 2147483647n) return new SchemaAndValue(Schemas.INT32_SCHEMA, Number(n));
  return new SchemaAndValue(Schemas.INT64_SCHEMA, longValue(n));
}

/** An int64 as the data model holds it: a number when safe, else a bigint. */
function longValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function parseAsTemporal(raw: string | null): SchemaAndValue | null {
  if (raw === null) return null;
  const token = raw.split('\\:').join(':'); // escaped colons
  let m: RegExpExecArray | null;
  switch (token.length) {
    case ISO_8601_TIME_LENGTH:
      m = TIME_RE.exec(token);
      return m ? new SchemaAndValue(ConnectTime.SCHEMA, new Date(Date.UTC(1970, 0, 1, +m[1], +m[2], +m[3], +m[4]))) : null;
    case ISO_8601_TIMESTAMP_LENGTH:
      m = TIMESTAMP_RE.exec(token);
      return m ? new SchemaAndValue(ConnectTimestamp.SCHEMA, new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]))) : null;
    case ISO_8601_DATE_LENGTH:
      m = DATE_RE.exec(token);
      return m ? new SchemaAndValue(ConnectDate.SCHEMA, new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))) : null;
    default:
      return null;
  }
}

const NUMERIC_WIDTH: Partial<Record<SchemaType, number>> = {
  [SchemaType.INT8]: 0,
  [SchemaType.INT16]: 1,
  [SchemaType.INT32]: 2,
  [SchemaType.INT64]: 3,
  [SchemaType.FLOAT32]: 4,
  [SchemaType.FLOAT64]: 5,
};

/** `Values.mergeSchemas`: a schema holding values of both (the wider number), or null. */
function mergeSchemas(previous: Schema, next: Schema): Schema | null {
  const pt = previous.type();
  const nt = next.type();
  if (pt !== nt) {
    const pw = NUMERIC_WIDTH[pt];
    const nw = NUMERIC_WIDTH[nt];
    if (pw === undefined || nw === undefined) return null;
    return pw >= nw ? previous : next;
  }
  if (previous.isOptional() === next.isOptional()) return previous.isOptional() ? previous : next;
  if (!schemaEqualsLoose(previous, next)) return null;
  return previous;
}

function schemaEqualsLoose(a: Schema, b: Schema): boolean {
  return a === b || (a.type() === b.type() && a.name() === b.name() && a.isOptional() === b.isOptional());
}

/** `Values.SchemaMerger`: the common schema of parsed elements (numbers widen; a non-numeric mismatch gives up). */
class SchemaMerger {
  private common: Schema | null = null;
  private compatible = true;
  merge(latest: SchemaAndValue | null): void {
    if (latest === null || latest.schema() === null || !this.compatible) return;
    if (this.common === null) this.common = latest.schema();
    else {
      this.common = mergeSchemas(this.common, latest.schema()!);
      this.compatible = this.common !== null;
    }
  }
  hasCommonSchema(): boolean {
    return this.common !== null;
  }
  schema(): Schema | null {
    return this.common;
  }
}

function alignListEntriesWithSchema(schema: Schema, input: unknown[]): unknown[] {
  const vs = schema.valueSchema()!;
  return input.map((v) => convertTo(vs, null, v));
}

function alignMapKeysAndValuesWithSchema(mapSchema: Schema, input: Map<unknown, unknown>): Map<unknown, unknown> {
  const ks = mapSchema.keySchema()!;
  const vs = mapSchema.valueSchema()!;
  const out = new Map<unknown, unknown>();
  for (const [k, v] of input) out.set(convertTo(ks, null, k), convertTo(vs, null, v));
  return out;
}

function alignMapKeysWithSchema(mapSchema: Schema, input: Map<unknown, unknown>): Map<unknown, unknown> {
  const ks = mapSchema.keySchema()!;
  const out = new Map<unknown, unknown>();
  for (const [k, v] of input) out.set(convertTo(ks, null, k), v);
  return out;
}

function unable(value: unknown, target: string, cause?: unknown): DataException {
  return new DataException(`Unable to convert ${valueToString(value)} (class ${javaClassName(value)}) to ${target}`, cause !== undefined ? { cause } : undefined);
}

function isNumber(v: unknown): v is number | bigint | BigDecimal {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof BigDecimal;
}

/** Java's `Number.longValue()` (doubles truncate and saturate, BigDecimals truncate and keep the low 64 bits). */
function numberLongValue(v: number | bigint | BigDecimal): bigint {
  if (typeof v === 'bigint') return BigInt.asIntN(64, v);
  if (v instanceof BigDecimal) return BigInt.asIntN(64, v.toBigInt());
  if (Number.isNaN(v)) return 0n;
  if (v >= 9.223372036854776e18) return INT64_MAX;
  if (v <= -9.223372036854776e18) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** `Values.asLong`. */
function asLong(value: unknown, fromSchema: Schema | null, error?: unknown): bigint {
  if (isNumber(value)) return numberLongValue(value);
  if (typeof value === 'string') {
    try {
      return BigInt.asIntN(64, BigDecimal.fromString(value).toBigInt());
    } catch (e) {
      error = e;
    }
  }
  if (fromSchema !== null) {
    const name = fromSchema.name();
    if (value instanceof Date) {
      if (name === ConnectDate.LOGICAL_NAME) return BigInt(ConnectDate.fromLogical(fromSchema, value));
      if (name === ConnectTime.LOGICAL_NAME) return BigInt(ConnectTime.fromLogical(fromSchema, value));
      if (name === ConnectTimestamp.LOGICAL_NAME) return BigInt(ConnectTimestamp.fromLogical(fromSchema, value));
    }
    throw unable(value, String(fromSchema), error);
  }
  throw unable(value, 'a number', error);
}

/** `Values.asDouble`. */
function asDouble(value: unknown, schema: Schema | null): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof BigDecimal) return value.toNumber();
  let error: unknown;
  if (typeof value === 'string') {
    try {
      return BigDecimal.fromString(value).toNumber();
    } catch (e) {
      error = e;
    }
  }
  return Number(asLong(value, schema, error));
}

/** `Values.convertTo`: the value converted to `toSchema`'s type (null only for optional schemas). */
export function convertTo(toSchema: Schema, fromSchema: Schema | null, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (toSchema.isOptional()) return null;
    throw new DataException('Unable to convert a null value to a schema that requires a value');
  }
  switch (toSchema.type()) {
    case SchemaType.BYTES:
      if (toSchema.name() === Decimal.LOGICAL_NAME) return convertToDecimalInternal(toSchema, value);
      if (value instanceof Uint8Array) return value;
      if (value instanceof BigDecimal) return Decimal.fromLogical(toSchema, value);
      throw unable(value, String(toSchema));
    case SchemaType.STRING:
      return Values.convertToString(fromSchema, value);
    case SchemaType.BOOLEAN:
      return Values.convertToBoolean(fromSchema, value);
    case SchemaType.INT8:
      return Values.convertToByte(fromSchema, value);
    case SchemaType.INT16:
      return Values.convertToShort(fromSchema, value);
    case SchemaType.INT32:
      if (toSchema.name() === ConnectDate.LOGICAL_NAME) return convertToDateInternal(toSchema, fromSchema, value);
      if (toSchema.name() === ConnectTime.LOGICAL_NAME) return convertToTimeInternal(toSchema, fromSchema, value);
      return Values.convertToInteger(fromSchema, value);
    case SchemaType.INT64:
      if (toSchema.name() === ConnectTimestamp.LOGICAL_NAME) return convertToTimestampInternal(toSchema, fromSchema, value);
      return Values.convertToLong(fromSchema, value);
    case SchemaType.FLOAT32:
      return Values.convertToFloat(fromSchema, value);
    case SchemaType.FLOAT64:
      return Values.convertToDouble(fromSchema, value);
    case SchemaType.ARRAY:
      return convertToArray(toSchema, value);
    case SchemaType.MAP:
      return convertToMapInternal(toSchema, value);
    case SchemaType.STRUCT:
      return convertToStructInternal(toSchema, value);
  }
}

function parsedValue(s: string): unknown {
  const p = Values.parseString(s);
  return p === null ? null : p.value();
}

function convertToDecimalInternal(toSchema: Schema, value: unknown): BigDecimal {
  if (value instanceof Uint8Array) return Decimal.toLogical(toSchema, value);
  if (value instanceof BigDecimal) return value;
  if (typeof value === 'number') return BigDecimal.fromNumber(value);
  if (typeof value === 'bigint') return new BigDecimal(value, 0);
  if (typeof value === 'string') {
    try {
      return BigDecimal.fromString(value);
    } catch (e) {
      throw new DataException(`Character ${value} is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`, { cause: e });
    }
  }
  throw unable(value, String(toSchema));
}

function convertToDateInternal(toSchema: Schema, fromSchema: Schema | null, input: unknown): Date {
  const value = typeof input === 'string' ? parsedValue(input) : input;
  if (value instanceof Date) {
    if (fromSchema === null) return value;
    if (fromSchema.name() === ConnectDate.LOGICAL_NAME) return value;
    if (fromSchema.name() === ConnectTimestamp.LOGICAL_NAME) return ConnectDate.toLogical(toSchema, Math.trunc(value.getTime() / MILLIS_PER_DAY));
  }
  return ConnectDate.toLogical(toSchema, Number(BigInt.asIntN(32, asLong(value, fromSchema))));
}

function convertToTimeInternal(toSchema: Schema, fromSchema: Schema | null, input: unknown): Date {
  const value = typeof input === 'string' ? parsedValue(input) : input;
  if (value instanceof Date) {
    if (fromSchema === null) return value;
    if (fromSchema.name() === ConnectTime.LOGICAL_NAME) return value;
    if (fromSchema.name() === ConnectTimestamp.LOGICAL_NAME) return ConnectTime.toLogical(toSchema, ((value.getTime() % MILLIS_PER_DAY) + MILLIS_PER_DAY) % MILLIS_PER_DAY);
  }
  return ConnectTime.toLogical(toSchema, Number(BigInt.asIntN(32, asLong(value, fromSchema))));
}

function convertToTimestampInternal(toSchema: Schema, fromSchema: Schema | null, input: unknown): Date {
  const value = typeof input === 'string' ? parsedValue(input) : input;
  if (value instanceof Date) {
    if (fromSchema === null) return value;
    if (fromSchema.name() === ConnectDate.LOGICAL_NAME) return ConnectTimestamp.toLogical(toSchema, ConnectDate.fromLogical(fromSchema, value) * MILLIS_PER_DAY);
    if (fromSchema.name() === ConnectTime.LOGICAL_NAME) return ConnectTimestamp.toLogical(toSchema, ConnectTime.fromLogical(fromSchema, value));
    if (fromSchema.name() === ConnectTimestamp.LOGICAL_NAME) return value;
  }
  return ConnectTimestamp.toLogical(toSchema, asLong(value, fromSchema));
}

function convertToArray(toSchema: Schema, input: unknown): unknown[] {
  if (input === null || input === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
  const value = typeof input === 'string' ? parsedValue(input) : input;
  if (Array.isArray(value)) return value;
  throw unable(value, String(toSchema));
}

function convertToMapInternal(toSchema: Schema, input: unknown): Map<unknown, unknown> | Record<string, unknown> {
  if (input === null || input === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
  const value = typeof input === 'string' ? parsedValue(input) : input;
  if (value instanceof Map || isPlainObject(value)) return value;
  throw unable(value, String(toSchema));
}

function convertToStructInternal(toSchema: Schema, value: unknown): Struct {
  if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
  if (value instanceof Struct) return value;
  throw unable(value, String(toSchema));
}

/** `Values.escape`: backslashes and double quotes escaped, for strings embedded in arrays and maps. */
export function escapeValueString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** A number as Java's `toString` of its boxed type would print it (the schema tells float32 from float64 from integers). */
function numberText(v: number | bigint | BigDecimal, schema: Schema | null): string {
  if (typeof v === 'bigint' || v instanceof BigDecimal) return v.toString();
  const t = schema?.type();
  if (t === SchemaType.FLOAT32) return javaFloatText(v);
  if (t === SchemaType.FLOAT64 || !Number.isInteger(v)) return javaDoubleText(v);
  return String(v);
}

/** `Values.append`. */
function append(value: unknown, embedded: boolean, schema: Schema | null): string {
  if (value === null || value === undefined) return NULL_VALUE;
  if (isNumber(value)) return numberText(value, schema);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return embedded ? '"' + escapeValueString(value) + '"' : value;
  if (value instanceof Uint8Array) {
    const b64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    return embedded ? '"' + b64 + '"' : b64;
  }
  if (Array.isArray(value)) {
    const vs = schema?.type() === SchemaType.ARRAY ? schema.valueSchema() : null;
    return '[' + value.map((v) => append(v, true, vs)).join(',') + ']';
  }
  if (value instanceof Map || isPlainObject(value)) {
    const ks = schema?.type() === SchemaType.MAP ? schema.keySchema() : null;
    const vs = schema?.type() === SchemaType.MAP ? schema.valueSchema() : null;
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
    return '{' + entries.map(([k, v]) => append(k, true, ks) + ':' + append(v, true, vs)).join(',') + '}';
  }
  if (value instanceof Struct) {
    return '{' + value.schema().fields().map((f) => append(f.name(), true, null) + ':' + append(value.get(f), true, f.schema())).join(',') + '}';
  }
  if (value instanceof Date) return formatConnectDate(value);
  throw new DataException(`Failed to serialize unexpected value type ${javaClassName(value)}: ${String(value)}`);
}

/** `Values.SchemaDetector`: one type for every non-null element (JS numbers widen: int32, int64, float64). */
class SchemaDetector {
  private knownType: SchemaType | null = null;
  private optional = false;
  canDetect(value: unknown): boolean {
    if (value === null || value === undefined) {
      this.optional = true;
      return true;
    }
    const schema = Values.inferSchema(value);
    if (schema === null) return false;
    const t = schema.type();
    if (this.knownType === null) this.knownType = t;
    else if (this.knownType !== t) {
      const a = NUMERIC_WIDTH[this.knownType];
      const b = NUMERIC_WIDTH[t];
      if (a === undefined || b === undefined || typeof value !== 'number') return false;
      if (b > a) this.knownType = t;
    }
    return true;
  }
  schema(): Schema {
    const b = SchemaBuilder.type(this.knownType!);
    if (this.optional) b.optional();
    return b.schema();
  }
}

export const Values = {
  /** `Values.parseString`: null for null input or the literal `null` (see the module comment). */
  parseString(value: string | null): SchemaAndValue | null {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    if (value === '') return new SchemaAndValue(Schemas.STRING_SCHEMA, value);
    return new ValueParser(new ValuesTokenizer(value)).parse(false);
  },

  /** `Values.convertToString`: strings as-is at the top level, bytes Base64, containers in the parseable form. */
  convertToString(schema: Schema | null, value: unknown): string | null {
    if (value === null || value === undefined) return null;
    return append(value, false, schema);
  },

  convertToBoolean(schema: Schema | null, value: unknown): boolean | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const p = Values.parseString(value);
      if (p !== null && typeof p.value() === 'boolean') return p.value() as boolean;
    }
    return asLong(value, schema) !== 0n;
  },
  convertToByte(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(8, asLong(value, schema)));
  },
  convertToShort(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(16, asLong(value, schema)));
  },
  convertToInteger(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(32, asLong(value, schema)));
  },
  /** INT64 as a number when safe, else a bigint. */
  convertToLong(schema: Schema | null, value: unknown): number | bigint | null {
    if (value === null || value === undefined) return null;
    return longValue(asLong(value, schema));
  },
  convertToFloat(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Math.fround(asDouble(value, schema));
  },
  convertToDouble(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return asDouble(value, schema);
  },
  convertToList(_schema: Schema | null, value: unknown): unknown[] {
    return convertToArray(ARRAY_SELECTOR_SCHEMA, value);
  },
  convertToMap(_schema: Schema | null, value: unknown): Map<unknown, unknown> | Record<string, unknown> {
    return convertToMapInternal(MAP_SELECTOR_SCHEMA, value);
  },
  convertToStruct(_schema: Schema | null, value: unknown): Struct {
    return convertToStructInternal(STRUCT_SELECTOR_SCHEMA, value);
  },
  convertToDate(schema: Schema | null, value: unknown): Date {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return convertToDateInternal(ConnectDate.SCHEMA, schema, value);
  },
  convertToTime(schema: Schema | null, value: unknown): Date {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return convertToTimeInternal(ConnectTime.SCHEMA, schema, value);
  },
  convertToTimestamp(schema: Schema | null, value: unknown): Date {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return convertToTimestampInternal(ConnectTimestamp.SCHEMA, schema, value);
  },
  convertToDecimal(_schema: Schema | null, value: unknown, scale: number): BigDecimal {
    if (value === null || value === undefined) throw new DataException('Unable to convert a null value to a schema that requires a value');
    return convertToDecimalInternal(Decimal.schema(scale), value);
  },

  /** `Values.inferSchema`: the schema of schemaless data, or null when it cannot be inferred. */
  inferSchema(value: unknown): Schema | null {
    if (typeof value === 'string') return Schemas.STRING_SCHEMA;
    if (typeof value === 'boolean') return Schemas.BOOLEAN_SCHEMA;
    if (typeof value === 'number') return Number.isInteger(value) ? (Math.abs(value) <= 2147483647 ? Schemas.INT32_SCHEMA : Schemas.INT64_SCHEMA) : Schemas.FLOAT64_SCHEMA;
    if (typeof value === 'bigint') return Schemas.INT64_SCHEMA;
    if (value instanceof Uint8Array) return Schemas.BYTES_SCHEMA;
    if (value instanceof Struct) return value.schema();
    if (Array.isArray(value)) {
      if (value.length === 0) return null;
      const d = new SchemaDetector();
      for (const e of value) if (!d.canDetect(e)) return null;
      return SchemaBuilder.array(d.schema()).build();
    }
    if (value instanceof Map || isPlainObject(value)) {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      if (entries.length === 0) return null;
      const kd = new SchemaDetector();
      const vd = new SchemaDetector();
      for (const [k, v] of entries) if (!kd.canDetect(k) || !vd.canDetect(v)) return null;
      return SchemaBuilder.map(kd.schema(), vd.schema()).build();
    }
    return null;
  },

  /** `Values.dateFormatFor(d).format(d)` (UTC). */
  dateFormatFor: formatConnectDate,
  escape: escapeValueString,
  convertTo,
} as const;
