/**
 * The leader epoch cache: for each leader epoch seen in the log, the first
 * offset written in it. Backs OffsetForLeaderEpoch (KIP-101, KIP-279) and
 * follower truncation. Persisted to `leader-epoch-checkpoint` on every change
 * (changes are rare: one per leader election, plus truncations).
 */
import { EpochEntry, writeEpochCheckpoint } from './checkpoints';
import { FileSystem } from './fs/file-system';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochCache {
  private entries: EpochEntry[];

  constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
    entries: EpochEntry[] = [],
  ) {
    // Keep only a strictly increasing sequence (a damaged file cannot make lookups lie).
    const clean: EpochEntry[] = [];
    for (const e of entries) {
      const last = clean[clean.length - 1];
      if (e.epoch < 0 || e.startOffset < 0) continue;
      if (last && (e.epoch <= last.epoch || e.startOffset < last.startOffset)) continue;
      clean.push({ epoch: e.epoch, startOffset: e.startOffset });
    }
    this.entries = clean;
  }

  all(): EpochEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  get latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  get earliest(): EpochEntry | undefined {
    return this.entries[0];
  }

  /**
   * Records that `epoch` starts at `startOffset` (no-op if it is the latest
   * epoch already). Entries that conflict (an epoch >= this one, or a start
   * offset >= this one) are dropped first. Returns whether anything changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const last = this.entries[this.entries.length - 1];
    if (last && last.epoch === epoch && startOffset >= last.startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.persist();
    return true;
  }

  /** The epoch of the batch holding `offset`, or UNDEFINED_EPOCH. */
  epochForOffset(offset: number): number {
    let found = UNDEFINED_EPOCH;
    for (const e of this.entries) {
      if (e.startOffset > offset) break;
      found = e.epoch;
    }
    return found;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requested` and the offset
   * where it ended (the start of the next larger epoch, or the log end
   * offset for the latest epoch). A requested epoch below every known one
   * answers (requested, start of the first epoch); above every known one,
   * (-1, -1).
   */
  endOffsetFor(requested: number, logEndOffset: number): { leaderEpoch: number; endOffset: number } {
    if (requested === UNDEFINED_EPOCH || this.entries.length === 0) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.latestEpoch === requested) return { leaderEpoch: requested, endOffset: logEndOffset };
    const higherIdx = this.entries.findIndex((e) => e.epoch > requested);
    if (higherIdx < 0) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const higher = this.entries[higherIdx];
    if (higherIdx === 0) return { leaderEpoch: requested, endOffset: higher.startOffset };
    return { leaderEpoch: this.entries[higherIdx - 1].epoch, endOffset: higher.startOffset };
  }

  /** Drops entries starting at or after `endOffset` (log truncation). */
  truncateFromEnd(endOffset: number): void {
    const n = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    if (this.entries.length !== n) this.persist();
  }

  /**
   * The log now starts at `startOffset`: entries starting at or before it
   * collapse into one, the latest of them, moved to start there.
   */
  truncateFromStart(startOffset: number): void {
    let lastRemoved: EpochEntry | undefined;
    const kept: EpochEntry[] = [];
    for (const e of this.entries) {
      if (e.startOffset <= startOffset) lastRemoved = e;
      else kept.push(e);
    }
    if (!lastRemoved) return;
    if (lastRemoved.startOffset === startOffset && kept.length === this.entries.length - 1) return;
    this.entries = [{ epoch: lastRemoved.epoch, startOffset }, ...kept];
    this.persist();
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.persist();
  }

  persist(): void {
    writeEpochCheckpoint(this.fs, this.path, this.entries);
  }
}
