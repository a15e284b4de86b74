/**
 * `KafkaConfigBackingStore`: connector configs, task configs, target
 * states, the session key, restart requests and cluster logger levels in the
 * config topic (`config.storage.topic`, one partition, compacted), with
 * Kafka's record keys and the JSON a schemaless JsonConverter writes for its
 * structs, so a JVM worker reads what we write and vice versa:
 *
 * | key | value |
 * |---|---|
 * | `connector-<name>` | `{"properties":{...}}`, null on delete |
 * | `task-<name>-<n>` | `{"properties":{...}}` |
 * | `commit-<name>` | `{"tasks":<n>}`: applies the buffered task configs at once |
 * | `target-state-<name>` | `{"state":"STARTED"|"PAUSED","state.v2":"STARTED"|"PAUSED"|"STOPPED"}`, null on delete |
 * | `session-key` | `{"key":<base64>,"algorithm":"HmacSHA256","creation-timestamp":<ms>}` |
 * | `restart-connector-<name>` | `{"include-tasks":<bool>,"only-failed":<bool>}` |
 * | `logger-cluster-<namespace>` | `{"level":"DEBUG"}` |
 * | `tasks-fencing-<name>` | `{"task-count":<n>}`: the task producers a zombie fencing must fence (KIP-618) |
 *
 * Task configs become visible only with their commit record, and only when
 * the commit's count matches a complete set (else the connector is
 * "inconsistent" until its tasks are written again), as Kafka applies them.
 *
 * Exactly-once source support (KIP-618): every applied set of task configs
 * bumps the connector's task config generation and marks it pending a
 * zombie fencing, which a task count record written after it clears. With
 * `exactly.once.source.support` `preparing` or `enabled` the leader writes
 * the records only it may write through a transactional ("fencable")
 * producer with transactional id `connect-cluster-<group.id>`
 * (`claimWritePrivileges`), so a zombie leader cannot write after a new one
 * claimed the topic; with `enabled` the topic is read read_committed.
 */
import { Producer, type ConsumerRecord } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { ConnectException } from '@nagare/connect-api';
import { jsonString } from '../converters/json-text';
import { producerClientOptions } from '../util/client-config';
import { withPrefix } from '../util/properties';
import type { ConnectorTaskId, TargetState } from '../herder/status';
import { KafkaBasedLog, type KafkaBasedLogOptions } from './kafka-based-log';

export const CONNECTOR_PREFIX = 'connector-';
export const TASK_PREFIX = 'task-';
export const COMMIT_TASKS_PREFIX = 'commit-';
export const TARGET_STATE_PREFIX = 'target-state-';
export const TASK_COUNT_RECORD_PREFIX = 'tasks-fencing-';
export const SESSION_KEY_KEY = 'session-key';
export const RESTART_PREFIX = 'restart-connector-';
export const LOGGER_CLUSTER_PREFIX = 'logger-cluster-';

export interface SessionKey {
  key: Buffer;
  algorithm: string;
  creationTimestamp: number;
}

export interface RestartRequest {
  connector: string;
  includeTasks: boolean;
  onlyFailed: boolean;
}

/** JSON object text in Jackson's compact form, fields in the given order. */
function jsonObject(fields: Array<[string, string]>): string {
  return '{' + fields.map(([k, v]) => jsonString(k) + ':' + v).join(',') + '}';
}

function propertiesJson(props: Readonly<Record<string, string | null>>): string {
  return jsonObject([['properties', jsonObject(Object.entries(props).map(([k, v]) => [k, v === null ? 'null' : jsonString(v)]))]]);
}

/** The bytes Kafka writes for each config record (golden-tested against Kafka's formats). */
export const ConfigRecords = {
  connectorKey: (name: string) => CONNECTOR_PREFIX + name,
  taskKey: (id: ConnectorTaskId) => `${TASK_PREFIX}${id.connector}-${id.task}`,
  commitKey: (name: string) => COMMIT_TASKS_PREFIX + name,
  targetStateKey: (name: string) => TARGET_STATE_PREFIX + name,
  restartKey: (name: string) => RESTART_PREFIX + name,
  loggerKey: (namespace: string) => LOGGER_CLUSTER_PREFIX + namespace,
  taskCountKey: (name: string) => TASK_COUNT_RECORD_PREFIX + name,
  connectorConfig: (props: Readonly<Record<string, string | null>>) => propertiesJson(props),
  taskConfig: (props: Readonly<Record<string, string | null>>) => propertiesJson(props),
  commit: (tasks: number) => jsonObject([['tasks', String(tasks)]]),
  /** `state` is PAUSED for STOPPED so pre-3.5 workers (which know no STOPPED) pause the connector. */
  targetState: (state: TargetState) => jsonObject([
    ['state', jsonString(state === 'STOPPED' ? 'PAUSED' : state)],
    ['state.v2', jsonString(state)],
  ]),
  sessionKey: (k: SessionKey) => jsonObject([
    ['key', jsonString(k.key.toString('base64'))],
    ['algorithm', jsonString(k.algorithm)],
    ['creation-timestamp', String(k.creationTimestamp)],
  ]),
  restartRequest: (r: { includeTasks: boolean; onlyFailed: boolean }) => jsonObject([
    ['include-tasks', String(r.includeTasks)],
    ['only-failed', String(r.onlyFailed)],
  ]),
  loggerLevel: (level: string) => jsonObject([['level', jsonString(level)]]),
  /** `TASK_COUNT_RECORD_V0`: `{"task-count":<int32>}`. */
  taskCount: (tasks: number) => jsonObject([['task-count', String(tasks)]]),
};

/**
 * A write the leader makes through its fencable producer failed (Kafka's
 * `PrivilegedWriteException`): it may have been fenced by a newer leader.
 */
export class PrivilegedWriteException extends ConnectException {}

export interface ConfigUpdateListener {
  onConnectorConfigUpdate(connector: string): void;
  onConnectorConfigRemove(connector: string): void;
  onTaskConfigUpdate(tasks: ConnectorTaskId[]): void;
  onConnectorTargetStateChange(connector: string): void;
  onSessionKeyUpdate(key: SessionKey): void;
  onRestartRequest(request: RestartRequest): void;
  onLoggingLevelUpdate(namespace: string, level: string): void;
}

/** An immutable view of the config topic (`ClusterConfigState`). */
export class ClusterConfigState {
  constructor(
    /** The offset after the last applied record (what workers report in JoinGroup). */
    readonly offset: number,
    readonly sessionKey: SessionKey | null,
    private readonly connectorConfigs: ReadonlyMap<string, Record<string, string>>,
    private readonly targetStates: ReadonlyMap<string, TargetState>,
    private readonly taskConfigs: ReadonlyMap<string, ReadonlyArray<Record<string, string>>>,
    private readonly taskCounts: ReadonlyMap<string, number>,
    readonly inconsistentConnectors: ReadonlySet<string>,
    private readonly taskCountRecords: ReadonlyMap<string, number> = new Map(),
    private readonly taskConfigGenerations: ReadonlyMap<string, number> = new Map(),
    private readonly connectorsPendingFencing: ReadonlySet<string> = new Set(),
  ) {}

  static readonly EMPTY = new ClusterConfigState(-1, null, new Map(), new Map(), new Map(), new Map(), new Set());

  /** The task count of the connector's last `tasks-fencing-` record (KIP-618), or undefined when none was written. */
  taskCountRecord(connector: string): number | undefined {
    return this.taskCountRecords.get(connector);
  }
  /** How many times a set of task configs was applied (0 for the first; undefined when none was). */
  taskConfigGeneration(connector: string): number | undefined {
    return this.taskConfigGenerations.get(connector);
  }
  /** Whether task configs were committed after the last task count record: a zombie fencing must come before their tasks start. */
  pendingFencing(connector: string): boolean {
    return this.connectorsPendingFencing.has(connector);
  }

  contains(connector: string): boolean {
    return this.connectorConfigs.has(connector);
  }
  connectors(): string[] {
    return [...this.connectorConfigs.keys()];
  }
  connectorConfig(connector: string): Record<string, string> | undefined {
    const c = this.connectorConfigs.get(connector);
    return c ? { ...c } : undefined;
  }
  targetState(connector: string): TargetState | undefined {
    return this.connectorConfigs.has(connector) ? (this.targetStates.get(connector) ?? 'STARTED') : undefined;
  }
  /** The committed task configs (empty while inconsistent). */
  taskConfigsOf(connector: string): ReadonlyArray<Record<string, string>> {
    if (this.inconsistentConnectors.has(connector)) return [];
    return this.taskConfigs.get(connector) ?? [];
  }
  taskConfig(id: ConnectorTaskId): Record<string, string> | undefined {
    return this.taskConfigsOf(id.connector)[id.task];
  }
  taskCount(connector: string): number {
    return this.taskConfigsOf(connector).length;
  }
  tasks(connector: string): ConnectorTaskId[] {
    return this.taskConfigsOf(connector).map((_c, task) => ({ connector, task }));
  }
  /** Whether the last commit's count says there are tasks we have no complete set for. */
  isInconsistent(connector: string): boolean {
    return this.inconsistentConnectors.has(connector);
  }
  rawTaskCount(connector: string): number | undefined {
    return this.taskCounts.get(connector);
  }
}

function parseJsonValue(v: Buffer | null): unknown {
  if (v === null) return null;
  try {
    return JSON.parse(v.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringsOf(v: unknown): Record<string, string> | null {
  if (!isObj(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    out[k] = typeof x === 'string' ? x : String(x);
  }
  return out;
}

export class KafkaConfigBackingStore {
  private log: KafkaBasedLog;
  private offset = -1;
  private sessionKey: SessionKey | null = null;
  private readonly connectorConfigs = new Map<string, Record<string, string>>();
  private readonly targetStates = new Map<string, TargetState>();
  private readonly taskConfigs = new Map<string, Array<Record<string, string>>>();
  private readonly taskCounts = new Map<string, number>();
  private readonly deferred = new Map<string, Map<number, Record<string, string>>>();
  private readonly inconsistent = new Set<string>();
  private readonly taskCountRecords = new Map<string, number>();
  private readonly taskConfigGenerations = new Map<string, number>();
  private readonly pendingFencing = new Set<string>();
  private started = false;
  private fencableProducer: Producer | null = null;
  listener: ConfigUpdateListener | null = null;

  constructor(
    private readonly logOptions: Omit<KafkaBasedLogOptions, 'onRecord' | 'partitions'>,
    private readonly logger: Logger,
    private readonly eos: { fencableTransactionalId?: string | null } = {},
  ) {
    this.log = new KafkaBasedLog({ ...logOptions, partitions: 1, onRecord: (r) => this.apply(r) });
  }

  /** Whether leader writes go through a transactional producer (exactly.once.source.support preparing/enabled). */
  get usesFencableWriter(): boolean {
    return (this.eos.fencableTransactionalId ?? null) !== null;
  }

  /**
   * Makes this worker the config topic's writer (`claimWritePrivileges`,
   * called by a worker that became leader): a transactional producer with the
   * cluster's transactional id, whose initTransactions fences any earlier
   * leader's. No-op without a fencable writer or when already claimed.
   */
  async claimWritePrivileges(): Promise<void> {
    if (!this.usesFencableWriter || this.fencableProducer) return;
    const props = this.logOptions.workerProps;
    const p = new Producer({
      ...producerClientOptions({ ...props, ...withPrefix(props, 'producer.') }),
      clientId: `${this.logOptions.clientId}-leader`,
      acks: 'all',
      enableIdempotence: true,
      transactionalId: this.eos.fencableTransactionalId!,
      deliveryTimeoutMs: 2147483647,
    });
    this.fencableProducer = p;
    try {
      await p.initTransactions();
    } catch (e) {
      await this.relinquishWritePrivileges();
      throw new ConnectException('Failed to create and initialize fencable producer for config topic', { cause: e });
    }
  }

  async relinquishWritePrivileges(): Promise<void> {
    const p = this.fencableProducer;
    this.fencableProducer = null;
    await p?.close(0).catch(() => undefined);
  }

  /** Sends records only the leader may write: in one transaction of the fencable producer, or plainly without one. */
  private async sendPrivileged(records: Array<{ key: string; value: string | null }>): Promise<void> {
    if (!this.usesFencableWriter) {
      await this.log.sendAll(records);
      return;
    }
    const p = this.fencableProducer;
    if (!p) throw new PrivilegedWriteException('Cannot produce to config topic without claiming write privileges first');
    try {
      p.beginTransaction();
      const sent = p.send(records.map((r) => ({ topic: this.log.topic, key: Buffer.from(r.key, 'utf8'), value: r.value === null ? null : Buffer.from(r.value, 'utf8') })));
      sent.catch(() => undefined);
      await p.commitTransaction();
      await sent;
    } catch (e) {
      this.logger.warn({ err: e }, 'Failed to perform fencable send to config topic');
      await this.relinquishWritePrivileges();
      throw new PrivilegedWriteException('Failed to perform fencable send to config topic', { cause: e });
    }
  }

  async start(): Promise<void> {
    await this.log.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    await this.relinquishWritePrivileges();
    await this.log.stop();
  }

  snapshot(): ClusterConfigState {
    const taskConfigs = new Map<string, ReadonlyArray<Record<string, string>>>();
    for (const [c, ts] of this.taskConfigs) taskConfigs.set(c, ts.map((t) => ({ ...t })));
    return new ClusterConfigState(
      this.offset,
      this.sessionKey,
      new Map([...this.connectorConfigs].map(([k, v]) => [k, { ...v }])),
      new Map(this.targetStates),
      taskConfigs,
      new Map(this.taskCounts),
      new Set(this.inconsistent),
      new Map(this.taskCountRecords),
      new Map(this.taskConfigGenerations),
      new Set(this.pendingFencing),
    );
  }

  /** Reads the config topic to its end (what was written before this call is in the next snapshot). */
  refresh(): Promise<void> {
    return this.log.readToEnd();
  }

  private apply(r: ConsumerRecord): void {
    this.offset = r.offset + 1;
    const key = r.key === null ? null : r.key.toString('utf8');
    if (key === null) return;
    const value = parseJsonValue(r.value);
    if (value === undefined) {
      this.logger.error(`Failed to convert config data to Kafka Connect format for key ${key}`);
      return;
    }
    if (key.startsWith(TARGET_STATE_PREFIX)) this.applyTargetState(key.slice(TARGET_STATE_PREFIX.length), value);
    else if (key.startsWith(CONNECTOR_PREFIX)) this.applyConnectorConfig(key.slice(CONNECTOR_PREFIX.length), value);
    else if (key.startsWith(TASK_COUNT_RECORD_PREFIX)) this.applyTaskCount(key.slice(TASK_COUNT_RECORD_PREFIX.length), value);
    else if (key.startsWith(TASK_PREFIX)) this.applyTaskConfig(key.slice(TASK_PREFIX.length), value);
    else if (key.startsWith(COMMIT_TASKS_PREFIX)) this.applyCommit(key.slice(COMMIT_TASKS_PREFIX.length), value);
    else if (key.startsWith(RESTART_PREFIX)) this.applyRestart(key.slice(RESTART_PREFIX.length), value);
    else if (key === SESSION_KEY_KEY) this.applySessionKey(value);
    else if (key.startsWith(LOGGER_CLUSTER_PREFIX)) {
      const level = isObj(value) ? value.level : undefined;
      if (typeof level === 'string' && this.started) this.listener?.onLoggingLevelUpdate(key.slice(LOGGER_CLUSTER_PREFIX.length), level);
    } else this.logger.error(`Discarding config update record with invalid key: ${key}`);
  }

  private applyTargetState(connector: string, value: unknown): void {
    if (value === null) {
      this.targetStates.delete(connector);
      if (this.connectorConfigs.has(connector)) this.targetStates.set(connector, 'STARTED');
      return;
    }
    if (!isObj(value)) return;
    let s = value['state.v2'];
    if (typeof s !== 'string') s = value.state;
    if (s !== 'STARTED' && s !== 'PAUSED' && s !== 'STOPPED') {
      this.logger.error(`Invalid target state for connector '${connector}': ${String(s)}`);
      return;
    }
    const prev = this.targetStates.get(connector);
    this.targetStates.set(connector, s);
    if (this.started && prev !== s && this.connectorConfigs.has(connector)) this.listener?.onConnectorTargetStateChange(connector);
  }

  private applyConnectorConfig(connector: string, value: unknown): void {
    if (value === null) {
      this.connectorConfigs.delete(connector);
      this.targetStates.delete(connector);
      this.taskConfigs.delete(connector);
      this.taskCounts.delete(connector);
      this.deferred.delete(connector);
      this.inconsistent.delete(connector);
      if (this.started) this.listener?.onConnectorConfigRemove(connector);
      return;
    }
    const props = isObj(value) ? stringsOf(value.properties) : null;
    if (props === null) {
      this.logger.error(`Invalid data for config for connector '${connector}': 'properties' field should be a Map`);
      return;
    }
    this.connectorConfigs.set(connector, props);
    if (!this.targetStates.has(connector)) this.targetStates.set(connector, 'STARTED');
    if (this.started) this.listener?.onConnectorConfigUpdate(connector);
  }

  private applyTaskConfig(rest: string, value: unknown): void {
    const dash = rest.lastIndexOf('-');
    const task = Number(rest.slice(dash + 1));
    if (dash <= 0 || !Number.isInteger(task)) {
      this.logger.error(`Ignoring task configuration because ${rest} couldn't be parsed as a task config key`);
      return;
    }
    const connector = rest.slice(0, dash);
    if (value === null) return;
    const props = isObj(value) ? stringsOf(value.properties) : null;
    if (props === null) return;
    let d = this.deferred.get(connector);
    if (!d) this.deferred.set(connector, (d = new Map()));
    d.set(task, props);
  }

  private applyTaskCount(connector: string, value: unknown): void {
    const n = isObj(value) ? Number(value['task-count']) : NaN;
    if (!Number.isInteger(n)) {
      this.logger.error(`Ignoring task count record for connector '${connector}' because it is in the wrong format: ${JSON.stringify(value)}`);
      return;
    }
    this.taskCountRecords.set(connector, n);
    // a task count record after the latest task configs: their tasks need no further fencing
    this.pendingFencing.delete(connector);
  }

  private applyCommit(connector: string, value: unknown): void {
    if (!this.connectorConfigs.has(connector)) {
      // the connector was deleted and compaction removed its configs: ignore these task configs
      this.taskConfigs.delete(connector);
      this.taskCounts.delete(connector);
      this.deferred.delete(connector);
      return;
    }
    if (!isObj(value)) return;
    const n = Number(value.tasks);
    if (!Number.isInteger(n) || n < 0) return;
    const d = this.deferred.get(connector);
    const ids = new Set([...(this.taskConfigs.get(connector) ?? []).keys(), ...(d?.keys() ?? [])]);
    let complete = true;
    for (let i = 0; i < n; i++) if (!ids.has(i)) complete = false;
    const updated: ConnectorTaskId[] = [];
    if (!complete) this.inconsistent.add(connector);
    else {
      const current = this.taskConfigs.get(connector) ?? [];
      const next: Array<Record<string, string>> = [];
      for (let i = 0; i < n; i++) next.push(d?.get(i) ?? current[i]);
      if (d) for (const i of d.keys()) if (i < n) updated.push({ connector, task: i });
      this.taskConfigs.set(connector, next);
      this.inconsistent.delete(connector);
      // Kafka bumps the generation whenever deferred updates exist for the connector (even an empty set)
      if (d) this.taskConfigGenerations.set(connector, (this.taskConfigGenerations.get(connector) ?? -1) + 1);
    }
    d?.clear();
    this.taskCounts.set(connector, n);
    // task configs after the latest task count record: a round of zombie fencing must come before their tasks start
    this.pendingFencing.add(connector);
    if (this.started) this.listener?.onTaskConfigUpdate(updated.length > 0 || n === 0 ? updated : []);
  }

  private applyRestart(connector: string, value: unknown): void {
    if (!isObj(value)) return;
    const req: RestartRequest = { connector, includeTasks: value['include-tasks'] === true, onlyFailed: value['only-failed'] === true };
    if (this.started) this.listener?.onRestartRequest(req);
  }

  private applySessionKey(value: unknown): void {
    if (!isObj(value) || typeof value.key !== 'string' || typeof value.algorithm !== 'string' || typeof value['creation-timestamp'] !== 'number') {
      this.logger.error('Ignoring session key because it is not in the expected format');
      return;
    }
    this.sessionKey = { key: Buffer.from(value.key, 'base64'), algorithm: value.algorithm, creationTimestamp: value['creation-timestamp'] };
    if (this.started) this.listener?.onSessionKeyUpdate(this.sessionKey);
  }

  // ---------------------------------------------------------------- writes (each waits until read back)

  /** `putConnectorConfig`: the target state first (when given, KIP-980), then the config. */
  async putConnectorConfig(connector: string, props: Readonly<Record<string, string>>, targetState: TargetState | null): Promise<void> {
    const records: Array<{ key: string; value: string | null }> = [];
    if (targetState !== null) records.push({ key: ConfigRecords.targetStateKey(connector), value: ConfigRecords.targetState(targetState) });
    records.push({ key: ConfigRecords.connectorKey(connector), value: ConfigRecords.connectorConfig(props) });
    await this.sendPrivileged(records);
    await this.log.readToEnd();
  }

  /** Tombstones for the connector's config and target state. */
  async removeConnectorConfig(connector: string): Promise<void> {
    await this.sendPrivileged([
      { key: ConfigRecords.connectorKey(connector), value: null },
      { key: ConfigRecords.targetStateKey(connector), value: null },
    ]);
    await this.log.readToEnd();
  }

  /** Every task config, then (read back) the commit record that applies them. */
  async putTaskConfigs(connector: string, configs: ReadonlyArray<Readonly<Record<string, string>>>): Promise<void> {
    await this.log.readToEnd();
    if (configs.length > 0) {
      await this.sendPrivileged(configs.map((c, i) => ({ key: ConfigRecords.taskKey({ connector, task: i }), value: ConfigRecords.taskConfig(c) })));
      await this.log.readToEnd();
    }
    await this.sendPrivileged([{ key: ConfigRecords.commitKey(connector), value: ConfigRecords.commit(configs.length) }]);
    await this.log.readToEnd();
  }

  /** `putTaskCountRecord` (KIP-618): the task producers a later zombie fencing must fence; read back before resolving. */
  async putTaskCountRecord(connector: string, taskCount: number): Promise<void> {
    await this.sendPrivileged([{ key: ConfigRecords.taskCountKey(connector), value: ConfigRecords.taskCount(taskCount) }]);
    await this.log.readToEnd();
  }

  async putTargetState(connector: string, state: TargetState): Promise<void> {
    await this.log.send(ConfigRecords.targetStateKey(connector), ConfigRecords.targetState(state));
  }

  async putSessionKey(key: SessionKey): Promise<void> {
    await this.sendPrivileged([{ key: SESSION_KEY_KEY, value: ConfigRecords.sessionKey(key) }]);
    await this.log.readToEnd();
  }

  async putRestartRequest(r: RestartRequest): Promise<void> {
    await this.sendPrivileged([{ key: ConfigRecords.restartKey(r.connector), value: ConfigRecords.restartRequest(r) }]);
    await this.log.readToEnd();
  }

  async putLoggerLevel(namespace: string, level: string): Promise<void> {
    await this.log.send(ConfigRecords.loggerKey(namespace), ConfigRecords.loggerLevel(level));
  }
}
