/**
 * Sink connectors and tasks (`org.apache.kafka.connect.sink`): the worker
 * consumes the connector's topics in group `connect-<name>`, converts and
 * transforms each record and hands batches to `SinkTask.put`; offsets are
 * committed after `preCommit`/`flush` say what is durable.
 */
import { Connector, type ConnectorContext, type Task } from '../connector/connector';
import type { SinkRecord } from '../records/records';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The key of a partition in offset maps: Kafka's `TopicPartition.toString()`, `<topic>-<partition>`. */
export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export interface OffsetAndMetadata {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: number;
  metadata?: string;
}

/** Offsets per partition, keyed by `topicPartitionKey`. */
export type PartitionOffsets = Map<string, OffsetAndMetadata>;

/** `ErrantRecordReporter` (KIP-610): send a record the task cannot handle to the DLQ / error log. */
export interface ErrantRecordReporter {
  /** Resolves when the report is durable (the DLQ producer acknowledged it). Throws when errors.tolerance=none. */
  report(record: SinkRecord, error: Error): Promise<void>;
}

export interface SinkConnectorContext extends ConnectorContext {}

/** `org.apache.kafka.connect.sink.SinkConnector`. */
export abstract class SinkConnector extends Connector {
  static readonly pluginType = 'sink';
  static readonly TOPICS_CONFIG = 'topics';
  protected declare context: SinkConnectorContext;

  /** KIP-875, as SourceConnector.alterOffsets. */
  alterOffsets(connectorConfig: Record<string, string>, offsets: ReadonlyMap<TopicPartition, number | null>): boolean | Promise<boolean> {
    void connectorConfig;
    void offsets;
    return false;
  }
}

export interface SinkTaskContext {
  configs(): Record<string, string>;
  /** Rewind / skip: the consumer seeks these partitions before the next poll. */
  offset(offsets: ReadonlyMap<TopicPartition, number> | TopicPartition, offset?: number): void;
  /** After a RetriableException from put: wait this long before redelivering the batch. */
  timeout(timeoutMs: number): void;
  assignment(): TopicPartition[];
  pause(...partitions: TopicPartition[]): void;
  resume(...partitions: TopicPartition[]): void;
  /** Commit offsets as soon as possible (calls preCommit first). */
  requestCommit(): void;
  /** Null when the worker has no error reporting for this connector (never in this runtime). */
  errantRecordReporter(): ErrantRecordReporter | null;
}

/** `org.apache.kafka.connect.sink.SinkTask`. */
export abstract class SinkTask implements Task {
  static readonly pluginType = 'sink-task';
  static readonly TOPICS_CONFIG = 'topics';
  static readonly TOPICS_REGEX_CONFIG = 'topics.regex';
  protected context!: SinkTaskContext;

  initialize(context: SinkTaskContext): void {
    this.context = context;
  }

  abstract version(): string;
  abstract start(props: Record<string, string>): void | Promise<void>;
  /** Writes (or buffers) records. Throw RetriableException to get the same batch again later. */
  abstract put(records: SinkRecord[]): void | Promise<void>;

  /** Makes everything `put` so far durable. */
  flush(currentOffsets: PartitionOffsets): void | Promise<void> {
    void currentOffsets;
  }

  /** The offsets safe to commit; Kafka's default flushes and returns `currentOffsets`. */
  async preCommit(currentOffsets: PartitionOffsets): Promise<PartitionOffsets> {
    await this.flush(currentOffsets);
    return currentOffsets;
  }

  /** Partitions newly assigned (after a rebalance), before records of them arrive. */
  open(partitions: TopicPartition[]): void | Promise<void> {
    void partitions;
  }

  /** Partitions revoked; their writers should be closed. */
  close(partitions: TopicPartition[]): void | Promise<void> {
    void partitions;
  }

  abstract stop(): void | Promise<void>;
}
