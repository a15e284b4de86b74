/**
 * Records inside a batch. Each record is:
 *
 *   length          varint  bytes of the record after this field
 *   attributes      int8    unused, 0
 *   timestampDelta  varlong timestamp - batch baseTimestamp
 *   offsetDelta     varint  offset - batch baseOffset
 *   keyLength       varint  -1 for a null key
 *   key             bytes
 *   valueLength     varint  -1 for a null value
 *   value           bytes
 *   headerCount     varint
 *   headers         [headerKeyLength varint, headerKey utf8,
 *                    headerValueLength varint (-1 null), headerValue bytes]
 *
 * In a compressed batch the whole sequence of records is compressed as one
 * payload after the 61-byte header.
 */
import { BatchCheckOptions, checkBatchAt } from './check';
import { Compression, DEFAULT_MAX_DECOMPRESSED_BYTES, LOG_OVERHEAD, RECORD_BATCH_HEADER_SIZE, TimestampType } from './constants';
import { decompress } from './compression';
import { corrupt } from './errors';
import { BatchHeader } from './header';
import { ByteReader } from './varint';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record read from a batch. Keys, values and header values are views into the batch (or its decompressed payload). */
export interface KafkaRecord {
  offset: number;
  /** The record's timestamp; for a LogAppendTime batch, the batch's maxTimestamp (as Kafka reports it). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The record's own attributes byte (unused by Kafka, 0). */
  attributes: number;
  offsetDelta: number;
  timestampDelta: number;
}

export interface ReadRecordsOptions {
  /** Where the batch starts in the buffer (default 0). */
  position?: number;
  /** Verify the batch CRC before reading (default true). */
  verifyCrc?: boolean;
  /** Limit on the decompressed payload (default 64 MiB); more is MESSAGE_TOO_LARGE. */
  maxDecompressedBytes?: number;
  /** Largest allowed batch in bytes; see BatchCheckOptions. */
  maxBatchBytes?: number;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined }) as IteratorReturnResult<undefined>;

/**
 * A lazy iterator over the records of one batch. The batch header is checked
 * when the iterator is created (size, magic, CRC, codec); the payload is
 * decompressed once, on the first `next()`, then records are decoded one at
 * a time. Any malformation (bad lengths, truncation, overlong varints,
 * trailing bytes, fewer records than the header says) is a RecordsError
 * with CORRUPT_MESSAGE; after an error the iterator is done.
 */
export class RecordIterator implements IterableIterator<KafkaRecord> {
  readonly header: BatchHeader;
  /** Where the batch starts in the buffer. */
  readonly position: number;
  private readonly buf: Buffer;
  private readonly maxDecompressedBytes: number;
  private reader: ByteReader | null = null;
  private index = 0;
  private finished = false;
  private readonly baseOffset: number;
  private readonly baseTimestamp: number;
  private readonly logAppendTime: number;

  constructor(buf: Buffer, options: ReadRecordsOptions = {}) {
    const position = options.position ?? 0;
    const checkOptions: BatchCheckOptions = { verifyCrc: options.verifyCrc, maxBatchBytes: options.maxBatchBytes };
    const h = checkBatchAt(buf, position, buf.length, checkOptions);
    this.header = h;
    this.position = position;
    this.buf = buf;
    this.maxDecompressedBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    this.baseOffset = h.baseOffset;
    this.baseTimestamp = h.baseTimestamp;
    this.logAppendTime = h.timestampType === TimestampType.LogAppendTime ? h.maxTimestamp : NaN;
  }

  private open(): ByteReader {
    const start = this.position + RECORD_BATCH_HEADER_SIZE;
    const end = this.position + LOG_OVERHEAD + this.header.batchLength;
    if (this.header.compression === Compression.None) {
      this.reader = new ByteReader(this.buf, start, end);
    } else {
      const payload = decompress(this.header.compression, this.buf.subarray(start, end), { maxBytes: this.maxDecompressedBytes });
      this.reader = new ByteReader(payload, 0, payload.length);
    }
    return this.reader;
  }

  next(): IteratorResult<KafkaRecord> {
    if (this.finished) return DONE;
    try {
      const r = this.reader ?? this.open();
      if (this.index >= this.header.recordCount) {
        this.finished = true;
        if (r.pos !== r.end) throw corrupt(`${r.end - r.pos} bytes left after the batch's ${this.header.recordCount} records`, r.pos);
        return DONE;
      }
      const record = this.readRecord(r);
      this.index++;
      return { done: false, value: record };
    } catch (e) {
      this.finished = true;
      throw e;
    }
  }

  private readRecord(r: ByteReader): KafkaRecord {
    const len = r.varint();
    const outerEnd = r.end;
    if (len < 0 || len > outerEnd - r.pos) {
      throw corrupt(`record ${this.index} length ${len} is negative or runs past the batch (${outerEnd - r.pos} bytes left)`, r.pos);
    }
    const recordEnd = r.pos + len;
    r.end = recordEnd;
    const attributes = r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = readNullableBytes(r, 'key');
    const value = readNullableBytes(r, 'value');
    const headerCount = r.varint();
    let headers: RecordHeader[];
    if (headerCount === 0) {
      headers = [];
    } else {
      // Each header takes at least two bytes, which bounds any allocation.
      if (headerCount < 0 || headerCount > (recordEnd - r.pos) >> 1) {
        throw corrupt(`record ${this.index} header count ${headerCount} is negative or larger than the record`, r.pos);
      }
      headers = new Array<RecordHeader>(headerCount);
      for (let i = 0; i < headerCount; i++) {
        const klen = r.varint();
        if (klen < 0 || klen > r.end - r.pos) throw corrupt(`header key length ${klen} is negative or runs past the record`, r.pos);
        const hkey = r.buf.toString('utf8', r.pos, r.pos + klen);
        r.pos += klen;
        headers[i] = { key: hkey, value: readNullableBytes(r, 'header value') };
      }
    }
    if (r.pos !== recordEnd) {
      throw corrupt(`record ${this.index} says ${len} bytes but its fields take ${r.pos - (recordEnd - len)}`, r.pos);
    }
    r.end = outerEnd;
    const lat = this.logAppendTime;
    return {
      offset: this.baseOffset + offsetDelta,
      timestamp: lat === lat ? lat : this.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      attributes,
      offsetDelta,
      timestampDelta,
    };
  }

  /** Reads all remaining records into an array. */
  toArray(): KafkaRecord[] {
    const out: KafkaRecord[] = [];
    for (let it = this.next(); !it.done; it = this.next()) out.push(it.value);
    return out;
  }

  [Symbol.iterator](): RecordIterator {
    return this;
  }
}

function readNullableBytes(r: ByteReader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < -1 || n > r.end - r.pos) throw corrupt(`${what} length ${n} is invalid or runs past the record (${r.end - r.pos} bytes left)`, r.pos);
  const b = r.buf.subarray(r.pos, r.pos + n);
  r.pos += n;
  return b;
}

/** A lazy iterator over the records of the batch at `options.position` (default 0) of `buf`. */
export function readRecords(buf: Buffer, options?: ReadRecordsOptions): RecordIterator {
  return new RecordIterator(buf, options);
}

/** Decodes the batch at `position` completely: its header and all its records. */
export function decodeBatch(buf: Buffer, options?: ReadRecordsOptions): { header: BatchHeader; records: KafkaRecord[] } {
  const it = new RecordIterator(buf, options);
  return { header: it.header, records: it.toArray() };
}

