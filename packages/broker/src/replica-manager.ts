/**
 * The broker's partitions: which logs it hosts (from the metadata image),
 * appends as leader with Kafka's produce validation, reads for fetches within
 * the high watermark or last stable offset, and wakes fetches waiting for data.
 *
 * Each hosted partition has a PartitionState (leader epoch, ISR, followers'
 * fetch states) driven by metadata deltas, as Kafka's ReplicaManager.applyDelta:
 * a leader computes the high watermark from its followers' fetches (Kafka's
 * maybeIncrementLeaderHW), expands and shrinks the ISR through AlterPartition
 * (KIP-497), and refuses acks=all appends below min.insync.replicas; a follower
 * hands the partition to the replica fetchers. With a single node the ISR is
 * {leader} and the high watermark moves to the log end with every append.
 */
import type { Clock, Logger } from '@nagare/common';
import { NagareError, isNagareError } from '@nagare/common';
import { ConfigResolver, INTERNAL_TOPICS, MetadataImage, TopicImage, type MetadataChanges, type PartitionRegistration } from '@nagare/metadata';
import { ErrorCode, type AlterPartitionRequest, type AlterPartitionResponse } from '@nagare/protocol';
import { LEADER_RECOVERY_RECOVERED, LEADER_RECOVERY_RECOVERING, PartitionState, type PendingIsrChange } from './partition';
import { BatchView, Compression, RecordBatchBuilder, iterateBatches } from '@nagare/records';
import { LogManager, PartitionLog, VerificationGuard, logConfigFromProperties } from '@nagare/storage';

export interface HostedPartition {
  topic: string;
  topicId: string;
  partition: number;
  log: PartitionLog;
  leaderEpoch: number;
  isLeader: boolean;
  /** The topic's compression.type as a codec, or null for `producer` (keep what the producer sent). */
  compression: Compression | null;
  compressionLevel: number | undefined;
  /** The topic's min.insync.replicas. */
  minInsyncReplicas: number;
  /** Leader epoch, ISR and (as leader) the followers' fetch states. */
  state: PartitionState;
}

/** What the replica manager needs beyond its logs once partitions replicate between brokers. */
export interface ReplicationHooks {
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** Sends AlterPartition to the active controller. */
  alterPartition(req: AlterPartitionRequest): Promise<AlterPartitionResponse>;
  /** This broker's epoch (KIP-903 / AlterPartition). */
  brokerEpoch(): bigint;
  /** The latest metadata image (which brokers may join an ISR). */
  image(): MetadataImage;
  /** The partition is now followed from `leaderId` (-1: not followed any more). */
  onFollowerChange(p: HostedPartition, leaderId: number): void;
}

/** Who is fetching, for Fetch requests from followers (replica id >= 0). */
export interface ReplicaFetchContext {
  replicaId: number;
  replicaEpoch: bigint;
  lastFetchedEpoch: number;
}

export interface AppendEntry {
  topic: string;
  partition: number;
  records: Buffer | null;
}

export interface PartitionAppendResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: Array<{ batchIndex: number; batchIndexErrorMessage: string | null }>;
  /** The offset after the records appended (-1 when nothing was): acks=all waits for the high watermark to reach it. */
  nextOffset?: number;
}

export interface ReadRequest {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
}

export interface PartitionReadResult {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  /** Never null: Kafka sends empty records for partitions with an error. */
  records: Buffer;
  /** A list (maybe empty) for read_committed reads without error, null otherwise, as Kafka's FetchDataInfo. */
  abortedTransactions: Array<{ producerId: bigint; firstOffset: bigint }> | null;
  /** Bytes of records returned. */
  bytes: number;
  /** For a follower whose log diverged from the leader's (KIP-320/KIP-595): the epoch and end offset to truncate to. */
  divergingEpoch?: { epoch: number; endOffset: bigint };
}

type AppendListener = (topic: string, partition: number) => void;

const CODECS: Record<string, Compression> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

/** A topic's compression.type as a codec; null for `producer`. */
export function topicCompression(value: string | undefined): Compression | null {
  if (value === undefined || value === 'producer') return null;
  return CODECS[value] ?? null;
}

function compressionLevel(c: Compression | null, values: Record<string, string>): number | undefined {
  const key = c === Compression.Gzip ? 'compression.gzip.level' : c === Compression.Zstd ? 'compression.zstd.level' : undefined;
  if (!key || values[key] === undefined) return undefined;
  const n = Number(values[key]);
  return c === Compression.Gzip && n === -1 ? undefined : n;
}

/** Re-encodes a batch with another codec, keeping its producer fields, timestamps and headers. */
function recompress(batch: BatchView, target: Compression, level: number | undefined): Buffer {
  const h = batch.header;
  const b = new RecordBatchBuilder({
    compression: target,
    compressionLevel: level,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    isTransactional: h.isTransactional,
    timestampType: h.timestampType,
    maxBytes: 0x7fffffff,
  });
  for (const r of batch.records({ verifyCrc: false })) b.append({ timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
  return b.build();
}

/** The records of a fetch partition that carries none (errors included). */
export const EMPTY_RECORDS: Buffer = Buffer.alloc(0);

export function partitionKeyOf(topic: string, partition: number): string {
  return key(topic, partition);
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, HostedPartition>();
  private readonly listeners = new Set<AppendListener>();

  constructor(
    private readonly logs: LogManager,
    private readonly nodeId: number,
    private readonly resolver: ConfigResolver,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(topic: string, partition: number): HostedPartition | undefined {
    return this.partitions.get(key(topic, partition));
  }

  all(): HostedPartition[] {
    return [...this.partitions.values()];
  }

  private topicLogConfig(image: MetadataImage, topic: string) {
    return logConfigFromProperties(this.resolver.topicValues(image, topic));
  }

  /**
   * Brings local logs in line with a new metadata image: creates logs for new
   * partitions this node replicates, deletes those of removed topics, applies
   * changed topic configs and leader epochs.
   */
  applyImage(image: MetadataImage, previous: MetadataImage): void {
    for (const [k, p] of this.partitions) {
      const t = image.topicsById.get(p.topicId);
      if (!t || !t.partitions.has(p.partition)) this.stopReplica(k, p);
    }
    for (const t of image.topicsByName.values()) {
      const prevTopic = previous.topicsById.get(t.id);
      const configChanged = prevTopic === undefined || image.configs.get(`2:${t.name}`) !== previous.configs.get(`2:${t.name}`) || image.configs !== previous.configs;
      this.applyTopic(image, t, configChanged);
    }
  }

  /**
   * Applies what a metadata delta changed (Kafka's ReplicaManager.applyDelta): logs of deleted topics
   * go, partitions created or changed (replicas, leader, epochs) are brought in line, and topics
   * whose configs changed get their new log config. Nothing else is rescanned.
   */
  applyDelta(changes: MetadataChanges, image: MetadataImage): void {
    for (const [id, t] of changes.deletedTopics) {
      for (const p of t.partitions.keys()) {
        const k = key(t.name, p);
        const hosted = this.partitions.get(k);
        if (hosted !== undefined && hosted.topicId === id) this.stopReplica(k, hosted);
      }
    }
    const touched = new Set<string>(changes.changedPartitions.keys());
    for (const k of changes.changedConfigs) {
      if (!k.startsWith('2:')) {
        // A broker-level config change may change every topic's effective config.
        for (const t of image.topicsById.keys()) touched.add(t);
        continue;
      }
      const t = image.topicsByName.get(k.slice(2));
      if (t !== undefined) touched.add(t.id);
    }
    for (const id of touched) {
      const t = image.topicsById.get(id);
      if (t !== undefined) this.applyTopic(image, t, true);
    }
  }

  /** Stops hosting a partition (deleted, or moved away): its fetcher stops, waiters wake, the log goes. */
  private stopReplica(k: string, p: HostedPartition): void {
    this.partitions.delete(k);
    p.state.reset();
    p.isLeader = false;
    this.replication?.onFollowerChange(p, -1);
    this.notify(p);
    try {
      this.logs.deleteLog(p.topic, p.partition);
    } catch (e) {
      this.logger.error({ topic: p.topic, partition: p.partition, err: (e as Error).message }, 'could not delete log');
    }
  }

  private applyTopic(image: MetadataImage, t: TopicImage, configChanged: boolean): void {
    let config: ReturnType<typeof logConfigFromProperties> | undefined;
    const logConfig = () => (config ??= this.topicLogConfig(image, t.name));
    for (const reg of t.partitions.values()) {
      if (!reg.replicas.includes(this.nodeId)) {
        // Reassigned away from this broker: stop hosting it (the log goes, as Kafka's StopReplica with delete).
        const gone = this.partitions.get(key(t.name, reg.partition));
        if (gone !== undefined) this.stopReplica(key(t.name, reg.partition), gone);
        continue;
      }
      const k = key(t.name, reg.partition);
      let hosted = this.partitions.get(k);
      if (!hosted) {
        const log = this.logs.getOrCreateLog(t.name, reg.partition, logConfig(), t.id);
        // A log the LogManager loaded from disk at start-up was opened with the
        // broker defaults (topic configs live in the metadata log): give it its
        // topic's config, or overrides such as segment.bytes, max.message.bytes,
        // retention.ms or cleanup.policy would be ignored after every restart.
        log.updateConfig(logConfig());
        log.transactionVerificationEnabled = this.verificationEnabled;
        hosted = {
          topic: t.name,
          topicId: t.id,
          partition: reg.partition,
          log,
          leaderEpoch: -1,
          isLeader: false,
          compression: null,
          compressionLevel: undefined,
          minInsyncReplicas: 1,
          state: new PartitionState(this.nodeId),
        };
        this.partitions.set(k, hosted);
      } else if (configChanged) {
        hosted.log.updateConfig(logConfig());
      }
      const values = this.resolver.topicValues(image, t.name);
      hosted.compression = topicCompression(values['compression.type']);
      hosted.compressionLevel = compressionLevel(hosted.compression, values);
      hosted.minInsyncReplicas = Number(values['min.insync.replicas'] ?? 1) || 1;
      this.applyRegistration(hosted, reg);
    }
  }

  /**
   * Becomes leader or follower, or follows an ISR change (Kafka's makeLeader / makeFollower): a new
   * leader epoch starts at the log end in the leader epoch cache; a follower goes to the fetchers.
   */
  private applyRegistration(hosted: HostedPartition, reg: PartitionRegistration): void {
    const log = hosted.log;
    const change = hosted.state.apply(reg, log.logEndOffset, this.clock.now());
    hosted.leaderEpoch = hosted.state.leaderEpoch;
    hosted.isLeader = hosted.state.isLeader;
    if (change === 'none') return;
    if (change === 'leader') {
      log.leaderEpochCache.assign(hosted.leaderEpoch, log.logEndOffset);
      this.replication?.onFollowerChange(hosted, -1);
      this.logger.info({ topic: hosted.topic, partition: hosted.partition, leaderEpoch: hosted.leaderEpoch, isr: reg.isr, logEndOffset: log.logEndOffset }, 'became leader');
      if (hosted.state.leaderRecoveryState === LEADER_RECOVERY_RECOVERING) this.sendIsrChange(hosted, 'shrink', [this.nodeId], LEADER_RECOVERY_RECOVERED);
    } else if (change === 'follower') {
      this.replication?.onFollowerChange(hosted, reg.leader);
      this.logger.info({ topic: hosted.topic, partition: hosted.partition, leader: reg.leader, leaderEpoch: hosted.leaderEpoch }, 'became follower');
    }
    if (hosted.isLeader) this.maybeIncrementLeaderHW(hosted);
    // Waiters (acks=all produces, fetches) re-check: leadership or the ISR changed.
    this.notify(hosted);
  }

  private notify(p: HostedPartition): void {
    for (const l of this.listeners) l(p.topic, p.partition);
  }

  // ------------------------------------------------------------- replication

  private replication: ReplicationHooks | null = null;

  /** Turns on replication between brokers (without it every ISR is this broker alone). */
  configureReplication(hooks: ReplicationHooks): void {
    this.replication = hooks;
  }

  private lagMaxMs(): number {
    return this.replication?.replicaLagTimeMaxMs ?? 30000;
  }

  /** Whether a broker may be in an ISR: registered, unfenced, not shutting down (KIP-841). */
  private isrEligible = (brokerId: number): boolean => {
    const b = this.replication?.image().brokers.get(brokerId);
    return b !== undefined && !b.fenced && !b.inControlledShutdown;
  };

  /**
   * Moves the leader's high watermark to the smallest log end offset of the (maximal) ISR (Kafka's
   * maybeIncrementLeaderHW); wakes waiters when it moved. Returns whether it moved.
   */
  maybeIncrementLeaderHW(p: HostedPartition, now = this.clock.now()): boolean {
    const log = p.log;
    const before = log.highWatermark;
    const hw = p.state.highWatermarkCandidate(log.logEndOffset, before, now, this.lagMaxMs(), this.isrEligible);
    if (hw <= before) return false;
    log.highWatermark = hw;
    return log.highWatermark > before;
  }

  /** Shrinks the ISR of every partition led here whose followers lagged past replica.lag.time.max.ms. */
  maybeShrinkIsr(now = this.clock.now()): void {
    for (const p of this.partitions.values()) {
      if (!p.isLeader) continue;
      const isr = p.state.shrinkCandidate(p.log.logEndOffset, now, this.lagMaxMs());
      if (isr === null) continue;
      this.logger.info({ topic: p.topic, partition: p.partition, isr: p.state.isr, newIsr: isr, leo: p.log.logEndOffset, hw: p.log.highWatermark }, 'shrinking ISR');
      this.sendIsrChange(p, 'shrink', isr);
    }
  }

  private maybeExpandIsr(p: HostedPartition, followerId: number): void {
    const isr = p.state.expansionCandidate(followerId, p.log.highWatermark, this.isrEligible);
    if (isr === null) return;
    this.logger.info({ topic: p.topic, partition: p.partition, isr: p.state.isr, newIsr: isr }, 'expanding ISR');
    this.sendIsrChange(p, 'expand', isr);
  }

  /** AlterPartition for one partition (KIP-497, v3 with broker epochs of KIP-903). */
  private sendIsrChange(p: HostedPartition, kind: 'expand' | 'shrink', isr: readonly number[], leaderRecoveryState?: number): void {
    const r = this.replication;
    if (r === null) return;
    const state = p.state;
    const change: PendingIsrChange = state.startIsrChange(kind, isr, leaderRecoveryState);
    const epochOf = (id: number): bigint => (id === this.nodeId ? r.brokerEpoch() : (state.remotes.get(id)?.brokerEpoch ?? -1n));
    const req: AlterPartitionRequest = {
      brokerId: this.nodeId,
      brokerEpoch: r.brokerEpoch(),
      topics: [
        {
          topicName: p.topic,
          topicId: p.topicId,
          partitions: [
            {
              partitionIndex: p.partition,
              leaderEpoch: state.leaderEpoch,
              newIsr: [...isr],
              newIsrWithEpochs: isr.map((id) => ({ brokerId: id, brokerEpoch: epochOf(id) })),
              leaderRecoveryState: change.leaderRecoveryState,
              partitionEpoch: state.partitionEpoch,
            },
          ],
        },
      ],
    };
    r.alterPartition(req).then(
      (res) => {
        const pr = res.topics[0]?.partitions[0];
        const errorCode = res.errorCode !== 0 ? res.errorCode : (pr?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
        const adopted = state.completeIsrChange(change, {
          errorCode,
          leaderEpoch: pr?.leaderEpoch ?? -1,
          partitionEpoch: pr?.partitionEpoch ?? -1,
          isr: pr?.isr ?? [],
          leaderRecoveryState: pr?.leaderRecoveryState ?? LEADER_RECOVERY_RECOVERED,
        });
        if (errorCode !== 0) this.logger.warn({ topic: p.topic, partition: p.partition, errorCode, newIsr: isr }, 'AlterPartition failed');
        if (adopted && this.partitions.get(key(p.topic, p.partition)) === p) {
          this.maybeIncrementLeaderHW(p);
          this.notify(p);
        }
      },
      (e) => {
        if (state.pending === change) state.pending = null;
        this.logger.warn({ topic: p.topic, partition: p.partition, err: (e as Error).message }, 'AlterPartition failed');
      },
    );
  }

  /** The error for a request that names `currentLeaderEpoch` (-1: none) against this partition's epoch. */
  private static epochError(p: HostedPartition, currentLeaderEpoch: number): number {
    if (currentLeaderEpoch < 0) return ErrorCode.NONE;
    if (currentLeaderEpoch > p.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    if (currentLeaderEpoch < p.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /**
   * For acks=all: whether the records before `nextOffset`, appended while this broker led
   * (`leadership`: PartitionState.leadership then), are committed (Kafka's checkEnoughReplicasReachOffset). Null while they are not; otherwise the error code
   * (NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR fell below min.insync.replicas meanwhile).
   */
  checkEnoughReplicasReachOffset(topic: string, partition: number, nextOffset: number, leadership: number): number | null {
    const p = this.get(topic, partition);
    // Leadership lost (even if regained since: the records may have been truncated meanwhile). A new
    // epoch with this broker still leading (the controller bumps it on some ISR changes) keeps the log.
    if (p === undefined || !p.isLeader || p.state.leadership !== leadership) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (p.log.highWatermark < nextOffset) return null;
    return p.minInsyncReplicas <= p.state.maximalIsr.length ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
  }

  /**
   * Appends records fetched from the leader, as bytes with the leader's offsets and epochs, and
   * takes the leader's high watermark (a follower's, capped at its own log end).
   */
  appendAsFollower(p: HostedPartition, records: Buffer, leaderHighWatermark: number, leaderLogStartOffset = -1): void {
    const log = p.log;
    if (records.length > 0) log.appendAsFollower(records);
    if (leaderHighWatermark >= 0) {
      const hw = Math.min(leaderHighWatermark, log.logEndOffset);
      if (hw > log.highWatermark) log.highWatermark = hw;
    }
    // The leader's log start moved (DeleteRecords, retention): so does this replica's, within its
    // high watermark (Kafka's maybeIncrementLogStartOffset with LeaderOffsetIncremented).
    if (leaderLogStartOffset > log.logStartOffset && leaderLogStartOffset <= log.highWatermark) {
      try {
        log.deleteRecordsBefore(leaderLogStartOffset);
      } catch (e) {
        this.logger.warn({ topic: p.topic, partition: p.partition, leaderLogStartOffset, err: (e as Error).message }, 'could not follow the leader\'s log start offset');
      }
    }
    this.notify(p);
  }

  // ------------------------------------------------------------------ append

  private appendError(e: AppendEntry, errorCode: number, errorMessage: string | null = null, logStartOffset = -1n): PartitionAppendResult {
    return { topic: e.topic, partition: e.partition, errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset, recordErrors: [] };
  }

  /**
   * Appends each entry to its partition as leader. Failures are per partition
   * (error codes), never exceptions.
   */
  async append(entries: AppendEntry[], opts: { acks: number; allowInternal?: boolean; verificationGuards?: Map<string, VerificationGuard> }): Promise<PartitionAppendResult[]> {
    const now = this.clock.now();
    return entries.map((e) =>
      this.appendToLeader(e, { allowInternal: opts.allowInternal, requiredAcks: opts.acks, verificationGuard: opts.verificationGuards?.get(key(e.topic, e.partition)) }, now),
    );
  }

  /** transaction.partition.verification.enable (KIP-890 part 1), applied to every log hosted here. */
  private verificationEnabled = true;

  setTransactionVerification(enabled: boolean): void {
    this.verificationEnabled = enabled;
    for (const p of this.partitions.values()) p.log.transactionVerificationEnabled = enabled;
  }

  get transactionVerificationEnabled(): boolean {
    return this.verificationEnabled;
  }

  /**
   * Appends one entry as leader, synchronously: when this returns the
   * records have their offsets (the coordinator runtime relies on it). The
   * log fsyncs inside the append when its flush policy (flush.messages /
   * flush.ms) says so, so a result here is as durable as the topic's
   * configuration asks.
   */
  appendToLeader(
    e: AppendEntry,
    opts: { allowInternal?: boolean; origin?: 'client' | 'coordinator'; verificationGuard?: VerificationGuard; requiredAcks?: number },
    now = this.clock.now(),
  ): PartitionAppendResult {
    const p = this.get(e.topic, e.partition);
    if (!p) return this.appendError(e, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (!p.isLeader) return this.appendError(e, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (INTERNAL_TOPICS.has(e.topic) && !opts.allowInternal) {
      return this.appendError(e, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${e.topic}`);
    }
    if (e.records === null || e.records.length === 0) return this.appendError(e, ErrorCode.INVALID_RECORD, 'Produce request carries no record batches');
    if (opts.requiredAcks === -1 && p.state.isr.length < p.minInsyncReplicas) {
      // Kafka's appendRecordsToLeader: acks=all is refused before the append when the ISR is too small.
      return this.appendError(
        e,
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `The size of the current ISR [${p.state.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${p.minInsyncReplicas} for partition ${e.topic}-${e.partition}`,
      );
    }
    const prepared = this.prepare(p, e.records);
    try {
      const r = p.log.appendAsLeader(prepared.records, { leaderEpoch: p.leaderEpoch, now, origin: opts.origin, verificationGuard: opts.verificationGuard });
      if (r.errorCode !== 0) {
        return {
          ...this.appendError(e, r.errorCode, r.errorMessage ?? null, BigInt(p.log.logStartOffset)),
          recordErrors: (r.recordErrors ?? []).map((x) => ({ batchIndex: x.batchIndex, batchIndexErrorMessage: x.message })),
        };
      }
      if (!r.duplicate) {
        this.maybeIncrementLeaderHW(p, now);
        this.notify(p);
      }
      return {
        topic: e.topic,
        partition: e.partition,
        errorCode: 0,
        errorMessage: null,
        baseOffset: BigInt(r.baseOffset),
        logAppendTimeMs: BigInt(r.logAppendTime),
        logStartOffset: BigInt(r.logStartOffset),
        recordErrors: [],
        nextOffset: r.lastOffset + 1,
      };
    } catch (err) {
      return this.storageFailure(e, err);
    }
  }

  private storageFailure(e: { topic: string; partition: number }, err: unknown): PartitionAppendResult {
    const code = isNagareError(err) && err.kafkaErrorCode !== undefined ? err.kafkaErrorCode : ErrorCode.KAFKA_STORAGE_ERROR;
    this.logger.error({ topic: e.topic, partition: e.partition, err: (err as Error).message }, 'append failed');
    return this.appendError(e as AppendEntry, code, (err as Error).message);
  }

  /**
   * What the broker does on top of the log's own validation (which checks
   * CRCs, sizes, producer sequences and, as Kafka's LogValidator, the keys of
   * compacted topics and the timestamps of records, with per-record errors):
   * recompression when the topic's compression.type names a codec other than
   * the producer's. Batches stay bytes unless they must be recompressed.
   */
  private prepare(p: HostedPartition, records: Buffer): { records: Buffer } {
    if (p.compression === null) return { records };
    try {
      // The log verifies CRCs before it writes; no need to do it twice.
      for (const batch of iterateBatches(records, { verifyCrc: false })) {
        const h = batch.header;
        if (!h.isControl && h.compression !== p.compression) return { records: this.recompressAll(records, p) };
      }
      return { records };
    } catch {
      // Structural problems are the log's to report (CORRUPT_MESSAGE and friends).
      return { records };
    }
  }

  private recompressAll(records: Buffer, p: HostedPartition): Buffer {
    const out: Buffer[] = [];
    for (const batch of iterateBatches(records, { verifyCrc: false })) {
      const h = batch.header;
      out.push(!h.isControl && h.compression !== p.compression ? recompress(batch, p.compression!, p.compressionLevel) : batch.bytes);
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  // -------------------------------------------------------------------- read

  /**
   * Reads for a fetch: a consumer's up to the high watermark (or last stable offset for
   * read_committed); a follower's (`opts.replica`) up to the log end, after the divergence check of
   * KIP-320 (its last fetched epoch must end at or after its fetch offset here), updating its fetch
   * state, the ISR and the high watermark.
   */
  read(req: ReadRequest, maxBytes: number, opts: { readCommitted: boolean; minOneMessage: boolean; replica?: ReplicaFetchContext }): PartitionReadResult {
    const p = this.get(req.topic, req.partition);
    const empty = (errorCode: number, log?: PartitionLog): PartitionReadResult => ({
      errorCode,
      highWatermark: log ? BigInt(log.highWatermark) : -1n,
      lastStableOffset: log ? BigInt(log.lastStableOffset) : -1n,
      logStartOffset: log ? BigInt(log.logStartOffset) : -1n,
      records: EMPTY_RECORDS,
      abortedTransactions: opts.readCommitted && errorCode === ErrorCode.NONE ? [] : null,
      bytes: 0,
    });
    if (!p) return empty(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const epochError = ReplicaManager.epochError(p, req.currentLeaderEpoch);
    // As Kafka: a fetch naming an epoch is checked against it first, one without needs the leader.
    if (epochError !== ErrorCode.NONE) return empty(epochError, p.log);
    if (!p.isLeader) return empty(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const log = p.log;
    const offset = Number(req.fetchOffset);
    const replica = opts.replica;
    if (replica !== undefined) {
      if (!p.state.replicas.includes(replica.replicaId) || replica.replicaId === this.nodeId) return empty(ErrorCode.NOT_LEADER_OR_FOLLOWER, log);
      if (replica.lastFetchedEpoch >= 0) {
        const end = log.endOffsetForLeaderEpoch(replica.lastFetchedEpoch);
        if (end.leaderEpoch >= 0 && end.endOffset >= 0 && (end.leaderEpoch < replica.lastFetchedEpoch || end.endOffset < offset)) {
          return { ...empty(ErrorCode.NONE, log), divergingEpoch: { epoch: end.leaderEpoch, endOffset: BigInt(end.endOffset) } };
        }
      }
      if (offset < log.logStartOffset || offset > log.logEndOffset) return empty(ErrorCode.OFFSET_OUT_OF_RANGE, log);
      const now = this.clock.now();
      p.state.updateFollowerFetchState(replica.replicaId, offset, log.logEndOffset, now, replica.replicaEpoch);
      this.maybeExpandIsr(p, replica.replicaId);
      if (this.maybeIncrementLeaderHW(p, now)) this.notify(p);
    } else if (offset < log.logStartOffset || offset > log.logEndOffset) {
      return empty(ErrorCode.OFFSET_OUT_OF_RANGE, log);
    }
    const upper = replica !== undefined ? log.logEndOffset : opts.readCommitted ? log.lastStableOffset : log.highWatermark;
    const base = empty(ErrorCode.NONE, log);
    if (offset >= upper || maxBytes <= 0) return base;
    try {
      const r = log.read(offset, Math.min(maxBytes, req.maxBytes), { maxOffset: upper, minOneMessage: opts.minOneMessage });
      const aborted = opts.readCommitted ? log.abortedTransactions(offset, r.nextOffset).map((a) => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset) })) : null;
      return { ...base, records: r.records, abortedTransactions: aborted, bytes: r.records.length };
    } catch (e) {
      if (isNagareError(e, 'OFFSET_OUT_OF_RANGE')) return empty(ErrorCode.OFFSET_OUT_OF_RANGE, log);
      this.logger.error({ topic: req.topic, partition: req.partition, err: (e as Error).message }, 'read failed');
      return empty(ErrorCode.KAFKA_STORAGE_ERROR, log);
    }
  }

  /** For tests and tools: fail loudly when a partition is not hosted. */
  require(topic: string, partition: number): HostedPartition {
    const p = this.get(topic, partition);
    if (!p) throw new NagareError('UNKNOWN_TOPIC', `partition ${topic}-${partition} is not hosted here`);
    return p;
  }
}
