/**
 * Transactions against a whole broker over TCP (real storage on the memory
 * file system, the real controller): the transaction.version 0/1 flow
 * (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn v4) and the
 * KIP-890 part 2 flow (Produce v12 adds the partition, EndTxn v5 bumps the
 * epoch), markers, read_committed fetches with aborted transactions and the
 * LSO, ListOffsets for read_committed, fencing, verification errors,
 * DescribeTransactions / ListTransactions / DescribeProducers,
 * FindCoordinator for transactional ids, and the timeout abort.
 */
import { ApiKey, ErrorCode, type FetchResponse } from '@nagare/protocol';
import { RecordBatchBuilder, iterateBatches } from '@nagare/records';
import { startTestBroker, TestClient, type TestBroker } from '../testing/test-broker';

jest.setTimeout(30000);

function txnBatch(pid: bigint, epoch: number, seq: number, values: string[], transactional = true): Buffer {
  const b = new RecordBatchBuilder({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq, isTransactional: transactional });
  for (const v of values) b.append({ timestamp: Date.now(), key: null, value: Buffer.from(v) });
  return b.build();
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('transactions on a broker', () => {
  let tb: TestBroker;
  let c: TestClient;

  beforeAll(async () => {
    tb = await startTestBroker({ 'num.partitions': '2', 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' });
    c = await TestClient.connect(tb.port);
    const created = await c.send(ApiKey.CreateTopics, 7, {
      topics: [{ name: 't', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10000,
      validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(0);
  });

  afterAll(async () => {
    c?.close();
    await tb?.stop();
  });

  const findCoordinator = async (key: string) => {
    for (;;) {
      const r = await c.send(ApiKey.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: [key] });
      const co = r.coordinators[0];
      if (co.errorCode === 0) return co;
      if (co.errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE && co.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw new Error(`FindCoordinator: ${co.errorCode}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  };

  const initPid = async (txnId: string, timeoutMs = 60000, version = 4) => {
    await findCoordinator(txnId);
    return waitFor(`InitProducerId ${txnId}`, async () => {
      const r = await c.send(ApiKey.InitProducerId, version, { transactionalId: txnId, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 });
      if (r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS || r.errorCode === ErrorCode.NOT_COORDINATOR) return undefined;
      expect(r.errorCode).toBe(0);
      return r;
    });
  };

  const produce = (txnId: string | null, partition: number, records: Buffer, version = 9) =>
    c.send(ApiKey.Produce, version, { transactionalId: txnId, acks: -1, timeoutMs: 5000, topicData: [{ name: 't', partitionData: [{ index: partition, records }] }] }).then((r) => r.responses[0].partitionResponses[0]);

  const fetch = (partition: number, offset: bigint, isolationLevel: number) =>
    c.send(ApiKey.Fetch, 12, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      forgottenTopicsData: [],
      rackId: '',
    }).then((r: FetchResponse) => r.responses[0].partitions[0]);

  const values = (records: Buffer | null) => {
    const out: string[] = [];
    if (!records) return out;
    for (const b of iterateBatches(records)) if (!b.header.isControl) for (const r of b.records()) out.push(r.value!.toString());
    return out;
  };

  const listOffsetsLatest = async (partition: number, isolationLevel: number) =>
    (await c.send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel, topics: [{ name: 't', partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n }] }], timeoutMs: 0 })).topics[0].partitions[0].offset;

  const addPartitions = (txnId: string, pid: bigint, epoch: number, partitions: number[], version = 3) =>
    c.send(ApiKey.AddPartitionsToTxn, version, { transactions: [], v3AndBelowTransactionalId: txnId, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: 't', partitions }] });

  const endTxn = (txnId: string, pid: bigint, epoch: number, committed: boolean, version = 4) =>
    c.send(ApiKey.EndTxn, version, { transactionalId: txnId, producerId: pid, producerEpoch: epoch, committed });

  const describe = async (txnId: string) => (await c.send(ApiKey.DescribeTransactions, 0, { transactionalIds: [txnId] })).transactionStates[0];

  const waitForState = (txnId: string, state: string) => waitFor(`${txnId} in ${state}`, async () => ((await describe(txnId)).transactionState === state ? true : undefined));

  it('commits and aborts: read_committed sees committed data only, with aborted transactions listed and the LSO held by open ones', async () => {
    const init = await initPid('tx-a');
    expect(init).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const { producerId: pid, producerEpoch: epoch } = init;

    // Without AddPartitionsToTxn the leader's verification refuses the transactional batch (KIP-890 part 1).
    const unverified = await produce('tx-a', 0, txnBatch(pid, epoch, 0, ['x']));
    expect(unverified).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: 'Partition was not added to the transaction' });

    const added = await addPartitions('tx-a', pid, epoch, [0]);
    expect(added.resultsByTopicV3AndBelow[0].resultsByPartition).toEqual([{ partitionIndex: 0, partitionErrorCode: 0 }]);
    expect(await produce('tx-a', 0, txnBatch(pid, epoch, 0, ['c1', 'c2']))).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(await describe('tx-a')).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', producerId: pid, producerEpoch: epoch, topics: [{ topic: 't', partitions: [0] }] });

    // Open transaction: read_committed stops at the LSO (0); read_uncommitted sees it.
    expect(await fetch(0, 0n, 1)).toMatchObject({ lastStableOffset: 0n, highWatermark: 2n });
    expect(values((await fetch(0, 0n, 1)).records)).toEqual([]);
    expect(values((await fetch(0, 0n, 0)).records)).toEqual(['c1', 'c2']);
    expect(await listOffsetsLatest(0, 1)).toBe(0n);
    expect(await listOffsetsLatest(0, 0)).toBe(2n);

    expect(await endTxn('tx-a', pid, epoch, true)).toMatchObject({ errorCode: 0 });
    await waitForState('tx-a', 'CompleteCommit');
    // The COMMIT marker is at offset 2; the LSO passes it.
    const committed = await fetch(0, 0n, 1);
    expect(committed.lastStableOffset).toBe(3n);
    expect(values(committed.records)).toEqual(['c1', 'c2']);
    expect(committed.abortedTransactions).toEqual([]);
    expect(await listOffsetsLatest(0, 1)).toBe(3n);

    // A second transaction with the same epoch (transaction.version < 2), aborted.
    expect((await addPartitions('tx-a', pid, epoch, [0])).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(0);
    expect(await produce('tx-a', 0, txnBatch(pid, epoch, 2, ['a1']))).toMatchObject({ errorCode: 0, baseOffset: 3n });
    expect(await endTxn('tx-a', pid, epoch, false)).toMatchObject({ errorCode: 0 });
    await waitForState('tx-a', 'CompleteAbort');
    const afterAbort = await fetch(0, 0n, 1);
    expect(afterAbort.lastStableOffset).toBe(5n);
    expect(afterAbort.abortedTransactions).toEqual([{ producerId: pid, firstOffset: 3n }]);
    // The raw records still hold the aborted one: the client drops it using aborted_transactions.
    expect(values(afterAbort.records)).toEqual(['c1', 'c2', 'a1']);

    // EndTxn retried after completion: NONE; the other outcome: INVALID_TXN_STATE.
    expect((await endTxn('tx-a', pid, epoch, false)).errorCode).toBe(0);
    expect((await endTxn('tx-a', pid, epoch, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);

    const producers = await c.send(ApiKey.DescribeProducers, 0, { topics: [{ name: 't', partitionIndexes: [0] }] });
    expect(producers.topics[0].partitions[0].activeProducers).toEqual([
      expect.objectContaining({ producerId: pid, producerEpoch: epoch, currentTxnStartOffset: -1n, coordinatorEpoch: 0 }),
    ]);
  });

  it('fences a zombie: a second InitProducerId aborts the open transaction; the old producer is refused and nothing it wrote is visible', async () => {
    const first = await initPid('tx-z');
    expect((await addPartitions('tx-z', first.producerId, first.producerEpoch, [1])).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(0);
    const before = Number(await listOffsetsLatest(1, 0));
    expect((await produce('tx-z', 1, txnBatch(first.producerId, first.producerEpoch, 0, ['zombie-1']))).errorCode).toBe(0);

    // A new instance: the first InitProducerId answers CONCURRENT_TRANSACTIONS while the open transaction is aborted.
    const r1 = await c.send(ApiKey.InitProducerId, 4, { transactionalId: 'tx-z', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    expect(r1.errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    const second = await initPid('tx-z');
    expect(second.producerId).toBe(first.producerId);
    // Fenced at epoch+1, aborted at epoch+2 (transaction.version 2 bumps the abort), then bumped for the new producer.
    expect(second.producerEpoch).toBe(first.producerEpoch + 3);

    // The zombie: its data, its AddPartitionsToTxn and its EndTxn are refused.
    expect((await produce('tx-z', 1, txnBatch(first.producerId, first.producerEpoch, 1, ['zombie-2']))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await addPartitions('tx-z', first.producerId, first.producerEpoch, [1])).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await addPartitions('tx-z', first.producerId, first.producerEpoch, [1], 1)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn('tx-z', first.producerId, first.producerEpoch, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await endTxn('tx-z', first.producerId, first.producerEpoch, true, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const r = await fetch(1, BigInt(before), 1);
    // Only zombie-1 reached the log (before the fence), inside the transaction the fence aborted.
    expect(values(r.records)).toEqual(['zombie-1']);
    expect(r.abortedTransactions).toEqual([{ producerId: first.producerId, firstOffset: BigInt(before) }]);
  });

  it('KIP-890 part 2: Produce v12 adds the partition, EndTxn v5 bumps the epoch every transaction, retries get the same answer', async () => {
    const init = await initPid('tx-v2', 60000, 5);
    let epoch = init.producerEpoch;
    const pid = init.producerId;
    // No AddPartitionsToTxn: the leader adds the partition for the v12 producer.
    expect(await produce('tx-v2', 0, txnBatch(pid, epoch, 0, ['v2-a']), 12)).toMatchObject({ errorCode: 0 });
    expect(await describe('tx-v2')).toMatchObject({ transactionState: 'Ongoing', topics: [{ topic: 't', partitions: [0] }] });
    const end = await endTxn('tx-v2', pid, epoch, true, 5);
    expect(end).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: epoch + 1 });
    // A retry of the same EndTxn: the same answer (CONCURRENT_TRANSACTIONS while markers are written).
    const retry = await waitFor('EndTxn retry', async () => {
      const x = await endTxn('tx-v2', pid, epoch, true, 5);
      return x.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS ? undefined : x;
    });
    expect(retry).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: epoch + 1 });
    // The old epoch is fenced on the partition (the COMMIT marker carried epoch + 1).
    expect((await produce('tx-v2', 0, txnBatch(pid, epoch, 1, ['late']), 12)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    epoch = end.producerEpoch;
    expect(await produce('tx-v2', 0, txnBatch(pid, epoch, 0, ['v2-b']), 12)).toMatchObject({ errorCode: 0 });
    expect(await endTxn('tx-v2', pid, epoch, false, 5)).toMatchObject({ errorCode: 0, producerEpoch: epoch + 1 });
    await waitForState('tx-v2', 'CompleteAbort');
  });

  it('aborts a transaction that outlives its timeout and fences its producer', async () => {
    const init = await initPid('tx-timeout', 500);
    await addPartitions('tx-timeout', init.producerId, init.producerEpoch, [1]);
    expect((await produce('tx-timeout', 1, txnBatch(init.producerId, init.producerEpoch, 0, ['slow']))).errorCode).toBe(0);
    await waitForState('tx-timeout', 'CompleteAbort');
    const d = await describe('tx-timeout');
    expect(d.producerEpoch).toBeGreaterThan(init.producerEpoch);
    expect((await endTxn('tx-timeout', init.producerId, init.producerEpoch, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    const p = tb.broker.replicas.require('t', 1).log;
    expect(p.lastStableOffset).toBe(p.logEndOffset);
  });

  it('markers and verification reach partition leaders and coordinators over the inter-broker listener as they would another broker', async () => {
    const sender = tb.broker.interBroker;
    sender.forceNetwork = true;
    try {
      const before = { ...sender.sent };
      const init = await initPid('tx-net', 60000, 5);
      // Produce v12: the leader adds the partition with AddPartitionsToTxn v5 over TCP.
      expect(await produce('tx-net', 1, txnBatch(init.producerId, init.producerEpoch, 0, ['net-1']), 12)).toMatchObject({ errorCode: 0 });
      expect(await endTxn('tx-net', init.producerId, init.producerEpoch, true, 5)).toMatchObject({ errorCode: 0 });
      await waitForState('tx-net', 'CompleteCommit');
      // AddPartitionsToTxn and WriteTxnMarkers went over the network, none in-process.
      expect(sender.sent.remote - before.remote).toBeGreaterThanOrEqual(2);
      expect(sender.sent.local).toBe(before.local);
      const p = tb.broker.replicas.require('t', 1).log;
      expect(p.lastStableOffset).toBe(p.logEndOffset);
    } finally {
      sender.forceNetwork = false;
    }
  });

  it('transaction.partition.verification.enable is a dynamic cluster-wide config', async () => {
    const set = async (value: string | null) => {
      const r = await c.send(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'transaction.partition.verification.enable', configOperation: value === null ? 1 : 0, value }] }],
        validateOnly: false,
      });
      expect(r.responses[0].errorCode).toBe(0);
      await waitFor('the config to apply', () => (tb.broker.replicas.transactionVerificationEnabled === (value !== 'false') ? true : undefined));
    };
    const init = await initPid('tx-noverify');
    await set('false');
    try {
      // Not added to the transaction, yet appended: nothing verifies it now (Kafka before 3.6).
      expect((await produce('tx-noverify', 0, txnBatch(init.producerId, init.producerEpoch, 0, ['unverified']))).errorCode).toBe(0);
    } finally {
      await set(null);
    }
    const again = await initPid('tx-noverify');
    expect((await produce('tx-noverify', 1, txnBatch(again.producerId, again.producerEpoch, 0, ['y']))).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('validates requests as Kafka does', async () => {
    expect((await c.send(ApiKey.InitProducerId, 4, { transactionalId: 'tx-bad', transactionTimeoutMs: 900001, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await c.send(ApiKey.InitProducerId, 4, { transactionalId: '', transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await c.send(ApiKey.InitProducerId, 4, { transactionalId: 'tx-bad', transactionTimeoutMs: 1000, producerId: 5n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await endTxn('tx-unknown', 1n, 0, true)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const unknownTopic = await c.send(ApiKey.AddPartitionsToTxn, 3, {
      transactions: [],
      v3AndBelowTransactionalId: 'tx-a',
      v3AndBelowProducerId: 1n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 't', partitions: [0] }, { name: 'nope', partitions: [0] }],
    });
    expect(unknownTopic.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition[0].partitionErrorCode])).toEqual([
      ['t', ErrorCode.OPERATION_NOT_ATTEMPTED],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    // Transactional batches without a transactional id.
    expect((await produce(null, 0, txnBatch(99n, 0, 0, ['x']))).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await describe('tx-unknown')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const list = await c.send(ApiKey.ListTransactions, 1, { stateFilters: ['CompleteCommit', 'Bogus'], producerIdFilters: [], durationFilter: -1n });
    expect(list.unknownStateFilters).toEqual(['Bogus']);
    expect(list.transactionStates.every((s) => s.transactionState === 'CompleteCommit')).toBe(true);
  });
});
