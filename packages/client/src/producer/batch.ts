/**
 * Producer-side bookkeeping: a batch being filled for one partition, the
 * records' owners (the `send` calls waiting on them), and the per-partition
 * queue and sequence state of the idempotent producer.
 */
import {
  BASE_SEQUENCE_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RecordBatchBuilder,
  writeBatchCrc,
  writeInt64,
} from '@nagare/records';

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1 with acks=0 (the broker does not answer). */
  offset: number;
  /** CreateTime of the record, or the broker's LogAppendTime when the topic uses it. */
  timestamp: number;
}

/** Java's `Callback.onCompletion`: exactly one of the two is set. */
export type SendCallback = (error: Error | null, metadata: RecordMetadata | null) => void;

/**
 * One `send` call: its records may land in several batches. A call made with a
 * callback (one record) has no results array and no promise: it is settled by
 * calling `callback`.
 */
export interface SendCall {
  results: RecordMetadata[] | null;
  remaining: number;
  resolve: ((v: RecordMetadata[]) => void) | null;
  reject: ((e: Error) => void) | null;
  callback: SendCallback | null;
  settled: boolean;
}

/**
 * Runs a user callback. What it throws is reported as a process warning
 * (`NagareCallbackWarning`) and goes no further: the Java client logs it and
 * the producer carries on with the other records, and so does this one.
 */
export function runCallback(cb: SendCallback, err: Error | null, md: RecordMetadata | null): void {
  try {
    cb(err, md);
  } catch (e) {
    process.emitWarning(`a send callback threw: ${e instanceof Error ? e.message : String(e)}`, 'NagareCallbackWarning');
  }
}

export function failCall(call: SendCall, err: Error): void {
  if (call.settled) return;
  call.settled = true;
  if (call.callback !== null) runCallback(call.callback, err, null);
  else call.reject!(err);
}

export class ProducerBatch {
  /** Open for appends while this is set (then built into `buffer` when drained). */
  builder: RecordBatchBuilder | null;
  buffer: Buffer | null = null;
  /** Per record: its send call, or (a one-record send with a callback, appended at once) just the callback. */
  readonly owners: Array<SendCall | SendCallback> = [];
  readonly indexes: number[] = [];
  readonly timestamps: number[] = [];
  attempts = 0;
  retryAt = 0;
  /** The last answer proved the batch was not written (out of order, unknown producer, fenced epoch). */
  rejected = false;
  baseSequence = -1;
  producerId = -1;
  producerEpoch = -1;
  /** Bytes counted against buffer.memory. */
  accountedBytes = 0;
  done = false;
  waiters: Array<() => void> | null = null;
  /** Order of creation within the partition (retries are put back in this order). */
  readonly ordinal: number;

  constructor(
    readonly partition: PartitionState,
    builder: RecordBatchBuilder,
    readonly createdAt: number,
  ) {
    this.builder = builder;
    this.ordinal = partition.nextOrdinal++;
  }

  get recordCount(): number {
    return this.owners.length;
  }

  /** Sets producer id, epoch and base sequence in the built batch and rewrites its CRC. */
  stamp(producerId: number, producerEpoch: number, baseSequence: number): void {
    const buf = this.buffer!;
    writeInt64(buf, PRODUCER_ID_OFFSET, producerId);
    buf.writeInt16BE(producerEpoch, PRODUCER_EPOCH_OFFSET);
    buf.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET);
    writeBatchCrc(buf, 0);
    this.stamped(producerId, producerEpoch, baseSequence);
  }

  /** Records the producer id, epoch and base sequence the batch was built with. */
  stamped(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  /** Resolves the records of this batch. */
  complete(baseOffset: number, logAppendTime: number): void {
    if (this.done) return;
    this.done = true;
    const topic = this.partition.topic;
    const partition = this.partition.partition;
    const owners = this.owners;
    const indexes = this.indexes;
    const ts = this.timestamps;
    for (let i = 0; i < owners.length; i++) {
      const call = owners[i];
      const offset = baseOffset < 0 ? -1 : baseOffset + i;
      const timestamp = logAppendTime >= 0 ? logAppendTime : ts[i];
      if (typeof call === 'function') {
        runCallback(call, null, { topic, partition, offset, timestamp });
        continue;
      }
      if (call.settled) continue;
      const md: RecordMetadata = { topic, partition, offset, timestamp };
      if (call.callback !== null) {
        call.settled = true;
        runCallback(call.callback, null, md);
        continue;
      }
      call.results![indexes[i]] = md;
      if (--call.remaining === 0) {
        call.settled = true;
        call.resolve!(call.results!);
      }
    }
    this.notify();
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    for (const call of this.owners) {
      if (typeof call === 'function') runCallback(call, err, null);
      else failCall(call, err);
    }
    this.notify();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = null;
    if (w) for (const f of w) f();
  }

  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise<void>((res) => (this.waiters ??= []).push(res));
  }
}

export class PartitionState {
  /** Batches not yet sent (or put back for a retry), in order; the last may be open. */
  readonly queue: ProducerBatch[] = [];
  /** Batches sent and not yet answered, in send order. */
  readonly inFlight: ProducerBatch[] = [];
  open: ProducerBatch | null = null;
  nextSequence = 0;
  lastAckedSequence = -1;
  nextOrdinal = 0;
  /**
   * After an epoch bump, batches sent under the old epoch whose fate is unknown keep their epoch and
   * sequence (a new stamp could write them twice); new batches wait until they are resolved.
   */
  staleEpoch = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get isEmpty(): boolean {
    return this.queue.length === 0 && this.inFlight.length === 0;
  }

  /** Puts a batch back for a retry, keeping creation order. */
  requeue(batch: ProducerBatch): void {
    const i = this.inFlight.indexOf(batch);
    if (i >= 0) this.inFlight.splice(i, 1);
    let at = 0;
    while (at < this.queue.length && this.queue[at].ordinal < batch.ordinal) at++;
    this.queue.splice(at, 0, batch);
  }

  removeInFlight(batch: ProducerBatch): void {
    const i = this.inFlight.indexOf(batch);
    if (i >= 0) this.inFlight.splice(i, 1);
  }
}
