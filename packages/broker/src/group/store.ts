/**
 * How the group coordinator persists: the partitions of `__consumer_offsets`
 * as the coordinator runtime writes them (PartitionWriter) and reads them
 * back when a shard loads (CoordinatorLoader). The broker implements it over
 * its log of that topic (offsets-topic.ts); tests use MemoryOffsetsTopicStore.
 */
import type { CoordinatorLoader, PartitionWriter } from '../coordinator';

export interface OffsetsTopicStore extends PartitionWriter, CoordinatorLoader {
  /** offsets.topic.num.partitions */
  readonly partitionCount: number;
  /** Creates __consumer_offsets (compacted) if it does not exist yet; Kafka does this on first FindCoordinator. */
  ensureTopic(): Promise<void>;
}
