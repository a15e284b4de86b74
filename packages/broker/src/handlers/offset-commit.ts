/**
 * OffsetCommit (key 8), v2-9. Offsets are written to `__consumer_offsets`
 * before the answer. Members commit with their generation; generation -1
 * with no member id commits for a group without members (simple consumers,
 * the admin client). Per partition: UNKNOWN_TOPIC_OR_PARTITION for topics the
 * metadata image does not have, OFFSET_METADATA_TOO_LARGE past
 * offset.metadata.max.bytes. v2-4 retention times become expire timestamps;
 * v6+ leader epochs; v7+ static membership; v9 GROUP_ID_NOT_FOUND for a
 * generation-bearing commit to a group that does not exist. KIP-848 consumer
 * groups take the member epoch instead of the generation (STALE_MEMBER_EPOCH
 * when it does not match; members of the consumer protocol must use v9,
 * else UNSUPPORTED_VERSION). The answer comes once the records are committed.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 2,
  maxVersion: 9,
  handle(ctx, req) {
    return ctx.services.groups.commitOffsets(groupRequestContext(ctx), req);
  },
});
