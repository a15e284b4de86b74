/**
 * kafka-topics against the real server, run as users run it
 * (node apps/cli/bin/kafka-topics.js): golden outputs in Kafka's layout,
 * JSON output, and the error lines and exit codes of bad invocations.
 */
import { Server, cleanupAll, cli, startServer } from './testing/harness';

let server: Server;
const topics = (...args: string[]) => cli('kafka-topics', ['--bootstrap-server', server.bootstrap, ...args]);
/** Topic ids vary: masked. */
const maskIds = (s: string) => s.replace(/TopicId: [A-Za-z0-9_-]{22}/g, 'TopicId: <id>');

beforeAll(async () => {
  server = await startServer();
}, 60000);

afterAll(async () => {
  await cleanupAll();
});

describe('kafka-topics', () => {
  test('--create, then --describe in Kafka 4.0 layout', async () => {
    const created = await topics('--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '1');
    expect(created).toMatchObject({ code: 0, stdout: 'Created topic orders.\n', stderr: '' });
    const d = await topics('--describe', '--topic', 'orders');
    expect(d.code).toBe(0);
    expect(d.stderr).toBe('');
    expect(maskIds(d.stdout)).toBe(
      'Topic: orders\tTopicId: <id>\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: \n' +
        '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n' +
        '\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n' +
        '\tTopic: orders\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n',
    );
  });

  test('--config overrides show in Configs (sorted), with the period/underscore warning', async () => {
    const c = await topics('--create', '--topic', 'audit.log', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact');
    expect(c.code).toBe(0);
    expect(c.stdout).toBe(
      "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nCreated topic audit.log.\n",
    );
    const d = await topics('--describe', '--topic', 'audit.log');
    expect(maskIds(d.stdout)).toBe(
      'Topic: audit.log\tTopicId: <id>\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=3600000\n' +
        '\tTopic: audit.log\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n',
    );
    const overrides = await topics('--describe', '--topics-with-overrides');
    expect(maskIds(overrides.stdout)).toBe('Topic: audit.log\tTopicId: <id>\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=3600000\n');
    const under = await topics('--describe', '--under-replicated-partitions');
    expect(under).toMatchObject({ code: 0, stdout: '' });
  });

  test('--list, --exclude-internal, a regex --topic, and --output json', async () => {
    await topics('--create', '--topic', 'payments', '--partitions', '2');
    const list = await topics('--list', '--exclude-internal');
    expect(list).toMatchObject({ code: 0, stdout: 'audit.log\norders\npayments\n', stderr: '' });
    const re = await topics('--list', '--topic', 'pay.*|ord.*');
    expect(re.stdout).toBe('orders\npayments\n');
    const json = await topics('--list', '--exclude-internal', '--output', 'json');
    expect(JSON.parse(json.stdout)).toEqual({ topics: ['audit.log', 'orders', 'payments'] });
    const dj = await topics('--describe', '--topic', 'payments', '--output', 'json');
    const parsed = JSON.parse(dj.stdout);
    expect(parsed.topics[0].topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    delete parsed.topics[0].topicId;
    expect(parsed).toEqual({
      topics: [
        {
          name: 'payments',
          partitionCount: 2,
          replicationFactor: 1,
          configs: {},
          partitions: [
            { partition: 0, leader: 1, replicas: [1], isr: [1], elr: [], lastKnownElr: [] },
            { partition: 1, leader: 1, replicas: [1], isr: [1], elr: [], lastKnownElr: [] },
          ],
        },
      ],
    });
  });

  test('--alter --partitions, --delete and --if-exists / --if-not-exists', async () => {
    await topics('--create', '--topic', 'grow', '--partitions', '1');
    expect(await topics('--alter', '--topic', 'grow', '--partitions', '4')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const d = await topics('--describe', '--topic', 'grow');
    expect(d.stdout.split('\n')[0]).toMatch(/\tPartitionCount: 4\t/);
    const shrink = await topics('--alter', '--topic', 'grow', '--partitions', '2');
    expect(shrink).toMatchObject({ code: 1, stdout: '', stderr: 'Error while executing topic command : The topic grow currently has 4 partition(s); 2 would not be an increase.\n' });
    expect(await topics('--create', '--topic', 'grow', '--if-not-exists')).toMatchObject({ code: 0, stdout: '' });
    const dup = await topics('--create', '--topic', 'grow');
    expect(dup).toMatchObject({ code: 1, stdout: '', stderr: "Error while executing topic command : Topic 'grow' already exists.\n" });
    expect(await topics('--delete', '--topic', 'grow')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await topics('--delete', '--topic', 'grow', '--if-exists')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await topics('--delete', '--topic', 'grow')).toMatchObject({ code: 1, stdout: '', stderr: "Topic 'grow' does not exist as expected\n" });
  });

  test('--replica-assignment', async () => {
    const c = await topics('--create', '--topic', 'placed', '--replica-assignment', '1,1');
    expect(c).toMatchObject({ code: 0, stdout: 'Created topic placed.\n' });
    const d = await topics('--describe', '--topic', 'placed');
    expect(maskIds(d.stdout).split('\n')[0]).toBe('Topic: placed\tTopicId: <id>\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: ');
    const bad = await topics('--create', '--topic', 'bad', '--replica-assignment', '1:1');
    expect(bad).toMatchObject({ code: 1, stderr: 'Error while executing topic command : Partition replica lists may not contain duplicate entries: 1\n' });
  });

  test('an unknown topic is one line and exit status 1', async () => {
    const r = await topics('--describe', '--topic', 'nope');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: "Topic 'nope' does not exist as expected\n" });
  });
});

describe('kafka-topics usage errors (one line naming the fix, exit 1)', () => {
  const cases: Array<[string[], string]> = [
    [['--create'], 'Missing required argument "[topic]" (--create needs --topic <name>)\n'],
    [['--delete', '--topic', 'x', '--partitions', '3'], 'Option "[partitions]" can\'t be used with option "[delete]" (--partitions applies to --create and --alter only)\n'],
    [['--list', '--describe'], 'Command must include exactly one action: --list, --describe, --create, --alter or --delete (got --list and --describe)\n'],
    [['--topic', 'x'], 'Command must include exactly one action: --list, --describe, --create, --alter or --delete (add one of them)\n'],
    [['--create', '--topic', 'x', '--partitions', '0'], 'The partitions must be greater than 0 (got --partitions 0)\n'],
    [['--create', '--topic', 'x', '--replica-assignment', '1', '--partitions', '2'], 'Option "[replica-assignment]" can\'t be used with option "[partitions]" (--replica-assignment already gives the partitions)\n'],
    [['--alter', '--topic', 'x'], 'Missing required argument "[partitions]" (--alter needs --partitions <new total count>)\n'],
    [['--describe', '--if-not-exists'], 'Option "[if-not-exists]" can\'t be used with option "[describe]" (--if-not-exists applies to --create only)\n'],
    [['--list', '--zookeeper', 'x'], 'zookeeper is not a recognized option\n'],
    [['--list', '--bootstrap-server'], 'Option bootstrap-server requires an argument\n'],
  ];
  test.each(cases)('%j', async (args, line) => {
    const r = await cli('kafka-topics', args.includes('--bootstrap-server') ? args : ['--bootstrap-server', '127.0.0.1:1', ...args]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: line });
  });

  test('--bootstrap-server missing', async () => {
    expect(await cli('kafka-topics', ['--list'])).toMatchObject({ code: 1, stdout: '', stderr: '--bootstrap-server must be specified (add --bootstrap-server host:port)\n' });
  });

  test('an unreachable server fails fast with one line', async () => {
    const r = await cli('kafka-topics', ['--bootstrap-server', 'localhost:1', '--list']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'Error: could not connect to any broker in --bootstrap-server localhost:1 (connection refused)\n' });
    expect(r.ms).toBeLessThan(5000);
  });

  test('--command-config with a non-PLAINTEXT security protocol is refused', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('./testing/harness');
    const f = join(tempDir(), 'client.properties');
    writeFileSync(f, '# a client config\nsecurity.protocol=SASL_SSL\nclient.id=ops\n');
    const r = await cli('kafka-topics', ['--bootstrap-server', '127.0.0.1:1', '--list', '--command-config', f]);
    expect(r).toMatchObject({ code: 1, stderr: "security.protocol=SASL_SSL is not supported: nagare's tools connect with PLAINTEXT only (remove security.protocol or set it to PLAINTEXT)\n" });
  });

  test('--help prints the options and exits 0', async () => {
    const r = await cli('kafka-topics', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Create, delete, describe, or change a topic\.\nOption +Description\n/);
    expect(r.stdout).toContain('--bootstrap-server <server to connect to>');
  });
});
