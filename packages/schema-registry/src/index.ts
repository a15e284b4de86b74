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
export { ProtobufSchemaProvider, ProtobufParsedSchema, parseProtoSchema, link as linkProto } from './formats/protobuf/provider';
export { parseProto } from './formats/protobuf/parser';
export { protoToString } from './formats/protobuf/format';
export type { ProtoFile } from './formats/protobuf/model';
export { JsonSchemaProvider, JsonParsedSchema, newAjv, draftOf } from './formats/json/provider';
export type { Draft } from './formats/json/provider';
