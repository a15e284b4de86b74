/**
 * `__consumer_offsets` as the group coordinator's store: created on first
 * use (compacted, offsets.topic.* settings, as Kafka does on the first
 * FindCoordinator), written with acks=all through the replica manager, and
 * read back whole when groups are loaded.
 */
import { ErrorCode } from '@nagare/protocol';
import { RecordBatchBuilder, iterateBatches } from '@nagare/records';
import type { OffsetsTopicStore } from './group/store';
import type { BrokerServices } from './services';

export const OFFSETS_TOPIC = '__consumer_offsets';
const READ_CHUNK = 4 * 1024 * 1024;

export class OffsetsTopic implements OffsetsTopicStore {
  private creating: Promise<void> | null = null;

  constructor(
    private readonly services: BrokerServices,
    readonly partitionCount: number,
  ) {}

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
    // The controller committed it; this broker's image has it once it replays the records.
    if (r.errorCode === 0 || r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) await this.services.waitForTopics?.([OFFSETS_TOPIC], 5000);
    if (r.errorCode !== 0 && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      const hint = r.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR ? ' (set offsets.topic.replication.factor=1 on a single node)' : '';
      this.services.logger.error({ error: r.errorMessage }, `could not create ${OFFSETS_TOPIC}${hint}`);
      throw new Error(`could not create ${OFFSETS_TOPIC}: ${r.errorMessage}${hint}`);
    }
  }

  async append(partition: number, records: Array<{ key: Buffer; value: Buffer | null }>, timestampMs: number): Promise<{ errorCode: number }> {
    const builder = new RecordBatchBuilder({ maxBytes: 0x7fffffff, now: () => timestampMs });
    for (const r of records) builder.append({ timestamp: timestampMs, key: r.key, value: r.value });
    const [res] = await this.services.replicas.append([{ topic: OFFSETS_TOPIC, partition, records: builder.build() }], { acks: -1, allowInternal: true });
    return { errorCode: res.errorCode };
  }

  *readAll(partition: number): Iterable<{ offset: number; key: Buffer | null; value: Buffer | null; timestamp: number }> {
    const p = this.services.replicas.get(OFFSETS_TOPIC, partition);
    if (!p) return;
    const log = p.log;
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const { records, nextOffset } = log.read(offset, READ_CHUNK, { maxOffset: log.logEndOffset, minOneMessage: true });
      if (records.length === 0 || nextOffset <= offset) break;
      for (const batch of iterateBatches(records, { verifyCrc: false })) {
        if (batch.header.isControl) continue;
        for (const r of batch.records({ verifyCrc: false })) {
          if (r.offset >= offset) yield { offset: r.offset, key: r.key, value: r.value, timestamp: r.timestamp };
        }
      }
      offset = nextOffset;
    }
  }
}
