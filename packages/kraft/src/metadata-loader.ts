/**
 * The metadata image of a node, built only by replaying the committed metadata log (Kafka's
 * MetadataLoader): a RaftListener that replays snapshots and committed batches into a MetadataDelta
 * and, once per round of the replica's loop, publishes the new image with what changed to its
 * publishers (the broker's replica manager, DescribeCluster, ...). It also takes snapshots of the
 * image (Kafka's SnapshotGenerator) after `metadata.log.max.record.bytes.between.snapshots` bytes or
 * `metadata.log.max.snapshot.interval.ms`.
 */
import type { Clock, Logger } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import { EMPTY_IMAGE, MetadataDelta, decodeMetadataBatch, decodeMetadataRecord, encodeMetadataRecord, imageRecords, type MetadataImage, type MetadataRecord } from '@nagare/metadata';
import { RecordBatchBuilder, iterateBatches } from '@nagare/records';
import type { LeaderAndEpoch } from '@nagare/raft';
import type { CommittedBatch, LoadedSnapshot, RaftListener } from './raft-client';

export interface MetadataPublisher {
  /** A new image; `delta.changes()` says what changed since the previous one. */
  onMetadataUpdate(delta: MetadataDelta, image: MetadataImage): void;
}

export interface SnapshotPolicy {
  /** metadata.log.max.record.bytes.between.snapshots (20 MiB). */
  readonly maxBytesBetweenSnapshots: number;
  /** metadata.log.max.snapshot.interval.ms (1 hour); 0 disables the time trigger. */
  readonly maxIntervalMs: number;
}

/** What the loader needs of the replica to take snapshots. */
export interface SnapshotTarget {
  readonly bytesSinceSnapshot: number;
  readonly logStartOffset: number;
  createSnapshot(endOffset: number, data: Buffer): unknown;
}

/** The image's records as record batches (a snapshot's state machine part). */
export function imageToBatches(image: MetadataImage, timestamp: number, epoch: number): Buffer {
  const batches: Buffer[] = [];
  let b = new RecordBatchBuilder({ partitionLeaderEpoch: epoch, now: () => timestamp });
  for (const r of imageRecords(image)) {
    const value = encodeMetadataRecord(r);
    if (!b.append({ timestamp, key: null, value })) {
      batches.push(b.build());
      b = new RecordBatchBuilder({ partitionLeaderEpoch: epoch, now: () => timestamp });
      b.append({ timestamp, key: null, value });
    }
  }
  if (!b.isEmpty) batches.push(b.build());
  return batches.length === 1 ? batches[0] : Buffer.concat(batches);
}

export interface MetadataLoaderOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly snapshots?: { readonly policy: SnapshotPolicy; readonly target: SnapshotTarget };
}

export class MetadataLoader implements RaftListener {
  private current: MetadataImage = EMPTY_IMAGE;
  private pending: MetadataDelta | undefined;
  private readonly publishers = new Set<MetadataPublisher>();
  private readonly waiters: Array<{ offset: number; resolve: () => void }> = [];
  private readonly logger: Logger;
  private lastSnapshotAt: number;
  private leader: LeaderAndEpoch = { leaderId: -1, epoch: 0 };
  private readonly leaderListeners = new Set<(l: LeaderAndEpoch) => void>();

  constructor(private readonly o: MetadataLoaderOptions) {
    this.logger = o.logger ?? silentLogger;
    this.lastSnapshotAt = o.clock.monotonicMs();
  }

  image(): MetadataImage {
    return this.current;
  }

  /** The quorum's leader as this node last heard. */
  leaderAndEpoch(): LeaderAndEpoch {
    return this.leader;
  }

  subscribe(p: MetadataPublisher): () => void {
    this.publishers.add(p);
    return () => this.publishers.delete(p);
  }

  onLeaderChange(fn: (l: LeaderAndEpoch) => void): () => void {
    this.leaderListeners.add(fn);
    return () => this.leaderListeners.delete(fn);
  }

  /** Resolves once the published image includes `offset`. */
  waitFor(offset: number): Promise<void> {
    if (this.current.provenance.offset >= offset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  handleLoadSnapshot(s: LoadedSnapshot): void {
    const delta = MetadataDelta.forSnapshot(this.pending?.apply() ?? this.current);
    let offset = 0;
    for (const batch of iterateBatches(s.data, { verifyCrc: false })) {
      for (const r of batch.records({ verifyCrc: false })) {
        if (r.value === null || r.value.length === 0) continue;
        this.replay(delta, r.value, offset++, s.id.epoch);
      }
    }
    delta.advanceProvenance(s.id.endOffset - 1, s.id.epoch);
    this.pending = delta;
    this.logger.info({ snapshot: s.id }, 'loaded a metadata snapshot');
  }

  handleCommit(batch: CommittedBatch): void {
    const delta = (this.pending ??= new MetadataDelta(this.current));
    decodeMetadataBatch(batch.records).forEach((r, i) => this.replayRecord(delta, r, batch.baseOffset + i, batch.epoch));
    delta.advanceProvenance(batch.lastOffset, batch.epoch);
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.leader = leader;
    for (const fn of this.leaderListeners) fn(leader);
  }

  private replayRecord(delta: MetadataDelta, r: MetadataRecord | Error, offset: number, epoch: number): void {
    try {
      if (r instanceof Error) throw r;
      delta.replay(r, offset, epoch);
    } catch (e) {
      this.logger.error({ offset, err: (e as Error).message }, 'could not replay a metadata record');
    }
  }

  private replay(delta: MetadataDelta, value: Buffer, offset: number, epoch: number): void {
    try {
      delta.replay(decodeMetadataRecord(value), offset, epoch);
    } catch (e) {
      this.logger.error({ offset, err: (e as Error).message }, 'could not replay a metadata record');
    }
  }

  /** Publishes what the last round of the replica delivered (called at the end of each round). */
  handleRoundEnd(): void {
    const delta = this.pending;
    if (delta === undefined) return;
    this.pending = undefined;
    this.current = delta.apply();
    for (const p of this.publishers) {
      try {
        p.onMetadataUpdate(delta, this.current);
      } catch (e) {
        this.logger.error({ err: (e as Error).stack }, 'a metadata publisher failed');
      }
    }
    const at = this.current.provenance.offset;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].offset <= at) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
    this.maybeSnapshot();
  }

  private maybeSnapshot(): void {
    const s = this.o.snapshots;
    if (s === undefined) return;
    const end = this.current.provenance.offset + 1;
    if (end <= s.target.logStartOffset) return;
    const now = this.o.clock.monotonicMs();
    const bytes = s.target.bytesSinceSnapshot;
    const byBytes = bytes >= s.policy.maxBytesBetweenSnapshots;
    const byTime = s.policy.maxIntervalMs > 0 && bytes > 0 && now - this.lastSnapshotAt >= s.policy.maxIntervalMs;
    if (!byBytes && !byTime) return;
    this.lastSnapshotAt = now;
    const t0 = now;
    try {
      s.target.createSnapshot(end, imageToBatches(this.current, this.o.clock.now(), this.current.provenance.epoch));
      this.logger.info({ endOffset: end, reason: byBytes ? `${bytes} bytes since the last snapshot` : 'interval', ms: this.o.clock.monotonicMs() - t0 }, 'wrote a metadata snapshot');
    } catch (e) {
      this.logger.error({ endOffset: end, err: (e as Error).message }, 'could not write a metadata snapshot');
    }
  }
}
