/**
 * @nagare/client: a Kafka client (producer, consumer, admin, generic group
 * member) over @nagare/protocol and @nagare/records.
 */
export * from './config';
export * from './cluster';
export { BrokerConnection, decodeApiVersionsResponse, CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from './network/connection';
export type { ConnectionConfig, RequestOptions, VersionRange } from './network/connection';
export { ExponentialBackoff } from './network/backoff';
export * from './producer/partitioner';
export { Producer } from './producer/producer';
export type { ProducerOptions, ProducerRecord, CompressionType, Bytes, ConsumerGroupMetadata, TransactionOffset, TransactionState } from './producer/producer';
export type { RecordMetadata, SendCallback } from './producer/batch';
export * from './group/consumer-protocol';
export * from './group/assignors';
export * from './group/group-member';
export { ConsumerGroupMember } from './group/consumer-group-member';
export type { ConsumerGroupMemberOptions } from './group/consumer-group-member';
export { Consumer, offsetFetch, listOffsetsFromLeaders } from './consumer/consumer';
export type {
  ConsumerOptions,
  RebalanceListener,
  OffsetAndMetadata,
  TopicPartitionOffset,
  OffsetResetStrategy,
  IsolationLevel,
  ListOffsetsQuery,
  ListOffsetsResult,
} from './consumer/consumer';
export { CompletedFetch } from './consumer/completed-fetch';
export type { ConsumerRecord, AbortedTxn } from './consumer/completed-fetch';
export * from './admin/admin';
