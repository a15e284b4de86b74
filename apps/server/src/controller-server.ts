/**
 * What a controller node serves on its controller listeners (`controller.listener.names`), as
 * Kafka's ControllerServer / ControllerApis: the KRaft APIs (Vote, BeginQuorumEpoch,
 * EndQuorumEpoch, Fetch and FetchSnapshot of `__cluster_metadata`, DescribeQuorum, AddRaftVoter,
 * RemoveRaftVoter) answered by the node's KRaft replica; the controller APIs (CreateTopics, configs,
 * BrokerRegistration, BrokerHeartbeat, AlterPartition, ElectLeaders, reassignments, ...) answered by
 * the QuorumController (NOT_CONTROLLER when it is not the active one); ApiVersions with exactly this
 * set; DescribeCluster for `--bootstrap-controller` clients (KIP-919: the controllers, the active one
 * as controller id); DescribeConfigs. Other APIs close the connection, as Kafka's controller does.
 */
import type { Clock, Logger } from '@nagare/common';
import {
  HandlerRegistry,
  allHandlers,
  RequestDispatcher,
  SocketServer,
  defineHandler,
  type ApiHandler,
  type BoundListener,
  type BrokerServices,
  type KafkaConfig,
} from '@nagare/broker';
import { CONTROLLER_APIS, type QuorumController } from '@nagare/controller';
import { RAFT_APIS, type MetadataLoader, type RaftClient } from '@nagare/kraft';
import type { ConfigResolver } from '@nagare/metadata';
import { ApiKey, ErrorCode } from '@nagare/protocol';

const ALL_CLUSTER_OPERATIONS = (1 << 4) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
const ENDPOINT_TYPES: Record<number, string> = { 1: 'BROKER', 2: 'CONTROLLER' };

export interface ControllerServerOptions {
  readonly config: KafkaConfig;
  readonly clusterId: string;
  readonly raft: RaftClient;
  readonly loader: MetadataLoader;
  readonly controller: QuorumController;
  readonly resolver: ConfigResolver;
  readonly metadataVersion: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class ControllerServer {
  readonly handlers: HandlerRegistry;
  private socketServer: SocketServer | null = null;
  private bound: BoundListener[] = [];

  constructor(private readonly o: ControllerServerOptions) {
    const raftHandlers = RAFT_APIS.map((a) =>
      ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion, handle: (_ctx: unknown, req: unknown) => a.handle(o.raft, req) }) as unknown as ApiHandler,
    );
    const controllerHandlers = CONTROLLER_APIS.map((a) =>
      ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion, handle: (ctx: { apiVersion: number }, req: unknown) => a.handle(o.controller, req, ctx.apiVersion) }) as unknown as ApiHandler,
    );
    const shared = allHandlers.filter((h) => h.apiKey === ApiKey.ApiVersions || h.apiKey === ApiKey.DescribeConfigs);
    this.handlers = new HandlerRegistry([...shared, this.describeCluster(), ...raftHandlers, ...controllerHandlers] as ApiHandler[]);
  }

  /** DescribeCluster on a controller listener (KIP-919): the controllers, the active one as controller id. */
  private describeCluster(): ApiHandler {
    const o = this.o;
    return defineHandler({
      apiKey: ApiKey.DescribeCluster,
      minVersion: 0,
      maxVersion: 2,
      handle: (ctx, req) => {
        const requested = ctx.apiVersion >= 1 ? req.endpointType : 1;
        const base = {
          throttleTimeMs: 0,
          errorCode: 0,
          errorMessage: null as string | null,
          endpointType: requested,
          clusterId: o.clusterId,
          controllerId: o.raft.leaderAndEpoch().leaderId,
          brokers: [] as Array<{ brokerId: number; host: string; port: number; rack: string | null; isFenced: boolean }>,
          clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : -2147483648,
        };
        const fail = (code: number, message: string) => ({ ...base, errorCode: ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : code, errorMessage: message });
        if (!ENDPOINT_TYPES[requested]) return fail(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${requested}`);
        if (requested !== 2) {
          return fail(ErrorCode.MISMATCHED_ENDPOINT_TYPE, `The request was sent to an endpoint of type CONTROLLER, but we wanted an endpoint of type ${ENDPOINT_TYPES[requested]}`);
        }
        const controllers = o.raft.voterEndpoints();
        // This node's own endpoints: the ones it bound (a listener may ask for port 0).
        if (o.raft.isVoter) controllers.set(o.config.nodeId, o.raft.localEndpoints());
        for (const [id, endpoints] of [...controllers].sort((a, b) => a[0] - b[0])) {
          const ep = endpoints.find((e) => e.name === ctx.conn.listener) ?? endpoints[0];
          if (ep !== undefined) base.brokers.push({ brokerId: id, host: ep.host, port: ep.port, rack: null, isFenced: false });
        }
        return base;
      },
    }) as ApiHandler;
  }

  /** The services the shared handlers (ApiVersions, DescribeConfigs) read. */
  private services(): BrokerServices {
    const o = this.o;
    return {
      config: o.config,
      nodeId: o.config.nodeId,
      clusterId: o.clusterId,
      clock: o.clock,
      logger: o.logger,
      metadataVersion: o.metadataVersion,
      handlers: this.handlers,
      controllerHandlers: this.handlers,
      resolver: o.resolver,
      metadata: () => o.loader.image(),
      boundListeners: () => this.bound,
    } as unknown as BrokerServices;
  }

  async start(): Promise<BoundListener[]> {
    const c = this.o.config;
    this.socketServer = new SocketServer({
      listeners: c.controllerListeners.map((l) => ({ name: l.listener, host: l.host, port: l.port })),
      handler: new RequestDispatcher(this.services(), this.handlers, this.o.logger.child({ component: 'controller-requests' })),
      logger: this.o.logger.child({ component: 'network' }),
      maxRequestSize: c.int('socket.request.max.bytes'),
      idleTimeoutMs: c.int('connections.max.idle.ms'),
      maxInFlightPerConnection: c.int('queued.max.requests'),
    });
    this.bound = await this.socketServer.start();
    return this.bound;
  }

  async stop(): Promise<void> {
    await this.socketServer?.stop();
  }
}
