/**
 * DescribeLogDirs (key 35), v1-4: for each log directory, its partitions and
 * their sizes (a null topic list means all), an error for offline dirs
 * (KAFKA_STORAGE_ERROR), and from v4 the directory's total and usable bytes.
 */
import { ApiKey, DescribeLogDirsResponse, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 1,
  maxVersion: 4,
  handle(ctx, req) {
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const results: DescribeLogDirsResponse.DescribeLogDirsResult[] = ctx.services.logDirs().map((d) => {
      const topics = new Map<string, DescribeLogDirsResponse.DescribeLogDirsTopic>();
      if (!d.offline) {
        for (const log of d.logs) {
          if (wanted && !wanted.get(log.topic)?.has(log.partition)) continue;
          let t = topics.get(log.topic);
          if (!t) topics.set(log.topic, (t = { name: log.topic, partitions: [] }));
          t.partitions.push({ partitionIndex: log.partition, partitionSize: BigInt(log.size()), offsetLag: 0n, isFutureKey: false });
        }
      }
      return {
        errorCode: d.offline ? ErrorCode.KAFKA_STORAGE_ERROR : 0,
        logDir: d.dir,
        topics: [...topics.values()],
        totalBytes: d.totalBytes,
        usableBytes: d.usableBytes,
      };
    });
    return { throttleTimeMs: 0, errorCode: 0, results };
  },
});
