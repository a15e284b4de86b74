/**
 * `DistributedConfig`: the keys connect-distributed.properties sets on top of
 * the worker's, with Kafka's defaults and messages.
 */
import { ConfigException } from '@nagare/connect-api';
import { baseWorkerConfig, boolConfig, longConfig, requiredConfig, type WorkerConfig } from '../config/worker-config';
import type { ConnectProtocolCompatibility } from './connect-protocol';

export interface DistributedConfig extends WorkerConfig {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  workerSyncTimeoutMs: number;
  workerUnsyncBackoffMs: number;
  offsetStorageTopic: string;
  offsetStoragePartitions: number;
  offsetStorageReplicationFactor: number;
  configStorageTopic: string;
  configStorageReplicationFactor: number;
  statusStorageTopic: string;
  statusStoragePartitions: number;
  statusStorageReplicationFactor: number;
  connectProtocol: ConnectProtocolCompatibility;
  scheduledRebalanceMaxDelayMs: number;
  interWorkerKeyGenerationAlgorithm: string;
  /** Bits; null = the algorithm's default (256 for HmacSHA256). */
  interWorkerKeySize: number | null;
  interWorkerKeyTtlMs: number;
  interWorkerSignatureAlgorithm: string;
  interWorkerVerificationAlgorithms: string[];
  topicTrackingEnable: boolean;
  topicTrackingAllowReset: boolean;
  /** `exactly.once.source.support` (KIP-618). */
  exactlyOnceSourceSupport: ExactlyOnceSourceSupport;
}

/**
 * `exactly.once.source.support`: `enabled` runs source tasks with
 * transactional producers and fences zombies; `preparing` (the step of a
 * rolling upgrade) only makes the leader write the config topic with a
 * transactional producer, as `enabled` does; `disabled` neither.
 */
export type ExactlyOnceSourceSupport = 'disabled' | 'preparing' | 'enabled';

/** Whether source tasks run exactly-once (`DistributedConfig.exactlyOnceSourceEnabled`). */
export function exactlyOnceSourceEnabled(c: Pick<DistributedConfig, 'exactlyOnceSourceSupport'>): boolean {
  return c.exactlyOnceSourceSupport === 'enabled';
}

/** Whether the leader writes the config topic with a transactional ("fencable") producer (`transactionalLeaderEnabled`). */
export function transactionalLeaderEnabled(c: Pick<DistributedConfig, 'exactlyOnceSourceSupport'>): boolean {
  return c.exactlyOnceSourceSupport !== 'disabled';
}

/** The transactional id of the leader's config-topic producer (`DistributedConfig.transactionalProducerId`). */
export function transactionalProducerId(groupId: string): string {
  return `connect-cluster-${groupId}`;
}

/** The transactional id of an exactly-once source task's producer (`Worker.taskTransactionalId`). */
export function taskTransactionalId(groupId: string, connector: string, task: number): string {
  return `${groupId}-${connector}-${task}`;
}

const HMAC_ALGORITHMS = ['HmacSHA1', 'HmacSHA224', 'HmacSHA256', 'HmacSHA384', 'HmacSHA512', 'HmacMD5'];

function replicationFactor(props: Readonly<Record<string, string>>, key: string): number {
  const n = longConfig(props, key, 3);
  if (n !== -1 && n < 1) throw new ConfigException(key, n, 'Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker\'s default');
  return n;
}

function partitions(props: Readonly<Record<string, string>>, key: string, def: number): number {
  const n = longConfig(props, key, def);
  if (n !== -1 && n < 1) throw new ConfigException(key, n, 'Number of partitions must be positive, or -1 to use the broker\'s default');
  return n;
}

export function distributedWorkerConfig(props: Readonly<Record<string, string>>): DistributedConfig {
  const base = baseWorkerConfig(props);
  const protocolRaw = (props['connect.protocol'] ?? 'sessioned').trim().toLowerCase();
  if (!['eager', 'compatible', 'sessioned'].includes(protocolRaw)) throw new ConfigException('connect.protocol', props['connect.protocol'], 'String must be one of (case insensitive): EAGER, COMPATIBLE, SESSIONED');
  const algorithm = (props['inter.worker.key.generation.algorithm'] ?? 'HmacSHA256').trim();
  const signature = (props['inter.worker.signature.algorithm'] ?? 'HmacSHA256').trim();
  const verification = (props['inter.worker.verification.algorithms'] ?? 'HmacSHA256').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const [k, v] of [['inter.worker.key.generation.algorithm', algorithm], ['inter.worker.signature.algorithm', signature]] as const) {
    if (!HMAC_ALGORITHMS.includes(v)) throw new ConfigException(k, v, `Not a valid HMAC algorithm; supported: ${HMAC_ALGORITHMS.join(', ')}`);
  }
  if (!verification.includes(signature)) throw new ConfigException('inter.worker.verification.algorithms', verification.join(','), `Signature algorithm '${signature}' must be present in inter.worker.verification.algorithms list`);
  const keySizeRaw = props['inter.worker.key.size'];
  const sessionTimeoutMs = longConfig(props, 'session.timeout.ms', 10000, 0);
  const heartbeatIntervalMs = longConfig(props, 'heartbeat.interval.ms', 3000, 0);
  // ConfigDef.ValidString.in(enumOptions(ExactlyOnceSourceSupport.class)): case-sensitive, lower case
  const eos = (props['exactly.once.source.support'] ?? 'disabled').trim();
  if (!['disabled', 'preparing', 'enabled'].includes(eos)) throw new ConfigException('exactly.once.source.support', eos, 'String must be one of: disabled, preparing, enabled');
  return {
    ...base,
    offsetFlushIntervalMs: longConfig(props, 'offset.flush.interval.ms', 60000, 0),
    groupId: requiredConfig(props, 'group.id'),
    sessionTimeoutMs,
    rebalanceTimeoutMs: longConfig(props, 'rebalance.timeout.ms', 60000, 0),
    heartbeatIntervalMs,
    workerSyncTimeoutMs: longConfig(props, 'worker.sync.timeout.ms', 3000, 0),
    workerUnsyncBackoffMs: longConfig(props, 'worker.unsync.backoff.ms', 300000, 0),
    offsetStorageTopic: requiredConfig(props, 'offset.storage.topic'),
    offsetStoragePartitions: partitions(props, 'offset.storage.partitions', 25),
    offsetStorageReplicationFactor: replicationFactor(props, 'offset.storage.replication.factor'),
    configStorageTopic: requiredConfig(props, 'config.storage.topic'),
    configStorageReplicationFactor: replicationFactor(props, 'config.storage.replication.factor'),
    statusStorageTopic: requiredConfig(props, 'status.storage.topic'),
    statusStoragePartitions: partitions(props, 'status.storage.partitions', 5),
    statusStorageReplicationFactor: replicationFactor(props, 'status.storage.replication.factor'),
    connectProtocol: protocolRaw as ConnectProtocolCompatibility,
    scheduledRebalanceMaxDelayMs: longConfig(props, 'scheduled.rebalance.max.delay.ms', 300000, 0),
    interWorkerKeyGenerationAlgorithm: algorithm,
    interWorkerKeySize: keySizeRaw === undefined || keySizeRaw.trim() === '' ? null : longConfig(props, 'inter.worker.key.size', 0, 1),
    interWorkerKeyTtlMs: longConfig(props, 'inter.worker.key.ttl.ms', 3600000, 0),
    interWorkerSignatureAlgorithm: signature,
    interWorkerVerificationAlgorithms: verification,
    topicTrackingEnable: boolConfig(props, 'topic.tracking.enable', true),
    topicTrackingAllowReset: boolConfig(props, 'topic.tracking.allow.reset', true),
    exactlyOnceSourceSupport: eos as ExactlyOnceSourceSupport,
  };
}
