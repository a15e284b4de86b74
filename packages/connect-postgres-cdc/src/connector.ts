/**
 * `io.debezium.connector.postgresql.PostgresConnector`: one task (a
 * replication slot has one reader), configured with the connector's
 * properties.
 */
import { ConfigDef, ConnectException, SourceConnector, type ConfigValue, type ExactlyOnceSupport, type TaskClass } from '@nagare/connect-api';
import { POSTGRES_CONFIG_DEF, PostgresConnectorConfig, validatePostgresConfig } from './config';
import { PostgresConnectorTask } from './task';
import { logger } from './util/log';
import { CONNECT_POSTGRES_CDC_VERSION } from './version';

const log = logger('io.debezium.connector.postgresql.PostgresConnector');

export class PostgresConnector extends SourceConnector {
  static readonly className = 'io.debezium.connector.postgresql.PostgresConnector';
  private props: Record<string, string> = {};

  version(): string {
    return CONNECT_POSTGRES_CDC_VERSION;
  }

  start(props: Record<string, string>): void {
    this.props = { ...props };
    // fail fast on configuration errors, as Debezium's validation does at start
    new PostgresConnectorConfig(props);
    const problems = this.validate(props).flatMap((v) => v.errorMessages);
    if (problems.length > 0) throw new ConnectException(`Error configuring an instance of PostgresConnector; check the logs for details: ${problems.join('; ')}`);
  }

  taskClass(): TaskClass {
    return PostgresConnectorTask;
  }

  taskConfigs(maxTasks: number): Array<Record<string, string>> {
    if (maxTasks > 1) log('info', `The PostgreSQL connector runs a single task (tasks.max=${maxTasks})`);
    return [{ ...this.props }];
  }

  stop(): void {}

  config(): ConfigDef {
    return POSTGRES_CONFIG_DEF;
  }

  override validate(connectorConfigs: Record<string, string>): ConfigValue[] {
    const values = POSTGRES_CONFIG_DEF.validate(connectorConfigs);
    validatePostgresConfig(connectorConfigs, values);
    return values;
  }

  override exactlyOnceSupport(): ExactlyOnceSupport {
    return 'UNSUPPORTED';
  }

  override alterOffsets(config: Record<string, string>, offsets: ReadonlyMap<Record<string, unknown>, Record<string, unknown> | null>): boolean {
    void config;
    for (const [partition, offset] of offsets) {
      if (!partition || !('server' in partition)) throw new ConnectException("Partition objects should contain the key 'server'");
      if (offset !== null && offset.lsn !== undefined && (typeof offset.lsn !== 'number' || !Number.isInteger(offset.lsn))) throw new ConnectException("The value for the 'lsn' key in the offset is expected to be a Long value");
    }
    return true;
  }
}
