/**
 * JoinGroup (key 11), v0-9, answered by the group coordinator once the
 * group's join phase completes. v0 has no rebalance timeout (the session
 * timeout serves), v4+ gets MEMBER_ID_REQUIRED with a member id on a first
 * join (KIP-394), v5+ static membership (KIP-345), v7+ protocol type and name
 * in the response, v9 SkipAssignment (only for a static leader rejoining a
 * stable group).
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    return ctx.services.groups.joinGroup(groupRequestContext(ctx), req);
  },
});
