/**
 * Effective configuration with sources and synonyms, as DescribeConfigs and
 * CreateTopics (v5+) report it. A topic config's value comes from, in order:
 * the topic's own override (DYNAMIC_TOPIC_CONFIG), a dynamic per-broker
 * config of its server key (DYNAMIC_BROKER_CONFIG), a dynamic cluster-wide
 * default (DYNAMIC_DEFAULT_BROKER_CONFIG), server.properties
 * (STATIC_BROKER_CONFIG), or Kafka's default (DEFAULT_CONFIG).
 *
 * Broker configs are described as Kafka's ConfigHelper does: every
 * non-internal KafkaConfig key plus any other key set (custom configs, which
 * Kafka types UNKNOWN and treats as sensitive), synonyms across the units of
 * one setting (log.retention.ms / minutes / hours), password values null.
 */
import {
  BROKER_CONFIGS,
  CONFIG_TYPE_CODE,
  ConfigDef,
  ConfigSource,
  GROUP_CONFIGS,
  GROUP_CONFIG_BROKER_DEFAULTS,
  TOPIC_CONFIGS,
  brokerConfigDef,
  brokerConfigDefFor,
  brokerConfigSynonyms,
} from './configs';
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
  /** The definition; absent for custom (unknown) broker configs and client metrics entries. */
  def?: ConfigDef;
  /** DescribeConfigs `ConfigType` (0 UNKNOWN). */
  configType: number;
  /** Every place a value was found, highest precedence first (includeSynonyms). */
  synonyms: ConfigSynonym[];
}

const typeCode = (d: ConfigDef | undefined): number => (d ? CONFIG_TYPE_CODE[d.type] : 0);

/** Kafka's KafkaConfig.maybeSensitive: passwords, and anything of unknown type. */
const maybeSensitive = (d: ConfigDef | undefined): boolean => d === undefined || d.type === 'password';

export class ConfigResolver {
  /** Keys set in server.properties / overrides, with broker.id and node.id filled from each other (KafkaConfig.populateSynonyms). */
  private readonly staticBroker: ReadonlyMap<string, string>;

  constructor(staticBroker: ReadonlyMap<string, string>, private readonly nodeId: number) {
    const m = new Map(staticBroker);
    if (m.has('node.id') && !m.has('broker.id')) m.set('broker.id', m.get('node.id')!);
    else if (m.has('broker.id') && !m.has('node.id')) m.set('node.id', m.get('broker.id')!);
    this.staticBroker = m;
  }

  private dynamicBroker(image: MetadataImage): ReadonlyMap<string, string> {
    return image.configs.get(configKey(ConfigResourceType.BROKER, String(this.nodeId))) ?? new Map<string, string>();
  }

  private dynamicDefault(image: MetadataImage): ReadonlyMap<string, string> {
    return image.configs.get(configKey(ConfigResourceType.BROKER, '')) ?? new Map<string, string>();
  }

  /** The broker's effective value of a key: dynamic per-broker, dynamic default, server.properties, Kafka's default. */
  brokerValue(image: MetadataImage, key: string): string | null {
    return (
      this.dynamicBroker(image).get(key) ??
      this.dynamicDefault(image).get(key) ??
      this.staticBroker.get(key) ??
      brokerConfigDefFor(key)?.default ??
      null
    );
  }

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
      return { name: d.name, value: top.value, source: top.source, readOnly: false, isSensitive: d.sensitive === true, def: d, configType: typeCode(d), synonyms };
    });
  }

  /** The effective topic configs as plain key/value pairs. */
  topicValues(image: MetadataImage, topic: string, overrides?: ReadonlyMap<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of this.topic(image, topic, overrides)) if (c.value !== null) out[c.name] = c.value;
    return out;
  }

  /**
   * Kafka's ConfigHelper.configSynonyms: every value of `names` per source
   * (dynamic broker, dynamic default, static, default), dropping those before
   * the first entry for `name` itself.
   */
  private brokerSynonymsOf(image: MetadataImage, name: string, names: string[], sensitive: boolean): ConfigSynonym[] {
    const out: ConfigSynonym[] = [];
    const sources: Array<[ReadonlyMap<string, string> | ((n: string) => string | null | undefined), number]> = [
      [this.dynamicBroker(image), ConfigSource.DYNAMIC_BROKER_CONFIG],
      [this.dynamicDefault(image), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.staticBroker, ConfigSource.STATIC_BROKER_CONFIG],
      [(n: string) => brokerConfigDef(n)?.default, ConfigSource.DEFAULT_CONFIG],
    ];
    for (const [src, source] of sources) {
      for (const n of names) {
        const v = typeof src === 'function' ? src(n) : src.get(n);
        if (v !== undefined && v !== null) out.push({ name: n, value: sensitive ? null : v, source });
      }
    }
    const first = out.findIndex((s) => s.name === name);
    return first < 0 ? [] : out.slice(first);
  }

  private brokerEntry(image: MetadataImage, name: string, perBroker: boolean): ResolvedConfig {
    const d = brokerConfigDefFor(name);
    const sensitive = maybeSensitive(d);
    const all = this.brokerSynonymsOf(image, name, brokerConfigSynonyms(name), sensitive);
    const synonyms = perBroker ? all : all.filter((x) => x.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const value = perBroker
      ? (this.dynamicBroker(image).get(name) ?? this.dynamicDefault(image).get(name) ?? this.staticBroker.get(name) ?? brokerConfigDef(name)?.default ?? null)
      : (this.dynamicDefault(image).get(name) ?? null);
    return {
      name,
      value: sensitive ? null : value,
      source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      readOnly: brokerConfigDef(name)?.dynamic !== true,
      isSensitive: sensitive,
      def: d,
      configType: typeCode(d),
      synonyms,
    };
  }

  /**
   * Every broker config, resolved for this node: all of Kafka's non-internal
   * keys, then any other key that is set (custom, internal, listener-prefixed
   * or dynamic-only configs) as Kafka's `allConfigs` lists them.
   */
  broker(image: MetadataImage): ResolvedConfig[] {
    const names = BROKER_CONFIGS.filter((d) => !d.internal).map((d) => d.name);
    const known = new Set(names);
    for (const m of [this.staticBroker, this.dynamicDefault(image), this.dynamicBroker(image)]) {
      for (const k of m.keys()) {
        if (!known.has(k)) {
          known.add(k);
          names.push(k);
        }
      }
    }
    return names.map((n) => this.brokerEntry(image, n, true));
  }

  /** The cluster-wide dynamic defaults (resource name ""), as Kafka describes them. */
  brokerDefaults(image: MetadataImage): ResolvedConfig[] {
    return [...this.dynamicDefault(image).keys()].map((n) => this.brokerEntry(image, n, false));
  }

  /**
   * A group's configs (GROUP resource, KIP-848): every GroupConfig key, its
   * own value (GROUP_CONFIG) or the broker's group.* default (DEFAULT_CONFIG).
   */
  group(image: MetadataImage, group: string): ResolvedConfig[] {
    const own = image.configs.get(configKey(ConfigResourceType.GROUP, group)) ?? new Map<string, string>();
    return GROUP_CONFIGS.map((d) => {
      const set = own.get(d.name);
      const value = set ?? this.brokerValue(image, GROUP_CONFIG_BROKER_DEFAULTS[d.name]) ?? d.default;
      const source = set !== undefined ? ConfigSource.GROUP_CONFIG : ConfigSource.DEFAULT_CONFIG;
      return { name: d.name, value, source, readOnly: false, isSensitive: false, def: d, configType: typeCode(d), synonyms: [{ name: d.name, value, source }] };
    });
  }

  /**
   * A client metrics subscription's configs (CLIENT_METRICS, KIP-714): only
   * the keys it sets, typed UNKNOWN as Kafka's broker answers them.
   */
  clientMetrics(image: MetadataImage, subscription: string): ResolvedConfig[] {
    const own = image.configs.get(configKey(ConfigResourceType.CLIENT_METRICS, subscription)) ?? new Map<string, string>();
    return [...own].map(([name, value]) => ({
      name,
      value,
      source: ConfigSource.CLIENT_METRICS_CONFIG,
      readOnly: false,
      isSensitive: false,
      configType: 0,
      synonyms: [],
    }));
  }
}
