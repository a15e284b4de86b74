/**
 * The broker's two links to the metadata quorum, as Kafka splits them:
 *
 * - MetadataSource: where the broker's metadata image comes from. It is built only by replaying the
 *   committed metadata log: a MetadataLoader fed by this node's KRaft replica (an observer on a
 *   broker-only node, the voter itself on a combined node).
 * - ControllerClient: requests to the active controller (Kafka's NodeToControllerChannelManager):
 *   admin writes forwarded from clients (CreateTopics, configs, ...), and the broker's own
 *   BrokerRegistration, BrokerHeartbeat, AlterPartition and AllocateProducerIds.
 */
import type { MetadataImage } from '@nagare/metadata';
import type { MetadataPublisher } from '@nagare/kraft';
import type {
  AlterConfigsRequest,
  AlterConfigsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  RequestByKey,
  ResponseByKey,
} from '@nagare/protocol';

export interface MetadataSource {
  /** The latest image published (everything committed and replayed so far). */
  image(): MetadataImage;
  /** Called with every new image and what changed, in order. Returns an unsubscribe function. */
  subscribe(publisher: MetadataPublisher): () => void;
  /** Resolves once the image includes the metadata log offset `offset`. */
  waitFor(offset: number): Promise<void>;
}

export type ControllerApiKey = keyof RequestByKey & keyof ResponseByKey;

export interface ForwardOptions {
  /** The version the request arrived at (the controller answers at it when it can). */
  readonly version?: number;
  /** How long to keep looking for the active controller and retrying (default request.timeout.ms). */
  readonly timeoutMs?: number;
}

export interface ControllerClient {
  /**
   * Sends a request to the active controller and resolves with its response, retrying while no
   * controller is active or the one asked answers NOT_CONTROLLER, until the timeout.
   */
  send<K extends ControllerApiKey>(apiKey: K, request: RequestByKey[K], options?: ForwardOptions): Promise<ResponseByKey[K]>;
  /** The active controller as this broker knows it (-1 when none). */
  activeControllerId(): number;
  createTopics(req: CreateTopicsRequest, version: number): Promise<CreateTopicsResponse>;
  deleteTopics(req: DeleteTopicsRequest, version: number): Promise<DeleteTopicsResponse>;
  createPartitions(req: CreatePartitionsRequest, version: number): Promise<CreatePartitionsResponse>;
  alterConfigs(req: AlterConfigsRequest, version: number): Promise<AlterConfigsResponse>;
  incrementalAlterConfigs(req: IncrementalAlterConfigsRequest, version: number): Promise<IncrementalAlterConfigsResponse>;
  /** Reserves a block of producer ids for this broker (KIP-730). */
  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ firstProducerId: bigint; count: number }>;
}
