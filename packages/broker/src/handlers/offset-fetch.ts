/**
 * OffsetFetch (key 9), v1-9. v1-7 one group, v8+ several (KIP-709). A null
 * topic list (v2+) means every committed offset of the group; partitions
 * without a commit get offset -1. v1 reports group errors per partition, v2+
 * at the top (per group in v8+). RequireStable (v7+): partitions an open
 * transaction holds offsets for answer UNSTABLE_OFFSET_COMMIT. v9 member id
 * and epoch are checked for KIP-848 consumer groups (UNKNOWN_MEMBER_ID,
 * STALE_MEMBER_EPOCH; none and -1 for the admin client), not for classic groups.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  handle(ctx, req) {
    return ctx.services.groups.fetchOffsets(groupRequestContext(ctx), req);
  },
});
