/**
 * The transactional producer and the read_committed consumer against our
 * own server (the built `nagare server`), with transaction.version 2
 * (KIP-890 part 2: Produce v12, EndTxn v5, TxnOffsetCommit v5) and, by
 * capping EndTxn at v4, the earlier flow (AddPartitionsToTxn,
 * AddOffsetsToTxn). Commit, abort, consume-transform-produce with
 * sendOffsetsToTransaction, zombie fencing, the API's state checks.
 * Skipped when the server is not built.
 */
import { ApiKey, ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { Admin } from '../admin/admin';
import { Consumer, type ConsumerRecord } from '../consumer/consumer';
import { consumeN, delay } from '../testing/helpers';
import { NagareServer, serverBuilt, startNagareServer } from '../testing/nagare-server';
import { Producer } from './producer';

const describeIfBuilt = serverBuilt() ? describe : describe.skip;
jest.setTimeout(60000);

describeIfBuilt('transactions against the nagare server', () => {
  let server: NagareServer;
  let admin: Admin;
  const closers: Array<() => Promise<unknown> | unknown> = [];
  beforeAll(async () => {
    server = await startNagareServer();
    admin = new Admin({ bootstrapServers: server.bootstrap });
    const created = await admin.createTopics([
      { name: 'txn-in', numPartitions: 2, replicationFactor: 1 },
      { name: 'txn-out', numPartitions: 3, replicationFactor: 1 },
      { name: 'txn-v1', numPartitions: 2, replicationFactor: 1 },
      { name: 'txn-zombie', numPartitions: 1, replicationFactor: 1 },
    ]);
    expect(created.map((c) => c.error)).toEqual([null, null, null, null]);
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });

  const producer = (transactionalId: string, extra: Partial<ConstructorParameters<typeof Producer>[0]> = {}) => {
    const p = new Producer({ bootstrapServers: server.bootstrap, transactionalId, lingerMs: 1, ...extra });
    closers.push(() => p.close(2000));
    return p;
  };
  const consumer = (groupId: string, isolationLevel: 'read_committed' | 'read_uncommitted', extra: Partial<ConstructorParameters<typeof Consumer>[0]> = {}) => {
    const c = new Consumer({ bootstrapServers: server.bootstrap, groupId, autoOffsetReset: 'earliest', isolationLevel, enableAutoCommit: false, ...extra });
    closers.push(() => c.close());
    return c;
  };
  /** Everything readable now: polls until `idleMs` pass without records. */
  const drainAll = async (c: Consumer, idleMs = 1500) => {
    const out: ConsumerRecord[] = [];
    let last = Date.now();
    while (Date.now() - last < idleMs) {
      const got = await c.poll(100);
      if (got.length > 0) {
        out.push(...got);
        last = Date.now();
      }
    }
    return out;
  };

  test('transaction.version 2: commit is visible to read_committed, abort is not; each transaction bumps the epoch', async () => {
    const p = producer('client-v2');
    await p.initTransactions();
    expect(p.transactionV2).toBe(true);
    const start = p.producerIdAndEpoch;
    expect(start.producerEpoch).toBe(0);

    p.beginTransaction();
    await p.send([0, 1, 2].map((i) => ({ topic: 'txn-out', partition: i, value: `committed-${i}` })));
    await p.commitTransaction();
    expect(p.producerIdAndEpoch).toEqual({ producerId: start.producerId, producerEpoch: 1 });

    p.beginTransaction();
    const sends = p.send([0, 1].map((i) => ({ topic: 'txn-out', partition: i, value: `aborted-${i}` })));
    await sends;
    await p.abortTransaction();
    expect(p.producerIdAndEpoch.producerEpoch).toBe(2);

    p.beginTransaction();
    await p.send({ topic: 'txn-out', partition: 2, value: 'committed-3' });
    await p.commitTransaction();

    const rc = consumer('g-rc-v2', 'read_committed');
    rc.assign([0, 1, 2].map((partition) => ({ topic: 'txn-out', partition })));
    const committed = (await drainAll(rc)).map((r) => r.value!.toString()).sort();
    expect(committed).toEqual(['committed-0', 'committed-1', 'committed-2', 'committed-3']);
    const ru = consumer('g-ru-v2', 'read_uncommitted');
    ru.assign([0, 1, 2].map((partition) => ({ topic: 'txn-out', partition })));
    expect((await drainAll(ru)).map((r) => r.value!.toString()).sort()).toEqual(['aborted-0', 'aborted-1', 'committed-0', 'committed-1', 'committed-2', 'committed-3']);
    // The last stable offset reached the end (markers included).
    const ends = await rc.endOffsets([0, 1, 2].map((partition) => ({ topic: 'txn-out', partition })));
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(6 + 6); // 6 records, a marker per partition of each transaction (3 + 2 + 1)
  });

  test('the earlier flow (EndTxn capped at v4): AddPartitionsToTxn, AddOffsetsToTxn, the same epoch throughout', async () => {
    const p = producer('client-v1', { maxApiVersions: { [ApiKey.EndTxn]: 4 } });
    await p.initTransactions();
    expect(p.transactionV2).toBe(false);
    const start = p.producerIdAndEpoch;
    for (let t = 0; t < 3; t++) {
      p.beginTransaction();
      await p.send([0, 1].map((partition) => ({ topic: 'txn-v1', partition, value: `v1-${t}-${partition}` })));
      if (t === 1) await p.abortTransaction();
      else await p.commitTransaction();
    }
    expect(p.producerIdAndEpoch).toEqual(start);
    const rc = consumer('g-rc-v1', 'read_committed');
    rc.assign([0, 1].map((partition) => ({ topic: 'txn-v1', partition })));
    expect((await drainAll(rc)).map((r) => r.value!.toString()).sort()).toEqual(['v1-0-0', 'v1-0-1', 'v1-2-0', 'v1-2-1']);
  });

  for (const v2 of [true, false]) {
    test(`consume-transform-produce with sendOffsetsToTransaction (${v2 ? 'TxnOffsetCommit v5' : 'AddOffsetsToTxn + TxnOffsetCommit v4'}): offsets move only with committed transactions`, async () => {
      const tag = v2 ? 'v2' : 'v1';
      const seed = producer(`seed-${tag}`);
      await seed.initTransactions();
      seed.beginTransaction();
      await seed.send(Array.from({ length: 10 }, (_, i) => ({ topic: 'txn-in', partition: i % 2, value: `${tag}-in-${i}` })));
      await seed.commitTransaction();

      const group = `ctp-${tag}`;
      const p = producer(`ctp-${tag}`, v2 ? {} : { maxApiVersions: { [ApiKey.EndTxn]: 4 } });
      await p.initTransactions();
      expect(p.transactionV2).toBe(v2);
      const c = consumer(group, 'read_committed');
      c.subscribe(['txn-in']);
      const input = (await consumeN(c, 10)).filter((r) => r.value!.toString().startsWith(`${tag}-in-`));
      expect(input.length).toBe(10);
      const offsetsOf = (records: ConsumerRecord[]) => {
        const next = new Map<string, { topic: string; partition: number; offset: number }>();
        for (const r of records) next.set(`${r.topic}-${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
        return [...next.values()];
      };

      // First: an aborted transaction over the first half; its offsets are not committed.
      p.beginTransaction();
      await p.send(input.slice(0, 5).map((r) => ({ topic: 'txn-out', partition: 0, value: `${tag}-out-${r.value}` })));
      await p.sendOffsetsToTransaction(offsetsOf(input.slice(0, 5)), c.groupMetadata());
      await p.abortTransaction();
      expect([...(await c.committed([0, 1].map((partition) => ({ topic: 'txn-in', partition })))).values()].every((o) => o === null)).toBe(true);

      // Then all of it, committed: outputs and offsets together.
      p.beginTransaction();
      await p.send(input.map((r) => ({ topic: 'txn-out', partition: 1, value: `${tag}-out-${r.value}` })));
      await p.sendOffsetsToTransaction(offsetsOf(input), c.groupMetadata());
      await p.commitTransaction();
      const expected = offsetsOf(input).sort((a, b) => a.partition - b.partition);
      const committed = await c.committed(expected);
      expect([...committed.values()].map((o) => o?.offset)).toEqual(expected.map((o) => o.offset));
      const rc = consumer(`check-${tag}`, 'read_committed');
      rc.assign([{ topic: 'txn-out', partition: 1 }, { topic: 'txn-out', partition: 0 }]);
      const out = (await drainAll(rc)).map((r) => r.value!.toString()).filter((v) => v.startsWith(`${tag}-out-`));
      expect(out.sort()).toEqual(input.map((r) => `${tag}-out-${r.value}`).sort());
    });
  }

  test('zombie fencing: the older producer of a transactional id fails fenced; nothing it writes after the fence is visible', async () => {
    const zombie = producer('fenced-id');
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic: 'txn-zombie', partition: 0, value: 'zombie-before' });

    const fresh = producer('fenced-id');
    await fresh.initTransactions(); // aborts the zombie's open transaction
    fresh.beginTransaction();
    await fresh.send({ topic: 'txn-zombie', partition: 0, value: 'fresh' });
    await fresh.commitTransaction();

    const late = zombie.send({ topic: 'txn-zombie', partition: 0, value: 'zombie-after' });
    const commit = late.then(() => zombie.commitTransaction());
    const err = await commit.then(
      () => null,
      (e: Error) => e,
    );
    expect(err).not.toBeNull();
    const cause = (err as Error & { cause?: unknown }).cause ?? err;
    expect([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.PRODUCER_FENCED]).toContain((cause as KafkaProtocolError).code);
    expect(zombie.transactionState).toBe('FATAL_ERROR');
    await expect(zombie.abortTransaction()).rejects.toThrow();

    const rc = consumer('g-zombie', 'read_committed');
    rc.assign([{ topic: 'txn-zombie', partition: 0 }]);
    expect((await drainAll(rc)).map((r) => r.value!.toString())).toEqual(['fresh']);
  });

  test('Admin.fenceProducers (KIP-797): bumps the epoch of each id, aborts its open transaction, fences its producer', async () => {
    await admin.createTopics([{ name: 'txn-fence', numPartitions: 1, replicationFactor: 1 }]);
    const p = producer('admin-fenced');
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 'txn-fence', partition: 0, value: 'open-when-fenced' });
    const before = p.producerIdAndEpoch;

    const res = await admin.fenceProducers(['admin-fenced', 'never-used-id'], { timeoutMs: 30000 });
    expect(res.map((r) => r.error)).toEqual([null, null]);
    expect(res[0]).toMatchObject({ transactionalId: 'admin-fenced', producerId: before.producerId });
    expect(res[0].producerEpoch).toBeGreaterThan(before.producerEpoch);
    expect(res[1].producerEpoch).toBe(0);
    const [d] = await admin.describeTransactions(['admin-fenced']);
    expect(d.producerEpoch).toBe(res[0].producerEpoch);
    expect(['Empty', 'CompleteAbort']).toContain(d.state);

    const err = await p.commitTransaction().then(
      () => null,
      (e: Error) => e,
    );
    const cause = (err as Error & { cause?: unknown }).cause ?? err;
    expect([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.PRODUCER_FENCED]).toContain((cause as KafkaProtocolError).code);
    const rc = consumer('g-admin-fenced', 'read_committed');
    rc.assign([{ topic: 'txn-fence', partition: 0 }]);
    expect(await drainAll(rc)).toEqual([]);
  });

  test('state checks as the Java client makes them', async () => {
    const p = producer('checks');
    await expect(p.send({ topic: 'txn-out', value: 'x' })).rejects.toThrow("Cannot perform a 'send' before completing a call to initTransactions");
    expect(() => p.beginTransaction()).toThrow('Invalid transition attempted from state UNINITIALIZED');
    await p.initTransactions();
    await expect(p.send({ topic: 'txn-out', value: 'x' })).rejects.toThrow('Cannot call send in state READY');
    await expect(p.commitTransaction()).rejects.toThrow('Invalid transition attempted from state READY');
    p.beginTransaction();
    expect(() => p.beginTransaction()).toThrow('Invalid transition attempted from state IN_TRANSACTION');
    // An empty transaction commits and aborts without EndTxn.
    await p.commitTransaction();
    p.beginTransaction();
    await p.abortTransaction();
    expect(() => new Producer({ bootstrapServers: server.bootstrap, transactionalId: 'x', enableIdempotence: false })).toThrow('Cannot set a transactional.id without also enabling idempotence.');
    const plain = new Producer({ bootstrapServers: server.bootstrap });
    closers.push(() => plain.close());
    await expect(plain.initTransactions()).rejects.toThrow('Cannot use transactional methods without enabling transactions');
    await delay(10);
  });
});
