/**
 * `schema-registry.properties` with Confluent's keys and defaults
 * (`SchemaRegistryConfig`). Keys nagare does not implement (SSL, SASL,
 * resource extensions) are refused with a message naming them rather than
 * silently ignored when they would change behaviour.
 */
import { hostname } from 'node:os';
import { CompatibilityLevel, compatibilityLevelForName } from './formats/compatibility';

export interface SchemaRegistryConfig {
  /** `listeners` (http://0.0.0.0:8081). */
  listeners: Array<{ scheme: string; host: string; port: number }>;
  /** `host.name`: the host other instances reach this one at (the machine's host name). */
  hostName: string;
  /** `kafkastore.bootstrap.servers`. */
  bootstrapServers: string;
  /** `kafkastore.topic` (_schemas). */
  topic: string;
  /** `kafkastore.topic.replication.factor` (3). */
  topicReplicationFactor: number;
  /** `kafkastore.topic.config.*`. */
  topicConfigs: Record<string, string>;
  /** `kafkastore.topic.skip.validation` (false). */
  topicSkipValidation: boolean;
  /** `kafkastore.timeout.ms` (500). */
  storeTimeoutMs: number;
  /** `kafkastore.init.timeout.ms` (60000). */
  initTimeoutMs: number;
  /** `schema.registry.group.id` (schema-registry). */
  groupId: string;
  /** `kafkagroup.session.timeout.ms` (10000). */
  sessionTimeoutMs: number;
  /** `kafkagroup.heartbeat.interval.ms` (3000). */
  heartbeatIntervalMs: number;
  /** `kafkagroup.rebalance.timeout.ms` (300000). */
  rebalanceTimeoutMs: number;
  /** `leader.eligibility` (true; `master.eligibility` is its old name). */
  leaderEligibility: boolean;
  /** `leader.read.timeout.ms` (60000): forwarded requests. */
  leaderReadTimeoutMs: number;
  /** `schema.compatibility.level` (backward; `avro.compatibility.level` is its old name). */
  compatibilityLevel: CompatibilityLevel;
  /** `mode.mutability` (true). */
  modeMutability: boolean;
  /** `schema.validate.fields` (false). */
  validateFields: boolean;
  /** `schema.search.default.limit` / `schema.search.max.limit` (1000). */
  schemaSearchDefaultLimit: number;
  schemaSearchMaxLimit: number;
  /** `inter.instance.protocol` (http). */
  interInstanceProtocol: string;
  /** nagare: largest request body (`size.limit.filter.max.request.body.size` when the filter is enabled; else 20 MiB). */
  maxRequestBodyBytes: number;
  /** `debug` (false). */
  debug: boolean;
  /** Every property as given. */
  originals: Record<string, string>;
}

export class ConfigException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigException';
  }
}

const UNSUPPORTED = [/^ssl\./, /^kafkastore\.ssl\./, /^kafkastore\.sasl\./, /^authentication\./, /^resource\.extension\.class/, /^schema\.registry\.resource\.extension\.class/];

function bool(p: Record<string, string>, k: string, d: boolean): boolean {
  const v = p[k];
  if (v === undefined || v.trim() === '') return d;
  const t = v.trim().toLowerCase();
  if (t !== 'true' && t !== 'false') throw new ConfigException(`Invalid value ${v} for configuration ${k}: Expected value to be either true or false`);
  return t === 'true';
}

function int(p: Record<string, string>, k: string, d: number, min = -Infinity): number {
  const v = p[k];
  if (v === undefined || v.trim() === '') return d;
  if (!/^-?\d+$/.test(v.trim())) throw new ConfigException(`Invalid value ${v} for configuration ${k}: Not a number of type INT`);
  const n = Number(v.trim());
  if (n < min) throw new ConfigException(`Invalid value ${v} for configuration ${k}: Value must be at least ${min}`);
  return n;
}

export function parseListener(l: string): { scheme: string; host: string; port: number } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?$/.exec(l.trim());
  if (!m) throw new ConfigException(`Listener '${l}' is not a valid URL: expected scheme://host:port, e.g. http://0.0.0.0:8081`);
  const scheme = m[1].toLowerCase();
  if (scheme !== 'http') throw new ConfigException(`Listener '${l}': only http listeners are supported (https needs ssl.* settings nagare does not implement)`);
  return { scheme, host: m[2] === '' ? '0.0.0.0' : m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

/** Parses Java properties text. */
export function parsePropertiesText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const key = (m ? m[1] : line).replace(/\\(.)/g, '$1');
    const value = m ? m[2].replace(/\\([^u])/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', f: '\f' })[c] ?? c) : '';
    out[key] = value;
  }
  return out;
}

export function schemaRegistryConfig(props: Record<string, string>): SchemaRegistryConfig {
  for (const k of Object.keys(props)) {
    if (UNSUPPORTED.some((re) => re.test(k)) && props[k].trim() !== '') throw new ConfigException(`Configuration ${k} is not supported by nagare's schema registry (no TLS/SASL/extensions); remove it`);
  }
  const sp = props['kafkastore.security.protocol'];
  if (sp && sp.trim().toUpperCase() !== 'PLAINTEXT') throw new ConfigException(`kafkastore.security.protocol=${sp} is not supported: only PLAINTEXT`);
  let listenersRaw = props.listeners;
  if (listenersRaw === undefined || listenersRaw.trim() === '') listenersRaw = `http://0.0.0.0:${int(props, 'port', 8081)}`;
  const listeners = listenersRaw.split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseListener);
  const bootstrap = (props['kafkastore.bootstrap.servers'] ?? '').trim();
  if (bootstrap === '') {
    if ((props['kafkastore.connection.url'] ?? '').trim() !== '') throw new ConfigException('kafkastore.connection.url (ZooKeeper) is not supported: set kafkastore.bootstrap.servers');
    throw new ConfigException('Must configure kafkastore.bootstrap.servers (e.g. PLAINTEXT://localhost:9092)');
  }
  const levelRaw = (props['schema.compatibility.level'] ?? '').trim() || (props['avro.compatibility.level'] ?? '').trim() || 'backward';
  const level = compatibilityLevelForName(levelRaw);
  if (!level) throw new ConfigException(`Invalid value ${levelRaw} for configuration schema.compatibility.level: String must be one of: none, backward, backward_transitive, forward, forward_transitive, full, full_transitive`);
  const topicConfigs: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith('kafkastore.topic.config.')) topicConfigs[k.slice('kafkastore.topic.config.'.length)] = v;
  const eligibility = props['leader.eligibility'] !== undefined ? bool(props, 'leader.eligibility', true) : bool(props, 'master.eligibility', true);
  const sizeFilter = bool(props, 'size.limit.filter.enabled', false);
  return {
    listeners,
    hostName: (props['host.name'] ?? '').trim() || hostname(),
    bootstrapServers: bootstrap,
    topic: (props['kafkastore.topic'] ?? '').trim() || '_schemas',
    topicReplicationFactor: int(props, 'kafkastore.topic.replication.factor', 3, 1),
    topicConfigs,
    topicSkipValidation: bool(props, 'kafkastore.topic.skip.validation', false),
    storeTimeoutMs: int(props, 'kafkastore.timeout.ms', 500, 0),
    initTimeoutMs: int(props, 'kafkastore.init.timeout.ms', 60000, 0),
    groupId: (props['schema.registry.group.id'] ?? '').trim() || 'schema-registry',
    sessionTimeoutMs: int(props, 'kafkagroup.session.timeout.ms', 10000, 1),
    heartbeatIntervalMs: int(props, 'kafkagroup.heartbeat.interval.ms', 3000, 1),
    rebalanceTimeoutMs: int(props, 'kafkagroup.rebalance.timeout.ms', 300000, 1),
    leaderEligibility: eligibility,
    leaderReadTimeoutMs: int(props, 'leader.read.timeout.ms', 60000, 0),
    compatibilityLevel: level,
    modeMutability: bool(props, 'mode.mutability', true),
    validateFields: bool(props, 'schema.validate.fields', false),
    schemaSearchDefaultLimit: int(props, 'schema.search.default.limit', 1000, 1),
    schemaSearchMaxLimit: int(props, 'schema.search.max.limit', 1000, 1),
    interInstanceProtocol: (props['inter.instance.protocol'] ?? 'http').trim() || 'http',
    maxRequestBodyBytes: sizeFilter ? int(props, 'size.limit.filter.max.request.body.size', 1048576, 1) : 20 * 1024 * 1024,
    debug: bool(props, 'debug', false),
    originals: { ...props },
  };
}
