/**
 * int64 fields as JS numbers. Offsets, timestamps and producer ids stay far
 * inside the safe-integer range (|n| <= 2^53 - 1) in practice, and -1 is the
 * usual "none" sentinel, so numbers avoid the cost of BigInt on every batch.
 * Reading splits the field into two int32 halves; a stored value outside the
 * safe range comes back rounded to the nearest double (never an exception).
 * Writing requires a safe integer.
 */

const TWO_32 = 4294967296;

export function readInt64(buf: Buffer, pos: number): number {
  const hi = (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
  const lo = ((buf[pos + 4] << 24) | (buf[pos + 5] << 16) | (buf[pos + 6] << 8) | buf[pos + 7]) >>> 0;
  return hi * TWO_32 + lo;
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 field must be a safe integer, got ${value}`);
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(lo, pos + 4);
}

export function readInt32(buf: Buffer, pos: number): number {
  return (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
}

export function readUInt32(buf: Buffer, pos: number): number {
  return readInt32(buf, pos) >>> 0;
}

export function readInt16(buf: Buffer, pos: number): number {
  return (((buf[pos] << 8) | buf[pos + 1]) << 16) >> 16;
}
