/**
 * The registry's view of the `_schemas` log (Confluent's `InMemoryCache`
 * plus `KafkaStoreMessageHandler`): every record read is applied here in log
 * order, and every REST read is answered from here. Indexes per context:
 * schema id -> subject versions, schema hash -> id, referenced-by, the
 * highest id (ids are `max + 1` per context, as `IncrementalIdGenerator`).
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { SchemaReference } from '../formats/types';
import { DEFAULT_CONTEXT, contextOf, parseQualified, qualifiedContext, qualifyWithParent } from '../subject';
import { ConfigValue, Mode, SchemaValue, StoreKey, StoreValue } from './records';

const GLOBAL = '\u0000global';
const cfgKey = (subject: string | null): string => subject ?? GLOBAL;

export type LookupFilter = 'DEFAULT' | 'INCLUDE_DELETED' | 'DELETED_ONLY';

export function shouldInclude(deleted: boolean, filter: LookupFilter): boolean {
  return filter === 'INCLUDE_DELETED' ? true : filter === 'DELETED_ONLY' ? deleted : !deleted;
}

/** MD5 of what identifies a schema (Confluent's `MD5.ofSchema`: schema text, references, metadata, rule set). */
export function schemaHash(v: { schema: string; references: readonly SchemaReference[]; metadata?: unknown; ruleSet?: unknown }): string {
  const h = createHash('md5');
  h.update(v.schema);
  for (const r of v.references) h.update(`\u0000${r.name}\u0000${r.subject}\u0000${r.version}`);
  if (v.metadata) h.update('\u0001' + stableJson(v.metadata));
  if (v.ruleSet) h.update('\u0002' + stableJson(v.ruleSet));
  return h.digest('hex');
}

export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return '[' + v.map(stableJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + stableJson(o[k])).join(',') + '}';
}

class ContextIndex {
  /** id -> subject -> version */
  readonly ids = new Map<number, Map<string, number>>();
  readonly hashes = new Map<string, number>();
  /** "subject\u0000version" -> ids of schemas referencing it */
  readonly referencedBy = new Map<string, Set<number>>();
  maxId = 0;
}

export class RegistryState {
  /** subject -> version -> value (insertion order is not relied on; sort when listing). */
  readonly schemas = new Map<string, Map<number, SchemaValue>>();
  private readonly contexts = new Map<string, ContextIndex>();
  readonly configs = new Map<string, ConfigValue>();
  readonly modes = new Map<string, Mode>();
  /** Non-default contexts known (CONTEXT records). */
  readonly contextNames = new Set<string>();
  /** How many records were applied (for diagnostics). */
  applied = 0;

  ctx(context: string): ContextIndex {
    let c = this.contexts.get(context);
    if (!c) this.contexts.set(context, (c = new ContextIndex()));
    return c;
  }

  // ------------------------------------------------------------------ apply

  apply(key: StoreKey, value: StoreValue | null): void {
    this.applied++;
    switch (key.keytype) {
      case 'SCHEMA':
        if (value === null) this.tombstone(key.subject, key.version);
        else this.putSchema(value as SchemaValue);
        return;
      case 'CONFIG':
        if (value === null) this.configs.delete(cfgKey(key.subject));
        else this.configs.set(cfgKey(key.subject), value as ConfigValue);
        return;
      case 'MODE':
        if (value === null) this.modes.delete(cfgKey(key.subject));
        else this.modes.set(cfgKey(key.subject), (value as { mode: Mode }).mode);
        return;
      case 'DELETE_SUBJECT': {
        if (value === null) return;
        const upTo = (value as { version: number }).version;
        const versions = this.schemas.get(key.subject);
        if (!versions) return;
        for (const [v, sv] of versions) if (v <= upTo && !sv.deleted) this.putSchema({ ...sv, deleted: true });
        return;
      }
      case 'CLEAR_SUBJECT':
        this.clearSubjects(key.subject);
        return;
      case 'CONTEXT':
        if (value !== null) this.contextNames.add(key.context);
        return;
      case 'NOOP':
        return;
    }
  }

  private putSchema(v: SchemaValue): void {
    let versions = this.schemas.get(v.subject);
    if (!versions) this.schemas.set(v.subject, (versions = new Map()));
    const old = versions.get(v.version);
    versions.set(v.version, v);
    const c = this.ctx(contextOf(v.subject));
    let sv = c.ids.get(v.id);
    if (!sv) c.ids.set(v.id, (sv = new Map()));
    sv.set(v.subject, v.version);
    c.hashes.set(schemaHash(v), v.id);
    if (v.id > c.maxId) c.maxId = v.id;
    // referenced-by: registered adds, deleted removes
    for (const r of v.references) {
      const refSubject = qualifyWithParent(v.subject, r.subject);
      const rc = this.ctx(contextOf(refSubject));
      const k = `${refSubject}\u0000${r.version}`;
      if (v.deleted) {
        const ids = rc.referencedBy.get(k);
        if (ids) {
          ids.delete(v.id);
          if (ids.size === 0) rc.referencedBy.delete(k);
        }
      } else {
        let ids = rc.referencedBy.get(k);
        if (!ids) rc.referencedBy.set(k, (ids = new Set()));
        ids.add(v.id);
      }
    }
    void old;
  }

  private tombstone(subject: string, version: number): void {
    const versions = this.schemas.get(subject);
    const old = versions?.get(version);
    if (!versions || !old) return;
    versions.delete(version);
    if (versions.size === 0) this.schemas.delete(subject);
    const c = this.ctx(contextOf(subject));
    const sv = c.ids.get(old.id);
    if (sv && sv.get(subject) === version) {
      sv.delete(subject);
      if (sv.size === 0) c.ids.delete(old.id);
    }
    if (!old.deleted) {
      for (const r of old.references) {
        const refSubject = qualifyWithParent(subject, r.subject);
        const rc = this.ctx(contextOf(refSubject));
        rc.referencedBy.get(`${refSubject}\u0000${r.version}`)?.delete(old.id);
      }
    }
  }

  private clearSubjects(subject: string): void {
    const match = this.subjectMatcher(subject);
    for (const [s, versions] of [...this.schemas]) {
      if (!match(s)) continue;
      for (const [v, sv] of [...versions]) if (sv.deleted) this.tombstone(s, v);
    }
  }

  /** `matchingSubjectPredicate`: the subject itself, or every subject of a context when the name is empty. */
  subjectMatcher(subject: string | null): (s: string) => boolean {
    if (subject === null) return () => true;
    const q = parseQualified(subject);
    if (q.subject === '') {
      const ctx = qualifiedContext(q.context);
      return (s) => s === subject || qualifiedContext(contextOf(s)) === ctx;
    }
    return (s) => s === subject;
  }

  // ------------------------------------------------------------------ reads

  get(subject: string, version: number): SchemaValue | undefined {
    return this.schemas.get(subject)?.get(version);
  }

  /** Versions of a subject, ascending, by filter. */
  versions(subject: string, filter: LookupFilter = 'DEFAULT'): SchemaValue[] {
    const m = this.schemas.get(subject);
    if (!m) return [];
    return [...m.values()].filter((v) => shouldInclude(v.deleted, filter)).sort((a, b) => a.version - b.version);
  }

  latest(subject: string): SchemaValue | undefined {
    const vs = this.versions(subject, 'DEFAULT');
    return vs[vs.length - 1];
  }

  /** `hasSubjects(subject, lookupDeleted)` (a context name matches every subject in it). */
  hasSubjects(subject: string | null, lookupDeleted: boolean): boolean {
    const match = this.subjectMatcher(subject);
    for (const [s, versions] of this.schemas) {
      if (!match(s)) continue;
      for (const v of versions.values()) if (lookupDeleted || !v.deleted) return true;
    }
    return false;
  }

  subjectsMatching(subject: string | null, lookupDeleted: boolean): string[] {
    const match = this.subjectMatcher(subject);
    const out: string[] = [];
    for (const [s, versions] of this.schemas) {
      if (!match(s)) continue;
      if ([...versions.values()].some((v) => lookupDeleted || !v.deleted)) out.push(s);
    }
    return out;
  }

  /** Every stored version whose subject starts with `prefix` (`:*:` = every context; `:*:x` = `x...` in every context). */
  allVersionsWithPrefix(prefix: string): SchemaValue[] {
    let match: (s: string) => boolean;
    if (prefix.startsWith(':*:')) {
      const rest = prefix.slice(3);
      match = (s) => parseQualified(s).subject.startsWith(rest);
    } else if (prefix.startsWith(':.')) {
      match = (s) => s.startsWith(prefix);
    } else {
      match = (s) => contextOf(s) === DEFAULT_CONTEXT && s.startsWith(prefix);
    }
    const out: SchemaValue[] = [];
    for (const [s, versions] of this.schemas) if (match(s)) out.push(...versions.values());
    return out.sort(compareSchemaValues);
  }

  /** Schema key (subject, version) for an id in a context: for a subject in it, or any. */
  schemaKeyById(id: number, subject: string | null): { subject: string; version: number } | null {
    const q = parseQualified(subject);
    const c = this.contexts.get(q.context === '*' ? DEFAULT_CONTEXT : q.context);
    const sv = c?.ids.get(id);
    if (!sv || sv.size === 0) return null;
    if (q.subject === '') {
      const [s, v] = sv.entries().next().value as [string, number];
      return { subject: s, version: v };
    }
    const v = sv.get(subject!);
    return v === undefined ? null : { subject: subject!, version: v };
  }

  /** `schemaIdAndSubjects`: the id a schema already has in the subject's context and where it is registered. */
  schemaIdAndSubjects(subject: string, v: { schema: string; references: readonly SchemaReference[]; metadata?: unknown; ruleSet?: unknown }): { id: number; subjects: Map<string, number> } | null {
    const c = this.contexts.get(contextOf(subject));
    const id = c?.hashes.get(schemaHash(v));
    if (id === undefined) return null;
    const sv = c!.ids.get(id);
    if (!sv || sv.size === 0) return null;
    return { id, subjects: sv };
  }

  subjectVersionsForId(id: number, context: string): Map<string, number> | undefined {
    return this.contexts.get(context)?.ids.get(id);
  }

  referencedBy(subject: string, version: number): number[] {
    const c = this.contexts.get(contextOf(subject));
    return [...(c?.referencedBy.get(`${subject}\u0000${version}`) ?? [])].sort((a, b) => a - b);
  }

  maxId(context: string): number {
    return this.contexts.get(context)?.maxId ?? 0;
  }

  config(subject: string | null): ConfigValue | undefined {
    return this.configs.get(cfgKey(subject));
  }

  mode(subject: string | null): Mode | undefined {
    return this.modes.get(cfgKey(subject));
  }

  allConfigs(): Array<[string | null, ConfigValue]> {
    return [...this.configs].map(([k, v]) => [k === GLOBAL ? null : k, v]);
  }

  allModes(): Array<[string | null, Mode]> {
    return [...this.modes].map(([k, v]) => [k === GLOBAL ? null : k, v]);
  }
}

export function compareSchemaValues(a: SchemaValue, b: SchemaValue): number {
  return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version;
}
