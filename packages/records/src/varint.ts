/**
 * Zigzag variable-length integers as used inside record batches (the same
 * encoding as protobuf's sint32/sint64): zigzag maps 0,-1,1,-2,... to
 * 0,1,2,3,..., then 7 bits per byte, least significant group first, the high
 * bit of each byte set when another byte follows. An int32 ("varint") takes
 * 1-5 bytes, an int64 ("varlong") 1-10 bytes.
 *
 * `ByteReader` is the bounds-checked cursor the record decoder uses: every
 * read checks against `end` and a malformed value (truncated, too long,
 * overflowing) becomes a `RecordsError` with CORRUPT_MESSAGE, never an
 * exception from inside Buffer.
 */
import { corrupt } from './errors';

const TWO_32 = 4294967296;

export class ByteReader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  truncated(what: string): never {
    throw corrupt(`truncated ${what}: needs more than the ${this.end - this.pos} bytes left`, this.pos);
  }

  int8(): number {
    if (this.pos >= this.end) this.truncated('int8');
    const b = this.buf[this.pos++];
    return (b << 24) >> 24;
  }

  int16(): number {
    if (this.pos + 2 > this.end) this.truncated('int16');
    const p = this.pos;
    this.pos = p + 2;
    return (((this.buf[p] << 8) | this.buf[p + 1]) << 16) >> 16;
  }

  int32(): number {
    if (this.pos + 4 > this.end) this.truncated('int32');
    const p = this.pos;
    const buf = this.buf;
    this.pos = p + 4;
    return (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  }

  /** A zigzag varint (int32, at most 5 bytes). */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos < end) {
      // Fast path: most varints in a record (lengths, deltas, counts) are one byte.
      const b = buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return (b >>> 1) ^ -(b & 1);
      }
    }
    let z = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end) this.truncated('varint');
      const b = buf[pos++];
      if (shift === 28) {
        // Fifth byte: only the 4 bits that still fit in 32 bits may be used.
        if (b > 0x0f) throw corrupt('varint does not fit in 32 bits', pos - 1);
        z |= b << 28;
        break;
      }
      z |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    this.pos = pos;
    return (z >>> 1) ^ -(z & 1);
  }

  // The zigzag-encoded halves of the last varlong read by readZigzag64.
  private zlo = 0;
  private zhi = 0;

  private readZigzag64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (pos >= end) this.truncated('varlong');
      const b = buf[pos++];
      const bits = b & 0x7f;
      if (i < 4) {
        lo |= bits << (7 * i);
      } else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else if (i < 9) {
        hi |= bits << (7 * i - 32);
      } else {
        // Tenth byte: a single bit is left of the 64.
        if (b > 1) throw corrupt('varlong does not fit in 64 bits', pos - 1);
        hi |= b << 31;
        break;
      }
      if (b < 0x80) break;
    }
    this.pos = pos;
    this.zlo = lo;
    this.zhi = hi;
  }

  /**
   * A zigzag varlong as a number. Values outside the safe-integer range are
   * rejected with CORRUPT_MESSAGE rather than silently rounded.
   */
  varlong(): number {
    // Fast path: up to 4 bytes (|value| < 2^27) decode with int arithmetic.
    const buf = this.buf;
    const pos = this.pos;
    if (pos + 4 <= this.end) {
      let b = buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return (b >>> 1) ^ -(b & 1);
      }
      let z = b & 0x7f;
      b = buf[pos + 1];
      z |= (b & 0x7f) << 7;
      if (b < 0x80) {
        this.pos = pos + 2;
        return (z >>> 1) ^ -(z & 1);
      }
      b = buf[pos + 2];
      z |= (b & 0x7f) << 14;
      if (b < 0x80) {
        this.pos = pos + 3;
        return (z >>> 1) ^ -(z & 1);
      }
      b = buf[pos + 3];
      z |= (b & 0x7f) << 21;
      if (b < 0x80) {
        this.pos = pos + 4;
        return (z >>> 1) ^ -(z & 1);
      }
    }
    const start = this.pos;
    this.readZigzag64();
    const lo = this.zlo;
    const hi = this.zhi;
    const sign = -(lo & 1);
    const rlo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    const rhi = (hi >>> 1) ^ sign;
    const value = rhi * TWO_32 + rlo;
    if (!Number.isSafeInteger(value)) {
      throw corrupt('varlong is outside the safe-integer range this package uses for timestamps', start);
    }
    return value;
  }

  /** A zigzag varlong as a bigint (full int64 range). */
  varlongBigInt(): bigint {
    this.readZigzag64();
    const lo = this.zlo;
    const hi = this.zhi;
    const sign = -(lo & 1);
    const rlo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    const rhi = (hi >>> 1) ^ sign;
    return (BigInt(rhi) << 32n) | BigInt(rlo);
  }
}

/** Bytes needed for `value` (an int32) as a zigzag varint. */
export function sizeOfVarint(value: number): number {
  const z = ((value << 1) ^ (value >> 31)) >>> 0;
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  if (z < 0x10000000) return 4;
  return 5;
}

/** Writes `value` (an int32) as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

function splitZigzag64(value: number): [number, number] {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varlong value must be a safe integer, got ${value}`);
  const hi = Math.floor(value / TWO_32);
  const lo = (value - hi * TWO_32) >>> 0;
  const sign = hi >> 31;
  const zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
  const zlo = ((lo << 1) ^ sign) >>> 0;
  return [zlo, zhi];
}

/** Bytes needed for `value` (a safe integer) as a zigzag varlong. */
export function sizeOfVarlong(value: number): number {
  if ((value | 0) === value) return sizeOfVarint(value);
  const [zlo, zhi] = splitZigzag64(value);
  const bits = zhi === 0 ? 32 - Math.clz32(zlo) : 64 - Math.clz32(zhi);
  return Math.max(1, Math.ceil(bits / 7));
}

/** Writes `value` (a safe integer) as a zigzag varlong; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, value: number): number {
  if ((value | 0) === value) return writeVarint(buf, pos, value);
  const [zlo, zhi] = splitZigzag64(value);
  return writeZigzag64(buf, pos, zlo, zhi);
}

function writeZigzag64(buf: Buffer, pos: number, zlo: number, zhi: number): number {
  let lo = zlo;
  let hi = zhi;
  while (hi !== 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  buf[pos++] = lo;
  return pos;
}

function zigzagBigInt(value: bigint): [number, number] {
  const v = BigInt.asIntN(64, value);
  if (v !== value) throw new RangeError(`varlong value must fit in int64, got ${value}`);
  const z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  return [Number(z & 0xffffffffn), Number(z >> 32n)];
}

export function sizeOfVarlongBigInt(value: bigint): number {
  const [zlo, zhi] = zigzagBigInt(value);
  const bits = zhi !== 0 ? 64 - Math.clz32(zhi) : 32 - Math.clz32(zlo);
  return Math.max(1, Math.ceil(bits / 7));
}

export function writeVarlongBigInt(buf: Buffer, pos: number, value: bigint): number {
  const [zlo, zhi] = zigzagBigInt(value);
  return writeZigzag64(buf, pos, zlo, zhi);
}

/** The result of the standalone read functions: the value and the position after it. */
export interface VarintRead<T> {
  value: T;
  next: number;
}

export function readVarint(buf: Buffer, pos = 0, end = buf.length): VarintRead<number> {
  const r = new ByteReader(buf, pos, end);
  const value = r.varint();
  return { value, next: r.pos };
}

export function readVarlong(buf: Buffer, pos = 0, end = buf.length): VarintRead<number> {
  const r = new ByteReader(buf, pos, end);
  const value = r.varlong();
  return { value, next: r.pos };
}

export function readVarlongBigInt(buf: Buffer, pos = 0, end = buf.length): VarintRead<bigint> {
  const r = new ByteReader(buf, pos, end);
  const value = r.varlongBigInt();
  return { value, next: r.pos };
}
