/**
 * `StandaloneHerder`: one worker, configs in memory (re-read from the
 * command line at every start), source offsets in the file store. Connector
 * CRUD, pause/resume/stop, restarts, task reconfiguration and the status of
 * every connector and task (with the failure trace), as the REST API shows them.
 */
import { javaMapString } from '../util/properties';
import { AlreadyExistsException, BadRequestLike, ConnectException, NotFoundException } from './errors';
import type { Logger } from '@nagare/common';
import { invalidConfigMessage, validateConnectorConfig, type ConfigInfos } from '../config/connector-config';
import type { Worker } from '../worker/worker';
import type { Plugins } from '../plugins/plugins';
import { LoggerLevels } from '../util/logger-levels';
import type { ConnectorOffsets, Herder, LoggerLevel } from './herder';
import { StatusStore, traceOf, type ConnectorInfo, type ConnectorStateInfo, type ConnectorTaskId, type TargetState, type TaskInfo } from './status';

interface ConnectorEntry {
  config: Record<string, string>;
  target: TargetState;
  taskConfigs: Array<Record<string, string>>;
}

export class StandaloneHerder implements Herder {
  private readonly configs = new Map<string, ConnectorEntry>();
  readonly status = new StatusStore();
  private stopped = false;
  /** Topics each connector used (KIP-558), as the standalone worker's in-memory status store keeps them. */
  private readonly activeTopics = new Map<string, Set<string>>();
  /** Serializes operations (Kafka's herder is synchronized). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly worker: Worker,
    private readonly logger: Logger,
    readonly loggerLevels: LoggerLevels = new LoggerLevels(),
  ) {
    worker.topicTracker = (connector, _task, topic) => {
      let s = this.activeTopics.get(connector);
      if (!s) this.activeTopics.set(connector, (s = new Set()));
      s.add(topic);
    };
  }

  get plugins(): Plugins {
    return this.worker.plugins;
  }

  isReady(): boolean {
    return !this.stopped;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  get workerId(): string {
    return this.worker.workerId;
  }

  connectors(): string[] {
    return [...this.configs.keys()].sort();
  }

  validate(props: Record<string, string>): ConfigInfos {
    return validateConnectorConfig(props, this.worker.plugins, this.worker.config.clientConfigOverridePolicy).infos;
  }

  /** Creates or (allowReplace) updates a connector. `created` tells which. */
  putConnectorConfig(name: string, props: Record<string, string>, allowReplace: boolean, initialState: TargetState = 'STARTED'): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.serial(async () => {
      if (!props['connector.class']) throw new BadRequestLike(`Connector config ${javaMapString(props)} contains no connector type`);
      const v = validateConnectorConfig(props, this.worker.plugins, this.worker.config.clientConfigOverridePolicy);
      if (v.infos.error_count > 0) throw new BadRequestLike(invalidConfigMessage(v));
      const existing = this.configs.get(name);
      if (existing && !allowReplace) throw new AlreadyExistsException(`Connector ${name} already exists`);
      if (existing) await this.stopConnectorAndTasks(name);
      const entry: ConnectorEntry = { config: { ...props }, target: existing?.target ?? initialState, taskConfigs: [] };
      this.configs.set(name, entry);
      await this.startConnector(name, entry);
      return { created: !existing, info: this.connectorInfo(name) };
    });
  }

  private listener = {
    onStartup: (n: string) => this.status.putConnector(n, 'RUNNING', this.workerId),
    onPause: (n: string) => this.status.putConnector(n, 'PAUSED', this.workerId),
    onResume: (n: string) => this.status.putConnector(n, 'RUNNING', this.workerId),
    onStop: (n: string) => this.status.putConnector(n, 'STOPPED', this.workerId),
    onFailure: (n: string, e: Error) => this.status.putConnector(n, 'FAILED', this.workerId, traceOf(e)),
    onShutdown: (n: string) => this.status.putConnector(n, 'UNASSIGNED', this.workerId),
  };

  private taskListener = {
    onStartup: (id: ConnectorTaskId) => this.status.putTask(id, 'RUNNING', this.workerId),
    onPause: (id: ConnectorTaskId) => this.status.putTask(id, 'PAUSED', this.workerId),
    onResume: (id: ConnectorTaskId) => this.status.putTask(id, 'RUNNING', this.workerId),
    onFailure: (id: ConnectorTaskId, e: Error) => {
      this.logger.error({ err: e }, `Task ${id.connector}-${id.task} failed`);
      this.status.putTask(id, 'FAILED', this.workerId, traceOf(e));
    },
    onShutdown: (id: ConnectorTaskId) => this.status.putTask(id, 'UNASSIGNED', this.workerId),
  };

  private async startConnector(name: string, entry: ConnectorEntry): Promise<void> {
    this.status.putConnector(name, 'UNASSIGNED', this.workerId);
    const ctx = {
      requestTaskReconfiguration: () => {
        this.serial(() => this.reconfigureTasks(name)).catch((e: unknown) => this.logger.error({ err: e }, `Failed to reconfigure tasks of ${name}`));
      },
      raiseError: (e: Error) => this.listener.onFailure(name, e),
    };
    const ok = await this.worker.startConnector(name, entry.config, ctx, this.listener, entry.target);
    if (!ok || entry.target === 'STOPPED') return;
    await this.reconfigureTasks(name, true);
  }

  private async reconfigureTasks(name: string, force = false): Promise<void> {
    const entry = this.configs.get(name);
    if (!entry || !this.worker.isRunning(name) || entry.target === 'STOPPED') return;
    let configs: Array<Record<string, string>>;
    try {
      configs = await this.worker.taskConfigs(name, Number(entry.config['tasks.max'] ?? 1));
    } catch (e) {
      this.listener.onFailure(name, e as Error);
      return;
    }
    if (!force && JSON.stringify(configs) === JSON.stringify(entry.taskConfigs)) return;
    await this.worker.stopAndAwaitTasks(this.worker.taskIds(name));
    for (const [n] of this.status.connectorTasks(name)) if (n >= configs.length) this.status.removeTask({ connector: name, task: n });
    entry.taskConfigs = configs;
    for (let i = 0; i < configs.length; i++) await this.startTask({ connector: name, task: i }, entry);
  }

  private async startTask(id: ConnectorTaskId, entry: ConnectorEntry): Promise<void> {
    this.status.putTask(id, 'UNASSIGNED', this.workerId);
    await this.worker.startTask(id, entry.config, entry.taskConfigs[id.task], this.taskListener, entry.target === 'PAUSED' ? 'PAUSED' : 'STARTED');
  }

  private async stopConnectorAndTasks(name: string): Promise<void> {
    await this.worker.stopAndAwaitTasks(this.worker.taskIds(name));
    await this.worker.stopConnector(name);
  }

  deleteConnector(name: string): Promise<void> {
    return this.serial(async () => {
      if (!this.configs.has(name)) throw new NotFoundException(`Connector ${name} not found`);
      await this.stopConnectorAndTasks(name);
      this.configs.delete(name);
      this.status.removeConnector(name);
      this.activeTopics.delete(name);
    });
  }

  private entry(name: string): ConnectorEntry {
    const e = this.configs.get(name);
    if (!e) throw new NotFoundException(`Connector ${name} not found`);
    return e;
  }

  connectorConfig(name: string): Record<string, string> {
    return { ...this.entry(name).config };
  }

  connectorInfo(name: string): ConnectorInfo {
    const e = this.entry(name);
    return { name, config: { ...e.config }, tasks: e.taskConfigs.map((_c, i) => ({ connector: name, task: i })), type: this.worker.connectorType(e.config['connector.class']) };
  }

  taskInfos(name: string): TaskInfo[] {
    const e = this.entry(name);
    return e.taskConfigs.map((c, i) => ({ id: { connector: name, task: i }, config: { ...c } }));
  }

  connectorStatus(name: string): ConnectorStateInfo {
    const e = this.configs.get(name);
    const s = this.status.connector(name);
    if (!e || !s) throw new NotFoundException(`No status found for connector ${name}`);
    const cs: ConnectorStateInfo['connector'] = { state: s.state, worker_id: s.workerId };
    if (s.trace) cs.trace = s.trace;
    return {
      name,
      connector: cs,
      tasks: this.status.connectorTasks(name).map(([id, t]) => (t.trace ? { id, state: t.state, worker_id: t.workerId, trace: t.trace } : { id, state: t.state, worker_id: t.workerId })),
      type: this.worker.connectorType(e.config['connector.class']),
    };
  }

  taskStatus(id: ConnectorTaskId): { id: number; state: string; worker_id: string; trace?: string } {
    const t = this.status.task(id);
    if (!t) throw new NotFoundException(`No status found for task ${id.connector}-${id.task}`);
    return t.trace ? { id: id.task, state: t.state, worker_id: t.workerId, trace: t.trace } : { id: id.task, state: t.state, worker_id: t.workerId };
  }

  /** Task metrics (records in/out, offset commits, errors, DLQ) for the status API. */
  taskMetrics(id: ConnectorTaskId): Record<string, number> | null {
    const t = this.worker.task(id);
    if (!t) return null;
    const m = (t as unknown as { pipeline: { operator: { metrics: Record<string, number> } } }).pipeline.operator.metrics;
    return { ...t.metrics, ...m };
  }

  setTargetState(name: string, target: TargetState): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(name);
      if (e.target === target) return;
      const was = e.target;
      e.target = target;
      if (target === 'STOPPED') {
        await this.worker.stopAndAwaitTasks(this.worker.taskIds(name));
        for (const [n] of this.status.connectorTasks(name)) this.status.removeTask({ connector: name, task: n });
        e.taskConfigs = [];
        await this.worker.setConnectorTarget(name, 'STOPPED', e.config, this.listener);
        return;
      }
      if (!this.worker.isRunning(name)) {
        await this.startConnector(name, e);
        return;
      }
      await this.worker.setConnectorTarget(name, target, e.config, this.listener);
      if (was === 'STOPPED') await this.reconfigureTasks(name, true);
    });
  }

  restartConnector(name: string): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(name);
      this.status.putConnector(name, 'RESTARTING', this.workerId);
      await this.worker.stopConnector(name);
      const ctx = {
        requestTaskReconfiguration: () => {
          this.serial(() => this.reconfigureTasks(name)).catch(() => undefined);
        },
        raiseError: (err: Error) => this.listener.onFailure(name, err),
      };
      await this.worker.startConnector(name, e.config, ctx, this.listener, e.target);
    });
  }

  restartTask(id: ConnectorTaskId): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(id.connector);
      if (id.task < 0 || id.task >= e.taskConfigs.length) throw new NotFoundException(`Unknown task: ${id.connector}-${id.task}`);
      this.status.putTask(id, 'RESTARTING', this.workerId);
      await this.worker.stopAndAwaitTasks([id]);
      await this.startTask(id, e);
    });
  }

  /** KIP-745: `POST /connectors/{c}/restart?includeTasks&onlyFailed`. */
  async restartConnectorAndTasks(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<ConnectorStateInfo> {
    const e = this.entry(name);
    const cs = this.status.connector(name);
    const restartConnector = !onlyFailed || cs?.state === 'FAILED';
    const tasks = includeTasks ? e.taskConfigs.map((_c, i) => i).filter((i) => !onlyFailed || this.status.task({ connector: name, task: i })?.state === 'FAILED') : [];
    if (restartConnector) this.status.putConnector(name, 'RESTARTING', this.workerId);
    for (const t of tasks) this.status.putTask({ connector: name, task: t }, 'RESTARTING', this.workerId);
    const snapshot = this.connectorStatus(name);
    void (async () => {
      if (restartConnector) await this.restartConnector(name).catch(() => undefined);
      for (const t of tasks) await this.restartTask({ connector: name, task: t }).catch(() => undefined);
    })();
    return snapshot;
  }

  async offsets(name: string): Promise<ConnectorOffsets> {
    const e = this.entry(name);
    return this.worker.connectorOffsets(name, e.config);
  }

  /** KIP-477: keys with a null value are removed, the others set. */
  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const config = this.connectorConfig(name);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete config[k];
      else config[k] = v;
    }
    if (config.name !== undefined && config.name !== name) throw new BadRequestLike(`Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`);
    return (await this.putConnectorConfig(name, config, true)).info;
  }

  private modifyOffsetsChecks(name: string): Record<string, string> {
    const e = this.entry(name);
    if (e.target !== 'STOPPED') {
      throw new BadRequestLike(`Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
    }
    return e.config;
  }

  alterOffsets(name: string, offsets: ConnectorOffsets['offsets']): Promise<string> {
    return this.serial(async () => this.worker.modifyConnectorOffsets(name, this.modifyOffsetsChecks(name), offsets));
  }

  resetOffsets(name: string): Promise<string> {
    return this.serial(async () => this.worker.modifyConnectorOffsets(name, this.modifyOffsetsChecks(name), null));
  }

  connectorActiveTopics(name: string): string[] {
    this.entry(name);
    return [...(this.activeTopics.get(name) ?? [])].sort();
  }

  resetConnectorActiveTopics(name: string): void {
    this.entry(name);
    this.activeTopics.delete(name);
  }

  loggers(): Record<string, LoggerLevel> {
    return this.loggerLevels.all();
  }

  loggerLevel(name: string): LoggerLevel | null {
    return this.loggerLevels.get(name);
  }

  /** Standalone has no cluster: both scopes set the level here (cluster scope answers 204 as Kafka's). */
  setLoggerLevel(namespace: string, level: string, scope: 'worker' | 'cluster'): string[] | null {
    const affected = this.loggerLevels.set(namespace, level);
    return scope === 'worker' ? affected : null;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.serial(async () => {
      await this.worker.stop();
      for (const n of this.configs.keys()) {
        for (const [t] of this.status.connectorTasks(n)) this.status.putTask({ connector: n, task: t }, 'UNASSIGNED', this.workerId);
        this.status.putConnector(n, 'UNASSIGNED', this.workerId);
      }
    });
    this.worker.offsetStore.stop();
  }
}

export { ConnectException };
