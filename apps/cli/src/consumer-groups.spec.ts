/**
 * kafka-consumer-groups against the real server: the lag table, members
 * and state tables in Kafka's layout (member ids and ports masked), lists,
 * offset resets, offset and group deletion, and error lines.
 */
import { Background, Server, background, cleanupAll, cli, startServer, waitFor } from './testing/harness';

let server: Server;
const groups = (...args: string[]) => cli('kafka-consumer-groups', ['--bootstrap-server', server.bootstrap, ...args]);
/** Member ids are `<client.id>-<uuid>`: the uuid is masked (same width, so the alignment is still checked). */
const maskMembers = (s: string) => s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
const maskPort = (s: string) => s.split(`:${server.port}`).join(':PPPPP');

let live: Background;

interface JsonOffsets {
  groups: Array<{ state: string; offsets: Array<{ lag: number | null; consumerId: string | null }> }>;
}

beforeAll(async () => {
  server = await startServer();
  const bs = server.bootstrap;
  await cli('kafka-topics', ['--bootstrap-server', bs, '--create', '--topic', 'clicks', '--partitions', '2']);
  const input = ['k0:a', 'k1:b', 'k2:c', 'k3:d', 'k4:e', 'k5:f'].join('\n') + '\n';
  const p = await cli('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'clicks', '--property', 'parse.key=true', '--property', 'key.separator=:'], { input });
  expect(p.code).toBe(0);
  // A group that read everything and left (Empty, with committed offsets).
  const c = await cli('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'clicks', '--group', 'clicks-readers', '--from-beginning', '--max-messages', '6']);
  expect(c.stderr).toBe('Processed a total of 6 messages\n');
  // A group with an active member that commits quickly.
  live = background('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'clicks', '--group', 'live', '--from-beginning', '--consumer-property', 'auto.commit.interval.ms=100']);
  await waitFor(async () => {
    const r = await groups('--describe', '--group', 'live', '--output', 'json');
    const j = JSON.parse(r.stdout) as JsonOffsets;
    return j.groups[0].state === 'Stable' && j.groups[0].offsets.length === 2 && j.groups[0].offsets.every((o) => o.lag === 0 && o.consumerId !== null);
  }, 'the live group to be stable and caught up');
}, 90000);

afterAll(async () => {
  await live?.interrupt();
  await cleanupAll();
});

describe('kafka-consumer-groups --describe', () => {
  test('lag table of an active group (Kafka layout, member id masked)', async () => {
    const r = await groups('--describe', '--group', 'live');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(maskMembers(r.stdout)).toBe(
      '\n' +
        'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                           HOST            CLIENT-ID\n' +
        'live            clicks          0          3               3               0               console-consumer-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx /127.0.0.1      console-consumer\n' +
        'live            clicks          1          3               3               0               console-consumer-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx /127.0.0.1      console-consumer\n',
    );
  });

  test('lag table of an empty group, with the "no active members" notice on stderr', async () => {
    const r = await groups('--describe', '--group', 'clicks-readers');
    expect(r).toMatchObject({ code: 0, stderr: "\nConsumer group 'clicks-readers' has no active members.\n" });
    expect(r.stdout).toBe(
      '\n' +
        'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n' +
        'clicks-readers  clicks          0          3               3               0               -               -               -\n' +
        'clicks-readers  clicks          1          3               3               0               -               -               -\n',
    );
  });

  test('--offsets --verbose adds LEADER-EPOCH', async () => {
    const r = await groups('--describe', '--group', 'clicks-readers', '--offsets', '--verbose');
    expect(r.stdout.split('\n')[1]).toBe('GROUP           TOPIC           PARTITION  LEADER-EPOCH    CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID');
    expect(r.stdout.split('\n')[2]).toMatch(/^clicks-readers  clicks          0          \d+ +3               3               0               -               -               -$/);
  });

  test('--members and --members --verbose', async () => {
    const m = await groups('--describe', '--group', 'live', '--members');
    expect(maskMembers(m.stdout)).toBe(
      '\n' +
        'GROUP           CONSUMER-ID                                           HOST            CLIENT-ID        #PARTITIONS     \n' +
        'live            console-consumer-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx /127.0.0.1      console-consumer 2               \n',
    );
    const v = await groups('--describe', '--group', 'live', '--members', '--verbose');
    expect(maskMembers(v.stdout)).toBe(
      '\n' +
        'GROUP           CONSUMER-ID                                           HOST            CLIENT-ID        #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT   TARGET-EPOCH    TARGET-ASSIGNMENT   \n' +
        'live            console-consumer-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx /127.0.0.1      console-consumer 2               -               clicks:0,1           -               -                   \n',
    );
  });

  test('--state and --state --verbose (port masked)', async () => {
    const s = await groups('--describe', '--group', 'live', '--state');
    expect(maskPort(s.stdout)).toBe(
      '\n' + 'GROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n' + 'live            127.0.0.1:PPPPP  (1)      range                Stable               1\n',
    );
    const v = await groups('--describe', '--group', 'live', '--state', '--verbose');
    expect(maskPort(v.stdout)).toBe(
      '\n' +
        'GROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n' +
        'live            127.0.0.1:PPPPP  (1)      range                Stable               -               -                         1\n',
    );
  });

  test('--all-groups and --output json', async () => {
    const r = await groups('--describe', '--all-groups', '--state');
    expect(maskPort(r.stdout)).toContain('clicks-readers  127.0.0.1:PPPPP  (1)      -                    Empty                0\n');
    const j = await groups('--describe', '--group', 'clicks-readers', '--output', 'json');
    expect(JSON.parse(j.stdout)).toEqual({
      groups: [
        {
          group: 'clicks-readers',
          state: 'Empty',
          coordinator: { id: 1, host: '127.0.0.1', port: server.port },
          offsets: [
            expect.objectContaining({ topic: 'clicks', partition: 0, currentOffset: 3, logEndOffset: 3, lag: 0, consumerId: null, host: null, clientId: null }),
            expect.objectContaining({ topic: 'clicks', partition: 1, currentOffset: 3, logEndOffset: 3, lag: 0, consumerId: null, host: null, clientId: null }),
          ],
        },
      ],
    });
  });

  test('an unknown group is one error line and exit status 1', async () => {
    expect(await groups('--describe', '--group', 'nope')).toMatchObject({ code: 1, stdout: '', stderr: "Error: Consumer group 'nope' does not exist.\n" });
  });
});

describe('kafka-consumer-groups --list', () => {
  test('names, and the state / type table', async () => {
    expect(await groups('--list')).toMatchObject({ code: 0, stdout: 'clicks-readers\nlive\n', stderr: '' });
    const s = await groups('--list', '--state');
    expect(s.stdout).toBe('GROUP                     STATE               \nclicks-readers            Empty               \nlive                      Stable              \n');
    const t = await groups('--list', '--type', '--state', 'stable');
    expect(t.stdout).toBe('GROUP                     TYPE                 STATE               \nlive                      Classic              Stable              \n');
    expect(JSON.parse((await groups('--list', '--output', 'json')).stdout)).toEqual({
      groups: [
        { group: 'clicks-readers', state: 'Empty', type: 'classic' },
        { group: 'live', state: 'Stable', type: 'classic' },
      ],
    });
    const bad = await groups('--list', '--state', 'sleepy');
    expect(bad).toMatchObject({ code: 1, stderr: "Invalid state list 'sleepy'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling\n" });
  });
});

describe('kafka-consumer-groups --reset-offsets / --delete-offsets / --delete', () => {
  test('dry run (the default), --execute, --shift-by and --to-datetime', async () => {
    const dry = await groups('--reset-offsets', '--group', 'clicks-readers', '--topic', 'clicks', '--to-earliest', '--dry-run');
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toBe(
      '\n' +
        'GROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n' +
        'clicks-readers                 clicks                         0          0              \n' +
        'clicks-readers                 clicks                         1          0              \n',
    );
    const noExec = await groups('--reset-offsets', '--group', 'clicks-readers', '--all-topics', '--to-latest');
    expect(noExec.stderr).toMatch(/^WARN: No action will be performed as the --execute option is missing\./);
    const exec = await groups('--reset-offsets', '--group', 'clicks-readers', '--topic', 'clicks:1', '--to-offset', '1', '--execute');
    expect(exec.stdout).toBe('\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \nclicks-readers                 clicks                         1          1              \n');
    const shift = await groups('--reset-offsets', '--group', 'clicks-readers', '--all-topics', '--shift-by', '-5', '--execute');
    expect(shift.stdout).toBe('\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \nclicks-readers                 clicks                         0          0              \nclicks-readers                 clicks                         1          0              \n');
    expect(shift.stderr).toBe('WARN New offset (-2) is lower than earliest offset for topic partition clicks-0. Value will be set to 0\nWARN New offset (-4) is lower than earliest offset for topic partition clicks-1. Value will be set to 0\n');
    const d = await groups('--describe', '--group', 'clicks-readers');
    expect(d.stdout).toContain('clicks-readers  clicks          1          0               3               3               -               -               -\n');
    const dt = await groups('--reset-offsets', '--group', 'clicks-readers', '--all-topics', '--to-datetime', '2000-01-01T00:00:00.000', '--dry-run');
    expect(dt.stdout).toContain('clicks-readers                 clicks                         1          0              \n');
    const exp = await groups('--reset-offsets', '--group', 'clicks-readers', '--all-topics', '--to-latest', '--dry-run', '--export');
    expect(exp.stdout).toBe('clicks,0,3\nclicks,1,3\n\n');
  });

  test('an active group cannot be reset', async () => {
    const r = await groups('--reset-offsets', '--group', 'live', '--all-topics', '--to-earliest', '--execute');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("\nError: Assignments can only be reset if the group 'live' is inactive, but the current state is Stable.\n");
  });

  test('--delete-offsets, then --delete', async () => {
    const d = await groups('--delete-offsets', '--group', 'clicks-readers', '--topic', 'clicks');
    expect(d).toMatchObject({ code: 0, stderr: '' });
    expect(d.stdout).toBe(
      'Request succeed for deleting offsets with topic clicks group clicks-readers\n' +
        '\nTOPIC                          PARTITION       STATUS         ' +
        '\nclicks                         0               Successful     ' +
        '\nclicks                         1               Successful     \n',
    );
    expect(await groups('--delete', '--group', 'clicks-readers')).toMatchObject({ code: 0, stdout: "Deletion of requested consumer groups ('clicks-readers') was successful.\n" });
    const busy = await groups('--delete', '--group', 'live');
    expect(busy).toMatchObject({ code: 1, stderr: "\nError: Deletion of some consumer groups failed:\n* Group 'live' could not be deleted due to: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n" });
  });
});

describe('kafka-consumer-groups usage errors', () => {
  const cases: Array<[string[], string]> = [
    [['--describe'], 'Option [describe] takes one of these options: [group], [all-groups] (add --group <group> or --all-groups)\n'],
    [['--members', '--group', 'g'], 'Option(s) [members] are unavailable given other options on the command line (--members goes with --describe)\n'],
    [['--list', '--describe'], 'Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets (got --list and --describe)\n'],
    [['--describe', '--group', 'g', '--members', '--state'], 'Option [describe] takes at most one of these options: [members], [offsets], [state]\n'],
    [['--reset-offsets', '--group', 'g', '--all-topics', '--to-earliest', '--to-latest'], 'Option "[to-earliest]" can\'t be used with option "[to-latest]" (use one reset scenario)\n'],
    [['--delete', '--group', 'g', '--topic', 't'], 'The consumer does not support topic-specific offset deletion from a consumer group. (use --delete-offsets --group <group> --topic <topic>)\n'],
  ];
  test.each(cases)('%j', async (args, line) => {
    expect(await cli('kafka-consumer-groups', ['--bootstrap-server', '127.0.0.1:1', ...args])).toMatchObject({ code: 1, stdout: '', stderr: line });
  });
});
