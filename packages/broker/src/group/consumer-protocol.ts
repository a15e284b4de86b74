/**
 * The little the coordinator reads and writes of the consumer protocol
 * (protocol type "consumer"): the topics of a member's subscription, for
 * OffsetDelete and offset expiration (KIP-211, KIP-496); and, for classic
 * members of KIP-848 groups, the whole subscription (owned partitions, rack)
 * and their assignment in the version they speak. A subscription or
 * assignment is an int16 version followed by the versioned body; like
 * Kafka, versions newer than we know are read as the newest we know (every
 * version keeps its predecessors' fields as a prefix).
 */
import {
  ConsumerProtocolAssignmentCodec,
  ConsumerProtocolSubscriptionCodec,
  decode,
  encode,
  type ConsumerProtocolSubscription,
} from '@nagare/protocol';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

const HIGHEST = 3;

/** The subscribed topics, or null when the metadata is not a valid consumer subscription. */
export function subscriptionTopics(metadata: Buffer): string[] | null {
  if (metadata.length < 2) return null;
  const version = metadata.readInt16BE(0);
  if (version < 0) return null;
  try {
    return decode(ConsumerProtocolSubscriptionCodec, metadata.subarray(2), 0).topics;
  } catch {
    return null;
  }
}

/** The whole subscription; throws on malformed bytes. */
export function decodeSubscription(metadata: Buffer): ConsumerProtocolSubscription {
  if (metadata.length < 2) throw new Error('consumer protocol subscription of fewer than 2 bytes');
  const version = metadata.readInt16BE(0);
  if (version < 0) throw new Error(`consumer protocol subscription version ${version}`);
  return decode(ConsumerProtocolSubscriptionCodec, metadata.subarray(2), Math.min(version, HIGHEST));
}

/** The int16 version a member's subscription opens with (0 for anything unreadable). */
export function protocolVersion(metadata: Buffer): number {
  return metadata.length >= 2 ? Math.max(0, metadata.readInt16BE(0)) : 0;
}

/** An assignment in the given consumer protocol version (partitions by topic name). */
export function encodeAssignment(partitions: Array<{ topic: string; partitions: number[] }>, version: number): Buffer {
  const v = Math.min(Math.max(version, 0), HIGHEST);
  const head = Buffer.alloc(2);
  head.writeInt16BE(v);
  return Buffer.concat([head, encode(ConsumerProtocolAssignmentCodec, { assignedPartitions: partitions, userData: null }, v)]);
}

/** The partitions of an assignment by topic name; throws on malformed bytes. */
export function decodeAssignment(assignment: Buffer): Array<{ topic: string; partitions: number[] }> {
  if (assignment.length === 0) return [];
  if (assignment.length < 2) throw new Error('consumer protocol assignment of fewer than 2 bytes');
  const version = assignment.readInt16BE(0);
  return decode(ConsumerProtocolAssignmentCodec, assignment.subarray(2), Math.min(Math.max(version, 0), HIGHEST)).assignedPartitions;
}
