/** A registry over an in-memory log and a way to call its REST API in-process (fastify inject), for tests. */
import type { FastifyInstance } from 'fastify';
import { MemorySchemaLog } from '../store/log';
import { RegistryOptions, SchemaRegistry } from '../registry';
import { RestOptions, buildRestServer } from '../rest';

export interface Reply {
  status: number;
  body: any;  
  text: string;
  type: string | undefined;
}

export interface TestRegistry {
  app: FastifyInstance;
  log: MemorySchemaLog;
  registry: SchemaRegistry;
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** POST /subjects/{s}/versions with a schema (string or object) and optional extra fields. */
  register(subject: string, schema: string | object, extra?: Record<string, unknown>, query?: string): Promise<Reply>;
}

export function testRegistry(opts: Partial<RegistryOptions> = {}, rest: RestOptions = {}): TestRegistry {
  const log = new MemorySchemaLog();
  const registry = new SchemaRegistry({ log, ...opts });
  const app = buildRestServer(registry, rest);
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const r = await app.inject({ method: method as 'GET', url, payload, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...headers } });
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      parsed = undefined;
    }
    return { status: r.statusCode, body: parsed, text: r.body, type: r.headers['content-type'] as string | undefined };
  };
  return {
    app,
    log,
    registry,
    call,
    register: (subject, schema, extra = {}, query = '') =>
      call('POST', `/subjects/${encodeURIComponent(subject)}/versions${query}`, { schema: typeof schema === 'string' ? schema : JSON.stringify(schema), ...extra }),
  };
}
