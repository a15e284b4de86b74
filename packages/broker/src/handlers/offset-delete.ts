/**
 * OffsetDelete (key 47), v0 (KIP-496): deletes a group's committed offsets
 * for topics it does not consume. Partitions of subscribed topics get
 * GROUP_SUBSCRIBED_TO_TOPIC (subscriptions are read from the consumer
 * protocol metadata); a non-empty group not using the consumer protocol is
 * NON_EMPTY_GROUP; an unknown group GROUP_ID_NOT_FOUND.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    return ctx.services.groups.deleteOffsets(groupRequestContext(ctx), req);
  },
});
