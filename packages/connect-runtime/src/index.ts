/**
 * @nagare/connect-runtime: the Kafka Connect runtime — worker, source and
 * sink task loops, standalone herder, offset store, converters, plugin
 * discovery, config validation and error handling (DLQ).
 */
export * from './util/properties';
export * from './util/client-config';
export * from './converters/json-text';
export * from './converters/json-converter';
export * from './converters/simple-converters';
export * from './storage/file-offset-store';
export * from './storage/offset-storage';
export * from './plugins/plugins';
export * from './plugins/builtin';
export * from './config/worker-config';
export * from './config/connector-config';
export * from './errors/retry-with-tolerance';
export * from './herder/status';
export * from './herder/errors';
export * from './herder/standalone-herder';
export * from './worker/transformations';
export * from './worker/topic-creation';
export * from './worker/worker-task';
export * from './worker/worker-source-task';
export * from './worker/exactly-once-worker-source-task';
export * from './worker/transaction-boundary';
export * from './worker/worker-sink-task';
export * from './worker/worker';
export * from './herder/herder';
export * from './herder/distributed-herder';
export * from './distributed/connect-protocol';
export * from './distributed/assignors';
export * from './distributed/distributed-config';
export * from './distributed/request-signature';
export * from './storage/kafka-based-log';
export * from './storage/kafka-config-store';
export * from './storage/kafka-offset-store';
export * from './storage/connector-offset-store';
export * from './storage/kafka-status-store';
export * from './util/logger-levels';
