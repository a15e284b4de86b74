/**
 * kafka-configs, kafka-get-offsets and kafka-delete-records against the
 * real server: Kafka's describe layout with synonyms, alter messages,
 * `topic:partition:offset` lines for every --time, record deletion, JSON
 * output and error lines.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, cleanupAll, cli, startServer, tempDir } from './testing/harness';

let server: Server;
const configs = (...args: string[]) => cli('kafka-configs', ['--bootstrap-server', server.bootstrap, ...args]);
const offsets = (...args: string[]) => cli('kafka-get-offsets', ['--bootstrap-server', server.bootstrap, ...args]);

beforeAll(async () => {
  server = await startServer();
  const bs = server.bootstrap;
  await cli('kafka-topics', ['--bootstrap-server', bs, '--create', '--topic', 'settings', '--config', 'cleanup.policy=compact']);
  await cli('kafka-topics', ['--bootstrap-server', bs, '--create', '--topic', 'ledger', '--partitions', '3']);
  const input = Array.from({ length: 12 }, (_, i) => `key-${i}:v${i}`).join('\n') + '\n';
  await cli('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'ledger', '--property', 'parse.key=true', '--property', 'key.separator=:'], { input });
}, 60000);

afterAll(async () => {
  await cleanupAll();
});

describe('kafka-configs', () => {
  test('--describe a topic: dynamic configs with synonyms', async () => {
    const r = await configs('--entity-type', 'topics', '--entity-name', 'settings', '--describe');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('Dynamic configs for topic settings are:\n  cleanup.policy=compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact, DEFAULT_CONFIG:log.cleanup.policy=delete}\n');
  });

  test('--alter --add-config / --delete-config, and --topic shortcut', async () => {
    const a = await configs('--entity-type', 'topics', '--entity-name', 'settings', '--alter', '--add-config', 'retention.ms=86400000,cleanup.policy=[compact,delete]');
    expect(a).toMatchObject({ code: 0, stdout: 'Completed updating config for topic settings.\n', stderr: '' });
    const d = await configs('--topic', 'settings', '--describe');
    expect(d.stdout).toBe(
      'Dynamic configs for topic settings are:\n' +
        '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n' +
        '  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000, DEFAULT_CONFIG:log.retention.ms=604800000}\n',
    );
    const del = await configs('--entity-type', 'topics', '--entity-name', 'settings', '--alter', '--delete-config', 'retention.ms');
    expect(del).toMatchObject({ code: 0, stdout: 'Completed updating config for topic settings.\n' });
    const missingKey = await configs('--entity-type', 'topics', '--entity-name', 'settings', '--alter', '--delete-config', 'segment.ms');
    expect(missingKey).toMatchObject({ code: 1, stdout: '', stderr: 'Invalid config(s): segment.ms\n' });
    const j = await configs('--entity-type', 'topics', '--entity-name', 'settings', '--describe', '--output', 'json');
    expect(JSON.parse(j.stdout)).toEqual({
      entities: [
        {
          entityType: 'topics',
          entityName: 'settings',
          configs: [
            {
              name: 'cleanup.policy',
              value: 'compact,delete',
              sensitive: false,
              readOnly: false,
              source: 'DYNAMIC_TOPIC_CONFIG',
              synonyms: [
                { name: 'cleanup.policy', value: 'compact,delete', source: 'DYNAMIC_TOPIC_CONFIG' },
                { name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' },
              ],
            },
          ],
        },
      ],
    });
  });

  test('brokers: the cluster default and a broker', async () => {
    const a = await configs('--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', 'log.retention.ms=172800000');
    expect(a).toMatchObject({ code: 0, stdout: 'Completed updating default config for brokers in the cluster.\n' });
    const d = await configs('--entity-type', 'brokers', '--entity-default', '--describe');
    expect(d.stdout.split('\n')[0]).toBe('Default configs for brokers in the cluster are:');
    expect(d.stdout).toContain('  log.retention.ms=172800000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=172800000');
    const b = await configs('--broker', '1', '--describe');
    expect(b).toMatchObject({ code: 0, stdout: 'Dynamic configs for broker 1 are:\n' });
    const all = await configs('--entity-type', 'brokers', '--entity-name', '1', '--describe', '--all');
    expect(all.stdout.split('\n')[0]).toBe('All configs for broker 1 are:');
    expect(all.stdout).toMatch(/\n {2}num\.partitions=1 sensitive=false synonyms=\{STATIC_BROKER_CONFIG:num\.partitions=1, DEFAULT_CONFIG:num\.partitions=1\}\n/);
  });

  const usage: Array<[string[], string]> = [
    [['--entity-type', 'topics'], 'Command must include exactly one action: --describe, --alter (add one of them)\n'],
    [['--describe'], 'At least one entity type must be specified (add --entity-type topics or --entity-type brokers)\n'],
    [['--entity-type', 'topic', '--describe'], 'Invalid entity type topic, the entity type must be one of topics, clients, users, brokers, ips, broker-loggers, client-metrics, groups with a --bootstrap-server or --bootstrap-controller argument\n'],
    [['--entity-type', 'topics', '--alter', '--add-config', 'a=b'], 'An entity name must be specified with --alter of topics (add --entity-name <name>)\n'],
    [['--entity-type', 'topics', '--entity-name', 't', '--alter'], 'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter (e.g. --add-config retention.ms=86400000)\n'],
    [['--entity-type', 'brokers', '--entity-name', 'one', '--describe'], 'The entity name for brokers must be a valid integer broker id, but it is: one\n'],
    [['--entity-type', 'topics', '--describe', '--add-config', 'a=b'], 'Option "[describe]" can\'t be used with option "[add-config]" (--add-config and --delete-config go with --alter)\n'],
    [['--entity-type', 'users', '--describe'], 'Entity type users is not supported by nagare (supported: topics, brokers, broker-loggers, groups, client-metrics)\n'],
  ];
  test.each(usage)('%j', async (args, line) => {
    expect(await cli('kafka-configs', ['--bootstrap-server', '127.0.0.1:1', ...args])).toMatchObject({ code: 1, stdout: '', stderr: line });
  });

  test('groups and client-metrics (KIP-848 group configs, KIP-714 client metrics)', async () => {
    expect(await configs('--entity-type', 'groups', '--entity-name', 'billing', '--alter', '--add-config', 'consumer.session.timeout.ms=50000')).toMatchObject({ code: 0, stdout: 'Completed updating config for group billing.\n' });
    const g = await configs('--group', 'billing', '--describe');
    expect(g).toMatchObject({ code: 0, stderr: '' });
    expect(g.stdout).toBe('Dynamic configs for group billing are:\n  consumer.session.timeout.ms=50000 sensitive=false synonyms={GROUP_CONFIG:consumer.session.timeout.ms=50000}\n');
    const all = await configs('--entity-type', 'groups', '--entity-name', 'billing', '--describe', '--all');
    expect(all.stdout).toContain('  consumer.heartbeat.interval.ms=5000 sensitive=false synonyms={DEFAULT_CONFIG:consumer.heartbeat.interval.ms=5000}\n');
    const bad = await configs('--entity-type', 'groups', '--entity-name', 'billing', '--alter', '--add-config', 'consumer.session.timeout.ms=soon');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/consumer\.session\.timeout\.ms/);
    expect(await configs('--entity-type', 'client-metrics', '--entity-name', 'producers', '--alter', '--add-config', 'metrics=org.apache.kafka.producer.,interval.ms=5000')).toMatchObject({
      code: 0,
      stdout: 'Completed updating config for client-metric producers.\n',
    });
    expect((await configs('--client-metrics', 'producers', '--describe')).stdout).toBe(
      'Dynamic configs for client-metric producers are:\n  interval.ms=5000 sensitive=false synonyms={}\n  metrics=org.apache.kafka.producer. sensitive=false synonyms={}\n',
    );
  });

  test('--help lists only the entity types nagare serves and says quotas are refused', async () => {
    const h = await cli('kafka-configs', ['--help']);
    expect(h.stdout).toMatch(/Type of entity\s+\(topics\/brokers\/broker-loggers\/groups\/client-metrics\)/);
    expect(h.stdout.replace(/\s+/g, ' ')).toContain('quota entities (clients/users/ips) are refused: nagare has no quotas yet.');
  });

  test('an unknown topic', async () => {
    const r = await configs('--entity-type', 'topics', '--entity-name', 'nope', '--describe');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `Error while executing config command with args '--bootstrap-server ${server.bootstrap} --entity-type topics --entity-name nope --describe': Topic nope does not exist.\n` });
  });
});

describe('kafka-get-offsets and kafka-delete-records', () => {
  test('latest, earliest, partition filters and JSON', async () => {
    const latest = await offsets('--topic', 'ledger');
    expect(latest).toMatchObject({ code: 0, stderr: '' });
    expect(latest.stdout).toBe('ledger:0:3\nledger:1:4\nledger:2:5\n');
    expect((await offsets('--topic', 'ledger', '--time', '-2')).stdout).toBe('ledger:0:0\nledger:1:0\nledger:2:0\n');
    expect((await offsets('--topic', 'ledger', '--time', 'earliest', '--partitions', '0,2')).stdout).toBe('ledger:0:0\nledger:2:0\n');
    expect((await offsets('--topic-partitions', 'led.*:1-3')).stdout).toBe('ledger:1:4\nledger:2:5\n');
    expect((await offsets('--topic', 'ledger', '--time', String(Date.now() - 3600000))).stdout).toBe('ledger:0:0\nledger:1:0\nledger:2:0\n');
    expect((await offsets('--topic', 'ledger', '--time', String(Date.now() + 3600000))).stdout).toBe('');
    expect((await offsets('--topic', 'ledger', '--time', '-3')).stdout).toMatch(/^ledger:0:[0-2]\nledger:1:[0-3]\nledger:2:[0-4]\n$/);
    const j = await offsets('--topic', 'ledger', '--partitions', '1', '--output', 'json');
    expect(JSON.parse(j.stdout)).toEqual({ offsets: [{ topic: 'ledger', partition: 1, offset: 4 }] });
    const all = await offsets('--exclude-internal-topics');
    expect(all.stdout).toBe('ledger:0:3\nledger:1:4\nledger:2:5\nsettings:0:0\n');
  });

  test('get-offsets errors', async () => {
    expect(await offsets('--topic', 'nothing-like-this')).toMatchObject({ code: 1, stdout: '', stderr: 'Error occurred: Could not match any topic-partitions with the specified filters\n' });
    expect(await offsets('--topic', 'ledger', '--time', 'yesterday')).toMatchObject({
      code: 1,
      stderr: 'Error occurred: Malformed time argument yesterday. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp\n',
    });
    expect(await cli('kafka-get-offsets', ['--topic', 'x'])).toMatchObject({ code: 1, stderr: 'Missing required argument "[bootstrap-server]" (add --bootstrap-server host:port)\n' });
  });

  test('--offset-json-file deletes records; get-offsets shows the new start', async () => {
    const f = join(tempDir(), 'offsets.json');
    writeFileSync(f, JSON.stringify({ partitions: [{ topic: 'ledger', partition: 1, offset: 2 }], version: 1 }));
    const r = await cli('kafka-delete-records', ['--bootstrap-server', server.bootstrap, '--offset-json-file', f]);
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'Executing records delete operation\nRecords delete operation completed:\npartition: ledger-1\tlow_watermark: 2\n' });
    expect((await offsets('--topic', 'ledger', '--time', '-2')).stdout).toBe('ledger:0:0\nledger:1:2\nledger:2:0\n');
    writeFileSync(f, JSON.stringify({ partitions: [{ topic: 'ledger', partition: 0, offset: 99 }] }));
    const bad = await cli('kafka-delete-records', ['--bootstrap-server', server.bootstrap, '--offset-json-file', f]);
    expect(bad).toMatchObject({ code: 1, stdout: 'Executing records delete operation\nRecords delete operation completed:\npartition: ledger-0\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range of offsets maintained by the server.\n' });
    writeFileSync(f, '{"partitions": [{"topic": "ledger", "partition": 0, "offset": 1}, {"topic": "ledger", "partition": 0, "offset": 2}]}');
    const dup = await cli('kafka-delete-records', ['--bootstrap-server', server.bootstrap, '--offset-json-file', f]);
    expect(dup).toMatchObject({ code: 1, stdout: '', stderr: 'Offset json file contains duplicate topic partitions: ledger-0\n' });
  });

  test('an unknown topic or partition is UnknownTopicOrPartitionException at once, not a leadership election', async () => {
    const f = join(tempDir(), 'offsets.json');
    writeFileSync(f, JSON.stringify({ partitions: [{ topic: 'no-such-topic', partition: 0, offset: 1 }, { topic: 'ledger', partition: 7, offset: 1 }], version: 1 }));
    const started = Date.now();
    const r = await cli('kafka-delete-records', ['--bootstrap-server', server.bootstrap, '--offset-json-file', f]);
    expect(r).toMatchObject({
      code: 1,
      stdout:
        'Executing records delete operation\nRecords delete operation completed:\n' +
        'partition: no-such-topic-0\terror: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n' +
        'partition: ledger-7\terror: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n',
    });
    // Before the fix the tool waited for default.api.timeout.ms (60 s).
    expect(Date.now() - started).toBeLessThan(30000);
  });
});
