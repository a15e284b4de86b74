/**
 * Kafka's ConfigurationControlManager: AlterConfigs (legacy: replaces a resource's overrides) and
 * IncrementalAlterConfigs (SET, DELETE, APPEND, SUBTRACT; KIP-339) for topics, dynamic broker
 * configs (every config DynamicBrokerConfig lets change, plus custom keys), groups (KIP-848) and
 * client metrics subscriptions (KIP-714), validated as Kafka does, as ConfigRecords.
 */
import {
  ConfigDef,
  ConfigResolver,
  ConfigResourceType,
  GROUP_CONFIGS,
  MetadataImage,
  MetadataRecord,
  MetadataRecordType,
  brokerConfigDefFor,
  clientMetricsConfigDef,
  configKey,
  groupConfigDef,
  topicConfigDef,
  validateConfigValue,
  validateDynamicBrokerConfigNames,
  validateTopicName,
} from '@nagare/metadata';
import {
  AlterConfigsRequest,
  AlterConfigsResponse,
  ErrorCode,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '@nagare/protocol';
import { ControlError, perItem, type ControllerResult } from './control-error';

export class ConfigurationControl {
  constructor(private readonly resolver: ConfigResolver) {}

  /** unclean.leader.election.enable and friends, as a topic sees them. */
  topicValue(image: MetadataImage, topic: string, name: string): string | undefined {
    return this.resolver.topicValues(image, topic)[name];
  }


  /** Checks a config resource and returns the key under which its configs live. */
  private resource(image: MetadataImage, type: number, name: string): { key: string; kind: ConfigKind } {
    switch (type) {
      case ConfigResourceType.TOPIC: {
        const err = validateTopicName(name);
        if (err) throw new ControlError(ErrorCode.INVALID_TOPIC_EXCEPTION, err);
        if (!image.topicsByName.has(name)) throw new ControlError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
        return { key: configKey(type, name), kind: 'topic' };
      }
      case ConfigResourceType.BROKER:
        // The cluster-wide default ("") or one broker's own configs, by id.
        if (name !== '' && !/^\d+$/.test(name)) throw new ControlError(ErrorCode.INVALID_REQUEST, `Invalid broker id ${name}`);
        return { key: configKey(type, name), kind: 'broker' };
      case ConfigResourceType.GROUP:
        if (name === '') throw new ControlError(ErrorCode.INVALID_REQUEST, 'Default group resources are not allowed.');
        return { key: configKey(type, name), kind: 'group' };
      case ConfigResourceType.CLIENT_METRICS:
        if (name === '') throw new ControlError(ErrorCode.INVALID_REQUEST, "Subscription name can't be empty");
        return { key: configKey(type, name), kind: 'clientMetrics' };
      default:
        throw new ControlError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
    }
  }

  private defOf(kind: ConfigKind, name: string): ConfigDef | undefined {
    switch (kind) {
      case 'topic':
        return topicConfigDef(name);
      case 'broker':
        return brokerConfigDefFor(name);
      case 'group':
        return groupConfigDef(name);
      case 'clientMetrics':
        return clientMetricsConfigDef(name);
    }
  }

  /**
   * Validates a resource's change as Kafka does: `changed` are the keys the
   * request names (value null = delete), `merged` the resource's configs
   * after it. Topics: LogConfig's names and values (INVALID_CONFIG). Brokers:
   * DynamicBrokerConfig's rules (INVALID_REQUEST; unknown names are custom
   * configs and allowed). Groups: GroupConfig.validate. Client metrics:
   * ClientMetricsConfigs.validate.
   */
  private validateChange(image: MetadataImage, kind: ConfigKind, resourceName: string, changed: ReadonlyArray<{ name: string; value: string | null }>, merged: ReadonlyMap<string, string>): void {
    switch (kind) {
      case 'topic':
        for (const c of changed) {
          const d = topicConfigDef(c.name);
          if (!d) throw new ControlError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
          if (c.value !== null) {
            const err = validateConfigValue(d, c.value);
            if (err) throw new ControlError(ErrorCode.INVALID_CONFIG, err);
          }
        }
        return;
      case 'broker': {
        const err = validateDynamicBrokerConfigNames(changed.map((c) => c.name), resourceName !== '');
        if (err) throw new ControlError(ErrorCode.INVALID_REQUEST, err);
        for (const c of changed) {
          const d = brokerConfigDefFor(c.name);
          if (d && c.value !== null) {
            // Kafka's ConfigAdminManager answers a ConfigException here as INVALID_REQUEST (KAFKA-13609).
            const bad = validateConfigValue(d, c.value);
            if (bad) throw new ControlError(ErrorCode.INVALID_REQUEST, bad);
          }
        }
        return;
      }
      case 'group':
        this.validateGroupConfigs(image, merged);
        return;
      case 'clientMetrics':
        validateClientMetricsConfigs(merged);
        return;
    }
  }

  /** GroupConfig.validate: names, types, and bounds from the broker's group coordinator configs. */
  private validateGroupConfigs(image: MetadataImage, merged: ReadonlyMap<string, string>): void {
    const values = new Map<string, number>();
    for (const d of GROUP_CONFIGS) values.set(d.name, Number(d.default));
    for (const [name, value] of merged) {
      const d = groupConfigDef(name);
      if (!d) throw new ControlError(ErrorCode.INVALID_CONFIG, `Unknown group config name: ${name}`);
      const err = validateConfigValue(d, value);
      if (err) throw new ControlError(ErrorCode.INVALID_CONFIG, err);
      values.set(name, Number(value.trim()));
    }
    const broker = (key: string) => Number(this.resolver.brokerValue(image, key));
    const within = (name: string, minKey: string, maxKey: string) => {
      const v = values.get(name)!;
      if (v < broker(minKey)) throw new ControlError(ErrorCode.INVALID_CONFIG, `${name} must be greater than or equal to ${minKey}`);
      if (v > broker(maxKey)) throw new ControlError(ErrorCode.INVALID_CONFIG, `${name} must be less than or equal to ${maxKey}`);
    };
    within('consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms');
    within('consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms');
    within('share.heartbeat.interval.ms', 'group.share.min.heartbeat.interval.ms', 'group.share.max.heartbeat.interval.ms');
    within('share.session.timeout.ms', 'group.share.min.session.timeout.ms', 'group.share.max.session.timeout.ms');
    within('share.record.lock.duration.ms', 'group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms');
    if (values.get('consumer.session.timeout.ms')! <= values.get('consumer.heartbeat.interval.ms')!) {
      throw new ControlError(ErrorCode.INVALID_CONFIG, 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms');
    }
    if (values.get('share.session.timeout.ms')! <= values.get('share.heartbeat.interval.ms')!) {
      throw new ControlError(ErrorCode.INVALID_CONFIG, 'share.session.timeout.ms must be greater than share.heartbeat.interval.ms');
    }
  }

  private configRecord(type: number, resourceName: string, name: string, value: string | null): MetadataRecord {
    return { type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: type, resourceName, name, value } };
  }

  alterConfigs(image: MetadataImage, req: AlterConfigsRequest): ControllerResult<AlterConfigsResponse> {
    {
      const records: MetadataRecord[] = [];
      const responses = req.resources.map((r) => {
        const out = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
        return perItem(out, () => {
          const { key, kind } = this.resource(image, r.resourceType, r.resourceName);
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new ControlError(ErrorCode.INVALID_REQUEST, `Duplicate config key ${c.name}`);
            seen.add(c.name);
          }
          if (kind === 'group') {
            const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
            if (nulls.length > 0) throw new ControlError(ErrorCode.INVALID_CONFIG, `Null value not supported for group configs: ${nulls.join(',')}`);
          }
          // The legacy API replaces the whole set: keys not given are removed.
          const merged = new Map<string, string>();
          for (const c of r.configs) if (c.value !== null) merged.set(c.name, c.value);
          this.validateChange(image, kind, r.resourceName, r.configs, merged);
          if (!req.validateOnly) {
            const existing = image.configs.get(key) ?? new Map<string, string>();
            for (const name of existing.keys()) if (!seen.has(name)) records.push(this.configRecord(r.resourceType, r.resourceName, name, null));
            for (const c of r.configs) records.push(this.configRecord(r.resourceType, r.resourceName, c.name, c.value));
          }
          return out;
        });
      });
      return { records, result: { throttleTimeMs: 0, responses } };
    }
  }

  incrementalAlterConfigs(image: MetadataImage, req: IncrementalAlterConfigsRequest): ControllerResult<IncrementalAlterConfigsResponse> {
    {
      const records: MetadataRecord[] = [];
      const responses = req.resources.map((r) => {
        const out = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
        return perItem(out, () => {
          const { key, kind } = this.resource(image, r.resourceType, r.resourceName);
          const existing = image.configs.get(key) ?? new Map<string, string>();
          const merged = new Map(existing);
          const changed: Array<{ name: string; value: string | null }> = [];
          const seen = new Set<string>();
          for (const c of r.configs) {
            if (seen.has(c.name)) throw new ControlError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys`);
            seen.add(c.name);
            let value: string | null;
            switch (c.configOperation) {
              case 0: // SET
                if (c.value === null) throw new ControlError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
                value = c.value;
                break;
              case 1: // DELETE
                value = null;
                break;
              case 2: // APPEND
              case 3: {
                // SUBTRACT
                const d = this.defOf(kind, c.name);
                if (kind === 'topic' && !d) throw new ControlError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
                if (d?.type !== 'list') {
                  // The broker refuses it before forwarding for BROKER resources; the controller for the others.
                  throw new ControlError(
                    ErrorCode.INVALID_CONFIG,
                    kind === 'broker'
                      ? `Config value append is not allowed for config key: ${c.name}`
                      : `Can't ${c.configOperation === 2 ? 'APPEND' : 'SUBTRACT'} to key ${c.name} because its type is not LIST.`,
                  );
                }
                const current =
                  existing.get(c.name) ??
                  (kind === 'topic' ? this.resolver.topicValues(image, r.resourceName)[c.name] : kind === 'broker' ? d.default : null) ??
                  '';
                const items = current.split(',').map((x) => x.trim()).filter(Boolean);
                const given = (c.value ?? '').split(',').map((x) => x.trim()).filter(Boolean);
                const next = c.configOperation === 2 ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
                value = next.join(',');
                break;
              }
              default:
                throw new ControlError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
            }
            changed.push({ name: c.name, value });
            if (value === null) merged.delete(c.name);
            else merged.set(c.name, value);
          }
          this.validateChange(image, kind, r.resourceName, changed, merged);
          if (!req.validateOnly) for (const c of changed) records.push(this.configRecord(r.resourceType, r.resourceName, c.name, c.value));
          return out;
        });
      });
      return { records, result: { throttleTimeMs: 0, responses } };
    }
  }
}

type ConfigKind = 'topic' | 'broker' | 'group' | 'clientMetrics';

/** The client properties a KIP-714 `match` pattern may test (ClientMetricsConfigs.ALLOWED_MATCH_PARAMS). */
const CLIENT_MATCH_PARAMS = new Set(['client_instance_id', 'client_id', 'client_software_name', 'client_software_version', 'client_source_address', 'client_source_port']);

/** ClientMetricsConfigs.validate: names, types, the push interval's range and the match patterns. */
function validateClientMetricsConfigs(merged: ReadonlyMap<string, string>): void {
  for (const [name, value] of merged) {
    const d = clientMetricsConfigDef(name);
    if (!d) throw new ControlError(ErrorCode.INVALID_REQUEST, `Unknown client metrics configuration: ${name}`);
    const err = validateConfigValue(d, value);
    if (err) throw new ControlError(ErrorCode.INVALID_CONFIG, err);
  }
  const interval = merged.get('interval.ms');
  if (interval !== undefined) {
    const ms = Number(interval.trim());
    if (ms < 100 || ms > 3_600_000) {
      throw new ControlError(ErrorCode.INVALID_REQUEST, `Invalid value ${ms} for interval.ms, interval must be between 100 and 3600000 (1 hour)`);
    }
  }
  const match = merged.get('match');
  if (match !== undefined && match.trim() !== '') {
    for (const pattern of match.split(',').map((p) => p.trim())) {
      const parts = pattern.split('=');
      const illegal = () => new ControlError(ErrorCode.INVALID_CONFIG, `Illegal client matching pattern: ${pattern}`);
      if (parts.length !== 2 || !CLIENT_MATCH_PARAMS.has(parts[0].trim())) throw illegal();
      try {
        new RegExp(parts[1].trim());
      } catch {
        throw illegal();
      }
    }
  }
}
