/** `io.confluent.connect.elasticsearch.ElasticsearchSinkConnector`: every task gets the connector's configuration. */
import { ConfigDef, SinkConnector, type ConfigValue, type TaskClass } from '@nagare/connect-api';
import { ES_CONFIG_DEF, ElasticsearchSinkConnectorConfig, validateEsConfig } from './config';
import { ElasticsearchSinkTask } from './task';
import { CONNECT_ELASTICSEARCH_VERSION } from './version';

export class ElasticsearchSinkConnector extends SinkConnector {
  static readonly className = 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector';
  private props: Record<string, string> = {};

  version(): string {
    return CONNECT_ELASTICSEARCH_VERSION;
  }
  start(props: Record<string, string>): void {
    new ElasticsearchSinkConnectorConfig(props);
    this.props = { ...props };
  }
  taskClass(): TaskClass {
    return ElasticsearchSinkTask;
  }
  taskConfigs(maxTasks: number): Array<Record<string, string>> {
    return Array.from({ length: maxTasks }, () => ({ ...this.props }));
  }
  stop(): void {}
  config(): ConfigDef {
    return ES_CONFIG_DEF;
  }
  override validate(connectorConfigs: Record<string, string>): ConfigValue[] {
    const values = ES_CONFIG_DEF.validate(connectorConfigs);
    validateEsConfig(connectorConfigs, values);
    return values;
  }
}
