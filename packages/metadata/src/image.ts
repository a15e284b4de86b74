/**
 * The metadata image: an immutable view of the cluster (topics, partitions,
 * configs, brokers, features, producer id allocation) as of a metadata log
 * offset. Handlers read it; it changes only by replaying records (delta.ts).
 */

export interface BrokerEndpoint {
  name: string;
  host: string;
  port: number;
  securityProtocol: number;
}

export interface BrokerFeatureRange {
  name: string;
  minSupportedVersion: number;
  maxSupportedVersion: number;
}

export interface BrokerRegistration {
  id: number;
  /** The broker epoch: the offset of its RegisterBrokerRecord. */
  epoch: bigint;
  incarnationId: string;
  endpoints: BrokerEndpoint[];
  rack: string | null;
  fenced: boolean;
  inControlledShutdown: boolean;
  features?: BrokerFeatureRange[];
  logDirs?: string[];
}

export interface PartitionRegistration {
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  removingReplicas: number[];
  addingReplicas: number[];
  /** 0 recovered, 1 recovering (after an unclean election, KIP-704). */
  leaderRecoveryState?: number;
  directories?: string[];
}

export interface TopicImage {
  name: string;
  id: string;
  partitions: ReadonlyMap<number, PartitionRegistration>;
}

/** Kafka's ConfigResource types. */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

export interface MetadataProvenance {
  /** The offset of the last record applied, -1 for an empty image. */
  offset: number;
  /** The epoch of the batch it came from. */
  epoch: number;
}

export interface MetadataImage {
  readonly provenance: MetadataProvenance;
  readonly features: ReadonlyMap<string, number>;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  /** Configs by `${resourceType}:${resourceName}` ("4:" holds cluster-wide broker defaults). */
  readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The next producer id the controller will hand out (from ProducerIdsRecord). */
  readonly nextProducerId: bigint;
}

export const EMPTY_IMAGE: MetadataImage = {
  provenance: { offset: -1, epoch: -1 },
  features: new Map(),
  brokers: new Map(),
  topicsByName: new Map(),
  topicsById: new Map(),
  configs: new Map(),
  nextProducerId: 0n,
};

export function configKey(resourceType: number, resourceName: string): string {
  return `${resourceType}:${resourceName}`;
}

export function topicConfigs(image: MetadataImage, topic: string): ReadonlyMap<string, string> {
  return image.configs.get(configKey(ConfigResourceType.TOPIC, topic)) ?? new Map();
}
