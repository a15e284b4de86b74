/**
 * RecordBatchBuilder: encodes records into one magic-2 batch, as a producer
 * does (and as the broker does for control batches).
 *
 * Records are written straight into one scratch buffer that doubles when
 * full (sizes are computed before writing, so nothing is concatenated), the
 * header is filled in by `build()`, which copies the result into an exactly
 * sized Buffer (or compresses the records section into one) and computes the
 * CRC. `reset()` starts a new batch reusing the scratch buffer.
 *
 * No clock is read here: pass each record's timestamp, or a `now` function.
 */
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  Compression,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_HEADER_SIZE,
  TimestampType,
  isKnownCompression,
} from './constants';
import { compress } from './compression';
import { crc32c } from './crc32c';
import { encodeAttributes, writeBatchHeader } from './header';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint';

export type Bytes = Buffer | Uint8Array | string;

export interface RecordHeaderInput {
  key: string;
  value: Bytes | null;
}

export interface RecordInput {
  /** Milliseconds since the epoch; defaults to `now()` of the builder options. */
  timestamp?: number;
  key?: Bytes | null;
  value?: Bytes | null;
  headers?: readonly RecordHeaderInput[];
}

export interface RecordBatchBuilderOptions {
  compression?: Compression;
  /** gzip 1-9 / zstd 1-22; ignored by snappy and lz4. */
  compressionLevel?: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  timestampType?: TimestampType;
  /** For LogAppendTime batches: the broker's append time (default `now()`). Every record gets it. */
  logAppendTime?: number;
  /**
   * Byte budget of the batch (the producer's batch.size), counted on the
   * uncompressed encoding including the 61-byte header. `append` refuses a
   * record that would go past it, except the first. Default 1 MiB.
   */
  maxBytes?: number;
  /** Clock for records without a timestamp. */
  now?: () => number;
  /** Initial scratch capacity in bytes (default min(maxBytes, 16 KiB)). */
  initialCapacity?: number;
}

export const DEFAULT_BATCH_MAX_BYTES = 1024 * 1024;

function byteLength(b: Bytes | null | undefined): number {
  if (b === null || b === undefined) return -1;
  return typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
  return v;
}

export class RecordBatchBuilder {
  private options: RecordBatchBuilderOptions;
  private compression: Compression = Compression.None;
  private maxBytes = DEFAULT_BATCH_MAX_BYTES;
  private logAppendTime = NaN;
  private buf: Buffer;
  private pos = RECORD_BATCH_HEADER_SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private built = false;
  // Byte lengths of the current record's header keys/values (computed once, used to write).
  private headerLens: number[] = [];

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.options = options;
    this.configure(options);
    const initial = options.initialCapacity ?? Math.min(this.maxBytes, 16 * 1024);
    this.buf = Buffer.allocUnsafe(Math.max(RECORD_BATCH_HEADER_SIZE + 64, Math.min(initial, 1 << 30)));
  }

  private configure(o: RecordBatchBuilderOptions): void {
    const compression = o.compression ?? Compression.None;
    if (!isKnownCompression(compression)) throw new RangeError(`unknown compression ${compression}`);
    this.compression = compression;
    this.maxBytes = o.maxBytes ?? DEFAULT_BATCH_MAX_BYTES;
    if (!(this.maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${this.maxBytes}`);
    checkInt('baseOffset', o.baseOffset ?? 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    checkInt('partitionLeaderEpoch', o.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, -0x80000000, 0x7fffffff);
    checkInt('producerId', o.producerId ?? NO_PRODUCER_ID, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    checkInt('producerEpoch', o.producerEpoch ?? NO_PRODUCER_EPOCH, -0x8000, 0x7fff);
    checkInt('baseSequence', o.baseSequence ?? NO_SEQUENCE, -0x80000000, 0x7fffffff);
    this.logAppendTime = NaN;
    if (o.timestampType === TimestampType.LogAppendTime) {
      const t = o.logAppendTime ?? o.now?.();
      if (t === undefined) throw new TypeError('a LogAppendTime batch needs logAppendTime or now');
      this.logAppendTime = checkInt('logAppendTime', t, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    }
  }

  /** Starts a new batch, keeping the scratch buffer; `options` (if given) are merged over the current ones. */
  reset(options?: Partial<RecordBatchBuilderOptions>): this {
    if (options) {
      const merged = { ...this.options, ...options };
      this.configure(merged);
      this.options = merged;
    } else {
      this.configure(this.options);
    }
    this.pos = RECORD_BATCH_HEADER_SIZE;
    this.count = 0;
    this.built = false;
    return this;
  }

  /** Records appended so far. */
  get recordCount(): number {
    return this.count;
  }

  /** Uncompressed size of the batch so far (header included). */
  get estimatedSizeInBytes(): number {
    return this.pos;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  private grow(needed: number): void {
    let cap = this.buf.length * 2;
    while (cap < needed) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Appends a record. Returns false (and appends nothing) when the record
   * would take the batch past `maxBytes`; the first record is always taken.
   */
  append(record: RecordInput): boolean {
    if (this.built) throw new Error('append after build(): call reset() to start a new batch');
    let ts = record.timestamp;
    if (this.logAppendTime === this.logAppendTime) {
      ts = this.logAppendTime;
    } else if (ts === undefined) {
      const now = this.options.now;
      if (now === undefined) throw new TypeError('record has no timestamp and the builder has no now() clock');
      ts = now();
    }
    if (!Number.isSafeInteger(ts)) throw new RangeError(`timestamp must be a safe integer, got ${ts}`);
    const count = this.count;
    if (count === 0x7fffffff) return false;
    const timestampDelta = count === 0 ? 0 : ts - this.baseTimestamp;
    const key = record.key;
    const value = record.value;
    const keyLen = byteLength(key);
    const valueLen = byteLength(value);
    const headers = record.headers;
    let headersSize = 1;
    const nh = headers === undefined ? 0 : headers.length;
    if (nh > 0) {
      const lens = this.headerLens;
      headersSize = sizeOfVarint(nh);
      for (let i = 0; i < nh; i++) {
        const h = headers![i];
        const kl = Buffer.byteLength(h.key, 'utf8');
        const vl = byteLength(h.value);
        lens[2 * i] = kl;
        lens[2 * i + 1] = vl;
        headersSize += sizeOfVarint(kl) + kl + sizeOfVarint(vl) + (vl > 0 ? vl : 0);
      }
    }
    const bodySize =
      1 +
      sizeOfVarlong(timestampDelta) +
      sizeOfVarint(count) +
      sizeOfVarint(keyLen) +
      (keyLen > 0 ? keyLen : 0) +
      sizeOfVarint(valueLen) +
      (valueLen > 0 ? valueLen : 0) +
      headersSize;
    const total = sizeOfVarint(bodySize) + bodySize;
    let pos = this.pos;
    if (count > 0 && pos + total > this.maxBytes) return false;
    if (pos + total > this.buf.length) this.grow(pos + total);
    const buf = this.buf;
    pos = writeVarint(buf, pos, bodySize);
    buf[pos++] = 0; // attributes
    pos = writeVarlong(buf, pos, timestampDelta);
    pos = writeVarint(buf, pos, count);
    pos = writeVarint(buf, pos, keyLen);
    if (keyLen > 0) pos = writeBytes(buf, pos, key!, keyLen);
    pos = writeVarint(buf, pos, valueLen);
    if (valueLen > 0) pos = writeBytes(buf, pos, value!, valueLen);
    pos = writeVarint(buf, pos, nh);
    if (nh > 0) {
      const lens = this.headerLens;
      for (let i = 0; i < nh; i++) {
        const h = headers![i];
        const kl = lens[2 * i];
        const vl = lens[2 * i + 1];
        pos = writeVarint(buf, pos, kl);
        if (kl > 0) pos += buf.write(h.key, pos, kl, 'utf8');
        pos = writeVarint(buf, pos, vl);
        if (vl > 0) pos = writeBytes(buf, pos, h.value!, vl);
      }
    }
    this.pos = pos;
    if (count === 0) {
      this.baseTimestamp = ts;
      this.maxTimestamp = ts;
    } else if (ts > this.maxTimestamp) {
      this.maxTimestamp = ts;
    }
    this.count = count + 1;
    return true;
  }

  /**
   * Finishes the batch: one Buffer with header, (compressed) records and CRC.
   * The builder is then closed until `reset()`. `producer` (an idempotent
   * producer's id, epoch and base sequence, known only when the batch is sent)
   * overrides the options' values, so the CRC is computed once.
   */
  build(producer?: { producerId: number; producerEpoch: number; baseSequence: number }): Buffer {
    if (this.built) throw new Error('build() called twice: call reset() to start a new batch');
    if (this.count === 0) throw new RangeError('cannot build a batch with no records');
    const o = this.options;
    const recordsEnd = this.pos;
    let out: Buffer;
    if (this.compression === Compression.None) {
      out = Buffer.allocUnsafe(recordsEnd);
      this.buf.copy(out, RECORD_BATCH_HEADER_SIZE, RECORD_BATCH_HEADER_SIZE, recordsEnd);
    } else {
      const payload = compress(this.compression, this.buf.subarray(RECORD_BATCH_HEADER_SIZE, recordsEnd), o.compressionLevel);
      out = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE + payload.length);
      out.set(payload, RECORD_BATCH_HEADER_SIZE);
    }
    const logAppend = this.logAppendTime === this.logAppendTime;
    writeBatchHeader(out, 0, {
      baseOffset: o.baseOffset ?? 0,
      batchLength: out.length - LOG_OVERHEAD,
      partitionLeaderEpoch: o.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
      attributes: encodeAttributes({
        compression: this.compression,
        timestampType: logAppend ? TimestampType.LogAppendTime : TimestampType.CreateTime,
        isTransactional: o.isTransactional,
        isControl: o.isControl,
      }),
      lastOffsetDelta: this.count - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      producerId: producer ? producer.producerId : (o.producerId ?? NO_PRODUCER_ID),
      producerEpoch: producer ? producer.producerEpoch : (o.producerEpoch ?? NO_PRODUCER_EPOCH),
      baseSequence: producer ? producer.baseSequence : (o.baseSequence ?? NO_SEQUENCE),
      recordCount: this.count,
    });
    out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
    this.built = true;
    return out;
  }
}

function writeBytes(buf: Buffer, pos: number, b: Bytes, len: number): number {
  if (typeof b === 'string') {
    buf.write(b, pos, len, 'utf8');
  } else {
    buf.set(b, pos);
  }
  return pos + len;
}

/** Builds one batch holding all `records` (no byte budget). */
export function buildRecordBatch(records: readonly RecordInput[], options: RecordBatchBuilderOptions = {}): Buffer {
  const b = new RecordBatchBuilder({ maxBytes: Number.MAX_SAFE_INTEGER, ...options });
  for (const r of records) b.append(r);
  return b.build();
}
