import type { LogEntry, OffsetAndEpoch } from './types';

export type FetchValidation =
  | { readonly kind: 'valid' }
  | { readonly kind: 'diverging'; readonly epoch: number; readonly endOffset: number }
  | { readonly kind: 'snapshot' };

/**
 * The in-memory view of the replicated log (Kafka's ReplicatedLog): entries from `startOffset`
 * (the log start, behind the latest snapshot) to `endOffset`, plus the epoch of the entry just
 * before the start (the snapshot's epoch, 0 for an empty history).
 */
export class RaftLog {
  private entries: LogEntry[] = [];

  constructor(
    private start = 0,
    private startEpoch = 0,
  ) {}

  get startOffset(): number {
    return this.start;
  }

  /** Epoch of the entry at startOffset - 1 (the latest snapshot's epoch). */
  get snapshotEpoch(): number {
    return this.startEpoch;
  }

  get endOffset(): number {
    return this.start + this.entries.length;
  }

  /** The epoch of the last entry, or the snapshot's epoch for an empty log. */
  get lastEpoch(): number {
    const n = this.entries.length;
    return n === 0 ? this.startEpoch : this.entries[n - 1].epoch;
  }

  get endOffsetAndEpoch(): OffsetAndEpoch {
    return { offset: this.endOffset, epoch: this.lastEpoch };
  }

  entryAt(offset: number): LogEntry | undefined {
    return this.entries[offset - this.start];
  }

  /** The epoch of the entry at offset, which must be in [startOffset - 1, endOffset). */
  epochAt(offset: number): number {
    if (offset === this.start - 1) return this.startEpoch;
    const e = this.entries[offset - this.start];
    if (e === undefined) throw new RangeError(`offset ${offset} is outside the log [${this.start}, ${this.endOffset})`);
    return e.epoch;
  }

  append(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      if (e.offset !== this.endOffset) throw new RangeError(`append at ${e.offset}, log end is ${this.endOffset}`);
      if (e.epoch < this.lastEpoch) throw new RangeError(`append of epoch ${e.epoch} after epoch ${this.lastEpoch}`);
      this.entries.push(e);
    }
  }

  /** Remove every entry at offset >= `offset`. */
  truncateTo(offset: number): void {
    if (offset < this.start) throw new RangeError(`truncate to ${offset} is below the log start ${this.start}`);
    if (offset < this.endOffset) this.entries.length = offset - this.start;
  }

  /** Remove the entries below `offset` (behind a snapshot ending there). */
  deleteBefore(offset: number): void {
    if (offset <= this.start) return;
    if (offset > this.endOffset) throw new RangeError(`delete before ${offset} is past the log end ${this.endOffset}`);
    this.startEpoch = this.epochAt(offset - 1);
    this.entries = this.entries.slice(offset - this.start);
    this.start = offset;
  }

  /** Drop everything; the log restarts empty at `offset` whose previous entry had `epoch`. */
  reset(offset: number, epoch: number): void {
    this.entries = [];
    this.start = offset;
    this.startEpoch = epoch;
  }

  /** Up to `max` entries from `offset`. */
  read(offset: number, max: number): LogEntry[] {
    const i = offset - this.start;
    if (i < 0 || i >= this.entries.length) return [];
    return this.entries.slice(i, i + max);
  }

  /**
   * About `max` entries from `offset` for a Fetch response, never ending inside a batch: the last
   * batch is returned whole (so followers append, and the high watermark moves, at batch boundaries).
   */
  readBatches(offset: number, max: number): LogEntry[] {
    const i = offset - this.start;
    if (i < 0 || i >= this.entries.length) return [];
    let end = Math.min(this.entries.length, i + Math.max(1, max));
    const last = this.entries[end - 1];
    if (last.batchEnd !== undefined) end = Math.min(this.entries.length, Math.max(end, last.batchEnd - this.start));
    return this.entries.slice(i, end);
  }

  /** Whether `offset` is a batch boundary (no batch spans it). */
  isBatchBoundary(offset: number): boolean {
    if (offset <= this.start || offset >= this.endOffset) return true;
    const prev = this.entries[offset - 1 - this.start];
    return prev.batchEnd === undefined || prev.batchEnd <= offset;
  }

  /**
   * The largest epoch <= `epoch` in this log and the offset where it ends (exclusive), as Kafka's
   * `endOffsetForEpoch`; undefined when the epoch is older than the snapshot, so unknown here.
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.epoch <= epoch) {
        return { epoch: e.epoch, offset: i === this.entries.length - 1 ? this.endOffset : e.offset + 1 };
      }
    }
    if (epoch >= this.startEpoch) return { epoch: this.startEpoch, offset: this.start };
    return undefined;
  }

  /** The leader's check of a Fetch (Kafka's `validateOffsetAndEpoch`). */
  validateFetch(fetchOffset: number, lastFetchedEpoch: number): FetchValidation {
    if (fetchOffset < this.start) return { kind: 'snapshot' };
    const end = this.endOffsetForEpoch(lastFetchedEpoch);
    if (end === undefined) return { kind: 'snapshot' };
    if (end.epoch !== lastFetchedEpoch || end.offset < fetchOffset) {
      return { kind: 'diverging', epoch: end.epoch, endOffset: end.offset };
    }
    return { kind: 'valid' };
  }
}
