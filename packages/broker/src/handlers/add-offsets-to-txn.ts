/**
 * AddOffsetsToTxn (key 25), v0-4: the `__consumer_offsets` partition of the
 * group joins the producer's transaction (so the transaction's marker
 * reaches the offsets TxnOffsetCommit writes there). PRODUCER_FENCED is
 * INVALID_PRODUCER_EPOCH for v0-1 clients.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const addOffsetsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    let errorCode = await ctx.services.transactions.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    if (ctx.apiVersion < 2 && errorCode === ErrorCode.PRODUCER_FENCED) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },
});
