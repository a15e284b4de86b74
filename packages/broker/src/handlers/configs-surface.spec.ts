/**
 * Kafka's whole config surface over the wire: every broker config described
 * with Kafka's types, defaults and read-only flags; dynamic broker configs
 * altered only as DynamicBrokerConfig allows; GROUP (KIP-848) and
 * CLIENT_METRICS (KIP-714) resources described and altered as Kafka's broker
 * does them; configs nagare stores without acting on them logged once.
 */
import { BROKER_CONFIGS, ConfigResourceType, ConfigSource } from '@nagare/metadata';
import { ApiKey, DescribeConfigsResponse, ErrorCode } from '@nagare/protocol';
import { TestBroker, TestClient, startTestBroker } from '../testing/test-broker';

let tb: TestBroker;
let client: TestClient;

beforeAll(async () => {
  tb = await startTestBroker();
  client = await TestClient.connect(tb.port);
});

afterAll(async () => {
  client.close();
  await tb.stop();
});

const TYPE = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7, PASSWORD: 9, UNKNOWN: 0 };

async function alter(resourceType: number, resourceName: string, configs: Array<{ name: string; op?: number; value: string | null }>) {
  const res = await client.send(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType, resourceName, configs: configs.map((c) => ({ name: c.name, configOperation: c.op ?? 0, value: c.value })) }],
    validateOnly: false,
  });
  return res.responses[0];
}

async function describeConfigs(resourceType: number, resourceName: string, keys: string[] | null = null, includeSynonyms = false) {
  const res = await client.send(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms,
    includeDocumentation: false,
  });
  return res.results[0];
}

const byName = (r: DescribeConfigsResponse.DescribeConfigsResult) => new Map(r.configs.map((c) => [c.name, c]));

describe('broker configs', () => {
  it('describes every non-internal Kafka broker config with its type, default and read-only flag', async () => {
    const r = await describeConfigs(ConfigResourceType.BROKER, '1');
    expect(r.errorCode).toBe(0);
    const all = byName(r);
    expect(all.size).toBe(BROKER_CONFIGS.filter((d) => !d.internal).length);
    expect(all.size).toBeGreaterThan(280);
    expect(all.get('num.network.threads')).toMatchObject({ value: '3', configType: TYPE.INT, readOnly: false, configSource: ConfigSource.DEFAULT_CONFIG });
    expect(all.get('log.retention.hours')).toMatchObject({ value: '168', configType: TYPE.INT, readOnly: true, configSource: ConfigSource.DEFAULT_CONFIG });
    expect(all.get('log.retention.ms')).toMatchObject({ value: null, configType: TYPE.LONG, readOnly: false });
    expect(all.get('sasl.kerberos.min.time.before.relogin')).toMatchObject({ value: '60000', configType: TYPE.LONG, readOnly: false });
    expect(all.get('ssl.keystore.password')).toMatchObject({ value: null, isSensitive: true, configType: TYPE.PASSWORD });
    expect(all.get('node.id')).toMatchObject({ value: '1', configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true });
    expect(all.get('broker.id')).toMatchObject({ value: '1', configSource: ConfigSource.STATIC_BROKER_CONFIG });
    // Internal configs are not described.
    expect(all.has('unstable.api.versions.enable')).toBe(false);
  });

  it('stores a per-broker dynamic config nagare does not act on, describes it back and logs that once', async () => {
    const name = 'sasl.kerberos.min.time.before.relogin';
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name, value: '120000' }])).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name, value: '90000' }])).toMatchObject({ errorCode: 0 });
    const [c] = (await describeConfigs(ConfigResourceType.BROKER, '1', [name], true)).configs;
    expect(c).toMatchObject({ value: '90000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG, readOnly: false, configType: TYPE.LONG });
    expect(c.synonyms).toEqual([
      { name, value: '90000', source: ConfigSource.DYNAMIC_BROKER_CONFIG },
      { name, value: '60000', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(tb.log.entries.filter((e) => e.fields.config === name)).toEqual([
      expect.objectContaining({ level: 'warn', msg: `config '${name}' is stored but nagare does not act on it` }),
    ]);
    // Per-broker configs cannot be cluster-wide defaults (DynamicBrokerConfig.PerBrokerConfigs).
    expect(await alter(ConfigResourceType.BROKER, '', [{ name, value: '1' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Cannot update these configs at default cluster level, broker id must be specified: Set(${name})`,
    });
  });

  it('refuses what DynamicBrokerConfig refuses, with its messages', async () => {
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name: 'log.retention.hours', value: '1' }, { name: 'num.partitions', value: '2' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: Set(log.retention.hours, num.partitions)',
    });
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name: 'ssl.keystore.location', value: '/k' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)',
    });
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name: 'num.io.threads', value: 'many' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value many for configuration num.io.threads: Not a number of type INT',
    });
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name: 'num.io.threads', op: 2, value: '1' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'Config value append is not allowed for config key: num.io.threads',
    });
  });

  it('accepts listener-prefixed and custom keys as Kafka does, describing a custom key as sensitive and untyped', async () => {
    expect(await alter(ConfigResourceType.BROKER, '1', [{ name: 'listener.name.plaintext.ssl.keystore.location', value: '/etc/k.jks' }, { name: 'my.plugin.setting', value: 'x' }])).toMatchObject({ errorCode: 0 });
    const all = byName(await describeConfigs(ConfigResourceType.BROKER, '1'));
    expect(all.get('listener.name.plaintext.ssl.keystore.location')).toMatchObject({ value: '/etc/k.jks', configType: TYPE.STRING, readOnly: true, configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(all.get('my.plugin.setting')).toMatchObject({ value: null, isSensitive: true, configType: TYPE.UNKNOWN, configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
  });

  it('describes the cluster-wide defaults resource with only what is set there', async () => {
    expect(await alter(ConfigResourceType.BROKER, '', [{ name: 'log.cleaner.threads', value: '2' }])).toMatchObject({ errorCode: 0 });
    const r = await describeConfigs(ConfigResourceType.BROKER, '', null, true);
    expect(r.configs).toEqual([
      expect.objectContaining({ name: 'log.cleaner.threads', value: '2', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, synonyms: [{ name: 'log.cleaner.threads', value: '2', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }] }),
    ]);
  });
});

describe('GROUP resources (KIP-848)', () => {
  it('describes the group configs with the broker defaults, then the group override', async () => {
    const before = byName(await describeConfigs(ConfigResourceType.GROUP, 'g1'));
    expect([...before.keys()].sort()).toEqual(['consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms', 'share.heartbeat.interval.ms', 'share.record.lock.duration.ms', 'share.session.timeout.ms']);
    expect(before.get('consumer.session.timeout.ms')).toMatchObject({ value: '45000', configSource: ConfigSource.DEFAULT_CONFIG, configType: TYPE.INT, readOnly: false });
    expect(before.get('share.record.lock.duration.ms')).toMatchObject({ value: '30000' });
    expect(await alter(ConfigResourceType.GROUP, 'g1', [{ name: 'consumer.session.timeout.ms', value: '50000' }])).toMatchObject({ errorCode: 0 });
    const after = byName(await describeConfigs(ConfigResourceType.GROUP, 'g1', null, true));
    expect(after.get('consumer.session.timeout.ms')).toMatchObject({ value: '50000', configSource: ConfigSource.GROUP_CONFIG, synonyms: [{ name: 'consumer.session.timeout.ms', value: '50000', source: ConfigSource.GROUP_CONFIG }] });
  });

  it('validates as GroupConfig does', async () => {
    expect(await alter(ConfigResourceType.GROUP, 'g1', [{ name: 'consumer.session.timeout.ms', value: '70000' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms',
    });
    expect(await alter(ConfigResourceType.GROUP, 'g1', [{ name: 'no.such', value: '1' }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown group config name: no.such' });
    expect(await alter(ConfigResourceType.GROUP, '', [{ name: 'consumer.session.timeout.ms', value: '50000' }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Default group resources are not allowed.' });
    expect(await describeConfigs(ConfigResourceType.GROUP, '')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group name must not be empty' });
  });
});

describe('CLIENT_METRICS resources (KIP-714)', () => {
  it('stores a subscription and describes only its keys', async () => {
    expect(await describeConfigs(ConfigResourceType.CLIENT_METRICS, 'sub')).toMatchObject({ errorCode: 0, configs: [] });
    expect(
      await alter(ConfigResourceType.CLIENT_METRICS, 'sub', [
        { name: 'metrics', value: 'org.apache.kafka.producer.' },
        { name: 'interval.ms', value: '1000' },
        { name: 'match', value: 'client_id=app-.*' },
      ]),
    ).toMatchObject({ errorCode: 0 });
    const r = await describeConfigs(ConfigResourceType.CLIENT_METRICS, 'sub');
    expect(r.configs.map((c) => [c.name, c.value, c.configSource, c.configType, c.readOnly]).sort()).toEqual([
      ['interval.ms', '1000', ConfigSource.CLIENT_METRICS_CONFIG, 0, false],
      ['match', 'client_id=app-.*', ConfigSource.CLIENT_METRICS_CONFIG, 0, false],
      ['metrics', 'org.apache.kafka.producer.', ConfigSource.CLIENT_METRICS_CONFIG, 0, false],
    ]);
  });

  it('validates as ClientMetricsConfigs does', async () => {
    expect(await alter(ConfigResourceType.CLIENT_METRICS, 'sub', [{ name: 'interval.ms', value: '50' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value 50 for interval.ms, interval must be between 100 and 3600000 (1 hour)',
    });
    expect(await alter(ConfigResourceType.CLIENT_METRICS, 'sub', [{ name: 'colour', value: 'red' }])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown client metrics configuration: colour' });
    expect(await alter(ConfigResourceType.CLIENT_METRICS, 'sub', [{ name: 'match', value: 'hostname=x' }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Illegal client matching pattern: hostname=x' });
    expect(await alter(ConfigResourceType.CLIENT_METRICS, 'sub', [{ name: 'metrics', op: 2, value: 'org.apache.kafka.consumer.' }])).toMatchObject({ errorCode: 0 });
    const [m] = (await describeConfigs(ConfigResourceType.CLIENT_METRICS, 'sub', ['metrics'])).configs;
    expect(m.value).toBe('org.apache.kafka.producer.,org.apache.kafka.consumer.');
  });
});
