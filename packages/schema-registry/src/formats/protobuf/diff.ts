/**
 * Protobuf compatibility as Confluent's `protobuf.diff.SchemaDiff` computes
 * it: the differences between the original (old) and the update (new)
 * file, each a `Difference.Type` at a path like `#/Msg/2`; compatible ones
 * are MESSAGE_ADDED, MESSAGE_MOVED, ENUM_ADDED/REMOVED, ENUM_CONST_*,
 * FIELD_ADDED/REMOVED, FIELD_NAME_CHANGED, FIELD_STRING_OR_BYTES_LABEL_CHANGED,
 * ONEOF_ADDED/REMOVED, ONEOF_FIELD_ADDED and ONEOF_FIELD_MOVED_TO_TOP_LEVEL;
 * the rest break compatibility. Scalar kinds: {int32,int64,uint32,uint64,
 * bool,enum}, {sint32,sint64}, {string,bytes}, {fixed32,sfixed32},
 * {fixed64,sfixed64}, {float}, {double}.
 *
 * Also the type table (`Context.collectTypeInfo`/`resolve`) used to resolve
 * names the way protoc scopes them, shared with normalization.
 */
import { EnumElement, FieldElement, MessageElement, OneOfElement, ProtoFile, SCALAR_TYPES, TypeElement, findOption, isMapType, mapTypes } from './model';

export type DifferenceType =
  | 'PACKAGE_CHANGED'
  | 'MESSAGE_ADDED'
  | 'MESSAGE_REMOVED'
  | 'MESSAGE_MOVED'
  | 'ENUM_ADDED'
  | 'ENUM_REMOVED'
  | 'ENUM_CONST_ADDED'
  | 'ENUM_CONST_CHANGED'
  | 'ENUM_CONST_REMOVED'
  | 'FIELD_ADDED'
  | 'FIELD_REMOVED'
  | 'FIELD_NAME_CHANGED'
  | 'FIELD_KIND_CHANGED'
  | 'FIELD_SCALAR_KIND_CHANGED'
  | 'FIELD_NAMED_TYPE_CHANGED'
  | 'FIELD_NUMERIC_LABEL_CHANGED'
  | 'FIELD_STRING_OR_BYTES_LABEL_CHANGED'
  | 'REQUIRED_FIELD_ADDED'
  | 'REQUIRED_FIELD_REMOVED'
  | 'ONEOF_ADDED'
  | 'ONEOF_REMOVED'
  | 'ONEOF_FIELD_ADDED'
  | 'ONEOF_FIELD_REMOVED'
  | 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL'
  | 'MULTIPLE_FIELDS_MOVED_TO_ONEOF'
  | 'FIELD_MOVED_TO_EXISTING_ONEOF';

export const COMPATIBLE_CHANGES: ReadonlySet<DifferenceType> = new Set<DifferenceType>([
  'MESSAGE_ADDED',
  'MESSAGE_MOVED',
  'ENUM_ADDED',
  'ENUM_REMOVED',
  'ENUM_CONST_ADDED',
  'ENUM_CONST_CHANGED',
  'ENUM_CONST_REMOVED',
  'FIELD_ADDED',
  'FIELD_REMOVED',
  'FIELD_NAME_CHANGED',
  'FIELD_STRING_OR_BYTES_LABEL_CHANGED',
  'ONEOF_ADDED',
  'ONEOF_REMOVED',
  'ONEOF_FIELD_ADDED',
  'ONEOF_FIELD_MOVED_TO_TOP_LEVEL',
]);

export interface Difference {
  type: DifferenceType;
  fullPath: string;
}

export interface TypeInfo {
  packageName: string;
  /** The reference (subject/version) the type comes from; null for the schema itself. */
  ref: { subject: string; version: number } | null;
  type: TypeElement;
  isMap: boolean;
  key: FieldElement | null;
  value: FieldElement | null;
}

export function mapTypeOf(t: TypeInfo): string | null {
  return t.isMap && t.key && t.value ? `map<${t.key.type}, ${t.value.type}>` : null;
}

/** A dependency of a schema: its file and where it came from. */
export interface ProtoDependency {
  file: ProtoFile;
  ref: { subject: string; version: number } | null;
}

/** Full name -> type, for one side of a comparison (or for resolving names). */
export class TypeTable {
  readonly types = new Map<string, TypeInfo>();
  packageName = '';

  static of(file: ProtoFile, deps: readonly ProtoDependency[]): TypeTable {
    const t = new TypeTable();
    for (const d of deps) t.collect(d.file, d.ref);
    // the schema's own types carry a dummy reference, so they are never re-compared as referenced types
    t.collect(file, { subject: '', version: -1 });
    return t;
  }

  private collect(file: ProtoFile, ref: TypeInfo['ref']): void {
    this.packageName = file.packageName ?? '';
    const walk = (types: readonly TypeElement[], path: string[]): void => {
      for (const te of types) {
        const p = [...path, te.name];
        let isMap = false;
        let key: FieldElement | null = null;
        let value: FieldElement | null = null;
        if (te.kind === 'message') {
          const o = findOption('map_entry', te.options);
          isMap = o !== undefined && String(o.value) === 'true';
          if (isMap) {
            key = te.fields.find((f) => f.name === 'key') ?? null;
            value = te.fields.find((f) => f.name === 'value') ?? null;
          }
        }
        const name = (this.packageName ? this.packageName + '.' : '') + p.join('.');
        this.types.set(name, { packageName: this.packageName, ref, type: te, isMap, key, value });
        walk(te.nestedTypes, p);
      }
    };
    walk(file.types, []);
  }

  get(fullName: string): TypeInfo | undefined {
    return this.types.get(fullName.startsWith('.') ? fullName.slice(1) : fullName);
  }

  /** `Context.resolve`: the full name a (possibly relative) type name refers to from scope `scope` (message names). */
  resolve(name: string, scope: readonly string[], pkg = this.packageName): string | null {
    if (this.types.size === 0) return null;
    if (name.startsWith('.')) return this.types.has(name.slice(1)) ? name.slice(1) : null;
    const prefix = [...(pkg ? pkg.split('.') : []), ...scope];
    while (prefix.length > 0) {
      const n = prefix.join('.') + '.' + name;
      if (this.types.has(n)) return n;
      prefix.pop();
    }
    return this.types.has(name) ? name : null;
  }
}

class Context {
  readonly diffs: Difference[] = [];
  readonly path: string[] = [];
  readonly name: string[] = [];
  readonly schemas = new Set<MessageElement>();
  originalPackage: string;
  updatePackage: string;

  constructor(
    readonly original: TypeTable,
    readonly update: TypeTable,
  ) {
    this.originalPackage = original.packageName;
    this.updatePackage = update.packageName;
  }

  sub(): Context {
    const c = new Context(this.original, this.update);
    for (const s of this.schemas) c.schemas.add(s);
    c.originalPackage = this.originalPackage;
    c.updatePackage = this.updatePackage;
    c.path.push(...this.path);
    c.name.push(...this.name);
    return c;
  }

  add(type: DifferenceType): void {
    this.diffs.push({ type, fullPath: '#/' + this.path.join('/') });
  }

  inPath<T>(p: string, fn: () => T): T {
    this.path.push(p);
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  inName<T>(n: string, fn: () => T): T {
    this.path.push(n);
    this.name.push(n);
    try {
      return fn();
    } finally {
      this.name.pop();
      this.path.pop();
    }
  }

  table(isOriginal: boolean): TypeTable {
    return isOriginal ? this.original : this.update;
  }

  resolve(name: string, isOriginal: boolean): string | null {
    return this.table(isOriginal).resolve(name, this.name, isOriginal ? this.originalPackage : this.updatePackage);
  }

  getType(name: string, isOriginal: boolean): TypeInfo | undefined {
    const full = this.resolve(name, isOriginal);
    return full !== null ? this.table(isOriginal).get(full) : undefined;
  }

  isCompatible(): boolean {
    return this.diffs.every((d) => COMPATIBLE_CHANGES.has(d.type));
  }
}

function compareTypeElements(ctx: Context, original: readonly TypeElement[], update: readonly TypeElement[]): void {
  const collect = (types: readonly TypeElement[]) => {
    const messages = new Map<string, MessageElement>();
    const indexes = new Map<string, number>();
    const enums = new Map<string, EnumElement>();
    let index = 0;
    for (const t of types) {
      if (t.kind === 'message') {
        messages.set(t.name, t);
        indexes.set(t.name, index++);
      } else enums.set(t.name, t);
    }
    return { messages, indexes, enums };
  };
  const o = collect(original);
  const u = collect(update);
  const messageNames = new Set([...o.messages.keys(), ...u.messages.keys()]);
  const enumNames = new Set([...o.enums.keys(), ...u.enums.keys()]);
  for (const name of messageNames) {
    ctx.inName(name, () => {
      const om = o.messages.get(name);
      const um = u.messages.get(name);
      if (!um) {
        const t = ctx.getType(name, true);
        if (t && !t.isMap) ctx.add('MESSAGE_REMOVED');
      } else if (!om) {
        const t = ctx.getType(name, false);
        if (t && !t.isMap) ctx.add('MESSAGE_ADDED');
      } else {
        compareMessages(ctx, om, um);
        if (o.indexes.get(name) !== u.indexes.get(name)) ctx.add('MESSAGE_MOVED');
      }
    });
  }
  for (const name of enumNames) {
    ctx.inName(name, () => {
      const oe = o.enums.get(name);
      const ue = u.enums.get(name);
      if (!ue) ctx.add('ENUM_REMOVED');
      else if (!oe) ctx.add('ENUM_ADDED');
      else compareEnums(ctx, oe, ue);
    });
  }
}

function compareEnums(ctx: Context, original: EnumElement, update: EnumElement): void {
  const ob = new Map(original.constants.map((c) => [c.tag, c]));
  const ub = new Map(update.constants.map((c) => [c.tag, c]));
  for (const tag of new Set([...ob.keys(), ...ub.keys()])) {
    ctx.inPath(String(tag), () => {
      const oc = ob.get(tag);
      const uc = ub.get(tag);
      if (!uc) ctx.add('ENUM_CONST_REMOVED');
      else if (!oc) ctx.add('ENUM_CONST_ADDED');
      else if (oc.name !== uc.name) ctx.add('ENUM_CONST_CHANGED');
    });
  }
}

function collectFields(m: MessageElement) {
  const byTag = new Map<number, FieldElement>();
  const tagToOneOf = new Map<number, string>();
  const oneOfs = new Map<string, OneOfElement>();
  for (const f of m.fields) byTag.set(f.tag, f);
  for (const o of m.oneOfs) {
    oneOfs.set(o.name, o);
    for (const f of o.fields) {
      byTag.set(f.tag, f);
      tagToOneOf.set(f.tag, o.name);
    }
  }
  return { byTag, tagToOneOf, oneOfs };
}

function compareMessages(ctx: Context, original: MessageElement, update: MessageElement): void {
  if (!ctx.schemas.has(original)) {
    ctx.schemas.add(original);
    try {
      const o = collectFields(original);
      const u = collectFields(update);
      const completelyDeleted = new Set<string>();
      for (const [name, oneOf] of o.oneOfs) {
        if (!u.oneOfs.has(name) && !oneOf.fields.some((f) => u.byTag.has(f.tag))) completelyDeleted.add(name);
      }
      for (const oneOf of update.oneOfs) {
        ctx.inPath(oneOf.name, () => {
          const origins = new Set<string>();
          let topLevelMovedIn = 0;
          for (const f of oneOf.fields) {
            if (o.tagToOneOf.has(f.tag)) origins.add('oneof:' + o.tagToOneOf.get(f.tag));
            else if (o.byTag.has(f.tag)) {
              origins.add('field:' + f.tag);
              topLevelMovedIn++;
            }
          }
          if (origins.size > 1) ctx.add(topLevelMovedIn > 1 ? 'MULTIPLE_FIELDS_MOVED_TO_ONEOF' : 'FIELD_MOVED_TO_EXISTING_ONEOF');
        });
      }
      for (const name of [...new Set([...o.oneOfs.keys(), ...u.oneOfs.keys()])].sort()) {
        ctx.inPath(name, () => {
          if (!u.oneOfs.has(name)) ctx.add('ONEOF_REMOVED');
          else if (!o.oneOfs.has(name)) ctx.add('ONEOF_ADDED');
        });
      }
      for (const tag of [...new Set([...o.byTag.keys(), ...u.byTag.keys()])].sort((a, b) => a - b)) {
        const of = o.byTag.get(tag);
        const uf = u.byTag.get(tag);
        const oo = o.tagToOneOf.get(tag);
        const uo = u.tagToOneOf.get(tag);
        if (!uf) {
          if (oo !== undefined) {
            if (!completelyDeleted.has(oo)) ctx.inPath(oo, () => ctx.inPath(String(tag), () => ctx.add('ONEOF_FIELD_REMOVED')));
          } else ctx.inPath(String(tag), () => ctx.add(of!.label === 'required' ? 'REQUIRED_FIELD_REMOVED' : 'FIELD_REMOVED'));
        } else if (!of) {
          if (uo !== undefined) ctx.inPath(uo, () => ctx.inPath(String(tag), () => ctx.add('ONEOF_FIELD_ADDED')));
          else ctx.inPath(String(tag), () => ctx.add(uf.label === 'required' ? 'REQUIRED_FIELD_ADDED' : 'FIELD_ADDED'));
        } else {
          if (oo !== undefined && uo === undefined) ctx.inPath(String(tag), () => ctx.add('ONEOF_FIELD_MOVED_TO_TOP_LEVEL'));
          if (uo !== undefined) ctx.inPath(uo, () => ctx.inPath(String(tag), () => compareFields(ctx, of, uf)));
          else ctx.inPath(String(tag), () => compareFields(ctx, of, uf));
        }
      }
    } finally {
      ctx.schemas.delete(original);
    }
  }
  compareTypeElements(ctx, original.nestedTypes, update.nestedTypes);
}

function compareFields(ctx: Context, original: FieldElement, update: FieldElement): void {
  if (original.name !== update.name) ctx.add('FIELD_NAME_CHANGED');
  compareLabelsAndTypes(ctx, original.label, update.label, original.type, update.type);
}

type Kind = 'SCALAR' | 'MAP' | 'MESSAGE';

function kind(ctx: Context, type: string, isOriginal: boolean): Kind {
  const simple = type.startsWith('.') ? type : type;
  if (SCALAR_TYPES.has(simple)) return 'SCALAR';
  if (isMapType(type)) return 'MAP';
  const t = ctx.getType(type, isOriginal);
  if (t && t.type.kind === 'enum') return 'SCALAR';
  return 'MESSAGE';
}

function scalarKind(ctx: Context, type: string, isOriginal: boolean): string {
  const t = ctx.getType(type, isOriginal);
  if (t && t.type.kind === 'enum') return 'GENERAL_NUMBER';
  switch (type) {
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
    case 'bool':
      return 'GENERAL_NUMBER';
    case 'sint32':
    case 'sint64':
      return 'SIGNED_NUMBER';
    case 'string':
    case 'bytes':
      return 'STRING_OR_BYTES';
    case 'fixed32':
    case 'sfixed32':
      return 'FIXED32';
    case 'fixed64':
    case 'sfixed64':
      return 'FIXED64';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    default:
      return 'ANY';
  }
}

function compareLabelsAndTypes(ctx: Context, originalLabel: FieldElement['label'], updateLabel: FieldElement['label'], originalTypeIn: string, updateTypeIn: string): void {
  let originalType = originalTypeIn;
  let updateType = updateTypeIn;
  const ot = ctx.getType(originalType, true);
  if (ot && ot.isMap) originalType = mapTypeOf(ot) ?? originalType;
  const ut = ctx.getType(updateType, false);
  if (ut && ut.isMap) updateType = mapTypeOf(ut) ?? updateType;
  const ok = kind(ctx, originalType, true);
  const uk = kind(ctx, updateType, false);
  if (ok !== uk) {
    ctx.add('FIELD_KIND_CHANGED');
    return;
  }
  switch (ok) {
    case 'SCALAR': {
      const osk = scalarKind(ctx, originalType, true);
      const usk = scalarKind(ctx, updateType, false);
      if (osk !== usk) ctx.add('FIELD_SCALAR_KIND_CHANGED');
      else if (originalLabel !== null && updateLabel !== null && originalLabel !== updateLabel) {
        if (osk === 'STRING_OR_BYTES') ctx.add('FIELD_STRING_OR_BYTES_LABEL_CHANGED');
        else if (osk !== 'ANY') ctx.add('FIELD_NUMERIC_LABEL_CHANGED');
      }
      return;
    }
    case 'MESSAGE':
      compareMessageTypes(ctx, originalType, updateType);
      return;
    case 'MAP': {
      const [ok2, ov] = mapTypes(originalType);
      const [uk2, uv] = mapTypes(updateType);
      compareLabelsAndTypes(ctx, null, null, ok2, uk2);
      compareLabelsAndTypes(ctx, null, null, ov, uv);
      return;
    }
  }
}

function compareMessageTypes(ctx: Context, original: string, update: string): void {
  const of = ctx.resolve(original, true);
  const uf = ctx.resolve(update, false);
  if (of === null || uf === null) {
    if (original !== update) ctx.add('FIELD_NAMED_TYPE_CHANGED');
    return;
  }
  const ot = ctx.original.get(of)!;
  const ut = ctx.update.get(uf)!;
  const local = (full: string, pkg: string): string => (pkg && full.startsWith(pkg + '.') ? full.slice(pkg.length + 1) : full);
  const ol = local(of, ot.packageName);
  const ul = local(uf, ut.packageName);
  if (ol !== ul) {
    ctx.add('FIELD_NAMED_TYPE_CHANGED');
    return;
  }
  const sameRef = ot.ref !== null && ut.ref !== null && ot.ref.subject === ut.ref.subject && ot.ref.version === ut.ref.version;
  if (!sameRef && ot.type.kind === 'message' && ut.type.kind === 'message') {
    const sub = ctx.sub();
    sub.originalPackage = ot.packageName;
    sub.updatePackage = ut.packageName;
    const parts = ol.split('.');
    sub.path.length = 0;
    sub.name.length = 0;
    sub.path.push(...parts);
    sub.name.push(...parts);
    compareMessages(sub, ot.type, ut.type);
    ctx.diffs.push(...sub.diffs);
    if (!sub.isCompatible()) ctx.add('FIELD_NAMED_TYPE_CHANGED');
  }
}

/** `SchemaDiff.compare(original, update)`. */
export function protoDiff(original: ProtoFile, originalTypes: TypeTable, update: ProtoFile, updateTypes: TypeTable): Difference[] {
  const ctx = new Context(originalTypes, updateTypes);
  if ((original.packageName ?? null) !== (update.packageName ?? null)) ctx.add('PACKAGE_CHANGED');
  compareTypeElements(ctx, original.types, update.types);
  return ctx.diffs;
}

/** `protobuf.diff.Difference.toString()` (`%s` filled with "new"/"old" later). */
export function differenceString(d: Difference): string {
  const p = d.fullPath;
  let desc = '';
  switch (d.type) {
    case 'PACKAGE_CHANGED':
      desc = `The package at '${p}' in the %s schema does not match the package in the %s schema`;
      break;
    case 'MESSAGE_REMOVED':
      desc = `The %s schema is missing a MESSAGE type at path '${p}' in the %s schema`;
      break;
    case 'FIELD_KIND_CHANGED':
      desc = `The type of a field at path '${p}' in the %s schema does not match the %s schema`;
      break;
    case 'FIELD_SCALAR_KIND_CHANGED':
      desc = `The kind of a SCALAR field at path '${p}' in the %s schema does not match its kind in the %s schema`;
      break;
    case 'FIELD_NAMED_TYPE_CHANGED':
      desc = `The type of a MESSAGE field at path '${p}' in the %s schema does not match its type in the %s schema`;
      break;
    case 'FIELD_NUMERIC_LABEL_CHANGED':
      desc = `The label for a NUMERIC field at path '${p}' in the %s schema does not match its label in the %s schema`;
      break;
    case 'REQUIRED_FIELD_ADDED':
      desc = `A required field  at path '${p}' in the %s schema is missing in the %s schema`;
      break;
    case 'REQUIRED_FIELD_REMOVED':
      desc = `The %s schema is missing a required field at path: '${p}' in the %s schema`;
      break;
    case 'ONEOF_FIELD_REMOVED':
      desc = `The %s schema is missing a oneof field at path '${p}' in the %s schema`;
      break;
    case 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL':
      desc = `The oneof field at path '${p}' in the %s schema was moved out of its oneof to a top-level field in the %s schema`;
      break;
    case 'MULTIPLE_FIELDS_MOVED_TO_ONEOF':
      desc = `Multiple fields in the oneof at path '${p}' in the %s schema are outside a oneof in the %s schema`;
      break;
    case 'FIELD_MOVED_TO_EXISTING_ONEOF':
      desc = `A field in the oneof at path '${p}' in the %s schema is outside an existing oneof in the %s schema`;
      break;
    default:
      desc = '';
  }
  return `{errorType:"${d.type}", description:"${desc}"}`;
}
