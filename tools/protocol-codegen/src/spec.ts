/**
 * Reading Apache Kafka's message definitions (the JSON files with `//` comments)
 * into a normalised model the emitter works from. Only protocol facts are kept:
 * names, types, versions, tags and defaults. The `about` texts are dropped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION_OVERRIDES } from './overrides';

export const MAX_VERSION = 0x7fff;

/** An inclusive version range; empty when lo > hi. */
export interface Versions {
  lo: number;
  hi: number;
}

export const NO_VERSIONS: Versions = { lo: 1, hi: 0 };

export function parseVersions(s: string | undefined, fallback: Versions = NO_VERSIONS): Versions {
  if (s === undefined) return fallback;
  const t = s.trim();
  if (t === 'none' || t === '') return NO_VERSIONS;
  if (t.endsWith('+')) return { lo: Number(t.slice(0, -1)), hi: MAX_VERSION };
  const dash = t.indexOf('-');
  if (dash > 0) return { lo: Number(t.slice(0, dash)), hi: Number(t.slice(dash + 1)) };
  const n = Number(t);
  if (!Number.isInteger(n)) throw new Error(`bad version range '${s}'`);
  return { lo: n, hi: n };
}

export function isEmpty(v: Versions): boolean {
  return v.lo > v.hi;
}

export function intersect(a: Versions, b: Versions): Versions {
  return { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
}

export function contains(v: Versions, n: number): boolean {
  return n >= v.lo && n <= v.hi;
}

export type Primitive =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'uuid'
  | 'bytes'
  | 'records';

const PRIMITIVES = new Set<string>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'uuid',
  'bytes',
  'records',
]);

export type TypeRef =
  | { kind: 'prim'; prim: Primitive }
  | { kind: 'struct'; name: string }
  | { kind: 'array'; elem: TypeRef };

export function parseType(t: string): TypeRef {
  if (t.startsWith('[]')) return { kind: 'array', elem: parseType(t.slice(2)) };
  if (PRIMITIVES.has(t)) return { kind: 'prim', prim: t as Primitive };
  if (!/^[A-Z][A-Za-z0-9]*$/.test(t)) throw new Error(`unknown type '${t}'`);
  return { kind: 'struct', name: t };
}

export interface FieldSpec {
  name: string;
  /** Kafka's camelCase name: the first letter lower-cased. */
  camel: string;
  type: TypeRef;
  versions: Versions;
  nullable: Versions;
  tagged: Versions;
  tag: number | undefined;
  defaultRaw: string | undefined;
  ignorable: boolean;
  /** A field-level override of the message's flexible versions (RequestHeader.ClientId). */
  flexibleOverride: Versions | undefined;
  /** The struct this field's type names, when the fields are given inline. */
  inlineStruct: StructSpec | undefined;
  entityType: string | undefined;
}

export interface StructSpec {
  name: string;
  fields: FieldSpec[];
  versions: Versions;
}

export type MessageKind = 'request' | 'response' | 'header' | 'data' | 'metadata';

export interface MessageSpec {
  name: string;
  file: string;
  kind: MessageKind;
  apiKey: number | undefined;
  valid: Versions;
  /** The versions as defined upstream, before our overrides. */
  upstreamValid: Versions;
  flexible: Versions;
  latestVersionUnstable: boolean;
  listeners: string[];
  fields: FieldSpec[];
  /** Every named struct of the message (inline ones and common ones), by name. */
  structs: Map<string, StructSpec>;
  /** Names of the structs that are common structs. */
  commonStructs: string[];
}

/** Removes `//` line comments (outside strings), as Kafka's loader does. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[++i];
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  fields?: RawField[];
  entityType?: string;
}

interface RawMessage {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: Array<{ name: string; versions: string; fields: RawField[] }>;
}

function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function elementStructName(t: TypeRef): string | undefined {
  if (t.kind === 'struct') return t.name;
  if (t.kind === 'array' && t.elem.kind === 'struct') return t.elem.name;
  return undefined;
}

export function parseMessage(file: string, text: string): MessageSpec {
  const raw = JSON.parse(stripComments(text)) as RawMessage;
  const structs = new Map<string, StructSpec>();
  const kind = raw.type as MessageKind;
  if (!['request', 'response', 'header', 'data', 'metadata'].includes(kind)) {
    throw new Error(`${file}: unsupported message type '${raw.type}'`);
  }
  const upstreamValid = parseVersions(raw.validVersions);
  const override = VERSION_OVERRIDES[raw.name];
  const valid = override ? { lo: override.lowest, hi: upstreamValid.hi } : upstreamValid;

  const parseFields = (fields: RawField[], parentVersions: Versions): FieldSpec[] =>
    fields.map((f) => {
      const type = parseType(f.type);
      const versions = parseVersions(f.versions);
      if (f.versions === undefined) throw new Error(`${file}: field ${f.name} has no versions`);
      const field: FieldSpec = {
        name: f.name,
        camel: camelCase(f.name),
        type,
        versions,
        nullable: parseVersions(f.nullableVersions),
        tagged: parseVersions(f.taggedVersions),
        tag: f.tag === undefined ? undefined : Number(f.tag),
        defaultRaw: f.default === undefined ? undefined : String(f.default),
        ignorable: f.ignorable === true,
        flexibleOverride: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions),
        inlineStruct: undefined,
        entityType: f.entityType,
      };
      if ((f.taggedVersions === undefined) !== (f.tag === undefined)) {
        throw new Error(`${file}: field ${f.name} must give both tag and taggedVersions`);
      }
      const structName = elementStructName(type);
      if (f.fields) {
        if (!structName) throw new Error(`${file}: field ${f.name} has fields but type ${f.type}`);
        if (structs.has(structName)) throw new Error(`${file}: struct ${structName} defined twice`);
        const s: StructSpec = { name: structName, fields: [], versions: intersect(parentVersions, versions) };
        structs.set(structName, s);
        s.fields = parseFields(f.fields, s.versions);
        field.inlineStruct = s;
      }
      return field;
    });

  const commonStructs: string[] = [];
  for (const cs of raw.commonStructs ?? []) {
    const s: StructSpec = { name: cs.name, fields: [], versions: parseVersions(cs.versions) };
    if (structs.has(cs.name)) throw new Error(`${file}: struct ${cs.name} defined twice`);
    structs.set(cs.name, s);
    commonStructs.push(cs.name);
  }
  const fields = parseFields(raw.fields, valid);
  for (const cs of raw.commonStructs ?? []) {
    structs.get(cs.name)!.fields = parseFields(cs.fields, parseVersions(cs.versions));
  }
  // Every struct reference must resolve.
  const check = (fs: FieldSpec[]) => {
    for (const f of fs) {
      const n = elementStructName(f.type);
      if (n && !structs.has(n)) throw new Error(`${file}: field ${f.name} refers to unknown struct ${n}`);
    }
  };
  check(fields);
  for (const s of structs.values()) check(s.fields);

  return {
    name: raw.name,
    file,
    kind,
    apiKey: raw.apiKey,
    valid,
    upstreamValid,
    flexible: parseVersions(raw.flexibleVersions),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    fields,
    structs,
    commonStructs,
  };
}

export function loadMessages(dir: string): MessageSpec[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => parseMessage(f, readFileSync(join(dir, f), 'utf8')));
}

export interface ErrorSpec {
  code: number;
  name: string;
  retriable: boolean;
}

export function loadErrors(file: string): ErrorSpec[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const [header, ...rows] = lines;
  if (header.trim() !== 'code\tname\tretriable') throw new Error(`${file}: unexpected header '${header}'`);
  return rows.map((row) => {
    const [code, name, retriable] = row.split('\t');
    return { code: Number(code), name: name.trim(), retriable: retriable.trim() === 'true' };
  });
}
