/**
 * A .proto parser (proto2 and proto3) producing the Wire-like model of
 * model.ts. Errors read like Wire's: `Syntax error in <file>:<line>:<col>:
 * <what>`. Semantic checks (unknown types, duplicate tags) are done by
 * protobufjs when the schema is linked (provider.ts).
 */
import {
  EnumConstantElement,
  EnumElement,
  ExtendElement,
  ExtensionsElement,
  FieldElement,
  GroupElement,
  Label,
  MAX_TAG_VALUE,
  MessageElement,
  OneOfElement,
  OptionElement,
  OptionMap,
  OptionMapValue,
  OptionPrimitive,
  ProtoFile,
  RangeValue,
  ReservedElement,
  RpcElement,
  ServiceElement,
  TypeElement,
} from './model';

export class ProtoSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoSyntaxError';
  }
}

type TokKind = 'ident' | 'int' | 'float' | 'string' | 'sym' | 'eof';
interface Tok {
  kind: TokKind;
  text: string;
  /** Unescaped value of a string literal. */
  value?: string;
  line: number;
  col: number;
}

function unescape(body: string, fail: (m: string) => never): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'X': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
        if (!m) fail('expected a digit after \\x');
        out += String.fromCharCode(parseInt(m![0], 16));
        i += m![0].length;
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + n);
        if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== n) fail(`expected ${n} hex digits after \\${e}`);
        out += String.fromCodePoint(parseInt(h, 16));
        i += n;
        break;
      }
      default:
        if (e !== undefined && /[0-7]/.test(e)) {
          const m = /^[0-7]{1,3}/.exec(body.slice(i))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else out += e ?? '';
    }
  }
  return out;
}

function tokenize(text: string, file: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (m: string): never => {
    throw new ProtoSyntaxError(`Syntax error in ${file}:${line}:${i - lineStart + 1}: ${m}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      for (let k = i; k < end; k++) if (text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
      i = end + 2;
      continue;
    }
    const col = i - lineStart + 1;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') j++;
        if (text[j] === '\n') fail('unexpected newline in string literal');
        j++;
      }
      if (j >= text.length) fail('unterminated string');
      const body = text.slice(i + 1, j);
      toks.push({ kind: 'string', text: text.slice(i, j + 1), value: unescape(body, fail), line, col });
      i = j + 1;
      continue;
    }
    const num = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fF]?)/.exec(text.slice(i, i + 100));
    if (num && /[\d.]/.test(c) && !(c === '.' && !/\d/.test(text[i + 1] ?? ''))) {
      const t = num[0];
      const isFloat = /^[^xX]*[.eEfF]/.test(t) && !/^0[xX]/.test(t);
      toks.push({ kind: isFloat ? 'float' : 'int', text: t, line, col });
      i += t.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 1000));
    if (id) {
      toks.push({ kind: 'ident', text: id[0], line, col });
      i += id[0].length;
      continue;
    }
    if ('{}[]()<>;,=.:-+/'.includes(c)) {
      toks.push({ kind: 'sym', text: c, line, col });
      i++;
      continue;
    }
    fail(`unexpected character '${c}'`);
  }
  toks.push({ kind: 'eof', text: '', line, col: i - lineStart + 1 });
  return toks;
}

function parseIntLiteral(t: string): number {
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[0-7]+$/.test(t)) return parseInt(t, 8);
  return Number(t);
}

const LABELS = new Set(['optional', 'required', 'repeated']);

export function parseProto(text: string, file = 'schema.proto'): ProtoFile {
  return new Parser(tokenize(text, file), file).parseFile();
}

class Parser {
  private p = 0;


  constructor(
    private readonly toks: Tok[],
    private readonly file: string,
  ) {}

  private peek(k = 0): Tok {
    return this.toks[Math.min(this.p + k, this.toks.length - 1)];
  }
  private next(): Tok {
    return this.toks[Math.min(this.p++, this.toks.length - 1)];
  }
  private fail(msg: string, t: Tok = this.peek()): never {
    throw new ProtoSyntaxError(`Syntax error in ${this.file}:${t.line}:${t.col}: ${msg}`);
  }
  private is(text: string): boolean {
    const t = this.peek();
    return (t.kind === 'sym' || t.kind === 'ident') && t.text === text;
  }
  private accept(text: string): boolean {
    if (this.is(text)) {
      this.p++;
      return true;
    }
    return false;
  }
  private expect(text: string, what = `'${text}'`): void {
    if (!this.accept(text)) this.fail(`expected ${what} but was ${this.describe()}`);
  }
  private describe(t: Tok = this.peek()): string {
    return t.kind === 'eof' ? 'end of input' : `'${t.text}'`;
  }
  private ident(what = 'an identifier'): string {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(`expected ${what} but was ${this.describe()}`);
    this.p++;
    return t.text;
  }
  /** A dotted name, optionally with a leading dot. */
  private fullIdent(what = 'a name'): string {
    let s = '';
    if (this.accept('.')) s = '.';
    s += this.ident(what);
    while (this.is('.') && this.peek(1).kind === 'ident') {
      this.p++;
      s += '.' + this.ident(what);
    }
    return s;
  }
  private strLit(): string {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(`expected a string but was ${this.describe()}`);
    let s = '';
    while (this.peek().kind === 'string') s += this.next().value!;
    return s;
  }
  private int(what = 'an integer'): number {
    let neg = false;
    if (this.accept('-')) neg = true;
    else this.accept('+');
    const t = this.peek();
    if (t.kind !== 'int') this.fail(`expected ${what} but was ${this.describe()}`);
    this.p++;
    const n = parseIntLiteral(t.text);
    return neg ? -n : n;
  }

  parseFile(): ProtoFile {
    const f: ProtoFile = { syntax: null, packageName: null, imports: [], publicImports: [], options: [], types: [], extendDeclarations: [], services: [] };
    let first = true;
    while (this.peek().kind !== 'eof') {
      if (this.accept(';')) continue;
      const t = this.peek();
      const word = t.kind === 'ident' ? t.text : '';
      if (word === 'syntax') {
        if (!first) this.fail("'syntax' element must be the first declaration in a file", t);
        this.p++;
        this.expect('=');
        const s = this.strLit();
        if (s !== 'proto2' && s !== 'proto3') this.fail(`unexpected syntax: ${s}`, t);
        f.syntax = s;
        this.expect(';');
      } else if (word === 'edition') {
        this.fail('editions are not supported (use syntax = "proto2" or "proto3")', t);
      } else if (word === 'package') {
        this.p++;
        if (f.packageName !== null) this.fail('too many package names', t);
        f.packageName = this.fullIdent('a package name');
        this.expect(';');
      } else if (word === 'import') {
        this.p++;
        let kind = '';
        if (this.is('public') || this.is('weak')) kind = this.next().text;
        const path = this.strLit();
        if (kind === 'public') f.publicImports.push(path);
        else f.imports.push(path);
        this.expect(';');
      } else if (word === 'option') {
        this.p++;
        f.options.push(this.optionStatement());
      } else if (word === 'message') {
        this.p++;
        f.types.push(this.message());
      } else if (word === 'enum') {
        this.p++;
        f.types.push(this.enumeration());
      } else if (word === 'service') {
        this.p++;
        f.services.push(this.service());
      } else if (word === 'extend') {
        this.p++;
        f.extendDeclarations.push(this.extend());
      } else {
        this.fail(`unexpected label: ${t.text}`, t);
      }
      first = false;
    }
    return f;
  }

  // ---------------------------------------------------------------- options

  /** `option name = value;` (after the `option` keyword). */
  private optionStatement(): OptionElement {
    const o = this.option();
    this.expect(';');
    return o;
  }

  /** `name = value` (in statements and inside [...]). */
  private option(): OptionElement {
    let parenthesized = false;
    let name: string;
    if (this.accept('(')) {
      parenthesized = true;
      name = this.fullIdent('an option name');
      this.expect(')');
    } else {
      name = this.ident('an option name');
    }
    const subNames: string[] = [];
    while (this.accept('.')) {
      if (this.accept('(')) {
        subNames.push(`(${this.fullIdent()})`);
        this.expect(')');
      } else subNames.push(this.ident('an option name'));
    }
    this.expect('=');
    const { kind, value } = this.optionValue();
    let inner: OptionElement | null = null;
    for (let k = subNames.length - 1; k >= 0; k--) {
      const sn = subNames[k];
      const isP = sn.startsWith('(');
      const n = isP ? sn.slice(1, -1) : sn;
      inner = inner === null ? { name: n, kind, value, isParenthesized: isP } : { name: n, kind: 'OPTION', value: inner, isParenthesized: isP };
    }
    if (inner) return { name, kind: 'OPTION', value: inner, isParenthesized: parenthesized };
    return { name, kind, value, isParenthesized: parenthesized };
  }

  private optionValue(): { kind: OptionElement['kind']; value: OptionElement['value'] } {
    const t = this.peek();
    if (t.kind === 'string') return { kind: 'STRING', value: this.strLit() };
    if (this.is('{')) return { kind: 'MAP', value: this.optionMap() };
    if (this.is('[')) return { kind: 'LIST', value: this.optionList() };
    const prim = this.scalarValue();
    return { kind: prim.kind, value: prim.value };
  }

  private scalarValue(): OptionPrimitive {
    const t = this.peek();
    if (t.kind === 'string') return { primitive: true, kind: 'STRING', value: this.strLit() };
    let sign = '';
    if (this.is('-') || this.is('+')) sign = this.next().text === '-' ? '-' : '';
    const v = this.peek();
    if (v.kind === 'int' || v.kind === 'float') {
      this.p++;
      return { primitive: true, kind: 'NUMBER', value: sign + v.text };
    }
    if (v.kind === 'ident') {
      this.p++;
      if (sign === '' && (v.text === 'true' || v.text === 'false')) return { primitive: true, kind: 'BOOLEAN', value: v.text };
      if (/^(inf|nan|infinity)$/i.test(v.text)) return { primitive: true, kind: 'NUMBER', value: sign + v.text };
      if (sign) this.fail(`expected a number after '-' but was '${v.text}'`, v);
      let s = v.text;
      while (this.is('.') && this.peek(1).kind === 'ident') {
        this.p++;
        s += '.' + this.next().text;
      }
      return { primitive: true, kind: 'ENUM', value: s };
    }
    return this.fail(`expected an option value but was ${this.describe()}`);
  }

  private optionMap(): OptionMap {
    this.expect('{');
    const map: Array<[string, OptionMapValue]> = [];
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') this.fail("expected '}'");
      let key: string;
      if (this.accept('[')) {
        key = `[${this.fullIdent()}]`;
        this.expect(']');
      } else key = this.ident('a field name');
      let value: OptionMapValue;
      if (this.accept(':')) {
        value = this.is('{') ? this.optionMap() : this.is('[') ? this.optionList() : this.scalarValue();
      } else {
        value = this.is('<') ? this.angleMap() : this.optionMap();
      }
      const existing = map.find(([k]) => k === key);
      if (existing) {
        // repeated keys in a text-format message accumulate into a list (as Wire does)
        existing[1] = Array.isArray(existing[1]) ? [...existing[1], value] : [existing[1], value];
      } else map.push([key, value]);
      if (!this.accept(',')) this.accept(';');
    }
    return { map };
  }

  private angleMap(): OptionMap {
    this.expect('<');
    const m: Array<[string, OptionMapValue]> = [];
    while (!this.accept('>')) {
      const key = this.ident('a field name');
      this.accept(':');
      m.push([key, this.is('{') ? this.optionMap() : this.scalarValue()]);
      if (!this.accept(',')) this.accept(';');
    }
    return { map: m };
  }

  private optionList(): OptionMapValue[] {
    this.expect('[');
    const out: OptionMapValue[] = [];
    if (this.accept(']')) return out;
    for (;;) {
      out.push(this.is('{') ? this.optionMap() : this.scalarValue());
      if (this.accept(']')) return out;
      this.expect(',', "',' or ']'");
    }
  }

  /** `[a = 1, (b) = "x"]` after a field; returns options plus the extracted default and json_name. */
  private fieldOptions(): { options: OptionElement[]; defaultValue: string | null; jsonName: string | null } {
    const options: OptionElement[] = [];
    let defaultValue: string | null = null;
    let jsonName: string | null = null;
    if (!this.accept('[')) return { options, defaultValue, jsonName };
    for (;;) {
      const o = this.option();
      if (!o.isParenthesized && o.name === 'default' && typeof o.value === 'string') defaultValue = o.value;
      else if (!o.isParenthesized && o.name === 'json_name' && typeof o.value === 'string') jsonName = o.value;
      else options.push(o);
      if (this.accept(']')) break;
      this.expect(',', "',' or ']'");
    }
    return { options, defaultValue, jsonName };
  }

  // ---------------------------------------------------------------- types

  private message(): MessageElement {
    const name = this.ident('a message name');
    const m: MessageElement = { kind: 'message', name, options: [], reserveds: [], fields: [], oneOfs: [], groups: [], extensions: [], extendDeclarations: [], nestedTypes: [] };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') this.fail("expected '}'");
      this.messageMember(m);
    }
    return m;
  }

  private messageMember(m: MessageElement): void {
    if (this.accept(';')) return;
    const t = this.peek();
    if (t.kind !== 'ident' && !this.is('.')) this.fail(`unexpected ${this.describe()}`);
    switch (t.text) {
      case 'message':
        this.p++;
        m.nestedTypes.push(this.message());
        return;
      case 'enum':
        this.p++;
        m.nestedTypes.push(this.enumeration());
        return;
      case 'option':
        this.p++;
        m.options.push(this.optionStatement());
        return;
      case 'reserved':
        this.p++;
        m.reserveds.push(this.reserved());
        return;
      case 'extensions':
        this.p++;
        m.extensions.push(this.extensions());
        return;
      case 'extend':
        this.p++;
        m.extendDeclarations.push(this.extend());
        return;
      case 'oneof':
        this.p++;
        m.oneOfs.push(this.oneof());
        return;
      default: {
        const f = this.fieldOrGroup(true);
        if ('fields' in f) m.groups.push(f);
        else m.fields.push(f);
      }
    }
  }

  private fieldOrGroup(allowLabel: boolean): FieldElement | GroupElement {
    let label: Label | null = null;
    const t = this.peek();
    if (t.kind === 'ident' && LABELS.has(t.text) && !(this.peek(1).kind === 'sym' && this.peek(1).text === '=')) {
      if (!allowLabel) this.fail(`fields in oneofs must not have labels`, t);
      label = t.text as Label;
      this.p++;
    }
    if (this.is('group')) {
      this.p++;
      const name = this.ident('a group name');
      this.expect('=');
      const tag = this.int('a tag');
      this.fieldOptions();
      const g: GroupElement = { label, name, tag, fields: [] };
      const inner: MessageElement = { kind: 'message', name, options: [], reserveds: [], fields: [], oneOfs: [], groups: [], extensions: [], extendDeclarations: [], nestedTypes: [] };
      this.expect('{');
      while (!this.accept('}')) {
        if (this.peek().kind === 'eof') this.fail("expected '}'");
        this.messageMember(inner);
      }
      g.fields = inner.fields;
      return g;
    }
    let type: string;
    if (this.is('map') && this.peek(1).text === '<') {
      this.p += 2;
      const k = this.fullIdent('a map key type');
      this.expect(',');
      const v = this.fullIdent('a map value type');
      this.expect('>');
      type = `map<${k}, ${v}>`;
    } else type = this.fullIdent('a field type');
    const name = this.ident('a field name');
    this.expect('=');
    const tag = this.int('a tag');
    if (tag < 1 || tag > MAX_TAG_VALUE) this.fail(`tag is out of range: ${tag}`);
    const { options, defaultValue, jsonName } = this.fieldOptions();
    this.expect(';');
    return { label, type, name, tag, defaultValue, jsonName, options };
  }

  private oneof(): OneOfElement {
    const name = this.ident('a oneof name');
    const o: OneOfElement = { name, fields: [], groups: [], options: [] };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') this.fail("expected '}'");
      if (this.accept(';')) continue;
      if (this.accept('option')) {
        o.options.push(this.optionStatement());
        continue;
      }
      const f = this.fieldOrGroup(false);
      if ('fields' in f) o.groups.push(f);
      else o.fields.push(f);
    }
    return o;
  }

  private ranges(allowNames: boolean): Array<string | RangeValue> {
    const out: Array<string | RangeValue> = [];
    for (;;) {
      if (this.peek().kind === 'string') {
        if (!allowNames) this.fail('expected a number');
        out.push(this.strLit());
      } else if (allowNames && this.peek().kind === 'ident' && this.peek().text !== 'max') {
        out.push(this.ident());
      } else {
        const start = this.int('a tag');
        if (this.accept('to')) {
          const end = this.accept('max') ? MAX_TAG_VALUE : this.int('a tag');
          out.push([start, end]);
        } else out.push(start);
      }
      if (!this.accept(',')) break;
    }
    return out;
  }

  private reserved(): ReservedElement {
    const values = this.ranges(true);
    this.expect(';');
    return { values };
  }

  private extensions(): ExtensionsElement {
    const values = this.ranges(false) as RangeValue[];
    const { options } = this.fieldOptions();
    this.expect(';');
    return { values, options };
  }

  private extend(): ExtendElement {
    const name = this.fullIdent('a message name');
    const e: ExtendElement = { name, fields: [] };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') this.fail("expected '}'");
      if (this.accept(';')) continue;
      const f = this.fieldOrGroup(true);
      if (!('fields' in f)) e.fields.push(f);
    }
    return e;
  }

  private enumeration(): EnumElement {
    const name = this.ident('an enum name');
    const e: EnumElement = { kind: 'enum', name, options: [], reserveds: [], constants: [], nestedTypes: [] };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') this.fail("expected '}'");
      if (this.accept(';')) continue;
      if (this.accept('option')) {
        e.options.push(this.optionStatement());
        continue;
      }
      if (this.is('reserved') && !(this.peek(1).kind === 'sym' && this.peek(1).text === '=')) {
        this.p++;
        e.reserveds.push(this.reserved());
        continue;
      }
      const cname = this.ident('an enum constant name');
      this.expect('=');
      const tag = this.int('an enum value');
      const { options } = this.fieldOptions();
      this.expect(';');
      const c: EnumConstantElement = { name: cname, tag, options };
      e.constants.push(c);
    }
    return e;
  }

  private service(): ServiceElement {
    const name = this.ident('a service name');
    const s: ServiceElement = { name, options: [], rpcs: [] };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.peek().kind === 'eof') this.fail("expected '}'");
      if (this.accept(';')) continue;
      if (this.accept('option')) {
        s.options.push(this.optionStatement());
        continue;
      }
      this.expect('rpc', "'rpc'");
      const rname = this.ident('an rpc name');
      this.expect('(');
      const reqStream = this.is('stream') && this.peek(1).kind === 'ident' ? (this.p++, true) : false;
      const req = this.fullIdent('a request type');
      this.expect(')');
      this.expect('returns');
      this.expect('(');
      const resStream = this.is('stream') && this.peek(1).kind === 'ident' ? (this.p++, true) : false;
      const res = this.fullIdent('a response type');
      this.expect(')');
      const rpc: RpcElement = { name: rname, requestType: req, responseType: res, requestStreaming: reqStream, responseStreaming: resStream, options: [] };
      if (this.accept('{')) {
        while (!this.accept('}')) {
          if (this.peek().kind === 'eof') this.fail("expected '}'");
          if (this.accept(';')) continue;
          this.expect('option');
          rpc.options.push(this.optionStatement());
        }
        this.accept(';');
      } else this.expect(';');
      s.rpcs.push(rpc);
    }
    return s;
  }
}

export type { TypeElement };
