/**
 * ConsumerGroupHeartbeat (key 68), v0-1: the KIP-848 consumer group
 * protocol. Members join with epoch 0, heartbeat with their epoch and the
 * partitions they own, leave with -1 (static members -2 for a while). v0:
 * the coordinator generates member ids and subscriptions are topic names; v1
 * (KIP-1082): the member brings its own id, and may subscribe with an RE2
 * regular expression. Until group.version 1 is finalized the API is not
 * advertised and answers UNSUPPORTED_VERSION, as Kafka's broker does.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { consumerProtocolFinalized } from '../features';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const consumerGroupHeartbeatHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    if (!consumerProtocolFinalized(ctx.services.metadata())) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: 'The new consumer group protocol is not enabled (group.version < 1).', memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
    }
    return ctx.services.groups.consumerGroupHeartbeat(groupRequestContext(ctx), req);
  },
});
