/**
 * How the group coordinator persists: the partitions of `__consumer_offsets`
 * as the coordinator runtime writes them (PartitionWriter) and reads them
 * back when a shard loads (CoordinatorLoader). The broker implements it over
 * its log of that topic (offsets-topic.ts); tests use MemoryOffsetsTopicStore.
 */
import type { CoordinatorStore } from '../coordinator';

/** __consumer_offsets: partitionCount is offsets.topic.num.partitions. */
export type OffsetsTopicStore = CoordinatorStore;
