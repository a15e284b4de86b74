/**
 * kafka-transactions: nagare's tool and Apache Kafka's own
 * kafka-transactions.sh (TransactionsCommand on Kafka's Java admin client,
 * from ../shared/java-client) against the same server give the same tables
 * for list, describe, describe-producers and find-hanging; and a hanging
 * transaction (transactional data whose producer no coordinator knows, left
 * behind with partition verification turned off) is found and aborted with
 * either tool, after which the last stable offset reaches the log end.
 */
import { join } from 'node:path';
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { RecordBatchBuilder } from '@nagare/records';
import { Admin, Consumer, Producer } from '@nagare/client';
import { NAGARE_BIN, NagareProcess, ROOT, cleanupAll, run, startNagare } from './harness';
import { describeWithJava, kafkaTool, requireJava } from './java-harness';
import { RawConnection } from './raw-client';

jest.setTimeout(180000);

const OUR_TOOL = join(ROOT, 'apps/cli/bin/kafka-transactions.js');
void NAGARE_BIN;

/** A prettyPrintTable table as rows of trimmed cells. */
function table(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t').filter((_, i, a) => i < a.length - 1 || a[i] !== '').map((c) => c.trim()));
}

describeWithJava('kafka-transactions: nagare and Kafka side by side', () => {
  let server: NagareProcess;
  let admin: Admin;
  let open: Producer;
  const ours = (...args: string[]) => run(process.execPath, [OUR_TOOL, '--bootstrap-server', server.bootstrap, ...args]);
  const kafkas = (...args: string[]) => kafkaTool('kafka-transactions.sh', ['--bootstrap-server', server.bootstrap, ...args]);
  const both = async (...args: string[]) => {
    const [a, b] = await Promise.all([ours(...args), kafkas(...args)]);
    expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: '' });
    expect(b.code).toBe(0);
    return { ours: table(a.stdout), kafka: table(b.stdout) };
  };

  /** Writes a transactional batch of a producer no coordinator knows (verification is off on this server). */
  async function ghostTransaction(topic: string, producerId: number, ageMs: number): Promise<number> {
    const raw = await RawConnection.connect(server.port);
    try {
      const b = new RecordBatchBuilder({ producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
      b.append({ timestamp: Date.now() - ageMs, key: null, value: Buffer.from(`ghost-${producerId}`) });
      const res = await raw.request(ApiKey.Produce, 9, { transactionalId: `ghost-${producerId}`, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: b.build() }] }] });
      const p = res.responses[0].partitionResponses[0];
      expect(p.errorCode).toBe(ErrorCode.NONE);
      return Number(p.baseOffset);
    } finally {
      raw.destroy();
    }
  }

  const lsoAndEnd = async (topic: string) => {
    const out: number[] = [];
    for (const isolationLevel of ['read_committed', 'read_uncommitted'] as const) {
      const c = new Consumer({ bootstrapServers: server.bootstrap, isolationLevel });
      out.push([...(await c.endOffsets([{ topic, partition: 0 }])).values()][0]);
      await c.close();
    }
    return out;
  };

  beforeAll(async () => {
    requireJava();
    server = await startNagare({ props: { 'transaction.partition.verification.enable': 'false' } });
    admin = new Admin({ bootstrapServers: server.bootstrap });
    await admin.createTopics([
      { name: 'tools-txn', numPartitions: 2, replicationFactor: 1 },
      { name: 'hang', numPartitions: 1, replicationFactor: 1 },
    ]);
    const done = new Producer({ bootstrapServers: server.bootstrap, transactionalId: 'tools-done', lingerMs: 1 });
    await done.initTransactions();
    done.beginTransaction();
    await done.send({ topic: 'tools-txn', partition: 1, value: 'x' });
    await done.commitTransaction();
    await done.close();
    open = new Producer({ bootstrapServers: server.bootstrap, transactionalId: 'tools-open', lingerMs: 1 });
    await open.initTransactions();
    open.beginTransaction();
    await open.send({ topic: 'tools-txn', partition: 0, value: 'y' });
  });
  afterAll(async () => {
    await open?.close(100);
    admin?.close();
    await cleanupAll();
  });

  it('list, describe and describe-producers print the same tables', async () => {
    const list = await both('list');
    expect(list.ours).toEqual(list.kafka);
    expect(list.ours.slice(1).map((r) => [r[0], r[3]])).toEqual([
      ['tools-done', 'CompleteCommit'],
      ['tools-open', 'Ongoing'],
    ]);
    const d = await both('describe', '--transactional-id', 'tools-open');
    // TransactionDurationMs is "now - start" on each side: compare the other columns.
    const drop = (rows: string[][]) => rows.map((r) => r.filter((_, i) => i !== 7));
    expect(drop(d.ours)).toEqual(drop(d.kafka));
    expect(d.ours[1][8]).toBe('tools-txn-0');
    const p = await both('describe-producers', '--topic', 'tools-txn', '--partition', '0');
    expect(p.ours).toEqual(p.kafka);
    // Errors read the same too.
    const [a, b] = await Promise.all([ours('describe', '--transactional-id', 'nope'), kafkas('describe', '--transactional-id', 'nope')]);
    expect(a.code).toBe(1);
    expect(b.code).toBe(1);
    expect(a.stderr.trim()).toBe(b.stderr.trim().split('\n').pop());
  });

  it('find-hanging finds a transaction nobody will end; abort (Kafka tool, then ours) ends it and the LSO reaches the log end', async () => {
    const start1 = await ghostTransaction('hang', 777001, 5 * 60000);
    const [lso, end] = await lsoAndEnd('hang');
    expect([lso, end]).toEqual([start1, start1 + 1]);
    const found = await both('find-hanging', '--topic', 'hang', '--max-transaction-timeout', '1');
    const drop = (rows: string[][]) => rows.map((r) => r.slice(0, 7));
    expect(drop(found.ours)).toEqual(drop(found.kafka));
    expect(found.ours.slice(1).map((r) => [r[0], r[1], r[2], r[5]])).toEqual([['hang', '0', '777001', String(start1)]]);
    // The open transaction of a live producer is not hanging.
    expect((await both('find-hanging', '--topic', 'tools-txn', '--max-transaction-timeout', '0')).ours.slice(1)).toEqual([]);

    const k = await kafkas('abort', '--topic', 'hang', '--partition', '0', '--start-offset', String(start1));
    expect({ code: k.code, stderr: k.stderr.replace(/^.*WARN.*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    expect(await lsoAndEnd('hang')).toEqual([start1 + 2, start1 + 2]);

    const start2 = await ghostTransaction('hang', 777002, 5 * 60000);
    expect((await ours('find-hanging', '--topic', 'hang', '--max-transaction-timeout', '1')).stdout).toContain('777002');
    const o = await ours('abort', '--topic', 'hang', '--partition', '0', '--start-offset', String(start2));
    expect(o).toMatchObject({ code: 0, stderr: '' });
    expect(await lsoAndEnd('hang')).toEqual([start2 + 2, start2 + 2]);
    expect(table((await ours('find-hanging', '--topic', 'hang', '--max-transaction-timeout', '1')).stdout)).toHaveLength(1);
    // Aborted: read_committed readers see nothing of either.
    const c = new Consumer({ bootstrapServers: server.bootstrap, isolationLevel: 'read_committed' });
    c.assign([{ topic: 'hang', partition: 0 }]);
    c.seekToBeginning([{ topic: 'hang', partition: 0 }]);
    const seen: string[] = [];
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) for (const r of await c.poll(200)) seen.push(r.value!.toString());
    await c.close();
    expect(seen).toEqual([]);
  });
});
