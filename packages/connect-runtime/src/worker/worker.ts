/**
 * `Worker`: instantiates connectors and tasks from plugins, gives each
 * source task its own (idempotent) producer and each sink task its own
 * consumer in group `connect-<connector>`, wires converters, transforms and
 * error handling, and stops tasks within `task.shutdown.graceful.timeout.ms`.
 */
import { Admin, Consumer, Producer } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { ConnectException, type Connector, type ConnectorContext, type Converter, type HeaderConverter, type SinkTask, type SourceTask, type TopicPartition } from '@nagare/connect-api';
import type { WorkerConfig } from '../config/worker-config';
import { DeadLetterQueueReporter, LogReporter, RetryWithToleranceOperator, errorHandlingConfig } from '../errors/retry-with-tolerance';
import { traceOf, type ConnectorTaskId, type TargetState } from '../herder/status';
import type { Plugins } from '../plugins/plugins';
import type { OffsetBackingStore } from '../storage/file-offset-store';
import { adminClientOptions, consumerClientOptions, producerClientOptions } from '../util/client-config';
import { withPrefix } from '../util/properties';
import { connectorOffsets, offsetKey } from '../storage/offset-storage';
import { BadRequestLike } from '../herder/errors';
import type { ConnectorOffsets } from '../herder/herder';
import { offsetStorageReader } from '../storage/offset-storage';
import { transformationChain } from './transformations';
import { WorkerSinkTask } from './worker-sink-task';
import { WorkerSourceTask } from './worker-source-task';
import type { TaskStatusListener, WorkerTask } from './worker-task';
import { ExactlyOnceWorkerSourceTask } from './exactly-once-worker-source-task';
import { ConnectorOffsetBackingStore } from '../storage/connector-offset-store';
import type { KafkaOffsetBackingStore } from '../storage/kafka-offset-store';
import { sourceExactlyOnceConfig } from '../config/connector-config';
import { taskTransactionalId } from '../distributed/distributed-config';

/**
 * What a distributed worker adds (KIP-618): exactly-once source tasks and
 * connector-specific offsets topics (`offsets.storage.topic`), which the
 * standalone worker does not have.
 */
export interface WorkerDistributedOptions {
  /** `exactly.once.source.support=enabled`. */
  exactlyOnceSourceEnabled: boolean;
  /** The worker's `group.id` (the prefix of task transactional ids). */
  groupId: string;
  /** The worker's `offset.storage.topic`. */
  offsetsTopic: string;
  /**
   * Creates and starts a Kafka-backed offset store on another offsets topic
   * (created like the worker's, compacted), read read_committed, with the
   * given client properties (the worker's with the connector's overrides).
   */
  openOffsetStore(topic: string, clientId: string, props: Record<string, string>): Promise<KafkaOffsetBackingStore>;
}

/** The round of zombie fencing and the generation check around an exactly-once task's producer (the herder's). */
export interface ExactlyOnceTaskChecks {
  preProducerCheck: () => Promise<void>;
  postProducerCheck: () => Promise<void>;
}

export interface ConnectorStatusListener {
  onStartup(name: string): void;
  onPause(name: string): void;
  onResume(name: string): void;
  onStop(name: string): void;
  onFailure(name: string, e: Error): void;
  onShutdown(name: string): void;
}

interface RunningConnector {
  name: string;
  connector: Connector;
  props: Record<string, string>;
  type: 'source' | 'sink';
  state: TargetState;
  /** Closes the connector's own offset store, if it has one. */
  closeOffsets?: () => Promise<void>;
}

export class Worker {
  private readonly connectors = new Map<string, RunningConnector>();
  private readonly tasks = new Map<string, WorkerTask>();
  private sharedAdmin: Admin | null = null;
  /** Topic tracking (KIP-558, `topic.tracking.enable`): called the first time a task uses a topic. */
  topicTracker: ((connector: string, task: number, topic: string) => void) | null = null;
  /** Set by the distributed herder's app: exactly-once sources and connector offsets topics. */
  distributed: WorkerDistributedOptions | null = null;

  constructor(
    readonly workerId: string,
    readonly config: WorkerConfig,
    readonly plugins: Plugins,
    readonly offsetStore: OffsetBackingStore,
    private readonly logger: Logger,
  ) {}

  connectorNames(): string[] {
    return [...this.connectors.keys()];
  }

  connectorType(className: string): 'source' | 'sink' | 'unknown' {
    const d = this.plugins.find(className);
    return d?.type === 'source' || d?.type === 'sink' ? d.type : 'unknown';
  }

  isRunning(name: string): boolean {
    return this.connectors.has(name);
  }

  /** Instantiates, initializes and (unless PAUSED/STOPPED) starts a connector. */
  async startConnector(name: string, props: Record<string, string>, ctx: ConnectorContext, listener: ConnectorStatusListener, target: TargetState): Promise<boolean> {
    if (this.connectors.has(name)) throw new ConnectException(`Connector with name ${name} already exists`);
    let rc: RunningConnector | undefined;
    try {
      const desc = this.plugins.resolve(props['connector.class'], ['source', 'sink']);
      const connector = new desc.ctor() as Connector;
      rc = { name, connector, props, type: desc.type as 'source' | 'sink', state: target };
      this.connectors.set(name, rc);
      let store: OffsetBackingStore = this.offsetStore;
      if (rc.type === 'source') {
        const s = await this.sourceOffsetStore(name, props, `connector-offsets-${name}`);
        store = s.store;
        rc.closeOffsets = s.close;
      }
      const context = Object.assign(ctx, { offsetStorageReader: () => offsetStorageReader(store, name) });
      connector.initialize(context);
      if (target === 'STARTED') {
        await connector.start(props);
        this.logger.info(`Finished creating connector ${name}`);
        listener.onStartup(name);
      } else if (target === 'PAUSED') listener.onPause(name);
      else listener.onStop(name);
      return true;
    } catch (e) {
      this.logger.error({ err: e }, `[${name}] Failed to start connector`);
      listener.onFailure(name, e as Error);
      return false;
    }
  }

  async setConnectorTarget(name: string, target: TargetState, props: Record<string, string>, listener: ConnectorStatusListener): Promise<void> {
    const rc = this.connectors.get(name);
    if (!rc || rc.state === target) return;
    const was = rc.state;
    rc.state = target;
    if (target === 'STARTED') {
      if (was === 'STOPPED' || was === 'PAUSED') {
        if (was === 'STOPPED') await rc.connector.start(props);
        listener.onResume(name);
      }
    } else if (target === 'PAUSED') {
      if (was === 'STOPPED') await rc.connector.start(props);
      listener.onPause(name);
    } else {
      await rc.connector.stop();
      listener.onStop(name);
    }
    for (const t of this.tasks.values()) if (t.id.connector === name && target !== 'STOPPED') t.transitionTo(target);
  }

  async taskConfigs(name: string, maxTasks: number): Promise<Array<Record<string, string>>> {
    const rc = this.connectors.get(name);
    if (!rc) throw new ConnectException(`Connector ${name} not running`);
    const taskClass = rc.connector.taskClass();
    const configs = await rc.connector.taskConfigs(maxTasks);
    const enforce = (rc.props['tasks.max.enforce'] ?? 'true').trim().toLowerCase() !== 'false';
    if (enforce && configs.length > maxTasks) {
      throw new ConnectException(`The connector ${name} has generated ${configs.length} tasks, which is greater than ${maxTasks}, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the connector with 'tasks.max.enforce' set to false; however, this option will be removed in a future release of Kafka Connect.`);
    }
    return configs.map((c) => {
      const out: Record<string, string> = { ...c, 'task.class': (taskClass as unknown as { className?: string }).className ?? taskClass.name };
      if (rc.type === 'sink') {
        if (rc.props['topics'] !== undefined) out['topics'] = rc.props['topics'];
        if (rc.props['topics.regex'] !== undefined) out['topics.regex'] = rc.props['topics.regex'];
      }
      return out;
    });
  }

  async stopConnector(name: string): Promise<void> {
    const rc = this.connectors.get(name);
    if (!rc) return;
    this.connectors.delete(name);
    if (rc.state !== 'STOPPED') {
      try {
        await rc.connector.stop();
      } catch (e) {
        this.logger.error({ err: e }, `Error while shutting down connector ${name}`);
      }
    }
    await rc.closeOffsets?.().catch(() => undefined);
    this.logger.info(`Stopped connector ${name}`);
  }

  private converter(kind: 'key' | 'value', connProps: Readonly<Record<string, string>>): Converter {
    const own = connProps[`${kind}.converter`];
    const cls = own ?? (kind === 'key' ? this.config.keyConverter : this.config.valueConverter);
    const configs = own !== undefined ? withPrefix(connProps, `${kind}.converter.`) : withPrefix(this.config.props, `${kind}.converter.`);
    const c = this.plugins.newInstance<Converter>(cls, ['converter']);
    c.configure(configs, kind === 'key');
    return c;
  }

  private headerConverter(connProps: Readonly<Record<string, string>>): HeaderConverter {
    const own = connProps['header.converter'];
    const cls = own ?? this.config.headerConverter;
    const configs = own !== undefined ? withPrefix(connProps, 'header.converter.') : withPrefix(this.config.props, 'header.converter.');
    const c = this.plugins.newInstance<HeaderConverter>(cls, ['header_converter', 'converter']);
    c.configure({ ...configs, 'converter.type': 'header' });
    return c;
  }

  private trackerFor(id: ConnectorTaskId): ((topic: string) => void) | undefined {
    if ((this.config.props['topic.tracking.enable'] ?? 'true').trim().toLowerCase() === 'false') return undefined;
    return (topic) => this.topicTracker?.(id.connector, id.task, topic);
  }

  /** The worker's shared admin client (topic creation, DLQ, sink offsets). */
  adminClient(): Admin {
    return this.admin();
  }

  /** The consumer group of a sink connector (`consumer.override.group.id`, else `connect-<name>`). */
  static sinkGroupId(name: string, props: Readonly<Record<string, string>>): string {
    return withPrefix(props, 'consumer.override.')['group.id'] ?? `connect-${name}`;
  }

  /**
   * `GET /connectors/{c}/offsets` (KIP-875): a source connector's offsets from
   * the offset store; a sink's committed offsets of its consumer group as
   * `{"kafka_topic","kafka_partition"}` -> `{"kafka_offset"}`.
   */
  async connectorOffsets(name: string, props: Readonly<Record<string, string>>): Promise<ConnectorOffsets> {
    const type = this.connectorType(props['connector.class']);
    if (type === 'sink') {
      const committed = await this.admin().listConsumerGroupOffsets(Worker.sinkGroupId(name, props));
      return {
        offsets: committed
          .filter((c) => c.offset >= 0)
          .map((c) => ({ partition: { kafka_topic: c.topic, kafka_partition: c.partition }, offset: { kafka_offset: c.offset } })),
      };
    }
    const { store, close } = await this.sourceOffsetStore(name, props, `connector-offsets-${name}`);
    try {
      await store.readToEnd?.();
      return { offsets: connectorOffsets(store, name) };
    } finally {
      await close();
    }
  }

  /**
   * Alters (`offsets` given) or resets (null) a stopped connector's offsets
   * (KIP-875, `Worker.modifyConnectorOffsets`): asks the connector
   * (`alterOffsets`) first, then writes source offsets to the offset store
   * or commits/deletes the sink group's offsets. Returns Kafka's message.
   */
  async modifyConnectorOffsets(name: string, props: Readonly<Record<string, string>>, offsets: ConnectorOffsets['offsets'] | null): Promise<string> {
    const desc = this.plugins.resolve(props['connector.class'], ['source', 'sink']);
    const connector = new desc.ctor() as Connector & { alterOffsets(c: Record<string, string>, o: ReadonlyMap<unknown, unknown>): boolean | Promise<boolean> };
    const kind = offsets === null ? 'reset' : 'altered';
    let handled: boolean;
    if (desc.type === 'sink') {
      const groupId = Worker.sinkGroupId(name, props);
      let parsed: Map<string, { tp: TopicPartition; offset: number | null }>;
      if (offsets === null) {
        const committed = await this.admin().listConsumerGroupOffsets(groupId);
        parsed = new Map(committed.map((c) => [`${c.topic}-${c.partition}`, { tp: { topic: c.topic, partition: c.partition }, offset: null }]));
      } else parsed = parseSinkOffsets(offsets);
      try {
        handled = await connector.alterOffsets({ ...props }, new Map([...parsed.values()].map((e) => [e.tp, e.offset])));
      } catch (e) {
        throw new ConnectException(`Failed to alter offsets for connector ${name}: ${(e as Error).message}`, { cause: e });
      }
      const admin = this.admin();
      if (offsets === null) {
        const res = await admin.deleteGroups([groupId]);
        const err = res[0]?.error;
        if (err && !/GROUP_ID_NOT_FOUND/.test(`${err.name} ${err.message} ${(err as { code?: unknown }).code ?? ''}`)) {
          throw new ConnectException(`Failed to reset offsets for connector ${name} as the consumer group ${groupId} could not be deleted: ${err.message}. This may be because the connector's tasks haven't stopped completely yet or the connector was resumed before the request to reset its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.`, { cause: err });
        }
      } else {
        const toCommit = [...parsed.values()].filter((e) => e.offset !== null).map((e) => ({ ...e.tp, offset: e.offset! }));
        const toDelete = [...parsed.values()].filter((e) => e.offset === null).map((e) => e.tp);
        if (toCommit.length > 0) {
          const res = await admin.alterConsumerGroupOffsets(groupId, toCommit);
          const bad = res.find((r) => r.error);
          if (bad) throw new ConnectException(`Failed to alter consumer group offsets for connector ${name}: ${bad.error!.message}. This may be because the connector's tasks haven't stopped completely yet or the connector was resumed before the request to alter its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.`, { cause: bad.error });
        }
        if (toDelete.length > 0) {
          const res = await admin.deleteConsumerGroupOffsets(groupId, toDelete);
          if (res.error && !/GROUP_ID_NOT_FOUND/.test(`${res.error.name} ${res.error.message}`)) throw new ConnectException(`Failed to delete consumer group offsets for connector ${name}: ${res.error.message}`, { cause: res.error });
        }
      }
    } else {
      const { store, eosStore, close } = await this.sourceOffsetStore(name, props, `connector-offsets-${name}`);
      try {
        handled = await this.modifySourceOffsets(name, props, offsets, connector, store, eosStore);
      } finally {
        await close();
      }
    }
    return handled
      ? `The offsets for this connector have been ${kind} successfully`
      : `The Connect framework-managed offsets for this connector have been ${kind} successfully. However, if this connector manages offsets externally, they will need to be manually ${kind === 'reset' ? 'reset' : 'altered'} in the system that the connector uses.`;
  }

  /**
   * A source connector's offsets altered or reset. With exactly-once source
   * support they are written in a transaction of task 0's transactional id
   * (which also fences a zombie task 0), as Kafka's Worker does.
   */
  private async modifySourceOffsets(
    name: string,
    props: Readonly<Record<string, string>>,
    offsets: ConnectorOffsets['offsets'] | null,
    connector: { alterOffsets(c: Record<string, string>, o: ReadonlyMap<unknown, unknown>): boolean | Promise<boolean> },
    store: OffsetBackingStore,
    eosStore: ConnectorOffsetBackingStore | null,
  ): Promise<boolean> {
    let handled: boolean;
    {
      await store.readToEnd?.();
      const entries = new Map<string, string | null>();
      const byPartition = new Map<Record<string, unknown>, Record<string, unknown> | null>();
      if (offsets === null) {
        for (const { partition } of connectorOffsets(store, name)) {
          entries.set(offsetKey(name, partition), null);
          byPartition.set(partition, null);
        }
      } else {
        for (const { partition, offset } of offsets) {
          if (partition === null || partition === undefined || typeof partition !== 'object') throw new BadRequestLike('Source partitions may not be null');
          entries.set(offsetKey(name, partition), offset === null ? null : JSON.stringify(offset));
          byPartition.set(partition, offset);
        }
      }
      try {
        handled = await connector.alterOffsets({ ...props }, byPartition);
      } catch (e) {
        throw new BadRequestLike(`Failed to alter offsets for connector ${name}: ${(e as Error).message}`);
      }
      if (this.distributed?.exactlyOnceSourceEnabled && eosStore) {
        const producer = this.exactlyOnceProducer({ connector: name, task: 0 }, props);
        try {
          await producer.initTransactions();
          producer.beginTransaction();
          const sent = eosStore.sendPrimaryVia(producer, entries);
          sent.catch(() => undefined);
          await producer.commitTransaction();
          await sent;
        } finally {
          await producer.close(0).catch(() => undefined);
        }
        await eosStore.setSecondary(entries);
      } else await store.set(entries);
    }
    return handled;
  }

  /**
   * An exactly-once source task's producer (`exactlyOnceSourceTaskProducerConfigs`):
   * the task's producer settings, idempotent, with transactional id
   * `<group.id>-<connector>-<task>` (a transactional.id of the user's is replaced).
   */
  private exactlyOnceProducer(id: ConnectorTaskId, connProps: Readonly<Record<string, string>>): Producer {
    const base = this.config.props;
    const overrides = withPrefix(connProps, 'producer.override.');
    const txnTimeout = overrides['transaction.timeout.ms'] ?? withPrefix(base, 'producer.')['transaction.timeout.ms'];
    return new Producer({
      ...producerClientOptions({ ...base, ...withPrefix(base, 'producer.'), ...overrides }),
      clientId: overrides['client.id'] ?? `connector-producer-${id.connector}-${id.task}`,
      acks: 'all',
      enableIdempotence: true,
      transactionalId: taskTransactionalId(this.distributed!.groupId, id.connector, id.task),
      ...(txnTimeout !== undefined ? { transactionTimeoutMs: Number(txnTimeout) } : {}),
      deliveryTimeoutMs: Number(overrides['delivery.timeout.ms'] ?? 2147483647),
      maxBlockMs: Number(overrides['max.block.ms'] ?? 2147483647),
    });
  }

  /**
   * KIP-618 zombie fencing (`Worker.fenceZombies`): fences the producers of
   * tasks 0..numTasks-1 of a source connector with the connector's admin
   * settings; rejects with the first failure.
   */
  async fenceZombies(name: string, numTasks: number, connProps: Readonly<Record<string, string>>): Promise<void> {
    if (!this.distributed) throw new ConnectException('Zombie fencing needs a distributed worker');
    this.logger.debug(`Fencing out ${numTasks} task producers for source connector ${name}`);
    const props = { ...this.config.props, ...withPrefix(this.config.props, 'admin.'), ...withPrefix(connProps, 'admin.override.') };
    const admin = new Admin({ ...adminClientOptions(props), clientId: `connector-worker-adminclient-${name}` });
    try {
      const ids = Array.from({ length: numTasks }, (_v, task) => taskTransactionalId(this.distributed!.groupId, name, task));
      const res = await admin.fenceProducers(ids, { timeoutMs: 90_000 });
      const bad = res.find((r) => r.error);
      if (bad) throw new ConnectException(`Failed to fence out the producer of transactional id ${bad.transactionalId}: ${bad.error!.message}`, { cause: bad.error });
      this.logger.debug(`Finished fencing out ${numTasks} task producers for source connector ${name}`);
    } finally {
      admin.close();
    }
  }

  /** The worker's client properties with the connector's `producer.override.*` / `consumer.override.*` / `admin.override.*` as `producer.*` / ... */
  private connectorClientProps(connProps: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = { ...this.config.props };
    for (const kind of ['producer', 'consumer', 'admin']) for (const [k, v] of Object.entries(withPrefix(connProps, `${kind}.override.`))) out[`${kind}.${k}`] = v;
    return out;
  }

  /**
   * Whether a connector's offsets topic is the worker's (Kafka's
   * `sameOffsetTopicAsWorker`: same name, and the connector's producer points
   * at the same bootstrap servers).
   */
  private sameOffsetTopicAsWorker(topic: string, connProps: Readonly<Record<string, string>>): boolean {
    const d = this.distributed;
    if (!d || topic !== d.offsetsTopic) return false;
    const list = (v: string | undefined) => new Set((v ?? '').split(',').map((x) => x.trim()).filter((x) => x !== ''));
    const worker = list(this.config.props['bootstrap.servers']);
    const producer = list(withPrefix(connProps, 'producer.override.')['bootstrap.servers'] ?? withPrefix(this.config.props, 'producer.')['bootstrap.servers'] ?? this.config.props['bootstrap.servers']);
    return worker.size === producer.size && [...worker].every((x) => producer.has(x));
  }

  /**
   * The offset store of a source connector or task (Kafka's
   * `offsetStoreFor*SourceConnector/Task`): the worker's own, unless the
   * worker runs exactly-once sources or the connector names its own
   * `offsets.storage.topic` (distributed mode only): then a
   * ConnectorOffsetBackingStore whose primary store is the connector's topic
   * (the worker's, when it is the same topic) with the worker's as secondary.
   */
  private async sourceOffsetStore(name: string, connProps: Readonly<Record<string, string>>, clientId: string): Promise<{ store: OffsetBackingStore; eosStore: ConnectorOffsetBackingStore | null; close: () => Promise<void> }> {
    const d = this.distributed;
    const own = d ? sourceExactlyOnceConfig(connProps).offsetsTopic : null;
    if (!d || (!d.exactlyOnceSourceEnabled && own === null)) return { store: this.offsetStore, eosStore: null, close: async () => undefined };
    const topic = own ?? d.offsetsTopic;
    if (this.sameOffsetTopicAsWorker(topic, connProps)) {
      const store = new ConnectorOffsetBackingStore(this.offsetStore, null, topic);
      return { store, eosStore: store, close: async () => undefined };
    }
    const connectorStore = await d.openOffsetStore(topic, clientId, this.connectorClientProps(connProps));
    const store = new ConnectorOffsetBackingStore(this.offsetStore, connectorStore, topic);
    return { store, eosStore: store, close: () => connectorStore.stopAsync() };
  }

  private admin(): Admin {
    if (!this.sharedAdmin) this.sharedAdmin = new Admin(adminClientOptions({ ...this.config.props, ...withPrefix(this.config.props, 'admin.') }));
    return this.sharedAdmin;
  }

  /** Starts one task. Returns false (and reports FAILED) when it could not be created. */
  async startTask(id: ConnectorTaskId, connProps: Record<string, string>, taskProps: Record<string, string>, listener: TaskStatusListener, target: TargetState, exactlyOnce?: ExactlyOnceTaskChecks): Promise<boolean> {
    const key = `${id.connector}-${id.task}`;
    if (this.tasks.has(key)) throw new ConnectException(`Task already exists in this worker: ${key}`);
    const log = this.logger.child({ task: key });
    try {
      const desc = this.plugins.resolve(connProps['connector.class'], ['source', 'sink']);
      const taskClass = (new desc.ctor() as Connector).taskClass();
      const task = new taskClass();
      const operator = new RetryWithToleranceOperator(errorHandlingConfig(connProps));
      operator.addReporter(new LogReporter(key, operator.config, log, operator.metrics));
      const pipeline = {
        keyConverter: this.converter('key', connProps),
        valueConverter: this.converter('value', connProps),
        headerConverter: this.headerConverter(connProps),
        chain: transformationChain(connProps, this.plugins),
        operator,
      };
      const base = this.config.props;
      let wt: WorkerTask;
      if (desc.type === 'source' && this.distributed?.exactlyOnceSourceEnabled && exactlyOnce) {
        const eosConfig = sourceExactlyOnceConfig(connProps);
        const offsets = await this.sourceOffsetStore(id.connector, connProps, `connector-offsets-${key}`);
        const producer = this.exactlyOnceProducer(id, connProps);
        wt = new ExactlyOnceWorkerSourceTask(id, listener, pipeline, log, target === 'PAUSED', {
          connectorName: id.connector,
          task: task as SourceTask,
          taskConfig: taskProps,
          connectorConfig: connProps,
          producer,
          admin: this.config.topicCreationEnable ? this.admin() : null,
          offsetStore: offsets.eosStore!,
          offsetFlushIntervalMs: this.config.offsetFlushIntervalMs,
          offsetFlushTimeoutMs: this.config.offsetFlushTimeoutMs,
          topicCreationEnabled: this.config.topicCreationEnable,
          onTopic: this.trackerFor(id),
          transactionBoundary: eosConfig.transactionBoundary,
          transactionBoundaryIntervalMs: eosConfig.transactionBoundaryIntervalMs ?? this.config.offsetFlushIntervalMs,
          preProducerCheck: exactlyOnce.preProducerCheck,
          postProducerCheck: exactlyOnce.postProducerCheck,
        });
        // a failed task closes at once (its open transaction is aborted by the next generation's fencing or the timeout)
        const done = () => producer.close(wt.failed ? 0 : this.config.offsetFlushTimeoutMs).catch(() => undefined).then(() => offsets.close().catch(() => undefined));
        wt.run();
        wt.done.then(done, done);
      } else if (desc.type === 'source') {
        const { store, close } = await this.sourceOffsetStore(id.connector, connProps, `connector-offsets-${key}`);
        const producer = new Producer({
          ...producerClientOptions({ ...base, ...withPrefix(base, 'producer.'), ...withPrefix(connProps, 'producer.override.') }),
          clientId: withPrefix(connProps, 'producer.override.')['client.id'] ?? `connector-producer-${key}`,
          acks: 'all',
          enableIdempotence: (withPrefix(connProps, 'producer.override.')['enable.idempotence'] ?? withPrefix(base, 'producer.')['enable.idempotence'] ?? 'true').trim() !== 'false',
          deliveryTimeoutMs: Number(withPrefix(connProps, 'producer.override.')['delivery.timeout.ms'] ?? 2147483647),
          maxBlockMs: Number(withPrefix(connProps, 'producer.override.')['max.block.ms'] ?? 2147483647),
        });
        await producer.connect();
        wt = new WorkerSourceTask(id, listener, pipeline, log, target === 'PAUSED', {
          connectorName: id.connector,
          task: task as SourceTask,
          taskConfig: taskProps,
          connectorConfig: connProps,
          producer,
          admin: this.config.topicCreationEnable ? this.admin() : null,
          offsetStore: store,
          offsetFlushIntervalMs: this.config.offsetFlushIntervalMs,
          offsetFlushTimeoutMs: this.config.offsetFlushTimeoutMs,
          topicCreationEnabled: this.config.topicCreationEnable,
          onTopic: this.trackerFor(id),
        });
        const done = () => producer.close(this.config.offsetFlushTimeoutMs).catch(() => undefined).then(() => close().catch(() => undefined));
        wt.run();
        wt.done.then(done, done);
      } else {
        const overrides = withPrefix(connProps, 'consumer.override.');
        const consumer = new Consumer({
          ...consumerClientOptions({ ...base, ...withPrefix(base, 'consumer.'), ...overrides }),
          groupId: overrides['group.id'] ?? `connect-${id.connector}`,
          clientId: overrides['client.id'] ?? `connector-consumer-${key}`,
          enableAutoCommit: false,
          autoOffsetReset: (overrides['auto.offset.reset'] ?? withPrefix(base, 'consumer.')['auto.offset.reset'] ?? 'earliest') as 'earliest',
        });
        const dlqTopic = (connProps['errors.deadletterqueue.topic.name'] ?? '').trim();
        let dlqProducer: Producer | null = null;
        if (dlqTopic !== '') {
          const rf = Number(connProps['errors.deadletterqueue.topic.replication.factor'] ?? 3);
          const res = await this.admin().createTopics([{ name: dlqTopic, numPartitions: 1, replicationFactor: rf }]);
          const err = res[0]?.error;
          if (err && !/TOPIC_ALREADY_EXISTS|already exists/i.test(`${err.name} ${err.message}`)) throw new ConnectException(`Could not initialize dead letter queue with topic=${dlqTopic}`, { cause: err });
          const p = new Producer({ ...producerClientOptions({ ...base, ...withPrefix(base, 'producer.'), ...withPrefix(connProps, 'producer.override.') }), clientId: `connector-dlq-producer-${key}` });
          await p.connect();
          dlqProducer = p;
          const ctxHeaders = (connProps['errors.deadletterqueue.context.headers.enable'] ?? 'false').trim().toLowerCase() === 'true';
          operator.addReporter(new DeadLetterQueueReporter(dlqTopic, ctxHeaders, id.connector, id.task, { send: (r) => p.send(r) as Promise<unknown> }, operator.metrics, traceOf));
        }
        wt = new WorkerSinkTask(id, listener, pipeline, log, target === 'PAUSED', {
          connectorName: id.connector,
          task: task as SinkTask,
          taskConfig: taskProps,
          consumer,
          offsetFlushIntervalMs: this.config.offsetFlushIntervalMs,
          onTopic: this.trackerFor(id),
        });
        wt.run();
        if (dlqProducer) {
          const p = dlqProducer;
          const done = () => p.close(5000).catch(() => undefined);
          wt.done.then(done, done);
        }
      }
      this.tasks.set(key, wt);
      return true;
    } catch (e) {
      log.error({ err: e }, `Failed to start task ${key}`);
      listener.onFailure(id, e as Error);
      return false;
    }
  }

  task(id: ConnectorTaskId): WorkerTask | undefined {
    return this.tasks.get(`${id.connector}-${id.task}`);
  }

  taskIds(connector?: string): ConnectorTaskId[] {
    return [...this.tasks.values()].map((t) => t.id).filter((id) => connector === undefined || id.connector === connector);
  }

  /** Stops tasks and waits up to task.shutdown.graceful.timeout.ms for them (then abandons them, as Kafka "cancels"). */
  async stopAndAwaitTasks(ids: readonly ConnectorTaskId[]): Promise<void> {
    const ts = ids.map((id) => this.tasks.get(`${id.connector}-${id.task}`)).filter((t): t is WorkerTask => t !== undefined);
    for (const t of ts) t.stop();
    await Promise.all(
      ts.map(async (t) => {
        const ok = await t.awaitStop(this.config.taskShutdownGracefulTimeoutMs);
        if (!ok) this.logger.error(`Graceful stop of task ${t.idString} failed.`);
        this.tasks.delete(t.idString);
      }),
    );
  }

  async stop(): Promise<void> {
    await this.stopAndAwaitTasks([...this.tasks.values()].map((t) => t.id));
    for (const n of [...this.connectors.keys()]) await this.stopConnector(n);
    this.sharedAdmin?.close();
    this.sharedAdmin = null;
  }
}

/** `SinkUtils.parseSinkConnectorOffsets`: the REST offsets of a sink connector, with Kafka's messages. */
export function parseSinkOffsets(offsets: ConnectorOffsets['offsets']): Map<string, { tp: TopicPartition; offset: number | null }> {
  const out = new Map<string, { tp: TopicPartition; offset: number | null }>();
  for (const { partition, offset } of offsets) {
    if (partition === null || partition === undefined) throw new BadRequestLike('The partition for a sink connector offset cannot be null or missing');
    if (!('kafka_topic' in partition) || !('kafka_partition' in partition)) throw new BadRequestLike("The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
    if (partition.kafka_topic === null) throw new BadRequestLike('Kafka topic names must be valid strings and may not be null');
    if (partition.kafka_partition === null) throw new BadRequestLike('Kafka partitions must be valid numbers and may not be null');
    const topic = String(partition.kafka_topic);
    const p = String(partition.kafka_partition);
    if (!/^[+-]?\d+$/.test(p) || Math.abs(Number(p)) > 2147483647) {
      throw new BadRequestLike(`Failed to parse the following Kafka partition value in the provided offsets: '${p}'. Partition values for sink connectors need to be integers.`);
    }
    let off: number | null = null;
    if (offset !== null && offset !== undefined) {
      if (!('kafka_offset' in offset)) throw new BadRequestLike("The offset for a sink connector should either be null or contain the key 'kafka_offset'");
      const o = String(offset.kafka_offset);
      if (!/^[+-]?\d+$/.test(o)) throw new BadRequestLike(`Failed to parse the following Kafka offset value in the provided offsets: '${o}'. Offset values for sink connectors need to be integers.`);
      off = Number(o);
    }
    out.set(`${topic}-${p}`, { tp: { topic, partition: Number(p) }, offset: off });
  }
  return out;
}
