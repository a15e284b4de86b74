/**
 * The records of the `_schemas` topic, as Confluent's registry writes them
 * (Jackson JSON, `SchemaRegistrySerializer`; property order and inclusion
 * as its `@JsonPropertyOrder` / `NON_EMPTY` annotations give them), so a
 * registry here can take over a topic written by Confluent's and the
 * reverse:
 *
 * | key | value |
 * |---|---|
 * | `{"keytype":"SCHEMA","subject":s,"version":n,"magic":1}` | `{"subject","version","id","schemaType"?,"references"?,"metadata"?,"ruleSet"?,"schema","deleted"}`; null = hard delete |
 * | `{"keytype":"CONFIG","subject"?:s,"magic":0}` (no subject = global) | `{"subject"?,...,"compatibilityLevel"?,...}`; null = deleted |
 * | `{"keytype":"MODE","subject"?:s,"magic":0}` | `{"subject"?,"mode"}`; null = deleted |
 * | `{"keytype":"DELETE_SUBJECT","subject":s,"magic":0}` | `{"subject","version"}`: every version up to it soft-deleted |
 * | `{"keytype":"CLEAR_SUBJECT","subject":s,"magic":0}` | `{"subject"}`: soft-deleted versions dropped |
 * | `{"keytype":"CONTEXT","tenant":t,"context":c,"magic":0}` | `{"tenant","context"}` |
 * | `{"keytype":"NOOP","magic":0}` | null |
 */
import type { SchemaReference, SchemaType } from '../formats/types';

export type Metadata = Record<string, unknown>;
export type RuleSet = Record<string, unknown>;

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  md5?: string;
  schemaType: SchemaType;
  references: SchemaReference[];
  metadata?: Metadata | null;
  ruleSet?: RuleSet | null;
  schema: string;
  deleted: boolean;
}

export interface ConfigValue {
  subject?: string | null;
  alias?: string | null;
  normalize?: boolean | null;
  validateFields?: boolean | null;
  validateRules?: boolean | null;
  compatibilityLevel?: string | null;
  compatibilityGroup?: string | null;
  defaultMetadata?: Metadata | null;
  overrideMetadata?: Metadata | null;
  defaultRuleSet?: RuleSet | null;
  overrideRuleSet?: RuleSet | null;
}

export const CONFIG_FIELDS = ['alias', 'normalize', 'validateFields', 'validateRules', 'compatibilityLevel', 'compatibilityGroup', 'defaultMetadata', 'overrideMetadata', 'defaultRuleSet', 'overrideRuleSet'] as const;

export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT' | 'FORWARD';
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT', 'FORWARD'];

export type StoreKey =
  | { keytype: 'SCHEMA'; subject: string; version: number }
  | { keytype: 'CONFIG'; subject: string | null }
  | { keytype: 'MODE'; subject: string | null }
  | { keytype: 'DELETE_SUBJECT'; subject: string }
  | { keytype: 'CLEAR_SUBJECT'; subject: string }
  | { keytype: 'CONTEXT'; tenant: string; context: string }
  | { keytype: 'NOOP' };

export type StoreValue =
  | SchemaValue
  | ConfigValue
  | { subject?: string | null; mode: Mode }
  | { subject: string; version: number }
  | { subject: string }
  | { tenant: string; context: string };

/** Jackson NON_EMPTY: null, empty strings, empty collections and empty objects are left out. */
function nonEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function obj(entries: Array<[string, unknown]>, always: ReadonlySet<string> = new Set()): string {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) if (always.has(k) || nonEmpty(v)) o[k] = v === undefined ? null : v;
  return JSON.stringify(o);
}

export function serializeKey(k: StoreKey): Buffer {
  switch (k.keytype) {
    case 'SCHEMA':
      return Buffer.from(obj([['keytype', 'SCHEMA'], ['subject', k.subject], ['version', k.version], ['magic', 1]], new Set(['subject'])));
    case 'CONFIG':
    case 'MODE':
      return Buffer.from(obj([['keytype', k.keytype], ['subject', k.subject], ['magic', 0]]));
    case 'DELETE_SUBJECT':
    case 'CLEAR_SUBJECT':
      return Buffer.from(obj([['keytype', k.keytype], ['subject', k.subject], ['magic', 0]], new Set(['subject'])));
    case 'CONTEXT':
      return Buffer.from(obj([['keytype', 'CONTEXT'], ['tenant', k.tenant], ['context', k.context], ['magic', 0]]));
    case 'NOOP':
      return Buffer.from('{"keytype":"NOOP","magic":0}');
  }
}

export function serializeSchemaValue(v: SchemaValue): Buffer {
  return Buffer.from(
    obj(
      [
        ['subject', v.subject],
        ['version', v.version],
        ['id', v.id],
        ['md5', v.md5],
        ['schemaType', v.schemaType === 'AVRO' ? null : v.schemaType],
        ['references', v.references],
        ['metadata', v.metadata],
        ['ruleSet', v.ruleSet],
        ['schema', v.schema],
        ['deleted', v.deleted],
      ],
      new Set(['subject', 'schema']),
    ),
  );
}

export function serializeConfigValue(v: ConfigValue): Buffer {
  return Buffer.from(obj([['subject', v.subject], ...CONFIG_FIELDS.map((f) => [f, v[f]] as [string, unknown])]));
}

export function serializeValue(k: StoreKey, v: StoreValue | null): Buffer | null {
  if (v === null) return null;
  switch (k.keytype) {
    case 'SCHEMA':
      return serializeSchemaValue(v as SchemaValue);
    case 'CONFIG':
      return serializeConfigValue(v as ConfigValue);
    case 'MODE': {
      const m = v as { subject?: string | null; mode: Mode };
      return Buffer.from(obj([['subject', m.subject], ['mode', m.mode]]));
    }
    case 'DELETE_SUBJECT': {
      const d = v as { subject: string; version: number };
      return Buffer.from(obj([['subject', d.subject], ['version', d.version]], new Set(['subject'])));
    }
    case 'CLEAR_SUBJECT':
      return Buffer.from(obj([['subject', (v as { subject: string }).subject]], new Set(['subject'])));
    case 'CONTEXT': {
      const c = v as { tenant: string; context: string };
      return Buffer.from(obj([['tenant', c.tenant], ['context', c.context]]));
    }
    case 'NOOP':
      return null;
  }
}

export class StoreRecordError extends Error {}

/** Parses a key; unknown key types give null (skipped, as Confluent skips records it does not know). */
export function deserializeKey(bytes: Uint8Array): StoreKey | null {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new StoreRecordError(`Error while deserializing schema key: ${(e as Error).message}`);
  }
  if (!j || typeof j !== 'object') throw new StoreRecordError('Error while deserializing schema key: not an object');
  const subject = typeof j.subject === 'string' ? j.subject : null;
  switch (j.keytype) {
    case 'SCHEMA':
      return { keytype: 'SCHEMA', subject: subject ?? '', version: Number(j.version) };
    case 'CONFIG':
      return { keytype: 'CONFIG', subject };
    case 'MODE':
      return { keytype: 'MODE', subject };
    case 'DELETE_SUBJECT':
      return { keytype: 'DELETE_SUBJECT', subject: subject ?? '' };
    case 'CLEAR_SUBJECT':
      return { keytype: 'CLEAR_SUBJECT', subject: subject ?? '' };
    case 'CONTEXT':
      return { keytype: 'CONTEXT', tenant: String(j.tenant ?? 'default'), context: String(j.context ?? '.') };
    case 'NOOP':
      return { keytype: 'NOOP' };
    default:
      return null;
  }
}

export function deserializeValue(k: StoreKey, bytes: Uint8Array | null): StoreValue | null {
  if (bytes === null) return null;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new StoreRecordError(`Error while deserializing schema value: ${(e as Error).message}`);
  }
  if (j === null) return null;
  if (k.keytype === 'SCHEMA') {
    const refs = Array.isArray(j.references) ? (j.references as Array<Record<string, unknown>>) : [];
    return {
      subject: String(j.subject ?? k.subject),
      version: Number(j.version ?? k.version),
      id: Number(j.id),
      md5: typeof j.md5 === 'string' ? j.md5 : undefined,
      schemaType: (typeof j.schemaType === 'string' ? j.schemaType.toUpperCase() : 'AVRO') as SchemaType,
      references: refs.map((r) => ({ name: String(r.name), subject: String(r.subject), version: Number(r.version) })),
      metadata: (j.metadata as Metadata | undefined) ?? null,
      ruleSet: (j.ruleSet as RuleSet | undefined) ?? null,
      schema: String(j.schema ?? ''),
      deleted: j.deleted === true,
    } satisfies SchemaValue;
  }
  if (k.keytype === 'MODE') return { subject: (j.subject as string | undefined) ?? null, mode: String(j.mode).toUpperCase() as Mode };
  return j as StoreValue;
}
