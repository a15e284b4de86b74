/**
 * DeleteTopics (key 20), v1-6, forwarded to the controller. v6 may name
 * topics by id. The topic's logs are deleted when the new metadata reaches
 * the broker.
 */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 1,
  maxVersion: 6,
  handle(ctx, req) {
    return ctx.services.controller.deleteTopics(req, ctx.apiVersion);
  },
});
