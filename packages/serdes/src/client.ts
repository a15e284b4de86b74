/**
 * A Schema Registry client with caches (Confluent's
 * `CachedSchemaRegistryClient`): schemas by id, ids by subject and schema,
 * versions by subject and schema, and (optionally with a TTL, as
 * `latest.cache.ttl.sec`) the latest version of a subject. Speaks the REST
 * API of any Confluent-compatible registry with
 * `application/vnd.schemaregistry.v1+json`; errors carry the registry's
 * HTTP status and error code (`RestClientException`).
 */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** A schema as registered (`RegisterSchemaRequest` / `SchemaString`). */
export interface SchemaInfo {
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
  metadata?: Record<string, unknown> | null;
  ruleSet?: Record<string, unknown> | null;
}

export interface SchemaMetadata extends SchemaInfo {
  subject: string;
  version: number;
  id: number;
}

export class RestClientException extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: number,
  ) {
    super(`${message}; error code: ${errorCode}`);
    this.name = 'RestClientException';
  }
}

export interface SchemaRegistryClientOptions {
  /** `schema.registry.url`: one or more base URLs (comma separated); tried in order. */
  url: string | string[];
  /** `max.schemas.per.subject` / cache capacity (1000). */
  cacheCapacity?: number;
  /** `latest.cache.ttl.sec` (-1: cached until invalidated). */
  latestCacheTtlSec?: number;
  /** `basic.auth.user.info` (`user:password`). */
  basicAuthUserInfo?: string;
  /** Request timeout (30000 ms). */
  requestTimeoutMs?: number;
}

const CT = 'application/vnd.schemaregistry.v1+json';

function schemaKey(s: SchemaInfo): string {
  return `${s.schemaType ?? 'AVRO'}\u0000${JSON.stringify(s.references ?? [])}\u0000${s.metadata ? JSON.stringify(s.metadata) : ''}\u0000${s.ruleSet ? JSON.stringify(s.ruleSet) : ''}\u0000${s.schema}`;
}

class Lru<K, V> {
  private readonly m = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.capacity) this.m.delete(this.m.keys().next().value as K);
  }
  delete(k: K): void {
    this.m.delete(k);
  }
  clear(): void {
    this.m.clear();
  }
}

export class SchemaRegistryClient {
  readonly urls: string[];
  private readonly idCache: Lru<number, SchemaInfo>;
  private readonly idBySchema: Lru<string, number>;
  private readonly versionBySchema: Lru<string, number>;
  private readonly latest = new Map<string, { at: number; meta: SchemaMetadata }>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly ttlMs: number;
  private readonly auth: string | null;
  private readonly timeoutMs: number;

  constructor(o: SchemaRegistryClientOptions) {
    this.urls = (Array.isArray(o.url) ? o.url : o.url.split(',')).map((u) => u.trim().replace(/\/+$/, '')).filter((u) => u !== '');
    if (this.urls.length === 0) throw new Error('schema.registry.url must name at least one registry (e.g. http://localhost:8081)');
    const cap = o.cacheCapacity ?? 1000;
    this.idCache = new Lru(cap);
    this.idBySchema = new Lru(cap);
    this.versionBySchema = new Lru(cap);
    this.ttlMs = (o.latestCacheTtlSec ?? -1) < 0 ? Infinity : (o.latestCacheTtlSec ?? 0) * 1000;
    this.auth = o.basicAuthUserInfo ? 'Basic ' + Buffer.from(o.basicAuthUserInfo).toString('base64') : null;
    this.timeoutMs = o.requestTimeoutMs ?? 30000;
  }

  /** One REST call; tries each URL in turn on connection failures. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let lastErr: unknown;
    for (const base of this.urls) {
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers: { 'Content-Type': CT, Accept: `${CT}, application/vnd.schemaregistry+json, application/json`, ...(this.auth ? { Authorization: this.auth } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        lastErr = e;
        continue;
      }
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) return (text === '' ? null : JSON.parse(text)) as T;
      let code = res.status;
      let message = text;
      try {
        const j = JSON.parse(text) as { error_code?: number; message?: string };
        if (typeof j.error_code === 'number') code = j.error_code;
        if (typeof j.message === 'string') message = j.message;
      } catch {
        // not JSON
      }
      throw new RestClientException(message, res.status, code);
    }
    throw new RestClientException(`Could not reach the schema registry at ${this.urls.join(', ')}: ${(lastErr as Error)?.message ?? lastErr}`, 0, 50003);
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const p = this.inflight.get(key) as Promise<T> | undefined;
    if (p) return p;
    const q = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, q);
    return q;
  }

  /** POST /subjects/{s}/versions: the id (cached per subject and schema). */
  async register(subject: string, schema: SchemaInfo, normalize = false): Promise<number> {
    const k = subject + '\u0001' + schemaKey(schema);
    const hit = this.idBySchema.get(k);
    if (hit !== undefined) return hit;
    return this.once('r' + k, async () => {
      const body: Record<string, unknown> = { schema: schema.schema };
      if (schema.schemaType && schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType;
      if (schema.references && schema.references.length) body.references = schema.references;
      if (schema.metadata) body.metadata = schema.metadata;
      if (schema.ruleSet) body.ruleSet = schema.ruleSet;
      const r = await this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions${normalize ? '?normalize=true' : ''}`, body);
      this.idBySchema.set(k, r.id);
      if (!this.idCache.get(r.id)) this.idCache.set(r.id, schema);
      return r.id;
    });
  }

  /** POST /subjects/{s}: the registered version of a schema (404 if not registered). */
  async lookup(subject: string, schema: SchemaInfo, normalize = false, deleted = false): Promise<SchemaMetadata> {
    const body: Record<string, unknown> = { schema: schema.schema };
    if (schema.schemaType && schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType;
    if (schema.references && schema.references.length) body.references = schema.references;
    const q = [normalize ? 'normalize=true' : '', deleted ? 'deleted=true' : ''].filter(Boolean).join('&');
    const r = await this.request<SchemaMetadata>('POST', `/subjects/${encodeURIComponent(subject)}${q ? '?' + q : ''}`, body);
    return { ...r, schemaType: r.schemaType ?? 'AVRO' };
  }

  /** The id of a registered schema without registering it (lookup; cached). */
  async getId(subject: string, schema: SchemaInfo, normalize = false): Promise<number> {
    const k = subject + '\u0001' + schemaKey(schema);
    const hit = this.idBySchema.get(k);
    if (hit !== undefined) return hit;
    const r = await this.lookup(subject, schema, normalize);
    this.idBySchema.set(k, r.id);
    this.versionBySchema.set(k, r.version);
    return r.id;
  }

  /** GET /schemas/ids/{id} (cached). */
  async getSchemaById(id: number, subject?: string): Promise<SchemaInfo> {
    const hit = this.idCache.get(id);
    if (hit) return hit;
    return this.once('i' + id, async () => {
      const r = await this.request<SchemaInfo>('GET', `/schemas/ids/${id}${subject ? `?subject=${encodeURIComponent(subject)}` : ''}`);
      const info: SchemaInfo = { schema: r.schema, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [], metadata: r.metadata ?? null, ruleSet: r.ruleSet ?? null };
      this.idCache.set(id, info);
      return info;
    });
  }

  /** GET /subjects/{s}/versions/{v}. */
  async getSchemaMetadata(subject: string, version: number | 'latest'): Promise<SchemaMetadata> {
    const r = await this.request<SchemaMetadata>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
    const meta = { ...r, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] };
    if (!this.idCache.get(meta.id)) this.idCache.set(meta.id, { schema: meta.schema, schemaType: meta.schemaType, references: meta.references, metadata: meta.metadata ?? null, ruleSet: meta.ruleSet ?? null });
    return meta;
  }

  /** The latest version of a subject (cached for `latest.cache.ttl.sec`). */
  async getLatestSchemaMetadata(subject: string): Promise<SchemaMetadata> {
    const c = this.latest.get(subject);
    if (c && Date.now() - c.at < this.ttlMs) return c.meta;
    const meta = await this.getSchemaMetadata(subject, 'latest');
    this.latest.set(subject, { at: Date.now(), meta });
    return meta;
  }

  async getAllSubjects(opts: { prefix?: string; deleted?: boolean } = {}): Promise<string[]> {
    const q = [opts.prefix !== undefined ? `subjectPrefix=${encodeURIComponent(opts.prefix)}` : '', opts.deleted ? 'deleted=true' : ''].filter(Boolean).join('&');
    return this.request<string[]>('GET', `/subjects${q ? '?' + q : ''}`);
  }

  async getVersions(subject: string, deleted = false): Promise<number[]> {
    return this.request<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions${deleted ? '?deleted=true' : ''}`);
  }

  async deleteSubject(subject: string, permanent = false): Promise<number[]> {
    this.latest.delete(subject);
    return this.request<number[]>('DELETE', `/subjects/${encodeURIComponent(subject)}${permanent ? '?permanent=true' : ''}`);
  }

  async deleteSchemaVersion(subject: string, version: number | 'latest', permanent = false): Promise<number> {
    this.latest.delete(subject);
    return this.request<number>('DELETE', `/subjects/${encodeURIComponent(subject)}/versions/${version}${permanent ? '?permanent=true' : ''}`);
  }

  /** POST /compatibility/subjects/{s}/versions[/{v}]. */
  async testCompatibility(subject: string, schema: SchemaInfo, version?: number | 'latest', verbose = false): Promise<{ is_compatible: boolean; messages?: string[] }> {
    const body: Record<string, unknown> = { schema: schema.schema };
    if (schema.schemaType && schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType;
    if (schema.references && schema.references.length) body.references = schema.references;
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions${version !== undefined ? '/' + version : ''}${verbose ? '?verbose=true' : ''}`;
    return this.request('POST', path, body);
  }

  async getCompatibility(subject?: string, defaultToGlobal = false): Promise<string> {
    const r = await this.request<{ compatibilityLevel: string }>('GET', `/config${subject ? '/' + encodeURIComponent(subject) : ''}${defaultToGlobal ? '?defaultToGlobal=true' : ''}`);
    return r.compatibilityLevel;
  }

  async updateCompatibility(level: string, subject?: string): Promise<string> {
    const r = await this.request<{ compatibility: string }>('PUT', `/config${subject ? '/' + encodeURIComponent(subject) : ''}`, { compatibility: level });
    return r.compatibility;
  }

  async getMode(subject?: string): Promise<string> {
    return (await this.request<{ mode: string }>('GET', `/mode${subject ? '/' + encodeURIComponent(subject) : ''}`)).mode;
  }

  async setMode(mode: string, subject?: string, force = false): Promise<string> {
    return (await this.request<{ mode: string }>('PUT', `/mode${subject ? '/' + encodeURIComponent(subject) : ''}${force ? '?force=true' : ''}`, { mode })).mode;
  }

  /** Resolves a schema's references to their schema texts, depth first (for parsing). */
  async resolveReferences(refs: readonly SchemaReference[], seen = new Set<string>()): Promise<Array<SchemaReference & { schemaType: SchemaType; schema: string; references: unknown[] }>> {
    const out = [];
    for (const r of refs) {
      const key = `${r.subject}\u0000${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const m = await this.getSchemaMetadata(r.subject, r.version === -1 ? 'latest' : r.version);
      out.push({ name: r.name, subject: r.subject, version: r.version, schemaType: m.schemaType ?? 'AVRO', schema: m.schema, references: await this.resolveReferences(m.references ?? [], seen) });
    }
    return out;
  }

  clearCaches(): void {
    this.idCache.clear();
    this.idBySchema.clear();
    this.versionBySchema.clear();
    this.latest.clear();
  }
}
