/**
 * The `$Key` / `$Value` split every Kafka SMT has: a subclass only chooses
 * which side of the record the transformation operates on.
 */
import { NAGARE_CONNECT_VERSION, type ConfigDef, type ConnectRecord, type Schema, type Transformation } from '@nagare/connect-api';

export type Side = 'key' | 'value';

export abstract class KeyOrValueTransformation<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  constructor(protected readonly side: Side) {}

  abstract configure(configs: Record<string, unknown>): void;
  abstract apply(record: R): R | null;
  abstract config(): ConfigDef;

  close(): void {}

  version(): string {
    return NAGARE_CONNECT_VERSION;
  }

  protected operatingSchema(record: R): Schema | null {
    return this.side === 'key' ? record.keySchema() : record.valueSchema();
  }

  protected operatingValue(record: R): unknown {
    return this.side === 'key' ? record.key() : record.value();
  }

  protected newRecord(record: R, updatedSchema: Schema | null, updatedValue: unknown): R {
    return this.side === 'key'
      ? record.newRecord(record.topic(), record.kafkaPartition(), updatedSchema, updatedValue, record.valueSchema(), record.value(), record.timestamp())
      : record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), updatedSchema, updatedValue, record.timestamp());
  }
}

/** Java's `(byte)`, `(short)`, `(int)`, `(long)` narrowing of a number (saturating from floating point, wrapping from integers). */
export function javaIntegral(value: number | bigint, bits: 8 | 16 | 32 | 64): number | bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (Number.isNaN(value)) n = 0n;
  else if (Number.isInteger(value)) n = BigInt(value);
  else {
    // double -> int/long saturates; byte/short go through int
    const satBits = bits === 64 ? 64 : 32;
    const max = 2 ** (satBits - 1) - 1;
    const min = -(2 ** (satBits - 1));
    const t = Math.trunc(value);
    n = t >= max ? BigInt(max) : t <= min ? BigInt(min) : BigInt(t);
  }
  const r = BigInt.asIntN(bits, n);
  if (bits < 64) return Number(r);
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}
