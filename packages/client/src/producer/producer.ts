/**
 * The producer: records are appended to per-partition batches
 * (`batch.size`, `linger.ms`), batches are drained per leader into Produce
 * requests (one batch per partition per request, up to `max.request.size`,
 * at most `max.in.flight.requests.per.connection` requests per broker), and
 * failed batches are retried with backoff until `delivery.timeout.ms`.
 *
 * Idempotence (on by default, as in the Java client since 3.0): the producer
 * gets a producer id and epoch with InitProducerId, stamps each batch with a
 * per-partition sequence number when it is first sent, and keeps the
 * sequence across retries, so the broker drops duplicates
 * (DUPLICATE_SEQUENCE_NUMBER counts as success) and rejects gaps. Up to 5
 * batches per partition are in flight; a batch put back for a retry is sent
 * again only when nothing else of its partition is in flight, so the order
 * holds. OUT_OF_ORDER_SEQUENCE_NUMBER for the batch that follows the last
 * acknowledged one, and UNKNOWN_PRODUCER_ID, mean the broker's state and
 * ours diverged: the producer stops sending, waits for what is in flight,
 * bumps the epoch with InitProducerId (v3+ passes the current id and epoch,
 * KIP-360; older brokers get a fresh producer id), restarts every
 * partition's sequence at 0, re-stamps the unacknowledged batches and
 * retries them.
 *
 * With a `transactionalId` the producer is transactional (the Java client's
 * API): initTransactions(), beginTransaction(), send()s,
 * sendOffsetsToTransaction(), commitTransaction() / abortTransaction();
 * see transaction-manager.ts. Its batches are transactional, a partition's
 * first batch waits until the partition is in the transaction, and a batch
 * that fails makes the transaction abortable.
 */
import { NagareError, ScheduledTask, systemScheduler } from '@nagare/common';
import { ApiKey, ErrorCode, KafkaProtocolError, ProduceRequest, ProduceResponse, isRetriable } from '@nagare/protocol';
import { Compression, RecordBatchBuilder, RecordHeaderInput, RecordInput } from '@nagare/records';
import { Cluster, TopicInfo, isMetadataError } from '../cluster';
import { CommonClientOptions, ResolvedCommonOptions, checkPositive, resolveCommon } from '../config';
import { PartitionState, ProducerBatch, RecordMetadata, SendCall, SendCallback, failCall, runCallback } from './batch';
import { PartitionerFunction, PartitionerOption, STICKY, resolvePartitioner } from './partitioner';
import { TransactionManager, type ConsumerGroupMetadata, type TransactionOffset } from './transaction-manager';

export type { ConsumerGroupMetadata, TransactionOffset, TransactionState } from './transaction-manager';

export type { RecordMetadata } from './batch';

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerOptions extends CommonClientOptions {
  /** `acks`: 'all' (= -1, the default), 1 or 0. */
  acks?: 'all' | -1 | 0 | 1;
  /** `linger.ms` (5, Kafka 4.0's default). */
  lingerMs?: number;
  /** `batch.size` (16384). */
  batchSize?: number;
  /** `compression.type` ('none'). */
  compressionType?: CompressionType;
  /** `compression.gzip.level` / `compression.zstd.level`. */
  compressionLevel?: number;
  /** `retries` (2147483647). */
  retries?: number;
  /** `delivery.timeout.ms` (120000). */
  deliveryTimeoutMs?: number;
  /** `enable.idempotence` (true; needs acks=all and at most 5 in flight). */
  enableIdempotence?: boolean;
  /** `max.request.size` (1048576). */
  maxRequestSize?: number;
  /** `buffer.memory` (33554432): sends wait when this many bytes are queued. */
  bufferMemory?: number;
  /** `max.block.ms` (60000): how long a send may wait for metadata or buffer space. */
  maxBlockMs?: number;
  /** `partitioner`: 'default' (Java's), 'murmur2_random', 'consistent_random', 'murmur2', 'consistent', 'random' or a function. */
  partitioner?: PartitionerOption;
  /** `partitioner.ignore.keys` (false): use the sticky partition for keyed records too. */
  partitionerIgnoreKeys?: boolean;
  /** `transactional.id`: makes the producer transactional (needs idempotence). */
  transactionalId?: string;
  /** `transaction.timeout.ms` (60000): the coordinator aborts a transaction open longer than this. */
  transactionTimeoutMs?: number;
}

export type Bytes = Buffer | Uint8Array | string;

export interface ProducerRecord {
  topic: string;
  partition?: number;
  key?: Bytes | null;
  value: Bytes | null;
  headers?: readonly RecordHeaderInput[] | Readonly<Record<string, Bytes | null>>;
  /** Milliseconds since the epoch (default: now). */
  timestamp?: number;
}

const COMPRESSION: Record<CompressionType, Compression> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

interface ResolvedProducerOptions {
  acks: number;
  lingerMs: number;
  batchSize: number;
  compression: Compression;
  compressionLevel: number | undefined;
  retries: number;
  deliveryTimeoutMs: number;
  idempotent: boolean;
  maxRequestSize: number;
  bufferMemory: number;
  maxBlockMs: number;
  maxInFlight: number;
  partitioner: PartitionerFunction;
  ignoreKeys: boolean;
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

function resolveProducer(o: ProducerOptions, common: ResolvedCommonOptions): ResolvedProducerOptions {
  const acksRaw = o.acks ?? 'all';
  const acks = acksRaw === 'all' ? -1 : acksRaw;
  if (acks !== -1 && acks !== 0 && acks !== 1) throw new NagareError('INVALID_CONFIG', `acks must be all, -1, 0 or 1, got ${String(acksRaw)}`);
  const maxInFlight = common.maxInFlightRequestsPerConnection;
  let idempotent = o.enableIdempotence ?? true;
  const transactionalId = o.transactionalId ?? null;
  if (transactionalId !== null && o.enableIdempotence === false) throw new NagareError('INVALID_CONFIG', 'Cannot set a transactional.id without also enabling idempotence.');
  if (transactionalId === '') throw new NagareError('INVALID_CONFIG', 'transactionalId must not be empty');
  if (transactionalId !== null && o.enableIdempotence === undefined) {
    if (acks !== -1) throw new NagareError('INVALID_CONFIG', 'a transactional producer needs acks=all');
    if (maxInFlight > 5) throw new NagareError('INVALID_CONFIG', 'a transactional producer needs maxInFlightRequestsPerConnection <= 5');
    if (o.retries === 0) throw new NagareError('INVALID_CONFIG', 'a transactional producer needs retries > 0');
  } else if (o.enableIdempotence === undefined) {
    // As the Java client: idempotence is on unless a conflicting setting asks otherwise.
    if (acks !== -1 || maxInFlight > 5 || o.retries === 0) idempotent = false;
  } else if (o.enableIdempotence) {
    if (acks !== -1) throw new NagareError('INVALID_CONFIG', 'enableIdempotence requires acks=all');
    if (maxInFlight > 5) throw new NagareError('INVALID_CONFIG', 'enableIdempotence requires maxInFlightRequestsPerConnection <= 5');
    if (o.retries === 0) throw new NagareError('INVALID_CONFIG', 'enableIdempotence requires retries > 0');
  }
  const lingerMs = checkPositive('lingerMs', o.lingerMs ?? 5);
  const compressionName = o.compressionType ?? 'none';
  const compression = COMPRESSION[compressionName];
  if (compression === undefined) throw new NagareError('INVALID_CONFIG', `unknown compressionType ${compressionName}`);
  let deliveryTimeoutMs = checkPositive('deliveryTimeoutMs', o.deliveryTimeoutMs ?? 120000);
  const floor = lingerMs + common.requestTimeoutMs;
  if (deliveryTimeoutMs < floor) {
    if (o.deliveryTimeoutMs !== undefined) throw new NagareError('INVALID_CONFIG', `deliveryTimeoutMs must be at least lingerMs + requestTimeoutMs (${floor})`);
    deliveryTimeoutMs = floor;
  }
  return {
    acks,
    lingerMs,
    batchSize: Math.max(1, checkPositive('batchSize', o.batchSize ?? 16384)),
    compression,
    compressionLevel: o.compressionLevel,
    retries: checkPositive('retries', o.retries ?? 2147483647),
    deliveryTimeoutMs,
    idempotent,
    maxRequestSize: checkPositive('maxRequestSize', o.maxRequestSize ?? 1048576, false),
    bufferMemory: checkPositive('bufferMemory', o.bufferMemory ?? 33554432, false),
    maxBlockMs: checkPositive('maxBlockMs', o.maxBlockMs ?? 60000),
    maxInFlight,
    partitioner: resolvePartitioner(o.partitioner ?? 'default'),
    ignoreKeys: o.partitionerIgnoreKeys ?? false,
    transactionalId,
    transactionTimeoutMs: checkPositive('transactionTimeoutMs', o.transactionTimeoutMs ?? 60000, false),
  };
}

interface Pending {
  call: SendCall;
  records: readonly ProducerRecord[];
  next: number;
  now: number;
  deadline: number;
}

interface StickyState {
  partition: number;
  batch: ProducerBatch | null;
}

function toBuffer(b: Bytes | null | undefined): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function toHeaders(h: ProducerRecord['headers']): readonly RecordHeaderInput[] | undefined {
  if (h === undefined) return undefined;
  if (Array.isArray(h)) return h as readonly RecordHeaderInput[];
  return Object.entries(h).map(([key, value]) => ({ key, value: value as RecordHeaderInput['value'] }));
}

export class Producer {
  readonly cluster: Cluster;
  private readonly common: ResolvedCommonOptions;
  private readonly o: ResolvedProducerOptions;
  private readonly partitions = new Map<string, PartitionState[]>();
  /** Partitions with queued or in-flight batches. */
  private readonly active = new Set<PartitionState>();
  private readonly sticky = new Map<string, StickyState>();
  private readonly pending: Pending[] = [];
  private readonly builderPool: RecordBatchBuilder[] = [];
  private readonly drainStart = new Map<number, number>();
  private bufferedBytes = 0;
  private inFlightRequests = 0;
  private readonly inFlightPerNode = new Map<number, number>();
  private producerId = -1;
  private producerEpoch = -1;
  private initializing: Promise<void> | null = null;
  private bumpRequested = false;
  private fatalError: Error | null = null;
  private flushing = 0;
  private closing = false;
  private closed = false;
  private wakeScheduled = false;
  private timer: ScheduledTask | null = null;
  private timerAt = Infinity;
  private waitingForTopics = new Set<string>();
  private readonly immediate: boolean;
  /** The transactional side (null for non-transactional producers). */
  private readonly txn: TransactionManager | null;

  constructor(options: ProducerOptions) {
    this.common = resolveCommon(options, 'producer');
    this.o = resolveProducer(options, this.common);
    this.cluster = new Cluster(this.common, true);
    this.immediate = this.common.scheduler === systemScheduler;
    this.txn =
      this.o.transactionalId === null
        ? null
        : new TransactionManager(
            this.o.transactionalId,
            this.o.transactionTimeoutMs,
            this.cluster,
            this.common,
            {
              producerIdAndEpoch: () => ({ producerId: this.producerId, producerEpoch: this.producerEpoch }),
              setProducerIdAndEpoch: (id, epoch) => {
                this.producerId = id;
                this.producerEpoch = epoch;
                this.resequenceAll();
              },
              flushAll: () => this.flush(),
              abortUndrainedBatches: (err) => this.abortUndrainedBatches(err),
              wakeup: () => this.wakeup(),
            },
            this.o.maxBlockMs,
          );
  }

  // ---- transactions (the Java client's API) -------------------------------

  /** The transactional id, or null. */
  get transactionalId(): string | null {
    return this.o.transactionalId;
  }

  /** Where the transaction stands (transactional producers). */
  get transactionState(): string | null {
    return this.txn?.state ?? null;
  }

  /** Whether transactions run with transaction.version 2 (KIP-890 part 2). */
  get transactionV2(): boolean {
    return this.txn?.v2 ?? false;
  }

  private requireTxn(what: string): TransactionManager {
    if (!this.txn) throw new NagareError('INVALID_CONFIG', `Cannot use transactional methods without enabling transactions by setting the transactionalId (${what})`);
    if (this.closed || this.closing) throw new NagareError('CLIENT_CLOSED', 'the producer is closed');
    return this.txn;
  }

  /**
   * Registers the transactional id with its coordinator: gets the producer
   * id and a new epoch, fencing earlier producers with the same id and
   * completing (aborting) any transaction they left open.
   */
  async initTransactions(): Promise<void> {
    const txn = this.requireTxn('initTransactions');
    await this.cluster.refresh().catch(() => undefined);
    await txn.initTransactions();
  }

  /** Starts a transaction: records sent from now on belong to it. */
  beginTransaction(): void {
    this.requireTxn('beginTransaction').beginTransaction();
  }

  /**
   * Commits consumer offsets in the transaction: they become the group's
   * committed offsets only if the transaction commits. `offsets` are the
   * next offsets to consume.
   */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], groupMetadata: ConsumerGroupMetadata | string): Promise<void> {
    const group = typeof groupMetadata === 'string' ? { groupId: groupMetadata } : groupMetadata;
    return this.requireTxn('sendOffsetsToTransaction').sendOffsetsToTransaction(offsets, group);
  }

  /** Sends what is left of the transaction and commits it; throws (and the transaction must be aborted) if any of it failed. */
  commitTransaction(): Promise<void> {
    return this.requireTxn('commitTransaction').commitTransaction();
  }

  /** Aborts the transaction: unsent records fail, nothing of it becomes visible to read_committed consumers. */
  abortTransaction(): Promise<void> {
    return this.requireTxn('abortTransaction').abortTransaction();
  }

  /** Fails every batch not sent yet (and sends still waiting for metadata), then waits for those in flight. */
  private async abortUndrainedBatches(err: Error): Promise<void> {
    for (const ps of [...this.active]) for (const b of [...ps.queue]) if (!ps.inFlight.includes(b)) this.failBatch(b, err);
    for (const p of this.pending.splice(0)) failCall(p.call, err);
    const waits: Promise<void>[] = [];
    for (const ps of this.active) for (const b of ps.inFlight) waits.push(b.whenDone());
    await Promise.all(waits);
  }

  /** Whether this producer is idempotent (after resolving defaults). */
  get idempotent(): boolean {
    return this.o.idempotent;
  }

  /** The producer id and epoch (idempotent producers, once initialized). */
  get producerIdAndEpoch(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /** Connects and loads cluster metadata (optional: send() does it on demand). */
  async connect(): Promise<void> {
    await this.cluster.refresh();
    if (this.o.idempotent && !this.txn) await this.ensureProducerId();
  }

  /** Sends one record; resolves with its partition, offset and timestamp once acknowledged. */
  send(record: ProducerRecord): Promise<RecordMetadata>;
  /** Sends records in order; resolves with each record's metadata once all are acknowledged. */
  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]>;
  /**
   * Sends one record and calls `callback` once it is acknowledged or has failed,
   * as the Java client's `send(record, callback)`: no promise is made, which is
   * what a loop sending millions of single records wants. What the callback
   * throws is reported as a process warning; it does not affect the producer.
   */
  send(record: ProducerRecord, callback: SendCallback): void;
  send(records: ProducerRecord | readonly ProducerRecord[], callback?: SendCallback): Promise<RecordMetadata | RecordMetadata[]> | void {
    if (callback !== undefined) return this.sendWithCallback(records as ProducerRecord, callback);
    if (Array.isArray(records)) return this.sendMany(records as readonly ProducerRecord[]);
    return this.sendMany([records as ProducerRecord]).then((r) => r[0]);
  }

  private sendWithCallback(record: ProducerRecord, callback: SendCallback): void {
    if (this.closing || this.closed || this.fatalError) {
      const err = this.fatalError ?? new NagareError('CLIENT_CLOSED', 'the producer is closed');
      queueMicrotask(() => runCallback(callback, err, null));
      return;
    }
    if (this.txn) {
      try {
        this.txn.failIfNotReadyForSend();
      } catch (e) {
        queueMicrotask(() => runCallback(callback, e as Error, null));
        return;
      }
    }
    const now = this.common.clock.now();
    if (this.pending.length === 0 && this.bufferedBytes < this.o.bufferMemory) {
      const topic = this.cluster.topic(record.topic);
      if (topic !== undefined) {
        // Appended now: the batch keeps the callback itself (no call object per record).
        try {
          this.append(record, topic, callback, 0, now);
        } catch (e) {
          runCallback(callback, e as Error, null);
        }
        return;
      }
    }
    const call: SendCall = { results: null, remaining: 1, resolve: null, reject: null, callback, settled: false };
    this.pending.push({ call, records: [record], next: 0, now, deadline: this.common.clock.monotonicMs() + this.o.maxBlockMs });
    this.processPending();
  }

  private sendMany(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closing || this.closed) return Promise.reject(new NagareError('CLIENT_CLOSED', 'the producer is closed'));
    if (this.fatalError) return Promise.reject(this.fatalError);
    if (this.txn) {
      try {
        this.txn.failIfNotReadyForSend();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (records.length === 0) return Promise.resolve([]);
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const call: SendCall = { results: new Array(records.length), remaining: records.length, resolve, reject, callback: null, settled: false };
      const now = this.common.clock.now();
      const p: Pending = { call, records, next: 0, now, deadline: this.common.clock.monotonicMs() + this.o.maxBlockMs };
      if (this.pending.length === 0) {
        this.appendFrom(p);
        if (p.next < records.length) this.pending.push(p);
      } else {
        this.pending.push(p);
      }
      if (this.pending.length > 0) this.processPending();
    });
  }

  /** Appends records of `p` until done or blocked (missing metadata, full buffer). */
  private appendFrom(p: Pending): void {
    const records = p.records;
    while (p.next < records.length) {
      if (p.call.settled) {
        p.next = records.length;
        return;
      }
      if (this.bufferedBytes >= this.o.bufferMemory) return;
      const rec = records[p.next];
      const topic = this.cluster.topic(rec.topic);
      if (topic === undefined) {
        this.awaitTopic(rec.topic, p);
        return;
      }
      try {
        this.append(rec, topic, p.call, p.next, p.now);
      } catch (e) {
        failCall(p.call, e as Error);
        p.next = records.length;
        return;
      }
      p.next++;
    }
  }

  private processPending(): void {
    while (this.pending.length > 0) {
      const p = this.pending[0];
      this.appendFrom(p);
      if (p.next < p.records.length) break;
      this.pending.shift();
    }
    if (this.pending.length > 0) this.scheduleAt(this.pending[0].deadline);
  }

  private expirePending(now: number): void {
    while (this.pending.length > 0 && this.pending[0].deadline <= now) {
      const p = this.pending.shift()!;
      const topicMissing = p.next < p.records.length && this.cluster.topic(p.records[p.next].topic) === undefined;
      const what = topicMissing ? `topic ${p.records[p.next].topic} not present in metadata` : 'buffer memory full';
      failCall(p.call, new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, `${what} after max.block.ms (${this.o.maxBlockMs} ms)`));
    }
    if (this.pending.length > 0) this.processPending();
  }

  private awaitTopic(topic: string, p: Pending): void {
    if (this.waitingForTopics.has(topic)) return;
    this.waitingForTopics.add(topic);
    const left = Math.max(0, p.deadline - this.common.clock.monotonicMs());
    this.cluster.waitForTopics([topic], left, false).then(
      () => {
        this.waitingForTopics.delete(topic);
        this.processPending();
      },
      (e: Error) => {
        this.waitingForTopics.delete(topic);
        // As the Java client: running out of max.block.ms is a timeout.
        const timedOut = e instanceof KafkaProtocolError && (e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || e.code === ErrorCode.LEADER_NOT_AVAILABLE);
        const err = timedOut ? new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, `topic ${topic} not present in metadata after max.block.ms (${this.o.maxBlockMs} ms)`) : e;
        // Fail the sends that wait for this topic; later ones go on.
        while (this.pending.length > 0) {
          const head = this.pending[0];
          if (head.next < head.records.length && head.records[head.next].topic === topic) {
            failCall(head.call, err);
            this.pending.shift();
          } else break;
        }
        this.processPending();
      },
    );
  }

  private partitionState(topic: string, partition: number): PartitionState {
    let arr = this.partitions.get(topic);
    if (!arr) {
      arr = [];
      this.partitions.set(topic, arr);
    }
    return (arr[partition] ??= new PartitionState(topic, partition));
  }

  private stickyPartition(topic: TopicInfo, avoid = -1): number {
    let s = this.sticky.get(topic.name);
    if (s && s.partition !== avoid && s.partition < topic.partitions.length) {
      const ps = this.partitionState(topic.name, s.partition);
      // Stay while the batch we started there is still being filled.
      if (s.batch === null || ps.open === s.batch) return s.partition;
    }
    const avail = topic.availablePartitions.length > 0 ? topic.availablePartitions : topic.partitions.map((p) => p.partition);
    let next = avail[Math.floor(Math.random() * avail.length)];
    if (avail.length > 1 && next === (s?.partition ?? -1)) next = avail[(avail.indexOf(next) + 1) % avail.length];
    if (!s) {
      s = { partition: next, batch: null };
      this.sticky.set(topic.name, s);
    }
    s.partition = next;
    s.batch = null;
    return next;
  }

  private append(rec: ProducerRecord, topic: TopicInfo, call: SendCall | SendCallback, index: number, now: number): void {
    const n = topic.partitions.length;
    let partition = rec.partition;
    let stickyChoice = false;
    const key = rec.key ?? null;
    if (partition === undefined || partition === null) {
      if (this.o.ignoreKeys) partition = STICKY;
      else partition = this.o.partitioner({ topic: topic.name, key: key === null ? null : toBuffer(key), numPartitions: n, availablePartitions: topic.availablePartitions });
      if (partition === STICKY) {
        partition = this.stickyPartition(topic);
        stickyChoice = true;
      }
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
      throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `invalid partition ${partition} for topic ${topic.name} with ${n} partitions`);
    }
    const input: RecordInput = {
      timestamp: rec.timestamp ?? now,
      key,
      value: rec.value,
      headers: toHeaders(rec.headers),
    };
    let ps = this.partitionState(topic.name, partition);
    let batch = ps.open;
    if (batch !== null && !batch.builder!.append(input)) {
      this.closeBatch(ps);
      batch = null;
      if (stickyChoice) {
        // The sticky partition's batch is full: move on to another partition.
        partition = this.stickyPartition(topic, partition);
        ps = this.partitionState(topic.name, partition);
        batch = ps.open;
        if (batch !== null && !batch.builder!.append(input)) {
          this.closeBatch(ps);
          batch = null;
        }
      }
    }
    if (batch === null) {
      batch = this.newBatch(ps);
      batch.builder!.append(input);
      const size = batch.builder!.estimatedSizeInBytes;
      if (size > this.o.maxRequestSize) {
        this.closeBatch(ps);
        ps.queue.pop();
        this.releaseBuilder(batch.builder!);
        batch.builder = null;
        if (ps.isEmpty) this.active.delete(ps);
        throw new KafkaProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `record of ${size} bytes is larger than max.request.size (${this.o.maxRequestSize})`);
      }
    }
    if (stickyChoice) {
      const s = this.sticky.get(topic.name);
      if (s && s.partition === partition && s.batch === null) s.batch = batch;
    }
    batch.owners.push(call);
    batch.indexes.push(index);
    batch.timestamps.push(input.timestamp!);
    const size = batch.builder!.estimatedSizeInBytes;
    this.bufferedBytes += size - batch.accountedBytes;
    batch.accountedBytes = size;
    if (size >= this.o.batchSize) {
      this.closeBatch(ps);
    }
  }

  private newBatch(ps: PartitionState): ProducerBatch {
    const builder =
      this.builderPool.pop()?.reset() ??
      new RecordBatchBuilder({
        compression: this.o.compression,
        compressionLevel: this.o.compressionLevel,
        maxBytes: this.o.batchSize,
        isTransactional: this.txn !== null,
      });
    const batch = new ProducerBatch(ps, builder, this.common.clock.monotonicMs());
    ps.queue.push(batch);
    ps.open = batch;
    this.active.add(ps);
    if (this.o.lingerMs > 0) this.scheduleAt(batch.createdAt + this.o.lingerMs);
    else this.wakeup();
    return batch;
  }

  private closeBatch(ps: PartitionState): void {
    if (ps.open !== null) {
      ps.open = null;
      this.wakeup();
    }
  }

  private releaseBuilder(b: RecordBatchBuilder): void {
    if (this.builderPool.length < 64) this.builderPool.push(b);
  }

  // ---- sender ------------------------------------------------------------

  private wakeup(): void {
    if (this.wakeScheduled || this.closed) return;
    this.wakeScheduled = true;
    const run = () => {
      this.wakeScheduled = false;
      this.drain();
    };
    if (this.immediate) setImmediate(run);
    else this.common.scheduler.schedule(0, run);
  }

  private scheduleAt(at: number): void {
    if (this.closed || at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    const delay = Math.max(0, at - this.common.clock.monotonicMs());
    this.timer = this.common.scheduler.schedule(delay, () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.drain();
    });
  }

  private ensureProducerId(): Promise<void> {
    if (this.producerId >= 0 && !this.bumpRequested) return Promise.resolve();
    if (this.initializing) return this.initializing;
    const p = this.initProducerId().finally(() => {
      this.initializing = null;
      this.wakeup();
    });
    this.initializing = p;
    return p;
  }

  /** InitProducerId: a new id, or (epoch bump, v3+) the same id with the next epoch. */
  private async initProducerId(): Promise<void> {
    const bump = this.bumpRequested && this.producerId >= 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.cluster.sendAny(ApiKey.InitProducerId, (v) => ({
          transactionalId: null,
          transactionTimeoutMs: 2147483647,
          producerId: bump && v >= 3 ? BigInt(this.producerId) : -1n,
          producerEpoch: bump && v >= 3 ? this.producerEpoch : -1,
        }));
        if (res.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(res.errorCode, 'InitProducerId');
        const oldId = this.producerId;
        this.producerId = Number(res.producerId);
        this.producerEpoch = res.producerEpoch;
        this.common.logger.debug({ producerId: this.producerId, epoch: this.producerEpoch, previous: oldId }, 'producer id initialized');
        if (this.bumpRequested) {
          this.bumpRequested = false;
          this.resequenceAll();
        }
        return;
      } catch (e) {
        const retriable = e instanceof NagareError ? e.retriable : e instanceof KafkaProtocolError ? e.retriable : false;
        if (!retriable || this.closed) {
          this.fatalError = e as Error;
          this.failAll(e as Error);
          throw e;
        }
        await new Promise<void>((r) => this.common.scheduler.schedule(this.common.retryBackoff.backoff(attempt), r));
      }
    }
  }

  /**
   * After an epoch bump, per partition (Kafka's TransactionManager does the same): sequences restart
   * at 0 under the new epoch, and batches already sent once are re-stamped only when their last
   * answer proved they were not written. A batch whose attempt may have been written (a lost answer)
   * keeps its old epoch and sequence, so that the broker can recognise it as a duplicate; the
   * partition's new batches wait until it is resolved.
   */
  private resequenceAll(): void {
    for (const arr of this.partitions.values()) {
      for (const ps of arr) {
        if (!ps) continue;
        const head = ps.queue[0];
        if (head !== undefined && head.buffer !== null && !head.rejected) {
          ps.staleEpoch = true;
          continue;
        }
        this.restamp(ps);
      }
    }
  }

  /** A refused old-epoch batch (requeued for a retry) was not written: its partition moves to the new epoch. */
  private restampIfStale(b: ProducerBatch): void {
    const ps = b.partition;
    if (!ps.staleEpoch || b.done || ps.inFlight.length > 0 || ps.queue[0] !== b) return;
    if (b.producerEpoch === this.producerEpoch && b.producerId === this.producerId) return;
    this.restamp(ps);
  }

  /** Re-stamps a partition's sent-but-unanswered batches under the current epoch, from sequence 0. */
  private restamp(ps: PartitionState): void {
    let seq = 0;
    for (const b of ps.queue) {
      if (b.buffer === null) break;
      b.stamp(this.producerId, this.producerEpoch, seq);
      seq += b.recordCount;
    }
    ps.nextSequence = seq;
    ps.lastAckedSequence = -1;
    ps.staleEpoch = false;
  }

  private requestEpochBump(reason: string): void {
    if (this.txn) {
      // In a transaction the sequences are repaired by aborting it and bumping the epoch then.
      this.txn.abortable(new NagareError('CLIENT_CLOSED', `the transaction cannot complete: ${reason}`), true);
      return;
    }
    if (!this.o.idempotent || this.bumpRequested) return;
    this.common.logger.info({ reason, producerId: this.producerId, epoch: this.producerEpoch }, 'bumping the producer epoch');
    this.bumpRequested = true;
  }

  private drain(): void {
    if (this.closed) return;
    const now = this.common.clock.monotonicMs();
    this.expirePending(now);
    this.expireBatches(now);
    const txn = this.txn;
    if (txn) {
      if (this.producerId < 0) return;
      if (txn.state === 'ABORTABLE_ERROR' || txn.state === 'FATAL_ERROR') {
        // As the Java client's sender: what was not sent fails with the transaction's error.
        const err = txn.lastError ?? new NagareError('CLIENT_CLOSED', 'the transaction failed');
        for (const ps of [...this.active]) for (const b of [...ps.queue]) if (!ps.inFlight.includes(b)) this.failBatch(b, err);
      }
    } else if (this.o.idempotent && (this.producerId < 0 || this.bumpRequested)) {
      if (this.bumpRequested && this.inFlightRequests > 0) return; // resumes when the last response is in
      if (this.active.size > 0) this.ensureProducerId().catch(() => undefined);
      return;
    }
    let nextWake = Infinity;
    let needMetadata = false;
    // Several rounds, so that up to max.in.flight requests per broker (and
    // batches per partition) go out at once.
    for (let round = 0; round < this.o.maxInFlight; round++) {
      nextWake = Infinity;
      const byNode = new Map<number, PartitionState[]>();
      for (const ps of this.active) {
        const head = ps.queue[0];
        if (head === undefined) continue;
        const ready = ps.open !== head || ps.queue.length > 1 || this.flushing > 0 || this.closing || now - head.createdAt >= this.o.lingerMs;
        if (!ready) {
          nextWake = Math.min(nextWake, head.createdAt + this.o.lingerMs);
          continue;
        }
        if (head.retryAt > now) {
          nextWake = Math.min(nextWake, head.retryAt);
          continue;
        }
        if (head.attempts > 0 && ps.inFlight.length > 0) continue;
        if (ps.staleEpoch && head.buffer === null) {
          // New batches follow the old-epoch ones once those are answered.
          if (ps.inFlight.length > 0) continue;
          this.restamp(ps);
        }
        if (txn && !txn.canSend(ps.topic, ps.partition)) continue;
        if (ps.inFlight.length > 0 && (this.o.idempotent ? ps.inFlight.length >= Math.min(5, this.o.maxInFlight) : this.o.maxInFlight === 1)) continue;
        const leader = this.cluster.leaderOf(ps.topic, ps.partition);
        if (leader < 0) {
          needMetadata = true;
          continue;
        }
        let list = byNode.get(leader);
        if (!list) byNode.set(leader, (list = []));
        list.push(ps);
      }
      let sent = false;
      for (const [node, list] of byNode) {
        if ((this.inFlightPerNode.get(node) ?? 0) >= this.o.maxInFlight) continue;
        if (this.sendTo(node, list, now)) sent = true;
      }
      if (!sent) break;
    }
    if (needMetadata) this.cluster.requestUpdate();
    if (nextWake < Infinity) this.scheduleAt(nextWake);
  }

  private sendTo(node: number, list: PartitionState[], now: number): boolean {
    const start = (this.drainStart.get(node) ?? 0) % list.length;
    this.drainStart.set(node, start + 1);
    const batches: ProducerBatch[] = [];
    let size = 0;
    for (let k = 0; k < list.length; k++) {
      const ps = list[(start + k) % list.length];
      const batch = ps.queue[0];
      if (batch.buffer === null) {
        const b = batch.builder!;
        const est = b.estimatedSizeInBytes;
        if (batches.length > 0 && size + est > this.o.maxRequestSize) continue;
        if (ps.open === batch) ps.open = null;
        if (this.o.idempotent) {
          // Built with its producer id, epoch and sequence: one CRC pass.
          batch.buffer = b.build({ producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence: ps.nextSequence });
          batch.stamped(this.producerId, this.producerEpoch, ps.nextSequence);
        } else {
          batch.buffer = b.build();
        }
        batch.builder = null;
        this.releaseBuilder(b);
        if (this.o.idempotent) {
          ps.nextSequence = (ps.nextSequence + batch.recordCount) | 0;
          if (ps.nextSequence < 0) ps.nextSequence = ps.nextSequence & 0x7fffffff;
        }
      } else if (batches.length > 0 && size + batch.buffer.length > this.o.maxRequestSize) {
        continue;
      }
      size += batch.buffer.length;
      ps.queue.shift();
      batch.rejected = false;
      ps.inFlight.push(batch);
      batches.push(batch);
    }
    if (batches.length === 0) return false;
    const byTopic = new Map<string, ProduceRequest.PartitionProduceData[]>();
    for (const b of batches) {
      let parts = byTopic.get(b.partition.topic);
      if (!parts) byTopic.set(b.partition.topic, (parts = []));
      parts.push({ index: b.partition.partition, records: b.buffer });
    }
    const request: ProduceRequest = {
      transactionalId: this.o.transactionalId,
      acks: this.o.acks,
      timeoutMs: this.common.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    this.inFlightRequests++;
    this.inFlightPerNode.set(node, (this.inFlightPerNode.get(node) ?? 0) + 1);
    let conn;
    try {
      conn = this.cluster.connection(node);
    } catch (e) {
      this.onRequestDone(node);
      this.handleRequestFailure(batches, e as Error, now);
      return true;
    }
    const expectResponse = this.o.acks !== 0;
    conn
      .request(ApiKey.Produce, () => request, this.produceVersions(expectResponse))
      .then(
        (res) => {
          this.onRequestDone(node);
          if (!expectResponse) {
            for (const b of batches) this.completeBatch(b, -1, -1);
          } else {
            this.handleResponse(batches, res as ProduceResponse);
          }
        },
        (err: Error) => {
          this.onRequestDone(node);
          this.handleRequestFailure(batches, err, this.common.clock.monotonicMs());
        },
      )
      .finally(() => this.wakeup());
    return true;
  }

  /** Produce v12 carries KIP-890 part 2 transactions; transactions of earlier versions must stay at v11 or below. */
  private produceVersions(expectResponse: boolean): { minVersion: number; maxVersion?: number; expectResponse: boolean } {
    if (!this.txn) return { minVersion: 3, expectResponse };
    return this.txn.v2 ? { minVersion: 12, expectResponse } : { minVersion: 3, maxVersion: 11, expectResponse };
  }

  private onRequestDone(node: number): void {
    this.inFlightRequests--;
    this.inFlightPerNode.set(node, (this.inFlightPerNode.get(node) ?? 1) - 1);
  }

  private handleResponse(batches: ProducerBatch[], res: ProduceResponse): void {
    const byKey = new Map<string, ProduceResponse.PartitionProduceResponse>();
    for (const t of res.responses) for (const p of t.partitionResponses) byKey.set(`${t.name}\u0000${p.index}`, p);
    const now = this.common.clock.monotonicMs();
    for (const b of batches) {
      const r = byKey.get(`${b.partition.topic}\u0000${b.partition.partition}`);
      if (!r) {
        this.retryOrFail(b, new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, 'partition missing from the Produce response'), now);
        continue;
      }
      const code = r.errorCode;
      if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.completeBatch(b, Number(r.baseOffset), Number(r.logAppendTimeMs));
        continue;
      }
      const err = new KafkaProtocolError(code, r.errorMessage ?? `${b.partition.topic}-${b.partition.partition}`);
      if (isMetadataError(code)) this.cluster.requestUpdate();
      if (this.txn) {
        if (code === ErrorCode.PRODUCER_FENCED || code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
          // Fenced by a newer producer with the same transactional id (or not allowed at all): fatal.
          this.txn.fatal(err);
          this.failBatch(b, err);
          continue;
        }
        if (code === ErrorCode.TRANSACTION_ABORTABLE || code === ErrorCode.INVALID_TXN_STATE) {
          this.txn.abortable(err);
          this.failBatch(b, err);
          continue;
        }
      }
      if (this.o.idempotent && code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
        // Not the next expected batch: an earlier one failed and is being retried; else a real gap.
        const ps = b.partition;
        b.rejected = true;
        if (b.producerEpoch === this.producerEpoch && b.baseSequence === ((ps.lastAckedSequence + 1) & 0x7fffffff)) this.requestEpochBump('OUT_OF_ORDER_SEQUENCE_NUMBER');
        this.retryOrFail(b, err, now, true);
        this.restampIfStale(b);
        continue;
      }
      if (this.o.idempotent && code === ErrorCode.UNKNOWN_PRODUCER_ID) {
        b.rejected = true;
        if (b.producerEpoch === this.producerEpoch && b.producerId === this.producerId) this.requestEpochBump('UNKNOWN_PRODUCER_ID');
        this.retryOrFail(b, err, now, true);
        this.restampIfStale(b);
        continue;
      }
      if (this.o.idempotent && !this.txn && code === ErrorCode.INVALID_PRODUCER_EPOCH && b.partition.staleEpoch) {
        // An old-epoch batch the partition no longer accepts: not written, so it may take the new epoch.
        b.rejected = true;
        this.retryOrFail(b, err, now, true);
        this.restampIfStale(b);
        continue;
      }
      this.retryOrFail(b, err, now);
    }
  }

  private handleRequestFailure(batches: ProducerBatch[], err: Error, now: number): void {
    this.cluster.requestUpdate();
    for (const b of batches) this.retryOrFail(b, err, now, (err as NagareError).retriable ?? false);
  }

  private retryOrFail(b: ProducerBatch, err: Error, now: number, forceRetriable = false): void {
    const ps = b.partition;
    const retriable = forceRetriable || (err instanceof KafkaProtocolError ? isRetriable(err.code) : err instanceof NagareError && err.retriable);
    const expired = now - b.createdAt >= this.o.deliveryTimeoutMs;
    if (retriable && !expired && b.attempts < this.o.retries && !this.closed && !this.fatalError) {
      this.common.logger.debug({ topic: ps.topic, partition: ps.partition, attempt: b.attempts + 1, err: err.message }, 'retrying a batch');
      b.attempts++;
      b.retryAt = now + this.common.retryBackoff.backoff(b.attempts - 1);
      ps.requeue(b);
      return;
    }
    ps.removeInFlight(b);
    const finalErr =
      expired && retriable
        ? new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, `expiring ${b.recordCount} record(s) for ${ps.topic}-${ps.partition}: delivery.timeout.ms (${this.o.deliveryTimeoutMs}) elapsed; last error: ${err.message}`)
        : err;
    // A sequenced batch that is given up leaves a gap: later batches need a new epoch.
    if (this.o.idempotent && b.baseSequence >= 0) this.requestEpochBump(`failed batch: ${err.message}`);
    else if (this.txn) this.txn.abortable(finalErr);
    this.failBatch(b, finalErr);
  }

  private completeBatch(b: ProducerBatch, baseOffset: number, logAppendTime: number): void {
    const ps = b.partition;
    ps.removeInFlight(b);
    if (b.baseSequence >= 0) ps.lastAckedSequence = (b.baseSequence + b.recordCount - 1) & 0x7fffffff;
    this.bufferedBytes -= b.accountedBytes;
    b.accountedBytes = 0;
    b.complete(baseOffset, logAppendTime);
    if (ps.isEmpty) this.active.delete(ps);
    if (this.pending.length > 0) this.processPending();
  }

  private failBatch(b: ProducerBatch, err: Error): void {
    const ps = b.partition;
    const qi = ps.queue.indexOf(b);
    if (qi >= 0) ps.queue.splice(qi, 1);
    if (ps.open === b) ps.open = null;
    ps.removeInFlight(b);
    this.bufferedBytes -= b.accountedBytes;
    b.accountedBytes = 0;
    if (b.builder) {
      this.releaseBuilder(b.builder);
      b.builder = null;
    }
    b.fail(err);
    if (ps.isEmpty) this.active.delete(ps);
    if (this.pending.length > 0) this.processPending();
  }

  /** Fails queued batches older than delivery.timeout.ms (in-flight ones wait for their response). */
  private expireBatches(now: number): void {
    let next = Infinity;
    for (const ps of [...this.active]) {
      for (const b of [...ps.queue]) {
        const at = b.createdAt + this.o.deliveryTimeoutMs;
        if (at <= now) {
          if (this.o.idempotent && b.baseSequence >= 0) this.requestEpochBump('expired batch');
          this.failBatch(
            b,
            new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, `expiring ${b.recordCount} record(s) for ${ps.topic}-${ps.partition}: ${now - b.createdAt} ms has passed since batch creation`),
          );
        } else {
          next = Math.min(next, at);
          break;
        }
      }
    }
    if (next < Infinity) this.scheduleAt(next);
  }

  private failAll(err: Error): void {
    for (const ps of [...this.active]) for (const b of [...ps.queue, ...ps.inFlight]) this.failBatch(b, err);
    for (const p of this.pending.splice(0)) failCall(p.call, err);
  }

  /** Sends everything queued now (ignoring linger.ms) and waits until it is acknowledged or failed. */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    while (this.pending.length > 0) {
      // Sends still waiting for metadata or memory are part of what is flushed.
      const p = this.pending[this.pending.length - 1];
      await new Promise<void>((res) => {
        const check = () => (p.next >= p.records.length || p.call.settled || !this.pending.includes(p) ? res() : this.common.scheduler.schedule(5, check));
        check();
      });
    }
    for (const ps of this.active) for (const b of [...ps.queue, ...ps.inFlight]) waits.push(b.whenDone());
    if (waits.length === 0) return;
    this.flushing++;
    this.wakeup();
    try {
      await Promise.all(waits);
    } finally {
      this.flushing--;
    }
  }

  /** Flushes (up to `timeoutMs`), then closes connections; what is still pending fails with CLIENT_CLOSED. */
  async close(timeoutMs = Infinity): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const flushed = this.flush();
    if (timeoutMs === Infinity) await flushed.catch(() => undefined);
    else {
      let t: ScheduledTask | null = null;
      await Promise.race([flushed.catch(() => undefined), new Promise<void>((r) => (t = this.common.scheduler.schedule(timeoutMs, r)))]);
      (t as ScheduledTask | null)?.cancel();
    }
    this.closed = true;
    this.timer?.cancel();
    this.failAll(new NagareError('CLIENT_CLOSED', 'the producer was closed before the record was acknowledged'));
    this.cluster.close();
  }

  /** Partitions of a topic (loads metadata if needed). */
  async partitionsFor(topic: string): Promise<TopicInfo> {
    const [t] = await this.cluster.waitForTopics([topic], this.o.maxBlockMs, false);
    return t;
  }
}
