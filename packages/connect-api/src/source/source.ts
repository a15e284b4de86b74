/**
 * Source connectors and tasks (`org.apache.kafka.connect.source`): a
 * SourceTask turns external data into SourceRecords; the worker converts,
 * transforms and produces them, and stores each record's source offset once
 * Kafka acknowledged it.
 */
import { Connector, type ConnectorContext, type Task } from '../connector/connector';
import type { OffsetStorageReader } from '../storage/storage';
import type { SourceRecord } from '../records/records';

/** Where a produced record landed (`RecordMetadata`), given to `commitRecord`. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

/** `ExactlyOnceSupport` (KIP-618). */
export type ExactlyOnceSupport = 'SUPPORTED' | 'UNSUPPORTED';

export interface SourceConnectorContext extends ConnectorContext {
  offsetStorageReader(): OffsetStorageReader;
}

/** `org.apache.kafka.connect.source.SourceConnector`. */
export abstract class SourceConnector extends Connector {
  static readonly pluginType = 'source';
  protected declare context: SourceConnectorContext;

  /** KIP-618; null = unknown. */
  exactlyOnceSupport(connectorConfig: Record<string, string>): ExactlyOnceSupport | null {
    void connectorConfig;
    return null;
  }

  /**
   * Called before offsets are altered or reset through the REST API (KIP-875).
   * Return true if the connector accepts them; throw to refuse. Default:
   * false (the framework cannot tell).
   */
  alterOffsets(connectorConfig: Record<string, string>, offsets: ReadonlyMap<Record<string, unknown>, Record<string, unknown> | null>): boolean | Promise<boolean> {
    void connectorConfig;
    void offsets;
    return false;
  }
}

export interface SourceTaskContext {
  /** The task's configuration. */
  configs(): Record<string, string>;
  /** Offsets this connector stored before (to resume where it stopped). */
  offsetStorageReader(): OffsetStorageReader;
}

/** `org.apache.kafka.connect.source.SourceTask`. */
export abstract class SourceTask implements Task {
  static readonly pluginType = 'source-task';
  protected context!: SourceTaskContext;

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  abstract version(): string;
  abstract start(props: Record<string, string>): void | Promise<void>;

  /**
   * The next records, or null / [] when there is nothing now. Should not
   * wait long (return within about a second) so the worker can commit
   * offsets and stop the task; resolve promptly after `stop()` is called.
   */
  abstract poll(): SourceRecord[] | null | Promise<SourceRecord[] | null>;

  /** Offsets up to the last polled and acknowledged records were committed (flushed). */
  commit(): void | Promise<void> {}

  /**
   * One record was produced (`metadata`) or filtered out by a transform /
   * dropped with errors.tolerance=all (`metadata` null).
   */
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void | Promise<void> {
    void record;
    void metadata;
  }

  abstract stop(): void | Promise<void>;
}
