/**
 * The state of one transactional id (Kafka's TransactionMetadata) and the
 * states a transaction goes through (Kafka's TransactionState, ids as the
 * `__transaction_state` log stores them):
 *
 *   Empty -> Ongoing (AddPartitionsToTxn / AddOffsetsToTxn)
 *   Ongoing -> PrepareCommit | PrepareAbort (EndTxn, or a fence / timeout)
 *   PrepareCommit -> CompleteCommit, PrepareAbort -> CompleteAbort (markers written)
 *   Empty | CompleteCommit | CompleteAbort -> Empty (InitProducerId), Ongoing (next transaction)
 *   Empty | CompleteCommit | CompleteAbort -> Dead (transactional.id.expiration.ms: a tombstone)
 *
 * PrepareEpochFence is Kafka's in-memory step of fencing an open
 * transaction; here the fence and the abort are one record (PrepareAbort
 * with the bumped epoch), so it never appears, as in Kafka's log.
 */
export type TransactionStateName = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead' | 'PrepareEpochFence';

/** By the id stored in TransactionLogValue.TransactionStatus. */
export const TRANSACTION_STATES: readonly TransactionStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export function stateId(s: TransactionStateName): number {
  return TRANSACTION_STATES.indexOf(s);
}

export function stateFromId(id: number): TransactionStateName {
  const s = TRANSACTION_STATES[id];
  if (s === undefined) throw new Error(`Unknown transaction state id ${id} from the transaction status message`);
  return s;
}

/** States in which a transactional id may be expired (transactional.id.expiration.ms). */
export function isExpirationAllowed(s: TransactionStateName): boolean {
  return s === 'Empty' || s === 'CompleteCommit' || s === 'CompleteAbort';
}

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
/** Short.MaxValue: epochs stop one below it so that a fence can always bump once more. */
export const MAX_EPOCH = 32767;

/** Kafka's TransactionMetadata.isEpochExhausted. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_EPOCH - 1;
}

/** A topic partition, as transactions name them. */
export interface TxnPartition {
  topic: string;
  partition: number;
}

/**
 * One transactional id's state. Built only by replaying its records
 * (`lastProducerEpoch` is not in the record: kept in memory for the
 * KIP-360 retry rule, -1 after a load, as in Kafka).
 */
export interface TransactionMetadata {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** The producer id before the last transition (TransactionLogValue.PreviousProducerId). */
  readonly prevProducerId: bigint;
  /** The producer id a TV2 transaction moves to once its markers are written, when the epoch ran out (KIP-890). */
  readonly nextProducerId: bigint;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TransactionStateName;
  /** Sorted by topic, then partition. */
  readonly partitions: readonly TxnPartition[];
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
  /** The transaction.version the client used for the current transaction (0 before KIP-890 part 2, 2 with it). */
  readonly clientTransactionVersion: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Sorted union of two partition lists. */
export function unionPartitions(a: readonly TxnPartition[], b: Iterable<TxnPartition>): TxnPartition[] {
  const m = new Map<string, TxnPartition>();
  for (const p of a) m.set(partitionKey(p.topic, p.partition), p);
  for (const p of b) m.set(partitionKey(p.topic, p.partition), { topic: p.topic, partition: p.partition });
  return sortPartitions(m.values());
}

export function sortPartitions(ps: Iterable<TxnPartition>): TxnPartition[] {
  return [...ps].sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition));
}

export function containsAll(have: readonly TxnPartition[], want: Iterable<TxnPartition>): boolean {
  const keys = new Set(have.map((p) => partitionKey(p.topic, p.partition)));
  for (const p of want) if (!keys.has(partitionKey(p.topic, p.partition))) return false;
  return true;
}
