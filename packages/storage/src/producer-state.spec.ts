import { ErrorCode } from '@nagare/protocol';
import { T0, batchOf, marker, memLog, readAllRecords, str } from './__fixtures__/helpers';
import { ProducerStateManager, VerificationGuard } from './producer-state';

const P = 4242;

function produce(log: ReturnType<typeof memLog>['log'], seq: number, n = 2, epoch = 0, pid = P, transactional = false) {
  return log.appendAsLeader(
    batchOf(
      Array.from({ length: n }, (_, i) => ({ key: `k${seq + i}`, value: `s${seq + i}` })),
      { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional },
    ),
    { leaderEpoch: 0 },
  );
}

describe('idempotent producer', () => {
  it('accepts in-order sequences and answers a retry of any of the last 5 batches with the original offsets', () => {
    const { log } = memLog();
    const results = [];
    for (let i = 0; i < 7; i++) results.push(produce(log, i * 2));
    expect(results.map((r) => r.baseOffset)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    const leo = log.logEndOffset;
    for (let i = 2; i < 7; i++) {
      const dup = produce(log, i * 2);
      expect(dup).toMatchObject({ errorCode: 0, duplicate: true, baseOffset: i * 2, lastOffset: i * 2 + 1 });
    }
    expect(log.logEndOffset).toBe(leo);
    // Older than the last 5: no longer recognisable, and out of order.
    expect(produce(log, 2).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(readAllRecords(log).length).toBe(14);
  });

  it('rejects gaps, stale epochs; a new epoch must start at 0; unknown producers must start at 0', () => {
    const { log } = memLog();
    expect(produce(log, 0).errorCode).toBe(0);
    expect(produce(log, 5).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(produce(log, 3, 2, 1).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(produce(log, 0, 2, 1).errorCode).toBe(0);
    expect(produce(log, 2, 2, 0).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(produce(log, 7, 2, 0, 999).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const r = produce(log, 2, 2, 1);
    expect(r).toMatchObject({ errorCode: 0, baseOffset: 4 });
    expect(log.producerStates()).toEqual([{ producerId: P, producerEpoch: 1, lastSequence: 3, lastTimestamp: T0, coordinatorEpoch: -1, currentTxnStartOffset: -1 }]);
  });

  it('sequence numbers wrap from INT32_MAX to 0', () => {
    const { log } = memLog();
    const max = 0x7fffffff;
    expect(produce(log, 0).errorCode).toBe(0);
    // Walk the state to near the end of the range through a new epoch is not possible; use replay of a fabricated state.
    const e = log.producerEntry(P)!;
    e.batches[e.batches.length - 1].lastSeq = max - 1;
    expect(produce(log, max, 1).errorCode).toBe(0);
    expect(produce(log, 0, 1).errorCode).toBe(0);
  });

  it('a duplicate inside a multi-batch append is refused as a whole', () => {
    const { log } = memLog();
    produce(log, 0);
    const two = Buffer.concat([
      batchOf(2, { producerId: P, producerEpoch: 0, baseSequence: 2 }),
      batchOf(2, { producerId: P, producerEpoch: 0, baseSequence: 0 }),
    ]);
    expect(log.appendAsLeader(two, { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
    expect(log.logEndOffset).toBe(2);
    const ok = Buffer.concat([batchOf(2, { producerId: P, producerEpoch: 0, baseSequence: 2 }), batchOf(2, { producerId: P, producerEpoch: 0, baseSequence: 4 })]);
    expect(log.appendAsLeader(ok, { leaderEpoch: 0 })).toMatchObject({ errorCode: 0, baseOffset: 2, lastOffset: 5 });
  });

  it('state survives a clean close/reopen (snapshot) and an unclean one (log replay)', () => {
    const t = memLog({ segmentBytes: 400 });
    for (let i = 0; i < 10; i++) expect(produce(t.log, i * 2).errorCode).toBe(0);
    t.log.close();
    let log = t.reopen({ hadCleanShutdown: true });
    expect(produce(log, 18)).toMatchObject({ duplicate: true, baseOffset: 18 });
    expect(produce(log, 22).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(produce(log, 20).errorCode).toBe(0);
    log.flush();
    // Unclean: no close, crash, reopen without the marker. Snapshots are wiped too: pure log replay.
    t.fs.crash({ mode: 'lose-unsynced' });
    for (const f of t.fs.listFiles()) if (f.endsWith('.snapshot')) t.fs.unlink(f);
    log = t.reopen({ hadCleanShutdown: false });
    expect(log.ranRecovery).toBe(true);
    expect(produce(log, 20)).toMatchObject({ duplicate: true, baseOffset: 20 });
    expect(produce(log, 22)).toMatchObject({ errorCode: 0, baseOffset: 22 });
  });

  it('a producer removed by retention gets UNKNOWN_PRODUCER_ID for a non-zero sequence', () => {
    const t = memLog({ segmentBytes: 300, retentionMs: 1000 });
    for (let i = 0; i < 3; i++) produce(t.log, i * 2);
    t.log.appendAsLeader(batchOf(20, { timestamp: T0 + 5000 }), { leaderEpoch: 0 });
    t.log.appendAsLeader(batchOf(1, { timestamp: T0 + 5000 }), { leaderEpoch: 0 });
    t.log.highWatermark = t.log.logEndOffset;
    t.clock.advance(2000);
    expect(t.log.deleteOldSegments()).toBeGreaterThan(0);
    expect(t.log.producerEntry(P)).toBeUndefined();
    expect(produce(t.log, 6).errorCode).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    expect(produce(t.log, 0).errorCode).toBe(0);
  });

  it('expires idle producers after producer.id.expiration.ms', () => {
    const t = memLog({}, { producerIdExpirationMs: 10_000 });
    produce(t.log, 0);
    t.clock.advance(5000);
    t.log.deleteOldSegments();
    expect(t.log.producerStates().length).toBe(1);
    t.clock.advance(20_000);
    t.log.deleteOldSegments();
    expect(t.log.producerStates().length).toBe(0);
  });
});

describe('transactions', () => {
  it('keeps the last stable offset at the first open transaction and indexes aborted ones', () => {
    const { log } = memLog({ segmentBytes: 500 });
    log.appendAsLeader(batchOf(2), { leaderEpoch: 0 }); // 0-1
    expect(produce(log, 0, 2, 0, 1, true).baseOffset).toBe(2); // txn A: 2-3
    expect(produce(log, 0, 2, 0, 2, true).baseOffset).toBe(4); // txn B: 4-5
    log.appendAsLeader(batchOf(1), { leaderEpoch: 0 }); // 6
    log.highWatermark = log.logEndOffset;
    expect(log.firstUnstableOffset).toBe(2);
    expect(log.lastStableOffset).toBe(2);
    expect(produce(log, 2, 1, 0, 1, true).baseOffset).toBe(7); // txn A continues: 7
    // A non-transactional write from a producer with an open transaction is refused.
    expect(produce(log, 3, 1, 0, 1, false).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // Clients cannot write markers; the coordinator can.
    expect(log.appendAsLeader(marker('abort', 1, 0), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const abortA = log.appendAsLeader(marker('abort', 1, 0, 3), { leaderEpoch: 0, origin: 'coordinator' });
    expect(abortA).toMatchObject({ errorCode: 0, baseOffset: 8 });
    // The marker is above the HW: A is still undecided for the LSO.
    expect(log.lastStableOffset).toBe(2);
    log.highWatermark = log.logEndOffset;
    expect(log.lastStableOffset).toBe(4);
    expect(log.abortedTransactions(0, 100)).toEqual([{ producerId: 1, firstOffset: 2 }]);
    expect(log.abortedTransactions(9, 100)).toEqual([]);
    expect(log.abortedTransactions(0, 2)).toEqual([]);
    expect(log.allAbortedTransactions()).toEqual([{ producerId: 1, firstOffset: 2, lastOffset: 8, lastStableOffset: 4 }]);
    const commitB = log.appendAsLeader(marker('commit', 2, 0, 3), { leaderEpoch: 0, origin: 'coordinator' });
    expect(commitB.baseOffset).toBe(9);
    log.highWatermark = log.logEndOffset;
    expect(log.firstUnstableOffset).toBeUndefined();
    expect(log.lastStableOffset).toBe(10);
    // A marker from an older coordinator epoch is fenced; an older producer epoch too.
    expect(log.appendAsLeader(marker('commit', 2, 0, 1), { leaderEpoch: 0, origin: 'coordinator' }).errorCode).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    produce(log, 0, 1, 1, 2, true);
    expect(log.appendAsLeader(marker('commit', 2, 0, 3), { leaderEpoch: 0, origin: 'coordinator' }).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const states = log.producerStates();
    expect(states.find((s) => s.producerId === 2)).toMatchObject({ producerEpoch: 1, coordinatorEpoch: 3, currentTxnStartOffset: 10 });
  });

  it('rebuilds open transactions and the aborted index after an unclean shutdown', () => {
    const t = memLog({ segmentBytes: 300 });
    const { log } = t;
    produce(log, 0, 2, 0, 1, true);
    produce(log, 0, 2, 0, 2, true);
    log.appendAsLeader(marker('abort', 1, 0), { leaderEpoch: 0, origin: 'coordinator' });
    for (let i = 0; i < 5; i++) log.appendAsLeader(batchOf(3), { leaderEpoch: 0 });
    log.flush();
    t.fs.crash({ mode: 'lose-unsynced' });
    const again = t.reopen({ hadCleanShutdown: false, highWatermark: 1000 });
    expect(again.ranRecovery).toBe(true);
    expect(again.firstUnstableOffset).toBe(2);
    expect(again.allAbortedTransactions()).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 }]);
    again.appendAsLeader(marker('commit', 2, 0), { leaderEpoch: 0, origin: 'coordinator' });
    again.highWatermark = again.logEndOffset;
    expect(again.lastStableOffset).toBe(again.logEndOffset);
    expect(readAllRecords(again).filter((r) => str(r.value)?.startsWith('s')).length).toBe(4);
  });
});

describe('open transactions across restarts', () => {
  it('an open transaction survives a clean shutdown in the producer snapshot: the LSO stays at its start until its marker', () => {
    const t = memLog({ segmentBytes: 400 });
    produce(t.log, 0, 2, 0, 7, true); // open transaction at 0-1
    t.log.appendAsLeader(batchOf(3), { leaderEpoch: 0 }); // 2-4
    t.log.highWatermark = t.log.logEndOffset;
    expect(t.log.lastStableOffset).toBe(0);
    t.log.close();
    const again = t.reopen({ hadCleanShutdown: true, highWatermark: 5 });
    expect(again.ranRecovery).toBe(false);
    expect(again.hasOngoingTransaction(7)).toBe(true);
    expect(again.lastStableOffset).toBe(0);
    expect(again.producerStates().find((p) => p.producerId === 7)).toMatchObject({ currentTxnStartOffset: 0 });
    again.appendAsLeader(marker('commit', 7, 0, 1), { leaderEpoch: 0, origin: 'coordinator' });
    again.highWatermark = again.logEndOffset;
    expect(again.lastStableOffset).toBe(again.logEndOffset);
    expect(again.hasOngoingTransaction(7)).toBe(false);
  });
});

describe('transaction verification (KIP-890 part 1)', () => {
  const txnBatch = (seq: number, pid: number, epoch = 0) =>
    batchOf([{ key: `k${seq}`, value: `v${seq}` }], { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true });

  it('refuses the first transactional batch without the current guard, then needs none while the transaction is open', () => {
    const { log } = memLog();
    log.transactionVerificationEnabled = true;
    // No verification at all: refused with Kafka's message.
    const refused = log.appendAsLeader(txnBatch(0, 1), { leaderEpoch: 0 });
    expect(refused).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: 'Record was not part of an ongoing transaction' });
    // A guard that is not the producer's current one (another producer's) is refused too.
    const other = log.maybeStartTransactionVerification(2, 0, 0);
    expect(log.appendAsLeader(txnBatch(0, 1), { leaderEpoch: 0, verificationGuard: other }).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // The producer's own guard: appended, and the guard is spent.
    const guard = log.maybeStartTransactionVerification(1, 0, 0);
    expect(guard).not.toBe(VerificationGuard.SENTINEL);
    expect(log.maybeStartTransactionVerification(1, 0, 0)).toBe(guard);
    expect(log.appendAsLeader(txnBatch(0, 1), { leaderEpoch: 0, verificationGuard: guard })).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(log.verificationGuard(1)).toBe(VerificationGuard.SENTINEL);
    // Open transaction: no verification needed.
    expect(log.hasOngoingTransaction(1)).toBe(true);
    expect(log.maybeStartTransactionVerification(1, 1, 0)).toBe(VerificationGuard.SENTINEL);
    expect(log.appendAsLeader(txnBatch(1, 1), { leaderEpoch: 0 }).errorCode).toBe(0);
  });

  it('a verification that raced with the end of the transaction cannot let data in (the ABA case)', () => {
    const { log } = memLog();
    log.transactionVerificationEnabled = true;
    const g1 = log.maybeStartTransactionVerification(1, 0, 0);
    expect(log.appendAsLeader(txnBatch(0, 1), { leaderEpoch: 0, verificationGuard: g1 }).errorCode).toBe(0);
    // A retry of a later batch starts verifying while the transaction is open...
    const stale = log.maybeStartTransactionVerification(1, 1, 0);
    expect(stale).toBe(VerificationGuard.SENTINEL);
    // ...the coordinator aborts it; a new verification begins, then the abort marker clears it.
    expect(log.appendAsLeader(marker('abort', 1, 0, 0), { leaderEpoch: 0, origin: 'coordinator' }).errorCode).toBe(0);
    const g2 = log.maybeStartTransactionVerification(1, 1, 0);
    expect(log.appendAsLeader(marker('abort', 1, 0, 0), { leaderEpoch: 0, origin: 'coordinator' }).errorCode).toBe(0);
    expect(log.appendAsLeader(txnBatch(1, 1), { leaderEpoch: 0, verificationGuard: g2 }).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(log.hasOngoingTransaction(1)).toBe(false);
  });

  it('unverified verification states expire with producer.id.expiration.ms; verification off appends as before', () => {
    const t = memLog({}, { producerIdExpirationMs: 10_000 });
    t.log.transactionVerificationEnabled = true;
    const g = t.log.maybeStartTransactionVerification(5, 0, 0);
    t.clock.advance(10_000);
    t.log.deleteOldSegments();
    expect(t.log.verificationGuard(5)).toBe(VerificationGuard.SENTINEL);
    expect(t.log.appendAsLeader(txnBatch(0, 5), { leaderEpoch: 0, verificationGuard: g }).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    t.log.transactionVerificationEnabled = false;
    expect(t.log.appendAsLeader(txnBatch(0, 5), { leaderEpoch: 0 }).errorCode).toBe(0);
  });
});

describe('ProducerStateManager snapshots', () => {
  it('round-trips and rejects a damaged snapshot', () => {
    const m = new ProducerStateManager();
    const h = { producerId: 7, producerEpoch: 3, baseSequence: 10, lastOffsetDelta: 4, maxTimestamp: 99, isControl: false, isTransactional: true, baseOffset: 50 } as never;
    m.replay(h, undefined, 0);
    const snap = m.encodeSnapshot(55);
    const m2 = new ProducerStateManager();
    expect(m2.loadSnapshot(snap)).toBe(true);
    expect(m2.get(7)).toEqual(m.get(7));
    expect(m2.mapEndOffset).toBe(55);
    expect(m2.firstUnstableOffset()).toBe(50);
    const bad = Buffer.from(snap);
    bad[bad.length - 1] ^= 1;
    expect(new ProducerStateManager().loadSnapshot(bad)).toBe(false);
    expect(new ProducerStateManager().loadSnapshot(snap.subarray(0, 10))).toBe(false);
  });
});
