/**
 * DescribeConfigs (key 32), v1-4. Topic configs resolved with their sources
 * (topic override, dynamic broker, static server.properties, default) and,
 * when asked, synonyms; broker configs for this node ("" gives the dynamic
 * cluster-wide defaults only). configuration_keys filters; sensitive values
 * are returned as null. v3+ adds the config type; documentation is null.
 */
import { ConfigSource, CONFIG_TYPE_CODE, ConfigResourceType, ResolvedConfig } from '@nagare/metadata';
import { ApiKey, DescribeConfigsResponse, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

function entry(c: ResolvedConfig, includeSynonyms: boolean): DescribeConfigsResponse.DescribeConfigsResourceResult {
  return {
    name: c.name,
    value: c.isSensitive ? null : c.value,
    readOnly: c.readOnly,
    configSource: c.source,
    isSensitive: c.isSensitive,
    synonyms: includeSynonyms ? c.synonyms.map((s) => ({ name: s.name, value: c.isSensitive ? null : s.value, source: s.source })) : [],
    configType: CONFIG_TYPE_CODE[c.def.type],
    documentation: null,
  };
}

export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 1,
  maxVersion: 4,
  handle(ctx, req) {
    const s = ctx.services;
    const image = s.metadata();
    const results = req.resources.map((r): DescribeConfigsResponse.DescribeConfigsResult => {
      const base = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] as DescribeConfigsResponse.DescribeConfigsResourceResult[] };
      let configs: ResolvedConfig[];
      if (r.resourceType === ConfigResourceType.TOPIC) {
        if (!image.topicsByName.has(r.resourceName)) {
          return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.` };
        }
        configs = s.resolver.topic(image, r.resourceName);
      } else if (r.resourceType === ConfigResourceType.BROKER) {
        if (r.resourceName === '') {
          configs = s.resolver.broker(image).filter((c) => c.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        } else if (r.resourceName === String(s.nodeId)) {
          configs = s.resolver.broker(image);
        } else {
          return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${s.nodeId} or empty string, but received ${r.resourceName}` };
        }
      } else if (r.resourceType === ConfigResourceType.BROKER_LOGGER) {
        configs = [];
      } else {
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${r.resourceType}` };
      }
      const keys = r.configurationKeys;
      const wanted = keys === null || keys.length === 0 ? configs : configs.filter((c) => keys.includes(c.name));
      return { ...base, configs: wanted.map((c) => entry(c, req.includeSynonyms)) };
    });
    return { throttleTimeMs: 0, results };
  },
});
