/**
 * How the broker reaches the controller. In combined mode (process.roles=
 * broker,controller) the server wires the in-process QuorumController here;
 * a networked channel can implement the same interface later. Requests and
 * responses are the protocol's own bodies, as in Kafka's controller APIs.
 */
import type { MetadataImage } from '@nagare/metadata';
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
} from '@nagare/protocol';

export interface ControllerChannel {
  /** The latest committed metadata image. */
  image(): MetadataImage;
  /** Called with every new image, in order. Returns an unsubscribe function. */
  subscribe(listener: (image: MetadataImage, previous: MetadataImage) => void): () => void;
  createTopics(req: CreateTopicsRequest, version: number): Promise<CreateTopicsResponse>;
  deleteTopics(req: DeleteTopicsRequest, version: number): Promise<DeleteTopicsResponse>;
  createPartitions(req: CreatePartitionsRequest, version: number): Promise<CreatePartitionsResponse>;
  alterConfigs(req: AlterConfigsRequest, version: number): Promise<AlterConfigsResponse>;
  incrementalAlterConfigs(req: IncrementalAlterConfigsRequest, version: number): Promise<IncrementalAlterConfigsResponse>;
  /** Reserves a block of producer ids for this broker (KIP-730). */
  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ firstProducerId: bigint; count: number }>;
}
