/** The schema formats a registry serves (Confluent's default providers). */
import { AvroSchemaProvider } from './avro/provider';
import type { SchemaProvider } from './types';

export function defaultProviders(): SchemaProvider[] {
  return [new AvroSchemaProvider()];
}
