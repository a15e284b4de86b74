/**
 * ConsumerGroupDescribe (key 69), v0-1: KIP-848 consumer groups with their
 * epochs, assignor, and every member's assignment and target assignment
 * (topic ids and names). A group that is not a consumer group is
 * GROUP_ID_NOT_FOUND, which is how Kafka's admin client knows to fall back
 * to DescribeGroups. v1 adds each member's type (KIP-1099: 0 classic, 1
 * consumer).
 */
import { ApiKey } from '@nagare/protocol';
import { groupRequestContext } from '../group/request-context';
import { defineHandler } from './types';

export const consumerGroupDescribeHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    return ctx.services.groups.consumerGroupDescribe(groupRequestContext(ctx), req);
  },
});
