/**
 * The canonical text of a .proto file as Confluent's
 * `ProtobufSchemaUtils.toString(ProtoFileElement)` writes it (the string the
 * registry stores and compares): syntax, package, imports, options, then
 * messages before enums at every level (message order is kept: clients
 * number messages by it), two-space indentation, options of one field on
 * one line (`[deprecated = true]`) or one per line when there are several.
 */
import {
  EnumConstantElement,
  EnumElement,
  ExtendElement,
  ExtensionsElement,
  FieldElement,
  GroupElement,
  MAX_TAG_VALUE,
  MessageElement,
  OneOfElement,
  OptionElement,
  OptionMap,
  OptionMapValue,
  ProtoFile,
  RangeValue,
  ReservedElement,
  RpcElement,
  SCALAR_TYPES,
  ServiceElement,
  TypeElement,
} from './model';

export function escapeChars(input: string): string {
  let out = '';
  for (const c of input) {
    switch (c) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      default:
        out += c;
    }
  }
  return out;
}

function appendIndented(value: string): string {
  const lines = value.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => '  ' + l + '\n').join('');
}

function optionMapOrListValue(value: OptionMapValue | OptionElement | string): string {
  if (typeof value === 'string') return `"${escapeChars(value)}"`;
  if (Array.isArray(value)) {
    let s = '[\n';
    value.forEach((v, i) => (s += appendIndented(optionMapOrListValue(v) + (i < value.length - 1 ? ',' : ''))));
    return s + ']';
  }
  if ('primitive' in value) {
    if (value.kind === 'STRING') return `"${escapeChars(value.value)}"`;
    return value.value;
  }
  if ('map' in value) return '{\n' + optionMap(value) + '}';
  return optionToString(value);
}

function optionMap(m: OptionMap): string {
  let s = '';
  m.map.forEach(([k, v], i) => (s += appendIndented(`${k}: ${optionMapOrListValue(v)}${i < m.map.length - 1 ? ',' : ''}`)));
  return s;
}

export function optionToString(o: OptionElement): string {
  let s = o.isParenthesized ? `(${o.name})` : o.name;
  switch (o.kind) {
    case 'STRING':
      s += ` = "${escapeChars(o.value as string)}"`;
      break;
    case 'BOOLEAN':
    case 'ENUM':
    case 'NUMBER':
      s += ` = ${o.value as string}`;
      break;
    case 'OPTION':
      s += '.' + optionToString(o.value as OptionElement);
      break;
    case 'MAP':
      s += ' = {\n' + optionMap(o.value as OptionMap) + '}';
      break;
    case 'LIST':
      s += ' = ' + appendOptions(o.value as OptionMapValue[]);
      break;
  }
  return s;
}

function optionStatement(o: OptionElement): string {
  return `option ${optionToString(o)};\n`;
}

function appendOptions(options: ReadonlyArray<OptionElement | OptionMapValue>): string {
  if (options.length === 1) return `[${optionMapOrListValue(options[0] as OptionMapValue)}]`;
  let s = '[\n';
  options.forEach((o, i) => (s += appendIndented(optionMapOrListValue(o as OptionMapValue) + (i < options.length - 1 ? ',' : ''))));
  return s + ']';
}

function rangeToString(v: string | RangeValue): string {
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number') return String(v);
  return `${v[0]} to ${v[1] < MAX_TAG_VALUE ? v[1] : 'max'}`;
}

function reservedToString(r: ReservedElement): string {
  return `reserved ${r.values.map(rangeToString).join(', ')};\n`;
}

function extensionsToString(e: ExtensionsElement): string {
  let s = `extensions ${e.values.map(rangeToString).join(', ')}`;
  if (e.options.length > 0) s += ' ' + appendOptions(e.options);
  return s + ';\n';
}

function kindForDefault(type: string): OptionElement['kind'] {
  const simple = type.slice(type.lastIndexOf('.') + 1);
  if (simple === 'bool') return 'BOOLEAN';
  if (simple === 'string') return 'STRING';
  if (SCALAR_TYPES.has(simple)) return 'NUMBER';
  return 'ENUM';
}

export function fieldToString(f: FieldElement): string {
  let s = '';
  if (f.label !== null) s += f.label + ' ';
  s += `${f.type} ${f.name} = ${f.tag}`;
  const opts: OptionElement[] = [...f.options];
  if (f.defaultValue !== null) opts.push({ name: 'default', kind: kindForDefault(f.type), value: f.defaultValue, isParenthesized: false });
  if (f.jsonName !== null) opts.push({ name: 'json_name', kind: 'STRING', value: f.jsonName, isParenthesized: false });
  if (opts.length > 0) s += ' ' + appendOptions(opts);
  return s + ';\n';
}

function groupToString(g: GroupElement): string {
  let s = '';
  if (g.label !== null) s += g.label + ' ';
  s += `group ${g.name} = ${g.tag} {`;
  if (g.fields.length > 0) {
    s += '\n';
    for (const f of g.fields) s += appendIndented(fieldToString(f));
  }
  return s + '}\n';
}

function oneOfToString(o: OneOfElement): string {
  let s = `oneof ${o.name} {`;
  if (o.options.length > 0) {
    s += '\n';
    for (const op of o.options) s += appendIndented(optionStatement(op));
  }
  if (o.fields.length > 0) {
    s += '\n';
    for (const f of o.fields) s += appendIndented(fieldToString(f));
  }
  if (o.groups.length > 0) {
    s += '\n';
    for (const g of o.groups) s += appendIndented(groupToString(g));
  }
  return s + '}\n';
}

function extendToString(e: ExtendElement): string {
  let s = `extend ${e.name} {`;
  if (e.fields.length > 0) {
    s += '\n';
    for (const f of e.fields) s += appendIndented(fieldToString(f));
  }
  return s + '}\n';
}

function constantToString(c: EnumConstantElement): string {
  let s = `${c.name} = ${c.tag}`;
  if (c.options.length > 0) s += ' ' + appendOptions(c.options);
  return s + ';\n';
}

function enumToString(e: EnumElement): string {
  let s = `enum ${e.name} {`;
  if (e.reserveds.length > 0) {
    s += '\n';
    for (const r of e.reserveds) s += appendIndented(reservedToString(r));
  }
  if (e.reserveds.length === 0 && (e.options.length > 0 || e.constants.length > 0)) s += '\n';
  for (const o of e.options) s += appendIndented(optionStatement(o));
  for (const c of e.constants) s += appendIndented(constantToString(c));
  return s + '}\n';
}

function typesToString(types: readonly TypeElement[], indent: boolean): string {
  let s = '';
  const wrap = (t: string): string => (indent ? appendIndented(t) : t);
  for (const t of types) if (t.kind === 'message') s += wrap(messageToString(t));
  for (const t of types) if (t.kind === 'enum') s += wrap(enumToString(t));
  return s;
}

function messageToString(m: MessageElement): string {
  let s = `message ${m.name} {`;
  if (m.reserveds.length > 0) {
    s += '\n';
    for (const r of m.reserveds) s += appendIndented(reservedToString(r));
  }
  if (m.options.length > 0) {
    s += '\n';
    for (const o of m.options) s += appendIndented(optionStatement(o));
  }
  if (m.fields.length > 0) {
    s += '\n';
    for (const f of m.fields) s += appendIndented(fieldToString(f));
  }
  if (m.oneOfs.length > 0) {
    s += '\n';
    for (const o of m.oneOfs) s += appendIndented(oneOfToString(o));
  }
  if (m.groups.length > 0) {
    s += '\n';
    for (const g of m.groups) s += appendIndented(groupToString(g));
  }
  if (m.extensions.length > 0) {
    s += '\n';
    for (const e of m.extensions) s += appendIndented(extensionsToString(e));
  }
  if (m.extendDeclarations.length > 0) {
    s += '\n';
    for (const e of m.extendDeclarations) s += appendIndented(extendToString(e));
  }
  if (m.nestedTypes.length > 0) {
    s += '\n';
    s += typesToString(m.nestedTypes, true);
  }
  return s + '}\n';
}

function rpcToString(r: RpcElement): string {
  let s = `rpc ${r.name} (${r.requestStreaming ? 'stream ' : ''}${r.requestType}) returns (${r.responseStreaming ? 'stream ' : ''}${r.responseType})`;
  if (r.options.length > 0) {
    s += ' {\n';
    for (const o of r.options) s += appendIndented(optionStatement(o));
    s += '}';
  }
  return s + ';\n';
}

function serviceToString(sv: ServiceElement): string {
  let s = `service ${sv.name} {`;
  if (sv.options.length > 0) {
    s += '\n';
    for (const o of sv.options) s += appendIndented(optionStatement(o));
  }
  if (sv.rpcs.length > 0) {
    s += '\n';
    for (const r of sv.rpcs) s += appendIndented(rpcToString(r));
  }
  return s + '}\n';
}

/** `ProtobufSchemaUtils.toString`. */
export function protoToString(f: ProtoFile): string {
  let s = '';
  if (f.syntax !== null) s += `syntax = "${f.syntax}";\n`;
  if (f.packageName !== null) s += `package ${f.packageName};\n`;
  if (f.imports.length > 0 || f.publicImports.length > 0) {
    s += '\n';
    for (const i of f.imports) s += `import "${i}";\n`;
    for (const i of f.publicImports) s += `import public "${i}";\n`;
  }
  if (f.options.length > 0) {
    s += '\n';
    for (const o of f.options) s += optionStatement(o);
  }
  if (f.types.length > 0) {
    s += '\n';
    s += typesToString(f.types, false);
  }
  if (f.extendDeclarations.length > 0) {
    s += '\n';
    for (const e of f.extendDeclarations) s += extendToString(e);
  }
  if (f.services.length > 0) {
    s += '\n';
    for (const sv of f.services) s += serviceToString(sv);
  }
  return s;
}
