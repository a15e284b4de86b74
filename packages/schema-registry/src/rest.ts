/**
 * Confluent Schema Registry 7.9's REST API on fastify: every resource
 * (`/subjects`, `/schemas`, `/config`, `/mode`, `/compatibility`,
 * `/contexts`, `/v1/metadata`), its query parameters, its status and error
 * codes, content negotiation (`application/vnd.schemaregistry.v1+json`,
 * `application/vnd.schemaregistry+json`, `application/json`; requests may
 * also be `application/octet-stream`), JAX-RS's answers to unknown paths
 * (404), methods (405), media types (415, 406) and malformed parameters
 * (404, as Jersey gives for an int parameter that is not one).
 *
 * Writes on a follower are forwarded to the leader (the same request,
 * relayed back as the leader answered it); 50004 when no leader is known,
 * 50003 when the leader cannot be reached.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Errors, RestError } from './errors';
import { compatibilityLevelForName } from './formats/compatibility';
import { InvalidSchemaError } from './formats/types';
import { RegisterRequest, SchemaEntity, SchemaRegistry, entityOf } from './registry';
import { MODES, Mode, SchemaValue } from './store/records';
import { LookupFilter } from './store/state';
import { isDefaultContext, isGlobalContext, isValidSubject, normalizeSubject } from './subject';

export const V1_JSON = 'application/vnd.schemaregistry.v1+json';
export const DEFAULT_JSON = 'application/vnd.schemaregistry+json';
export const JSON_TYPE = 'application/json';
const REQUEST_TYPES = [V1_JSON, DEFAULT_JSON, JSON_TYPE, 'application/octet-stream'];

export interface LeaderInfo {
  isLeader(): boolean;
  /** The leader's base URL (e.g. http://host:8081), or null when unknown. */
  leaderUrl(): string | null;
}

export const ALWAYS_LEADER: LeaderInfo = { isLeader: () => true, leaderUrl: () => null };

export interface RestOptions {
  leader?: LeaderInfo;
  kafkaClusterId?: string;
  groupId?: string;
  version?: string;
  commitId?: string;
  /** Largest request body accepted (bytes); larger ones get 413. */
  bodyLimit?: number;
  /** Timeout for requests forwarded to the leader (`leader.read.timeout.ms`). */
  forwardTimeoutMs?: number;
  logger?: { warn(o: object, m: string): void; info?(o: object, m: string): void };
}

type Req = FastifyRequest & { rawBody?: string };
type Query = Record<string, string | string[] | undefined>;

/** Jersey's `boolean` query parameter: true only for "true" (any case). */
function bool(q: Query, name: string): boolean {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.toLowerCase() === 'true';
}

/** Jersey's `int` query parameter: a malformed value is 404. */
function int(q: Query, name: string, dflt: number): number {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '') return dflt;
  if (!/^[+-]?\d+$/.test(s.trim())) throw Errors.notFound();
  const n = Number(s.trim());
  if (n > 2147483647 || n < -2147483648) throw Errors.notFound();
  return n;
}

function str(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

function list(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function page<T>(items: T[], offset: number, limit: number): T[] {
  const start = Math.max(0, offset);
  return limit < 0 ? items.slice(start) : items.slice(start, start + limit);
}

function normalizeLimit(supplied: number, dflt: number, max: number): number {
  return supplied > 0 && supplied <= max ? supplied : dflt;
}

/** The JSON of a `Schema` entity, with Jackson's NON_EMPTY rules and AVRO left implicit. */
export function schemaJson(v: SchemaEntity | SchemaValue): Record<string, unknown> {
  const o: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
  if (v.schemaType && v.schemaType !== 'AVRO') o.schemaType = v.schemaType;
  if (v.references && v.references.length > 0) o.references = v.references;
  if (v.metadata && Object.keys(v.metadata).length > 0) o.metadata = v.metadata;
  if (v.ruleSet && Object.keys(v.ruleSet).length > 0) o.ruleSet = v.ruleSet;
  o.schema = v.schema;
  return o;
}

/** Picks the response media type from Accept (Jersey's negotiation over what Confluent produces); null = 406. */
const negotiated = new Map<string, string | null>();

export function negotiate(accept: string | undefined): string | null {
  if (!accept || accept.trim() === '') return V1_JSON;
  const hit = negotiated.get(accept);
  if (hit !== undefined) return hit;
  const r = negotiateUncached(accept);
  if (negotiated.size < 1000) negotiated.set(accept, r);
  return r;
}

function negotiateUncached(accept: string): string | null {
  const offers: Array<[string, number]> = [
    [V1_JSON, 0.9],
    [DEFAULT_JSON, 0.7],
    [JSON_TYPE, 0.5],
  ];
  let best: string | null = null;
  let bestQ = 0;
  for (const part of accept.split(',')) {
    const [typeRaw, ...params] = part.trim().split(';');
    const type = typeRaw.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q') q = Number(v);
    }
    if (!(q > 0)) continue;
    for (const [offer, qs] of offers) {
      const [ot, os] = offer.split('/');
      const [tt, ts] = type.split('/');
      const ok = type === offer || type === '*/*' || type === '*' || (tt === ot && ts === '*');
      if (ok && q * qs > bestQ) {
        bestQ = q * qs;
        best = offer;
      }
      void os;
    }
  }
  return best;
}

function contentTypeOk(ct: string | undefined): boolean {
  if (!ct) return true;
  const t = ct.split(';')[0].trim().toLowerCase();
  return REQUEST_TYPES.includes(t) || t === '*/*';
}

const ROUTES: Array<[RegExp, string[]]> = [
  [/^\/$/, ['GET', 'POST']],
  [/^\/schemas$/, ['GET']],
  [/^\/schemas\/types$/, ['GET']],
  [/^\/schemas\/ids\/[^/]+$/, ['GET']],
  [/^\/schemas\/ids\/[^/]+\/(schema|subjects|versions)$/, ['GET']],
  [/^\/subjects$/, ['GET']],
  [/^\/subjects\/[^/]+$/, ['POST', 'DELETE']],
  [/^\/subjects\/[^/]+\/versions$/, ['GET', 'POST']],
  [/^\/subjects\/[^/]+\/versions\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/subjects\/[^/]+\/versions\/[^/]+\/(schema|referencedby)$/, ['GET']],
  [/^\/subjects\/[^/]+\/metadata$/, ['GET']],
  [/^\/config(\/[^/]+)?$/, ['GET', 'PUT', 'DELETE']],
  [/^\/mode(\/[^/]+)?$/, ['GET', 'PUT', 'DELETE']],
  [/^\/compatibility\/subjects\/[^/]+\/versions(\/[^/]+)?$/, ['POST']],
  [/^\/contexts$/, ['GET']],
  [/^\/v1\/metadata\/(id|version|deployment)$/, ['GET']],
];

export function buildRestServer(registry: SchemaRegistry, opts: RestOptions = {}): FastifyInstance {
  const leader = opts.leader ?? ALWAYS_LEADER;
  const bodyLimit = opts.bodyLimit ?? 20 * 1024 * 1024;
  const app = Fastify({ logger: false, bodyLimit, exposeHeadRoutes: false, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 10000 } });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (req, body, done) => {
    (req as Req).rawBody = body as string;
    done(null, body);
  });

  const send = (req: FastifyRequest, reply: FastifyReply, status: number, body: unknown, rawText = false): FastifyReply => {
    const type = negotiate(req.headers.accept) ?? V1_JSON;
    return reply.code(status).type(type).send(rawText ? (body as string) : JSON.stringify(body));
  };
  const sendError = (req: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply => {
    let err: RestError;
    if (e instanceof RestError) err = e;
    else if ((e as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') err = Errors.tooLarge(bodyLimit);
    else if ((e as { statusCode?: number }).statusCode === 400 && (e as { code?: string }).code?.startsWith('FST_ERR')) err = Errors.badRequest((e as Error).message);
    else {
      opts.logger?.warn({ err: (e as Error).stack ?? String(e) }, 'unexpected error in a REST request');
      err = new RestError(500, 50001, `Internal Server Error: ${(e as Error).message}`);
    }
    return send(req, reply, err.status, err.body());
  };

  app.setErrorHandler((e, req, reply) => sendError(req, reply, e));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0].replace(/\/+$/, '') || '/';
    const known = ROUTES.find(([re]) => re.test(path));
    return sendError(req, reply, known ? Errors.methodNotAllowed() : Errors.notFound());
  });

  // Media types: 415 for bodies of other types, 406 when nothing acceptable can be produced.
  app.addHook('preValidation', async (req) => {
    if (negotiate(req.headers.accept) === null) throw Errors.notAcceptable();
    if ((req.method === 'POST' || req.method === 'PUT') && (req as Req).rawBody !== undefined && !contentTypeOk(req.headers['content-type'])) throw Errors.unsupportedMediaType();
  });

  const ok = (req: FastifyRequest, reply: FastifyReply, body: unknown, status = 200): FastifyReply => send(req, reply, status, body);
  const raw = (req: FastifyRequest, reply: FastifyReply, text: string): FastifyReply => send(req, reply, 200, text, true);

  /** The JSON body as an object; 400 for malformed JSON, 422 for a missing body. */
  const jsonBody = (req: FastifyRequest, required = true): Record<string, unknown> | null => {
    const text = (req as Req).rawBody;
    if (text === undefined || text.trim() === '') {
      if (required) throw Errors.unprocessable('Request body is missing: a JSON object is required');
      return null;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw Errors.badRequest(`Unrecognized JSON in the request body: ${(e as Error).message}`);
    }
    if (v === null) {
      if (required) throw Errors.unprocessable('Request body is missing: a JSON object is required');
      return null;
    }
    if (typeof v !== 'object' || Array.isArray(v)) throw Errors.unprocessable(`Cannot deserialize the request body: expected a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
    return v as Record<string, unknown>;
  };

  const registerRequest = (body: Record<string, unknown>): RegisterRequest => {
    const field = (name: string, type: 'string' | 'int' | 'object' | 'array'): unknown => {
      const v = body[name];
      if (v === undefined || v === null) return null;
      const good = type === 'string' ? typeof v === 'string' : type === 'int' ? Number.isInteger(v) : type === 'array' ? Array.isArray(v) : typeof v === 'object' && !Array.isArray(v);
      if (!good) throw Errors.unprocessable(`Cannot deserialize value of type ${type === 'int' ? '`java.lang.Integer`' : type === 'string' ? '`java.lang.String`' : type === 'array' ? '`java.util.ArrayList`' : 'object'} from ${JSON.stringify(v).slice(0, 100)} (field "${name}")`);
      return v;
    };
    const refs = field('references', 'array') as unknown[] | null;
    const references = (refs ?? []).map((r, i) => {
      if (!r || typeof r !== 'object') throw Errors.unprocessable(`Cannot deserialize reference ${i}: expected an object with name, subject and version`);
      const x = r as Record<string, unknown>;
      if (typeof x.name !== 'string' || typeof x.subject !== 'string' || !Number.isInteger(x.version)) throw Errors.unprocessable(`Invalid reference ${i}: name, subject (strings) and version (integer) are required`);
      return { name: x.name, subject: x.subject, version: x.version as number };
    });
    return {
      schema: field('schema', 'string') as string | null,
      schemaType: field('schemaType', 'string') as string | null,
      references,
      metadata: field('metadata', 'object') as Record<string, unknown> | null,
      ruleSet: field('ruleSet', 'object') as Record<string, unknown> | null,
      id: field('id', 'int') as number | null,
      version: field('version', 'int') as number | null,
    };
  };

  const subjectParam = (req: FastifyRequest): string => normalizeSubject((req.params as { subject: string }).subject);
  const idParam = (req: FastifyRequest): number => {
    const s = (req.params as { id: string }).id;
    if (!/^[+-]?\d+$/.test(s)) throw Errors.notFound();
    const n = Number(s);
    if (n > 2147483647 || n < -2147483648) throw Errors.notFound();
    return n;
  };
  const filterOf = (q: Query): LookupFilter => (bool(q, 'deletedOnly') ? 'DELETED_ONLY' : bool(q, 'deleted') ? 'INCLUDE_DELETED' : 'DEFAULT');

  const formatted = (v: SchemaValue | SchemaEntity, format: string | undefined): string => {
    if (!format || format.trim() === '') return v.schema;
    try {
      const parsed = registry.parse(v.subject, v.schemaType, v.schema, v.references, false);
      return parsed.formatted(format.trim()) ?? v.schema;
    } catch (e) {
      if (e instanceof InvalidSchemaError) throw Errors.invalidSchema(e.message);
      throw e;
    }
  };

  // ---------------------------------------------------------------- forwarding

  const forward = async (req: FastifyRequest, reply: FastifyReply, unknownLeaderMessage: string, failedMessage: string): Promise<FastifyReply> => {
    const url = leader.leaderUrl();
    if (!url) throw Errors.unknownLeader(unknownLeaderMessage);
    let res: Response;
    try {
      res = await fetch(url.replace(/\/+$/, '') + req.url, {
        method: req.method,
        headers: { 'Content-Type': V1_JSON, Accept: req.headers.accept ?? V1_JSON },
        body: (req as Req).rawBody,
        signal: AbortSignal.timeout(opts.forwardTimeoutMs ?? 60000),
      });
    } catch (e) {
      opts.logger?.warn({ leader: url, err: (e as Error).message }, 'forwarding to the leader failed');
      throw Errors.forwardingFailed(failedMessage);
    }
    const text = await res.text();
    return reply.code(res.status).type(res.headers.get('content-type') ?? V1_JSON).send(text);
  };

  // ---------------------------------------------------------------- root and metadata

  app.get('/', async (req, reply) => ok(req, reply, {}));
  app.post('/', async (req, reply) => ok(req, reply, {}));
  app.get('/v1/metadata/id', async (req, reply) =>
    ok(req, reply, { scope: { path: [], clusters: { 'kafka-cluster': opts.kafkaClusterId ?? '', 'schema-registry-cluster': opts.groupId ?? 'schema-registry' } } }),
  );
  app.get('/v1/metadata/version', async (req, reply) => ok(req, reply, { version: opts.version ?? '7.9.0', commitId: opts.commitId ?? 'nagare' }));
  app.get('/v1/metadata/deployment', async (req, reply) => ok(req, reply, { attributes: ['opensource'] }));

  // ---------------------------------------------------------------- schemas

  app.get('/schemas/types', async (req, reply) => ok(req, reply, registry.schemaTypes()));

  app.get('/schemas', async (req, reply) => {
    const q = req.query as Query;
    const prefix = str(q, 'subjectPrefix') ?? '';
    const ruleType = str(q, 'ruleType');
    let all = registry.listSchemas(prefix, bool(q, 'deleted') ? 'INCLUDE_DELETED' : 'DEFAULT', bool(q, 'latestOnly'));
    if (ruleType) {
      all = all.filter((v) => {
        const rs = v.ruleSet as { migrationRules?: Array<{ type?: string }>; domainRules?: Array<{ type?: string }> } | null;
        return !!rs && [...(rs.migrationRules ?? []), ...(rs.domainRules ?? [])].some((r) => r.type === ruleType);
      });
    }
    const limit = normalizeLimit(int(q, 'limit', -1), registry.schemaSearchDefaultLimit, registry.schemaSearchMaxLimit);
    return ok(req, reply, page(all, int(q, 'offset', 0), limit).map(schemaJson));
  });

  // GET /schemas/ids/{id} is what every deserializer calls: answers are cached until the state changes.
  let idCacheStamp = -1;
  const idCache = new Map<string, string>();
  app.get('/schemas/ids/:id', async (req, reply) => {
    const q = req.query as Query;
    const id = idParam(req);
    const subject = str(q, 'subject');
    if (idCacheStamp !== registry.state.applied) {
      idCache.clear();
      idCacheStamp = registry.state.applied;
    }
    const cacheKey = `${id}\u0000${subject ?? ''}\u0000${str(q, 'format') ?? ''}\u0000${bool(q, 'fetchMaxId')}`;
    const cached = idCache.get(cacheKey);
    if (cached !== undefined) return send(req, reply, 200, cached, true);
    const v = registry.getById(id, subject === undefined ? null : normalizeSubject(subject));
    if (!v) throw Errors.schemaNotFound(id);
    const o: Record<string, unknown> = {};
    if (v.schemaType !== 'AVRO') o.schemaType = v.schemaType;
    o.schema = formatted(v, str(q, 'format'));
    if (v.references.length > 0) o.references = v.references;
    if (v.metadata && Object.keys(v.metadata).length > 0) o.metadata = v.metadata;
    if (v.ruleSet && Object.keys(v.ruleSet).length > 0) o.ruleSet = v.ruleSet;
    if (bool(q, 'fetchMaxId')) o.maxId = registry.maxId(v.subject);
    const text = JSON.stringify(o);
    if (idCache.size < 10000) idCache.set(cacheKey, text);
    return send(req, reply, 200, text, true);
  });

  app.get('/schemas/ids/:id/schema', async (req, reply) => {
    const q = req.query as Query;
    const id = idParam(req);
    const subject = str(q, 'subject');
    const v = registry.getById(id, subject === undefined ? null : normalizeSubject(subject));
    if (!v) throw Errors.schemaNotFound(id);
    return raw(req, reply, formatted(v, str(q, 'format')));
  });

  app.get('/schemas/ids/:id/subjects', async (req, reply) => {
    const q = req.query as Query;
    const id = idParam(req);
    const subject = str(q, 'subject');
    const versions = registry.versionsForId(id, subject === undefined ? null : normalizeSubject(subject), bool(q, 'deleted'));
    if (versions === null) throw Errors.schemaNotFound();
    const subjects = [...new Set(versions.map((v) => v.subject))];
    return ok(req, reply, page(subjects, int(q, 'offset', 0), int(q, 'limit', -1)));
  });

  app.get('/schemas/ids/:id/versions', async (req, reply) => {
    const q = req.query as Query;
    const id = idParam(req);
    const subject = str(q, 'subject');
    const versions = registry.versionsForId(id, subject === undefined ? null : normalizeSubject(subject), bool(q, 'deleted'));
    if (versions === null) throw Errors.schemaNotFound();
    return ok(req, reply, page(versions, int(q, 'offset', 0), int(q, 'limit', -1)));
  });

  // ---------------------------------------------------------------- subjects

  app.get('/subjects', async (req, reply) => {
    const q = req.query as Query;
    const prefix = str(q, 'subjectPrefix') ?? ':*:';
    return ok(req, reply, page(registry.listSubjects(prefix, filterOf(q)), int(q, 'offset', 0), int(q, 'limit', -1)));
  });

  app.post('/subjects/:subject', async (req, reply) => {
    const q = req.query as Query;
    const body = registerRequest(jsonBody(req)!);
    const subject = subjectParam(req);
    const found = registry.lookup(subject, body, bool(q, 'normalize'), bool(q, 'deleted'));
    const fmt = str(q, 'format');
    return ok(req, reply, schemaJson({ ...found, schema: fmt ? formatted(found, fmt) : found.schema }));
  });

  app.delete('/subjects/:subject', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    const permanent = bool(q, 'permanent');
    registry.checkDeleteSubject(subject, permanent);
    if (!leader.isLeader()) return forward(req, reply, 'Register schema request failed since leader is unknown', 'Error while forwarding delete subject request to the leader');
    return ok(req, reply, await registry.deleteSubject(subject, permanent));
  });

  app.get('/subjects/:subject/versions', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    return ok(req, reply, page(registry.listVersions(subject, filterOf(q)), int(q, 'offset', 0), int(q, 'limit', -1)));
  });

  app.post('/subjects/:subject/versions', async (req, reply) => {
    const q = req.query as Query;
    const rawSubject = (req.params as { subject: string }).subject;
    const body = registerRequest(jsonBody(req)!);
    if (body.ruleSet) validateRuleSet(body.ruleSet);
    if (!isValidSubject(rawSubject)) throw Errors.invalidSubject(rawSubject);
    const subject = normalizeSubject(rawSubject);
    const normalize = bool(q, 'normalize');
    const fmt = str(q, 'format');
    const existing = registry.lookupExistingForRegister(subject, body, normalize);
    if (existing) return ok(req, reply, existing);
    if (!leader.isLeader()) return forward(req, reply, 'Leader not known.', 'Error while forwarding register schema request to the leader');
    const result = await registry.register(subject, body, normalize);
    if ('schema' in result) {
      const r = result as Omit<SchemaEntity, 'subject'>;
      const o: Record<string, unknown> = { id: r.id, version: r.version };
      if (r.schemaType !== 'AVRO') o.schemaType = r.schemaType;
      if (r.references.length) o.references = r.references;
      if (r.metadata && Object.keys(r.metadata).length) o.metadata = r.metadata;
      if (r.ruleSet && Object.keys(r.ruleSet).length) o.ruleSet = r.ruleSet;
      o.schema = fmt ? formatted({ ...r, subject } as SchemaEntity, fmt) : r.schema;
      return ok(req, reply, o);
    }
    return ok(req, reply, result);
  });

  app.get('/subjects/:subject/versions/:version', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    const v = registry.getVersion(subject, (req.params as { version: string }).version, bool(q, 'deleted'));
    return ok(req, reply, schemaJson({ ...entityOf(v), schema: formatted(v, str(q, 'format')) }));
  });

  app.get('/subjects/:subject/versions/:version/schema', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    const v = registry.getVersion(subject, (req.params as { version: string }).version, bool(q, 'deleted'));
    return raw(req, reply, formatted(v, str(q, 'format')));
  });

  app.get('/subjects/:subject/versions/:version/referencedby', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    const ids = registry.referencedBy(subject, (req.params as { version: string }).version);
    const limit = normalizeLimit(int(q, 'limit', -1), registry.schemaSearchDefaultLimit, registry.schemaSearchMaxLimit);
    return ok(req, reply, page(ids, int(q, 'offset', 0), limit));
  });

  app.delete('/subjects/:subject/versions/:version', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    const version = (req.params as { version: string }).version;
    const permanent = bool(q, 'permanent');
    registry.checkDeleteVersion(subject, version, permanent);
    if (!leader.isLeader()) return forward(req, reply, 'Register schema request failed since leader is unknown', 'Error while forwarding delete schema version request to the leader');
    return ok(req, reply, await registry.deleteVersion(subject, version, permanent));
  });

  app.get('/subjects/:subject/metadata', async (req, reply) => {
    const q = req.query as Query;
    const subject = subjectParam(req);
    const keys = list(q, 'key');
    const values = list(q, 'value');
    const wanted: Record<string, string> = {};
    for (let i = 0; i < Math.min(keys.length, values.length); i++) wanted[keys[i]] = values[i];
    const v = registry.latestWithMetadata(subject, wanted, bool(q, 'deleted'));
    return ok(req, reply, schemaJson({ ...entityOf(v), schema: formatted(v, str(q, 'format')) }));
  });

  // ---------------------------------------------------------------- config

  const configRequest = (req: FastifyRequest): Record<string, unknown> => {
    const body = jsonBody(req)!;
    const level = body.compatibility ?? body.compatibilityLevel;
    if (level !== undefined && level !== null && compatibilityLevelForName(level) === null) throw Errors.invalidCompatibilityLevel();
    for (const k of ['defaultRuleSet', 'overrideRuleSet'] as const) {
      const rs = body[k] as Record<string, unknown> | undefined | null;
      if (rs && typeof rs === 'object') validateRuleSet(rs);
    }
    return body;
  };
  const configUpdateJson = (c: Record<string, unknown>): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const k of ['alias', 'normalize', 'validateFields', 'validateRules', 'compatibilityLevel', 'compatibilityGroup', 'defaultMetadata', 'overrideMetadata', 'defaultRuleSet', 'overrideRuleSet']) {
      if (c[k] !== undefined && c[k] !== null) o[k === 'compatibilityLevel' ? 'compatibility' : k] = c[k];
    }
    return o;
  };

  const putConfig = async (req: FastifyRequest, reply: FastifyReply, subject: string | null): Promise<FastifyReply> => {
    const body = configRequest(req);
    if (subject !== null && !isValidSubject(subject, true)) throw Errors.invalidSubject(subject);
    if (!leader.isLeader()) return forward(req, reply, 'Failed to update compatibility level', 'Error while forwarding update config request to the leader');
    const c = await registry.updateConfig(subject === null ? null : normalizeSubject(subject), body);
    return ok(req, reply, configUpdateJson(c as Record<string, unknown>));
  };
  app.get('/config', async (req, reply) => ok(req, reply, bool(req.query as Query, 'defaultToGlobal') ? registry.getConfigInScope(null) : registry.getConfig(null)));
  app.put('/config', async (req, reply) => putConfig(req, reply, null));
  app.delete('/config', async (req, reply) => {
    if (!leader.isLeader()) return forward(req, reply, 'Failed to delete compatibility level', 'Error while forwarding delete config request to the leader');
    return ok(req, reply, (await registry.deleteConfig(null)) ?? {});
  });
  app.get('/config/:subject', async (req, reply) => {
    const rawSubject = (req.params as { subject: string }).subject;
    const defaultToGlobal = bool(req.query as Query, 'defaultToGlobal');
    if (isDefaultContext(rawSubject)) return ok(req, reply, defaultToGlobal ? registry.getConfigInScope(null) : registry.getConfig(null));
    const subject = normalizeSubject(rawSubject);
    const c = defaultToGlobal ? registry.getConfigInScope(subject) : registry.getConfig(subject);
    if (!c) throw Errors.subjectCompatibilityNotConfigured(subject);
    return ok(req, reply, c);
  });
  app.put('/config/:subject', async (req, reply) => {
    const rawSubject = (req.params as { subject: string }).subject;
    return putConfig(req, reply, isDefaultContext(rawSubject) ? null : rawSubject);
  });
  app.delete('/config/:subject', async (req, reply) => {
    const rawSubject = (req.params as { subject: string }).subject;
    const subject = isDefaultContext(rawSubject) ? null : normalizeSubject(rawSubject);
    if (subject !== null && !registry.getConfig(subject)) throw Errors.subjectNotFound(subject);
    if (!leader.isLeader()) return forward(req, reply, 'Failed to delete compatibility level', 'Error while forwarding delete config request to the leader');
    return ok(req, reply, (await registry.deleteConfig(subject)) ?? {});
  });

  // ---------------------------------------------------------------- mode

  const modeSubject = (raw: string | null): string | null => (raw === null || isDefaultContext(raw) ? null : normalizeSubject(raw));
  const putMode = async (req: FastifyRequest, reply: FastifyReply, rawSubject: string | null): Promise<FastifyReply> => {
    const q = req.query as Query;
    const body = jsonBody(req)!;
    if (rawSubject !== null && !isValidSubject(rawSubject, true)) throw Errors.invalidSubject(rawSubject);
    const subject = modeSubject(rawSubject);
    const m = body.mode;
    let mode: Mode | null = null;
    if (m !== undefined && m !== null) {
      if (typeof m !== 'string' || !(MODES as readonly string[]).includes(m.toUpperCase())) throw Errors.invalidMode();
      mode = m.toUpperCase() as Mode;
    }
    if (m === 'FORWARD' && !isGlobalContext(subject)) throw Errors.invalidMode('Forward mode only supported on global level');
    if (!leader.isLeader()) return forward(req, reply, 'Failed to update mode', 'Error while forwarding update mode request to the leader');
    await registry.setMode(subject, mode, bool(q, 'force'));
    return ok(req, reply, m === undefined ? {} : { mode: m });
  };
  const getMode = (req: FastifyRequest, reply: FastifyReply, rawSubject: string | null): FastifyReply => {
    const subject = modeSubject(rawSubject);
    const mode = bool(req.query as Query, 'defaultToGlobal') ? registry.modeInScope(subject) : registry.getMode(subject);
    if (mode === null) throw Errors.subjectModeNotConfigured(subject);
    return ok(req, reply, { mode });
  };
  const deleteMode = async (req: FastifyRequest, reply: FastifyReply, rawSubject: string | null): Promise<FastifyReply> => {
    const subject = modeSubject(rawSubject);
    const recursive = bool(req.query as Query, 'recursive');
    const before = registry.getMode(subject);
    if (before === null && !recursive) throw Errors.subjectNotFound(subject);
    if (!leader.isLeader()) return forward(req, reply, 'Failed to delete mode', 'Error while forwarding delete mode request to the leader');
    const deleted = await registry.deleteMode(subject, recursive);
    return ok(req, reply, deleted === null ? {} : { mode: deleted });
  };
  app.get('/mode', async (req, reply) => getMode(req, reply, null));
  app.put('/mode', async (req, reply) => putMode(req, reply, null));
  app.delete('/mode', async (req, reply) => deleteMode(req, reply, null));
  app.get('/mode/:subject', async (req, reply) => getMode(req, reply, (req.params as { subject: string }).subject));
  app.put('/mode/:subject', async (req, reply) => putMode(req, reply, (req.params as { subject: string }).subject));
  app.delete('/mode/:subject', async (req, reply) => deleteMode(req, reply, (req.params as { subject: string }).subject));

  // ---------------------------------------------------------------- compatibility

  const compat = async (req: FastifyRequest, reply: FastifyReply, version: string | null): Promise<FastifyReply> => {
    const q = req.query as Query;
    const body = registerRequest(jsonBody(req)!);
    const subject = subjectParam(req);
    const verbose = bool(q, 'verbose');
    const errors = registry.testCompatibility(subject, version, body, bool(q, 'normalize'), verbose);
    const out: Record<string, unknown> = { is_compatible: errors.length === 0 };
    if (verbose) out.messages = errors;
    return ok(req, reply, out);
  };
  app.post('/compatibility/subjects/:subject/versions/:version', async (req, reply) => compat(req, reply, (req.params as { version: string }).version));
  app.post('/compatibility/subjects/:subject/versions', async (req, reply) => compat(req, reply, null));

  // ---------------------------------------------------------------- contexts

  app.get('/contexts', async (req, reply) => {
    const q = req.query as Query;
    const prefix = str(q, 'contextPrefix');
    let contexts = registry.listContexts();
    if (prefix) contexts = contexts.filter((c) => c.startsWith(prefix));
    return ok(req, reply, page(contexts, int(q, 'offset', 0), int(q, 'limit', -1)));
  });

  return app;
}

/** `RuleSet.validate` essentials: rules need a name, a kind of TRANSFORM/CONDITION and a mode. */
function validateRuleSet(rs: Record<string, unknown>): void {
  for (const k of ['migrationRules', 'domainRules']) {
    const rules = rs[k];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) throw Errors.invalidRuleSet(`${k} must be an array`);
    const names = new Set<string>();
    for (const r of rules as Array<Record<string, unknown>>) {
      const name = r?.name;
      if (typeof name !== 'string' || name === '') throw Errors.invalidRuleSet('Missing rule name');
      if (names.has(name)) throw Errors.invalidRuleSet(`Found rule with duplicate name '${name}'`);
      names.add(name);
      if (r.kind !== undefined && r.kind !== 'TRANSFORM' && r.kind !== 'CONDITION') throw Errors.invalidRuleSet(`Invalid rule kind ${String(r.kind)}`);
      if (typeof r.type !== 'string' || r.type === '') throw Errors.invalidRuleSet(`Missing rule type for rule '${name}'`);
    }
  }
}

export { RestError };
