/**
 * AddPartitionsToTxn (key 24), v0-5. v0-3 come from clients: one
 * transaction (the top-level fields), answered per partition with the
 * coordinator's error (PRODUCER_FENCED is INVALID_PRODUCER_EPOCH for v0-1).
 * v4+ come from brokers (KIP-890) and batch transactions: `verifyOnly`
 * asks whether the partitions are in the producer's open transaction
 * (part 1: NONE or TRANSACTION_ABORTABLE per partition), otherwise the
 * partitions are added (part 2: transaction.version 2 producers do not send
 * AddPartitionsToTxn; their partition leaders add for them). A partition of
 * a topic that does not exist fails the whole transaction:
 * UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for the others.
 * A null transactional id in a batch is INVALID_REQUEST for the request.
 */
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ApiKey, ErrorCode } from '@nagare/protocol';
import type { TxnPartition } from '../transaction/state';
import { defineHandler } from './types';

type TopicResult = AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult;

function resultOf(topics: AddPartitionsToTxnRequest.AddPartitionsToTxnTopic[], codeOf: (topic: string, partition: number) => number): TopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p) })) }));
}

export const addPartitionsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.apiVersion;
    const s = ctx.services;
    const transactions: AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction[] =
      v < 4
        ? [{ transactionalId: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId, producerEpoch: req.v3AndBelowProducerEpoch, verifyOnly: false, topics: req.v3AndBelowTopics }]
        : req.transactions;
    const image = s.metadata();
    const results = await Promise.all(
      transactions.map(async (txn): Promise<AddPartitionsToTxnResponse.AddPartitionsToTxnResult> => {
        const partitions: TxnPartition[] = [];
        const missing = new Set<string>();
        for (const t of txn.topics) {
          const topic = image.topicsByName.get(t.name);
          for (const p of t.partitions) {
            if (topic?.partitions.has(p)) partitions.push({ topic: t.name, partition: p });
            else missing.add(`${t.name}\u0000${p}`);
          }
        }
        if (missing.size > 0) {
          return { transactionalId: txn.transactionalId, topicResults: resultOf(txn.topics, (t, p) => (missing.has(`${t}\u0000${p}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED)) };
        }
        if (v >= 4 && txn.verifyOnly) {
          const codes = await s.transactions.verifyPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
          const byKey = new Map([...codes].map(([p, c]) => [`${p.topic}\u0000${p.partition}`, c]));
          return { transactionalId: txn.transactionalId, topicResults: resultOf(txn.topics, (t, p) => byKey.get(`${t}\u0000${p}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR) };
        }
        // From clients (transaction.version < 2), or a broker adding for a transaction.version 2 producer.
        let code = await s.transactions.addPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions, v >= 4 ? 2 : 0);
        if (v < 2 && code === ErrorCode.PRODUCER_FENCED) code = ErrorCode.INVALID_PRODUCER_EPOCH;
        return { transactionalId: txn.transactionalId, topicResults: resultOf(txn.topics, () => code) };
      }),
    );
    if (v < 4) return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: results[0].topicResults };
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: results, resultsByTopicV3AndBelow: [] };
  },
});
