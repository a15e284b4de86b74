/**
 * DescribeTransactions (key 65), v0 (KIP-664): the state of each
 * transactional id this broker coordinates (TRANSACTIONAL_ID_NOT_FOUND when
 * it has none, NOT_COORDINATOR when another broker coordinates it): producer
 * id and epoch, state name, timeout, start time and the partitions in the
 * transaction.
 */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const describeTransactionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const transactionStates = await Promise.all(req.transactionalIds.map((id) => ctx.services.transactions.describe(id)));
    return { throttleTimeMs: 0, transactionStates };
  },
});
