/**
 * Replaying metadata records: a MetadataDelta collects changes on top of an
 * image and `apply()` yields the next immutable image. Maps are copied only
 * when first touched (copy on write), so a delta of a few records over a large
 * image is cheap. Records of types this broker does not act on (ACLs, quotas,
 * SCRAM, delegation tokens, ...) are accepted and ignored.
 *
 * The delta also says what changed (Kafka's MetadataDelta / TopicsDelta):
 * topics created and deleted, partitions changed, brokers and configs
 * touched, features. Publishers act on that instead of rescanning the image.
 * A delta started with `forSnapshot` replays a whole snapshot from nothing and
 * reports the difference from the image it replaces.
 */
import { MetadataRecordType } from './generated/record-types';
import type * as R from './generated/records';
import {
  BrokerRegistration,
  ConfigResourceType,
  EMPTY_IMAGE,
  MetadataImage,
  MetadataProvenance,
  PartitionRegistration,
  TopicImage,
  configKey,
} from './image';
import type { MetadataRecord } from './serde';

export class MetadataReplayError extends Error {
  override readonly name = 'MetadataReplayError';
}

/** What a delta changed, relative to its base image. */
export interface MetadataChanges {
  /** Topic ids created (absent from the base). */
  readonly createdTopics: ReadonlySet<string>;
  /** Topics of the base that are gone, by id. */
  readonly deletedTopics: ReadonlyMap<string, TopicImage>;
  /** Partitions created or changed, by topic id (created topics list all theirs). */
  readonly changedPartitions: ReadonlyMap<string, ReadonlySet<number>>;
  readonly changedBrokers: ReadonlySet<number>;
  /** Config resource keys (`${type}:${name}`) whose configs changed. */
  readonly changedConfigs: ReadonlySet<string>;
  readonly featuresChanged: boolean;
}

export class MetadataDelta {
  private readonly createdTopics = new Set<string>();
  private readonly deletedTopics = new Map<string, TopicImage>();
  private readonly changedPartitions = new Map<string, Set<number>>();
  private readonly changedBrokers = new Set<number>();
  private readonly changedConfigs = new Set<string>();
  private featuresChanged = false;
  /** Set for a snapshot replay: the image being replaced (the delta itself starts from empty). */
  private replaced: MetadataImage | undefined;
  private features?: Map<string, number>;
  private brokers?: Map<number, BrokerRegistration>;
  private topicsByName?: Map<string, TopicImage>;
  private topicsById?: Map<string, TopicImage>;
  private configs?: Map<string, ReadonlyMap<string, string>>;
  /**
   * Containers (maps) this delta made and may still change in place. `apply()` hands them to the
   * image it returns and forgets them, so a later replay copies again instead of changing that image.
   * Owning the partition map of a topic makes replaying a topic's N partition records O(N), not O(N²).
   */
  private readonly owned = new Set<object>();
  private nextProducerId: bigint;
  private provenance: MetadataProvenance;

  constructor(private readonly base: MetadataImage) {
    this.nextProducerId = base.nextProducerId;
    this.provenance = base.provenance;
  }

  /** A delta that replays a whole snapshot (from an empty image) in place of `current`. */
  static forSnapshot(current: MetadataImage): MetadataDelta {
    const d = new MetadataDelta(EMPTY_IMAGE);
    d.replaced = current;
    return d;
  }

  private touchPartition(topicId: string, partition: number): void {
    let s = this.changedPartitions.get(topicId);
    if (s === undefined) this.changedPartitions.set(topicId, (s = new Set()));
    s.add(partition);
  }

  /** What changed, relative to the base image (or, for a snapshot, to the image it replaces). */
  changes(): MetadataChanges {
    if (this.replaced !== undefined) return this.snapshotChanges(this.replaced);
    return {
      createdTopics: this.createdTopics,
      deletedTopics: this.deletedTopics,
      changedPartitions: this.changedPartitions,
      changedBrokers: this.changedBrokers,
      changedConfigs: this.changedConfigs,
      featuresChanged: this.featuresChanged,
    };
  }

  private snapshotChanges(old: MetadataImage): MetadataChanges {
    const next = this.apply();
    const createdTopics = new Set<string>();
    const deletedTopics = new Map<string, TopicImage>();
    const changedPartitions = new Map<string, Set<number>>();
    for (const [id, t] of old.topicsById) if (!next.topicsById.has(id)) deletedTopics.set(id, t);
    for (const [id, t] of next.topicsById) {
      const before = old.topicsById.get(id);
      if (before === undefined) createdTopics.add(id);
      const changed = new Set<number>();
      for (const [p, reg] of t.partitions) if (before === undefined || !samePartition(before.partitions.get(p), reg)) changed.add(p);
      if (changed.size > 0) changedPartitions.set(id, changed);
    }
    const changedBrokers = new Set<number>();
    for (const id of new Set([...old.brokers.keys(), ...next.brokers.keys()])) {
      const a = old.brokers.get(id);
      const b = next.brokers.get(id);
      if (a === undefined || b === undefined || a.epoch !== b.epoch || a.fenced !== b.fenced || a.inControlledShutdown !== b.inControlledShutdown) changedBrokers.add(id);
    }
    const changedConfigs = new Set<string>();
    for (const k of new Set([...old.configs.keys(), ...next.configs.keys()])) if (!sameMap(old.configs.get(k), next.configs.get(k))) changedConfigs.add(k);
    const featuresChanged = !sameMap(old.features, next.features);
    return { createdTopics, deletedTopics, changedPartitions, changedBrokers, changedConfigs, featuresChanged };
  }

  /** `current` if this delta owns it, else an owned copy of `current ?? base`. */
  private own<K, V>(current: Map<K, V> | undefined, base: ReadonlyMap<K, V>): Map<K, V> {
    if (current !== undefined && this.owned.has(current)) return current;
    const m = new Map(current ?? base);
    this.owned.add(m);
    return m;
  }

  private topicsMaps(): [Map<string, TopicImage>, Map<string, TopicImage>] {
    this.topicsByName = this.own(this.topicsByName, this.base.topicsByName);
    this.topicsById = this.own(this.topicsById, this.base.topicsById);
    return [this.topicsByName, this.topicsById];
  }

  private brokerMap(): Map<number, BrokerRegistration> {
    return (this.brokers = this.own(this.brokers, this.base.brokers));
  }

  private configMap(): Map<string, ReadonlyMap<string, string>> {
    return (this.configs = this.own(this.configs, this.base.configs));
  }

  /** The topic's partition map, owned by this delta (the topic is re-put with it on first touch). */
  private partitionsOf(t: TopicImage): Map<number, PartitionRegistration> {
    const current = t.partitions as Map<number, PartitionRegistration>;
    if (this.owned.has(current)) return current;
    const m = new Map(current);
    this.owned.add(m);
    this.putTopic({ ...t, partitions: m });
    return m;
  }

  private topicById(id: string): TopicImage | undefined {
    return (this.topicsById ?? this.base.topicsById).get(id);
  }

  private putTopic(t: TopicImage): void {
    const [byName, byId] = this.topicsMaps();
    byName.set(t.name, t);
    byId.set(t.id, t);
  }

  replay(record: MetadataRecord, offset: number, epoch: number): void {
    switch (record.type) {
      case MetadataRecordType.TopicRecord: {
        const r = record.data as R.TopicRecord;
        if ((this.topicsByName ?? this.base.topicsByName).has(r.name)) throw new MetadataReplayError(`topic ${r.name} already exists`);
        const partitions = new Map<number, PartitionRegistration>();
        this.owned.add(partitions);
        this.putTopic({ name: r.name, id: r.topicId, partitions });
        this.createdTopics.add(r.topicId);
        break;
      }
      case MetadataRecordType.PartitionRecord: {
        const r = record.data as R.PartitionRecord;
        const t = this.topicById(r.topicId);
        if (!t) throw new MetadataReplayError(`PartitionRecord for unknown topic id ${r.topicId}`);
        this.partitionsOf(t).set(r.partitionId, {
          partition: r.partitionId,
          replicas: r.replicas,
          isr: r.isr,
          leader: r.leader,
          leaderEpoch: r.leaderEpoch,
          partitionEpoch: r.partitionEpoch,
          removingReplicas: r.removingReplicas,
          addingReplicas: r.addingReplicas,
          leaderRecoveryState: r.leaderRecoveryState,
          directories: r.directories,
        });
        this.touchPartition(r.topicId, r.partitionId);
        break;
      }
      case MetadataRecordType.PartitionChangeRecord: {
        const r = record.data as R.PartitionChangeRecord;
        const t = this.topicById(r.topicId);
        const prev = t?.partitions.get(r.partitionId);
        if (!t || !prev) throw new MetadataReplayError(`PartitionChangeRecord for unknown partition ${r.topicId}-${r.partitionId}`);
        const next: PartitionRegistration = { ...prev, partitionEpoch: prev.partitionEpoch + 1 };
        if (r.isr !== null) next.isr = r.isr;
        if (r.replicas !== null) next.replicas = r.replicas;
        if (r.removingReplicas !== null) next.removingReplicas = r.removingReplicas;
        if (r.addingReplicas !== null) next.addingReplicas = r.addingReplicas;
        if (r.leaderRecoveryState !== -1) next.leaderRecoveryState = r.leaderRecoveryState;
        if (r.directories !== null) next.directories = r.directories;
        // -2 means "no change"; any other value (including -1, none) is a new leader and a new epoch.
        if (r.leader !== -2) {
          next.leader = r.leader;
          next.leaderEpoch = prev.leaderEpoch + 1;
        }
        this.partitionsOf(t).set(r.partitionId, next);
        this.touchPartition(r.topicId, r.partitionId);
        break;
      }
      case MetadataRecordType.RemoveTopicRecord: {
        const r = record.data as R.RemoveTopicRecord;
        const t = this.topicById(r.topicId);
        if (!t) throw new MetadataReplayError(`RemoveTopicRecord for unknown topic id ${r.topicId}`);
        const [byName, byId] = this.topicsMaps();
        byName.delete(t.name);
        byId.delete(t.id);
        const key = configKey(ConfigResourceType.TOPIC, t.name);
        this.configMap().delete(key);
        this.changedConfigs.add(key);
        this.changedPartitions.delete(t.id);
        if (this.createdTopics.has(t.id)) this.createdTopics.delete(t.id);
        else this.deletedTopics.set(t.id, this.base.topicsById.get(t.id) ?? t);
        break;
      }
      case MetadataRecordType.ConfigRecord: {
        const r = record.data as R.ConfigRecord;
        const key = configKey(r.resourceType, r.resourceName);
        const configs = this.configMap();
        let entries = configs.get(key) as Map<string, string> | undefined;
        if (entries === undefined || !this.owned.has(entries)) {
          entries = new Map(entries ?? []);
          this.owned.add(entries);
        }
        if (r.value === null) entries.delete(r.name);
        else entries.set(r.name, r.value);
        if (entries.size === 0) configs.delete(key);
        else configs.set(key, entries);
        this.changedConfigs.add(key);
        break;
      }
      case MetadataRecordType.RegisterBrokerRecord: {
        const r = record.data as R.RegisterBrokerRecord;
        this.brokerMap().set(r.brokerId, {
          id: r.brokerId,
          epoch: r.brokerEpoch,
          incarnationId: r.incarnationId,
          endpoints: r.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
          rack: r.rack,
          fenced: r.fenced,
          inControlledShutdown: r.inControlledShutdown,
          features: r.features.map((f) => ({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion })),
          logDirs: r.logDirs,
        });
        this.changedBrokers.add(r.brokerId);
        break;
      }
      case MetadataRecordType.UnregisterBrokerRecord: {
        const r = record.data as R.UnregisterBrokerRecord;
        this.brokerMap().delete(r.brokerId);
        this.changedBrokers.add(r.brokerId);
        break;
      }
      case MetadataRecordType.FenceBrokerRecord:
      case MetadataRecordType.UnfenceBrokerRecord: {
        const r = record.data as R.FenceBrokerRecord;
        const prev = this.brokerMap().get(r.id);
        if (prev) this.brokerMap().set(r.id, { ...prev, fenced: record.type === MetadataRecordType.FenceBrokerRecord });
        this.changedBrokers.add(r.id);
        break;
      }
      case MetadataRecordType.BrokerRegistrationChangeRecord: {
        const r = record.data as R.BrokerRegistrationChangeRecord;
        const prev = this.brokerMap().get(r.brokerId);
        if (prev) {
          // 0 = no change, 1 = true (fenced / in controlled shutdown), -1 = false (unfenced).
          const fenced = r.fenced === 0 ? prev.fenced : r.fenced === 1;
          const inControlledShutdown = r.inControlledShutdown === 0 ? prev.inControlledShutdown : r.inControlledShutdown === 1;
          this.brokerMap().set(r.brokerId, { ...prev, fenced, inControlledShutdown });
        }
        this.changedBrokers.add(r.brokerId);
        break;
      }
      case MetadataRecordType.FeatureLevelRecord: {
        const r = record.data as R.FeatureLevelRecord;
        const features = (this.features = this.own(this.features, this.base.features));
        if (r.featureLevel === 0) features.delete(r.name);
        else features.set(r.name, r.featureLevel);
        this.featuresChanged = true;
        break;
      }
      case MetadataRecordType.ProducerIdsRecord: {
        const r = record.data as R.ProducerIdsRecord;
        if (r.nextProducerId < this.nextProducerId) {
          throw new MetadataReplayError(`ProducerIdsRecord moves the next producer id back to ${r.nextProducerId}`);
        }
        this.nextProducerId = r.nextProducerId;
        break;
      }
      default:
        // NoOpRecord and record types this broker does not act on.
        break;
    }
    this.provenance = { offset, epoch };
  }

  /** Moves the provenance past records this delta does not replay (a control batch). */
  advanceProvenance(offset: number, epoch: number): void {
    if (offset > this.provenance.offset) this.provenance = { offset, epoch };
  }

  apply(): MetadataImage {
    this.owned.clear();
    return {
      provenance: this.provenance,
      features: this.features ?? this.base.features,
      brokers: this.brokers ?? this.base.brokers,
      topicsByName: this.topicsByName ?? this.base.topicsByName,
      topicsById: this.topicsById ?? this.base.topicsById,
      configs: this.configs ?? this.base.configs,
      nextProducerId: this.nextProducerId,
    };
  }
}

function samePartition(a: PartitionRegistration | undefined, b: PartitionRegistration): boolean {
  return a !== undefined && a.leader === b.leader && a.leaderEpoch === b.leaderEpoch && a.partitionEpoch === b.partitionEpoch;
}

function sameMap<K, V>(a: ReadonlyMap<K, V> | undefined, b: ReadonlyMap<K, V> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Replays records onto an image. */
export function replayAll(image: MetadataImage, records: Iterable<{ record: MetadataRecord; offset: number; epoch: number }>): MetadataImage {
  const delta = new MetadataDelta(image);
  for (const r of records) delta.replay(r.record, r.offset, r.epoch);
  return delta.apply();
}
