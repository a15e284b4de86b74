/**
 * @nagare/connect-jdbc: Confluent's JDBC source and sink connectors
 * (`io.confluent.connect.jdbc.JdbcSourceConnector` / `JdbcSinkConnector`)
 * for PostgreSQL on node-postgres, written against @nagare/connect-api only.
 */
export * from './version';
export { JdbcSourceConnector, groupPartitions, filterTables } from './source/connector';
export { JdbcSourceTask } from './source/task';
export * from './source/config';
export { TimestampIncrementingOffset, sourcePartitionV0, sourcePartitionV1, QUERY_PARTITION } from './source/querier';
export { createSchemaMapping, mapType, type NumericMapping, type TimestampGranularity } from './source/schema-mapping';
export { parseJdbcUrl, clientConfig, describeUrl } from './util/connection';
export { TableId, parseTableIdentifier, parseQualifiedIdentifier, quoteIdentifier } from './util/identifiers';
export { zoneFor, parseTimestampMicros, formatTimestampMicros } from './util/datetime';
export { parseArrayLiteral } from './util/pg-types';
export { JdbcSinkConnector, JdbcSinkTask } from './sink/connector';
export { JdbcSinkConfig, SINK_CONFIG_DEF, type InsertMode, type PrimaryKeyMode } from './sink/config';
export { extractFieldsMetadata, SinkRecordField, type FieldsMetadata } from './sink/fields-metadata';
export { PostgresSinkDialect } from './sink/dialect';
export { TableAlterOrCreateException } from './sink/writer';
