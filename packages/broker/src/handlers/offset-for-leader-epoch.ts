/**
 * OffsetForLeaderEpoch (key 23), v2-4: for each partition, the end offset of
 * the requested leader epoch from the leader-epoch cache (consumers use it
 * to detect log truncation after a leader change, KIP-320). current
 * leader epoch is checked as for Fetch.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const out = { errorCode: 0, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
          const part = ctx.services.replicas.get(t.topic, p.partition);
          if (!part) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (!part.isLeader) return { ...out, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
          if (p.currentLeaderEpoch >= 0) {
            if (p.currentLeaderEpoch > part.leaderEpoch) return { ...out, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
            if (p.currentLeaderEpoch < part.leaderEpoch) return { ...out, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
          }
          const r = part.log.endOffsetForLeaderEpoch(p.leaderEpoch);
          return { ...out, leaderEpoch: r.leaderEpoch, endOffset: BigInt(r.endOffset) };
        }),
      })),
    };
  },
});
