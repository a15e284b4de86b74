/**
 * WriteTxnMarkers (key 27), v0-1: what the transaction coordinator sends a
 * partition leader to end a transaction there. For each marker, each
 * partition gets a COMMIT or ABORT control batch with the producer's id and
 * epoch and the coordinator epoch; the log checks both (INVALID_PRODUCER_EPOCH
 * for a marker older than the producer, TRANSACTION_COORDINATOR_FENCED for
 * one from an older coordinator). Partitions of `__consumer_offsets` are
 * ended through the group coordinator, so its pending transactional offsets
 * become visible (or are dropped) as the marker lands; while its shard is
 * not here the answer is NOT_LEADER_OR_FOLLOWER (the coordinator retries).
 * A partition not hosted here is UNKNOWN_TOPIC_OR_PARTITION. As Kafka (acks=-1),
 * a marker is answered once the ISR has it (the high watermark passed it), or
 * REQUEST_TIMED_OUT after request.timeout.ms.
 */
import { ApiKey, ErrorCode, type WriteTxnMarkersRequest, type WriteTxnMarkersResponse } from '@nagare/protocol';
import { ControlRecordType, buildControlBatch } from '@nagare/records';
import { OFFSETS_TOPIC } from '../offsets-topic';
import type { BrokerServices } from '../services';
import { awaitReplication } from './replication-wait';
import { defineHandler } from './types';

export async function writeTxnMarkers(s: BrokerServices, req: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse> {
  const now = s.clock.now();
  const markers = await Promise.all(
    req.markers.map(async (m) => {
      const result = m.transactionResult ? 'COMMIT' : 'ABORT';
      const topics = await Promise.all(
        m.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitionIndexes.map(async (p) => {
              const part = s.replicas.get(t.name, p);
              if (!part) return { partitionIndex: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION as number };
              if (t.name === OFFSETS_TOPIC) {
                return { partitionIndex: p, errorCode: await s.groups.completeTransaction(p, m.producerId, m.producerEpoch, m.coordinatorEpoch, result) };
              }
              const batch = buildControlBatch({
                type: result === 'COMMIT' ? ControlRecordType.Commit : ControlRecordType.Abort,
                producerId: Number(m.producerId),
                producerEpoch: m.producerEpoch,
                coordinatorEpoch: m.coordinatorEpoch,
                timestamp: now,
              });
              const r = s.replicas.appendToLeader({ topic: t.name, partition: p, records: batch }, { allowInternal: true, origin: 'coordinator' }, now);
              await awaitReplication(s, [r], s.config.int('request.timeout.ms'));
              return { partitionIndex: p, errorCode: r.errorCode };
            }),
          ),
        })),
      );
      return { producerId: m.producerId, topics };
    }),
  );
  return { markers };
}

export const writeTxnMarkersHandler = defineHandler({
  apiKey: ApiKey.WriteTxnMarkers,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    return writeTxnMarkers(ctx.services, req);
  },
});
