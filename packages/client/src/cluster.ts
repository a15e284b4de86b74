/**
 * The client's view of the cluster: bootstrap, Metadata requests, broker
 * discovery, one connection per broker (plus a separate one per coordinator,
 * as the Java client keeps), partition leaders, and coordinator lookup.
 *
 * Metadata is refreshed when it is older than metadata.max.age.ms, when a
 * caller asks for topics it does not know, when a connection drops, and when
 * a caller reports an error that means the metadata is stale
 * (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE,
 * FENCED_LEADER_EPOCH, ...): see `requestUpdate`.
 */
import { NagareError, ScheduledTask } from '@nagare/common';
import {
  ApiKey,
  ErrorCode,
  KafkaProtocolError,
  MetadataResponse,
  RequestByKey,
  ResponseByKey,
  ZERO_UUID,
  isRetriable,
} from '@nagare/protocol';
import { ResolvedCommonOptions, sleep } from './config';
import { BrokerConnection, RequestOptions } from './network/connection';

type AnyKey = keyof RequestByKey & keyof ResponseByKey;

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  /** By partition index. */
  partitions: PartitionInfo[];
  /** Partitions with a leader, ascending. */
  availablePartitions: number[];
}

export enum CoordinatorType {
  Group = 0,
  Transaction = 1,
}

/** Errors after which the client refreshes metadata before retrying. */
export function isMetadataError(code: number): boolean {
  switch (code) {
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.LEADER_NOT_AVAILABLE:
    case ErrorCode.FENCED_LEADER_EPOCH:
    case ErrorCode.UNKNOWN_LEADER_EPOCH:
    case ErrorCode.KAFKA_STORAGE_ERROR:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.REPLICA_NOT_AVAILABLE:
    case ErrorCode.UNKNOWN_TOPIC_ID:
    case ErrorCode.INCONSISTENT_TOPIC_ID:
    case ErrorCode.OFFSET_NOT_AVAILABLE:
    case ErrorCode.NOT_CONTROLLER:
      return true;
    default:
      return false;
  }
}

/** Errors after which a coordinator must be looked up again. */
export function isCoordinatorError(code: number): boolean {
  return code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

/** Whether an exception from a request is worth retrying (connection trouble, timeouts, retriable Kafka errors). */
export function isRetriableError(e: unknown): boolean {
  if (e instanceof NagareError) return e.retriable;
  if (e instanceof KafkaProtocolError) return e.retriable;
  return false;
}

export class Cluster {
  readonly options: ResolvedCommonOptions;
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly topicErrors = new Map<string, number>();
  private readonly interest = new Set<string>();
  private allTopics = false;
  private refreshLoop: Promise<void> | null = null;
  private refreshWanted = false;
  private lastRefreshMs = -Infinity;
  private lastFailedRefreshMs = -Infinity;
  private refreshFailures = 0;
  private ageTimer: ScheduledTask | null = null;
  private bootstrapIndex = 0;
  private closed = false;
  private readonly coordinators = new Map<string, BrokerInfo>();
  private readonly listeners: Array<() => void> = [];
  /** Whether Metadata requests may auto-create topics (producers and consumers: true, admin: false). */
  allowAutoTopicCreation: boolean;
  clusterId: string | null = null;
  controllerId = -1;

  constructor(options: ResolvedCommonOptions, allowAutoTopicCreation = true) {
    this.options = options;
    this.allowAutoTopicCreation = allowAutoTopicCreation;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called after every metadata update. */
  onMetadata(listener: () => void): void {
    this.listeners.push(listener);
  }

  get brokerList(): BrokerInfo[] {
    return [...this.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.brokers.get(nodeId);
  }

  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  /** Topic names in the current metadata. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** The last error Metadata gave for a topic (e.g. UNKNOWN_TOPIC_OR_PARTITION), if any. */
  topicError(name: string): number | undefined {
    return this.topicErrors.get(name);
  }

  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /** Adds topics to those kept in the metadata; returns true if any is new. */
  addTopics(topics: Iterable<string>): boolean {
    let added = false;
    for (const t of topics) {
      if (!this.interest.has(t)) {
        this.interest.add(t);
        added = true;
      }
    }
    return added;
  }

  /** Sets the topics kept in the metadata (a consumer's subscription). */
  setTopics(topics: Iterable<string>): void {
    this.interest.clear();
    for (const t of topics) this.interest.add(t);
  }

  /** Fetch metadata for every topic (regex subscriptions). */
  setAllTopics(all: boolean): void {
    this.allTopics = all;
  }

  // ---- connections --------------------------------------------------------

  private makeConnection(key: string, nodeId: number, host: string, port: number, watch: boolean): BrokerConnection {
    const o = this.options;
    const c = new BrokerConnection(nodeId, host, port, {
      clientId: o.clientId,
      requestTimeoutMs: o.requestTimeoutMs,
      connectionSetupTimeoutMs: o.socketConnectionSetupTimeoutMs,
      maxInFlight: o.maxInFlightRequestsPerConnection,
      reconnectBackoff: o.reconnectBackoff,
      maxApiVersions: o.maxApiVersions,
      clock: o.clock,
      scheduler: o.scheduler,
      logger: o.logger.child({ broker: nodeId }),
    });
    if (watch) c.onDisconnect(() => this.requestUpdate());
    this.connections.set(key, c);
    return c;
  }

  /** The connection to a broker (created on first use; connects lazily). */
  connection(nodeId: number): BrokerConnection {
    if (this.closed) throw new NagareError('CLIENT_CLOSED', 'the client is closed');
    const key = String(nodeId);
    const existing = this.connections.get(key);
    const info = this.brokers.get(nodeId);
    if (existing && (!info || (existing.host === info.host && existing.port === info.port))) return existing;
    if (!info) throw new NagareError('NO_BROKERS', `broker ${nodeId} is not in the cluster metadata`);
    existing?.close();
    return this.makeConnection(key, nodeId, info.host, info.port, true);
  }

  /** A separate connection to a coordinator, so that group traffic does not queue behind fetches. */
  coordinatorConnection(info: BrokerInfo): BrokerConnection {
    if (this.closed) throw new NagareError('CLIENT_CLOSED', 'the client is closed');
    const key = `coordinator:${info.nodeId}`;
    const existing = this.connections.get(key);
    if (existing && existing.host === info.host && existing.port === info.port) return existing;
    existing?.close();
    return this.makeConnection(key, info.nodeId, info.host, info.port, false);
  }

  /**
   * The least loaded broker to send a cluster-wide request to: a connected
   * broker with the fewest requests in flight, else a known broker, else a
   * bootstrap server.
   */
  anyConnection(exclude?: Set<BrokerConnection>): BrokerConnection {
    if (this.closed) throw new NagareError('CLIENT_CLOSED', 'the client is closed');
    let best: BrokerConnection | null = null;
    for (const [key, c] of this.connections) {
      if (key.startsWith('coordinator:') || key.startsWith('bootstrap:')) continue;
      if (!c.isReady || exclude?.has(c)) continue;
      if (!this.brokers.has(c.nodeId)) continue;
      if (best === null || c.inFlightCount < best.inFlightCount) best = c;
    }
    if (best) return best;
    const known = this.brokerList.filter((b) => !exclude || ![...exclude].some((c) => c.nodeId === b.nodeId));
    if (known.length > 0) return this.connection(known[Math.floor(Math.random() * known.length)].nodeId);
    const servers = this.options.bootstrapServers;
    for (let i = 0; i < servers.length; i++) {
      const idx = (this.bootstrapIndex + i) % servers.length;
      const key = `bootstrap:${idx}`;
      const c = this.connections.get(key) ?? this.makeConnection(key, -1 - idx, servers[idx].host, servers[idx].port, false);
      if (exclude?.has(c)) continue;
      this.bootstrapIndex = idx + 1;
      return c;
    }
    throw new NagareError('NO_BROKERS', 'no broker left to try');
  }

  /**
   * Sends to any broker, trying others on connection failures (each broker
   * at most once per call).
   */
  async sendAny<K extends AnyKey>(apiKey: K, build: (version: number) => RequestByKey[K], options?: RequestOptions): Promise<ResponseByKey[K]> {
    const tried = new Set<BrokerConnection>();
    let lastError: unknown = new NagareError('NO_BROKERS', 'no broker available');
    for (let attempt = 0; attempt < 4 + this.brokers.size + this.options.bootstrapServers.length; attempt++) {
      let c: BrokerConnection;
      try {
        c = this.anyConnection(tried);
      } catch (e) {
        if (e instanceof NagareError && e.kind === 'NO_BROKERS') break;
        throw e;
      }
      tried.add(c);
      try {
        return await c.request(apiKey, build, options);
      } catch (e) {
        lastError = e;
        if (!(e instanceof NagareError && (e.kind === 'CONNECTION_FAILED' || e.kind === 'REQUEST_TIMED_OUT'))) throw e;
      }
    }
    throw lastError;
  }

  // ---- metadata -----------------------------------------------------------

  /** Asks for a metadata refresh soon (coalesced, with retry backoff after failures). */
  requestUpdate(): void {
    if (this.closed) return;
    this.refresh().catch((e) => this.options.logger.debug({ err: (e as Error).message }, 'metadata refresh failed'));
  }

  /** Refreshes metadata now (joining a refresh in progress, then running one more if asked meanwhile). */
  refresh(): Promise<void> {
    this.refreshWanted = true;
    if (this.refreshLoop) return this.refreshLoop;
    const loop = (async () => {
      try {
        while (this.refreshWanted && !this.closed) {
          this.refreshWanted = false;
          const since = this.options.clock.monotonicMs() - this.lastFailedRefreshMs;
          const backoff = this.refreshFailures > 0 ? this.options.retryBackoff.backoff(this.refreshFailures - 1) : 0;
          if (since < backoff) await sleep(this.options.scheduler, backoff - since);
          try {
            await this.fetchMetadata();
            this.refreshFailures = 0;
          } catch (e) {
            this.refreshFailures++;
            this.lastFailedRefreshMs = this.options.clock.monotonicMs();
            throw e;
          }
        }
      } finally {
        this.refreshLoop = null;
      }
    })();
    this.refreshLoop = loop;
    return loop;
  }

  /** Refreshes unless the metadata is younger than `maxAgeMs`. */
  async maybeRefresh(maxAgeMs = this.options.metadataMaxAgeMs): Promise<void> {
    if (this.options.clock.monotonicMs() - this.lastRefreshMs >= maxAgeMs) await this.refresh();
  }

  private async fetchMetadata(): Promise<void> {
    const topics = this.allTopics ? null : [...this.interest];
    const res = await this.sendAny(
      ApiKey.Metadata,
      () => ({
        topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
        allowAutoTopicCreation: this.allowAutoTopicCreation,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
      { minVersion: 1 },
    );
    this.applyMetadata(res, topics);
  }

  /**
   * What a controller's DescribeCluster (endpoint type 2, KIP-919) says: the controllers stand in for
   * the brokers and `controllerId` is the active controller. `null` forgets the active controller.
   */
  applyControllers(nodes: BrokerInfo[] | null, controllerId: number, clusterId: string | null): void {
    if (this.closed) return;
    this.controllerId = controllerId;
    if (nodes === null) return;
    this.clusterId = clusterId;
    const seen = new Set(nodes.map((n) => n.nodeId));
    for (const n of nodes) this.brokers.set(n.nodeId, n);
    for (const id of [...this.brokers.keys()]) if (!seen.has(id)) this.brokers.delete(id);
  }

  /** Applies a Metadata response (exposed for tests). */
  applyMetadata(res: MetadataResponse, requested: string[] | null): void {
    if (this.closed) return;
    if (res.errorCode) throw new KafkaProtocolError(res.errorCode, 'Metadata');
    if (res.brokers.length > 0) {
      const seen = new Set<number>();
      for (const b of res.brokers) {
        seen.add(b.nodeId);
        this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
      }
      for (const id of [...this.brokers.keys()]) if (!seen.has(id)) this.brokers.delete(id);
      // The bootstrap connections are not needed once brokers are known.
      for (const [key, c] of [...this.connections]) {
        if (key.startsWith('bootstrap:') && c.inFlightCount === 0) {
          c.close();
          this.connections.delete(key);
        }
      }
    }
    this.clusterId = res.clusterId;
    this.controllerId = res.controllerId;
    const returned = new Set<string>();
    for (const t of res.topics) {
      if (t.name === null) continue;
      returned.add(t.name);
      if (t.errorCode !== ErrorCode.NONE && t.partitions.length === 0) {
        this.topicErrors.set(t.name, t.errorCode);
        if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION) this.topics.delete(t.name);
        continue;
      }
      if (t.errorCode !== ErrorCode.NONE) this.topicErrors.set(t.name, t.errorCode);
      else this.topicErrors.delete(t.name);
      const partitions: PartitionInfo[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        };
      }
      for (let i = 0; i < partitions.length; i++) {
        if (!partitions[i]) partitions[i] = { partition: i, leader: -1, leaderEpoch: -1, replicas: [], isr: [], offlineReplicas: [], errorCode: ErrorCode.LEADER_NOT_AVAILABLE };
      }
      const availablePartitions = partitions.filter((p) => p.leader >= 0 && this.brokers.has(p.leader)).map((p) => p.partition);
      this.topics.set(t.name, { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions, availablePartitions });
    }
    // Topics asked for and not returned, or dropped from a full listing, are gone.
    if (requested === null) {
      for (const name of [...this.topics.keys()]) if (!returned.has(name)) this.topics.delete(name);
    }
    this.lastRefreshMs = this.options.clock.monotonicMs();
    this.scheduleAgeRefresh();
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.options.logger.warn({ err: (e as Error).message }, 'metadata listener failed');
      }
    }
  }

  private scheduleAgeRefresh(): void {
    this.ageTimer?.cancel();
    this.ageTimer = this.options.scheduler.schedule(this.options.metadataMaxAgeMs, () => {
      this.ageTimer = null;
      this.requestUpdate();
    });
  }

  /**
   * Makes sure metadata has the given topics with leaders for every
   * partition, refreshing (with backoff) until `timeoutMs`. Resolves with the
   * topics found; throws the topic's error for a topic that stays unknown
   * or fails with a non-retriable error.
   */
  async waitForTopics(names: readonly string[], timeoutMs: number, requireLeaders = true): Promise<TopicInfo[]> {
    const added = this.addTopics(names);
    const deadline = this.options.clock.monotonicMs() + timeoutMs;
    const ready = () =>
      names.every((n) => {
        const t = this.topics.get(n);
        return t !== undefined && (!requireLeaders || t.availablePartitions.length === t.partitions.length);
      });
    let first = added || !ready();
    for (let attempt = 0; ; attempt++) {
      if (!first && ready()) return names.map((n) => this.topics.get(n)!);
      for (const n of names) {
        const err = this.topicErrors.get(n);
        if (err !== undefined && !isRetriable(err) && err !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new KafkaProtocolError(err, `topic ${n}`);
      }
      const left = deadline - this.options.clock.monotonicMs();
      if (left <= 0) {
        const missing = names.find((n) => !this.topics.has(n));
        if (missing !== undefined) {
          const err = this.topicErrors.get(missing) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          throw new KafkaProtocolError(err, `topic ${missing} not present in metadata after ${timeoutMs} ms`);
        }
        if (!requireLeaders) return names.map((n) => this.topics.get(n)!);
        throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for some partitions of ${names.join(', ')} after ${timeoutMs} ms`);
      }
      if (!first) await sleep(this.options.scheduler, Math.min(left, this.options.retryBackoff.backoff(attempt)));
      first = false;
      try {
        await this.refresh();
      } catch (e) {
        if (!isRetriableError(e)) throw e;
      }
    }
  }

  // ---- coordinators -------------------------------------------------------

  /**
   * Looks up the coordinators of `keys` (FindCoordinator; batched in one
   * request from v4 on when the broker supports it), retrying retriable
   * errors until `timeoutMs`. Returns the coordinator of each key.
   */
  async findCoordinators(keys: readonly string[], type: CoordinatorType, timeoutMs = this.options.requestTimeoutMs): Promise<Map<string, BrokerInfo>> {
    const result = new Map<string, BrokerInfo>();
    let pending = [...new Set(keys)].filter((k) => {
      const c = this.coordinators.get(`${type}:${k}`);
      if (c) result.set(k, c);
      return !c;
    });
    const deadline = this.options.clock.monotonicMs() + timeoutMs;
    let lastError: unknown;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        const left = deadline - this.options.clock.monotonicMs();
        if (left <= 0) {
          throw lastError instanceof Error ? lastError : new KafkaProtocolError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no coordinator for ${pending.join(', ')}`);
        }
        await sleep(this.options.scheduler, Math.min(left, this.options.retryBackoff.backoff(attempt - 1)));
      }
      const failed: string[] = [];
      try {
        const conn = this.anyConnection();
        await conn.connect();
        const batched = conn.versionFor(ApiKey.FindCoordinator, 4) >= 4;
        const groups = batched ? [pending] : pending.map((k) => [k]);
        await Promise.all(
          groups.map(async (group) => {
            const res = await conn.request(ApiKey.FindCoordinator, (v) =>
              v >= 4 ? { key: '', keyType: type, coordinatorKeys: group } : { key: group[0], keyType: type, coordinatorKeys: [] },
            );
            const entries =
              res.coordinators.length > 0
                ? res.coordinators
                : [{ key: group[0], nodeId: res.nodeId, host: res.host, port: res.port, errorCode: res.errorCode, errorMessage: res.errorMessage }];
            for (const e of entries) {
              if (e.errorCode === ErrorCode.NONE) {
                const info: BrokerInfo = { nodeId: e.nodeId, host: e.host, port: e.port, rack: null };
                this.coordinators.set(`${type}:${e.key}`, info);
                result.set(e.key, info);
              } else if (isRetriable(e.errorCode)) {
                lastError = new KafkaProtocolError(e.errorCode, e.errorMessage ?? `FindCoordinator for ${e.key}`);
                failed.push(e.key);
              } else {
                throw new KafkaProtocolError(e.errorCode, e.errorMessage ?? `FindCoordinator for ${e.key}`);
              }
            }
          }),
        );
      } catch (e) {
        if (!isRetriableError(e)) throw e;
        lastError = e;
        pending = pending.filter((k) => !result.has(k));
        continue;
      }
      pending = failed;
    }
    return result;
  }

  async findCoordinator(key: string, type: CoordinatorType = CoordinatorType.Group, timeoutMs?: number): Promise<BrokerInfo> {
    return (await this.findCoordinators([key], type, timeoutMs)).get(key)!;
  }

  /** Forgets a coordinator after NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE or a disconnect. */
  invalidateCoordinator(key: string, type: CoordinatorType = CoordinatorType.Group): void {
    this.coordinators.delete(`${type}:${key}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ageTimer?.cancel();
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}
