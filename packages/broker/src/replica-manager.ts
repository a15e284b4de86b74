/**
 * The broker's partitions: which logs it hosts (from the metadata image),
 * appends as leader with Kafka's produce validation, reads for fetches within
 * the high watermark or last stable offset, and wakes fetches waiting for data.
 *
 * With a single node every partition's replica set is this broker and the ISR
 * is {leader}, so the high watermark moves to the log end as soon as an append
 * is done (and fsynced, when the flush policy asks for it).
 */
import type { Clock, Logger } from '@nagare/common';
import { NagareError, isNagareError } from '@nagare/common';
import { ConfigResolver, INTERNAL_TOPICS, MetadataImage, TopicImage, type MetadataChanges } from '@nagare/metadata';
import { ErrorCode } from '@nagare/protocol';
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
      if (!t || !t.partitions.has(p.partition)) {
        this.partitions.delete(k);
        try {
          this.logs.deleteLog(p.topic, p.partition);
        } catch (e) {
          this.logger.error({ topic: p.topic, partition: p.partition, err: (e as Error).message }, 'could not delete log');
        }
      }
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
        if (!this.partitions.delete(k)) continue;
        try {
          this.logs.deleteLog(t.name, p);
        } catch (e) {
          this.logger.error({ topic: t.name, partition: p, topicId: id, err: (e as Error).message }, 'could not delete log');
        }
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

  private applyTopic(image: MetadataImage, t: TopicImage, configChanged: boolean): void {
    let config: ReturnType<typeof logConfigFromProperties> | undefined;
    const logConfig = () => (config ??= this.topicLogConfig(image, t.name));
    for (const reg of t.partitions.values()) {
      if (!reg.replicas.includes(this.nodeId)) {
        // Reassigned away from this broker: stop hosting it (the log goes, as Kafka's StopReplica with delete).
        const gone = this.partitions.get(key(t.name, reg.partition));
        if (gone !== undefined) {
          this.partitions.delete(key(t.name, reg.partition));
          try {
            this.logs.deleteLog(t.name, reg.partition);
          } catch (e) {
            this.logger.error({ topic: t.name, partition: reg.partition, err: (e as Error).message }, 'could not delete log');
          }
        }
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
        hosted = { topic: t.name, topicId: t.id, partition: reg.partition, log, leaderEpoch: reg.leaderEpoch, isLeader: false, compression: null, compressionLevel: undefined };
        this.partitions.set(k, hosted);
      } else if (configChanged) {
        hosted.log.updateConfig(logConfig());
      }
      hosted.leaderEpoch = reg.leaderEpoch;
      hosted.isLeader = reg.leader === this.nodeId;
      const values = this.resolver.topicValues(image, t.name);
      hosted.compression = topicCompression(values['compression.type']);
      hosted.compressionLevel = compressionLevel(hosted.compression, values);
      if (hosted.isLeader) hosted.log.highWatermark = hosted.log.logEndOffset;
    }
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
    return entries.map((e) => this.appendToLeader(e, { allowInternal: opts.allowInternal, verificationGuard: opts.verificationGuards?.get(key(e.topic, e.partition)) }, now));
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
    opts: { allowInternal?: boolean; origin?: 'client' | 'coordinator'; verificationGuard?: VerificationGuard },
    now = this.clock.now(),
  ): PartitionAppendResult {
    const p = this.get(e.topic, e.partition);
    if (!p) return this.appendError(e, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (!p.isLeader) return this.appendError(e, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (INTERNAL_TOPICS.has(e.topic) && !opts.allowInternal) {
      return this.appendError(e, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${e.topic}`);
    }
    if (e.records === null || e.records.length === 0) return this.appendError(e, ErrorCode.INVALID_RECORD, 'Produce request carries no record batches');
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
        p.log.highWatermark = p.log.logEndOffset;
        for (const l of this.listeners) l(e.topic, e.partition);
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

  /** Reads for a consumer fetch: up to the high watermark (or last stable offset for read_committed). */
  read(req: ReadRequest, maxBytes: number, opts: { readCommitted: boolean; minOneMessage: boolean }): PartitionReadResult {
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
    if (!p.isLeader) return empty(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (req.currentLeaderEpoch >= 0) {
      if (req.currentLeaderEpoch > p.leaderEpoch) return empty(ErrorCode.UNKNOWN_LEADER_EPOCH, p.log);
      if (req.currentLeaderEpoch < p.leaderEpoch) return empty(ErrorCode.FENCED_LEADER_EPOCH, p.log);
    }
    const log = p.log;
    const offset = Number(req.fetchOffset);
    if (offset < log.logStartOffset || offset > log.logEndOffset) return empty(ErrorCode.OFFSET_OUT_OF_RANGE, log);
    const upper = opts.readCommitted ? log.lastStableOffset : log.highWatermark;
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
