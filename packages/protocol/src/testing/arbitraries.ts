/**
 * fast-check arbitraries for any message at any version, built from the
 * generated schemas: fields present in the version get random values of their
 * type (null where the version allows it), absent fields keep their defaults,
 * tagged fields are sometimes left at their default (and so not written), and
 * flexible structs sometimes carry unknown tagged fields.
 */
import fc from 'fast-check';
import { FieldSchema, MessageSchema, defaultValue } from '../schema';

type Value = unknown;

function inRange(r: [number, number] | undefined | null, v: number): boolean {
  return r !== undefined && r !== null && v >= r[0] && v <= r[1];
}

function isFlexible(schema: MessageSchema, version: number): boolean {
  return inRange(schema.flexibleVersions, version);
}

const uuidArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
const bytesArb = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
const stringArb = fc.string({ unit: 'grapheme', maxLength: 12 });

function primitiveArb(t: string): fc.Arbitrary<Value> | undefined {
  switch (t) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return stringArb;
    case 'uuid':
      return uuidArb;
    case 'bytes':
    case 'records':
      return bytesArb;
    default:
      return undefined;
  }
}

export class MessageArbitraries {
  constructor(
    private readonly schema: MessageSchema,
    private readonly maxDepth = 3,
  ) {}

  private typeArb(t: string, version: number, depth: number): fc.Arbitrary<Value> {
    if (t.startsWith('[]')) {
      const elem = this.typeArb(t.slice(2), version, depth + 1);
      return fc.array(elem, { maxLength: depth >= this.maxDepth ? 0 : 3 });
    }
    return primitiveArb(t) ?? this.structArb(t, version, depth + 1);
  }

  private fieldArb(f: FieldSchema, version: number, depth: number): fc.Arbitrary<Value> {
    if (!inRange(f.versions, version)) return fc.constant(defaultValue(this.schema, f));
    let arb = this.typeArb(f.type, version, depth);
    if (inRange(f.nullableVersions, version)) arb = fc.option(arb, { nil: null, freq: 4 });
    if (f.taggedVersions) arb = fc.oneof(fc.constant(defaultValue(this.schema, f)), arb);
    return arb;
  }

  private unknownTagsArb(fields: FieldSchema[]): fc.Arbitrary<Array<{ tag: number; data: Buffer }> | undefined> {
    const known = new Set(fields.filter((f) => f.tag !== undefined).map((f) => f.tag!));
    return fc.option(
      fc
        .uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 3 })
        .map((tags) => tags.filter((t) => !known.has(t)).sort((a, b) => a - b))
        .chain((tags) => fc.tuple(...tags.map((tag) => bytesArb.map((data) => ({ tag, data })))))
        .map((list) => (list.length === 0 ? undefined : list)),
      { nil: undefined, freq: 3 },
    );
  }

  private fieldsArb(fields: FieldSchema[], version: number, depth: number): fc.Arbitrary<Record<string, Value>> {
    const model: Record<string, fc.Arbitrary<Value>> = {};
    for (const f of fields) model[f.name] = this.fieldArb(f, version, depth);
    const base = fc.record(model);
    if (!isFlexible(this.schema, version)) return base;
    return fc.tuple(base, this.unknownTagsArb(fields)).map(([v, unknown]) => (unknown ? { ...v, _unknownTaggedFields: unknown } : v));
  }

  structArb(name: string, version: number, depth: number): fc.Arbitrary<Value> {
    const fields = this.schema.structs[name];
    if (!fields) throw new Error(`${this.schema.name}: unknown struct ${name}`);
    return this.fieldsArb(fields, version, depth);
  }

  messageArb(version: number): fc.Arbitrary<Record<string, Value>> {
    return this.fieldsArb(this.schema.fields, version, 0);
  }
}

