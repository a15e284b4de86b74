/**
 * When an exactly-once source task commits its producer transaction
 * (KIP-618, Kafka's `ExactlyOnceWorkerSourceTask.TransactionBoundaryManager`
 * and `WorkerTransactionContext`), per the connector's `transaction.boundary`:
 *
 * - `poll`: after every batch a `poll()` returned (and a final one on stop);
 * - `interval`: after the first batch once `transaction.boundary.interval.ms`
 *   (else the worker's `offset.flush.interval.ms`) passed since the last
 *   commit, and a final one on stop;
 * - `connector`: where the task asks through its TransactionContext: after a
 *   given record, or after the next batch; the same for aborts. An abort
 *   drops the transaction's records but still commits their source offsets
 *   (in a new transaction), so they are not polled again.
 *
 * Pure decisions: the task acts on them (`none`, `commit`, or `abort`, which
 * means abort the open transaction and then commit the offsets).
 */
import type { SourceRecord, TransactionBoundary, TransactionContext } from '@nagare/connect-api';

export type BoundaryDecision = 'none' | 'commit' | 'abort';

/**
 * `WorkerTransactionContext`: what the task asked for. Records are matched
 * by identity (Kafka's HashSet compares SourceRecords with `equals`; a task
 * passes the record object it returned). Asking for both a commit and an
 * abort of the same batch or record fails the task with Kafka's messages.
 */
export class WorkerTransactionContext implements TransactionContext {
  private readonly committableRecords = new Set<SourceRecord>();
  private readonly abortableRecords = new Set<SourceRecord>();
  private batchCommitRequested = false;
  private batchAbortRequested = false;

  commitTransaction(record?: SourceRecord): void {
    if (arguments.length === 0) {
      this.batchCommitRequested = true;
      return;
    }
    if (record === null || record === undefined) throw new TypeError('Source record used to define transaction boundaries may not be null');
    this.committableRecords.add(record);
  }

  abortTransaction(record?: SourceRecord): void {
    if (arguments.length === 0) {
      this.batchAbortRequested = true;
      return;
    }
    if (record === null || record === undefined) throw new TypeError('Source record used to define transaction boundaries may not be null');
    this.abortableRecords.add(record);
  }

  shouldCommitBatch(): boolean {
    this.checkBatchRequestsConsistency();
    const r = this.batchCommitRequested;
    this.batchCommitRequested = false;
    return r;
  }

  shouldAbortBatch(): boolean {
    this.checkBatchRequestsConsistency();
    const r = this.batchAbortRequested;
    this.batchAbortRequested = false;
    return r;
  }

  shouldCommitOn(record: SourceRecord): boolean {
    this.checkRecordRequestConsistency(record);
    return this.committableRecords.delete(record);
  }

  shouldAbortOn(record: SourceRecord): boolean {
    this.checkRecordRequestConsistency(record);
    return this.abortableRecords.delete(record);
  }

  private checkBatchRequestsConsistency(): void {
    if (this.batchCommitRequested && this.batchAbortRequested) throw new IllegalStateException('Connector requested both commit and abort of same transaction');
  }

  private checkRecordRequestConsistency(record: SourceRecord): void {
    if (this.committableRecords.has(record) && this.abortableRecords.has(record)) {
      throw new IllegalStateException(`Connector requested both commit and abort of same record against topic/partition ${record.topic()}/${record.kafkaPartition() ?? 'null'}`);
    }
  }
}

/** Java's `IllegalStateException` (the class name shows in the task's failure trace). */
export class IllegalStateException extends Error {
  readonly kafkaClass = 'java.lang.IllegalStateException';
  constructor(message: string) {
    super(message);
    this.name = 'IllegalStateException';
  }
}

export interface TransactionBoundaryManager {
  /** A new transaction cycle starts (the send loop is entered, or resumed after a pause). */
  initialize(nowMs: number): void;
  /** After a record was dispatched to the producer, or dropped. */
  forRecord(record: SourceRecord): BoundaryDecision;
  /** After a batch returned by `poll()` was dispatched (also after an empty poll). */
  forBatch(nowMs: number): BoundaryDecision;
  /** When the task stops or is paused. */
  forFinal(nowMs: number): BoundaryDecision;
}

export function transactionBoundaryManager(boundary: TransactionBoundary, intervalMs: number, context: WorkerTransactionContext | null): TransactionBoundaryManager {
  switch (boundary) {
    case 'poll':
      return { initialize: () => undefined, forRecord: () => 'none', forBatch: () => 'commit', forFinal: () => 'commit' };
    case 'interval': {
      let lastCommit = 0;
      return {
        initialize: (now) => {
          lastCommit = now;
        },
        forRecord: () => 'none',
        forBatch: (now) => {
          if (now < lastCommit + intervalMs) return 'none';
          lastCommit = now;
          return 'commit';
        },
        forFinal: () => 'commit',
      };
    }
    case 'connector': {
      if (!context) throw new Error('Transaction context must be provided when using connector-defined transaction boundaries');
      const forBatch = (): BoundaryDecision => (context.shouldAbortBatch() ? 'abort' : context.shouldCommitBatch() ? 'commit' : 'none');
      return {
        initialize: () => undefined,
        forRecord: (record) => (context.shouldAbortOn(record) ? 'abort' : context.shouldCommitOn(record) ? 'commit' : 'none'),
        forBatch,
        forFinal: forBatch,
      };
    }
    default:
      throw new Error(`Unrecognized transaction boundary: ${String(boundary)}`);
  }
}
