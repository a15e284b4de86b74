/**
 * AlterConfigs (key 33), v0-2: the legacy API that replaces a resource's
 * whole set of overrides. Topics, dynamic broker configs (resource name ""
 * for the cluster default or this node's id), groups (KIP-848) and client
 * metrics subscriptions (KIP-714). Forwarded to the controller; a config
 * nagare stores but does not act on is logged once per name.
 */
import { configIsStoredOnly } from '@nagare/metadata';
import { ApiKey } from '@nagare/protocol';
import type { BrokerServices } from '../services';
import { defineHandler } from './types';

const logged = new WeakMap<BrokerServices, Set<string>>();

/** Logs, once per broker and resource type and name, each stored config that nagare does not act on. */
export function logStoredOnlyConfigs(
  services: BrokerServices,
  resources: ReadonlyArray<{ resourceType: number; resourceName: string; names: readonly string[] }>,
  results: ReadonlyArray<{ errorCode: number }>,
): void {
  let seen = logged.get(services);
  if (!seen) logged.set(services, (seen = new Set()));
  resources.forEach((r, i) => {
    if (results[i]?.errorCode !== 0) return;
    for (const name of r.names) {
      const key = `${r.resourceType}:${name}`;
      if (seen.has(key) || !configIsStoredOnly(r.resourceType, name)) continue;
      seen.add(key);
      services.logger.warn(
        { config: name, resourceType: r.resourceType, resourceName: r.resourceName },
        `config '${name}' is stored but nagare does not act on it`,
      );
    }
  });
}

export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const res = await ctx.services.controller.alterConfigs(req, ctx.apiVersion);
    if (!req.validateOnly) {
      logStoredOnlyConfigs(
        ctx.services,
        req.resources.map((r) => ({ ...r, names: r.configs.filter((c) => c.value !== null).map((c) => c.name) })),
        res.responses,
      );
    }
    return res;
  },
});
