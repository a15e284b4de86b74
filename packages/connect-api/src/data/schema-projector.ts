/**
 * `org.apache.kafka.connect.data.SchemaProjector`: projects a value from a
 * source schema onto a compatible target schema (fields added with defaults,
 * removed fields dropped, numeric widening, optional-ness respected) — used
 * by sinks that must write data of an older/newer schema.
 */
import { SchemaProjectorException } from '../errors/errors';
import { Struct, SchemaType, isPrimitiveType, type Schema } from './schema';

const PROMOTABLE: Record<string, SchemaType[]> = {
  [SchemaType.INT8]: [SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64],
  [SchemaType.INT16]: [SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64],
  [SchemaType.INT32]: [SchemaType.INT64, SchemaType.FLOAT32, SchemaType.FLOAT64],
  [SchemaType.INT64]: [SchemaType.FLOAT32, SchemaType.FLOAT64],
  [SchemaType.FLOAT32]: [SchemaType.FLOAT64],
};

export const SchemaProjector = {
  project(source: Schema, record: unknown, target: Schema): unknown {
    checkMaybeCompatible(source, target);
    if (source.isOptional() && !target.isOptional()) {
      if (target.defaultValue() !== null && target.defaultValue() !== undefined) {
        if (record !== null && record !== undefined) return projectRequiredSchema(source, record, target);
        return target.defaultValue();
      }
      throw new SchemaProjectorException('Writer schema is optional, however, target schema does not provide a default value.');
    }
    if (record !== null && record !== undefined) return projectRequiredSchema(source, record, target);
    return null;
  },
};

function projectRequiredSchema(source: Schema, record: unknown, target: Schema): unknown {
  switch (target.type()) {
    case SchemaType.STRUCT:
      return projectStruct(source, record as Struct, target);
    case SchemaType.ARRAY:
      return (record as unknown[]).map((e) => SchemaProjector.project(source.valueSchema()!, e, target.valueSchema()!));
    case SchemaType.MAP: {
      const out = new Map<unknown, unknown>();
      const entries = record instanceof Map ? record.entries() : Object.entries(record as object);
      for (const [k, v] of entries) out.set(SchemaProjector.project(source.keySchema()!, k, target.keySchema()!), SchemaProjector.project(source.valueSchema()!, v, target.valueSchema()!));
      return out;
    }
    default:
      return projectPrimitive(source, record, target);
  }
}

function projectStruct(source: Schema, sourceStruct: Struct, target: Schema): Struct {
  const out = new Struct(target);
  for (const tf of target.fields()) {
    const sf = source.field(tf.name());
    if (sf !== null) {
      out.put(tf.name(), SchemaProjector.project(sf.schema(), sourceStruct.get(sf), tf.schema()));
    } else if (tf.schema().isOptional()) {
      // left null
    } else if (tf.schema().defaultValue() !== null && tf.schema().defaultValue() !== undefined) {
      out.put(tf.name(), tf.schema().defaultValue());
    } else {
      throw new SchemaProjectorException(`Required field \`${tf.name()}\` is missing from source schema: ${String(source)}`);
    }
  }
  return out;
}

function checkMaybeCompatible(source: Schema, target: Schema): void {
  if (source.type() !== target.type() && !isPromotable(source.type(), target.type())) {
    throw new SchemaProjectorException(`Schema type mismatch. source type: ${source.type()} and target type: ${target.type()}`);
  }
  if (source.name() !== target.name()) throw new SchemaProjectorException(`Schema name mismatch. source name: ${source.name()} and target name: ${target.name()}`);
  const sp = source.parameters();
  const tp = target.parameters();
  if (JSON.stringify(sp) !== JSON.stringify(tp)) throw new SchemaProjectorException(`Schema parameters not equal. source parameters: ${JSON.stringify(sp)} and target parameters: ${JSON.stringify(tp)}`);
}

function isPromotable(s: SchemaType, t: SchemaType): boolean {
  return PROMOTABLE[s]?.includes(t) ?? false;
}

function projectPrimitive(source: Schema, record: unknown, target: Schema): unknown {
  if (!isPrimitiveType(target.type())) throw new SchemaProjectorException(`Unexpected target type ${target.type()}`);
  if (source.type() === target.type()) return record;
  if (isPromotable(source.type(), target.type())) {
    const n = Number(record as number | bigint);
    return target.type() === SchemaType.FLOAT32 ? Math.fround(n) : n;
  }
  throw new SchemaProjectorException(`Not promotable type. source type: ${source.type()} and target type: ${target.type()}`);
}
