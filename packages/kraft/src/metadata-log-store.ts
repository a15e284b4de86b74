/**
 * Where a KRaft replica keeps its state on disk (Kafka's KafkaMetadataLog and FileQuorumStateStore):
 * the `__cluster_metadata-0` partition directory holds the log segments (a storage PartitionLog of
 * record batches), the snapshots (`<endOffset>-<epoch>.checkpoint`, written atomically) and the
 * `quorum-state` file. `persist` makes one Ready durable in the order the core requires.
 */
import type { Clock, Logger } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import type { LogEntry, PersistedRaftState, QuorumStateData, Ready, Snapshot, SnapshotCodec, SnapshotId } from '@nagare/raft';
import { quorumStateFromJson, quorumStateToJson } from '@nagare/raft';
import type { FileSystem, PartitionLog } from '@nagare/storage';
import { decodeEntries, encodeEntries } from './entry-codec';
import { parseSnapshotFileName, snapshotFileName } from './snapshot-codec';

export const QUORUM_STATE_FILE = 'quorum-state';
const READ_CHUNK = 8 * 1024 * 1024;

export interface MetadataLogStoreOptions {
  /** `__cluster_metadata-0`, opened by the LogManager. */
  readonly log: PartitionLog;
  readonly fs: FileSystem;
  readonly clusterId: string;
  readonly codec: SnapshotCodec;
  readonly clock: Clock;
  readonly logger?: Logger;
}

export class MetadataLogStore {
  readonly log: PartitionLog;
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly logger: Logger;
  /** Bytes appended since the latest snapshot (metadata.log.max.record.bytes.between.snapshots). */
  bytesSinceSnapshot = 0;

  constructor(private readonly o: MetadataLogStoreOptions) {
    this.log = o.log;
    this.fs = o.fs;
    this.dir = o.log.dir;
    this.logger = o.logger ?? silentLogger;
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  /** Snapshot ids on disk, oldest first (partial files from a crash are removed). */
  snapshotIds(): SnapshotId[] {
    const ids: SnapshotId[] = [];
    for (const name of this.fs.readdir(this.dir)) {
      if (name.endsWith('.checkpoint.tmp') || name.endsWith('.checkpoint.part')) {
        this.fs.unlink(this.path(name));
        continue;
      }
      const id = parseSnapshotFileName(name);
      if (id !== undefined) ids.push(id);
    }
    return ids.sort((a, b) => a.endOffset - b.endOffset || a.epoch - b.epoch);
  }

  readSnapshot(id: SnapshotId): Snapshot {
    return this.o.codec.decode(id, this.fs.readFile(this.path(snapshotFileName(id))));
  }

  readQuorumState(): QuorumStateData | undefined {
    const p = this.path(QUORUM_STATE_FILE);
    if (!this.fs.exists(p)) return undefined;
    return quorumStateFromJson(this.fs.readFile(p).toString('utf8'));
  }

  /**
   * Reads what the replica left: quorum-state, the latest snapshot, and the log after it. A log that
   * starts before the snapshot is trimmed to it; one that does not reach it (a crash between
   * writing the snapshot and resetting the log) restarts at it.
   */
  load(): PersistedRaftState {
    const quorumState = this.readQuorumState();
    const ids = this.snapshotIds();
    let snapshot: Snapshot | undefined;
    for (let i = ids.length - 1; i >= 0 && snapshot === undefined; i--) {
      try {
        snapshot = this.readSnapshot(ids[i]);
      } catch (e) {
        this.logger.warn({ snapshot: snapshotFileName(ids[i]), err: (e as Error).message }, 'ignoring an unreadable snapshot');
      }
    }
    const log = this.log;
    const snapEnd = snapshot?.id.endOffset ?? 0;
    if (snapEnd > 0 && log.logStartOffset < snapEnd) {
      if (log.logEndOffset < snapEnd) {
        log.truncateFullyAndStartAt(snapEnd);
      } else {
        log.highWatermark = Math.max(log.highWatermark, snapEnd);
        log.deleteRecordsBefore(snapEnd);
      }
    }
    const entries: LogEntry[] = [];
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const { records, nextOffset } = log.read(offset, READ_CHUNK);
      if (records.length === 0 || nextOffset <= offset) break;
      for (const e of decodeEntries(records)) if (e.offset >= Math.max(offset, snapEnd)) entries.push(e);
      offset = nextOffset;
    }
    return { quorumState, snapshot, entries };
  }

  /**
   * Makes a Ready durable: quorum-state (atomic replace), then the log operations in order, then
   * fsync (unless `flush` is false: an observer that never votes, see followersAlwaysFlush).
   */
  persist(ready: Ready, opts: { flush?: boolean } = {}): void {
    if (ready.quorumState !== undefined) {
      this.fs.writeFileAtomic(this.path(QUORUM_STATE_FILE), Buffer.from(quorumStateToJson(ready.quorumState, this.o.clusterId), 'utf8'));
    }
    if (ready.logOps.length === 0) return;
    const log = this.log;
    let dirty = false;
    for (const op of ready.logOps) {
      switch (op.type) {
        case 'append': {
          const records = encodeEntries(op.entries, this.o.clock.now());
          log.appendAsFollower(records);
          this.bytesSinceSnapshot += records.length;
          dirty = true;
          break;
        }
        case 'truncate':
          if (log.truncateTo(op.offset)) dirty = true;
          break;
        case 'snapshot':
          this.fs.writeFileAtomic(this.path(snapshotFileName(op.snapshot.id)), this.o.codec.encode(op.snapshot));
          this.bytesSinceSnapshot = 0;
          break;
        case 'deleteBefore':
          log.highWatermark = Math.max(log.highWatermark, Math.min(op.offset, log.logEndOffset));
          log.deleteRecordsBefore(Math.min(op.offset, log.logEndOffset));
          this.deleteSnapshotsBefore(op.offset);
          break;
        case 'reset':
          log.truncateFullyAndStartAt(op.offset);
          this.deleteSnapshotsBefore(op.offset);
          dirty = true;
          break;
      }
    }
    log.highWatermark = Math.min(ready.highWatermark, log.logEndOffset);
    if (dirty && opts.flush !== false) log.flush();
  }

  /** fsyncs what `persist` wrote without flushing. */
  flush(): void {
    this.log.flush();
  }

  /** The same off the event loop (the log's files are fsynced in the thread pool). */
  flushAsync(): Promise<void> {
    return this.log.flushAsync();
  }

  /** Snapshots older than the newest one at or below `offset` are not needed any more. */
  private deleteSnapshotsBefore(offset: number): void {
    for (const id of this.snapshotIds()) {
      if (id.endOffset < offset) this.fs.unlink(this.path(snapshotFileName(id)));
    }
  }
}
