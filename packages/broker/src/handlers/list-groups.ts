/**
 * ListGroups (key 16), v0-5: every group of the coordinator shards this
 * broker has loaded (classic and KIP-848 consumer groups), in the order they
 * appeared, with its protocol type; v4+ its state and a states filter
 * (KIP-518, case-insensitive), v5+ its type ("classic", "consumer") and a
 * types filter (KIP-848). COORDINATOR_LOAD_IN_PROGRESS while a shard loads
 * (with the groups of the others).
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    return ctx.services.groups.listGroups(groupRequestContext(ctx), req);
  },
});
