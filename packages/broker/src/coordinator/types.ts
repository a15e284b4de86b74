/**
 * The contracts of the coordinator runtime (Kafka's coordinator-common):
 * what a shard is, what an operation returns, how records reach the log and
 * come back from it. The group coordinator is the first user; the
 * transaction coordinator reuses the same runtime with its own shard and
 * record type.
 */
import type { MetadataImage } from '@nagare/metadata';

/** A record as the log stores it: key and value bytes (value null = tombstone). */
export interface SerializedRecord {
  key: Buffer;
  value: Buffer | null;
}

/** Turns a coordinator's typed records into log records and back. */
export interface RecordSerde<R> {
  serialize(record: R): SerializedRecord;
  /**
   * The typed record, or null for a record this coordinator does not know
   * (a newer record type): it is skipped on load. Throws on malformed bytes.
   */
  deserialize(key: Buffer, value: Buffer | null): R | null;
}

/** No producer: the records of non-transactional writes (RecordBatch.NO_PRODUCER_ID). */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;

/**
 * What an operation on a shard produces: the records to append (they change
 * the shard's state only by being replayed once appended) and the response,
 * which the caller gets when the records are committed (the partition's high
 * watermark has passed them).
 */
export interface CoordinatorResult<T, R> {
  records: R[];
  response: T;
  /**
   * Runs when the records are committed (errorCode 0) or could not be
   * appended (the storage's error code). An operation that gives one handles
   * append failures itself and its response stands; without one, a failed
   * append fails the operation with the storage's error code.
   */
  onCommitted?: (errorCode: number) => void;
  /** Runs right after the records are appended and replayed (before they are committed): work on the state they built. */
  onAppended?: () => void;
  /** Transactional writes (TxnOffsetCommit): the producer whose transaction the records belong to. */
  producerId?: bigint;
  producerEpoch?: number;
  /** KIP-890: the verification guard the transactional write passed (handed to the writer). */
  verificationGuard?: unknown;
}

export function result<T, R>(response: T, records: R[] = []): CoordinatorResult<T, R> {
  return { records, response };
}

/** The end of a transaction, as a control batch in the log says it. */
export type TransactionResult = 'COMMIT' | 'ABORT';

/**
 * One shard: the state a coordinator keeps for one partition of its topic.
 * Its state changes only through `replay`, both while it is live (the records
 * its operations write) and while it loads (the records in the log), so a
 * shard rebuilt on another broker has exactly the state the old one had.
 */
export interface CoordinatorShard<R> {
  /** Applies one record (at its log offset; producerId -1 outside transactions). */
  replay(offset: number, producerId: bigint, producerEpoch: number, record: R): void;
  /** A transaction marker: the records of that producer's open transaction become visible (COMMIT) or are dropped. */
  replayEndTransactionMarker(producerId: bigint, producerEpoch: number, result: TransactionResult): void;
  /** Loading is done: start timers (sessions, expiration) for the loaded state. */
  onLoaded(image: MetadataImage): void;
  /** The shard is going away (leadership moved, shutdown): answer parked requests. Its timers are cancelled by the runtime. */
  onUnloaded(): void;
  /** A new metadata image (topics created, deleted, resized; group configs changed). */
  onNewMetadataImage(image: MetadataImage, previous: MetadataImage): void;
}

/** Timers owned by a shard: they run as write operations on it and die with it. */
export interface CoordinatorTimer<R> {
  /** Runs `op` after `delayMs` unless cancelled; a timer with the same key is replaced. The handle cancels this one only. */
  schedule(key: string, delayMs: number, op: () => CoordinatorResult<unknown, R>): TimerHandle;
  /** As `schedule`, unless a timer with this key is pending. */
  scheduleIfAbsent(key: string, delayMs: number, op: () => CoordinatorResult<unknown, R>): void;
  cancel(key: string): void;
  isScheduled(key: string): boolean;
  /** Pending timers. */
  size(): number;
}

export interface TimerHandle {
  cancel(): void;
}

/** What a shard gets from the runtime when it is built. */
export interface ShardContext<R> {
  readonly partition: number;
  readonly timer: CoordinatorTimer<R>;
  /** The metadata image when the shard was created. */
  readonly image: MetadataImage;
}

/**
 * How records reach the coordinator's partitions. `append` writes as leader
 * and returns synchronously with the offsets (the log assigns them in call
 * order); whether they are committed is told by the high watermark.
 */
export interface PartitionWriter {
  append(
    partition: number,
    records: SerializedRecord[],
    opts: { timestampMs: number; producerId: bigint; producerEpoch: number; transactional: boolean; verificationGuard?: unknown },
  ): { errorCode: number; baseOffset: number; nextOffset: number };
  /**
   * Writes a transaction marker (a control batch) for a producer, as leader,
   * synchronously: WriteTxnMarkers for a partition of the coordinator's
   * topic goes through its coordinator so the shard replays it.
   */
  appendEndTxnMarker(
    partition: number,
    producerId: bigint,
    producerEpoch: number,
    coordinatorEpoch: number,
    result: TransactionResult,
    timestampMs: number,
  ): { errorCode: number; offset: number };
  highWatermark(partition: number): number;
  /** Called whenever a partition's high watermark may have moved. Returns an unsubscribe function. */
  onHighWatermark(listener: (partition: number, highWatermark: number) => void): () => void;
}

/** What a loader hands each record and transaction marker to, in log order. */
export interface LoadVisitor {
  /** A data record (producerId -1 outside transactions). */
  record(offset: number, key: Buffer | null, value: Buffer | null, producerId: bigint, producerEpoch: number): void;
  /** A transaction marker (a control batch). */
  marker(producerId: bigint, producerEpoch: number, result: TransactionResult): void;
}

/**
 * Reads a partition from its log start, chunk by chunk, handing records to
 * a visitor as it goes (no batch of objects is built: loading a partition
 * of a million records allocates per record only what the shard keeps).
 */
export interface CoordinatorLoader {
  /** The log start offset (where loading begins). */
  logStartOffset(partition: number): number;
  /** Visits the records from `offset` (about `maxBytes` of them); nextOffset is where the next read starts, logEndOffset the end. */
  read(partition: number, offset: number, maxBytes: number, visitor: LoadVisitor): { nextOffset: number; logEndOffset: number };
}

/**
 * A coordinator's topic as the runtime uses it: written as leader, read back
 * when a shard loads, created on first use (`__consumer_offsets`,
 * `__transaction_state`).
 */
export interface CoordinatorStore extends PartitionWriter, CoordinatorLoader {
  readonly partitionCount: number;
  /** Creates the topic (compacted) if it does not exist yet; Kafka does this on the first FindCoordinator. */
  ensureTopic(): Promise<void>;
}

/** An error code on its way to a response: runtime states (NOT_COORDINATOR, ...) and the errors shards answer with. */
export class CoordinatorError extends Error {
  override readonly name = 'CoordinatorError';

  constructor(
    readonly errorCode: number,
    message?: string,
  ) {
    super(message ?? `error ${errorCode}`);
  }

  /** The message for the response, when the error carries one of its own. */
  get responseMessage(): string | null {
    return this.message === `error ${this.errorCode}` ? null : this.message;
  }
}

export function isCoordinatorError(e: unknown): e is CoordinatorError {
  return e instanceof CoordinatorError;
}
