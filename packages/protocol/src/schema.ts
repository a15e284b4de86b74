/**
 * The message definitions as data (names, types, versions, tags; no prose),
 * generated beside the codecs. Used by the round-trip and fuzz tests to build
 * values for any message and version, by test brokers to complete partial
 * messages, and by the docs.
 */
import { ZERO_UUID } from './runtime/uuid';

export interface FieldSchema {
  name: string;
  type: string;
  versions: [number, number];
  nullableVersions?: [number, number];
  taggedVersions?: [number, number];
  tag?: number;
  flexibleVersions?: [number, number] | null;
  default?: string;
  ignorable?: boolean;
  entityType?: string;
}

export interface MessageSchema {
  name: string;
  kind: 'request' | 'response' | 'header' | 'data';
  apiKey: number;
  validVersions: [number, number];
  flexibleVersions: [number, number] | null;
  fields: FieldSchema[];
  structs: Record<string, FieldSchema[]>;
}

let loaded: Record<string, MessageSchema> | undefined;

/** All message schemas by message name, loaded on first use. */
export function messageSchemas(): Record<string, MessageSchema> {
  loaded ??= require('./generated/schemas.json') as Record<string, MessageSchema>;
  return loaded;
}

/** A field's value when a message does not set it: its schema default, or the zero value of its type. */
export function defaultValue(schema: MessageSchema, f: FieldSchema): unknown {
  const raw = f.default;
  if (raw === 'null') return null;
  const t = f.type;
  if (t.startsWith('[]')) return [];
  switch (t) {
    case 'bool':
      return raw === 'true';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return raw === undefined || raw === '' ? 0 : Number(raw);
    case 'int64':
      return raw === undefined || raw === '' ? 0n : BigInt(raw);
    case 'string':
      return raw ?? '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return defaultStruct(schema, t);
  }
}

/** A struct of the schema with every field at its default. */
export function defaultStruct(schema: MessageSchema, name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.structs[name]) out[f.name] = defaultValue(schema, f);
  return out;
}

/**
 * Fills every field of a partial message (at any depth) that is missing or
 * undefined with its default, so a test can name only the fields it cares about.
 */
export function withDefaults<T>(schema: MessageSchema, partial: Record<string, unknown>): T {
  const fill = (fields: FieldSchema[], v: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...v };
    for (const f of fields) {
      const structFields = schema.structs[f.type.startsWith('[]') ? f.type.slice(2) : f.type];
      const value = out[f.name];
      if (value === undefined) out[f.name] = defaultValue(schema, f);
      else if (structFields && Array.isArray(value)) out[f.name] = (value as Record<string, unknown>[]).map((e) => fill(structFields, e));
      else if (structFields && value !== null && typeof value === 'object') out[f.name] = fill(structFields, value as Record<string, unknown>);
    }
    return out;
  };
  return fill(schema.fields, partial) as T;
}
