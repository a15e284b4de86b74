/**
 * One shard of the transaction coordinator: the transactional ids of one
 * `__transaction_state` partition. Its state changes only by replaying the
 * partition's records (a TransactionLogValue sets an id's state, a
 * tombstone removes it), live and while loading, so a shard rebuilt on
 * another broker is the one that wrote the log. `lastProducerEpoch`, which
 * the log does not carry, comes with live records only (as in Kafka, where
 * it is -1 after a load).
 *
 * The shard owns two periodic timers, each running as an operation on it:
 * the abort of transactions open longer than their timeout
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms) and the
 * expiration of idle transactional ids
 * (transaction.remove.expired.transaction.cleanup.interval.ms).
 */
import type { MetadataImage } from '@nagare/metadata';
import type { CoordinatorResult, CoordinatorShard, ShardContext, TransactionResult } from '../coordinator';
import type { TransactionRecord } from './records';
import type { TransactionMetadata } from './state';

export interface TransactionShardHooks {
  /** The shard finished loading: resume what its state leaves unfinished (markers of PrepareCommit/PrepareAbort). */
  onLoaded(shard: TransactionCoordinatorShard): void;
  /** The shard is going away: drop its pending markers. */
  onUnloaded(shard: TransactionCoordinatorShard): void;
  /** The periodic abort of timed-out transactions (an operation on the shard). */
  abortTimedOut(shard: TransactionCoordinatorShard): CoordinatorResult<unknown, TransactionRecord>;
  /** The periodic expiration of transactional ids (an operation on the shard). */
  expireTransactionalIds(shard: TransactionCoordinatorShard): CoordinatorResult<unknown, TransactionRecord>;
  readonly abortTimedOutIntervalMs: number;
  readonly expirationIntervalMs: number;
}

const ABORT_TIMER = 'transaction-abort';
const EXPIRATION_TIMER = 'transactionalId-expiration';

export class TransactionCoordinatorShard implements CoordinatorShard<TransactionRecord> {
  readonly partition: number;
  readonly transactions = new Map<string, TransactionMetadata>();
  /** The offset of the last record replayed (tests). */
  lastReplayedOffset = -1;
  loaded = false;

  constructor(
    private readonly ctx: ShardContext<TransactionRecord>,
    private readonly hooks: TransactionShardHooks,
  ) {
    this.partition = ctx.partition;
  }

  get(transactionalId: string): TransactionMetadata | undefined {
    return this.transactions.get(transactionalId);
  }

  replay(offset: number, _producerId: bigint, _producerEpoch: number, record: TransactionRecord): void {
    this.lastReplayedOffset = offset;
    if (record.metadata === null) this.transactions.delete(record.transactionalId);
    else this.transactions.set(record.transactionalId, record.metadata);
  }

  replayEndTransactionMarker(_producerId: bigint, _producerEpoch: number, _result: TransactionResult): void {
    // __transaction_state is never written transactionally.
  }

  onLoaded(_image: MetadataImage): void {
    this.loaded = true;
    this.scheduleAbort();
    this.scheduleExpiration();
    this.hooks.onLoaded(this);
  }

  onUnloaded(): void {
    this.hooks.onUnloaded(this);
  }

  onNewMetadataImage(_image: MetadataImage, _previous: MetadataImage): void {
    // Nothing of the transaction state depends on topics; markers look leaders up when they are sent.
  }

  private scheduleAbort(): void {
    this.ctx.timer.schedule(ABORT_TIMER, this.hooks.abortTimedOutIntervalMs, () => {
      this.scheduleAbort();
      return this.hooks.abortTimedOut(this);
    });
  }

  private scheduleExpiration(): void {
    this.ctx.timer.schedule(EXPIRATION_TIMER, this.hooks.expirationIntervalMs, () => {
      this.scheduleExpiration();
      return this.hooks.expireTransactionalIds(this);
    });
  }
}
