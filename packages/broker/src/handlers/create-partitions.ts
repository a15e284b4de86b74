/** CreatePartitions (key 37), v0-3, forwarded to the controller (validate_only supported). */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, req) {
    return ctx.services.controller.createPartitions(req, ctx.apiVersion);
  },
});
