/**
 * SyncGroup (key 14), v0-5. The leader's assignments are persisted before
 * anyone is answered; followers wait for them. v3+ static membership, v5
 * requires and checks protocol type and name (INCONSISTENT_GROUP_PROTOCOL).
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const syncGroupHandler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    return ctx.services.groups.syncGroup(groupRequestContext(ctx), req);
  },
});
