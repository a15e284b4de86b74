/**
 * @nagare/connect-elasticsearch: Confluent's Elasticsearch sink
 * (`io.confluent.connect.elasticsearch.ElasticsearchSinkConnector`) on
 * @elastic/elasticsearch, written against @nagare/connect-api only.
 */
export * from './version';
export { ElasticsearchSinkConnector } from './connector';
export { ElasticsearchSinkTask, indexName } from './task';
export { ElasticsearchSinkConnectorConfig, ES_CONFIG_DEF, validateEsConfig } from './config';
export { DataConverter, type BulkItem } from './data-converter';
export { ElasticsearchClient, createEsClient, retryWaitMs, randomRetryWaitMs } from './client';
export { OffsetTracker } from './offset-tracker';
export { buildMapping } from './mapping';
export { toJson, schemaless, javaDouble, javaFloat, jsonString } from './json';
