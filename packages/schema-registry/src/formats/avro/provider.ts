/** The Avro `SchemaProvider` (Confluent's `AvroSchemaProvider` / `AvroSchema`). */
import { JsonParseError, parseJson } from '../../util/json';
import { InvalidSchemaError, ParseOptions, ParsedSchema, ResolvedReference, SchemaProvider, SchemaReference } from '../types';
import { checkReaderWriterCompatibility, differenceString } from './compatibility';
import { AvroSchemaNode, Names, SchemaParseException, avroToString, isNamed, namedTypes, normalizeAvro, parseAvro } from './model';

export class AvroParsedSchema implements ParsedSchema {
  readonly schemaType = 'AVRO' as const;
  private canonical: string | null = null;

  constructor(
    readonly schema: AvroSchemaNode,
    readonly references: SchemaReference[],
    /** Full names of the named types the references define (printed by name). */
    readonly referencedNames: string[],
  ) {}

  canonicalString(): string {
    this.canonical ??= avroToString(this.schema, this.referencedNames);
    return this.canonical;
  }

  normalize(): AvroParsedSchema {
    const refs = [...this.references].sort(compareRefs).filter((r, i, a) => i === 0 || compareRefs(r, a[i - 1]) !== 0);
    return new AvroParsedSchema(normalizeAvro(this.schema), refs, this.referencedNames);
  }

  isBackwardCompatible(previous: ParsedSchema): string[] {
    if (!(previous instanceof AvroParsedSchema)) return ['Incompatible because of different schema type'];
    try {
      return checkReaderWriterCompatibility(this.schema, previous.schema).map(differenceString);
    } catch (e) {
      return [`Unexpected exception during compatibility check: ${(e as Error).message}`];
    }
  }

  name(): string | null {
    return isNamed(this.schema) ? this.schema.fullName : this.schema.kind === 'primitive' ? this.schema.type : this.schema.kind;
  }

  formatted(format: string): string | null {
    return format === 'default' || format === '' ? this.canonicalString() : null;
  }

  toString(): string {
    return this.canonicalString();
  }
}

export function compareRefs(a: SchemaReference, b: SchemaReference): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version;
}

/** Depth-first: a reference's own references come before it (Confluent's resolvedReferences order). */
export function flattenReferences(refs: readonly ResolvedReference[], out = new Map<string, ResolvedReference>()): ResolvedReference[] {
  for (const r of refs) {
    flattenReferences(r.references, out);
    if (!out.has(r.name)) out.set(r.name, r);
  }
  return [...out.values()];
}

export class AvroSchemaProvider implements SchemaProvider {
  readonly schemaType = 'AVRO' as const;

  parse(text: string, references: readonly ResolvedReference[], opts: ParseOptions): AvroParsedSchema {
    try {
      const names = new Names();
      const referenced: string[] = [];
      for (const r of flattenReferences(references)) {
        const refNode = parseAvro(parseJson(r.schema), names, { validateDefaults: false });
        for (const n of namedTypes(refNode).keys()) referenced.push(n);
      }
      const node = parseAvro(parseJson(text), names, { validateDefaults: opts.isNew });
      return new AvroParsedSchema(
        node,
        references.map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
        referenced,
      );
    } catch (e) {
      if (e instanceof SchemaParseException || e instanceof JsonParseError) throw new InvalidSchemaError(e.message);
      throw e;
    }
  }
}
