/**
 * A bounds-checked cursor over a Buffer with a sticky error.
 *
 * Every read names the field it is reading. The first failure (truncation, bad
 * length, malformed varint) is recorded with that field name and the offset;
 * from then on every read returns a neutral value without advancing, array
 * lengths read as empty, and the caller turns the recorded failure into a
 * `ProtocolDecodeError` once the top-level read returns. Nothing here lets an
 * exception escape from inside Buffer, loops forever, or allocates more than
 * the bytes present (lengths are checked against what remains before use).
 */
import { ZERO_UUID, uuidFromBytes } from './uuid';

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  /** True once any read has failed. */
  failed = false;
  errField = '';
  errReason = '';
  errOffset = 0;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Records the first failure and stops the cursor. */
  fail(field: string, reason: string): void {
    if (!this.failed) {
      this.failed = true;
      this.errField = field;
      this.errReason = reason;
      this.errOffset = this.pos;
    }
    this.pos = this.end;
  }

  private need(field: string, n: number): boolean {
    if (this.pos + n > this.end) {
      if (!this.failed) this.fail(field, `needs ${n} bytes, ${this.end - this.pos} remain`);
      return false;
    }
    return true;
  }

  int8(field: string): number {
    if (!this.need(field, 1)) return 0;
    return this.buf.readInt8(this.pos++);
  }

  bool(field: string): boolean {
    if (!this.need(field, 1)) return false;
    return this.buf[this.pos++] !== 0;
  }

  int16(field: string): number {
    if (!this.need(field, 2)) return 0;
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(field: string): number {
    if (!this.need(field, 2)) return 0;
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    if (!this.need(field, 4)) return 0;
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(field: string): number {
    if (!this.need(field, 4)) return 0;
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(field: string): bigint {
    if (!this.need(field, 8)) return 0n;
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(field: string): number {
    if (!this.need(field, 8)) return 0;
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  uuid(field: string): string {
    if (!this.need(field, 16)) return ZERO_UUID;
    const v = uuidFromBytes(this.buf, this.pos);
    this.pos += 16;
    return v;
  }

  /** Unsigned LEB128 varint of at most 5 bytes (32 bits). */
  uvarint(field: string): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (pos >= this.end) {
        this.fail(field, 'truncated varint');
        return 0;
      }
      const b = buf[pos++];
      if (i === 4 && b > 0x0f) {
        this.fail(field, 'varint does not fit in 32 bits');
        return 0;
      }
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return result;
      }
      shift += 7;
    }
    this.fail(field, 'varint longer than 5 bytes');
    return 0;
  }

  /** Zig-zag signed varint (32 bits). */
  varint(field: string): number {
    const u = this.uvarint(field);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag signed varlong (64 bits), as a bigint. */
  varlong(field: string): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) {
        this.fail(field, 'truncated varlong');
        return 0n;
      }
      const b = buf[pos++];
      if (i === 9 && b > 0x01) {
        this.fail(field, 'varlong does not fit in 64 bits');
        return 0n;
      }
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return (result >> 1n) ^ -(result & 1n);
      }
      shift += 7n;
    }
    this.fail(field, 'varlong longer than 10 bytes');
    return 0n;
  }

  private text(field: string, len: number): string {
    if (len > 0x7fff) {
      this.fail(field, `string length ${len} exceeds 32767`);
      return '';
    }
    if (!this.need(field, len)) return '';
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  string(field: string): string {
    const len = this.int16(field);
    if (len < 0) {
      if (!this.failed) this.fail(field, `non-nullable string has length ${len}`);
      return '';
    }
    return this.text(field, len);
  }

  nullableString(field: string): string | null {
    const len = this.int16(field);
    if (this.failed) return null;
    if (len < 0) return null;
    return this.text(field, len);
  }

  compactString(field: string): string {
    const n = this.uvarint(field);
    if (n === 0) {
      if (!this.failed) this.fail(field, 'non-nullable compact string is null');
      return '';
    }
    return this.text(field, n - 1);
  }

  compactNullableString(field: string): string | null {
    const n = this.uvarint(field);
    if (this.failed || n === 0) return null;
    return this.text(field, n - 1);
  }

  /** `len` bytes as a view of the underlying buffer (no copy). */
  raw(field: string, len: number): Buffer {
    if (!this.need(field, len)) return EMPTY;
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  bytes(field: string): Buffer {
    const len = this.int32(field);
    if (len < 0) {
      if (!this.failed) this.fail(field, `non-nullable bytes has length ${len}`);
      return EMPTY;
    }
    return this.raw(field, len);
  }

  nullableBytes(field: string): Buffer | null {
    const len = this.int32(field);
    if (this.failed || len < 0) return null;
    return this.raw(field, len);
  }

  compactBytes(field: string): Buffer {
    const n = this.uvarint(field);
    if (n === 0) {
      if (!this.failed) this.fail(field, 'non-nullable compact bytes is null');
      return EMPTY;
    }
    return this.raw(field, n - 1);
  }

  compactNullableBytes(field: string): Buffer | null {
    const n = this.uvarint(field);
    if (this.failed || n === 0) return null;
    return this.raw(field, n - 1);
  }

  /**
   * An int32 array length: -1 means null (an error unless nullable). A count
   * larger than the bytes that remain cannot be honest and fails here, before
   * any element is read.
   */
  arrayLength(field: string, nullable: boolean): number {
    const n = this.int32(field);
    return this.checkCount(field, n, nullable);
  }

  compactArrayLength(field: string, nullable: boolean): number {
    const n = this.uvarint(field) - 1;
    return this.checkCount(field, n, nullable);
  }

  private checkCount(field: string, n: number, nullable: boolean): number {
    if (this.failed) return -1;
    if (n < 0) {
      if (!nullable) {
        this.fail(field, 'non-nullable array is null');
      }
      return -1;
    }
    if (n > this.end - this.pos) {
      this.fail(field, `array of ${n} elements exceeds the ${this.end - this.pos} bytes remaining`);
      return -1;
    }
    return n;
  }
}

const EMPTY = Buffer.alloc(0);
