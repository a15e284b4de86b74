/**
 * Kafka's ClusterControlManager and BrokerHeartbeatManager: broker registration (with incarnation
 * ids and broker epochs = the offset of the RegisterBrokerRecord), heartbeat sessions kept in memory
 * on the active controller, and the broker state machine a heartbeat moves:
 *
 *   FENCED --(wantFence=false, caught up to its registration)--> UNFENCED
 *   UNFENCED --(wantShutDown, leads partitions)--> CONTROLLED_SHUTDOWN --(no leaderships, every active
 *     broker past the shutdown offset)--> SHUTDOWN_NOW (fenced)
 *   any --(no heartbeat within broker.session.timeout.ms)--> FENCED
 *
 * The records for the replication side (ISR removals, elections) come from ReplicationControl.
 */
import { ErrorCode } from '@nagare/protocol';
import { MetadataRecordType, type BrokerRegistration, type MetadataImage, type MetadataRecord } from '@nagare/metadata';
import { ControlError } from './control-error';

export type BrokerControlState = 'FENCED' | 'UNFENCED' | 'CONTROLLED_SHUTDOWN' | 'SHUTDOWN_NOW';

export interface BrokerRegistrationInput {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly incarnationId: string;
  readonly listeners: ReadonlyArray<{ name: string; host: string; port: number; securityProtocol: number }>;
  readonly features: ReadonlyArray<{ name: string; minSupportedVersion: number; maxSupportedVersion: number }>;
  readonly rack: string | null;
  readonly isMigratingZkBroker: boolean;
  readonly logDirs: readonly string[];
  readonly previousBrokerEpoch: bigint;
}

export interface HeartbeatInput {
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
  readonly currentMetadataOffset: bigint;
  readonly wantFence: boolean;
  readonly wantShutDown: boolean;
}

interface Session {
  lastContactMs: number;
  /** False for a session this controller only assumed at activation (it has not heard from the broker yet). */
  heardFrom: boolean;
  metadataOffset: number;
  /** The offset at which the broker entered controlled shutdown (-1 when not). */
  controlledShutdownOffset: number;
}

export function brokerState(b: BrokerRegistration): BrokerControlState {
  if (b.fenced) return 'FENCED';
  if (b.inControlledShutdown) return 'CONTROLLED_SHUTDOWN';
  return 'UNFENCED';
}

/** Registered, unfenced and not shutting down: may lead partitions and take new replicas. */
export function isActiveBroker(image: MetadataImage, id: number): boolean {
  const b = image.brokers.get(id);
  return b !== undefined && !b.fenced && !b.inControlledShutdown;
}

export class ClusterControl {
  private readonly sessions = new Map<number, Session>();

  constructor(
    private readonly o: {
      readonly clusterId: string;
      /** broker.session.timeout.ms (9000). */
      readonly sessionTimeoutMs: number;
      /** The metadata.version range this controller supports. */
      readonly minMetadataVersion: number;
      readonly maxMetadataVersion: number;
    },
  ) {}

  /** A new active controller gives every registered broker a fresh session (Kafka's activation). */
  activate(image: MetadataImage, nowMs: number): void {
    this.sessions.clear();
    for (const id of image.brokers.keys()) this.sessions.set(id, { lastContactMs: nowMs, heardFrom: false, metadataOffset: -1, controlledShutdownOffset: -1 });
  }

  deactivate(): void {
    this.sessions.clear();
  }

  hasValidSession(id: number, nowMs: number): boolean {
    const s = this.sessions.get(id);
    return s !== undefined && nowMs - s.lastContactMs < this.o.sessionTimeoutMs;
  }

  /**
   * Whether another incarnation of this broker is known to be alive: a session this controller
   * heard from within the timeout. (Kafka also counts sessions assumed at activation, which makes a
   * broker restarted right after its controller wait out the whole session timeout; nagare lets it
   * register, and a live old incarnation finds its epoch stale at its next heartbeat.)
   */
  private otherIncarnationAlive(id: number, nowMs: number): boolean {
    const s = this.sessions.get(id);
    return s !== undefined && s.heardFrom && nowMs - s.lastContactMs < this.o.sessionTimeoutMs;
  }

  /** Kafka's checkBrokerEpoch: STALE_BROKER_EPOCH when the broker is unknown or re-registered since. */
  checkBrokerEpoch(image: MetadataImage, id: number, epoch: bigint): BrokerRegistration {
    const b = image.brokers.get(id);
    if (b === undefined) throw new ControlError(ErrorCode.STALE_BROKER_EPOCH, `No broker registration found for broker id ${id}`);
    if (b.epoch !== epoch) throw new ControlError(ErrorCode.STALE_BROKER_EPOCH, `Expected broker epoch ${b.epoch}, but got broker epoch ${epoch}`);
    return b;
  }

  /**
   * BrokerRegistration: the record and the broker epoch. A new incarnation gets a new epoch (the
   * offset of its record) and starts fenced; the same incarnation re-registering keeps its epoch and state.
   */
  register(image: MetadataImage, req: BrokerRegistrationInput, newBrokerEpoch: bigint, nowMs: number): { record: MetadataRecord; epoch: bigint; newIncarnation: boolean } {
    if (req.clusterId !== this.o.clusterId) {
      throw new ControlError(ErrorCode.INCONSISTENT_CLUSTER_ID, `Expected cluster ID ${this.o.clusterId}, but got cluster ID ${req.clusterId}`);
    }
    const existing = image.brokers.get(req.brokerId);
    if (existing !== undefined && !existing.fenced && this.otherIncarnationAlive(req.brokerId, nowMs) && existing.incarnationId !== req.incarnationId) {
      throw new ControlError(ErrorCode.DUPLICATE_BROKER_REGISTRATION, 'Another broker is registered with that broker id.');
    }
    if (req.isMigratingZkBroker) throw new ControlError(ErrorCode.BROKER_ID_NOT_REGISTERED, 'Controller does not support registering ZK brokers.');
    const mv = image.features.get('metadata.version') ?? this.o.maxMetadataVersion;
    const features = req.features.map((f) => ({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion }));
    const mvRange = features.find((f) => f.name === 'metadata.version') ?? { name: 'metadata.version', minSupportedVersion: this.o.minMetadataVersion, maxSupportedVersion: this.o.minMetadataVersion };
    if (mv < mvRange.minSupportedVersion || mv > mvRange.maxSupportedVersion) {
      throw new ControlError(
        ErrorCode.UNSUPPORTED_VERSION,
        `Unable to register because the broker does not support finalized version ${mv} of metadata.version. The broker wants a version between ${mvRange.minSupportedVersion} and ${mvRange.maxSupportedVersion}, inclusive.`,
      );
    }
    if (!features.some((f) => f.name === 'metadata.version')) features.push(mvRange);
    const newIncarnation = existing === undefined || existing.incarnationId !== req.incarnationId;
    const epoch = newIncarnation ? newBrokerEpoch : existing!.epoch;
    const record: MetadataRecord = {
      type: MetadataRecordType.RegisterBrokerRecord,
      version: 3,
      data: {
        brokerId: req.brokerId,
        isMigratingZkBroker: false,
        incarnationId: req.incarnationId,
        brokerEpoch: epoch,
        endPoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
        features,
        rack: req.rack,
        fenced: newIncarnation ? true : existing!.fenced,
        inControlledShutdown: newIncarnation ? false : existing!.inControlledShutdown,
        logDirs: [...req.logDirs],
      },
    };
    if (newIncarnation) this.sessions.delete(req.brokerId);
    this.touch(req.brokerId, nowMs, -1);
    return { record, epoch, newIncarnation };
  }

  touch(id: number, nowMs: number, metadataOffset: number): void {
    const s = this.sessions.get(id);
    if (s === undefined) this.sessions.set(id, { lastContactMs: nowMs, heardFrom: true, metadataOffset, controlledShutdownOffset: -1 });
    else {
      s.lastContactMs = nowMs;
      s.heardFrom = true;
      if (metadataOffset >= 0) s.metadataOffset = metadataOffset;
    }
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  markControlledShutdown(id: number, offset: number): void {
    const s = this.sessions.get(id);
    if (s !== undefined && s.controlledShutdownOffset < 0) s.controlledShutdownOffset = offset;
  }

  /** The lowest metadata offset unfenced brokers reported (how far every active broker has caught up). */
  private lowestActiveOffset(image: MetadataImage): number {
    let low = Infinity;
    for (const b of image.brokers.values()) {
      if (b.fenced) continue;
      const s = this.sessions.get(b.id);
      low = Math.min(low, s?.metadataOffset ?? -1);
    }
    return low;
  }

  /** BrokerHeartbeatManager.calculateNextBrokerState. */
  nextState(image: MetadataImage, b: BrokerRegistration, req: HeartbeatInput, hasLeaderships: () => boolean): BrokerControlState {
    const current = brokerState(b);
    const offset = Number(req.currentMetadataOffset);
    switch (current) {
      case 'FENCED':
        if (req.wantShutDown) return 'SHUTDOWN_NOW';
        if (!req.wantFence && offset >= Number(b.epoch)) return 'UNFENCED';
        return 'FENCED';
      case 'UNFENCED':
        if (req.wantFence) return req.wantShutDown ? 'SHUTDOWN_NOW' : 'FENCED';
        if (req.wantShutDown) return hasLeaderships() ? 'CONTROLLED_SHUTDOWN' : 'SHUTDOWN_NOW';
        return 'UNFENCED';
      case 'CONTROLLED_SHUTDOWN': {
        if (hasLeaderships()) return 'CONTROLLED_SHUTDOWN';
        const s = this.sessions.get(b.id);
        const at = s?.controlledShutdownOffset ?? -1;
        if (at < 0 || at <= this.lowestActiveOffset(image)) return 'SHUTDOWN_NOW';
        return 'CONTROLLED_SHUTDOWN';
      }
      case 'SHUTDOWN_NOW':
        return 'SHUTDOWN_NOW';
    }
  }

  /** Brokers whose session expired (unfenced ones only: they are the ones to fence). */
  staleBrokers(image: MetadataImage, nowMs: number): number[] {
    const out: number[] = [];
    for (const b of image.brokers.values()) {
      if (b.fenced) continue;
      const s = this.sessions.get(b.id);
      if (s === undefined) {
        this.sessions.set(b.id, { lastContactMs: nowMs, heardFrom: false, metadataOffset: -1, controlledShutdownOffset: -1 });
        continue;
      }
      if (nowMs - s.lastContactMs >= this.o.sessionTimeoutMs) out.push(b.id);
    }
    return out.sort((a, b) => a - b);
  }
}

export function fenceRecord(b: BrokerRegistration): MetadataRecord {
  return { type: MetadataRecordType.BrokerRegistrationChangeRecord, version: 0, data: { brokerId: b.id, brokerEpoch: b.epoch, fenced: 1, inControlledShutdown: 0, logDirs: [] } };
}

export function unfenceRecord(b: BrokerRegistration): MetadataRecord {
  return { type: MetadataRecordType.BrokerRegistrationChangeRecord, version: 0, data: { brokerId: b.id, brokerEpoch: b.epoch, fenced: -1, inControlledShutdown: 0, logDirs: [] } };
}

export function controlledShutdownRecord(b: BrokerRegistration): MetadataRecord {
  return { type: MetadataRecordType.BrokerRegistrationChangeRecord, version: 1, data: { brokerId: b.id, brokerEpoch: b.epoch, fenced: 0, inControlledShutdown: 1, logDirs: [] } };
}

export function unregisterRecord(b: BrokerRegistration): MetadataRecord {
  return { type: MetadataRecordType.UnregisterBrokerRecord, version: 0, data: { brokerId: b.id, brokerEpoch: b.epoch } };
}
