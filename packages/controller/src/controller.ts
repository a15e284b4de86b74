/**
 * The controller's commands, each turning a request into records and a
 * response against the current image (Kafka's ReplicationControlManager and
 * ConfigurationControlManager, for a single node):
 *
 * - CreateTopics: names, partitions, replication factor and configs are
 *   validated as Kafka does (same error codes and messages); validateOnly
 *   writes nothing.
 * - DeleteTopics (by name or id, v6), CreatePartitions, AlterConfigs (legacy:
 *   replaces a resource's overrides), IncrementalAlterConfigs (SET, DELETE,
 *   APPEND, SUBTRACT; KIP-339), for topics, dynamic broker configs (every
 *   Kafka broker config DynamicBrokerConfig lets change, and custom keys),
 *   groups (KIP-848) and client metrics subscriptions (KIP-714).
 * - Producer id blocks (KIP-730) and broker registration.
 */
import { randomBytes } from 'node:crypto';
import {
  ConfigDef,
  ConfigResolver,
  ConfigResourceType,
  GROUP_CONFIGS,
  INTERNAL_TOPICS,
  MetadataImage,
  MetadataRecord,
  MetadataRecordType,
  brokerConfigDefFor,
  clientMetricsConfigDef,
  collisionKey,
  configKey,
  groupConfigDef,
  topicConfigDef,
  validateConfigValue,
  validateDynamicBrokerConfigNames,
  validateTopicName,
} from '@nagare/metadata';
import {
  AlterConfigsRequest,
  AlterConfigsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  ErrorCode,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  ZERO_UUID,
  randomUuid,
} from '@nagare/protocol';
import { MetadataCommitter } from './quorum-controller';

export interface ControllerSettings {
  nodeId: number;
  numPartitions: number;
  defaultReplicationFactor: number;
  deleteTopicEnable: boolean;
  resolver: ConfigResolver;
  /** The metadata.version this controller bootstraps a new cluster with. */
  metadataVersion: number;
  /**
   * Other features finalized at these levels (Kafka 4.0 formats with
   * group.version 1). A metadata log written before a feature existed gets it
   * finalized at start.
   */
  features?: ReadonlyArray<{ name: string; level: number }>;
  producerIdBlockSize?: number;
  random?: (n: number) => Buffer;
}

export interface BrokerEndpointSpec {
  name: string;
  host: string;
  port: number;
  securityProtocol: number;
}


const PRODUCER_ID_BLOCK = 1000;

/** Runs one item of a command; a CommandError becomes that item's error code and message. */
function perItem<T extends { errorCode: number; errorMessage: string | null }>(base: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CommandError) return { ...base, errorCode: e.code, errorMessage: e.message };
    throw e;
  }
}

class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class Controller {
  private readonly random: (n: number) => Buffer;

  constructor(
    readonly committer: MetadataCommitter,
    private readonly settings: ControllerSettings,
  ) {
    this.random = settings.random ?? randomBytes;
  }

  image(): MetadataImage {
    return this.committer.image();
  }

  subscribe(listener: (image: MetadataImage, previous: MetadataImage) => void): () => void {
    return this.committer.subscribe(listener);
  }

  /** Writes the bootstrap records of a new cluster (metadata.version) when the log is empty. */
  async bootstrapIfEmpty(): Promise<boolean> {
    const features = this.settings.features ?? [];
    const level = (name: string, featureLevel: number) => ({ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name, featureLevel } }) as const;
    return this.committer.run((image) => {
      if (image.provenance.offset >= 0) {
        return { records: features.filter((f) => !image.features.has(f.name)).map((f) => level(f.name, f.level)), result: false };
      }
      return { records: [level('metadata.version', this.settings.metadataVersion), ...features.map((f) => level(f.name, f.level))], result: true };
    });
  }

  /** Registers (or re-registers) this node as a broker; resolves to its broker epoch. */
  async registerBroker(brokerId: number, endpoints: BrokerEndpointSpec[], rack: string | null): Promise<bigint> {
    return this.committer.run((image) => {
      const epoch = BigInt(image.provenance.offset + 1);
      return {
        records: [
          {
            type: MetadataRecordType.RegisterBrokerRecord,
            version: 1,
            data: {
              brokerId,
              isMigratingZkBroker: false,
              incarnationId: randomUuid(this.random),
              brokerEpoch: epoch,
              endPoints: endpoints.map((e) => ({ ...e })),
              features: [
                { name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: this.settings.metadataVersion },
                ...(this.settings.features ?? []).map((f) => ({ name: f.name, minSupportedVersion: 0, maxSupportedVersion: f.level })),
              ],
              rack,
              fenced: false,
              inControlledShutdown: false,
              logDirs: [],
            },
          },
        ],
        result: epoch,
      };
    });
  }

  async allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ firstProducerId: bigint; count: number }> {
    const count = this.settings.producerIdBlockSize ?? PRODUCER_ID_BLOCK;
    return this.committer.run((image) => ({
      records: [
        {
          type: MetadataRecordType.ProducerIdsRecord,
          version: 0,
          data: { brokerId, brokerEpoch, nextProducerId: image.nextProducerId + BigInt(count) },
        },
      ],
      result: { firstProducerId: image.nextProducerId, count },
    }));
  }

  // ------------------------------------------------------------------ topics

  private newPartitionRecord(topicId: string, partition: number, replicas: number[]): MetadataRecord {
    return {
      type: MetadataRecordType.PartitionRecord,
      version: 0,
      data: {
        partitionId: partition,
        topicId,
        replicas,
        isr: replicas,
        removingReplicas: [],
        addingReplicas: [],
        leader: replicas[0],
        leaderRecoveryState: 0,
        leaderEpoch: 0,
        partitionEpoch: 0,
        directories: [],
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    };
  }

  private usableBrokers(image: MetadataImage): number[] {
    return [...image.brokers.values()].filter((b) => !b.fenced).map((b) => b.id).sort((a, b) => a - b);
  }

  /** Round-robin replica placement starting at a rotating broker, as Kafka's StripedReplicaPlacer does without racks. */
  private placeReplicas(brokers: number[], partitions: number, replicationFactor: number, startPartition = 0): number[][] {
    const out: number[][] = [];
    for (let p = startPartition; p < startPartition + partitions; p++) {
      const replicas: number[] = [];
      for (let r = 0; r < replicationFactor; r++) replicas.push(brokers[(p + r) % brokers.length]);
      out.push(replicas);
    }
    return out;
  }

  private validateTopicConfigs(configs: Array<{ name: string; value: string | null }>): void {
    const seen = new Set<string>();
    for (const c of configs) {
      const d = topicConfigDef(c.name);
      if (!d) throw new CommandError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
      if (seen.has(c.name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Duplicate config key ${c.name}`);
      seen.add(c.name);
      if (c.value === null) throw new CommandError(ErrorCode.INVALID_REQUEST, `Null value not supported for topic configs: ${c.name}`);
      const err = validateConfigValue(d, c.value);
      if (err) throw new CommandError(ErrorCode.INVALID_CONFIG, err);
    }
  }

  async createTopics(req: CreateTopicsRequest, version: number): Promise<CreateTopicsResponse> {
    return this.committer.run((image) => {
      const records: MetadataRecord[] = [];
      const counts = new Map<string, number>();
      for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const creating = new Map<string, string>();
      const results: CreateTopicsResponse.CreatableTopicResult[] = req.topics.map((t) => {
        const base: CreateTopicsResponse.CreatableTopicResult = {
          name: t.name,
          topicId: ZERO_UUID,
          errorCode: 0,
          errorMessage: null,
          topicConfigErrorCode: 0,
          numPartitions: -1,
          replicationFactor: -1,
          configs: [],
        };
        return perItem(base, () => {
          if (counts.get(t.name)! > 1) throw new CommandError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
          const nameErr = validateTopicName(t.name);
          if (nameErr) throw new CommandError(ErrorCode.INVALID_TOPIC_EXCEPTION, nameErr);
          if (image.topicsByName.has(t.name)) throw new CommandError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
          const key = collisionKey(t.name);
          for (const existing of [...image.topicsByName.keys(), ...creating.keys()]) {
            if (existing !== t.name && collisionKey(existing) === key) {
              throw new CommandError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${existing}`);
            }
          }
          const brokers = this.usableBrokers(image);
          let assignment: number[][];
          if (t.assignments.length > 0) {
            if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
              throw new CommandError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
            }
            const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
            sorted.forEach((a, i) => {
              if (a.partitionIndex !== i) throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partitions should be a consecutive 0-based integer sequence, but got ${sorted.map((x) => x.partitionIndex).join(', ')}.`);
              if (a.brokerIds.length === 0) throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Empty replica assignment for partition ${i}.`);
              if (new Set(a.brokerIds).size !== a.brokerIds.length) throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers in the replica assignment for partition ${i}.`);
              for (const b of a.brokerIds) if (!image.brokers.has(b)) throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Broker ${b} is not registered.`);
            });
            assignment = sorted.map((a) => a.brokerIds);
          } else {
            const partitions = t.numPartitions === -1 ? this.settings.numPartitions : t.numPartitions;
            const rf = t.replicationFactor === -1 ? this.settings.defaultReplicationFactor : t.replicationFactor;
            if (partitions <= 0) throw new CommandError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
            if (rf <= 0) throw new CommandError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
            if (rf > brokers.length) {
              throw new CommandError(
                ErrorCode.INVALID_REPLICATION_FACTOR,
                `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers.length} broker(s) are registered.`,
              );
            }
            assignment = this.placeReplicas(brokers, partitions, rf);
          }
          this.validateTopicConfigs(t.configs);
          let topicId = randomUuid(this.random);
          while (image.topicsById.has(topicId) || [...creating.values()].includes(topicId)) topicId = randomUuid(this.random);
          creating.set(t.name, topicId);
          const overrides = new Map(t.configs.map((c) => [c.name, c.value!]));
          const described = version >= 5 ? this.settings.resolver.topic(image, t.name, overrides) : [];
          const result: CreateTopicsResponse.CreatableTopicResult = {
            ...base,
            topicId: version >= 7 ? topicId : ZERO_UUID,
            numPartitions: assignment.length,
            replicationFactor: assignment[0].length,
            configs: described.map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive })),
          };
          if (!req.validateOnly) {
            records.push({ type: MetadataRecordType.TopicRecord, version: 0, data: { name: t.name, topicId } });
            for (const c of t.configs) {
              records.push({
                type: MetadataRecordType.ConfigRecord,
                version: 0,
                data: { resourceType: ConfigResourceType.TOPIC, resourceName: t.name, name: c.name, value: c.value },
              });
            }
            assignment.forEach((replicas, p) => records.push(this.newPartitionRecord(topicId, p, replicas)));
          }
          return result;
        });
      });
      return { records, result: { throttleTimeMs: 0, topics: results } };
    });
  }

  async deleteTopics(req: DeleteTopicsRequest, _version: number): Promise<DeleteTopicsResponse> {
    return this.committer.run((image) => {
      const records: MetadataRecord[] = [];
      const removed = new Set<string>();
      const wanted: Array<{ name: string | null; topicId: string }> =
        req.topics.length > 0 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((n) => ({ name: n, topicId: ZERO_UUID }));
      const responses = wanted.map((w) => {
        const t = w.name !== null ? image.topicsByName.get(w.name) : image.topicsById.get(w.topicId);
        const out = { name: w.name ?? t?.name ?? null, topicId: t?.id ?? w.topicId, errorCode: 0, errorMessage: null as string | null };
        if (!this.settings.deleteTopicEnable) return { ...out, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' };
        if (!t) {
          return w.name !== null
            ? { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' }
            : { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' };
        }
        if (!removed.has(t.id)) {
          removed.add(t.id);
          records.push({ type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId: t.id } });
        }
        return out;
      });
      return { records, result: { throttleTimeMs: 0, responses } };
    });
  }

  async createPartitions(req: CreatePartitionsRequest, _version: number): Promise<CreatePartitionsResponse> {
    return this.committer.run((image) => {
      const records: MetadataRecord[] = [];
      const results = req.topics.map((t) => {
        return perItem({ name: t.name, errorCode: 0, errorMessage: null as string | null }, () => {
          const topic = image.topicsByName.get(t.name);
          if (!topic) throw new CommandError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
          if (INTERNAL_TOPICS.has(t.name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Creating partitions for internal topic ${t.name} is not allowed.`);
          const current = topic.partitions.size;
          if (t.count === current) throw new CommandError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
          if (t.count < current) {
            throw new CommandError(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
          }
          const rf = topic.partitions.get(0)?.replicas.length ?? 1;
          const brokers = this.usableBrokers(image);
          let assignment: number[][];
          if (t.assignments !== null) {
            if (t.assignments.length !== t.count - current) {
              throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${t.count - current} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
            }
            for (const a of t.assignments) {
              if (a.brokerIds.length !== rf) throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes a partition with ${a.brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`);
              for (const b of a.brokerIds) if (!image.brokers.has(b)) throw new CommandError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${b}, but no such broker is registered.`);
            }
            assignment = t.assignments.map((a) => a.brokerIds);
          } else {
            if (rf > brokers.length) throw new CommandError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${rf} time(s): only ${brokers.length} broker(s) are registered.`);
            assignment = this.placeReplicas(brokers, t.count - current, rf, current);
          }
          if (!req.validateOnly) assignment.forEach((replicas, i) => records.push(this.newPartitionRecord(topic.id, current + i, replicas)));
          return { name: t.name, errorCode: 0, errorMessage: null };
        });
      });
      return { records, result: { throttleTimeMs: 0, results } };
    });
  }

  // ----------------------------------------------------------------- configs

  /** Checks a config resource and returns the key under which its configs live. */
  private resource(image: MetadataImage, type: number, name: string): { key: string; kind: ConfigKind } {
    switch (type) {
      case ConfigResourceType.TOPIC: {
        const err = validateTopicName(name);
        if (err) throw new CommandError(ErrorCode.INVALID_TOPIC_EXCEPTION, err);
        if (!image.topicsByName.has(name)) throw new CommandError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
        return { key: configKey(type, name), kind: 'topic' };
      }
      case ConfigResourceType.BROKER:
        if (name !== '' && name !== String(this.settings.nodeId)) {
          if (!/^\d+$/.test(name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Invalid broker id ${name}`);
          throw new CommandError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.settings.nodeId} or empty string, but received ${name}`);
        }
        return { key: configKey(type, name), kind: 'broker' };
      case ConfigResourceType.GROUP:
        if (name === '') throw new CommandError(ErrorCode.INVALID_REQUEST, 'Default group resources are not allowed.');
        return { key: configKey(type, name), kind: 'group' };
      case ConfigResourceType.CLIENT_METRICS:
        if (name === '') throw new CommandError(ErrorCode.INVALID_REQUEST, "Subscription name can't be empty");
        return { key: configKey(type, name), kind: 'clientMetrics' };
      default:
        throw new CommandError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
    }
  }

  private defOf(kind: ConfigKind, name: string): ConfigDef | undefined {
    switch (kind) {
      case 'topic':
        return topicConfigDef(name);
      case 'broker':
        return brokerConfigDefFor(name);
      case 'group':
        return groupConfigDef(name);
      case 'clientMetrics':
        return clientMetricsConfigDef(name);
    }
  }

  /**
   * Validates a resource's change as Kafka does: `changed` are the keys the
   * request names (value null = delete), `merged` the resource's configs
   * after it. Topics: LogConfig's names and values (INVALID_CONFIG). Brokers:
   * DynamicBrokerConfig's rules (INVALID_REQUEST; unknown names are custom
   * configs and allowed). Groups: GroupConfig.validate. Client metrics:
   * ClientMetricsConfigs.validate.
   */
  private validateChange(image: MetadataImage, kind: ConfigKind, resourceName: string, changed: ReadonlyArray<{ name: string; value: string | null }>, merged: ReadonlyMap<string, string>): void {
    switch (kind) {
      case 'topic':
        for (const c of changed) {
          const d = topicConfigDef(c.name);
          if (!d) throw new CommandError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
          if (c.value !== null) {
            const err = validateConfigValue(d, c.value);
            if (err) throw new CommandError(ErrorCode.INVALID_CONFIG, err);
          }
        }
        return;
      case 'broker': {
        const err = validateDynamicBrokerConfigNames(changed.map((c) => c.name), resourceName !== '');
        if (err) throw new CommandError(ErrorCode.INVALID_REQUEST, err);
        for (const c of changed) {
          const d = brokerConfigDefFor(c.name);
          if (d && c.value !== null) {
            // Kafka's ConfigAdminManager answers a ConfigException here as INVALID_REQUEST (KAFKA-13609).
            const bad = validateConfigValue(d, c.value);
            if (bad) throw new CommandError(ErrorCode.INVALID_REQUEST, bad);
          }
        }
        return;
      }
      case 'group':
        this.validateGroupConfigs(image, merged);
        return;
      case 'clientMetrics':
        validateClientMetricsConfigs(merged);
        return;
    }
  }

  /** GroupConfig.validate: names, types, and bounds from the broker's group coordinator configs. */
  private validateGroupConfigs(image: MetadataImage, merged: ReadonlyMap<string, string>): void {
    const values = new Map<string, number>();
    for (const d of GROUP_CONFIGS) values.set(d.name, Number(d.default));
    for (const [name, value] of merged) {
      const d = groupConfigDef(name);
      if (!d) throw new CommandError(ErrorCode.INVALID_CONFIG, `Unknown group config name: ${name}`);
      const err = validateConfigValue(d, value);
      if (err) throw new CommandError(ErrorCode.INVALID_CONFIG, err);
      values.set(name, Number(value.trim()));
    }
    const broker = (key: string) => Number(this.settings.resolver.brokerValue(image, key));
    const within = (name: string, minKey: string, maxKey: string) => {
      const v = values.get(name)!;
      if (v < broker(minKey)) throw new CommandError(ErrorCode.INVALID_CONFIG, `${name} must be greater than or equal to ${minKey}`);
      if (v > broker(maxKey)) throw new CommandError(ErrorCode.INVALID_CONFIG, `${name} must be less than or equal to ${maxKey}`);
    };
    within('consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms');
    within('consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms');
    within('share.heartbeat.interval.ms', 'group.share.min.heartbeat.interval.ms', 'group.share.max.heartbeat.interval.ms');
    within('share.session.timeout.ms', 'group.share.min.session.timeout.ms', 'group.share.max.session.timeout.ms');
    within('share.record.lock.duration.ms', 'group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms');
    if (values.get('consumer.session.timeout.ms')! <= values.get('consumer.heartbeat.interval.ms')!) {
      throw new CommandError(ErrorCode.INVALID_CONFIG, 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms');
    }
    if (values.get('share.session.timeout.ms')! <= values.get('share.heartbeat.interval.ms')!) {
      throw new CommandError(ErrorCode.INVALID_CONFIG, 'share.session.timeout.ms must be greater than share.heartbeat.interval.ms');
    }
  }

  private configRecord(type: number, resourceName: string, name: string, value: string | null): MetadataRecord {
    return { type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: type, resourceName, name, value } };
  }

  async alterConfigs(req: AlterConfigsRequest, _version: number): Promise<AlterConfigsResponse> {
    return this.committer.run((image) => {
      const records: MetadataRecord[] = [];
      const responses = req.resources.map((r) => {
        const out = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
        return perItem(out, () => {
          const { key, kind } = this.resource(image, r.resourceType, r.resourceName);
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Duplicate config key ${c.name}`);
            seen.add(c.name);
          }
          if (kind === 'group') {
            const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
            if (nulls.length > 0) throw new CommandError(ErrorCode.INVALID_CONFIG, `Null value not supported for group configs: ${nulls.join(',')}`);
          }
          // The legacy API replaces the whole set: keys not given are removed.
          const merged = new Map<string, string>();
          for (const c of r.configs) if (c.value !== null) merged.set(c.name, c.value);
          this.validateChange(image, kind, r.resourceName, r.configs, merged);
          if (!req.validateOnly) {
            const existing = image.configs.get(key) ?? new Map<string, string>();
            for (const name of existing.keys()) if (!seen.has(name)) records.push(this.configRecord(r.resourceType, r.resourceName, name, null));
            for (const c of r.configs) records.push(this.configRecord(r.resourceType, r.resourceName, c.name, c.value));
          }
          return out;
        });
      });
      return { records, result: { throttleTimeMs: 0, responses } };
    });
  }

  async incrementalAlterConfigs(req: IncrementalAlterConfigsRequest, _version: number): Promise<IncrementalAlterConfigsResponse> {
    return this.committer.run((image) => {
      const records: MetadataRecord[] = [];
      const responses = req.resources.map((r) => {
        const out = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
        return perItem(out, () => {
          const { key, kind } = this.resource(image, r.resourceType, r.resourceName);
          const existing = image.configs.get(key) ?? new Map<string, string>();
          const merged = new Map(existing);
          const changed: Array<{ name: string; value: string | null }> = [];
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys`);
            seen.add(c.name);
            let value: string | null;
            switch (c.configOperation) {
              case 0: // SET
                if (c.value === null) throw new CommandError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
                value = c.value;
                break;
              case 1: // DELETE
                value = null;
                break;
              case 2: // APPEND
              case 3: {
                // SUBTRACT
                const d = this.defOf(kind, c.name);
                if (kind === 'topic' && !d) throw new CommandError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
                if (d?.type !== 'list') {
                  // The broker refuses it before forwarding for BROKER resources; the controller for the others.
                  throw new CommandError(
                    ErrorCode.INVALID_CONFIG,
                    kind === 'broker'
                      ? `Config value append is not allowed for config key: ${c.name}`
                      : `Can't ${c.configOperation === 2 ? 'APPEND' : 'SUBTRACT'} to key ${c.name} because its type is not LIST.`,
                  );
                }
                const current =
                  existing.get(c.name) ??
                  (kind === 'topic' ? this.settings.resolver.topicValues(image, r.resourceName)[c.name] : kind === 'broker' ? d.default : null) ??
                  '';
                const items = current.split(',').map((x) => x.trim()).filter(Boolean);
                const given = (c.value ?? '').split(',').map((x) => x.trim()).filter(Boolean);
                const next = c.configOperation === 2 ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
                value = next.join(',');
                break;
              }
              default:
                throw new CommandError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
            }
            changed.push({ name: c.name, value });
            if (value === null) merged.delete(c.name);
            else merged.set(c.name, value);
          }
          this.validateChange(image, kind, r.resourceName, changed, merged);
          if (!req.validateOnly) for (const c of changed) records.push(this.configRecord(r.resourceType, r.resourceName, c.name, c.value));
          return out;
        });
      });
      return { records, result: { throttleTimeMs: 0, responses } };
    });
  }
}

type ConfigKind = 'topic' | 'broker' | 'group' | 'clientMetrics';

/** The client properties a KIP-714 `match` pattern may test (ClientMetricsConfigs.ALLOWED_MATCH_PARAMS). */
const CLIENT_MATCH_PARAMS = new Set(['client_instance_id', 'client_id', 'client_software_name', 'client_software_version', 'client_source_address', 'client_source_port']);

/** ClientMetricsConfigs.validate: names, types, the push interval's range and the match patterns. */
function validateClientMetricsConfigs(merged: ReadonlyMap<string, string>): void {
  for (const [name, value] of merged) {
    const d = clientMetricsConfigDef(name);
    if (!d) throw new CommandError(ErrorCode.INVALID_REQUEST, `Unknown client metrics configuration: ${name}`);
    const err = validateConfigValue(d, value);
    if (err) throw new CommandError(ErrorCode.INVALID_CONFIG, err);
  }
  const interval = merged.get('interval.ms');
  if (interval !== undefined) {
    const ms = Number(interval.trim());
    if (ms < 100 || ms > 3_600_000) {
      throw new CommandError(ErrorCode.INVALID_REQUEST, `Invalid value ${ms} for interval.ms, interval must be between 100 and 3600000 (1 hour)`);
    }
  }
  const match = merged.get('match');
  if (match !== undefined && match.trim() !== '') {
    for (const pattern of match.split(',').map((p) => p.trim())) {
      const parts = pattern.split('=');
      const illegal = () => new CommandError(ErrorCode.INVALID_CONFIG, `Illegal client matching pattern: ${pattern}`);
      if (parts.length !== 2 || !CLIENT_MATCH_PARAMS.has(parts[0].trim())) throw illegal();
      try {
        new RegExp(parts[1].trim());
      } catch {
        throw illegal();
      }
    }
  }
}
