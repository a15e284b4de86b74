/**
 * The logical types of `org.apache.kafka.connect.data`: Decimal, Date, Time,
 * Timestamp. Each is a physical schema with a well-known name and version 1.
 * `Date`, `Time` and `Timestamp` are exported as `ConnectDate`, `ConnectTime`
 * and `ConnectTimestamp` so they do not shadow the global `Date`; their
 * values are JS `Date`s (UTC), as Kafka's are `java.util.Date`s.
 */
import { DataException } from '../errors/errors';
import { BigDecimal } from './big-decimal';
import type { Schema } from './schema';
import { SchemaBuilder } from './schema-builder';

const MILLIS_PER_DAY = 24 * 60 * 60 * 1000;

/** Two's-complement big-endian bytes of a bigint (Java's `BigInteger.toByteArray()`: minimal length, at least one byte). */
export function bigIntToTwosComplement(n: bigint): Uint8Array {
  let len = 1;
  // smallest len such that -2^(8len-1) <= n < 2^(8len-1)
  while (n < -(1n << BigInt(8 * len - 1)) || n >= 1n << BigInt(8 * len - 1)) len++;
  const out = new Uint8Array(len);
  let v = n < 0n ? (1n << BigInt(8 * len)) + n : n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Java's `new BigInteger(byte[])`. */
export function twosComplementToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new DataException('Invalid Decimal: empty byte array');
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes[0] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v;
}

/** `org.apache.kafka.connect.data.Decimal`: BYTES holding the unscaled two's-complement integer; parameter `scale`. */
export const Decimal = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Decimal',
  SCALE_FIELD: 'scale',
  builder(scale: number): SchemaBuilder {
    return SchemaBuilder.bytes().name(Decimal.LOGICAL_NAME).parameter(Decimal.SCALE_FIELD, String(scale)).version(1);
  },
  schema(scale: number): Schema {
    return Decimal.builder(scale).build();
  },
  /** BigDecimal -> bytes; the value's scale must equal the schema's. */
  fromLogical(schema: Schema, value: BigDecimal): Uint8Array {
    if (value.scale !== Decimal.scale(schema)) throw new DataException('BigDecimal has mismatching scale value for given Decimal schema');
    return bigIntToTwosComplement(value.unscaled);
  },
  /** bytes -> BigDecimal with the schema's scale. */
  toLogical(schema: Schema, value: Uint8Array): BigDecimal {
    return new BigDecimal(twosComplementToBigInt(value), Decimal.scale(schema));
  },
  scale(schema: Schema): number {
    const s = schema.parameters()?.[Decimal.SCALE_FIELD];
    if (s === undefined) throw new DataException('Invalid Decimal schema: scale parameter not found.');
    const n = Number(s);
    if (!Number.isInteger(n)) throw new DataException(`Invalid scale parameter found in Decimal schema: ${s}`);
    return n;
  },
} as const;

/** `org.apache.kafka.connect.data.Date`: INT32 days since the epoch; the Date must be a UTC midnight. */
export const ConnectDate = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Date',
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(ConnectDate.LOGICAL_NAME).version(1);
  },
  SCHEMA: undefined as unknown as Schema,
  fromLogical(schema: Schema, value: Date): number {
    if (schema.name() !== ConnectDate.LOGICAL_NAME) throw new DataException('Requested conversion of Date object but the schema does not match.');
    const ms = value.getTime();
    if (((ms % MILLIS_PER_DAY) + MILLIS_PER_DAY) % MILLIS_PER_DAY !== 0) throw new DataException('Kafka Connect Date type should not have any time fields set to non-zero values.');
    return Math.floor(ms / MILLIS_PER_DAY);
  },
  toLogical(schema: Schema, value: number): Date {
    if (schema.name() !== ConnectDate.LOGICAL_NAME) throw new DataException('Requested conversion of Date object but the schema does not match.');
    return new Date(value * MILLIS_PER_DAY);
  },
};
ConnectDate.SCHEMA = ConnectDate.builder().build();

/** `org.apache.kafka.connect.data.Time`: INT32 milliseconds since midnight; the Date must be on 1970-01-01 UTC. */
export const ConnectTime = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Time',
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(ConnectTime.LOGICAL_NAME).version(1);
  },
  SCHEMA: undefined as unknown as Schema,
  fromLogical(schema: Schema, value: Date): number {
    if (schema.name() !== ConnectTime.LOGICAL_NAME) throw new DataException('Requested conversion of Time object but the schema does not match.');
    const ms = value.getTime();
    if (ms < 0 || ms > MILLIS_PER_DAY) throw new DataException('Kafka Connect Time type should not have any date fields set to non-zero values.');
    return ms;
  },
  toLogical(schema: Schema, value: number): Date {
    if (schema.name() !== ConnectTime.LOGICAL_NAME) throw new DataException('Requested conversion of Date object but the schema does not match.');
    if (value < 0 || value > MILLIS_PER_DAY) throw new DataException('Time values must use number of milliseconds greater than 0 and less than 86400000');
    return new Date(value);
  },
};
ConnectTime.SCHEMA = ConnectTime.builder().build();

/** `org.apache.kafka.connect.data.Timestamp`: INT64 milliseconds since the epoch. */
export const ConnectTimestamp = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Timestamp',
  builder(): SchemaBuilder {
    return SchemaBuilder.int64().name(ConnectTimestamp.LOGICAL_NAME).version(1);
  },
  SCHEMA: undefined as unknown as Schema,
  fromLogical(schema: Schema, value: Date): number {
    if (schema.name() !== ConnectTimestamp.LOGICAL_NAME) throw new DataException('Requested conversion of Timestamp object but the schema does not match.');
    return value.getTime();
  },
  /** Accepts a number or a bigint (INT64). */
  toLogical(schema: Schema, value: number | bigint): Date {
    if (schema.name() !== ConnectTimestamp.LOGICAL_NAME) throw new DataException('Requested conversion of Timestamp object but the schema does not match.');
    return new Date(Number(value));
  },
};
ConnectTimestamp.SCHEMA = ConnectTimestamp.builder().build();

/** The four logical type names. */
export const LOGICAL_TYPE_NAMES = [Decimal.LOGICAL_NAME, ConnectDate.LOGICAL_NAME, ConnectTime.LOGICAL_NAME, ConnectTimestamp.LOGICAL_NAME] as const;
