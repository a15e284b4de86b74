/**
 * DeleteGroups (key 42), v0-2: deletes empty groups with their committed
 * offsets (tombstones in `__consumer_offsets`). NON_EMPTY_GROUP for groups
 * with members, GROUP_ID_NOT_FOUND for unknown ones. Duplicate names are
 * answered once.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    return ctx.services.groups.deleteGroups(groupRequestContext(ctx), req);
  },
});
