/**
 * A coordinator's topic as its store (`__consumer_offsets` for the group
 * coordinator, `__transaction_state` for the transaction coordinator):
 * created on first use (compacted, with the coordinator's own settings, as
 * Kafka does on the first FindCoordinator), written as leader through the
 * replica manager (one batch per coordinator operation, synchronously, so
 * offsets come back at once), committed when the partition's high
 * watermark passes the records, and read back chunk by chunk when a shard
 * loads, with producer ids and transaction markers.
 */
import { ErrorCode } from '@nagare/protocol';
import { ControlRecordType, RecordBatchBuilder, buildControlBatch, iterateBatches, parseControlRecord } from '@nagare/records';
import type { VerificationGuard } from '@nagare/storage';
import { NO_PRODUCER_ID, type CoordinatorStore, type LoadVisitor, type SerializedRecord, type TransactionResult } from './coordinator';
import type { BrokerServices } from './services';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface CoordinatorTopicSpec {
  topic: string;
  partitionCount: number;
  /** The config key of the replication factor (named in the hint when creation fails on a single node). */
  replicationFactorKey: string;
  /** Topic configs set at creation. */
  configs(): Array<{ name: string; value: string }>;
}

export interface CoordinatorAppendOptions {
  timestampMs: number;
  producerId: bigint;
  producerEpoch: number;
  transactional: boolean;
  /** KIP-890: the guard of the verification this transactional write passed (a VerificationGuard). */
  verificationGuard?: unknown;
}

export class CoordinatorTopic implements CoordinatorStore {
  private creating: Promise<void> | null = null;
  private readonly listeners = new Set<(partition: number, hw: number) => void>();
  readonly topic: string;
  readonly partitionCount: number;

  constructor(
    protected readonly services: BrokerServices,
    private readonly spec: CoordinatorTopicSpec,
  ) {
    this.topic = spec.topic;
    this.partitionCount = spec.partitionCount;
    services.replicas.onAppend((topic, partition) => {
      if (topic !== this.topic || this.listeners.size === 0) return;
      const hw = this.highWatermark(partition);
      for (const l of this.listeners) l(partition, hw);
    });
  }

  async ensureTopic(): Promise<void> {
    if (this.services.metadata().topicsByName.has(this.topic)) return;
    this.creating ??= this.create().finally(() => (this.creating = null));
    return this.creating;
  }

  private async create(): Promise<void> {
    const c = this.services.config;
    const res = await this.services.controller.createTopics(
      {
        topics: [
          {
            name: this.topic,
            numPartitions: this.partitionCount,
            replicationFactor: c.int(this.spec.replicationFactorKey),
            assignments: [],
            configs: this.spec.configs(),
          },
        ],
        timeoutMs: 30000,
        validateOnly: false,
      },
      7,
    );
    const r = res.topics[0];
    // The controller committed it; this broker's image has it once it replays the records.
    if (r.errorCode === 0 || r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) await this.services.waitForTopics?.([OFFSETS_TOPIC], 5000);
    if (r.errorCode !== 0 && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      const hint = r.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR ? ` (set ${this.spec.replicationFactorKey}=1 on a single node)` : '';
      this.services.logger.error({ error: r.errorMessage }, `could not create ${this.topic}${hint}`);
      throw new Error(`could not create ${this.topic}: ${r.errorMessage}${hint}`);
    }
  }

  append(partition: number, records: SerializedRecord[], opts: CoordinatorAppendOptions): { errorCode: number; baseOffset: number; nextOffset: number } {
    const builder = new RecordBatchBuilder({
      maxBytes: 0x7fffffff,
      now: () => opts.timestampMs,
      producerId: Number(opts.producerId),
      producerEpoch: opts.producerEpoch,
      isTransactional: opts.transactional,
    });
    for (const r of records) builder.append({ timestamp: opts.timestampMs, key: r.key, value: r.value });
    const res = this.services.replicas.appendToLeader(
      { topic: this.topic, partition, records: builder.build() },
      { allowInternal: true, origin: 'coordinator', verificationGuard: opts.verificationGuard as VerificationGuard | undefined },
    );
    if (res.errorCode !== ErrorCode.NONE) return { errorCode: res.errorCode, baseOffset: -1, nextOffset: -1 };
    const base = Number(res.baseOffset);
    return { errorCode: ErrorCode.NONE, baseOffset: base, nextOffset: base + records.length };
  }

  /** Writes a transaction marker (WriteTxnMarkers for a partition of this topic, through its coordinator). */
  appendEndTxnMarker(partition: number, producerId: bigint, producerEpoch: number, coordinatorEpoch: number, result: TransactionResult, timestampMs: number): { errorCode: number; offset: number } {
    const batch = buildControlBatch({
      type: result === 'COMMIT' ? ControlRecordType.Commit : ControlRecordType.Abort,
      producerId: Number(producerId),
      producerEpoch,
      coordinatorEpoch,
      timestamp: timestampMs,
    });
    const res = this.services.replicas.appendToLeader({ topic: this.topic, partition, records: batch }, { allowInternal: true, origin: 'coordinator' });
    return { errorCode: res.errorCode, offset: Number(res.baseOffset) };
  }

  highWatermark(partition: number): number {
    return this.services.replicas.get(this.topic, partition)?.log.highWatermark ?? 0;
  }

  onHighWatermark(listener: (partition: number, highWatermark: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  logStartOffset(partition: number): number {
    return this.services.replicas.get(this.topic, partition)?.log.logStartOffset ?? 0;
  }

  read(partition: number, offset: number, maxBytes: number, visitor: LoadVisitor): { nextOffset: number; logEndOffset: number } {
    const p = this.services.replicas.get(this.topic, partition);
    if (!p) return { nextOffset: offset, logEndOffset: offset };
    const log = p.log;
    const end = log.logEndOffset;
    if (offset >= end) return { nextOffset: end, logEndOffset: end };
    const { records, nextOffset } = log.read(Math.max(offset, log.logStartOffset), maxBytes, { maxOffset: end, minOneMessage: true });
    for (const batch of iterateBatches(records, { verifyCrc: false })) {
      const h = batch.header;
      const producerId = h.producerId === -1 ? NO_PRODUCER_ID : BigInt(h.producerId);
      if (h.isControl) {
        for (const r of batch.records({ verifyCrc: false })) {
          if (r.offset < offset) continue;
          try {
            const c = parseControlRecord(r);
            if (c.type === ControlRecordType.Commit || c.type === ControlRecordType.Abort) visitor.marker(producerId, h.producerEpoch, c.type === ControlRecordType.Commit ? 'COMMIT' : 'ABORT');
          } catch {
            // Not a transaction marker we know: nothing to replay.
          }
        }
        continue;
      }
      for (const r of batch.records({ verifyCrc: false })) if (r.offset >= offset) visitor.record(r.offset, r.key, r.value, producerId, h.producerEpoch);
    }
    return { nextOffset: Math.max(nextOffset, offset), logEndOffset: end };
  }
}

/** `__consumer_offsets`: compacted, producer's compression, offsets.topic.segment.bytes. */
export class OffsetsTopic extends CoordinatorTopic {
  constructor(services: BrokerServices, partitionCount: number) {
    super(services, {
      topic: OFFSETS_TOPIC,
      partitionCount,
      replicationFactorKey: 'offsets.topic.replication.factor',
      configs: () => [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'producer' },
        { name: 'segment.bytes', value: String(services.config.int('offsets.topic.segment.bytes')) },
      ],
    });
  }
}

/** `__transaction_state`: as Kafka's transactionTopicConfigs (compacted, uncompressed, transaction.state.log.* settings). */
export class TransactionStateTopic extends CoordinatorTopic {
  constructor(services: BrokerServices, partitionCount: number) {
    super(services, {
      topic: TRANSACTION_STATE_TOPIC,
      partitionCount,
      replicationFactorKey: 'transaction.state.log.replication.factor',
      configs: () => [
        { name: 'unclean.leader.election.enable', value: 'false' },
        { name: 'compression.type', value: 'uncompressed' },
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.insync.replicas', value: String(services.config.int('transaction.state.log.min.isr')) },
        { name: 'segment.bytes', value: String(services.config.int('transaction.state.log.segment.bytes')) },
      ],
    });
  }
}
