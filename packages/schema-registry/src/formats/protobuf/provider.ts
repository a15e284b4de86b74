/**
 * The Protobuf `SchemaProvider` (Confluent's `ProtobufSchemaProvider` /
 * `ProtobufSchema`): a schema is .proto text, or a base64
 * `FileDescriptorProto` when the text does not parse; references are
 * imports (the reference name is the import path); well-known types
 * resolve without references. protobufjs links the file with its
 * dependencies (unknown types, duplicate names and tags are errors, 42201);
 * the canonical string is Confluent's formatting of the file.
 */
import * as protobuf from 'protobufjs';
import descriptor = require('protobufjs/ext/descriptor');
import { flattenReferences } from '../avro/provider';
import { InvalidSchemaError, ParseOptions, ParsedSchema, ResolvedReference, SchemaProvider, SchemaReference } from '../types';
import { COMPATIBLE_CHANGES, ProtoDependency, TypeTable, differenceString, protoDiff } from './diff';
import { decodeFileDescriptor, fileFromDescriptor, looksLikeBase64 } from './descriptor';
import { protoToString } from './format';
import { FieldElement, MessageElement, OneOfElement, ProtoFile, ReservedElement, SCALAR_TYPES, TypeElement, findOption, isMapType, mapTypes } from './model';
import { ProtoSyntaxError, parseProto } from './parser';
import { DESCRIPTOR_PROTO, WELL_KNOWN } from './wkt';

/** Parses .proto text, or a base64 FileDescriptorProto when the text does not parse. */
export function parseProtoSchema(text: string, file = 'schema.proto'): ProtoFile {
  try {
    return parseProto(text, file);
  } catch (e) {
    if (looksLikeBase64(text)) {
      try {
        return fileFromDescriptor(decodeFileDescriptor(Buffer.from(text.trim(), 'base64')));
      } catch {
        // fall through to the text error
      }
    }
    throw e;
  }
}

const wktCache = new Map<string, ProtoFile>();
function wellKnown(path: string): ProtoFile | null {
  const text = WELL_KNOWN[path];
  if (!text) return null;
  let f = wktCache.get(path);
  if (!f) wktCache.set(path, (f = parseProto(text, path)));
  return f;
}

export class ProtobufParsedSchema implements ParsedSchema {
  readonly schemaType = 'PROTOBUF' as const;
  private canonical: string | null = null;
  private root: protobuf.Root | null = null;

  constructor(
    readonly file: ProtoFile,
    readonly references: SchemaReference[],
    /** Files this one depends on (references and built-ins), by import path. */
    readonly dependencies: ReadonlyMap<string, ProtoDependency>,
    readonly types: TypeTable,
  ) {}

  canonicalString(): string {
    this.canonical ??= protoToString(this.file);
    return this.canonical;
  }

  normalize(): ProtobufParsedSchema {
    const refs = [...this.references].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return new ProtobufParsedSchema(normalizeProto(this.file, this.types), refs, this.dependencies, this.types);
  }

  isBackwardCompatible(previous: ParsedSchema): string[] {
    if (!(previous instanceof ProtobufParsedSchema)) return ['Incompatible because of different schema type'];
    return protoDiff(previous.file, previous.types, this.file, this.types)
      .filter((d) => !COMPATIBLE_CHANGES.has(d.type))
      .map(differenceString);
  }

  /** The full name of the first message (what RecordNameStrategy uses). */
  name(): string | null {
    const m = this.file.types.find((t) => t.kind === 'message');
    if (!m) return null;
    return this.file.packageName ? `${this.file.packageName}.${m.name}` : m.name;
  }

  formatted(format: string): string | null {
    if (format === 'serialized') {
      const set = (this.linked() as unknown as { toDescriptor(syntax: string): { file: unknown[] } }).toDescriptor(this.file.syntax ?? 'proto2');
      const FileDescriptorSet = (descriptor as unknown as { FileDescriptorSet: { encode(m: unknown): { finish(): Uint8Array } } }).FileDescriptorSet;
      return Buffer.from(FileDescriptorSet.encode(set).finish()).toString('base64');
    }
    return format === 'default' || format === 'ignore_extensions' || format === '' ? this.canonicalString() : null;
  }

  /** A protobufjs Root with this file and its dependencies (cached). */
  linked(): protobuf.Root {
    this.root ??= link(this.file, this.dependencies);
    return this.root;
  }

  /** The message type at `index path` (Confluent's message indexes). */
  messageByIndexes(indexes: readonly number[]): string | null {
    let types: readonly TypeElement[] = this.file.types;
    const names: string[] = [];
    for (const ix of indexes) {
      const messages = types.filter((t): t is MessageElement => t.kind === 'message');
      const m = messages[ix];
      if (!m) return null;
      names.push(m.name);
      types = m.nestedTypes;
    }
    return (this.file.packageName ? this.file.packageName + '.' : '') + names.join('.');
  }

  toString(): string {
    return this.canonicalString();
  }
}

/** Links a file and its dependencies with protobufjs; errors name the problem (unknown type, duplicate). */
/** The text protobufjs links: a file without `syntax` whose fields lack labels is read as proto3 (protobufjs's proto2 needs labels). */
function linkText(f: ProtoFile): string {
  if (f.syntax !== null) return protoToString(f);
  const unlabeled = (types: ProtoFile['types']): boolean => types.some((t) => t.kind === 'message' && (t.fields.some((x) => x.label === null && !x.type.startsWith('map<')) || unlabeled(t.nestedTypes)));
  return protoToString(unlabeled(f.types) ? { ...f, syntax: 'proto3' } : f);
}

export function link(file: ProtoFile, deps: ReadonlyMap<string, ProtoDependency>): protobuf.Root {
  const root = new protobuf.Root();
  const needsDescriptor = [file, ...[...deps.values()].map((d) => d.file)].some((f) => f.imports.includes(DESCRIPTOR_PROTO) || f.publicImports.includes(DESCRIPTOR_PROTO));
  if (needsDescriptor) root.define('google.protobuf').addJSON((descriptor as unknown as { toJSON(): { nested: protobuf.INamespace['nested'] } }).toJSON().nested!);
  for (const [path, d] of deps) {
    if (path === DESCRIPTOR_PROTO) continue;
    protobuf.parse(linkText(d.file), root, { keepCase: true });
  }
  protobuf.parse(linkText(file), root, { keepCase: true });
  root.resolveAll();
  return root;
}

export class ProtobufSchemaProvider implements SchemaProvider {
  readonly schemaType = 'PROTOBUF' as const;

  parse(text: string, references: readonly ResolvedReference[], _opts: ParseOptions): ProtobufParsedSchema {
    try {
      const file = parseProtoSchema(text);
      const deps = new Map<string, ProtoDependency>();
      for (const r of flattenReferences(references)) {
        deps.set(r.name, { file: parseProtoSchema(r.schema, r.name), ref: { subject: r.subject, version: r.version } });
      }
      // Built-in dependencies imported (directly or by a dependency) and not given as references.
      const pending = [file, ...[...deps.values()].map((d) => d.file)];
      while (pending.length > 0) {
        const f = pending.pop()!;
        for (const imp of [...f.imports, ...f.publicImports]) {
          if (deps.has(imp) || imp === DESCRIPTOR_PROTO) continue;
          const wk = wellKnown(imp);
          if (wk) {
            deps.set(imp, { file: wk, ref: null });
            pending.push(wk);
          }
        }
      }
      // Built-ins first so user files override nothing silently; order: built-ins, then references (depth first).
      const ordered = new Map<string, ProtoDependency>([...[...deps].filter(([, d]) => d.ref === null), ...[...deps].filter(([, d]) => d.ref !== null)]);
      const parsed = new ProtobufParsedSchema(
        file,
        references.map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
        ordered,
        TypeTable.of(file, [...ordered.values()]),
      );
      parsed.linked();
      return parsed;
    } catch (e) {
      if (e instanceof InvalidSchemaError) throw e;
      if (e instanceof ProtoSyntaxError) throw new InvalidSchemaError(e.message);
      throw new InvalidSchemaError((e as Error).message);
    }
  }
}

// ------------------------------------------------------------------ normalization

function sortReserved(rs: readonly ReservedElement[]): ReservedElement[] {
  const flat = rs.flatMap((r) => r.values.map((v) => ({ values: [v] })));
  const start = (r: ReservedElement): number => {
    const v = r.values[0];
    return typeof v === 'number' ? v : Array.isArray(v) ? v[0] : Number.MAX_SAFE_INTEGER;
  };
  return flat
    .map((r) => (Array.isArray(r.values[0]) && r.values[0][0] === r.values[0][1] ? { values: [r.values[0][0]] } : r))
    .sort((a, b) => start(a) - start(b) || String(a.values[0]).localeCompare(String(b.values[0])));
}

/**
 * `ProtobufSchemaUtils.toNormalizedString`: imports sorted, fields and enum
 * constants by number, oneofs by their first field, reserved ranges one per
 * statement in order, type names fully qualified, map entry messages written
 * back as `map<K, V>` fields.
 */
export function normalizeProto(file: ProtoFile, table: TypeTable): ProtoFile {
  const resolveType = (type: string, scope: string[]): { type: string; map: boolean } => {
    if (SCALAR_TYPES.has(type)) return { type, map: false };
    if (isMapType(type)) {
      const [k, v] = mapTypes(type);
      const rv = SCALAR_TYPES.has(v) ? v : (() => {
        const r = table.resolve(v, scope);
        return r ? '.' + r : v;
      })();
      return { type: `map<${k}, ${rv}>`, map: true };
    }
    const full = table.resolve(type, scope);
    if (full === null) return { type, map: false };
    const info = table.get(full);
    if (info && info.isMap && info.key && info.value) {
      const inner = resolveType(`map<${info.key.type}, ${info.value.type}>`, full.split('.').slice(0, -1).slice(table.packageName ? table.packageName.split('.').length : 0));
      return { type: inner.type, map: true };
    }
    return { type: '.' + full, map: false };
  };
  const field = (f: FieldElement, scope: string[]): FieldElement => {
    const r = resolveType(f.type, scope);
    return { ...f, type: r.type, label: r.map ? null : f.label };
  };
  const isMapEntry = (t: TypeElement): boolean => t.kind === 'message' && String(findOption('map_entry', t.options)?.value) === 'true';
  const type = (t: TypeElement, scope: string[]): TypeElement => {
    const inner = [...scope, t.name];
    if (t.kind === 'enum') {
      return { ...t, reserveds: sortReserved(t.reserveds), constants: [...t.constants].sort((a, b) => a.tag - b.tag || a.name.localeCompare(b.name)) };
    }
    const oneOfs: OneOfElement[] = t.oneOfs
      .filter((o) => o.fields.length > 0)
      .map((o) => ({ ...o, fields: o.fields.map((f) => field(f, inner)).sort((a, b) => a.tag - b.tag) }))
      .sort((a, b) => a.fields[0].tag - b.fields[0].tag);
    return {
      ...t,
      reserveds: sortReserved(t.reserveds),
      fields: t.fields.map((f) => field(f, inner)).sort((a, b) => a.tag - b.tag),
      oneOfs,
      nestedTypes: t.nestedTypes.filter((n) => !isMapEntry(n)).map((n) => type(n, inner)),
    };
  };
  return {
    ...file,
    syntax: file.syntax === 'proto3' ? 'proto3' : null,
    imports: [...new Set(file.imports)].sort(),
    publicImports: [...new Set(file.publicImports)].sort(),
    types: file.types.filter((t) => !isMapEntry(t)).map((t) => type(t, [])),
    services: file.services.map((s) => ({
      ...s,
      rpcs: s.rpcs.map((r) => ({ ...r, requestType: resolveType(r.requestType, []).type, responseType: resolveType(r.responseType, []).type })),
    })),
  };
}
