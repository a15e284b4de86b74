/**
 * The `_schemas` topic as the registry's store (Confluent's `KafkaStore`):
 * created on first start with one partition, `cleanup.policy=compact` and
 * the desired replication factor capped by the live brokers (or verified:
 * one partition, compacted); a reader consumes it from the beginning and
 * applies every record to the state; a write is produced with acks=all and
 * answered only once the reader has applied it (read-your-writes), within
 * `kafkastore.timeout.ms`. `sync()` waits until the reader has reached the
 * partition's end offset (as `waitUntilKafkaReaderReachesLastOffset`), which
 * a new leader does before it assigns ids.
 */
import { Admin, ConfigResourceType, Consumer, Producer } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import { RecordTooLargeError, SchemaLog, StoreTimeoutError } from './log';
import { StoreKey, StoreRecordError, StoreValue, deserializeKey, deserializeValue, serializeKey, serializeValue } from './records';
import { RegistryState } from './state';

export interface KafkaSchemaLogOptions {
  /** `kafkastore.bootstrap.servers`. */
  bootstrapServers: string;
  /** `kafkastore.topic` (_schemas). */
  topic?: string;
  /** `kafkastore.topic.replication.factor` (3; capped by the live brokers). */
  replicationFactor?: number;
  /** `kafkastore.topic.config.*`. */
  topicConfigs?: Record<string, string>;
  /** `kafkastore.topic.skip.validation` (false). */
  skipValidation?: boolean;
  /** `kafkastore.init.timeout.ms` (60000). */
  initTimeoutMs?: number;
  /** `kafkastore.timeout.ms` (500): how long a write waits to be read back. */
  timeoutMs?: number;
  /** Client id prefix. */
  clientId?: string;
  /** Largest record value (the producer's max.request.size, 1048576). */
  maxRequestSize?: number;
  /** Extra client options (request timeouts, backoffs). */
  clientOptions?: Record<string, unknown>;
  logger?: Logger;
}

export class StoreInitializationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInitializationError';
  }
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

export class KafkaSchemaLog implements SchemaLog {
  readonly state = new RegistryState();
  readonly topic: string;
  private readonly o: Required<Omit<KafkaSchemaLogOptions, 'topicConfigs' | 'clientOptions' | 'logger' | 'clientId'>> & KafkaSchemaLogOptions;
  private readonly logger: Logger;
  private admin!: Admin;
  private producer!: Producer;
  private consumer!: Consumer;
  /** The next offset the reader will apply. */
  private position = 0;
  private waiters: Waiter[] = [];
  private closed = false;
  private readerDone: Promise<void> | null = null;
  private readerError: Error | null = null;
  clusterId: string | null = null;

  constructor(options: KafkaSchemaLogOptions) {
    this.o = {
      topic: '_schemas',
      replicationFactor: 3,
      skipValidation: false,
      initTimeoutMs: 60000,
      timeoutMs: 500,
      maxRequestSize: 1048576,
      ...options,
    } as KafkaSchemaLog['o'];
    this.topic = this.o.topic;
    this.logger = options.logger ?? silentLogger;
  }

  /** Offset of the next record to be applied. */
  get readOffset(): number {
    return this.position;
  }

  async start(): Promise<void> {
    const common = { bootstrapServers: this.o.bootstrapServers, ...(this.o.clientOptions ?? {}) };
    const id = this.o.clientId ?? 'schema-registry';
    this.admin = new Admin({ ...common, clientId: `${id}-admin`, defaultApiTimeoutMs: this.o.initTimeoutMs });
    try {
      const cluster = await this.admin.describeCluster({ timeoutMs: this.o.initTimeoutMs });
      this.clusterId = cluster.clusterId;
      if (!this.o.skipValidation) await this.createOrVerifyTopic(cluster.brokers.length);
    } catch (e) {
      this.admin.close();
      if (e instanceof StoreInitializationError) throw e;
      throw new StoreInitializationError(`Failed trying to create or validate schema topic configuration: ${(e as Error).message}`);
    }
    this.producer = new Producer({
      ...common,
      clientId: `${id}-producer`,
      acks: 'all',
      lingerMs: 0,
      enableIdempotence: false,
      retries: 0,
      maxRequestSize: this.o.maxRequestSize,
      deliveryTimeoutMs: Math.max(this.o.timeoutMs, 30000),
      requestTimeoutMs: 30000,
    });
    this.consumer = new Consumer({
      ...common,
      clientId: `${id}-reader`,
      enableAutoCommit: false,
      autoOffsetReset: 'earliest',
      fetchMaxWaitMs: 100,
      isolationLevel: 'read_uncommitted',
    });
    this.consumer.assign([{ topic: this.topic, partition: 0 }]);
    this.consumer.seekToBeginning();
    this.readerDone = this.readLoop();
    const start = Date.now();
    await this.syncWithin(this.o.initTimeoutMs).catch((e: Error) => {
      throw new StoreInitializationError(`Failed to read the schema topic ${this.topic} to its end within ${this.o.initTimeoutMs} ms (kafkastore.init.timeout.ms): ${e.message}`);
    });
    this.logger.info({ topic: this.topic, offset: this.position, records: this.state.applied, ms: Date.now() - start }, 'read the schema topic to its end');
  }

  private async createOrVerifyTopic(liveBrokers: number): Promise<void> {
    const topics = await this.admin.listTopics({ listInternal: true });
    if (!topics.some((t) => t.name === this.topic)) {
      if (liveBrokers <= 0) throw new StoreInitializationError('No live Kafka brokers');
      const rf = Math.min(liveBrokers, this.o.replicationFactor);
      if (rf < this.o.replicationFactor) {
        this.logger.warn(
          { topic: this.topic, replicationFactor: rf, desired: this.o.replicationFactor },
          `Creating the schema topic ${this.topic} using a replication factor of ${rf}, which is less than the desired one of ${this.o.replicationFactor}. If this is a production environment, it's crucial to add more brokers and increase the replication factor of the topic.`,
        );
      }
      this.logger.info({ topic: this.topic }, 'creating the schemas topic');
      const [r] = await this.admin.createTopics([{ name: this.topic, numPartitions: 1, replicationFactor: rf, configs: { ...(this.o.topicConfigs ?? {}), 'cleanup.policy': 'compact' } }]);
      if (r.error && r.error.code !== 36 /* TOPIC_ALREADY_EXISTS */) throw new StoreInitializationError(`Failed to create the schema topic ${this.topic}: ${r.error.message}`);
      if (!r.error) return;
    }
    const [d] = await this.admin.describeTopics([this.topic]);
    if (d.error) throw new StoreInitializationError(`Failed to describe the schema topic ${this.topic}: ${d.error.message}`);
    if (d.partitions.length !== 1) throw new StoreInitializationError(`The schema topic ${this.topic} should have only 1 partition but has ${d.partitions.length}`);
    const [c] = await this.admin.describeConfigs([{ type: ConfigResourceType.TOPIC, name: this.topic, configNames: ['cleanup.policy'] }]);
    const policy = c?.configs.find((x) => x.name === 'cleanup.policy')?.value ?? null;
    if (policy !== 'compact') {
      throw new StoreInitializationError(`The retention policy of the schema topic ${this.topic} is incorrect. Expected cleanup.policy to be 'compact' but it is ${policy}`);
    }
  }

  private async readLoop(): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      let records;
      try {
        records = await this.consumer.poll(200);
        backoff = 100;
      } catch (e) {
        if (this.closed) return;
        this.logger.warn({ topic: this.topic, err: (e as Error).message }, 'reading the schema topic failed; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2000);
        continue;
      }
      for (const r of records) {
        try {
          const k = r.key ? deserializeKey(r.key) : null;
          if (k) this.state.apply(k, deserializeValue(k, r.value));
        } catch (e) {
          // Confluent logs and skips records it cannot deserialize.
          if (e instanceof StoreRecordError) this.logger.error({ offset: r.offset, err: e.message }, 'skipping a record of the schema topic that cannot be read');
          else this.logger.error({ offset: r.offset, err: (e as Error).stack }, 'failed to apply a record of the schema topic');
        }
        this.position = r.offset + 1;
      }
      if (records.length > 0) this.wake();
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset < this.position) {
        if (w.timer) clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once the record at `offset` has been applied. */
  private waitForOffset(offset: number, timeoutMs: number): Promise<void> {
    if (offset < this.position) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('the schema log is closed'));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { offset, resolve, reject, timer: null };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new StoreTimeoutError(`Failed to reach target offset ${offset} within the timeout of ${timeoutMs} ms; the reader is at offset ${this.position}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async put(key: StoreKey, value: StoreValue | null): Promise<void> {
    if (this.closed) throw new Error('the schema log is closed');
    const k = serializeKey(key);
    const v = serializeValue(key, value);
    if (k.length + (v?.length ?? 0) + 100 > this.o.maxRequestSize) {
      throw new RecordTooLargeError(`The message is ${k.length + (v?.length ?? 0)} bytes when serialized which is larger than the maximum request size ${this.o.maxRequestSize}`);
    }
    let md;
    try {
      md = await this.producer.send({ topic: this.topic, partition: 0, key: k, value: v });
    } catch (e) {
      if (/RECORD_TOO_LARGE|MESSAGE_TOO_LARGE/.test((e as Error).message)) throw new RecordTooLargeError((e as Error).message);
      throw e;
    }
    const offset = (md as { offset: number }).offset;
    await this.waitForOffset(offset, this.o.timeoutMs);
  }

  async sync(): Promise<void> {
    await this.syncWithin(this.o.timeoutMs);
  }

  private async syncWithin(timeoutMs: number): Promise<void> {
    const [r] = await this.admin.listOffsets([{ topic: this.topic, partition: 0, spec: 'latest' }], { timeoutMs });
    if (r.error) throw r.error;
    if (r.offset > 0) await this.waitForOffset(r.offset - 1, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(new Error('the schema log is closed'));
    }
    this.waiters = [];
    await this.readerDone?.catch(() => undefined);
    await this.consumer?.close().catch(() => undefined);
    await this.producer?.close(5000).catch(() => undefined);
    this.admin?.close();
    void this.readerError;
  }
}
