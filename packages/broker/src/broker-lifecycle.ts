/**
 * Kafka's BrokerLifecycleManager: the broker's side of its registration with the controller.
 *
 * - Registers (BrokerRegistration) with a fresh incarnation id per process, its advertised
 *   listeners (with the ports actually bound), supported features and rack; the reply is the broker
 *   epoch (the offset of its RegisterBrokerRecord).
 * - Heartbeats every `broker.heartbeat.interval.ms` with how far its metadata image has caught up;
 *   asks to be unfenced once it has replayed its own registration. `start()` resolves when the
 *   controller has unfenced it (the broker then serves clients).
 * - A broker the controller no longer knows under this epoch (STALE_BROKER_EPOCH,
 *   BROKER_ID_NOT_REGISTERED) registers again.
 * - Controlled shutdown: heartbeats with wantShutDown until the controller, having moved this
 *   broker's leaderships away, answers shouldShutDown.
 */
import type { Clock, Logger, ScheduledTask, Scheduler } from '@nagare/common';
import { NagareError, silentLogger } from '@nagare/common';
import { ApiKey, ErrorCode, errorName, type BrokerRegistrationRequest } from '@nagare/protocol';
import type { ControllerClient, MetadataSource } from './controller-channel';

export interface BrokerLifecycleOptions {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly incarnationId: string;
  readonly controller: ControllerClient;
  readonly metadata: MetadataSource;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  /** broker.heartbeat.interval.ms (2000). */
  readonly heartbeatIntervalMs: number;
  /** The highest metadata.version this broker supports. */
  readonly maxMetadataVersion: number;
  /** Features besides metadata.version and kraft.version this broker supports, up to `level`. */
  readonly features?: ReadonlyArray<{ name: string; level: number }>;
  readonly logDirs?: readonly string[];
}

export type BrokerLifecycleState = 'STARTING' | 'RECOVERY' | 'RUNNING' | 'PENDING_CONTROLLED_SHUTDOWN' | 'SHUTTING_DOWN';

export class BrokerLifecycleManager {
  private epoch = -1n;
  private registration: Omit<BrokerRegistrationRequest, 'previousBrokerEpoch'> | undefined;
  private timer: ScheduledTask | undefined;
  private stopped = false;
  private fenced = true;
  private wantShutDown = false;
  private _state: BrokerLifecycleState = 'STARTING';
  private unfenced: { resolve: () => void; promise: Promise<void> };
  private shutdownGranted: { resolve: () => void; promise: Promise<void> };
  private readonly logger: Logger;
  private inFlight = false;

  constructor(private readonly o: BrokerLifecycleOptions) {
    this.logger = o.logger ?? silentLogger;
    this.unfenced = deferred();
    this.shutdownGranted = deferred();
  }

  get brokerEpoch(): bigint {
    return this.epoch;
  }
  get state(): BrokerLifecycleState {
    return this._state;
  }
  get isFenced(): boolean {
    return this.fenced;
  }

  /** Registers and heartbeats; resolves once the controller has unfenced this broker. */
  async start(listeners: BrokerRegistrationRequest['listeners'], rack: string | null): Promise<bigint> {
    this.registration = {
      brokerId: this.o.nodeId,
      clusterId: this.o.clusterId,
      incarnationId: this.o.incarnationId,
      listeners,
      features: [
        { name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: this.o.maxMetadataVersion },
        { name: 'kraft.version', minSupportedVersion: 0, maxSupportedVersion: 1 },
        ...(this.o.features ?? []).map((f) => ({ name: f.name, minSupportedVersion: 0, maxSupportedVersion: f.level })),
      ],
      rack,
      isMigratingZkBroker: false,
      logDirs: [...(this.o.logDirs ?? [])],
    };
    await this.register();
    this._state = 'RECOVERY';
    this.beat();
    await this.unfenced.promise;
    return this.epoch;
  }

  private async register(): Promise<void> {
    for (;;) {
      if (this.stopped) throw new NagareError('CLIENT_CLOSED', 'the broker is stopping');
      const previousBrokerEpoch = this.epoch;
      try {
        const r = await this.o.controller.send(ApiKey.BrokerRegistration, { ...this.registration!, previousBrokerEpoch }, { timeoutMs: 60_000 });
        if (r.errorCode === ErrorCode.NONE) {
          this.epoch = r.brokerEpoch;
          this.logger.info({ brokerEpoch: String(r.brokerEpoch), incarnationId: this.o.incarnationId }, 'registered with the controller');
          return;
        }
        this.logger.warn({ error: errorName(r.errorCode) }, 'the controller refused the broker registration; retrying');
        if (r.errorCode === ErrorCode.INCONSISTENT_CLUSTER_ID) {
          throw new NagareError('CLUSTER_ID_MISMATCH', `the controller belongs to another cluster than ${this.o.clusterId}: check meta.properties`);
        }
      } catch (e) {
        if (e instanceof NagareError && (e.kind === 'CLUSTER_ID_MISMATCH' || e.kind === 'CLIENT_CLOSED')) throw e;
        this.logger.warn({ err: (e as Error).message }, 'broker registration failed; retrying');
      }
      await new Promise<void>((r) => this.o.scheduler.schedule(Math.min(1000, this.o.heartbeatIntervalMs), r));
    }
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    if (this.stopped) return;
    this.timer = this.o.scheduler.schedule(ms, () => this.beat());
  }

  private beat(): void {
    if (this.stopped || this.inFlight) return;
    this.inFlight = true;
    const offset = this.o.metadata.image().provenance.offset;
    // Ready to be unfenced once this broker has replayed its own registration (Kafka: readyToUnfence).
    const wantFence = offset < Number(this.epoch);
    this.o.controller
      .send(
        ApiKey.BrokerHeartbeat,
        { brokerId: this.o.nodeId, brokerEpoch: this.epoch, currentMetadataOffset: BigInt(Math.max(offset, -1)), wantFence, wantShutDown: this.wantShutDown, offlineLogDirs: [] },
        { timeoutMs: Math.max(this.o.heartbeatIntervalMs * 2, 5000) },
      )
      .then(
        async (r) => {
          this.inFlight = false;
          if (r.errorCode === ErrorCode.STALE_BROKER_EPOCH || r.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED) {
            this.logger.warn({ error: errorName(r.errorCode), brokerEpoch: String(this.epoch) }, 'the controller does not know this registration; registering again');
            this.fenced = true;
            try {
              await this.register();
            } catch {
              return;
            }
            return this.schedule(0);
          }
          if (r.errorCode !== ErrorCode.NONE) {
            this.logger.debug({ error: errorName(r.errorCode) }, 'broker heartbeat failed');
            return this.schedule(this.o.heartbeatIntervalMs);
          }
          const wasFenced = this.fenced;
          this.fenced = r.isFenced;
          if (wasFenced && !r.isFenced) {
            this._state = 'RUNNING';
            this.logger.info({ brokerEpoch: String(this.epoch) }, 'the controller unfenced this broker');
            this.unfenced.resolve();
          } else if (!wasFenced && r.isFenced && !this.wantShutDown) {
            this.logger.warn({ brokerEpoch: String(this.epoch) }, 'the controller fenced this broker');
          }
          if (r.shouldShutDown) {
            this.shutdownGranted.resolve();
            return;
          }
          // While waiting to be unfenced (or to shut down), ask again soon; then at the interval.
          const soon = (this.fenced && !this.wantShutDown) || this.wantShutDown;
          this.schedule(soon ? Math.min(100, this.o.heartbeatIntervalMs) : this.o.heartbeatIntervalMs);
        },
        (e) => {
          this.inFlight = false;
          this.logger.debug({ err: (e as Error).message }, 'broker heartbeat failed');
          this.schedule(Math.min(500, this.o.heartbeatIntervalMs));
        },
      );
  }

  /**
   * Controlled shutdown: resolves when the controller grants it (leaderships moved away) or after
   * `timeoutMs` (the controller may be gone too).
   */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    if (this.stopped || this.epoch < 0) return false;
    this.wantShutDown = true;
    this._state = 'PENDING_CONTROLLED_SHUTDOWN';
    this.schedule(0);
    let timer: ScheduledTask | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = this.o.scheduler.schedule(timeoutMs, () => r(false))));
    const granted = await Promise.race([this.shutdownGranted.promise.then(() => true), timedOut]);
    timer?.cancel();
    this._state = 'SHUTTING_DOWN';
    return granted;
  }

  close(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.unfenced.resolve();
  }
}

function deferred(): { resolve: () => void; promise: Promise<void> } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { resolve, promise };
}
