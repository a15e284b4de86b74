/**
 * DeleteRecords (key 21), v0-2: moves each partition's log start offset
 * forward. Offset -1 means the high watermark; an offset beyond the high
 * watermark is OFFSET_OUT_OF_RANGE. Answers the new low watermark.
 */
import { isNagareError } from '@nagare/common';
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const out = { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: 0 };
          const part = ctx.services.replicas.get(t.name, p.partitionIndex);
          if (!part) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (!part.isLeader) return { ...out, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
          const log = part.log;
          const target = p.offset === -1n ? log.highWatermark : Number(p.offset);
          if (p.offset < -1n || target > log.highWatermark) return { ...out, lowWatermark: BigInt(log.logStartOffset), errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
          try {
            return { ...out, lowWatermark: BigInt(log.deleteRecordsBefore(target)) };
          } catch (e) {
            if (isNagareError(e, 'OFFSET_OUT_OF_RANGE')) return { ...out, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
            return { ...out, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
          }
        }),
      })),
    };
  },
});
