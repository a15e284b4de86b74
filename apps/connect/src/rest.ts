/**
 * The Kafka Connect REST API (`RootResource`, `ConnectorsResource`,
 * `ConnectorPluginsResource`, `LoggingResource`, `InternalConnectResource`)
 * on fastify, for the standalone and the distributed herder alike: Kafka's
 * paths, status codes, JSON shapes and `{"error_code","message"}` errors.
 *
 * Every route declares JSON schemas for its params, query, body and
 * responses; fastify validates requests with them and `@fastify/swagger`
 * turns the same schemas into the OpenAPI document served at `/openapi.json`.
 *
 * Writes a worker may not do itself (it is not the leader, or another
 * worker runs the connector) are forwarded to the worker that can, as
 * Kafka's `HerderRequestHandler` does: the first hop forwards with
 * `?forward=true`, a forwarded request that lands on the wrong worker again
 * is a 409; so is a request while no leader is known or a rebalance is due.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { ConnectException, NotFoundException } from '@nagare/connect-api';
import {
  BadRequestLike,
  ConnectRestException,
  LoggerLevels,
  RebalanceNeededException,
  RequestTargetException,
  SIGNATURE_ALGORITHM_HEADER,
  SIGNATURE_HEADER,
  httpStatusOf,
  type ForwardFn,
  type Herder,
  type TargetState,
} from '@nagare/connect-runtime';
import * as S from './rest-schemas';

export interface RestServerInfo {
  version: string;
  commit: string;
  kafkaClusterId: string;
}

export interface RestServerOptions {
  /** Sends a request to another worker (distributed mode). */
  forward?: ForwardFn;
  /** `topic.tracking.enable` (true) and `topic.tracking.allow.reset` (true). */
  topicTrackingEnable?: boolean;
  topicTrackingAllowReset?: boolean;
  /** How long a request may wait for the herder (Kafka: 90 s) before "Request timed out". */
  requestTimeoutMs?: number;
  /** Log requests (fastify's logger). */
  logger?: boolean;
}

export const PLUGIN_TYPES = ['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate'] as const;

/** The error body Kafka's `ConnectExceptionMapper` writes. */
function errorBody(status: number, message: string): { error_code: number; message: string } {
  return { error_code: status, message };
}

function statusOf(e: unknown): number {
  const fastifyStatus = (e as { statusCode?: number }).statusCode;
  if (fastifyStatus !== undefined && !(e instanceof ConnectException)) return fastifyStatus;
  return httpStatusOf(e);
}

function messageOf(e: unknown): string {
  if (e && typeof e === 'object' && 'validation' in e && Array.isArray((e as { validation: unknown[] }).validation)) {
    // fastify request validation: name the offending part as Jackson would name the field
    const v = (e as { validation: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string }).validation[0];
    const where = `${(e as { validationContext?: string }).validationContext ?? 'body'}${v.instancePath ?? ''}`;
    return `Invalid request ${where}: ${v.message ?? 'invalid'}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Config values may be any JSON scalar (Jackson coerces numbers and booleans to strings); null removes a key in PATCH. */
function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) throw new BadRequestLike(`${what} must be a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === null || x === undefined) continue;
    if (typeof x === 'object') throw new BadRequestLike(`Cannot deserialize value of type \`java.lang.String\` from ${Array.isArray(x) ? 'Array' : 'Object'} value for key "${k}"`);
    out[k] = String(x);
  }
  return out;
}

function checkAndPutConnectorConfigName(name: string, config: Record<string, string>): void {
  const included = config.name;
  if (included !== undefined) {
    if (included !== name) throw new BadRequestLike(`Connector name configuration (${included}) doesn't match connector name in the URL (${name})`);
  } else config.name = name;
}

const TARGET_BY_INITIAL: Record<string, TargetState> = { RUNNING: 'STARTED', PAUSED: 'PAUSED', STOPPED: 'STOPPED' };

export async function buildRestServer(herder: Herder, info: RestServerInfo, options: RestServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false, allowUnionTypes: true } } });
  const timeoutMs = options.requestTimeoutMs ?? 90_000;
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Kafka Connect REST API (nagare)', description: "Apache Kafka Connect's REST API as nagare serves it: Kafka's paths, status codes, JSON shapes and error bodies.", version: info.version },
      tags: [{ name: 'root' }, { name: 'connectors' }, { name: 'connector-plugins' }, { name: 'admin' }, { name: 'internal' }],
    },
  });

  // Bodies: JSON whatever the content type says (curl -d sends form-urlencoded); empty = none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    (req as FastifyRequest & { rawBody?: Buffer }).rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch (e) {
      done(new BadRequestLike(`Unrecognized or malformed JSON in request body: ${(e as Error).message}`), undefined);
    }
  });
  app.setErrorHandler((e, _req, reply) => {
    const status = statusOf(e);
    return reply.code(status).send(errorBody(status, messageOf(e)));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody(404, 'HTTP 404 Not Found')));

  /** `http://host:port` as the client addressed this worker (Jersey's base URI for `Response.created`). */
  const origin = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? req.hostname}`;

  /** Runs a herder call, forwarding it when the herder says another worker must serve it. */
  const handle = async <T>(req: FastifyRequest, reply: FastifyReply, fn: () => Promise<T> | T, path: string): Promise<{ forwarded: true } | { forwarded: false; value: T }> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        Promise.resolve().then(fn),
        new Promise<never>((_r, reject) => {
          timer = setTimeout(() => reject(new ConnectRestException(500, 'Request timed out')), timeoutMs);
        }),
      ]);
      return { forwarded: false, value };
    } catch (e) {
      if (e instanceof RebalanceNeededException) throw new ConnectRestException(409, 'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)');
      if (!(e instanceof RequestTargetException)) throw e;
      const forward = (req.query as { forward?: string | boolean }).forward;
      if (forward !== undefined && String(forward) !== 'true') throw new ConnectRestException(409, 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)');
      if (!e.forwardUrl) throw new ConnectRestException(409, 'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.');
      if (!options.forward) throw new ConnectRestException(500, 'This worker cannot forward requests');
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) if (k !== 'forward' && v !== undefined) q.append(k, String(v));
      q.set('forward', String(forward === undefined));
      const url = `${e.forwardUrl.replace(/\/$/, '')}${path}?${q.toString()}`;
      const headers: Record<string, string> = {};
      const auth = req.headers[SIGNATURE_HEADER.toLowerCase()];
      if (typeof auth === 'string') headers[SIGNATURE_HEADER] = auth;
      const alg = req.headers[SIGNATURE_ALGORITHM_HEADER.toLowerCase()];
      if (typeof alg === 'string') headers[SIGNATURE_ALGORITHM_HEADER] = alg;
      const res = await options.forward(url, req.method, req.body, headers);
      const r = res as { status: number; body: unknown; headers?: Record<string, string> };
      // the Location names this worker, as Jersey resolves the resource's relative URI against the request's
      if (r.headers?.location) reply.header('Location', `${origin(req)}${new URL(r.headers.location, 'http://forwarded').pathname}`);
      if (res.body === null || res.body === undefined) reply.code(res.status).send();
      else reply.code(res.status).send(res.body);
      return { forwarded: true };
    } finally {
      clearTimeout(timer);
    }
  };

  const enc = encodeURIComponent;
  const p = (req: FastifyRequest) => req.params as { connector: string; task: string; plugin: string; logger: string };

  // ---------------------------------------------------------------- root

  app.get('/', { schema: S.root }, async () => ({ version: info.version, commit: info.commit, kafka_cluster_id: info.kafkaClusterId }));

  app.get('/health', { schema: S.health }, async (_req, reply) => {
    if (herder.isReady()) return { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' };
    return reply.code(503).send({ status: 'starting', message: 'Worker is still starting up.' });
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // ---------------------------------------------------------------- connectors

  app.get('/connectors', { schema: S.listConnectors }, async (req) => {
    const q = (req.query as { expand?: string | string[] }).expand;
    const expand = q === undefined ? [] : Array.isArray(q) ? q : [q];
    const names = await herder.connectors();
    if (!expand.includes('status') && !expand.includes('info')) return names;
    const out: Record<string, Record<string, unknown>> = {};
    for (const n of names) {
      const e: Record<string, unknown> = {};
      try {
        if (expand.includes('status')) e.status = await herder.connectorStatus(n);
        if (expand.includes('info')) e.info = await herder.connectorInfo(n);
      } catch {
        continue; // deleted meanwhile, or no status yet on this worker
      }
      out[n] = e;
    }
    return out;
  });

  app.post('/connectors', { schema: S.createConnector }, async (req, reply) => {
    const body = (req.body ?? {}) as { name?: unknown; config?: unknown; initial_state?: unknown };
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const config = body.config === undefined || body.config === null ? {} : stringMap(body.config, 'config');
    checkAndPutConnectorConfigName(name, config);
    let target: TargetState | undefined;
    if (body.initial_state !== undefined && body.initial_state !== null) {
      target = TARGET_BY_INITIAL[String(body.initial_state).toUpperCase()];
      if (!target) throw new BadRequestLike(`Unknown initial state: ${String(body.initial_state)}`);
    }
    const r = await handle(req, reply, () => herder.putConnectorConfig(name, config, false, target), '/connectors');
    if (r.forwarded) return reply;
    return reply.code(201).header('Location', `${origin(req)}/connectors/${enc(name)}`).send(r.value.info);
  });

  app.get('/connectors/:connector', { schema: S.getConnector }, async (req) => herder.connectorInfo(p(req).connector));
  app.get('/connectors/:connector/config', { schema: S.getConnectorConfig }, async (req) => herder.connectorConfig(p(req).connector));

  app.put('/connectors/:connector/config', { schema: S.putConnectorConfig }, async (req, reply) => {
    const c = p(req).connector;
    const config = stringMap(req.body, 'The connector configuration');
    checkAndPutConnectorConfigName(c, config);
    const r = await handle(req, reply, () => herder.putConnectorConfig(c, config, true), `/connectors/${enc(c)}/config`);
    if (r.forwarded) return reply;
    if (r.value.created) return reply.code(201).header('Location', `${origin(req)}/connectors/${enc(c)}`).send(r.value.info);
    return reply.code(200).send(r.value.info);
  });

  app.patch('/connectors/:connector/config', { schema: S.patchConnectorConfig }, async (req, reply) => {
    const c = p(req).connector;
    const body = req.body;
    if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestLike('The connector configuration patch must be a JSON object');
    const patch: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) patch[k] = v === null ? null : String(v);
    if (patch.name !== undefined && patch.name !== null && patch.name !== c) throw new BadRequestLike(`Connector name configuration (${patch.name}) doesn't match connector name in the URL (${c})`);
    const r = await handle(req, reply, () => herder.patchConnectorConfig(c, patch), `/connectors/${enc(c)}/config`);
    if (r.forwarded) return reply;
    return r.value;
  });

  app.get('/connectors/:connector/status', { schema: S.connectorStatus }, async (req) => herder.connectorStatus(p(req).connector));

  app.get('/connectors/:connector/topics', { schema: S.connectorTopics }, async (req) => {
    if (options.topicTrackingEnable === false) throw new ConnectRestException(403, 'Topic tracking is disabled.');
    const c = p(req).connector;
    return { [c]: { topics: await herder.connectorActiveTopics(c) } };
  });

  app.put('/connectors/:connector/topics/reset', { schema: S.resetTopics }, async (req, reply) => {
    if (options.topicTrackingEnable === false) throw new ConnectRestException(403, 'Topic tracking is disabled.');
    if (options.topicTrackingAllowReset === false) throw new ConnectRestException(403, 'Topic tracking reset is disabled.');
    await herder.resetConnectorActiveTopics(p(req).connector);
    return reply.code(202).send();
  });

  app.get('/connectors/:connector/tasks', { schema: S.connectorTasks }, async (req) => herder.taskInfos(p(req).connector));

  app.post('/connectors/:connector/tasks', { schema: S.putTaskConfigs }, async (req, reply) => {
    const c = p(req).connector;
    if (!herder.putTaskConfigs) throw new ConnectRestException(404, 'HTTP 404 Not Found');
    const configs = Array.isArray(req.body) ? (req.body as unknown[]).map((x) => stringMap(x, 'A task configuration')) : [];
    const sig = { key: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, algorithm: req.headers[SIGNATURE_ALGORITHM_HEADER.toLowerCase()] as string | undefined, body: (req as FastifyRequest & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0) };
    const r = await handle(req, reply, () => herder.putTaskConfigs!(c, configs, sig), `/connectors/${enc(c)}/tasks`);
    if (r.forwarded) return reply;
    return reply.code(204).send();
  });

  app.put('/connectors/:connector/fence', { schema: S.fence }, async (req, reply) => {
    const c = p(req).connector;
    if (!herder.fenceZombies) throw new ConnectRestException(404, 'HTTP 404 Not Found');
    const sig = { key: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, algorithm: req.headers[SIGNATURE_ALGORITHM_HEADER.toLowerCase()] as string | undefined, body: (req as FastifyRequest & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0) };
    const r = await handle(req, reply, () => herder.fenceZombies!(c, sig), `/connectors/${enc(c)}/fence`);
    if (r.forwarded) return reply;
    return reply.code(204).send();
  });

  app.get('/connectors/:connector/tasks/:task/status', { schema: S.taskStatus }, async (req) => {
    const { connector, task } = p(req);
    await herder.connectorInfo(connector);
    return herder.taskStatus({ connector, task: Number(task) });
  });

  app.get('/connectors/:connector/tasks/:task/metrics', { schema: S.taskMetrics }, async (req) => {
    const { connector, task } = p(req);
    const m = herder.taskMetrics?.({ connector, task: Number(task) }) ?? null;
    if (!m) throw new NotFoundException(`Unknown task: ${connector}-${task}`);
    return m;
  });

  app.post('/connectors/:connector/tasks/:task/restart', { schema: S.restartTask }, async (req, reply) => {
    const { connector, task } = p(req);
    const r = await handle(req, reply, () => herder.restartTask({ connector, task: Number(task) }), `/connectors/${enc(connector)}/tasks/${task}/restart`);
    if (r.forwarded) return reply;
    return reply.code(204).send();
  });

  app.post('/connectors/:connector/restart', { schema: S.restartConnector }, async (req, reply) => {
    const c = p(req).connector;
    const q = req.query as { includeTasks?: boolean; onlyFailed?: boolean };
    const includeTasks = q.includeTasks === true;
    const onlyFailed = q.onlyFailed === true;
    if (!includeTasks && !onlyFailed) {
      const r = await handle(req, reply, () => herder.restartConnector(c), `/connectors/${enc(c)}/restart`);
      if (r.forwarded) return reply;
      return reply.code(204).send();
    }
    const r = await handle(req, reply, () => herder.restartConnectorAndTasks(c, includeTasks, onlyFailed), `/connectors/${enc(c)}/restart`);
    if (r.forwarded) return reply;
    return reply.code(202).send(r.value);
  });

  const target = (state: TargetState, code: number, verb: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const c = p(req).connector;
    const r = await handle(req, reply, () => herder.setTargetState(c, state), `/connectors/${enc(c)}/${verb}`);
    if (r.forwarded) return reply;
    return reply.code(code).send();
  };
  app.put('/connectors/:connector/pause', { schema: S.targetState('Pause the specified connector', 202) }, target('PAUSED', 202, 'pause'));
  app.put('/connectors/:connector/resume', { schema: S.targetState('Resume the specified connector', 202) }, target('STARTED', 202, 'resume'));
  app.put('/connectors/:connector/stop', { schema: S.targetState('Stop the specified connector', 204) }, target('STOPPED', 204, 'stop'));

  app.delete('/connectors/:connector', { schema: S.deleteConnector }, async (req, reply) => {
    const c = p(req).connector;
    const r = await handle(req, reply, () => herder.deleteConnector(c), `/connectors/${enc(c)}`);
    if (r.forwarded) return reply;
    return reply.code(204).send();
  });

  app.get('/connectors/:connector/offsets', { schema: S.getOffsets }, async (req) => herder.offsets(p(req).connector));

  app.patch('/connectors/:connector/offsets', { schema: S.alterOffsets }, async (req, reply) => {
    const c = p(req).connector;
    const body = req.body as { offsets?: unknown } | undefined;
    if (!body || !Array.isArray(body.offsets) || body.offsets.length === 0) throw new BadRequestLike('Partitions / offsets need to be provided for an alter offsets request');
    const offsets = (body.offsets as Array<{ partition?: unknown; offset?: unknown }>).map((o) => ({ partition: (o.partition ?? null) as Record<string, unknown>, offset: (o.offset ?? null) as Record<string, unknown> | null }));
    const r = await handle(req, reply, () => herder.alterOffsets(c, offsets), `/connectors/${enc(c)}/offsets`);
    if (r.forwarded) return reply;
    return { message: r.value };
  });

  app.delete('/connectors/:connector/offsets', { schema: S.resetOffsets }, async (req, reply) => {
    const c = p(req).connector;
    const r = await handle(req, reply, () => herder.resetOffsets(c), `/connectors/${enc(c)}/offsets`);
    if (r.forwarded) return reply;
    return { message: r.value };
  });

  // ---------------------------------------------------------------- plugins

  app.get('/connector-plugins', { schema: S.listPlugins }, async (req) => {
    const connectorsOnly = (req.query as { connectorsOnly?: boolean }).connectorsOnly !== false;
    return herder.plugins
      .list(connectorsOnly ? ['source', 'sink'] : undefined)
      .filter((d) => (PLUGIN_TYPES as readonly string[]).includes(d.type))
      .map((d) => ({ class: d.className, type: d.type, version: d.version }));
  });

  app.get('/connector-plugins/:plugin/config', { schema: S.pluginConfig }, async (req) => {
    const name = p(req).plugin;
    const d = herder.plugins.find(name);
    if (!d) throw new NotFoundException(`Unknown plugin ${name}.`);
    if (!(PLUGIN_TYPES as readonly string[]).includes(d.type)) throw new BadRequestLike(`Invalid plugin class ${name}. Valid types are sink, source, converter, header_converter, transformation, predicate.`);
    const inst = new d.ctor() as { config?: () => import('@nagare/connect-api').ConfigDef };
    const cd = typeof inst.config === 'function' ? inst.config() : null;
    if (!cd) return [];
    return [...cd.configKeys().values()].map((k) => ({
      name: k.name,
      type: k.type,
      required: !k.hasDefault(),
      default_value: k.hasDefault() ? (k.defaultValue === null || k.defaultValue === undefined ? null : Array.isArray(k.defaultValue) ? k.defaultValue.join(',') : String(k.defaultValue)) : null,
      importance: k.importance,
      documentation: k.documentation,
      group: k.group,
      order: k.orderInGroup,
      width: k.width,
      display_name: k.displayName,
      dependents: [...k.dependents],
    }));
  });

  app.put('/connector-plugins/:plugin/config/validate', { schema: S.validateConfig }, async (req) => {
    const plugin = p(req).plugin;
    const config = stringMap(req.body, 'The connector configuration');
    const cls = config['connector.class'];
    if (cls !== undefined) {
      const prune = (s: string) => (s.endsWith('Connector') ? s.slice(0, -'Connector'.length) : s);
      if (!prune(cls).endsWith(prune(plugin))) throw new BadRequestLike(`Included connector type ${cls} does not match request type ${plugin}`);
    } else config['connector.class'] = plugin;
    return herder.validate(config);
  });

  // ---------------------------------------------------------------- admin (KIP-495, KIP-976)

  app.get('/admin/loggers', { schema: S.listLoggers }, async () => herder.loggers());

  app.get('/admin/loggers/:logger', { schema: S.getLogger }, async (req) => {
    const name = p(req).logger;
    const l = herder.loggerLevel(name);
    if (!l) throw new NotFoundException(`Logger ${name} not found.`);
    return l;
  });

  app.put('/admin/loggers/:logger', { schema: S.setLogger }, async (req, reply) => {
    const name = p(req).logger;
    const body = (req.body ?? {}) as { level?: unknown };
    const scopeRaw = String((req.query as { scope?: string }).scope ?? 'worker').toLowerCase();
    const scope = scopeRaw === 'cluster' ? 'cluster' : 'worker';
    if (body.level === undefined || body.level === null) throw new BadRequestLike("Desired 'level' parameter was not specified in request.");
    const level = String(body.level);
    if (!LoggerLevels.isValidLevel(level)) throw new NotFoundException(`invalid log level '${level}'.`);
    const affected = await herder.setLoggerLevel(name, level.toUpperCase(), scope);
    if (scope === 'cluster') return reply.code(204).send();
    return affected ?? [];
  });

  return app;
}

/** `listeners` entry -> host and port to bind (empty host = all interfaces). */
export function parseListener(l: string): { host: string; port: number } {
  const m = /^https?:\/\/([^:/]*):(\d+)$/i.exec(l.trim());
  if (!m) throw new ConnectException(`Invalid listener: ${l}`);
  return { host: m[1] === '' ? '0.0.0.0' : m[1], port: Number(m[2]) };
}

/** Sends a JSON request to another worker (what the distributed herder forwards with). */
export const httpForward: ForwardFn = async (url, method, body, headers = {}) => {
  const hasBody = body !== undefined && method !== 'GET' && method !== 'DELETE';
  const res = await fetch(url, { method, headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headers }, body: hasBody ? JSON.stringify(body) : undefined });
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error_code: res.status, message: text };
    }
  }
  const location = res.headers.get('location');
  return { status: res.status, body: parsed, ...(location ? { headers: { location } } : {}) } as { status: number; body: unknown };
};
