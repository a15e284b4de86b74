/**
 * Kafka client properties (`bootstrap.servers`, `producer.*` in the worker
 * config, `producer.override.*` in a connector config, ...) mapped onto
 * @nagare/client options. Unknown keys are ignored, as Kafka's clients log
 * and ignore them.
 */
import type { AdminOptions, CommonClientOptions, CompressionType, ConsumerOptions, ProducerOptions } from '@nagare/client';
import { ConfigException } from '@nagare/connect-api';

type Kind = 'int' | 'bool' | 'string';
const COMMON: Record<string, [string, Kind]> = {
  'client.id': ['clientId', 'string'],
  'request.timeout.ms': ['requestTimeoutMs', 'int'],
  'reconnect.backoff.ms': ['reconnectBackoffMs', 'int'],
  'reconnect.backoff.max.ms': ['reconnectBackoffMaxMs', 'int'],
  'retry.backoff.ms': ['retryBackoffMs', 'int'],
  'retry.backoff.max.ms': ['retryBackoffMaxMs', 'int'],
  'metadata.max.age.ms': ['metadataMaxAgeMs', 'int'],
  'socket.connection.setup.timeout.ms': ['socketConnectionSetupTimeoutMs', 'int'],
  'max.in.flight.requests.per.connection': ['maxInFlightRequestsPerConnection', 'int'],
  'client.rack': ['clientRack', 'string'],
  'default.api.timeout.ms': ['defaultApiTimeoutMs', 'int'],
};
const PRODUCER: Record<string, [string, Kind]> = {
  'linger.ms': ['lingerMs', 'int'],
  'batch.size': ['batchSize', 'int'],
  retries: ['retries', 'int'],
  'delivery.timeout.ms': ['deliveryTimeoutMs', 'int'],
  'enable.idempotence': ['enableIdempotence', 'bool'],
  'max.request.size': ['maxRequestSize', 'int'],
  'buffer.memory': ['bufferMemory', 'int'],
  'max.block.ms': ['maxBlockMs', 'int'],
  'compression.gzip.level': ['compressionLevel', 'int'],
  'compression.zstd.level': ['compressionLevel', 'int'],
  'transaction.timeout.ms': ['transactionTimeoutMs', 'int'],
};
const CONSUMER: Record<string, [string, Kind]> = {
  'group.id': ['groupId', 'string'],
  'group.instance.id': ['groupInstanceId', 'string'],
  'session.timeout.ms': ['sessionTimeoutMs', 'int'],
  'heartbeat.interval.ms': ['heartbeatIntervalMs', 'int'],
  'max.poll.interval.ms': ['maxPollIntervalMs', 'int'],
  'enable.auto.commit': ['enableAutoCommit', 'bool'],
  'auto.commit.interval.ms': ['autoCommitIntervalMs', 'int'],
  'fetch.min.bytes': ['fetchMinBytes', 'int'],
  'fetch.max.wait.ms': ['fetchMaxWaitMs', 'int'],
  'fetch.max.bytes': ['fetchMaxBytes', 'int'],
  'max.partition.fetch.bytes': ['maxPartitionFetchBytes', 'int'],
  'max.poll.records': ['maxPollRecords', 'int'],
  'check.crcs': ['checkCrcs', 'bool'],
  'allow.auto.create.topics': ['allowAutoCreateTopics', 'bool'],
};

function conv(key: string, v: string, kind: Kind): unknown {
  const t = v.trim();
  if (kind === 'string') return t;
  if (kind === 'bool') {
    if (/^true$/i.test(t)) return true;
    if (/^false$/i.test(t)) return false;
    throw new ConfigException(key, v, 'Expected value to be either true or false');
  }
  if (!/^-?\d+$/.test(t)) throw new ConfigException(key, v, 'Not a number of type INT');
  return Number(t);
}

function apply(target: object, props: Readonly<Record<string, string>>, table: Record<string, [string, Kind]>): void {
  for (const [k, v] of Object.entries(props)) {
    const m = table[k];
    if (m) (target as Record<string, unknown>)[m[0]] = conv(k, v, m[1]);
  }
}

export function commonClientOptions(props: Readonly<Record<string, string>>): CommonClientOptions & { defaultApiTimeoutMs?: number } {
  const o: CommonClientOptions & { defaultApiTimeoutMs?: number } = { bootstrapServers: props['bootstrap.servers'] ?? 'localhost:9092' };
  apply(o, props, COMMON);
  return o;
}

export function adminClientOptions(props: Readonly<Record<string, string>>): AdminOptions {
  return commonClientOptions(props);
}

export function producerClientOptions(props: Readonly<Record<string, string>>): ProducerOptions {
  const o: ProducerOptions = commonClientOptions(props);
  apply(o, props, PRODUCER);
  const acks = props['acks']?.trim();
  if (acks !== undefined) {
    if (acks === 'all' || acks === '-1') o.acks = 'all';
    else if (acks === '0' || acks === '1') o.acks = Number(acks) as 0 | 1;
    else throw new ConfigException('acks', acks, 'String must be one of: all, -1, 0, 1');
  }
  const ct = props['compression.type']?.trim().toLowerCase();
  if (ct !== undefined) {
    if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(ct)) throw new ConfigException('compression.type', ct, 'String must be one of: none, gzip, snappy, lz4, zstd');
    o.compressionType = ct as CompressionType;
  }
  return o;
}

export function consumerClientOptions(props: Readonly<Record<string, string>>): ConsumerOptions {
  const o: ConsumerOptions = commonClientOptions(props);
  apply(o, props, CONSUMER);
  const reset = props['auto.offset.reset']?.trim();
  if (reset !== undefined) {
    if (!['earliest', 'latest', 'none'].includes(reset)) throw new ConfigException('auto.offset.reset', reset, 'String must be one of: latest, earliest, none');
    o.autoOffsetReset = reset as 'earliest' | 'latest' | 'none';
  }
  const iso = props['isolation.level']?.trim();
  if (iso !== undefined) {
    if (!['read_committed', 'read_uncommitted'].includes(iso)) throw new ConfigException('isolation.level', iso, 'String must be one of: read_committed, read_uncommitted');
    o.isolationLevel = iso as 'read_committed' | 'read_uncommitted';
  }
  return o;
}
