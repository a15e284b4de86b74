/**
 * Kafka's topic and broker configuration keys: types, defaults, valid values,
 * and for topic configs the broker key that supplies the cluster default
 * (`retention.ms` <- `log.retention.ms`). Names and defaults are Apache
 * Kafka 4.0's (the table is kafka-configs.ts). Used to validate
 * CreateTopics/AlterConfigs, to answer DescribeConfigs, and to read
 * server.properties.
 */
import {
  KAFKA_BROKER_CONFIGS,
  KAFKA_BROKER_QUOTA_CONFIGS,
  KAFKA_CLIENT_METRICS_CONFIGS,
  KAFKA_GROUP_CONFIGS,
  KAFKA_TOPIC_CONFIGS,
} from './kafka-configs';
import { ConfigResourceType } from './image';

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** DescribeConfigs `ConfigType` codes. */
export const CONFIG_TYPE_CODE: Record<ConfigType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};

/** DescribeConfigs `ConfigSource` codes. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

export interface ConfigDef {
  name: string;
  type: ConfigType;
  /** The default as Kafka prints it; null when there is none. */
  default: string | null;
  /** Allowed values (for lists: allowed elements), case-sensitive as in Kafka unless caseInsensitive. */
  validValues?: readonly string[];
  caseInsensitive?: boolean;
  min?: number;
  max?: number;
  /** Values inside [min, max] that are still refused (compression.gzip.level: -1 or 1..9). */
  excluded?: readonly number[];
  /** Kafka's NonEmptyString validator. */
  nonEmpty?: boolean;
  /** A metadata.version string such as 3.9-IV0 (MetadataVersionValidator). */
  metadataVersion?: boolean;
  /** `*` or a list of partition:broker pairs (ThrottledReplicaListValidator). */
  throttledReplicas?: boolean;
  /** For topic configs: the broker key whose value is the default. */
  serverDefault?: string;
  /** Broker keys that can be changed at runtime (DynamicBrokerConfig.AllDynamicConfigs). */
  dynamic?: boolean;
  /** per-broker: only for a broker id, never as the cluster-wide default (DynamicBrokerConfig.PerBrokerConfigs). */
  dynamicScope?: 'per-broker' | 'cluster-wide';
  /** Security configs that can be changed at runtime only with a `listener.name.<name>.` prefix. */
  listenerOnly?: boolean;
  /** Exists only as a dynamic broker config (QuotaConfig.brokerQuotaConfigs), never in server.properties. */
  dynamicOnly?: boolean;
  /** Kafka's internal configs: accepted, never described. */
  internal?: boolean;
  /** Accepted and stored for compatibility but nagare does not act on it. */
  noEffect?: boolean;
  sensitive?: boolean;
}

/**
 * The broker configs nagare acts on; every other Kafka broker config is
 * accepted, validated, stored and described, but has no effect.
 */
const BROKER_ACTED_ON: ReadonlySet<string> = new Set([
  'process.roles', 'node.id', 'broker.id', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'controller.listener.names',
  'broker.rack', 'listeners', 'advertised.listeners', 'listener.security.protocol.map', 'inter.broker.listener.name',
  'security.inter.broker.protocol', 'socket.send.buffer.bytes', 'socket.receive.buffer.bytes', 'socket.request.max.bytes',
  'connections.max.idle.ms', 'queued.max.requests', 'max.connections', 'max.connections.per.ip', 'log.dirs', 'log.dir',
  'metadata.log.dir', 'metadata.log.segment.bytes', 'metadata.max.retention.bytes', 'metadata.max.retention.ms', 'num.partitions',
  'default.replication.factor', 'auto.create.topics.enable', 'delete.topic.enable', 'message.max.bytes', 'log.cleanup.policy',
  'log.retention.hours', 'log.retention.minutes', 'log.retention.ms', 'log.retention.bytes', 'log.retention.check.interval.ms',
  'log.segment.bytes', 'log.roll.hours', 'log.roll.ms', 'log.roll.jitter.hours', 'log.roll.jitter.ms', 'log.index.interval.bytes',
  'log.index.size.max.bytes', 'log.flush.interval.messages', 'log.flush.interval.ms', 'log.flush.scheduler.interval.ms',
  'log.flush.offset.checkpoint.interval.ms', 'log.message.timestamp.type', 'log.message.timestamp.after.max.ms',
  'log.message.timestamp.before.max.ms', 'log.segment.delete.delay.ms', 'log.cleaner.enable', 'log.cleaner.threads',
  'log.cleaner.backoff.ms', 'log.cleaner.delete.retention.ms', 'log.cleaner.min.cleanable.ratio', 'log.cleaner.min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms', 'log.cleaner.dedupe.buffer.size', 'compression.type', 'compression.gzip.level',
  'compression.lz4.level', 'compression.zstd.level', 'min.insync.replicas', 'unclean.leader.election.enable',
  'offsets.topic.num.partitions', 'offsets.topic.replication.factor', 'offsets.topic.segment.bytes', 'offsets.topic.compression.codec',
  'offsets.retention.minutes', 'offsets.retention.check.interval.ms', 'offsets.commit.timeout.ms', 'offsets.load.buffer.size',
  'offset.metadata.max.bytes', 'group.initial.rebalance.delay.ms', 'group.min.session.timeout.ms', 'group.max.session.timeout.ms',
  'group.max.size', 'group.coordinator.rebalance.protocols', 'group.consumer.assignors', 'group.consumer.heartbeat.interval.ms',
  'group.consumer.max.heartbeat.interval.ms', 'group.consumer.max.session.timeout.ms', 'group.consumer.max.size', 'group.consumer.migration.policy',
  'group.consumer.min.heartbeat.interval.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.session.timeout.ms', 'producer.id.expiration.ms', 'transaction.state.log.num.partitions',
  'transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'transaction.state.log.segment.bytes',
  'transactional.id.expiration.ms', 'transaction.max.timeout.ms',
  // The metadata quorum (KRaft) and broker lifecycle.
  'controller.quorum.election.timeout.ms', 'controller.quorum.election.backoff.max.ms', 'controller.quorum.fetch.timeout.ms',
  'controller.quorum.request.timeout.ms', 'controller.quorum.retry.backoff.ms', 'broker.session.timeout.ms',
  'broker.heartbeat.interval.ms', 'metadata.max.idle.interval.ms', 'metadata.log.max.record.bytes.between.snapshots',
  'metadata.log.max.snapshot.interval.ms', 'auto.leader.rebalance.enable', 'leader.imbalance.check.interval.seconds',
  'controlled.shutdown.enable', 'initial.broker.registration.timeout.ms',
  // Partition replication (issue 12).
  'replica.lag.time.max.ms', 'replica.fetch.max.bytes', 'replica.fetch.min.bytes', 'replica.fetch.wait.max.ms',
  'replica.fetch.backoff.ms', 'replica.fetch.response.max.bytes', 'replica.socket.timeout.ms', 'num.replica.fetchers',
]);

/** Topic configs nagare accepts but does not act on (replication throttles, tiered storage, preallocation). */
const TOPIC_NO_EFFECT: ReadonlySet<string> = new Set([
  'follower.replication.throttled.replicas', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
  'preallocate', 'remote.storage.enable', 'remote.log.copy.disable', 'remote.log.delete.on.disable', 'message.downconversion.enable',
]);

const withFlags = (d: ConfigDef, noEffect: boolean): ConfigDef => ({
  ...d,
  ...(noEffect ? { noEffect: true } : {}),
  ...(d.type === 'password' ? { sensitive: true } : {}),
});

export const TOPIC_CONFIGS: readonly ConfigDef[] = KAFKA_TOPIC_CONFIGS.map((d) => withFlags(d, TOPIC_NO_EFFECT.has(d.name)));

/** Every Kafka broker config (KafkaConfig), internal ones flagged. */
export const BROKER_CONFIGS: readonly ConfigDef[] = KAFKA_BROKER_CONFIGS.map((d) => withFlags(d, !BROKER_ACTED_ON.has(d.name)));

/** Broker configs that exist only as dynamic configs (leader/follower replication throttles). */
export const BROKER_DYNAMIC_ONLY_CONFIGS: readonly ConfigDef[] = KAFKA_BROKER_QUOTA_CONFIGS.map((d) => withFlags(d, true));

/** GROUP (32) resource configs, KIP-848 / KIP-932; nagare stores them, its group coordinator does not read them yet. */
export const GROUP_CONFIGS: readonly ConfigDef[] = KAFKA_GROUP_CONFIGS.map((d) => withFlags(d, true));

/** CLIENT_METRICS (16) subscription configs, KIP-714; stored, nagare pushes no telemetry subscriptions yet. */
export const CLIENT_METRICS_CONFIGS: readonly ConfigDef[] = KAFKA_CLIENT_METRICS_CONFIGS.map((d) => withFlags(d, true));

/** The broker config that supplies each group config's default (GroupCoordinatorConfig.extractGroupConfigMap). */
export const GROUP_CONFIG_BROKER_DEFAULTS: Readonly<Record<string, string>> = {
  'consumer.session.timeout.ms': 'group.consumer.session.timeout.ms',
  'consumer.heartbeat.interval.ms': 'group.consumer.heartbeat.interval.ms',
  'share.session.timeout.ms': 'group.share.session.timeout.ms',
  'share.heartbeat.interval.ms': 'group.share.heartbeat.interval.ms',
  'share.record.lock.duration.ms': 'group.share.record.lock.duration.ms',
};

const TOPIC_BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));
const BROKER_BY_NAME = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));
const BROKER_DYNAMIC_ONLY_BY_NAME = new Map(BROKER_DYNAMIC_ONLY_CONFIGS.map((d) => [d.name, d]));
const GROUP_BY_NAME = new Map(GROUP_CONFIGS.map((d) => [d.name, d]));
const CLIENT_METRICS_BY_NAME = new Map(CLIENT_METRICS_CONFIGS.map((d) => [d.name, d]));

export function topicConfigDef(name: string): ConfigDef | undefined {
  return TOPIC_BY_NAME.get(name);
}

/** A Kafka broker config (KafkaConfig: what server.properties may hold). */
export function brokerConfigDef(name: string): ConfigDef | undefined {
  return BROKER_BY_NAME.get(name);
}

export function groupConfigDef(name: string): ConfigDef | undefined {
  return GROUP_BY_NAME.get(name);
}

export function clientMetricsConfigDef(name: string): ConfigDef | undefined {
  return CLIENT_METRICS_BY_NAME.get(name);
}

const LISTENER_PREFIX = /^listener\.name\.([^.]*)\.(.*)$/;

/** `listener.name.<listener>.<config>` -> the listener and the base config name (DynamicBrokerConfig.ListenerConfigRegex). */
export function listenerConfigBase(name: string): { listener: string; base: string } | null {
  const m = LISTENER_PREFIX.exec(name);
  return m ? { listener: m[1], base: m[2] } : null;
}

/** SASL configs given per mechanism under a listener prefix (`listener.name.l.plain.sasl.jaas.config`). */
const LISTENER_MECHANISM_CONFIGS = [
  'sasl.jaas.config', 'sasl.login.callback.handler.class', 'sasl.login.class', 'sasl.server.callback.handler.class', 'connections.max.reauth.ms',
];

/**
 * The definition that types a broker config name: its own, or for a
 * listener-prefixed name that of the config it overrides
 * (`listener.name.internal.ssl.keystore.location` -> `ssl.keystore.location`).
 */
export function brokerConfigDefFor(name: string): ConfigDef | undefined {
  const own = BROKER_BY_NAME.get(name) ?? BROKER_DYNAMIC_ONLY_BY_NAME.get(name);
  if (own) return own;
  const l = listenerConfigBase(name);
  if (!l) return undefined;
  const mechanism = LISTENER_MECHANISM_CONFIGS.find((m) => l.base.endsWith(m));
  return BROKER_BY_NAME.get(mechanism ?? l.base);
}

/** Broker configs that share one value in different units, in Kafka's precedence order (DynamicBrokerConfig.brokerConfigSynonyms). */
export function brokerConfigSynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default: {
      const l = listenerConfigBase(name);
      if (!l) return [name];
      return [name, LISTENER_MECHANISM_CONFIGS.find((m) => l.base.endsWith(m)) ?? l.base];
    }
  }
}

/** Cluster-level listener configs: may be set as the cluster-wide default even with a listener prefix. */
const CLUSTER_LEVEL_LISTENER_CONFIGS = new Set(['max.connections', 'max.connection.creation.rate', 'num.network.threads']);

/**
 * Checks dynamic broker config names as Kafka's DynamicBrokerConfig.validateConfigs
 * does and returns the first refusal (Kafka answers it as INVALID_REQUEST), or
 * null. Names Kafka does not know are custom configs and allowed.
 */
export function validateDynamicBrokerConfigNames(names: readonly string[], perBroker: boolean): string | null {
  const set = (xs: string[]) => `Set(${xs.join(', ')})`;
  const nonDynamic = names.filter((n) => {
    const d = BROKER_BY_NAME.get(n);
    return d !== undefined && !d.dynamic;
  });
  if (nonDynamic.length > 0) return `Cannot update these configs dynamically: ${set(nonDynamic)}`;
  const unprefixed = names.filter((n) => BROKER_BY_NAME.get(n)?.listenerOnly === true);
  if (unprefixed.length > 0) return `These security configs can be dynamically updated only per-listener using the listener prefix: ${set(unprefixed)}`;
  if (!perBroker) {
    const perBrokerOnly = names.filter((n) => {
      if (BROKER_BY_NAME.get(n)?.dynamicScope === 'per-broker') return true;
      const l = listenerConfigBase(n);
      return l !== null && !CLUSTER_LEVEL_LISTENER_CONFIGS.has(l.base);
    });
    if (perBrokerOnly.length > 0) return `Cannot update these configs at default cluster level, broker id must be specified: ${set(perBrokerOnly)}`;
  }
  return null;
}

/**
 * Checks a value against its definition; returns an error message in Kafka's
 * style (`Invalid value x for configuration y: reason`) or null when valid.
 */
export function validateConfigValue(d: ConfigDef, value: string): string | null {
  const bad = (why: string, shown = value) => `Invalid value ${shown} for configuration ${d.name}: ${why}`;
  const v = value.trim();
  const oneOf = (item: string): string | null => {
    if (!d.validValues) return null;
    if (d.caseInsensitive) {
      return d.validValues.some((x) => x.toLowerCase() === item.toLowerCase()) ? null : bad(`String must be one of (case insensitive): ${d.validValues.join(', ')}`, item);
    }
    return d.validValues.includes(item) ? null : bad(`String must be one of: ${d.validValues.join(', ')}`, item);
  };
  switch (d.type) {
    case 'boolean':
      if (!/^(true|false)$/i.test(v)) return bad('Expected value to be either true or false');
      return null;
    case 'int':
    case 'short':
    case 'long': {
      if (!/^[-+]?\d+$/.test(v)) return bad(`Not a number of type ${d.type.toUpperCase()}`);
      const n = BigInt(v);
      const [lo, hi] =
        d.type === 'short' ? [-32768n, 32767n] : d.type === 'int' ? [-2147483648n, 2147483647n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < lo || n > hi) return bad(`Not a number of type ${d.type.toUpperCase()}`);
      if (d.excluded && d.min !== undefined && d.max !== undefined) {
        // A level or its "default" marker: compression.gzip.level is -1 or 1..9 (CompressionType's validator).
        const first = Math.max(...d.excluded) + 1;
        if (n === BigInt(d.min) || (n >= BigInt(first) && n <= BigInt(d.max))) return null;
        return bad(`Value must be between ${first} and ${d.max} or equal to ${d.min}`);
      }
      if (d.min !== undefined && n < BigInt(d.min)) return bad(`Value must be at least ${d.min}`);
      if (d.max !== undefined && n > BigInt(d.max)) return bad(`Value must be no more than ${d.max}`);
      return null;
    }
    case 'double': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) return bad('Not a number of type DOUBLE');
      if (d.min !== undefined && n < d.min) return bad(`Value must be at least ${d.min}`);
      if (d.max !== undefined && n > d.max) return bad(`Value must be no more than ${d.max}`);
      return null;
    }
    case 'list': {
      const items = v === '' ? [] : v.split(',').map((s) => s.trim());
      if (d.throttledReplicas) {
        if (items.length === 1 && items[0] === '*') return null;
        if (!items.every((i) => /^\d+:\d+$/.test(i))) return bad('must be the literal \'*\' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...');
        return null;
      }
      for (const item of items) {
        const err = oneOf(item);
        if (err) return err;
      }
      return null;
    }
    default:
      if (d.nonEmpty && v === '') return bad('String must be non-empty');
      if (d.metadataVersion && !/^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v)) return bad(`Unknown metadata.version '${v}'.`);
      return oneOf(v);
  }
}

/** Kafka's topic name rules (`Topic.validate`). Returns an error message or null. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > 249) return `Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    return `Topic name ${name} is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** Topics whose names collide once '.' and '_' are treated alike (Kafka warns and refuses). */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/**
 * Whether nagare stores a config of this resource type without acting on it:
 * Kafka configs flagged noEffect, custom broker keys, and every GROUP and
 * CLIENT_METRICS config. Runtime packages log it (once per name).
 */
export function configIsStoredOnly(resourceType: number, name: string): boolean {
  switch (resourceType) {
    case ConfigResourceType.TOPIC:
      return topicConfigDef(name)?.noEffect === true;
    case ConfigResourceType.BROKER: {
      const d = brokerConfigDefFor(name);
      return d === undefined || d.noEffect === true;
    }
    case ConfigResourceType.CLIENT_METRICS:
    case ConfigResourceType.GROUP:
      return true;
    default:
      return false;
  }
}
