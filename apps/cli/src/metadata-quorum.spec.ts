/**
 * kafka-metadata-quorum against the real server: `describe --status` and `describe --replication`
 * in Kafka 4's layout, the usage errors of Kafka's tool, and add-controller refused on a static
 * quorum (kraft.version 0) with Kafka's message.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, cleanupAll, cli, startServer, tempDir } from './testing/harness';
import { formatReplication, formatStatus, prettyTable } from './tools/metadata-quorum';

let server: Server;
const quorum = (...args: string[]) => cli('kafka-metadata-quorum', ['--bootstrap-server', server.bootstrap, ...args]);

beforeAll(async () => {
  server = await startServer();
}, 60000);
afterAll(async () => {
  await cleanupAll();
});

describe('kafka-metadata-quorum', () => {
  test('describe --status: the single voter leads; the broker forwards DescribeQuorum to it', async () => {
    const r = await quorum('describe', '--status');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const dir = readFileSync(join(server.dataDir, 'logs', 'meta.properties'), 'utf8');
    const clusterId = /cluster.id=(\S+)/.exec(dir)![1];
    const directoryId = /directory.id=(\S+)/.exec(dir)![1];
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`ClusterId:              ${clusterId}`);
    expect(lines.slice(1, 3)).toEqual(['LeaderId:               1', 'LeaderEpoch:            1']);
    expect(lines[3]).toMatch(/^HighWatermark:          \d+$/);
    expect(lines.slice(4)).toEqual(['MaxFollowerLag:         0', 'MaxFollowerLagTimeMs:   0', `CurrentVoters:          [{"id": 1, "directoryId": "${directoryId}"}]`, 'CurrentObservers:       []', '']);
  });

  test('describe --replication: a row per replica, Kafka\'s columns, --human-readable times', async () => {
    const r = await quorum('describe', '--replication');
    expect(r.code).toBe(0);
    const [header, row, end] = r.stdout.split('\n');
    expect(header.split('\t').map((s) => s.trim())).toEqual(['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status', '']);
    const cells = row.split('\t').map((s) => s.trim());
    expect(cells[0]).toBe('1');
    expect(cells[3]).toBe('0');
    expect(Number(cells[4])).toBeGreaterThan(1_600_000_000_000);
    expect(cells[6]).toBe('Leader');
    expect(end).toBe('');
    const h = await quorum('describe', '--replication', '--human-readable');
    expect(h.stdout.split('\n')[1]).toMatch(/\d+ ms ago\s+\t\d+ ms ago\s+\tLeader/);
  });

  test('usage errors and add-controller on a static quorum, as Kafka words them', async () => {
    expect(await quorum('describe', '--status', '--replication')).toMatchObject({ code: 1, stderr: 'Only one of --status or --replication should be specified with describe sub-command\n' });
    expect(await quorum('describe')).toMatchObject({ code: 1, stderr: 'One of --status or --replication must be specified with describe sub-command\n' });
    expect(await quorum('describe', '--status', '--human-readable')).toMatchObject({ code: 1, stderr: 'The option --human-readable is only supported along with --replication\n' });
    expect((await cli('kafka-metadata-quorum', ['describe', '--status'])).stderr).toMatch(/exactly one of --bootstrap-server or --bootstrap-controller/);
    expect(await quorum('add-controller')).toMatchObject({ code: 1, stderr: 'You must supply the configuration file of the controller you are adding when using add-controller.\n' });
    // A controller to add: its configuration and formatted metadata directory.
    const d = tempDir();
    mkdirSync(join(d, 'meta'));
    writeFileSync(join(d, 'meta', 'meta.properties'), 'cluster.id=x\nnode.id=9\ndirectory.id=AAAAAAAAAAAAAAAAAAAACQ\nversion=1\n');
    writeFileSync(join(d, 'c.properties'), `node.id=9\nprocess.roles=controller\nmetadata.log.dir=${join(d, 'meta')}\ncontroller.listener.names=CONTROLLER\nlisteners=CONTROLLER://127.0.0.1:19999\n`);
    expect(await quorum('--command-config', join(d, 'c.properties'), 'add-controller', '--dry-run')).toMatchObject({
      code: 0,
      stdout: 'DRY RUN of adding controller 9 with directory id AAAAAAAAAAAAAAAAAAAACQ and endpoints: CONTROLLER://127.0.0.1:19999\n',
    });
    const add = await quorum('--command-config', join(d, 'c.properties'), 'add-controller');
    expect(add).toMatchObject({ code: 1, stderr: "Error: Cluster doesn't support adding voter because the kraft.version feature is 0\n" });
  });
});

describe('formatting', () => {
  const q = {
    leaderId: 1,
    leaderEpoch: 7,
    highWatermark: 100,
    voters: [
      { replicaId: 1, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAQ', logEndOffset: 100, lastFetchTimestamp: 1000, lastCaughtUpTimestamp: 1000 },
      { replicaId: 2, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', logEndOffset: 90, lastFetchTimestamp: 990, lastCaughtUpTimestamp: 800 },
    ],
    observers: [{ replicaId: 4, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAABA', logEndOffset: 95, lastFetchTimestamp: 995, lastCaughtUpTimestamp: -1 }],
    nodes: new Map([[1, [{ name: 'CONTROLLER', host: 'c1', port: 9093 }]], [2, [{ name: 'CONTROLLER', host: '::1', port: 9093 }]]]),
  };
  test('status: the furthest follower\'s lag, voters with endpoints, directory ids null when unknown', () => {
    expect(formatStatus('cid', q)).toBe(
      [
        'ClusterId:              cid',
        'LeaderId:               1',
        'LeaderEpoch:            7',
        'HighWatermark:          100',
        'MaxFollowerLag:         10',
        'MaxFollowerLagTimeMs:   200',
        'CurrentVoters:          [{"id": 1, "directoryId": "AAAAAAAAAAAAAAAAAAAAAQ", "endpoints": ["CONTROLLER://c1:9093"]}, {"id": 2, "directoryId": null, "endpoints": ["CONTROLLER://[::1]:9093"]}]',
        'CurrentObservers:       [{"id": 4, "directoryId": "AAAAAAAAAAAAAAAAAAAABA"}]',
        '',
      ].join('\n'),
    );
  });
  test('replication: leader, followers, observers; -1 stays -1', () => {
    expect(formatReplication(q, false, 2000)).toBe(
      prettyTable(
        ['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'],
        [
          ['1', 'AAAAAAAAAAAAAAAAAAAAAQ', '100', '0', '1000', '1000', 'Leader'],
          ['2', 'AAAAAAAAAAAAAAAAAAAAAA', '90', '10', '990', '800', 'Follower'],
          ['4', 'AAAAAAAAAAAAAAAAAAAABA', '95', '5', '995', '-1', 'Observer'],
        ],
      ),
    );
    expect(formatReplication(q, true, 2000).split('\n')[3]).toContain('1005 ms ago');
  });
});
