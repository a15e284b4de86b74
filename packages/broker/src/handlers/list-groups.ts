/**
 * ListGroups (key 16), v0-5: every group this coordinator has, with its
 * protocol type; v4+ its state and a states filter (KIP-518, case-insensitive),
 * v5+ its type ("classic") and a types filter (KIP-848).
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
