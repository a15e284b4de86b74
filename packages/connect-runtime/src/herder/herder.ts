/**
 * What the REST API needs of a herder (`Herder`): the standalone and the
 * distributed herder both implement it. Methods may answer synchronously or
 * with a promise; errors are the herder errors (NotFound, AlreadyExists,
 * BadRequest, NotLeader/NotAssigned to forward, RebalanceNeeded).
 */
import type { ConfigInfos } from '../config/connector-config';
import type { Plugins } from '../plugins/plugins';
import type { ConnectorInfo, ConnectorStateInfo, ConnectorTaskId, TargetState, TaskInfo } from './status';

export type MaybePromise<T> = T | Promise<T>;

export interface TaskStateInfo {
  id: number;
  state: string;
  worker_id: string;
  trace?: string;
}

export interface ConnectorOffsets {
  offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> | null }>;
}

export interface LoggerLevel {
  level: string;
  last_modified: number | null;
}

export interface Herder {
  readonly workerId: string;
  readonly plugins: Plugins;
  /** Health (KIP-1017): whether the herder finished starting. */
  isReady(): boolean;
  connectors(): MaybePromise<string[]>;
  connectorInfo(name: string): MaybePromise<ConnectorInfo>;
  connectorConfig(name: string): MaybePromise<Record<string, string>>;
  connectorStatus(name: string): MaybePromise<ConnectorStateInfo>;
  taskInfos(name: string): MaybePromise<TaskInfo[]>;
  taskStatus(id: ConnectorTaskId): MaybePromise<TaskStateInfo>;
  taskMetrics?(id: ConnectorTaskId): Record<string, number> | null;
  validate(props: Record<string, string>): MaybePromise<ConfigInfos>;
  putConnectorConfig(name: string, props: Record<string, string>, allowReplace: boolean, initialState?: TargetState): Promise<{ created: boolean; info: ConnectorInfo }>;
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;
  setTargetState(name: string, target: TargetState): Promise<void>;
  restartConnector(name: string): Promise<void>;
  restartConnectorAndTasks(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<ConnectorStateInfo>;
  restartTask(id: ConnectorTaskId): Promise<void>;
  offsets(name: string): MaybePromise<ConnectorOffsets>;
  alterOffsets(name: string, offsets: ConnectorOffsets['offsets']): Promise<string>;
  resetOffsets(name: string): Promise<string>;
  connectorActiveTopics(name: string): MaybePromise<string[]>;
  resetConnectorActiveTopics(name: string): MaybePromise<void>;
  /** Internal (distributed): task configs a worker sends to the leader (`POST /connectors/{c}/tasks`). */
  putTaskConfigs?(name: string, configs: Array<Record<string, string>>, signature: { key: string | undefined; algorithm: string | undefined; body: Buffer }): Promise<void>;
  /** Internal (distributed, KIP-618): `PUT /connectors/{c}/fence`. */
  fenceZombies?(name: string, signature: { key: string | undefined; algorithm: string | undefined; body: Buffer }): Promise<void>;
  loggers(): Record<string, LoggerLevel>;
  loggerLevel(name: string): LoggerLevel | null;
  setLoggerLevel(namespace: string, level: string, scope: 'worker' | 'cluster'): MaybePromise<string[] | null>;
  stop(): Promise<void>;
}
