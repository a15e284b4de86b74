/**
 * `DistributedHerder`: a worker in a Connect cluster.
 *
 * Workers with the same `group.id` form a group (protocol type `connect`)
 * through the broker's group coordinator; the coordinator's chosen leader
 * assigns connectors and tasks (eager or incremental cooperative, per
 * `connect.protocol`, see ./connect-protocol and ../distributed/assignors).
 * Configs live in the config topic (only the leader writes it: followers
 * forward REST writes to the leader's URL, and send the task configs their
 * connectors generate to the leader over the signed internal endpoint,
 * KIP-507), source offsets in the offsets topic, statuses in the status topic.
 *
 * One loop (Kafka's herder thread) does the work in order: keep the group
 * membership (rejoin when asked), apply a new assignment (catching up with
 * the config topic first; CONFIG_MISMATCH rejoins; a scheduled rebalance
 * delay rejoins later), apply config-topic updates, handle restart requests,
 * rotate the session key (leader), reconcile what runs here with the
 * assignment and the configs, regenerate task configs of connectors that
 * changed, and run queued write requests. Read requests (lists, configs,
 * statuses) are answered from memory at once.
 */
import { javaMapString } from '../util/properties';
import { Cluster, GroupMember, resolveCommon, type JoinCompleteArgs, type LeaderAssignArgs } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { ConnectException, NotFoundException } from '@nagare/connect-api';
import { invalidConfigMessage, validateConnectorConfig, type ConfigInfos } from '../config/connector-config';
import { EagerAssignor, IncrementalCooperativeAssignor, serializeAssignments, taskKey, type AssignmentConfigView, type ConnectAssignor } from '../distributed/assignors';
import {
  CONFIG_MISMATCH,
  CONNECT_PROTOCOL_TYPE,
  CONNECT_PROTOCOL_V0,
  CONNECT_PROTOCOL_V2,
  compatibilityOfProtocolName,
  deserializeAssignment,
  deserializeMetadata,
  metadataRequest,
  PROTOCOL_VERSIONS,
  type ConnectAssignment,
  type WorkerState,
} from '../distributed/connect-protocol';
import { exactlyOnceSourceEnabled, type DistributedConfig } from '../distributed/distributed-config';
import { generateSessionKey, signedHeaders, verifySignature } from '../distributed/request-signature';
import type { Plugins } from '../plugins/plugins';
import { ClusterConfigState, PrivilegedWriteException, type KafkaConfigBackingStore, type RestartRequest, type SessionKey } from '../storage/kafka-config-store';
import type { KafkaOffsetBackingStore } from '../storage/kafka-offset-store';
import type { KafkaStatusBackingStore } from '../storage/kafka-status-store';
import { commonClientOptions } from '../util/client-config';
import type { LoggerLevels } from '../util/logger-levels';
import type { ExactlyOnceTaskChecks, Worker } from '../worker/worker';
import { ExactlyOnceWorkerSourceTask } from '../worker/exactly-once-worker-source-task';
import { AlreadyExistsException, BadRequestLike, ConnectRestException, NotAssignedException, NotLeaderException, RebalanceNeededException } from './errors';
import type { ConnectorOffsets, Herder, LoggerLevel, TaskStateInfo } from './herder';
import { traceOf, type ConnectorInfo, type ConnectorStateInfo, type ConnectorTaskId, type State, type TargetState, type TaskInfo } from './status';

/** Sends an HTTP request to another worker; resolves with its status and JSON body. */
export type ForwardFn = (url: string, method: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: unknown }>;

export interface DistributedHerderOptions {
  config: DistributedConfig;
  worker: Worker;
  configStore: KafkaConfigBackingStore;
  statusStore: KafkaStatusBackingStore;
  offsetStore: KafkaOffsetBackingStore;
  /** This worker's advertised REST URL, e.g. `http://host:8083/`. */
  restUrl: string;
  kafkaClusterId: string;
  logger: Logger;
  forward: ForwardFn;
  loggerLevels: LoggerLevels;
}

interface Request {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const ids = (cs: Iterable<ConnectorTaskId>): string[] => [...cs].map(taskKey);

/** Kafka's CONFIG_TOPIC_WRITE_PRIVILEGES_BACKOFF_MS. */
const CONFIG_TOPIC_WRITE_PRIVILEGES_BACKOFF_MS = 250;

/**
 * An active zombie fencing (Kafka's `DistributedHerder.ZombieFencing`): the
 * producers of the last recorded task count fenced through the admin client,
 * then (in the herder loop) a task count record for the current tasks.
 * Callers wait on `done`; `fail` ends it early (new task configs arrived).
 */
interface ZombieFencing {
  done: Promise<void>;
  fail(e: Error): void;
}

export class DistributedHerder implements Herder {
  readonly workerId: string;
  readonly plugins: Plugins;
  private readonly config: DistributedConfig;
  private readonly worker: Worker;
  private readonly member: GroupMember;
  private readonly cluster: Cluster;
  private readonly logger: Logger;
  private readonly assignor: ConnectAssignor;
  private readonly eagerAssignor = new EagerAssignor();
  private configState: ClusterConfigState = ClusterConfigState.EMPTY;
  /** What the group assigned this worker (cumulative under the cooperative protocol). */
  private assignedConnectors = new Set<string>();
  private assignedTasks = new Map<string, ConnectorTaskId>();
  private pendingAssignment: { a: ConnectAssignment; generation: number; leader: boolean } | null = null;
  private leaderUrlValue: string | null = null;
  private leader = false;
  private generation = -1;
  private lastCompletedGeneration = -1;
  private protocolVersion = CONNECT_PROTOCOL_V0;
  private rebalanceResolved = false;
  private scheduledRejoinAt = 0;
  /** Leader: who runs what (URL), for forwarding restarts to the owner. */
  private ownerOfConnector = new Map<string, string>();
  private ownerOfTask = new Map<string, string>();
  /** What runs here, and with which config. */
  private readonly runningConnectors = new Map<string, { config: string; target: TargetState }>();
  private readonly runningTasks = new Map<string, { id: ConnectorTaskId; config: string; target: TargetState }>();
  private readonly needsTaskReconfig = new Set<string>();
  /** When a connector's failed task reconfiguration may be retried, and how many attempts failed. */
  private readonly failedReconfig = new Map<string, { retryAt: number; attempts: number }>();
  /** Task configs on their way to the leader (a follower's forward runs beside the herder loop). */
  private readonly taskConfigForwards = new Map<string, Promise<void>>();
  private readonly restartRequests: RestartRequest[] = [];
  private readonly requests: Request[] = [];
  private configChanged = false;
  private needsReconfigRebalance = false;
  private wake: (() => void) | null = null;
  private stopping = false;
  /** Resolves when stop() is called: what a JoinGroup wait races (Kafka's member.wakeup()). */
  private stopRequested!: Promise<void>;
  private requestStop: () => void = () => undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private ready = false;
  private sessionKey: SessionKey | null = null;
  /** The leader's last privileged write to the config topic failed (a newer leader may have fenced it): claim again or give up. */
  private fencedFromConfigTopic = false;
  /** KIP-618: the zombie fencings in progress, by connector (the leader's). */
  private readonly activeZombieFencings = new Map<string, ZombieFencing>();

  constructor(private readonly o: DistributedHerderOptions) {
    this.config = o.config;
    this.worker = o.worker;
    this.workerId = o.worker.workerId;
    this.plugins = o.worker.plugins;
    this.logger = o.logger;
    this.assignor = this.config.connectProtocol === 'eager' ? this.eagerAssignor : new IncrementalCooperativeAssignor(this.config.scheduledRebalanceMaxDelayMs);
    this.cluster = new Cluster(resolveCommon({ ...commonClientOptions({ ...this.config.props }), clientId: `connect-${this.workerId}` }, 'connect'), false);
    this.member = new GroupMember({
      cluster: this.cluster,
      groupId: this.config.groupId,
      protocolType: CONNECT_PROTOCOL_TYPE,
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      protocols: () => metadataRequest(this.config.connectProtocol, this.workerState()),
      assign: (args) => this.performAssignment(args),
      onJoinPrepare: ({ lost }) => this.onJoinPrepare(lost),
      onJoinComplete: (args) => this.onJoinComplete(args),
      onGenerationLost: () => this.wakeup(),
    });
    this.o.configStore.listener = {
      onConnectorConfigUpdate: (c) => this.onConfigUpdate(c, false),
      onConnectorConfigRemove: (c) => this.onConfigUpdate(c, true),
      onTaskConfigUpdate: (tasks) => {
        this.needsReconfigRebalance = true;
        this.configChanged = true;
        // a fencing for the previous task configs must not write a task count record for the new ones
        for (const c of new Set(tasks.map((t) => t.connector))) this.activeZombieFencings.get(c)?.fail(new ConnectRestException(409, 'Failed to complete zombie fencing because a new set of task configs was generated'));
        this.wakeup();
      },
      onConnectorTargetStateChange: () => {
        this.configChanged = true;
        this.wakeup();
      },
      onSessionKeyUpdate: (k) => {
        this.sessionKey = k;
        this.wakeup();
      },
      onRestartRequest: (r) => {
        this.restartRequests.push(r);
        this.wakeup();
      },
      onLoggingLevelUpdate: (ns, level) => {
        this.logger.info(`Setting level of namespace ${ns} and children to ${level}`);
        this.o.loggerLevels.set(ns, level);
      },
    };
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts the loop (the stores are started by the caller). */
  start(): void {
    this.configState = this.o.configStore.snapshot();
    this.sessionKey = this.configState.sessionKey;
    this.stopRequested = new Promise<void>((r) => (this.requestStop = r));
    this.loopDone = this.loop();
  }

  isReady(): boolean {
    return this.ready;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get memberId(): string {
    return this.member.memberId;
  }

  /** Connectors and tasks this worker runs now (for tests and metrics). */
  runningWork(): { connectors: string[]; tasks: ConnectorTaskId[] } {
    return { connectors: [...this.runningConnectors.keys()].sort(), tasks: [...this.runningTasks.values()].map((t) => t.id) };
  }

  private wakeup(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => {
        this.wake = null;
        r();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (e) {
        if (this.stopping) break;
        this.logger.error({ err: e }, 'Uncaught exception in herder work thread; will retry');
        await this.waitForWork(1000);
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.scheduledRejoinAt > 0 && Date.now() >= this.scheduledRejoinAt) {
      this.scheduledRejoinAt = 0;
      this.member.requestRejoin('scheduled rebalance delay expired');
    }
    if (this.member.needsRejoin) {
      this.rebalanceResolved = false;
      // a JoinGroup may wait up to rebalance.timeout.ms for the others; stop() must not
      const joined = this.member.ensureActive(Math.max(this.config.rebalanceTimeoutMs, 10000));
      joined.catch(() => undefined); // after stop() nobody awaits it: its CLIENT_CLOSED is expected
      await Promise.race([joined, this.stopRequested]);
      if (this.stopping) return;
    }
    this.member.poll();
    if (this.pendingAssignment) await this.handleAssignment();
    if (!this.rebalanceResolved || this.member.needsRejoin || this.stopping) {
      await this.failQueuedRequestsIfRejoining();
      if (!this.stopping) await this.waitForWork(100);
      return;
    }
    if (this.fencedFromConfigTopic) {
      if (this.leader) {
        // fenced out, perhaps by a zombie leader: claim the config topic again
        try {
          this.logger.debug('Reclaiming write privileges for config topic after being fenced out');
          await this.o.configStore.claimWritePrivileges();
          this.fencedFromConfigTopic = false;
        } catch (e) {
          this.logger.warn({ err: e }, 'Unable to claim write privileges for config topic. Will backoff and possibly retry if still the leader');
          await this.waitForWork(CONFIG_TOPIC_WRITE_PRIVILEGES_BACKOFF_MS);
          return;
        }
      } else this.fencedFromConfigTopic = false; // a new leader was elected: it is the writer now
    }
    if (this.configChanged) {
      this.configChanged = false;
      this.configState = this.o.configStore.snapshot();
      if (this.needsReconfigRebalance) {
        this.needsReconfigRebalance = false;
        if (this.config.connectProtocol !== 'eager') await this.stopTasksWithChangedConfigs();
        this.member.requestRejoin('task or connector configs changed');
        return;
      }
    }
    await this.processRestartRequests();
    if (this.leader) await this.maybeRotateSessionKey();
    await this.reconcile();
    await this.reconfigureConnectorTasks();
    await this.runRequests();
    this.ready = true;
    const next = this.scheduledRejoinAt > 0 ? Math.max(0, this.scheduledRejoinAt - Date.now()) : 1000;
    const reconfigDue = this.reconfigDueInMs();
    if (this.requests.length === 0 && !this.configChanged && this.restartRequests.length === 0 && !this.member.needsRejoin && reconfigDue !== 0) await this.waitForWork(Math.min(next, reconfigDue ?? 1000, 1000));
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.requestStop();
    this.wakeup();
    await this.loopDone.catch(() => undefined);
    for (const r of this.requests.splice(0)) r.reject(new ConnectException('Worker is shutting down'));
    await this.stopAll();
    await this.member.close().catch(() => undefined);
    this.cluster.close();
    await this.worker.stop();
  }

  // ------------------------------------------------------------------ group membership

  private workerState(): WorkerState {
    return {
      url: this.o.restUrl,
      configOffset: this.configState.offset,
      assignment: {
        version: PROTOCOL_VERSIONS[this.config.connectProtocol],
        error: 0,
        leader: this.member.leaderId ?? '',
        leaderUrl: this.leaderUrlValue ?? '',
        configOffset: this.configState.offset,
        connectors: [...this.assignedConnectors],
        tasks: [...this.assignedTasks.values()],
        revokedConnectors: [],
        revokedTasks: [],
        delay: 0,
      },
    };
  }

  private async onJoinPrepare(lost: boolean): Promise<void> {
    this.rebalanceResolved = false;
    // Eager: everything is revoked at each rebalance; cooperative: only when the generation was lost.
    if (this.config.connectProtocol === 'eager' || this.protocolVersion === CONNECT_PROTOCOL_V0 || lost) {
      await this.stopAll();
      this.assignedConnectors.clear();
      this.assignedTasks.clear();
    }
  }

  private async configAtLeast(maxOffset: number): Promise<AssignmentConfigView | null> {
    if (this.configState.offset < maxOffset) {
      await this.o.configStore.refresh().catch(() => undefined);
      const fresh = this.o.configStore.snapshot();
      if (fresh.offset < maxOffset) return null;
      this.configState = fresh;
    }
    const cs = this.configState;
    return { offset: cs.offset, connectors: () => cs.connectors(), tasks: (c) => cs.tasks(c) };
  }

  private async performAssignment(args: LeaderAssignArgs): Promise<Map<string, Buffer>> {
    const compat = compatibilityOfProtocolName(args.protocolName);
    const version = PROTOCOL_VERSIONS[compat];
    const members = new Map<string, WorkerState>();
    for (const m of args.members) members.set(m.memberId, deserializeMetadata(m.metadata));
    let maxOffset = -1;
    for (const m of members.values()) maxOffset = Math.max(maxOffset, m.configOffset);
    const view = await this.configAtLeast(maxOffset);
    const assignor = version === CONNECT_PROTOCOL_V0 ? this.eagerAssignor : this.assignor;
    const result = assignor.performAssignment(
      {
        leaderId: args.leaderId,
        protocolVersion: version,
        configAtLeast: () => view,
        lastCompletedGenerationId: this.lastCompletedGeneration,
        generationId: args.generationId,
        now: Date.now(),
      },
      members,
    );
    // who runs what after this round (for forwarding restarts to the owner)
    this.ownerOfConnector = new Map();
    this.ownerOfTask = new Map();
    for (const [m, a] of result) {
      const url = members.get(m)!.url;
      const prev = version === CONNECT_PROTOCOL_V0 ? null : members.get(m)!.assignment;
      const revokedC = new Set(a.revokedConnectors);
      const revokedT = new Set(ids(a.revokedTasks));
      for (const c of [...(prev?.connectors ?? []), ...a.connectors]) if (!revokedC.has(c)) this.ownerOfConnector.set(c, url);
      for (const t of [...(prev?.tasks ?? []), ...a.tasks]) if (!revokedT.has(taskKey(t))) this.ownerOfTask.set(taskKey(t), url);
    }
    return serializeAssignments(result, version);
  }

  private onJoinComplete(args: JoinCompleteArgs): void {
    const version = PROTOCOL_VERSIONS[compatibilityOfProtocolName(args.protocolName)];
    this.protocolVersion = version;
    const a = deserializeAssignment(args.assignment) ?? { version, error: 0, leader: args.leaderId, leaderUrl: '', configOffset: -1, connectors: [], tasks: [], revokedConnectors: [], revokedTasks: [], delay: 0 };
    this.pendingAssignment = { a, generation: args.generationId, leader: args.isLeader };
    this.wakeup();
  }

  private async handleAssignment(): Promise<void> {
    const { a, generation, leader } = this.pendingAssignment!;
    this.pendingAssignment = null;
    this.generation = generation;
    this.leader = leader;
    this.leaderUrlValue = a.leaderUrl === '' ? null : a.leaderUrl;
    if (a.error === CONFIG_MISMATCH) {
      this.logger.info('Joined group with CONFIG_MISMATCH: reading the config topic to its end and rejoining');
      await this.o.configStore.refresh().catch(() => undefined);
      this.configState = this.o.configStore.snapshot();
      this.member.requestRejoin('config offset mismatch');
      return;
    }
    if (a.configOffset > this.configState.offset) {
      const deadline = Date.now() + this.config.workerSyncTimeoutMs;
      while (this.o.configStore.snapshot().offset < a.configOffset && Date.now() < deadline) {
        await Promise.race([this.o.configStore.refresh(), new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]).catch(() => undefined);
      }
      this.configState = this.o.configStore.snapshot();
      if (this.configState.offset < a.configOffset) {
        this.logger.warn(`Didn't reach end of config log quickly enough (offset ${this.configState.offset} < ${a.configOffset}): rejoining the group`);
        this.member.requestRejoin('config topic not caught up');
        return;
      }
    } else this.configState = this.o.configStore.snapshot();
    this.sessionKey = this.configState.sessionKey ?? this.sessionKey;
    if (a.version === CONNECT_PROTOCOL_V0) {
      this.assignedConnectors = new Set(a.connectors);
      this.assignedTasks = new Map(a.tasks.map((t) => [taskKey(t), t]));
    } else {
      for (const c of a.revokedConnectors) this.assignedConnectors.delete(c);
      for (const t of a.revokedTasks) this.assignedTasks.delete(taskKey(t));
      const revoked = a.revokedConnectors.length > 0 || a.revokedTasks.length > 0;
      if (revoked) {
        await this.stopConnectors(a.revokedConnectors.filter((c) => this.runningConnectors.has(c)));
        await this.stopTasks(a.revokedTasks.filter((t) => this.runningTasks.has(taskKey(t))));
      }
      for (const c of a.connectors) this.assignedConnectors.add(c);
      for (const t of a.tasks) this.assignedTasks.set(taskKey(t), t);
      if (revoked) this.member.requestRejoin('connectors or tasks were revoked');
    }
    this.scheduledRejoinAt = a.delay > 0 ? Date.now() + a.delay : 0;
    this.lastCompletedGeneration = generation;
    if (leader && this.o.configStore.usesFencableWriter) {
      // as the leader this worker is the config topic's writer (connector configs, session keys, task count records)
      try {
        await this.o.configStore.claimWritePrivileges();
      } catch (e) {
        this.fencedFromConfigTopic = true;
        this.logger.error({ err: e }, 'Unable to claim write privileges for config topic after being elected leader during rebalance');
      }
    }
    this.rebalanceResolved = true;
    this.logger.info(
      `Joined group at generation ${generation} as ${leader ? 'the leader' : 'a follower'} (leader ${a.leaderUrl}): assigned connectors ${JSON.stringify([...this.assignedConnectors])}, tasks ${JSON.stringify(ids(this.assignedTasks.values()).map((k) => k.replace('\u0000', '-')))}${a.delay > 0 ? `, rebalance scheduled in ${a.delay} ms` : ''}`,
    );
    // Every owned connector regenerates its task configs after a rebalance (Kafka reconfigures connectors it starts).
    for (const c of this.assignedConnectors) if (!this.runningConnectors.has(c)) this.needsTaskReconfig.add(c);
  }

  private onConfigUpdate(connector: string, removed: boolean): void {
    // Additions and removals need a rebalance; a changed config only bounces the connector where it runs.
    if (removed || !this.configState.contains(connector)) this.needsReconfigRebalance = true;
    this.configChanged = true;
    this.wakeup();
  }

  private async failQueuedRequestsIfRejoining(): Promise<void> {
    // Requests wait for the rebalance; the REST layer times out long waits.
  }

  // ------------------------------------------------------------------ running work

  private connectorListener = {
    onStartup: (n: string) => this.putConnectorStatus(n, 'RUNNING'),
    onPause: (n: string) => this.putConnectorStatus(n, 'PAUSED'),
    onResume: (n: string) => this.putConnectorStatus(n, 'RUNNING'),
    onStop: (n: string) => this.putConnectorStatus(n, 'STOPPED'),
    // failures are "safe" writes (Kafka's putSafe): a zombie's failure does not overwrite the status the new owner wrote
    onFailure: (n: string, e: Error) => this.putConnectorStatus(n, 'FAILED', traceOf(e), true),
    onShutdown: (n: string) => this.putConnectorStatus(n, 'UNASSIGNED', null, true),
  };

  private taskListener = {
    onStartup: (id: ConnectorTaskId) => this.putTaskStatus(id, 'RUNNING'),
    onPause: (id: ConnectorTaskId) => this.putTaskStatus(id, 'PAUSED'),
    onResume: (id: ConnectorTaskId) => this.putTaskStatus(id, 'RUNNING'),
    onFailure: (id: ConnectorTaskId, e: Error) => {
      this.logger.error({ err: e }, `Task ${id.connector}-${id.task} failed`);
      this.putTaskStatus(id, 'FAILED', traceOf(e), true);
    },
    onShutdown: (id: ConnectorTaskId) => this.putTaskStatus(id, 'UNASSIGNED', null, true),
  };

  private putConnectorStatus(name: string, state: State, trace: string | null = null, safe = false): void {
    this.o.statusStore.putConnector(name, { state, trace, workerId: this.workerId, generation: this.generation }, safe).catch((e: unknown) => this.logger.error({ err: e }, `Failed to write status of connector ${name}`));
  }

  private putTaskStatus(id: ConnectorTaskId, state: State, trace: string | null = null, safe = false): void {
    this.o.statusStore.putTask(id, { state, trace, workerId: this.workerId, generation: this.generation }, safe).catch((e: unknown) => this.logger.error({ err: e }, `Failed to write status of task ${id.connector}-${id.task}`));
  }

  private connectorContext(name: string) {
    return {
      requestTaskReconfiguration: () => {
        this.needsTaskReconfig.add(name);
        this.wakeup();
      },
      raiseError: (e: Error) => this.connectorListener.onFailure(name, e),
    };
  }

  private async startConnector(name: string): Promise<void> {
    const config = this.configState.connectorConfig(name)!;
    const target = this.configState.targetState(name)!;
    this.putConnectorStatus(name, 'UNASSIGNED');
    this.runningConnectors.set(name, { config: JSON.stringify(config), target });
    const ok = await this.worker.startConnector(name, config, this.connectorContext(name), this.connectorListener, target);
    if (ok && target !== 'STOPPED') this.needsTaskReconfig.add(name);
  }

  private async stopConnectors(names: string[]): Promise<void> {
    for (const n of names) {
      await this.worker.stopConnector(n);
      this.runningConnectors.delete(n);
      this.connectorListener.onShutdown(n);
    }
  }

  private async stopTasks(tasks: ConnectorTaskId[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.worker.stopAndAwaitTasks(tasks);
    for (const t of tasks) {
      this.runningTasks.delete(taskKey(t));
      this.taskListener.onShutdown(t);
    }
  }

  private async stopAll(): Promise<void> {
    await this.stopTasks([...this.runningTasks.values()].map((t) => t.id));
    await this.stopConnectors([...this.runningConnectors.keys()]);
  }

  /** Cooperative: tasks of connectors whose task configs changed stop before the rebalance (Kafka's stopReconfiguredTasks). */
  private async stopTasksWithChangedConfigs(): Promise<void> {
    const stale = [...this.runningTasks.values()].filter((t) => {
      const c = this.configState.taskConfig(t.id);
      return c === undefined || JSON.stringify(c) !== t.config;
    });
    await this.stopTasks(stale.map((t) => t.id));
  }

  /** Makes what runs here match the assignment, the configs and the target states. */
  private async reconcile(): Promise<void> {
    const cs = this.configState;
    // connectors
    for (const [name, r] of [...this.runningConnectors]) {
      if (!this.assignedConnectors.has(name) || !cs.contains(name)) {
        await this.stopConnectors([name]);
        continue;
      }
      const config = JSON.stringify(cs.connectorConfig(name));
      if (config !== r.config) {
        this.logger.info(`Handling connector-only config update by restarting connector ${name}`);
        await this.stopConnectors([name]);
        continue; // started again below
      }
      const target = cs.targetState(name)!;
      if (target !== r.target) {
        const wasStopped = r.target === 'STOPPED';
        r.target = target;
        await this.worker.setConnectorTarget(name, target, cs.connectorConfig(name)!, this.connectorListener);
        if (target !== 'STOPPED' && wasStopped) this.needsTaskReconfig.add(name);
      }
    }
    for (const name of this.assignedConnectors) {
      if (!cs.contains(name) || this.runningConnectors.has(name)) continue;
      await this.startConnector(name);
    }
    // tasks
    const stop: ConnectorTaskId[] = [];
    for (const t of this.runningTasks.values()) {
      const c = cs.taskConfig(t.id);
      if (!this.assignedTasks.has(taskKey(t.id)) || c === undefined || JSON.stringify(c) !== t.config || cs.targetState(t.id.connector) === 'STOPPED') stop.push(t.id);
    }
    await this.stopTasks(stop);
    for (const t of this.runningTasks.values()) {
      const target = cs.targetState(t.id.connector)!;
      if (target !== t.target && target !== 'STOPPED') {
        t.target = target;
        this.worker.task(t.id)?.transitionTo(target);
      }
    }
    for (const [k, id] of this.assignedTasks) {
      if (this.runningTasks.has(k)) continue;
      const taskConfig = cs.taskConfig(id);
      const target = cs.targetState(id.connector);
      if (taskConfig === undefined || target === undefined || target === 'STOPPED') continue;
      this.runningTasks.set(k, { id, config: JSON.stringify(taskConfig), target });
      this.putTaskStatus(id, 'UNASSIGNED');
      const ok = await this.worker.startTask(id, cs.connectorConfig(id.connector)!, taskConfig, this.taskListener, target === 'PAUSED' ? 'PAUSED' : 'STARTED', this.exactlyOnceChecks(id));
      if (!ok) this.logger.error(`Failed to start task ${id.connector}-${id.task}`);
    }
  }

  /**
   * Connectors that run here and (re)generate task configs: written when this worker leads,
   * else sent to the leader. The send does not hold up the herder loop (Kafka forwards on
   * its own executor): the leader may be waiting for this worker to rejoin a rebalance
   * before it answers. Failures retry with Kafka's backoff (250 ms doubling to 60 s).
   */
  private async reconfigureConnectorTasks(): Promise<void> {
    const now = Date.now();
    for (const name of [...this.needsTaskReconfig]) {
      const failed = this.failedReconfig.get(name);
      if (failed !== undefined && failed.retryAt > now) continue;
      if (this.taskConfigForwards.has(name)) continue; // looked at again when that send ends
      this.needsTaskReconfig.delete(name);
      const running = this.runningConnectors.get(name);
      if (!running || running.target !== 'STARTED' || !this.worker.isRunning(name)) continue;
      const cs = this.configState;
      let configs: Array<Record<string, string>>;
      try {
        configs = await this.worker.taskConfigs(name, Number(cs.connectorConfig(name)?.['tasks.max'] ?? 1));
      } catch (e) {
        this.connectorListener.onFailure(name, e as Error);
        continue;
      }
      const current = cs.taskConfigsOf(name);
      const changed = cs.isInconsistent(name) || current.length !== configs.length || configs.some((c, i) => JSON.stringify(c) !== JSON.stringify(current[i]));
      if (!changed) continue;
      if (this.leader) {
        try {
          await this.writeTaskConfigs(name, configs);
          this.failedReconfig.delete(name);
        } catch (e) {
          this.reconfigFailed(name, e);
        }
        continue;
      }
      const send = this.sendTaskConfigsToLeader(name, configs).then(
        () => {
          this.failedReconfig.delete(name);
        },
        (e: unknown) => this.reconfigFailed(name, e),
      );
      this.taskConfigForwards.set(name, send);
      void send.finally(() => {
        this.taskConfigForwards.delete(name);
        this.wakeup();
      });
    }
  }

  private reconfigFailed(name: string, e: unknown): void {
    const attempts = (this.failedReconfig.get(name)?.attempts ?? 0) + 1;
    const backoff = Math.min(250 * 2 ** (attempts - 1), 60_000);
    this.logger.warn({ err: e }, `Failed to reconfigure connector's tasks (${name}), retrying after backoff (${backoff} ms)`);
    this.failedReconfig.set(name, { retryAt: Date.now() + backoff, attempts });
    this.needsTaskReconfig.add(name);
  }

  /** Ms until a pending task reconfiguration is due (0 = now), or null when none is pending. */
  private reconfigDueInMs(): number | null {
    let due: number | null = null;
    const now = Date.now();
    for (const name of this.needsTaskReconfig) {
      if (this.taskConfigForwards.has(name)) continue;
      const wait = Math.max(0, (this.failedReconfig.get(name)?.retryAt ?? now) - now);
      due = due === null ? wait : Math.min(due, wait);
    }
    return due;
  }

  private async writeTaskConfigs(name: string, configs: ReadonlyArray<Record<string, string>>): Promise<void> {
    if (this.configState.targetState(name) === 'STOPPED' && configs.length > 0) throw new BadRequestLike(`Cannot submit non-empty set of task configs for stopped connector ${name}`);
    await this.writeToConfigTopicAsLeader(() => this.o.configStore.putTaskConfigs(name, configs));
  }

  private async sendTaskConfigsToLeader(name: string, configs: Array<Record<string, string>>): Promise<void> {
    const leaderUrl = this.leaderUrlValue;
    if (!leaderUrl) throw new ConnectException('Request to leader to reconfigure connector tasks failed because the URL of the leader\'s REST interface is empty!');
    const body = Buffer.from(JSON.stringify(configs));
    const headers: Record<string, string> = {};
    if (this.protocolVersion >= CONNECT_PROTOCOL_V2 && this.sessionKey) Object.assign(headers, signedHeaders(this.config.interWorkerSignatureAlgorithm, this.sessionKey.key, body));
    const url = `${leaderUrl.replace(/\/$/, '')}/connectors/${encodeURIComponent(name)}/tasks?forward=true`;
    const res = await this.o.forward(url, 'POST', configs, headers);
    if (res.status >= 400) throw new ConnectException(`Request to leader to reconfigure connector tasks failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  private async maybeRotateSessionKey(): Promise<void> {
    if (this.protocolVersion < CONNECT_PROTOCOL_V2) return;
    const k = this.sessionKey;
    const now = Date.now();
    const expired = k === null || k.creationTimestamp + this.config.interWorkerKeyTtlMs <= now || k.algorithm !== this.config.interWorkerKeyGenerationAlgorithm;
    if (!expired) return;
    this.logger.info('Distributing new session key');
    const key = generateSessionKey(this.config.interWorkerKeyGenerationAlgorithm, this.config.interWorkerKeySize, now);
    await this.writeToConfigTopicAsLeader(() => this.o.configStore.putSessionKey(key));
    this.sessionKey = key;
  }

  private async processRestartRequests(): Promise<void> {
    while (this.restartRequests.length > 0) {
      const r = this.restartRequests.shift()!;
      const name = r.connector;
      if (!this.configState.contains(name)) continue;
      const cs = this.o.statusStore.connector(name);
      if (this.runningConnectors.has(name) && (!r.onlyFailed || cs?.state === 'FAILED')) {
        this.putConnectorStatus(name, 'RESTARTING');
        await this.stopConnectors([name]);
        await this.startConnector(name);
      }
      if (!r.includeTasks) continue;
      const tasks = [...this.runningTasks.values()].filter((t) => t.id.connector === name && (!r.onlyFailed || this.o.statusStore.task(t.id)?.state === 'FAILED')).map((t) => t.id);
      for (const t of tasks) this.putTaskStatus(t, 'RESTARTING');
      await this.stopTasks(tasks);
      // reconcile() starts them again
    }
  }

  // ------------------------------------------------------------------ requests

  /** Runs `fn` in the herder loop (writes are serialized, as Kafka's herder thread runs them). */
  private addRequest<T>(fn: () => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(new ConnectException('Worker is shutting down'));
    return new Promise<T>((resolve, reject) => {
      this.requests.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      this.wakeup();
    });
  }

  private async runRequests(): Promise<void> {
    while (this.requests.length > 0 && !this.member.needsRejoin) {
      const r = this.requests.shift()!;
      try {
        r.resolve(await r.run());
      } catch (e) {
        r.reject(e);
      }
    }
  }

  /**
   * A write only the leader makes (`writeToConfigTopicAsLeader`): if its
   * fencable producer was fenced, note it (the loop claims the topic again
   * while this worker leads) and fail the request as Kafka does.
   */
  private async writeToConfigTopicAsLeader(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (e) {
      if (!(e instanceof PrivilegedWriteException)) throw e;
      this.logger.warn({ err: e }, 'Failed to write to config topic as leader; will rejoin group if necessary and, if still leader, attempt to reclaim write privileges for the config topic');
      this.fencedFromConfigTopic = true;
      this.wakeup();
      throw new ConnectException('Failed to write to config topic; this may be due to a transient error and the request can be safely retried', { cause: e });
    }
  }

  private requireLeader(message: string): void {
    if (!this.leader) throw new NotLeaderException(message, this.leaderUrlValue);
  }

  private async refreshConfig(): Promise<void> {
    await this.o.configStore.refresh();
    this.configState = this.o.configStore.snapshot();
  }

  // ------------------------------------------------------------------ the Herder API: reads

  connectors(): string[] {
    return this.configState.connectors().sort();
  }

  private connectorType(name: string): 'source' | 'sink' | 'unknown' {
    return this.worker.connectorType(this.configState.connectorConfig(name)?.['connector.class'] ?? '');
  }

  connectorInfo(name: string): ConnectorInfo {
    const config = this.configState.connectorConfig(name);
    if (!config) throw new NotFoundException(`Connector ${name} not found`);
    return { name, config, tasks: this.configState.tasks(name), type: this.connectorType(name) };
  }

  connectorConfig(name: string): Record<string, string> {
    const config = this.configState.connectorConfig(name);
    if (!config) throw new NotFoundException(`Connector ${name} not found`);
    return config;
  }

  taskInfos(name: string): TaskInfo[] {
    if (!this.configState.contains(name)) throw new NotFoundException(`Connector ${name} not found`);
    return this.configState.taskConfigsOf(name).map((config, task) => ({ id: { connector: name, task }, config: { ...config } }));
  }

  connectorStatus(name: string): ConnectorStateInfo {
    const s = this.o.statusStore.connector(name);
    if (!s || !this.configState.contains(name)) throw new NotFoundException(`No status found for connector ${name}`);
    const cs: ConnectorStateInfo['connector'] = { state: s.state, worker_id: s.workerId };
    if (s.trace) cs.trace = s.trace;
    const count = this.configState.taskCount(name);
    return {
      name,
      connector: cs,
      tasks: this.o.statusStore
        .connectorTasks(name)
        .filter(([id]) => id < count)
        .map(([id, t]) => (t.trace ? { id, state: t.state, worker_id: t.workerId, trace: t.trace } : { id, state: t.state, worker_id: t.workerId })),
      type: this.connectorType(name),
    };
  }

  taskStatus(id: ConnectorTaskId): TaskStateInfo {
    const t = this.o.statusStore.task(id);
    if (!t) throw new NotFoundException(`No status found for task ${id.connector}-${id.task}`);
    return t.trace ? { id: id.task, state: t.state, worker_id: t.workerId, trace: t.trace } : { id: id.task, state: t.state, worker_id: t.workerId };
  }

  taskMetrics(id: ConnectorTaskId): Record<string, number> | null {
    const t = this.worker.task(id);
    if (!t) return null;
    const m = (t as unknown as { pipeline: { operator: { metrics: Record<string, number> } } }).pipeline.operator.metrics;
    const txn = t instanceof ExactlyOnceWorkerSourceTask ? t.transactionMetrics : {};
    return { ...t.metrics, ...m, ...txn };
  }

  validate(props: Record<string, string>): ConfigInfos {
    return this.validateConfig(props).infos;
  }

  /** `validateConnectorConfig` with the distributed herder's checks (KIP-618 preflight, the sink group id). */
  private validateConfig(props: Record<string, string>): ReturnType<typeof validateConnectorConfig> {
    return validateConnectorConfig(props, this.plugins, this.config.clientConfigOverridePolicy, {
      workerGroupId: this.config.groupId,
      exactlyOnceSourceEnabled: exactlyOnceSourceEnabled(this.config),
      onHookError: (what, e) => this.logger.error({ err: e }, what),
    });
  }

  async offsets(name: string): Promise<ConnectorOffsets> {
    const config = this.configState.connectorConfig(name);
    if (!config) throw new NotFoundException(`Connector ${name} not found`);
    return this.worker.connectorOffsets(name, config);
  }

  connectorActiveTopics(name: string): string[] {
    if (!this.configState.contains(name)) throw new NotFoundException(`Connector ${name} not found`);
    return this.o.statusStore.topicsOf(name).map((t) => t.topic).sort();
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    if (!this.configState.contains(name)) throw new NotFoundException(`Connector ${name} not found`);
    await this.o.statusStore.resetTopics(name);
  }

  loggers(): Record<string, LoggerLevel> {
    return this.o.loggerLevels.all();
  }

  loggerLevel(name: string): LoggerLevel | null {
    return this.o.loggerLevels.get(name);
  }

  async setLoggerLevel(namespace: string, level: string, scope: 'worker' | 'cluster'): Promise<string[] | null> {
    if (scope === 'worker') return this.o.loggerLevels.set(namespace, level);
    await this.o.configStore.putLoggerLevel(namespace, level);
    return null;
  }

  // ------------------------------------------------------------------ the Herder API: writes (leader)

  putConnectorConfig(name: string, props: Record<string, string>, allowReplace: boolean, initialState?: TargetState): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.addRequest(async () => {
      if (!props['connector.class']) throw new BadRequestLike(`Connector config ${javaMapString(props)} contains no connector type`);
      const v = this.validateConfig(props);
      if (v.infos.error_count > 0) throw new BadRequestLike(invalidConfigMessage(v));
      this.requireLeader('Only the leader can set connector configs.');
      await this.refreshConfig();
      const exists = this.configState.contains(name);
      if (exists && !allowReplace) throw new AlreadyExistsException(`Connector ${name} already exists`);
      await this.writeToConfigTopicAsLeader(() => this.o.configStore.putConnectorConfig(name, props, exists ? null : (initialState ?? null)));
      await this.refreshConfig();
      return { created: !exists, info: { name, config: { ...props }, tasks: this.configState.tasks(name), type: this.worker.connectorType(props['connector.class']) } };
    });
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    return this.addRequest(async () => {
      this.requireLeader('Only the leader can set connector configs.');
      await this.refreshConfig();
      const current = this.configState.connectorConfig(name);
      if (!current) throw new NotFoundException(`Connector ${name} not found`);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete current[k];
        else current[k] = v;
      }
      if (current.name !== undefined && current.name !== name) throw new BadRequestLike(`Connector name configuration (${current.name}) doesn't match connector name in the URL (${name})`);
      const v = this.validateConfig(current);
      if (v.infos.error_count > 0) throw new BadRequestLike(invalidConfigMessage(v));
      await this.writeToConfigTopicAsLeader(() => this.o.configStore.putConnectorConfig(name, current, null));
      await this.refreshConfig();
      return { name, config: current, tasks: this.configState.tasks(name), type: this.worker.connectorType(current['connector.class']) };
    });
  }

  deleteConnector(name: string): Promise<void> {
    return this.addRequest(async () => {
      this.requireLeader('Only the leader can delete connector configs.');
      await this.refreshConfig();
      if (!this.configState.contains(name)) throw new NotFoundException(`Connector ${name} not found`);
      const taskCount = this.configState.taskCount(name);
      await this.writeToConfigTopicAsLeader(() => this.o.configStore.removeConnectorConfig(name));
      await this.o.statusStore.deleteConnector(name, taskCount).catch((e: unknown) => this.logger.warn({ err: e }, `Failed to delete the statuses of ${name}`));
      await this.refreshConfig();
    });
  }

  setTargetState(name: string, target: TargetState): Promise<void> {
    return this.addRequest(async () => {
      this.requireLeader(target === 'STOPPED' ? 'Only the leader can transition connectors to the STOPPED state.' : 'Only the leader can set connector configs.');
      await this.refreshConfig();
      if (!this.configState.contains(name)) throw new NotFoundException(target === 'STOPPED' ? `Unknown connector ${name}` : `Connector ${name} not found`);
      if (target === 'STOPPED') {
        // the leader writes an empty task-config set, then the target state (KIP-875)
        await this.writeToConfigTopicAsLeader(() => this.o.configStore.putTaskConfigs(name, []));
      }
      await this.o.configStore.putTargetState(name, target);
      await this.refreshConfig();
    });
  }

  restartConnector(name: string): Promise<void> {
    return this.addRequest(async () => {
      if (!this.configState.contains(name)) throw new NotFoundException(`Unknown connector: ${name}`);
      if (this.assignedConnectors.has(name)) {
        this.putConnectorStatus(name, 'RESTARTING');
        await this.stopConnectors([name]);
        await this.startConnector(name);
        return;
      }
      if (this.leader) throw new NotAssignedException('Cannot restart connector since it is not assigned to this member', this.ownerOfConnector.get(name) ?? null);
      throw new NotLeaderException('Only the leader can process restart requests.', this.leaderUrlValue);
    });
  }

  restartTask(id: ConnectorTaskId): Promise<void> {
    return this.addRequest(async () => {
      if (!this.configState.contains(id.connector)) throw new NotFoundException(`Unknown connector: ${id.connector}`);
      if (this.configState.taskConfig(id) === undefined) throw new NotFoundException(`Unknown task: ${id.connector}-${id.task}`);
      if (this.assignedTasks.has(taskKey(id))) {
        this.putTaskStatus(id, 'RESTARTING');
        await this.stopTasks([id]);
        await this.reconcile();
        if (!this.runningTasks.has(taskKey(id))) throw new ConnectException(`Failed to start task: ${id.connector}-${id.task}`);
        return;
      }
      if (this.leader) throw new NotAssignedException('Cannot restart task since it is not assigned to this member', this.ownerOfTask.get(taskKey(id)) ?? null);
      throw new NotLeaderException('Cannot restart task since it is not assigned to this member', this.leaderUrlValue);
    });
  }

  /** KIP-745: the leader writes the restart request; each worker restarts what it runs. */
  restartConnectorAndTasks(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<ConnectorStateInfo> {
    return this.addRequest(async () => {
      this.requireLeader('Only the leader can process restart requests.');
      if (!this.configState.contains(name)) throw new NotFoundException(`Unknown connector: ${name}`);
      let status: ConnectorStateInfo;
      try {
        status = this.connectorStatus(name);
      } catch {
        throw new NotFoundException(`Status for connector ${name} not found`);
      }
      const restartConnector = !onlyFailed || status.connector.state === 'FAILED';
      const tasks = includeTasks ? status.tasks.filter((t) => !onlyFailed || t.state === 'FAILED').map((t) => t.id) : [];
      if (restartConnector || tasks.length > 0) await this.writeToConfigTopicAsLeader(() => this.o.configStore.putRestartRequest({ connector: name, includeTasks, onlyFailed }));
      const out: ConnectorStateInfo = JSON.parse(JSON.stringify(status)) as ConnectorStateInfo;
      if (restartConnector) out.connector.state = 'RESTARTING';
      for (const t of out.tasks) if (tasks.includes(t.id)) t.state = 'RESTARTING';
      return out;
    });
  }

  private modifyOffsetsChecks(name: string): Record<string, string> {
    const config = this.configState.connectorConfig(name);
    if (!config) throw new NotFoundException(`Connector ${name} not found`);
    if (this.configState.targetState(name) !== 'STOPPED' || this.configState.taskCount(name) !== 0) {
      throw new BadRequestLike(`Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
    }
    return config;
  }

  alterOffsets(name: string, offsets: ConnectorOffsets['offsets']): Promise<string> {
    return this.modifyConnectorOffsets(name, offsets);
  }

  resetOffsets(name: string): Promise<string> {
    return this.modifyConnectorOffsets(name, null);
  }

  /**
   * KIP-875 offsets changes (the leader's). With exactly-once source support
   * a round of zombie fencing comes first (KIP-618), so no task of an older
   * generation can write offsets over the new ones; the checks run again after it.
   */
  private async modifyConnectorOffsets(name: string, offsets: ConnectorOffsets['offsets'] | null): Promise<string> {
    const fencing = await this.addRequest(async () => {
      this.requireLeader('Only the leader can process external offsets modification requests');
      await this.refreshConfig();
      this.modifyOffsetsChecks(name);
      if (!(exactlyOnceSourceEnabled(this.config) && this.connectorType(name) === 'source')) return null;
      this.logger.debug(`Performing a round of zombie fencing before modifying offsets for source connector ${name} with exactly-once support enabled.`);
      return this.doFenceZombieSourceTasks(name);
    });
    if (fencing) {
      try {
        await fencing.done;
      } catch (e) {
        this.logger.error({ err: e }, 'Failed to perform zombie fencing for source connector prior to modifying offsets');
        throw new ConnectException('Failed to perform zombie fencing for source connector prior to modifying offsets', { cause: e });
      }
    }
    return this.addRequest(async () => {
      this.requireLeader('Only the leader can process external offsets modification requests');
      await this.refreshConfig();
      const config = this.modifyOffsetsChecks(name);
      return this.worker.modifyConnectorOffsets(name, config, offsets);
    });
  }

  /** `POST /connectors/{c}/tasks` from the worker running the connector. */
  putTaskConfigs(name: string, configs: Array<Record<string, string>>, sig: { key: string | undefined; algorithm: string | undefined; body: Buffer }): Promise<void> {
    if (this.protocolVersion >= CONNECT_PROTOCOL_V2) verifySignature(sig, this.sessionKey, this.config.interWorkerVerificationAlgorithms);
    return this.addRequest(async () => {
      this.requireLeader('Only the leader may write task configurations.');
      if (!this.configState.contains(name)) throw new NotFoundException(`Connector ${name} not found`);
      await this.writeTaskConfigs(name, configs);
    });
  }

  /**
   * `PUT /connectors/{c}/fence` (KIP-618): another worker asks the leader for
   * a round of zombie fencing before it starts exactly-once source tasks.
   */
  async fenceZombies(name: string, sig: { key: string | undefined; algorithm: string | undefined; body: Buffer }): Promise<void> {
    if (this.protocolVersion >= CONNECT_PROTOCOL_V2) verifySignature(sig, this.sessionKey, this.config.interWorkerVerificationAlgorithms);
    await this.fenceZombieSourceTasks(name);
  }

  /** A round of zombie fencing, run by this worker as the leader (NotLeaderException otherwise). */
  private async fenceZombieSourceTasks(name: string): Promise<void> {
    const { done } = await this.addRequest(() => this.doFenceZombieSourceTasks(name));
    await done;
  }

  /**
   * `doFenceZombieSourceTasks` (in the herder loop): when task configs were
   * written after the last task count record, fence the producers of the
   * recorded task count (unless both it and the new count are 1: the new
   * task's own initTransactions fences the old one) and then record the new
   * count; with no record yet only the count is written (no exactly-once
   * producer ran before). The fencing itself runs outside the loop; the
   * result's `done` settles when it and its record are complete.
   */
  private async doFenceZombieSourceTasks(name: string): Promise<{ done: Promise<void> }> {
    if (!this.leader) throw new NotLeaderException('Only the leader may perform zombie fencing.', this.leaderUrlValue);
    if (!this.configState.contains(name)) throw new NotFoundException(`Connector ${name} not found`);
    if (this.connectorType(name) !== 'source') throw new BadRequestLike(`Connector ${name} is not a source connector`);
    try {
      await this.refreshConfig();
    } catch (e) {
      throw new ConnectException('Failed to read to end of config topic before performing zombie fencing', { cause: e });
    }
    const cs = this.configState;
    const taskCount = cs.taskCount(name);
    const taskCountRecord = cs.taskCountRecord(name);
    if (cs.pendingFencing(name) && taskCountRecord !== undefined && (taskCountRecord !== 1 || taskCount !== 1)) {
      let fencing = this.activeZombieFencings.get(name);
      if (!fencing) {
        fencing = this.startZombieFencing(name, taskCountRecord, taskCount, cs.taskConfigGeneration(name) ?? -1);
        this.activeZombieFencings.set(name, fencing);
      }
      return { done: fencing.done };
    }
    if (!cs.pendingFencing(name)) {
      this.logger.debug(`Skipping zombie fencing round for connector ${name} as all old task generations have already been fenced out`);
    } else {
      this.logger.debug(
        taskCountRecord === undefined
          ? `Skipping zombie fencing round but writing task count record for connector ${name} as it is being brought up for the first time with exactly-once source support`
          : `Skipping zombie fencing round but writing task count record for connector ${name} as both the most recent and the current generation of task configs only contain one task`,
      );
      await this.writeToConfigTopicAsLeader(() => this.o.configStore.putTaskCountRecord(name, taskCount));
    }
    return { done: Promise.resolve() };
  }

  private startZombieFencing(name: string, tasksToFence: number, tasksToRecord: number, taskGen: number): ZombieFencing {
    let failFollowup: (e: Error) => void = () => undefined;
    let followupDone = false;
    const followupFailed = new Promise<never>((_r, reject) => {
      failFollowup = (e) => {
        if (followupDone) return;
        followupDone = true;
        reject(e);
      };
    });
    followupFailed.catch(() => undefined);
    const config = this.configState.connectorConfig(name)!;
    const done = (async () => {
      await this.worker.fenceZombies(name, tasksToFence, config);
      // the follow-up in the herder loop, unless the fencing was called off meanwhile
      const followup = this.addRequest(async () => {
        if (followupDone) return;
        await this.refreshConfig();
        if (taskGen < (this.configState.taskConfigGeneration(name) ?? -1)) throw new ConnectRestException(409, 'Fencing failed because new task configurations were generated for the connector');
        await this.writeToConfigTopicAsLeader(() => this.o.configStore.putTaskCountRecord(name, tasksToRecord));
        followupDone = true;
      });
      await Promise.race([followup, followupFailed]);
    })();
    const fencing: ZombieFencing = {
      done: done.catch((e: unknown) => {
        throw e instanceof ConnectException ? e : new ConnectException('Failed to perform zombie fencing', { cause: e });
      }),
      fail: failFollowup,
    };
    // done (either way): no longer active
    const forget = (): void => {
      if (this.activeZombieFencings.get(name) === fencing) this.activeZombieFencings.delete(name);
    };
    fencing.done.then(forget, forget);
    return fencing;
  }

  /**
   * The checks around an exactly-once source task's producer (KIP-618), or
   * undefined when this worker does not run exactly-once sources (or the
   * task is a sink's).
   */
  private exactlyOnceChecks(id: ConnectorTaskId): ExactlyOnceTaskChecks | undefined {
    if (!exactlyOnceSourceEnabled(this.config) || this.connectorType(id.connector) !== 'source') return undefined;
    const taskGeneration = this.configState.taskConfigGeneration(id.connector) ?? -1;
    return {
      preProducerCheck: () => this.preflightZombieFencing(id),
      postProducerCheck: () => this.verifyTaskGenerationAndOwnership(id, taskGeneration),
    };
  }

  /** A task on this worker needs a round of zombie fencing: by the leader, here or (forwarded, signed) at its URL. */
  private async preflightZombieFencing(id: ConnectorTaskId): Promise<void> {
    this.logger.debug(`Performing preflight zombie check for task ${id.connector}-${id.task}`);
    try {
      await this.fenceZombieSourceTasks(id.connector);
    } catch (e) {
      if (!(e instanceof NotLeaderException)) throw e instanceof ConnectException ? e : new ConnectException('Failed to perform zombie fencing', { cause: e });
      const leaderUrl = e.forwardUrl;
      if (!leaderUrl) throw new ConnectException('Failed to perform zombie fencing: the leader of the cluster is not known (a rebalance may be underway)', { cause: e });
      const url = `${leaderUrl.replace(/\/$/, '')}/connectors/${encodeURIComponent(id.connector)}/fence`;
      this.logger.debug(`Forwarding zombie fencing request for connector ${id.connector} to leader at ${url}`);
      const headers: Record<string, string> = {};
      if (this.protocolVersion >= CONNECT_PROTOCOL_V2 && this.sessionKey) Object.assign(headers, signedHeaders(this.config.interWorkerSignatureAlgorithm, this.sessionKey.key, Buffer.alloc(0)));
      const res = await this.o.forward(url, 'PUT', undefined, headers);
      if (res.status >= 400) {
        const msg = (res.body as { message?: string } | null)?.message ?? JSON.stringify(res.body);
        throw new ConnectException(`Failed to perform zombie fencing: the leader at ${leaderUrl} answered ${res.status}: ${msg}`);
      }
    }
  }

  /**
   * After the task's producer is initialized (`verifyTaskGenerationAndOwnership`):
   * its task configs are still the newest and it is still assigned here.
   */
  private async verifyTaskGenerationAndOwnership(id: ConnectorTaskId, initialTaskGen: number): Promise<void> {
    this.logger.debug(`Reading to end of config topic to ensure it is still safe to bring up source task ${id.connector}-${id.task} with exactly-once support`);
    await this.o.configStore.refresh();
    await this.addRequest(async () => {
      await this.refreshConfig();
      if (initialTaskGen !== (this.configState.taskConfigGeneration(id.connector) ?? -1)) {
        throw new ConnectException(`Cannot start source task ${id.connector}-${id.task} with exactly-once support as the connector has already generated a new set of task configs`);
      }
      if (!this.assignedTasks.has(taskKey(id))) throw new ConnectException(`Cannot start source task ${id.connector}-${id.task} as it has already been revoked from this worker`);
    });
  }

  /** 409 when the request cannot be served while a rebalance is pending (`checkRebalanceNeeded`). */
  assertNoRebalance(): void {
    if (this.member.needsRejoin || !this.rebalanceResolved) throw new RebalanceNeededException('Request cannot be completed because a rebalance is expected');
  }

  /** The leader's URL, or null while unknown. */
  leaderUrl(): string | null {
    return this.leaderUrlValue;
  }
}
