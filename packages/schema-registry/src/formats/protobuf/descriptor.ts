/**
 * A schema given as a base64 `FileDescriptorProto` (what confluent-kafka's
 * Python serializer registers) converted to the .proto model the way
 * Confluent's `ProtobufSchema.toProtoFile(FileDescriptorProto)` does it:
 * type names as the descriptor has them (`.pkg.Msg`), map entries kept as
 * nested messages with `option map_entry = true`, proto3 labels dropped
 * unless `proto3_optional`, the standard options written out by name.
 * Decoding uses protobufjs's descriptor definitions.
 */
import descriptor = require('protobufjs/ext/descriptor');
import { EnumElement, ExtendElement, FieldElement, Label, MAX_TAG_VALUE, MessageElement, OneOfElement, OptionElement, ProtoFile, ReservedElement, ServiceElement, TypeElement } from './model';

 
type Obj = Record<string, any>;

const TYPE_NAMES: Record<string, string> = {
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'float',
  TYPE_INT64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_INT32: 'int32',
  TYPE_FIXED64: 'fixed64',
  TYPE_FIXED32: 'fixed32',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_GROUP: 'group',
  TYPE_MESSAGE: 'message',
  TYPE_BYTES: 'bytes',
  TYPE_UINT32: 'uint32',
  TYPE_ENUM: 'enum',
  TYPE_SFIXED32: 'sfixed32',
  TYPE_SFIXED64: 'sfixed64',
  TYPE_SINT32: 'sint32',
  TYPE_SINT64: 'sint64',
};

function opt(name: string, kind: OptionElement['kind'], value: unknown): OptionElement {
  return { name, kind, value: String(value), isParenthesized: false };
}

/** Standard options present in a descriptor's options message, in descriptor field order. */
function standardOptions(o: Obj | undefined, spec: Array<[string, string, OptionElement['kind']]>): OptionElement[] {
  if (!o) return [];
  const out: OptionElement[] = [];
  for (const [field, name, kind] of spec) {
    const v = o[field];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) out.push(opt(name, kind, x));
    else out.push(opt(name, kind, v));
  }
  return out;
}

const FILE_OPTIONS: Array<[string, string, OptionElement['kind']]> = [
  ['javaPackage', 'java_package', 'STRING'],
  ['javaOuterClassname', 'java_outer_classname', 'STRING'],
  ['javaMultipleFiles', 'java_multiple_files', 'BOOLEAN'],
  ['javaGenerateEqualsAndHash', 'java_generate_equals_and_hash', 'BOOLEAN'],
  ['javaStringCheckUtf8', 'java_string_check_utf8', 'BOOLEAN'],
  ['optimizeFor', 'optimize_for', 'ENUM'],
  ['goPackage', 'go_package', 'STRING'],
  ['ccGenericServices', 'cc_generic_services', 'BOOLEAN'],
  ['javaGenericServices', 'java_generic_services', 'BOOLEAN'],
  ['pyGenericServices', 'py_generic_services', 'BOOLEAN'],
  ['deprecated', 'deprecated', 'BOOLEAN'],
  ['ccEnableArenas', 'cc_enable_arenas', 'BOOLEAN'],
  ['objcClassPrefix', 'objc_class_prefix', 'STRING'],
  ['csharpNamespace', 'csharp_namespace', 'STRING'],
  ['swiftPrefix', 'swift_prefix', 'STRING'],
  ['phpClassPrefix', 'php_class_prefix', 'STRING'],
  ['phpNamespace', 'php_namespace', 'STRING'],
  ['phpMetadataNamespace', 'php_metadata_namespace', 'STRING'],
  ['rubyPackage', 'ruby_package', 'STRING'],
];
const MESSAGE_OPTIONS: Array<[string, string, OptionElement['kind']]> = [
  ['noStandardDescriptorAccessor', 'no_standard_descriptor_accessor', 'BOOLEAN'],
  ['deprecated', 'deprecated', 'BOOLEAN'],
  ['mapEntry', 'map_entry', 'BOOLEAN'],
];
const FIELD_OPTIONS: Array<[string, string, OptionElement['kind']]> = [
  ['ctype', 'ctype', 'ENUM'],
  ['packed', 'packed', 'BOOLEAN'],
  ['jstype', 'jstype', 'ENUM'],
  ['deprecated', 'deprecated', 'BOOLEAN'],
  ['debugRedact', 'debug_redact', 'BOOLEAN'],
  ['retention', 'retention', 'ENUM'],
  ['targets', 'targets', 'ENUM'],
];
const ENUM_OPTIONS: Array<[string, string, OptionElement['kind']]> = [
  ['allowAlias', 'allow_alias', 'BOOLEAN'],
  ['deprecated', 'deprecated', 'BOOLEAN'],
];
const ENUM_VALUE_OPTIONS: Array<[string, string, OptionElement['kind']]> = [['deprecated', 'deprecated', 'BOOLEAN']];
const SERVICE_OPTIONS: Array<[string, string, OptionElement['kind']]> = [['deprecated', 'deprecated', 'BOOLEAN']];
const METHOD_OPTIONS: Array<[string, string, OptionElement['kind']]> = [
  ['deprecated', 'deprecated', 'BOOLEAN'],
  ['idempotencyLevel', 'idempotency_level', 'ENUM'],
];

function field(file: Obj, fd: Obj, inOneof: boolean): FieldElement {
  const isProto3 = file.syntax === 'proto3';
  let label: Label | null;
  if (fd.proto3Optional) label = 'optional';
  else if (fd.label === 'LABEL_REPEATED') label = 'repeated';
  else if (fd.label === 'LABEL_REQUIRED') label = isProto3 ? null : 'required';
  else label = isProto3 ? null : 'optional';
  const type = fd.typeName ? String(fd.typeName) : (TYPE_NAMES[fd.type] ?? String(fd.type).toLowerCase());
  return {
    label: inOneof ? null : label,
    type,
    name: fd.name,
    tag: fd.number,
    defaultValue: !isProto3 && fd.defaultValue !== undefined && fd.defaultValue !== null ? String(fd.defaultValue) : null,
    jsonName: fd.jsonName !== undefined && fd.jsonName !== null ? String(fd.jsonName) : null,
    options: standardOptions(fd.options, FIELD_OPTIONS),
  };
}

function reserved(ranges: Obj[] | undefined, names: string[] | undefined): ReservedElement[] {
  const out: ReservedElement[] = [];
  for (const r of ranges ?? []) {
    const end = (r.end ?? r.start + 1) - 1;
    out.push({ values: [r.start === end ? r.start : [r.start, end >= MAX_TAG_VALUE ? MAX_TAG_VALUE : end]] });
  }
  for (const n of names ?? []) out.push({ values: [n] });
  return out;
}

function enumeration(ed: Obj): EnumElement {
  return {
    kind: 'enum',
    name: ed.name,
    options: standardOptions(ed.options, ENUM_OPTIONS),
    reserveds: reserved(ed.reservedRange?.map((r: Obj) => ({ start: r.start, end: (r.end ?? r.start) + 1 })), ed.reservedName),
    constants: (ed.value ?? []).map((v: Obj) => ({ name: v.name, tag: v.number ?? 0, options: standardOptions(v.options, ENUM_VALUE_OPTIONS) })),
    nestedTypes: [],
  };
}

function extendElements(file: Obj, exts: Obj[] | undefined): ExtendElement[] {
  const byName = new Map<string, ExtendElement>();
  for (const fd of exts ?? []) {
    const name = String(fd.extendee);
    let e = byName.get(name);
    if (!e) byName.set(name, (e = { name, fields: [] }));
    e.fields.push(field(file, fd, false));
  }
  return [...byName.values()];
}

function message(file: Obj, d: Obj): MessageElement {
  const oneofNames: string[] = (d.oneofDecl ?? []).map((o: Obj) => o.name);
  const oneofFields: FieldElement[][] = oneofNames.map(() => []);
  const fields: FieldElement[] = [];
  for (const fd of d.field ?? []) {
    if (fd.oneofIndex !== undefined && fd.oneofIndex !== null && !fd.proto3Optional) oneofFields[fd.oneofIndex].push(field(file, fd, true));
    else fields.push(field(file, fd, false));
  }
  const nested: TypeElement[] = [...(d.nestedType ?? []).map((n: Obj) => message(file, n)), ...(d.enumType ?? []).map(enumeration)];
  const oneOfs: OneOfElement[] = oneofNames.map((name, i) => ({ name, fields: oneofFields[i], groups: [], options: [] })).filter((o) => o.fields.length > 0);
  return {
    kind: 'message',
    name: d.name,
    options: standardOptions(d.options, MESSAGE_OPTIONS),
    reserveds: reserved(d.reservedRange, d.reservedName),
    fields,
    oneOfs,
    groups: [],
    extensions: (d.extensionRange ?? []).map((r: Obj) => {
      const end = (r.end ?? r.start + 1) - 1;
      return { values: [r.start === end ? r.start : [r.start, end >= MAX_TAG_VALUE ? MAX_TAG_VALUE : end]], options: [] };
    }),
    extendDeclarations: extendElements(file, d.extension),
    nestedTypes: nested,
  };
}

function service(sd: Obj): ServiceElement {
  return {
    name: sd.name,
    options: standardOptions(sd.options, SERVICE_OPTIONS),
    rpcs: (sd.method ?? []).map((m: Obj) => ({
      name: m.name,
      requestType: m.inputType,
      responseType: m.outputType,
      requestStreaming: !!m.clientStreaming,
      responseStreaming: !!m.serverStreaming,
      options: standardOptions(m.options, METHOD_OPTIONS),
    })),
  };
}

/** Decodes a FileDescriptorProto; throws when the bytes are not one. */
export function decodeFileDescriptor(bytes: Uint8Array): Obj {
  const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: { decode(b: Uint8Array): unknown; toObject(m: unknown, o: object): Obj } }).FileDescriptorProto;
  const msg = FileDescriptorProto.decode(bytes);
  return FileDescriptorProto.toObject(msg, { enums: String, longs: Number, defaults: false, arrays: true });
}

/** Whether a string looks like base64 (no .proto text would). */
export function looksLikeBase64(s: string): boolean {
  const t = s.trim();
  return t.length > 0 && t.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(t);
}

export function fileFromDescriptor(f: Obj): ProtoFile {
  const syntax = f.syntax === 'proto3' ? 'proto3' : f.syntax === 'proto2' ? 'proto2' : null;
  const deps: string[] = f.dependency ?? [];
  const pub = new Set<number>(f.publicDependency ?? []);
  return {
    syntax,
    packageName: f.package ? String(f.package) : null,
    imports: deps.filter((_, i) => !pub.has(i)),
    publicImports: deps.filter((_, i) => pub.has(i)),
    options: standardOptions(f.options, FILE_OPTIONS),
    types: [...(f.messageType ?? []).map((m: Obj) => message(f, m)), ...(f.enumType ?? []).map(enumeration)],
    extendDeclarations: extendElements(f, f.extension),
    services: (f.service ?? []).map(service),
  };
}
