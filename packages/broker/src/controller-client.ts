/**
 * Kafka's NodeToControllerChannelManager: requests from this node to the active controller. The
 * active controller is the metadata quorum's leader, as this node's KRaft replica knows it; it is
 * reached on its controller listener (the voter endpoints), or called in process when this node's
 * own controller is the active one (a combined node). A response that says NOT_CONTROLLER, a
 * connection that fails, or no known leader: wait a little (or for the leader to change) and ask
 * again, until the request's time is up.
 */
import type { Clock, Logger, Scheduler } from '@nagare/common';
import { NagareError, silentLogger } from '@nagare/common';
import { BrokerConnection, ExponentialBackoff } from '@nagare/client';
import {
  ApiKey,
  ErrorCode,
  apiByKey,
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
  type RequestByKey,
  type ResponseByKey,
} from '@nagare/protocol';
import type { ControllerApiKey, ControllerClient, ForwardOptions } from './controller-channel';

/** How the client finds the active controller (the node's KRaft replica fits). */
export interface QuorumView {
  leaderAndEpoch(): { leaderId: number; epoch: number };
  /** The controller listener address of a voter. */
  addressOf(id: number): { host: string; port: number } | undefined;
}

/** The node's own controller, when it has one (combined mode): answers without the network. */
export interface LocalController {
  isActive(): boolean;
  handle(apiKey: number, body: unknown, version: number): Promise<unknown> | undefined;
}

export interface NodeToControllerOptions {
  readonly nodeId: number;
  readonly quorum: QuorumView;
  readonly local?: LocalController;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  /** request.timeout.ms for one attempt and the default overall budget (30000). */
  readonly requestTimeoutMs?: number;
  /** Pause between attempts (retry.backoff.ms, 100). */
  readonly retryBackoffMs?: number;
}

/** Whether any errorCode in a response body is NOT_CONTROLLER. */
export function saysNotController(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  if (Array.isArray(body)) return body.some(saysNotController);
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === 'errorCode' && v === ErrorCode.NOT_CONTROLLER) return true;
    if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && saysNotController(v)) return true;
  }
  return false;
}

export class NodeToControllerChannel implements ControllerClient {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly o: NodeToControllerOptions) {
    this.logger = o.logger ?? silentLogger;
  }

  activeControllerId(): number {
    return this.o.quorum.leaderAndEpoch().leaderId;
  }

  private connection(addr: { host: string; port: number }, id: number): BrokerConnection {
    const key = `${addr.host}:${addr.port}`;
    let c = this.connections.get(key);
    if (c === undefined || c.isClosed) {
      const t = this.o.requestTimeoutMs ?? 30_000;
      c = new BrokerConnection(id, addr.host, addr.port, {
        clientId: `broker-${this.o.nodeId}-to-controller`,
        requestTimeoutMs: t,
        connectionSetupTimeoutMs: Math.min(t, 10_000),
        maxInFlight: 64,
        reconnectBackoff: new ExponentialBackoff(this.o.retryBackoffMs ?? 100, 1000),
        clock: this.o.clock,
        scheduler: this.o.scheduler,
        logger: this.logger,
      });
      this.connections.set(key, c);
    }
    return c;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.o.scheduler.schedule(ms, r));
  }

  async send<K extends ControllerApiKey>(apiKey: K, request: RequestByKey[K], options: ForwardOptions = {}): Promise<ResponseByKey[K]> {
    const budget = options.timeoutMs ?? this.o.requestTimeoutMs ?? 30_000;
    const deadline = this.o.clock.monotonicMs() + budget;
    const backoff = this.o.retryBackoffMs ?? 100;
    let last = 'no controller is active yet';
    for (;;) {
      if (this.closed) throw new NagareError('CLIENT_CLOSED', 'the controller channel is closed');
      const left = deadline - this.o.clock.monotonicMs();
      if (left <= 0) {
        throw new NagareError('REQUEST_TIMED_OUT', `no answer from the active controller within ${budget} ms (${last})`);
      }
      const leader = this.o.quorum.leaderAndEpoch().leaderId;
      if (leader < 0) {
        await this.sleep(Math.min(backoff, left));
        continue;
      }
      try {
        let response: ResponseByKey[K];
        if (leader === this.o.nodeId && this.o.local !== undefined) {
          if (!this.o.local.isActive()) {
            last = `node ${leader} (this node) is not active yet`;
            await this.sleep(Math.min(backoff / 4, left));
            continue;
          }
          const p = this.o.local.handle(apiKey, request, options.version ?? highestVersion(apiKey));
          if (p === undefined) throw new NagareError('INTERNAL', `the controller does not serve API ${apiKey}`);
          response = (await p) as ResponseByKey[K];
        } else {
          const addr = this.o.quorum.addressOf(leader);
          if (addr === undefined) {
            last = `no address known for controller ${leader}`;
            await this.sleep(Math.min(backoff, left));
            continue;
          }
          const conn = this.connection(addr, leader);
          response = await conn.request(apiKey, () => request, {
            ...(options.version !== undefined ? { maxVersion: options.version } : {}),
            timeoutMs: Math.max(1, Math.min(left, this.o.requestTimeoutMs ?? 30_000)),
            lenient: true,
          });
        }
        if (!saysNotController(response)) return response;
        last = `controller ${leader} answered NOT_CONTROLLER`;
      } catch (e) {
        last = `controller ${leader}: ${(e as Error).message}`;
        this.logger.debug({ apiKey, controller: leader, err: (e as Error).message }, 'request to the controller failed; retrying');
      }
      await this.sleep(Math.min(backoff, Math.max(0, deadline - this.o.clock.monotonicMs())));
    }
  }

  createTopics(req: CreateTopicsRequest, version: number): Promise<CreateTopicsResponse> {
    return this.send(ApiKey.CreateTopics, req, { version, timeoutMs: Math.max(req.timeoutMs, 1) });
  }
  deleteTopics(req: DeleteTopicsRequest, version: number): Promise<DeleteTopicsResponse> {
    return this.send(ApiKey.DeleteTopics, req, { version, timeoutMs: Math.max(req.timeoutMs, 1) });
  }
  createPartitions(req: CreatePartitionsRequest, version: number): Promise<CreatePartitionsResponse> {
    return this.send(ApiKey.CreatePartitions, req, { version, timeoutMs: Math.max(req.timeoutMs, 1) });
  }
  alterConfigs(req: AlterConfigsRequest, version: number): Promise<AlterConfigsResponse> {
    return this.send(ApiKey.AlterConfigs, req, { version });
  }
  incrementalAlterConfigs(req: IncrementalAlterConfigsRequest, version: number): Promise<IncrementalAlterConfigsResponse> {
    return this.send(ApiKey.IncrementalAlterConfigs, req, { version });
  }
  async allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ firstProducerId: bigint; count: number }> {
    const r = await this.send(ApiKey.AllocateProducerIds, { brokerId, brokerEpoch });
    if (r.errorCode !== ErrorCode.NONE) throw new NagareError('INTERNAL', `AllocateProducerIds failed with error ${r.errorCode}`);
    return { firstProducerId: r.producerIdStart, count: r.producerIdLen };
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}

function highestVersion(apiKey: number): number {
  return apiByKey(apiKey)?.highestVersion ?? 0;
}
