/**
 * @nagare/schema-registry: a Confluent-compatible Schema Registry (REST API
 * of Confluent SR 7.9, `_schemas` topic storage, leader election, Avro,
 * Protobuf and JSON Schema).
 */
export * from './errors';
export * from './subject';
export * from './formats/types';
export * from './formats/compatibility';
export { AvroSchemaProvider, AvroParsedSchema } from './formats/avro/provider';
export * from './store/records';
export * from './store/state';
export * from './store/log';
export * from './registry';
export * from './rest';
export * from './util/json';
export * from './config';
export * from './server';
export * from './leader';
export * from './store/kafka-log';
export { defaultProviders } from './formats/providers';
