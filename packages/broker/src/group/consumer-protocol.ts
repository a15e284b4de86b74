/**
 * The little the coordinator reads of the consumer protocol (protocol type
 * "consumer"): the topics of a member's subscription, for OffsetDelete and
 * offset expiration (KIP-211, KIP-496). A subscription is an int16 version
 * followed by ConsumerProtocolSubscription; like Kafka, we parse the body as
 * v0 (topics, userData), the prefix every later version keeps.
 */
import { ConsumerProtocolSubscriptionCodec, decode } from '@nagare/protocol';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

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
