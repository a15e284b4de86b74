/**
 * ConsumerGroupHeartbeat (key 68), v0-1: the KIP-848 consumer group
 * protocol. Members join with epoch 0, heartbeat with their epoch and the
 * partitions they own, leave with -1 (static members -2 for a while). v0:
 * the coordinator generates member ids and subscriptions are topic names; v1
 * (KIP-1082): the member brings its own id, and may subscribe with an RE2
 * regular expression.
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const consumerGroupHeartbeatHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    return ctx.services.groups.consumerGroupHeartbeat(groupRequestContext(ctx), req);
  },
});
