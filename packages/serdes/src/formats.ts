/**
 * The per-format codecs behind the serializers and converters, built from a
 * schema as the registry returns it (text plus resolved references):
 * - Avro: avsc types (compiled encoders; a reader schema resolves through
 *   `createResolver`, Avro's schema resolution). `long` accepts numbers and
 *   bigints and decodes to a number when safe, else a bigint.
 * - Protobuf: the file linked with protobufjs; messages found by Confluent's
 *   message indexes.
 * - JSON Schema: ajv validators (optional, `json.fail.invalid.schema`).
 */
import * as avro from 'avsc';
import type * as protobuf from 'protobufjs';
import { JsonParsedSchema, ProtobufParsedSchema, ProtobufSchemaProvider, JsonSchemaProvider, newAjv } from '@nagare/schema-registry';
import type { ResolvedReference as RegistryResolvedReference } from '@nagare/schema-registry';
import { SerializationException } from './wire';

export type ResolvedReference = RegistryResolvedReference;

// ------------------------------------------------------------------ Avro

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A `long` that takes numbers or bigints and reads back numbers when they are safe. */
export const LongOrBigInt = (avro.types.LongType as unknown as { __with(o: object): avro.Type }).__with({
  fromBuffer: (buf: Buffer) => {
    const n = buf.readBigInt64LE();
    return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n;
  },
  toBuffer: (n: number | bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: (v: unknown) => (typeof v === 'string' ? BigInt(v) : (v as number)),
  toJSON: (n: number | bigint) => (typeof n === 'bigint' ? (n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString()) : n),
  isValid: (n: unknown) => (typeof n === 'number' && Number.isInteger(n)) || typeof n === 'bigint',
  compare: (a: number | bigint, b: number | bigint) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0),
});

export interface AvroOptions {
  /** Wrap unions as avsc does (`auto` by default: unwrapped unless ambiguous). */
  wrapUnions?: 'auto' | 'always' | 'never' | boolean;
}

/** An avsc type for a schema and its (flattened, dependencies-first) references. */
export function avroType(schema: string, references: readonly ResolvedReference[], opts: AvroOptions = {}): avro.Type {
  const registry: Record<string, avro.Type> = { long: LongOrBigInt };
  const flat: ResolvedReference[] = [];
  const seen = new Set<string>();
  const walk = (rs: readonly ResolvedReference[]): void => {
    for (const r of rs) {
      walk(r.references);
      if (!seen.has(r.name)) {
        seen.add(r.name);
        flat.push(r);
      }
    }
  };
  walk(references);
  const typeHook = (sch: unknown): avro.Type | undefined => (sch === 'long' || (sch !== null && typeof sch === 'object' && (sch as { type?: unknown }).type === 'long') ? LongOrBigInt : undefined);
  const o = { registry, wrapUnions: opts.wrapUnions ?? 'auto', typeHook } as unknown as avro.ForSchemaOptions;
  try {
    for (const r of flat) avro.Type.forSchema(JSON.parse(r.schema), o);
    return avro.Type.forSchema(JSON.parse(schema), o);
  } catch (e) {
    throw new SerializationException(`Invalid Avro schema: ${(e as Error).message}`, { cause: e });
  }
}

/** The full name of an Avro schema's top-level named type (for RecordNameStrategy), or null. */
export function avroRecordName(type: avro.Type): string | null {
  const n = (type as { name?: string }).name;
  return n ?? null;
}

// ------------------------------------------------------------------ Protobuf

const pbProvider = new ProtobufSchemaProvider();

export function protobufSchema(schema: string, references: readonly ResolvedReference[]): ProtobufParsedSchema {
  try {
    return pbProvider.parse(schema, references, { isNew: false });
  } catch (e) {
    throw new SerializationException(`Invalid Protobuf schema: ${(e as Error).message}`, { cause: e });
  }
}

/** Confluent's message indexes of a message type (full name) in a file. */
export function messageIndexes(parsed: ProtobufParsedSchema, fullName: string): number[] {
  const pkg = parsed.file.packageName;
  const rel = pkg && fullName.startsWith(pkg + '.') ? fullName.slice(pkg.length + 1) : fullName.replace(/^\./, '');
  const parts = rel.split('.');
  let types = parsed.file.types;
  const out: number[] = [];
  for (const p of parts) {
    const messages = types.filter((t) => t.kind === 'message');
    const ix = messages.findIndex((m) => m.name === p);
    if (ix < 0) throw new SerializationException(`Message ${fullName} is not defined in the schema`);
    out.push(ix);
    types = messages[ix].nestedTypes;
  }
  return out;
}

export function protobufType(parsed: ProtobufParsedSchema, fullName: string): protobuf.Type {
  try {
    return parsed.linked().lookupType(fullName);
  } catch (e) {
    throw new SerializationException(`Message ${fullName} is not defined in the schema: ${(e as Error).message}`, { cause: e });
  }
}

// ------------------------------------------------------------------ JSON Schema

const jsonProvider = new JsonSchemaProvider();

export function jsonSchema(schema: string, references: readonly ResolvedReference[]): JsonParsedSchema {
  try {
    return jsonProvider.parse(schema, references, { isNew: false });
  } catch (e) {
    throw new SerializationException(`Invalid JSON schema: ${(e as Error).message}`, { cause: e });
  }
}

/** An ajv validator for a parsed JSON schema. */
export function jsonValidator(parsed: JsonParsedSchema): (v: unknown) => string | null {
  const validate = parsed.compileWith(newAjv(parsed.draft));
  return (v) => (validate(v) ? null : (validate.errors ?? []).map((e) => `${e.instancePath || '$'} ${e.message}`).join('; '));
}
