/**
 * One partition's log: a directory of segments plus the partition's leader
 * epoch cache and producer state. Append, read, recovery, truncation and
 * retention live here; compaction is in cleaner.ts.
 *
 * Offsets, timestamps and producer ids are JS numbers, exact within the
 * safe-integer range (2^53 - 1); batches whose offsets would leave it are
 * refused.
 *
 * Everything is synchronous except `flushAsync`: appends and reads are
 * single positioned writes/reads that hit the page cache.
 */
import * as nodePath from 'node:path';
import { Clock, Logger, NagareError, isNagareError, silentLogger } from '@nagare/common';
import { ErrorCode } from '@nagare/protocol';
import {
  BatchHeader,
  ControlRecordType,
  MAX_TIMESTAMP_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RecordIterator,
  RecordsError,
  checkBatchAt,
  parseControlRecord,
  readInt64,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '@nagare/records';
import { EpochEntry, readEpochCheckpoint, readPartitionMetadata, writePartitionMetadata } from './checkpoints';
import { LogConfig, hasDeletePolicy, isCompacted, validateLogConfig } from './config';
import { FileSystem, errnoCode, writeFully } from './fs/file-system';
import { AbortedTxn } from './indexes';
import { LeaderEpochCache } from './leader-epoch-cache';
import { RecordValidationContext, RecordValidationFailure, needsRecordWalk, validateBatchRecords } from './record-validator';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  PARTITION_METADATA_FILE,
  SNAPSHOT_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
  TXN_INDEX_SUFFIX,
  offsetFromFileName,
  offsetPrefix,
} from './names';
import { AppendOrigin, CompletedTxn, MarkerInfo, ProducerEntry, ProducerStateManager, VerificationGuard } from './producer-state';
import { AppendBatchInfo, LogSegment, SegmentSettings } from './segment';

const INT32_MAX = 0x7fffffff;
/** Producer snapshots kept (the newest ones); older ones are deleted. */
const SNAPSHOTS_RETAINED = 3;
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export interface AppendResult {
  /** ErrorCode.NONE (0) or the Kafka error code for this partition. */
  errorCode: number;
  baseOffset: number;
  lastOffset: number;
  /** The LogAppendTime stamped on the batches, -1 for CreateTime topics. */
  logAppendTime: number;
  logStartOffset: number;
  /** The batch was a retry of one already in the log: its original offsets are returned, nothing was written. */
  duplicate?: boolean;
  recordErrors?: { batchIndex: number; message: string }[];
  errorMessage?: string;
}

export interface AppendOptions {
  /** The leader epoch stamped on every batch. */
  leaderEpoch: number;
  /** Append time (default: clock.now()). */
  now?: number;
  /** 'client' (default) for Produce, 'coordinator' for transaction markers (WriteTxnMarkers) and coordinators' own writes. */
  origin?: Exclude<AppendOrigin, 'replication'>;
  /**
   * The guard of a verification started with `maybeStartTransactionVerification`
   * (KIP-890 part 1): with transaction verification on, the first
   * transactional batch of a producer that has no open transaction here is
   * appended only when this is the producer's current guard.
   */
  verificationGuard?: VerificationGuard;
}

export interface ReadOptions {
  /** Exclusive upper bound on the offsets returned (the high watermark or last stable offset). */
  maxOffset?: number;
  /** Return the first batch even if it is bigger than maxBytes (default true). */
  minOneMessage?: boolean;
}

export interface ReadResult {
  /** Whole batches, concatenated; empty when nothing is available. */
  records: Buffer;
  /** Base offset of the first batch returned (fetchOffset when none). */
  firstOffset: number;
  /** The offset to fetch next. */
  nextOffset: number;
}

export interface TimestampOffset {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export interface ProducerStateInfo {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: number;
}

export interface SegmentInfo {
  baseOffset: number;
  size: number;
  /** Largest timestamp in the segment (-1 if none); reads one index entry for an unloaded segment. */
  largestTimestamp: number;
  active: boolean;
}

/** Special timestamps of ListOffsets. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;

export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  fs: FileSystem;
  clock: Clock;
  logger?: Logger;
  topicId?: string;
  /** Checkpointed recovery point (default 0: everything is recovered after an unclean shutdown). */
  recoveryPoint?: number;
  /** Checkpointed log start offset. */
  logStartOffset?: number;
  /** Checkpointed high watermark. */
  highWatermark?: number;
  /** Checkpointed first dirty offset of the cleaner. */
  cleanerCheckpoint?: number;
  /** True when the directory holds a clean-shutdown marker: skip recovery. */
  hadCleanShutdown?: boolean;
  /** producer.id.expiration.ms. */
  producerIdExpirationMs?: number;
  /** Told about the first I/O error (the owner takes the log dir offline). */
  onIoError?: (log: PartitionLog, error: unknown) => void;
  /** Told when the recovery point or log start offset moved in a way that must reach the checkpoints now. */
  onCheckpointNeeded?: (log: PartitionLog) => void;
}

interface PendingDelete {
  path: string;
  at: number;
}

function markerOf(buf: Buffer, pos: number): MarkerInfo | undefined {
  try {
    const it = new RecordIterator(buf, { position: pos, verifyCrc: false });
    const r = it.next();
    if (r.done) return undefined;
    const c = parseControlRecord(r.value);
    if (c.type !== ControlRecordType.Abort && c.type !== ControlRecordType.Commit) return undefined;
    return { isAbort: c.type === ControlRecordType.Abort, coordinatorEpoch: c.coordinatorEpoch ?? -1 };
  } catch {
    return undefined;
  }
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly fs: FileSystem;
  readonly clock: Clock;
  topicId: string | undefined;
  private _config: LogConfig;
  private readonly logger: Logger;
  private segments: LogSegment[] = [];
  private _logStartOffset = 0;
  private _logEndOffset = 0;
  private _highWatermark = 0;
  private _recoveryPoint = 0;
  /** First offset not yet compacted. */
  cleanerCheckpoint = 0;
  private epochs: LeaderEpochCache;
  /** @internal */
  readonly producers = new ProducerStateManager();
  private producerIdExpirationMs: number;
  /**
   * transaction.partition.verification.enable (KIP-890 part 1): transactional
   * batches that open a transaction here need a verification guard. Off by
   * default in the storage engine; the broker sets it from its config.
   */
  transactionVerificationEnabled = false;
  private pendingDeletes: PendingDelete[] = [];
  private lastFlushMono: number;
  private dirNeedsSync = false;
  private _offline = false;
  private _closed = false;
  /** Bumped whenever segments change other than by appending (cleaner jobs check it). */
  structureVersion = 0;
  private readonly onIoError?: (log: PartitionLog, error: unknown) => void;
  private readonly onCheckpointNeeded?: (log: PartitionLog) => void;
  /** Bytes truncated by the last recovery (tests, logs). */
  recoveredTruncatedBytes = 0;
  /** Whether the last open ran recovery. */
  ranRecovery = false;

  private constructor(o: PartitionLogOptions) {
    this.topic = o.topic;
    this.partition = o.partition;
    this.dir = o.dir;
    this.fs = o.fs;
    this.clock = o.clock;
    this._config = validateLogConfig({ ...o.config });
    this.logger = (o.logger ?? silentLogger).child({ topic: o.topic, partition: o.partition });
    this.topicId = o.topicId;
    this.producerIdExpirationMs = o.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    this.onIoError = o.onIoError;
    this.onCheckpointNeeded = o.onCheckpointNeeded;
    this.lastFlushMono = o.clock.monotonicMs();
    this.epochs = new LeaderEpochCache(o.fs, nodePath.posix.join(o.dir, LEADER_EPOCH_CHECKPOINT));
  }

  /** Opens (creating if needed) the log in `dir`, recovering it if the shutdown was not clean. Throws STORAGE_IO. */
  static open(o: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(o);
    try {
      log.load(o);
    } catch (e) {
      log.closeHandles();
      if (isNagareError(e)) throw e;
      throw new NagareError('STORAGE_IO', `opening log ${o.topic}-${o.partition} in ${o.dir} failed: ${(e as Error).message}`, { cause: e });
    }
    return log;
  }

  // ---- properties -------------------------------------------------------------------------------

  get config(): LogConfig {
    return this._config;
  }

  updateConfig(config: LogConfig): void {
    this._config = validateLogConfig({ ...config });
    const s = this.segmentSettings();
    for (const seg of this.segments) seg.updateSettings(s);
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  get logEndOffset(): number {
    return this._logEndOffset;
  }

  get highWatermark(): number {
    return this._highWatermark;
  }

  /** Set by the broker; kept within [logStartOffset, logEndOffset]. */
  set highWatermark(v: number) {
    const hw = Math.max(this._logStartOffset, Math.min(v, this._logEndOffset));
    this._highWatermark = hw;
    this.producers.onHighWatermarkUpdated(hw);
  }

  /** The first offset of an undecided transaction, if any. */
  get firstUnstableOffset(): number | undefined {
    return this.producers.firstUnstableOffset();
  }

  /** The high watermark, or the first offset of the oldest undecided transaction if that is lower. */
  get lastStableOffset(): number {
    const fu = this.producers.firstUnstableOffset();
    return fu === undefined ? this._highWatermark : Math.min(this._highWatermark, fu);
  }

  /** Everything below this offset is known to be on disk (fsynced). */
  get recoveryPoint(): number {
    return this._recoveryPoint;
  }

  /** The leader epoch cache (OffsetForLeaderEpoch, follower truncation). */
  get leaderEpochCache(): LeaderEpochCache {
    return this.epochs;
  }

  get offline(): boolean {
    return this._offline;
  }

  get closed(): boolean {
    return this._closed;
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  /** @internal The segment list (the cleaner works on it). */
  get segmentList(): readonly LogSegment[] {
    return this.segments;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  size(): number {
    this.ensureUsable();
    return this.io('size', () => {
      let n = 0;
      for (const s of this.segments) n += s.size;
      return n;
    });
  }

  segmentsInfo(): SegmentInfo[] {
    this.ensureUsable();
    return this.io('segment info', () =>
      this.segments.map((s, i) => ({ baseOffset: s.baseOffset, size: s.size, largestTimestamp: s.largestTimestamp, active: i === this.segments.length - 1 })),
    );
  }

  /** @internal */
  segmentSettings(): SegmentSettings {
    return { indexIntervalBytes: this._config.indexIntervalBytes, segmentIndexBytes: this._config.segmentIndexBytes };
  }

  // ---- errors -----------------------------------------------------------------------------------

  private ensureUsable(): void {
    if (this._closed) throw new NagareError('LOG_CLOSED', `log ${this.topic}-${this.partition} is closed`);
    if (this._offline) throw new NagareError('LOG_DIR_OFFLINE', `log directory of ${this.topic}-${this.partition} (${nodePath.posix.dirname(this.dir)}) is offline`);
  }

  /** @internal Runs file I/O; an I/O error takes the log (and, through the owner, its directory) offline. */
  io<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw this.ioFailure(what, e);
    }
  }

  /** @internal */
  ioFailure(what: string, e: unknown): NagareError {
    if (isNagareError(e)) return e;
    if (!this._offline) {
      this.logger.error({ err: (e as Error)?.message, code: errnoCode(e) }, `${what} failed: log goes offline`);
      this.markOffline();
      this.onIoError?.(this, e);
    }
    return new NagareError('STORAGE_IO', `${what} failed for ${this.topic}-${this.partition} in ${this.dir}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }

  /** Takes the log offline (its directory failed); later calls throw LOG_DIR_OFFLINE. */
  markOffline(): void {
    if (this._offline) return;
    this._offline = true;
    this.closeHandles();
  }

  private closeHandles(): void {
    for (const s of this.segments) {
      try {
        s.close();
      } catch {
        // nothing more to lose
      }
    }
  }

  // ---- loading and recovery ---------------------------------------------------------------------

  private load(o: PartitionLogOptions): void {
    const fs = this.fs;
    fs.mkdir(this.dir);
    const now = this.clock.now();
    const settings = this.segmentSettings();
    if (this.topicId !== undefined) {
      const existing = readPartitionMetadata(fs, nodePath.posix.join(this.dir, PARTITION_METADATA_FILE));
      if (existing && existing.topicId !== this.topicId) {
        throw new NagareError('INVALID_CONFIG', `${this.dir} belongs to topic id ${existing.topicId}, not ${this.topicId}`);
      }
      if (!existing) writePartitionMetadata(fs, nodePath.posix.join(this.dir, PARTITION_METADATA_FILE), this.topicId);
    } else {
      this.topicId = readPartitionMetadata(fs, nodePath.posix.join(this.dir, PARTITION_METADATA_FILE))?.topicId;
    }

    // 1. Leftovers: temp files, unfinished compaction output, deleted segments; finish interrupted swaps.
    let names = fs.readdir(this.dir);
    let changed = false;
    for (const n of names) {
      if (n.endsWith(TMP_SUFFIX) || n.endsWith(CLEANED_SUFFIX) || n.endsWith(DELETED_SUFFIX)) {
        fs.unlink(nodePath.posix.join(this.dir, n));
        changed = true;
      }
    }
    if (names.some((n) => n.endsWith(SWAP_SUFFIX))) {
      if (changed) names = fs.readdir(this.dir);
      this.completeSwaps(names);
      changed = true;
    }
    if (changed) names = fs.readdir(this.dir);

    // 2. Segments by base offset; index files without a log are dropped.
    const bases = new Set<number>();
    for (const n of names) if (n.endsWith(LOG_SUFFIX) && !Number.isNaN(offsetFromFileName(n))) bases.add(offsetFromFileName(n));
    for (const n of names) {
      if (n.endsWith(INDEX_SUFFIX) || n.endsWith(TIME_INDEX_SUFFIX) || n.endsWith(TXN_INDEX_SUFFIX)) {
        const b = offsetFromFileName(n);
        if (!bases.has(b)) fs.unlink(nodePath.posix.join(this.dir, n));
      }
    }
    const sorted = [...bases].sort((a, b) => a - b);
    const startCheckpoint = o.logStartOffset ?? 0;
    if (sorted.length === 0) {
      this.segments = [LogSegment.create(fs, this.dir, startCheckpoint, settings, now)];
      this.dirNeedsSync = true;
    } else {
      this.segments = sorted.map((b) => LogSegment.existing(fs, this.dir, b, settings, now));
    }
    this._logStartOffset = Math.max(startCheckpoint, this.segments[0].baseOffset);

    // 3. Leader epochs.
    let epochs: EpochEntry[] = [];
    try {
      epochs = readEpochCheckpoint(fs, nodePath.posix.join(this.dir, LEADER_EPOCH_CHECKPOINT));
    } catch (e) {
      if (!isNagareError(e, 'UNKNOWN_FILE_FORMAT')) throw e;
      this.logger.warn({ err: e.message }, 'leader epoch checkpoint unreadable: rebuilding it from the log');
    }
    this.epochs = new LeaderEpochCache(fs, nodePath.posix.join(this.dir, LEADER_EPOCH_CHECKPOINT), epochs);

    // 4. Recovery, or trust the clean shutdown.
    if (o.hadCleanShutdown && sorted.length > 0) {
      const active = this.activeSegment;
      active.loadAsActive();
      this._logEndOffset = active.nextOffset;
      this._recoveryPoint = this._logEndOffset;
      this.loadProducerState(this._logEndOffset, false);
    } else if (sorted.length > 0) {
      this.ranRecovery = true;
      this.recover(o.recoveryPoint ?? 0);
    } else {
      this._logEndOffset = this.activeSegment.baseOffset;
      this._recoveryPoint = this._logEndOffset;
      this.producers.mapEndOffset = this._logEndOffset;
    }
    if (this._logStartOffset > this._logEndOffset) {
      // The log start checkpoint is ahead of the data (records deleted, then the log shrank): start empty there.
      this._logStartOffset = Math.max(this._logEndOffset, this.segments[0].baseOffset);
    }
    this.leaderEpochCache.truncateFromEnd(this._logEndOffset);
    if (this._logStartOffset > 0) this.leaderEpochCache.truncateFromStart(this._logStartOffset);
    this.producers.truncateHead(this._logStartOffset);
    this._highWatermark = Math.max(this._logStartOffset, Math.min(o.highWatermark ?? this._logStartOffset, this._logEndOffset));
    this.producers.onHighWatermarkUpdated(this._highWatermark);
    this.cleanerCheckpoint = Math.max(this._logStartOffset, Math.min(o.cleanerCheckpoint ?? 0, this._logEndOffset));
    this.deleteSnapshotsAbove(this._logEndOffset);
    this.activeSegment.setActive(true);
    if (this.dirNeedsSync) {
      fs.syncDir(this.dir);
      this.dirNeedsSync = false;
    }
    this.logger.debug({ segments: this.segments.length, logStartOffset: this._logStartOffset, logEndOffset: this._logEndOffset }, 'log loaded');
  }

  /** Finishes a compaction swap that a crash interrupted (see cleaner.ts). */
  private completeSwaps(names: string[]): void {
    const fs = this.fs;
    const logSwaps = names.filter((n) => n.endsWith(LOG_SUFFIX + SWAP_SUFFIX));
    const committed = new Set(logSwaps.map((n) => offsetFromFileName(n)));
    for (const n of names) {
      if (n.endsWith(SWAP_SUFFIX) && !committed.has(offsetFromFileName(n))) fs.unlink(nodePath.posix.join(this.dir, n));
    }
    for (const n of logSwaps) {
      const base = offsetFromFileName(n);
      const swap = LogSegment.existing(fs, this.dir, base, this.segmentSettings(), this.clock.now(), SWAP_SUFFIX);
      const next = swap.isEmpty ? base + 1 : swap.nextOffset;
      swap.close();
      const current = fs.readdir(this.dir);
      for (const m of current) {
        if (!m.endsWith(LOG_SUFFIX)) continue;
        const b = offsetFromFileName(m);
        if (b >= base && b < next) {
          for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
            const p = nodePath.posix.join(this.dir, offsetPrefix(b) + suffix);
            if (fs.exists(p)) fs.unlink(p);
          }
        }
      }
      for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, LOG_SUFFIX]) {
        const p = nodePath.posix.join(this.dir, offsetPrefix(base) + suffix);
        if (fs.exists(p + SWAP_SUFFIX)) fs.rename(p + SWAP_SUFFIX, p);
      }
      this.dirNeedsSync = true;
      this.logger.info({ baseOffset: base }, 'completed an interrupted compaction swap');
    }
  }

  private floorIndex(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * Unclean shutdown: every segment from the one holding the recovery point
   * on is validated batch by batch (CRC, sizes, increasing offsets); the
   * first invalid byte and everything after it is removed; indexes,
   * producer state, leader epochs and aborted-transaction indexes of those
   * segments are rebuilt from the surviving batches.
   */
  private recover(recoveryPoint: number): void {
    const first = Math.max(0, this.floorIndex(Math.max(recoveryPoint, this.segments[0].baseOffset)));
    const firstBase = this.segments[first].baseOffset;
    // Producer state as of the first recovered segment, from a snapshot at or below it plus replay.
    this.loadProducerStateBefore(firstBase);
    let expected = 0;
    let truncatedAt = -1;
    for (let i = first; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const pendingAborts: CompletedTxn[] = [];
      const r = seg.recover(Math.max(expected, seg.baseOffset), undefined, (chunk, pos, h) => {
        const last = h.baseOffset + h.lastOffsetDelta;
        if (h.partitionLeaderEpoch >= 0 && h.partitionLeaderEpoch > this.leaderEpochCache.latestEpoch) {
          this.leaderEpochCache.assign(h.partitionLeaderEpoch, h.baseOffset);
        }
        if (last < this.producers.mapEndOffset) return;
        const marker = h.isControl ? markerOf(chunk, pos) : undefined;
        const done = this.producers.replay(h, marker, 0);
        if (done?.isAborted) pendingAborts.push(done);
      });
      for (const t of pendingAborts) seg.addAbortedTxn(this.abortedEntry(t));
      this.recoveredTruncatedBytes += r.truncatedBytes;
      expected = r.nextOffset;
      if (r.truncatedBytes > 0) {
        this.logger.warn({ segment: seg.baseOffset, truncatedBytes: r.truncatedBytes, reason: r.error }, 'recovery truncated a segment');
        truncatedAt = i;
        break;
      }
    }
    if (truncatedAt >= 0 && truncatedAt < this.segments.length - 1) {
      for (const s of this.segments.splice(truncatedAt + 1)) s.deleteFiles();
      this.dirNeedsSync = true;
    }
    // Segments other than the last stop being appended to: finish their indexes.
    for (let i = first; i < this.segments.length - 1; i++) this.segments[i].onBecomeInactive();
    // A crash right after a roll can leave the new, empty segment behind while the
    // unsynced tail of the previous one was lost: the log would end past a hole.
    // Drop such empty segments so that appends continue right after the data.
    while (this.segments.length > 1 && this.activeSegment.isEmpty && this.segments[this.segments.length - 2].nextOffset < this.activeSegment.baseOffset) {
      const empty = this.segments.pop()!;
      empty.deleteFiles();
      this.dirNeedsSync = true;
      this.logger.warn({ segment: empty.baseOffset, logEndOffset: this.activeSegment.nextOffset }, 'recovery removed an empty segment past the end of the data');
    }
    // The last segment was recovered (or is the truncated one): its append state is known.
    this._logEndOffset = this.activeSegment.nextOffset;
    this._recoveryPoint = Math.min(recoveryPoint, this._logEndOffset);
    this.producers.mapEndOffset = Math.max(this.producers.mapEndOffset, this._logEndOffset);
    this.deleteSnapshotsAbove(firstBase);
  }

  // ---- producer state -----------------------------------------------------------------------------

  /** Offsets of the producer snapshot files, ascending (listed once at open, then kept up to date). */
  private snapshots: number[] | null = null;

  private snapshotOffsets(): number[] {
    if (!this.snapshots) {
      this.snapshots = this.fs
        .readdir(this.dir)
        .filter((n) => n.endsWith(SNAPSHOT_SUFFIX) && !Number.isNaN(offsetFromFileName(n)))
        .map(offsetFromFileName)
        .sort((a, b) => a - b);
    }
    return this.snapshots.slice();
  }

  private removeSnapshot(offset: number): void {
    const p = this.snapshotPath(offset);
    if (this.fs.exists(p)) this.fs.unlink(p);
    if (this.snapshots) this.snapshots = this.snapshots.filter((o) => o !== offset);
  }

  private snapshotPath(offset: number): string {
    return nodePath.posix.join(this.dir, offsetPrefix(offset) + SNAPSHOT_SUFFIX);
  }

  /** Loads the newest valid snapshot at or below `limit` (state cleared if none); returns its offset or -1. */
  private loadSnapshotAtOrBelow(limit: number): number {
    const offsets = this.snapshotOffsets().filter((o) => o <= limit);
    for (let i = offsets.length - 1; i >= 0; i--) {
      try {
        if (this.producers.loadSnapshot(this.fs.readFile(this.snapshotPath(offsets[i])))) return offsets[i];
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
      }
      this.logger.warn({ snapshot: offsets[i] }, 'invalid producer snapshot ignored');
    }
    this.producers.clear();
    this.producers.mapEndOffset = this.segments[0].baseOffset;
    return -1;
  }

  /** Rebuilds producer state up to `upTo` (exclusive): a snapshot, then batch headers replayed. */
  private loadProducerState(upTo: number, withAbortIndex: boolean): void {
    this.loadSnapshotAtOrBelow(upTo);
    this.replayProducers(this.producers.mapEndOffset, upTo, withAbortIndex);
  }

  private loadProducerStateBefore(offset: number): void {
    this.loadSnapshotAtOrBelow(offset);
    this.replayProducers(this.producers.mapEndOffset, offset, false);
  }

  private replayProducers(from: number, upTo: number, withAbortIndex: boolean): void {
    if (from >= upTo) return;
    let i = Math.max(0, this.floorIndex(from));
    for (; i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.baseOffset >= upTo) break;
      const loc = seg.translateOffset(Math.max(from, seg.baseOffset));
      if (!loc) continue;
      seg.scanFrom(loc.position, (chunk, pos, _fp, h) => {
        const last = h.baseOffset + h.lastOffsetDelta;
        if (last < from || h.baseOffset >= upTo) return;
        const marker = h.isControl ? markerOf(chunk, pos) : undefined;
        const done = this.producers.replay(h, marker, this._highWatermark);
        if (done?.isAborted && withAbortIndex) seg.addAbortedTxn(this.abortedEntry(done));
      });
    }
    this.producers.mapEndOffset = Math.max(this.producers.mapEndOffset, upTo);
  }

  private abortedEntry(t: CompletedTxn): AbortedTxn {
    return { producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, lastStableOffset: this.producers.lastStableOffsetAfter(t) };
  }

  /**
   * Writes `<offset>.snapshot`. With `durable` (clean shutdown) it is
   * fsynced; a roll's snapshot is not (it is not on the append path's
   * critical fsync budget): a torn one fails its CRC on load and an older
   * snapshot or a replay of the log takes its place.
   */
  private takeSnapshot(offset: number, durable: boolean): void {
    const all = this.snapshotOffsets();
    const path = this.snapshotPath(offset);
    const data = this.producers.encodeSnapshot(offset);
    if (durable) {
      this.fs.writeFileAtomic(path, data);
    } else {
      const h = this.fs.open(path + TMP_SUFFIX, 'w+');
      try {
        writeFully(h, data, 0);
      } finally {
        h.close();
      }
      this.fs.rename(path + TMP_SUFFIX, path);
    }
    if (!all.includes(offset)) all.push(offset);
    all.sort((a, b) => a - b);
    this.snapshots = all;
    for (const o of all.slice(0, Math.max(0, all.length - SNAPSHOTS_RETAINED))) this.removeSnapshot(o);
  }

  private deleteSnapshotsAbove(offset: number): void {
    for (const o of this.snapshotOffsets()) if (o > offset) this.removeSnapshot(o);
  }

  private deleteSnapshotsBelow(offset: number): void {
    const all = this.snapshotOffsets();
    // Keep the newest one even if it is older: a restart still needs a starting point.
    for (const o of all.slice(0, -1)) if (o < offset) this.removeSnapshot(o);
  }

  /**
   * KIP-890 part 1: a producer is about to write transactional data here.
   * With an open transaction on this partition nothing needs verifying
   * (SENTINEL); otherwise the guard of its verification (created now, or the
   * one already under way), to be passed to the append once the transaction
   * coordinator confirmed the partition is in the transaction.
   */
  maybeStartTransactionVerification(producerId: number, sequence: number, epoch: number): VerificationGuard {
    this.ensureUsable();
    if (this.producers.hasOngoingTransaction(producerId)) return VerificationGuard.SENTINEL;
    return this.producers.maybeCreateVerificationState(producerId, sequence, epoch, this.clock.now()).guard;
  }

  /** The producer's current verification guard (SENTINEL when none). */
  verificationGuard(producerId: number): VerificationGuard {
    return this.producers.verificationGuard(producerId);
  }

  /** Whether the producer has an open transaction on this partition. */
  hasOngoingTransaction(producerId: number): boolean {
    return this.producers.hasOngoingTransaction(producerId);
  }

  producerStates(): ProducerStateInfo[] {
    this.ensureUsable();
    const out: ProducerStateInfo[] = [];
    for (const e of this.producers.entries()) {
      out.push({
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1].lastSeq : -1,
        lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnStartOffset: e.currentTxnFirstOffset,
      });
    }
    return out.sort((a, b) => a.producerId - b.producerId);
  }

  // ---- append -----------------------------------------------------------------------------------

  private errorResult(errorCode: number, message: string, batchIndex?: number): AppendResult {
    return {
      errorCode,
      baseOffset: -1,
      lastOffset: -1,
      logAppendTime: -1,
      logStartOffset: this._logStartOffset,
      errorMessage: message,
      recordErrors: batchIndex === undefined ? undefined : [{ batchIndex, message }],
    };
  }

  /**
   * Appends record batches from a producer (or transaction markers from the
   * coordinator). Every batch is checked before anything is written; offsets
   * are assigned by patching the headers in place (the caller's buffer is
   * modified), then the buffer is written with one write. Per-partition
   * problems come back as an error code; I/O failures throw.
   */
  appendAsLeader(records: Buffer, opts: AppendOptions): AppendResult {
    this.ensureUsable();
    const cfg = this._config;
    const origin = opts.origin ?? 'client';
    const now = opts.now ?? this.clock.now();
    if (records.length === 0) return this.errorResult(ErrorCode.INVALID_RECORD, 'no record batches');
    // 1. Validate every batch from its header (and CRC). A batch over max.message.bytes is
    // MESSAGE_TOO_LARGE before the whole set is compared with segment.bytes, as in Kafka.
    const headers: BatchHeader[] = [];
    const infos: AppendBatchInfo[] = [];
    const markers: (MarkerInfo | undefined)[] = [];
    let pos = 0;
    const validation: RecordValidationContext = {
      topicPartition: `${this.topic}-${this.partition}`,
      compacted: isCompacted(cfg),
      timestampType: cfg.messageTimestampType,
      beforeMaxMs: cfg.messageTimestampBeforeMaxMs,
      afterMaxMs: cfg.messageTimestampAfterMaxMs,
      now,
    };
    while (pos < records.length) {
      const i = headers.length;
      let h: BatchHeader;
      try {
        h = checkBatchAt(records, pos, records.length, { verifyCrc: true, strict: true, maxBatchBytes: cfg.maxMessageBytes });
      } catch (e) {
        if (e instanceof RecordsError) return this.errorResult(e.code, e.message, i);
        throw e;
      }
      const size = h.batchLength + 12;
      let marker: MarkerInfo | undefined;
      if (h.isControl) {
        marker = markerOf(records, pos);
        if (!marker || h.recordCount !== 1) return this.errorResult(ErrorCode.INVALID_RECORD, 'a control batch must hold exactly one ABORT or COMMIT marker', i);
        if (h.producerId < 0) return this.errorResult(ErrorCode.INVALID_RECORD, 'a control batch needs a producer id', i);
      } else if (h.isTransactional && h.producerId < 0) {
        return this.errorResult(ErrorCode.INVALID_RECORD, 'a transactional batch needs a producer id', i);
      } else if (needsRecordWalk(h, validation)) {
        // Kafka's per-record checks (keys of compacted topics, timestamps): only decoded when the
        // topic's config or the batch header asks for them. Every bad record is reported.
        let failure: RecordValidationFailure | null;
        try {
          failure = validateBatchRecords(records, pos, h, validation);
        } catch (e) {
          if (e instanceof RecordsError) return this.errorResult(e.code, e.message, i);
          throw e;
        }
        if (failure) return { ...this.errorResult(failure.errorCode, failure.errorMessage), recordErrors: failure.recordErrors };
      }
      headers.push(h);
      markers.push(marker);
      infos.push({ position: pos, size, baseOffset: 0, lastOffset: 0, maxTimestamp: h.maxTimestamp });
      pos += size;
    }
    if (records.length > cfg.segmentBytes) {
      return this.errorResult(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes of batches exceed segment.bytes ${cfg.segmentBytes}`);
    }
    // 2. Offsets and producer checks, staged.
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    const stage = this.producers.stage();
    const completed: CompletedTxn[] = [];
    let next = this._logEndOffset;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      const base = next;
      const last = base + h.lastOffsetDelta;
      if (!Number.isSafeInteger(last + 1)) return this.errorResult(ErrorCode.INVALID_RECORD, 'offsets would leave the safe-integer range', i);
      infos[i].baseOffset = base;
      infos[i].lastOffset = last;
      if (logAppendTime) infos[i].maxTimestamp = now;
      next = last + 1;
      if (h.producerId < 0) continue;
      const entry = this.producers.staged(stage, h.producerId);
      if (
        h.isTransactional &&
        !h.isControl &&
        this.transactionVerificationEnabled &&
        !(entry !== undefined && entry.currentTxnFirstOffset >= 0) &&
        !this.producers.verificationGuard(h.producerId).verify(opts.verificationGuard)
      ) {
        // KIP-890 part 1: transactional data reaches the log only inside a transaction the coordinator knows of.
        return this.errorResult(ErrorCode.INVALID_TXN_STATE, 'Record was not part of an ongoing transaction', i);
      }
      const v = this.producers.check(entry, h, origin, markers[i]);
      if (v.kind === 'duplicate') {
        if (headers.length === 1) {
          return {
            errorCode: ErrorCode.NONE,
            baseOffset: v.batch.firstOffset,
            lastOffset: v.batch.lastOffset,
            logAppendTime: logAppendTime ? v.batch.timestamp : -1,
            logStartOffset: this._logStartOffset,
            duplicate: true,
          };
        }
        return this.errorResult(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, `batch ${i} repeats sequence ${h.baseSequence} of producer ${h.producerId}`, i);
      }
      if (v.kind === 'error') return this.errorResult(v.errorCode, v.message, i);
      const applied = this.producers.apply(entry, logAppendTime ? { ...h, maxTimestamp: now } : h, base, last, markers[i]);
      stage.set(h.producerId, applied.entry);
      if (applied.completed) completed.push(applied.completed);
    }
    // 3. Patch headers in place: offsets, leader epoch, LogAppendTime (with CRC).
    for (let i = 0; i < headers.length; i++) {
      const p = infos[i].position;
      setBaseOffset(records, p, infos[i].baseOffset);
      setPartitionLeaderEpoch(records, p, opts.leaderEpoch);
      if (logAppendTime) setLogAppendTime(records, p, now);
    }
    // 4. Roll if needed, write once, then make the new state visible.
    const firstBase = infos[0].baseOffset;
    this.io('append', () => {
      this.maybeRoll(records.length, infos[0].maxTimestamp, next - 1, firstBase, now);
      this.activeSegment.append(records, infos);
      this._logEndOffset = next;
      if (opts.leaderEpoch >= 0) this.leaderEpochCache.assign(opts.leaderEpoch, firstBase);
      this.producers.commit(stage, completed, this._highWatermark, next);
      // The first batch of a transaction, or its marker: the verification (if any) has served.
      for (const h of headers) if (h.isTransactional && h.producerId >= 0) this.producers.clearVerificationState(h.producerId);
      for (const t of completed) if (t.isAborted) this.activeSegment.addAbortedTxn(this.abortedEntry(t));
      this.maybeFlush();
    });
    return { errorCode: ErrorCode.NONE, baseOffset: firstBase, lastOffset: next - 1, logAppendTime: logAppendTime ? now : -1, logStartOffset: this._logStartOffset };
  }

  /**
   * Appends batches replicated from the leader (offsets already assigned).
   * Checks framing and CRCs and that offsets increase from the log end;
   * updates leader epochs and producer state without sequence checks.
   * Throws CORRUPT_BATCH or INVALID_OFFSET for bad input, STORAGE_IO on I/O
   * failure. Returns the first and last offsets appended.
   */
  appendAsFollower(records: Buffer): { firstOffset: number; lastOffset: number } {
    this.ensureUsable();
    if (records.length === 0) return { firstOffset: -1, lastOffset: -1 };
    const headers: BatchHeader[] = [];
    const infos: AppendBatchInfo[] = [];
    let pos = 0;
    let expected = this._logEndOffset;
    while (pos < records.length) {
      let h: BatchHeader;
      try {
        h = checkBatchAt(records, pos, records.length, { verifyCrc: true });
      } catch (e) {
        if (e instanceof RecordsError) throw new NagareError('CORRUPT_BATCH', `replicated batch ${headers.length}: ${e.message}`, { cause: e });
        throw e;
      }
      const last = h.baseOffset + h.lastOffsetDelta;
      if (h.baseOffset < expected || !Number.isSafeInteger(last + 1)) {
        throw new NagareError('INVALID_OFFSET', `replicated batch ${headers.length} starts at offset ${h.baseOffset}, expected at least ${expected}`);
      }
      headers.push(h);
      infos.push({ position: pos, size: h.batchLength + 12, baseOffset: h.baseOffset, lastOffset: last, maxTimestamp: h.maxTimestamp });
      expected = last + 1;
      pos += h.batchLength + 12;
    }
    const first = headers[0].baseOffset;
    const lastOffset = expected - 1;
    if (lastOffset - first > INT32_MAX) throw new NagareError('INVALID_OFFSET', `replicated batches span more than 2^31 offsets`);
    const now = this.clock.now();
    this.io('append', () => {
      this.maybeRoll(records.length, infos[0].maxTimestamp, lastOffset, first, now);
      this.activeSegment.append(records, infos);
      this._logEndOffset = expected;
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i];
        if (h.partitionLeaderEpoch >= 0 && h.partitionLeaderEpoch > this.leaderEpochCache.latestEpoch) this.leaderEpochCache.assign(h.partitionLeaderEpoch, h.baseOffset);
        if (h.producerId >= 0) {
          const marker = h.isControl ? markerOf(records, infos[i].position) : undefined;
          const done = this.producers.replay(h, marker, this._highWatermark);
          if (done?.isAborted) this.activeSegment.addAbortedTxn(this.abortedEntry(done));
        }
      }
      this.producers.mapEndOffset = Math.max(this.producers.mapEndOffset, expected);
      this.maybeFlush();
    });
    return { firstOffset: first, lastOffset };
  }

  private maybeRoll(size: number, incomingMaxTimestamp: number, lastOffset: number, firstOffset: number, now: number): void {
    const seg = this.activeSegment;
    const cfg = this._config;
    if (seg.isEmpty) {
      if (!seg.canHoldOffset(lastOffset) || seg.baseOffset > firstOffset) {
        // An empty segment that cannot take these offsets (a follower jumping ahead): replace it.
        this.segments.pop();
        seg.deleteFiles();
        this.createActiveSegment(firstOffset, now);
      }
      return;
    }
    const firstTs = seg.firstTimestamp;
    const waited = firstTs >= 0 && incomingMaxTimestamp >= 0 ? incomingMaxTimestamp - firstTs : now - seg.createdMs;
    const reason =
      seg.size > cfg.segmentBytes - size
        ? 'segment.bytes'
        : waited > cfg.segmentMs
          ? 'segment.ms'
          : seg.indexIsFull
            ? 'index full'
            : !seg.canHoldOffset(lastOffset)
              ? 'relative offset overflow'
              : null;
    if (reason === null) return;
    this.rollTo(Math.max(this._logEndOffset, firstOffset), now, reason);
  }

  private createActiveSegment(baseOffset: number, now: number): LogSegment {
    const seg = LogSegment.create(this.fs, this.dir, baseOffset, this.segmentSettings(), now);
    this.segments.push(seg);
    this.dirNeedsSync = true;
    return seg;
  }

  private rollTo(newBase: number, now: number, reason: string): void {
    const old = this.activeSegment;
    old.onBecomeInactive();
    this.createActiveSegment(newBase, now);
    this.takeSnapshot(newBase, false);
    this.logger.debug({ newSegment: newBase, reason }, 'rolled segment');
  }

  /** Rolls the active segment now (if it holds anything). */
  roll(): void {
    this.ensureUsable();
    this.io('roll', () => {
      if (!this.activeSegment.isEmpty) this.rollTo(this._logEndOffset, this.clock.now(), 'requested');
    });
  }

  // ---- flush ------------------------------------------------------------------------------------

  private maybeFlush(): void {
    const cfg = this._config;
    if (this._logEndOffset - this._recoveryPoint >= cfg.flushMessages) this.flushNow();
    else if (cfg.flushMs < Number.MAX_SAFE_INTEGER && this.clock.monotonicMs() - this.lastFlushMono >= cfg.flushMs) this.flushNow();
  }

  /** Offsets appended but not yet flushed (log end offset - recovery point). */
  get unflushedMessages(): number {
    return this._logEndOffset - this._recoveryPoint;
  }

  /** Time since the last flush (LogManager's flush.ms driver uses it). */
  msSinceLastFlush(): number {
    return this.clock.monotonicMs() - this.lastFlushMono;
  }

  /**
   * Segments with unsynced data or index files: any of them, not only those
   * past the recovery point (a segment flushed while active writes its index
   * files when it rolls, after the recovery point passed it).
   */
  private unflushedSegments(): LogSegment[] {
    const out: LogSegment[] = [];
    const last = this.segments.length - 1;
    for (let i = 0; i <= last; i++) if (i === last || this.segments[i].needsFlush) out.push(this.segments[i]);
    return out;
  }

  private flushNow(): void {
    const upTo = this._logEndOffset;
    const active = this.activeSegment;
    for (const s of this.unflushedSegments()) s.flush(s !== active);
    if (this.dirNeedsSync) {
      this.fs.syncDir(this.dir);
      this.dirNeedsSync = false;
    }
    if (upTo > this._recoveryPoint) this._recoveryPoint = upTo;
    this.lastFlushMono = this.clock.monotonicMs();
  }

  /** Durability point: everything appended so far is fsynced and the recovery point moves to the log end. */
  flush(): void {
    this.ensureUsable();
    this.io('flush', () => this.flushNow());
  }

  /**
   * The same as flush() without blocking the event loop on the log files'
   * fsyncs (index files are small and synced inline). Appends may continue
   * meanwhile; the recovery point moves to the log end offset as of the call.
   */
  async flushAsync(): Promise<void> {
    this.ensureUsable();
    const upTo = this._logEndOffset;
    const version = this.structureVersion;
    const segs = this.unflushedSegments();
    const active = this.activeSegment;
    try {
      for (const s of segs) await s.flushLogAsync();
      if (this._closed || this._offline) return;
      for (const s of segs) if (s !== active && this.segments.includes(s)) s.flush(true);
      if (this.dirNeedsSync) {
        this.fs.syncDir(this.dir);
        this.dirNeedsSync = false;
      }
    } catch (e) {
      throw this.ioFailure('flush', e);
    }
    if (version === this.structureVersion && upTo > this._recoveryPoint) this._recoveryPoint = Math.min(upTo, this._logEndOffset);
    this.lastFlushMono = this.clock.monotonicMs();
  }

  // ---- reads ------------------------------------------------------------------------------------

  private outOfRange(offset: number): NagareError {
    return new NagareError(
      'OFFSET_OUT_OF_RANGE',
      `offset ${offset} is out of range for ${this.topic}-${this.partition}: log start offset ${this._logStartOffset}, log end offset ${this._logEndOffset}`,
    );
  }

  /**
   * Reads whole batches from `fetchOffset`: up to `maxBytes` (a batch bigger
   * than that alone is still returned unless minOneMessage is false), from
   * one segment, with one positioned read into one buffer. A read starting
   * inside a batch returns that whole batch. Throws OFFSET_OUT_OF_RANGE
   * outside [logStartOffset, logEndOffset].
   */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult {
    this.ensureUsable();
    if (!(fetchOffset >= this._logStartOffset && fetchOffset <= this._logEndOffset)) throw this.outOfRange(fetchOffset);
    const maxOffset = Math.min(opts.maxOffset ?? this._logEndOffset, this._logEndOffset);
    const empty = { records: Buffer.alloc(0), firstOffset: fetchOffset, nextOffset: fetchOffset };
    if (fetchOffset >= maxOffset) return empty;
    const minOne = opts.minOneMessage ?? true;
    return this.io('read', () => {
      for (let i = Math.max(0, this.floorIndex(fetchOffset)); i < this.segments.length; i++) {
        const seg = this.segments[i];
        const r = seg.read(Math.max(fetchOffset, seg.baseOffset), Math.max(0, maxBytes), maxOffset, minOne);
        if (r) return r.records.length > 0 ? { records: r.records, firstOffset: r.firstOffset, nextOffset: r.nextOffset } : empty;
      }
      return empty;
    });
  }

  /**
   * Bytes of log between two offsets (whole batches from the one holding
   * `from` up to the one holding `to`, exclusive): what a fetch from `from`
   * bounded by `to` could return. Fetch purgatories use it for fetch.min.bytes.
   */
  bytesBetween(from: number, to: number): number {
    this.ensureUsable();
    const lo = Math.max(from, this._logStartOffset);
    const hi = Math.min(to, this._logEndOffset);
    if (hi <= lo) return 0;
    return this.io('read', () => {
      const i = Math.max(0, this.floorIndex(lo));
      const j = Math.max(0, this.floorIndex(hi));
      const si = this.segments[i];
      const sj = this.segments[j];
      const p1 = si.translateOffset(lo)?.position ?? si.size;
      const p2 = sj.translateOffset(hi)?.position ?? sj.size;
      if (i === j) return Math.max(0, p2 - p1);
      let n = si.size - p1 + p2;
      for (let k = i + 1; k < j; k++) n += this.segments[k].size;
      return n;
    });
  }

  /** Aborted transactions overlapping [fetchOffset, upperOffset), for read_committed fetches. */
  abortedTransactions(fetchOffset: number, upperOffset: number): { producerId: number; firstOffset: number }[] {
    this.ensureUsable();
    return this.io('read transaction index', () => {
      const out: { producerId: number; firstOffset: number }[] = [];
      for (let i = Math.max(0, this.floorIndex(fetchOffset)); i < this.segments.length; i++) {
        const seg = this.segments[i];
        if (seg.baseOffset >= upperOffset) break;
        for (const t of seg.abortedTxns()) if (t.lastOffset >= fetchOffset && t.firstOffset < upperOffset) out.push({ producerId: t.producerId, firstOffset: t.firstOffset });
      }
      return out;
    });
  }

  /** All aborted transactions recorded (tests and tools). */
  allAbortedTransactions(): AbortedTxn[] {
    this.ensureUsable();
    return this.io('read transaction index', () => this.segments.flatMap((s) => [...s.abortedTxns()]));
  }

  /**
   * ListOffsets: the first record with timestamp >= `timestamp` (in the first
   * segment whose largest timestamp reaches it), or -1 latest (log end),
   * -2 earliest (log start), -3 the record with the largest timestamp,
   * -4 earliest local (= earliest here). Null when no record qualifies.
   */
  offsetForTimestamp(timestamp: number): TimestampOffset | null {
    this.ensureUsable();
    if (timestamp === LATEST_TIMESTAMP) return { offset: this._logEndOffset, timestamp: -1, leaderEpoch: this.leaderEpochCache.latestEpoch };
    if (timestamp === EARLIEST_TIMESTAMP || timestamp === EARLIEST_LOCAL_TIMESTAMP) {
      return { offset: this._logStartOffset, timestamp: -1, leaderEpoch: this.leaderEpochCache.epochForOffset(this._logStartOffset) };
    }
    return this.io('offset for timestamp', () => {
      if (timestamp === MAX_TIMESTAMP) {
        let best: LogSegment | undefined;
        let bestTs = -1;
        for (const s of this.segments) {
          if (s.isEmpty) continue;
          const ts = s.largestTimestamp;
          if (ts > bestTs) {
            bestTs = ts;
            best = s;
          }
        }
        if (!best || bestTs < 0) return null;
        return best.findOffsetByTimestamp(bestTs, Math.max(this._logStartOffset, best.baseOffset));
      }
      if (timestamp < 0) return null;
      for (let i = Math.max(0, this.floorIndex(this._logStartOffset)); i < this.segments.length; i++) {
        const s = this.segments[i];
        if (s.isEmpty || s.largestTimestamp < timestamp) continue;
        const r = s.findOffsetByTimestamp(timestamp, Math.max(this._logStartOffset, s.baseOffset));
        if (r && r.offset < this._logEndOffset) return r;
      }
      return null;
    });
  }

  /** OffsetForLeaderEpoch from the leader epoch cache. */
  endOffsetForLeaderEpoch(epoch: number): { leaderEpoch: number; endOffset: number } {
    this.ensureUsable();
    return this.leaderEpochCache.endOffsetFor(epoch, this._logEndOffset);
  }

  /** The maxTimestamp of the batch at `offset` (tests and tools). */
  batchMaxTimestampAt(offset: number): number {
    const seg = this.segments[Math.max(0, this.floorIndex(offset))];
    const loc = seg.translateOffset(offset);
    if (!loc) return -1;
    const b = seg.readBytes(loc.position, RECORD_BATCH_HEADER_SIZE);
    return readInt64(b, MAX_TIMESTAMP_OFFSET);
  }

  // ---- truncation and deletion -----------------------------------------------------------------

  /** @internal Schedules files for deletion after file.delete.delay.ms. */
  scheduleDelete(paths: string[]): void {
    const at = this.clock.now() + this._config.fileDeleteDelayMs;
    for (const p of paths) this.pendingDeletes.push({ path: p, at });
  }

  /** Removes files of deleted segments whose file.delete.delay.ms has passed; returns how many. */
  deletePendingFiles(now = this.clock.now(), all = false): number {
    if (this.pendingDeletes.length === 0) return 0;
    const due = this.pendingDeletes.filter((d) => all || d.at <= now);
    if (due.length === 0) return 0;
    this.pendingDeletes = this.pendingDeletes.filter((d) => !(all || d.at <= now));
    if (this._offline) return 0;
    return this.io('delete files', () => {
      let n = 0;
      for (const d of due) {
        if (this.fs.exists(d.path)) {
          this.fs.unlink(d.path);
          n++;
        }
      }
      return n;
    });
  }

  /** @internal Removes segments from the list and schedules their files for deletion. */
  deleteSegments(segs: LogSegment[]): void {
    if (segs.length === 0) return;
    this.structureVersion++;
    const set = new Set(segs);
    this.segments = this.segments.filter((s) => !set.has(s));
    for (const s of segs) this.scheduleDelete(s.renameForDeletion());
  }

  /**
   * Removes every offset >= `offset` (follower truncation to a leader epoch
   * end offset). Truncating inside a batch removes the whole batch, so the
   * log may end below `offset`. Returns whether anything was removed.
   */
  truncateTo(offset: number): boolean {
    this.ensureUsable();
    if (offset < 0) throw new NagareError('INVALID_OFFSET', `cannot truncate to negative offset ${offset}`);
    if (offset >= this._logEndOffset) return false;
    if (offset < this._logStartOffset) {
      this.truncateFullyAndStartAt(offset);
      return true;
    }
    this.io('truncate', () => {
      this.structureVersion++;
      const keep = Math.max(0, this.floorIndex(offset));
      const dropped = this.segments.slice(keep + 1);
      this.segments = this.segments.slice(0, keep + 1);
      for (const s of dropped) this.scheduleDelete(s.renameForDeletion());
      const active = this.activeSegment;
      active.setActive(true);
      active.truncateTo(offset);
      this._logEndOffset = active.isEmpty ? active.baseOffset : active.nextOffset;
      this.afterTruncation();
    });
    return true;
  }

  private afterTruncation(): void {
    const leo = this._logEndOffset;
    if (this._highWatermark > leo) this._highWatermark = leo;
    if (this._recoveryPoint > leo) this._recoveryPoint = leo;
    if (this.cleanerCheckpoint > leo) this.cleanerCheckpoint = leo;
    this.leaderEpochCache.truncateFromEnd(leo);
    this.deleteSnapshotsAbove(leo);
    this.loadProducerState(leo, false);
    this.producers.truncateHead(this._logStartOffset);
    this.producers.onHighWatermarkUpdated(this._highWatermark);
    this.onCheckpointNeeded?.(this);
  }

  /** Deletes the whole log and restarts it empty at `offset` (a follower far behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    this.ensureUsable();
    if (offset < 0 || !Number.isSafeInteger(offset)) throw new NagareError('INVALID_OFFSET', `invalid start offset ${offset}`);
    this.io('truncate fully', () => {
      this.structureVersion++;
      const old = this.segments;
      this.segments = [];
      for (const s of old) this.scheduleDelete(s.renameForDeletion());
      this.createActiveSegment(offset, this.clock.now());
      this._logStartOffset = offset;
      this._logEndOffset = offset;
      this._highWatermark = offset;
      this._recoveryPoint = offset;
      this.cleanerCheckpoint = offset;
      this.leaderEpochCache.clear();
      this.producers.clear();
      this.producers.mapEndOffset = offset;
      for (const o of this.snapshotOffsets()) this.removeSnapshot(o);
      this.fs.syncDir(this.dir);
      this.dirNeedsSync = false;
      this.onCheckpointNeeded?.(this);
    });
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (-1: the high
   * watermark) and deletes segments wholly below it. `offset` above the high
   * watermark is OFFSET_OUT_OF_RANGE. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    this.ensureUsable();
    const target = offset === -1 ? this._highWatermark : offset;
    if (target > this._highWatermark || target < 0) {
      throw new NagareError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: high watermark is ${this._highWatermark}`);
    }
    if (target <= this._logStartOffset) return this._logStartOffset;
    this.io('delete records', () => {
      this.advanceLogStart(target);
      this.deleteSegments(this.segmentsBelowLogStart());
      this.onCheckpointNeeded?.(this);
    });
    return this._logStartOffset;
  }

  private advanceLogStart(offset: number): void {
    if (offset <= this._logStartOffset) return;
    this._logStartOffset = offset;
    if (this.cleanerCheckpoint < offset) this.cleanerCheckpoint = offset;
    if (this._highWatermark < offset) this._highWatermark = offset;
    if (this._recoveryPoint < offset) this._recoveryPoint = Math.min(offset, this._logEndOffset);
    this.leaderEpochCache.truncateFromStart(offset);
    this.producers.truncateHead(offset);
    this.deleteSnapshotsBelow(this.segments[0].baseOffset);
  }

  private segmentsBelowLogStart(): LogSegment[] {
    const out: LogSegment[] = [];
    for (let i = 0; i < this.segments.length - 1; i++) {
      if (this.segments[i + 1].baseOffset <= this._logStartOffset) out.push(this.segments[i]);
      else break;
    }
    return out;
  }

  /**
   * Retention: deletes whole non-active segments (oldest first) that are
   * entirely below the log start offset, or (delete policy) whose newest
   * record is older than retention.ms, or that put the log over
   * retention.bytes. Only segments entirely below the high watermark are
   * eligible. Also expires idle producers and removes files whose
   * file.delete.delay.ms has passed. Returns the number of segments deleted.
   */
  deleteOldSegments(now = this.clock.now()): number {
    if (this._closed || this._offline) return 0;
    const cfg = this._config;
    return this.io('retention', () => {
      const victims: LogSegment[] = [];
      const segs = this.segments;
      let total = -1;
      let i = 0;
      for (; i < segs.length - 1; i++) {
        const seg = segs[i];
        const nextBase = segs[i + 1].baseOffset;
        if (nextBase > this._highWatermark) break;
        if (nextBase <= this._logStartOffset) {
          victims.push(seg);
          continue;
        }
        if (!hasDeletePolicy(cfg)) break;
        let expired = false;
        if (cfg.retentionMs >= 0 && seg.largestTimestamp < now - cfg.retentionMs) expired = true;
        if (!expired && cfg.retentionBytes >= 0) {
          if (total < 0) {
            total = 0;
            for (const s of segs) total += s.size;
            for (const v of victims) total -= v.size;
          }
          if (total - seg.size >= cfg.retentionBytes) expired = true;
        }
        if (!expired) break;
        if (total >= 0) total -= seg.size;
        victims.push(seg);
      }
      if (victims.length > 0) {
        const newStart = segs[victims.length].baseOffset;
        this.deleteSegments(victims);
        this.advanceLogStart(newStart);
        this.logger.info({ segments: victims.length, logStartOffset: this._logStartOffset }, 'retention deleted segments');
      }
      this.producers.removeExpired(now, this.producerIdExpirationMs);
      this.deletePendingFiles(now);
      return victims.length;
    });
  }

  // ---- close ------------------------------------------------------------------------------------

  /**
   * Flushes everything (log and index files), writes a producer snapshot at
   * the log end and closes the files. The clean-shutdown marker is the log
   * manager's (one per directory).
   */
  close(): void {
    if (this._closed) return;
    try {
      if (!this._offline) {
        this.io('close', () => {
          const active = this.activeSegment;
          for (const s of this.unflushedSegments()) if (s !== active) s.flush(true);
          active.onBecomeInactive();
          active.flush(true);
          this.takeSnapshot(this._logEndOffset, true);
          this.deletePendingFiles(0, true);
          this.fs.syncDir(this.dir);
          this._recoveryPoint = this._logEndOffset;
        });
      }
    } finally {
      this._closed = true;
      this.structureVersion++;
      this.closeHandles();
    }
  }

  /** Closes without flushing (the directory is gone or being deleted). */
  closeWithoutFlush(): void {
    this._closed = true;
    this.structureVersion++;
    this.closeHandles();
  }

  /** @internal The producer state entry (tests). */
  producerEntry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /** @internal Replace segments [from..to] with `replacement` (compaction swap). */
  replaceSegments(old: LogSegment[], replacement: LogSegment): void {
    const idx = this.segments.indexOf(old[0]);
    if (idx < 0) throw new Error('segments to replace are not in the log');
    this.segments.splice(idx, old.length, replacement);
    this.structureVersion++;
  }

  /** @internal */
  get timestampTypeIsLogAppend(): boolean {
    return this._config.messageTimestampType === 'LogAppendTime';
  }
}

