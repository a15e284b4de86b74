/**
 * kafka-configs: describe and alter topic and broker configs, with Kafka's
 * ConfigCommand options, checks, messages and layout.
 */
import { Admin, ConfigEntry, ConfigResourceType, ConfigSource } from '@nagare/client';
import { KafkaProtocolError } from '@nagare/protocol';
import { OptionDef, ParsedOptions } from '../cli/args';
import { CliError, UsageError, kafkaMessage } from '../cli/errors';
import { checkBootstrap, loadPropertiesFile } from '../cli/config';
import { COMMAND_CONFIG, HELP, Io, OUTPUT, ToolDef, VERSION, cantCombine, fileProps, jsonOutput, printJson, withAdmin } from '../cli/tool';

const ALL_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips', 'broker-loggers', 'client-metrics', 'groups'];
const SUPPORTED = ['topics', 'brokers', 'broker-loggers', 'groups', 'client-metrics'];

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'server to connect to', help: 'The Kafka servers to connect to.' },
  { name: 'bootstrap-controller', arg: 'required', describedAs: 'controller to connect to', help: 'The Kafka controllers to connect to (not available: use --bootstrap-server).' },
  { ...COMMAND_CONFIG, help: 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.' },
  { name: 'alter', help: 'Alter the configuration for the entity.' },
  { name: 'describe', help: 'List configs for the given entity.' },
  { name: 'all', help: 'List all configs for the given entity, including static configs if available.' },
  { name: 'entity-type', arg: 'required', describedAs: 'String', help: 'Type of entity (topics/brokers/broker-loggers/groups/client-metrics). Kafka\'s quota entities (clients/users/ips) are refused: nagare has no quotas yet.' },
  { name: 'entity-name', arg: 'required', describedAs: 'String', help: 'Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)' },
  { name: 'entity-default', help: 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type)' },
  { name: 'add-config', arg: 'required', describedAs: 'String', help: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." },
  { name: 'add-config-file', arg: 'required', describedAs: 'String', help: 'Path to a properties file with configs to add. See add-config for a list of valid configurations.' },
  { name: 'delete-config', arg: 'required', describedAs: 'String', help: "config keys to remove 'k1,k2'" },
  { name: 'force', help: 'Suppress console prompts' },
  { name: 'topic', arg: 'required', describedAs: 'String', help: "The topic's name." },
  { name: 'client', arg: 'required', describedAs: 'String', help: "The client's ID (quotas: refused by nagare)." },
  { name: 'client-defaults', help: 'The config defaults for all clients (quotas: refused by nagare).' },
  { name: 'user', arg: 'required', describedAs: 'String', help: "The user's principal name (quotas: refused by nagare)." },
  { name: 'user-defaults', help: 'The config defaults for all users (quotas: refused by nagare).' },
  { name: 'broker', arg: 'required', describedAs: 'String', help: "The broker's ID." },
  { name: 'broker-defaults', help: 'The config defaults for all brokers.' },
  { name: 'broker-logger', arg: 'required', describedAs: 'String', help: "The broker's ID for its logger config." },
  { name: 'ip-defaults', help: 'The config defaults for all IPs (quotas: refused by nagare).' },
  { name: 'ip', arg: 'required', describedAs: 'String', help: 'The IP address (quotas: refused by nagare).' },
  { name: 'group', arg: 'required', describedAs: 'String', help: "The group's ID." },
  { name: 'client-metrics', arg: 'required', describedAs: 'String', help: 'The client metrics config resource name.' },
  OUTPUT,
  HELP,
  VERSION,
];

const ENTITY_FLAGS: Array<[string, string]> = [
  ['topic', 'topics'],
  ['client', 'clients'],
  ['user', 'users'],
  ['broker', 'brokers'],
  ['broker-logger', 'broker-loggers'],
  ['ip', 'ips'],
  ['client-metrics', 'client-metrics'],
  ['group', 'groups'],
];
const DEFAULT_FLAGS: Array<[string, string]> = [
  ['client-defaults', 'clients'],
  ['user-defaults', 'users'],
  ['broker-defaults', 'brokers'],
  ['ip-defaults', 'ips'],
];

function entityTypes(o: ParsedOptions): string[] {
  return [...o.values('entity-type'), ...[...ENTITY_FLAGS, ...DEFAULT_FLAGS].filter(([f]) => o.has(f)).map(([, t]) => t)];
}

/** Names in command-line order: --entity-name values and "" for --entity-default, then the shortcut flags. */
function entityNames(o: ParsedOptions): string[] {
  const names: string[] = [];
  let i = 0;
  const given = o.values('entity-name');
  for (let k = 0; k < o.argv.length; k++) {
    const a = o.argv[k];
    if (a === '--entity-name' || a.startsWith('--entity-name=')) names.push(given[i++]);
    else if (a === '--entity-default') names.push('');
  }
  for (const [f] of ENTITY_FLAGS) if (o.has(f)) names.push(o.value(f)!);
  for (const [f] of DEFAULT_FLAGS) if (o.has(f)) names.push('');
  return names;
}

function checkArgs(o: ParsedOptions): { types: string[]; names: string[] } {
  if ((o.has('alter') ? 1 : 0) + (o.has('describe') ? 1 : 0) !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter', 'add one of them');
  if (o.has('describe')) for (const x of ['alter', 'add-config', 'delete-config']) if (o.has(x)) throw cantCombine('describe', x, '--add-config and --delete-config go with --alter');
  const types = entityTypes(o);
  const dup = types.filter((t, i) => types.indexOf(t) !== i);
  if (dup.length > 0) throw new UsageError(`Duplicate entity type(s) specified: ${[...new Set(dup)].join(',')}`);
  for (const t of types) {
    if (!ALL_TYPES.includes(t)) throw new UsageError(`Invalid entity type ${t}, the entity type must be one of ${ALL_TYPES.join(', ')} with a --bootstrap-server or --bootstrap-controller argument`);
  }
  if (types.length === 0) throw new UsageError('At least one entity type must be specified', 'add --entity-type topics or --entity-type brokers');
  if (types.length > 1 && !(types.length === 2 && types.includes('users') && types.includes('clients'))) throw new UsageError("Only 'users' and 'clients' entity types may be specified together");
  if ((o.has('entity-name') || o.has('entity-type') || o.has('entity-default')) && [...ENTITY_FLAGS, ...DEFAULT_FLAGS].some(([f]) => o.has(f))) {
    throw new UsageError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');
  }
  if (!o.has('bootstrap-server') && !o.has('bootstrap-controller')) throw new UsageError('One of the required --bootstrap-server or --bootstrap-controller arguments must be specified', 'add --bootstrap-server host:port');
  if (o.has('bootstrap-server') && o.has('bootstrap-controller')) throw new UsageError('Only one of --bootstrap-server or --bootstrap-controller can be specified');
  if (o.has('bootstrap-controller')) throw new UsageError('--bootstrap-controller is not available', 'use --bootstrap-server: nagare brokers answer config requests');
  const names = entityNames(o);
  const hasName = names.some((n) => n !== '');
  const hasDefault = names.some((n) => n === '');
  if (hasName && (types.includes('brokers') || types.includes('broker-loggers'))) {
    for (const n of [...o.values('entity-name'), ...o.values('broker'), ...o.values('broker-logger')]) {
      if (!/^[-+]?\d+$/.test(n)) throw new UsageError(`The entity name for ${types[0]} must be a valid integer broker id, but it is: ${n}`);
    }
  }
  if (o.has('describe')) {
    if (!['users', 'clients', 'brokers', 'ips'].some((t) => types.includes(t)) && o.has('entity-default')) throw new UsageError(`--entity-default must not be specified with --describe of ${types.join(',')}`);
    if (types.includes('client-metrics') && !hasName) throw new UsageError('An entity name must be specified with --describe of client-metrics', 'add --entity-name <name>: nagare does not list client-metrics resources yet');
    if (types.includes('broker-loggers') && !hasName) throw new UsageError(`An entity name must be specified with --describe of ${types.join(',')}`, 'add --entity-name <broker id>');
  }
  if (o.has('alter')) {
    if (['users', 'clients', 'brokers', 'ips'].some((t) => types.includes(t))) {
      if (!hasName && !hasDefault) throw new UsageError('An entity-name or default entity must be specified with --alter of users, clients, brokers or ips', 'add --entity-name <id> or --entity-default');
    } else if (!hasName) throw new UsageError(`An entity name must be specified with --alter of ${types.join(',')}`, 'add --entity-name <name>');
    if (o.has('add-config') && o.has('add-config-file')) throw new UsageError('Only one of --add-config or --add-config-file must be specified');
    if (!o.has('add-config') && !o.has('add-config-file') && !o.has('delete-config')) throw new UsageError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter', 'e.g. --add-config retention.ms=86400000');
  }
  if (o.has('output') && !o.has('describe')) throw cantCombine('output', 'alter', '--output applies to --describe');
  if (!SUPPORTED.includes(types[0])) throw new CliError(`Entity type ${types[0]} is not supported by nagare (supported: ${SUPPORTED.join(', ')})`);
  return { types, names };
}

/** --add-config: commas separate pairs except inside [...]; [] are removed from values. */
export function parseAddConfig(s: string): Map<string, string> {
  const out = new Map<string, string>();
  const pairs: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      pairs.push(cur);
      cur = '';
    } else cur += c;
  }
  pairs.push(cur);
  for (const p of pairs) {
    const kv = splitOutsideBrackets(p);
    if (kv.length !== 2) throw new UsageError('requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".', `got '${p}'`);
    out.set(kv[0].trim(), kv[1].replace(/[[\]]/g, '').trim());
  }
  return out;
}

function splitOutsideBrackets(p: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (c === '=' && depth === 0) {
      parts.push(cur.replace(/\s+$/, ''));
      cur = '';
      while (p[i + 1] === ' ' || p[i + 1] === '\t') i++;
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function validateTopic(name: string): void {
  if (name === '') throw new CliError('Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') throw new CliError('Topic name cannot be "." or ".."');
  if (name.length > 249) throw new CliError(`Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`);
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new CliError(`Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
}

interface Resource {
  type: ConfigResourceType;
  dynamic: ConfigSource | null;
}

function resourceFor(entityType: string, name: string): Resource {
  if (entityType === 'topics') {
    if (name !== '') validateTopic(name);
    return { type: ConfigResourceType.TOPIC, dynamic: ConfigSource.DYNAMIC_TOPIC_CONFIG };
  }
  if (entityType === 'groups') return { type: ConfigResourceType.GROUP, dynamic: ConfigSource.GROUP_CONFIG };
  if (entityType === 'client-metrics') return { type: ConfigResourceType.CLIENT_METRICS, dynamic: ConfigSource.CLIENT_METRICS_CONFIG };
  if (entityType === 'brokers') return { type: ConfigResourceType.BROKER, dynamic: name === '' ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : ConfigSource.DYNAMIC_BROKER_CONFIG };
  return { type: ConfigResourceType.BROKER_LOGGER, dynamic: null };
}

async function resourceConfig(admin: Admin, entityType: string, name: string, all: boolean, synonyms: boolean): Promise<ConfigEntry[]> {
  const r = resourceFor(entityType, name);
  const [res] = await admin.describeConfigs([{ type: r.type, name }], { includeSynonyms: synonyms, timeoutMs: 30000 });
  if (res.error) throw res.error;
  return res.configs.filter((e) => all || r.dynamic === null || e.source === r.dynamic).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const sourceName = (s: ConfigSource) => ConfigSource[s] ?? 'UNKNOWN';

async function describe(admin: Admin, o: ParsedOptions, io: Io, entityType: string, names: string[]): Promise<number> {
  const all = o.has('all');
  let entities: string[];
  if (names.length > 0) entities = [names[0]];
  else if (entityType === 'topics') entities = (await admin.listTopics({ listInternal: true })).map((t) => t.name).sort();
  else if (entityType === 'groups') entities = (await admin.listGroups()).map((g) => g.groupId).sort();
  else entities = [...(await admin.describeCluster()).brokers.map((b) => String(b.nodeId)), ''];
  const json: unknown[] = [];
  for (const entity of entities) {
    const entries = await resourceConfig(admin, entityType, entity, all, true);
    if (jsonOutput(o)) {
      json.push({
        entityType,
        entityName: entity === '' ? null : entity,
        configs: entries.map((e) => ({ name: e.name, value: e.value, sensitive: e.isSensitive, readOnly: e.readOnly, source: sourceName(e.source), synonyms: e.synonyms.map((s) => ({ name: s.name, value: s.value, source: sourceName(s.source) })) })),
      });
      continue;
    }
    if (entity === '') io.out(`Default configs for ${entityType} in the cluster are:\n`);
    else io.out(`${all ? 'All' : 'Dynamic'} configs for ${entityType.slice(0, -1)} ${entity} are:\n`);
    for (const e of entries) {
      const syn = e.synonyms.map((s) => `${sourceName(s.source)}:${s.name}=${s.value}`).join(', ');
      io.out(`  ${e.name}=${e.value} sensitive=${e.isSensitive} synonyms={${syn}}\n`);
    }
  }
  if (jsonOutput(o)) printJson(io, { entities: json });
  return 0;
}

async function alter(admin: Admin, o: ParsedOptions, io: Io, entityType: string, name: string): Promise<number> {
  const toAdd = new Map<string, string>();
  if (o.has('add-config-file')) for (const [k, v] of loadPropertiesFile(o.value('add-config-file')!)) toAdd.set(k, v);
  if (o.has('add-config')) for (const [k, v] of parseAddConfig(o.value('add-config')!)) toAdd.set(k, v);
  for (const k of toAdd.keys()) if (!/^[a-zA-Z0-9._-]*$/.test(k)) throw new UsageError(`Invalid character found for config key: ${k}`);
  const toDelete = o
    .values('delete-config')
    .flatMap((v) => v.split(','))
    .map((x) => x.trim())
    .filter((x) => x !== '');
  const existing = await resourceConfig(admin, entityType, name, false, false);
  const invalid = toDelete.filter((k) => !existing.some((e) => e.name === k));
  if (invalid.length > 0) throw new CliError(`Invalid config(s): ${invalid.join(',')}`);
  const r = resourceFor(entityType, name);
  const [res] = await admin.incrementalAlterConfigs(
    [{ type: r.type, name, ops: [...[...toAdd].map(([k, v]) => ({ name: k, op: 'set' as const, value: v })), ...toDelete.map((k) => ({ name: k, op: 'delete' as const, value: '' }))] }],
    { timeoutMs: 30000 },
  );
  if (res.error) throw res.error;
  if (name !== '') io.out(`Completed updating config for ${entityType.slice(0, -1)} ${name}.\n`);
  else io.out(`Completed updating default config for ${entityType} in the cluster.\n`);
  return 0;
}

export const configsTool: ToolDef = {
  script: 'kafka-configs',
  command: 'configs',
  usage: 'This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group',
  options,
  async run(o, io) {
    const { types, names } = checkArgs(o);
    jsonOutput(o);
    if (o.has('alter') && names.length !== types.length) throw new UsageError('An entity name must be specified for every entity type');
    const bootstrap = checkBootstrap(o.value('bootstrap-server'));
    const props = fileProps(o);
    try {
      return await withAdmin(bootstrap, props, (admin) => (o.has('alter') ? alter(admin, o, io, types[0], names[0]) : describe(admin, o, io, types[0], names)));
    } catch (e) {
      if (e instanceof KafkaProtocolError) throw new CliError(`Error while executing config command with args '${o.argv.join(' ')}': ${kafkaMessage(e)}`);
      throw e;
    }
  },
};
