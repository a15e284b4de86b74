/**
 * Encoding in two passes, as Kafka's generated code does: the generated `size`
 * functions compute the exact encoded length, one buffer of that length is
 * allocated, and the generated `write` functions fill it. Large `records` and
 * `bytes` values are not copied: the writer ends the current chunk and hands the
 * caller's buffer on as a chunk of its own, so a Fetch response carrying
 * megabytes of batches costs one small allocation for its framing.
 *
 * The size pass counts such zero-copy bytes in its SizeContext (`external`),
 * so the allocation covers only the bytes the writer itself produces. The
 * context is per encoding, passed along, never module state.
 */
import { ProtocolEncodeError } from './errors';
import { uuidToBytes } from './uuid';

/** Values at least this long are passed through as separate chunks. */
export const ZERO_COPY_THRESHOLD = 4096;

/** What one size pass collects besides the total: bytes that will be passed through as their own chunks. */
export interface SizeContext {
  external: number;
}

export function newSizeContext(): SizeContext {
  return { external: 0 };
}

export interface WriterOptions {
  /**
   * Whether writing a non-default value into a field the version lacks throws (as Kafka's generated
   * code does) or drops the value. Requests are encoded strictly, to catch caller bugs; a server
   * answering an old client encodes leniently (default true).
   */
  strict?: boolean;
}

export function sizeOfUvarint(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

export function sizeOfVarint(n: number): number {
  return sizeOfUvarint(n >= 0 ? n * 2 : -n * 2 - 1);
}

export function sizeOfVarlong(v: bigint): number {
  let u = (v << 1n) ^ (v >> 63n);
  if (u < 0n) u += 1n << 64n;
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function sizeOfString(s: string): number {
  return 2 + utf8Length(s);
}

export function sizeOfNullableString(s: string | null): number {
  return s === null ? 2 : 2 + utf8Length(s);
}

export function sizeOfCompactString(s: string): number {
  const n = utf8Length(s);
  return sizeOfUvarint(n + 1) + n;
}

export function sizeOfCompactNullableString(s: string | null): number {
  if (s === null) return 1;
  const n = utf8Length(s);
  return sizeOfUvarint(n + 1) + n;
}

function countExternal(b: Buffer, s: SizeContext | undefined): void {
  if (s !== undefined && b.length >= ZERO_COPY_THRESHOLD) s.external += b.length;
}

export function sizeOfBytes(b: Buffer | null, s?: SizeContext): number {
  if (b === null) return 4;
  countExternal(b, s);
  return 4 + b.length;
}

export function sizeOfCompactBytes(b: Buffer | null, s?: SizeContext): number {
  if (b === null) return 1;
  countExternal(b, s);
  return sizeOfUvarint(b.length + 1) + b.length;
}

export class Writer {
  buf: Buffer;
  pos = 0;
  private readonly chunks: Buffer[] = [];
  private chunkStart = 0;

  /** See WriterOptions.strict. */
  readonly strict: boolean;

  constructor(size: number, options: WriterOptions = {}) {
    this.buf = Buffer.allocUnsafe(size);
    this.strict = options.strict ?? true;
  }

  int8(v: number): void {
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  int64(v: bigint): void {
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  float64(v: number): void {
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uuid(v: string): void {
    uuidToBytes(v, this.buf, this.pos);
    this.pos += 16;
  }

  uvarint(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: bigint): void {
    let u = (v << 1n) ^ (v >> 63n);
    if (u < 0n) u += 1n << 64n;
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  string(s: string): void {
    // Write the text first, then back-patch its length.
    const n = this.buf.write(s, this.pos + 2, 'utf8');
    if (n > 0x7fff) throw new ProtocolEncodeError(`string of ${n} bytes is longer than 32767`);
    this.buf.writeInt16BE(n, this.pos);
    this.pos += 2 + n;
  }

  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }

  compactString(s: string): void {
    const n = utf8Length(s);
    if (n > 0x7fff) throw new ProtocolEncodeError(`string of ${n} bytes is longer than 32767`);
    this.uvarint(n + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.compactString(s);
  }

  /** Raw bytes, always copied. */
  raw(b: Buffer): void {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Bytes copied unless large enough to be passed through as a chunk of their own. */
  private pass(b: Buffer): void {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.chunks.push(b);
      this.chunkStart = this.pos;
    } else {
      b.copy(this.buf, this.pos);
      this.pos += b.length;
    }
  }

  bytes(b: Buffer): void {
    this.int32(b.length);
    this.pass(b);
  }

  nullableBytes(b: Buffer | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }

  compactBytes(b: Buffer): void {
    this.uvarint(b.length + 1);
    this.pass(b);
  }

  compactNullableBytes(b: Buffer | null): void {
    if (b === null) this.uvarint(0);
    else this.compactBytes(b);
  }

  /** The encoded message as a list of chunks, in order. */
  finish(): Buffer[] {
    if (this.pos !== this.buf.length) {
      throw new ProtocolEncodeError(`encoder wrote ${this.pos} bytes into a buffer sized ${this.buf.length}`);
    }
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    return this.chunks;
  }
}

/** Joins chunks into one buffer (one copy; for tests and small messages). */
export function joinChunks(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
