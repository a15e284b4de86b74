/**
 * DescribeConfigs (key 32), v1-4, answered as Kafka's ConfigHelper does.
 * Topics: every topic config with its source (topic override, dynamic
 * broker, static server.properties, default) and, when asked, synonyms.
 * Brokers: for this node every Kafka 4.0 broker config (and any custom key
 * that is set), read-only unless DynamicBrokerConfig can change it; ""
 * gives the dynamic cluster-wide defaults only. Passwords and configs of
 * unknown type are sensitive (value null). Groups (KIP-848): every group
 * config, its own value or the broker's group.* default. Client metrics
 * (KIP-714): the subscription's keys. configuration_keys filters; v3+
 * carries the config type; documentation is null.
 */
import { ConfigResourceType, ResolvedConfig } from '@nagare/metadata';
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
    configType: c.configType,
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
      const invalid = (message: string) => ({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message });
      let configs: ResolvedConfig[];
      switch (r.resourceType) {
        case ConfigResourceType.TOPIC:
          if (!image.topicsByName.has(r.resourceName)) {
            return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${r.resourceName} does not exist.` };
          }
          configs = s.resolver.topic(image, r.resourceName);
          break;
        case ConfigResourceType.BROKER:
          if (r.resourceName === '') configs = s.resolver.brokerDefaults(image);
          else if (!/^-?\d+$/.test(r.resourceName)) return invalid(`Broker id must be an integer, but it is: ${r.resourceName}`);
          else if (Number(r.resourceName) === s.nodeId) configs = s.resolver.broker(image);
          else return invalid(`Unexpected broker id, expected ${s.nodeId} or empty string, but received ${r.resourceName}`);
          break;
        case ConfigResourceType.BROKER_LOGGER:
          configs = [];
          break;
        case ConfigResourceType.GROUP:
          if (r.resourceName === '') return invalid('Group name must not be empty');
          configs = s.resolver.group(image, r.resourceName);
          break;
        case ConfigResourceType.CLIENT_METRICS:
          if (r.resourceName === '') return invalid('Client metrics subscription name must not be empty');
          configs = s.resolver.clientMetrics(image, r.resourceName);
          break;
        default:
          return invalid(`Unsupported resource type ${r.resourceType}`);
      }
      const keys = r.configurationKeys;
      const wanted = keys === null || keys.length === 0 ? configs : configs.filter((c) => keys.includes(c.name));
      return { ...base, configs: wanted.map((c) => entry(c, req.includeSynonyms)) };
    });
    return { throttleTimeMs: 0, results };
  },
});
