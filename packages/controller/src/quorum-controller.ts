/**
 * The controller of a KRaft quorum (Kafka's QuorumController). Every controller replays the
 * committed metadata log into a `committed` image; the Raft leader is the active controller. A
 * command (create topics, a broker heartbeat, ...) runs against the `latest` image, turns into
 * records and a reply; the records are appended through Raft as one batch and replayed into
 * `latest` at once (so the next command sees them), and the reply is given when the batch commits.
 * Losing leadership fails the commands in flight with NOT_CONTROLLER and resets `latest` to
 * `committed` (Kafka's write events and handleCommit / renounce).
 *
 * The work is split into control managers as Kafka's metadata/controller package: ClusterControl
 * (registration, heartbeats, fencing), ReplicationControl (topics, partitions, leaders, ISRs,
 * reassignments), ConfigurationControl, ProducerIdControl and FeatureControl.
 *
 * The active controller also fences brokers whose session expired (`broker.session.timeout.ms`),
 * writes a NoOpRecord when idle for `metadata.max.idle.interval.ms` (so followers' and brokers'
 * committed offsets keep moving), and runs preferred leader elections every
 * `leader.imbalance.check.interval.seconds` when `auto.leader.rebalance.enable`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { NagareError, silentLogger, type Clock, type Logger, type ScheduledTask, type Scheduler } from '@nagare/common';
import type { CommittedBatch, LoadedSnapshot, RaftListener } from '@nagare/kraft';
import {
  ConfigResolver,
  EMPTY_IMAGE,
  MetadataDelta,
  MetadataRecordType,
  decodeMetadataBatch,
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataImage,
  type MetadataRecord,
} from '@nagare/metadata';
import type {
  AlterConfigsRequest,
  AlterConfigsResponse,
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  AlterPartitionRequest,
  AlterPartitionResponse,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  BrokerRegistrationRequest,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  ElectLeadersRequest,
  ElectLeadersResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '@nagare/protocol';
import { ErrorCode } from '@nagare/protocol';
import type { LeaderAndEpoch } from '@nagare/raft';
import { iterateBatches } from '@nagare/records';
import { ClusterControl, brokerState, controlledShutdownRecord, fenceRecord, unfenceRecord, unregisterRecord, type BrokerControlState } from './cluster-control';
import { ConfigurationControl } from './configuration-control';
import { ControlError, type ControllerResult } from './control-error';
import { FeatureControl } from './feature-control';
import { ProducerIdControl } from './producer-id-control';
import { ReplicationControl } from './replication-control';

/** What the controller needs of the node's KRaft replica (a RaftClient fits). */
export interface MetadataLog {
  readonly logEndOffset: number;
  append(epoch: number, records: readonly Buffer[]): number;
  register(listener: RaftListener): void;
  leaderAndEpoch(): LeaderAndEpoch;
}

export interface ControllerSettings {
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly deleteTopicEnable: boolean;
  readonly resolver: ConfigResolver;
  /** The metadata.version a new cluster is bootstrapped with (and the highest supported). */
  readonly metadataVersion: number;
  /** Features besides metadata.version finalized in a new cluster (group.version, transaction.version). */
  readonly features?: ReadonlyArray<{ name: string; level: number }>;
  /** broker.session.timeout.ms (9000). */
  readonly sessionTimeoutMs?: number;
  /** metadata.max.idle.interval.ms (500); 0 disables the NoOpRecords. */
  readonly maxIdleIntervalMs?: number;
  /** auto.leader.rebalance.enable (true) and leader.imbalance.check.interval.seconds (300), in ms. */
  readonly autoLeaderRebalance?: boolean;
  readonly leaderImbalanceCheckIntervalMs?: number;
  readonly producerIdBlockSize?: number;
  readonly random?: (n: number) => Buffer;
  readonly placementRandom?: () => number;
}

export interface QuorumControllerOptions {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly log: MetadataLog;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  readonly settings: ControllerSettings;
}

interface PendingWrite {
  readonly name: string;
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  timer?: ScheduledTask;
}

export function notControllerError(nodeId: number, leader: LeaderAndEpoch): NagareError {
  const where = leader.leaderId >= 0 ? `the active controller is ${leader.leaderId} (epoch ${leader.epoch})` : 'no controller is active yet';
  return new NagareError('NOT_CONTROLLER', `This is not the correct controller for this cluster: node ${nodeId} is not active; ${where}`);
}

export class QuorumController implements RaftListener {
  readonly nodeId: number;
  readonly cluster: ClusterControl;
  readonly replication: ReplicationControl;
  readonly configuration: ConfigurationControl;
  readonly producerIds: ProducerIdControl;
  readonly features: FeatureControl;
  private readonly logger: Logger;
  /** The committed image is `committedBase` with `committedDelta` (records committed since) applied on demand. */
  private committedBase: MetadataImage = EMPTY_IMAGE;
  private committedDelta: MetadataDelta | undefined;
  /** The image with this controller's uncommitted writes (meaningful only while active). */
  private latestImage: MetadataImage = EMPTY_IMAGE;
  private activeEpoch = -1;
  private pending: PendingWrite[] = [];
  private readonly tasks: ScheduledTask[] = [];
  private lastWriteMs = 0;
  private readonly activationListeners = new Set<(active: boolean, epoch: number) => void>();

  constructor(private readonly o: QuorumControllerOptions) {
    this.nodeId = o.nodeId;
    this.logger = o.logger ?? silentLogger;
    const s = o.settings;
    const random = s.random ?? randomBytes;
    this.features = new FeatureControl(s.metadataVersion, undefined, s.features ?? []);
    this.cluster = new ClusterControl({
      clusterId: o.clusterId,
      sessionTimeoutMs: s.sessionTimeoutMs ?? 9000,
      minMetadataVersion: this.features.minMetadataVersion,
      maxMetadataVersion: s.metadataVersion,
    });
    this.replication = new ReplicationControl({
      numPartitions: s.numPartitions,
      defaultReplicationFactor: s.defaultReplicationFactor,
      deleteTopicEnable: s.deleteTopicEnable,
      resolver: s.resolver,
      random,
      placementRandom: s.placementRandom ?? (() => randomInt(0, 2 ** 31) / 2 ** 31),
    });
    this.configuration = new ConfigurationControl(s.resolver);
    this.producerIds = new ProducerIdControl(s.producerIdBlockSize);
    o.log.register(this);
  }

  /** Whether this controller is the active one (the Raft leader, caught up to its epoch). */
  isActive(): boolean {
    return this.activeEpoch >= 0;
  }

  /** The epoch this controller is active in (-1 when it is not). */
  get epoch(): number {
    return this.activeEpoch;
  }

  /**
   * Committed records are replayed as they arrive but applied into an image only when it is read,
   * so replaying a long log at start-up does not build (and copy) an image per batch.
   */
  private get committedImage(): MetadataImage {
    if (this.committedDelta !== undefined) {
      this.committedBase = this.committedDelta.apply();
      this.committedDelta = undefined;
    }
    return this.committedBase;
  }

  committed(): MetadataImage {
    return this.committedImage;
  }

  /** The latest image: with this controller's uncommitted writes while active, else the committed one. */
  latest(): MetadataImage {
    return this.isActive() ? this.latestImage : this.committedImage;
  }

  onActivation(fn: (active: boolean, epoch: number) => void): () => void {
    this.activationListeners.add(fn);
    return () => this.activationListeners.delete(fn);
  }

  // ---- the metadata log (RaftListener) ----

  handleLoadSnapshot(s: LoadedSnapshot): void {
    const delta = MetadataDelta.forSnapshot(this.committedImage);
    let i = 0;
    for (const value of snapshotValues(s.data)) delta.replay(decodeMetadataRecord(value), i++, s.id.epoch);
    delta.advanceProvenance(s.id.endOffset - 1, s.id.epoch);
    this.committedDelta = delta;
  }

  handleCommit(batch: CommittedBatch): void {
    const delta = (this.committedDelta ??= new MetadataDelta(this.committedBase));
    decodeMetadataBatch(batch.records).forEach((r, i) => {
      try {
        if (r instanceof Error) throw r;
        delta.replay(r, batch.baseOffset + i, batch.epoch);
      } catch (e) {
        this.logger.error({ offset: batch.baseOffset + i, err: (e as Error).message }, 'could not replay a committed metadata record');
      }
    });
    delta.advanceProvenance(batch.lastOffset, batch.epoch);
    if (!this.isActive()) return;
    while (this.pending.length > 0 && this.pending[0].offset <= batch.lastOffset) {
      const p = this.pending.shift()!;
      p.timer?.cancel();
      p.resolve();
    }
  }

  /** Builds the committed image once per round of the replica (not per batch). */
  handleRoundEnd(): void {
    void this.committedImage;
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    if (leader.leaderId === this.nodeId) this.claim(leader.epoch);
    else if (this.isActive()) this.renounce(leader);
  }

  private claim(epoch: number): void {
    if (this.activeEpoch === epoch) return;
    this.activeEpoch = epoch;
    this.latestImage = this.committedImage;
    this.cluster.activate(this.committedImage, this.o.clock.monotonicMs());
    this.logger.info({ epoch, offset: this.committedImage.provenance.offset }, 'became the active controller');
    for (const fn of this.activationListeners) fn(true, epoch);
    const bootstrap = this.features.bootstrapRecords(this.committedImage);
    if (bootstrap.length > 0) {
      this.write('bootstrap', () => ({ records: bootstrap, result: undefined })).then(
        () => this.logger.info({ metadataVersion: this.o.settings.metadataVersion }, 'bootstrapped the metadata log'),
        (e) => this.logger.warn({ err: (e as Error).message }, 'could not bootstrap the metadata log'),
      );
    }
    this.scheduleTasks();
  }

  private renounce(leader: LeaderAndEpoch): void {
    const was = this.activeEpoch;
    this.activeEpoch = -1;
    for (const t of this.tasks.splice(0)) t.cancel();
    const failed = this.pending.splice(0);
    for (const p of failed) {
      p.timer?.cancel();
      p.reject(notControllerError(this.nodeId, leader));
    }
    this.latestImage = this.committedImage;
    this.cluster.deactivate();
    this.logger.info({ epoch: was, newLeader: leader.leaderId, newEpoch: leader.epoch, failedWrites: failed.length }, 'renounced leadership');
    for (const fn of this.activationListeners) fn(false, leader.epoch);
  }

  /** Stops timers and fails what is in flight (shutdown). */
  close(): void {
    if (this.isActive()) this.renounce({ leaderId: -1, epoch: this.activeEpoch });
  }

  // ---- writes ----

  /**
   * Runs a command on the latest image; its records go through Raft as one batch; resolves with the
   * reply when they commit. Rejects with NOT_CONTROLLER when this controller is not active (or stops
   * being active before the commit), REQUEST_TIMED_OUT past `timeoutMs`.
   */
  write<T>(name: string, fn: (image: MetadataImage, nextOffset: number) => ControllerResult<T>, timeoutMs?: number): Promise<T> {
    if (!this.isActive()) return Promise.reject(notControllerError(this.nodeId, this.o.log.leaderAndEpoch()));
    let r: ControllerResult<T>;
    const base = this.o.log.logEndOffset;
    try {
      r = fn(this.latestImage, base);
    } catch (e) {
      return Promise.reject(e);
    }
    if (r.records.length === 0) return Promise.resolve(r.result);
    const epoch = this.activeEpoch;
    const values = r.records.map((rec) => encodeMetadataRecord(rec));
    const last = base + values.length - 1;
    const before = this.latestImage;
    const delta = new MetadataDelta(before);
    try {
      r.records.forEach((rec, i) => delta.replay(rec, base + i, epoch));
    } catch (e) {
      return Promise.reject(new NagareError('INTERNAL', `${name}: its records do not apply to the latest image: ${(e as Error).message}`));
    }
    this.latestImage = delta.apply();
    this.lastWriteMs = this.o.clock.monotonicMs();
    return new Promise<T>((resolve, reject) => {
      const p: PendingWrite = { name, offset: last, resolve: () => resolve(r.result), reject };
      this.pending.push(p);
      if (timeoutMs !== undefined && timeoutMs > 0) {
        p.timer = this.o.scheduler.schedule(timeoutMs, () => {
          const i = this.pending.indexOf(p);
          if (i < 0) return;
          this.pending.splice(i, 1);
          reject(new NagareError('REQUEST_TIMED_OUT', `${name} did not commit within ${timeoutMs} ms`));
        });
      }
      try {
        const got = this.o.log.append(epoch, values);
        if (got !== last) this.logger.error({ name, expected: last, got }, 'the metadata log assigned unexpected offsets');
      } catch (e) {
        const i = this.pending.indexOf(p);
        if (i >= 0) this.pending.splice(i, 1);
        p.timer?.cancel();
        this.latestImage = before;
        reject(e instanceof NagareError ? e : notControllerError(this.nodeId, this.o.log.leaderAndEpoch()));
      }
    });
  }

  /** A read against the latest image (it includes this controller's own uncommitted writes). */
  read<T>(fn: (image: MetadataImage) => T): Promise<T> {
    if (!this.isActive()) return Promise.reject(notControllerError(this.nodeId, this.o.log.leaderAndEpoch()));
    try {
      return Promise.resolve(fn(this.latestImage));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- periodic work of the active controller ----

  private every(ms: number, name: string, fn: () => Promise<unknown> | void): void {
    if (!(ms > 0)) return;
    const epoch = this.activeEpoch;
    const run = () => {
      if (this.activeEpoch !== epoch) return;
      Promise.resolve()
        .then(fn)
        .catch((e) => {
          if (!(e instanceof NagareError && e.kind === 'NOT_CONTROLLER')) this.logger.warn({ task: name, err: (e as Error).message }, 'controller task failed');
        })
        .finally(() => {
          if (this.activeEpoch === epoch) this.tasks.push(this.o.scheduler.schedule(ms, run));
        });
    };
    this.tasks.push(this.o.scheduler.schedule(ms, run));
  }

  private scheduleTasks(): void {
    const s = this.o.settings;
    const session = s.sessionTimeoutMs ?? 9000;
    this.every(Math.max(50, Math.min(1000, Math.floor(session / 4))), 'fence stale brokers', () => this.fenceStaleBrokers());
    const idle = s.maxIdleIntervalMs ?? 500;
    if (idle > 0) {
      this.every(idle, 'NoOpRecord', () => {
        if (this.o.clock.monotonicMs() - this.lastWriteMs < idle) return undefined;
        return this.write('NoOpRecord', () => ({ records: [{ type: MetadataRecordType.NoOpRecord, version: 0, data: {} }], result: undefined }));
      });
    }
    if (s.autoLeaderRebalance ?? true) {
      this.every(s.leaderImbalanceCheckIntervalMs ?? 300_000, 'preferred leader election', () =>
        this.write('preferred leader election', (image) => ({ records: this.replication.rebalanceLeaders(image), result: undefined })),
      );
    }
  }

  /** Fences, one at a time, brokers whose session expired (Kafka's maybeFenceOneStaleBroker). */
  private async fenceStaleBrokers(): Promise<void> {
    const now = this.o.clock.monotonicMs();
    for (const id of this.cluster.staleBrokers(this.latestImage, now)) {
      await this.write(`fence broker ${id}`, (image) => {
        const b = image.brokers.get(id);
        if (b === undefined || b.fenced || this.cluster.hasValidSession(id, this.o.clock.monotonicMs())) return { records: [], result: undefined };
        this.logger.info({ broker: id }, 'fencing a broker whose session has timed out');
        return { records: [...this.replication.handleBrokerFenced(image, id), fenceRecord(b)], result: undefined };
      });
    }
  }

  // ---- commands ----

  createTopics(req: CreateTopicsRequest, version: number): Promise<CreateTopicsResponse> {
    return this.write('CreateTopics', (image) => this.replication.createTopics(image, req, version), req.timeoutMs);
  }

  deleteTopics(req: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    return this.write('DeleteTopics', (image) => this.replication.deleteTopics(image, req), req.timeoutMs);
  }

  createPartitions(req: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
    return this.write('CreatePartitions', (image) => this.replication.createPartitions(image, req), req.timeoutMs);
  }

  alterConfigs(req: AlterConfigsRequest): Promise<AlterConfigsResponse> {
    return this.write('AlterConfigs', (image) => this.configuration.alterConfigs(image, req));
  }

  incrementalAlterConfigs(req: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse> {
    return this.write('IncrementalAlterConfigs', (image) => this.configuration.incrementalAlterConfigs(image, req));
  }

  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ firstProducerId: bigint; count: number }> {
    return this.write('AllocateProducerIds', (image) => {
      this.cluster.checkBrokerEpoch(image, brokerId, brokerEpoch);
      return this.producerIds.generateNextProducerId(image, brokerId, brokerEpoch);
    });
  }

  registerBroker(req: BrokerRegistrationRequest): Promise<bigint> {
    return this.write(`BrokerRegistration ${req.brokerId}`, (image, nextOffset) => {
      const r = this.cluster.register(
        image,
        {
          brokerId: req.brokerId,
          clusterId: req.clusterId,
          incarnationId: req.incarnationId,
          listeners: req.listeners,
          features: req.features,
          rack: req.rack,
          isMigratingZkBroker: req.isMigratingZkBroker,
          logDirs: req.logDirs,
          previousBrokerEpoch: req.previousBrokerEpoch,
        },
        BigInt(nextOffset),
        this.o.clock.monotonicMs(),
      );
      this.logger.info({ broker: req.brokerId, epoch: String(r.epoch), newIncarnation: r.newIncarnation }, 'registered a broker');
      return { records: [r.record], result: r.epoch };
    });
  }

  brokerHeartbeat(req: BrokerHeartbeatRequest): Promise<Omit<BrokerHeartbeatResponse, 'throttleTimeMs' | 'errorCode'>> {
    return this.write(`BrokerHeartbeat ${req.brokerId}`, (image, nextOffset) => {
      const b = this.cluster.checkBrokerEpoch(image, req.brokerId, req.brokerEpoch);
      const input = { brokerId: req.brokerId, brokerEpoch: req.brokerEpoch, currentMetadataOffset: req.currentMetadataOffset, wantFence: req.wantFence, wantShutDown: req.wantShutDown };
      const next: BrokerControlState = this.cluster.nextState(image, b, input, () => this.replication.hasLeaderships(image, b.id));
      const current: BrokerControlState = brokerState(b);
      const records: MetadataRecord[] = [];
      if (next !== current) {
        switch (next) {
          case 'FENCED':
          case 'SHUTDOWN_NOW':
            if (!b.fenced) records.push(...this.replication.handleBrokerFenced(image, b.id), fenceRecord(b));
            break;
          case 'UNFENCED':
            records.push(unfenceRecord(b), ...this.replication.handleBrokerUnfenced(image, b.id));
            break;
          case 'CONTROLLED_SHUTDOWN':
            records.push(controlledShutdownRecord(b), ...this.replication.handleBrokerInControlledShutdown(image, b.id));
            this.cluster.markControlledShutdown(b.id, nextOffset + records.length - 1);
            break;
        }
        this.logger.info({ broker: b.id, from: current, to: next }, 'broker state change');
      }
      this.cluster.touch(b.id, this.o.clock.monotonicMs(), Number(req.currentMetadataOffset));
      const fenced = next === 'FENCED' || next === 'SHUTDOWN_NOW';
      return {
        records,
        result: { isCaughtUp: Number(req.currentMetadataOffset) >= Number(b.epoch), isFenced: fenced, shouldShutDown: next === 'SHUTDOWN_NOW' },
      };
    });
  }

  unregisterBroker(brokerId: number): Promise<void> {
    return this.write(`UnregisterBroker ${brokerId}`, (image) => {
      const b = image.brokers.get(brokerId);
      if (b === undefined) throw new ControlError(ErrorCode.BROKER_ID_NOT_REGISTERED, `Broker ID ${brokerId} is not currently registered`);
      this.cluster.remove(brokerId);
      return { records: [...this.replication.handleBrokerUnregistered(image, brokerId), unregisterRecord(b)], result: undefined };
    });
  }

  alterPartition(req: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    return this.write('AlterPartition', (image) => {
      this.cluster.checkBrokerEpoch(image, req.brokerId, req.brokerEpoch);
      return this.replication.alterPartition(image, req, version);
    });
  }

  electLeaders(req: ElectLeadersRequest, version: number): Promise<ElectLeadersResponse> {
    return this.write('ElectLeaders', (image) => this.replication.electLeaders(image, req, version), req.timeoutMs);
  }

  alterPartitionReassignments(req: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse> {
    return this.write('AlterPartitionReassignments', (image) => this.replication.alterPartitionReassignments(image, req), req.timeoutMs);
  }

  listPartitionReassignments(req: ListPartitionReassignmentsRequest): Promise<ListPartitionReassignmentsResponse> {
    return this.read((image) => this.replication.listPartitionReassignments(image, req));
  }
}

/** The record values in a snapshot's data batches. */
function* snapshotValues(data: Buffer): Iterable<Buffer> {
  for (const batch of iterateBatches(data, { verifyCrc: false })) {
    for (const r of batch.records({ verifyCrc: false })) if (r.value !== null && r.value.length > 0) yield r.value;
  }
}
