/**
 * Writes the COMMIT/ABORT markers of transactions to the leaders of their
 * partitions (Kafka's TransactionMarkerChannelManager): each transaction in
 * PrepareCommit or PrepareAbort becomes a job; its partitions are grouped
 * by leader and sent as WriteTxnMarkers, one request per broker carrying
 * every job queued for it. The sender decides how a broker is reached: this
 * broker's own partitions are written in-process, others over the
 * inter-broker listener, so the same code serves a cluster once partitions
 * have leaders elsewhere.
 *
 * Per partition, as Kafka: NONE means written; UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND),
 * REQUEST_TIMED_OUT and KAFKA_STORAGE_ERROR are retried (with the leader
 * looked up again); INVALID_PRODUCER_EPOCH and TRANSACTION_COORDINATOR_FENCED
 * mean a newer producer or coordinator took over: the job is dropped;
 * UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION count as written. A
 * partition whose topic no longer exists is skipped (deleted). When every
 * partition is done, `onComplete` writes CompleteCommit/CompleteAbort.
 */
import type { Logger, ScheduledTask, Scheduler } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import { ErrorCode, type WriteTxnMarkersRequest, type WriteTxnMarkersResponse } from '@nagare/protocol';
import { partitionKey, type TxnPartition } from './state';

export interface MarkerJob {
  readonly transactionalId: string;
  /** The __transaction_state partition the transaction belongs to. */
  readonly txnPartition: number;
  readonly coordinatorEpoch: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly result: 'COMMIT' | 'ABORT';
  /** Partitions whose marker is not written yet. */
  readonly remaining: Map<string, TxnPartition>;
  cancelled: boolean;
}

export interface MarkerChannelOptions {
  /**
   * The leader of a partition: a node id, -1 while it has none (retried), or
   * undefined when the partition does not exist (its topic was deleted: skipped).
   */
  leaderOf(topic: string, partition: number): number | undefined;
  /** Sends WriteTxnMarkers to a broker (this one in-process, others over the network). */
  send(nodeId: number, request: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse>;
  /** Every marker of the job is written: write the transaction's completion. */
  onComplete(job: MarkerJob): void;
  /** A job ended without completing (fenced, replaced, its shard unloaded). */
  onDropped?(job: MarkerJob): void;
  scheduler: Scheduler;
  /** Runs `fn` after the current I/O (setImmediate; tests run it at once). */
  defer(fn: () => void): void;
  logger?: Logger;
  /** Wait before retrying failed partitions (default 100 ms, doubling to 1 s). */
  retryBackoffMs?: number;
}

const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);
const FENCED: ReadonlySet<number> = new Set([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]);
const SKIPPED: ReadonlySet<number> = new Set([ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION]);

interface Queued {
  job: MarkerJob;
  partitions: TxnPartition[];
}

export class TransactionMarkerChannel {
  /** Jobs by transactional id. */
  private readonly jobs = new Map<string, MarkerJob>();
  /** What is waiting to be sent, by destination broker. */
  private readonly queues = new Map<number, Queued[]>();
  private flushScheduled = false;
  private readonly retries = new Set<ScheduledTask>();
  private readonly logger: Logger;
  private closed = false;
  /** Requests sent (tests, benchmarks). */
  requestsSent = 0;

  constructor(private readonly opts: MarkerChannelOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  /** Starts writing the markers of a transaction; a job already pending for the same transactional id is replaced. */
  add(job: Omit<MarkerJob, 'remaining' | 'cancelled'>, partitions: readonly TxnPartition[]): MarkerJob {
    const full: MarkerJob = { ...job, remaining: new Map(partitions.map((p) => [partitionKey(p.topic, p.partition), p])), cancelled: false };
    const prev = this.jobs.get(job.transactionalId);
    if (prev) {
      this.finish(prev);
      this.logger.info({ transactionalId: job.transactionalId }, 'replaced pending transaction markers');
    }
    this.jobs.set(job.transactionalId, full);
    this.enqueue(full, partitions, 0);
    this.maybeComplete(full);
    return full;
  }

  /** Jobs still writing markers. */
  pending(): number {
    return this.jobs.size;
  }

  /** The job writing this transactional id's markers, if any. */
  jobOf(transactionalId: string): MarkerJob | undefined {
    return this.jobs.get(transactionalId);
  }

  /** Whether markers of this transactional id are still being written. */
  isPending(transactionalId: string): boolean {
    return this.jobs.has(transactionalId);
  }

  /** Drops every job of a __transaction_state partition (its shard unloaded). */
  removeForTxnPartition(txnPartition: number): void {
    for (const job of [...this.jobs.values()]) if (job.txnPartition === txnPartition) this.finish(job);
  }

  close(): void {
    this.closed = true;
    for (const job of [...this.jobs.values()]) this.finish(job);
    this.queues.clear();
    for (const t of this.retries) t.cancel();
    this.retries.clear();
  }

  private finish(job: MarkerJob, dropped = true): void {
    if (this.jobs.get(job.transactionalId) === job) this.jobs.delete(job.transactionalId);
    const wasLive = !job.cancelled;
    job.cancelled = true;
    if (dropped && wasLive) this.opts.onDropped?.(job);
  }

  private maybeComplete(job: MarkerJob): void {
    if (job.cancelled || job.remaining.size > 0) return;
    this.finish(job, false);
    try {
      this.opts.onComplete(job);
    } catch (e) {
      this.logger.error({ transactionalId: job.transactionalId, err: (e as Error).stack }, 'completing a transaction failed');
    }
  }

  private enqueue(job: MarkerJob, partitions: readonly TxnPartition[], attempt: number): void {
    if (job.cancelled || this.closed) return;
    const byNode = new Map<number, TxnPartition[]>();
    const retry: TxnPartition[] = [];
    for (const p of partitions) {
      if (!job.remaining.has(partitionKey(p.topic, p.partition))) continue;
      const leader = this.opts.leaderOf(p.topic, p.partition);
      if (leader === undefined) {
        this.logger.info({ transactionalId: job.transactionalId, topic: p.topic, partition: p.partition }, 'no such partition for a transaction marker (deleted?): skipped');
        job.remaining.delete(partitionKey(p.topic, p.partition));
        continue;
      }
      if (leader < 0) {
        retry.push(p);
        continue;
      }
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push(p);
    }
    for (const [node, ps] of byNode) {
      let q = this.queues.get(node);
      if (!q) this.queues.set(node, (q = []));
      q.push({ job, partitions: ps });
    }
    if (retry.length > 0) this.retryLater(job, retry, attempt);
    if (byNode.size > 0) this.scheduleFlush();
    else this.maybeComplete(job);
  }

  private retryLater(job: MarkerJob, partitions: TxnPartition[], attempt: number): void {
    const base = this.opts.retryBackoffMs ?? 100;
    const delay = Math.min(1000, base * 2 ** Math.min(attempt, 4));
    const task = this.opts.scheduler.schedule(delay, () => {
      this.retries.delete(task);
      this.enqueue(job, partitions, attempt + 1);
    });
    this.retries.add(task);
  }

  /**
   * Sends what is queued once the current work is done: after the answer
   * that started the markers (EndTxn) is on its way, and with everything
   * queued meanwhile in one request per broker.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.opts.defer(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends one WriteTxnMarkers per broker with everything queued for it. */
  private flush(): void {
    if (this.closed) return;
    const queues = [...this.queues];
    this.queues.clear();
    for (const [node, entries] of queues) {
      const live = entries.filter((e) => !e.job.cancelled);
      if (live.length === 0) continue;
      const request: WriteTxnMarkersRequest = {
        markers: live.map((e) => ({
          producerId: e.job.producerId,
          producerEpoch: e.job.producerEpoch,
          transactionResult: e.job.result === 'COMMIT',
          topics: groupByTopic(e.partitions),
          coordinatorEpoch: e.job.coordinatorEpoch,
        })),
      };
      this.requestsSent++;
      this.opts.send(node, request).then(
        (res) => this.onResponse(live, res),
        (err: Error) => {
          this.logger.info({ node, err: err.message }, 'WriteTxnMarkers failed; retrying');
          for (const e of live) this.retryLater(e.job, e.partitions, 0);
        },
      );
    }
  }

  private onResponse(entries: Queued[], res: WriteTxnMarkersResponse): void {
    // A response lists each producer id once; entries of one producer id share its errors.
    const errors = new Map<bigint, Map<string, number>>();
    for (const m of res.markers) {
      let byPartition = errors.get(m.producerId);
      if (!byPartition) errors.set(m.producerId, (byPartition = new Map()));
      for (const t of m.topics) for (const p of t.partitions) byPartition.set(partitionKey(t.name, p.partitionIndex), p.errorCode);
    }
    for (const { job, partitions } of entries) {
      if (job.cancelled) continue;
      const byPartition = errors.get(job.producerId);
      const retry: TxnPartition[] = [];
      let fenced = false;
      for (const p of partitions) {
        const key = partitionKey(p.topic, p.partition);
        const code = byPartition?.get(key);
        if (code === undefined) {
          retry.push(p);
          continue;
        }
        if (code === ErrorCode.NONE || SKIPPED.has(code)) {
          job.remaining.delete(key);
        } else if (RETRIABLE.has(code)) {
          retry.push(p);
        } else if (FENCED.has(code)) {
          this.logger.info({ transactionalId: job.transactionalId, topic: p.topic, partition: p.partition, error: code }, 'transaction marker fenced: a newer producer or coordinator took over; markers dropped');
          fenced = true;
        } else {
          this.logger.error({ transactionalId: job.transactionalId, topic: p.topic, partition: p.partition, error: code }, 'unexpected error writing a transaction marker; retrying');
          retry.push(p);
        }
      }
      if (fenced) {
        this.finish(job);
        continue;
      }
      if (retry.length > 0) this.retryLater(job, retry, 0);
      else this.maybeComplete(job);
    }
  }
}

function groupByTopic(ps: readonly TxnPartition[]): WriteTxnMarkersRequest.WritableTxnMarkerTopic[] {
  const byTopic = new Map<string, number[]>();
  for (const p of ps) {
    let list = byTopic.get(p.topic);
    if (!list) byTopic.set(p.topic, (list = []));
    list.push(p.partition);
  }
  return [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
}
