/**
 * `KafkaBasedLog`: a compacted topic read from the beginning by a consumer
 * assigned every partition (no group), written by a producer (acks=all, one
 * request in flight so writes of one worker stay in order), and `readToEnd()`
 * to wait until every record written before the call has been applied. The
 * three distributed stores (configs, offsets, statuses) sit on one each.
 *
 * On start the topic is created when missing (partitions, replication
 * factor, `cleanup.policy=compact`), and an existing topic must be compacted.
 */
import { Admin, ConfigResourceType, Consumer, Producer, type ConsumerRecord, type IsolationLevel, type RecordMetadata } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { ConnectException } from '@nagare/connect-api';
import { adminClientOptions, consumerClientOptions, producerClientOptions } from '../util/client-config';
import { withPrefix } from '../util/properties';

export interface KafkaBasedLogOptions {
  topic: string;
  /** The worker properties (bootstrap.servers, security settings, producer.* / consumer.* / admin.*). */
  workerProps: Readonly<Record<string, string>>;
  clientId: string;
  partitions: number;
  replicationFactor: number;
  /** The worker config key that named the topic (for error messages). */
  topicConfigKey: string;
  /** Extra topic configs (`<prefix>.<topic config>` of the worker config). */
  topicConfigs?: Record<string, string>;
  onRecord: (record: ConsumerRecord) => void;
  logger: Logger;
  /** Whether to create the topic when it is missing (true). */
  createTopic?: boolean;
  /**
   * `read_committed` for topics written in transactions (the offsets topic
   * and, with exactly-once source support enabled, the config topic). A read
   * to the end still waits for the high watermark, as Kafka's KafkaBasedLog
   * reads the end offsets read_uncommitted: so it waits until the open
   * transactions on the topic are committed or aborted.
   */
  isolationLevel?: IsolationLevel;
  /** No producer of its own (a store written through someone else's producer, or read only). */
  readOnly?: boolean;
}

interface PendingRead {
  ends: Map<number, number>;
  resolve: () => void;
  reject: (e: Error) => void;
}

const POLL_MS = 100;

export class KafkaBasedLog {
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private partitions: number[] = [];
  private pending: PendingRead[] = [];
  /** Per partition: the offset up to which records have been passed to onRecord. */
  private readonly applied = new Map<number, number>();
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();
  private loopError: Error | null = null;

  constructor(private readonly o: KafkaBasedLogOptions) {}

  get topic(): string {
    return this.o.topic;
  }

  get partitionCount(): number {
    return this.partitions.length;
  }

  async start(): Promise<void> {
    const props = this.o.workerProps;
    const admin = new Admin({ ...adminClientOptions({ ...props, ...withPrefix(props, 'admin.') }), clientId: `${this.o.clientId}-admin` });
    try {
      await this.ensureTopic(admin);
      const described = await admin.describeTopics([this.o.topic]);
      const d = described[0];
      if (!d || d.error) throw new ConnectException(`Could not look up partition metadata for offset backing store topic in allotted period. This could indicate a connectivity issue, unavailable topic partitions, or if this is your first use of the topic it may have taken too long to create.`);
      this.partitions = d.partitions.map((p) => p.partition).sort((a, b) => a - b);
    } finally {
      admin.close();
    }
    if (!this.o.readOnly) {
      this.producer = new Producer({
        ...producerClientOptions({ ...props, ...withPrefix(props, 'producer.') }),
        clientId: `${this.o.clientId}-producer`,
        acks: 'all',
        maxInFlightRequestsPerConnection: 1,
        lingerMs: 0,
        deliveryTimeoutMs: 2147483647,
      });
      await this.producer.connect();
    }
    this.consumer = new Consumer({
      ...consumerClientOptions({ ...props, ...withPrefix(props, 'consumer.') }),
      clientId: `${this.o.clientId}-consumer`,
      enableAutoCommit: false,
      autoOffsetReset: 'earliest',
      fetchMaxWaitMs: POLL_MS,
      ...(this.o.isolationLevel ? { isolationLevel: this.o.isolationLevel } : {}),
    });
    this.consumer.assign(this.partitions.map((partition) => ({ topic: this.o.topic, partition })));
    this.consumer.seekToBeginning();
    this.loopDone = this.loop();
    await this.readToEnd();
  }

  private async ensureTopic(admin: Admin): Promise<void> {
    if (this.o.createTopic === false) return;
    const configs: Record<string, string> = { ...(this.o.topicConfigs ?? {}), 'cleanup.policy': 'compact' };
    const res = await admin.createTopics([{ name: this.o.topic, numPartitions: this.o.partitions, replicationFactor: this.o.replicationFactor, configs }]);
    const err = res[0]?.error;
    if (!err) {
      this.o.logger.info(`Created topic (name=${this.o.topic}, numPartitions=${this.o.partitions}, replicationFactor=${this.o.replicationFactor}, configs={cleanup.policy=compact})`);
      return;
    }
    if (!/TOPIC_ALREADY_EXISTS|already exists/i.test(`${err.name} ${err.message} ${(err as { code?: unknown }).code ?? ''}`)) {
      throw new ConnectException(`Unable to create topic '${this.o.topic}' using the '${this.o.topicConfigKey}' configuration: ${err.message}`, { cause: err });
    }
    // An existing topic must be compacted, or records would be lost.
    const described = await admin.describeConfigs([{ type: ConfigResourceType.TOPIC, name: this.o.topic }]);
    const policy = described[0]?.configs.find((c) => c.name === 'cleanup.policy')?.value ?? 'delete';
    if (!policy.split(',').map((s) => s.trim()).includes('compact')) {
      throw new ConnectException(
        `Topic '${this.o.topic}' supplied via the '${this.o.topicConfigKey}' property is required to have 'cleanup.policy=compact' to guarantee consistency and durability of source connector offsets, but found the topic currently has 'cleanup.policy=${policy}'. Continuing would likely result in eventually losing source connector offsets and problems restarting this Connect cluster in the future. Change the '${this.o.topicConfigKey}' property in the Connect worker configurations to use a topic with 'cleanup.policy=compact'.`,
      );
    }
  }

  private async loop(): Promise<void> {
    const consumer = this.consumer!;
    while (!this.stopped) {
      let records: ConsumerRecord[];
      try {
        records = await consumer.poll(POLL_MS);
      } catch (e) {
        if (this.stopped) break;
        this.o.logger.warn({ err: e }, `Error polling ${this.o.topic}; retrying`);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const r of records) {
        try {
          this.o.onRecord(r);
        } catch (e) {
          this.o.logger.error({ err: e }, `Error applying a record of ${this.o.topic} at offset ${r.offset}`);
        }
      }
      // what has been applied: the consumer's positions now that this batch went through onRecord
      for (const p of this.partitions) {
        try {
          this.applied.set(p, await consumer.position({ topic: this.o.topic, partition: p }, 1000));
        } catch {
          // not known yet: the next round
        }
      }
      this.checkPending();
    }
  }

  private caughtUp(ends: ReadonlyMap<number, number>): boolean {
    for (const [p, end] of ends) if ((this.applied.get(p) ?? 0) < end) return false;
    return true;
  }

  private checkPending(): void {
    if (this.pending.length === 0) return;
    const still: PendingRead[] = [];
    for (const r of this.pending) {
      if (this.caughtUp(r.ends)) r.resolve();
      else still.push(r);
    }
    this.pending = still;
  }

  /**
   * Resolves once every record written before the call has been passed to onRecord: at once
   * when the records up to the end offsets were applied already, else when the loop gets there.
   */
  async readToEnd(): Promise<void> {
    if (this.stopped) throw new ConnectException(`The log of ${this.o.topic} is stopped`);
    const consumer = this.consumer!;
    const ends = await consumer.endOffsets(
      this.partitions.map((partition) => ({ topic: this.o.topic, partition })),
      { isolationLevel: 'read_uncommitted' },
    );
    const byPartition = new Map<number, number>();
    for (const p of this.partitions) byPartition.set(p, ends.get(`${this.o.topic}\u0000${p}`) ?? 0);
    if (this.caughtUp(byPartition)) return;
    return new Promise((resolve, reject) => {
      this.pending.push({ ends: byPartition, resolve, reject });
    });
  }

  /** Writes a record (null value = tombstone); resolves when Kafka acknowledged it. */
  send(key: string | Buffer, value: Buffer | string | null, partition?: number): Promise<RecordMetadata> {
    if (!this.producer) return Promise.reject(new ConnectException(`The log of ${this.o.topic} is not started`));
    return this.producer.send({ topic: this.o.topic, key: typeof key === 'string' ? Buffer.from(key, 'utf8') : key, value: value === null ? null : typeof value === 'string' ? Buffer.from(value, 'utf8') : value, partition });
  }

  /** Writes several records in order; resolves when all are acknowledged. */
  sendAll(records: ReadonlyArray<{ key: string; value: Buffer | string | null }>): Promise<RecordMetadata[]> {
    if (!this.producer) return Promise.reject(new ConnectException(`The log of ${this.o.topic} is not started`));
    return this.producer.send(records.map((r) => ({ topic: this.o.topic, key: Buffer.from(r.key, 'utf8'), value: r.value === null ? null : typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value })));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const r of this.pending.splice(0)) r.reject(new ConnectException(`The log of ${this.o.topic} was stopped`));
    await this.loopDone.catch(() => undefined);
    await this.producer?.close(5000).catch(() => undefined);
    await this.consumer?.close().catch(() => undefined);
    void this.loopError;
  }
}
