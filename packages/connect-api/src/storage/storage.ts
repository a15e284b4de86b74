/**
 * `org.apache.kafka.connect.storage`: converters between Connect data and
 * bytes, and the source offset reader.
 */
import type { ConfigDef } from '../config/config-def';
import type { Schema } from '../data/schema';
import type { SchemaAndValue } from '../data/schema-and-value';

/** Connect data <-> record key/value bytes (`Converter`). */
export interface Converter {
  /** Configs are the `key.converter.*` / `value.converter.*` properties without the prefix. */
  configure(configs: Readonly<Record<string, unknown>>, isKey: boolean): void;
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue;
  config?(): ConfigDef;
  close?(): void;
}

/** Connect header values <-> header bytes (`HeaderConverter`). */
export interface HeaderConverter {
  configure(configs: Readonly<Record<string, unknown>>): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue;
  config?(): ConfigDef;
  close?(): void;
}

/** `ConverterType`. */
export type ConverterType = 'key' | 'value' | 'header';

/** Reads the source offsets a connector stored (`OffsetStorageReader`). Partitions and offsets are maps of primitives. */
export interface OffsetStorageReader {
  offset(partition: Record<string, unknown>): Promise<Record<string, unknown> | null>;
  /** Keyed by the very partition objects passed in. */
  offsets(partitions: ReadonlyArray<Record<string, unknown>>): Promise<Map<Record<string, unknown>, Record<string, unknown> | null>>;
}
