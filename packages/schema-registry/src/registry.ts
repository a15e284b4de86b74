/**
 * The registry's operations (Confluent's `KafkaSchemaRegistry`):
 * registration with canonical forms, deduplication and compatibility,
 * lookup, reads, soft and permanent deletes, configs, modes, contexts and
 * references. Reads come from the state; writes go to the log and return
 * once applied. Writes are serialized (ids are max + 1 per context), and
 * only the leader writes: the REST layer forwards writes from followers.
 */
import { Errors, RestError, schemaKeyString } from './errors';
import { defaultProviders } from './formats/providers';
import { CompatibilityLevel, PreviousSchema, checkCompatibility, compatibilityLevelForName } from './formats/compatibility';
import { InvalidSchemaError, ParsedSchema, ResolvedReference, SCHEMA_TYPES, SchemaProvider, SchemaReference, SchemaType } from './formats/types';
import { ConfigValue, Metadata, Mode, RuleSet, SchemaValue } from './store/records';
import { RecordTooLargeError, SchemaLog, StoreTimeoutError } from './store/log';
import { LookupFilter, stableJson } from './store/state';
import { DEFAULT_CONTEXT, GLOBAL_CONTEXT_NAME, contextOf, parseQualified, qualifiedContext, qualifyWithParent } from './subject';

export interface RegistryOptions {
  log: SchemaLog;
  providers?: SchemaProvider[];
  /** `schema.compatibility.level` (backward). */
  defaultCompatibility?: CompatibilityLevel;
  /** `mode.mutability` (true). */
  modeMutability?: boolean;
  /** `schema.validate.fields` (false). */
  validateFields?: boolean;
  /** `schema.search.default.limit` / `schema.search.max.limit` (1000). */
  schemaSearchDefaultLimit?: number;
  schemaSearchMaxLimit?: number;
}

export interface RegisterRequest {
  schema?: string | null;
  schemaType?: string | null;
  references?: SchemaReference[] | null;
  metadata?: Metadata | null;
  ruleSet?: RuleSet | null;
  id?: number | null;
  version?: number | null;
}

/** The `Schema` entity (`{"subject","version","id","schemaType"?,"references"?,"metadata"?,"ruleSet"?,"schema"}`). */
export interface SchemaEntity {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  references: SchemaReference[];
  metadata?: Metadata | null;
  ruleSet?: RuleSet | null;
  schema: string;
}

export type ConfigEntity = ConfigValue;

/** A request-shaped schema (Confluent's `Schema(subject, request)`): version 0 / id -1 when not given. */
interface WorkSchema {
  subject: string;
  version: number;
  id: number;
  schemaType: string;
  references: SchemaReference[];
  metadata: Metadata | null;
  ruleSet: RuleSet | null;
  schema: string | null;
}

export function entityOf(v: SchemaValue): SchemaEntity {
  return { subject: v.subject, version: v.version, id: v.id, schemaType: v.schemaType, references: v.references, metadata: v.metadata ?? null, ruleSet: v.ruleSet ?? null, schema: v.schema };
}

function refsToString(refs: readonly SchemaReference[]): string {
  return '[' + refs.map((r) => `{name='${r.name}', subject='${r.subject}', version=${r.version}}`).join(', ') + ']';
}

function workToString(s: WorkSchema): string {
  return `{subject=${s.subject},version=${s.version},id=${s.id},schemaType=${s.schemaType},references=${refsToString(s.references)},metadata=${s.metadata ? stableJson(s.metadata) : 'null'},ruleSet=${s.ruleSet ? stableJson(s.ruleSet) : 'null'},schema=${s.schema},schemaTags=null}`;
}

/** A small async mutex: writes run one at a time. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(fn);
    this.tail = r.then(
      () => undefined,
      () => undefined,
    );
    return r;
  }
}

export class SchemaRegistry {
  readonly log: SchemaLog;
  readonly defaultCompatibility: CompatibilityLevel;
  readonly modeMutability: boolean;
  readonly validateFields: boolean;
  private readonly providers = new Map<string, SchemaProvider>();
  private readonly parsedCache = new Map<string, ParsedSchema>();
  private readonly writes = new Mutex();
  readonly schemaSearchDefaultLimit: number;
  readonly schemaSearchMaxLimit: number;

  constructor(o: RegistryOptions) {
    this.log = o.log;
    this.defaultCompatibility = o.defaultCompatibility ?? 'BACKWARD';
    this.modeMutability = o.modeMutability ?? true;
    this.validateFields = o.validateFields ?? false;
    this.schemaSearchDefaultLimit = o.schemaSearchDefaultLimit ?? 1000;
    this.schemaSearchMaxLimit = o.schemaSearchMaxLimit ?? 1000;
    for (const p of o.providers ?? defaultProviders()) this.providers.set(p.schemaType, p);
  }

  get state() {
    return this.log.state;
  }

  schemaTypes(): string[] {
    return SCHEMA_TYPES.filter((t) => this.providers.has(t));
  }

  // ------------------------------------------------------------------ parsing

  private provider(type: string): SchemaProvider | undefined {
    return this.providers.get(type.toUpperCase());
  }

  /** Resolves references (depth first), qualifying their subjects with the referrer's context. */
  resolveReferences(parentSubject: string, refs: readonly SchemaReference[], depth = 0): ResolvedReference[] {
    if (depth > 32) throw new InvalidSchemaError('Too many levels of schema references');
    return refs.map((r) => {
      const subject = qualifyWithParent(parentSubject, r.subject);
      const v = r.version === -1 ? this.state.latest(subject) : this.state.get(subject, r.version);
      if (!v) throw new InvalidSchemaError(`No schema reference found for subject "${r.subject}" and version ${r.version}`);
      return { name: r.name, subject: r.subject, version: r.version, schemaType: v.schemaType, schema: v.schema, references: this.resolveReferences(subject, v.references, depth + 1) };
    });
  }

  /** Parses a stored (or request) schema; throws InvalidSchemaError. Cached for stored schemas. */
  parse(subject: string, schemaType: string, schema: string, references: readonly SchemaReference[], isNew: boolean): ParsedSchema {
    const provider = this.provider(schemaType);
    if (!provider) throw new InvalidSchemaError(`Invalid schema type ${schemaType}`);
    const key = isNew ? null : `${schemaType}\u0000${contextOf(subject)}\u0000${stableJson(references)}\u0000${schema}`;
    if (key !== null) {
      const hit = this.parsedCache.get(key);
      if (hit) return hit;
    }
    const parsed = provider.parse(schema, this.resolveReferences(subject, references), { isNew });
    if (key !== null) {
      if (this.parsedCache.size >= 1000) this.parsedCache.delete(this.parsedCache.keys().next().value as string);
      this.parsedCache.set(key, parsed);
    }
    return parsed;
  }

  parseStored(v: SchemaValue): ParsedSchema {
    return this.parse(v.subject, v.schemaType, v.schema, v.references, false);
  }

  /**
   * `canonicalizeSchema`: parses, normalizes when asked (outside IMPORT
   * mode) and replaces the schema text, type and references with the
   * canonical ones. Errors are 42201 with Confluent's wording.
   */
  private canonicalize(s: WorkSchema, isNew: boolean, normalize: boolean): ParsedSchema | null {
    if (s.schema === null || s.schema.trim() === '') return null;
    let parsed: ParsedSchema;
    try {
      parsed = this.parse(s.subject, s.schemaType, s.schema, s.references, isNew);
    } catch (e) {
      if (e instanceof InvalidSchemaError) {
        if (!this.provider(s.schemaType)) throw Errors.invalidSchema(e.message);
        throw Errors.invalidSchema(`Invalid schema ${workToString(s)} with refs ${refsToString(s.references)} of type ${s.schemaType.toUpperCase()}, details: ${e.message}`);
      }
      throw e;
    }
    if (normalize && !this.isImportOrForward(this.modeInScope(s.subject))) parsed = parsed.normalize();
    s.schemaType = parsed.schemaType;
    s.schema = parsed.canonicalString();
    s.references = parsed.references;
    return parsed;
  }

  private work(subject: string, r: RegisterRequest): WorkSchema {
    const refs = Array.isArray(r.references) ? r.references.map((x) => ({ name: String(x.name), subject: String(x.subject), version: Number(x.version) })) : [];
    return {
      subject,
      version: r.version ?? 0,
      id: r.id ?? -1,
      schemaType: (r.schemaType ?? 'AVRO').toUpperCase(),
      references: refs,
      metadata: r.metadata ?? null,
      ruleSet: r.ruleSet ?? null,
      schema: r.schema ?? null,
    };
  }

  // ------------------------------------------------------------------ config & mode

  private configEntity(c: ConfigValue | undefined): ConfigEntity | null {
    if (!c) return null;
    const out: ConfigEntity = {};
    for (const k of ['alias', 'normalize', 'validateFields', 'validateRules', 'compatibilityLevel', 'compatibilityGroup', 'defaultMetadata', 'overrideMetadata', 'defaultRuleSet', 'overrideRuleSet'] as const) {
      if (c[k] !== undefined && c[k] !== null) (out as Record<string, unknown>)[k] = c[k];
    }
    out.compatibilityLevel ??= this.defaultCompatibility;
    return this.orderConfig(out);
  }

  private orderConfig(c: ConfigEntity): ConfigEntity {
    const out: ConfigEntity = {};
    for (const k of ['alias', 'normalize', 'validateFields', 'validateRules', 'compatibilityLevel', 'compatibilityGroup', 'defaultMetadata', 'overrideMetadata', 'defaultRuleSet', 'overrideRuleSet'] as const) {
      if (c[k] !== undefined && c[k] !== null) (out as Record<string, unknown>)[k] = c[k];
    }
    return out;
  }

  private lookupConfig(subject: string | null, returnTopLevelIfNotFound: boolean): ConfigEntity | null {
    const own = this.state.config(subject);
    if (own) return this.configEntity(own);
    const q = parseQualified(subject);
    const dflt: ConfigEntity = { compatibilityLevel: this.defaultCompatibility };
    if (!returnTopLevelIfNotFound) return subject === null || q.context === GLOBAL_CONTEXT_NAME ? dflt : null;
    const ctxCfg = q.context !== DEFAULT_CONTEXT && q.context !== '*' ? this.state.config(qualifiedContext(q.context)) : this.state.config(null);
    if (ctxCfg) return this.configEntity(ctxCfg);
    const g = this.state.config(`:${GLOBAL_CONTEXT_NAME}:`);
    if (g) return this.configEntity(g);
    return dflt;
  }

  /** `getConfig`: the subject's own config (null if none); the global (or default) one for null. */
  getConfig(subject: string | null): ConfigEntity | null {
    return this.lookupConfig(subject, false);
  }

  /** `getConfigInScope`: subject, then context, then global, then the server default. */
  getConfigInScope(subject: string | null): ConfigEntity {
    if (subject === null) return this.lookupConfig(null, true)!;
    const own = this.lookupConfig(subject, false);
    if (own === null) return this.lookupConfig(subject, true)!;
    const global = this.lookupConfig(null, false)!;
    const merged: ConfigEntity = { ...global };
    for (const [k, v] of Object.entries(this.state.config(subject) ?? {})) if (k !== 'subject' && v !== null && v !== undefined) (merged as Record<string, unknown>)[k] = v;
    return this.orderConfig(merged);
  }

  compatibilityInScope(subject: string): CompatibilityLevel {
    return compatibilityLevelForName(this.getConfigInScope(subject).compatibilityLevel) ?? this.defaultCompatibility;
  }

  private lookupMode(subject: string | null, returnTopLevelIfNotFound: boolean): Mode | null {
    const own = this.state.mode(subject);
    if (own) return own;
    const q = parseQualified(subject);
    if (!returnTopLevelIfNotFound) return subject === null || q.context === GLOBAL_CONTEXT_NAME ? 'READWRITE' : null;
    const c = q.context !== DEFAULT_CONTEXT && q.context !== '*' ? this.state.mode(qualifiedContext(q.context)) : this.state.mode(null);
    if (c) return c;
    return this.state.mode(`:${GLOBAL_CONTEXT_NAME}:`) ?? 'READWRITE';
  }

  getMode(subject: string | null): Mode | null {
    const global = this.lookupMode(null, false);
    const own = this.lookupMode(subject, false);
    return global === 'READONLY_OVERRIDE' ? global : own;
  }

  modeInScope(subject: string | null): Mode {
    const global = this.lookupMode(null, true)!;
    const own = this.lookupMode(subject, true)!;
    return global === 'READONLY_OVERRIDE' ? global : own;
  }

  private isImportOrForward(m: Mode): boolean {
    return m === 'IMPORT' || m === 'FORWARD';
  }

  private isReadOnly(subject: string | null): boolean {
    const m = this.modeInScope(subject);
    return m === 'READONLY' || m === 'READONLY_OVERRIDE';
  }

  private readOnlyError(subject: string | null): RestError {
    return Errors.operationNotPermitted(`Subject ${subject} in context ${qualifiedContext(contextOf(subject))} is in read-only mode`);
  }

  // ------------------------------------------------------------------ writes (leader)

  private async put(fn: () => Promise<void>, what: string): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof RestError) throw e;
      if (e instanceof RecordTooLargeError) throw Errors.schemaTooLarge();
      if (e instanceof StoreTimeoutError) throw Errors.timeout(`${what} operation timed out`);
      throw Errors.store(`${what} operation failed while writing to the Kafka store: ${(e as Error).message}`);
    }
  }

  private async sync(what: string): Promise<void> {
    await this.put(() => this.log.sync(), what);
  }

  /** `registerOrForward`'s local part: an existing schema answers without a write (any instance may answer it). */
  lookupExistingForRegister(subject: string, req: RegisterRequest, normalize: boolean): { id: number } | null {
    const s = this.work(subject, req);
    const config = this.getConfigInScope(subject);
    if (config.defaultMetadata || config.overrideMetadata || config.defaultRuleSet || config.overrideRuleSet) return null;
    const isLatest = s.version === -1;
    const existing = this.lookUpSchemaUnderSubject(subject, s, normalize || config.normalize === true, false, isLatest);
    if (!existing) return null;
    if ((s.version === 0 || isLatest) && (s.id < 0 || s.id === existing.id)) return { id: existing.id };
    return null;
  }

  /** `register` (leader only). Returns `{id}` or, when metadata/rule sets were filled in, the whole schema. */
  register(subject: string, req: RegisterRequest, normalize: boolean): Promise<{ id: number } | Omit<SchemaEntity, 'subject'>> {
    return this.writes.run(() => this.registerLocked(subject, req, normalize));
  }

  private async registerLocked(subject: string, req: RegisterRequest, normalizeIn: boolean): Promise<{ id: number } | Omit<SchemaEntity, 'subject'>> {
    const s = this.work(subject, req);
    const context = qualifiedContext(contextOf(subject));
    if (this.isReadOnly(subject)) throw this.readOnlyError(subject);
    const mode = this.modeInScope(subject);
    if (s.id >= 0) {
      if (!this.isImportOrForward(mode)) throw Errors.operationNotPermitted(`Subject ${subject} is not in import or forward mode`);
    } else if (mode !== 'READWRITE') {
      throw Errors.operationNotPermitted(`Subject ${subject} in context ${context} is not in read-write mode`);
    }
    await this.sync('Register');
    const all = this.state.versions(subject, 'INCLUDE_DELETED').reverse();
    let newVersion = 1;
    const deleted: SchemaValue[] = [];
    const undeleted: SchemaValue[] = [];
    for (const v of all) {
      newVersion = Math.max(newVersion, v.version + 1);
      if (v.deleted) deleted.push(v);
      else undeleted.push(v);
    }
    const config = this.getConfigInScope(subject);
    const normalize = normalizeIn || config.normalize === true;
    let modified = false;
    if (!this.isImportOrForward(mode)) modified = this.populateFromPrevious(config, s, undeleted[0] ?? null, newVersion);
    let schemaId = s.id;
    const parsed = this.canonicalize(s, schemaId < 0, normalize);
    if (parsed) {
      const existing = this.state.schemaIdAndSubjects(subject, { schema: s.schema!, references: s.references, metadata: s.metadata, ruleSet: s.ruleSet });
      if (existing && (schemaId < 0 || schemaId === existing.id)) {
        const v = existing.subjects.get(subject);
        if (s.version === 0 && v !== undefined && !this.state.get(subject, v)?.deleted) {
          return modified ? this.responseOf(s, v, existing.id) : { id: existing.id };
        }
        schemaId = existing.id;
      }
    }
    if (s.version === 0 && parsed) {
      for (const u of undeleted) {
        if ((schemaId < 0 || schemaId === u.id) && this.canLookup(parsed, s, u)) return modified ? this.responseOf(s, u.version, u.id) : { id: u.id };
      }
    }
    if (!this.isImportOrForward(mode)) {
      if (!parsed) throw Errors.invalidSchema('Empty schema');
      const errors = this.compatibilityErrors(subject, parsed, [...undeleted].reverse(), config);
      if (errors.length > 0) throw Errors.incompatibleSchema(subject, errors);
    }
    if (!parsed) throw Errors.invalidSchema('Empty schema');
    await this.put(async () => {
      const q = parseQualified(subject);
      if (q.context !== DEFAULT_CONTEXT && !this.state.contextNames.has(q.context)) {
        await this.log.put({ keytype: 'CONTEXT', tenant: 'default', context: q.context }, { tenant: 'default', context: q.context });
      }
    }, 'Register');
    if (s.version <= 0) s.version = newVersion;
    else if (newVersion !== s.version && !this.isImportOrForward(mode)) throw Errors.invalidSchema('Version is not one more than previous version');
    if (schemaId >= 0) {
      this.checkIfSchemaWithIdExists(schemaId, s);
      s.id = schemaId;
    } else {
      const ctx = contextOf(subject);
      let id = this.state.maxId(ctx) + 1;
      while (this.state.subjectVersionsForId(id, ctx)?.size) id++;
      s.id = id;
    }
    const value: SchemaValue = {
      subject,
      version: s.version,
      id: s.id,
      schemaType: s.schemaType as SchemaType,
      references: s.references,
      metadata: s.metadata,
      ruleSet: s.ruleSet,
      schema: s.schema!,
      deleted: false,
    };
    await this.put(async () => {
      for (const d of deleted) {
        if (d.id === value.id && d.version < value.version) await this.log.put({ keytype: 'SCHEMA', subject: d.subject, version: d.version }, null);
      }
      await this.log.put({ keytype: 'SCHEMA', subject, version: value.version }, value);
    }, 'Register');
    return modified ? this.responseOf(s, value.version, value.id) : { id: value.id };
  }

  private responseOf(s: WorkSchema, version: number, id: number): Omit<SchemaEntity, 'subject'> & { subject?: never } {
    return { id, version, schemaType: s.schemaType as SchemaType, references: s.references, metadata: s.metadata, ruleSet: s.ruleSet, schema: s.schema! } as never;
  }

  private checkIfSchemaWithIdExists(id: number, s: WorkSchema): void {
    const key = this.state.schemaKeyById(id, qualifiedContext(contextOf(s.subject)));
    if (!key) return;
    const existing = this.state.get(key.subject, key.version);
    if (!existing) return;
    const same = existing.schema === s.schema && existing.schemaType === s.schemaType && stableJson(existing.references) === stableJson(s.references);
    if (!same) throw Errors.operationNotPermitted(`Overwrite new schema with id ${id} in context ${qualifiedContext(contextOf(s.subject))} is not permitted.`);
  }

  /** `canLookup`: the same schema (canonical text and references), ignoring metadata. */
  private canLookup(parsed: ParsedSchema, s: WorkSchema, prev: SchemaValue): boolean {
    if (prev.schemaType !== parsed.schemaType) return false;
    return prev.schema === s.schema && stableJson(prev.references) === stableJson(s.references);
  }

  private populateFromPrevious(config: ConfigEntity, s: WorkSchema, previous: SchemaValue | null, newVersion: number): boolean {
    let populated = false;
    if (s.schema === null || s.schema.trim() === '') {
      if (!previous) throw Errors.invalidSchema('Empty schema');
      s.schema = previous.schema;
      s.schemaType = previous.schemaType;
      s.references = previous.references;
      populated = true;
    }
    const specificMd = s.metadata ?? previous?.metadata ?? null;
    let md = mergeMetadata(mergeMetadata((config.defaultMetadata as Metadata) ?? null, specificMd), (config.overrideMetadata as Metadata) ?? null);
    const specificRs = s.ruleSet ?? previous?.ruleSet ?? null;
    const rs = mergeRuleSets(mergeRuleSets((config.defaultRuleSet as RuleSet) ?? null, specificRs), (config.overrideRuleSet as RuleSet) ?? null);
    const props = (md?.properties ?? null) as Record<string, string> | null;
    if (s.version !== 0 || (props && props['confluent:version'] !== undefined)) {
      md = { ...(md ?? {}), properties: { ...(props ?? {}), 'confluent:version': String(newVersion) } };
    }
    if (md !== null || rs !== null) {
      s.metadata = md;
      s.ruleSet = rs;
      return true;
    }
    return populated;
  }

  /** The compatibility errors of a parsed schema against previous versions (ascending) under the subject's config. */
  compatibilityErrors(subject: string, parsed: ParsedSchema, previous: readonly SchemaValue[], config = this.getConfigInScope(subject)): string[] {
    const level = compatibilityLevelForName(config.compatibilityLevel) ?? this.defaultCompatibility;
    let prev = previous;
    const group = config.compatibilityGroup;
    if (group) {
      const valueOf = (md: unknown): string | undefined => ((md as { properties?: Record<string, string> } | null)?.properties ?? {})[group];
      const mine = valueOf(null);
      prev = prev.filter((p) => valueOf(p.metadata) === mine);
    }
    const prevParsed: PreviousSchema[] = prev.map((p) => ({ schema: this.parseStored(p), version: p.version }));
    const errors = checkCompatibility(level, parsed, prevParsed);
    if (errors.length > 0) errors.push(`{validateFields: '${config.validateFields === true || this.validateFields}', compatibility: '${level}'}`);
    return errors;
  }

  // ------------------------------------------------------------------ lookup

  private lookUpSchemaUnderSubject(subject: string, s: WorkSchema, normalize: boolean, lookupDeleted: boolean, latestOnly: boolean): SchemaEntity | null {
    const copy: WorkSchema = { ...s };
    const parsed = this.canonicalize(copy, false, normalize);
    if (parsed && !latestOnly) {
      const existing = this.state.schemaIdAndSubjects(subject, { schema: copy.schema!, references: copy.references, metadata: copy.metadata, ruleSet: copy.ruleSet });
      const v = existing?.subjects.get(subject);
      if (existing && v !== undefined) {
        const stored = this.state.get(subject, v);
        if (stored && (lookupDeleted || !stored.deleted)) {
          return { subject, version: v, id: existing.id, schemaType: copy.schemaType as SchemaType, references: copy.references, metadata: copy.metadata, ruleSet: copy.ruleSet, schema: copy.schema! };
        }
      }
    }
    if (!parsed) return null;
    const candidates = latestOnly ? [this.state.latest(subject)].filter((x): x is SchemaValue => !!x) : this.state.versions(subject, lookupDeleted ? 'INCLUDE_DELETED' : 'DEFAULT').reverse();
    for (const prev of candidates) if (this.canLookup(parsed, copy, prev)) return entityOf(prev);
    return null;
  }

  /** POST /subjects/{s}: the version of a schema in a subject. */
  lookup(subject: string, req: RegisterRequest, normalize: boolean, lookupDeleted: boolean): SchemaEntity {
    const s = this.work(subject, req);
    const n = normalize || this.getConfigInScope(subject).normalize === true;
    let found = this.lookUpSchemaUnderSubject(subject, s, n, lookupDeleted, false);
    if (!found && parseQualified(subject).context === DEFAULT_CONTEXT) {
      for (const ctx of [...this.state.contextNames].sort()) {
        const qs = `:${ctx}:${subject}`;
        try {
          found = this.lookUpSchemaUnderSubject(qs, { ...s, subject: qs }, n, lookupDeleted, false);
        } catch {
          found = null;
        }
        if (found) break;
      }
    }
    if (!found) {
      if (!this.state.hasSubjects(subject, lookupDeleted)) throw Errors.subjectNotFound(subject);
      throw Errors.schemaNotFound();
    }
    return found;
  }

  // ------------------------------------------------------------------ reads

  /** `VersionId`: "latest", -1 or 1..2^31-1; otherwise 42202. */
  static parseVersion(v: string | number): number {
    const s = String(v);
    if (s.toLowerCase() === 'latest') return -1;
    if (!/^-?\d+$/.test(s)) throw Errors.invalidVersion(s);
    const n = Number(s);
    if (n === -1) return -1;
    if (!(n >= 1 && n <= 2147483647)) throw Errors.invalidVersion(s);
    return n;
  }

  /** `get(subject, version, returnDeleted)`. */
  get(subject: string, version: number, returnDeleted: boolean): SchemaValue | null {
    if (version === -1) return this.state.latest(subject) ?? null;
    const v = this.state.get(subject, version);
    return v && (!v.deleted || returnDeleted) ? v : null;
  }

  /** `getUsingContexts`. */
  getUsingContexts(subject: string, version: number, returnDeleted: boolean): SchemaValue | null {
    const v = this.get(subject, version, returnDeleted);
    if (v) return v;
    if (parseQualified(subject).context !== DEFAULT_CONTEXT) return null;
    for (const ctx of [...this.state.contextNames].sort()) {
      const x = this.get(`:${ctx}:${subject}`, version, returnDeleted);
      if (x) return x;
    }
    return null;
  }

  /** GET /subjects/{s}/versions/{v}. */
  getVersion(subject: string, versionStr: string, lookupDeleted: boolean): SchemaValue {
    const version = SchemaRegistry.parseVersion(versionStr);
    const v = this.getUsingContexts(subject, version, lookupDeleted);
    if (!v) {
      if (!this.state.hasSubjects(subject, lookupDeleted)) throw Errors.subjectNotFound(subject);
      throw Errors.versionNotFound(version);
    }
    return v;
  }

  listVersions(subject: string, filter: LookupFilter): number[] {
    if (!this.state.hasSubjects(subject, filter !== 'DEFAULT')) throw Errors.subjectNotFound(subject);
    return this.state.versions(subject, filter).map((v) => v.version);
  }

  listSubjects(prefix: string, filter: LookupFilter): string[] {
    const deletedBySubject = new Map<string, boolean>();
    for (const v of this.state.allVersionsWithPrefix(prefix)) deletedBySubject.set(v.subject, (deletedBySubject.get(v.subject) ?? true) && v.deleted);
    return [...deletedBySubject].filter(([, allDeleted]) => (filter === 'INCLUDE_DELETED' ? true : filter === 'DELETED_ONLY' ? allDeleted : !allDeleted)).map(([s]) => s).sort();
  }

  listSchemas(prefix: string, filter: LookupFilter, latestOnly: boolean): SchemaValue[] {
    const all = this.state.allVersionsWithPrefix(prefix).filter((v) => (filter === 'INCLUDE_DELETED' ? true : filter === 'DELETED_ONLY' ? v.deleted : !v.deleted));
    if (!latestOnly) return all;
    const latest = new Map<string, SchemaValue>();
    for (const v of all) latest.set(v.subject, v);
    return [...latest.values()];
  }

  /** `getSchemaKeyUsingContexts`. */
  private schemaKeyUsingContexts(id: number, subject: string | null): { subject: string; version: number } | null {
    const q = parseQualified(subject);
    const key = this.state.schemaKeyById(id, subject);
    if (subject === null || q.subject === '' || q.context !== DEFAULT_CONTEXT || key) return key;
    for (const ctx of [...this.state.contextNames].sort()) {
      const k = this.state.schemaKeyById(id, `:${ctx}:${q.subject}`);
      if (k) return k;
    }
    return this.state.schemaKeyById(id, qualifiedContext(q.context));
  }

  /** GET /schemas/ids/{id}. */
  getById(id: number, subject: string | null): SchemaValue | null {
    const k = this.schemaKeyUsingContexts(id, subject);
    return k ? (this.state.get(k.subject, k.version) ?? null) : null;
  }

  maxId(subject: string | null): number {
    return this.state.maxId(contextOf(subject));
  }

  /** GET /schemas/ids/{id}/versions. */
  versionsForId(id: number, subject: string | null, lookupDeleted: boolean): Array<{ subject: string; version: number }> | null {
    const k = this.schemaKeyUsingContexts(id, subject);
    if (!k) return null;
    const v = this.state.get(k.subject, k.version);
    if (!v) return null;
    const sv = this.state.schemaIdAndSubjects(v.subject, v);
    if (!sv) return null;
    const out: Array<{ subject: string; version: number }> = [];
    for (const [s, ver] of sv.subjects) {
      const x = this.state.get(s, ver);
      if (x && (!x.deleted || lookupDeleted)) out.push({ subject: s, version: ver });
    }
    return out.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
  }

  referencedBy(subject: string, versionStr: string): number[] {
    const v = this.getVersion(subject, versionStr, true);
    return this.state.referencedBy(v.subject, v.version);
  }

  listContexts(): string[] {
    return [DEFAULT_CONTEXT, ...[...this.state.contextNames].sort()];
  }

  /** GET /subjects/{s}/metadata: the latest version whose metadata properties include all given. */
  latestWithMetadata(subject: string, wanted: Record<string, string>, lookupDeleted: boolean): SchemaValue {
    for (const v of this.state.versions(subject, lookupDeleted ? 'INCLUDE_DELETED' : 'DEFAULT').reverse()) {
      const props = ((v.metadata as { properties?: Record<string, string> } | null)?.properties ?? null) as Record<string, string> | null;
      if (props && Object.entries(wanted).every(([k, x]) => props[k] === x)) return v;
    }
    if (!this.state.hasSubjects(subject, lookupDeleted)) throw Errors.subjectNotFound(subject);
    throw Errors.schemaNotFound();
  }

  // ------------------------------------------------------------------ compatibility endpoint

  /** POST /compatibility/subjects/{s}/versions[/{v}]: errors (empty = compatible). */
  testCompatibility(subject: string, versionStr: string | null, req: RegisterRequest, normalize: boolean, verbose: boolean): string[] {
    let previous: SchemaValue[];
    if (versionStr !== null) {
      const version = SchemaRegistry.parseVersion(versionStr);
      const v = this.get(subject, version, false);
      if (!v && version !== -1) throw Errors.versionNotFound(version);
      previous = v ? [v] : [];
    } else {
      previous = this.state.versions(subject, 'DEFAULT');
    }
    const s = this.work(subject, req);
    const config = this.getConfigInScope(subject);
    try {
      const parsed = this.canonicalize(s, true, normalize || config.normalize === true);
      if (!parsed) throw Errors.invalidSchema('Empty schema');
      return this.compatibilityErrors(subject, parsed, previous, config);
    } catch (e) {
      if (verbose && e instanceof RestError && e.errorCode === 42201) return [e.message];
      throw e;
    }
  }

  // ------------------------------------------------------------------ deletes

  /** DELETE /subjects/{s}/versions/{v} checks (any instance). Returns the version to delete. */
  checkDeleteVersion(subject: string, versionStr: string, permanent: boolean): SchemaValue {
    const version = SchemaRegistry.parseVersion(versionStr);
    const any = version === -1 ? this.state.latest(subject) : this.state.get(subject, version);
    if (any && !permanent && any.deleted) throw Errors.versionSoftDeleted(subject, versionStr);
    const v = this.get(subject, version, true);
    if (!v) {
      if (!this.state.hasSubjects(subject, true)) throw Errors.subjectNotFound(subject);
      throw Errors.versionNotFound(version);
    }
    return v;
  }

  deleteVersion(subject: string, versionStr: string, permanent: boolean): Promise<number> {
    return this.writes.run(async () => {
      const schema = this.checkDeleteVersion(subject, versionStr, permanent);
      if (this.isReadOnly(subject)) throw this.readOnlyError(subject);
      if (this.state.referencedBy(subject, schema.version).length > 0) throw Errors.referenceExists(schemaKeyString(subject, schema.version));
      const current = this.state.get(subject, schema.version);
      if (permanent && current && !current.deleted) throw Errors.versionNotSoftDeleted(subject, String(schema.version));
      await this.sync('Delete Schema Version');
      await this.put(async () => {
        if (!permanent) {
          await this.log.put({ keytype: 'SCHEMA', subject, version: schema.version }, { ...schema, deleted: true });
        } else {
          await this.log.put({ keytype: 'SCHEMA', subject, version: schema.version }, null);
          if (this.state.versions(subject, 'INCLUDE_DELETED').length === 0) {
            if (this.state.mode(subject)) await this.log.put({ keytype: 'MODE', subject }, null);
            if (this.state.config(subject)) await this.log.put({ keytype: 'CONFIG', subject }, null);
          }
        }
      }, 'Delete Schema Version');
      return schema.version;
    });
  }

  checkDeleteSubject(subject: string, permanent: boolean): void {
    if (!this.state.hasSubjects(subject, true)) throw Errors.subjectNotFound(subject);
    if (!permanent && !this.state.hasSubjects(subject, false)) throw Errors.subjectSoftDeleted(subject);
  }

  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.writes.run(async () => {
      this.checkDeleteSubject(subject, permanent);
      if (this.isReadOnly(subject)) throw this.readOnlyError(subject);
      await this.sync('Delete subject');
      const toDelete = this.state.versions(subject, permanent ? 'INCLUDE_DELETED' : 'DEFAULT');
      const versions: number[] = [];
      let watermark = 0;
      for (const v of toDelete) {
        watermark = v.version;
        if (this.state.referencedBy(subject, v.version).length > 0) throw Errors.referenceExists(schemaKeyString(subject, v.version));
        if (permanent && !v.deleted) throw Errors.subjectNotSoftDeleted(subject);
        versions.push(v.version);
      }
      await this.put(async () => {
        if (!permanent) {
          await this.log.put({ keytype: 'DELETE_SUBJECT', subject }, { subject, version: watermark });
        } else {
          for (const v of versions) await this.log.put({ keytype: 'SCHEMA', subject, version: v }, null);
          if (this.state.mode(subject)) await this.log.put({ keytype: 'MODE', subject }, null);
          if (this.state.config(subject)) await this.log.put({ keytype: 'CONFIG', subject }, null);
        }
      }, 'Delete subject');
      return versions;
    });
  }

  // ------------------------------------------------------------------ config & mode writes

  updateConfig(subject: string | null, request: Record<string, unknown>): Promise<ConfigEntity> {
    return this.writes.run(async () => {
      if (this.isReadOnly(subject)) throw this.readOnlyError(subject);
      await this.sync('Update config');
      const old = this.state.config(subject);
      const next: ConfigValue = { ...(old ?? {}) };
      delete next.subject;
      const map: Record<string, keyof ConfigValue> = {
        alias: 'alias',
        normalize: 'normalize',
        validateFields: 'validateFields',
        validateRules: 'validateRules',
        compatibility: 'compatibilityLevel',
        compatibilityLevel: 'compatibilityLevel',
        compatibilityGroup: 'compatibilityGroup',
        defaultMetadata: 'defaultMetadata',
        overrideMetadata: 'overrideMetadata',
        defaultRuleSet: 'defaultRuleSet',
        overrideRuleSet: 'overrideRuleSet',
      };
      for (const [k, field] of Object.entries(map)) {
        if (k in request) {
          const v = request[k];
          (next as Record<string, unknown>)[field] = field === 'compatibilityLevel' && v !== null && v !== undefined ? compatibilityLevelForName(v) : v;
        }
      }
      const value: ConfigValue = { subject, ...next };
      await this.put(() => this.log.put({ keytype: 'CONFIG', subject }, value), 'Update config');
      return this.orderConfig(next);
    });
  }

  deleteConfig(subject: string | null): Promise<ConfigEntity | null> {
    return this.writes.run(async () => {
      const before = this.getConfig(subject);
      if (this.isReadOnly(subject)) throw this.readOnlyError(subject);
      await this.sync('Delete config');
      await this.put(() => this.log.put({ keytype: 'CONFIG', subject }, null), 'Delete config');
      return before;
    });
  }

  setMode(subject: string | null, mode: Mode | null, force: boolean): Promise<void> {
    return this.writes.run(async () => {
      if (!this.modeMutability) throw Errors.operationNotPermitted('Mode changes are not allowed');
      await this.sync('Update mode');
      if (mode === 'IMPORT' && this.modeInScope(subject) !== 'IMPORT' && !force) {
        if (this.state.hasSubjects(subject, false)) throw Errors.operationNotPermitted('Cannot import since found existing subjects');
        const keys: Array<{ subject: string; version: number }> = [];
        for (const s of this.state.subjectsMatching(subject, true)) {
          for (const v of this.state.versions(s, 'INCLUDE_DELETED')) {
            if (this.state.referencedBy(s, v.version).length > 0) throw Errors.referenceExists(schemaKeyString(s, v.version));
            keys.push({ subject: s, version: v.version });
          }
        }
        await this.put(async () => {
          for (const k of keys) await this.log.put({ keytype: 'SCHEMA', subject: k.subject, version: k.version }, null);
          await this.log.put({ keytype: 'CLEAR_SUBJECT', subject: subject ?? '' }, { subject: subject ?? '' });
        }, 'Update mode');
      }
      await this.put(() => this.log.put({ keytype: 'MODE', subject }, mode === null ? null : { subject, mode }), 'Update mode');
    });
  }

  deleteMode(subject: string | null, recursive: boolean): Promise<Mode | null> {
    return this.writes.run(async () => {
      const before = this.getMode(subject);
      if (!this.modeMutability) throw Errors.operationNotPermitted('Mode changes are not allowed');
      await this.sync('Delete mode');
      await this.put(async () => {
        if (recursive) {
          const match = this.state.subjectMatcher(subject === null ? '' : subject);
          for (const [s] of this.state.allModes()) if (s !== null && s !== subject && match(s)) await this.log.put({ keytype: 'MODE', subject: s }, null);
        }
        await this.log.put({ keytype: 'MODE', subject }, null);
      }, 'Delete mode');
      return before;
    });
  }
}

// ------------------------------------------------------------------ metadata / rule set merging

/** `Metadata.mergeMetadata`: tags and sensitive sets unioned, properties overridden by the newer. */
export function mergeMetadata(a: Metadata | null, b: Metadata | null): Metadata | null {
  if (!a) return b;
  if (!b) return a;
  const tags: Record<string, string[]> = {};
  for (const src of [a.tags, b.tags] as Array<Record<string, string[]> | undefined>) {
    for (const [k, v] of Object.entries(src ?? {})) tags[k] = [...new Set([...(tags[k] ?? []), ...(v ?? [])])].sort();
  }
  const properties = { ...((a.properties as Record<string, string>) ?? {}), ...((b.properties as Record<string, string>) ?? {}) };
  const sensitive = [...new Set([...((a.sensitive as string[]) ?? []), ...((b.sensitive as string[]) ?? [])])].sort();
  const out: Metadata = {};
  if (Object.keys(tags).length) out.tags = tags;
  if (Object.keys(properties).length) out.properties = properties;
  if (sensitive.length) out.sensitive = sensitive;
  return out;
}

/** `RuleSet.mergeRuleSets`: rules of the newer replace same-named older ones. */
export function mergeRuleSets(a: RuleSet | null, b: RuleSet | null): RuleSet | null {
  if (!a) return b;
  if (!b) return a;
  const merge = (x: unknown, y: unknown): unknown[] => {
    const xs = (Array.isArray(x) ? x : []) as Array<{ name?: string }>;
    const ys = (Array.isArray(y) ? y : []) as Array<{ name?: string }>;
    const names = new Set(ys.map((r) => r.name));
    return [...xs.filter((r) => !names.has(r.name)), ...ys];
  };
  const out: RuleSet = {};
  const m = merge(a.migrationRules, b.migrationRules);
  const d = merge(a.domainRules, b.domainRules);
  if (m.length) out.migrationRules = m;
  if (d.length) out.domainRules = d;
  return out;
}
