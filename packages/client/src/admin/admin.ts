/**
 * The admin client. Requests go where the Java AdminClient sends them:
 * topic creation, deletion and partition changes to the controller named in
 * Metadata (any broker forwards in KRaft), broker configs and log dirs to
 * the broker itself, group operations to the group's coordinator (found with
 * FindCoordinator, batched from v4 on), offsets and record deletion to the
 * partition leaders, group listings to every broker.
 *
 * Retriable failures (connections, timeouts, NOT_CONTROLLER, coordinator
 * moves, leader changes, COORDINATOR_LOAD_IN_PROGRESS) are retried with
 * backoff until default.api.timeout.ms. Per-item failures come back as
 * `error: KafkaProtocolError` in per-item results, as Kafka's admin reports
 * them per topic / group / partition / resource; only whole-request
 * failures throw.
 */
import { NagareError } from '@nagare/common';
import {
  ApiKey,
  DescribeConfigsResponse,
  DescribeGroupsResponse,
  DescribeTransactionsResponse,
  ErrorCode,
  KafkaProtocolError,
  RequestByKey,
  ResponseByKey,
  ZERO_UUID,
  isRetriable,
} from '@nagare/protocol';
import { BrokerInfo, Cluster, CoordinatorType, isCoordinatorError, isMetadataError, isRetriableError } from '../cluster';
import { CommonClientOptions, ResolvedCommonOptions, checkPositive, resolveCommon, sleep } from '../config';
import { ListOffsetsResult, listOffsetsFromLeaders, offsetFetchRequest } from '../consumer/consumer';
import { CONSUMER_PROTOCOL_TYPE, TopicPartition, decodeAssignment, decodeSubscription, groupItemsByTopic, tpKey } from '../group/consumer-protocol';
import { BrokerConnection, RequestOptions } from '../network/connection';

type AnyKey = keyof RequestByKey & keyof ResponseByKey;

export interface AdminOptions extends CommonClientOptions {
  /** `default.api.timeout.ms` (60000): overall deadline of an admin call, retries included. */
  defaultApiTimeoutMs?: number;
  /**
   * Kafka's `bootstrap.controllers` (KIP-919): `bootstrapServers` are controller listeners. The admin
   * learns the controllers and the active one from DescribeCluster (endpoint type 2) and sends the
   * quorum calls (describeMetadataQuorum, addRaftVoter, removeRaftVoter) to the active controller.
   */
  bootstrapControllers?: boolean;
}

export interface CallOptions {
  /** Overall deadline of this call (default default.api.timeout.ms). */
  timeoutMs?: number;
}

export interface NewTopic {
  name: string;
  /** -1 (default) for the broker's num.partitions (CreateTopics v4+). */
  numPartitions?: number;
  /** -1 (default) for the broker's default.replication.factor (v4+). */
  replicationFactor?: number;
  /** Partition -> broker ids (instead of numPartitions / replicationFactor). */
  replicaAssignment?: Record<number, number[]>;
  configs?: Record<string, string | null>;
}

export interface CreateTopicResult {
  name: string;
  topicId: string;
  error: KafkaProtocolError | null;
  numPartitions: number;
  replicationFactor: number;
  configs: Array<{ name: string; value: string | null; readOnly: boolean; source: number; isSensitive: boolean }>;
}

export interface TopicResult {
  name: string | null;
  topicId: string;
  error: KafkaProtocolError | null;
}

export interface TopicListing {
  name: string;
  topicId: string;
  isInternal: boolean;
}

export interface PartitionDescription {
  partition: number;
  leader: BrokerInfo | null;
  leaderEpoch: number;
  replicas: BrokerInfo[];
  isr: BrokerInfo[];
  offlineReplicas: BrokerInfo[];
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
  error: KafkaProtocolError | null;
}

export interface NewPartitions {
  topic: string;
  totalCount: number;
  /** Broker ids for each new partition. */
  assignments?: number[][];
}

/** `ConfigResource.Type` */
export enum ConfigResourceType {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
  CLIENT_METRICS = 16,
  GROUP = 32,
}

/** `ConfigEntry.ConfigSource` */
export enum ConfigSource {
  UNKNOWN = 0,
  DYNAMIC_TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
  CLIENT_METRICS_CONFIG = 7,
  GROUP_CONFIG = 8,
}

export type AlterConfigOp = 'set' | 'delete' | 'append' | 'subtract';
const ALTER_OPS: Record<AlterConfigOp, number> = { set: 0, delete: 1, append: 2, subtract: 3 };

export interface ConfigResource {
  type: ConfigResourceType;
  /** Topic name, broker id ("" for the cluster-wide broker default), group id, ... */
  name: string;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: ConfigSource;
  isDefault: boolean;
  isSensitive: boolean;
  synonyms: Array<{ name: string; value: string | null; source: ConfigSource }>;
  type: number;
  documentation: string | null;
}

export interface DescribeConfigsResult extends ConfigResource {
  error: KafkaProtocolError | null;
  configs: ConfigEntry[];
}

export interface ConfigResourceResult extends ConfigResource {
  error: KafkaProtocolError | null;
}

export interface ClusterDescription {
  clusterId: string | null;
  controller: BrokerInfo | null;
  brokers: BrokerInfo[];
  /** The controller id as the cluster reported it (the controller may not be among `brokers`). */
  controllerId?: number;
}

/** Admin.describeMetadataQuorum (KIP-836): one replica of the `__cluster_metadata` quorum. */
export interface QuorumReplicaState {
  replicaId: number;
  replicaDirectoryId: string;
  logEndOffset: number;
  /** -1 when unknown. */
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
}

export interface QuorumInfo {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplicaState[];
  observers: QuorumReplicaState[];
  /** Voter endpoints (DescribeQuorum v2, KIP-853), by node id. */
  nodes: Map<number, Array<{ name: string; host: string; port: number }>>;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  /** Empty when the broker does not report states (ListGroups < v4). */
  state: string;
  /** "classic", "consumer", ... (v5+), else "". */
  type: string;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  /** Raw JoinGroup metadata and SyncGroup assignment. */
  metadata: Buffer;
  assignmentBytes: Buffer;
  /** For consumer groups: the decoded assignment (else empty). */
  assignment: TopicPartition[];
  /** For consumer groups: the subscribed topics from the metadata (else empty). */
  subscribedTopics: string[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor (consumer groups) or protocol name. */
  protocol: string;
  members: MemberDescription[];
  coordinator: BrokerInfo | null;
  authorizedOperations: number;
  error: KafkaProtocolError | null;
}

/** A member as ConsumerGroupDescribe (KIP-848) or DescribeGroups tells it. */
export interface ConsumerGroupMemberDescription extends MemberDescription {
  /** KIP-848: the member epoch (null for classic groups). */
  memberEpoch: number | null;
  /** KIP-848: what the broker's assignor gave the member (null for classic groups). */
  targetAssignment: TopicPartition[] | null;
  /** 'consumer' (KIP-848 protocol), 'classic' (JoinGroup/SyncGroup), as KIP-1099 reports it. */
  memberType: 'consumer' | 'classic' | 'unknown';
}

/** A consumer group of either kind (Kafka's Admin.describeConsumerGroups). */
export interface ConsumerGroupDescription extends Omit<GroupDescription, 'members'> {
  /** 'consumer' for KIP-848 groups, 'classic' for JoinGroup/SyncGroup ones. */
  type: 'consumer' | 'classic';
  /** KIP-848: group epoch and target assignment epoch (null for classic groups). */
  groupEpoch: number | null;
  assignmentEpoch: number | null;
  members: ConsumerGroupMemberDescription[];
}

export interface GroupResult {
  groupId: string;
  error: KafkaProtocolError | null;
}

export interface PartitionResult extends TopicPartition {
  error: KafkaProtocolError | null;
}

export interface CommittedOffset extends TopicPartition {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

export interface ListOffsetsQuerySpec extends TopicPartition {
  spec: OffsetSpec;
}

export interface ListedOffset extends TopicPartition {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
  error: KafkaProtocolError | null;
}

export interface DeleteRecordsResult extends TopicPartition {
  lowWatermark: number;
  error: KafkaProtocolError | null;
}

export interface LogDirDescription {
  logDir: string;
  error: KafkaProtocolError | null;
  totalBytes: number;
  usableBytes: number;
  replicas: Array<TopicPartition & { size: number; offsetLag: number; isFuture: boolean }>;
}

export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  currentTransactionStartOffset: number;
}

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  /** The coordinator's state name (Ongoing, PrepareCommit, CompleteAbort, ...). */
  state: string;
  coordinatorId: number;
}

export interface TransactionDescription {
  transactionalId: string;
  coordinatorId: number;
  state: string;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** When the current transaction started; null when none is running. */
  transactionStartTimeMs: number | null;
  topicPartitions: TopicPartition[];
  error: KafkaProtocolError | null;
}

export interface DescribeProducersResult extends TopicPartition {
  error: KafkaProtocolError | null;
  activeProducers: ProducerState[];
}

function err(code: number, message: string | null | undefined, what: string): KafkaProtocolError | null {
  return code === ErrorCode.NONE ? null : new KafkaProtocolError(code, message ?? what, { serverMessage: message ?? null });
}

/** Throws the first per-item error of admin results. */
export function throwIfAnyError<T extends { error: KafkaProtocolError | null }>(results: readonly T[]): T[] {
  for (const r of results) if (r.error) throw r.error;
  return results as T[];
}

export class Admin {
  readonly cluster: Cluster;
  private readonly common: ResolvedCommonOptions;
  private readonly defaultApiTimeoutMs: number;

  constructor(options: AdminOptions) {
    this.common = resolveCommon(options, 'adminclient');
    this.defaultApiTimeoutMs = checkPositive('defaultApiTimeoutMs', options.defaultApiTimeoutMs ?? 60000);
    this.cluster = new Cluster(this.common, false);
    this.controllerMode = options.bootstrapControllers === true;
  }

  private readonly controllerMode: boolean;

  /**
   * Where a quorum call goes: with bootstrap.controllers, the active controller as DescribeCluster
   * (endpoint type 2) names it, asked of the last known active controller or a bootstrap controller;
   * through brokers, any broker (it forwards to the active controller).
   */
  private async quorumConnection(): Promise<BrokerConnection> {
    if (!this.controllerMode) return this.cluster.anyConnection();
    const known = this.cluster.controllerId;
    const ask = known >= 0 && this.cluster.broker(known) ? this.cluster.connection(known) : this.cluster.anyConnection();
    try {
      await ask.connect();
      const res = await ask.request(ApiKey.DescribeCluster, () => ({ includeClusterAuthorizedOperations: false, endpointType: 2, includeFencedBrokers: false }), { minVersion: 1 });
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, res.errorMessage ?? 'DescribeCluster', { serverMessage: res.errorMessage });
      this.cluster.applyControllers(
        res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
        res.controllerId,
        res.clusterId,
      );
    } catch (e) {
      this.cluster.applyControllers(null, -1, null);
      throw e;
    }
    const id = this.cluster.controllerId;
    if (id < 0 || this.cluster.broker(id) === undefined) throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER, 'no active controller yet');
    return this.cluster.connection(id);
  }

  close(): void {
    this.cluster.close();
  }

  private deadline(o?: CallOptions): number {
    return this.common.clock.monotonicMs() + (o?.timeoutMs ?? this.defaultApiTimeoutMs);
  }

  /** Runs `fn` until it succeeds, a non-retriable error, or the deadline. */
  private async retry<T>(deadline: number, fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (e) {
        if (!isRetriableError(e) || this.cluster.isClosed) throw e;
        const left = deadline - this.common.clock.monotonicMs();
        if (left <= 0) throw e;
        // Controllers serve no Metadata: with bootstrap.controllers, quorumConnection re-learns the active one.
        // So does a connection failure or timeout: the node may be gone (a killed controller), as Kafka's
        // admin client asks for a metadata update on a disconnect.
        const stale =
          (e instanceof KafkaProtocolError && (isMetadataError(e.code) || e.code === ErrorCode.NOT_CONTROLLER)) ||
          (e instanceof NagareError && (e.kind === 'CONNECTION_FAILED' || e.kind === 'REQUEST_TIMED_OUT'));
        if (!this.controllerMode && stale) await this.cluster.refresh().catch(() => undefined);
        await sleep(this.common.scheduler, Math.min(left, this.common.retryBackoff.backoff(attempt)));
      }
    }
  }

  private async ensureMetadata(): Promise<void> {
    await this.cluster.maybeRefresh();
  }

  /** Sends to the controller (any broker when unknown); NOT_CONTROLLER at the top level is retried. */
  private async toController<K extends AnyKey>(apiKey: K, build: (v: number) => RequestByKey[K], deadline: number, options?: RequestOptions): Promise<ResponseByKey[K]> {
    return this.retry(deadline, async () => {
      await this.ensureMetadata();
      const id = this.cluster.controllerId;
      const conn = id >= 0 && this.cluster.broker(id) ? this.cluster.connection(id) : this.cluster.anyConnection();
      return conn.request(apiKey, build, options);
    });
  }

  private timeoutFor(deadline: number): number {
    return Math.max(0, Math.min(this.common.requestTimeoutMs, deadline - this.common.clock.monotonicMs()));
  }

  // ---- topics ---------------------------------------------------------------

  async createTopics(topics: readonly NewTopic[], options: CallOptions & { validateOnly?: boolean } = {}): Promise<CreateTopicResult[]> {
    const deadline = this.deadline(options);
    const results = new Map<string, CreateTopicResult>();
    let pending = [...topics];
    await this.retry(deadline, async () => {
      const res = await this.toController(
        ApiKey.CreateTopics,
        () => ({
          topics: pending.map((t) => ({
            name: t.name,
            numPartitions: t.replicaAssignment ? -1 : (t.numPartitions ?? -1),
            replicationFactor: t.replicaAssignment ? -1 : (t.replicationFactor ?? -1),
            assignments: Object.entries(t.replicaAssignment ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds })),
            configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
          timeoutMs: this.timeoutFor(deadline),
          validateOnly: options.validateOnly ?? false,
        }),
        deadline,
        { minVersion: pending.some((t) => !t.replicaAssignment && (t.numPartitions === undefined || t.replicationFactor === undefined)) ? 4 : undefined },
      );
      const retry: NewTopic[] = [];
      for (const r of res.topics) {
        const t = pending.find((x) => x.name === r.name);
        if (t && (r.errorCode === ErrorCode.NOT_CONTROLLER || r.errorCode === ErrorCode.REQUEST_TIMED_OUT) && this.common.clock.monotonicMs() < deadline) {
          retry.push(t);
          continue;
        }
        results.set(r.name, {
          name: r.name,
          topicId: r.topicId,
          error: err(r.errorCode, r.errorMessage, `create topic ${r.name}`),
          numPartitions: r.numPartitions,
          replicationFactor: r.replicationFactor,
          configs: (r.configs ?? []).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, source: c.configSource, isSensitive: c.isSensitive })),
        });
      }
      pending = retry;
      if (pending.length > 0) throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER, 'retrying topics the controller did not take');
    });
    this.cluster.requestUpdate();
    return topics.map((t) => results.get(t.name) ?? { name: t.name, topicId: ZERO_UUID, error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no result'), numPartitions: -1, replicationFactor: -1, configs: [] });
  }

  /** Deletes topics by name (or `{ topicId }`, DeleteTopics v6+). */
  async deleteTopics(topics: ReadonlyArray<string | { topicId: string }>, options: CallOptions = {}): Promise<TopicResult[]> {
    const deadline = this.deadline(options);
    const byId = topics.some((t) => typeof t !== 'string');
    const res = await this.toController(
      ApiKey.DeleteTopics,
      (v) =>
        v >= 6
          ? { topics: topics.map((t) => (typeof t === 'string' ? { name: t, topicId: ZERO_UUID } : { name: null, topicId: t.topicId })), topicNames: [], timeoutMs: this.timeoutFor(deadline) }
          : { topics: [], topicNames: topics.map((t) => t as string), timeoutMs: this.timeoutFor(deadline) },
      deadline,
      byId ? { minVersion: 6 } : undefined,
    );
    this.cluster.requestUpdate();
    return res.responses.map((r) => ({ name: r.name, topicId: r.topicId, error: err(r.errorCode, r.errorMessage, `delete topic ${r.name ?? r.topicId}`) }));
  }

  private async metadataFor(topics: string[] | null, deadline: number) {
    return this.retry(deadline, () =>
      this.cluster.sendAny(ApiKey.Metadata, () => ({
        topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }), { minVersion: 1 }),
    );
  }

  async listTopics(options: CallOptions & { listInternal?: boolean } = {}): Promise<TopicListing[]> {
    const res = await this.metadataFor(null, this.deadline(options));
    return res.topics
      .filter((t) => t.name !== null && t.errorCode === ErrorCode.NONE && (options.listInternal || !t.isInternal))
      .map((t) => ({ name: t.name!, topicId: t.topicId, isInternal: t.isInternal }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async describeTopics(names: readonly string[], options: CallOptions = {}): Promise<TopicDescription[]> {
    const res = await this.metadataFor([...names], this.deadline(options));
    const brokers = new Map(res.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]));
    const node = (id: number): BrokerInfo => brokers.get(id) ?? { nodeId: id, host: '', port: -1, rack: null };
    const byName = new Map(res.topics.map((t) => [t.name, t]));
    return names.map((name) => {
      const t = byName.get(name);
      if (!t) return { name, topicId: ZERO_UUID, isInternal: false, partitions: [], error: new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`) };
      return {
        name,
        topicId: t.topicId,
        isInternal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId >= 0 ? node(p.leaderId) : null,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes.map(node),
            isr: p.isrNodes.map(node),
            offlineReplicas: p.offlineReplicas.map(node),
          }))
          .sort((a, b) => a.partition - b.partition),
        error: err(t.errorCode, null, `describe topic ${name}`),
      };
    });
  }

  async createPartitions(changes: readonly NewPartitions[], options: CallOptions & { validateOnly?: boolean } = {}): Promise<TopicResult[]> {
    const deadline = this.deadline(options);
    const res = await this.toController(
      ApiKey.CreatePartitions,
      () => ({
        topics: changes.map((c) => ({ name: c.topic, count: c.totalCount, assignments: c.assignments ? c.assignments.map((brokerIds) => ({ brokerIds })) : null })),
        timeoutMs: this.timeoutFor(deadline),
        validateOnly: options.validateOnly ?? false,
      }),
      deadline,
    );
    this.cluster.requestUpdate();
    return res.results.map((r) => ({ name: r.name, topicId: ZERO_UUID, error: err(r.errorCode, r.errorMessage, `create partitions for ${r.name}`) }));
  }

  // ---- leader elections and reassignments (KIP-460, KIP-455) ----------------

  /**
   * ElectLeaders: a preferred (the first replica, if in the ISR) or unclean (any live replica when
   * the ISR has none) leader election for the partitions given, or for every eligible partition
   * (`null`). Per-partition failures (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ...) are
   * in the results, as Java's `Admin.electLeaders(...).partitions()`.
   */
  async electLeaders(electionType: 'preferred' | 'unclean', partitions: readonly TopicPartition[] | null, options: CallOptions = {}): Promise<Array<TopicPartition & { error: KafkaProtocolError | null }>> {
    const deadline = this.deadline(options);
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions ?? []) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const res = await this.toController(
      ApiKey.ElectLeaders,
      () => ({
        electionType: electionType === 'preferred' ? 0 : 1,
        topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
        timeoutMs: this.timeoutFor(deadline),
      }),
      deadline,
    );
    const top = err(res.errorCode, null, 'elect leaders');
    if (top) throw top;
    this.cluster.requestUpdate();
    return res.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({ topic: t.topic, partition: p.partitionId, error: err(p.errorCode, p.errorMessage, `elect leader of ${t.topic}-${p.partitionId}`) })));
  }

  /**
   * AlterPartitionReassignments: move partitions to the replicas given, or cancel a partition's
   * reassignment (`replicas: null`). Resolves with each partition's result.
   */
  async alterPartitionReassignments(reassignments: ReadonlyArray<TopicPartition & { replicas: number[] | null }>, options: CallOptions = {}): Promise<Array<TopicPartition & { error: KafkaProtocolError | null }>> {
    const deadline = this.deadline(options);
    const byTopic = new Map<string, Array<{ partitionIndex: number; replicas: number[] | null }>>();
    for (const r of reassignments) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), { partitionIndex: r.partition, replicas: r.replicas }]);
    const res = await this.toController(ApiKey.AlterPartitionReassignments, () => ({ timeoutMs: this.timeoutFor(deadline), topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }), deadline);
    const top = err(res.errorCode, res.errorMessage, 'alter partition reassignments');
    if (top) return reassignments.map((r) => ({ topic: r.topic, partition: r.partition, error: top }));
    this.cluster.requestUpdate();
    return res.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: err(p.errorCode, p.errorMessage, `reassign ${t.name}-${p.partitionIndex}`) })));
  }

  /** ListPartitionReassignments: the ongoing reassignments (of the partitions given, or all). */
  async listPartitionReassignments(
    partitions?: readonly TopicPartition[],
    options: CallOptions = {},
  ): Promise<Array<TopicPartition & { replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }>> {
    const deadline = this.deadline(options);
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions ?? []) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const res = await this.toController(
      ApiKey.ListPartitionReassignments,
      () => ({ timeoutMs: this.timeoutFor(deadline), topics: partitions === undefined ? null : [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }),
      deadline,
    );
    const top = err(res.errorCode, res.errorMessage, 'list partition reassignments');
    if (top) throw top;
    return res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })));
  }

  // ---- configs --------------------------------------------------------------

  /** Broker resources go to that broker; the rest (and the "" broker default) to any broker. */
  private brokerFor(resource: ConfigResource): number | null {
    if ((resource.type === ConfigResourceType.BROKER || resource.type === ConfigResourceType.BROKER_LOGGER) && resource.name !== '') {
      const id = Number(resource.name);
      if (!Number.isInteger(id)) throw new NagareError('INVALID_CONFIG', `broker resource name must be a broker id, got "${resource.name}"`);
      return id;
    }
    return null;
  }

  private async perBroker<R extends ConfigResource, T>(
    resources: readonly R[],
    deadline: number,
    send: (conn: ReturnType<Cluster['connection']>, rs: R[]) => Promise<T[]>,
  ): Promise<T[]> {
    await this.retry(deadline, () => this.ensureMetadata());
    const groups = new Map<number | null, R[]>();
    for (const r of resources) {
      const b = this.brokerFor(r);
      let a = groups.get(b);
      if (!a) groups.set(b, (a = []));
      a.push(r);
    }
    const out: T[] = [];
    await Promise.all(
      [...groups].map(async ([broker, rs]) => {
        const res = await this.retry(deadline, () => send(broker === null ? this.cluster.anyConnection() : this.cluster.connection(broker), rs));
        out.push(...res);
      }),
    );
    return out;
  }

  async describeConfigs(
    resources: ReadonlyArray<ConfigResource & { configNames?: string[] }>,
    options: CallOptions & { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
  ): Promise<DescribeConfigsResult[]> {
    const results = await this.perBroker(resources, this.deadline(options), async (conn, rs) => {
      const res: DescribeConfigsResponse = await conn.request(ApiKey.DescribeConfigs, (v) => ({
        resources: rs.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.configNames ?? null })),
        includeSynonyms: options.includeSynonyms ?? false,
        includeDocumentation: v >= 3 ? (options.includeDocumentation ?? false) : false,
      }));
      return res.results.map((r) => ({
        type: r.resourceType as ConfigResourceType,
        name: r.resourceName,
        error: err(r.errorCode, r.errorMessage, `describe configs of ${r.resourceName}`),
        configs: r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          source: c.configSource as ConfigSource,
          isDefault: c.configSource === ConfigSource.DEFAULT_CONFIG,
          isSensitive: c.isSensitive,
          synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source as ConfigSource })),
          type: c.configType,
          documentation: c.documentation,
        })),
      }));
    });
    return resources.map((r) => results.find((x) => x.type === r.type && x.name === r.name)!);
  }

  /** IncrementalAlterConfigs (KIP-339). */
  async incrementalAlterConfigs(
    changes: ReadonlyArray<ConfigResource & { ops: Array<{ name: string; op: AlterConfigOp; value?: string | null }> }>,
    options: CallOptions & { validateOnly?: boolean } = {},
  ): Promise<ConfigResourceResult[]> {
    const results = await this.perBroker(changes, this.deadline(options), async (conn, rs) => {
      const res = await conn.request(ApiKey.IncrementalAlterConfigs, () => ({
        resources: rs.map((r) => ({
          resourceType: r.type,
          resourceName: r.name,
          configs: r.ops.map((o) => ({ name: o.name, configOperation: ALTER_OPS[o.op], value: o.value ?? null })),
        })),
        validateOnly: options.validateOnly ?? false,
      }));
      return res.responses.map((r) => ({ type: r.resourceType as ConfigResourceType, name: r.resourceName, error: err(r.errorCode, r.errorMessage, `alter configs of ${r.resourceName}`) }));
    });
    return changes.map((r) => results.find((x) => x.type === r.type && x.name === r.name)!);
  }

  /** The legacy AlterConfigs: replaces the resource's whole dynamic config set. */
  async alterConfigs(
    changes: ReadonlyArray<ConfigResource & { configs: Record<string, string | null> }>,
    options: CallOptions & { validateOnly?: boolean } = {},
  ): Promise<ConfigResourceResult[]> {
    const results = await this.perBroker(changes, this.deadline(options), async (conn, rs) => {
      const res = await conn.request(ApiKey.AlterConfigs, () => ({
        resources: rs.map((r) => ({ resourceType: r.type, resourceName: r.name, configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })) })),
        validateOnly: options.validateOnly ?? false,
      }));
      return res.responses.map((r) => ({ type: r.resourceType as ConfigResourceType, name: r.resourceName, error: err(r.errorCode, r.errorMessage, `alter configs of ${r.resourceName}`) }));
    });
    return changes.map((r) => results.find((x) => x.type === r.type && x.name === r.name)!);
  }

  // ---- cluster --------------------------------------------------------------

  /**
   * DescribeCluster. `endpointType` 2 asks a controller listener for the controllers (KIP-919, what a
   * `--bootstrap-controller` client does); 1 (default) asks a broker for the brokers.
   */
  async describeCluster(options: CallOptions & { endpointType?: 1 | 2 } = {}): Promise<ClusterDescription> {
    const deadline = this.deadline(options);
    return this.retry(deadline, async () => {
      const conn = this.cluster.anyConnection();
      await conn.connect();
      if (conn.versionFor(ApiKey.DescribeCluster) >= 0) {
        const endpointType = options.endpointType ?? 1;
        const res = await conn.request(ApiKey.DescribeCluster, () => ({ includeClusterAuthorizedOperations: false, endpointType, includeFencedBrokers: false }), endpointType !== 1 ? { minVersion: 1 } : {});
        if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, res.errorMessage ?? 'DescribeCluster', { serverMessage: res.errorMessage });
        const brokers = res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }));
        return { clusterId: res.clusterId, controller: brokers.find((b) => b.nodeId === res.controllerId) ?? null, brokers, controllerId: res.controllerId };
      }
      const md = await conn.request(ApiKey.Metadata, () => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }), { minVersion: 1 });
      const brokers = md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
      return { clusterId: md.clusterId, controller: brokers.find((b) => b.nodeId === md.controllerId) ?? null, brokers };
    });
  }

  /**
   * Admin.describeMetadataQuorum (KIP-836): the `__cluster_metadata` quorum as its leader describes
   * it (DescribeQuorum; a broker forwards it to the active controller, a controller answers itself).
   */
  async describeMetadataQuorum(options: CallOptions = {}): Promise<QuorumInfo> {
    const deadline = this.deadline(options);
    return this.retry(deadline, async () => {
      const conn = await this.quorumConnection();
      await conn.connect();
      const res = await conn.request(ApiKey.DescribeQuorum, () => ({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }));
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, res.errorMessage ?? 'DescribeQuorum', { serverMessage: res.errorMessage });
      const p = res.topics[0]?.partitions[0];
      if (p === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'DescribeQuorum returned no partition');
      if (p.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(p.errorCode, p.errorMessage ?? 'DescribeQuorum', { serverMessage: p.errorMessage });
      const replica = (r: (typeof p.currentVoters)[number]): QuorumReplicaState => ({
        replicaId: r.replicaId,
        replicaDirectoryId: r.replicaDirectoryId,
        logEndOffset: Number(r.logEndOffset),
        lastFetchTimestamp: Number(r.lastFetchTimestamp),
        lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp),
      });
      return {
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        highWatermark: Number(p.highWatermark),
        voters: p.currentVoters.map(replica),
        observers: p.observers.map(replica),
        nodes: new Map(res.nodes.map((n) => [n.nodeId, n.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port }))])),
      };
    });
  }

  /** Admin.addRaftVoter (KIP-853): adds a controller (an observer that caught up) to a dynamic quorum. */
  async addRaftVoter(voterId: number, voterDirectoryId: string, endpoints: ReadonlyArray<{ name: string; host: string; port: number }>, options: CallOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.defaultApiTimeoutMs;
    await this.raftVoterChange(options, (conn) =>
      conn.request(ApiKey.AddRaftVoter, () => ({ clusterId: null, timeoutMs, voterId, voterDirectoryId, listeners: endpoints.map((e) => ({ ...e })) })),
    );
  }

  /** Admin.removeRaftVoter (KIP-853). */
  async removeRaftVoter(voterId: number, voterDirectoryId: string, options: CallOptions = {}): Promise<void> {
    await this.raftVoterChange(options, (conn) => conn.request(ApiKey.RemoveRaftVoter, () => ({ clusterId: null, voterId, voterDirectoryId })));
  }

  private async raftVoterChange(options: CallOptions, send: (conn: ReturnType<Cluster['anyConnection']>) => Promise<{ errorCode: number; errorMessage: string | null }>): Promise<void> {
    const deadline = this.deadline(options);
    await this.retry(deadline, async () => {
      const conn = await this.quorumConnection();
      await conn.connect();
      const r = await send(conn);
      if (r.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(r.errorCode, r.errorMessage ?? 'voter change', { serverMessage: r.errorMessage });
    });
  }

  // ---- groups ---------------------------------------------------------------

  /** ListGroups on every broker, merged. `states` needs ListGroups v4+, `types` v5+. */
  async listGroups(options: CallOptions & { states?: string[]; types?: string[] } = {}): Promise<GroupListing[]> {
    const deadline = this.deadline(options);
    await this.retry(deadline, () => this.cluster.refresh());
    const out = new Map<string, GroupListing>();
    await Promise.all(
      this.cluster.brokerList.map((b) =>
        this.retry(deadline, async () => {
          const res = await this.cluster.connection(b.nodeId).request(
            ApiKey.ListGroups,
            (v) => ({ statesFilter: v >= 4 ? (options.states ?? []) : [], typesFilter: v >= 5 ? (options.types ?? []) : [] }),
            { minVersion: options.types?.length ? 5 : options.states?.length ? 4 : undefined },
          );
          if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, `ListGroups on broker ${b.nodeId}`);
          for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
        }),
      ),
    );
    return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  /**
   * Runs a per-group request on each group's coordinator. `perGroup` returns
   * the group's error code; coordinator errors and COORDINATOR_LOAD_IN_PROGRESS
   * are retried until the deadline.
   */
  private async onCoordinators<T>(
    groupIds: readonly string[],
    deadline: number,
    send: (coordinator: BrokerInfo, groups: string[]) => Promise<Map<string, { code: number; result: T }>>,
    type: CoordinatorType = CoordinatorType.Group,
  ): Promise<Map<string, { code: number; result: T; coordinator: BrokerInfo | null }>> {
    const out = new Map<string, { code: number; result: T; coordinator: BrokerInfo | null }>();
    let pending = [...new Set(groupIds)];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        const left = deadline - this.common.clock.monotonicMs();
        if (left <= 0) break;
        await sleep(this.common.scheduler, Math.min(left, this.common.retryBackoff.backoff(attempt - 1)));
      }
      let coords: Map<string, BrokerInfo>;
      try {
        coords = await this.cluster.findCoordinators(pending, type, Math.max(1, deadline - this.common.clock.monotonicMs()));
      } catch (e) {
        if (e instanceof KafkaProtocolError && !e.retriable) {
          for (const g of pending) out.set(g, { code: e.code, result: undefined as T, coordinator: null });
          return out;
        }
        if (!isRetriableError(e) || this.common.clock.monotonicMs() >= deadline) throw e;
        continue;
      }
      const byNode = new Map<number, { info: BrokerInfo; groups: string[] }>();
      for (const g of pending) {
        const c = coords.get(g)!;
        let e = byNode.get(c.nodeId);
        if (!e) byNode.set(c.nodeId, (e = { info: c, groups: [] }));
        e.groups.push(g);
      }
      const retry: string[] = [];
      await Promise.all(
        [...byNode.values()].map(async ({ info, groups }) => {
          let res: Map<string, { code: number; result: T }>;
          try {
            res = await send(info, groups);
          } catch (e) {
            if (!isRetriableError(e)) throw e;
            for (const g of groups) this.cluster.invalidateCoordinator(g, type);
            retry.push(...groups);
            return;
          }
          for (const g of groups) {
            const r = res.get(g);
            if (!r) continue;
            const transient = isCoordinatorError(r.code) || r.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
            if (transient && this.common.clock.monotonicMs() < deadline) {
              if (isCoordinatorError(r.code)) this.cluster.invalidateCoordinator(g, type);
              retry.push(g);
            } else out.set(g, { ...r, coordinator: info });
          }
        }),
      );
      pending = retry;
    }
    for (const g of pending) out.set(g, { code: ErrorCode.COORDINATOR_NOT_AVAILABLE, result: undefined as T, coordinator: null });
    return out;
  }

  async describeGroups(groupIds: readonly string[], options: CallOptions & { includeAuthorizedOperations?: boolean } = {}): Promise<GroupDescription[]> {
    const r = await this.onCoordinators<DescribeGroupsResponse.DescribedGroup>(groupIds, this.deadline(options), async (coord, groups) => {
      const res = await this.cluster.coordinatorConnection(coord).request(ApiKey.DescribeGroups, (v) => ({
        groups,
        includeAuthorizedOperations: v >= 3 ? (options.includeAuthorizedOperations ?? false) : false,
      }));
      return new Map(res.groups.map((g) => [g.groupId, { code: g.errorCode, result: g }]));
    });
    return groupIds.map((groupId) => {
      const e = r.get(groupId)!;
      const g = e.result;
      if (!g || e.code !== ErrorCode.NONE) {
        return { groupId, state: '', protocolType: '', protocol: '', members: [], coordinator: e.coordinator, authorizedOperations: -2147483648, error: err(e.code, g?.errorMessage, `describe group ${groupId}`) };
      }
      const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
      return {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        coordinator: e.coordinator,
        authorizedOperations: g.authorizedOperations,
        error: null,
        members: g.members.map((m) => {
          let assignment: TopicPartition[] = [];
          let subscribedTopics: string[] = [];
          if (consumer) {
            try {
              assignment = decodeAssignment(m.memberAssignment).partitions;
            } catch {
              assignment = [];
            }
            try {
              subscribedTopics = m.memberMetadata.length > 0 ? decodeSubscription(m.memberMetadata).topics : [];
            } catch {
              subscribedTopics = [];
            }
          }
          return {
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            host: m.clientHost,
            metadata: m.memberMetadata,
            assignmentBytes: m.memberAssignment,
            assignment,
            subscribedTopics,
          };
        }),
      };
    });
  }

  /**
   * Consumer groups of both kinds, as Kafka's Admin.describeConsumerGroups:
   * ConsumerGroupDescribe (KIP-848) first; groups it does not know
   * (GROUP_ID_NOT_FOUND: classic groups) and brokers without the API are
   * described with DescribeGroups.
   */
  async describeConsumerGroups(groupIds: readonly string[], options: CallOptions & { includeAuthorizedOperations?: boolean } = {}): Promise<ConsumerGroupDescription[]> {
    type Described = import('@nagare/protocol').ConsumerGroupDescribeResponse.DescribedGroup;
    let unsupported = false;
    const r = await this.onCoordinators<Described | null>(groupIds, this.deadline(options), async (coord, groups) => {
      const conn = this.cluster.coordinatorConnection(coord);
      try {
        const res = await conn.request(ApiKey.ConsumerGroupDescribe, () => ({ groupIds: groups, includeAuthorizedOperations: options.includeAuthorizedOperations ?? false }));
        return new Map(res.groups.map((g) => [g.groupId, { code: g.errorCode, result: g }]));
      } catch (e) {
        if (!(e instanceof KafkaProtocolError && e.code === ErrorCode.UNSUPPORTED_VERSION)) throw e;
        unsupported = true;
        return new Map(groups.map((g) => [g, { code: ErrorCode.GROUP_ID_NOT_FOUND, result: null }]));
      }
    });
    const classicIds = groupIds.filter((id) => r.get(id)?.code === ErrorCode.GROUP_ID_NOT_FOUND);
    const classic = new Map((classicIds.length > 0 ? await this.describeGroups(classicIds, options) : []).map((d) => [d.groupId, d]));
    if (unsupported) this.common.logger.debug({}, 'ConsumerGroupDescribe is not supported by the broker: described with DescribeGroups');
    const names = (tps: import('@nagare/protocol').ConsumerGroupDescribeResponse.TopicPartitions[]) =>
      tps.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topicName, partition }))).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return groupIds.map((groupId): ConsumerGroupDescription => {
      const c = classic.get(groupId);
      if (c) {
        return { ...c, type: 'classic', groupEpoch: null, assignmentEpoch: null, members: c.members.map((m) => ({ ...m, memberEpoch: null, targetAssignment: null, memberType: 'classic' })) };
      }
      const e = r.get(groupId)!;
      const g = e.result;
      if (!g || e.code !== ErrorCode.NONE) {
        return { groupId, type: 'consumer', state: '', protocolType: '', protocol: '', groupEpoch: null, assignmentEpoch: null, members: [], coordinator: e.coordinator, authorizedOperations: -2147483648, error: err(e.code, g?.errorMessage, `describe consumer group ${groupId}`) };
      }
      return {
        groupId,
        type: 'consumer',
        state: g.groupState,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocol: g.assignorName,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        coordinator: e.coordinator,
        authorizedOperations: g.authorizedOperations,
        error: null,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          host: m.clientHost,
          metadata: Buffer.alloc(0),
          assignmentBytes: Buffer.alloc(0),
          assignment: names(m.assignment.topicPartitions),
          subscribedTopics: [...m.subscribedTopicNames],
          memberEpoch: m.memberEpoch,
          targetAssignment: names(m.targetAssignment.topicPartitions),
          memberType: m.memberType === 0 ? 'classic' : m.memberType === 1 ? 'consumer' : 'unknown',
        })),
      };
    });
  }

  async deleteGroups(groupIds: readonly string[], options: CallOptions = {}): Promise<GroupResult[]> {
    const r = await this.onCoordinators<null>(groupIds, this.deadline(options), async (coord, groups) => {
      const res = await this.cluster.coordinatorConnection(coord).request(ApiKey.DeleteGroups, () => ({ groupsNames: groups }));
      return new Map(res.results.map((g) => [g.groupId, { code: g.errorCode, result: null }]));
    });
    return groupIds.map((groupId) => ({ groupId, error: err(r.get(groupId)!.code, null, `delete group ${groupId}`) }));
  }

  /** A consumer group's committed offsets (all partitions, or the given ones). */
  async listConsumerGroupOffsets(groupId: string, options: CallOptions & { partitions?: TopicPartition[]; requireStable?: boolean } = {}): Promise<CommittedOffset[]> {
    const tps = options.partitions ?? null;
    const r = await this.onCoordinators<CommittedOffset[] | KafkaProtocolError>([groupId], this.deadline(options), async (coord) => {
      const res = await this.cluster.coordinatorConnection(coord).request(ApiKey.OffsetFetch, offsetFetchRequest(groupId, tps, options.requireStable ?? false), {
        minVersion: tps === null ? 2 : undefined,
      });
      const code = res.groups.length > 0 ? res.groups[0].errorCode : res.errorCode;
      const topicsOut = res.groups.length > 0 ? res.groups[0].topics : res.topics;
      const list: CommittedOffset[] = [];
      let partErr: KafkaProtocolError | null = null;
      for (const t of topicsOut) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) {
            partErr ??= new KafkaProtocolError(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
            continue;
          }
          list.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata });
        }
      }
      return new Map([[groupId, { code, result: partErr ?? list }]]);
    });
    const e = r.get(groupId)!;
    if (e.code !== ErrorCode.NONE) throw new KafkaProtocolError(e.code, `list offsets of group ${groupId}`);
    if (e.result instanceof KafkaProtocolError) throw e.result;
    return (e.result as CommittedOffset[]).filter((o) => o.offset >= 0 || tps !== null);
  }

  /** Commits offsets for a group as a standalone commit (generation -1, no member id): the group must be empty. */
  async alterConsumerGroupOffsets(
    groupId: string,
    offsets: ReadonlyArray<TopicPartition & { offset: number; metadata?: string | null; leaderEpoch?: number }>,
    options: CallOptions = {},
  ): Promise<PartitionResult[]> {
    const r = await this.onCoordinators<PartitionResult[]>([groupId], this.deadline(options), async (coord) => {
      const res = await this.cluster.coordinatorConnection(coord).request(ApiKey.OffsetCommit, () => ({
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [...groupItemsByTopic(offsets)].map(([name, os]) => ({
          name,
          partitions: os.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
        })),
      }));
      const list: PartitionResult[] = [];
      let coordCode: number = ErrorCode.NONE;
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (isCoordinatorError(p.errorCode) || p.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) coordCode = p.errorCode;
          list.push({ topic: t.name, partition: p.partitionIndex, error: err(p.errorCode, null, `commit ${t.name}-${p.partitionIndex}`) });
        }
      }
      return new Map([[groupId, { code: coordCode, result: list }]]);
    });
    const e = r.get(groupId)!;
    if (!e.result) throw new KafkaProtocolError(e.code, `alter offsets of group ${groupId}`);
    return e.result;
  }

  /** OffsetDelete (KIP-496): removes committed offsets of partitions the group no longer consumes. */
  async deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[], options: CallOptions = {}): Promise<{ error: KafkaProtocolError | null; partitions: PartitionResult[] }> {
    const r = await this.onCoordinators<PartitionResult[]>([groupId], this.deadline(options), async (coord) => {
      const res = await this.cluster.coordinatorConnection(coord).request(ApiKey.OffsetDelete, () => ({
        groupId,
        topics: [...groupItemsByTopic(partitions)].map(([name, tps]) => ({ name, partitions: tps.map((tp) => ({ partitionIndex: tp.partition })) })),
      }));
      const list = res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: err(p.errorCode, null, `delete offset of ${t.name}-${p.partitionIndex}`) })));
      return new Map([[groupId, { code: res.errorCode, result: list }]]);
    });
    const e = r.get(groupId)!;
    return { error: err(e.code, null, `delete offsets of group ${groupId}`), partitions: e.result ?? [] };
  }

  // ---- partitions -------------------------------------------------------------

  /** ListOffsets: earliest, latest, max-timestamp (v7+) or the first offset at/after a timestamp. */
  async listOffsets(queries: readonly ListOffsetsQuerySpec[], options: CallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {}): Promise<ListedOffset[]> {
    const deadline = this.deadline(options);
    const topics = [...new Set(queries.map((q) => q.topic))];
    await this.retry(deadline, () => this.cluster.waitForTopics(topics, Math.max(1, deadline - this.common.clock.monotonicMs()), true));
    // A partition may appear once per ListOffsets request (brokers answer
    // INVALID_REQUEST otherwise): several specs for one partition go in rounds.
    const rounds: ListOffsetsQuerySpec[][] = [];
    const roundOf = new Map<string, number>();
    const where: number[] = [];
    for (const q of queries) {
      const k = tpKey(q.topic, q.partition);
      const r = roundOf.get(k) ?? 0;
      roundOf.set(k, r + 1);
      (rounds[r] ??= []).push(q);
      where.push(r);
    }
    const results: Array<Map<string, ListOffsetsResult>> = [];
    for (const round of rounds) {
      results.push(
        await this.retry(deadline, () =>
          listOffsetsFromLeaders(
            this.cluster,
            round.map((q) => ({
              topic: q.topic,
              partition: q.partition,
              timestamp: q.spec === 'earliest' ? -2n : q.spec === 'latest' ? -1n : q.spec === 'max-timestamp' ? -3n : BigInt(q.spec.timestamp),
            })),
            options.isolationLevel === 'read_committed',
          ),
        ),
      );
    }
    return queries.map((q, i) => {
      const r = results[where[i]].get(tpKey(q.topic, q.partition));
      if (!r) return { topic: q.topic, partition: q.partition, offset: -1, timestamp: -1, leaderEpoch: -1, error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no result') };
      return { topic: q.topic, partition: q.partition, offset: r.offset, timestamp: r.timestamp, leaderEpoch: r.leaderEpoch, error: err(r.errorCode, null, `list offsets of ${q.topic}-${q.partition}`) };
    });
  }

  /** Deletes records before the given offsets (-1: the high watermark), on the leaders. */
  async deleteRecords(requests: ReadonlyArray<TopicPartition & { offset: number }>, options: CallOptions = {}): Promise<DeleteRecordsResult[]> {
    const deadline = this.deadline(options);
    const out = await this.onLeaders(requests, deadline, async (conn, rs) => {
      const res = await conn.request(ApiKey.DeleteRecords, () => ({
        topics: groupTopics(rs).map(([name, ps]) => ({ name, partitions: ps.map((r) => ({ partitionIndex: r.partition, offset: BigInt(r.offset) })) })),
        timeoutMs: this.timeoutFor(deadline),
      }));
      return res.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, code: p.errorCode, result: { topic: t.name, partition: p.partitionIndex, lowWatermark: Number(p.lowWatermark), error: err(p.errorCode, null, `delete records of ${t.name}-${p.partitionIndex}`) } })),
      );
    });
    return requests.map((r) => out.get(tpKey(r.topic, r.partition)) ?? { topic: r.topic, partition: r.partition, lowWatermark: -1, error: this.unresolved(r) });
  }

  /**
   * ListTransactions on every broker (KIP-664): the transactional ids each
   * coordinates, optionally by state, producer id, and running longer than
   * `durationFilterMs` (KIP-994, ListTransactions v1).
   */
  async listTransactions(
    options: CallOptions & { stateFilters?: string[]; producerIdFilters?: number[]; durationFilterMs?: number } = {},
  ): Promise<TransactionListing[]> {
    const deadline = this.deadline(options);
    await this.retry(deadline, () => this.ensureMetadata());
    const out: TransactionListing[] = [];
    await Promise.all(
      this.cluster.brokerList.map(async (b) => {
        const res = await this.retry(deadline, async () => {
          const r = await this.cluster.connection(b.nodeId).request(
            ApiKey.ListTransactions,
            () => ({ stateFilters: options.stateFilters ?? [], producerIdFilters: (options.producerIdFilters ?? []).map((p) => BigInt(p)), durationFilter: BigInt(options.durationFilterMs ?? -1) }),
            options.durationFilterMs !== undefined && options.durationFilterMs >= 0 ? { minVersion: 1 } : {},
          );
          if (r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaProtocolError(r.errorCode, `ListTransactions on broker ${b.nodeId}`);
          return r;
        });
        if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, `ListTransactions on broker ${b.nodeId}`);
        for (const t of res.transactionStates) out.push({ transactionalId: t.transactionalId, producerId: Number(t.producerId), state: t.transactionState, coordinatorId: b.nodeId });
      }),
    );
    return out.sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
  }

  /** DescribeTransactions for each transactional id, at its coordinator (KIP-664). */
  async describeTransactions(transactionalIds: readonly string[], options: CallOptions = {}): Promise<TransactionDescription[]> {
    const deadline = this.deadline(options);
    const res = await this.onCoordinators<DescribeTransactionsResponse.TransactionState>(
      transactionalIds,
      deadline,
      async (info, ids) => {
        const conn = this.cluster.coordinatorConnection(info);
        const r = await conn.request(ApiKey.DescribeTransactions, () => ({ transactionalIds: ids }));
        return new Map(r.transactionStates.map((t) => [t.transactionalId, { code: t.errorCode, result: t }]));
      },
      CoordinatorType.Transaction,
    );
    return transactionalIds.map((id) => {
      const r = res.get(id);
      const t = r?.result;
      const code = r?.code ?? ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return {
        transactionalId: id,
        coordinatorId: r?.coordinator?.nodeId ?? -1,
        state: t?.transactionState ?? '',
        producerId: t ? Number(t.producerId) : -1,
        producerEpoch: t?.producerEpoch ?? -1,
        transactionTimeoutMs: t?.transactionTimeoutMs ?? -1,
        transactionStartTimeMs: t && t.transactionStartTimeMs >= 0n ? Number(t.transactionStartTimeMs) : null,
        topicPartitions: (t?.topics ?? []).flatMap((x) => x.partitions.map((partition) => ({ topic: x.topic, partition }))),
        error: err(code, null, `describe transaction ${id}`),
      };
    });
  }

  /**
   * Fences the producers of these transactional ids (KIP-797,
   * `Admin.fenceProducers`): an InitProducerId for each id, at its
   * transaction coordinator, without a producer id or epoch, so the
   * coordinator bumps the epoch (aborting any open transaction) and every
   * producer still using an older epoch fails with PRODUCER_FENCED. The
   * transaction timeout sent is `timeoutMs` (else the request timeout), as
   * in Kafka's FenceProducersHandler. CONCURRENT_TRANSACTIONS (markers of an
   * ending transaction still being written) and coordinator moves are
   * retried until the deadline. Resolves with the new producer id and epoch
   * of each id, or its error.
   */
  async fenceProducers(transactionalIds: readonly string[], options: CallOptions = {}): Promise<Array<{ transactionalId: string; producerId: number; producerEpoch: number; error: KafkaProtocolError | null }>> {
    const deadline = this.deadline(options);
    const txnTimeoutMs = options.timeoutMs ?? this.common.requestTimeoutMs;
    const done = new Map<string, { producerId: number; producerEpoch: number; error: KafkaProtocolError | null }>();
    let pending = [...new Set(transactionalIds)];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        const left = deadline - this.common.clock.monotonicMs();
        if (left <= 0) break;
        await sleep(this.common.scheduler, Math.min(left, this.common.retryBackoff.backoff(attempt - 1)));
      }
      const res = await this.onCoordinators<{ producerId: number; producerEpoch: number }>(
        pending,
        deadline,
        async (info, ids) => {
          const conn = this.cluster.coordinatorConnection(info);
          const out = new Map<string, { code: number; result: { producerId: number; producerEpoch: number } }>();
          await Promise.all(
            ids.map(async (id) => {
              const r = await conn.request(ApiKey.InitProducerId, () => ({ transactionalId: id, transactionTimeoutMs: txnTimeoutMs, producerId: -1n, producerEpoch: -1 }));
              out.set(id, { code: r.errorCode, result: { producerId: Number(r.producerId), producerEpoch: r.producerEpoch } });
            }),
          );
          return out;
        },
        CoordinatorType.Transaction,
      );
      const retry: string[] = [];
      for (const id of pending) {
        const r = res.get(id);
        const code = r?.code ?? ErrorCode.COORDINATOR_NOT_AVAILABLE;
        if ((code === ErrorCode.CONCURRENT_TRANSACTIONS || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) && this.common.clock.monotonicMs() < deadline) {
          retry.push(id);
          continue;
        }
        done.set(id, {
          producerId: code === ErrorCode.NONE ? r!.result.producerId : -1,
          producerEpoch: code === ErrorCode.NONE ? r!.result.producerEpoch : -1,
          error: err(code, null, `InitProducerId request for transactionalId \`${id}\` failed`),
        });
      }
      pending = retry;
    }
    for (const id of pending) done.set(id, { producerId: -1, producerEpoch: -1, error: new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, `Timed out fencing the producers of transactionalId \`${id}\``) });
    return transactionalIds.map((transactionalId) => ({ transactionalId, ...done.get(transactionalId)! }));
  }

  /**
   * Aborts a hanging transaction on one partition (KIP-664): an ABORT marker
   * written by the partition's leader for the producer id and epoch, with the
   * coordinator epoch DescribeProducers reports (Kafka's AbortTransactionHandler).
   */
  async abortTransaction(spec: TopicPartition & { producerId: number; producerEpoch: number; coordinatorEpoch: number }, options: CallOptions = {}): Promise<void> {
    const deadline = this.deadline(options);
    const out = await this.onLeaders([spec], deadline, async (conn, rs) => {
      const res = await conn.request(ApiKey.WriteTxnMarkers, () => ({
        markers: [
          {
            producerId: BigInt(spec.producerId),
            producerEpoch: spec.producerEpoch,
            transactionResult: false,
            coordinatorEpoch: spec.coordinatorEpoch,
            topics: groupTopics(rs).map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) })),
          },
        ],
      }));
      return res.markers.flatMap((m) => m.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, code: p.errorCode, result: p.errorCode }))));
    });
    const code = out.get(tpKey(spec.topic, spec.partition));
    if (code === undefined) throw this.unresolved(spec);
    if (code !== ErrorCode.NONE) throw new KafkaProtocolError(code, `abort transaction of producer ${spec.producerId} on ${spec.topic}-${spec.partition}`);
  }

  /** DescribeProducers on the partitions' leaders, or on one broker's replicas (`brokerId`, as Kafka's DescribeProducersOptions). */
  async describeProducers(partitions: readonly TopicPartition[], options: CallOptions & { brokerId?: number } = {}): Promise<DescribeProducersResult[]> {
    const deadline = this.deadline(options);
    const out = await this.onLeaders(partitions, deadline, async (leaderConn, rs) => {
      const conn = options.brokerId !== undefined ? this.cluster.connection(options.brokerId) : leaderConn;
      const res = await conn.request(ApiKey.DescribeProducers, () => ({
        topics: groupTopics(rs).map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) })),
      }));
      return res.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          code: p.errorCode,
          result: {
            topic: t.name,
            partition: p.partitionIndex,
            error: err(p.errorCode, p.errorMessage, `describe producers of ${t.name}-${p.partitionIndex}`),
            activeProducers: p.activeProducers.map((s) => ({
              producerId: Number(s.producerId),
              producerEpoch: s.producerEpoch,
              lastSequence: s.lastSequence,
              lastTimestamp: Number(s.lastTimestamp),
              coordinatorEpoch: s.coordinatorEpoch,
              currentTransactionStartOffset: Number(s.currentTxnStartOffset),
            })),
          },
        })),
      );
    });
    return partitions.map((r) => out.get(tpKey(r.topic, r.partition)) ?? { topic: r.topic, partition: r.partition, activeProducers: [], error: this.unresolved(r) });
  }

  /** Sends per-partition requests to the leaders; leadership errors are retried after a metadata refresh. */
  /**
   * The error for a partition no request could be sent for: the topic or
   * partition does not exist (UNKNOWN_TOPIC_OR_PARTITION, as the broker would
   * say), or it has no leader until the deadline (LEADER_NOT_AVAILABLE).
   */
  private unresolved(tp: TopicPartition): KafkaProtocolError {
    const t = this.cluster.topic(tp.topic);
    if (!t || tp.partition >= t.partitions.length || tp.partition < 0) {
      return new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic-partition ${tp.topic}-${tp.partition}`);
    }
    return new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${tp.topic}-${tp.partition}`);
  }

  private async onLeaders<Q extends TopicPartition, R>(
    items: readonly Q[],
    deadline: number,
    send: (conn: ReturnType<Cluster['connection']>, items: Q[]) => Promise<Array<{ topic: string; partition: number; code: number; result: R }>>,
  ): Promise<Map<string, R>> {
    const out = new Map<string, R>();
    let pending = [...items];
    const topics = [...new Set(items.map((i) => i.topic))];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        const left = deadline - this.common.clock.monotonicMs();
        if (left <= 0) break;
        await sleep(this.common.scheduler, Math.min(left, this.common.retryBackoff.backoff(attempt - 1)));
        await this.cluster.refresh().catch(() => undefined);
      } else if (this.cluster.addTopics(topics) || topics.some((t) => !this.cluster.topic(t))) {
        // One refresh, not a wait until the deadline: an unknown topic is
        // retried below a few times with backoff, then reported as such.
        await this.cluster.refresh().catch(() => undefined);
      }
      const byNode = new Map<number, Q[]>();
      const retry: Q[] = [];
      for (const q of pending) {
        const leader = this.cluster.leaderOf(q.topic, q.partition);
        if (leader < 0) {
          if (this.cluster.topic(q.topic) && q.partition >= (this.cluster.topic(q.topic)?.partitions.length ?? 0)) continue;
          if (!this.cluster.topic(q.topic) && this.cluster.topicError(q.topic) === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && attempt > 2) continue;
          retry.push(q);
          continue;
        }
        let a = byNode.get(leader);
        if (!a) byNode.set(leader, (a = []));
        a.push(q);
      }
      await Promise.all(
        [...byNode].map(async ([node, qs]) => {
          let res;
          try {
            res = await send(this.cluster.connection(node), qs);
          } catch (e) {
            if (!isRetriableError(e)) throw e;
            retry.push(...qs);
            return;
          }
          for (const r of res) {
            const q = qs.find((x) => x.topic === r.topic && x.partition === r.partition);
            if (q && isMetadataError(r.code) && isRetriable(r.code) && this.common.clock.monotonicMs() < deadline) retry.push(q);
            else out.set(tpKey(r.topic, r.partition), r.result);
          }
        }),
      );
      pending = retry;
    }
    return out;
  }

  /** DescribeLogDirs on each broker (all brokers by default). */
  async describeLogDirs(brokerIds?: readonly number[], options: CallOptions & { topics?: Array<{ topic: string; partitions: number[] }> } = {}): Promise<Map<number, LogDirDescription[]>> {
    const deadline = this.deadline(options);
    await this.retry(deadline, () => this.cluster.refresh());
    const ids = brokerIds ?? this.cluster.brokerList.map((b) => b.nodeId);
    const out = new Map<number, LogDirDescription[]>();
    await Promise.all(
      ids.map((id) =>
        this.retry(deadline, async () => {
          const res = await this.cluster.connection(id).request(ApiKey.DescribeLogDirs, () => ({
            topics: options.topics ? options.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) : null,
          }));
          if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, `DescribeLogDirs on broker ${id}`);
          out.set(
            id,
            res.results.map((d) => ({
              logDir: d.logDir,
              error: err(d.errorCode, null, `log dir ${d.logDir}`),
              totalBytes: Number(d.totalBytes),
              usableBytes: Number(d.usableBytes),
              replicas: d.topics.flatMap((t) =>
                t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: Number(p.partitionSize), offsetLag: Number(p.offsetLag), isFuture: p.isFutureKey })),
              ),
            })),
          );
        }),
      ),
    );
    return out;
  }
}

function groupTopics<T extends TopicPartition>(items: readonly T[]): Array<[string, T[]]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    let a = m.get(i.topic);
    if (!a) m.set(i.topic, (a = []));
    a.push(i);
  }
  return [...m];
}
