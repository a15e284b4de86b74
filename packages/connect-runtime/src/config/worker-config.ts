/**
 * Worker configuration (`WorkerConfig`, `StandaloneConfig`,
 * `RestServerConfig`): the keys connect-standalone.properties sets, with
 * Kafka's defaults and messages.
 */
import { ConfigException } from '@nagare/connect-api';

export type OverridePolicy = 'All' | 'None' | 'Principal';

export interface WorkerConfig {
  props: Readonly<Record<string, string>>;
  bootstrapServers: string;
  keyConverter: string;
  valueConverter: string;
  headerConverter: string;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  offsetStorageFileFilename: string;
  pluginPath: string | undefined;
  clientConfigOverridePolicy: OverridePolicy;
  topicCreationEnable: boolean;
  taskShutdownGracefulTimeoutMs: number;
  listeners: string[];
  advertisedHost: string | undefined;
  advertisedPort: number | undefined;
}

function required(props: Readonly<Record<string, string>>, key: string): string {
  const v = props[key];
  if (v === undefined) throw new ConfigException(`Missing required configuration "${key}" which has no default value.`);
  return v.trim();
}

function long(props: Readonly<Record<string, string>>, key: string, def: number, min = -Infinity): number {
  const raw = props[key];
  if (raw === undefined) return def;
  const t = raw.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new ConfigException(key, raw, 'Not a number of type LONG');
  const n = Number(t);
  if (n < min) throw new ConfigException(key, n, `Value must be at least ${min}`);
  return n;
}

function bool(props: Readonly<Record<string, string>>, key: string, def: boolean): boolean {
  const raw = props[key];
  if (raw === undefined) return def;
  const t = raw.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw new ConfigException(key, raw, 'Expected value to be either true or false');
}

const POLICY_CLASSES: Record<string, OverridePolicy> = {
  All: 'All',
  None: 'None',
  Principal: 'Principal',
  AllConnectorClientConfigOverridePolicy: 'All',
  NoneConnectorClientConfigOverridePolicy: 'None',
  PrincipalConnectorClientConfigOverridePolicy: 'Principal',
  'org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy': 'All',
  'org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy': 'None',
  'org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy': 'Principal',
};

/** The keys every worker has (`WorkerConfig`, `RestServerConfig`); `offsetStorageFileFilename` is standalone's. */
export function baseWorkerConfig(props: Readonly<Record<string, string>>): WorkerConfig {
  const policyRaw = (props['connector.client.config.override.policy'] ?? 'All').trim();
  const policy = POLICY_CLASSES[policyRaw];
  if (!policy) throw new ConfigException('connector.client.config.override.policy', policyRaw, `Class ${policyRaw} could not be found.`);
  const listeners = (props['listeners'] ?? 'http://:8083').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const l of listeners) if (!/^https?:\/\/[^:/]*:\d+$/i.test(l)) throw new ConfigException('listeners', l, 'Listener must be in the form protocol://host:port');
  const advPort = props['rest.advertised.port'];
  return {
    props,
    bootstrapServers: (props['bootstrap.servers'] ?? 'localhost:9092').trim(),
    keyConverter: required(props, 'key.converter'),
    valueConverter: required(props, 'value.converter'),
    headerConverter: (props['header.converter'] ?? 'org.apache.kafka.connect.storage.SimpleHeaderConverter').trim(),
    offsetFlushIntervalMs: long(props, 'offset.flush.interval.ms', 60000, 0),
    offsetFlushTimeoutMs: long(props, 'offset.flush.timeout.ms', 5000, 0),
    offsetStorageFileFilename: '',
    pluginPath: props['plugin.path'],
    clientConfigOverridePolicy: policy,
    topicCreationEnable: bool(props, 'topic.creation.enable', true),
    taskShutdownGracefulTimeoutMs: long(props, 'task.shutdown.graceful.timeout.ms', 5000, 0),
    listeners,
    advertisedHost: props['rest.advertised.host.name']?.trim() || undefined,
    advertisedPort: advPort !== undefined ? long(props, 'rest.advertised.port', 0) : undefined,
  };
}

/** `StandaloneConfig`: the worker keys plus `offset.storage.file.filename` (required). */
export function standaloneWorkerConfig(props: Readonly<Record<string, string>>): WorkerConfig {
  return { ...baseWorkerConfig(props), offsetStorageFileFilename: required(props, 'offset.storage.file.filename') };
}

export { required as requiredConfig, long as longConfig, bool as boolConfig };
