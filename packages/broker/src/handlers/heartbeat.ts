/**
 * Heartbeat (key 12), v0-4: keeps a member's session alive; tells it about a
 * rebalance (REBALANCE_IN_PROGRESS), a stale generation or that it is gone.
 * v3+ static membership.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    return ctx.services.groups.heartbeat(groupRequestContext(ctx), req);
  },
});
