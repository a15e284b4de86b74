/**
 * ApiVersions (key 18), v0-4. Lists exactly the APIs this broker's handler
 * registry serves. v3+ carries the client's software name and version, kept on
 * the connection (KIP-511), the supported features (metadata.version,
 * group.version 0-1) and the finalized ones. ConsumerGroupHeartbeat and
 * ConsumerGroupDescribe are listed only while group.version 1 is finalized.
 * An unknown (too new) ApiVersions version is answered by the dispatcher with
 * a v0 UNSUPPORTED_VERSION body (KIP-511). On a controller listener
 * (controller.listener.names) the list is the controller's API set, as Kafka's
 * controller advertises it (the APIs whose definitions name the "controller"
 * listener).
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { FEATURE_LEVELS, consumerProtocolFinalized } from '../features';
import { defineHandler } from './types';

/** APIs served only once group.version 1 is finalized (Kafka hides them before). */
const CONSUMER_PROTOCOL_APIS: ReadonlySet<number> = new Set([ApiKey.ConsumerGroupHeartbeat, ApiKey.ConsumerGroupDescribe]);

export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    if (ctx.apiVersion >= 3) {
      ctx.conn.clientSoftwareName = req.clientSoftwareName;
      ctx.conn.clientSoftwareVersion = req.clientSoftwareVersion;
      if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/.test(req.clientSoftwareName) || !/^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/.test(req.clientSoftwareVersion)) {
        return { ...emptyResponse(), errorCode: ErrorCode.INVALID_REQUEST };
      }
    }
    const image = ctx.services.metadata();
    const onController = ctx.services.controllerHandlers !== undefined && ctx.services.config.controllerListenerNames.includes(ctx.conn.listener);
    const registry = onController ? ctx.services.controllerHandlers! : ctx.services.handlers;
    const consumerProtocol = consumerProtocolFinalized(image);
    return {
      errorCode: 0,
      apiKeys: registry
        .apiVersions()
        .filter(({ apiKey }) => consumerProtocol || !CONSUMER_PROTOCOL_APIS.has(apiKey))
        .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })),
      throttleTimeMs: 0,
      supportedFeatures: [
        { name: 'metadata.version', minVersion: 1, maxVersion: ctx.services.metadataVersion },
        ...FEATURE_LEVELS.map((f) => ({ name: f.name, minVersion: 0, maxVersion: f.level })),
      ],
      finalizedFeaturesEpoch: BigInt(image.provenance.offset),
      finalizedFeatures: [...image.features].map(([name, level]) => ({ name, maxVersionLevel: level, minVersionLevel: level })),
      zkMigrationReady: false,
    };
  },
});

function emptyResponse() {
  return {
    errorCode: 0,
    apiKeys: [],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}
