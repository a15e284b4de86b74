/**
 * DescribeTopicPartitions (key 75), v0 (KIP-966): topic and partition state
 * for the named topics (or all, when the list is empty), sorted by name and
 * paginated by response_partition_limit with a cursor.
 */
import { INTERNAL_TOPICS } from '@nagare/metadata';
import { ApiKey, DescribeTopicPartitionsResponse, ErrorCode, ZERO_UUID } from '@nagare/protocol';
import { defineHandler } from './types';

export const describeTopicPartitionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const image = ctx.services.metadata();
    const names = (req.topics.length > 0 ? req.topics.map((t) => t.name) : [...image.topicsByName.keys()]).sort();
    const start = req.cursor;
    let budget = Math.max(1, req.responsePartitionLimit);
    const topics: DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic[] = [];
    let nextCursor: DescribeTopicPartitionsResponse.Cursor | null = null;
    for (const name of [...new Set(names)]) {
      if (start && name < start.topicName) continue;
      const t = image.topicsByName.get(name);
      if (!t) {
        topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 });
        continue;
      }
      const parts = [...t.partitions.values()].sort((a, b) => a.partition - b.partition).filter((p) => !(start && name === start.topicName && p.partition < start.partitionIndex));
      if (budget <= 0) {
        nextCursor = { topicName: name, partitionIndex: parts[0]?.partition ?? 0 };
        break;
      }
      const take = parts.slice(0, budget);
      budget -= take.length;
      topics.push({
        errorCode: 0,
        name,
        topicId: t.id,
        isInternal: INTERNAL_TOPICS.has(name),
        partitions: take.map((p) => ({
          errorCode: 0,
          partitionIndex: p.partition,
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: p.replicas,
          isrNodes: p.isr,
          // Nullable in the schema, but Kafka's broker always sends lists (empty without KIP-966
          // ELR); Kafka's Admin client dereferences them (NullPointerException in describeTopics).
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: [],
        })),
        topicAuthorizedOperations: -2147483648,
      });
      if (take.length < parts.length) {
        nextCursor = { topicName: name, partitionIndex: parts[take.length].partition };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});
