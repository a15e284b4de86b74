/**
 * The transactional side of the producer (the Java client's
 * TransactionManager): the transactional id's producer id and epoch from
 * InitProducerId, the states UNINITIALIZED -> READY -> IN_TRANSACTION ->
 * COMMITTING_TRANSACTION / ABORTING_TRANSACTION -> READY, the partitions
 * added to the transaction before their first batch is sent
 * (AddPartitionsToTxn), offsets committed inside it (AddOffsetsToTxn +
 * TxnOffsetCommit), and EndTxn.
 *
 * Once the cluster finalizes transaction.version 2 (KIP-890 part 2) the
 * transaction starts on the brokers: batches go out at once as Produce v12
 * (their leaders add the partitions), offsets as TxnOffsetCommit v5, and
 * EndTxn v5 answers with the epoch (or producer id) for the next
 * transaction, so every transaction fences the ones before it.
 *
 * Errors, as the Java client sorts them: fatal (the producer is fenced:
 * PRODUCER_FENCED / INVALID_PRODUCER_EPOCH, TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
 * INVALID_TRANSACTION_TIMEOUT, UNSUPPORTED_VERSION) make every later call
 * fail; abortable ones (a failed batch, TRANSACTION_ABORTABLE, a rejected
 * offset commit) fail the commit and leave abortTransaction() to the caller.
 */
import { NagareError } from '@nagare/common';
import { ApiKey, ErrorCode, KafkaProtocolError, isRetriable, type RequestByKey, type ResponseByKey } from '@nagare/protocol';
import { CoordinatorType, type BrokerInfo, type Cluster } from '../cluster';
import { sleep, type ResolvedCommonOptions } from '../config';
import type { BrokerConnection } from '../network/connection';

export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';

/** The consumer's group metadata, as `sendOffsetsToTransaction` takes it (Java's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

/** An offset to commit in a transaction: the next offset to consume. */
export interface TransactionOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch?: number;
  metadata?: string;
}

/** What the transaction manager needs from its producer. */
export interface TransactionalProducerHooks {
  producerIdAndEpoch(): { producerId: number; producerEpoch: number };
  /** Sets a new producer id / epoch; sequences of every partition restart at 0. */
  setProducerIdAndEpoch(producerId: number, producerEpoch: number): void;
  /** Waits until every batch appended so far is acknowledged or failed. */
  flushAll(): Promise<void>;
  /** Fails the batches not sent yet (abort) and waits for those in flight. */
  abortUndrainedBatches(err: Error): Promise<void>;
  /** Lets the sender look at the partitions again (one was added to the transaction). */
  wakeup(): void;
}

const FATAL: ReadonlySet<number> = new Set([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.INVALID_TRANSACTION_TIMEOUT,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
]);
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
/** Backoff for CONCURRENT_TRANSACTIONS, as the Java client shortens it (20 ms). */
const CONCURRENT_BACKOFF_MS = 20;

function fenced(code: number): boolean {
  return code === ErrorCode.PRODUCER_FENCED || code === ErrorCode.INVALID_PRODUCER_EPOCH;
}

export class TransactionManager {
  state: TransactionState = 'UNINITIALIZED';
  /** The error behind ABORTABLE_ERROR / FATAL_ERROR. */
  lastError: Error | null = null;
  /** Whether this transaction runs with transaction.version 2 (KIP-890 part 2). */
  v2 = false;
  /** Partitions added to the current transaction (topic \0 partition). */
  private readonly added = new Set<string>();
  /** Partitions waiting to be added (the next AddPartitionsToTxn). */
  private readonly toAdd = new Map<string, { topic: string; partition: number }>();
  private adding = false;
  /** Whether anything reached the brokers in this transaction (EndTxn is skipped otherwise). */
  private started = false;
  /** Set after an error that left the partitions' sequences broken: the epoch is bumped after the abort (KIP-360). */
  private epochBumpRequired = false;
  private pendingOperation: Promise<void> | null = null;

  constructor(
    readonly transactionalId: string,
    readonly transactionTimeoutMs: number,
    private readonly cluster: Cluster,
    private readonly common: ResolvedCommonOptions,
    private readonly producer: TransactionalProducerHooks,
    private readonly maxBlockMs: number,
  ) {}

  // ---- state checks ---------------------------------------------------------------------------

  private fail(state: 'ABORTABLE_ERROR' | 'FATAL_ERROR', err: Error): void {
    if (this.state === 'FATAL_ERROR') return;
    if (state === 'ABORTABLE_ERROR' && (this.state === 'ABORTING_TRANSACTION' || this.state === 'UNINITIALIZED')) return;
    this.lastError = err;
    this.state = state;
    this.common.logger.info({ transactionalId: this.transactionalId, state, err: err.message }, 'transaction failed');
  }

  /** A fatal error (fenced, unauthorized): every later call fails with it. */
  fatal(err: Error): void {
    this.fail('FATAL_ERROR', err);
  }

  /** An abortable error: the transaction must be aborted. */
  abortable(err: Error, bumpEpoch = false): void {
    if (bumpEpoch) this.epochBumpRequired = true;
    this.fail('ABORTABLE_ERROR', err);
  }

  private maybeFailWithError(): void {
    if (this.state === 'FATAL_ERROR' || this.state === 'ABORTABLE_ERROR') {
      throw new NagareError('CLIENT_CLOSED', `Cannot execute transactional method because we are in an error state: ${this.lastError?.message ?? this.state}`, { cause: this.lastError ?? undefined });
    }
  }

  private illegal(what: string): never {
    throw new NagareError('INVALID_CONFIG', `Invalid transition attempted from state ${this.state} (${what})`);
  }

  /** For send(): records may go out only inside a transaction. */
  failIfNotReadyForSend(): void {
    if (this.state === 'FATAL_ERROR' || this.state === 'ABORTABLE_ERROR') {
      throw new NagareError('CLIENT_CLOSED', 'Cannot perform send because at least one previous transactional or idempotent request has failed with errors.', { cause: this.lastError ?? undefined });
    }
    if (this.state === 'UNINITIALIZED' || this.state === 'INITIALIZING') {
      throw new NagareError('INVALID_CONFIG', "Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled.");
    }
    if (this.state !== 'IN_TRANSACTION') throw new NagareError('INVALID_CONFIG', `Cannot call send in state ${this.state}`);
  }

  get hasProducerId(): boolean {
    return this.producer.producerIdAndEpoch().producerId >= 0;
  }

  // ---- partitions ------------------------------------------------------------------------------

  /**
   * Whether a partition's batches may be sent: always with KIP-890 part 2,
   * else once it is added to the transaction (asking for it if needed).
   */
  canSend(topic: string, partition: number): boolean {
    if (this.v2) {
      this.started = true;
      return this.state === 'IN_TRANSACTION' || this.state === 'COMMITTING_TRANSACTION' || this.state === 'ABORTING_TRANSACTION';
    }
    const key = `${topic}\u0000${partition}`;
    if (this.added.has(key)) return true;
    if (this.state !== 'IN_TRANSACTION' && this.state !== 'COMMITTING_TRANSACTION') return false;
    if (!this.toAdd.has(key)) this.toAdd.set(key, { topic, partition });
    if (!this.adding) void this.addPartitions();
    return false;
  }

  private async addPartitions(): Promise<void> {
    this.adding = true;
    try {
      while (this.toAdd.size > 0 && (this.state === 'IN_TRANSACTION' || this.state === 'COMMITTING_TRANSACTION')) {
        const batch = [...this.toAdd];
        const byTopic = new Map<string, number[]>();
        for (const [, p] of batch) {
          let list = byTopic.get(p.topic);
          if (!list) byTopic.set(p.topic, (list = []));
          list.push(p.partition);
        }
        const { producerId, producerEpoch } = this.producer.producerIdAndEpoch();
        const res = await this.coordinatorRequest(ApiKey.AddPartitionsToTxn, () => ({
          transactions: [],
          v3AndBelowTransactionalId: this.transactionalId,
          v3AndBelowProducerId: BigInt(producerId),
          v3AndBelowProducerEpoch: producerEpoch,
          v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        }), { maxVersion: 3 });
        let retry = false;
        let error: number = ErrorCode.NONE;
        for (const t of res.resultsByTopicV3AndBelow) {
          for (const p of t.resultsByPartition) {
            const key = `${t.name}\u0000${p.partitionIndex}`;
            const code = p.partitionErrorCode;
            if (code === ErrorCode.NONE) {
              this.toAdd.delete(key);
              this.added.add(key);
              this.started = true;
            } else if (code === ErrorCode.CONCURRENT_TRANSACTIONS || code === ErrorCode.OPERATION_NOT_ATTEMPTED || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || COORDINATOR_MOVED.has(code)) {
              if (COORDINATOR_MOVED.has(code)) this.cluster.invalidateCoordinator(this.transactionalId, CoordinatorType.Transaction);
              retry = true;
            } else if (error === ErrorCode.NONE) {
              error = code;
            }
          }
        }
        if (error !== ErrorCode.NONE) {
          const err = new KafkaProtocolError(error, `AddPartitionsToTxn for transactional id ${this.transactionalId}`);
          if (FATAL.has(error)) this.fatal(err);
          else this.abortable(err);
          this.producer.wakeup();
          return;
        }
        this.producer.wakeup();
        if (retry) await sleep(this.common.scheduler, CONCURRENT_BACKOFF_MS);
      }
    } catch (e) {
      if (FATAL.has((e as KafkaProtocolError).code)) this.fatal(e as Error);
      else this.abortable(e as Error);
      this.producer.wakeup();
    } finally {
      this.adding = false;
    }
  }

  // ---- coordinator requests ---------------------------------------------------------------------

  private async coordinator(): Promise<BrokerConnection> {
    const info: BrokerInfo = await this.cluster.findCoordinator(this.transactionalId, CoordinatorType.Transaction, this.maxBlockMs);
    const conn = this.cluster.coordinatorConnection(info);
    await conn.connect();
    return conn;
  }

  /**
   * A request to the transaction coordinator, retried (re-finding the
   * coordinator when it moved) on retriable errors until max.block.ms.
   * The response's top-level error, if any, is the caller's to judge.
   */
  private async coordinatorRequest<K extends keyof RequestByKey & keyof ResponseByKey>(
    apiKey: K,
    build: (version: number) => RequestByKey[K],
    opts: { minVersion?: number; maxVersion?: number } = {},
  ): Promise<ResponseByKey[K]> {
    const deadline = this.common.clock.monotonicMs() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const conn = await this.coordinator();
        return await conn.request(apiKey, build, opts);
      } catch (e) {
        const retriable = e instanceof NagareError ? e.retriable : e instanceof KafkaProtocolError ? e.retriable : false;
        if (!retriable || this.common.clock.monotonicMs() >= deadline) throw e;
        this.cluster.invalidateCoordinator(this.transactionalId, CoordinatorType.Transaction);
        await sleep(this.common.scheduler, this.common.retryBackoff.backoff(attempt));
      }
    }
  }

  /** Runs `fn` with retries for the coordinator errors a transactional request may get. */
  private async withRetries<T>(what: string, fn: () => Promise<{ errorCode: number; value: T }>): Promise<T> {
    const deadline = this.common.clock.monotonicMs() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      const { errorCode, value } = await fn();
      if (errorCode === ErrorCode.NONE) return value;
      const err = new KafkaProtocolError(errorCode, `${what} for transactional id ${this.transactionalId}`);
      if (COORDINATOR_MOVED.has(errorCode)) this.cluster.invalidateCoordinator(this.transactionalId, CoordinatorType.Transaction);
      const retry = errorCode === ErrorCode.CONCURRENT_TRANSACTIONS || errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || COORDINATOR_MOVED.has(errorCode) || (isRetriable(errorCode) && !fenced(errorCode));
      if (!retry || this.common.clock.monotonicMs() >= deadline) throw err;
      await sleep(this.common.scheduler, errorCode === ErrorCode.CONCURRENT_TRANSACTIONS ? CONCURRENT_BACKOFF_MS : this.common.retryBackoff.backoff(attempt));
    }
  }

  /** Whether the coordinator's cluster finalized transaction.version 2 and serves the versions it needs. */
  private async detectV2(): Promise<boolean> {
    const conn = await this.coordinator();
    const tv = conn.finalizedFeatures.get('transaction.version') ?? 0;
    return tv >= 2 && conn.versionFor(ApiKey.EndTxn, 5) >= 5 && conn.versionFor(ApiKey.Produce, 12) >= 12 && conn.versionFor(ApiKey.TxnOffsetCommit, 5) >= 5;
  }

  // ---- the API ---------------------------------------------------------------------------------

  private async exclusive(what: string, fn: () => Promise<void>): Promise<void> {
    if (this.pendingOperation) throw new NagareError('INVALID_CONFIG', `Cannot attempt operation \`${what}\` because the previous call is still in progress`);
    const p = fn().finally(() => (this.pendingOperation = null));
    this.pendingOperation = p;
    return p;
  }

  /** InitProducerId for the transactional id: fences older producers of it and aborts what they left open. */
  initTransactions(): Promise<void> {
    return this.exclusive('initTransactions', async () => {
      if (this.state === 'FATAL_ERROR') this.maybeFailWithError();
      if (this.state !== 'UNINITIALIZED') this.illegal('initTransactions');
      this.state = 'INITIALIZING';
      try {
        await this.initProducerId(false);
        await this.refreshTransactionVersion();
        this.state = 'READY';
      } catch (e) {
        if (this.state === 'INITIALIZING') this.state = FATAL.has((e as KafkaProtocolError).code) ? 'FATAL_ERROR' : 'UNINITIALIZED';
        if (this.state === 'FATAL_ERROR') this.lastError = e as Error;
        throw e;
      }
    });
  }

  /** InitProducerId; `bump` passes the current id and epoch (KIP-360) to get the next epoch of the same id. */
  private async initProducerId(bump: boolean): Promise<void> {
    const current = this.producer.producerIdAndEpoch();
    const res = await this.withRetries('InitProducerId', async () => {
      const r = await this.coordinatorRequest(ApiKey.InitProducerId, (v) => ({
        transactionalId: this.transactionalId,
        transactionTimeoutMs: this.transactionTimeoutMs,
        producerId: bump && v >= 3 ? BigInt(current.producerId) : -1n,
        producerEpoch: bump && v >= 3 ? current.producerEpoch : -1,
      }));
      return { errorCode: r.errorCode, value: r };
    });
    this.producer.setProducerIdAndEpoch(Number(res.producerId), res.producerEpoch);
    this.epochBumpRequired = false;
    this.common.logger.info({ transactionalId: this.transactionalId, producerId: Number(res.producerId), producerEpoch: res.producerEpoch }, 'initialized transactional producer');
  }

  beginTransaction(): void {
    if (this.pendingOperation) throw new NagareError('INVALID_CONFIG', 'Cannot attempt operation `beginTransaction` because the previous call is still in progress');
    this.maybeFailWithError();
    if (this.state !== 'READY') this.illegal('beginTransaction');
    this.state = 'IN_TRANSACTION';
    this.added.clear();
    this.toAdd.clear();
    this.started = false;
  }

  /** Refreshes whether the next transaction uses KIP-890 part 2 (called when it begins). */
  async refreshTransactionVersion(): Promise<void> {
    try {
      this.v2 = await this.detectV2();
    } catch {
      // Keep what we knew; the next request finds the coordinator again.
    }
  }

  /**
   * Commits `offsets` of the consumer group inside the transaction
   * (consume-transform-produce): AddOffsetsToTxn then TxnOffsetCommit to the
   * group's coordinator (only TxnOffsetCommit v5 with KIP-890 part 2). They
   * become visible when the transaction commits.
   */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    return this.exclusive('sendOffsetsToTransaction', async () => {
      this.maybeFailWithError();
      if (this.state !== 'IN_TRANSACTION') this.illegal('sendOffsetsToTransaction');
      if (offsets.length === 0) return;
      try {
        const { producerId, producerEpoch } = this.producer.producerIdAndEpoch();
        if (!this.v2) {
          await this.withRetries('AddOffsetsToTxn', async () => {
            const r = await this.coordinatorRequest(ApiKey.AddOffsetsToTxn, () => ({ transactionalId: this.transactionalId, producerId: BigInt(producerId), producerEpoch, groupId: group.groupId }));
            return { errorCode: r.errorCode, value: undefined };
          });
        }
        this.started = true;
        await this.txnOffsetCommit(offsets, group);
      } catch (e) {
        const code = (e as KafkaProtocolError).code;
        if (FATAL.has(code)) this.fatal(e as Error);
        else this.abortable(e as Error);
        throw e;
      }
    });
  }

  private async txnOffsetCommit(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const { producerId, producerEpoch } = this.producer.producerIdAndEpoch();
    let remaining = [...offsets];
    const deadline = this.common.clock.monotonicMs() + this.maxBlockMs;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      const byTopic = new Map<string, TransactionOffset[]>();
      for (const o of remaining) {
        let list = byTopic.get(o.topic);
        if (!list) byTopic.set(o.topic, (list = []));
        list.push(o);
      }
      let res: ResponseByKey[typeof ApiKey.TxnOffsetCommit];
      try {
        const info = await this.cluster.findCoordinator(group.groupId, CoordinatorType.Group, this.maxBlockMs);
        const conn = this.cluster.coordinatorConnection(info);
        await conn.connect();
        res = await conn.request(
          ApiKey.TxnOffsetCommit,
          (v) => ({
            transactionalId: this.transactionalId,
            groupId: group.groupId,
            producerId: BigInt(producerId),
            producerEpoch,
            generationId: v >= 3 ? (group.generationId ?? -1) : -1,
            memberId: v >= 3 ? (group.memberId ?? '') : '',
            groupInstanceId: v >= 3 ? (group.groupInstanceId ?? null) : null,
            topics: [...byTopic].map(([name, os]) => ({
              name,
              partitions: os.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
            })),
          }),
          this.v2 ? { minVersion: 5 } : { maxVersion: 4 },
        );
      } catch (e) {
        if (!(e instanceof NagareError ? e.retriable : e instanceof KafkaProtocolError && e.retriable) || this.common.clock.monotonicMs() >= deadline) throw e;
        this.cluster.invalidateCoordinator(group.groupId, CoordinatorType.Group);
        await sleep(this.common.scheduler, this.common.retryBackoff.backoff(attempt));
        continue;
      }
      const retry: TransactionOffset[] = [];
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const code = p.errorCode;
          if (code === ErrorCode.NONE) continue;
          const o = remaining.find((x) => x.topic === t.name && x.partition === p.partitionIndex);
          const retriable =
            COORDINATOR_MOVED.has(code) || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || code === ErrorCode.REQUEST_TIMED_OUT || code === ErrorCode.CONCURRENT_TRANSACTIONS || code === ErrorCode.NOT_ENOUGH_REPLICAS;
          if (COORDINATOR_MOVED.has(code)) this.cluster.invalidateCoordinator(group.groupId, CoordinatorType.Group);
          if (retriable && o && this.common.clock.monotonicMs() < deadline) retry.push(o);
          else throw new KafkaProtocolError(code, `TxnOffsetCommit of ${t.name}-${p.partitionIndex} for group ${group.groupId}`);
        }
      }
      remaining = retry;
      if (remaining.length > 0) await sleep(this.common.scheduler, CONCURRENT_BACKOFF_MS);
    }
  }

  /**
   * Flushes the transaction's records and commits it. A batch that failed
   * makes the commit fail (abortTransaction() is then needed); EndTxn is
   * retried while the coordinator is busy or moving.
   */
  commitTransaction(): Promise<void> {
    return this.exclusive('commitTransaction', async () => {
      this.maybeFailWithError();
      if (this.state !== 'IN_TRANSACTION') this.illegal('commitTransaction');
      this.state = 'COMMITTING_TRANSACTION';
      await this.producer.flushAll();
      while (this.adding || this.toAdd.size > 0) {
        // Batches wait for their partitions to be added; flushAll covered them. Nothing should be left.
        await sleep(this.common.scheduler, 1);
        if (this.state !== 'COMMITTING_TRANSACTION') break;
      }
      if (this.state !== 'COMMITTING_TRANSACTION') this.maybeFailWithError();
      await this.endTxn(true);
    });
  }

  /** Aborts the transaction: unsent records fail, EndTxn(abort); after a broken sequence the epoch is bumped (KIP-360). */
  abortTransaction(): Promise<void> {
    return this.exclusive('abortTransaction', async () => {
      if (this.state === 'FATAL_ERROR') this.maybeFailWithError();
      if (this.state !== 'IN_TRANSACTION' && this.state !== 'ABORTABLE_ERROR') this.illegal('abortTransaction');
      this.state = 'ABORTING_TRANSACTION';
      this.toAdd.clear();
      await this.producer.abortUndrainedBatches(new NagareError('CLIENT_CLOSED', 'Failing batch since transaction was aborted'));
      await this.endTxn(false);
    });
  }

  private async endTxn(commit: boolean): Promise<void> {
    const what = commit ? 'commitTransaction' : 'abortTransaction';
    try {
      if (this.started) {
        const { producerId, producerEpoch } = this.producer.producerIdAndEpoch();
        const res = await this.withRetries('EndTxn', async () => {
          const r = await this.coordinatorRequest(
            ApiKey.EndTxn,
            () => ({ transactionalId: this.transactionalId, producerId: BigInt(producerId), producerEpoch, committed: commit }),
            this.v2 ? { minVersion: 5 } : { maxVersion: 4 },
          );
          return { errorCode: r.errorCode, value: r };
        });
        if (this.v2 && res.producerId >= 0n && res.producerEpoch >= 0) {
          // KIP-890 part 2: the next transaction runs with the epoch (or producer id) EndTxn handed out.
          this.producer.setProducerIdAndEpoch(Number(res.producerId), res.producerEpoch);
        }
      }
      if (!commit && this.epochBumpRequired && !this.v2) await this.initProducerId(true);
      this.epochBumpRequired = false;
      await this.refreshTransactionVersion();
      this.added.clear();
      this.toAdd.clear();
      this.started = false;
      this.lastError = null;
      this.state = 'READY';
    } catch (e) {
      const code = (e as KafkaProtocolError).code;
      if (FATAL.has(code) || code === ErrorCode.INVALID_TXN_STATE) this.fatal(e as Error);
      else if (commit) this.abortable(e as Error);
      else this.state = 'ABORTABLE_ERROR';
      this.common.logger.warn({ transactionalId: this.transactionalId, err: (e as Error).message }, `${what} failed`);
      throw e;
    }
  }
}
