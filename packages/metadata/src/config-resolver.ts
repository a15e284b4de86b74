/**
 * Effective configuration with sources and synonyms, as DescribeConfigs and
 * CreateTopics (v5+) report it. A topic config's value comes from, in order:
 * the topic's own override (DYNAMIC_TOPIC_CONFIG), a dynamic per-broker
 * config of its server key (DYNAMIC_BROKER_CONFIG), a dynamic cluster-wide
 * default (DYNAMIC_DEFAULT_BROKER_CONFIG), server.properties
 * (STATIC_BROKER_CONFIG), or Kafka's default (DEFAULT_CONFIG).
 */
import { BROKER_CONFIGS, ConfigDef, ConfigSource, TOPIC_CONFIGS } from './configs';
import { ConfigResourceType, MetadataImage, configKey } from './image';

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ResolvedConfig {
  name: string;
  value: string | null;
  source: number;
  readOnly: boolean;
  isSensitive: boolean;
  def: ConfigDef;
  /** Every place a value was found, highest precedence first (includeSynonyms). */
  synonyms: ConfigSynonym[];
}

export class ConfigResolver {
  constructor(
    /** Keys set in server.properties / overrides. */
    private readonly staticBroker: ReadonlyMap<string, string>,
    private readonly nodeId: number,
  ) {}

  private brokerLevel(image: MetadataImage, key: string): ConfigSynonym[] {
    const out: ConfigSynonym[] = [];
    const own = image.configs.get(configKey(ConfigResourceType.BROKER, String(this.nodeId)))?.get(key);
    if (own !== undefined) out.push({ name: key, value: own, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const dflt = image.configs.get(configKey(ConfigResourceType.BROKER, ''))?.get(key);
    if (dflt !== undefined) out.push({ name: key, value: dflt, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    const st = this.staticBroker.get(key);
    if (st !== undefined) out.push({ name: key, value: st, source: ConfigSource.STATIC_BROKER_CONFIG });
    return out;
  }

  /** Kafka derives some topic defaults from other broker keys (hours/minutes -> ms). */
  private derivedServerDefault(image: MetadataImage, d: ConfigDef): ConfigSynonym[] {
    const conv = (key: string, factor: number): ConfigSynonym[] =>
      this.brokerLevel(image, key).map((s) => ({ ...s, value: s.value === null ? null : String(Number(s.value) * factor) }));
    switch (d.name) {
      case 'retention.ms':
        return [...this.brokerLevel(image, 'log.retention.ms'), ...conv('log.retention.minutes', 60_000), ...conv('log.retention.hours', 3_600_000)];
      case 'segment.ms':
        return [...this.brokerLevel(image, 'log.roll.ms'), ...conv('log.roll.hours', 3_600_000)];
      case 'segment.jitter.ms':
        return [...this.brokerLevel(image, 'log.roll.jitter.ms'), ...conv('log.roll.jitter.hours', 3_600_000)];
      default:
        return d.serverDefault ? this.brokerLevel(image, d.serverDefault) : [];
    }
  }

  /** Every topic config of `topic`, resolved (overrides may be passed for a topic not yet created). */
  topic(image: MetadataImage, topic: string, overrides?: ReadonlyMap<string, string>): ResolvedConfig[] {
    const own = overrides ?? image.configs.get(configKey(ConfigResourceType.TOPIC, topic)) ?? new Map<string, string>();
    return TOPIC_CONFIGS.map((d) => {
      const synonyms: ConfigSynonym[] = [];
      const o = own.get(d.name);
      if (o !== undefined) synonyms.push({ name: d.name, value: o, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      synonyms.push(...this.derivedServerDefault(image, d));
      synonyms.push({ name: d.serverDefault ?? d.name, value: d.default, source: ConfigSource.DEFAULT_CONFIG });
      const top = synonyms[0];
      return { name: d.name, value: top.value, source: top.source, readOnly: false, isSensitive: d.sensitive === true, def: d, synonyms };
    });
  }

  /** The effective topic configs as plain key/value pairs. */
  topicValues(image: MetadataImage, topic: string, overrides?: ReadonlyMap<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of this.topic(image, topic, overrides)) if (c.value !== null) out[c.name] = c.value;
    return out;
  }

  /** Every broker config, resolved for this node. */
  broker(image: MetadataImage): ResolvedConfig[] {
    return BROKER_CONFIGS.map((d) => {
      const synonyms = this.brokerLevel(image, d.name);
      // In KRaft, broker.id is node.id (and node.id defaults from broker.id).
      if (d.name === 'broker.id' || d.name === 'node.id') {
        const other = d.name === 'broker.id' ? 'node.id' : 'broker.id';
        const st = this.staticBroker.get(other);
        if (synonyms.length === 0 && st !== undefined) synonyms.push({ name: other, value: st, source: ConfigSource.STATIC_BROKER_CONFIG });
      }
      // Kafka lists a default as a synonym only when there is one.
      if (d.default !== null) synonyms.push({ name: d.name, value: d.default, source: ConfigSource.DEFAULT_CONFIG });
      const top = synonyms[0] ?? { value: null, source: ConfigSource.DEFAULT_CONFIG };
      return { name: d.name, value: top.value, source: top.source, readOnly: d.dynamic !== true, isSensitive: d.sensitive === true, def: d, synonyms };
    });
  }
}
