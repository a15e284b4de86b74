/**
 * EndTxn (key 26), v0-5: commits or aborts the producer's transaction
 * (PrepareCommit/PrepareAbort is written; the markers follow). v5 clients use
 * transaction.version 2 (KIP-890 part 2): the epoch is bumped with every
 * transaction and the answer carries the producer id and epoch to continue
 * with. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH for v0-1 clients.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const endTxnHandler = defineHandler({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.apiVersion;
    const r = await ctx.services.transactions.endTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed, v > 4 ? 2 : 0);
    const errorCode = v < 2 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
});
