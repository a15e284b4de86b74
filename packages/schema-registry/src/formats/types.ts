/**
 * What the registry needs from a schema format (Confluent's
 * `SchemaProvider` / `ParsedSchema`): parsing with resolved references, the
 * canonical string that is stored and deduplicated, normalization, and the
 * reader/writer compatibility check.
 */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** A reference with the schema it points to (and that schema's own references, resolved). */
export interface ResolvedReference extends SchemaReference {
  schemaType: SchemaType;
  schema: string;
  references: ResolvedReference[];
}

export interface ParsedSchema {
  readonly schemaType: SchemaType;
  readonly references: SchemaReference[];
  /** The string stored and compared (Confluent's `canonicalString()`). */
  canonicalString(): string;
  /** Confluent's `normalize()`: a schema whose canonical string ignores cosmetic differences. */
  normalize(): ParsedSchema;
  /**
   * Incompatibilities of reading data written with `previous` using this
   * schema (`isBackwardCompatible`); messages may hold two `%s` for the
   * reader and writer names ("new"/"old"), filled in by the checker.
   */
  isBackwardCompatible(previous: ParsedSchema): string[];
  /** The record/message name (for RecordNameStrategy), or null. */
  name(): string | null;
  /** `format` query parameter (e.g. `serialized` for Protobuf); null when unsupported. */
  formatted(format: string): string | null;
}

export interface ParseOptions {
  /** A schema being registered (Avro then validates defaults). */
  isNew: boolean;
}

export interface SchemaProvider {
  readonly schemaType: SchemaType;
  parse(schema: string, references: readonly ResolvedReference[], opts: ParseOptions): ParsedSchema;
}

/** An invalid schema (42201); the message is the parser's. */
export class InvalidSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchemaError';
  }
}
