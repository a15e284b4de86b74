/**
 * `io.confluent.connect.jdbc.JdbcSinkConnector` / `...sink.JdbcSinkTask`:
 * every task gets the connector's configuration; each `put` is written in
 * one transaction. SQL failures are retried `max.retries` times
 * (`retry.backoff.ms` apart, as RetriableException so the worker redelivers
 * the batch), then the records go one by one to the errant record reporter
 * (DLQ) when there is one, or the task fails. Offsets are committed by the
 * worker after `put` returned, i.e. after the transaction committed.
 */
import type { Client } from 'pg';
import { ConfigDef, ConnectException, RetriableException, SinkConnector, SinkTask, type ConfigValue, type ErrantRecordReporter, type SinkRecord, type TaskClass } from '@nagare/connect-api';
import { connectWithRetry } from '../util/connection';
import { logger } from '../util/log';
import { CONNECT_JDBC_VERSION } from '../version';
import { DELETE_ENABLED, JdbcSinkConfig, PK_MODE, SINK_CONFIG_DEF } from './config';
import { PostgresSinkDialect } from './dialect';
import { JdbcDbWriter, TableAlterOrCreateException } from './writer';

const log = logger('io.confluent.connect.jdbc.sink.JdbcSinkTask');

export class JdbcSinkTask extends SinkTask {
  static readonly className = 'io.confluent.connect.jdbc.sink.JdbcSinkTask';
  private config!: JdbcSinkConfig;
  private writer: JdbcDbWriter | null = null;
  private remainingRetries = 0;
  private reporter: ErrantRecordReporter | null = null;

  version(): string {
    return CONNECT_JDBC_VERSION;
  }

  start(props: Record<string, string>): void {
    log('info', 'Starting JDBC Sink task');
    this.config = new JdbcSinkConfig(props);
    this.initWriter();
    this.remainingRetries = this.config.maxRetries;
    try {
      this.reporter = this.context.errantRecordReporter();
    } catch {
      this.reporter = null;
    }
  }

  private initWriter(): void {
    const c = this.config;
    const dialect = new PostgresSinkDialect({ quote: c.quote, zone: c.zone, dateZone: c.dateZone, timestampFields: c.timestampFieldsList, timestampPrecisionNanos: c.timestampPrecisionNanos });
    const connect = (): Promise<Client> =>
      connectWithRetry({ url: c.url, user: c.user, password: c.password, attempts: c.connectionAttempts, backoffMs: c.connectionBackoffMs, timeZone: c.timeZoneId, onRetry: (m) => log('info', m) });
    this.writer = new JdbcDbWriter(c, dialect, connect, log);
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    const first = records[0];
    log('debug', `Received ${records.length} records. First record kafka coordinates:(${first.topic()}-${first.kafkaPartition()}-${first.kafkaOffset()}). Writing them to the database...`);
    try {
      await this.writer!.write(records);
    } catch (e) {
      if (e instanceof TableAlterOrCreateException) {
        if (this.reporter) return this.unrollAndRetry(records);
        throw e;
      }
      if (e instanceof ConnectException) throw e; // data/config problems: retrying cannot help
      log('warn', `Write of ${records.length} records failed, remainingRetries=${this.remainingRetries}`, e);
      const message = `Exception chain:\n${String(e)}\n`;
      if (this.remainingRetries > 0) {
        await this.writer!.close();
        this.initWriter();
        this.remainingRetries--;
        this.context.timeout(this.config.retryBackoffMs);
        throw new RetriableException(message, { cause: e });
      }
      if (this.reporter) return this.unrollAndRetry(records);
      log('error', 'Failing task after exhausting retries; encountered 1 exceptions on last write attempt. For complete details on each exception, please enable DEBUG logging.');
      throw new ConnectException(message, { cause: e });
    }
    this.remainingRetries = this.config.maxRetries;
  }

  /** Writes the records one by one, reporting each that fails to the DLQ. */
  private async unrollAndRetry(records: SinkRecord[]): Promise<void> {
    await this.writer!.close();
    this.initWriter();
    log('warn', `Retrying write operation for ${records.length} records.`);
    for (const r of records) {
      try {
        await this.writer!.write([r]);
      } catch (e) {
        await this.reporter!.report(r, e as Error);
        await this.writer!.close();
        this.initWriter();
      }
    }
    this.remainingRetries = this.config.maxRetries;
  }

  override flush(): void {
    // every put is committed before it returns
  }

  async stop(): Promise<void> {
    log('info', 'Stopping task');
    await this.writer?.close();
    this.writer = null;
  }
}

export class JdbcSinkConnector extends SinkConnector {
  static readonly className = 'io.confluent.connect.jdbc.JdbcSinkConnector';
  private props: Record<string, string> = {};

  version(): string {
    return CONNECT_JDBC_VERSION;
  }
  start(props: Record<string, string>): void {
    this.props = { ...props };
  }
  taskClass(): TaskClass {
    return JdbcSinkTask;
  }
  taskConfigs(maxTasks: number): Array<Record<string, string>> {
    log('info', `Setting task configurations for ${maxTasks} workers.`);
    return Array.from({ length: maxTasks }, () => ({ ...this.props }));
  }
  stop(): void {}
  config(): ConfigDef {
    return SINK_CONFIG_DEF;
  }
  override validate(connectorConfigs: Record<string, string>): ConfigValue[] {
    const values = SINK_CONFIG_DEF.validate(connectorConfigs);
    const deleteEnabled = String(connectorConfigs[DELETE_ENABLED] ?? 'false').trim().toLowerCase() === 'true';
    const pkMode = String(connectorConfigs[PK_MODE] ?? 'none').trim().toLowerCase();
    if (deleteEnabled && pkMode !== 'record_key') {
      for (const v of values) if (v.name === DELETE_ENABLED || v.name === PK_MODE) v.addErrorMessage("Primary key mode must be 'record_key' when delete support is enabled");
    }
    return values;
  }
}

