/**
 * ListTransactions (key 66), v0-1 (KIP-664): the transactional ids this
 * broker coordinates, filtered by state (unknown state names are listed
 * back in unknown_state_filters), producer id, and (v1, KIP-994) running
 * longer than duration_filter milliseconds.
 */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const listTransactionsHandler = defineHandler({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const duration = ctx.apiVersion >= 1 ? Number(req.durationFilter) : -1;
    return ctx.services.transactions.list(req.stateFilters, req.producerIdFilters, duration);
  },
});
