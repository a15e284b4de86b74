/**
 * `nagare schemas`: the Schema Registry from the command line (its REST
 * API, Confluent-compatible, so it works against nagare's registry and
 * Confluent's):
 *
 *   nagare schemas list [--prefix p] [--deleted]
 *   nagare schemas get <subject> [--version v|latest] | --id <id>
 *   nagare schemas register <subject> -f <file> [--type AVRO|PROTOBUF|JSON] [--reference name=subject:version] [--normalize]
 *   nagare schemas compat check <subject> -f <file> [--version v] [--type ...]
 *   nagare schemas config [subject] [--set LEVEL]
 *   nagare schemas delete <subject> [--version v] [--permanent]
 *
 * `--url` (default $SCHEMA_REGISTRY_URL or http://localhost:8081) names
 * the registry; `--output json` prints the registry's JSON. Registry errors
 * print their message and error code; exit status 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';

const CT = 'application/vnd.schemaregistry.v1+json';

export class SchemasError extends Error {}

interface Out {
  out(s: string): void;
  err(s: string): void;
}

interface Common {
  url?: string;
  output?: string;
}

function baseUrl(o: Common): string {
  return (o.url ?? process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081').replace(/\/+$/, '');
}

async function call<T>(o: Common, method: string, path: string, body?: unknown): Promise<T> {
  const url = baseUrl(o);
  let res: Response;
  try {
    res = await fetch(url + path, { method, headers: { 'Content-Type': CT, Accept: CT }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30000) });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (e as Error).message;
    throw new SchemasError(`cannot reach the schema registry at ${url} (${cause}): is it running? Start one with \`npm start\` or \`schema-registry-start schema-registry.properties\`, or pass --url`);
  }
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) return JSON.parse(text) as T;
  let msg = text;
  let code = res.status;
  try {
    const j = JSON.parse(text) as { message?: string; error_code?: number };
    msg = j.message ?? text;
    code = j.error_code ?? code;
  } catch {
    // not JSON
  }
  throw new SchemasError(`${msg} (error code ${code})`);
}

const enc = encodeURIComponent;

function schemaTypeFor(file: string, explicit?: string): string {
  if (explicit) {
    const t = explicit.toUpperCase();
    if (!['AVRO', 'PROTOBUF', 'JSON'].includes(t)) throw new SchemasError(`unknown schema type ${explicit}: use --type AVRO, PROTOBUF or JSON`);
    return t;
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.proto') return 'PROTOBUF';
  if (ext === '.avsc' || ext === '.avro') return 'AVRO';
  if (ext === '.json') {
    const text = readFileSync(file, 'utf8');
    return /"\$schema"|"properties"\s*:/.test(text) ? 'JSON' : 'AVRO';
  }
  throw new SchemasError(`cannot tell the schema type of ${file} from its extension: pass --type AVRO, PROTOBUF or JSON`);
}

function readSchema(file: string | undefined): string {
  if (!file) throw new SchemasError('missing the schema file: pass -f <file>');
  if (!existsSync(file)) throw new SchemasError(`${file} does not exist`);
  return readFileSync(file, 'utf8');
}

function references(refs: string[] = []): Array<{ name: string; subject: string; version: number }> {
  return refs.map((r) => {
    const m = /^([^=]+)=(.+):(-?\d+|latest)$/.exec(r);
    if (!m) throw new SchemasError(`invalid reference ${r}: use --reference name=subject:version (e.g. other.proto=other.proto:1)`);
    return { name: m[1], subject: m[2], version: m[3] === 'latest' ? -1 : Number(m[3]) };
  });
}

function body(file: string, o: { type?: string; reference?: string[] }): Record<string, unknown> {
  const text = readSchema(file);
  const type = schemaTypeFor(file, o.type);
  const b: Record<string, unknown> = { schema: text };
  if (type !== 'AVRO') b.schemaType = type;
  const refs = references(o.reference);
  if (refs.length) b.references = refs;
  return b;
}

function pretty(schemaType: string | undefined, schema: string): string {
  if (schemaType === 'PROTOBUF') return schema.endsWith('\n') ? schema : schema + '\n';
  try {
    return JSON.stringify(JSON.parse(schema), null, 2) + '\n';
  } catch {
    return schema + '\n';
  }
}

export async function runList(o: Common & { prefix?: string; deleted?: boolean }, io: Out): Promise<number> {
  const q = [o.prefix !== undefined ? `subjectPrefix=${enc(o.prefix)}` : '', o.deleted ? 'deleted=true' : ''].filter(Boolean).join('&');
  const subjects = await call<string[]>(o, 'GET', `/subjects${q ? '?' + q : ''}`);
  if (o.output === 'json') io.out(JSON.stringify(subjects) + '\n');
  else for (const s of subjects) io.out(s + '\n');
  return 0;
}

export async function runGet(subject: string | undefined, o: Common & { version?: string; id?: string }, io: Out): Promise<number> {
  if (o.id !== undefined) {
    const s = await call<{ schema: string; schemaType?: string; references?: unknown[] }>(o, 'GET', `/schemas/ids/${enc(o.id)}`);
    if (o.output === 'json') io.out(JSON.stringify(s) + '\n');
    else io.out(`id ${o.id}, type ${s.schemaType ?? 'AVRO'}\n` + pretty(s.schemaType, s.schema));
    return 0;
  }
  if (!subject) throw new SchemasError('missing the subject: nagare schemas get <subject> [--version v], or --id <id>');
  const s = await call<{ subject: string; version: number; id: number; schemaType?: string; references?: Array<{ name: string; subject: string; version: number }>; schema: string }>(
    o,
    'GET',
    `/subjects/${enc(subject)}/versions/${enc(o.version ?? 'latest')}`,
  );
  if (o.output === 'json') io.out(JSON.stringify(s) + '\n');
  else {
    io.out(`subject ${s.subject}, version ${s.version}, id ${s.id}, type ${s.schemaType ?? 'AVRO'}\n`);
    for (const r of s.references ?? []) io.out(`reference ${r.name} -> ${r.subject} version ${r.version}\n`);
    io.out(pretty(s.schemaType, s.schema));
  }
  return 0;
}

export async function runRegister(subject: string, o: Common & { file?: string; type?: string; reference?: string[]; normalize?: boolean }, io: Out): Promise<number> {
  const r = await call<{ id: number }>(o, 'POST', `/subjects/${enc(subject)}/versions${o.normalize ? '?normalize=true' : ''}`, body(o.file ?? '', o));
  if (o.output === 'json') io.out(JSON.stringify(r) + '\n');
  else {
    const v = await call<{ version: number }>(o, 'POST', `/subjects/${enc(subject)}${o.normalize ? '?normalize=true' : ''}`, body(o.file ?? '', o)).catch(() => null);
    io.out(`registered under ${subject}${v ? ` version ${v.version}` : ''} with id ${r.id}\n`);
  }
  return 0;
}

export async function runCompatCheck(subject: string, o: Common & { file?: string; type?: string; reference?: string[]; version?: string }, io: Out): Promise<number> {
  const path = `/compatibility/subjects/${enc(subject)}/versions${o.version ? '/' + enc(o.version) : ''}?verbose=true`;
  const r = await call<{ is_compatible: boolean; messages?: string[] }>(o, 'POST', path, body(o.file ?? '', o));
  if (o.output === 'json') io.out(JSON.stringify(r) + '\n');
  else {
    io.out(r.is_compatible ? `compatible with ${subject}${o.version ? ' version ' + o.version : ''}\n` : `NOT compatible with ${subject}${o.version ? ' version ' + o.version : ''}:\n`);
    if (!r.is_compatible) for (const m of r.messages ?? []) io.out(`  ${m}\n`);
  }
  return r.is_compatible ? 0 : 1;
}

export async function runConfig(subject: string | undefined, o: Common & { set?: string }, io: Out): Promise<number> {
  const path = `/config${subject ? '/' + enc(subject) : ''}`;
  if (o.set) {
    const r = await call<{ compatibility: string }>(o, 'PUT', path, { compatibility: o.set.toUpperCase() });
    io.out(o.output === 'json' ? JSON.stringify(r) + '\n' : `compatibility of ${subject ?? 'the registry (global)'} set to ${r.compatibility}\n`);
    return 0;
  }
  const r = await call<{ compatibilityLevel: string }>(o, 'GET', path + (subject ? '?defaultToGlobal=true' : ''));
  io.out(o.output === 'json' ? JSON.stringify(r) + '\n' : `${r.compatibilityLevel}\n`);
  return 0;
}

export async function runDelete(subject: string, o: Common & { version?: string; permanent?: boolean }, io: Out): Promise<number> {
  const q = o.permanent ? '?permanent=true' : '';
  if (o.version !== undefined) {
    const v = await call<number>(o, 'DELETE', `/subjects/${enc(subject)}/versions/${enc(o.version)}${q}`);
    io.out(o.output === 'json' ? JSON.stringify(v) + '\n' : `${o.permanent ? 'permanently deleted' : 'soft-deleted'} ${subject} version ${v}\n`);
    return 0;
  }
  const vs = await call<number[]>(o, 'DELETE', `/subjects/${enc(subject)}${q}`);
  io.out(o.output === 'json' ? JSON.stringify(vs) + '\n' : `${o.permanent ? 'permanently deleted' : 'soft-deleted'} ${subject} versions ${vs.join(', ')}\n`);
  return 0;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `schemas` and its subcommands to the `nagare` program. */
export function addSchemasCommand(program: Command, setExit: (code: number) => void, io: Out): void {
  const run = (fn: () => Promise<number>) => async () => {
    try {
      setExit(await fn());
    } catch (e) {
      io.err(`nagare schemas: ${(e as Error).message}\n`);
      setExit(1);
    }
  };
  const withCommon = (c: Command): Command => c.option('--url <url>', 'the schema registry (default $SCHEMA_REGISTRY_URL or http://localhost:8081)').option('--output <format>', 'text (default) or json');
  const schemas = program.command('schemas').description('the Schema Registry: list, get, register, compatibility, config, delete');
  withCommon(schemas.command('list').description('list subjects').option('--prefix <prefix>', 'only subjects starting with this').option('--deleted', 'include soft-deleted subjects')).action(async (o) => run(() => runList(o, io))());
  withCommon(schemas.command('get [subject]').description('show a schema by subject (latest version, or --version) or by --id').option('--version <version>', 'a version number or latest').option('--id <id>', 'a schema id'))
    .action(async (subject: string | undefined, o) => run(() => runGet(subject, o, io))());
  withCommon(
    schemas
      .command('register <subject>')
      .description('register a schema file under a subject (prints its id)')
      .option('-f, --file <file>', 'the schema (.avsc, .proto, .json)')
      .option('--type <type>', 'AVRO, PROTOBUF or JSON (default: from the file extension)')
      .option('--reference <name=subject:version>', 'a reference (repeatable)', collect, [])
      .option('--normalize', 'register the normalized schema'),
  ).action(async (subject: string, o) => run(() => runRegister(subject, o, io))());
  const compat = schemas.command('compat').description('compatibility checks');
  withCommon(
    compat
      .command('check <subject>')
      .description('check a schema file against a subject (its configured level; exit status 1 when incompatible)')
      .option('-f, --file <file>', 'the schema (.avsc, .proto, .json)')
      .option('--type <type>', 'AVRO, PROTOBUF or JSON (default: from the file extension)')
      .option('--reference <name=subject:version>', 'a reference (repeatable)', collect, [])
      .option('--version <version>', 'check against this version only (default: as the compatibility level says)'),
  ).action(async (subject: string, o) => run(() => runCompatCheck(subject, o, io))());
  withCommon(schemas.command('config [subject]').description('show (or --set) the compatibility level of a subject or of the registry').option('--set <level>', 'NONE, BACKWARD, FORWARD, FULL (+ _TRANSITIVE)'))
    .action(async (subject: string | undefined, o) => run(() => runConfig(subject, o, io))());
  withCommon(schemas.command('delete <subject>').description('soft-delete a subject (or --version), --permanent after a soft delete').option('--version <version>', 'only this version').option('--permanent', 'hard delete (after a soft delete)'))
    .action(async (subject: string, o) => run(() => runDelete(subject, o, io))());
}
