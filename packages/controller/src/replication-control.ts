/**
 * Kafka's ReplicationControlManager: topics and partitions, where their replicas go and who leads
 * them. CreateTopics / DeleteTopics / CreatePartitions (names, counts, replication factors,
 * assignments and configs validated as Kafka does), leader and ISR changes through the
 * PartitionChangeBuilder when brokers are fenced, unfenced, shut down or unregistered, AlterPartition
 * from partition leaders, ElectLeaders (preferred and unclean), partition reassignments, and the
 * preferred-leader rebalance (`auto.leader.rebalance.enable`).
 *
 * Every method reads an image and returns records (nothing changes until they are replayed).
 */
import {
  ConfigResourceType,
  INTERNAL_TOPICS,
  MetadataRecordType,
  collisionKey,
  topicConfigDef,
  validateConfigValue,
  validateTopicName,
  type ConfigResolver,
  type MetadataImage,
  type MetadataRecord,
  type PartitionRegistration,
  type TopicImage,
} from '@nagare/metadata';
import {
  ErrorCode,
  ZERO_UUID,
  randomUuid,
  type AlterPartitionReassignmentsRequest,
  type AlterPartitionReassignmentsResponse,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type ElectLeadersRequest,
  type ElectLeadersResponse,
  type ListPartitionReassignmentsRequest,
  type ListPartitionReassignmentsResponse,
} from '@nagare/protocol';
import { isActiveBroker } from './cluster-control';
import { ControlError, perItem, type ControllerResult } from './control-error';
import { LEADER_RECOVERING, NO_LEADER, PartitionChangeBuilder, mergeChange, type Election } from './partition-change-builder';
import { placeReplicas, type UsableBroker } from './replica-placer';

export interface ReplicationSettings {
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly deleteTopicEnable: boolean;
  readonly resolver: ConfigResolver;
  readonly random: (n: number) => Buffer;
  /** Uniform in [0, 1) for placement. */
  readonly placementRandom: () => number;
}

/** ElectLeaders election types (Kafka's ElectionType). */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

interface PartitionRef {
  readonly topic: TopicImage;
  readonly partition: PartitionRegistration;
}

export class ReplicationControl {
  constructor(private readonly s: ReplicationSettings) {}

  /** Brokers new replicas may go to: registered, unfenced, not shutting down. */
  usableBrokers(image: MetadataImage): UsableBroker[] {
    return [...image.brokers.values()].filter((b) => !b.fenced && !b.inControlledShutdown).map((b) => ({ id: b.id, rack: b.rack }));
  }

  uncleanEnabled(image: MetadataImage, topic: string): boolean {
    return this.s.resolver.topicValues(image, topic)['unclean.leader.election.enable'] === 'true';
  }

  private newPartitionRecord(image: MetadataImage, topicId: string, partition: number, replicas: number[]): MetadataRecord {
    // The ISR: the replicas that are active now; the leader: the first of them (-1 if none).
    const isr = replicas.filter((r) => isActiveBroker(image, r));
    return {
      type: MetadataRecordType.PartitionRecord,
      version: 0,
      data: {
        partitionId: partition,
        topicId,
        replicas,
        isr: isr.length > 0 ? isr : replicas,
        removingReplicas: [],
        addingReplicas: [],
        leader: isr[0] ?? NO_LEADER,
        leaderRecoveryState: 0,
        leaderEpoch: 0,
        partitionEpoch: 0,
        directories: [],
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    };
  }

  private validateTopicConfigs(configs: ReadonlyArray<{ name: string; value: string | null }>): void {
    const seen = new Set<string>();
    for (const c of configs) {
      const d = topicConfigDef(c.name);
      if (!d) throw new ControlError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
      if (seen.has(c.name)) throw new ControlError(ErrorCode.INVALID_REQUEST, `Duplicate config key ${c.name}`);
      seen.add(c.name);
      if (c.value === null) throw new ControlError(ErrorCode.INVALID_REQUEST, `Null value not supported for topic configs: ${c.name}`);
      const err = validateConfigValue(d, c.value);
      if (err) throw new ControlError(ErrorCode.INVALID_CONFIG, err);
    }
  }

  /** Kafka's validateManualPartitionAssignment (CreateTopics assignments, reassignments). */
  private validateAssignment(image: MetadataImage, replicas: readonly number[], partition: number): void {
    if (replicas.length === 0) throw new ControlError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Empty replica assignment for partition ${partition}.`);
    if (new Set(replicas).size !== replicas.length) {
      throw new ControlError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers in the replica assignment for partition ${partition}.`);
    }
    for (const b of replicas) if (!image.brokers.has(b)) throw new ControlError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Broker ${b} is not registered.`);
  }

  createTopics(image: MetadataImage, req: CreateTopicsRequest, version: number): ControllerResult<CreateTopicsResponse> {
    const records: MetadataRecord[] = [];
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const creating = new Map<string, string>();
    const topics = req.topics.map((t) => {
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
        if (counts.get(t.name)! > 1) throw new ControlError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
        const nameErr = validateTopicName(t.name);
        if (nameErr) throw new ControlError(ErrorCode.INVALID_TOPIC_EXCEPTION, nameErr);
        if (image.topicsByName.has(t.name)) throw new ControlError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
        const key = collisionKey(t.name);
        for (const existing of [...image.topicsByName.keys(), ...creating.keys()]) {
          if (existing !== t.name && collisionKey(existing) === key) {
            throw new ControlError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${existing}`);
          }
        }
        let assignment: number[][];
        if (t.assignments.length > 0) {
          if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
            throw new ControlError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
          }
          const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
          sorted.forEach((a, i) => {
            if (a.partitionIndex !== i) {
              throw new ControlError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partitions should be a consecutive 0-based integer sequence, but got ${sorted.map((x) => x.partitionIndex).join(', ')}.`);
            }
            this.validateAssignment(image, a.brokerIds, i);
          });
          assignment = sorted.map((a) => a.brokerIds);
        } else {
          const partitions = t.numPartitions === -1 ? this.s.numPartitions : t.numPartitions;
          const rf = t.replicationFactor === -1 ? this.s.defaultReplicationFactor : t.replicationFactor;
          if (partitions <= 0) throw new ControlError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
          assignment = placeReplicas(this.usableBrokers(image), { startPartition: 0, numPartitions: partitions, replicationFactor: rf }, this.s.placementRandom);
        }
        this.validateTopicConfigs(t.configs);
        let topicId = randomUuid(this.s.random);
        while (image.topicsById.has(topicId) || [...creating.values()].includes(topicId)) topicId = randomUuid(this.s.random);
        creating.set(t.name, topicId);
        const overrides = new Map(t.configs.map((c) => [c.name, c.value!]));
        const described = version >= 5 ? this.s.resolver.topic(image, t.name, overrides) : [];
        if (!req.validateOnly) {
          records.push({ type: MetadataRecordType.TopicRecord, version: 0, data: { name: t.name, topicId } });
          for (const c of t.configs) {
            records.push({ type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: ConfigResourceType.TOPIC, resourceName: t.name, name: c.name, value: c.value } });
          }
          assignment.forEach((replicas, p) => records.push(this.newPartitionRecord(image, topicId, p, replicas)));
        }
        return {
          ...base,
          topicId: version >= 7 ? topicId : ZERO_UUID,
          numPartitions: assignment.length,
          replicationFactor: assignment[0].length,
          configs: described.map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive })),
        };
      });
    });
    return { records, result: { throttleTimeMs: 0, topics } };
  }

  deleteTopics(image: MetadataImage, req: DeleteTopicsRequest): ControllerResult<DeleteTopicsResponse> {
    const records: MetadataRecord[] = [];
    const removed = new Set<string>();
    const wanted: Array<{ name: string | null; topicId: string }> =
      req.topics.length > 0 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((n) => ({ name: n, topicId: ZERO_UUID }));
    const responses = wanted.map((w) => {
      const t = w.name !== null ? image.topicsByName.get(w.name) : image.topicsById.get(w.topicId);
      const out = { name: w.name ?? t?.name ?? null, topicId: t?.id ?? w.topicId, errorCode: 0, errorMessage: null as string | null };
      if (!this.s.deleteTopicEnable) return { ...out, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' };
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
  }

  createPartitions(image: MetadataImage, req: CreatePartitionsRequest): ControllerResult<CreatePartitionsResponse> {
    const records: MetadataRecord[] = [];
    const results = req.topics.map((t) =>
      perItem({ name: t.name, errorCode: 0, errorMessage: null as string | null }, () => {
        const topic = image.topicsByName.get(t.name);
        if (!topic) throw new ControlError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
        if (INTERNAL_TOPICS.has(t.name)) throw new ControlError(ErrorCode.INVALID_REQUEST, `Creating partitions for internal topic ${t.name} is not allowed.`);
        const current = topic.partitions.size;
        if (t.count === current) throw new ControlError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
        if (t.count < current) {
          throw new ControlError(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
        }
        const rf = topic.partitions.get(0)?.replicas.length ?? 1;
        let assignment: number[][];
        if (t.assignments !== null) {
          if (t.assignments.length !== t.count - current) {
            throw new ControlError(
              ErrorCode.INVALID_REPLICA_ASSIGNMENT,
              `Attempted to add ${t.count - current} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
            );
          }
          t.assignments.forEach((a, i) => {
            if (a.brokerIds.length !== rf) {
              throw new ControlError(
                ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                `The manual partition assignment includes a partition with ${a.brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`,
              );
            }
            for (const b of a.brokerIds) {
              if (!image.brokers.has(b)) throw new ControlError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${b}, but no such broker is registered.`);
            }
            this.validateAssignment(image, a.brokerIds, current + i);
          });
          assignment = t.assignments.map((a) => a.brokerIds);
        } else {
          assignment = placeReplicas(this.usableBrokers(image), { startPartition: current, numPartitions: t.count - current, replicationFactor: rf }, this.s.placementRandom);
        }
        if (!req.validateOnly) assignment.forEach((replicas, i) => records.push(this.newPartitionRecord(image, topic.id, current + i, replicas)));
        return { name: t.name, errorCode: 0, errorMessage: null };
      }),
    );
    return { records, result: { throttleTimeMs: 0, results } };
  }

  // ---- leadership: brokers coming and going ----

  private *partitions(image: MetadataImage, pred: (p: PartitionRegistration) => boolean): Iterable<PartitionRef> {
    for (const topic of image.topicsById.values()) for (const partition of topic.partitions.values()) if (pred(partition)) yield { topic, partition };
  }

  hasLeaderships(image: MetadataImage, brokerId: number): boolean {
    for (const _ of this.partitions(image, (p) => p.leader === brokerId)) return true;
    return false;
  }

  /**
   * generateLeaderAndIsrUpdates: for each partition, remove `brokerToRemove` from the ISR and elect
   * (only active brokers qualify; `brokerToAdd` qualifies even though the image still shows it fenced).
   */
  private leaderAndIsrUpdates(image: MetadataImage, refs: Iterable<PartitionRef>, brokerToRemove: number, brokerToAdd: number): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    const acceptable = (r: number) => r !== brokerToRemove && (r === brokerToAdd || isActiveBroker(image, r));
    for (const { topic, partition } of refs) {
      const b = new PartitionChangeBuilder(partition, topic.id, acceptable);
      if (this.uncleanEnabled(image, topic.name)) b.setElection('UNCLEAN');
      if (brokerToRemove >= 0) {
        // An ISR is never emptied: its last member stays (it is the one holding every committed record), leaderless.
        const isr = partition.isr.filter((r) => r !== brokerToRemove);
        b.setTargetIsr(isr.length > 0 ? isr : partition.isr);
      }
      const c = b.build();
      if (c !== undefined) records.push(c.record);
    }
    return records;
  }

  /** A broker fenced (session expired, or controlled shutdown done): out of every ISR, new leaders where it led. */
  handleBrokerFenced(image: MetadataImage, brokerId: number): MetadataRecord[] {
    return this.leaderAndIsrUpdates(image, this.partitions(image, (p) => p.isr.includes(brokerId) || p.leader === brokerId), brokerId, NO_LEADER);
  }

  /** A broker unfenced: it may lead the partitions that have no leader now. */
  handleBrokerUnfenced(image: MetadataImage, brokerId: number): MetadataRecord[] {
    return this.leaderAndIsrUpdates(image, this.partitions(image, (p) => p.leader === NO_LEADER && p.replicas.includes(brokerId)), NO_LEADER, brokerId);
  }

  /** Controlled shutdown: leadership moves away and the broker leaves the ISRs. */
  handleBrokerInControlledShutdown(image: MetadataImage, brokerId: number): MetadataRecord[] {
    return this.leaderAndIsrUpdates(image, this.partitions(image, (p) => p.isr.includes(brokerId) || p.leader === brokerId), brokerId, NO_LEADER);
  }

  handleBrokerUnregistered(image: MetadataImage, brokerId: number): MetadataRecord[] {
    return this.handleBrokerFenced(image, brokerId);
  }

  // ---- AlterPartition from partition leaders ----

  alterPartition(image: MetadataImage, req: AlterPartitionRequest, version: number): ControllerResult<AlterPartitionResponse> {
    const records: MetadataRecord[] = [];
    const topics = req.topics.map((td) => {
      const topicId = version > 1 ? td.topicId : (image.topicsByName.get(td.topicName)?.id ?? ZERO_UUID);
      const topic = image.topicsById.get(topicId);
      const out: AlterPartitionResponse.TopicData = { topicName: td.topicName, topicId: td.topicId, partitions: [] };
      if (topic === undefined) {
        const errorCode = version > 1 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.partitions = td.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0, partitionEpoch: -1 }));
        return out;
      }
      for (const pd of td.partitions) {
        const fail = (errorCode: number) => out.partitions.push({ partitionIndex: pd.partitionIndex, errorCode, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0, partitionEpoch: -1 });
        const newIsr = version >= 3 ? pd.newIsrWithEpochs : pd.newIsr.map((brokerId) => ({ brokerId, brokerEpoch: -1n }));
        let partition = topic.partitions.get(pd.partitionIndex);
        const err = this.validateAlterPartition(image, req.brokerId, partition, pd, newIsr, version);
        if (err !== ErrorCode.NONE || partition === undefined) {
          fail(err);
          continue;
        }
        const b = new PartitionChangeBuilder(partition, topic.id, (r) => isActiveBroker(image, r));
        if (this.uncleanEnabled(image, topic.name)) b.setElection('UNCLEAN');
        const c = b
          .setTargetIsr(newIsr.map((x) => x.brokerId))
          .setTargetLeaderRecoveryState(pd.leaderRecoveryState)
          .build();
        if (c !== undefined) {
          records.push(c.record);
          partition = mergeChange(partition, c);
          if (partition.leader !== req.brokerId) {
            // The change completed a reassignment that moved leadership away.
            fail(version > 1 ? ErrorCode.NEW_LEADER_ELECTED : ErrorCode.FENCED_LEADER_EPOCH);
            continue;
          }
        }
        out.partitions.push({
          partitionIndex: pd.partitionIndex,
          errorCode: ErrorCode.NONE,
          leaderId: partition.leader,
          leaderEpoch: partition.leaderEpoch,
          isr: partition.isr,
          leaderRecoveryState: partition.leaderRecoveryState ?? 0,
          partitionEpoch: partition.partitionEpoch,
        });
      }
      return out;
    });
    return { records, result: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics } };
  }

  private validateAlterPartition(
    image: MetadataImage,
    brokerId: number,
    p: PartitionRegistration | undefined,
    pd: AlterPartitionRequest.PartitionData,
    newIsr: ReadonlyArray<{ brokerId: number; brokerEpoch: bigint }>,
    version: number,
  ): number {
    if (p === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    // A leader ahead of us: this controller is probably not the active one any more.
    if (pd.leaderEpoch > p.leaderEpoch || pd.partitionEpoch > p.partitionEpoch) return ErrorCode.NOT_CONTROLLER;
    if (pd.leaderEpoch < p.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (brokerId !== p.leader) return ErrorCode.INVALID_REQUEST;
    if (pd.partitionEpoch < p.partitionEpoch) return ErrorCode.INVALID_UPDATE_VERSION;
    const ids = newIsr.map((x) => x.brokerId);
    if (ids.length === 0 || new Set(ids).size !== ids.length || ids.some((r) => !p.replicas.includes(r))) return ErrorCode.INVALID_REQUEST;
    if (!ids.includes(p.leader)) return ErrorCode.INVALID_REQUEST;
    if (pd.leaderRecoveryState === LEADER_RECOVERING && ids.length > 1) return ErrorCode.INVALID_REQUEST;
    if ((p.leaderRecoveryState ?? 0) === 0 && pd.leaderRecoveryState === LEADER_RECOVERING) return ErrorCode.INVALID_REQUEST;
    for (const x of newIsr) {
      const b = image.brokers.get(x.brokerId);
      const ineligible = b === undefined || b.inControlledShutdown || b.fenced || (x.brokerEpoch !== -1n && b.epoch !== x.brokerEpoch);
      if (ineligible) return version > 1 ? ErrorCode.INELIGIBLE_REPLICA : ErrorCode.OPERATION_NOT_ATTEMPTED;
    }
    return ErrorCode.NONE;
  }

  // ---- ElectLeaders ----

  electLeaders(image: MetadataImage, req: ElectLeadersRequest, version: number): ControllerResult<ElectLeadersResponse> {
    const type = version === 0 ? ElectionType.PREFERRED : req.electionType;
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) throw new ControlError(ErrorCode.INVALID_REQUEST, `Unknown election type ${type}`);
    const records: MetadataRecord[] = [];
    const results: ElectLeadersResponse.ReplicaElectionResult[] = [];
    const electOne = (topicName: string, partition: number): { errorCode: number; errorMessage: string | null } => {
      const topic = image.topicsByName.get(topicName);
      if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topicName}` };
      const p = topic.partitions.get(partition);
      if (p === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topicName}-${partition}` };
      const hasPreferred = p.leader === p.replicas[0];
      if ((type === ElectionType.PREFERRED && hasPreferred) || (type === ElectionType.UNCLEAN && p.leader !== NO_LEADER)) {
        return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' };
      }
      const c = new PartitionChangeBuilder(p, topic.id, (r) => isActiveBroker(image, r)).setElection(type === ElectionType.PREFERRED ? 'PREFERRED' : 'UNCLEAN').build();
      if (c === undefined || (type === ElectionType.PREFERRED && c.leader !== p.replicas[0])) {
        return type === ElectionType.PREFERRED
          ? { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: 'The preferred leader was not available.' }
          : { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, errorMessage: 'Eligible topic partition leaders are not available.' };
      }
      records.push(c.record);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    };
    if (req.topicPartitions === null) {
      for (const topic of [...image.topicsByName.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const partitionResult: ElectLeadersResponse.PartitionResult[] = [];
        for (const p of [...topic.partitions.keys()].sort((a, b) => a - b)) {
          const r = electOne(topic.name, p);
          // For "every partition", the ones that already have the wanted leader are left out.
          if (r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) partitionResult.push({ partitionId: p, ...r });
        }
        results.push({ topic: topic.name, partitionResult });
      }
    } else {
      for (const t of req.topicPartitions) results.push({ topic: t.topic, partitionResult: t.partitions.map((p) => ({ partitionId: p, ...electOne(t.topic, p) })) });
    }
    return { records, result: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: results } };
  }

  /** auto.leader.rebalance.enable: preferred elections where the preferred replica is active but does not lead. */
  rebalanceLeaders(image: MetadataImage, max = 1000): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (const { topic, partition } of this.partitions(image, (p) => p.replicas.length > 0 && p.leader !== p.replicas[0] && p.isr.includes(p.replicas[0]))) {
      if (!isActiveBroker(image, partition.replicas[0])) continue;
      const c = new PartitionChangeBuilder(partition, topic.id, (r) => isActiveBroker(image, r)).setElection('PREFERRED').build();
      if (c !== undefined && c.leader === partition.replicas[0]) records.push(c.record);
      if (records.length >= max) break;
    }
    return records;
  }

  // ---- reassignments ----

  alterPartitionReassignments(image: MetadataImage, req: AlterPartitionReassignmentsRequest): ControllerResult<AlterPartitionReassignmentsResponse> {
    const records: MetadataRecord[] = [];
    const responses = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const base = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number, errorMessage: null as string | null };
        return perItem(base, () => {
          const c = this.alterReassignment(image, t.name, p.partitionIndex, p.replicas);
          if (c !== undefined) records.push(c);
          return base;
        });
      }),
    }));
    return { records, result: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses } };
  }

  private alterReassignment(image: MetadataImage, topicName: string, index: number, target: number[] | null): MetadataRecord | undefined {
    const topic = image.topicsByName.get(topicName);
    if (topic === undefined) throw new ControlError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${topicName}.`);
    const p = topic.partitions.get(index);
    if (p === undefined) throw new ControlError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${topicName}:${index}.`);
    const acceptable = (r: number) => isActiveBroker(image, r);
    if (target === null) {
      // Cancel: back to the replicas before the reassignment (PartitionReassignmentRevert).
      if (p.addingReplicas.length === 0 && p.removingReplicas.length === 0) {
        throw new ControlError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'No partition reassignment is in progress for the topic partition.');
      }
      const replicas = p.replicas.filter((r) => !p.addingReplicas.includes(r));
      const isr = p.isr.filter((r) => !p.addingReplicas.includes(r));
      const unclean = isr.length === 0;
      if (unclean && !this.uncleanEnabled(image, topicName)) {
        throw new ControlError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unable to revert partition assignment for ${topicName}:${index} because it would require an unclean leader election.`);
      }
      const b = new PartitionChangeBuilder(p, topic.id, acceptable);
      if (this.uncleanEnabled(image, topicName)) b.setElection('UNCLEAN');
      return b.setTargetIsr(unclean ? replicas : isr).setTargetReplicas(replicas).setTargetRemoving([]).setTargetAdding([]).build()?.record;
    }
    this.validateAssignment(image, target, index);
    // PartitionReassignmentReplicas: adding = target - current, removing = current - target,
    // replicas during the move = target + removing.
    const current = p.replicas.filter((r) => !p.addingReplicas.includes(r) || target.includes(r));
    const removing = [...new Set(current.filter((r) => !target.includes(r)))].sort((a, b) => a - b);
    const adding = [...new Set(target.filter((r) => !current.includes(r)))].sort((a, b) => a - b);
    const replicas = [...target, ...removing];
    const b = new PartitionChangeBuilder(p, topic.id, acceptable);
    b.setTargetReplicas(replicas).setTargetRemoving(removing).setTargetAdding(adding);
    return b.build()?.record;
  }

  listPartitionReassignments(image: MetadataImage, req: ListPartitionReassignmentsRequest): ListPartitionReassignmentsResponse {
    const topics: ListPartitionReassignmentsResponse.OngoingTopicReassignment[] = [];
    const add = (t: TopicImage, indexes: Iterable<number>) => {
      const partitions: ListPartitionReassignmentsResponse.OngoingPartitionReassignment[] = [];
      for (const i of indexes) {
        const p = t.partitions.get(i);
        if (p === undefined || (p.addingReplicas.length === 0 && p.removingReplicas.length === 0)) continue;
        partitions.push({ partitionIndex: i, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas });
      }
      if (partitions.length > 0) topics.push({ name: t.name, partitions });
    };
    if (req.topics === null) {
      for (const t of [...image.topicsByName.values()].sort((a, b) => a.name.localeCompare(b.name))) add(t, [...t.partitions.keys()].sort((a, b) => a - b));
    } else {
      for (const rt of req.topics) {
        const t = image.topicsByName.get(rt.name);
        if (t !== undefined) add(t, rt.partitionIndexes);
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics };
  }
}

export type { Election };
