/**
 * The Kafka 4.0 config table: counts, well-known entries with Kafka's types
 * and defaults, DynamicBrokerConfig's dynamic sets, and the validators.
 */
import {
  BROKER_CONFIGS,
  BROKER_DYNAMIC_ONLY_CONFIGS,
  CLIENT_METRICS_CONFIGS,
  GROUP_CONFIGS,
  TOPIC_CONFIGS,
  brokerConfigDef,
  brokerConfigDefFor,
  brokerConfigSynonyms,
  configIsStoredOnly,
  topicConfigDef,
  validateConfigValue,
  validateDynamicBrokerConfigNames,
} from './configs';
import { ConfigResourceType } from './image';

describe('Kafka 4.0 config table', () => {
  it('holds every broker, topic, group and client metrics config once', () => {
    expect(BROKER_CONFIGS).toHaveLength(303);
    expect(BROKER_CONFIGS.filter((d) => d.internal)).toHaveLength(13);
    expect(BROKER_DYNAMIC_ONLY_CONFIGS.map((d) => d.name)).toEqual(['follower.replication.throttled.rate', 'leader.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second']);
    expect(TOPIC_CONFIGS).toHaveLength(34);
    expect(GROUP_CONFIGS.map((d) => d.name)).toEqual(['consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms', 'share.heartbeat.interval.ms', 'share.record.lock.duration.ms', 'share.session.timeout.ms']);
    expect(CLIENT_METRICS_CONFIGS.map((d) => [d.name, d.type, d.default])).toEqual([
      ['interval.ms', 'int', '300000'],
      ['match', 'list', ''],
      ['metrics', 'list', ''],
    ]);
    for (const list of [BROKER_CONFIGS, TOPIC_CONFIGS]) expect(new Set(list.map((d) => d.name)).size).toBe(list.length);
    // What Kafka 4.0 removed is not there.
    for (const gone of ['zookeeper.connect', 'log.message.format.version', 'log.message.timestamp.difference.max.ms', 'control.plane.listener.name', 'password.encoder.secret']) {
      expect(brokerConfigDef(gone)).toBeUndefined();
    }
    expect(topicConfigDef('message.format.version')).toBeUndefined();
  });

  it("has Kafka's types, defaults and bounds", () => {
    expect(brokerConfigDef('num.network.threads')).toMatchObject({ type: 'int', default: '3', min: 1, dynamic: true, dynamicScope: 'cluster-wide' });
    expect(brokerConfigDef('log.retention.hours')).toMatchObject({ type: 'int', default: '168' });
    expect(brokerConfigDef('log.retention.hours')!.dynamic).toBeUndefined();
    expect(brokerConfigDef('log.retention.ms')).toMatchObject({ type: 'long', default: null, dynamic: true });
    expect(brokerConfigDef('sasl.kerberos.min.time.before.relogin')).toMatchObject({ type: 'long', default: '60000', dynamic: true, dynamicScope: 'per-broker', noEffect: true });
    expect(brokerConfigDef('ssl.keystore.password')).toMatchObject({ type: 'password', default: null, sensitive: true, listenerOnly: true });
    expect(brokerConfigDef('group.consumer.session.timeout.ms')).toMatchObject({ type: 'int', default: '45000' });
    expect(brokerConfigDef('num.recovery.threads.per.data.dir')).toMatchObject({ default: '2', dynamic: true }); // KIP-1030
    expect(brokerConfigDef('ssl.client.auth')).toMatchObject({ type: 'string', default: 'none', validValues: ['required', 'requested', 'none'] });
    expect(brokerConfigDef('offsets.topic.replication.factor')).toMatchObject({ type: 'short', default: '3' });
    expect(topicConfigDef('retention.ms')).toMatchObject({ type: 'long', default: '604800000', min: -1, serverDefault: 'log.retention.ms' });
    expect(topicConfigDef('message.timestamp.after.max.ms')).toMatchObject({ default: '3600000' }); // KIP-1030
    expect(BROKER_CONFIGS.filter((d) => d.type === 'password').length).toBe(8);
    expect(BROKER_CONFIGS.filter((d) => d.dynamic).length).toBe(89);
    expect(BROKER_CONFIGS.filter((d) => d.dynamicScope === 'per-broker').length).toBe(37);
  });

  it('types listener-prefixed names by the config they override, and knows the unit synonyms', () => {
    expect(brokerConfigDefFor('listener.name.internal.ssl.keystore.location')?.name).toBe('ssl.keystore.location');
    expect(brokerConfigDefFor('listener.name.sasl.plain.sasl.jaas.config')?.name).toBe('sasl.jaas.config');
    expect(brokerConfigDefFor('no.such.thing')).toBeUndefined();
    expect(brokerConfigSynonyms('log.retention.hours')).toEqual(['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
    expect(brokerConfigSynonyms('listener.name.a.ssl.key.password')).toEqual(['listener.name.a.ssl.key.password', 'ssl.key.password']);
  });

  it("refuses dynamic broker changes as DynamicBrokerConfig.validateConfigs does", () => {
    expect(validateDynamicBrokerConfigNames(['log.retention.ms', 'num.io.threads', 'my.custom'], false)).toBeNull();
    expect(validateDynamicBrokerConfigNames(['broker.rack', 'log.dirs'], true)).toBe('Cannot update these configs dynamically: Set(broker.rack, log.dirs)');
    expect(validateDynamicBrokerConfigNames(['ssl.truststore.location'], true)).toBe('These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.truststore.location)');
    expect(validateDynamicBrokerConfigNames(['listener.name.x.ssl.truststore.location'], true)).toBeNull();
    expect(validateDynamicBrokerConfigNames(['listener.name.x.ssl.truststore.location'], false)).toMatch(/^Cannot update these configs at default cluster level/);
    expect(validateDynamicBrokerConfigNames(['listener.name.x.max.connections'], false)).toBeNull();
  });

  it("validates values with Kafka's validators", () => {
    const v = (name: string, value: string) => validateConfigValue(brokerConfigDefFor(name)!, value);
    expect(v('compression.gzip.level', '-1')).toBeNull();
    expect(v('compression.gzip.level', '0')).toBe('Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1');
    expect(v('group.consumer.migration.policy', 'Upgrade')).toBeNull();
    expect(v('group.consumer.migration.policy', 'sideways')).toMatch(/String must be one of \(case insensitive\): DISABLED/);
    expect(v('remote.log.metadata.manager.impl.prefix', '')).toMatch(/String must be non-empty/);
    expect(v('sasl.kerberos.min.time.before.relogin', 'soon')).toMatch(/Not a number of type LONG/);
    expect(v('process.roles', 'broker,observer')).toBe('Invalid value observer for configuration process.roles: String must be one of: broker, controller');
    expect(v('inter.broker.protocol.version', '3.9-IV0')).toBeNull();
    expect(validateConfigValue(topicConfigDef('leader.replication.throttled.replicas')!, '0:1,1:1')).toBeNull();
    expect(validateConfigValue(topicConfigDef('leader.replication.throttled.replicas')!, 'all')).toMatch(/literal '\*'/);
  });

  it('says which configs nagare stores without acting on them', () => {
    expect(configIsStoredOnly(ConfigResourceType.BROKER, 'sasl.kerberos.min.time.before.relogin')).toBe(true);
    expect(configIsStoredOnly(ConfigResourceType.BROKER, 'my.custom.key')).toBe(true);
    expect(configIsStoredOnly(ConfigResourceType.BROKER, 'log.retention.ms')).toBe(false);
    expect(configIsStoredOnly(ConfigResourceType.TOPIC, 'retention.ms')).toBe(false);
    expect(configIsStoredOnly(ConfigResourceType.TOPIC, 'remote.storage.enable')).toBe(true);
    expect(configIsStoredOnly(ConfigResourceType.GROUP, 'consumer.session.timeout.ms')).toBe(true);
  });
});
