/**
 * The Connect REST API a standalone worker serves (Kafka's
 * `ConnectorsResource`, `ConnectorPluginsResource`, `RootResource`): the
 * read side, connector CRUD, pause/resume/stop/restart, offsets (read) and
 * plugin validation, with Kafka's status codes and `{"error_code","message"}`
 * errors.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { ConnectException, NotFoundException } from '@nagare/connect-api';
import { BadRequestLike, httpStatusOf, type StandaloneHerder, type TargetState } from '@nagare/connect-runtime';

export interface RestServerInfo {
  version: string;
  commit: string;
  kafkaClusterId: string;
}

function send(reply: FastifyReply, e: unknown): FastifyReply {
  const status = (e as { statusCode?: number }).statusCode && !(e instanceof ConnectException) ? (e as { statusCode: number }).statusCode : httpStatusOf(e);
  return reply.code(status).send({ error_code: status, message: e instanceof Error ? e.message : String(e) });
}

const TYPES: Record<string, string> = { source: 'source', sink: 'sink', converter: 'converter', header_converter: 'header_converter', transformation: 'transformation', predicate: 'predicate' };

export function buildRestServer(herder: StandaloneHerder, info: RestServerInfo): FastifyInstance {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body: string, done) => {
    if (body === '' || body === undefined) return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch (e) {
      const err = new BadRequestLike(`Unrecognized or malformed JSON: ${(e as Error).message}`);
      done(err, undefined);
    }
  });
  app.setErrorHandler((e, _req, reply) => send(reply, e));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error_code: 404, message: 'HTTP 404 Not Found' }));

  const str = (v: unknown): Record<string, string> => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BadRequestLike('Request body must be a JSON object');
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = x === null ? (null as unknown as string) : String(x);
    return out;
  };

  app.get('/', async () => ({ version: info.version, commit: info.commit, kafka_cluster_id: info.kafkaClusterId }));
  app.get('/health', async () => ({ status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' }));

  app.get('/connectors', async (req) => {
    const q = (req.query as Record<string, string | string[]>).expand;
    const expand = q === undefined ? [] : Array.isArray(q) ? q : [q];
    const names = herder.connectors();
    if (expand.length === 0) return names;
    const out: Record<string, Record<string, unknown>> = {};
    for (const n of names) {
      const e: Record<string, unknown> = {};
      try {
        if (expand.includes('status')) e.status = herder.connectorStatus(n);
        if (expand.includes('info')) e.info = herder.connectorInfo(n);
      } catch {
        continue; // deleted meanwhile
      }
      out[n] = e;
    }
    return out;
  });

  app.post('/connectors', async (req, reply) => {
    const body = (req.body ?? {}) as { name?: unknown; config?: unknown; initial_state?: unknown };
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const config = str(body.config ?? {});
    if (config.name !== undefined && config.name !== name) throw new BadRequestLike(`Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`);
    config.name = name;
    const initial = body.initial_state === undefined || body.initial_state === null ? 'RUNNING' : String(body.initial_state).toUpperCase();
    const target: TargetState | undefined = ({ RUNNING: 'STARTED', PAUSED: 'PAUSED', STOPPED: 'STOPPED' } as Record<string, TargetState>)[initial];
    if (!target) throw new BadRequestLike(`Invalid initial state: ${String(body.initial_state)}`);
    const r = await herder.putConnectorConfig(name, config, false, target);
    return reply.code(201).header('Location', `/connectors/${encodeURIComponent(name)}`).send(r.info);
  });

  app.get('/connectors/:c', async (req) => herder.connectorInfo((req.params as { c: string }).c));
  app.get('/connectors/:c/config', async (req) => herder.connectorConfig((req.params as { c: string }).c));
  app.put('/connectors/:c/config', async (req, reply) => {
    const c = (req.params as { c: string }).c;
    const config = str(req.body);
    if (config.name !== undefined && config.name !== c) throw new BadRequestLike(`Connector name configuration (${config.name}) doesn't match connector name in the URL (${c})`);
    config.name = c;
    const r = await herder.putConnectorConfig(c, config, true);
    if (r.created) return reply.code(201).header('Location', `/connectors/${encodeURIComponent(c)}`).send(r.info);
    return reply.code(200).send(r.info);
  });
  app.patch('/connectors/:c/config', async (req) => {
    const c = (req.params as { c: string }).c;
    const patch = (req.body ?? {}) as Record<string, unknown>;
    const config = herder.connectorConfig(c);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete config[k];
      else config[k] = String(v);
    }
    if (config.name !== c) throw new BadRequestLike(`Connector name configuration (${config.name}) doesn't match connector name in the URL (${c})`);
    return (await herder.putConnectorConfig(c, config, true)).info;
  });
  app.get('/connectors/:c/status', async (req) => herder.connectorStatus((req.params as { c: string }).c));
  app.get('/connectors/:c/tasks', async (req) => herder.taskInfos((req.params as { c: string }).c));
  app.get('/connectors/:c/tasks/:t/status', async (req) => {
    const p = req.params as { c: string; t: string };
    herder.connectorInfo(p.c);
    return herder.taskStatus({ connector: p.c, task: Number(p.t) });
  });
  app.get('/connectors/:c/tasks/:t/metrics', async (req) => {
    const p = req.params as { c: string; t: string };
    const m = herder.taskMetrics({ connector: p.c, task: Number(p.t) });
    if (!m) throw new NotFoundException(`Unknown task: ${p.c}-${p.t}`);
    return m;
  });
  app.post('/connectors/:c/tasks/:t/restart', async (req, reply) => {
    const p = req.params as { c: string; t: string };
    await herder.restartTask({ connector: p.c, task: Number(p.t) });
    return reply.code(204).send();
  });
  app.post('/connectors/:c/restart', async (req, reply) => {
    const c = (req.params as { c: string }).c;
    const q = req.query as Record<string, string>;
    const includeTasks = q.includeTasks === 'true';
    const onlyFailed = q.onlyFailed === 'true';
    if (!includeTasks && !onlyFailed) {
      await herder.restartConnector(c);
      return reply.code(204).send();
    }
    return reply.code(202).send(await herder.restartConnectorAndTasks(c, includeTasks, onlyFailed));
  });
  const target = (state: TargetState, code: number) => async (req: { params: unknown }, reply: FastifyReply) => {
    await herder.setTargetState((req.params as { c: string }).c, state);
    return reply.code(code).send();
  };
  app.put('/connectors/:c/pause', target('PAUSED', 202));
  app.put('/connectors/:c/resume', target('STARTED', 202));
  app.put('/connectors/:c/stop', target('STOPPED', 204));
  app.delete('/connectors/:c', async (req, reply) => {
    await herder.deleteConnector((req.params as { c: string }).c);
    return reply.code(204).send();
  });
  app.get('/connectors/:c/offsets', async (req) => herder.offsets((req.params as { c: string }).c));

  app.get('/connector-plugins', async (req) => {
    const connectorsOnly = (req.query as Record<string, string>).connectorsOnly !== 'false';
    return herder.worker.plugins
      .list(connectorsOnly ? ['source', 'sink'] : undefined)
      .filter((p) => TYPES[p.type])
      .map((p) => ({ class: p.className, type: p.type, version: p.version }));
  });
  app.get('/connector-plugins/:p/config', async (req) => {
    const name = (req.params as { p: string }).p;
    const d = herder.worker.plugins.find(name);
    if (!d) throw new NotFoundException(`Unknown plugin ${name}.`);
    const inst = new d.ctor() as { config?: () => import('@nagare/connect-api').ConfigDef };
    const cd = typeof inst.config === 'function' ? inst.config() : null;
    if (!cd) return [];
    return [...cd.configKeys().values()].map((k) => ({
      name: k.name,
      type: k.type,
      required: !k.hasDefault(),
      default_value: k.hasDefault() ? (k.defaultValue === null ? null : String(k.defaultValue)) : null,
      importance: k.importance,
      documentation: k.documentation,
      group: k.group,
      order: k.orderInGroup,
      width: k.width,
      display_name: k.displayName,
      dependents: [...k.dependents],
    }));
  });
  app.put('/connector-plugins/:p/config/validate', async (req) => {
    const p = (req.params as { p: string }).p;
    const config = str(req.body);
    const cls = config['connector.class'];
    if (cls !== undefined) {
      const pruned = cls.endsWith('Connector') ? cls.slice(0, -'Connector'.length) : cls;
      const pp = p.endsWith('Connector') ? p.slice(0, -'Connector'.length) : p;
      if (!pruned.endsWith(pp)) throw new BadRequestLike(`Included connector type ${cls} does not match request type ${p}`);
    } else config['connector.class'] = p;
    return herder.validate(config);
  });
  return app;
}

/** `listeners` entry -> host and port to bind (empty host = all interfaces). */
export function parseListener(l: string): { host: string; port: number } {
  const m = /^https?:\/\/([^:/]*):(\d+)$/i.exec(l.trim());
  if (!m) throw new ConnectException(`Invalid listener: ${l}`);
  return { host: m[1] === '' ? '0.0.0.0' : m[1], port: Number(m[2]) };
}
