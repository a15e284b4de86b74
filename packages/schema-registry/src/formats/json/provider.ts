/**
 * The JSON Schema `SchemaProvider` (Confluent's `JsonSchemaProvider` /
 * `JsonSchema`): the schema must be JSON (object or boolean) and compile
 * with ajv for its draft (`$schema`: draft-04, -06, -07 (default), 2019-09,
 * 2020-12; draft-04's boolean `exclusiveMaximum`/`exclusiveMinimum` and `id`
 * are read as draft-06 ones); references are other documents addressed by
 * the reference name in `$ref`. The canonical string is the document
 * re-serialized compactly in its key order (Jackson's `writeValueAsString`);
 * normalized, keys are sorted.
 */
import Ajv, { type AnySchema } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { JsonObject, JsonParseError, JsonValue, isObj, parseJson, toPlain, writeJson } from '../../util/json';
import { flattenReferences } from '../avro/provider';
import { InvalidSchemaError, ParseOptions, ParsedSchema, ResolvedReference, SchemaProvider, SchemaReference } from '../types';
import { COMPATIBLE_CHANGES, jsonDifferenceString, jsonSchemaDiff } from './diff';
import { JS, JsonSchemaLoader } from './model';

export type Draft = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

export function draftOf(schema: JsonValue): Draft {
  const s = isObj(schema) ? schema.get('$schema') : undefined;
  if (typeof s !== 'string') return 'draft-07';
  if (s.includes('draft-04')) return 'draft-04';
  if (s.includes('draft-06')) return 'draft-06';
  if (s.includes('2019-09')) return '2019-09';
  if (s.includes('2020-12')) return '2020-12';
  return 'draft-07';
}

/** Draft-04 documents in the draft-06 form ajv compiles (boolean exclusive limits, `id`). */
export function fromDraft04(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromDraft04);
  if (v === null || typeof v !== 'object') return v;
  const o: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(src)) {
    if (k === '$schema') continue;
    if (k === 'id' && typeof x === 'string') o.$id = x;
    else if ((k === 'exclusiveMaximum' || k === 'exclusiveMinimum') && typeof x === 'boolean') {
      const lim = k === 'exclusiveMaximum' ? 'maximum' : 'minimum';
      if (x && typeof src[lim] === 'number') o[k] = src[lim];
    } else if ((k === 'maximum' || k === 'minimum') && src[k === 'maximum' ? 'exclusiveMaximum' : 'exclusiveMinimum'] === true) {
      continue;
    } else o[k] = fromDraft04(x);
  }
  return o;
}

/** An ajv instance for a draft (formats from ajv-formats; unknown keywords allowed, as JSON Schema allows). */
export function newAjv(draft: Draft): Ajv {
  const opts = { strict: false, allErrors: false, validateFormats: true, allowUnionTypes: true };
  const ajv: Ajv = draft === '2019-09' ? new Ajv2019(opts) : draft === '2020-12' ? new Ajv2020(opts) : new Ajv(opts);
  addFormats(ajv as never);
  return ajv;
}

function forAjv(v: JsonValue, draft: Draft): AnySchema {
  const plain = toPlain(v);
  if (draft === 'draft-04') return fromDraft04(plain) as AnySchema;
  if (draft === 'draft-06' && plain && typeof plain === 'object') {
    // ajv validates draft-06 documents with its draft-07 meta-schema
    const { $schema, ...rest } = plain as Record<string, unknown>;
    void $schema;
    return rest as AnySchema;
  }
  return plain as AnySchema;
}

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) {
    const o = new JsonObject();
    for (const k of v.keys().sort()) o.set(k, sortKeys(v.get(k)!));
    return o;
  }
  return v;
}

export class JsonParsedSchema implements ParsedSchema {
  readonly schemaType = 'JSON' as const;
  private canonical: string | null = null;
  private model: JS | null = null;

  constructor(
    readonly json: JsonValue,
    readonly references: SchemaReference[],
    /** Referenced documents by reference name. */
    readonly resolved: ReadonlyMap<string, JsonValue>,
    readonly draft: Draft,
  ) {}

  canonicalString(): string {
    this.canonical ??= writeJson(this.json);
    return this.canonical;
  }

  normalize(): JsonParsedSchema {
    const refs = [...this.references].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return new JsonParsedSchema(sortKeys(this.json), refs, this.resolved, this.draft);
  }

  typed(): JS {
    this.model ??= new JsonSchemaLoader(this.json, this.resolved).load();
    return this.model;
  }

  isBackwardCompatible(previous: ParsedSchema): string[] {
    if (!(previous instanceof JsonParsedSchema)) return ['Incompatible because of different schema type'];
    try {
      return jsonSchemaDiff(previous.typed(), this.typed())
        .filter((d) => !COMPATIBLE_CHANGES.has(d.type))
        .map(jsonDifferenceString);
    } catch (e) {
      return [`Unexpected exception during compatibility check: ${(e as Error).message}`];
    }
  }

  name(): string | null {
    if (!isObj(this.json)) return null;
    const t = this.json.get('title');
    return typeof t === 'string' ? t : null;
  }

  formatted(format: string): string | null {
    return format === 'default' || format === '' ? this.canonicalString() : null;
  }

  /** The document for ajv (with its references added to `ajv` by name). */
  compileWith(ajv: Ajv): ReturnType<Ajv['compile']> {
    for (const [name, doc] of this.resolved) if (!ajv.getSchema(name)) ajv.addSchema(forAjv(doc, draftOf(doc)), name);
    return ajv.compile(forAjv(this.json, this.draft));
  }

  toString(): string {
    return this.canonicalString();
  }
}

export class JsonSchemaProvider implements SchemaProvider {
  readonly schemaType = 'JSON' as const;

  parse(text: string, references: readonly ResolvedReference[], _opts: ParseOptions): JsonParsedSchema {
    let json: JsonValue;
    try {
      json = parseJson(text, { allowNonNumeric: true });
    } catch (e) {
      if (e instanceof JsonParseError) throw new InvalidSchemaError(e.message);
      throw e;
    }
    if (!isObj(json) && typeof json !== 'boolean') throw new InvalidSchemaError(`Invalid JSON Schema: expected an object or a boolean, got ${writeJson(json).slice(0, 50)}`);
    const resolved = new Map<string, JsonValue>();
    for (const r of flattenReferences(references)) {
      try {
        resolved.set(r.name, parseJson(r.schema, { allowNonNumeric: true }));
      } catch (e) {
        throw new InvalidSchemaError(`Invalid referenced schema ${r.name}: ${(e as Error).message}`);
      }
    }
    const draft = draftOf(json);
    const parsed = new JsonParsedSchema(
      json,
      references.map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
      resolved,
      draft,
    );
    try {
      parsed.compileWith(newAjv(draft));
    } catch (e) {
      throw new InvalidSchemaError((e as Error).message);
    }
    return parsed;
  }
}
