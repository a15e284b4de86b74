/**
 * `nagare connect ...`: Kafka Connect's REST API from the command line, so
 * users need no curl. Talks to a worker (`--url`, else $CONNECT_URL, else
 * http://localhost:8083); writes go wherever the worker forwards them.
 * Output is a table (default) or the REST API's JSON (`--output json`).
 * Errors print the worker's `message` and exit 1; an unreachable worker
 * says how to start one.
 *
 *   nagare connect list [--expand]            connectors with type, state, tasks
 *   nagare connect create -f file.json        {"name":...,"config":{...}} (or a .properties file)
 *   nagare connect get|config|status|tasks <name>
 *   nagare connect pause|resume|stop|delete <name>
 *   nagare connect restart <name> [--include-tasks] [--only-failed] [--task <n>]
 *   nagare connect offsets get|alter|reset <name> [-f offsets.json]
 *   nagare connect plugins [--all]
 *   nagare connect validate -f config.json
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pad } from './cli/format';

export const DEFAULT_CONNECT_URL = 'http://localhost:8083';

export interface ConnectIo {
  out(s: string): void;
  err(s: string): void;
}

class ConnectCliError extends Error {}

interface Opts {
  url?: string;
  output?: string;
}

function baseUrl(o: Opts): string {
  return (o.url ?? process.env.CONNECT_URL ?? DEFAULT_CONNECT_URL).replace(/\/+$/, '');
}

async function call(o: Opts, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; location: string | null }> {
  const url = baseUrl(o) + path;
  let res: Response;
  try {
    res = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (e as Error).message;
    throw new ConnectCliError(`cannot reach the Connect REST API at ${baseUrl(o)} (${cause}): start a worker (npm start, connect-distributed config/connect-distributed.properties) or pass --url`);
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (res.status >= 400) {
    const msg = parsed && typeof parsed === 'object' && 'message' in parsed ? String((parsed as { message: unknown }).message) : text;
    throw new ConnectCliError(`${msg} (HTTP ${res.status} ${method} ${path})`);
  }
  return { status: res.status, body: parsed, location: res.headers.get('location') };
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

/** A connector file: `{"name","config"}` JSON, a flat JSON config with "name", or Java properties. */
export function readConnectorFile(file: string): { name: string; config: Record<string, string> } {
  const text = readFileSync(file, 'utf8');
  if (/^\s*\{/.test(text)) {
    const j = JSON.parse(text) as { name?: string; config?: Record<string, unknown> } & Record<string, unknown>;
    const raw = j.config && typeof j.config === 'object' ? j.config : j;
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (!(raw === j && k === 'config')) config[k] = String(v);
    const name = (j.config ? j.name : undefined) ?? config.name;
    if (!name) throw new ConnectCliError(`${file}: no connector name (a "name" field, or "name" in the config)`);
    return { name, config };
  }
  const config: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) config[m[1]] = m[2];
  }
  if (!config.name) throw new ConnectCliError(`${file}: no "name" property`);
  return { name: config.name, config };
}

interface StatusBody {
  name: string;
  type: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
}

function statusTable(s: StatusBody): string {
  const rows = [['KIND', 'ID', 'STATE', 'WORKER', 'ERROR']];
  const firstLine = (t?: string) => (t ? t.split('\n')[0] : '');
  rows.push(['connector', s.name, s.connector.state, s.connector.worker_id, firstLine(s.connector.trace)]);
  for (const t of s.tasks) rows.push(['task', `${s.name}-${t.id}`, t.state, t.worker_id, firstLine(t.trace)]);
  return table(rows);
}

/** Adds `connect` and its subcommands to the `nagare` program. */
export function addConnectCommand(program: Command, io: ConnectIo, setExit: (code: number) => void): void {
  const connect = program.command('connect').description('manage Kafka Connect connectors over the REST API (--url, default $CONNECT_URL or http://localhost:8083)');
  const common = (c: Command) => c.option('--url <url>', 'a Connect worker\'s REST URL').option('-o, --output <format>', 'table or json', 'table');
  const run = (fn: (...a: any[]) => Promise<void>) => async (...args: any[]) => {
    try {
      await fn(...args);
      setExit(0);
    } catch (e) {
      io.err(`nagare connect: ${e instanceof Error ? e.message : String(e)}\n`);
      setExit(1);
    }
  };
  const isJson = (o: Opts) => (o.output ?? 'table') === 'json';

  common(connect.command('list').description('list connectors with their type, state and tasks'))
    .action(run(async (o: Opts) => {
      const r = await call(o, 'GET', '/connectors?expand=status');
      const all = r.body as Record<string, { status: StatusBody }>;
      if (isJson(o)) return io.out(json(all));
      const rows = [['NAME', 'TYPE', 'STATE', 'TASKS', 'WORKER']];
      for (const name of Object.keys(all).sort()) {
        const s = all[name].status;
        const running = s.tasks.filter((t) => t.state === 'RUNNING').length;
        rows.push([name, s.type, s.connector.state, `${running}/${s.tasks.length} running`, s.connector.worker_id]);
      }
      io.out(rows.length === 1 ? 'no connectors\n' : table(rows));
    }));

  common(connect.command('create').description('create a connector from a file: {"name":...,"config":{...}}, a flat JSON config or a .properties file'))
    .requiredOption('-f, --file <file>', 'the connector file')
    .option('--initial-state <state>', 'RUNNING (default), PAUSED or STOPPED (KIP-980)')
    .action(run(async (o: Opts & { file: string; initialState?: string }) => {
      const { name, config } = readConnectorFile(o.file);
      const body: Record<string, unknown> = { name, config };
      if (o.initialState) body.initial_state = o.initialState.toUpperCase();
      const r = await call(o, 'POST', '/connectors', body);
      if (isJson(o)) return io.out(json(r.body));
      const info = r.body as { name: string; type: string };
      io.out(`Created connector ${info.name} (${info.type})\n`);
    }));

  common(connect.command('update').description('create or replace a connector\'s config from a file (PUT /connectors/{name}/config)'))
    .requiredOption('-f, --file <file>', 'the connector file')
    .action(run(async (o: Opts & { file: string }) => {
      const { name, config } = readConnectorFile(o.file);
      const r = await call(o, 'PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
      if (isJson(o)) return io.out(json(r.body));
      io.out(`${r.status === 201 ? 'Created' : 'Updated'} connector ${name}\n`);
    }));

  for (const [cmd, path, desc] of [
    ['get', '', 'show a connector (config and tasks)'],
    ['config', '/config', 'show a connector\'s config'],
    ['tasks', '/tasks', 'show a connector\'s task configs'],
    ['topics', '/topics', 'show the topics a connector uses (KIP-558)'],
  ] as const) {
    common(connect.command(`${cmd} <name>`).description(desc)).action(run(async (name: string, o: Opts) => {
      const r = await call(o, 'GET', `/connectors/${encodeURIComponent(name)}${path}`);
      if (isJson(o) || cmd === 'tasks' || cmd === 'get') return io.out(json(r.body));
      if (cmd === 'config') return io.out(table([['KEY', 'VALUE'], ...Object.entries(r.body as Record<string, string>).sort(([a], [b]) => a.localeCompare(b))]));
      io.out(((r.body as Record<string, { topics: string[] }>)[name]?.topics ?? []).join('\n') + '\n');
    }));
  }

  common(connect.command('status <name>').description('show the state of a connector and its tasks, with the error of failed ones'))
    .action(run(async (name: string, o: Opts) => {
      const r = await call(o, 'GET', `/connectors/${encodeURIComponent(name)}/status`);
      if (isJson(o)) return io.out(json(r.body));
      io.out(statusTable(r.body as StatusBody));
    }));

  for (const [cmd, method, path, done] of [
    ['pause', 'PUT', '/pause', 'Paused'],
    ['resume', 'PUT', '/resume', 'Resumed'],
    ['stop', 'PUT', '/stop', 'Stopped'],
    ['delete', 'DELETE', '', 'Deleted'],
  ] as const) {
    common(connect.command(`${cmd} <name>`).description(`${cmd} a connector`)).action(run(async (name: string, o: Opts) => {
      await call(o, method, `/connectors/${encodeURIComponent(name)}${path}`);
      io.out(isJson(o) ? json({ connector: name, action: cmd }) : `${done} connector ${name}\n`);
    }));
  }

  common(connect.command('restart <name>').description('restart a connector (and its tasks with --include-tasks, only failed ones with --only-failed), or one task with --task'))
    .option('--include-tasks', 'also restart the tasks (KIP-745)')
    .option('--only-failed', 'only restart instances that FAILED')
    .option('--task <n>', 'restart this task only')
    .action(run(async (name: string, o: Opts & { includeTasks?: boolean; onlyFailed?: boolean; task?: string }) => {
      const c = encodeURIComponent(name);
      if (o.task !== undefined) {
        await call(o, 'POST', `/connectors/${c}/tasks/${Number(o.task)}/restart`);
        return io.out(isJson(o) ? json({ connector: name, task: Number(o.task), action: 'restart' }) : `Restarted task ${name}-${o.task}\n`);
      }
      const q = new URLSearchParams({ includeTasks: String(o.includeTasks === true), onlyFailed: String(o.onlyFailed === true) });
      const r = await call(o, 'POST', `/connectors/${c}/restart?${q}`);
      if (isJson(o)) return io.out(json(r.body ?? { connector: name, action: 'restart' }));
      io.out(r.status === 202 ? statusTable(r.body as StatusBody) : `Restarted connector ${name}\n`);
    }));

  const offsets = connect.command('offsets').description('read, alter or reset a connector\'s offsets (KIP-875; alter and reset need the connector STOPPED)');
  common(offsets.command('get <name>').description('show the connector\'s offsets')).action(run(async (name: string, o: Opts) => {
    const r = await call(o, 'GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    if (isJson(o)) return io.out(json(r.body));
    const list = (r.body as { offsets: Array<{ partition: unknown; offset: unknown }> }).offsets;
    io.out(list.length === 0 ? 'no offsets\n' : table([['PARTITION', 'OFFSET'], ...list.map((e) => [JSON.stringify(e.partition), JSON.stringify(e.offset)])]));
  }));
  common(offsets.command('alter <name>').description('set offsets from a file: {"offsets":[{"partition":{...},"offset":{...}|null}]}'))
    .requiredOption('-f, --file <file>', 'the offsets file')
    .action(run(async (name: string, o: Opts & { file: string }) => {
      const body = JSON.parse(readFileSync(o.file, 'utf8')) as unknown;
      const r = await call(o, 'PATCH', `/connectors/${encodeURIComponent(name)}/offsets`, body);
      io.out(isJson(o) ? json(r.body) : `${(r.body as { message: string }).message}\n`);
    }));
  common(offsets.command('reset <name>').description('delete every offset of the connector')).action(run(async (name: string, o: Opts) => {
    const r = await call(o, 'DELETE', `/connectors/${encodeURIComponent(name)}/offsets`);
    io.out(isJson(o) ? json(r.body) : `${(r.body as { message: string }).message}\n`);
  }));

  common(connect.command('plugins').description('list the installed connector plugins (all plugin types with --all)'))
    .option('--all', 'converters, transformations and predicates too')
    .action(run(async (o: Opts & { all?: boolean }) => {
      const r = await call(o, 'GET', `/connector-plugins${o.all ? '?connectorsOnly=false' : ''}`);
      if (isJson(o)) return io.out(json(r.body));
      const list = r.body as Array<{ class: string; type: string; version: string }>;
      io.out(table([['CLASS', 'TYPE', 'VERSION'], ...list.map((p) => [p.class, p.type, p.version])]));
    }));

  common(connect.command('validate').description('validate a connector config file against its plugin (PUT /connector-plugins/{class}/config/validate)'))
    .requiredOption('-f, --file <file>', 'the connector file')
    .action(run(async (o: Opts & { file: string }) => {
      const { name, config } = readConnectorFile(o.file);
      config.name ??= name;
      const cls = config['connector.class'];
      if (!cls) throw new ConnectCliError(`${o.file}: no "connector.class"`);
      const r = await call(o, 'PUT', `/connector-plugins/${encodeURIComponent(cls)}/config/validate`, config);
      const v = r.body as { error_count: number; configs: Array<{ value: { name: string; errors: string[] } }> };
      if (isJson(o)) io.out(json(v));
      else if (v.error_count === 0) io.out('Configuration is valid\n');
      else io.out(`${v.error_count} error(s):\n` + table([['KEY', 'ERROR'], ...v.configs.filter((c) => c.value.errors.length > 0).flatMap((c) => c.value.errors.map((e) => [c.value.name, e]))]));
      if (v.error_count > 0) throw Object.assign(new ConnectCliError('the configuration is invalid'), { quiet: true });
    }));
}
