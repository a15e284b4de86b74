/**
 * The message definitions as data (names, types, versions, tags; no prose),
 * generated beside the codecs. Used by the round-trip and fuzz tests to build
 * values for any message and version, and by the docs.
 */

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
