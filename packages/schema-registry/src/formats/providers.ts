/** The schema formats a registry serves (Confluent's default providers: Avro, Protobuf, JSON Schema). */
import { AvroSchemaProvider } from './avro/provider';
import { JsonSchemaProvider } from './json/provider';
import { ProtobufSchemaProvider } from './protobuf/provider';
import type { SchemaProvider } from './types';

export function defaultProviders(): SchemaProvider[] {
  return [new AvroSchemaProvider(), new ProtobufSchemaProvider(), new JsonSchemaProvider()];
}
