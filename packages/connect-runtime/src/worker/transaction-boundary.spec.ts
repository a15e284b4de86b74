/**
 * Transaction boundaries of exactly-once source tasks (KIP-618), as Kafka's
 * ExactlyOnceWorkerSourceTask decides them (cases of its
 * ExactlyOnceWorkerSourceTaskTest and WorkerTransactionContextTest).
 */
import { Schemas, SourceRecord } from '@nagare/connect-api';
import { IllegalStateException, transactionBoundaryManager, WorkerTransactionContext } from './transaction-boundary';

const rec = (n: number) => new SourceRecord({ p: 0 }, { n }, 't', 0, null, null, Schemas.INT32_SCHEMA, n);

describe('poll', () => {
  it('commits after every batch (also an empty one) and on stop, never per record', () => {
    const m = transactionBoundaryManager('poll', 60000, null);
    m.initialize(0);
    expect(m.forRecord(rec(1))).toBe('none');
    expect(m.forBatch(1)).toBe('commit');
    expect(m.forBatch(2)).toBe('commit');
    expect(m.forFinal(3)).toBe('commit');
  });
});

describe('interval', () => {
  it('commits after the first batch once the interval passed since the last commit (or the start), and on stop', () => {
    const m = transactionBoundaryManager('interval', 1000, null);
    m.initialize(5000);
    expect(m.forBatch(5999)).toBe('none');
    expect(m.forRecord(rec(1))).toBe('none');
    expect(m.forBatch(6000)).toBe('commit');
    expect(m.forBatch(6500)).toBe('none');
    expect(m.forBatch(7001)).toBe('commit');
    expect(m.forFinal(7002)).toBe('commit');
    // resumed after a pause: the interval counts from then
    m.initialize(20000);
    expect(m.forBatch(20999)).toBe('none');
    expect(m.forBatch(21000)).toBe('commit');
  });
});

describe('connector', () => {
  it('needs the context', () => {
    expect(() => transactionBoundaryManager('connector', 0, null)).toThrow('Transaction context must be provided when using connector-defined transaction boundaries');
  });

  it('commits or aborts after the records the task named, once each', () => {
    const ctx = new WorkerTransactionContext();
    const m = transactionBoundaryManager('connector', 0, ctx);
    const [a, b, c] = [rec(1), rec(2), rec(3)];
    ctx.commitTransaction(b);
    ctx.abortTransaction(c);
    expect(m.forRecord(a)).toBe('none');
    expect(m.forRecord(b)).toBe('commit');
    expect(m.forRecord(b)).toBe('none');
    expect(m.forRecord(c)).toBe('abort');
    expect(m.forBatch(0)).toBe('none');
    // matched by identity: an equal record is another record
    ctx.commitTransaction(a);
    expect(m.forRecord(rec(1))).toBe('none');
    expect(m.forRecord(a)).toBe('commit');
  });

  it('commits or aborts after the next batch; on stop only when asked', () => {
    const ctx = new WorkerTransactionContext();
    const m = transactionBoundaryManager('connector', 0, ctx);
    expect(m.forFinal(0)).toBe('none');
    ctx.commitTransaction();
    expect(m.forBatch(0)).toBe('commit');
    expect(m.forBatch(0)).toBe('none');
    ctx.abortTransaction();
    expect(m.forFinal(0)).toBe('abort');
  });

  it('asking for both a commit and an abort fails with Kafka\'s messages', () => {
    const ctx = new WorkerTransactionContext();
    const m = transactionBoundaryManager('connector', 0, ctx);
    ctx.commitTransaction();
    ctx.abortTransaction();
    expect(() => m.forBatch(0)).toThrow(new IllegalStateException('Connector requested both commit and abort of same transaction'));
    const r = new SourceRecord({ p: 0 }, { n: 1 }, 'topic-a', 3, null, null, Schemas.INT32_SCHEMA, 1);
    const ctx2 = new WorkerTransactionContext();
    ctx2.commitTransaction(r);
    ctx2.abortTransaction(r);
    expect(() => transactionBoundaryManager('connector', 0, ctx2).forRecord(r)).toThrow('Connector requested both commit and abort of same record against topic/partition topic-a/3');
    expect(() => ctx2.commitTransaction(null as unknown as SourceRecord)).toThrow('Source record used to define transaction boundaries may not be null');
  });
});
