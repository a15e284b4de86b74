/**
 * Kafka's whole config surface with third-party clients (issue 9, item 3):
 * kafkajs and python3-confluent-kafka describe every Kafka 4.0 broker config
 * and alter one nagare stores without acting on
 * (`sasl.kerberos.min.time.before.relogin`); Apache Kafka's Java Admin client
 * alters it incrementally, sees DynamicBrokerConfig's refusals, reads
 * Kafka's config types back, and describes and alters a GROUP (KIP-848) and
 * a CLIENT_METRICS (KIP-714) resource, which kafkajs and librdkafka 2.0
 * cannot name.
 */
import { join } from 'node:path';
import { Admin, ConfigResourceTypes, Kafka } from 'kafkajs';
import { NagareProcess, cleanupAll, requirePythonModule, runOk, runPython, startNagare, tempDir } from './harness';
import { JAVA_SRC, KAFKA_CLIENTS_JAR, describeWithJava, requireJava, runJavaMain } from './java-harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(240000);

/** Kafka 4.0's broker configs less its internal ones (packages/metadata/src/kafka-configs.ts). */
const DESCRIBED_BROKER_CONFIGS = 290;
const KERBEROS = 'sasl.kerberos.min.time.before.relogin';

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  server = await startNagare();
  kafka = newKafka(server.bootstrap, 'e2e-configs-surface');
  admin = await connectedAdmin(kafka);
});

afterAll(async () => {
  await cleanupAll();
});

describe('broker configs with kafkajs and confluent-kafka', () => {
  it('kafkajs describes every broker config with Kafka defaults and read-only flags', async () => {
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }] });
    expect(res.resources[0].errorCode).toBe(0);
    const entries = new Map(res.resources[0].configEntries.map((e) => [e.configName, e]));
    expect(entries.size).toBe(DESCRIBED_BROKER_CONFIGS);
    expect(entries.get('num.network.threads')).toEqual(expect.objectContaining({ configValue: '3', readOnly: false, isDefault: true, isSensitive: false }));
    expect(entries.get('log.retention.hours')).toEqual(expect.objectContaining({ configValue: '168', readOnly: true, isDefault: true }));
    expect(entries.get(KERBEROS)).toEqual(expect.objectContaining({ configValue: '60000', readOnly: false }));
    expect(entries.get('ssl.keystore.password')).toEqual(expect.objectContaining({ configValue: null, isSensitive: true }));
  });

  it('confluent-kafka alters a broker config nagare stores but does not act on, reads it back, and the server says so once', async () => {
    requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
    type Out = { alter: string | null; count: number; entries: Record<string, { value: string | null; source: number; isDefault: boolean; readOnly: boolean; sensitive: boolean }> };
    const first = await runPython<Out>('configs_broker.py', [server.bootstrap, '1', KERBEROS, '120000']);
    expect(first.alter).toBeNull();
    expect(first.count).toBe(DESCRIBED_BROKER_CONFIGS);
    expect(first.entries[KERBEROS]).toEqual({ value: '120000', source: 2 /* DYNAMIC_BROKER_CONFIG */, isDefault: false, readOnly: false, sensitive: false });
    expect(first.entries['num.network.threads']).toEqual({ value: '3', source: 5 /* DEFAULT_CONFIG */, isDefault: true, readOnly: false, sensitive: false });
    expect(first.entries['log.retention.hours']).toMatchObject({ value: '168', readOnly: true, isDefault: true });
    expect(first.entries['ssl.truststore.password']).toMatchObject({ value: null, sensitive: true });
    const again = await runPython<Out>('configs_broker.py', [server.bootstrap, '1', KERBEROS, '130000']);
    expect(again.entries[KERBEROS].value).toBe('130000');
    const said = server.output.filter((l) => l.includes(`config '${KERBEROS}' is stored but nagare does not act on it`));
    expect(said).toHaveLength(1);
  });
});

type Step = Record<string, unknown> & { step: string; error?: string; ok?: boolean; expectedError?: string };
type Entry = { value: string | null; source: string; type: string; readOnly: boolean; sensitive: boolean };

describeWithJava("Kafka's Java Admin client: broker, GROUP and CLIENT_METRICS configs", () => {
  let by: Record<string, Step>;

  beforeAll(async () => {
    requireJava({ javac: true });
    const classes = tempDir('nagare-e2e-configs-java-');
    await runOk('javac', ['--release', '17', '-cp', KAFKA_CLIENTS_JAR, '-d', classes, join(JAVA_SRC, 'ConfigsSurface.java'), join(JAVA_SRC, 'Json.java')], { timeoutMs: 120000 });
    const r = await runJavaMain(classes, 'ConfigsSurface', [server.bootstrap, '1']);
    const steps = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Step);
    expect(steps.filter((s) => s.error).map((s) => `${s.step}: ${s.error}`)).toEqual([]);
    expect(r.code).toBe(0);
    by = Object.fromEntries(steps.map((s) => [s.step, s]));
  });

  it('alters a per-broker dynamic config and is refused as DynamicBrokerConfig refuses', () => {
    expect(by['alter broker']).toMatchObject({ ok: true });
    expect(by['alter cluster default']).toMatchObject({
      ok: false,
      expectedError: `InvalidRequestException: Cannot update these configs at default cluster level, broker id must be specified: Set(${KERBEROS})`,
    });
    expect(by['alter static']).toMatchObject({ ok: false, expectedError: 'InvalidRequestException: Cannot update these configs dynamically: Set(log.retention.hours)' });
  });

  it("describes the broker with Kafka's config types", () => {
    const d = by['describe broker'] as Step & { count: number; entries: Record<string, Entry> };
    expect(d.count).toBe(DESCRIBED_BROKER_CONFIGS);
    expect(d.entries).toEqual({
      [KERBEROS]: { value: '150000', source: 'DYNAMIC_BROKER_CONFIG', type: 'LONG', readOnly: false, sensitive: false },
      'num.network.threads': { value: '3', source: 'DEFAULT_CONFIG', type: 'INT', readOnly: false, sensitive: false },
      'log.retention.hours': { value: '168', source: 'DEFAULT_CONFIG', type: 'INT', readOnly: true, sensitive: false },
      'ssl.keystore.password': { value: null, source: 'DEFAULT_CONFIG', type: 'PASSWORD', readOnly: false, sensitive: true },
      'log.cleanup.policy': { value: 'delete', source: 'DEFAULT_CONFIG', type: 'LIST', readOnly: false, sensitive: false },
    });
  });

  it('describes and alters a GROUP resource as Kafka 4.0 does (GroupConfig)', () => {
    expect(by['alter group']).toMatchObject({ ok: true });
    expect(by['alter group out of bounds']).toMatchObject({
      ok: false,
      expectedError: 'InvalidConfigurationException: consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms',
    });
    const int = (value: string, source = 'DEFAULT_CONFIG'): Entry => ({ value, source, type: 'INT', readOnly: false, sensitive: false });
    expect(by['describe group'].entries).toEqual({
      'consumer.heartbeat.interval.ms': int('6000', 'DYNAMIC_GROUP_CONFIG'),
      'consumer.session.timeout.ms': int('45000'),
      'share.heartbeat.interval.ms': int('5000'),
      'share.record.lock.duration.ms': int('30000'),
      'share.session.timeout.ms': int('45000'),
    });
  });

  it('describes and alters a CLIENT_METRICS subscription as Kafka 4.0 does (ClientMetricsConfigs)', () => {
    expect(by['alter client metrics']).toMatchObject({ ok: true });
    expect(by['alter client metrics bad interval']).toMatchObject({
      ok: false,
      expectedError: 'InvalidRequestException: Invalid value 10 for interval.ms, interval must be between 100 and 3600000 (1 hour)',
    });
    const entry = (value: string): Entry => ({ value, source: 'DYNAMIC_CLIENT_METRICS_CONFIG', type: 'UNKNOWN', readOnly: false, sensitive: false });
    expect(by['describe client metrics'].entries).toEqual({ 'interval.ms': entry('2000'), metrics: entry('org.apache.kafka.producer.') });
  });
});
