/**
 * `ExactlyOnceWorkerSourceTask` (KIP-618): a source task whose records and
 * source offsets are written in the same producer transaction, so a
 * read_committed consumer sees each record exactly once even when the
 * worker is killed: after a crash the task resumes from the offsets of the
 * last committed transaction, and everything produced after it was aborted
 * (by the coordinator's timeout or, sooner, by the fencing of the next
 * task generation).
 *
 * Before the task starts: a round of zombie fencing (`preProducerCheck`,
 * the herder's: earlier generations' producers of this connector are fenced
 * and a task count record written), `initTransactions()` on the task's own
 * producer (transactional id `<group.id>-<connector>-<task>`, which fences
 * any other producer of this very task), then `postProducerCheck` (the task
 * configs are still of the same generation and the task still assigned
 * here). Transactions begin with the first record sent after a commit and
 * end where the connector's `transaction.boundary` says (see
 * transaction-boundary.ts); each commit first sends the latest offset of
 * every source partition dispatched in the transaction to the offsets topic,
 * then commits; `SourceTask.commitRecord` is called for the records of a
 * transaction once it committed, then `SourceTask.commit()`. A commit that
 * fails (fenced, the transaction timed out, a record failed) fails the task;
 * a failed task makes no final commit, so its open transaction is aborted.
 */
import { ConnectException, type SourceRecord, type TransactionBoundary } from '@nagare/connect-api';
import type { RecordMetadata } from '@nagare/client';
import type { Logger } from '@nagare/common';
import type { ConnectorTaskId } from '../herder/status';
import { pluginClassName } from '../plugins/plugins';
import type { ConnectorOffsetBackingStore } from '../storage/connector-offset-store';
import { offsetKey } from '../storage/offset-storage';
import { transactionBoundaryManager, WorkerTransactionContext, type BoundaryDecision, type TransactionBoundaryManager } from './transaction-boundary';
import { toBuf, WorkerSourceTask, type Prepared, type SourceTaskOptions } from './worker-source-task';
import type { TaskPipeline, TaskStatusListener } from './worker-task';

const INVALID_PRODUCER_EPOCH = 47;

export interface ExactlyOnceSourceTaskOptions extends SourceTaskOptions {
  offsetStore: ConnectorOffsetBackingStore;
  transactionBoundary: TransactionBoundary;
  /** `transaction.boundary.interval.ms`, else the worker's `offset.flush.interval.ms`. */
  transactionBoundaryIntervalMs: number;
  /** The round of zombie fencing before the producer is initialized. */
  preProducerCheck: () => Promise<void>;
  /** After `initTransactions()`: the task may still run here with these configs. */
  postProducerCheck: () => Promise<void>;
  /** Monotonic-enough milliseconds (tests inject a clock). */
  now?: () => number;
}

/** Transaction metrics (`transaction-size-avg/min/max`, plus counts). */
export interface TransactionMetrics {
  transactionsCommitted: number;
  transactionsAborted: number;
  transactionSizeMin: number;
  transactionSizeMax: number;
  transactionSizeAvg: number;
}

export class ExactlyOnceWorkerSourceTask extends WorkerSourceTask {
  private transactionOpen = false;
  /** Records sent or dropped since the last commit, with where they landed (null: dropped). */
  private committable: Array<[SourceRecord, RecordMetadata | null]> = [];
  /** The latest offset of each source partition dispatched since the last commit (`OffsetStorageWriter`). */
  private offsets = new Map<string, string | null>();
  private readonly transactionContext: WorkerTransactionContext | null;
  private readonly boundary: TransactionBoundaryManager;
  private readonly eos: ExactlyOnceSourceTaskOptions;
  private readonly clock: () => number;
  private unacked = 0;
  private ackWaiters: Array<() => void> = [];
  private transactionSize = 0;
  private sizeTotal = 0;
  readonly transactionMetrics: TransactionMetrics = { transactionsCommitted: 0, transactionsAborted: 0, transactionSizeMin: 0, transactionSizeMax: 0, transactionSizeAvg: 0 };

  constructor(id: ConnectorTaskId, listener: TaskStatusListener, pipeline: TaskPipeline, logger: Logger, initialPaused: boolean, o: ExactlyOnceSourceTaskOptions) {
    super(id, listener, pipeline, logger, initialPaused, o);
    this.eos = o;
    this.clock = o.now ?? Date.now;
    this.transactionContext = o.transactionBoundary === 'connector' ? new WorkerTransactionContext() : null;
    this.boundary = transactionBoundaryManager(o.transactionBoundary, o.transactionBoundaryIntervalMs, this.transactionContext);
  }

  protected override async execute(): Promise<void> {
    const task = this.o.task;
    const producer = this.o.producer;
    // the checks wait for the herder, which may be waiting for this task to stop
    await this.raceStop(this.eos.preProducerCheck());
    // do not initialize the producer (which fences other generations) once stopped
    if (this.stopping) return;
    await this.raceStop(producer.initTransactions());
    if (this.stopping) return;
    await this.raceStop(this.eos.postProducerCheck());
    if (this.stopping) return;
    task.initialize({
      configs: () => ({ ...this.o.taskConfig }),
      offsetStorageReader: () => this.reader(),
      transactionContext: () => this.transactionContext,
    });
    await task.start(this.o.taskConfig);
    this.logger.info(`${this.idString} Source task finished initialization and start`);
    this.listener.onStartup(this.id);
    if (this.paused) this.listener.onPause(this.id);
    const max = this.o.maxOutstanding ?? 20000;
    this.boundary.initialize(this.clock());
    let failed = false;
    try {
      while (!this.stopping) {
        if (this.paused) {
          // commit now: no hanging transaction (or a fenced producer) while paused
          await this.act(this.boundary.forFinal(this.clock()));
          await this.awaitUnpaused();
          if (!this.stopping) this.boundary.initialize(this.clock());
          continue;
        }
        const records = await this.pipeline.operator.execute('TASK_POLL', pluginClassName(task), null, () => task.poll());
        if (records && records.length > 0) {
          this.metrics.recordsIn += records.length;
          await this.sendBatch(records);
        }
        await this.act(this.boundary.forBatch(this.clock()));
        if (this.unacked >= max) await this.awaitUnackedBelow(max);
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (failed) this.logger.debug(`${this.idString} Skipping final offset commit as task has failed`);
      else await this.act(this.boundary.forFinal(this.clock()));
    }
  }

  private async sendBatch(records: SourceRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i++) {
      const original = records[i];
      let prepared = this.prepare(original);
      if (prepared instanceof Promise) prepared = await prepared;
      if (prepared === null) {
        this.committable.push([original, null]);
        await this.act(this.boundary.forRecord(original));
        continue;
      }
      if (prepared.topic === this.eos.offsetStore.primaryOffsetsTopic) {
        // the task's next offset read would wait for the very transaction it keeps open
        throw new ConnectException('Source tasks may not produce to their own offsets topics when exactly-once support is enabled');
      }
      this.maybeBeginTransaction();
      if (this.topicCreation) await this.topicCreation.ensure(prepared.topic);
      if (!this.knownTopics.has(prepared.topic)) {
        await this.awaitMetadata(prepared.topic);
        this.o.onTopic?.(prepared.topic);
      }
      this.sendOne(original, prepared);
      // recordDispatched: the offset is committed with the transaction only if the record was accepted
      const partition = original.sourcePartition();
      if (partition !== null) {
        const offset = original.sourceOffset();
        this.offsets.set(offsetKey(this.o.connectorName, partition), offset === null ? null : JSON.stringify(offset));
      }
      this.transactionSize++;
      await this.act(this.boundary.forRecord(original));
    }
  }

  private sendOne(original: SourceRecord, p: Prepared): void {
    const ts = p.rec.timestamp();
    this.unacked++;
    this.o.producer.send(
      {
        topic: p.topic,
        partition: p.rec.kafkaPartition() ?? undefined,
        key: p.key === null ? null : toBuf(p.key),
        value: p.value === null ? null : toBuf(p.value),
        headers: p.headers,
        timestamp: ts === null || ts < 0 ? undefined : ts,
      },
      (err: Error | null, md: RecordMetadata | null) => {
        this.unacked--;
        if (this.ackWaiters.length > 0) for (const w of this.ackWaiters.splice(0)) w();
        // a failed send fails the transaction's commit (the producer reports it there)
        if (err) {
          this.logger.error({ err }, `${this.idString} failed to send record to ${p.topic}`);
          return;
        }
        this.metrics.recordsOut++;
        this.committable.push([original, md]);
      },
    );
  }

  private async awaitUnackedBelow(max: number): Promise<void> {
    while (this.unacked >= max && !this.stopping) await new Promise<void>((r) => this.ackWaiters.push(r));
  }

  private maybeBeginTransaction(): void {
    if (this.transactionOpen) return;
    this.o.producer.beginTransaction();
    this.transactionOpen = true;
  }

  private async act(decision: BoundaryDecision): Promise<void> {
    if (decision === 'none') return;
    if (decision === 'abort') {
      if (!this.transactionOpen) this.logger.warn(`${this.idString} Ignoring request by task to abort transaction as the current transaction is empty`);
      else {
        this.logger.info(`${this.idString} Aborting transaction as requested by connector`);
        await this.o.producer.abortTransaction();
        this.transactionMetrics.transactionsAborted++;
        this.transactionSize = 0;
        this.transactionOpen = false;
      }
      // the aborted records' offsets are still committed, so they are not polled again
    }
    await this.commitTransaction();
  }

  /** Writes the offsets in the open transaction and commits it (`ExactlyOnceWorkerSourceTask.commitTransaction`). */
  private async commitTransaction(): Promise<void> {
    const toFlush = this.offsets;
    const shouldFlush = toFlush.size > 0;
    if (!this.transactionOpen && !shouldFlush) {
      await this.commitSourceTask();
      return;
    }
    this.offsets = new Map();
    const producer = this.o.producer;
    // after an abort a new transaction carries the offsets
    this.maybeBeginTransaction();
    let error: unknown = null;
    let sent: Promise<unknown> = Promise.resolve();
    if (shouldFlush) {
      sent = this.eos.offsetStore.sendPrimaryVia(producer, toFlush);
      sent.catch(() => undefined);
    }
    try {
      await producer.commitTransaction();
      await sent;
    } catch (e) {
      this.logger.error({ err: e }, `${this.idString} Failed to commit producer transaction`);
      error = e;
    }
    this.transactionOpen = false;
    if (error !== null) {
      this.metrics.offsetCommitFailure++;
      // cancelFlush: offsets dispatched since stay newer than the ones that failed
      for (const [k, v] of toFlush) if (!this.offsets.has(k)) this.offsets.set(k, v);
      throw this.wrapProducerError('Failed to flush offsets and/or records for task ' + this.idString, error);
    }
    this.metrics.offsetCommitSuccess++;
    this.recordCommit();
    if (shouldFlush) {
      try {
        await this.eos.offsetStore.setSecondary(toFlush);
      } catch (e) {
        this.logger.error({ err: e }, `${this.idString} Failed to write offsets to the worker's global offsets topic`);
      }
    }
    const done = this.committable;
    this.committable = [];
    for (const [record, md] of done) {
      try {
        const c = this.o.task.commitRecord(record, md);
        if (c instanceof Promise) await c;
      } catch (e) {
        this.logger.warn({ err: e }, `${this.idString} Exception thrown while calling task.commitRecord()`);
      }
    }
    await this.commitSourceTask();
  }

  private recordCommit(): void {
    const m = this.transactionMetrics;
    const n = this.transactionSize;
    this.transactionSize = 0;
    m.transactionSizeMin = m.transactionsCommitted === 0 ? n : Math.min(m.transactionSizeMin, n);
    m.transactionSizeMax = Math.max(m.transactionSizeMax, n);
    m.transactionsCommitted++;
    this.sizeTotal += n;
    m.transactionSizeAvg = this.sizeTotal / m.transactionsCommitted;
  }

  private async commitSourceTask(): Promise<void> {
    try {
      await this.o.task.commit();
    } catch (e) {
      this.logger.error({ err: e }, `${this.idString} Exception thrown while calling task.commit()`);
    }
  }

  private wrapProducerError(message: string, error: unknown): ConnectException {
    // Kafka's InvalidProducerEpochException: the client's KafkaProtocolError with code INVALID_PRODUCER_EPOCH
    const isEpoch = (e: unknown): boolean => e instanceof Error && (e as { code?: unknown }).code === INVALID_PRODUCER_EPOCH;
    if (isEpoch(error) || isEpoch((error as { cause?: unknown } | null)?.cause)) {
      return new ConnectException(
        `The task ${this.idString} was unable to finish writing records to Kafka before its producer transaction expired. It may be necessary to reconfigure this connector in order for it to run healthily with exactly-once support. Options for this include: tune the connector's producer configuration for higher throughput, increase the transaction timeout for the connector's producers, decrease the offset commit interval (if using interval-based transaction boundaries), or use the 'poll' transaction boundary (if the connector is not already configured to use it).`,
        { cause: error },
      );
    }
    return new ConnectException(message, { cause: error });
  }

  /** Source offsets are written with each transaction, not on the worker's flush interval. */
  override async commitOffsets(): Promise<void> {}
}
