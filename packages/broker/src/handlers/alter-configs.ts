/**
 * AlterConfigs (key 33), v0-2: the legacy API that replaces a resource's
 * whole set of overrides. Topic configs and dynamic broker configs (resource
 * name "" for the cluster default or this node's id). Forwarded to the controller.
 */
import { ApiKey } from '@nagare/protocol';
import { defineHandler } from './types';

export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    return ctx.services.controller.alterConfigs(req, ctx.apiVersion);
  },
});
