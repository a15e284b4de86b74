/**
 * The table of API handlers. ApiVersions answers from it, so an API is
 * advertised exactly when a handler serves it, over exactly its versions.
 */
import { apiByKey } from '@nagare/protocol';
import type { ApiHandler } from './types';

export class HandlerRegistry {
  private readonly byKey = new Map<number, ApiHandler>();

  constructor(handlers: ApiHandler[]) {
    for (const h of handlers) {
      const api = apiByKey(h.apiKey);
      if (!api) throw new Error(`handler for unknown API key ${h.apiKey}`);
      if (h.minVersion < api.lowestVersion || h.maxVersion > api.highestVersion) {
        throw new Error(`${api.name} handler serves v${h.minVersion}-${h.maxVersion} but the codecs cover v${api.lowestVersion}-${api.highestVersion}`);
      }
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers for ${api.name}`);
      this.byKey.set(h.apiKey, h);
    }
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  /** Every served API with its version range, by ascending key (for ApiVersions and the docs). */
  apiVersions(): Array<{ apiKey: number; name: string; minVersion: number; maxVersion: number }> {
    return [...this.byKey.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, name: apiByKey(h.apiKey)!.name, minVersion: h.minVersion, maxVersion: h.maxVersion }));
  }
}
