/** Feature levels (KIP-584) this broker supports beyond metadata.version. */
import type { MetadataImage } from '@nagare/metadata';

/**
 * The features besides metadata.version this node supports, at the levels a
 * new cluster is formatted with (Kafka 4.0's production defaults):
 * group.version 1 is the KIP-848 consumer group protocol (ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe). transaction.version stays unfinalized (no
 * transaction coordinator yet).
 */
export const FEATURE_LEVELS: ReadonlyArray<{ name: string; level: number }> = [{ name: 'group.version', level: 1 }];

/** The consumer group protocol is on when group.version >= 1 is finalized (Kafka's GroupVersion.GV_1). */
export function consumerProtocolFinalized(image: MetadataImage): boolean {
  return (image.features.get('group.version') ?? 0) >= 1;
}
