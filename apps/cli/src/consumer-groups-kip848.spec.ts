/**
 * kafka-consumer-groups with both kinds of groups: a KIP-848 consumer group
 * (a console consumer with group.protocol=consumer) beside a classic one.
 * The TYPE column, and the epochs and target assignments Kafka 4 prints for
 * consumer groups (ConsumerGroupDescribe).
 */
import { Background, Server, background, cleanupAll, cli, startServer, waitFor } from './testing/harness';

let server: Server;
let modern: Background;
const groups = (...args: string[]) => cli('kafka-consumer-groups', ['--bootstrap-server', server.bootstrap, ...args]);
const maskPort = (s: string) => s.split(`:${server.port}`).join(':PPPPP');
/** KIP-848 member ids are UUIDs in Kafka's 22-character form. */
const maskIds = (s: string) => s.replace(/\b[A-Za-z0-9_-]{22}\b/g, 'MMMMMMMMMMMMMMMMMMMMMM');

beforeAll(async () => {
  server = await startServer({ 'group.consumer.heartbeat.interval.ms': '500', 'group.consumer.min.heartbeat.interval.ms': '500' });
  const bs = server.bootstrap;
  await cli('kafka-topics', ['--bootstrap-server', bs, '--create', '--topic', 'views', '--partitions', '3']);
  const p = await cli('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'views'], { input: 'a\nb\nc\nd\ne\nf\n' });
  expect(p.code).toBe(0);
  const c = await cli('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'views', '--group', 'old-style', '--from-beginning', '--max-messages', '6']);
  expect(c.stderr).toBe('Processed a total of 6 messages\n');
  modern = background('kafka-console-consumer', [
    '--bootstrap-server', bs, '--topic', 'views', '--group', 'new-style', '--from-beginning',
    '--consumer-property', 'group.protocol=consumer', '--consumer-property', 'auto.commit.interval.ms=100',
  ]);
  await waitFor(async () => {
    const r = await groups('--describe', '--group', 'new-style', '--output', 'json');
    if (r.code !== 0) return false;
    const j = JSON.parse(r.stdout) as { groups: Array<{ state: string; offsets: Array<{ lag: number | null }> }> };
    return j.groups[0].state === 'Stable' && j.groups[0].offsets.length === 3 && j.groups[0].offsets.every((o) => o.lag === 0);
  }, 'the consumer-protocol group to be stable and caught up');
}, 90000);

afterAll(async () => {
  await modern?.interrupt();
  await cleanupAll();
});

test('--list --type shows both kinds (Kafka 4: Classic, Consumer)', async () => {
  const t = await groups('--list', '--type');
  expect(t).toMatchObject({ code: 0, stderr: '' });
  expect(t.stdout).toBe('GROUP                     TYPE                \nnew-style                 Consumer            \nold-style                 Classic             \n');
  const only = await groups('--list', '--type', 'consumer', '--state');
  expect(only.stdout).toBe('GROUP                     TYPE                 STATE               \nnew-style                 Consumer             Stable              \n');
});

test('--describe --members --verbose: member epoch, assignment, target epoch and target assignment of a consumer group', async () => {
  const v = await groups('--describe', '--group', 'new-style', '--members', '--verbose');
  expect(v).toMatchObject({ code: 0, stderr: '' });
  expect(maskIds(v.stdout)).toBe(
    '\n' +
      'GROUP           CONSUMER-ID            HOST            CLIENT-ID        #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT   TARGET-EPOCH    TARGET-ASSIGNMENT   \n' +
      'new-style       MMMMMMMMMMMMMMMMMMMMMM /127.0.0.1      console-consumer 3               1               views:0,1,2          1               views:0,1,2         \n',
  );
});

test('--describe --state --verbose: assignor, group epoch and target assignment epoch', async () => {
  const v = await groups('--describe', '--group', 'new-style', '--state', '--verbose');
  expect(maskPort(v.stdout)).toBe(
    '\n' +
      'GROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n' +
      'new-style       127.0.0.1:PPPPP  (1)      uniform              Stable               1               1                         1\n',
  );
  // The lag table is the same for both kinds.
  const lag = await groups('--describe', '--group', 'new-style');
  expect(maskIds(lag.stdout).split('\n').slice(1, 3)).toEqual([
    'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID            HOST            CLIENT-ID',
    expect.stringMatching(/^new-style       views           0          \d+ +\d+ +0 +MMMMMMMMMMMMMMMMMMMMMM \/127\.0\.0\.1      console-consumer$/),
  ]);
});
