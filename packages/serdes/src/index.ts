/**
 * @nagare/serdes: Confluent wire-format serializers and deserializers for
 * Avro, Protobuf and JSON Schema, subject name strategies, a caching Schema
 * Registry client, and the Connect converters (AvroConverter,
 * ProtobufConverter, JsonSchemaConverter).
 */
export * from './client';
export * from './config';
export * from './strategy';
export * from './wire';
export * from './serdes';
export { avroType, protobufSchema, protobufType, messageIndexes, jsonSchema, jsonValidator, LongOrBigInt } from './formats';
export { SyncSchemaRegistryClient, syncFetch } from './sync-client';
export { AvroData } from './connect/avro-data';
export { ProtobufData } from './connect/protobuf-data';
export { JsonSchemaData } from './connect/json-schema-data';
export { AvroConverter, ProtobufConverter, JsonSchemaConverter, CONFLUENT_CONVERTERS } from './connect/converters';
