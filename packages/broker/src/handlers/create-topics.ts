/**
 * CreateTopics (key 19), v2-7, forwarded to the controller, which validates
 * names, partition counts, replication factors, assignments and configs as
 * Kafka does and returns per-topic results (configs with sources from v5,
 * topic ids from v7). validate_only checks without creating.
 */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 2,
  maxVersion: 7,
  handle(ctx, req) {
    return ctx.services.controller.createTopics(req, ctx.apiVersion);
  },
});
