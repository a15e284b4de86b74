/**
 * The plugins every worker has: the converters of this package, Confluent's
 * Schema Registry converters of @nagare/serdes (AvroConverter,
 * ProtobufConverter, JsonSchemaConverter) and every SMT and predicate of
 * @nagare/connect-transforms (by class name and alias).
 * Connectors (FileStream, ...) are added by the app, as Kafka ships them as
 * separate plugins.
 */
import { BUILTIN_PREDICATES, BUILTIN_TRANSFORMATIONS } from '@nagare/connect-transforms';
import { CONFLUENT_CONVERTERS } from '@nagare/serdes';
import { JsonConverter } from '../converters/json-converter';
import { BooleanConverter, ByteArrayConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter, SimpleHeaderConverter, StringConverter } from '../converters/simple-converters';
import { Plugins } from './plugins';

export function builtinPlugins(): Plugins {
  const p = new Plugins();
  for (const c of [JsonConverter, StringConverter, ByteArrayConverter, IntegerConverter, LongConverter, ShortConverter, FloatConverter, DoubleConverter, BooleanConverter]) {
    p.add(c, { type: 'converter' });
    p.add(c, { type: 'header_converter' });
  }
  p.add(SimpleHeaderConverter, { type: 'header_converter' });
  for (const c of CONFLUENT_CONVERTERS) p.add(c, { type: 'converter' });
  for (const [className, ctor] of Object.entries(BUILTIN_TRANSFORMATIONS)) p.add(ctor, { type: 'transformation', className });
  for (const [className, ctor] of Object.entries(BUILTIN_PREDICATES)) p.add(ctor, { type: 'predicate', className });
  return p;
}
