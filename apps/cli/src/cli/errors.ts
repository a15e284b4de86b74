/**
 * Errors the tools expect (bad flags, unknown topics, unreachable servers):
 * each becomes one line on stderr and exit status 1, never a stack trace.
 */
import { NagareError } from '@nagare/common';
import { ErrorCode, KafkaProtocolError } from '@nagare/protocol';

/** An expected failure: its message is printed as is, exit status `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * A command-line mistake. The message is Kafka's (so scripts matching it
 * keep working); `hint` says how to fix it and is appended in parentheses.
 */
export class UsageError extends CliError {
  constructor(
    readonly kafkaMessage: string,
    readonly hint?: string,
  ) {
    super(hint ? `${kafkaMessage} (${hint})` : kafkaMessage);
  }
}

/**
 * The default messages of Kafka's `Errors` enum for the codes these tools
 * meet, used when the broker did not send a message of its own.
 */
const DEFAULT_MESSAGES: Record<number, string> = {
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: 'This server does not host this topic-partition.',
  [ErrorCode.LEADER_NOT_AVAILABLE]: 'There is no leader for this topic-partition as we are in the middle of a leadership election.',
  [ErrorCode.NOT_LEADER_OR_FOLLOWER]: 'For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.',
  [ErrorCode.REQUEST_TIMED_OUT]: 'The request timed out.',
  [ErrorCode.OFFSET_OUT_OF_RANGE]: 'The requested offset is not within the range of offsets maintained by the server.',
  [ErrorCode.COORDINATOR_NOT_AVAILABLE]: 'The coordinator is not available.',
  [ErrorCode.NOT_COORDINATOR]: 'This is not the correct coordinator.',
  [ErrorCode.INVALID_TOPIC_EXCEPTION]: 'The request attempted to perform an operation on an invalid topic.',
  [ErrorCode.INVALID_GROUP_ID]: 'The configured groupId is invalid.',
  [ErrorCode.UNKNOWN_MEMBER_ID]: 'The coordinator is not aware of this member.',
  [ErrorCode.TOPIC_ALREADY_EXISTS]: 'Topic with this name already exists.',
  [ErrorCode.INVALID_PARTITIONS]: 'Number of partitions is below 1.',
  [ErrorCode.INVALID_REPLICATION_FACTOR]: 'Replication factor is below 1 or larger than the number of available brokers.',
  [ErrorCode.INVALID_REPLICA_ASSIGNMENT]: 'Replica assignment is invalid.',
  [ErrorCode.INVALID_CONFIG]: 'Configuration is invalid.',
  [ErrorCode.INVALID_REQUEST]: 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.',
  [ErrorCode.NON_EMPTY_GROUP]: 'The group is not empty.',
  [ErrorCode.GROUP_ID_NOT_FOUND]: 'The group id does not exist.',
  [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]: 'Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.',
  [ErrorCode.POLICY_VIOLATION]: 'Request parameters do not satisfy the configured policy.',
  [ErrorCode.UNSUPPORTED_VERSION]: 'The version of API is not supported.',
  [ErrorCode.TOPIC_DELETION_DISABLED]: 'Topic deletion is disabled.',
  [ErrorCode.REASSIGNMENT_IN_PROGRESS]: 'A partition reassignment is in progress.',
  [ErrorCode.UNKNOWN_SERVER_ERROR]: 'The server experienced an unexpected error when processing the request.',
  [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND]: 'The transactionalId could not be found.',
  [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]: "The coordinator is loading and hence can't process requests.",
  [ErrorCode.INVALID_PRODUCER_EPOCH]: 'Producer attempted to produce with an old epoch.',
  [ErrorCode.INVALID_TXN_STATE]: 'The producer attempted a transactional operation in an invalid state.',
  [ErrorCode.TRANSACTION_COORDINATOR_FENCED]: 'Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer.',
  [ErrorCode.PRODUCER_FENCED]: 'There is a newer producer with the same transactionalId which fences the current one.',
  [ErrorCode.CONCURRENT_TRANSACTIONS]: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.',
};

/** The message Kafka's tools would show for a protocol error: the broker's message, else Kafka's default. */
export function kafkaMessage(e: KafkaProtocolError): string {
  if (e.serverMessage) return e.serverMessage;
  const prefix = `${e.errorName}: `;
  const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message === e.errorName ? '' : e.message;
  // Brokers send sentences ("Topic 'x' already exists."); the client's own
  // context strings ("create topic x") are not what Kafka would print.
  if (detail.endsWith('.')) return detail;
  return DEFAULT_MESSAGES[e.code] ?? e.errorName;
}

/** The one-line text for an unexpected-but-known error (protocol, client, usage). */
export function describeError(e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (e instanceof KafkaProtocolError) return kafkaMessage(e);
  if (e instanceof NagareError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isConnectionError(e: unknown): boolean {
  return e instanceof NagareError && (e.kind === 'CONNECTION_FAILED' || e.kind === 'NO_BROKERS' || e.kind === 'REQUEST_TIMED_OUT');
}

/** The Java exception class Kafka's admin client raises for an error code (as its tools print them). */
const JAVA_EXCEPTIONS: Record<number, string> = {
  [ErrorCode.GROUP_ID_NOT_FOUND]: 'GroupIdNotFoundException',
  [ErrorCode.NON_EMPTY_GROUP]: 'GroupNotEmptyException',
  [ErrorCode.INVALID_GROUP_ID]: 'InvalidGroupIdException',
  [ErrorCode.GROUP_AUTHORIZATION_FAILED]: 'GroupAuthorizationException',
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: 'UnknownTopicOrPartitionException',
  [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]: 'GroupSubscribedToTopicException',
  [ErrorCode.COORDINATOR_NOT_AVAILABLE]: 'CoordinatorNotAvailableException',
  [ErrorCode.NOT_COORDINATOR]: 'NotCoordinatorException',
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED]: 'TopicAuthorizationException',
  [ErrorCode.OFFSET_OUT_OF_RANGE]: 'OffsetOutOfRangeException',
  [ErrorCode.POLICY_VIOLATION]: 'PolicyViolationException',
};

/** `org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.`, as a Java exception's toString. */
export function javaException(e: KafkaProtocolError): string {
  const cls = JAVA_EXCEPTIONS[e.code] ?? 'KafkaException';
  return `org.apache.kafka.common.errors.${cls}: ${kafkaMessage(e)}`;
}
