/**
 * PostgreSQL log sequence numbers: 64-bit WAL positions, written `X/Y`
 * (two hex halves) by the server and as a plain number (`Lsn.asLong()`) in
 * Debezium's events and offsets. Kept as bigint here; numbers in offsets
 * and events (an LSN stays far below 2^53 in practice, and Debezium writes
 * it as a JSON number).
 */
export type Lsn = bigint;

export const INVALID_LSN: Lsn = 0n;

/** `16/B374D848` -> bigint. */
export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`Invalid LSN '${text}'`);
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

/** bigint -> `16/B374D848`. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** An LSN as the number Debezium writes (`Lsn.asLong()`). */
export function lsnToNumber(lsn: Lsn): number {
  return Number(lsn);
}

export function lsnFromNumber(n: unknown): Lsn | null {
  if (n === null || n === undefined) return null;
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isFinite(n)) return BigInt(Math.trunc(n));
  if (typeof n === 'string' && /^\d+$/.test(n)) return BigInt(n);
  return null;
}

/** Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
export const PG_EPOCH_MICROS = 946_684_800_000_000n;
