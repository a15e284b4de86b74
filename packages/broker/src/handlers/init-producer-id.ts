/**
 * InitProducerId (key 22), v0-5, for idempotent producers: a new producer id
 * (from a block reserved in the metadata log, so ids never repeat across
 * restarts) with epoch 0. Transactional ids need the transaction coordinator,
 * which this release does not have: such requests get
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients report as fatal
 * rather than retrying forever.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const out = { throttleTimeMs: 0, errorCode: 0, producerId: -1n, producerEpoch: -1 };
    if (req.transactionalId !== null) {
      ctx.services.logger.warn({ client: ctx.conn.clientId, transactionalId: req.transactionalId }, 'transactions are not supported yet; refusing InitProducerId');
      return { ...out, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    }
    try {
      return { ...out, producerId: await ctx.services.producerIds.generate(), producerEpoch: 0 };
    } catch (e) {
      ctx.services.logger.error({ err: (e as Error).message }, 'could not allocate a producer id');
      return { ...out, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    }
  },
});
