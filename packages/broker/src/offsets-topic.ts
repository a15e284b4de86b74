/**
 * `__consumer_offsets` as the group coordinator's store: created on first
 * use (compacted, offsets.topic.* settings, as Kafka does on the first
 * FindCoordinator), written as leader through the replica manager (one
 * batch per coordinator operation, synchronously, so offsets come back at
 * once), committed when the partition's high watermark passes the records,
 * and read back chunk by chunk when a shard loads, with producer ids and
 * transaction markers.
 */
import { ErrorCode } from '@nagare/protocol';
import { RecordBatchBuilder, iterateBatches, parseControlRecord, ControlRecordType } from '@nagare/records';
import { NO_PRODUCER_ID, type LoadVisitor, type SerializedRecord } from './coordinator';
import type { OffsetsTopicStore } from './group/store';
import type { BrokerServices } from './services';

export const OFFSETS_TOPIC = '__consumer_offsets';

export class OffsetsTopic implements OffsetsTopicStore {
  private creating: Promise<void> | null = null;
  private readonly listeners = new Set<(partition: number, hw: number) => void>();

  constructor(
    private readonly services: BrokerServices,
    readonly partitionCount: number,
  ) {
    services.replicas.onAppend((topic, partition) => {
      if (topic !== OFFSETS_TOPIC || this.listeners.size === 0) return;
      const hw = this.highWatermark(partition);
      for (const l of this.listeners) l(partition, hw);
    });
  }

  async ensureTopic(): Promise<void> {
    if (this.services.metadata().topicsByName.has(OFFSETS_TOPIC)) return;
    this.creating ??= this.create().finally(() => (this.creating = null));
    return this.creating;
  }

  private async create(): Promise<void> {
    const c = this.services.config;
    const res = await this.services.controller.createTopics(
      {
        topics: [
          {
            name: OFFSETS_TOPIC,
            numPartitions: this.partitionCount,
            replicationFactor: c.int('offsets.topic.replication.factor'),
            assignments: [],
            configs: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'compression.type', value: 'producer' },
              { name: 'segment.bytes', value: String(c.int('offsets.topic.segment.bytes')) },
            ],
          },
        ],
        timeoutMs: 30000,
        validateOnly: false,
      },
      7,
    );
    const r = res.topics[0];
    if (r.errorCode !== 0 && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      const hint = r.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR ? ' (set offsets.topic.replication.factor=1 on a single node)' : '';
      this.services.logger.error({ error: r.errorMessage }, `could not create ${OFFSETS_TOPIC}${hint}`);
      throw new Error(`could not create ${OFFSETS_TOPIC}: ${r.errorMessage}${hint}`);
    }
  }

  append(
    partition: number,
    records: SerializedRecord[],
    opts: { timestampMs: number; producerId: bigint; producerEpoch: number; transactional: boolean },
  ): { errorCode: number; baseOffset: number; nextOffset: number } {
    const builder = new RecordBatchBuilder({
      maxBytes: 0x7fffffff,
      now: () => opts.timestampMs,
      producerId: Number(opts.producerId),
      producerEpoch: opts.producerEpoch,
      isTransactional: opts.transactional,
    });
    for (const r of records) builder.append({ timestamp: opts.timestampMs, key: r.key, value: r.value });
    const res = this.services.replicas.appendToLeader({ topic: OFFSETS_TOPIC, partition, records: builder.build() }, { allowInternal: true });
    if (res.errorCode !== ErrorCode.NONE) return { errorCode: res.errorCode, baseOffset: -1, nextOffset: -1 };
    const base = Number(res.baseOffset);
    return { errorCode: ErrorCode.NONE, baseOffset: base, nextOffset: base + records.length };
  }

  highWatermark(partition: number): number {
    return this.services.replicas.get(OFFSETS_TOPIC, partition)?.log.highWatermark ?? 0;
  }

  onHighWatermark(listener: (partition: number, highWatermark: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  logStartOffset(partition: number): number {
    return this.services.replicas.get(OFFSETS_TOPIC, partition)?.log.logStartOffset ?? 0;
  }

  read(partition: number, offset: number, maxBytes: number, visitor: LoadVisitor): { nextOffset: number; logEndOffset: number } {
    const p = this.services.replicas.get(OFFSETS_TOPIC, partition);
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
