/**
 * IncrementalAlterConfigs (key 44), v0-1 (KIP-339): SET, DELETE, APPEND and
 * SUBTRACT per key, for topics, dynamic broker configs, groups (KIP-848) and
 * client metrics subscriptions (KIP-714). Forwarded to the controller; a
 * config nagare stores but does not act on is logged once per name.
 */
import { ApiKey } from '@nagare/protocol';
import { logStoredOnlyConfigs } from './alter-configs';
import { defineHandler } from './types';

const DELETE = 1;

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const res = await ctx.services.controller.incrementalAlterConfigs(req, ctx.apiVersion);
    if (!req.validateOnly) {
      logStoredOnlyConfigs(
        ctx.services,
        req.resources.map((r) => ({ ...r, names: r.configs.filter((c) => c.configOperation !== DELETE).map((c) => c.name) })),
        res.responses,
      );
    }
    return res;
  },
});
