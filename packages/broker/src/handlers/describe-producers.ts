/**
 * DescribeProducers (key 61), v0 (KIP-664): the active idempotent or
 * transactional producers of each partition, from the log's producer state.
 * Any replica this broker hosts answers (the admin client asks the leader
 * unless a broker id is given, as kafka-transactions --broker-id does).
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const describeProducersHandler = defineHandler({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index) => {
          const out = { partitionIndex: index, errorCode: 0, errorMessage: null as string | null, activeProducers: [] as never[] };
          const part = ctx.services.replicas.get(t.name, index);
          if (!part) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          return {
            ...out,
            activeProducers: part.log.producerStates().map((s) => ({
              producerId: BigInt(s.producerId),
              producerEpoch: s.producerEpoch,
              lastSequence: s.lastSequence,
              lastTimestamp: BigInt(s.lastTimestamp),
              coordinatorEpoch: s.coordinatorEpoch,
              currentTxnStartOffset: BigInt(s.currentTxnStartOffset),
            })) as never[],
          };
        }),
      })),
    };
  },
});
