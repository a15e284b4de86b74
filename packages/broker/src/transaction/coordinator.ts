/**
 * The transaction coordinator (Kafka's TransactionCoordinator and
 * TransactionStateManager) on the coordinator runtime: one shard per
 * `__transaction_state` partition this broker leads, the partition of a
 * transactional id being Java's hash of the id modulo
 * transaction.state.log.num.partitions. Every state change is a
 * TransactionLogValue record appended to that partition and replayed into
 * the shard; answers are released once the record is committed.
 *
 * APIs: InitProducerId (new ids, epoch bumps, zombie fencing, KIP-360
 * recovery, producer id rotation when the epoch runs out), AddPartitionsToTxn
 * from clients (v0-3) and brokers (v4+: verification of KIP-890 part 1, and
 * the implicit add of KIP-890 part 2), AddOffsetsToTxn, EndTxn (with the
 * per-transaction epoch bump of KIP-890 part 2 for v5 clients),
 * DescribeTransactions, ListTransactions.
 *
 * After PrepareCommit/PrepareAbort is committed, the markers go to the
 * leaders of the transaction's partitions (marker-channel.ts); when every
 * one is written, CompleteCommit/CompleteAbort is. A shard that loads with
 * transactions in PrepareCommit/PrepareAbort sends their markers again.
 * Shard timers abort transactions open longer than their timeout (fencing
 * the producer) and expire transactional ids idle for
 * transactional.id.expiration.ms (tombstones).
 */
import type { Clock, Logger, Scheduler } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import type { DescribeTransactionsResponse, ListTransactionsResponse, WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '@nagare/protocol';
import { ErrorCode } from '@nagare/protocol';
import { CoordinatorError, CoordinatorRuntime, type CoordinatorResult, type CoordinatorStore } from '../coordinator';
import { mapWriteError } from '../group/errors';
import { partitionForGroup } from '../group/partition';
import { TransactionMarkerChannel, type MarkerJob } from './marker-channel';
import { transactionRecordSerde, type TransactionRecord } from './records';
import { TransactionCoordinatorShard } from './shard';
import {
  MAX_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  TRANSACTION_STATES,
  containsAll,
  isEpochExhausted,
  isExpirationAllowed,
  unionPartitions,
  type TransactionMetadata,
  type TransactionStateName,
  type TxnPartition,
} from './state';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionConfig {
  /** transactional.id.expiration.ms (7 days). */
  transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms (15 minutes). */
  transactionMaxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s). */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms (1 hour). */
  removeExpiredTransactionalIdsIntervalMs: number;
}

export const DEFAULT_TRANSACTION_CONFIG: TransactionConfig = {
  transactionalIdExpirationMs: 604800000,
  transactionMaxTimeoutMs: 900000,
  abortTimedOutTransactionsIntervalMs: 10000,
  removeExpiredTransactionalIdsIntervalMs: 3600000,
};

export interface TransactionCoordinatorOptions {
  store: CoordinatorStore;
  clock: Clock;
  scheduler: Scheduler;
  logger?: Logger;
  config?: Partial<TransactionConfig>;
  /** New producer ids (the broker's block from the controller). */
  generateProducerId(): Promise<bigint>;
  /** The finalized transaction.version (0 when not finalized). */
  transactionVersion(): number;
  /** The leader of a partition: node id, -1 while it has none, undefined when it does not exist. */
  leaderOf(topic: string, partition: number): number | undefined;
  /** Sends WriteTxnMarkers to a partition leader (this broker in-process). */
  sendMarkers(nodeId: number, request: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse>;
  /** offsets.topic.num.partitions: AddOffsetsToTxn adds the group's __consumer_offsets partition. */
  offsetsTopicPartitions: number;
  /** 'all': start() loads every partition (tests); 'external': the broker calls onElection/onResignation. */
  leadership?: 'all' | 'external';
  yieldToEventLoop?: () => Promise<void>;
  markerRetryBackoffMs?: number;
  /** How marker sends are deferred until the current I/O is done (default setImmediate). */
  deferMarkers?: (fn: () => void) => void;
  /** How long AddPartitionsToTxn waits for the previous transaction's markers before answering CONCURRENT_TRANSACTIONS (default 5000 ms). */
  completionWaitMs?: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export interface EndTxnResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

type Shard = TransactionCoordinatorShard;
type Result<T> = CoordinatorResult<T, TransactionRecord>;

/** An operation that needs a fresh producer id asks for one and is run again with it. */
const NEED_PRODUCER_ID = Symbol('need a producer id');
type MaybeNeedsId<T> = T | typeof NEED_PRODUCER_ID;

function fail(errorCode: number): never {
  throw new CoordinatorError(errorCode);
}

export class TransactionCoordinator {
  readonly config: TransactionConfig;
  readonly runtime: CoordinatorRuntime<Shard, TransactionRecord>;
  readonly markers: TransactionMarkerChannel;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private active = false;
  /** Transactional ids whose markers (and completion record) are being written. */
  private readonly completing = new Set<string>();
  private readonly completionWaiters = new Map<string, Array<() => void>>();

  constructor(private readonly opts: TransactionCoordinatorOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock;
    this.config = { ...DEFAULT_TRANSACTION_CONFIG, ...opts.config };
    const hooks = {
      onLoaded: (s: Shard) => this.onShardLoaded(s),
      onUnloaded: (s: Shard) => this.markers.removeForTxnPartition(s.partition),
      abortTimedOut: (s: Shard) => this.abortTimedOutTransactions(s),
      expireTransactionalIds: (s: Shard) => this.expireTransactionalIds(s),
      abortTimedOutIntervalMs: this.config.abortTimedOutTransactionsIntervalMs,
      expirationIntervalMs: this.config.removeExpiredTransactionalIdsIntervalMs,
    };
    this.runtime = new CoordinatorRuntime<Shard, TransactionRecord>({
      name: 'transaction coordinator',
      writer: opts.store,
      loader: opts.store,
      serde: transactionRecordSerde,
      buildShard: (ctx) => new TransactionCoordinatorShard(ctx, hooks),
      clock: opts.clock,
      scheduler: opts.scheduler,
      logger: this.logger,
      yieldToEventLoop: opts.yieldToEventLoop,
    });
    this.markers = new TransactionMarkerChannel({
      leaderOf: opts.leaderOf,
      send: opts.sendMarkers,
      onComplete: (job) => this.writeCompletion(job),
      onDropped: (job) => this.markersSettled(job.transactionalId),
      defer: opts.deferMarkers ?? ((fn) => void setImmediate(fn)),
      scheduler: opts.scheduler,
      logger: this.logger,
      retryBackoffMs: opts.markerRetryBackoffMs,
    });
  }

  // ================================================================ lifecycle and leadership

  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    if ((this.opts.leadership ?? 'all') === 'all') {
      await Promise.all(Array.from({ length: this.partitionCount }, (_, p) => this.runtime.scheduleLoadOperation(p, 0)));
    }
    this.logger.info({ partitions: this.runtime.activeShards().length }, 'transaction coordinator started');
  }

  async shutdown(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.markers.close();
    this.runtime.close();
  }

  isActive(): boolean {
    return this.active;
  }

  get partitionCount(): number {
    return this.opts.store.partitionCount;
  }

  /** This broker became the leader of a __transaction_state partition: load it (Kafka's onElection). */
  async onElection(partition: number, leaderEpoch: number): Promise<void> {
    const wasActive = this.runtime.state(partition) === 'active';
    this.markers.removeForTxnPartition(partition);
    await this.runtime.scheduleLoadOperation(partition, leaderEpoch);
    // Still the leader at a newer epoch (the shard stays): the markers go out again with the new coordinator epoch.
    const shard = this.runtime.shard(partition);
    if (wasActive && shard) this.onShardLoaded(shard);
  }

  /** This broker no longer leads the partition: unload it, drop its pending markers. */
  onResignation(partition: number, leaderEpoch?: number): void {
    this.runtime.scheduleUnloadOperation(partition, leaderEpoch);
    if (this.runtime.state(partition) === undefined) this.markers.removeForTxnPartition(partition);
  }

  /** Kafka's partitionFor: Utils.abs(transactionalId.hashCode) % transaction.state.log.num.partitions. */
  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.partitionCount);
  }

  /** Creates __transaction_state if needed (FindCoordinator for a transactional id); COORDINATOR_NOT_AVAILABLE when that fails. */
  async ensureTopic(): Promise<number> {
    try {
      await this.opts.store.ensureTopic();
      return ErrorCode.NONE;
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'could not create the transaction state topic');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  private status(transactionalId: string): number {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    switch (this.runtime.state(this.partitionFor(transactionalId))) {
      case undefined:
        return ErrorCode.NOT_COORDINATOR;
      case 'loading':
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      case 'failed':
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      default:
        return ErrorCode.NONE;
    }
  }

  /** The transaction.version records are written for: value v1 from transaction.version 1 on. */
  private valueVersion(): number {
    return this.opts.transactionVersion() >= 1 ? 1 : 0;
  }

  /**
   * The record of a new state. What replays is what the record carries:
   * value version 0 (transaction.version 0) has no PreviousProducerId,
   * NextProducerId or ClientTransactionVersion, so the state keeps none
   * either, live or loaded.
   */
  private record(m: TransactionMetadata): TransactionRecord {
    const valueVersion = this.valueVersion();
    const metadata = valueVersion >= 1 ? m : { ...m, prevProducerId: NO_PRODUCER_ID, nextProducerId: NO_PRODUCER_ID, clientTransactionVersion: 0 };
    return { transactionalId: m.transactionalId, metadata, valueVersion };
  }

  /** The transaction.version a client's request is handled with: KIP-890 part 2 only once transaction.version 2 is finalized. */
  private effectiveClientVersion(clientTransactionVersion: number): number {
    return this.opts.transactionVersion() >= 2 ? clientTransactionVersion : 0;
  }

  /**
   * Runs an operation on the transactional id's shard; an operation that
   * needs a new producer id gets one (asked of the controller's block
   * outside the operation) and runs again. Errors it throws (and storage
   * errors of its append, mapped as Kafka's appendTransactionToLog does)
   * become the error code.
   */
  private async run<T>(name: string, transactionalId: string, op: (shard: Shard, newProducerId: bigint | undefined) => MaybeNeedsId<Result<T>>): Promise<T> {
    let newProducerId: bigint | undefined;
    for (let attempt = 0; ; attempt++) {
      let needsId = false;
      const out = await this.runtime.scheduleWriteOperation(name, this.partitionFor(transactionalId), (shard): Result<T | typeof NEED_PRODUCER_ID> => {
        const r = op(shard, newProducerId);
        if (r === NEED_PRODUCER_ID) {
          needsId = true;
          return { records: [], response: NEED_PRODUCER_ID };
        }
        return r;
      });
      if (!needsId) return out as T;
      if (attempt > 3) throw new CoordinatorError(ErrorCode.UNKNOWN_SERVER_ERROR, 'could not allocate a producer id');
      try {
        newProducerId = await this.opts.generateProducerId();
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, 'could not allocate a producer id');
        throw new CoordinatorError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
  }

  private codeOf(e: unknown): number {
    if (e instanceof CoordinatorError) return mapWriteError(e.errorCode);
    this.logger.error({ err: (e as Error)?.stack }, 'transaction coordinator operation failed');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  // ================================================================ InitProducerId

  /**
   * InitProducerId for a transactional id: a producer id and a bumped epoch
   * (fencing older producers of the id). `expected` (v3+, KIP-360) is the
   * id and epoch the producer had: a retry of a successful bump gets the same
   * answer, a fenced epoch PRODUCER_FENCED. An open transaction is aborted
   * with a bumped epoch first and the answer is CONCURRENT_TRANSACTIONS
   * (the client retries and gets the next epoch).
   */
  async initProducerId(transactionalId: string, transactionTimeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | null): Promise<InitProducerIdResult> {
    const error = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (transactionalId === '') return error(ErrorCode.INVALID_REQUEST);
    if (!(transactionTimeoutMs > 0 && transactionTimeoutMs <= this.config.transactionMaxTimeoutMs)) return error(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const status = this.status(transactionalId);
    if (status !== ErrorCode.NONE) return error(status);
    try {
      return await this.run<InitProducerIdResult>('InitProducerId', transactionalId, (shard, newId) => this.initProducerIdOp(shard, transactionalId, transactionTimeoutMs, expected, newId));
    } catch (e) {
      return error(this.codeOf(e));
    }
  }

  private initProducerIdOp(
    shard: Shard,
    transactionalId: string,
    timeoutMs: number,
    expected: { producerId: bigint; producerEpoch: number } | null,
    newProducerId: bigint | undefined,
  ): MaybeNeedsId<Result<InitProducerIdResult>> {
    const now = this.clock.now();
    let m = shard.get(transactionalId);
    if (!m) {
      if (newProducerId === undefined) return NEED_PRODUCER_ID;
      // A new transactional id (Kafka puts it in the cache at epoch -1, then bumps to 0).
      m = {
        transactionalId,
        producerId: newProducerId,
        prevProducerId: NO_PRODUCER_ID,
        nextProducerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        txnTimeoutMs: timeoutMs,
        state: 'Empty',
        partitions: [],
        txnStartTimestamp: -1,
        txnLastUpdateTimestamp: now,
        clientTransactionVersion: 0,
      };
      newProducerId = undefined;
    }
    const validProducerId =
      expected === null ||
      m.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === m.producerId ||
      (expected.producerId === m.prevProducerId && isEpochExhausted(expected.producerEpoch));
    if (!validProducerId) return fail(ErrorCode.PRODUCER_FENCED);
    switch (m.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      case 'Empty':
      case 'CompleteAbort':
      case 'CompleteCommit': {
        let next: TransactionMetadata;
        if (isEpochExhausted(m.producerEpoch) && (expected === null || expected.producerEpoch === m.producerEpoch)) {
          // The epochs of this producer id are used up: rotate to a new one.
          if (newProducerId === undefined) return NEED_PRODUCER_ID;
          next = this.transit(m, {
            state: 'Empty',
            producerId: newProducerId,
            producerEpoch: 0,
            lastProducerEpoch: expected !== null ? m.producerEpoch : NO_PRODUCER_EPOCH,
            txnTimeoutMs: timeoutMs,
            partitions: [],
            txnStartTimestamp: -1,
            clientTransactionVersion: 0,
          }, now);
        } else {
          let epoch: number;
          let last: number;
          if (expected === null) {
            epoch = m.producerEpoch + 1;
            last = NO_PRODUCER_EPOCH;
          } else if (m.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === m.producerEpoch) {
            epoch = m.producerEpoch + 1;
            last = m.producerEpoch;
          } else if (expected.producerEpoch === m.lastProducerEpoch) {
            // A retry of a bump that succeeded: the same answer again.
            epoch = m.producerEpoch;
            last = m.lastProducerEpoch;
          } else {
            this.logger.info({ transactionalId, expected: expected.producerEpoch, current: m.producerEpoch, last: m.lastProducerEpoch }, 'InitProducerId with a fenced epoch');
            return fail(ErrorCode.PRODUCER_FENCED);
          }
          next = this.transit(m, { state: 'Empty', producerEpoch: epoch, lastProducerEpoch: last, txnTimeoutMs: timeoutMs, partitions: [], txnStartTimestamp: -1, clientTransactionVersion: 0 }, now);
        }
        return {
          records: [this.record(next)],
          response: { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch },
          onCommitted: (code) => {
            if (code === ErrorCode.NONE) this.logger.info({ transactionalId, producerId: String(next.producerId), producerEpoch: next.producerEpoch, partition: shard.partition }, 'initialized transactional id');
          },
        };
      }
      case 'Ongoing': {
        // Fence the producer of the open transaction and abort it; the client retries.
        const aborted = this.fenceAndAbort(m, now);
        return {
          records: [this.record(aborted)],
          response: { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH },
          onCommitted: (code) => {
            if (code === ErrorCode.NONE) this.startMarkers(shard, aborted);
          },
        };
      }
      default:
        throw new Error(`Found transactionalId ${transactionalId} with state ${m.state}. This is illegal as we should never have transitioned to this state.`);
    }
  }

  /**
   * Kafka's prepareFenceProducerEpoch followed by the abort with the
   * server's transaction.version: the open transaction goes to PrepareAbort
   * with the epoch bumped (and bumped again under transaction.version 2).
   */
  private fenceAndAbort(m: TransactionMetadata, now: number): TransactionMetadata {
    if (m.producerEpoch >= MAX_EPOCH) throw new Error(`Cannot fence producer with epoch equal to Short.MaxValue since this would overflow`);
    const fenced = m.producerEpoch + 1;
    const tv = this.opts.transactionVersion();
    const bump = tv >= 2 && fenced < MAX_EPOCH;
    return this.transit(
      m,
      {
        state: 'PrepareAbort',
        producerEpoch: bump ? fenced + 1 : fenced,
        lastProducerEpoch: bump ? fenced : NO_PRODUCER_EPOCH,
        nextProducerId: NO_PRODUCER_ID,
        clientTransactionVersion: tv >= 2 ? 2 : m.clientTransactionVersion,
      },
      now,
    );
  }

  /** A transition: the new state with `changes` applied; the previous producer id is the current one (as Kafka's TxnTransitMetadata). */
  private transit(m: TransactionMetadata, changes: Partial<TransactionMetadata>, now: number): TransactionMetadata {
    return {
      ...m,
      nextProducerId: NO_PRODUCER_ID,
      ...changes,
      prevProducerId: m.producerId,
      txnLastUpdateTimestamp: now,
    };
  }

  // ================================================================ AddPartitionsToTxn, AddOffsetsToTxn

  /**
   * Adds partitions to the producer's transaction (starting it). From
   * clients (AddPartitionsToTxn v0-3, AddOffsetsToTxn) with
   * clientTransactionVersion 0; from partition leaders implicitly adding
   * partitions for a transaction.version 2 producer (v4+, verifyOnly false)
   * with 2.
   */
  async addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TxnPartition[], clientTransactionVersion = 0): Promise<number> {
    const code = await this.addPartitionsOnce(transactionalId, producerId, producerEpoch, partitions, clientTransactionVersion);
    // The previous transaction's markers are still being written (a producer starting the next one right
    // after EndTxn): wait for them rather than have it back off and retry.
    if (code === ErrorCode.CONCURRENT_TRANSACTIONS && (await this.waitForCompletion(transactionalId))) {
      return this.addPartitionsOnce(transactionalId, producerId, producerEpoch, partitions, clientTransactionVersion);
    }
    return code;
  }

  /** Resolves true when the markers of the id's previous transaction were being written and are now done (or dropped). */
  private waitForCompletion(transactionalId: string): Promise<boolean> {
    if (!this.completing.has(transactionalId)) return Promise.resolve(false);
    this.logger.debug({ transactionalId }, 'waiting for the markers of the previous transaction');
    return new Promise<boolean>((resolve) => {
      let waiters = this.completionWaiters.get(transactionalId);
      if (!waiters) this.completionWaiters.set(transactionalId, (waiters = []));
      const task = this.opts.scheduler.schedule(this.opts.completionWaitMs ?? 5000, () => done(false));
      let settled = false;
      const done = (ok: boolean) => {
        if (settled) return;
        settled = true;
        task.cancel();
        resolve(ok);
      };
      waiters.push(() => done(true));
    });
  }

  /** The id's markers are written and its completion settled (or the job was dropped): wake who waits. */
  private markersSettled(transactionalId: string): void {
    this.completing.delete(transactionalId);
    const waiters = this.completionWaiters.get(transactionalId);
    if (!waiters) return;
    this.completionWaiters.delete(transactionalId);
    for (const w of waiters) w();
  }

  private async addPartitionsOnce(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TxnPartition[], clientTransactionVersion: number): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const status = this.status(transactionalId);
    if (status !== ErrorCode.NONE) return status;
    clientTransactionVersion = this.effectiveClientVersion(clientTransactionVersion);
    try {
      return await this.run<number>('AddPartitionsToTxn', transactionalId, (shard) => {
        const m = shard.get(transactionalId);
        if (!m || m.producerId !== producerId) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        if (m.producerEpoch !== producerEpoch) return fail(ErrorCode.PRODUCER_FENCED);
        if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
        if (m.state === 'Ongoing' && containsAll(m.partitions, partitions)) return { records: [], response: ErrorCode.NONE };
        const now = this.clock.now();
        const starting = m.state === 'Empty' || m.state === 'CompleteAbort' || m.state === 'CompleteCommit';
        const next = this.transit(
          m,
          {
            state: 'Ongoing',
            partitions: unionPartitions(m.partitions, partitions),
            txnStartTimestamp: starting ? now : m.txnStartTimestamp,
            clientTransactionVersion: starting ? clientTransactionVersion : Math.max(m.clientTransactionVersion, clientTransactionVersion),
          },
          now,
        );
        return { records: [this.record(next)], response: ErrorCode.NONE };
      });
    } catch (e) {
      return this.codeOf(e);
    }
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): Promise<number> {
    return this.addPartitions(transactionalId, producerId, producerEpoch, [{ topic: '__consumer_offsets', partition: partitionForGroup(groupId, this.opts.offsetsTopicPartitions) }]);
  }

  /**
   * KIP-890 part 1: whether the partitions are in the producer's open
   * transaction (AddPartitionsToTxn v4+ with verifyOnly): per partition NONE
   * or TRANSACTION_ABORTABLE; for the whole transaction
   * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED or CONCURRENT_TRANSACTIONS.
   */
  async verifyPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TxnPartition[]): Promise<Map<TxnPartition, number>> {
    const first = await this.verifyPartitionsOnce(transactionalId, producerId, producerEpoch, partitions);
    if ([...first.values()].some((c) => c === ErrorCode.CONCURRENT_TRANSACTIONS) && (await this.waitForCompletion(transactionalId))) {
      return this.verifyPartitionsOnce(transactionalId, producerId, producerEpoch, partitions);
    }
    return first;
  }

  private async verifyPartitionsOnce(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TxnPartition[]): Promise<Map<TxnPartition, number>> {
    const all = (code: number) => new Map(partitions.map((p) => [p, code]));
    if (transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
    const status = this.status(transactionalId);
    if (status !== ErrorCode.NONE) return all(status);
    try {
      return await this.runtime.scheduleReadOperation('VerifyPartitionsInTxn', this.partitionFor(transactionalId), (shard) => {
        const m = shard.get(transactionalId);
        if (!m || m.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        if (m.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
        if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return all(ErrorCode.CONCURRENT_TRANSACTIONS);
        return new Map(partitions.map((p) => [p, containsAll(m.partitions, [p]) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE]));
      });
    } catch (e) {
      return all(this.codeOf(e));
    }
  }

  // ================================================================ EndTxn

  /**
   * EndTxn: PrepareCommit/PrepareAbort is written, the answer given once it
   * is committed, the markers follow. `clientTransactionVersion` 2 (EndTxn
   * v5, KIP-890 part 2) bumps the epoch with every transaction: the answer
   * carries the producer id and epoch for the next one (a new producer id
   * when the epoch ran out). Retries of an EndTxn that was applied get NONE
   * (completed) or CONCURRENT_TRANSACTIONS (markers still being written).
   */
  async endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, clientTransactionVersion: number): Promise<EndTxnResult> {
    const error = (errorCode: number): EndTxnResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (transactionalId === '') return error(ErrorCode.INVALID_REQUEST);
    const status = this.status(transactionalId);
    if (status !== ErrorCode.NONE) return error(status);
    clientTransactionVersion = this.effectiveClientVersion(clientTransactionVersion);
    try {
      return await this.run<EndTxnResult>('EndTxn', transactionalId, (shard, newId) => this.endTxnOp(shard, transactionalId, producerId, producerEpoch, commit, clientTransactionVersion, newId));
    } catch (e) {
      return error(this.codeOf(e));
    }
  }

  private endTxnOp(
    shard: Shard,
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
    tv: number,
    newProducerId: bigint | undefined,
  ): MaybeNeedsId<Result<EndTxnResult>> {
    const m = shard.get(transactionalId);
    if (!m) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const v2 = m.clientTransactionVersion >= 2;
    const retryOnOverflow = v2 && m.prevProducerId === producerId && producerEpoch === MAX_EPOCH - 1 && m.producerEpoch === 0;
    const retryOnEpochBump = v2 && m.producerEpoch === producerEpoch + 1;
    let validEpoch: boolean;
    if (v2) {
      switch (m.state) {
        case 'PrepareCommit':
        case 'PrepareAbort':
          validEpoch = retryOnEpochBump;
          break;
        case 'CompleteCommit':
        case 'CompleteAbort':
          validEpoch = retryOnEpochBump || retryOnOverflow;
          break;
        default:
          validEpoch = producerEpoch === m.producerEpoch;
      }
    } else {
      validEpoch = producerEpoch === m.producerEpoch;
    }
    if (m.producerId !== producerId && !retryOnOverflow) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (!validEpoch) return fail(ErrorCode.PRODUCER_FENCED);
    const current = (): Result<EndTxnResult> => ({ records: [], response: { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch } });
    switch (m.state) {
      case 'Ongoing': {
        let nextProducerId = NO_PRODUCER_ID;
        if (tv >= 2 && isEpochExhausted(m.producerEpoch)) {
          if (newProducerId === undefined) return NEED_PRODUCER_ID;
          nextProducerId = newProducerId;
        }
        const now = this.clock.now();
        const next = this.transit(
          m,
          {
            state: commit ? 'PrepareCommit' : 'PrepareAbort',
            producerEpoch: tv >= 2 ? m.producerEpoch + 1 : m.producerEpoch,
            lastProducerEpoch: tv >= 2 ? m.producerEpoch : m.lastProducerEpoch,
            nextProducerId,
            clientTransactionVersion: tv,
          },
          now,
        );
        // What the transaction completes into: with KIP-890 part 2 the producer continues with it.
        const completed = this.completed(next);
        return {
          records: [this.record(next)],
          response: { errorCode: ErrorCode.NONE, producerId: completed.producerId, producerEpoch: completed.producerEpoch },
          onCommitted: (code) => {
            if (code === ErrorCode.NONE) this.startMarkers(shard, next);
          },
        };
      }
      case 'CompleteCommit':
        return commit ? current() : fail(ErrorCode.INVALID_TXN_STATE);
      case 'CompleteAbort':
        return !commit ? current() : fail(ErrorCode.INVALID_TXN_STATE);
      case 'PrepareCommit':
        return fail(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case 'PrepareAbort':
        return fail(!commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case 'Empty':
        return fail(ErrorCode.INVALID_TXN_STATE);
      default:
        throw new Error(`Found transactionalId ${transactionalId} with state ${m.state}. This is illegal as we should never have transitioned to this state.`);
    }
  }

  /** Kafka's prepareComplete: the state once a PrepareCommit/PrepareAbort transaction's markers are written. */
  private completed(m: TransactionMetadata): TransactionMetadata {
    const rotate = m.clientTransactionVersion >= 2 && m.nextProducerId !== NO_PRODUCER_ID;
    return this.transit(
      m,
      {
        state: m.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort',
        producerId: rotate ? m.nextProducerId : m.producerId,
        producerEpoch: rotate ? 0 : m.producerEpoch,
        lastProducerEpoch: m.producerEpoch,
        nextProducerId: NO_PRODUCER_ID,
        partitions: [],
      },
      this.clock.now(),
    );
  }

  // ================================================================ markers

  private startMarkers(shard: Shard, m: TransactionMetadata): void {
    if (m.state !== 'PrepareCommit' && m.state !== 'PrepareAbort') return;
    const epoch = this.runtime.epochOf(shard.partition);
    if (epoch === undefined) return;
    this.completing.add(m.transactionalId);
    this.markers.add(
      {
        transactionalId: m.transactionalId,
        txnPartition: shard.partition,
        coordinatorEpoch: epoch,
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        result: m.state === 'PrepareCommit' ? 'COMMIT' : 'ABORT',
      },
      m.partitions,
    );
  }

  private onShardLoaded(shard: Shard): void {
    for (const m of shard.transactions.values()) {
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') {
        this.logger.info({ transactionalId: m.transactionalId, state: m.state, partition: shard.partition }, 'sending the markers of a transaction after loading');
        this.startMarkers(shard, m);
      }
    }
  }

  /** Every marker is written: CompleteCommit/CompleteAbort, retried while the partition is unavailable. */
  private writeCompletion(job: MarkerJob, attempt = 0): void {
    if (!this.active) {
      this.markersSettled(job.transactionalId);
      return;
    }
    const expectState: TransactionStateName = job.result === 'COMMIT' ? 'PrepareCommit' : 'PrepareAbort';
    this.runtime
      .scheduleWriteOperation('CompleteTxn', job.txnPartition, (shard): Result<void> => {
        const m = shard.get(job.transactionalId);
        if (!m || m.state !== expectState || m.producerId !== job.producerId || m.producerEpoch !== job.producerEpoch || this.runtime.epochOf(shard.partition) !== job.coordinatorEpoch) {
          this.logger.info({ transactionalId: job.transactionalId, state: m?.state }, 'the transaction changed while its markers were written; not completing it');
          return { records: [], response: undefined };
        }
        return { records: [this.record(this.completed(m))], response: undefined };
      })
      .then(() => this.markersSettled(job.transactionalId))
      .catch((e: unknown) => {
        const code = e instanceof CoordinatorError ? mapWriteError(e.errorCode) : ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE && attempt < 50 && this.active) {
          this.opts.scheduler.schedule(Math.min(1000, 50 * 2 ** Math.min(attempt, 4)), () => this.writeCompletion(job, attempt + 1));
          return;
        }
        // NOT_COORDINATOR / loading: the next leader completes it when it loads.
        this.logger.info({ transactionalId: job.transactionalId, error: code }, 'could not write the completion of a transaction');
        this.markersSettled(job.transactionalId);
      });
  }

  // ================================================================ timers

  /** Aborts transactions open longer than their timeout, fencing their producer (Kafka's abortTimedOutTransactions). */
  private abortTimedOutTransactions(shard: Shard): Result<void> {
    const now = this.clock.now();
    const records: TransactionRecord[] = [];
    const aborted: TransactionMetadata[] = [];
    for (const m of shard.transactions.values()) {
      if (m.state !== 'Ongoing' || m.txnStartTimestamp + m.txnTimeoutMs >= now) continue;
      if (m.producerEpoch >= MAX_EPOCH) continue;
      const next = this.fenceAndAbort(m, now);
      this.logger.info({ transactionalId: m.transactionalId, producerId: String(m.producerId), producerEpoch: m.producerEpoch, timeoutMs: m.txnTimeoutMs }, 'aborting a transaction that timed out');
      records.push(this.record(next));
      aborted.push(next);
    }
    if (records.length === 0) return { records: [], response: undefined };
    return {
      records,
      response: undefined,
      onCommitted: (code) => {
        if (code === ErrorCode.NONE) for (const m of aborted) this.startMarkers(shard, m);
        else this.logger.warn({ error: code }, 'could not abort timed-out transactions; retrying at the next check');
      },
    };
  }

  /** Removes transactional ids idle for transactional.id.expiration.ms (tombstones). */
  private expireTransactionalIds(shard: Shard): Result<void> {
    const now = this.clock.now();
    const records: TransactionRecord[] = [];
    for (const m of shard.transactions.values()) {
      if (isExpirationAllowed(m.state) && m.txnLastUpdateTimestamp <= now - this.config.transactionalIdExpirationMs) {
        records.push({ transactionalId: m.transactionalId, metadata: null });
      }
    }
    if (records.length > 0) this.logger.info({ partition: shard.partition, expired: records.length }, 'expiring transactional ids');
    return { records, response: undefined, onCommitted: () => undefined };
  }

  // ================================================================ DescribeTransactions, ListTransactions

  async describe(transactionalId: string): Promise<DescribeTransactionsResponse.TransactionState> {
    const base: DescribeTransactionsResponse.TransactionState = {
      errorCode: 0,
      transactionalId,
      transactionState: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: 0n,
      producerId: 0n,
      producerEpoch: 0,
      topics: [],
    };
    if (!this.active) return { ...base, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (transactionalId === '') return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
    const status = this.status(transactionalId);
    if (status !== ErrorCode.NONE) return { ...base, errorCode: status };
    try {
      return await this.runtime.scheduleReadOperation('DescribeTransactions', this.partitionFor(transactionalId), (shard) => {
        const m = shard.get(transactionalId);
        if (!m || m.state === 'Dead') return { ...base, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
        const topics: DescribeTransactionsResponse.TopicData[] = [];
        for (const p of this.pendingPartitions(m)) {
          const last = topics[topics.length - 1];
          if (last && last.topic === p.topic) last.partitions.push(p.partition);
          else topics.push({ topic: p.topic, partitions: [p.partition] });
        }
        return {
          ...base,
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          transactionState: m.state,
          transactionTimeoutMs: m.txnTimeoutMs,
          transactionStartTimeMs: BigInt(m.txnStartTimestamp),
          topics,
        };
      });
    } catch (e) {
      return { ...base, errorCode: this.codeOf(e) };
    }
  }

  /** The partitions still in the transaction (those whose marker is still pending while it completes). */
  private pendingPartitions(m: TransactionMetadata): readonly TxnPartition[] {
    if (m.state !== 'PrepareCommit' && m.state !== 'PrepareAbort') return m.partitions;
    const job = this.markers.jobOf(m.transactionalId);
    if (!job || job.producerId !== m.producerId || job.producerEpoch !== m.producerEpoch) return m.partitions;
    return m.partitions.filter((p) => job.remaining.has(`${p.topic}\u0000${p.partition}`));
  }

  /**
   * ListTransactions over every shard here: filters by state name (unknown
   * names are listed back), producer id, and (v1) minimum running time.
   * COORDINATOR_LOAD_IN_PROGRESS while a shard loads.
   */
  async list(stateFilters: string[], producerIdFilters: bigint[], durationFilterMs: number): Promise<ListTransactionsResponse> {
    const res: ListTransactionsResponse = { throttleTimeMs: 0, errorCode: 0, unknownStateFilters: [], transactionStates: [] };
    if (!this.active) return { ...res, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (this.runtime.partitions().some((p) => this.runtime.state(p) === 'loading')) return { ...res, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    const states = new Set<string>();
    for (const s of stateFilters) {
      if ((TRANSACTION_STATES as readonly string[]).includes(s)) states.add(s);
      else res.unknownStateFilters.push(s);
    }
    const pids = new Set(producerIdFilters);
    const now = this.clock.now();
    const perShard = await Promise.all(
      this.runtime.activeShards().map(({ partition }) =>
        this.runtime
          .scheduleReadOperation('ListTransactions', partition, (shard) => {
            const out: ListTransactionsResponse.TransactionState[] = [];
            for (const m of shard.transactions.values()) {
              if (m.state === 'Dead') continue;
              if (pids.size > 0 && !pids.has(m.producerId)) continue;
              if (stateFilters.length > 0 && !states.has(m.state)) continue;
              if (durationFilterMs >= 0 && now - m.txnStartTimestamp <= durationFilterMs) continue;
              out.push({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: m.state });
            }
            return out;
          })
          .catch(() => [] as ListTransactionsResponse.TransactionState[]),
      ),
    );
    res.transactionStates = perShard.flat();
    return res;
  }

  /** A transactional id's state (tests and tools); undefined when unknown or not here. */
  transaction(transactionalId: string): TransactionMetadata | undefined {
    return this.runtime.shard(this.partitionFor(transactionalId))?.get(transactionalId);
  }
}
