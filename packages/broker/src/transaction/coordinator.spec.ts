/**
 * The transaction coordinator on the runtime, over the in-memory store:
 * InitProducerId (new ids, bumps, KIP-360 retries, fencing, producer id
 * rotation), the transaction lifecycle and its records, markers (content,
 * retries, fencing, deleted topics), unload/reload with markers resumed,
 * timeouts, transactional id expiration, KIP-890 part 2 epoch bumps and the
 * epoch overflow, verification, and the record bytes.
 */
import { ErrorCode } from '@nagare/protocol';
import { MemoryOffsetsTopicStore } from '../group/memory-store';
import { transactionRecordSerde, encodeTransactionLogKey, encodeTransactionLogValue, decodeTransactionLogValue } from './records';
import { MAX_EPOCH, type TransactionMetadata } from './state';
import { txnHarness, tp, flush, type TxnHarness } from './__fixtures__/harness';

async function started(opts: Parameters<typeof txnHarness>[0] = {}): Promise<TxnHarness> {
  const h = txnHarness(opts);
  await h.coord.start();
  return h;
}

/** The states written to a transactional id's partition, in order. */
function statesWritten(h: TxnHarness, id: string): string[] {
  const out: string[] = [];
  for (let p = 0; p < h.store.partitionCount; p++) {
    for (const r of h.store.records(p)) {
      const rec = transactionRecordSerde.deserialize(r.key!, r.value);
      if (rec?.transactionalId === id) out.push(rec.metadata?.state ?? 'tombstone');
    }
  }
  return out;
}

async function completeTxn(h: TxnHarness, id: string) {
  for (let i = 0; i < 20 && h.coord.transaction(id)?.state.startsWith('Prepare'); i++) await h.advance(100);
}

describe('InitProducerId', () => {
  it('hands a new transactional id a producer id at epoch 0, then bumps the epoch for each new instance', async () => {
    const h = await started();
    expect(await h.coord.initProducerId('a', 60000, null)).toEqual({ errorCode: 0, producerId: 1000n, producerEpoch: 0 });
    expect(await h.coord.initProducerId('a', 60000, null)).toEqual({ errorCode: 0, producerId: 1000n, producerEpoch: 1 });
    expect(await h.coord.initProducerId('b', 30000, null)).toEqual({ errorCode: 0, producerId: 1001n, producerEpoch: 0 });
    expect(h.coord.transaction('a')).toMatchObject({ state: 'Empty', txnTimeoutMs: 60000, partitions: [] });
    expect(statesWritten(h, 'a')).toEqual(['Empty', 'Empty']);
  });

  it('KIP-360: the current epoch bumps, a retry of that bump gets the same answer, an older epoch is fenced', async () => {
    const h = await started();
    const first = await h.coord.initProducerId('a', 60000, null);
    const bumped = await h.coord.initProducerId('a', 60000, { producerId: first.producerId, producerEpoch: 0 });
    expect(bumped).toEqual({ errorCode: 0, producerId: 1000n, producerEpoch: 1 });
    // The response was lost: the producer retries with the epoch it had.
    expect(await h.coord.initProducerId('a', 60000, { producerId: first.producerId, producerEpoch: 0 })).toEqual(bumped);
    // Another producer took over (no expected epoch): the last epoch is forgotten, so the old one is fenced.
    expect((await h.coord.initProducerId('a', 60000, null)).producerEpoch).toBe(2);
    expect((await h.coord.initProducerId('a', 60000, { producerId: first.producerId, producerEpoch: 1 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await h.coord.initProducerId('a', 60000, { producerId: 77n, producerEpoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('rotates to a new producer id when the epoch runs out', async () => {
    const h = await started();
    await h.coord.initProducerId('a', 60000, null);
    // Bring the epoch to the end of its range through a record, as a long-lived id would have it.
    const m = h.coord.transaction('a')!;
    h.store.append(h.coord.partitionFor('a'), [transactionRecordSerde.serialize({ transactionalId: 'a', metadata: { ...m, producerEpoch: MAX_EPOCH - 1 } })], { timestampMs: 0 });
    const h2 = txnHarness({ store: h.store, firstProducerId: 5000n });
    await h2.coord.start();
    const rotated = await h2.coord.initProducerId('a', 60000, { producerId: 1000n, producerEpoch: MAX_EPOCH - 1 });
    expect(rotated).toEqual({ errorCode: 0, producerId: 5000n, producerEpoch: 0 });
    expect(h2.coord.transaction('a')).toMatchObject({ producerId: 5000n, prevProducerId: 1000n, producerEpoch: 0, lastProducerEpoch: MAX_EPOCH - 1 });
    // The answer was lost: the producer retries with its old id and exhausted epoch and gets the same answer.
    expect(await h2.coord.initProducerId('a', 60000, { producerId: 1000n, producerEpoch: MAX_EPOCH - 1 })).toEqual(rotated);
    // Without an expected epoch a rotation remembers none: a later retry of the old producer is fenced.
    expect((await h2.coord.initProducerId('a', 60000, null)).producerEpoch).toBe(1);
    expect((await h2.coord.initProducerId('a', 60000, { producerId: 1000n, producerEpoch: MAX_EPOCH - 1 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('checks the timeout and the id', async () => {
    const h = await started({ config: { transactionMaxTimeoutMs: 1000 } });
    expect((await h.coord.initProducerId('a', 1001, null)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await h.coord.initProducerId('a', 0, null)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await h.coord.initProducerId('', 100, null)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('a transaction', () => {
  it('goes Empty -> Ongoing -> PrepareCommit -> CompleteCommit, with markers to every partition with the coordinator epoch', async () => {
    const h = await started({ transactionVersion: 0 });
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    expect(await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0), tp('u', 1)])).toBe(0);
    // Adding what is already there writes nothing.
    const before = h.store.records(h.coord.partitionFor('a')).length;
    expect(await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)])).toBe(0);
    expect(h.store.records(h.coord.partitionFor('a')).length).toBe(before);
    expect(await h.coord.addOffsets('a', producerId, producerEpoch, 'group-1')).toBe(0);
    const m = h.coord.transaction('a')!;
    expect(m.partitions.map((p) => `${p.topic}-${p.partition}`)).toEqual(['__consumer_offsets-' + m.partitions[0].partition, 't-0', 'u-1']);
    expect(m.txnStartTimestamp).toBe(h.clock.now());

    expect(await h.coord.endTransaction('a', producerId, producerEpoch, true, 0)).toEqual({ errorCode: 0, producerId, producerEpoch });
    await flush();
    await completeTxn(h, 'a');
    expect(h.markers).toEqual([{ node: 1, producerId, producerEpoch, coordinatorEpoch: 0, result: 'COMMIT', partitions: expect.arrayContaining(['t-0', 'u-1']) }]);
    expect(h.coord.transaction('a')).toMatchObject({ state: 'CompleteCommit', partitions: [], producerEpoch });
    expect(statesWritten(h, 'a')).toEqual(['Empty', 'Ongoing', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
    // Retried EndTxn: NONE for the same outcome, INVALID_TXN_STATE for the other.
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, true, 0)).errorCode).toBe(0);
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, false, 0)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // The next transaction starts from CompleteCommit with the same epoch (transaction.version < 2).
    expect(await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 1)])).toBe(0);
    expect(h.coord.transaction('a')).toMatchObject({ state: 'Ongoing', partitions: [tp('t', 1)] });
  });

  it('answers errors as Kafka does', async () => {
    const h = await started({ transactionVersion: 0 });
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    expect(await h.coord.addPartitions('missing', producerId, 0, [tp('t', 0)])).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await h.coord.addPartitions('a', producerId + 1n, producerEpoch, [tp('t', 0)])).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await h.coord.addPartitions('a', producerId, producerEpoch + 1, [tp('t', 0)])).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, true, 0)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)]);
    h.leaders.set('t', -1); // no leader: the markers wait
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, false, 0)).errorCode).toBe(0);
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, false, 0)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, true, 0)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // AddPartitionsToTxn waits a while for the markers, then answers CONCURRENT_TRANSACTIONS.
    const adding = h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 1)]);
    await h.advance(5000);
    expect(await adding).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await h.coord.initProducerId('a', 60000, null)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await h.coord.describe('a')).topics).toEqual([{ topic: 't', partitions: [0] }]);
    h.leaders.delete('t');
    await completeTxn(h, 'a');
    expect(h.coord.transaction('a')?.state).toBe('CompleteAbort');
    expect((await h.coord.describe('a')).topics).toEqual([]);
  });

  it('verifies partitions for partition leaders (KIP-890 part 1)', async () => {
    const h = await started();
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)]);
    const codes = (m: Map<{ topic: string; partition: number }, number>) => [...m].map(([p, c]) => [`${p.topic}-${p.partition}`, c]);
    expect(codes(await h.coord.verifyPartitions('a', producerId, producerEpoch, [tp('t', 0), tp('t', 1)]))).toEqual([
      ['t-0', 0],
      ['t-1', ErrorCode.TRANSACTION_ABORTABLE],
    ]);
    expect(codes(await h.coord.verifyPartitions('a', producerId, producerEpoch - 1, [tp('t', 0)]))).toEqual([['t-0', ErrorCode.PRODUCER_FENCED]]);
    expect(codes(await h.coord.verifyPartitions('a', 1n, producerEpoch, [tp('t', 0)]))).toEqual([['t-0', ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    h.leaders.set('t', -1);
    await h.coord.endTransaction('a', producerId, producerEpoch, true, 0);
    const verifying = h.coord.verifyPartitions('a', producerId, producerEpoch, [tp('t', 0)]);
    await h.advance(5000);
    expect(codes(await verifying)).toEqual([['t-0', ErrorCode.CONCURRENT_TRANSACTIONS]]);
  });

  it('a producer starting its next transaction while the markers of the last one are written waits for them instead of retrying', async () => {
    const h = await started({ transactionVersion: 2 });
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)], 2);
    h.leaders.set('t', -1); // the markers wait for a leader
    const end = await h.coord.endTransaction('a', producerId, producerEpoch, true, 2);
    // The leader adds t-1 for the next transaction (KIP-890 part 2) with the epoch EndTxn returned.
    const adding = h.coord.addPartitions('a', end.producerId, end.producerEpoch, [tp('t', 1)], 2);
    await h.advance(300);
    expect(h.coord.transaction('a')?.state).toBe('PrepareCommit');
    h.leaders.delete('t');
    await h.advance(1000);
    expect(await adding).toBe(ErrorCode.NONE);
    expect(h.coord.transaction('a')).toMatchObject({ state: 'Ongoing', partitions: [tp('t', 1)], producerEpoch: end.producerEpoch });
    expect(statesWritten(h, 'a')).toEqual(['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit', 'Ongoing']);
  });
});

describe('markers', () => {
  it('are retried on retriable errors and connection failures, and dropped when a newer producer or coordinator fenced them', async () => {
    const h = await started();
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0), tp('t', 1)]);
    h.failures.set('t-0', [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT]);
    h.state.sendFailures = 1;
    await h.coord.endTransaction('a', producerId, producerEpoch, true, 0);
    await flush();
    expect(h.coord.transaction('a')?.state).toBe('PrepareCommit');
    await completeTxn(h, 'a');
    expect(h.coord.transaction('a')?.state).toBe('CompleteCommit');
    // t-1 written once (second request), t-0 after two retriable errors.
    expect(h.markers.filter((m) => m.partitions.includes('t-0')).length).toBe(3);

    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 2)]);
    h.failures.set('t-2', [ErrorCode.TRANSACTION_COORDINATOR_FENCED]);
    await h.coord.endTransaction('a', producerId, producerEpoch, false, 0);
    await h.advance(2000);
    expect(h.coord.transaction('a')?.state).toBe('PrepareAbort');
    expect(h.coord.markers.pending()).toBe(0);
  });

  it('skip partitions of deleted topics', async () => {
    const h = await started({ topics: ['t', 'gone'] });
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0), tp('gone', 0)]);
    h.topics.delete('gone');
    await h.coord.endTransaction('a', producerId, producerEpoch, true, 0);
    await completeTxn(h, 'a');
    expect(h.coord.transaction('a')?.state).toBe('CompleteCommit');
    expect(h.markers.flatMap((m) => m.partitions)).toEqual(['t-0']);
  });
});

describe('leadership', () => {
  it('requests get NOT_COORDINATOR while the partition is elsewhere; a new leader resends the markers of prepared transactions', async () => {
    const store = new MemoryOffsetsTopicStore(3);
    const h = txnHarness({ store });
    await h.coord.start();
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)]);
    h.leaders.set('t', -1);
    await h.coord.endTransaction('a', producerId, producerEpoch, true, 0);
    const p = h.coord.partitionFor('a');
    h.coord.onResignation(p, 1);
    expect(h.coord.markers.pending()).toBe(0);
    expect((await h.coord.initProducerId('a', 60000, null)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await h.coord.describe('a')).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

    // Another broker becomes the coordinator (a fresh coordinator over the same log, at a newer epoch).
    const h2 = txnHarness({ store, transactionVersion: 2, leadership: 'external' });
    h2.leaders.set('t', -1);
    await h2.coord.start();
    await h2.coord.onElection(p, 5);
    expect(h2.coord.transaction('a')).toMatchObject({ state: 'PrepareCommit', producerId, lastProducerEpoch: -1 });
    h2.leaders.delete('t');
    await completeTxn(h2, 'a');
    expect(h2.coord.transaction('a')?.state).toBe('CompleteCommit');
    expect(h2.markers).toEqual([expect.objectContaining({ coordinatorEpoch: 5, result: 'COMMIT', partitions: ['t-0'] })]);
  });

  it('a shard that stays but is elected again at a newer epoch resends pending markers with that coordinator epoch', async () => {
    const h = txnHarness({ leadership: 'external' });
    await h.coord.start();
    for (let p = 0; p < 3; p++) await h.coord.onElection(p, 1);
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 60000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)]);
    h.leaders.set('t', -1);
    await h.coord.endTransaction('a', producerId, producerEpoch, false, 0);
    expect((await h.coord.describe('a')).errorCode).toBe(0);
    await h.coord.onElection(h.coord.partitionFor('a'), 2);
    h.leaders.delete('t');
    await completeTxn(h, 'a');
    expect(h.coord.transaction('a')?.state).toBe('CompleteAbort');
    expect(h.markers.map((m) => m.coordinatorEpoch)).toEqual([2]);
  });
});

describe('timeouts and expiration', () => {
  it('aborts transactions open longer than their timeout, fencing the producer', async () => {
    const h = await started({ transactionVersion: 0 });
    const { producerId, producerEpoch } = await h.coord.initProducerId('a', 5000, null);
    await h.coord.addPartitions('a', producerId, producerEpoch, [tp('t', 0)]);
    await h.advance(4000);
    expect(h.coord.transaction('a')?.state).toBe('Ongoing');
    await h.advance(2000);
    await completeTxn(h, 'a');
    expect(h.coord.transaction('a')).toMatchObject({ state: 'CompleteAbort', producerEpoch: producerEpoch + 1 });
    expect(h.markers).toEqual([expect.objectContaining({ result: 'ABORT', producerEpoch: producerEpoch + 1 })]);
    expect((await h.coord.endTransaction('a', producerId, producerEpoch, true, 0)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(statesWritten(h, 'a')).toEqual(['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort']);
  });

  it('expires transactional ids idle for transactional.id.expiration.ms with tombstones; open transactions stay', async () => {
    const h = await started({ config: { transactionalIdExpirationMs: 60000, removeExpiredTransactionalIdsIntervalMs: 10000, transactionMaxTimeoutMs: 900000 } });
    await h.coord.initProducerId('idle', 60000, null);
    const busy = await h.coord.initProducerId('busy', 900000, null);
    await h.coord.addPartitions('busy', busy.producerId, busy.producerEpoch, [tp('t', 0)]);
    await h.advance(70000);
    expect(h.coord.transaction('idle')).toBeUndefined();
    expect(h.coord.transaction('busy')?.state).toBe('Ongoing');
    expect((await h.coord.describe('idle')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(statesWritten(h, 'idle')).toEqual(['Empty', 'tombstone']);
    // An expired id starts over with a new producer id.
    expect((await h.coord.initProducerId('idle', 60000, null)).producerId).not.toBe(1000n);
  });
});

describe('KIP-890 part 2 (transaction.version 2)', () => {
  it('bumps the epoch with every EndTxn v5 and moves to a new producer id when the epoch runs out', async () => {
    const h = await started({ transactionVersion: 2 });
    const init = await h.coord.initProducerId('a', 60000, null);
    // Partitions added by the leader (clientTransactionVersion 2).
    expect(await h.coord.addPartitions('a', init.producerId, init.producerEpoch, [tp('t', 0)], 2)).toBe(0);
    const end = await h.coord.endTransaction('a', init.producerId, init.producerEpoch, true, 2);
    expect(end).toEqual({ errorCode: 0, producerId: init.producerId, producerEpoch: init.producerEpoch + 1 });
    await completeTxn(h, 'a');
    // The markers carry the bumped epoch: the old epoch is fenced on the partitions.
    expect(h.markers[0].producerEpoch).toBe(init.producerEpoch + 1);
    expect(await h.coord.endTransaction('a', init.producerId, init.producerEpoch, true, 2)).toEqual(end);

    // Near the end of the range.
    const m = h.coord.transaction('a')!;
    const p = h.coord.partitionFor('a');
    h.store.append(p, [transactionRecordSerde.serialize({ transactionalId: 'a', metadata: { ...m, state: 'Ongoing', producerEpoch: MAX_EPOCH - 2, partitions: [tp('t', 0)], txnStartTimestamp: 1 } })], { timestampMs: 0 });
    const h2 = txnHarness({ store: h.store, firstProducerId: 9000n, transactionVersion: 2 });
    await h2.coord.start();
    const last = await h2.coord.endTransaction('a', init.producerId, MAX_EPOCH - 2, true, 2);
    expect(last).toEqual({ errorCode: 0, producerId: init.producerId, producerEpoch: MAX_EPOCH - 1 });
    await h2.coord.addPartitions('a', init.producerId, MAX_EPOCH - 1, [tp('t', 0)], 2);
    h2.leaders.set('t', -1);
    const overflow = await h2.coord.endTransaction('a', init.producerId, MAX_EPOCH - 1, false, 2);
    expect(overflow).toEqual({ errorCode: 0, producerId: 9000n, producerEpoch: 0 });
    expect(h2.coord.transaction('a')).toMatchObject({ state: 'PrepareAbort', nextProducerId: 9000n, producerEpoch: MAX_EPOCH });
    h2.leaders.delete('t');
    await completeTxn(h2, 'a');
    expect(h2.coord.transaction('a')).toMatchObject({ state: 'CompleteAbort', producerId: 9000n, prevProducerId: init.producerId, producerEpoch: 0 });
    // A retry from the old producer id with the exhausted epoch: the new id again.
    expect(await h2.coord.endTransaction('a', init.producerId, MAX_EPOCH - 1, false, 2)).toEqual({ errorCode: 0, producerId: 9000n, producerEpoch: 0 });
  });
});

describe('DescribeTransactions and ListTransactions', () => {
  it('describe one id and list by state, producer id and duration', async () => {
    const h = await started();
    const a = await h.coord.initProducerId('a', 60000, null);
    const b = await h.coord.initProducerId('b', 60000, null);
    await h.coord.addPartitions('b', b.producerId, b.producerEpoch, [tp('t', 3), tp('t', 1), tp('u', 0)]);
    h.clock.advance(5000);
    expect(await h.coord.describe('b')).toEqual({
      errorCode: 0,
      transactionalId: 'b',
      transactionState: 'Ongoing',
      transactionTimeoutMs: 60000,
      transactionStartTimeMs: BigInt(h.clock.now() - 5000),
      producerId: b.producerId,
      producerEpoch: 0,
      topics: [
        { topic: 't', partitions: [1, 3] },
        { topic: 'u', partitions: [0] },
      ],
    });
    const names = async (...args: Parameters<TxnHarness['coord']['list']>) => (await h.coord.list(...args)).transactionStates.map((s) => s.transactionalId).sort();
    expect(await names([], [], -1)).toEqual(['a', 'b']);
    expect(await names(['Ongoing'], [], -1)).toEqual(['b']);
    expect(await names([], [a.producerId], -1)).toEqual(['a']);
    expect(await names(['Ongoing'], [], 10000)).toEqual([]);
    expect(await names(['Ongoing'], [], 1000)).toEqual(['b']);
    expect((await h.coord.list(['Nope'], [], -1)).unknownStateFilters).toEqual(['Nope']);
  });
});

describe('records', () => {
  it('are Kafka bytes: key v0 (int16 version, string id); value v0 and flexible v1 with the KIP-890 tagged fields', () => {
    expect(encodeTransactionLogKey('tx').toString('hex')).toBe('0000' + '0002' + '7478');
    const m: TransactionMetadata = {
      transactionalId: 'tx',
      producerId: 5n,
      prevProducerId: 4n,
      nextProducerId: -1n,
      producerEpoch: 3,
      lastProducerEpoch: 2,
      txnTimeoutMs: 60000,
      state: 'Ongoing',
      partitions: [tp('t', 1), tp('t', 0)],
      txnStartTimestamp: 10,
      txnLastUpdateTimestamp: 11,
      clientTransactionVersion: 2,
    };
    const v0 = encodeTransactionLogValue(m, 0);
    expect(v0.toString('hex')).toBe(
      [
        '0000', // version
        '0000000000000005', // producer id
        '0003', // epoch
        '0000ea60', // timeout
        '01', // Ongoing
        '00000001', // one topic
        '0001' + '74', // "t"
        '00000002' + '00000000' + '00000001', // partitions 0, 1
        '000000000000000b', // last update
        '000000000000000a', // start
      ].join(''),
    );
    const v1 = encodeTransactionLogValue(m, 1);
    expect(v1.toString('hex')).toBe(
      [
        '0001',
        '0000000000000005',
        '0003',
        '0000ea60',
        '01',
        '02', // compact array: 1 topic
        '02' + '74', // compact string "t"
        '03' + '00000000' + '00000001', // compact array of 2
        '00', // topic tagged fields
        '000000000000000b',
        '000000000000000a',
        '02', // two tagged fields: PreviousProducerId (0), ClientTransactionVersion (2)
        '00' + '08' + '0000000000000004',
        '02' + '02' + '0002',
      ].join(''),
    );
    expect(decodeTransactionLogValue('tx', v1)).toEqual({ ...m, partitions: [tp('t', 0), tp('t', 1)], lastProducerEpoch: -1 });
    // Empty carries null partitions.
    expect(encodeTransactionLogValue({ ...m, state: 'Empty', partitions: [] }, 0).subarray(17, 21).toString('hex')).toBe('ffffffff');
  });
});
