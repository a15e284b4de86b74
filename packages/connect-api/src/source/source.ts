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

/** `ExactlyOnceSupport` (KIP-618): whether a connector can give exactly-once semantics with a configuration. */
export type ExactlyOnceSupport = 'SUPPORTED' | 'UNSUPPORTED';

/** `ConnectorTransactionBoundaries` (KIP-618): whether a connector can define its own transaction boundaries. */
export type ConnectorTransactionBoundaries = 'SUPPORTED' | 'UNSUPPORTED';

/**
 * `SourceTask.TransactionBoundary` (KIP-618), the values of the connector
 * config `transaction.boundary`: a transaction per `poll()` batch (the
 * default), per `transaction.boundary.interval.ms`, or where the connector
 * says through its {@link TransactionContext}.
 */
export type TransactionBoundary = 'poll' | 'interval' | 'connector';
export const TRANSACTION_BOUNDARY_CONFIG = 'transaction.boundary';
export const TRANSACTION_BOUNDARY_DEFAULT: TransactionBoundary = 'poll';

/**
 * `org.apache.kafka.connect.source.TransactionContext` (KIP-618): given to
 * the tasks of a connector configured with `transaction.boundary=connector`
 * (`SourceTaskContext.transactionContext()`), to commit or abort the
 * producer transaction after a record or after the next `poll()` batch.
 * An aborted transaction's records never become visible to read_committed
 * consumers, but its source offsets are committed (the records are not
 * polled again); throw from `poll()` instead to have them reprocessed.
 * Asking for both a commit and an abort of the same batch or record fails
 * the task.
 */
export interface TransactionContext {
  /** Commit after the next batch returned by `poll()` is processed. */
  commitTransaction(): void;
  /** Commit after `record` is processed: it is the last record of the transaction. */
  commitTransaction(record: SourceRecord): void;
  /** Abort after the next batch returned by `poll()` is processed. */
  abortTransaction(): void;
  /** Abort after `record` is processed: it is the last record of the aborted transaction. */
  abortTransaction(record: SourceRecord): void;
}

export interface SourceConnectorContext extends ConnectorContext {
  offsetStorageReader(): OffsetStorageReader;
}

/** `org.apache.kafka.connect.source.SourceConnector`. */
export abstract class SourceConnector extends Connector {
  static readonly pluginType = 'source';
  protected declare context: SourceConnectorContext;

  /**
   * Whether the connector can give exactly-once semantics with this
   * configuration (KIP-618). Asked, before `start`, when a connector is
   * created with `exactly.once.support=required` on a worker with
   * exactly-once source support. The default, null, means the connector does
   * not say (the preflight check then fails and names the fix).
   */
  exactlyOnceSupport(connectorConfig: Record<string, string>): ExactlyOnceSupport | null {
    void connectorConfig;
    return null;
  }

  /**
   * Whether the connector defines its own transaction boundaries with this
   * configuration (KIP-618), asked when it is configured with
   * `transaction.boundary=connector`. Default: 'UNSUPPORTED'.
   */
  canDefineTransactionBoundaries(connectorConfig: Record<string, string>): ConnectorTransactionBoundaries | null {
    void connectorConfig;
    return 'UNSUPPORTED';
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
  /**
   * The transaction context (KIP-618) when the connector runs with
   * exactly-once support and `transaction.boundary=connector`, else null.
   * Optional so that contexts of older runtimes need not have it.
   */
  transactionContext?(): TransactionContext | null;
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
