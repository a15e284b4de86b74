/**
 * The broker's storage: every partition log under `log.dirs`.
 *
 * - Each directory is locked (`.lock`) for the life of the manager; a second
 *   manager, in this process or another, fails with LOG_DIR_LOCKED.
 * - On open, each partition directory is loaded; without the directory's
 *   clean-shutdown marker, its logs are recovered from their checkpointed
 *   recovery points. The marker is removed once everything is loaded.
 * - An I/O error in any log takes its whole directory offline (Kafka's
 *   behaviour): its logs answer LOG_DIR_OFFLINE (KAFKA_STORAGE_ERROR) from
 *   then on, other directories carry on, the process does not crash.
 * - Retention, compaction, flush.ms and checkpointing are methods the broker
 *   calls from its own timers; nothing here starts a timer.
 * - `close()` flushes every log, writes the checkpoints and the
 *   clean-shutdown marker, and releases the locks.
 */
import { randomUUID } from 'node:crypto';
import * as nodePath from 'node:path';
import { Clock, Logger, NagareError, isNagareError, silentLogger } from '@nagare/common';
import { TopicPartitionOffset, readOffsetCheckpoint, writeCleanShutdownMarker, writeOffsetCheckpoint } from './checkpoints';
import { CleanerRunResult, LogCleaner } from './cleaner';
import { LogConfig, validateLogConfig } from './config';
import { FileLock, FileSystem, errnoCode } from './fs/file-system';
import {
  CLEANER_OFFSET_CHECKPOINT,
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_RE,
  LOCK_FILE,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  parsePartitionDir,
  partitionDirName,
} from './names';
import { PartitionLog } from './partition-log';

export interface LogManagerOptions {
  logDirs: string[];
  fs: FileSystem;
  clock: Clock;
  logger?: Logger;
  /** Config for logs without a topic config. */
  defaultConfig: LogConfig;
  /** Topic configs known at startup, so that existing logs load with them (e.g. compaction, not deletion). */
  topicConfig?: (topic: string) => LogConfig | undefined;
  /** producer.id.expiration.ms (default 1 day). */
  producerIdExpirationMs?: number;
  /** Offset map size of the cleaner, in keys. */
  cleanerMaxMapEntries?: number;
}

interface DirState {
  path: string;
  lock: FileLock | null;
  offline: boolean;
  error?: string;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Kafka's legal topic names (these become directory names). */
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/;

export interface LogDirDescription {
  dir: string;
  offline: boolean;
  error?: string;
  partitions: { topic: string; partition: number; size: number; offsetLag: number }[];
}

export class LogManager {
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private defaultConfig: LogConfig;
  private readonly dirs = new Map<string, DirState>();
  private readonly logs = new Map<string, PartitionLog>();
  private readonly dirOf = new Map<PartitionLog, string>();
  private readonly cleaner: LogCleaner;
  private readonly producerIdExpirationMs: number | undefined;
  private closed = false;

  private constructor(private readonly opts: LogManagerOptions) {
    this.fs = opts.fs;
    this.clock = opts.clock;
    this.logger = opts.logger ?? silentLogger;
    this.defaultConfig = validateLogConfig({ ...opts.defaultConfig });
    this.producerIdExpirationMs = opts.producerIdExpirationMs;
    this.cleaner = new LogCleaner({ clock: opts.clock, logger: this.logger, maxMapEntries: opts.cleanerMaxMapEntries });
  }

  /**
   * Locks and loads every directory. Throws LOG_DIR_LOCKED (naming the
   * directory) if one is locked by someone else; a directory that fails
   * with an I/O error is left offline, and if none is usable the open fails
   * with LOG_DIR_OFFLINE.
   */
  static open(opts: LogManagerOptions): LogManager {
    if (opts.logDirs.length === 0) throw new NagareError('INVALID_CONFIG', 'log.dirs is empty');
    const m = new LogManager(opts);
    const paths = [...new Set(opts.logDirs.map((d) => nodePath.posix.normalize(d).replace(/(.)\/$/, '$1')))];
    for (const p of paths) {
      const d: DirState = { path: p, lock: null, offline: false };
      m.dirs.set(p, d);
      try {
        m.fs.mkdir(p);
        d.lock = m.fs.lock(nodePath.posix.join(p, LOCK_FILE));
      } catch (e) {
        if (errnoCode(e) === 'ELOCKED') {
          m.releaseLocks();
          throw new NagareError('LOG_DIR_LOCKED', `log directory ${p} is in use by ${(e as { holder?: string }).holder ?? 'another process'} (lock file ${nodePath.posix.join(p, LOCK_FILE)})`, { cause: e });
        }
        m.markDirOffline(p, e);
      }
    }
    for (const d of m.dirs.values()) if (!d.offline) m.loadDir(d);
    if ([...m.dirs.values()].every((d) => d.offline)) {
      m.releaseLocks();
      throw new NagareError('LOG_DIR_OFFLINE', `no usable log directory: ${[...m.dirs.values()].map((d) => `${d.path} (${d.error})`).join(', ')}`);
    }
    return m;
  }

  private readCheckpoint(dir: string, name: string): Map<string, number> {
    const out = new Map<string, number>();
    let entries: TopicPartitionOffset[] = [];
    try {
      entries = readOffsetCheckpoint(this.fs, nodePath.posix.join(dir, name));
    } catch (e) {
      if (!isNagareError(e, 'UNKNOWN_FILE_FORMAT')) throw e;
      this.logger.warn({ dir, file: name, err: e.message }, 'ignoring an unreadable checkpoint file');
    }
    for (const e of entries) out.set(key(e.topic, e.partition), e.offset);
    return out;
  }

  private loadDir(d: DirState): void {
    const fs = this.fs;
    const started = this.clock.monotonicMs();
    try {
      const markerPath = nodePath.posix.join(d.path, CLEAN_SHUTDOWN_FILE);
      const clean = fs.exists(markerPath);
      const recovery = this.readCheckpoint(d.path, RECOVERY_POINT_CHECKPOINT);
      const logStart = this.readCheckpoint(d.path, LOG_START_OFFSET_CHECKPOINT);
      const hw = this.readCheckpoint(d.path, REPLICATION_OFFSET_CHECKPOINT);
      const cleaner = this.readCheckpoint(d.path, CLEANER_OFFSET_CHECKPOINT);
      let loaded = 0;
      for (const name of fs.readdir(d.path)) {
        const path = nodePath.posix.join(d.path, name);
        if (DELETE_DIR_RE.test(name)) {
          fs.rmdir(path);
          continue;
        }
        const tp = parsePartitionDir(name);
        if (!tp) continue;
        const st = fs.stat(path);
        if (!st?.isDirectory) continue;
        const k = key(tp.topic, tp.partition);
        if (this.logs.has(k)) {
          this.logger.error({ topic: tp.topic, partition: tp.partition, dirs: [this.dirOf.get(this.logs.get(k)!), d.path] }, 'partition found in two log directories: keeping the first');
          continue;
        }
        const log = PartitionLog.open({
          dir: path,
          topic: tp.topic,
          partition: tp.partition,
          config: this.opts.topicConfig?.(tp.topic) ?? this.defaultConfig,
          fs,
          clock: this.clock,
          logger: this.logger,
          recoveryPoint: recovery.get(k),
          logStartOffset: logStart.get(k),
          highWatermark: hw.get(k),
          cleanerCheckpoint: cleaner.get(k),
          hadCleanShutdown: clean,
          producerIdExpirationMs: this.producerIdExpirationMs,
          onIoError: (l, e) => this.onLogIoError(l, e),
          onCheckpointNeeded: (l) => this.checkpointDirOf(l),
        });
        this.logs.set(k, log);
        this.dirOf.set(log, d.path);
        loaded++;
      }
      if (clean) {
        fs.unlink(markerPath);
        fs.syncDir(d.path);
      }
      this.logger.info({ dir: d.path, logs: loaded, cleanShutdown: clean, ms: Math.round(this.clock.monotonicMs() - started) }, 'loaded log directory');
    } catch (e) {
      this.markDirOffline(d.path, e);
    }
  }

  private releaseLocks(): void {
    for (const d of this.dirs.values()) {
      try {
        d.lock?.release();
      } catch {
        // best effort
      }
      d.lock = null;
    }
  }

  private onLogIoError(log: PartitionLog, e: unknown): void {
    const dir = this.dirOf.get(log);
    if (dir) this.markDirOffline(dir, e);
  }

  /** Takes a directory offline: every log in it stops serving (LOG_DIR_OFFLINE); other directories are unaffected. */
  markDirOffline(dir: string, e: unknown): void {
    const d = this.dirs.get(dir);
    if (!d || d.offline) return;
    d.offline = true;
    d.error = (e as Error)?.message ?? String(e);
    this.logger.error({ dir, err: d.error }, 'log directory is offline');
    for (const [log, ld] of this.dirOf) if (ld === dir) log.markOffline();
  }

  private ensureOpen(): void {
    if (this.closed) throw new NagareError('LOG_CLOSED', 'the log manager is closed');
  }

  // ---- logs ---------------------------------------------------------------------------------------

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition));
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /** The log directory holding `log`. */
  logDirOf(log: PartitionLog): string | undefined {
    return this.dirOf.get(log);
  }

  /**
   * The partition's log, created if missing: in `logDir` if given, else in
   * the online directory holding the fewest logs. An existing log is
   * returned as it is (call updateConfig to change its config).
   */
  getOrCreateLog(topic: string, partition: number, config?: LogConfig, topicId?: string, logDir?: string): PartitionLog {
    this.ensureOpen();
    const existing = this.logs.get(key(topic, partition));
    if (existing) {
      if (topicId !== undefined && existing.topicId !== undefined && existing.topicId !== topicId) {
        throw new NagareError('INVALID_CONFIG', `log ${topic}-${partition} belongs to topic id ${existing.topicId}, not ${topicId}`);
      }
      return existing;
    }
    if (!TOPIC_RE.test(topic) || topic === '.' || topic === '..') throw new NagareError('INVALID_CONFIG', `illegal topic name ${JSON.stringify(topic)}`);
    if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) throw new NagareError('INVALID_CONFIG', `illegal partition ${partition}`);
    let dir: DirState | undefined;
    if (logDir !== undefined) {
      dir = this.dirs.get(nodePath.posix.normalize(logDir).replace(/(.)\/$/, '$1'));
      if (!dir) throw new NagareError('INVALID_CONFIG', `${logDir} is not one of the log directories`);
      if (dir.offline) throw new NagareError('LOG_DIR_OFFLINE', `log directory ${dir.path} is offline`);
    } else {
      const counts = new Map<string, number>();
      for (const d of this.dirs.values()) if (!d.offline) counts.set(d.path, 0);
      for (const ld of this.dirOf.values()) if (counts.has(ld)) counts.set(ld, counts.get(ld)! + 1);
      let best: string | undefined;
      for (const [p, n] of counts) if (best === undefined || n < counts.get(best)!) best = p;
      if (best === undefined) throw new NagareError('LOG_DIR_OFFLINE', 'every log directory is offline');
      dir = this.dirs.get(best)!;
    }
    const d = dir;
    let log: PartitionLog;
    try {
      log = PartitionLog.open({
        dir: nodePath.posix.join(d.path, partitionDirName(topic, partition)),
        topic,
        partition,
        topicId,
        config: config ?? this.opts.topicConfig?.(topic) ?? this.defaultConfig,
        fs: this.fs,
        clock: this.clock,
        logger: this.logger,
        hadCleanShutdown: false,
        producerIdExpirationMs: this.producerIdExpirationMs,
        onIoError: (l, e) => this.onLogIoError(l, e),
        onCheckpointNeeded: (l) => this.checkpointDirOf(l),
      });
      this.fs.syncDir(d.path);
    } catch (e) {
      if (isNagareError(e, 'STORAGE_IO')) this.markDirOffline(d.path, e);
      throw e;
    }
    this.logs.set(key(topic, partition), log);
    this.dirOf.set(log, d.path);
    this.logger.info({ topic, partition, dir: d.path }, 'created log');
    return log;
  }

  /**
   * Deletes a partition's log: renames its directory to
   * `<topic>-<partition>.<uuid>-delete`, then removes it. Returns false if
   * there was no such log.
   */
  deleteLog(topic: string, partition: number): boolean {
    this.ensureOpen();
    const k = key(topic, partition);
    const log = this.logs.get(k);
    if (!log) return false;
    const dir = this.dirOf.get(log)!;
    this.logs.delete(k);
    this.dirOf.delete(log);
    log.closeWithoutFlush();
    if (this.dirs.get(dir)?.offline) return true;
    const target = nodePath.posix.join(dir, `${partitionDirName(topic, partition)}.${randomUUID().replace(/-/g, '')}-delete`);
    try {
      this.fs.rename(log.dir, target);
      this.fs.syncDir(dir);
      this.fs.rmdir(target);
    } catch (e) {
      this.markDirOffline(dir, e);
      throw new NagareError('STORAGE_IO', `deleting log ${topic}-${partition} in ${dir} failed: ${(e as Error).message}`, { cause: e });
    }
    this.logger.info({ topic, partition, dir }, 'deleted log');
    return true;
  }

  /** Applies a new config to every partition of `topic`. */
  updateConfig(topic: string, config: LogConfig): void {
    const c = validateLogConfig({ ...config });
    for (const log of this.logs.values()) if (log.topic === topic) log.updateConfig(c);
  }

  /** Changes the config used for logs without a topic config. */
  updateDefaultConfig(config: LogConfig): void {
    this.defaultConfig = validateLogConfig({ ...config });
  }

  offlineDirs(): string[] {
    return [...this.dirs.values()].filter((d) => d.offline).map((d) => d.path);
  }

  liveDirs(): string[] {
    return [...this.dirs.values()].filter((d) => !d.offline).map((d) => d.path);
  }

  /** DescribeLogDirs. */
  describeLogDirs(): LogDirDescription[] {
    return [...this.dirs.values()].map((d) => ({
      dir: d.path,
      offline: d.offline,
      error: d.error,
      partitions: d.offline
        ? []
        : this.allLogs()
            .filter((l) => this.dirOf.get(l) === d.path && !l.offline)
            .map((l) => {
              let size = 0;
              try {
                size = l.size();
              } catch {
                size = -1;
              }
              return { topic: l.topic, partition: l.partition, size, offsetLag: 0 };
            }),
    }));
  }

  // ---- background work (called by the broker's timers) --------------------------------------------

  private writeDirCheckpoints(d: DirState): void {
    const logs = this.allLogs().filter((l) => this.dirOf.get(l) === d.path && !l.offline && !l.closed);
    const entries = (f: (l: PartitionLog) => number) => logs.map((l) => ({ topic: l.topic, partition: l.partition, offset: f(l) }));
    writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, RECOVERY_POINT_CHECKPOINT), entries((l) => l.recoveryPoint));
    writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, LOG_START_OFFSET_CHECKPOINT), entries((l) => l.logStartOffset));
    writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, REPLICATION_OFFSET_CHECKPOINT), entries((l) => l.highWatermark));
    writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, CLEANER_OFFSET_CHECKPOINT), entries((l) => l.cleanerCheckpoint));
  }

  private checkpointDirOf(log: PartitionLog): void {
    const dir = this.dirOf.get(log);
    const d = dir === undefined ? undefined : this.dirs.get(dir);
    if (!d || d.offline) return;
    try {
      this.writeDirCheckpoints(d);
    } catch (e) {
      this.markDirOffline(d.path, e);
    }
  }

  /**
   * Writes recovery-point-offset-checkpoint, log-start-offset-checkpoint,
   * replication-offset-checkpoint and cleaner-offset-checkpoint in each
   * online directory (log.flush.offset.checkpoint.interval.ms).
   */
  checkpoint(): void {
    if (this.closed) return;
    for (const d of this.dirs.values()) {
      if (d.offline) continue;
      try {
        this.writeDirCheckpoints(d);
      } catch (e) {
        this.markDirOffline(d.path, e);
      }
    }
  }

  /** Retention over every log (log.retention.check.interval.ms); returns the segments deleted. */
  runRetention(): number {
    if (this.closed) return 0;
    const now = this.clock.now();
    let n = 0;
    for (const log of this.logs.values()) {
      if (log.offline || log.closed) continue;
      try {
        n += log.deleteOldSegments(now);
      } catch (e) {
        this.logger.error({ topic: log.topic, partition: log.partition, err: (e as Error).message }, 'retention failed');
      }
    }
    return n;
  }

  /**
   * Compaction work over the compacted logs, at most about `maxBytes` read
   * per call (default 32 MiB); call it repeatedly (it keeps its place). The
   * work is done synchronously before the promise resolves.
   */
  async runCleaner(maxBytes?: number): Promise<CleanerRunResult> {
    return this.runCleanerSync(maxBytes);
  }

  /** runCleaner without the promise. */
  runCleanerSync(maxBytes?: number): CleanerRunResult {
    if (this.closed) return { bytesRead: 0, bytesWritten: 0, passesCompleted: 0, recordsRemoved: 0, idle: true };
    return this.cleaner.run(this.allLogs(), maxBytes);
  }

  /** flush.ms: flushes (asynchronously) every log whose last flush is older than its flush.ms. Returns how many. */
  async flushDue(): Promise<number> {
    if (this.closed) return 0;
    const due = this.allLogs().filter((l) => !l.offline && !l.closed && l.config.flushMs < Number.MAX_SAFE_INTEGER && l.msSinceLastFlush() >= l.config.flushMs);
    let n = 0;
    for (const log of due) {
      try {
        await log.flushAsync();
        n++;
      } catch (e) {
        this.logger.error({ topic: log.topic, partition: log.partition, err: (e as Error).message }, 'flush failed');
      }
    }
    return n;
  }

  /** Flushes every log now. */
  flushAll(): void {
    for (const log of this.logs.values()) if (!log.offline && !log.closed && log.unflushedMessages > 0) log.flush();
  }

  /**
   * Orderly shutdown: flush and close every log, write the checkpoints and
   * (for each directory where all of that worked) the clean-shutdown
   * marker, release the locks. Everything is attempted; if anything failed
   * the promise rejects with STORAGE_IO (the directories concerned get no
   * marker and are recovered on the next start).
   */
  async close(): Promise<void> {
    this.closeSync();
  }

  /** close() without the promise: throws STORAGE_IO if any log or directory failed. */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    const failures: string[] = [];
    for (const d of this.dirs.values()) {
      const logs = this.allLogs().filter((l) => this.dirOf.get(l) === d.path);
      let ok = !d.offline;
      for (const log of logs) {
        try {
          log.close();
        } catch (e) {
          ok = false;
          failures.push(`${log.topic}-${log.partition}: ${(e as Error).message}`);
          this.logger.error({ topic: log.topic, partition: log.partition, err: (e as Error).message }, 'closing log failed');
        }
      }
      if (ok && !d.offline) {
        try {
          const entries = (f: (l: PartitionLog) => number) => logs.map((l) => ({ topic: l.topic, partition: l.partition, offset: f(l) }));
          writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, RECOVERY_POINT_CHECKPOINT), entries((l) => l.recoveryPoint));
          writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, LOG_START_OFFSET_CHECKPOINT), entries((l) => l.logStartOffset));
          writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, REPLICATION_OFFSET_CHECKPOINT), entries((l) => l.highWatermark));
          writeOffsetCheckpoint(this.fs, nodePath.posix.join(d.path, CLEANER_OFFSET_CHECKPOINT), entries((l) => l.cleanerCheckpoint));
          writeCleanShutdownMarker(this.fs, nodePath.posix.join(d.path, CLEAN_SHUTDOWN_FILE));
        } catch (e) {
          failures.push(`${d.path}: ${(e as Error).message}`);
          this.logger.error({ dir: d.path, err: (e as Error).message }, 'writing the clean shutdown marker failed');
        }
      }
    }
    this.releaseLocks();
    this.logger.info({ logs: this.logs.size, failures: failures.length }, 'log manager closed');
    if (failures.length > 0) throw new NagareError('STORAGE_IO', `log manager closed with errors: ${failures.join('; ')}`);
  }
}
