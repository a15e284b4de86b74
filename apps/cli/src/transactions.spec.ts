/**
 * kafka-transactions against the real server: list, describe and
 * describe-producers in Kafka's table layout (each cell padded and followed
 * by a tab), find-hanging finding nothing for a transaction its coordinator
 * knows, and the argument and lookup errors as Kafka's tool prints them.
 * The hanging-transaction recovery (find-hanging + abort), next to Kafka's own
 * kafka-transactions.sh, is in apps/e2e/src/transactions-tools.spec.ts.
 */
import { Producer } from '@nagare/client';
import { Server, cleanupAll, cli, startServer } from './testing/harness';
import { prettyPrintTable } from './tools/transactions';

let server: Server;
let open: Producer;
let done: Producer;
const txns = (...args: string[]) => cli('kafka-transactions', ['--bootstrap-server', server.bootstrap, ...args]);
/** A table's rows as arrays of trimmed cells. */
const table = (out: string) =>
  out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').slice(0, -1).map((c) => c.trim()));

beforeAll(async () => {
  server = await startServer();
  await cli('kafka-topics', ['--bootstrap-server', server.bootstrap, '--create', '--topic', 'cli-txn', '--partitions', '2']);
  done = new Producer({ bootstrapServers: server.bootstrap, transactionalId: 'cli-done', lingerMs: 1 });
  await done.initTransactions();
  done.beginTransaction();
  await done.send({ topic: 'cli-txn', partition: 1, value: 'x' });
  await done.commitTransaction();
  open = new Producer({ bootstrapServers: server.bootstrap, transactionalId: 'cli-open', lingerMs: 1 });
  await open.initTransactions();
  open.beginTransaction();
  await open.send({ topic: 'cli-txn', partition: 0, value: 'y' });
}, 60000);

afterAll(async () => {
  await open?.close(100);
  await done?.close(100);
  await cleanupAll();
});

describe('kafka-transactions', () => {
  test('prints tables as Kafka does', () => {
    expect(prettyPrintTable(['A', 'Long'], [['xyz', '1']])).toBe('A  \tLong\t\nxyz\t1   \t\n');
  });

  test('list: every transactional id with its coordinator, producer id and state', async () => {
    const r = await txns('list');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const rows = table(r.stdout);
    expect(rows[0]).toEqual(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
    expect(rows.slice(1)).toEqual([
      ['cli-done', '1', String(done.producerIdAndEpoch.producerId), 'CompleteCommit'],
      ['cli-open', '1', String(open.producerIdAndEpoch.producerId), 'Ongoing'],
    ]);
    // --duration-filter: only transactions (started) longer ago than that.
    expect(table((await txns('list', '--duration-filter', '600000')).stdout)).toEqual([['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']]);
    expect(table((await txns('list', '--duration-filter', '0')).stdout).slice(1).map((x) => x[0])).toEqual(['cli-done', 'cli-open']);
  });

  test('describe: the state of one transactional id at its coordinator', async () => {
    const r = await txns('describe', '--transactional-id', 'cli-open');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const [head, row] = table(r.stdout);
    expect(head).toEqual(['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions']);
    const { producerId, producerEpoch } = open.producerIdAndEpoch;
    expect(row.slice(0, 6)).toEqual(['1', 'cli-open', String(producerId), String(producerEpoch), 'Ongoing', '60000']);
    expect(Number(row[6])).toBeGreaterThan(Date.now() - 120000);
    expect(Number(row[7])).toBeGreaterThanOrEqual(0);
    expect(row[8]).toBe('cli-txn-0');
    const completed = table((await txns('describe', '--transactional-id', 'cli-done')).stdout)[1];
    expect(completed[4]).toBe('CompleteCommit');
    expect(completed[8] ?? '').toBe('');
  });

  test('describe-producers: the producers of a partition with their open transaction', async () => {
    const r = await txns('describe-producers', '--topic', 'cli-txn', '--partition', '0');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const rows = table(r.stdout);
    expect(rows[0]).toEqual(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset']);
    expect(rows.slice(1).map((x) => [x[0], x[1], x[3], x[5]])).toEqual([[String(open.producerIdAndEpoch.producerId), String(open.producerIdAndEpoch.producerEpoch), '0', '0']]);
    const committed = table((await txns('describe-producers', '--topic', 'cli-txn', '--partition', '1')).stdout)[1];
    expect(committed[5]).toBe('None');
  });

  test('find-hanging: an open transaction its coordinator knows is not hanging', async () => {
    const r = await txns('find-hanging', '--topic', 'cli-txn', '--max-transaction-timeout', '0');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(table(r.stdout)).toEqual([['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)']]);
  });

  test('errors as Kafka prints them', async () => {
    const unknown = await txns('describe', '--transactional-id', 'nope');
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('Failed to describe transaction state of transactional-id `nope`: DescribeTransactions request for transactionalId `nope` failed because the ID could not be found. Enable debug logging for additional detail.\n');
    expect((await txns('describe')).stderr).toMatch(/kafka-transactions\.sh: error: argument --transactional-id is required\n$/);
    expect((await txns('frobnicate')).stderr).toMatch(/error: argument COMMAND: invalid choice: 'frobnicate' \(choose from 'list', 'describe', 'describe-producers', 'abort', 'find-hanging'\)/);
    expect((await txns()).stderr).toMatch(/error: too few arguments/);
    expect((await txns('list', '--transactional-id', 'x')).stderr).toMatch(/error: unrecognized arguments: '--transactional-id'/);
    expect((await cli('kafka-transactions', ['list'])).stderr).toMatch(/error: argument --bootstrap-server is required/);
    const noSpec = await txns('abort', '--topic', 'cli-txn', '--partition', '0');
    expect(noSpec).toMatchObject({ code: 1 });
    expect(noSpec.stderr).toBe(
      'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)\n',
    );
    expect((await txns('abort', '--topic', 'cli-txn', '--partition', '0', '--start-offset', '99')).stderr).toBe('Could not find any open transactions starting at offset 99 on partition cli-txn-0\n');
    expect((await txns('find-hanging')).stderr).toBe('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search\n');
    expect((await txns('find-hanging', '--broker-id', '1', '--partition', '0')).stderr).toBe('The --partition argument requires --topic to be provided\n');
  });
});
