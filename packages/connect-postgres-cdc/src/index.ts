/**
 * @nagare/connect-postgres-cdc: Debezium's PostgreSQL connector
 * (`io.debezium.connector.postgresql.PostgresConnector`) on pgoutput logical
 * decoding, and the `io.debezium.transforms.ExtractNewRecordState` SMT,
 * written against @nagare/connect-api only.
 */
export * from './version';
export { PostgresConnector } from './connector';
export { PostgresConnectorTask, FlushTracker, tableCaptured, columnCaptured, snapshotMarker } from './task';
export { PostgresConnectorConfig, POSTGRES_CONFIG_DEF, validatePostgresConfig, splitRegexList } from './config';
export { ChangeEventEmitter, PK_UPDATE_NEWKEY_FIELD, PK_UPDATE_OLDKEY_FIELD, type EventPosition, type EmitterOptions } from './events';
export { TableSchema, type RelationColumnInfo, type TableSchemaOptions } from './schema/table-schema';
export { TypeCatalog, describeTable, listTables, type CatalogTable, type CatalogColumn } from './schema/catalog';
export { SOURCE_SCHEMA, envelopeSchema, sourceStruct, sequence, HEARTBEAT_KEY_SCHEMA, HEARTBEAT_VALUE_SCHEMA } from './schema/envelope';
export { mapType, DEBEZIUM, epochDay, epochMicros, microsOfDay, isoUtc, zonedTime, intervalMicros, intervalIso, bitsToBytes, type PgType, type TypeConfig } from './schema/types';
export { decodePgOutput, UNCHANGED_TOAST, type PgOutputMessage, type TupleValue } from './replication/pgoutput';
export { ReplicationConnection } from './replication/connection';
export { parseLsn, formatLsn } from './util/lsn';
export { ExtractNewRecordState, DELETED_FIELD } from './transforms/extract-new-record-state';
