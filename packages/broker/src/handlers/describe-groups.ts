/**
 * DescribeGroups (key 15), v0-6. State, protocol type, and members; the
 * protocol name and member metadata/assignments only for Stable groups, as
 * Kafka. A group that does not exist, or is a KIP-848 consumer group
 * (ConsumerGroupDescribe describes those), is "Dead" with no error before v6
 * and GROUP_ID_NOT_FOUND from v6 (KIP-1043). v3+ authorized operations when
 * asked (all group operations: there is no authorizer), v4+ group instance
 * ids.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req) {
    return ctx.services.groups.describeGroups(groupRequestContext(ctx), req);
  },
});
