/**
 * A log segment: `<base>.log` holding whole record batches back to back,
 * with its offset index, time index and aborted-transaction index.
 *
 * Index handling: the indexes live in memory in their file format. The
 * active segment's are written to their files when it is flushed, rolled or
 * closed (never on the append path: a recovered segment's indexes are
 * rebuilt from the log anyway). A non-active segment loads its indexes
 * lazily, on the first lookup, and rebuilds them from the log if the files
 * are missing or fail a sanity check. Opening a log therefore reads only
 * file names, plus the active segment.
 */
import * as nodePath from 'node:path';
import {
  BATCH_LENGTH_OFFSET,
  BatchHeader,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RecordIterator,
  readBatchHeader,
  readInt64,
} from '@nagare/records';
import { scanBatches, ScanResult } from './batch-scan';
import { FileHandle, FileSystem, errnoCode, readFully, writeFully } from './fs/file-system';
import {
  AbortedTxn,
  OFFSET_INDEX_ENTRY,
  OffsetIndex,
  TIME_INDEX_ENTRY,
  TXN_INDEX_ENTRY,
  TimeIndex,
  decodeTxnIndex,
  encodeAbortedTxn,
} from './indexes';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, offsetPrefix } from './names';

const INT32_MAX = 0x7fffffff;
const HEADER_PROBE_BYTES = 8192;

/**
 * Open log files of non-active segments, least recently used first, capped
 * process-wide: a log with thousands of segments must not hold thousands of
 * file descriptors. Active segments keep their file open and are not counted.
 */
class HandleCache {
  private readonly open = new Map<LogSegment, true>();
  capacity = 1024;

  touch(s: LogSegment): void {
    this.open.delete(s);
    this.open.set(s, true);
    while (this.open.size > this.capacity) {
      const oldest = this.open.keys().next().value as LogSegment;
      this.open.delete(oldest);
      oldest.closeFile();
    }
  }

  remove(s: LogSegment): void {
    this.open.delete(s);
  }

  get size(): number {
    return this.open.size;
  }
}

const inactiveHandles = new HandleCache();

/** Caps the log files of non-active segments kept open in this process (default 1024). */
export function setMaxOpenSegmentFiles(n: number): void {
  if (!(n >= 1)) throw new RangeError('need at least one open segment file');
  inactiveHandles.capacity = n;
}

/** Log files of non-active segments open right now (tests). */
export function openInactiveSegmentFiles(): number {
  return inactiveHandles.size;
}

export interface SegmentSettings {
  indexIntervalBytes: number;
  /** segment.index.bytes. */
  segmentIndexBytes: number;
}

/** Where a batch sits in the segment file. */
export interface BatchLocation {
  position: number;
  baseOffset: number;
  lastOffset: number;
  size: number;
}

export interface SegmentRead {
  records: Buffer;
  firstOffset: number;
  nextOffset: number;
  /** The first batch's location, even when `records` is empty because of maxBytes/minOneMessage. */
  first: BatchLocation;
}

/** Per-batch facts the segment needs on append (all from the header). */
export interface AppendBatchInfo {
  /** Position of the batch inside the appended buffer. */
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export class LogSegment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  readonly txnIndexPath: string;

  private handle: FileHandle | null = null;
  private _size = -1;
  private oi: OffsetIndex | null = null;
  private ti: TimeIndex | null = null;
  private txns: AbortedTxn[] | null = null;
  private txnFileEntries = -1;
  private indexesWritten = false;
  private indexFilesUnsynced = false;
  private logUnsynced = false;
  /** Index content differs from the files (truncation rewrote it). */
  private indexFilesStale = false;

  // State known for the active segment (and any segment whose indexes were built by a scan).
  private bytesSinceLastIndexEntry = 0;
  private maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar = -1;
  private _nextOffset = -1;
  /** maxTimestamp of the first batch (segment.ms), -1 if unknown. */
  private firstBatchTimestamp = -2;
  /** Wall time the segment was created or opened (segment.ms for empty segments). */
  createdMs: number;

  /** Fetch-path hint: the position of the batch following the last read. */
  private readHint = { offset: -1, position: -1 };

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    private settings: SegmentSettings,
    createdMs: number,
    suffix = '',
  ) {
    const prefix = nodePath.posix.join(dir, offsetPrefix(baseOffset));
    this.logPath = prefix + LOG_SUFFIX + suffix;
    this.indexPath = prefix + INDEX_SUFFIX + suffix;
    this.timeIndexPath = prefix + TIME_INDEX_SUFFIX + suffix;
    this.txnIndexPath = prefix + TXN_INDEX_SUFFIX + suffix;
    this.createdMs = createdMs;
  }

  /** A new, empty segment (its .log is created now; index files when first flushed or rolled). */
  static create(fs: FileSystem, dir: string, baseOffset: number, settings: SegmentSettings, nowMs: number, suffix = ''): LogSegment {
    const s = new LogSegment(fs, dir, baseOffset, settings, nowMs, suffix);
    s.handle = fs.open(s.logPath, 'w+');
    s.active = true;
    s._size = 0;
    s.oi = new OffsetIndex(baseOffset, s.maxOffsetEntries());
    s.ti = new TimeIndex(baseOffset, s.maxTimeEntries());
    s.txns = [];
    s.txnFileEntries = 0;
    s._nextOffset = baseOffset;
    s.firstBatchTimestamp = -1;
    s.indexFilesStale = true;
    return s;
  }

  /** An existing segment; nothing is read until needed. */
  static existing(fs: FileSystem, dir: string, baseOffset: number, settings: SegmentSettings, nowMs: number, suffix = ''): LogSegment {
    return new LogSegment(fs, dir, baseOffset, settings, nowMs, suffix);
  }

  updateSettings(settings: SegmentSettings): void {
    this.settings = settings;
  }

  private maxOffsetEntries(): number {
    return Math.max(1, Math.floor(this.settings.segmentIndexBytes / OFFSET_INDEX_ENTRY));
  }

  private maxTimeEntries(): number {
    return Math.max(1, Math.floor(this.settings.segmentIndexBytes / TIME_INDEX_ENTRY));
  }

  /** The active segment keeps its file open; others go through the process-wide handle cache. */
  private active = false;

  setActive(active: boolean): void {
    this.active = active;
    if (active) inactiveHandles.remove(this);
    else if (this.handle) inactiveHandles.touch(this);
  }

  private log(): FileHandle {
    if (!this.handle) this.handle = this.fs.open(this.logPath, 'r+');
    if (!this.active) inactiveHandles.touch(this);
    return this.handle;
  }

  /** @internal Closes the file (it reopens on the next use). */
  closeFile(): void {
    if (this.handle) {
      const h = this.handle;
      this.handle = null;
      h.close();
    }
  }

  get size(): number {
    if (this._size < 0) this._size = this.handle ? this.handle.size() : (this.fs.stat(this.logPath)?.size ?? 0);
    return this._size;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  // ---- indexes --------------------------------------------------------------------------------------

  private readIndexFile(path: string): Buffer | null {
    try {
      return this.fs.readFile(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw e;
    }
  }

  /** Loads (or rebuilds) the offset and time indexes. */
  private ensureIndexes(): void {
    if (this.oi && this.ti) return;
    const ib = this.readIndexFile(this.indexPath);
    const tb = this.readIndexFile(this.timeIndexPath);
    const size = this.size;
    if (ib && tb && ib.length % OFFSET_INDEX_ENTRY === 0 && tb.length % TIME_INDEX_ENTRY === 0) {
      const oi = new OffsetIndex(this.baseOffset, this.maxOffsetEntries(), ib);
      const ti = new TimeIndex(this.baseOffset, this.maxTimeEntries(), tb);
      // A non-empty segment's time index ends with its largest timestamp (written when it rolled).
      if (oi.isSane(size) && ti.isSane() && (size === 0 || ti.entries > 0)) {
        this.oi = oi;
        this.ti = ti;
        this.indexesWritten = true;
        return;
      }
    }
    this.rebuildIndexes();
  }

  private offsetIndex(): OffsetIndex {
    this.ensureIndexes();
    return this.oi!;
  }

  private timeIndex(): TimeIndex {
    this.ensureIndexes();
    return this.ti!;
  }

  /** Rebuilds the indexes from the log without validating it (a trusted, flushed segment). */
  rebuildIndexes(): void {
    this.oi = new OffsetIndex(this.baseOffset, this.maxOffsetEntries());
    this.ti = new TimeIndex(this.baseOffset, this.maxTimeEntries());
    this.resetActiveState();
    const r = scanBatches(this.log(), 0, this.size, { verify: false }, (_c, _p, filePos, h, size) => this.indexBatch(filePos, size, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp));
    this._nextOffset = r.validEnd > 0 ? r.nextOffset : this.baseOffset;
    this.finishTimeIndex();
    this.indexFilesStale = true;
    this.indexesWritten = false;
  }

  private resetActiveState(): void {
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    this.firstBatchTimestamp = -1;
    this._nextOffset = this.baseOffset;
  }

  /** Index bookkeeping for one batch at `filePos` (appends, recovery and rebuilds share it). */
  private indexBatch(filePos: number, size: number, baseOffset: number, lastOffset: number, maxTimestamp: number): void {
    if (filePos === 0) this.firstBatchTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      this.oi!.append(lastOffset, filePos);
      this.ti!.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this._nextOffset = lastOffset + 1;
    void baseOffset;
  }

  /** Makes the time index end with the segment's largest timestamp. */
  private finishTimeIndex(): void {
    if (this.maxTimestampSoFar >= 0 && this.ti) {
      // A full time index may still take the final entry: it bounds the segment's largest timestamp.
      this.ti.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    }
  }

  /**
   * Prepares a segment found on disk to be the active one after a clean
   * shutdown: indexes from their files (rebuilt if bad), then the tail after
   * the last index entry is scanned for the append state.
   */
  loadAsActive(): void {
    this.ensureIndexes();
    const oi = this.oi!;
    const ti = this.ti!;
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = ti.lastTimestamp;
    this.offsetOfMaxTimestampSoFar = ti.entries > 0 ? ti.lastEntryOffset : -1;
    this._nextOffset = oi.entries > 0 ? oi.lastOffset + 1 : this.baseOffset;
    const from = oi.lastPosition;
    this.firstBatchTimestamp = -1;
    if (from > 0) this.firstBatchTimestamp = this.readFirstBatchTimestamp();
    let first = true;
    scanBatches(this.log(), from, this.size, { verify: false }, (_c, _p, filePos, h, size) => {
      if (first && filePos === from) {
        // This batch is the one the last index entry points at: already indexed.
        first = false;
        if (from > 0) {
          this._nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
          if (h.maxTimestamp > this.maxTimestampSoFar) {
            this.maxTimestampSoFar = h.maxTimestamp;
            this.offsetOfMaxTimestampSoFar = this._nextOffset - 1;
          }
          this.bytesSinceLastIndexEntry = size;
          return;
        }
      }
      this.indexBatch(filePos, size, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp);
    });
  }

  private readFirstBatchTimestamp(): number {
    if (this.size < RECORD_BATCH_HEADER_SIZE) return -1;
    const b = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE);
    if (readFully(this.log(), b, 0, b.length, 0) < b.length) return -1;
    return readInt64(b, MAX_TIMESTAMP_OFFSET);
  }

  /**
   * Validates every batch from position 0 (CRC, sizes, offsets increasing
   * from `minOffset`), rebuilds the indexes, truncates the file at the first
   * invalid byte. `visit` sees each valid batch. Returns the bytes truncated
   * and why.
   */
  recover(minOffset: number, maxBatchBytes: number | undefined, visit: (chunk: Buffer, pos: number, header: BatchHeader, filePos: number) => void): { truncatedBytes: number; error?: string; nextOffset: number } {
    this.oi = new OffsetIndex(this.baseOffset, this.maxOffsetEntries());
    this.ti = new TimeIndex(this.baseOffset, this.maxTimeEntries());
    this.resetActiveState();
    this._size = this.log().size();
    const size = this._size;
    const r: ScanResult = scanBatches(
      this.log(),
      0,
      size,
      { verify: true, minOffset: Math.max(minOffset, this.baseOffset), segmentBaseOffset: this.baseOffset, maxBatchBytes },
      (chunk, pos, filePos, h, bsize) => {
        this.indexBatch(filePos, bsize, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp);
        visit(chunk, pos, h, filePos);
      },
    );
    let truncated = 0;
    if (r.validEnd < size) {
      truncated = size - r.validEnd;
      this.log().truncate(r.validEnd);
      this._size = r.validEnd;
      this.logUnsynced = true;
    }
    this._nextOffset = r.validEnd > 0 ? r.nextOffset : this.baseOffset;
    // The transaction index is rebuilt by the caller as it replays markers.
    this.txns = [];
    this.txnFileEntries = -1;
    this.indexFilesStale = true;
    this.indexesWritten = false;
    return { truncatedBytes: truncated, error: r.validEnd < size ? r.error : undefined, nextOffset: this._nextOffset };
  }

  /**
   * Walks the batches from file position `position` to the end without
   * validation (headers trusted); a visit returning false stops after that
   * batch. Returns the position after the last batch visited.
   */
  scanFrom(position: number, visit: (chunk: Buffer, pos: number, filePosition: number, header: BatchHeader, size: number) => void | boolean): number {
    return scanBatches(this.log(), position, this.size, { verify: false }, visit).validEnd;
  }

  // ---- append ---------------------------------------------------------------------------------------

  /** Offset after the last batch (computed on first use for a non-active segment). */
  get nextOffset(): number {
    if (this._nextOffset < 0) this.loadAsActive();
    return this._nextOffset;
  }

  get firstTimestamp(): number {
    if (this.firstBatchTimestamp === -2) this.firstBatchTimestamp = this.readFirstBatchTimestamp();
    return this.firstBatchTimestamp;
  }

  /** Whether a batch ending at `lastOffset` can be stored here (relative offsets are int32). */
  canHoldOffset(lastOffset: number): boolean {
    return lastOffset - this.baseOffset <= INT32_MAX && lastOffset >= this.baseOffset;
  }

  get indexIsFull(): boolean {
    return this.offsetIndex().isFull || this.timeIndex().isFull;
  }

  /**
   * Appends `data` (whole batches, offsets assigned) with one write at the
   * end of the file. On a write error the file is cut back to where it was
   * and the error rethrown.
   */
  append(data: Buffer, batches: readonly AppendBatchInfo[]): void {
    this.ensureIndexes();
    if (this._nextOffset < 0) this.loadAsActive();
    const start = this.size;
    try {
      writeFully(this.log(), data, start);
    } catch (e) {
      try {
        this.log().truncate(start);
      } catch {
        // the directory goes offline anyway; recovery cuts torn bytes on the next start
      }
      throw e;
    }
    this._size = start + data.length;
    this.logUnsynced = true;
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i];
      this.indexBatch(start + b.position, b.size, b.baseOffset, b.lastOffset, b.maxTimestamp);
    }
  }

  // ---- reads ----------------------------------------------------------------------------------------

  /**
   * The first batch whose last offset is >= `offset`, searching from
   * `startPosition` (default: from the offset index). Null past the end.
   */
  translateOffset(offset: number, startPosition?: number): BatchLocation | null {
    const size = this.size;
    let pos: number;
    if (startPosition !== undefined) pos = startPosition;
    else if (this.readHint.offset === offset) pos = this.readHint.position;
    else pos = this.offsetIndex().lookup(offset).position;
    const h = this.log();
    let buf = Buffer.allocUnsafe(Math.min(HEADER_PROBE_BYTES, Math.max(RECORD_BATCH_HEADER_SIZE, size - pos)));
    let bufStart = -1;
    let bufLen = 0;
    while (pos + LOG_OVERHEAD <= size) {
      let p = pos - bufStart;
      if (bufStart < 0 || p < 0 || p + RECORD_BATCH_HEADER_SIZE > bufLen) {
        if (buf.length < RECORD_BATCH_HEADER_SIZE) buf = Buffer.allocUnsafe(HEADER_PROBE_BYTES);
        bufLen = readFully(h, buf, 0, Math.min(buf.length, size - pos), pos);
        bufStart = pos;
        p = 0;
        if (bufLen < RECORD_BATCH_HEADER_SIZE) return null;
      }
      const bsize = buf.readInt32BE(p + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      const base = readInt64(buf, p);
      const last = base + buf.readInt32BE(p + LAST_OFFSET_DELTA_OFFSET);
      if (bsize < RECORD_BATCH_HEADER_SIZE || pos + bsize > size) return null;
      if (last >= offset) return { position: pos, baseOffset: base, lastOffset: last, size: bsize };
      pos += bsize;
    }
    return null;
  }

  /**
   * Whole batches from the one holding `offset`: one positioned read of up to
   * `maxBytes` (or of the first batch, if bigger and `minOneMessage`), cut at
   * the last complete batch and before any batch reaching `maxOffset`.
   * Null when no batch in this segment holds `offset` or a later one.
   */
  read(offset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): SegmentRead | null {
    const first = this.translateOffset(offset);
    if (!first) return null;
    const empty = { records: Buffer.alloc(0), firstOffset: first.baseOffset, nextOffset: offset, first };
    if (first.lastOffset >= maxOffset) return empty;
    let len = Math.min(maxBytes, this.size - first.position);
    if (len < first.size) {
      if (!minOneMessage) return empty;
      len = first.size;
    }
    const buf = Buffer.allocUnsafe(len);
    const got = readFully(this.log(), buf, 0, len, first.position);
    // Walk the headers in memory to find the last whole batch below maxOffset.
    let cut = 0;
    let next = offset;
    while (cut + RECORD_BATCH_HEADER_SIZE <= got) {
      const bsize = buf.readInt32BE(cut + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      if (bsize < RECORD_BATCH_HEADER_SIZE || cut + bsize > got) break;
      const last = readInt64(buf, cut) + buf.readInt32BE(cut + LAST_OFFSET_DELTA_OFFSET);
      if (last >= maxOffset) break;
      cut += bsize;
      next = last + 1;
    }
    if (cut === 0) return empty;
    this.readHint.offset = next;
    this.readHint.position = first.position + cut;
    return { records: cut === got ? buf : buf.subarray(0, cut), firstOffset: first.baseOffset, nextOffset: next, first };
  }

  /** The header of the batch at `position`. */
  readHeaderAt(position: number): BatchHeader | null {
    const b = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE);
    if (readFully(this.log(), b, 0, b.length, position) < b.length) return null;
    return readBatchHeader(b, 0);
  }

  /** Reads `size` bytes at `position` (one batch, typically). */
  readBytes(position: number, size: number): Buffer {
    const b = Buffer.allocUnsafe(size);
    const n = readFully(this.log(), b, 0, size, position);
    return n === size ? b : b.subarray(0, n);
  }

  /** Reads the whole batch at a location. */
  readBatch(loc: BatchLocation): Buffer {
    return this.readBytes(loc.position, loc.size);
  }

  /** Largest timestamp in the segment (-1 if empty or none). */
  get largestTimestamp(): number {
    // Append state known (active, recovered or rebuilt segment): tracked exactly.
    if (this._nextOffset >= 0) return this.maxTimestampSoFar;
    if (this.ti) return this.ti.lastTimestamp;
    // A non-active segment's time index ends with its largest timestamp: read just that entry.
    const st = this.fs.stat(this.timeIndexPath);
    if (st && st.size >= TIME_INDEX_ENTRY && st.size % TIME_INDEX_ENTRY === 0) {
      const h = this.fs.open(this.timeIndexPath, 'r');
      try {
        const b = Buffer.allocUnsafe(TIME_INDEX_ENTRY);
        if (readFully(h, b, 0, TIME_INDEX_ENTRY, st.size - TIME_INDEX_ENTRY) === TIME_INDEX_ENTRY) return readInt64(b, 0);
      } finally {
        h.close();
      }
    }
    this.ensureIndexes();
    return this._nextOffset >= 0 ? this.maxTimestampSoFar : this.ti!.lastTimestamp;
  }

  /** Offset of the batch holding the largest timestamp (-1 if none). */
  get offsetOfLargestTimestamp(): number {
    const ti = this.timeIndex();
    if (this._nextOffset >= 0) return this.offsetOfMaxTimestampSoFar;
    return ti.entries > 0 ? ti.lastEntryOffset : -1;
  }

  /**
   * ListOffsets within this segment: the first record at or after
   * `fromOffset` with timestamp >= `timestamp`. Decodes the records of one
   * batch only.
   */
  findOffsetByTimestamp(timestamp: number, fromOffset: number): { offset: number; timestamp: number; leaderEpoch: number } | null {
    const ti = this.timeIndex();
    const entry = ti.lookup(timestamp);
    const start = Math.max(fromOffset, entry.timestamp >= 0 ? entry.offset : this.baseOffset);
    let loc = this.translateOffset(start);
    while (loc) {
      const hdr = this.readHeaderAt(loc.position);
      if (!hdr) return null;
      if (hdr.maxTimestamp >= timestamp && loc.lastOffset >= fromOffset) {
        const batch = this.readBatch(loc);
        const epoch = batch.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET);
        for (const r of new RecordIterator(batch, { verifyCrc: false })) {
          if (r.offset >= fromOffset && r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp, leaderEpoch: epoch };
        }
      }
      loc = this.translateOffset(loc.lastOffset + 1, loc.position + loc.size);
    }
    return null;
  }

  // ---- transaction index --------------------------------------------------------------------------

  private loadTxns(): AbortedTxn[] {
    if (this.txns) return this.txns;
    const b = this.readIndexFile(this.txnIndexPath);
    const { entries } = b ? decodeTxnIndex(b) : { entries: [] as AbortedTxn[] };
    this.txns = entries;
    this.txnFileEntries = b && b.length === entries.length * TXN_INDEX_ENTRY ? entries.length : -1;
    return entries;
  }

  abortedTxns(): readonly AbortedTxn[] {
    return this.loadTxns();
  }

  /** Records an aborted transaction whose ABORT marker is in this segment (written through to .txnindex). */
  addAbortedTxn(t: AbortedTxn): void {
    const txns = this.loadTxns();
    txns.push(t);
    if (this.txnFileEntries === txns.length - 1) {
      const h = this.fs.open(this.txnIndexPath, this.fs.exists(this.txnIndexPath) ? 'r+' : 'w+');
      try {
        writeFully(h, encodeAbortedTxn(t), this.txnFileEntries * TXN_INDEX_ENTRY);
      } finally {
        h.close();
      }
      this.txnFileEntries++;
      this.indexFilesUnsynced = true;
    }
  }

  private writeTxnIndex(): void {
    const txns = this.loadTxns();
    if (this.txnFileEntries === txns.length) return;
    if (txns.length === 0 && !this.fs.exists(this.txnIndexPath)) {
      this.txnFileEntries = 0;
      return;
    }
    const b = Buffer.allocUnsafe(txns.length * TXN_INDEX_ENTRY);
    txns.forEach((t, i) => encodeAbortedTxn(t).copy(b, i * TXN_INDEX_ENTRY));
    this.writeWhole(this.txnIndexPath, b);
    this.txnFileEntries = txns.length;
  }

  // ---- truncation -----------------------------------------------------------------------------------

  /**
   * Removes everything from the batch holding `offset` on. Returns the bytes
   * removed. (Truncating inside a batch removes the whole batch.)
   */
  truncateTo(offset: number): number {
    this.ensureIndexes();
    const loc = this.translateOffset(offset);
    if (!loc) {
      if (this._nextOffset < 0) this.loadAsActive();
      return 0;
    }
    const removed = this.size - loc.position;
    this.log().truncate(loc.position);
    this._size = loc.position;
    this.oi!.truncateToPosition(loc.position);
    this.ti!.truncateToOffset(loc.baseOffset);
    this.readHint.offset = -1;
    const txns = this.loadTxns();
    const kept = txns.filter((t) => t.lastOffset < loc.baseOffset);
    if (kept.length !== txns.length) {
      this.txns = kept;
      this.txnFileEntries = -1;
    }
    this.logUnsynced = true;
    this.indexFilesStale = true;
    // Recompute the append state from what is left.
    this.oi = new OffsetIndex(this.baseOffset, this.maxOffsetEntries(), this.oi!.bytes());
    this.ti = new TimeIndex(this.baseOffset, this.maxTimeEntries(), this.ti!.bytes());
    this.loadAsActive();
    return removed;
  }

  // ---- durability -----------------------------------------------------------------------------------

  private writeWhole(path: string, data: Buffer): void {
    const h = this.fs.open(path, 'w+');
    try {
      writeFully(h, data, 0);
    } finally {
      h.close();
    }
    this.indexFilesUnsynced = true;
  }

  /** Writes the in-memory indexes to their files if they changed (no fsync). */
  writeIndexFiles(): void {
    if (!this.oi || !this.ti) return;
    if (this.indexFilesStale || !this.indexesWritten) {
      this.writeWhole(this.indexPath, this.oi.bytes());
      this.writeWhole(this.timeIndexPath, this.ti.bytes());
      this.oi.markPersisted();
      this.ti.markPersisted();
      this.indexFilesStale = false;
      this.indexesWritten = true;
    } else {
      for (const [idx, path] of [
        [this.oi, this.indexPath],
        [this.ti, this.timeIndexPath],
      ] as const) {
        const u = idx.unpersisted();
        if (u.data.length === 0) continue;
        const h = this.fs.open(path, 'r+');
        try {
          writeFully(h, u.data, u.position);
        } finally {
          h.close();
        }
        idx.markPersisted();
        this.indexFilesUnsynced = true;
      }
    }
    this.writeTxnIndex();
  }

  /** fsync of the log file (and, with `indexes`, the index files after writing them). */
  flush(indexes: boolean): void {
    if (this.logUnsynced) {
      this.log().sync();
      this.logUnsynced = false;
    }
    if (indexes) {
      this.writeIndexFiles();
      if (this.indexFilesUnsynced) {
        for (const p of [this.indexPath, this.timeIndexPath, this.txnIndexPath]) {
          if (!this.fs.exists(p)) continue;
          const h = this.fs.open(p, 'r');
          try {
            h.sync();
          } finally {
            h.close();
          }
        }
        this.indexFilesUnsynced = false;
      }
    }
  }

  /** The asynchronous fsync of the log file (indexes written synchronously, synced later by `flush`). */
  async flushLogAsync(): Promise<void> {
    if (!this.logUnsynced) return;
    this.logUnsynced = false;
    try {
      await this.log().syncAsync();
    } catch (e) {
      this.logUnsynced = true;
      throw e;
    }
  }

  get needsFlush(): boolean {
    return this.logUnsynced || this.indexFilesUnsynced || this.indexFilesStale;
  }

  /** The segment stops being the active one: final time index entry, index files written. */
  onBecomeInactive(): void {
    this.ensureIndexes();
    this.finishTimeIndex();
    this.writeIndexFiles();
    this.setActive(false);
  }

  close(): void {
    inactiveHandles.remove(this);
    this.closeFile();
  }

  /** Closes the file and renames every file of the segment to `<name>.deleted`; returns the new paths. */
  renameForDeletion(): string[] {
    this.close();
    const out: string[] = [];
    for (const p of [this.logPath, this.indexPath, this.timeIndexPath, this.txnIndexPath]) {
      if (!this.fs.exists(p)) continue;
      this.fs.rename(p, p + DELETED_SUFFIX);
      out.push(p + DELETED_SUFFIX);
    }
    return out;
  }

  /** Deletes the files now. */
  deleteFiles(): void {
    this.close();
    for (const p of [this.logPath, this.indexPath, this.timeIndexPath, this.txnIndexPath]) if (this.fs.exists(p)) this.fs.unlink(p);
  }

  /** Adopts in-memory indexes built elsewhere (compaction output), marking them written. */
  adoptIndexes(oi: OffsetIndex, ti: TimeIndex, txns: AbortedTxn[], nextOffset: number, size: number): void {
    this.oi = oi;
    this.ti = ti;
    this.txns = txns;
    this.txnFileEntries = txns.length;
    this._nextOffset = -1;
    this._size = size;
    void nextOffset;
    this.indexesWritten = true;
    this.indexFilesStale = false;
  }

  /** Index entry counts (tests, DescribeLogDirs). */
  indexStats(): { offsetEntries: number; timeEntries: number } {
    return { offsetEntries: this.offsetIndex().entries, timeEntries: this.timeIndex().entries };
  }

  /** The offset index entries, absolute (tests). */
  offsetIndexEntries(): { offset: number; position: number }[] {
    const oi = this.offsetIndex();
    const out = [];
    for (let i = 0; i < oi.entries; i++) out.push({ offset: this.baseOffset + oi.relativeOffsetAt(i), position: oi.positionAt(i) });
    return out;
  }

  /** The time index entries (tests). */
  timeIndexEntries(): { timestamp: number; offset: number }[] {
    const ti = this.timeIndex();
    const out = [];
    for (let i = 0; i < ti.entries; i++) out.push({ timestamp: ti.timestampAt(i), offset: ti.offsetAt(i) });
    return out;
  }

  /** True once indexes are in memory (tests of lazy loading). */
  get indexesLoaded(): boolean {
    return this.oi !== null;
  }
}
