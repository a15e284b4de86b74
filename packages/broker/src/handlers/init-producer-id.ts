/**
 * InitProducerId (key 22), v0-5. Without a transactional id: a new producer
 * id (from a block reserved in the metadata log, so ids never repeat across
 * restarts) with epoch 0, for idempotent producers. With one: the
 * transaction coordinator's answer (a producer id and a bumped epoch that
 * fences older producers of the id; KIP-360 recovery with the producer's
 * current id and epoch, v3+; INVALID_TRANSACTION_TIMEOUT past
 * transaction.max.timeout.ms; CONCURRENT_TRANSACTIONS while the id's open
 * transaction is being aborted). A producer id without an epoch (or the
 * reverse) is INVALID_REQUEST. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH
 * for v0-3 clients, which do not know it.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const out = { throttleTimeMs: 0, errorCode: 0, producerId: -1n, producerEpoch: -1 };
    const v = ctx.apiVersion;
    const hasId = v >= 3 && req.producerId !== -1n;
    const hasEpoch = v >= 3 && req.producerEpoch !== -1;
    if (hasId !== hasEpoch) return { ...out, errorCode: ErrorCode.INVALID_REQUEST };
    if (req.transactionalId === null) {
      try {
        return { ...out, producerId: await ctx.services.producerIds.generate(), producerEpoch: 0 };
      } catch (e) {
        ctx.services.logger.error({ err: (e as Error).message }, 'could not allocate a producer id');
        return { ...out, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      }
    }
    const r = await ctx.services.transactions.initProducerId(req.transactionalId, req.transactionTimeoutMs, hasId ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : null);
    const errorCode = v < 4 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { ...out, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
});
