/**
 * The three per-segment indexes, kept in memory in their on-disk byte format
 * and written to their files by the segment (see segment.ts for when).
 *
 * .index      offset index, version 0: 8-byte entries, big-endian
 *             relativeOffset uint32 (offset - segment base offset) of the
 *             LAST offset of a batch, filePosition uint32 of that batch in the
 *             .log. Sparse: one entry per index.interval.bytes of log. Offsets
 *             and positions strictly increase.
 * .timeindex  time index, version 0: 12-byte entries, big-endian
 *             timestamp int64 (largest timestamp seen up to the batch),
 *             relativeOffset uint32 (of the batch where that largest
 *             timestamp first appeared). Timestamps strictly increase.
 * .txnindex   aborted transactions, version 0: 34-byte entries, big-endian
 *             version int16 (0), producerId int64, firstOffset int64,
 *             lastOffset int64 (the ABORT marker), lastStableOffset int64.
 *             Kept in the segment holding the marker.
 *
 * Files hold exactly the entries (no preallocation, no trailing zeros);
 * segment.index.bytes caps the offset index, and a full one rolls the
 * segment.
 */
import { readInt64, writeInt64 } from '@nagare/records';

export const OFFSET_INDEX_ENTRY = 8;
export const TIME_INDEX_ENTRY = 12;
export const TXN_INDEX_ENTRY = 34;
export const TXN_INDEX_VERSION = 0;

/** A growable array of fixed-size entries in file format, tracking what has reached the file. */
abstract class EntryBuffer {
  protected buf: Buffer;
  entries = 0;
  /** Entries [0, persisted) are in the file as they are in memory. */
  persisted = 0;

  constructor(
    readonly entrySize: number,
    readonly maxEntries: number,
    initial?: Buffer,
  ) {
    const n = initial ? Math.floor(initial.length / entrySize) : 0;
    this.buf = Buffer.allocUnsafe(Math.max(16, n) * entrySize);
    if (initial && n > 0) initial.copy(this.buf, 0, 0, n * entrySize);
    this.entries = n;
    this.persisted = n;
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  get sizeInBytes(): number {
    return this.entries * this.entrySize;
  }

  protected reserve(): number {
    const at = this.entries * this.entrySize;
    if (at + this.entrySize > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.entries++;
    return at;
  }

  protected truncateEntries(n: number): void {
    if (n < this.entries) {
      this.entries = n;
      if (this.persisted > n) this.persisted = n;
    }
  }

  /** The entries as file bytes (a view). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.entries * this.entrySize);
  }

  /** The file bytes not yet persisted: [from, bytes) to write at file position `from`. */
  unpersisted(): { position: number; data: Buffer } {
    const from = this.persisted * this.entrySize;
    return { position: from, data: this.buf.subarray(from, this.entries * this.entrySize) };
  }

  markPersisted(): void {
    this.persisted = this.entries;
  }
}

export class OffsetIndex extends EntryBuffer {
  constructor(
    readonly baseOffset: number,
    maxEntries: number,
    initial?: Buffer,
  ) {
    super(OFFSET_INDEX_ENTRY, maxEntries, initial);
  }

  relativeOffsetAt(i: number): number {
    return this.buf.readUInt32BE(i * 8);
  }

  positionAt(i: number): number {
    return this.buf.readUInt32BE(i * 8 + 4);
  }

  /** Absolute offset of the last entry (the base offset if empty). */
  get lastOffset(): number {
    return this.entries === 0 ? this.baseOffset : this.baseOffset + this.relativeOffsetAt(this.entries - 1);
  }

  get lastPosition(): number {
    return this.entries === 0 ? 0 : this.positionAt(this.entries - 1);
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.entries > 0 && (rel <= this.relativeOffsetAt(this.entries - 1) || position <= this.positionAt(this.entries - 1))) return;
    const at = this.reserve();
    this.buf.writeUInt32BE(rel, at);
    this.buf.writeUInt32BE(position, at + 4);
  }

  /** The last entry with offset <= target, as (offset, position); (base offset, 0) if none. */
  lookup(target: number): { offset: number; position: number } {
    const rel = target - this.baseOffset;
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relativeOffsetAt(mid) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : { offset: this.baseOffset + this.relativeOffsetAt(found), position: this.positionAt(found) };
  }

  /** Drops entries at or past file position `position`. */
  truncateToPosition(position: number): void {
    let n = this.entries;
    while (n > 0 && this.positionAt(n - 1) >= position) n--;
    this.truncateEntries(n);
  }

  clear(): void {
    this.truncateEntries(0);
  }

  /** Entries strictly increasing, positions inside the log. */
  isSane(logSize: number): boolean {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.entries; i++) {
      const r = this.relativeOffsetAt(i);
      const p = this.positionAt(i);
      if ((r <= prevRel && i > 0) || r > 0x7fffffff) return false;
      if (p <= prevPos || p >= logSize) return false;
      prevRel = r;
      prevPos = p;
    }
    return true;
  }
}

export class TimeIndex extends EntryBuffer {
  constructor(
    readonly baseOffset: number,
    maxEntries: number,
    initial?: Buffer,
  ) {
    super(TIME_INDEX_ENTRY, maxEntries, initial);
  }

  timestampAt(i: number): number {
    return readInt64(this.buf, i * 12);
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readUInt32BE(i * 12 + 8);
  }

  get lastTimestamp(): number {
    return this.entries === 0 ? -1 : this.timestampAt(this.entries - 1);
  }

  get lastEntryOffset(): number {
    return this.entries === 0 ? this.baseOffset : this.offsetAt(this.entries - 1);
  }

  /** Adds (timestamp, offset) if the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.entries > 0) {
      if (timestamp <= this.timestampAt(this.entries - 1)) return;
      if (offset < this.offsetAt(this.entries - 1)) return;
      if (offset === this.offsetAt(this.entries - 1)) {
        // Same batch, larger timestamp: update the last entry in place.
        writeInt64(this.buf, (this.entries - 1) * 12, timestamp);
        if (this.persisted === this.entries) this.persisted--;
        return;
      }
    }
    const at = this.reserve();
    writeInt64(this.buf, at, timestamp);
    this.buf.writeUInt32BE(offset - this.baseOffset, at + 8);
  }

  /** The last entry with timestamp <= target; (-1, base offset) if none. */
  lookup(target: number): { timestamp: number; offset: number } {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { timestamp: -1, offset: this.baseOffset } : { timestamp: this.timestampAt(found), offset: this.offsetAt(found) };
  }

  /** Drops entries whose offset is >= `offset`. */
  truncateToOffset(offset: number): void {
    let n = this.entries;
    while (n > 0 && this.offsetAt(n - 1) >= offset) n--;
    this.truncateEntries(n);
  }

  clear(): void {
    this.truncateEntries(0);
  }

  isSane(): boolean {
    for (let i = 0; i < this.entries; i++) {
      if (this.buf.readUInt32BE(i * 12 + 8) > 0x7fffffff || this.timestampAt(i) < -1) return false;
    }
    for (let i = 1; i < this.entries; i++) {
      if (this.timestampAt(i) <= this.timestampAt(i - 1) || this.offsetAt(i) < this.offsetAt(i - 1)) return false;
    }
    return true;
  }
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function encodeAbortedTxn(t: AbortedTxn): Buffer {
  const b = Buffer.allocUnsafe(TXN_INDEX_ENTRY);
  b.writeInt16BE(TXN_INDEX_VERSION, 0);
  writeInt64(b, 2, t.producerId);
  writeInt64(b, 10, t.firstOffset);
  writeInt64(b, 18, t.lastOffset);
  writeInt64(b, 26, t.lastStableOffset);
  return b;
}

/** Parses a .txnindex file; a torn tail entry or an unknown version ends the list (returned as `valid: false`). */
export function decodeTxnIndex(buf: Buffer): { entries: AbortedTxn[]; valid: boolean } {
  const entries: AbortedTxn[] = [];
  let pos = 0;
  while (pos + TXN_INDEX_ENTRY <= buf.length) {
    if (buf.readInt16BE(pos) !== TXN_INDEX_VERSION) return { entries, valid: false };
    entries.push({
      producerId: readInt64(buf, pos + 2),
      firstOffset: readInt64(buf, pos + 10),
      lastOffset: readInt64(buf, pos + 18),
      lastStableOffset: readInt64(buf, pos + 26),
    });
    pos += TXN_INDEX_ENTRY;
  }
  return { entries, valid: pos === buf.length };
}
