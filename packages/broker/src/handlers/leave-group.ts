/**
 * LeaveGroup (key 13), v0-5. v0-2 name one member and answer with one error;
 * v3+ take a batch of members by member id and/or group instance id
 * (KIP-345) with an error per member; v5 carries a reason. The group
 * rebalances.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    return ctx.services.groups.leaveGroup(groupRequestContext(ctx), req);
  },
});
