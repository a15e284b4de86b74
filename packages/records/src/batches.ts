/**
 * Walking a buffer of concatenated record batches (the `records` of a Produce
 * request, a log segment, a Fetch response) without decoding any record:
 * sizes, magic, CRC, counts and codec are checked from the headers alone.
 */
import { ErrorCode } from '@nagare/protocol';
import { BatchCheckOptions, checkBatchAt } from './check';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, RECORD_BATCH_HEADER_SIZE } from './constants';
import { RecordsError } from './errors';
import { BatchHeader } from './header';
import { readInt32 } from './int64';
import { ReadRecordsOptions, RecordIterator } from './records';

/** Where one batch sits in the buffer, and its header. */
export interface BatchInfo {
  /** Byte offset of the batch in the buffer. */
  position: number;
  /** Total bytes of the batch (batchLength + 12). */
  size: number;
  header: BatchHeader;
}

export interface ValidateOptions extends BatchCheckOptions {
  /** Require exactly one batch (Produce v3+ semantics); otherwise INVALID_RECORD. */
  singleBatch?: boolean;
}

export type ValidationResult =
  | {
      ok: true;
      batches: BatchInfo[];
      /** Sum of the batches' record counts. */
      recordCount: number;
    }
  | {
      ok: false;
      error: RecordsError;
      /** Index of the offending batch (the count of good batches before it). */
      batchIndex: number;
    };

/**
 * Validates every batch of `buf` (one or more concatenated batches, no
 * trailing partial batch) from the headers alone. Never throws for bad data:
 * the result carries the RecordsError and its Kafka error code.
 */
export function validateBatches(buf: Buffer, options?: ValidateOptions): ValidationResult {
  const batches: BatchInfo[] = [];
  let recordCount = 0;
  let pos = 0;
  try {
    while (pos < buf.length) {
      const header = checkBatchAt(buf, pos, buf.length, options);
      const size = header.batchLength + LOG_OVERHEAD;
      batches.push({ position: pos, size, header });
      recordCount += header.recordCount;
      pos += size;
    }
    if (options?.singleBatch && batches.length !== 1) {
      throw new RecordsError(ErrorCode.INVALID_RECORD, `expected exactly one record batch, found ${batches.length}`);
    }
  } catch (e) {
    if (e instanceof RecordsError) return { ok: false, error: e, batchIndex: batches.length };
    throw e;
  }
  return { ok: true, batches, recordCount };
}

/** Like validateBatches, but throws the RecordsError. */
export function assertValidBatches(buf: Buffer, options?: ValidateOptions): BatchInfo[] {
  const r = validateBatches(buf, options);
  if (!r.ok) throw r.error;
  return r.batches;
}

/** One batch inside a larger buffer, as yielded by `iterateBatches`. */
export class BatchView implements BatchInfo {
  constructor(
    /** The whole buffer the batch lives in. */
    readonly buffer: Buffer,
    readonly position: number,
    readonly size: number,
    readonly header: BatchHeader,
    private readonly crcVerified: boolean,
  ) {}

  /** The batch's own bytes (a view, no copy). */
  get bytes(): Buffer {
    return this.buffer.subarray(this.position, this.position + this.size);
  }

  /** Offset of the last record (baseOffset + lastOffsetDelta). */
  get lastOffset(): number {
    return this.header.baseOffset + this.header.lastOffsetDelta;
  }

  /** Offset following this batch. */
  get nextOffset(): number {
    return this.header.baseOffset + this.header.lastOffsetDelta + 1;
  }

  /** A lazy iterator over the records (the CRC is not checked twice). */
  records(options?: Omit<ReadRecordsOptions, 'position'>): RecordIterator {
    return new RecordIterator(this.buffer, {
      ...options,
      position: this.position,
      verifyCrc: options?.verifyCrc ?? !this.crcVerified,
    });
  }
}

export interface IterateBatchesOptions extends BatchCheckOptions {
  /** Where to start (default 0). */
  position?: number;
  /** Where the data ends (default buf.length). */
  end?: number;
  /**
   * Stop quietly at an incomplete last batch instead of failing. Fetch
   * responses may end with a partial batch cut off by the size limit.
   */
  allowPartialTail?: boolean;
}

/**
 * A lazy iterator over the batches of a buffer. Each batch is checked (see
 * `checkBatchAt`) only when reached, so a consumer sees the good batches
 * before a RecordsError for a bad one; after an error it is done.
 */
export class BatchIterator implements IterableIterator<BatchView> {
  private pos: number;
  private readonly end: number;
  private done = false;

  constructor(
    private readonly buf: Buffer,
    private readonly options: IterateBatchesOptions = {},
  ) {
    this.pos = options.position ?? 0;
    this.end = Math.min(options.end ?? buf.length, buf.length);
    if (this.pos < 0 || this.pos > this.end) throw new RangeError(`position ${this.pos} outside 0..${this.end}`);
  }

  /** Byte position of the next batch (after the end: how much was consumed). */
  get position(): number {
    return this.pos;
  }

  next(): IteratorResult<BatchView> {
    if (this.done || this.pos >= this.end) {
      this.done = true;
      return { done: true, value: undefined };
    }
    const pos = this.pos;
    const remaining = this.end - pos;
    if (this.options.allowPartialTail) {
      if (remaining < RECORD_BATCH_HEADER_SIZE || readInt32(this.buf, pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD > remaining) {
        this.done = true;
        return { done: true, value: undefined };
      }
    }
    let header: BatchHeader;
    try {
      header = checkBatchAt(this.buf, pos, this.end, this.options);
    } catch (e) {
      this.done = true;
      throw e;
    }
    const size = header.batchLength + LOG_OVERHEAD;
    this.pos = pos + size;
    return { done: false, value: new BatchView(this.buf, pos, size, header, this.options.verifyCrc !== false) };
  }

  [Symbol.iterator](): BatchIterator {
    return this;
  }
}

/** A lazy iterator over the batches in `buf`; see BatchIterator. */
export function iterateBatches(buf: Buffer, options?: IterateBatchesOptions): BatchIterator {
  return new BatchIterator(buf, options);
}
