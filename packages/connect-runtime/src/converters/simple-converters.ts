/**
 * The simple converters of `org.apache.kafka.connect.storage` and
 * `org.apache.kafka.connect.converters`: StringConverter, ByteArrayConverter,
 * the number converters (big-endian as Kafka's Integer/Long/Float/Double/
 * ShortSerializer write them), BooleanConverter (one byte 0/1) and
 * SimpleHeaderConverter (headers as strings, parsed back by type).
 */
import { ConfigException, DataException, SchemaAndValue, SchemaType, Schemas, Values, javaClassName, valueToString, type Schema } from '@nagare/connect-api';
import type { Converter, HeaderConverter } from '@nagare/connect-api';

const bytesOf = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

const JAVA_ENCODINGS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8', utf8: 'utf8', 'iso-8859-1': 'latin1', iso8859_1: 'latin1', latin1: 'latin1', 'us-ascii': 'ascii', ascii: 'ascii', 'utf-16le': 'utf16le', utf16le: 'utf16le',
};

/** `org.apache.kafka.connect.storage.StringConverter` (`converter.encoding`, default UTF-8). */
export class StringConverter implements Converter, HeaderConverter {
  static readonly className = 'org.apache.kafka.connect.storage.StringConverter';
  private encoding: BufferEncoding = 'utf8';
  version(): string {
    return '3.9.0';
  }
  configure(configs: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    void isKey;
    const e = configs['converter.encoding'];
    if (e !== undefined && e !== null) {
      const enc = JAVA_ENCODINGS[String(e).trim().toLowerCase()];
      if (!enc) throw new ConfigException('converter.encoding', e, 'Unsupported encoding');
      this.encoding = enc;
    }
  }
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    return Buffer.from(typeof value === 'string' ? value : valueToString(value), this.encoding);
  }
  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    return new SchemaAndValue(Schemas.OPTIONAL_STRING_SCHEMA, value === null ? null : bytesOf(value).toString(this.encoding));
  }
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value);
  }
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
  close(): void {}
}

/** `org.apache.kafka.connect.converters.ByteArrayConverter`: bytes pass through. */
export class ByteArrayConverter implements Converter, HeaderConverter {
  static readonly className = 'org.apache.kafka.connect.converters.ByteArrayConverter';
  version(): string {
    return '3.9.0';
  }
  configure(configs?: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    void configs;
    void isKey;
  }
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema !== null && schema.type() !== SchemaType.BYTES) throw new DataException(`Invalid schema type for ByteArrayConverter: ${schema.type()}`);
    if (value !== null && value !== undefined && !(value instanceof Uint8Array)) throw new DataException(`ByteArrayConverter is not compatible with objects of type class ${javaClassName(value)}`);
    return (value as Uint8Array | null | undefined) ?? null;
  }
  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    return new SchemaAndValue(Schemas.OPTIONAL_BYTES_SCHEMA, value);
  }
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
  close(): void {}
}

interface NumberCodec {
  typeName: string;
  schema: Schema;
  size: number;
  deserializer: string;
  write(v: unknown): Buffer | null;
  read(b: Buffer): unknown;
}

function intCheck(v: unknown, min: number, max: number): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : null;
}

/** `NumberConverter`: Kafka's fixed-width big-endian serializers. */
abstract class NumberConverter implements Converter, HeaderConverter {
  protected abstract readonly codec: NumberCodec;
  version(): string {
    return '3.9.0';
  }
  configure(configs?: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    void configs;
    void isKey;
  }
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    const b = this.codec.write(value);
    if (b === null) throw new DataException(`Failed to serialize to ${this.codec.typeName} (was class ${javaClassName(value)}): `);
    return b;
  }
  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null) return new SchemaAndValue(this.codec.schema, null);
    const b = bytesOf(value);
    if (b.length !== this.codec.size) {
      throw new DataException(`Failed to deserialize ${this.codec.typeName}: `, { cause: new Error(`Size of data received by ${this.codec.deserializer} is not ${this.codec.size}`) });
    }
    return new SchemaAndValue(this.codec.schema, this.codec.read(b));
  }
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value);
  }
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
  close(): void {}
}

export class IntegerConverter extends NumberConverter {
  static readonly className = 'org.apache.kafka.connect.converters.IntegerConverter';
  protected readonly codec: NumberCodec = {
    typeName: 'integer', schema: Schemas.OPTIONAL_INT32_SCHEMA, size: 4, deserializer: 'IntegerDeserializer',
    write: (v) => {
      const n = intCheck(v, -2147483648, 2147483647);
      if (n === null) return null;
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(n);
      return b;
    },
    read: (b) => b.readInt32BE(0),
  };
}

export class LongConverter extends NumberConverter {
  static readonly className = 'org.apache.kafka.connect.converters.LongConverter';
  protected readonly codec: NumberCodec = {
    typeName: 'long', schema: Schemas.OPTIONAL_INT64_SCHEMA, size: 8, deserializer: 'LongDeserializer',
    write: (v) => {
      let n: bigint;
      if (typeof v === 'bigint') n = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
      else return null;
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(n);
      return b;
    },
    read: (b) => {
      const n = b.readBigInt64BE(0);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    },
  };
}

export class ShortConverter extends NumberConverter {
  static readonly className = 'org.apache.kafka.connect.converters.ShortConverter';
  protected readonly codec: NumberCodec = {
    typeName: 'short', schema: Schemas.OPTIONAL_INT16_SCHEMA, size: 2, deserializer: 'ShortDeserializer',
    write: (v) => {
      const n = intCheck(v, -32768, 32767);
      if (n === null) return null;
      const b = Buffer.allocUnsafe(2);
      b.writeInt16BE(n);
      return b;
    },
    read: (b) => b.readInt16BE(0),
  };
}

export class FloatConverter extends NumberConverter {
  static readonly className = 'org.apache.kafka.connect.converters.FloatConverter';
  protected readonly codec: NumberCodec = {
    typeName: 'float', schema: Schemas.OPTIONAL_FLOAT32_SCHEMA, size: 4, deserializer: 'FloatDeserializer',
    write: (v) => {
      if (typeof v !== 'number') return null;
      const b = Buffer.allocUnsafe(4);
      b.writeFloatBE(v);
      return b;
    },
    read: (b) => b.readFloatBE(0),
  };
}

export class DoubleConverter extends NumberConverter {
  static readonly className = 'org.apache.kafka.connect.converters.DoubleConverter';
  protected readonly codec: NumberCodec = {
    typeName: 'double', schema: Schemas.OPTIONAL_FLOAT64_SCHEMA, size: 8, deserializer: 'DoubleDeserializer',
    write: (v) => {
      if (typeof v !== 'number') return null;
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(v);
      return b;
    },
    read: (b) => b.readDoubleBE(0),
  };
}

/** `org.apache.kafka.connect.converters.BooleanConverter` (KIP-815): one byte, 1 = true, 0 = false. */
export class BooleanConverter implements Converter, HeaderConverter {
  static readonly className = 'org.apache.kafka.connect.converters.BooleanConverter';
  version(): string {
    return '3.9.0';
  }
  configure(configs?: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    void configs;
    void isKey;
  }
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (schema !== null && schema.type() !== SchemaType.BOOLEAN) throw new DataException(`Invalid schema type for BooleanConverter: ${schema.type()}`);
    if (value === null || value === undefined) return null;
    if (typeof value !== 'boolean') throw new DataException(`BooleanConverter is not compatible with objects of type class ${javaClassName(value)}`);
    return Buffer.from([value ? 1 : 0]);
  }
  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null) return new SchemaAndValue(Schemas.OPTIONAL_BOOLEAN_SCHEMA, null);
    if (value.length !== 1) throw new DataException('Failed to deserialize boolean: ', { cause: new Error('Size of data received by BooleanDeserializer is not 1') });
    if (value[0] !== 0 && value[0] !== 1) throw new DataException('Failed to deserialize boolean: ', { cause: new Error(`Unexpected byte received by BooleanDeserializer: ${(value[0] << 24) >> 24}`) });
    return new SchemaAndValue(Schemas.OPTIONAL_BOOLEAN_SCHEMA, value[0] === 1);
  }
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, schema, value);
  }
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
  close(): void {}
}

/**
 * `org.apache.kafka.connect.storage.SimpleHeaderConverter` (the worker's
 * default `header.converter`): values written as `Values.convertToString`
 * (UTF-8), read back with `Values.parseString`, which infers the type from
 * the text: booleans, the narrowest number type, ISO dates/times/timestamps,
 * `[..]` arrays and `{k:v}` maps, else a string.
 */
export class SimpleHeaderConverter implements HeaderConverter {
  static readonly className = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';
  version(): string {
    return '3.9.0';
  }
  configure(configs?: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    void configs;
    void isKey;
  }
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    return Buffer.from(Values.convertToString(schema, value)!, 'utf8');
  }
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null) return SchemaAndValue.NULL;
    const s = bytesOf(value).toString('utf8');
    if (s === '') return new SchemaAndValue(Schemas.STRING_SCHEMA, s);
    try {
      // Kafka returns null for the text "null"; a header with no schema and a null value is the same thing.
      return Values.parseString(s) ?? SchemaAndValue.NULL;
    } catch {
      return new SchemaAndValue(Schemas.STRING_SCHEMA, s);
    }
  }
  close(): void {}
}
