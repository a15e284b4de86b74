/**
 * Compatibility levels and the checker (Confluent's `CompatibilityChecker`
 * and `SchemaValidatorBuilder`): BACKWARD = the new schema reads data
 * written with the old one; FORWARD = the old schema reads data written
 * with the new one; FULL = both; `_TRANSITIVE` checks every earlier version
 * (newest first, stopping at the first failure), otherwise only the latest.
 */
import { ParsedSchema } from './types';

export type CompatibilityLevel = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

/** `CompatibilityLevel.forName` (case-insensitive); null when unknown. */
export function compatibilityLevelForName(name: unknown): CompatibilityLevel | null {
  if (typeof name !== 'string') return null;
  const up = name.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(up) ? (up as CompatibilityLevel) : null;
}

const DIFFERENT_SCHEMA_TYPE = 'Incompatible because of different schema type';
const MAX_SCHEMA_SIZE_FOR_LOGGING = 10 * 1024;

export interface PreviousSchema {
  schema: ParsedSchema;
  version: number | null;
}

function format(messages: string[], existing: PreviousSchema, reader: string, writer: string, appendSchema: boolean): string[] {
  if (messages.length === 0) return messages;
  const out = messages.map((m) => {
    let k = 0;
    return m.replace(/%s/g, () => (k++ === 0 ? reader : writer));
  });
  if (appendSchema) {
    if (existing.version !== null) out.push(`{oldSchemaVersion: ${existing.version}}`);
    const s = existing.schema.canonicalString();
    out.push(s.length <= MAX_SCHEMA_SIZE_FOR_LOGGING ? `{oldSchema: '${s}'}` : `{oldSchema: <truncated> '${s.slice(0, MAX_SCHEMA_SIZE_FOR_LOGGING)}...'}`);
  }
  return out;
}

function strategy(level: CompatibilityLevel, toValidate: ParsedSchema, existing: PreviousSchema): string[] {
  if (level.startsWith('BACKWARD')) return format(toValidate.isBackwardCompatible(existing.schema), existing, 'new', 'old', true);
  if (level.startsWith('FORWARD')) return format(existing.schema.isBackwardCompatible(toValidate), existing, 'old', 'new', true);
  const r = format(existing.schema.isBackwardCompatible(toValidate), existing, 'old', 'new', false);
  r.push(...format(toValidate.isBackwardCompatible(existing.schema), existing, 'new', 'old', true));
  return r;
}

/**
 * The compatibility errors of `newSchema` against `previous` (oldest first)
 * at `level`; empty when compatible.
 */
export function checkCompatibility(level: CompatibilityLevel, newSchema: ParsedSchema, previous: readonly PreviousSchema[]): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const newestFirst = [...previous].reverse();
  const toCheck = level.endsWith('_TRANSITIVE') ? newestFirst : newestFirst.slice(0, 1);
  for (const existing of toCheck) {
    const errors = newSchema.schemaType === existing.schema.schemaType ? strategy(level, newSchema, existing) : [DIFFERENT_SCHEMA_TYPE];
    if (errors.length > 0) return errors;
  }
  return [];
}
