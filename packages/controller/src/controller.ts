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
 *   APPEND, SUBTRACT; KIP-339), for topics and dynamic broker configs.
 * - Producer id blocks (KIP-730) and broker registration.
 */
import { randomBytes } from 'node:crypto';
import {
  ConfigResolver,
  ConfigResourceType,
  INTERNAL_TOPICS,
  MetadataImage,
  MetadataRecord,
  MetadataRecordType,
  brokerConfigDef,
  collisionKey,
  configKey,
  topicConfigDef,
  validateConfigValue,
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
    return this.committer.run((image) => {
      if (image.provenance.offset >= 0) return { records: [], result: false };
      return {
        records: [{ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name: 'metadata.version', featureLevel: this.settings.metadataVersion } }],
        result: true,
      };
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
              features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: this.settings.metadataVersion }],
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
          configs: null,
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
  private resource(image: MetadataImage, type: number, name: string): { key: string; isTopic: boolean } {
    if (type === ConfigResourceType.TOPIC) {
      const err = validateTopicName(name);
      if (err) throw new CommandError(ErrorCode.INVALID_TOPIC_EXCEPTION, err);
      if (!image.topicsByName.has(name)) throw new CommandError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
      return { key: configKey(type, name), isTopic: true };
    }
    if (type === ConfigResourceType.BROKER) {
      if (name !== '' && name !== String(this.settings.nodeId)) {
        if (!/^\d+$/.test(name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Invalid broker id ${name}`);
        throw new CommandError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.settings.nodeId} or empty string, but received ${name}`);
      }
      return { key: configKey(type, name), isTopic: false };
    }
    throw new CommandError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
  }

  private checkValue(isTopic: boolean, name: string, value: string | null): void {
    const d = isTopic ? topicConfigDef(name) : brokerConfigDef(name);
    if (!d) throw new CommandError(ErrorCode.INVALID_CONFIG, isTopic ? `Unknown topic config name: ${name}` : `Unknown broker config name: ${name}`);
    if (!isTopic && !d.dynamic) throw new CommandError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${name})`);
    if (value !== null) {
      const err = validateConfigValue(d, value);
      if (err) throw new CommandError(ErrorCode.INVALID_CONFIG, err);
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
          const { key, isTopic } = this.resource(image, r.resourceType, r.resourceName);
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Duplicate config key ${c.name}`);
            seen.add(c.name);
            this.checkValue(isTopic, c.name, c.value);
          }
          if (!req.validateOnly) {
            const existing = image.configs.get(key) ?? new Map<string, string>();
            // The legacy API replaces the whole set: keys not given are removed.
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
          const { key, isTopic } = this.resource(image, r.resourceType, r.resourceName);
          const existing = image.configs.get(key) ?? new Map<string, string>();
          const pending: MetadataRecord[] = [];
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new CommandError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys`);
            seen.add(c.name);
            const d = isTopic ? topicConfigDef(c.name) : brokerConfigDef(c.name);
            switch (c.configOperation) {
              case 0: // SET
                if (c.value === null) throw new CommandError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
                this.checkValue(isTopic, c.name, c.value);
                pending.push(this.configRecord(r.resourceType, r.resourceName, c.name, c.value));
                break;
              case 1: // DELETE
                this.checkValue(isTopic, c.name, null);
                pending.push(this.configRecord(r.resourceType, r.resourceName, c.name, null));
                break;
              case 2: // APPEND
              case 3: {
                // SUBTRACT
                this.checkValue(isTopic, c.name, null);
                if (d!.type !== 'list') {
                  throw new CommandError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${c.name}`);
                }
                const current = existing.get(c.name) ?? (isTopic ? this.settings.resolver.topicValues(image, r.resourceName)[c.name] : d!.default) ?? '';
                const items = current.split(',').map((s) => s.trim()).filter(Boolean);
                const given = (c.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
                const next =
                  c.configOperation === 2 ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
                const value = next.join(',');
                this.checkValue(isTopic, c.name, value);
                pending.push(this.configRecord(r.resourceType, r.resourceName, c.name, value));
                break;
              }
              default:
                throw new CommandError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
            }
          }
          if (!req.validateOnly) records.push(...pending);
          return out;
        });
      });
      return { records, result: { throttleTimeMs: 0, responses } };
    });
  }
}
