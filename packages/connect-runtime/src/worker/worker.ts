/**
 * `Worker`: instantiates connectors and tasks from plugins, gives each
 * source task its own (idempotent) producer and each sink task its own
 * consumer in group `connect-<connector>`, wires converters, transforms and
 * error handling, and stops tasks within `task.shutdown.graceful.timeout.ms`.
 */
import { Admin, Consumer, Producer } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { ConnectException, type Connector, type ConnectorContext, type Converter, type HeaderConverter, type SinkTask, type SourceTask } from '@nagare/connect-api';
import type { WorkerConfig } from '../config/worker-config';
import { DeadLetterQueueReporter, LogReporter, RetryWithToleranceOperator, errorHandlingConfig } from '../errors/retry-with-tolerance';
import { traceOf, type ConnectorTaskId, type TargetState } from '../herder/status';
import type { Plugins } from '../plugins/plugins';
import type { OffsetBackingStore } from '../storage/file-offset-store';
import { adminClientOptions, consumerClientOptions, producerClientOptions } from '../util/client-config';
import { withPrefix } from '../util/properties';
import { transformationChain } from './transformations';
import { WorkerSinkTask } from './worker-sink-task';
import { WorkerSourceTask } from './worker-source-task';
import type { TaskStatusListener, WorkerTask } from './worker-task';

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
}

export class Worker {
  private readonly connectors = new Map<string, RunningConnector>();
  private readonly tasks = new Map<string, WorkerTask>();
  private sharedAdmin: Admin | null = null;

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
      const store = this.offsetStore;
      const context = Object.assign(ctx, {
        offsetStorageReader: () => ({
          offset: async (p: Record<string, unknown>) => {
            const v = store.get([JSON.stringify([name, p])]).values().next().value;
            return v ? (JSON.parse(v) as Record<string, unknown>) : null;
          },
          offsets: async (ps: ReadonlyArray<Record<string, unknown>>) =>
            new Map(ps.map((p) => {
              const v = store.get([JSON.stringify([name, p])]).values().next().value;
              return [p, v ? (JSON.parse(v) as Record<string, unknown>) : null] as const;
            })),
        }),
      });
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

  private admin(): Admin {
    if (!this.sharedAdmin) this.sharedAdmin = new Admin(adminClientOptions({ ...this.config.props, ...withPrefix(this.config.props, 'admin.') }));
    return this.sharedAdmin;
  }

  /** Starts one task. Returns false (and reports FAILED) when it could not be created. */
  async startTask(id: ConnectorTaskId, connProps: Record<string, string>, taskProps: Record<string, string>, listener: TaskStatusListener, target: TargetState): Promise<boolean> {
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
      if (desc.type === 'source') {
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
          offsetStore: this.offsetStore,
          offsetFlushIntervalMs: this.config.offsetFlushIntervalMs,
          offsetFlushTimeoutMs: this.config.offsetFlushTimeoutMs,
          topicCreationEnabled: this.config.topicCreationEnable,
        });
        const done = () => producer.close(this.config.offsetFlushTimeoutMs).catch(() => undefined);
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
