/**
 * The broker: wires storage, the metadata image, the group coordinator and
 * the request handlers to the network, and runs the background tasks
 * (retention, log cleaning, flushing, offset checkpoints) on their Kafka
 * intervals. Its metadata comes only from the committed metadata log (a
 * MetadataSource); it registers itself with the active controller, heartbeats,
 * serves clients once unfenced, and shuts down in a controlled way
 * (BrokerLifecycleManager).
 */
import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { Clock, Logger, Scheduler, ScheduledTask } from '@nagare/common';
import { ConfigResolver, EMPTY_IMAGE, MetadataDelta, MetadataImage, INTERNAL_TOPICS } from '@nagare/metadata';
import { ApiKey, ErrorCode, randomUuid } from '@nagare/protocol';
import { LogManager, PartitionLog } from '@nagare/storage';
import { BrokerLifecycleManager } from './broker-lifecycle';
import { SECURITY_PROTOCOLS, type KafkaConfig } from './config';
import type { ControllerClient, MetadataSource } from './controller-channel';
import { RequestDispatcher } from './dispatcher';
import { FetchSessionCache } from './fetch-session';
import { GroupCoordinator } from './group/coordinator';
import { consumerGroupHandlers, groupHandlers } from './group/handlers';
import { parseAssignors, type MigrationPolicy } from './group/config';
import { applyLeadership } from './group/leadership';
import { allHandlers } from './handlers';
import { HandlerRegistry } from './handlers/registry';
import { BoundListener, SocketServer } from './network/socket-server';
import { ProducerIdManager } from './producer-id-manager';
import { Purgatory } from './purgatory';
import { ReplicaManager } from './replica-manager';
import { ReplicaFetcherManager } from './replica-fetcher';
import type { BrokerServices } from './services';
import { OFFSETS_TOPIC, OffsetsTopic, TRANSACTION_STATE_TOPIC, TransactionStateTopic } from './offsets-topic';
import { InterBrokerSender } from './network/inter-broker';
import { TransactionCoordinator } from './transaction/coordinator';
import { TransactionVerifier } from './transaction/verifier';

/**
 * The metadata.version a new cluster is bootstrapped with and the highest this
 * node supports: Kafka 4.0's latest production level, 4.0-IV3 (feature level
 * 25; MetadataVersion.LATEST_PRODUCTION). The KRaft records we write are at
 * versions every level from 3.3-IV3 on reads.
 */
export const METADATA_VERSION = 25;
/** The release name of METADATA_VERSION, as `kafka-storage format` prints it. */
export const METADATA_VERSION_NAME = '4.0-IV3';

export { FEATURE_LEVELS, consumerProtocolFinalized, transactionVersion } from './features';
import { FEATURE_LEVELS, transactionVersion } from './features';

export interface BrokerOptions {
  config: KafkaConfig;
  clusterId: string;
  /** The metadata image, built by replaying the committed metadata log. */
  metadata: MetadataSource;
  /** Requests to the active controller. */
  controller: ControllerClient;
  logManager: LogManager;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
  /** This process's incarnation (default: a random UUID, new at every start). */
  incarnationId?: string;
  /** How long a shutdown waits for the controller to move leaderships away (5000 ms). */
  controlledShutdownTimeoutMs?: number;
}

export class Broker implements BrokerServices {
  readonly config: KafkaConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metadataVersion = METADATA_VERSION;
  readonly handlers: HandlerRegistry;
  readonly controller: ControllerClient;
  readonly lifecycle: BrokerLifecycleManager;
  readonly replicas: ReplicaManager;
  readonly fetchSessions = new FetchSessionCache();
  readonly producerIds: ProducerIdManager;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  readonly txnVerifier: TransactionVerifier;
  readonly interBroker: InterBrokerSender;
  readonly resolver: ConfigResolver;
  readonly purgatory: Purgatory;
  readonly replicaFetchers: ReplicaFetcherManager;
  private readonly logManager: LogManager;
  private readonly scheduler: Scheduler;
  private readonly offsetsTopic: OffsetsTopic;
  private readonly transactionStateTopic: TransactionStateTopic;
  /** The image the coordinators' leadership was last applied for. */
  private leadershipImage: MetadataImage = EMPTY_IMAGE;
  private readonly metadataSource: MetadataSource;
  private socketServer: SocketServer | null = null;
  private bound: BoundListener[] = [];
  private readonly tasks: ScheduledTask[] = [];
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private markReady: () => void = () => {};
  /** Requests wait for this: the broker is registered with the controller and unfenced. */
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));
  private registration: Promise<bigint> | null = null;

  private readonly options: BrokerOptions;

  constructor(opts: BrokerOptions) {
    this.options = opts;
    this.config = opts.config;
    this.nodeId = opts.config.nodeId;
    this.clusterId = opts.clusterId;
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.controller = opts.controller;
    this.metadataSource = opts.metadata;
    this.logManager = opts.logManager;
    this.scheduler = opts.scheduler;
    this.resolver = new ConfigResolver(opts.config.explicit, this.nodeId);
    this.purgatory = new Purgatory(opts.scheduler);
    this.replicas = new ReplicaManager(opts.logManager, this.nodeId, this.resolver, opts.clock, opts.logger.child({ component: 'replicas' }));
    this.replicas.onAppend((topic, partition) => this.purgatory.notify(Purgatory.key(topic, partition)));
    this.lifecycle = new BrokerLifecycleManager({
      nodeId: this.nodeId,
      clusterId: opts.clusterId,
      incarnationId: opts.incarnationId ?? randomUuid(randomBytes),
      controller: opts.controller,
      metadata: opts.metadata,
      clock: opts.clock,
      scheduler: opts.scheduler,
      logger: opts.logger.child({ component: 'lifecycle' }),
      heartbeatIntervalMs: opts.config.int('broker.heartbeat.interval.ms'),
      maxMetadataVersion: METADATA_VERSION,
      features: FEATURE_LEVELS,
    });
    this.producerIds = new ProducerIdManager(opts.controller, this.nodeId, () => this.lifecycle.brokerEpoch);
    this.offsetsTopic = new OffsetsTopic(this, opts.config.int('offsets.topic.num.partitions'));
    this.groups = new GroupCoordinator({
      store: this.offsetsTopic,
      leadership: 'external',
      clock: opts.clock,
      scheduler: opts.scheduler,
      logger: opts.logger.child({ component: 'groups' }),
      nodeId: this.nodeId,
      config: {
        groupMinSessionTimeoutMs: opts.config.int('group.min.session.timeout.ms'),
        groupMaxSessionTimeoutMs: opts.config.int('group.max.session.timeout.ms'),
        groupInitialRebalanceDelayMs: opts.config.int('group.initial.rebalance.delay.ms'),
        groupMaxSize: opts.config.int('group.max.size'),
        offsetsRetentionMinutes: opts.config.int('offsets.retention.minutes'),
        offsetsRetentionCheckIntervalMs: opts.config.int('offsets.retention.check.interval.ms'),
        offsetMetadataMaxBytes: opts.config.int('offset.metadata.max.bytes'),
        offsetsTopicNumPartitions: opts.config.int('offsets.topic.num.partitions'),
        consumerGroupSessionTimeoutMs: opts.config.int('group.consumer.session.timeout.ms'),
        consumerGroupMinSessionTimeoutMs: opts.config.int('group.consumer.min.session.timeout.ms'),
        consumerGroupMaxSessionTimeoutMs: opts.config.int('group.consumer.max.session.timeout.ms'),
        consumerGroupHeartbeatIntervalMs: opts.config.int('group.consumer.heartbeat.interval.ms'),
        consumerGroupMinHeartbeatIntervalMs: opts.config.int('group.consumer.min.heartbeat.interval.ms'),
        consumerGroupMaxHeartbeatIntervalMs: opts.config.int('group.consumer.max.heartbeat.interval.ms'),
        consumerGroupMaxSize: opts.config.int('group.consumer.max.size'),
        consumerGroupAssignors: parseAssignors(opts.config.list('group.consumer.assignors').join(',')),
        consumerGroupMigrationPolicy: (opts.config.get('group.consumer.migration.policy') ?? 'bidirectional').toLowerCase() as MigrationPolicy,
        consumerProtocolEnabled: opts.config.list('group.coordinator.rebalance.protocols').includes('consumer'),
      },
      metadata: () => this.metadata(),
    });
    this.interBroker = new InterBrokerSender(this, opts.logger.child({ component: 'inter-broker' }), opts.config.int('request.timeout.ms'));
    const c = opts.config;
    this.replicaFetchers = new ReplicaFetcherManager(
      this.nodeId,
      {
        numFetchers: Math.max(1, c.int('num.replica.fetchers')),
        fetchMaxBytes: c.int('replica.fetch.max.bytes'),
        fetchResponseMaxBytes: c.int('replica.fetch.response.max.bytes'),
        fetchMinBytes: c.int('replica.fetch.min.bytes'),
        fetchWaitMaxMs: c.int('replica.fetch.wait.max.ms'),
        fetchBackoffMs: c.int('replica.fetch.backoff.ms'),
        requestTimeoutMs: c.int('replica.socket.timeout.ms'),
      },
      this.replicas,
      this.interBroker,
      () => this.lifecycle.brokerEpoch,
      opts.clock,
      opts.scheduler,
      opts.logger.child({ component: 'replica-fetcher' }),
    );
    this.replicas.configureReplication({
      replicaLagTimeMaxMs: c.int('replica.lag.time.max.ms'),
      alterPartition: (req) => this.controller.send(ApiKey.AlterPartition, req, { version: 3 }),
      brokerEpoch: () => this.lifecycle.brokerEpoch,
      image: () => this.metadata(),
      onFollowerChange: (p, leaderId) => this.replicaFetchers.follow(p, leaderId),
    });
    this.txnVerifier = new TransactionVerifier(this, this.interBroker, opts.logger.child({ component: 'txn-verification' }));
    this.replicas.setTransactionVerification(opts.config.bool('transaction.partition.verification.enable'));
    this.transactionStateTopic = new TransactionStateTopic(this, opts.config.int('transaction.state.log.num.partitions'));
    this.transactions = new TransactionCoordinator({
      store: this.transactionStateTopic,
      leadership: 'external',
      clock: opts.clock,
      scheduler: opts.scheduler,
      logger: opts.logger.child({ component: 'transactions' }),
      config: {
        transactionalIdExpirationMs: opts.config.int('transactional.id.expiration.ms'),
        transactionMaxTimeoutMs: opts.config.int('transaction.max.timeout.ms'),
        abortTimedOutTransactionsIntervalMs: opts.config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
        removeExpiredTransactionalIdsIntervalMs: opts.config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
      },
      generateProducerId: () => this.producerIds.generate(),
      transactionVersion: () => transactionVersion(this.metadata()),
      leaderOf: (topic, partition) => {
        const p = this.metadata().topicsByName.get(topic)?.partitions.get(partition);
        return p === undefined ? undefined : p.leader;
      },
      sendMarkers: (nodeId, request) => this.interBroker.send(nodeId, ApiKey.WriteTxnMarkers, 1, request),
      offsetsTopicPartitions: opts.config.int('offsets.topic.num.partitions'),
    });
    this.handlers = new HandlerRegistry([...allHandlers, ...groupHandlers, ...consumerGroupHandlers]);
  }

  /** The listeners bound (broker and controller), with the ports actually bound. */
  boundListeners(): BoundListener[] {
    return this.bound;
  }

  metadata(): MetadataImage {
    return this.metadataSource.image();
  }

  /** The broker epoch from the controller (-1 before registration). */
  get brokerEpoch(): bigint {
    return this.lifecycle.brokerEpoch;
  }

  async autoCreateTopics(names: string[]): Promise<void> {
    const res = await this.controller.createTopics(
      {
        topics: names.map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] })),
        timeoutMs: 30000,
        validateOnly: false,
      },
      7,
    );
    // The topics arrive in this broker's image when it replays their records: wait a moment for it,
    // so the Metadata answer that triggered the creation can already describe them.
    const created = res.topics.filter((t) => t.errorCode === 0 || t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS).map((t) => t.name);
    await this.waitForTopics(created, 2000);
    for (const t of res.topics) {
      if (t.errorCode !== 0 && t.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        this.logger.warn({ topic: t.name, error: t.errorMessage }, 'auto topic creation failed');
      } else if (t.errorCode === 0) {
        this.logger.info({ topic: t.name, partitions: t.numPartitions }, 'created topic (auto.create.topics.enable)');
      }
    }
  }

  /** Resolves when every named topic is in the image, or after `timeoutMs`. */
  waitForTopics(names: readonly string[], timeoutMs: number): Promise<void> {
    const has = () => names.every((n) => this.metadataSource.image().topicsByName.has(n));
    if (has()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let unsubscribe = () => {};
      const timer = this.scheduler.schedule(timeoutMs, () => {
        unsubscribe();
        resolve();
      });
      unsubscribe = this.metadataSource.subscribe({
        onMetadataUpdate: () => {
          if (!has()) return;
          timer.cancel();
          unsubscribe();
          resolve();
        },
      });
    });
  }

  logDirs(): Array<{ dir: string; offline: boolean; logs: PartitionLog[]; totalBytes: bigint; usableBytes: bigint }> {
    const offline = new Set(this.logManager.offlineDirs());
    return this.config.logDirs.map((dir) => {
      let totalBytes = -1n;
      let usableBytes = -1n;
      try {
        const st = statfsSync(dir, { bigint: true });
        totalBytes = st.blocks * st.bsize;
        usableBytes = st.bavail * st.bsize;
      } catch {
        // unknown
      }
      const logs = this.logManager.allLogs().filter((l) => l.dir.startsWith(dir + '/') && !(INTERNAL_TOPICS.has(l.topic) === false && l.topic === '__cluster_metadata'));
      return { dir, offline: offline.has(dir), logs, totalBytes, usableBytes };
    });
  }

  /**
   * Applies the current image, loads groups, binds the broker listeners and starts registering with
   * the controller (with the ports actually bound, when a listener asked for port 0). Requests are
   * held until the controller has unfenced the broker (`whenReady`).
   */
  async start(): Promise<BoundListener[]> {
    const image = this.metadataSource.image();
    this.replicas.applyImage(image, { ...image, topicsById: new Map(), topicsByName: new Map() });
    this.applyDynamicConfigs(image);
    this.unsubscribe = this.metadataSource.subscribe({ onMetadataUpdate: (delta, next) => this.onMetadata(delta, next) });
    await this.groups.start();
    await this.transactions.start();
    // The coordinators' shards: the __consumer_offsets and __transaction_state partitions this node leads.
    await this.applyCoordinatorLeadership(image);
    this.scheduleBackgroundTasks();
    const network = (listeners: Array<{ listener: string; host: string; port: number }>, registry: HandlerRegistry, component: string) =>
      new SocketServer({
        listeners: listeners.map((l) => ({ name: l.listener, host: l.host, port: l.port })),
        handler: new RequestDispatcher(this, registry, this.logger.child({ component }), this.readyPromise),
        logger: this.logger.child({ component: 'network' }),
        maxRequestSize: this.config.int('socket.request.max.bytes'),
        idleTimeoutMs: this.config.int('connections.max.idle.ms'),
        maxInFlightPerConnection: this.config.int('queued.max.requests'),
      });
    this.socketServer = network(this.config.brokerListeners, this.handlers, 'requests');
    this.bound = await this.socketServer.start();
    const protocols = this.config.securityProtocolMap;
    const listeners = this.config.advertisedListeners.map((e) => {
      const bound = this.bound.find((l) => l.name === e.listener);
      return {
        name: e.listener,
        host: e.host,
        port: e.port === 0 && bound ? bound.boundPort : e.port,
        securityProtocol: SECURITY_PROTOCOLS[protocols.get(e.listener) ?? e.listener] ?? 0,
      };
    });
    this.registration = this.lifecycle.start(listeners, this.config.get('broker.rack'));
    this.registration.then(
      () => this.markReady(),
      (e) => this.logger.error({ err: (e as Error).message }, 'the broker could not register with the controller'),
    );
    return this.bound;
  }

  /** Resolves with the broker epoch once the controller has registered and unfenced this broker. */
  whenReady(): Promise<bigint> {
    if (this.registration === null) return Promise.reject(new Error('the broker is not started'));
    return this.registration;
  }

  private onMetadata(delta: MetadataDelta, image: MetadataImage): void {
    const changes = delta.changes();
    this.replicas.applyDelta(changes, image);
    this.applyDynamicConfigs(image);
    const deleted = [...changes.deletedTopics.values()].map((t) => t.name);
    if (deleted.length > 0) {
      void this.groups.onTopicsDeleted(deleted);
      for (const name of deleted) this.logger.info({ topic: name }, 'deleted topic');
    }
    this.groups.onMetadataImage(image, this.leadershipImage);
    void this.applyCoordinatorLeadership(image);
  }

  /**
   * Loads the coordinators' shards of the `__consumer_offsets` and
   * `__transaction_state` partitions this broker has come to lead, and unloads
   * those it no longer leads (Kafka's onElection/onResignation).
   */
  private applyCoordinatorLeadership(image: MetadataImage): Promise<void> {
    const previous = this.leadershipImage;
    this.leadershipImage = image;
    return Promise.all([
      applyLeadership(this.groups, this.nodeId, OFFSETS_TOPIC, image, previous),
      applyLeadership(this.transactions, this.nodeId, TRANSACTION_STATE_TOPIC, image, previous),
    ]).then(() => undefined);
  }

  /** Cluster-wide dynamic configs the broker reads from the image (kafka-configs --entity-type brokers --entity-default). */
  private applyDynamicConfigs(image: MetadataImage): void {
    const v = this.resolver.brokerValue(image, 'transaction.partition.verification.enable');
    const enabled = v === null ? this.config.bool('transaction.partition.verification.enable') : v.trim().toLowerCase() === 'true';
    if (enabled !== this.replicas.transactionVerificationEnabled) {
      this.replicas.setTransactionVerification(enabled);
      this.logger.info({ enabled }, 'transaction.partition.verification.enable changed');
    }
  }

  private every(ms: number, name: string, fn: () => void | Promise<unknown>): void {
    if (!(ms > 0) || ms >= Number.MAX_SAFE_INTEGER) return;
    const run = () => {
      if (this.stopped) return;
      Promise.resolve()
        .then(fn)
        .catch((e) => this.logger.error({ task: name, err: (e as Error).stack }, 'background task failed'))
        .finally(() => {
          if (!this.stopped) this.tasks.push(this.scheduler.schedule(ms, run));
        });
    };
    this.tasks.push(this.scheduler.schedule(ms, run));
  }

  private scheduleBackgroundTasks(): void {
    const c = this.config;
    this.every(c.int('log.retention.check.interval.ms'), 'retention', () => {
      const deleted = this.logManager.runRetention();
      if (deleted > 0) this.logger.info({ segments: deleted }, 'deleted log segments past retention');
    });
    if (c.bool('log.cleaner.enable')) {
      this.every(Math.min(c.int('log.cleaner.backoff.ms'), 15000), 'log cleaner', () => this.logManager.runCleaner());
    }
    const flushMs = c.get('log.flush.interval.ms') !== null ? Number(c.get('log.flush.interval.ms')) : Number.MAX_SAFE_INTEGER;
    const scheduler = Number(c.get('log.flush.scheduler.interval.ms'));
    const flushCheck = Math.min(Number.isFinite(scheduler) ? scheduler : Number.MAX_SAFE_INTEGER, 1000);
    if (flushMs < Number.MAX_SAFE_INTEGER || this.replicas.all().some((p) => p.log.config.flushMs < Number.MAX_SAFE_INTEGER)) {
      this.every(flushCheck, 'flush', () => this.logManager.flushDue());
    }
    this.every(c.int('log.flush.offset.checkpoint.interval.ms'), 'checkpoint', () => this.logManager.checkpoint());
    // Kafka's isr-expiration task: every half of replica.lag.time.max.ms.
    this.every(Math.max(1, Math.floor(c.int('replica.lag.time.max.ms') / 2)), 'isr-expiration', () => this.replicas.maybeShrinkIsr());
  }

  /**
   * Stops: a controlled shutdown first (the controller moves this broker's leaderships away, up to
   * `controlledShutdownTimeoutMs`), then the listeners, purgatories and groups.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.lifecycle.brokerEpoch >= 0 && !this.lifecycle.isFenced) {
      const granted = await this.lifecycle.controlledShutdown(this.options.controlledShutdownTimeoutMs ?? 5000);
      this.logger.info({ granted }, granted ? 'controlled shutdown complete' : 'controlled shutdown not confirmed by the controller');
    }
    this.stopped = true;
    this.lifecycle.close();
    this.markReady();
    for (const t of this.tasks) t.cancel();
    this.unsubscribe?.();
    await this.socketServer?.stop();
    this.replicaFetchers.close();
    this.purgatory.completeAll();
    await this.transactions.shutdown();
    await this.groups.shutdown();
    this.interBroker.close();
  }
}
