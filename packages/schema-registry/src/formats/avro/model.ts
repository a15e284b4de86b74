/**
 * Avro schemas as Apache Avro's Java `Schema.Parser` reads them and
 * `Schema.toString()` writes them: the canonical string the JVM registry
 * stores (`AvroSchema.canonicalString()`), so a schema gets the same id here
 * as there. Names and namespaces resolve as the Avro spec says (a nested
 * named type inherits the enclosing namespace; a dotted name ignores
 * `namespace`); custom properties keep their document order; defaults are
 * validated against their type when `validateDefaults` is set (the registry
 * sets it for schemas being registered, as Confluent does).
 *
 * avsc (used for encoding in @nagare/serdes) prints the Parsing Canonical
 * Form instead, which drops docs, defaults and properties; hence this model.
 */
import { JsonNumber, JsonObject, JsonValue, jacksonNumber, writeJson } from '../../util/json';

export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';
export const PRIMITIVES: readonly PrimitiveName[] = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
const TYPE_NAMES = new Set<string>([...PRIMITIVES, 'record', 'error', 'enum', 'fixed', 'array', 'map', 'union']);

export type Props = Array<[string, JsonValue]>;

export interface PrimitiveSchema {
  kind: 'primitive';
  type: PrimitiveName;
  props: Props;
}
interface NamedBase {
  name: string;
  namespace: string | null;
  fullName: string;
  doc: string | null;
  /** Full names. */
  aliases: string[];
  props: Props;
}
export interface RecordSchema extends NamedBase {
  kind: 'record';
  isError: boolean;
  fields: AvroField[];
}
export interface EnumSchema extends NamedBase {
  kind: 'enum';
  symbols: string[];
  enumDefault: string | null;
}
export interface FixedSchema extends NamedBase {
  kind: 'fixed';
  size: number;
}
export interface ArraySchema {
  kind: 'array';
  items: AvroSchemaNode;
  props: Props;
}
export interface MapSchema {
  kind: 'map';
  values: AvroSchemaNode;
  props: Props;
}
export interface UnionSchema {
  kind: 'union';
  types: AvroSchemaNode[];
}
export type NamedSchema = RecordSchema | EnumSchema | FixedSchema;
export type AvroSchemaNode = PrimitiveSchema | NamedSchema | ArraySchema | MapSchema | UnionSchema;

export type FieldOrder = 'ascending' | 'descending' | 'ignore';

export interface AvroField {
  name: string;
  type: AvroSchemaNode;
  doc: string | null;
  /** undefined: no default. */
  defaultValue: JsonValue | undefined;
  order: FieldOrder;
  aliases: string[];
  props: Props;
  pos: number;
}

export class SchemaParseException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaParseException';
  }
}

export function isNamed(s: AvroSchemaNode): s is NamedSchema {
  return s.kind === 'record' || s.kind === 'enum' || s.kind === 'fixed';
}

/** The type name Avro Java prints (`Schema.Type.getName()`). */
export function typeName(s: AvroSchemaNode): string {
  return s.kind === 'primitive' ? s.type : s.kind;
}

/** `Schema.Type` constant name (`STRING`, `RECORD`), as in compatibility messages. */
export function typeConst(s: AvroSchemaNode): string {
  return typeName(s).toUpperCase();
}

export function propValue(props: Props, key: string): JsonValue | undefined {
  for (const [k, v] of props) if (k === key) return v;
  return undefined;
}

export function logicalTypeOf(s: AvroSchemaNode): string | null {
  if (s.kind === 'union' || s.kind === 'record' || s.kind === 'enum') return null;
  const v = propValue(s.props, 'logicalType');
  return typeof v === 'string' ? v : null;
}

// ------------------------------------------------------------------ names

export class Names {
  readonly map = new Map<string, NamedSchema>();
  space: string | null = null;
  get(name: string): AvroSchemaNode | undefined {
    if ((PRIMITIVES as readonly string[]).includes(name)) return { kind: 'primitive', type: name as PrimitiveName, props: [] };
    const full = qualify(name, this.space);
    return this.map.get(full) ?? this.map.get(name);
  }
  add(s: NamedSchema): void {
    if (this.map.has(s.fullName)) throw new SchemaParseException(`Can't redefine: ${s.fullName}`);
    this.map.set(s.fullName, s);
  }
}

function qualify(name: string, space: string | null): string {
  if (name.includes('.')) return name;
  return space ? `${space}.${name}` : name;
}

function validateName(name: string): void {
  if (name.length === 0) throw new SchemaParseException('Empty name');
  const first = name[0];
  if (!(/\p{L}/u.test(first) || first === '_')) throw new SchemaParseException(`Illegal initial character: ${name}`);
  for (const c of name.slice(1)) if (!(/[\p{L}\p{N}]/u.test(c) || c === '_')) throw new SchemaParseException(`Illegal character in: ${name}`);
}

function splitName(name: string, space: string | null): { name: string; namespace: string | null; fullName: string } {
  const dot = name.lastIndexOf('.');
  let simple = name;
  let ns = space === '' ? null : space;
  if (dot >= 0) {
    simple = name.slice(dot + 1);
    ns = name.slice(0, dot);
    if (ns === '') ns = null;
  }
  validateName(simple);
  if (ns !== null) for (const part of ns.split('.')) validateName(part);
  return { name: simple, namespace: ns, fullName: ns ? `${ns}.${simple}` : simple };
}

// ------------------------------------------------------------------ parse

const SCHEMA_RESERVED = new Set(['doc', 'fields', 'items', 'name', 'namespace', 'size', 'symbols', 'values', 'type', 'aliases']);
const ENUM_RESERVED = new Set([...SCHEMA_RESERVED, 'default']);
const FIELD_RESERVED = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases']);

export interface ParseOptions {
  validateDefaults?: boolean;
}

/** Parses a schema given as a JSON tree; `names` holds the types already known (from references). */
export function parseAvro(json: JsonValue, names: Names, opts: ParseOptions = {}): AvroSchemaNode {
  const p = new Parser(names, opts.validateDefaults ?? true);
  return p.parse(json);
}

class Parser {
  constructor(
    readonly names: Names,
    readonly validateDefaults: boolean,
  ) {}

  parse(json: JsonValue): AvroSchemaNode {
    if (typeof json === 'string') {
      const s = this.names.get(json);
      if (!s) throw new SchemaParseException(`Undefined name: ${JSON.stringify(json)}`);
      return s;
    }
    if (Array.isArray(json)) return this.parseUnion(json);
    if (json instanceof JsonObject) return this.parseObject(json);
    throw new SchemaParseException(`Schema not yet supported: ${writeJson(json)}`);
  }

  private parseUnion(json: JsonValue[]): UnionSchema {
    const types = json.map((t) => this.parse(t));
    const seen = new Set<string>();
    for (const t of types) {
      if (t.kind === 'union') throw new SchemaParseException(`Nested union: ${writeJson(json)}`);
      const key = isNamed(t) ? t.fullName : typeName(t);
      if (seen.has(key)) throw new SchemaParseException(`Duplicate in union:${key}`);
      seen.add(key);
    }
    return { kind: 'union', types };
  }

  private text(o: JsonObject, key: string): string | null {
    const v = o.get(key);
    return typeof v === 'string' ? v : null;
  }

  private parseObject(o: JsonObject): AvroSchemaNode {
    const typeNode = o.get('type');
    if (typeNode instanceof JsonObject || Array.isArray(typeNode)) {
      // {"type": {...}} / {"type": [...]}: the inner schema
      return this.parse(typeNode);
    }
    const type = typeof typeNode === 'string' ? typeNode : null;
    if (type === null) throw new SchemaParseException(`No type: ${writeJson(o)}`);
    if ((PRIMITIVES as readonly string[]).includes(type)) {
      return { kind: 'primitive', type: type as PrimitiveName, props: this.props(o, SCHEMA_RESERVED) };
    }
    if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
      const rawName = this.text(o, 'name');
      if (rawName === null) throw new SchemaParseException(`No name in schema: ${writeJson(o)}`);
      const nsNode = o.get('namespace');
      const space = typeof nsNode === 'string' ? nsNode : this.names.space;
      const n = splitName(rawName, space);
      const docNode = o.get('doc');
      const doc = typeof docNode === 'string' ? docNode : null;
      const aliases = this.aliases(o, n.namespace);
      if (type === 'fixed') {
        const size = o.get('size');
        if (!(size instanceof JsonNumber) || !size.isIntegral) throw new SchemaParseException(`Invalid or no size: ${writeJson(o)}`);
        const s: FixedSchema = { kind: 'fixed', ...n, doc, aliases, size: size.value, props: this.props(o, SCHEMA_RESERVED) };
        this.names.add(s);
        return s;
      }
      if (type === 'enum') {
        const symbols = o.get('symbols');
        if (!Array.isArray(symbols)) throw new SchemaParseException(`Enum has no symbols: ${writeJson(o)}`);
        const syms: string[] = [];
        for (const sym of symbols) {
          if (typeof sym !== 'string') throw new SchemaParseException(`Enum symbol not a string: ${writeJson(sym)}`);
          validateName(sym);
          if (syms.includes(sym)) throw new SchemaParseException(`Duplicate enum symbol: ${sym}`);
          syms.push(sym);
        }
        const def = o.get('default');
        let enumDefault: string | null = null;
        if (def !== undefined && def !== null) {
          if (typeof def !== 'string' || !syms.includes(def)) throw new SchemaParseException(`The Enum Default: ${typeof def === 'string' ? def : writeJson(def)} is not in the enum symbol set: [${syms.join(', ')}]`);
          enumDefault = def;
        }
        const s: EnumSchema = { kind: 'enum', ...n, doc, aliases, symbols: syms, enumDefault, props: this.props(o, ENUM_RESERVED) };
        this.names.add(s);
        return s;
      }
      const rec: RecordSchema = { kind: 'record', isError: type === 'error', ...n, doc, aliases, fields: [], props: this.props(o, SCHEMA_RESERVED) };
      this.names.add(rec);
      const fieldsNode = o.get('fields');
      if (!Array.isArray(fieldsNode)) throw new SchemaParseException(`Record has no fields: ${writeJson(o)}`);
      const saved = this.names.space;
      this.names.space = n.namespace;
      try {
        for (const f of fieldsNode) {
          if (!(f instanceof JsonObject)) throw new SchemaParseException(`Field not an object: ${writeJson(f)}`);
          const fname = this.text(f, 'name');
          if (fname === null) throw new SchemaParseException(`No field name: ${writeJson(f)}`);
          validateName(fname);
          const ftypeNode = f.get('type');
          if (ftypeNode === undefined) throw new SchemaParseException(`No field type: ${writeJson(f)}`);
          if (typeof ftypeNode === 'string' && !this.names.get(ftypeNode)) {
            throw new SchemaParseException(`"${ftypeNode}" is not a defined name. The type of the "${fname}" field must be a defined name or a {"type": ...} expression.`);
          }
          const ftype = this.parse(ftypeNode);
          const fdocNode = f.get('doc');
          const orderNode = f.get('order');
          let order: FieldOrder = 'ascending';
          if (orderNode !== undefined) {
            const ov = typeof orderNode === 'string' ? orderNode.toLowerCase() : '';
            if (ov !== 'ascending' && ov !== 'descending' && ov !== 'ignore') throw new SchemaParseException(`No enum constant org.apache.avro.Schema.Field.Order.${typeof orderNode === 'string' ? orderNode.toUpperCase() : writeJson(orderNode)}`);
            order = ov;
          }
          const defaultValue = f.has('default') ? f.get('default') : undefined;
          if (defaultValue !== undefined && this.validateDefaults && !isValidDefault(ftype, defaultValue)) {
            throw new SchemaParseException(`Invalid default for field ${fname}: ${writeJson(defaultValue)} not a ${avroToString(ftype)}`);
          }
          const faliasesNode = f.get('aliases');
          const faliases: string[] = [];
          if (faliasesNode !== undefined) {
            if (!Array.isArray(faliasesNode)) throw new SchemaParseException(`aliases not an array: ${writeJson(f)}`);
            for (const a of faliasesNode) {
              if (typeof a !== 'string') throw new SchemaParseException(`alias not a string: ${writeJson(a)}`);
              faliases.push(a);
            }
          }
          const field: AvroField = {
            name: fname,
            type: ftype,
            doc: typeof fdocNode === 'string' ? fdocNode : null,
            defaultValue,
            order,
            aliases: faliases,
            props: this.props(f, FIELD_RESERVED),
            pos: rec.fields.length,
          };
          const existing = rec.fields.find((x) => x.name === fname);
          if (existing) throw new SchemaParseException(`Duplicate field ${fname} in record ${rec.fullName}: ${fieldToString(field)} and ${fieldToString(existing)}.`);
          rec.fields.push(field);
        }
      } finally {
        this.names.space = saved;
      }
      return rec;
    }
    if (type === 'array') {
      const items = o.get('items');
      if (items === undefined) throw new SchemaParseException(`Array has no items type: ${writeJson(o)}`);
      return { kind: 'array', items: this.parse(items), props: this.props(o, SCHEMA_RESERVED) };
    }
    if (type === 'map') {
      const values = o.get('values');
      if (values === undefined) throw new SchemaParseException(`Map has no values type: ${writeJson(o)}`);
      return { kind: 'map', values: this.parse(values), props: this.props(o, SCHEMA_RESERVED) };
    }
    // a named type used as {"type": "com.example.Name"}
    const named = this.names.get(type);
    if (named) return named;
    throw new SchemaParseException(`Undefined name: ${JSON.stringify(type)}`);
  }

  private props(o: JsonObject, reserved: Set<string>): Props {
    const out: Props = [];
    for (const [k, v] of o.entries) if (!reserved.has(k)) out.push([k, v]);
    return out;
  }

  private aliases(o: JsonObject, space: string | null): string[] {
    const a = o.get('aliases');
    if (a === undefined || a === null) return [];
    if (!Array.isArray(a)) throw new SchemaParseException(`aliases not an array: ${writeJson(o)}`);
    return a.map((x) => {
      if (typeof x !== 'string') throw new SchemaParseException(`alias not a string: ${writeJson(x)}`);
      return splitName(x, space).fullName;
    });
  }
}

/** Avro's `Schema.isValidDefault`. */
export function isValidDefault(s: AvroSchemaNode, v: JsonValue | undefined): boolean {
  if (v === undefined) return false;
  switch (s.kind) {
    case 'primitive':
      switch (s.type) {
        case 'null':
          return v === null;
        case 'boolean':
          return typeof v === 'boolean';
        case 'int':
          return v instanceof JsonNumber && v.isIntegral && Number.isSafeInteger(v.value) && v.value >= -2147483648 && v.value <= 2147483647;
        case 'long':
          return v instanceof JsonNumber && v.isIntegral && BigInt(v.raw) >= -(2n ** 63n) && BigInt(v.raw) < 2n ** 63n;
        case 'float':
        case 'double':
          return v instanceof JsonNumber;
        case 'bytes':
        case 'string':
          return typeof v === 'string';
      }
      return false;
    case 'enum':
    case 'fixed':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v) && v.every((x) => isValidDefault(s.items, x));
    case 'map':
      return v instanceof JsonObject && [...v.entries.values()].every((x) => isValidDefault(s.values, x));
    case 'record':
      if (!(v instanceof JsonObject)) return false;
      for (const f of s.fields) {
        const fv = v.has(f.name) ? v.get(f.name) : f.defaultValue;
        if (!isValidDefault(f.type, fv)) return false;
      }
      return true;
    case 'union':
      return s.types.some((t) => isValidDefault(t, v));
  }
}

// ------------------------------------------------------------------ write

export interface WriteNames {
  /** Named types already written (or known from references): printed by name. */
  known: Set<string>;
  space: string | null;
}

function shouldWriteFull(s: NamedSchema, defaultSpace: string | null): boolean {
  if (s.namespace !== null && s.namespace === defaultSpace) return (TYPE_NAMES as Set<string>).has(s.name);
  return true;
}

function qualifiedFor(fullName: string, space: string | null): string {
  const dot = fullName.lastIndexOf('.');
  const ns = dot >= 0 ? fullName.slice(0, dot) : null;
  const simple = dot >= 0 ? fullName.slice(dot + 1) : fullName;
  if (ns !== null && ns === space && !TYPE_NAMES.has(simple)) return simple;
  return fullName;
}

function writeProps(props: Props): string {
  let s = '';
  for (const [k, v] of props) s += ',' + JSON.stringify(k) + ':' + writeJson(v, avroNumber);
  return s;
}

/** Avro writes numbers of properties and defaults through Jackson as parsed. */
function avroNumber(n: JsonNumber): string {
  return jacksonNumber(n);
}

/** `Schema.toString()`: compact JSON in Avro Java's key order. */
export function avroToString(s: AvroSchemaNode, known: Iterable<string> = []): string {
  return write(s, { known: new Set(known), space: null });
}

function write(s: AvroSchemaNode, names: WriteNames): string {
  switch (s.kind) {
    case 'primitive':
      if (s.props.length === 0) return JSON.stringify(s.type);
      return `{"type":${JSON.stringify(s.type)}${writeProps(s.props)}}`;
    case 'union':
      return '[' + s.types.map((t) => write(t, names)).join(',') + ']';
    case 'array':
      return `{"type":"array","items":${write(s.items, names)}${writeProps(s.props)}}`;
    case 'map':
      return `{"type":"map","values":${write(s.values, names)}${writeProps(s.props)}}`;
    default: {
      if (names.known.has(s.fullName)) return JSON.stringify(shouldWriteFull(s, names.space) ? s.fullName : s.name);
      names.known.add(s.fullName);
      const saved = names.space;
      let out = `{"type":${JSON.stringify(s.kind === 'record' ? (s.isError ? 'error' : 'record') : s.kind)}`;
      out += `,"name":${JSON.stringify(s.name)}`;
      if (s.namespace !== null) {
        if (s.namespace !== names.space) out += `,"namespace":${JSON.stringify(s.namespace)}`;
      } else if (names.space !== null) out += ',"namespace":""';
      if (s.kind === 'record') {
        names.space = s.namespace;
        if (s.doc !== null) out += `,"doc":${JSON.stringify(s.doc)}`;
        out += ',"fields":[' + s.fields.map((f) => writeField(f, names)).join(',') + ']';
      } else if (s.kind === 'enum') {
        if (s.doc !== null) out += `,"doc":${JSON.stringify(s.doc)}`;
        out += ',"symbols":[' + s.symbols.map((x) => JSON.stringify(x)).join(',') + ']';
        if (s.enumDefault !== null) out += `,"default":${JSON.stringify(s.enumDefault)}`;
      } else {
        if (s.doc !== null) out += `,"doc":${JSON.stringify(s.doc)}`;
        out += `,"size":${s.size}`;
      }
      out += writeProps(s.props);
      if (s.aliases.length > 0) out += ',"aliases":[' + s.aliases.map((a) => JSON.stringify(qualifiedFor(a, s.namespace))).join(',') + ']';
      names.space = saved;
      return out + '}';
    }
  }
}

function writeField(f: AvroField, names: WriteNames): string {
  let out = `{"name":${JSON.stringify(f.name)},"type":${write(f.type, names)}`;
  if (f.doc !== null) out += `,"doc":${JSON.stringify(f.doc)}`;
  if (f.defaultValue !== undefined) out += `,"default":${writeJson(f.defaultValue, avroNumber)}`;
  if (f.order !== 'ascending') out += `,"order":${JSON.stringify(f.order)}`;
  if (f.aliases.length > 0) out += ',"aliases":[' + f.aliases.map((a) => JSON.stringify(a)).join(',') + ']';
  out += writeProps(f.props);
  return out + '}';
}

function fieldToString(f: AvroField): string {
  return `${f.name} type:${typeConst(f.type)} pos:${f.pos}`;
}

// ------------------------------------------------------------------ normalize

/**
 * Confluent's `AvroSchemaUtils.toNormalizedString` then re-parse: properties
 * sorted by key (a logical type's `logicalType`, `precision`, `scale` first,
 * scale 0 dropped for decimals), aliases sorted, empty docs dropped.
 */
export function normalizeAvro(s: AvroSchemaNode, seen = new Map<string, NamedSchema>()): AvroSchemaNode {
  const sortProps = (props: Props, logical: boolean): Props => {
    const byKey = new Map(props);
    const out: Props = [];
    if (logical) {
      const lt = byKey.get('logicalType');
      if (typeof lt === 'string') {
        out.push(['logicalType', lt]);
        if (lt === 'decimal') {
          const p = byKey.get('precision');
          const sc = byKey.get('scale');
          if (p !== undefined) out.push(['precision', p]);
          if (sc !== undefined && !(sc instanceof JsonNumber && sc.value === 0)) out.push(['scale', sc]);
          byKey.delete('precision');
          byKey.delete('scale');
        }
        byKey.delete('logicalType');
      }
    }
    for (const k of [...byKey.keys()].sort()) out.push([k, sortJsonKeys(byKey.get(k)!)]);
    return out;
  };
  switch (s.kind) {
    case 'primitive':
      return { ...s, props: sortProps(s.props, true) };
    case 'union':
      return { kind: 'union', types: s.types.map((t) => normalizeAvro(t, seen)) };
    case 'array':
      return { kind: 'array', items: normalizeAvro(s.items, seen), props: sortProps(s.props, false) };
    case 'map':
      return { kind: 'map', values: normalizeAvro(s.values, seen), props: sortProps(s.props, false) };
    default: {
      const prev = seen.get(s.fullName);
      if (prev) return prev;
      const base = { ...s, doc: s.doc === '' ? null : s.doc, aliases: [...s.aliases].sort(), props: sortProps(s.props, s.kind === 'fixed') };
      if (s.kind !== 'record') {
        seen.set(s.fullName, base as NamedSchema);
        return base as NamedSchema;
      }
      const rec = base as RecordSchema;
      rec.fields = [];
      seen.set(s.fullName, rec);
      rec.fields = s.fields.map((f) => ({ ...f, type: normalizeAvro(f.type, seen), aliases: [...f.aliases].sort(), props: sortProps(f.props, false) }));
      return rec;
    }
  }
}

function sortJsonKeys(v: JsonValue): JsonValue {
  if (v instanceof JsonObject) {
    const o = new JsonObject();
    for (const k of v.keys().sort()) o.set(k, sortJsonKeys(v.get(k)!));
    return o;
  }
  if (Array.isArray(v)) return v.map(sortJsonKeys);
  return v;
}

/** Every named type defined in a schema (in definition order). */
export function namedTypes(s: AvroSchemaNode, out = new Map<string, NamedSchema>()): Map<string, NamedSchema> {
  switch (s.kind) {
    case 'union':
      s.types.forEach((t) => namedTypes(t, out));
      break;
    case 'array':
      namedTypes(s.items, out);
      break;
    case 'map':
      namedTypes(s.values, out);
      break;
    case 'record':
      if (out.has(s.fullName)) break;
      out.set(s.fullName, s);
      s.fields.forEach((f) => namedTypes(f.type, out));
      break;
    case 'enum':
    case 'fixed':
      out.set(s.fullName, s);
      break;
    default:
  }
  return out;
}
