/**
 * kafka-reassign-partitions, kafka-leader-election and kafka-topics --describe (Leader / Replicas /
 * Isr and the partition filters) against three combined nodes (TestCluster, every inter-node link
 * proxied). Reassignments that only drop or reorder replicas complete at once; one that adds a
 * replica is held in progress by cutting the new replica's broker-to-broker links (its fetches
 * cannot reach the leader, so it never joins the ISR, with or without data replication).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster } from '@nagare/testing';
import { cli, tempDir, waitFor } from './testing/harness';
import { assignReplicasToBrokers, formatReassignmentJson, parseReassignmentJson } from './tools/reassign-partitions';
import { parseElectionJson } from './tools/leader-election';

let c: TestCluster;
let dir: string;
const bs = () => c.bootstrapServers.split(',')[0];
const reassign = (...args: string[]) => cli('kafka-reassign-partitions', ['--bootstrap-server', bs(), ...args]);
const elect = (...args: string[]) => cli('kafka-leader-election', ['--bootstrap-server', bs(), ...args]);
const topics = (...args: string[]) => cli('kafka-topics', ['--bootstrap-server', bs(), ...args]);
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
/** The partition lines of kafka-topics --describe, as {partition: {leader, replicas, isr}}. */
async function partitionsOf(topic: string, ...extra: string[]): Promise<Array<{ topic: string; partition: number; leader: string; replicas: string; isr: string }>> {
  const r = await topics('--describe', '--topic', topic, ...extra);
  expect(r.stderr).toBe('');
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('\tTopic:'))
    .map((l) => {
      const m = /^\tTopic: (\S+)\tPartition: (\d+)\tLeader: (\S+)\tReplicas: (\S*)\tIsr: (\S*)\tElr: (\S*)\tLastKnownElr: (\S*)$/.exec(l);
      if (!m) throw new Error(`unexpected describe line: ${JSON.stringify(l)}`);
      return { topic: m[1], partition: Number(m[2]), leader: m[3], replicas: m[4], isr: m[5] };
    });
}

beforeAll(async () => {
  dir = tempDir();
  c = await TestCluster.start({
    combined: 3,
    proxyLinks: true,
    props: {
      'controller.quorum.fetch.timeout.ms': '1000',
      'controller.quorum.election.timeout.ms': '500',
      'broker.heartbeat.interval.ms': '500',
      'broker.session.timeout.ms': '3000',
      'auto.leader.rebalance.enable': 'false',
    },
    startTimeoutMs: 120_000,
  });
}, 180_000);
afterAll(async () => {
  await c?.close();
}, 60_000);

describe('kafka-reassign-partitions', () => {
  jest.setTimeout(180_000);

  test('--generate, --execute, --verify, --list, --cancel with Kafka’s JSON and messages', async () => {
    expect(await topics('--create', '--topic', 'moves', '--replica-assignment', '1:2,2:1')).toMatchObject({ code: 0, stdout: 'Created topic moves.\n' });
    await waitFor(async () => ((await partitionsOf('moves')).every((p) => p.leader !== 'none') ? true : undefined), 'leaders of moves');
    const current = '{"version":1,"partitions":[{"topic":"moves","partition":0,"replicas":[1,2],"log_dirs":["any","any"]},{"topic":"moves","partition":1,"replicas":[2,1],"log_dirs":["any","any"]}]}';

    // --generate: the current assignment, then a proposal over the brokers given.
    const gen = await reassign('--generate', '--topics-to-move-json-file', file('topics.json', { version: 1, topics: [{ topic: 'moves' }] }), '--broker-list', '1,2,3');
    expect(gen.code).toBe(0);
    const g = gen.stdout.split('\n');
    expect(g.slice(0, 4)).toEqual(['Current partition replica assignment', current, '', 'Proposed partition reassignment configuration']);
    const proposed = parseReassignmentJson(g[4]);
    expect(proposed.map((p) => [p.topic, p.partition])).toEqual([
      ['moves', 0],
      ['moves', 1],
    ]);
    for (const p of proposed) {
      expect(new Set(p.replicas).size).toBe(2);
      for (const r of p.replicas) expect([1, 2, 3]).toContain(r);
    }
    expect(g.slice(5)).toEqual(['']);

    // --execute of a reorder and a removal: both complete at once.
    const target = file('target.json', {
      version: 1,
      partitions: [
        { topic: 'moves', partition: 1, replicas: [2] },
        { topic: 'moves', partition: 0, replicas: [2, 1] },
      ],
    });
    const ex = await reassign('--execute', '--reassignment-json-file', target);
    expect(ex).toMatchObject({
      code: 0,
      stdout: `Current partition replica assignment\n\n${current}\n\nSave this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignments for moves-0,moves-1\n`,
    });
    const verified = await waitFor(async () => {
      const v = await reassign('--verify', '--reassignment-json-file', target);
      return v.stdout.includes('is still in progress') ? undefined : v;
    }, '--verify to report completion');
    expect(verified).toMatchObject({
      code: 0,
      stdout:
        'Status of partition reassignment:\nReassignment of partition moves-0 is completed.\nReassignment of partition moves-1 is completed.\n\nClearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic moves\n',
    });
    expect((await partitionsOf('moves')).map((p) => p.replicas)).toEqual(['2,1', '2']);
    expect(await reassign('--list')).toMatchObject({ code: 0, stdout: 'No partition reassignments found.\n' });

    // A replica that cannot fetch: broker 3's links to the other brokers are cut, so adding it stays in progress.
    for (const other of [1, 2]) c.links().get(`3=>${other}`)!.cut();
    try {
      const add = file('add.json', { version: 1, partitions: [{ topic: 'moves', partition: 1, replicas: [2, 3] }] });
      const ex2 = await reassign('--execute', '--reassignment-json-file', add, '--throttle', '50000000');
      expect(ex2.code).toBe(0);
      expect(ex2.stdout).toBe(
        'Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"moves","partition":1,"replicas":[2],"log_dirs":["any"]}]}\n\nSave this to use as the --reassignment-json-file option during rollback\n' +
          'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\nThe inter-broker throttle limit was set to 50000000 B/s\n' +
          'Successfully started partition reassignment for moves-1\n',
      );
      expect(await reassign('--list')).toMatchObject({ code: 0, stdout: 'Current partition reassignments:\nmoves-1: replicas: 2,3. adding: 3.\n' });
      const again = await reassign('--execute', '--reassignment-json-file', add);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('Cannot execute because there is an existing partition assignment.  Use --additional to override this');
      const v = await reassign('--verify', '--reassignment-json-file', add, '--preserve-throttles');
      expect(v).toMatchObject({ code: 0, stdout: 'Status of partition reassignment:\nReassignment of partition moves-1 is still in progress.\n\n' });
      // The throttle is a topic config while the move runs.
      const cfg = await cli('kafka-configs', ['--bootstrap-server', bs(), '--describe', '--entity-type', 'topics', '--entity-name', 'moves']);
      expect(cfg.stdout).toContain('leader.replication.throttled.replicas=1:2');
      expect(cfg.stdout).toContain('follower.replication.throttled.replicas=1:3');

      const cancel = await reassign('--cancel', '--reassignment-json-file', add);
      expect(cancel).toMatchObject({
        code: 0,
        stdout: 'Successfully cancelled partition reassignment for: moves-1\nNone of the specified partition moves are active.Clearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic moves\n',
      });
      expect(await reassign('--list')).toMatchObject({ stdout: 'No partition reassignments found.\n' });
      expect((await partitionsOf('moves'))[1]).toMatchObject({ replicas: '2', isr: '2' });
      const cfg2 = await cli('kafka-configs', ['--bootstrap-server', bs(), '--describe', '--entity-type', 'topics', '--entity-name', 'moves']);
      expect(cfg2.stdout).not.toContain('throttled.replicas');
      expect(await reassign('--cancel', '--reassignment-json-file', add)).toMatchObject({
        code: 0,
        stdout: 'None of the specified partition reassignments are active.\nNone of the specified partition moves are active.Clearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic moves\n',
      });
    } finally {
      c.heal();
    }
  });

  test('bad input: Kafka’s usage errors and JSON checks, the process reports and exits 1', async () => {
    expect((await reassign('--list', '--generate')).stderr).toContain('Command must include exactly one action: --generate, --execute, --verify, --cancel, --list');
    expect((await reassign('--execute')).stderr).toContain('Missing required argument "[reassignment-json-file]"');
    expect((await reassign('--list', '--broker-list', '1')).stderr).toContain('Option "[broker-list]" can\'t be used with action "[list]"');
    expect((await cli('kafka-reassign-partitions', ['--list'])).stderr).toContain('Please specify either --bootstrap-server or --bootstrap-controller');
    const dup = file('dup.json', { version: 1, partitions: [{ topic: 'moves', partition: 0, replicas: [1, 1] }] });
    expect(await reassign('--execute', '--reassignment-json-file', dup)).toMatchObject({ code: 1, stderr: 'Error: Partition replica lists may not contain duplicate entries: moves-0 contains multiple entries for 1\n' });
    const unknown = file('unknown.json', { version: 1, partitions: [{ topic: 'moves', partition: 0, replicas: [1, 7] }] });
    expect(await reassign('--execute', '--reassignment-json-file', unknown)).toMatchObject({ code: 1, stderr: 'Error: Unknown broker id 7\n' });
    const v2 = file('v2.json', { version: 2, partitions: [] });
    expect(await reassign('--verify', '--reassignment-json-file', v2)).toMatchObject({ code: 1, stderr: 'Error: Not supported version field value 2\n' });
    expect(await reassign('--execute', '--reassignment-json-file', file('empty.json', { version: 1, partitions: [] }))).toMatchObject({ code: 1, stderr: 'Error: Partition reassignment list cannot be empty\n' });
    expect((await reassign('--generate', '--topics-to-move-json-file', file('t2.json', { version: 1, topics: [{ topic: 'moves' }] }), '--broker-list', '1,1')).stderr).toBe('Error: Broker list contains duplicate entries: [1]\n');
  });

  test('the JSON helpers and the replica assignment', () => {
    expect(formatReassignmentJson([{ topic: 'b', partition: 1, replicas: [3] }, { topic: 'a', partition: 2, replicas: [1, 2] }])).toBe(
      '{"version":1,"partitions":[{"topic":"a","partition":2,"replicas":[1,2],"log_dirs":["any","any"]},{"topic":"b","partition":1,"replicas":[3],"log_dirs":["any"]}]}',
    );
    expect(() => parseReassignmentJson('{"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[1,2],"log_dirs":["any"]}]}')).toThrow(
      'Error: Size of replicas list [1, 2] is different from size of log dirs list [any] for partition a-0',
    );
    // Kafka's rack-unaware assignment with start index 0 and shift 0 on brokers 0..4 (its AdminUtils test).
    expect(assignReplicasToBrokers(10, 3, [0, 1, 2, 3, 4], () => 0)).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ]);
    expect(() => assignReplicasToBrokers(1, 4, [1, 2, 3])).toThrow('Replication factor: 4 larger than available brokers: 3.');
  });
});

describe('kafka-leader-election', () => {
  jest.setTimeout(180_000);

  test('preferred election after a reorder, a no-op, --all-topic-partitions, JSON files and failures', async () => {
    expect((await topics('--create', '--topic', 'elect', '--replica-assignment', '1:2:3')).code).toBe(0);
    await waitFor(async () => ((await partitionsOf('elect'))[0]?.leader === '1' ? true : undefined), 'leader 1 of elect-0');
    // Reorder the replicas: broker 2 becomes the preferred leader; the leader stays 1 until an election.
    const reorder = file('reorder.json', { version: 1, partitions: [{ topic: 'elect', partition: 0, replicas: [2, 1, 3] }] });
    expect((await reassign('--execute', '--reassignment-json-file', reorder)).code).toBe(0);
    await waitFor(async () => ((await partitionsOf('elect'))[0]?.replicas === '2,1,3' ? true : undefined), 'the reorder');
    expect((await partitionsOf('elect'))[0]).toMatchObject({ leader: '1', isr: expect.stringMatching(/^[123],[123],[123]$/) });

    expect(await elect('--election-type', 'preferred', '--topic', 'elect', '--partition', '0')).toMatchObject({
      code: 0,
      stdout: 'Successfully completed leader election (PREFERRED) for partitions elect-0\n',
    });
    expect((await partitionsOf('elect'))[0].leader).toBe('2');
    expect(await elect('--election-type', 'PREFERRED', '--topic', 'elect', '--partition', '0')).toMatchObject({ code: 0, stdout: 'Valid replica already elected for partitions elect-0\n' });
    // Unclean election where the partition has a leader: nothing to do.
    expect(await elect('--election-type', 'unclean', '--topic', 'elect', '--partition', '0')).toMatchObject({ code: 0, stdout: 'Valid replica already elected for partitions elect-0\n' });
    // Every partition: the preferred leaders are all in place, so no line.
    expect(await elect('--election-type', 'preferred', '--all-topic-partitions')).toMatchObject({ code: 0, stderr: '' });

    const json = file('elect.json', { partitions: [{ topic: 'elect', partition: 0 }, { topic: 'elect', partition: 5 }] });
    const r = await elect('--election-type', 'preferred', '--path-to-json-file', json);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'Valid replica already elected for partitions elect-0\nError completing leader election (PREFERRED) for partition: elect-5: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such partition as elect-5\n',
    );
    expect(r.stderr).toBe('1 replica(s) could not be elected\n');
  });

  test('usage errors as LeaderElectionCommand words them', async () => {
    expect(await elect('--topic', 'x', '--partition', '0')).toMatchObject({ code: 1, stderr: 'Missing required option(s): election-type\n' });
    expect((await elect('--election-type', 'preferred')).stderr).toBe('One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file\n');
    expect((await elect('--election-type', 'preferred', '--topic', 'x', '--all-topic-partitions')).stderr).toBe('One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file\n');
    expect((await elect('--election-type', 'preferred', '--topic', 'x')).stderr).toBe('Missing required option(s): partition\n');
    expect((await elect('--election-type', 'preferred', '--all-topic-partitions', '--partition', '1')).stderr).toBe('Option partition is only allowed if topic is used\n');
    expect((await elect('--election-type', 'sideways', '--all-topic-partitions')).code).toBe(1);
    expect(() => parseElectionJson('{"partitions":[{"topic":"a","partition":1},{"topic":"a","partition":1}]}')).toThrow('Replica election data contains duplicate partitions: [a-1]');
    expect(() => parseElectionJson('{"nope":[]}')).toThrow('Replica election data is missing "partitions" field');
  });
});

describe('kafka-topics --describe on a cluster', () => {
  jest.setTimeout(240_000);

  test('Leader / Replicas / Isr, and the under-replicated, unavailable, under- and at-min-isr filters while a broker is down', async () => {
    expect((await topics('--create', '--topic', 'filters', '--replica-assignment', '1:2:3', '--config', 'min.insync.replicas=3')).code).toBe(0);
    expect((await topics('--create', '--topic', 'single', '--replica-assignment', '3')).code).toBe(0);
    await waitFor(async () => ((await partitionsOf('filters'))[0]?.isr.split(',').length === 3 && (await partitionsOf('single'))[0]?.leader === '3' ? true : undefined), 'leaders');
    const all = await topics('--describe', '--topic', 'filters');
    expect(all.stdout).toMatch(/^Topic: filters\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: min.insync.replicas=3\n\tTopic: filters\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: [123],[123],[123]\tElr: \tLastKnownElr: \n$/);
    // moves-1 has one replica (after the reassignment above), in its ISR: not under-replicated (a partition's own replica count counts).
    expect((await topics('--describe', '--under-replicated-partitions')).stdout).toBe('');
    expect((await topics('--describe', '--unavailable-partitions')).stdout).toBe('');
    expect((await partitionsOf('filters', '--at-min-isr-partitions')).map((p) => p.topic)).toEqual(['filters']);

    await c.kill(3);
    try {
      await waitFor(async () => ((await partitionsOf('filters'))[0]?.isr.includes('3') ? undefined : true), 'broker 3 out of the ISR', 30_000);
      const under = await topics('--describe', '--under-replicated-partitions');
      expect(under.stdout.split('\n').filter(Boolean).map((l) => /Topic: (\S+)\tPartition: (\d+)/.exec(l)!.slice(1).join('-'))).toEqual(expect.arrayContaining(['filters-0', 'elect-0']));
      expect(under.stdout).toMatch(/\tTopic: filters\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: [12],[12]\t/);
      expect(await topics('--describe', '--unavailable-partitions')).toMatchObject({ code: 0, stdout: '\tTopic: single\tPartition: 0\tLeader: none\tReplicas: 3\tIsr: 3\tElr: \tLastKnownElr: \n' });
      const underMin = await topics('--describe', '--under-min-isr-partitions');
      expect(underMin.stdout.split('\n').filter(Boolean).map((l) => /Topic: (\S+)\tPartition: (\d+)/.exec(l)!.slice(1).join('-'))).toEqual(expect.arrayContaining(['filters-0', 'single-0']));
      expect((await topics('--describe', '--topic', 'filters', '--at-min-isr-partitions')).stdout).toBe('');
    } finally {
      await c.restart(3);
    }
  });
});
