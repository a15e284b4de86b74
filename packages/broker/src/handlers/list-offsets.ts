/**
 * ListOffsets (key 2), v1-10. Per partition: -2 earliest (log start offset),
 * -1 latest (the high watermark, or the last stable offset for
 * read_committed), -3 the offset of the largest timestamp (v7+, KIP-734),
 * -4 earliest local (v8+; no tiered storage, so the log start offset),
 * -5 latest tiered (v9+; none, so -1), and t >= 0: the earliest offset whose
 * timestamp is >= t, or -1 when there is none. current_leader_epoch (v4+) is
 * checked as Kafka does. A partition listed twice gets INVALID_REQUEST.
 */
import { ApiKey, ErrorCode, ListOffsetsResponse } from '@nagare/protocol';
import { defineHandler } from './types';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 10,
  handle(ctx, req) {
    const v = ctx.apiVersion;
    const seen = new Set<string>();
    for (const t of req.topics) for (const p of t.partitions) {
      const k = `${t.name}\u0000${p.partitionIndex}`;
      if (seen.has(k)) seen.add(`dup:${k}`);
      seen.add(k);
    }
    const topics: ListOffsetsResponse.ListOffsetsTopicResponse[] = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): ListOffsetsResponse.ListOffsetsPartitionResponse => {
        const out = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [] as bigint[], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
        if (seen.has(`dup:${t.name}\u0000${p.partitionIndex}`)) return { ...out, errorCode: ErrorCode.INVALID_REQUEST };
        const part = ctx.services.replicas.get(t.name, p.partitionIndex);
        if (!part) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (!part.isLeader) return { ...out, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
        if (v >= 4 && p.currentLeaderEpoch >= 0) {
          if (p.currentLeaderEpoch > part.leaderEpoch) return { ...out, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
          if (p.currentLeaderEpoch < part.leaderEpoch) return { ...out, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
        }
        const log = part.log;
        const ts = p.timestamp;
        const epoch = part.leaderEpoch;
        if (ts === LATEST) {
          const upper = req.isolationLevel === 1 ? log.lastStableOffset : log.highWatermark;
          return { ...out, offset: BigInt(upper), leaderEpoch: epoch };
        }
        if (ts === EARLIEST || ts === EARLIEST_LOCAL) {
          if (ts === EARLIEST_LOCAL && v < 8) return { ...out, errorCode: ErrorCode.UNSUPPORTED_VERSION };
          return { ...out, offset: BigInt(log.logStartOffset), leaderEpoch: epoch };
        }
        if (ts === LATEST_TIERED) {
          if (v < 9) return { ...out, errorCode: ErrorCode.UNSUPPORTED_VERSION };
          return out;
        }
        if (ts === MAX_TIMESTAMP && v < 7) return { ...out, errorCode: ErrorCode.UNSUPPORTED_VERSION };
        if (ts < 0n && ts !== MAX_TIMESTAMP) return { ...out, errorCode: ErrorCode.INVALID_REQUEST };
        const found = log.offsetForTimestamp(Number(ts));
        if (!found || found.offset >= log.highWatermark) return out;
        return { ...out, timestamp: BigInt(found.timestamp), offset: BigInt(found.offset), leaderEpoch: found.leaderEpoch };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
