/**
 * Log compaction (cleanup.policy=compact / compact,delete).
 *
 * A pass over one log:
 *  1. Range. Dirty segments run from the cleaner checkpoint to the first
 *     uncleanable offset: the active segment, the last stable offset (which
 *     is at most the high watermark: open transactions are never touched),
 *     and the first segment whose newest record is younger than
 *     min.compaction.lag.ms. Only whole non-active segments are cleaned. A
 *     log is picked when dirty bytes / (clean + dirty bytes) reaches
 *     min.cleanable.dirty.ratio, or its oldest dirty data is older than
 *     max.compaction.lag.ms; the dirtiest log goes first.
 *  2. Map. The dirty segments' records are read: key -> offset of its last
 *     record (records of aborted transactions and control records are not
 *     counted).
 *  3. Clean. Every segment from the start of the log to the last dirty one
 *     is rewritten, in groups of consecutive segments of at most
 *     segment.bytes, keeping a record when it is the last of its key, unless
 *     it is a tombstone whose delete horizon has passed. Records of aborted
 *     transactions are dropped. Offsets never change (gaps are allowed).
 *     Batches keep their base offset, last offset delta, producer fields and
 *     codec; a batch that loses records is re-encoded (recompressed) with
 *     the survivors; an unchanged batch is copied byte for byte. A batch left
 *     empty is dropped, except the last batch of a live producer, kept as an
 *     empty batch so that its sequence numbers survive (as Kafka does).
 *  4. Tombstones and transaction markers (KIP-534): the first pass that
 *     keeps one stamps its batch with a delete horizon (the DELETE_HORIZON
 *     attribute bit, baseTimestamp = pass time + delete.retention.ms, record
 *     timestamps unchanged). A later pass after the horizon drops the
 *     tombstone; a COMMIT/ABORT marker is dropped then too, once no record of
 *     its transaction is left.
 *  5. Swap, crash-safe: the group is written to `<base>.log.cleaned` (+
 *     index files), fsynced, renamed to `.swap` (index files first, the .log
 *     last: the commit point), the old segments renamed to `.deleted`, the
 *     `.swap` files renamed to their final names. On open, `.cleaned` files
 *     are deleted and a committed `.swap` is completed (see PartitionLog).
 *
 * The work is bounded per call (`run(logs, maxBytes)` reads at most about
 * maxBytes), keeping its state between calls, so the broker can call it from
 * a timer without blocking appends for long. Anything that changes a log's
 * segments other than an append (retention, truncation, close) abandons the
 * pass in progress; the next call starts over.
 */
import * as nodePath from 'node:path';
import { Clock, Logger, silentLogger } from '@nagare/common';
import {
  BatchHeader,
  Compression,
  DELETE_HORIZON_MASK,
  KafkaRecord,
  LOG_OVERHEAD,
  RecordIterator,
  compress,
  encodeAttributes,
  sizeOfVarint,
  sizeOfVarlong,
  writeBatchCrc,
  writeBatchHeader,
  writeVarint,
  writeVarlong,
  ControlRecordType,
  TimestampType,
  parseControlRecord,
} from '@nagare/records';
import { FileHandle, FileSystem, writeFully } from './fs/file-system';
import { AbortedTxn, OffsetIndex, TXN_INDEX_ENTRY, TimeIndex, encodeAbortedTxn } from './indexes';
import { CLEANED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, offsetPrefix } from './names';
import { PartitionLog } from './partition-log';
import { LogSegment } from './segment';
import { isCompacted } from './config';

const INT32_MAX = 0x7fffffff;
const WRITE_BUFFER_BYTES = 1024 * 1024;
export const DEFAULT_CLEANER_BYTES_PER_CALL = 32 * 1024 * 1024;
export const DEFAULT_MAX_MAP_ENTRIES = 2_000_000;

export interface CleanerRunResult {
  /** Bytes of log read in this call. */
  bytesRead: number;
  /** Bytes written to cleaned segments in this call. */
  bytesWritten: number;
  /** Passes finished in this call. */
  passesCompleted: number;
  /** Records removed by passes finished in this call. */
  recordsRemoved: number;
  /** True when no pass is in progress and no log needs one right now. */
  idle: boolean;
}

export interface CleanableInfo {
  firstDirtyOffset: number;
  /** Exclusive end of the dirty range (a segment base offset). */
  endOffset: number;
  dirtySegments: LogSegment[];
  cleanBytes: number;
  dirtyBytes: number;
  ratio: number;
  mustClean: boolean;
}

/** The dirty range of a compacted log, or null if nothing can be cleaned. */
export function cleanableRange(log: PartitionLog, now: number): CleanableInfo | null {
  const segs = log.segmentList;
  const cfg = log.config;
  if (segs.length < 2) return null;
  const firstDirty = Math.max(log.cleanerCheckpoint, log.logStartOffset, segs[0].baseOffset);
  let uncleanable = Math.min(segs[segs.length - 1].baseOffset, log.lastStableOffset);
  let firstDirtyIdx = -1;
  for (let i = 0; i < segs.length - 1; i++) {
    if (segs[i + 1].baseOffset > firstDirty) {
      firstDirtyIdx = i;
      break;
    }
  }
  if (firstDirtyIdx < 0) return null;
  const dirty: LogSegment[] = [];
  let dirtyBytes = 0;
  for (let i = firstDirtyIdx; i < segs.length - 1; i++) {
    const seg = segs[i];
    if (segs[i + 1].baseOffset > uncleanable) break;
    if (cfg.minCompactionLagMs > 0 && seg.largestTimestamp > now - cfg.minCompactionLagMs) {
      uncleanable = seg.baseOffset;
      break;
    }
    dirty.push(seg);
    dirtyBytes += seg.size;
  }
  if (dirty.length === 0) return null;
  let cleanBytes = 0;
  for (let i = 0; i < firstDirtyIdx; i++) cleanBytes += segs[i].size;
  const endOffset = segs[firstDirtyIdx + dirty.length].baseOffset;
  const total = cleanBytes + dirtyBytes;
  const ratio = total === 0 ? 0 : dirtyBytes / total;
  const firstTs = dirty[0].firstTimestamp;
  const mustClean = cfg.maxCompactionLagMs < Number.MAX_SAFE_INTEGER && firstTs >= 0 && firstTs < now - cfg.maxCompactionLagMs;
  return { firstDirtyOffset: firstDirty, endOffset, dirtySegments: dirty, cleanBytes, dirtyBytes, ratio, mustClean };
}

/** A retained record, with its stored timestamp. */
interface KeptRecord {
  record: KafkaRecord;
  storedTimestamp: number;
}

/** Encodes a batch with the same identity as `h` holding `kept` (offset deltas preserved). */
export function encodeCompactedBatch(h: BatchHeader, kept: KeptRecord[], deleteHorizon: number | undefined): Buffer {
  let size = 0;
  const baseTs = deleteHorizon ?? (kept.length > 0 ? kept[0].storedTimestamp : h.baseTimestamp);
  const bodies: number[] = [];
  for (const { record: r, storedTimestamp } of kept) {
    let hs = sizeOfVarint(r.headers.length);
    for (const hd of r.headers) {
      const kl = Buffer.byteLength(hd.key, 'utf8');
      const vl = hd.value === null ? -1 : hd.value.length;
      hs += sizeOfVarint(kl) + kl + sizeOfVarint(vl) + Math.max(0, vl);
    }
    const kl = r.key === null ? -1 : r.key.length;
    const vl = r.value === null ? -1 : r.value.length;
    const body = 1 + sizeOfVarlong(storedTimestamp - baseTs) + sizeOfVarint(r.offsetDelta) + sizeOfVarint(kl) + Math.max(0, kl) + sizeOfVarint(vl) + Math.max(0, vl) + hs;
    bodies.push(body);
    size += sizeOfVarint(body) + body;
  }
  const payload = Buffer.allocUnsafe(size);
  let p = 0;
  kept.forEach(({ record: r, storedTimestamp }, i) => {
    p = writeVarint(payload, p, bodies[i]);
    payload[p++] = 0;
    p = writeVarlong(payload, p, storedTimestamp - baseTs);
    p = writeVarint(payload, p, r.offsetDelta);
    if (r.key === null) p = writeVarint(payload, p, -1);
    else {
      p = writeVarint(payload, p, r.key.length);
      r.key.copy(payload, p);
      p += r.key.length;
    }
    if (r.value === null) p = writeVarint(payload, p, -1);
    else {
      p = writeVarint(payload, p, r.value.length);
      r.value.copy(payload, p);
      p += r.value.length;
    }
    p = writeVarint(payload, p, r.headers.length);
    for (const hd of r.headers) {
      const kb = Buffer.from(hd.key, 'utf8');
      p = writeVarint(payload, p, kb.length);
      kb.copy(payload, p);
      p += kb.length;
      if (hd.value === null) p = writeVarint(payload, p, -1);
      else {
        p = writeVarint(payload, p, hd.value.length);
        hd.value.copy(payload, p);
        p += hd.value.length;
      }
    }
  });
  const codec: Compression = kept.length === 0 ? Compression.None : h.compression;
  const body = codec === Compression.None ? payload : compress(codec, payload);
  const out = Buffer.allocUnsafe(61 + body.length);
  body.copy(out, 61);
  let maxTs = h.maxTimestamp;
  if (h.timestampType === TimestampType.CreateTime && kept.length > 0) {
    maxTs = -1;
    for (const k of kept) if (k.storedTimestamp > maxTs) maxTs = k.storedTimestamp;
  }
  writeBatchHeader(out, 0, {
    baseOffset: h.baseOffset,
    batchLength: out.length - LOG_OVERHEAD,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    attributes:
      encodeAttributes({ compression: codec, timestampType: h.timestampType, isTransactional: h.isTransactional, isControl: h.isControl }) |
      (deleteHorizon !== undefined ? DELETE_HORIZON_MASK : 0),
    lastOffsetDelta: h.lastOffsetDelta,
    baseTimestamp: baseTs,
    maxTimestamp: maxTs,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    recordCount: kept.length,
  });
  writeBatchCrc(out, 0);
  return out;
}

/** Writes one cleaned segment (`<base>.log.cleaned` and its indexes). */
class CleanedSegmentWriter {
  readonly base: number;
  private readonly prefix: string;
  private handle: FileHandle;
  private buf = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  private bufLen = 0;
  position = 0;
  private written = 0;
  readonly oi: OffsetIndex;
  readonly ti: TimeIndex;
  private bytesSince = 0;
  private maxTs = -1;
  private offsetOfMax = -1;
  txns: AbortedTxn[] = [];

  constructor(
    private readonly fs: FileSystem,
    dir: string,
    base: number,
    private readonly indexInterval: number,
  ) {
    this.base = base;
    this.prefix = nodePath.posix.join(dir, offsetPrefix(base));
    this.handle = fs.open(this.prefix + LOG_SUFFIX + CLEANED_SUFFIX, 'w+');
    this.oi = new OffsetIndex(base, Number.MAX_SAFE_INTEGER);
    this.ti = new TimeIndex(base, Number.MAX_SAFE_INTEGER);
  }

  append(batch: Buffer, lastOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTs) {
      this.maxTs = maxTimestamp;
      this.offsetOfMax = lastOffset;
    }
    if (this.bytesSince > this.indexInterval) {
      this.oi.append(lastOffset, this.position);
      this.ti.maybeAppend(this.maxTs, this.offsetOfMax);
      this.bytesSince = 0;
    }
    this.bytesSince += batch.length;
    if (this.bufLen + batch.length > this.buf.length) this.drain();
    if (batch.length > this.buf.length) {
      writeFully(this.handle, batch, this.written);
      this.written += batch.length;
    } else {
      batch.copy(this.buf, this.bufLen);
      this.bufLen += batch.length;
    }
    this.position += batch.length;
  }

  private drain(): void {
    if (this.bufLen === 0) return;
    writeFully(this.handle, this.buf, this.written, 0, this.bufLen);
    this.written += this.bufLen;
    this.bufLen = 0;
  }

  /** Flushes, writes the index files and fsyncs everything (still named .cleaned). */
  finish(): void {
    this.drain();
    if (this.maxTs >= 0) this.ti.maybeAppend(this.maxTs, this.offsetOfMax);
    this.handle.sync();
    this.handle.close();
    const txnBytes = Buffer.allocUnsafe(this.txns.length * TXN_INDEX_ENTRY);
    this.txns.forEach((t, i) => encodeAbortedTxn(t).copy(txnBytes, i * TXN_INDEX_ENTRY));
    for (const [suffix, data] of [
      [INDEX_SUFFIX, this.oi.bytes()],
      [TIME_INDEX_SUFFIX, this.ti.bytes()],
      [TXN_INDEX_SUFFIX, txnBytes],
    ] as const) {
      const h = this.fs.open(this.prefix + suffix + CLEANED_SUFFIX, 'w+');
      try {
        writeFully(h, data, 0);
        h.sync();
      } finally {
        h.close();
      }
    }
    this.oi.markPersisted();
    this.ti.markPersisted();
  }

  paths(suffix: string): string[] {
    return [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX].map((s) => this.prefix + s + suffix);
  }

  abort(): void {
    try {
      this.handle.close();
    } catch {
      // already closed
    }
    for (const p of this.paths(CLEANED_SUFFIX)) if (this.fs.exists(p)) this.fs.unlink(p);
  }
}

interface Job {
  log: PartitionLog;
  version: number;
  now: number;
  endOffset: number;
  dirty: LogSegment[];
  phase: 'map' | 'clean';
  map: Map<string, number>;
  mapIdx: number;
  mapPos: number;
  aborted: Map<number, { first: number; last: number }[]>;
  groups: LogSegment[][];
  groupIdx: number;
  srcIdx: number;
  srcPos: number;
  writer: CleanedSegmentWriter | null;
  txnRetained: Map<number, boolean>;
  recordsRemoved: number;
}

export interface LogCleanerOptions {
  clock: Clock;
  logger?: Logger;
  /** Keys held in the offset map per pass (Kafka's dedupe buffer); a pass cleans fewer dirty segments beyond it. */
  maxMapEntries?: number;
}

export class LogCleaner {
  private job: Job | null = null;
  private readonly logger: Logger;
  private readonly maxMapEntries: number;

  constructor(private readonly opts: LogCleanerOptions) {
    this.logger = (opts.logger ?? silentLogger).child({ component: 'cleaner' });
    this.maxMapEntries = opts.maxMapEntries ?? DEFAULT_MAX_MAP_ENTRIES;
  }

  /** The log being cleaned, if a pass is in progress. */
  get inProgress(): PartitionLog | null {
    return this.job?.log ?? null;
  }

  /**
   * Does up to about `maxBytes` of cleaning work over the compacted logs in
   * `logs`: continues the pass in progress or starts one on the dirtiest
   * eligible log, and moves on to further logs while budget remains.
   */
  run(logs: readonly PartitionLog[], maxBytes = DEFAULT_CLEANER_BYTES_PER_CALL): CleanerRunResult {
    const result: CleanerRunResult = { bytesRead: 0, bytesWritten: 0, passesCompleted: 0, recordsRemoved: 0, idle: false };
    const tried = new Set<PartitionLog>();
    while (result.bytesRead < maxBytes) {
      if (!this.job) {
        const now = this.opts.clock.now();
        let best: { log: PartitionLog; info: CleanableInfo } | null = null;
        for (const log of logs) {
          if (tried.has(log) || log.closed || log.offline || !isCompacted(log.config)) continue;
          let info: CleanableInfo | null;
          try {
            info = log.io('cleaner', () => cleanableRange(log, now));
          } catch {
            continue;
          }
          if (!info || !(info.ratio >= log.config.minCleanableDirtyRatio || info.mustClean)) continue;
          if (!best || info.ratio > best.info.ratio || (info.mustClean && !best.info.mustClean)) best = { log, info };
        }
        if (!best) {
          result.idle = true;
          return result;
        }
        tried.add(best.log);
        this.start(best.log, best.info, now);
      }
      const job = this.job!;
      if (!this.valid(job)) {
        this.abandon('log changed during cleaning');
        continue;
      }
      try {
        job.log.io('compaction', () => this.step(job, maxBytes - result.bytesRead, result));
      } catch (e) {
        this.logger.error({ topic: job.log.topic, partition: job.log.partition, err: (e as Error).message }, 'compaction failed');
        this.abandon('error');
      }
    }
    return result;
  }

  private valid(job: Job): boolean {
    return !job.log.closed && !job.log.offline && job.log.structureVersion === job.version;
  }

  private abandon(why: string): void {
    const job = this.job;
    if (!job) return;
    this.job = null;
    this.logger.info({ topic: job.log.topic, partition: job.log.partition, why }, 'compaction pass abandoned');
    if (job.writer) {
      try {
        job.writer.abort();
      } catch {
        // the log dir is failing: recovery removes .cleaned files on the next open
      }
    }
  }

  private start(log: PartitionLog, info: CleanableInfo, now: number): void {
    const aborted = new Map<number, { first: number; last: number }[]>();
    // An ABORT marker (and its .txnindex entry) may lie past the dirty range while its data is inside it.
    for (const s of log.segmentList) {
      for (const t of s.abortedTxns()) {
        if (t.firstOffset >= info.endOffset) continue;
        let list = aborted.get(t.producerId);
        if (!list) aborted.set(t.producerId, (list = []));
        list.push({ first: t.firstOffset, last: t.lastOffset });
      }
    }
    this.job = {
      log,
      version: log.structureVersion,
      now,
      endOffset: info.endOffset,
      dirty: info.dirtySegments,
      phase: 'map',
      map: new Map(),
      mapIdx: 0,
      mapPos: 0,
      aborted,
      groups: [],
      groupIdx: 0,
      srcIdx: 0,
      srcPos: 0,
      writer: null,
      txnRetained: new Map(),
      recordsRemoved: 0,
    };
    this.logger.debug({ topic: log.topic, partition: log.partition, ratio: info.ratio, dirtySegments: info.dirtySegments.length }, 'compaction pass started');
  }

  private isAborted(job: Job, h: BatchHeader): boolean {
    if (!h.isTransactional || h.isControl) return false;
    const list = job.aborted.get(h.producerId);
    if (!list) return false;
    for (const r of list) if (h.baseOffset >= r.first && h.baseOffset <= r.last) return true;
    return false;
  }

  private step(job: Job, budget: number, result: CleanerRunResult): void {
    if (job.phase === 'map') this.mapStep(job, budget, result);
    else this.cleanStep(job, budget, result);
  }

  private mapStep(job: Job, budget: number, result: CleanerRunResult): void {
    let used = 0;
    while (job.mapIdx < job.dirty.length && used < budget) {
      const seg = job.dirty[job.mapIdx];
      const start = job.mapPos;
      const end = seg.scanFrom(start, (chunk, pos, filePos, h, size) => {
        if (!h.isControl && !this.isAborted(job, h)) {
          for (const r of new RecordIterator(chunk, { position: pos, verifyCrc: false })) {
            if (r.key !== null) job.map.set(r.key.toString('latin1'), r.offset);
          }
        }
        return filePos + size - start < budget - used;
      });
      used += end - start;
      if (end >= seg.size) {
        job.mapIdx++;
        job.mapPos = 0;
        if (job.map.size >= this.maxMapEntries && job.mapIdx < job.dirty.length) {
          // The offset map is full: this pass cleans up to here.
          job.dirty = job.dirty.slice(0, job.mapIdx);
          const segs = job.log.segmentList;
          job.endOffset = segs[segs.indexOf(seg) + 1].baseOffset;
        }
      } else {
        job.mapPos = end;
      }
    }
    result.bytesRead += used;
    if (job.mapIdx >= job.dirty.length) {
      job.phase = 'clean';
      job.groups = this.groupSegments(job);
    }
  }

  private groupSegments(job: Job): LogSegment[][] {
    const segs = job.log.segmentList;
    const cfg = job.log.config;
    const lastDirty = job.dirty[job.dirty.length - 1];
    const upto = segs.indexOf(lastDirty);
    const groups: LogSegment[][] = [];
    let cur: LogSegment[] = [];
    let size = 0;
    for (let i = 0; i <= upto; i++) {
      const s = segs[i];
      const nextBase = segs[i + 1].baseOffset;
      if (cur.length > 0 && (size + s.size > cfg.segmentBytes || nextBase - 1 - cur[0].baseOffset > INT32_MAX)) {
        groups.push(cur);
        cur = [];
        size = 0;
      }
      cur.push(s);
      size += s.size;
    }
    if (cur.length > 0) groups.push(cur);
    return groups;
  }

  private cleanStep(job: Job, budget: number, result: CleanerRunResult): void {
    const log = job.log;
    let used = 0;
    while (job.groupIdx < job.groups.length && used < budget) {
      const group = job.groups[job.groupIdx];
      if (!job.writer) {
        job.writer = new CleanedSegmentWriter(log.fs, log.dir, group[0].baseOffset, log.config.indexIntervalBytes);
        job.srcIdx = 0;
        job.srcPos = 0;
      }
      const w = job.writer;
      while (job.srcIdx < group.length && used < budget) {
        const seg = group[job.srcIdx];
        if (job.srcPos === 0) for (const t of seg.abortedTxns()) w.txns.push({ ...t });
        const start = job.srcPos;
        const before = w.position;
        const end = seg.scanFrom(start, (chunk, pos, filePos, h, size) => {
          this.filterBatch(job, w, chunk, pos, size, h);
          return filePos + size - start < budget - used;
        });
        used += end - start;
        result.bytesWritten += w.position - before;
        if (end >= seg.size) {
          job.srcIdx++;
          job.srcPos = 0;
        } else {
          job.srcPos = end;
        }
      }
      if (job.srcIdx >= group.length) {
        this.swap(job, group, w);
        job.writer = null;
        job.groupIdx++;
      }
    }
    result.bytesRead += used;
    if (job.groupIdx >= job.groups.length) {
      log.cleanerCheckpoint = Math.max(log.cleanerCheckpoint, job.endOffset);
      result.passesCompleted++;
      result.recordsRemoved += job.recordsRemoved;
      this.logger.info({ topic: log.topic, partition: log.partition, recordsRemoved: job.recordsRemoved, cleanedTo: job.endOffset }, 'compaction pass done');
      this.job = null;
    }
  }

  private filterBatch(job: Job, w: CleanedSegmentWriter, chunk: Buffer, pos: number, size: number, h: BatchHeader): void {
    const cfg = job.log.config;
    const now = job.now;
    const newHorizon = Math.min(now + cfg.deleteRetentionMs, Number.MAX_SAFE_INTEGER);
    const horizon = h.hasDeleteHorizonMs ? h.baseTimestamp : undefined;
    const horizonPassed = horizon !== undefined && now >= horizon;
    const last = h.baseOffset + h.lastOffsetDelta;
    if (h.isControl) {
      let isMarker = false;
      try {
        const it = new RecordIterator(chunk, { position: pos, verifyCrc: false });
        const r = it.next();
        if (!r.done) {
          const c = parseControlRecord(r.value);
          isMarker = c.type === ControlRecordType.Abort || c.type === ControlRecordType.Commit;
        }
      } catch {
        isMarker = false;
      }
      const dataLeft = job.txnRetained.get(h.producerId) === true;
      job.txnRetained.delete(h.producerId);
      if (isMarker && horizonPassed && !dataLeft) {
        job.recordsRemoved += h.recordCount;
        return;
      }
      if (isMarker && horizon === undefined) {
        const recs = new RecordIterator(chunk, { position: pos, verifyCrc: false }).toArray();
        const kept = recs.map((r) => ({ record: r, storedTimestamp: h.baseTimestamp + r.timestampDelta }));
        w.append(encodeCompactedBatch(h, kept, newHorizon), last, h.maxTimestamp);
        return;
      }
      w.append(chunk.subarray(pos, pos + size), last, h.maxTimestamp);
      return;
    }
    const aborted = this.isAborted(job, h);
    const kept: KeptRecord[] = [];
    let tombstoneKept = false;
    let count = 0;
    if (!aborted) {
      for (const r of new RecordIterator(chunk, { position: pos, verifyCrc: false })) {
        count++;
        if (r.key === null) continue;
        const latest = job.map.get(r.key.toString('latin1'));
        if (latest !== undefined && r.offset < latest) continue;
        if (r.value === null) {
          if (horizonPassed) continue;
          tombstoneKept = true;
        }
        kept.push({ record: r, storedTimestamp: h.baseTimestamp + r.timestampDelta });
      }
    } else {
      count = h.recordCount;
    }
    job.recordsRemoved += count - kept.length;
    if (h.isTransactional && kept.length > 0) job.txnRetained.set(h.producerId, true);
    const stampHorizon = tombstoneKept && horizon === undefined;
    if (kept.length === count && !aborted && !stampHorizon) {
      w.append(chunk.subarray(pos, pos + size), last, h.maxTimestamp);
      return;
    }
    if (kept.length === 0) {
      const entry = h.producerId >= 0 ? job.log.producerEntry(h.producerId) : undefined;
      const lastOfProducer = entry !== undefined && entry.batches.length > 0 && entry.batches[entry.batches.length - 1].lastOffset === last;
      if (!lastOfProducer) return;
    }
    const out = encodeCompactedBatch(h, kept, stampHorizon ? newHorizon : horizon);
    w.append(out, last, readMaxTs(out));
  }

  private swap(job: Job, group: LogSegment[], w: CleanedSegmentWriter): void {
    const log = job.log;
    const fs = log.fs;
    w.finish();
    const cleaned = w.paths(CLEANED_SUFFIX);
    const swap = w.paths(SWAP_SUFFIX);
    // Index files first, the .log last: a .log.swap is the commit point.
    for (const i of [1, 2, 3, 0]) fs.rename(cleaned[i], swap[i]);
    fs.syncDir(log.dir);
    for (const s of group) log.scheduleDelete(s.renameForDeletion());
    const final = w.paths('');
    for (const i of [1, 2, 3, 0]) fs.rename(swap[i], final[i]);
    fs.syncDir(log.dir);
    const seg = LogSegment.existing(fs, log.dir, w.base, log.segmentSettings(), this.opts.clock.now());
    seg.adoptIndexes(w.oi, w.ti, w.txns, -1, w.position);
    log.replaceSegments(group, seg);
    job.version = log.structureVersion;
  }
}

function readMaxTs(b: Buffer): number {
  const hi = b.readInt32BE(35);
  const lo = b.readUInt32BE(39);
  return hi * 4294967296 + lo;
}
