/** Feature levels (KIP-584) this broker supports beyond metadata.version. */
import type { MetadataImage } from '@nagare/metadata';

/**
 * The features besides metadata.version this node supports, at the levels a
 * new cluster is formatted with (Kafka 4.0's production defaults):
 * group.version 1 is the KIP-848 consumer group protocol (ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe); transaction.version 2 is KIP-890: flexible
 * `__transaction_state` records (level 1), the epoch bump with every
 * transaction (EndTxn v5) and partitions added by their leaders (Produce
 * v12, TxnOffsetCommit v5) instead of AddPartitionsToTxn/AddOffsetsToTxn
 * (level 2). Clients read the finalized level from ApiVersions.
 */
export const FEATURE_LEVELS: ReadonlyArray<{ name: string; level: number }> = [
  { name: 'group.version', level: 1 },
  { name: 'transaction.version', level: 2 },
];

/** The finalized transaction.version (0 when not finalized, as on clusters formatted before it). */
export function transactionVersion(image: MetadataImage): number {
  return image.features.get('transaction.version') ?? 0;
}

/** The consumer group protocol is on when group.version >= 1 is finalized (Kafka's GroupVersion.GV_1). */
export function consumerProtocolFinalized(image: MetadataImage): boolean {
  return (image.features.get('group.version') ?? 0) >= 1;
}
