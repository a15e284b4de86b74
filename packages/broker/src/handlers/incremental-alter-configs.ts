/**
 * IncrementalAlterConfigs (key 44), v0-1 (KIP-339): SET, DELETE, APPEND and
 * SUBTRACT per key, for topics and dynamic broker configs. Forwarded to the
 * controller.
 */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    return ctx.services.controller.incrementalAlterConfigs(req, ctx.apiVersion);
  },
});
