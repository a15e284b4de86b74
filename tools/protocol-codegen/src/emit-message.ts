/**
 * Emits one TypeScript module per message: its interfaces (nested structs in a
 * namespace of the message's name) and a codec with read, write, size and
 * defaults functions that take the version as a parameter.
 *
 * Version conditions are folded against the message's valid range, so a field
 * present in every version reads without a test and a field present in none
 * is not read at all.
 */
import {
  FieldSpec,
  MessageSpec,
  StructSpec,
  TypeRef,
  Versions,
  intersect,
  isEmpty,
  MAX_VERSION,
} from './spec';

type Cond = boolean | string;

function not(c: Cond): Cond {
  if (c === true) return false;
  if (c === false) return true;
  return `!(${c})`;
}

function and(a: Cond, b: Cond): Cond {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return `(${a} && ${b})`;
}

function or(a: Cond, b: Cond): Cond {
  if (a === true || b === true) return true;
  if (a === false) return b;
  if (b === false) return a;
  return `(${a} || ${b})`;
}

function pick(c: Cond, a: string, b: string): string {
  if (c === true) return a;
  if (c === false) return b;
  return `(${c} ? ${a} : ${b})`;
}

function asBool(c: Cond): string {
  return typeof c === 'boolean' ? String(c) : c;
}

class Code {
  private readonly lines: string[] = [];
  private depth = 0;

  line(s = ''): void {
    this.lines.push(s === '' ? '' : '  '.repeat(this.depth) + s);
  }

  open(s: string): void {
    this.line(s);
    this.depth++;
  }

  close(s = '}'): void {
    this.depth--;
    this.line(s);
  }

  /** Closes a block and opens the next at the same depth: `} else {`. */
  reopen(s: string): void {
    this.depth--;
    this.line(s);
    this.depth++;
  }

  /** `if (c) { body }` with the condition folded. */
  when(c: Cond, body: () => void): void {
    if (c === false) return;
    if (c === true) {
      body();
      return;
    }
    this.open(`if (${c}) {`);
    body();
    this.close();
  }

  toString(): string {
    return this.lines.join('\n');
  }

  /** Writes `body`'s lines, preceded by the line `prefix` makes of their text (if any). */
  guarded(body: () => void, prefix: (text: string) => string | undefined): void {
    const start = this.lines.length;
    body();
    const text = this.lines.slice(start).join('\n');
    const p = prefix(text);
    if (p !== undefined) this.lines.splice(start, 0, '  '.repeat(this.depth) + p);
  }
}

export function fileNameOf(messageName: string): string {
  return messageName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const FIXED_SIZE: Record<string, number> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

export class MessageEmitter {
  private readonly needIsDefault = new Set<string>();
  private readonly needDefault = new Set<string>();
  private readonly referenced = new Set<string>();

  constructor(
    private readonly msg: MessageSpec,
    private readonly runtimeImport = '../../runtime',
  ) {}

  /**
   * The condition "version is in v", folded against the versions the code
   * runs for (`ctx`, by default the message's valid range).
   */
  private inRange(v: Versions, ctx: Versions = this.msg.valid): Cond {
    const valid = ctx;
    const r = intersect(v, valid);
    if (isEmpty(r)) return false;
    const parts: string[] = [];
    if (r.lo > valid.lo) parts.push(`version >= ${r.lo}`);
    if (r.hi < valid.hi && r.hi !== MAX_VERSION) parts.push(`version <= ${r.hi}`);
    if (parts.length === 0) return true;
    return parts.length === 1 ? parts[0] : `(${parts.join(' && ')})`;
  }

  private flexible(f: FieldSpec, ctx: Versions): Cond {
    return this.inRange(f.flexibleOverride ?? this.msg.flexible, ctx);
  }

  /** The versions in which a field is written as a regular (untagged) field. */
  private regularCtx(f: FieldSpec): Versions {
    return isEmpty(f.tagged) ? intersect(f.versions, this.msg.valid) : { lo: 1, hi: 0 };
  }

  private taggedCtx(f: FieldSpec): Versions {
    return intersect(intersect(f.tagged, this.msg.flexible), this.msg.valid);
  }

  private structFlexible(): Cond {
    return this.inRange(this.msg.flexible);
  }

  private regular(f: FieldSpec): Cond {
    if (!isEmpty(f.tagged) && (f.tagged.lo !== f.versions.lo || f.tagged.hi !== f.versions.hi)) {
      throw new Error(`${this.msg.name}.${f.name}: taggedVersions must equal versions`);
    }
    return this.inRange(this.regularCtx(f));
  }

  private tagged(f: FieldSpec): Cond {
    return and(this.inRange(f.tagged), this.structFlexible());
  }

  private nullable(f: FieldSpec, ctx: Versions): Cond {
    return this.inRange(intersect(f.nullable, f.versions), ctx);
  }

  private typeNullable(f: FieldSpec): boolean {
    if (f.type.kind === 'prim' && f.type.prim === 'records') return true;
    return !isEmpty(intersect(intersect(f.nullable, f.versions), this.msg.valid)) || f.defaultRaw === 'null';
  }

  private structType(name: string): string {
    return name === this.msg.name ? name : `${this.msg.name}.${name}`;
  }

  private tsType(t: TypeRef): string {
    switch (t.kind) {
      case 'prim':
        switch (t.prim) {
          case 'bool':
            return 'boolean';
          case 'int64':
            return 'bigint';
          case 'string':
          case 'uuid':
            return 'string';
          case 'bytes':
          case 'records':
            return 'Buffer';
          default:
            return 'number';
        }
      case 'struct':
        return this.structType(t.name);
      case 'array':
        return `${this.tsType(t.elem)}[]`;
    }
  }

  private fieldType(f: FieldSpec): string {
    return this.tsType(f.type) + (this.typeNullable(f) ? ' | null' : '');
  }

  private defaultExpr(f: FieldSpec): string {
    const raw = f.defaultRaw;
    if (raw === 'null') {
      if (!this.typeNullable(f)) throw new Error(`${this.msg.name}.${f.name}: default null on a non-nullable field`);
      return 'null';
    }
    const t = f.type;
    if (t.kind === 'array') return '[]';
    if (t.kind === 'struct') {
      this.needDefault.add(t.name);
      return `default_${t.name}()`;
    }
    switch (t.prim) {
      case 'bool':
        return raw === undefined ? 'false' : String(raw === 'true');
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
      case 'float64': {
        if (raw === undefined || raw === '') return '0';
        const n = Number(raw);
        if (!Number.isFinite(n)) throw new Error(`${this.msg.name}.${f.name}: bad default ${raw}`);
        return String(n);
      }
      case 'int64':
        return raw === undefined || raw === '' ? '0n' : `${BigInt(raw)}n`;
      case 'string':
        return JSON.stringify(raw ?? '');
      case 'uuid':
        return 'ZERO_UUID';
      case 'bytes':
        return 'EMPTY_BYTES';
      case 'records':
        return 'null';
    }
  }

  /** An expression true when `v` holds the field's default value. */
  private isDefaultExpr(f: FieldSpec, v: string): string {
    const d = this.defaultExpr(f);
    if (d === 'null') return `${v} === null`;
    const t = f.type;
    const notNull = this.typeNullable(f) ? `${v} !== null && ` : '';
    if (t.kind === 'array') return `(${notNull}${v}.length === 0)`;
    if (t.kind === 'struct') {
      this.needIsDefault.add(t.name);
      return `(${notNull}isDefault_${t.name}(${v}))`;
    }
    if (t.prim === 'bytes') return `(${notNull}${v}.length === 0)`;
    return `${v} === ${d}`;
  }

  // ---------------------------------------------------------------- reading

  private readValue(t: TypeRef, path: string, flex: Cond, nullable: Cond): string {
    const p = JSON.stringify(path);
    if (t.kind === 'struct') {
      this.referenced.add(t.name);
      const read = `read_${t.name}(r, version)`;
      return pick(nullable, `(r.int8(${p}) < 0 ? null : ${read})`, read);
    }
    if (t.kind === 'array') throw new Error(`${this.msg.name}: nested arrays are not supported (${path})`);
    switch (t.prim) {
      case 'string':
        return pick(
          flex,
          pick(nullable, `r.compactNullableString(${p})`, `r.compactString(${p})`),
          pick(nullable, `r.nullableString(${p})`, `r.string(${p})`),
        );
      case 'bytes':
      case 'records':
        return pick(
          flex,
          pick(nullable, `r.compactNullableBytes(${p})`, `r.compactBytes(${p})`),
          pick(nullable, `r.nullableBytes(${p})`, `r.bytes(${p})`),
        );
      default:
        return `r.${t.prim}(${p})`;
    }
  }

  private emitRead(c: Code, target: string, f: FieldSpec, path: string, flex: Cond, nullable: Cond): void {
    const t = f.type;
    if (t.kind !== 'array') {
      c.line(`${target} = ${this.readValue(t, path, flex, nullable)};`);
      return;
    }
    const p = JSON.stringify(path);
    c.open('{');
    c.line(
      `const n = ${pick(flex, `r.compactArrayLength(${p}, ${asBool(nullable)})`, `r.arrayLength(${p}, ${asBool(nullable)})`)};`,
    );
    const ifNull = this.typeNullable(f) ? pick(nullable, 'null', '[]') : '[]';
    c.open('if (n < 0) {');
    c.line(`${target} = ${ifNull};`);
    c.close();
    c.open('else {');
    c.line(`const a: ${this.tsType(t.elem)}[] = [];`);
    c.line(`for (let i = 0; i < n && !r.failed; i++) a.push(${this.readValue(t.elem, path + '[]', flex, false)});`);
    c.line(`${target} = a;`);
    c.close();
    c.close();
  }

  private emitReadStruct(c: Code, s: StructSpec, prefix: string): void {
    const type = this.structType(s.name);
    c.open(`function read_${s.name}(r: Reader, version: number): ${type} {`);
    for (const f of s.fields) {
      c.line(`let $${f.camel}: ${this.fieldType(f)} = ${this.defaultExpr(f)};`);
    }
    const flexStruct = this.structFlexible();
    if (flexStruct !== false) c.line('let $unknown: RawTaggedField[] | undefined;');
    for (const f of s.fields) {
      const path = prefix + f.camel;
      const ctx = this.regularCtx(f);
      c.when(this.regular(f), () => this.emitRead(c, `$${f.camel}`, f, path, this.flexible(f, ctx), this.nullable(f, ctx)));
    }
    const taggedFields = this.taggedFieldsOf(s);
    c.when(flexStruct, () => {
      const tp = JSON.stringify(`${prefix}_tagged`);
      c.line(`const nt = r.uvarint(${tp});`);
      c.open('for (let t = 0; t < nt && !r.failed; t++) {');
      c.line(`const tag = r.uvarint(${tp});`);
      c.line(`const size = r.uvarint(${tp});`);
      let first = true;
      for (const f of taggedFields) {
        const path = prefix + f.camel;
        const cond = and(`tag === ${f.tag}`, this.inRange(f.tagged));
        if (cond === false) continue;
        if (first) c.open(`if (${cond}) {`);
        else c.reopen(`} else if (${cond}) {`);
        first = false;
        c.line('const end = r.pos + size;');
        this.emitRead(c, `$${f.camel}`, f, path, true, this.nullable(f, this.taggedCtx(f)));
        c.line(`if (r.pos !== end) r.fail(${JSON.stringify(path)}, 'tagged field size does not match its contents');`);
      }
      const keepUnknown = `($unknown ??= []).push({ tag, data: r.raw(${tp}, size) });`;
      if (first) {
        c.line(keepUnknown);
      } else {
        c.reopen('} else {');
        c.line(keepUnknown);
        c.close();
      }
      c.close();
    });
    const props = s.fields.map((f) => `${f.camel}: $${f.camel}`);
    if (flexStruct !== false) props.push('_unknownTaggedFields: $unknown');
    c.line(`return { ${props.join(', ')} };`);
    c.close();
  }

  private taggedFieldsOf(s: StructSpec): FieldSpec[] {
    const tagged = s.fields.filter((f) => !isEmpty(f.tagged));
    const seen = new Set<number>();
    for (const f of tagged) {
      if (seen.has(f.tag!)) throw new Error(`${this.msg.name}.${s.name}: tag ${f.tag} used twice`);
      seen.add(f.tag!);
    }
    return tagged.sort((a, b) => a.tag! - b.tag!);
  }

  // ---------------------------------------------------------------- sizing

  private sizeValue(t: TypeRef, v: string, flex: Cond, nullable: Cond, typeNullable = true): string {
    const nn = typeNullable ? `${v}!` : v;
    if (t.kind === 'struct') {
      const size = `size_${t.name}(${v}, version, s)`;
      return pick(nullable, `(${v} === null ? 1 : 1 + size_${t.name}(${v}, version, s))`, size);
    }
    if (t.kind === 'array') throw new Error('nested arrays are not supported');
    const fixed = FIXED_SIZE[t.prim];
    if (fixed !== undefined) return String(fixed);
    if (t.prim === 'string') {
      return pick(
        flex,
        pick(nullable, `sizeOfCompactNullableString(${v})`, `sizeOfCompactString(${nn})`),
        pick(nullable, `sizeOfNullableString(${v})`, `sizeOfString(${nn})`),
      );
    }
    return pick(flex, `sizeOfCompactBytes(${v}, s)`, `sizeOfBytes(${v}, s)`);
  }

  private emitSize(c: Code, acc: string, f: FieldSpec, v: string, flex: Cond, nullable: Cond): void {
    const t = f.type;
    if (t.kind !== 'array') {
      c.line(`${acc} += ${this.sizeValue(t, v, flex, nullable, this.typeNullable(f))};`);
      return;
    }
    c.open('{');
    c.line(`const a = ${v};`);
    if (this.typeNullable(f)) {
      c.open('if (a === null) {');
      c.line(`${acc} += ${pick(flex, '1', '4')};`);
      c.reopen('} else {');
    }
    c.line(`${acc} += ${pick(flex, 'sizeOfUvarint(a.length + 1)', '4')};`);
    const fixed = t.elem.kind === 'prim' ? FIXED_SIZE[t.elem.prim] : undefined;
    if (fixed !== undefined) {
      c.line(`${acc} += a.length * ${fixed};`);
    } else {
      c.line(`for (let i = 0; i < a.length; i++) ${acc} += ${this.sizeValue(t.elem, 'a[i]', flex, false, false)};`);
    }
    if (this.typeNullable(f)) c.close();
    c.close();
  }

  private emitSizeStruct(c: Code, s: StructSpec): void {
    const type = this.structType(s.name);
    c.open(`function size_${s.name}(v: ${type}, version: number, s: SizeContext): number {`);
    c.line('let n = 0;');
    for (const f of s.fields) {
      const ctx = this.regularCtx(f);
      c.when(this.regular(f), () => this.emitSize(c, 'n', f, `v.${f.camel}`, this.flexible(f, ctx), this.nullable(f, ctx)));
    }
    c.when(this.structFlexible(), () => {
      c.line('const unknown = v._unknownTaggedFields;');
      const anyTagged = this.taggedFieldsOf(s).some((f) => this.inRange(f.tagged) !== false);
      c.line(`${anyTagged ? 'let' : 'const'} nt = unknown === undefined ? 0 : unknown.length;`);
      c.line('n += sizeOfUnknownTags(unknown);');
      for (const f of this.taggedFieldsOf(s)) {
        const present = and(this.inRange(f.tagged), `!(${this.isDefaultExpr(f, `v.${f.camel}`)})`);
        c.when(present, () => {
          c.line('nt++;');
          c.line('let ts = 0;');
          this.emitSize(c, 'ts', f, `v.${f.camel}`, true, this.nullable(f, this.taggedCtx(f)));
          c.line(`n += ${sizeOfUvarintConst(f.tag!)} + sizeOfUvarint(ts) + ts;`);
        });
      }
      c.line('n += sizeOfUvarint(nt);');
    });
    c.line('return n;');
    c.close();
  }

  // ---------------------------------------------------------------- writing

  private writeValue(t: TypeRef, v: string, flex: Cond, nullable: Cond, typeNullable = true): string {
    const nn = typeNullable ? `${v}!` : v;
    if (t.kind === 'struct') {
      const write = `write_${t.name}(w, ${v}, version)`;
      if (nullable === false) return `${write};`;
      const nullableWrite = `if (${v} === null) w.int8(-1); else { w.int8(1); write_${t.name}(w, ${v}, version); }`;
      if (nullable === true) return nullableWrite;
      return `if (${nullable}) { ${nullableWrite} } else ${write};`;
    }
    if (t.kind === 'array') throw new Error('nested arrays are not supported');
    switch (t.prim) {
      case 'string':
        return (
          pick(
            flex,
            pick(nullable, `w.compactNullableString(${v})`, `w.compactString(${nn})`),
            pick(nullable, `w.nullableString(${v})`, `w.string(${nn})`),
          ) + ';'
        );
      case 'bytes':
      case 'records':
        return (
          pick(
            flex,
            pick(nullable, `w.compactNullableBytes(${v})`, `w.compactBytes(${nn})`),
            pick(nullable, `w.nullableBytes(${v})`, `w.bytes(${nn})`),
          ) + ';'
        );
      default:
        return `w.${t.prim}(${v});`;
    }
  }

  private emitWrite(c: Code, f: FieldSpec, v: string, path: string, flex: Cond, nullable: Cond): void {
    const t = f.type;
    const p = JSON.stringify(path);
    if (this.typeNullable(f) && nullable !== true) {
      c.line(`if (${asBool(and(`${v} === null`, not(nullable)))}) throw nullFieldError(${p}, version);`);
    }
    if (t.kind !== 'array') {
      c.line(this.writeValue(t, v, flex, nullable, this.typeNullable(f)));
      return;
    }
    c.open('{');
    c.line(`const a = ${v};`);
    if (this.typeNullable(f)) {
      c.open('if (a === null) {');
      c.line(pick(flex, 'w.uvarint(0)', 'w.int32(-1)') + ';');
      c.reopen('} else {');
    }
    c.line(pick(flex, 'w.uvarint(a.length + 1)', 'w.int32(a.length)') + ';');
    c.line(`for (let i = 0; i < a.length; i++) ${this.writeValue(t.elem, 'a[i]', flex, false, false)}`);
    if (this.typeNullable(f)) c.close();
    c.close();
  }

  private emitWriteStruct(c: Code, s: StructSpec, prefix: string): void {
    const type = this.structType(s.name);
    c.open(`function write_${s.name}(w: Writer, v: ${type}, version: number): void {`);
    for (const f of s.fields) {
      const path = prefix + f.camel;
      const regular = this.regular(f);
      const ctx = this.regularCtx(f);
      c.when(regular, () => this.emitWrite(c, f, `v.${f.camel}`, path, this.flexible(f, ctx), this.nullable(f, ctx)));
      const absent = not(or(regular, this.tagged(f)));
      if (absent !== false && !f.ignorable) {
        c.line(
          `if (${asBool(and(absent, `!(${this.isDefaultExpr(f, `v.${f.camel}`)})`))}) nonDefaultField(w, ${JSON.stringify(path)}, version);`,
        );
      }
    }
    c.when(this.structFlexible(), () => {
      const tagged = this.taggedFieldsOf(s);
      c.line('const unknown = v._unknownTaggedFields;');
      const anyTagged = tagged.some((f) => this.inRange(f.tagged) !== false);
      c.line(`${anyTagged ? 'let' : 'const'} nt = unknown === undefined ? 0 : unknown.length;`);
      const presentVars: Array<[FieldSpec, string]> = [];
      for (const f of tagged) {
        const present = and(this.inRange(f.tagged), `!(${this.isDefaultExpr(f, `v.${f.camel}`)})`);
        if (present === false) continue;
        const name = `p${f.tag}`;
        c.line(`const ${name} = ${asBool(present)};`);
        c.line(`if (${name}) nt++;`);
        presentVars.push([f, name]);
      }
      c.line('w.uvarint(nt);');
      if (presentVars.length === 0) {
        c.line('writeUnknownTags(w, unknown, 0, Infinity);');
      } else {
        c.line('let ui = 0;');
        for (const [f, name] of presentVars) {
          c.open(`if (${name}) {`);
          c.line(`ui = writeUnknownTags(w, unknown, ui, ${f.tag});`);
          c.line('let ts = 0;');
          const ctx = this.taggedCtx(f);
          // The tagged field's length prefix: a size pass of its own (nothing is passed through here).
          c.guarded(
            () => this.emitSize(c, 'ts', f, `v.${f.camel}`, true, this.nullable(f, ctx)),
            (text) => (/\bs\)/.test(text) ? 'const s = newSizeContext();' : undefined),
          );
          c.line(`w.uvarint(${f.tag});`);
          c.line('w.uvarint(ts);');
          this.emitWrite(c, f, `v.${f.camel}`, prefix + f.camel, true, this.nullable(f, ctx));
          c.close();
        }
        c.line('writeUnknownTags(w, unknown, ui, Infinity);');
      }
    });
    c.close();
  }

  // ---------------------------------------------------------------- defaults

  private emitDefault(c: Code, s: StructSpec): void {
    const type = this.structType(s.name);
    c.open(`function default_${s.name}(): ${type} {`);
    const props = s.fields.map((f) => `${f.camel}: ${this.defaultExpr(f)}`);
    c.line(`return { ${props.join(', ')} };`);
    c.close();
  }

  private emitIsDefault(c: Code, s: StructSpec): void {
    const type = this.structType(s.name);
    c.open(`function isDefault_${s.name}(v: ${type}): boolean {`);
    const terms = s.fields.map((f) => this.isDefaultExpr(f, `v.${f.camel}`));
    if (this.structFlexible() !== false) terms.push('(v._unknownTaggedFields === undefined || v._unknownTaggedFields.length === 0)');
    c.line(`return ${terms.length === 0 ? 'true' : terms.join(' &&\n    ')};`);
    c.close();
  }

  // ---------------------------------------------------------------- types

  private emitInterface(c: Code, s: StructSpec, name: string, exported: boolean): void {
    c.open(`${exported ? 'export ' : ''}interface ${name} {`);
    for (const f of s.fields) c.line(`${f.camel}: ${this.fieldType(f)};`);
    if (this.structFlexible() !== false) c.line('_unknownTaggedFields?: RawTaggedField[];');
    c.close();
  }

  emit(): string {
    const m = this.msg;
    const top: StructSpec = { name: m.name, fields: m.fields, versions: m.valid };
    if (m.structs.has(m.name)) throw new Error(`${m.name}: a struct shares the message's name`);
    // Structs reachable from the message's fields (a common struct may go unused).
    const reachable = new Set<string>();
    const visit = (fields: FieldSpec[]) => {
      for (const f of fields) {
        const t = f.type.kind === 'array' ? f.type.elem : f.type;
        if (t.kind === 'struct' && !reachable.has(t.name)) {
          reachable.add(t.name);
          visit(m.structs.get(t.name)!.fields);
        }
      }
    };
    visit(m.fields);
    const nested = [...m.structs.values()].filter((s) => reachable.has(s.name));

    const types = new Code();
    this.emitInterface(types, top, m.name, true);
    if (nested.length > 0) {
      types.line();
      types.open(`export namespace ${m.name} {`);
      for (const s of nested) this.emitInterface(types, s, s.name, true);
      types.close();
    }

    const body = new Code();
    const all = [top, ...nested];
    const prefixOf = (s: StructSpec) => (s === top ? '' : `${s.name}.`);
    for (const s of all) {
      body.line();
      this.emitReadStruct(body, s, prefixOf(s));
      body.line();
      this.emitWriteStruct(body, s, prefixOf(s));
      body.line();
      this.emitSizeStruct(body, s);
    }
    this.needDefault.add(m.name);
    const emittedDefaults = new Set<string>();
    const emittedIsDefaults = new Set<string>();
    let progress = true;
    while (progress) {
      progress = false;
      for (const s of all) {
        if (this.needDefault.has(s.name) && !emittedDefaults.has(s.name)) {
          emittedDefaults.add(s.name);
          body.line();
          this.emitDefault(body, s);
          progress = true;
        }
        if (this.needIsDefault.has(s.name) && !emittedIsDefaults.has(s.name)) {
          emittedIsDefaults.add(s.name);
          body.line();
          this.emitIsDefault(body, s);
          progress = true;
        }
      }
    }
    body.line();
    const flexibleFrom = isEmpty(m.flexible) ? -1 : m.flexible.lo;
    body.open(`export const ${m.name}Codec: MessageCodec<${m.name}> = {`);
    body.line(`name: ${JSON.stringify(m.name)},`);
    body.line(`apiKey: ${m.apiKey ?? -1},`);
    body.line(`lowestVersion: ${m.valid.lo},`);
    body.line(`highestVersion: ${m.valid.hi},`);
    body.line(`flexibleFrom: ${flexibleFrom},`);
    body.line(`read: read_${m.name},`);
    body.line(`write: write_${m.name},`);
    body.line(`size: size_${m.name},`);
    body.line(`defaults: default_${m.name},`);
    body.close('};');

    const text = body.toString();
    const runtimeNames = [
      'Reader',
      'Writer',
      'RawTaggedField',
      'MessageCodec',
      'SizeContext',
      'newSizeContext',
      'ZERO_UUID',
      'EMPTY_BYTES',
      'sizeOfUvarint',
      'sizeOfString',
      'sizeOfNullableString',
      'sizeOfCompactString',
      'sizeOfCompactNullableString',
      'sizeOfBytes',
      'sizeOfCompactBytes',
      'sizeOfUnknownTags',
      'writeUnknownTags',
      'nullFieldError',
      'nonDefaultField',
    ];
    const typeText = types.toString();
    const used = runtimeNames.filter((n) => new RegExp(`\\b${n}\\b`).test(text) || new RegExp(`\\b${n}\\b`).test(typeText));
    const header = [
      `// Generated by tools/protocol-codegen from ${m.file}. Do not edit: run \`npm run codegen\`.`,
      `// ${m.kind}${m.apiKey !== undefined ? ` for API key ${m.apiKey}` : ''}, versions ${m.valid.lo}-${m.valid.hi}` +
        (isEmpty(m.flexible) ? ', never flexible.' : `, flexible from ${m.flexible.lo}.`),
      `import { ${used.join(', ')} } from '${this.runtimeImport}';`,
      '',
    ];
    return header.join('\n') + typeText + '\n' + text + '\n';
  }
}

function sizeOfUvarintConst(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}
