/**
 * The broker settings the group coordinator uses, with Kafka's names and
 * defaults (GroupCoordinatorConfig), and the per-group overrides of KIP-848
 * (GROUP configs `consumer.session.timeout.ms`, `consumer.heartbeat.interval.ms`).
 */
import { ConfigResourceType, configKey, type MetadataImage } from '@nagare/metadata';

export type MigrationPolicy = 'disabled' | 'upgrade' | 'downgrade' | 'bidirectional';

export interface GroupConfig {
  /** group.min.session.timeout.ms (6000) */
  groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms (1800000) */
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms (3000) */
  groupInitialRebalanceDelayMs: number;
  /** group.max.size (Integer.MAX_VALUE) */
  groupMaxSize: number;
  /** offsets.retention.minutes (10080) */
  offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms (600000) */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (4096) */
  offsetMetadataMaxBytes: number;
  /** offsets.topic.num.partitions (50); the store's partitionCount is what is used. */
  offsetsTopicNumPartitions: number;
  /** group.consumer.session.timeout.ms (45000) */
  consumerGroupSessionTimeoutMs: number;
  /** group.consumer.min.session.timeout.ms (45000) */
  consumerGroupMinSessionTimeoutMs: number;
  /** group.consumer.max.session.timeout.ms (60000) */
  consumerGroupMaxSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (5000) */
  consumerGroupHeartbeatIntervalMs: number;
  /** group.consumer.min.heartbeat.interval.ms (5000) */
  consumerGroupMinHeartbeatIntervalMs: number;
  /** group.consumer.max.heartbeat.interval.ms (15000) */
  consumerGroupMaxHeartbeatIntervalMs: number;
  /** group.consumer.max.size (Integer.MAX_VALUE) */
  consumerGroupMaxSize: number;
  /** group.consumer.assignors as assignor names, the first being the default ("uniform", "range"). */
  consumerGroupAssignors: string[];
  /** group.consumer.migration.policy (bidirectional) */
  consumerGroupMigrationPolicy: MigrationPolicy;
  /** group.coordinator.rebalance.protocols (classic,consumer): whether the consumer protocol is served. */
  consumerProtocolEnabled: boolean;
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2147483647,
  offsetsRetentionMinutes: 10080,
  offsetsRetentionCheckIntervalMs: 600000,
  offsetMetadataMaxBytes: 4096,
  offsetsTopicNumPartitions: 50,
  consumerGroupSessionTimeoutMs: 45000,
  consumerGroupMinSessionTimeoutMs: 45000,
  consumerGroupMaxSessionTimeoutMs: 60000,
  consumerGroupHeartbeatIntervalMs: 5000,
  consumerGroupMinHeartbeatIntervalMs: 5000,
  consumerGroupMaxHeartbeatIntervalMs: 15000,
  consumerGroupMaxSize: 2147483647,
  consumerGroupAssignors: ['uniform', 'range'],
  consumerGroupMigrationPolicy: 'bidirectional',
  consumerProtocolEnabled: true,
};

/** The server-side assignors nagare has, by Kafka's names and class names. */
export const KNOWN_ASSIGNORS: Record<string, string> = {
  uniform: 'org.apache.kafka.coordinator.group.assignor.UniformAssignor',
  range: 'org.apache.kafka.coordinator.group.assignor.RangeAssignor',
};

/**
 * group.consumer.assignors as assignor names. Kafka takes class names; the
 * short names work too. Throws with the accepted values for anything else.
 */
export function parseAssignors(value: string): string[] {
  const byClass = new Map(Object.entries(KNOWN_ASSIGNORS).map(([name, cls]) => [cls, name]));
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const name = KNOWN_ASSIGNORS[s] ? s : byClass.get(s);
      if (!name) {
        const known = Object.entries(KNOWN_ASSIGNORS).map(([n, c]) => `${n} (${c})`).join(', ');
        throw new Error(`group.consumer.assignors: unknown assignor ${s}; nagare has ${known}`);
      }
      return name;
    });
  if (names.length === 0) throw new Error('group.consumer.assignors must name at least one assignor (uniform, range)');
  return names;
}

export function isUpgradeEnabled(p: MigrationPolicy): boolean {
  return p === 'upgrade' || p === 'bidirectional';
}

export function isDowngradeEnabled(p: MigrationPolicy): boolean {
  return p === 'downgrade' || p === 'bidirectional';
}

/** A group's session timeout: its `consumer.session.timeout.ms` GROUP config, else the broker's. */
export function consumerSessionTimeoutMs(config: GroupConfig, image: MetadataImage, groupId: string): number {
  const v = image.configs.get(configKey(ConfigResourceType.GROUP, groupId))?.get('consumer.session.timeout.ms');
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : config.consumerGroupSessionTimeoutMs;
}

/** A group's heartbeat interval: its `consumer.heartbeat.interval.ms` GROUP config, else the broker's. */
export function consumerHeartbeatIntervalMs(config: GroupConfig, image: MetadataImage, groupId: string): number {
  const v = image.configs.get(configKey(ConfigResourceType.GROUP, groupId))?.get('consumer.heartbeat.interval.ms');
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : config.consumerGroupHeartbeatIntervalMs;
}
