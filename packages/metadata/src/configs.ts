/**
 * Kafka's topic and broker configuration keys: types, defaults, valid values,
 * and for topic configs the broker key that supplies the cluster default
 * (`retention.ms` <- `log.retention.ms`). Names and defaults are Apache
 * Kafka 4.0's. Used to validate CreateTopics/AlterConfigs, to answer
 * DescribeConfigs, and to read server.properties.
 */

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
  /** Allowed values (for lists: allowed elements), case-sensitive as in Kafka. */
  validValues?: readonly string[];
  min?: number;
  max?: number;
  /** For topic configs: the broker key whose value is the default. */
  serverDefault?: string;
  /** Broker keys that can be changed at runtime (dynamic broker configs). */
  dynamic?: boolean;
  /** Accepted for compatibility but has no effect in nagare. */
  noEffect?: boolean;
  sensitive?: boolean;
}

const LONG_MAX = '9223372036854775807';
const INT_MAX = '2147483647';

function def(name: string, type: ConfigType, dflt: string | null, extra: Partial<ConfigDef> = {}): ConfigDef {
  return { name, type, default: dflt, ...extra };
}

export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  def('cleanup.policy', 'list', 'delete', { validValues: ['compact', 'delete'], serverDefault: 'log.cleanup.policy' }),
  def('compression.type', 'string', 'producer', {
    validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    serverDefault: 'compression.type',
  }),
  def('compression.gzip.level', 'int', '-1', { min: -1, max: 9, serverDefault: 'compression.gzip.level' }),
  def('compression.lz4.level', 'int', '9', { min: 1, max: 17, serverDefault: 'compression.lz4.level' }),
  def('compression.zstd.level', 'int', '3', { min: -131072, max: 22, serverDefault: 'compression.zstd.level' }),
  def('delete.retention.ms', 'long', '86400000', { min: 0, serverDefault: 'log.cleaner.delete.retention.ms' }),
  def('file.delete.delay.ms', 'long', '60000', { min: 0, serverDefault: 'log.segment.delete.delay.ms' }),
  def('flush.messages', 'long', LONG_MAX, { min: 1, serverDefault: 'log.flush.interval.messages' }),
  def('flush.ms', 'long', LONG_MAX, { min: 0, serverDefault: 'log.flush.interval.ms' }),
  def('follower.replication.throttled.replicas', 'list', '', { noEffect: true }),
  def('index.interval.bytes', 'int', '4096', { min: 0, serverDefault: 'log.index.interval.bytes' }),
  def('leader.replication.throttled.replicas', 'list', '', { noEffect: true }),
  def('local.retention.bytes', 'long', '-2', { min: -2, noEffect: true }),
  def('local.retention.ms', 'long', '-2', { min: -2, noEffect: true }),
  def('max.compaction.lag.ms', 'long', LONG_MAX, { min: 1, serverDefault: 'log.cleaner.max.compaction.lag.ms' }),
  def('max.message.bytes', 'int', '1048588', { min: 0, serverDefault: 'message.max.bytes' }),
  def('message.timestamp.after.max.ms', 'long', '3600000', { min: 0, serverDefault: 'log.message.timestamp.after.max.ms' }),
  def('message.timestamp.before.max.ms', 'long', LONG_MAX, { min: 0, serverDefault: 'log.message.timestamp.before.max.ms' }),
  def('message.timestamp.type', 'string', 'CreateTime', {
    validValues: ['CreateTime', 'LogAppendTime'],
    serverDefault: 'log.message.timestamp.type',
  }),
  def('min.cleanable.dirty.ratio', 'double', '0.5', { min: 0, max: 1, serverDefault: 'log.cleaner.min.cleanable.ratio' }),
  def('min.compaction.lag.ms', 'long', '0', { min: 0, serverDefault: 'log.cleaner.min.compaction.lag.ms' }),
  def('min.insync.replicas', 'int', '1', { min: 1, serverDefault: 'min.insync.replicas' }),
  def('preallocate', 'boolean', 'false', { serverDefault: 'log.preallocate', noEffect: true }),
  def('remote.storage.enable', 'boolean', 'false', { noEffect: true }),
  def('retention.bytes', 'long', '-1', { serverDefault: 'log.retention.bytes' }),
  def('retention.ms', 'long', '604800000', { min: -1, serverDefault: 'log.retention.ms' }),
  def('segment.bytes', 'int', '1073741824', { min: 14, serverDefault: 'log.segment.bytes' }),
  def('segment.index.bytes', 'int', '10485760', { min: 4, serverDefault: 'log.index.size.max.bytes' }),
  def('segment.jitter.ms', 'long', '0', { min: 0, serverDefault: 'log.roll.jitter.ms' }),
  def('segment.ms', 'long', '604800000', { min: 1, serverDefault: 'log.roll.ms' }),
  def('unclean.leader.election.enable', 'boolean', 'false', { serverDefault: 'unclean.leader.election.enable' }),
];

export const BROKER_CONFIGS: readonly ConfigDef[] = [
  // KRaft and identity
  def('process.roles', 'list', '', { validValues: ['broker', 'controller'] }),
  def('node.id', 'int', '-1'),
  def('broker.id', 'int', '-1'),
  def('controller.quorum.voters', 'list', ''),
  def('controller.quorum.bootstrap.servers', 'list', ''),
  def('controller.listener.names', 'list', null),
  def('controller.quorum.election.timeout.ms', 'int', '1000', { noEffect: true }),
  def('controller.quorum.fetch.timeout.ms', 'int', '2000', { noEffect: true }),
  def('broker.rack', 'string', null),
  def('initial.broker.registration.timeout.ms', 'int', '60000', { noEffect: true }),
  // listeners and network
  def('listeners', 'list', 'PLAINTEXT://:9092'),
  def('advertised.listeners', 'list', null),
  def('listener.security.protocol.map', 'string', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT'),
  def('inter.broker.listener.name', 'string', null),
  def('security.inter.broker.protocol', 'string', 'PLAINTEXT'),
  def('num.network.threads', 'int', '3', { min: 1, noEffect: true, dynamic: true }),
  def('num.io.threads', 'int', '8', { min: 1, noEffect: true, dynamic: true }),
  def('socket.send.buffer.bytes', 'int', '102400'),
  def('socket.receive.buffer.bytes', 'int', '102400'),
  def('socket.request.max.bytes', 'int', '104857600', { min: 1 }),
  def('connections.max.idle.ms', 'long', '600000'),
  def('queued.max.requests', 'int', '500', { min: 1 }),
  def('max.connections', 'int', INT_MAX, { min: 0, dynamic: true }),
  def('max.connections.per.ip', 'int', INT_MAX, { min: 0, dynamic: true }),
  // logs
  def('log.dirs', 'list', null),
  def('log.dir', 'list', '/tmp/kafka-logs'),
  def('metadata.log.dir', 'string', null),
  def('metadata.log.segment.bytes', 'int', '1073741824', { min: 12 }),
  def('metadata.max.retention.bytes', 'long', '104857600'),
  def('metadata.max.retention.ms', 'long', '604800000'),
  def('num.recovery.threads.per.data.dir', 'int', '2', { min: 1, noEffect: true }),
  def('num.partitions', 'int', '1', { min: 1 }),
  def('default.replication.factor', 'int', '1', { min: 1 }),
  def('auto.create.topics.enable', 'boolean', 'true'),
  def('delete.topic.enable', 'boolean', 'true'),
  def('message.max.bytes', 'int', '1048588', { min: 0, dynamic: true }),
  def('log.cleanup.policy', 'list', 'delete', { validValues: ['compact', 'delete'], dynamic: true }),
  def('log.retention.hours', 'int', '168'),
  def('log.retention.minutes', 'int', null),
  def('log.retention.ms', 'long', null, { dynamic: true }),
  def('log.retention.bytes', 'long', '-1', { dynamic: true }),
  def('log.retention.check.interval.ms', 'long', '300000', { min: 1 }),
  def('log.segment.bytes', 'int', '1073741824', { min: 14, dynamic: true }),
  def('log.roll.hours', 'int', '168', { min: 1 }),
  def('log.roll.ms', 'long', null, { dynamic: true }),
  def('log.roll.jitter.hours', 'int', '0'),
  def('log.roll.jitter.ms', 'long', null, { dynamic: true }),
  def('log.index.interval.bytes', 'int', '4096', { min: 0, dynamic: true }),
  def('log.index.size.max.bytes', 'int', '10485760', { min: 4, dynamic: true }),
  def('log.flush.interval.messages', 'long', LONG_MAX, { min: 1, dynamic: true }),
  def('log.flush.interval.ms', 'long', null, { dynamic: true }),
  def('log.flush.scheduler.interval.ms', 'long', LONG_MAX),
  def('log.flush.offset.checkpoint.interval.ms', 'int', '60000', { min: 0 }),
  def('log.message.timestamp.type', 'string', 'CreateTime', { validValues: ['CreateTime', 'LogAppendTime'], dynamic: true }),
  def('log.message.timestamp.after.max.ms', 'long', '3600000', { dynamic: true }),
  def('log.message.timestamp.before.max.ms', 'long', LONG_MAX, { dynamic: true }),
  def('log.preallocate', 'boolean', 'false', { dynamic: true, noEffect: true }),
  def('log.segment.delete.delay.ms', 'long', '60000', { min: 0, dynamic: true }),
  def('log.cleaner.enable', 'boolean', 'true'),
  def('log.cleaner.threads', 'int', '1', { min: 0, dynamic: true }),
  def('log.cleaner.backoff.ms', 'long', '15000', { min: 0, dynamic: true }),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', { min: 0, dynamic: true }),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', { min: 0, max: 1, dynamic: true }),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', { min: 0, dynamic: true }),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, { min: 1, dynamic: true }),
  def('log.cleaner.dedupe.buffer.size', 'long', '134217728', { dynamic: true }),
  def('log.cleaner.io.buffer.size', 'int', '524288', { dynamic: true, noEffect: true }),
  def('compression.type', 'string', 'producer', { validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], dynamic: true }),
  def('compression.gzip.level', 'int', '-1', { min: -1, max: 9, dynamic: true }),
  def('compression.lz4.level', 'int', '9', { min: 1, max: 17, dynamic: true }),
  def('compression.zstd.level', 'int', '3', { min: -131072, max: 22, dynamic: true }),
  def('min.insync.replicas', 'int', '1', { min: 1, dynamic: true }),
  def('unclean.leader.election.enable', 'boolean', 'false', { dynamic: true }),
  // group coordinator and offsets
  def('offsets.topic.num.partitions', 'int', '50', { min: 1 }),
  def('offsets.topic.replication.factor', 'short', '3', { min: 1 }),
  def('offsets.topic.segment.bytes', 'int', '104857600', { min: 1 }),
  def('offsets.topic.compression.codec', 'int', '0'),
  def('offsets.retention.minutes', 'int', '10080', { min: 1 }),
  def('offsets.retention.check.interval.ms', 'long', '600000', { min: 1 }),
  def('offsets.commit.timeout.ms', 'int', '5000', { min: 1 }),
  def('offsets.load.buffer.size', 'int', '5242880', { min: 1 }),
  def('offset.metadata.max.bytes', 'int', '4096'),
  def('group.initial.rebalance.delay.ms', 'int', '3000'),
  def('group.min.session.timeout.ms', 'int', '6000'),
  def('group.max.session.timeout.ms', 'int', '1800000'),
  def('group.max.size', 'int', INT_MAX, { min: 1 }),
  def('group.coordinator.rebalance.protocols', 'list', 'classic,consumer'),
  // producers and transactions
  def('producer.id.expiration.ms', 'int', '86400000', { min: 1, dynamic: true }),
  def('transaction.state.log.num.partitions', 'int', '50', { min: 1 }),
  def('transaction.state.log.replication.factor', 'short', '3', { min: 1 }),
  def('transaction.state.log.min.isr', 'int', '2', { min: 1 }),
  def('transaction.state.log.segment.bytes', 'int', '104857600', { min: 1 }),
  def('transactional.id.expiration.ms', 'int', '604800000', { min: 1, dynamic: true }),
  def('transaction.max.timeout.ms', 'int', '900000', { min: 1 }),
  def('share.coordinator.state.topic.replication.factor', 'short', '3', { noEffect: true }),
  def('share.coordinator.state.topic.min.isr', 'short', '2', { noEffect: true }),
  // replication (accepted; single node)
  def('replica.lag.time.max.ms', 'long', '30000', { noEffect: true }),
  def('replica.fetch.max.bytes', 'int', '1048576', { noEffect: true }),
  def('replica.fetch.wait.max.ms', 'int', '500', { noEffect: true }),
  def('replica.socket.timeout.ms', 'int', '30000', { noEffect: true }),
  def('num.replica.fetchers', 'int', '1', { noEffect: true, dynamic: true }),
  def('auto.leader.rebalance.enable', 'boolean', 'true', { noEffect: true }),
  def('metric.reporters', 'list', '', { noEffect: true, dynamic: true }),
  def('authorizer.class.name', 'string', '', { noEffect: true }),
  def('sasl.enabled.mechanisms', 'list', 'GSSAPI', { noEffect: true }),
  def('sasl.mechanism.controller.protocol', 'string', 'GSSAPI', { noEffect: true }),
  def('sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', { noEffect: true }),
  def('group.consumer.heartbeat.interval.ms', 'int', '5000', { noEffect: true }),
  def('group.consumer.session.timeout.ms', 'int', '45000', { noEffect: true }),
];

const TOPIC_BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));
const BROKER_BY_NAME = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));

export function topicConfigDef(name: string): ConfigDef | undefined {
  return TOPIC_BY_NAME.get(name);
}

export function brokerConfigDef(name: string): ConfigDef | undefined {
  return BROKER_BY_NAME.get(name);
}

/**
 * Checks a value against its definition; returns an error message in Kafka's
 * style (`Invalid value x for configuration y: reason`) or null when valid.
 */
export function validateConfigValue(d: ConfigDef, value: string): string | null {
  const bad = (why: string) => `Invalid value ${value} for configuration ${d.name}: ${why}`;
  const v = value.trim();
  switch (d.type) {
    case 'boolean':
      if (!/^(true|false)$/i.test(v)) return bad('Expected value to be either true or false');
      return null;
    case 'int':
    case 'short':
    case 'long': {
      if (!/^-?\d+$/.test(v)) return bad(`Not a number of type ${d.type.toUpperCase()}`);
      const n = BigInt(v);
      const [lo, hi] =
        d.type === 'short' ? [-32768n, 32767n] : d.type === 'int' ? [-2147483648n, 2147483647n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < lo || n > hi) return bad(`Not a number of type ${d.type.toUpperCase()}`);
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
      if (d.validValues) {
        const items = v === '' ? [] : v.split(',').map((s) => s.trim());
        for (const item of items) if (!d.validValues.includes(item)) return bad(`String must be one of: ${d.validValues.join(', ')}`);
      }
      return null;
    }
    default:
      if (d.validValues && !d.validValues.includes(v)) return bad(`String must be one of: ${d.validValues.join(', ')}`);
      return null;
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
