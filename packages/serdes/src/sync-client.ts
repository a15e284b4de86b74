/**
 * A blocking Schema Registry client for the Connect converters: Kafka
 * Connect's `Converter` API is synchronous (Confluent's converters block on
 * HTTP), so on a cache miss the request runs in a helper worker thread while
 * this thread waits on an `Atomics.wait`, then reads the answer with
 * `receiveMessageOnPort`. Cache hits (the common case: one registration per
 * schema) never leave the thread. The worker is unref'd and never keeps the
 * process alive.
 */
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { RestClientException, SchemaInfo, SchemaMetadata, SchemaReference } from './client';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ port, signal, url, init, timeoutMs }) => {
  let out;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    out = { status: res.status, text: await res.text() };
  } catch (e) {
    out = { error: String((e && e.message) || e) };
  }
  port.postMessage(out);
  const flag = new Int32Array(signal);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let worker: Worker | null = null;
function helper(): Worker {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('error', () => {
      worker = null;
    });
    worker.on('exit', () => {
      worker = null;
    });
  }
  return worker;
}

/** A blocking HTTP request. */
export function syncFetch(url: string, init: { method: string; headers: Record<string, string>; body?: string }, timeoutMs: number): { status: number; text: string } {
  const signal = new SharedArrayBuffer(4);
  const flag = new Int32Array(signal);
  const { port1, port2 } = new MessageChannel();
  try {
    helper().postMessage({ port: port2, signal, url, init, timeoutMs }, [port2 as MessagePort]);
    const r = Atomics.wait(flag, 0, 0, timeoutMs + 1000);
    if (r === 'timed-out') throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
    const msg = receiveMessageOnPort(port1)?.message as { status: number; text: string } | { error: string } | undefined;
    if (!msg) throw new Error(`no answer from ${url}`);
    if ('error' in msg) throw new Error(msg.error);
    return msg;
  } finally {
    port1.close();
  }
}

const CT = 'application/vnd.schemaregistry.v1+json';

/** The blocking counterpart of `SchemaRegistryClient`, with the same caches. */
export class SyncSchemaRegistryClient {
  readonly urls: string[];
  private readonly ids = new Map<number, SchemaInfo>();
  private readonly idBySchema = new Map<string, number>();
  private readonly metaByVersion = new Map<string, SchemaMetadata>();
  private readonly latest = new Map<string, { at: number; meta: SchemaMetadata }>();
  private readonly ttlMs: number;
  private readonly auth: string | null;

  constructor(o: { url: string; latestCacheTtlSec?: number; basicAuthUserInfo?: string; requestTimeoutMs?: number }) {
    this.urls = o.url.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter((u) => u !== '');
    if (this.urls.length === 0) throw new Error('schema.registry.url must name at least one registry (e.g. http://localhost:8081)');
    this.ttlMs = (o.latestCacheTtlSec ?? -1) < 0 ? Infinity : (o.latestCacheTtlSec ?? 0) * 1000;
    this.auth = o.basicAuthUserInfo ? 'Basic ' + Buffer.from(o.basicAuthUserInfo).toString('base64') : null;
    this.timeoutMs = o.requestTimeoutMs ?? 30000;
  }
  private readonly timeoutMs: number;

  request<T>(method: string, path: string, body?: unknown): T {
    let lastErr: unknown;
    for (const base of this.urls) {
      let r: { status: number; text: string };
      try {
        r = syncFetch(base + path, { method, headers: { 'Content-Type': CT, Accept: CT, ...(this.auth ? { Authorization: this.auth } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) }, this.timeoutMs);
      } catch (e) {
        lastErr = e;
        continue;
      }
      if (r.status >= 200 && r.status < 300) return (r.text === '' ? null : JSON.parse(r.text)) as T;
      let code = r.status;
      let message = r.text;
      try {
        const j = JSON.parse(r.text) as { error_code?: number; message?: string };
        if (typeof j.error_code === 'number') code = j.error_code;
        if (typeof j.message === 'string') message = j.message;
      } catch {
        // not JSON
      }
      throw new RestClientException(message, r.status, code);
    }
    throw new RestClientException(`Could not reach the schema registry at ${this.urls.join(', ')}: ${(lastErr as Error)?.message ?? lastErr}`, 0, 50003);
  }

  private key(subject: string, s: SchemaInfo): string {
    return `${subject}\u0001${s.schemaType ?? 'AVRO'}\u0000${JSON.stringify(s.references ?? [])}\u0000${s.schema}`;
  }

  register(subject: string, s: SchemaInfo, normalize = false): number {
    const k = this.key(subject, s);
    const hit = this.idBySchema.get(k);
    if (hit !== undefined) return hit;
    const body: Record<string, unknown> = { schema: s.schema };
    if (s.schemaType && s.schemaType !== 'AVRO') body.schemaType = s.schemaType;
    if (s.references?.length) body.references = s.references;
    const r = this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions${normalize ? '?normalize=true' : ''}`, body);
    this.idBySchema.set(k, r.id);
    return r.id;
  }

  getId(subject: string, s: SchemaInfo, normalize = false): number {
    const k = this.key(subject, s);
    const hit = this.idBySchema.get(k);
    if (hit !== undefined) return hit;
    const body: Record<string, unknown> = { schema: s.schema };
    if (s.schemaType && s.schemaType !== 'AVRO') body.schemaType = s.schemaType;
    if (s.references?.length) body.references = s.references;
    const r = this.request<SchemaMetadata>('POST', `/subjects/${encodeURIComponent(subject)}${normalize ? '?normalize=true' : ''}`, body);
    this.idBySchema.set(k, r.id);
    return r.id;
  }

  getSchemaById(id: number): SchemaInfo {
    const hit = this.ids.get(id);
    if (hit) return hit;
    const r = this.request<SchemaInfo>('GET', `/schemas/ids/${id}`);
    const info: SchemaInfo = { schema: r.schema, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] };
    this.ids.set(id, info);
    return info;
  }

  getSchemaMetadata(subject: string, version: number): SchemaMetadata {
    const k = `${subject}\u0000${version}`;
    const hit = this.metaByVersion.get(k);
    if (hit) return hit;
    const r = this.request<SchemaMetadata>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
    const m = { ...r, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] };
    if (version > 0) this.metaByVersion.set(k, m);
    return m;
  }

  getLatestSchemaMetadata(subject: string): SchemaMetadata {
    const c = this.latest.get(subject);
    if (c && Date.now() - c.at < this.ttlMs) return c.meta;
    const r = this.request<SchemaMetadata>('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    const meta = { ...r, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] };
    this.latest.set(subject, { at: Date.now(), meta });
    return meta;
  }

  resolveReferences(refs: readonly SchemaReference[], seen = new Set<string>()): Array<SchemaReference & { schemaType: 'AVRO' | 'PROTOBUF' | 'JSON'; schema: string; references: unknown[] }> {
    const out = [];
    for (const r of refs) {
      const key = `${r.subject}\u0000${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const m = r.version === -1 ? this.getLatestSchemaMetadata(r.subject) : this.getSchemaMetadata(r.subject, r.version);
      out.push({ name: r.name, subject: r.subject, version: r.version, schemaType: m.schemaType ?? 'AVRO', schema: m.schema, references: this.resolveReferences(m.references ?? [], seen) });
    }
    return out;
  }
}
