/**
 * JSON as Jackson (the JVM registry's JSON library) reads and writes it:
 * object keys keep their document order (a JS object would move
 * integer-like keys first), numbers keep their literal so integers of any
 * size survive, and the compact writer prints numbers the way Jackson's
 * `IntNode`/`LongNode`/`BigIntegerNode`/`DoubleNode` do (`1.0`, `1.0E10`).
 * Canonical schema strings (Avro defaults and properties, JSON Schema
 * documents) are produced with it, so the same schema text gets the same
 * canonical form, hence the same id, as on Confluent's registry.
 */

export class JsonNumber {
  constructor(
    /** The literal as written in the document. */
    readonly raw: string,
  ) {}
  /** No fraction and no exponent in the literal (Jackson's integral nodes). */
  get isIntegral(): boolean {
    return !/[.eE]/.test(this.raw);
  }
  get value(): number {
    return Number(this.raw);
  }
  toJSON(): number {
    return this.value;
  }
}

export class JsonObject {
  readonly entries = new Map<string, JsonValue>();
  get(k: string): JsonValue | undefined {
    return this.entries.get(k);
  }
  has(k: string): boolean {
    return this.entries.has(k);
  }
  set(k: string, v: JsonValue): this {
    this.entries.set(k, v);
    return this;
  }
  delete(k: string): boolean {
    return this.entries.delete(k);
  }
  keys(): string[] {
    return [...this.entries.keys()];
  }
  get size(): number {
    return this.entries.size;
  }
  static from(o: Record<string, JsonValue>): JsonObject {
    const j = new JsonObject();
    for (const [k, v] of Object.entries(o)) j.set(k, v);
    return j;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

export class JsonParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'JsonParseError';
  }
}

/** Parses JSON text (RFC 8259; with `allowNonNumeric`, Jackson's NaN/Infinity too). */
export function parseJson(text: string, opts: { allowNonNumeric?: boolean } = {}): JsonValue {
  let i = 0;
  const n = text.length;
  const where = (): { line: number; column: number } => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < i && k < n; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return { line, column: col };
  };
  const fail = (msg: string): never => {
    const w = where();
    throw new JsonParseError(`${msg} at line ${w.line}, column ${w.column}`, w.line, w.column);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const describe = (): string => (i >= n ? 'end-of-input' : `character '${text[i]}'`);
  const value = (depth: number): JsonValue => {
    if (depth > 1000) fail('JSON nested too deeply');
    ws();
    if (i >= n) fail('Unexpected end-of-input: expected a JSON value');
    const c = text[i];
    if (c === '{') {
      i++;
      const o = new JsonObject();
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`Unexpected ${describe()}: was expecting double-quote to start field name`);
        const k = str();
        ws();
        if (text[i] !== ':') fail(`Unexpected ${describe()}: was expecting a colon to separate field name and value`);
        i++;
        o.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail(`Unexpected ${describe()}: was expecting comma to separate Object entries`);
      }
    }
    if (c === '[') {
      i++;
      const a: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail(`Unexpected ${describe()}: was expecting comma to separate Array entries`);
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    if (opts.allowNonNumeric) {
      for (const w of ['NaN', 'Infinity', '+Infinity', '-Infinity']) {
        if (text.startsWith(w, i)) {
          i += w.length;
          return new JsonNumber(w);
        }
      }
    }
    const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 40));
    return fail(m ? `Unrecognized token '${m[0]}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')` : `Unexpected ${describe()}: expected a valid value`);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('Unexpected end-of-input: was expecting closing quote for a string value');
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c === 92) {
        out += text.slice(start, i);
        i++;
        const e = text[i];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
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
          case 'u': {
            const h = text.slice(i + 1, i + 5);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('Unexpected character in unicode escape');
            out += String.fromCharCode(parseInt(h, 16));
            i += 4;
            break;
          }
          default:
            fail(`Unrecognized character escape '${e ?? ''}'`);
        }
        i++;
        start = i;
        continue;
      }
      if (c < 32) fail(`Illegal unquoted character (CTRL-CHAR, code ${c}): has to be escaped using backslash to be included in string value`);
      i++;
    }
  };
  const num = (): JsonNumber => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('Invalid numeric value');
    if (opts.allowNonNumeric && text.startsWith('-Infinity', i)) {
      i += 9;
      return new JsonNumber('-Infinity');
    }
    i += m![0].length;
    if (i < n && /[0-9A-Za-z.]/.test(text[i])) fail(`Invalid numeric value: Leading zeroes not allowed or unexpected character '${text[i]}'`);
    return new JsonNumber(m![0]);
  };
  const v = value(0);
  ws();
  if (i < n) fail(`Unexpected ${describe()}: expected end-of-input after the JSON value`);
  return v;
}

/** Java's `Double.toString` (what Jackson writes for a floating-point node). */
export function javaDoubleString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    if (s.includes('e')) return expToPlain(s);
    return s.includes('.') ? s : s + '.0';
  }
  // computerized scientific notation: d.ddddE[-]n
  const [mant, exp] = d.toExponential().split('e');
  const m = mant.includes('.') ? mant : mant + '.0';
  return `${m}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

function expToPlain(s: string): string {
  const n = Number(s);
  const t = n.toFixed(20).replace(/0+$/, '');
  return t.endsWith('.') ? t + '0' : t;
}

/** A number literal as Jackson re-serializes it. */
export function jacksonNumber(n: JsonNumber): string {
  const raw = n.raw;
  if (raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity' || raw === '+Infinity') return `"${raw.replace('+', '')}"`;
  if (n.isIntegral) {
    const neg = raw.startsWith('-');
    const digits = (neg ? raw.slice(1) : raw).replace(/^0+(?=\d)/, '');
    if (digits === '0') return '0';
    return (neg ? '-' : '') + digits;
  }
  return javaDoubleString(n.value);
}

/** Compact JSON as Jackson writes a tree (no spaces, document key order). */
export function writeJson(v: JsonValue | undefined, numberFmt: (n: JsonNumber) => string = jacksonNumber): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof JsonNumber) return numberFmt(v);
  if (Array.isArray(v)) return '[' + v.map((x) => writeJson(x, numberFmt)).join(',') + ']';
  let s = '{';
  let first = true;
  for (const [k, x] of v.entries) {
    if (!first) s += ',';
    first = false;
    s += JSON.stringify(k) + ':' + writeJson(x, numberFmt);
  }
  return s + '}';
}

/** Plain JS value (objects become ordinary objects, numbers numbers), for tools like ajv. */
export function toPlain(v: JsonValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  const o: Record<string, unknown> = {};
  for (const [k, x] of v.entries) o[k] = toPlain(x);
  return o;
}

/** A plain JS value as a JsonValue (numbers keep JS's shortest literal). */
export function fromPlain(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return new JsonNumber(Number.isInteger(v) ? String(v) : String(v));
  if (typeof v === 'bigint') return new JsonNumber(v.toString());
  if (Array.isArray(v)) return v.map(fromPlain);
  const o = new JsonObject();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) o.set(k, fromPlain(x));
  return o;
}

/** Deep equality of JSON trees (numbers by value, object keys in any order). */
export function jsonEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (a instanceof JsonNumber) return b instanceof JsonNumber && a.value === b.value;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  if (!(a instanceof JsonObject) || !(b instanceof JsonObject) || a.size !== b.size) return false;
  for (const [k, x] of a.entries) if (!b.has(k) || !jsonEquals(x, b.get(k))) return false;
  return true;
}

export function isObj(v: JsonValue | undefined): v is JsonObject {
  return v instanceof JsonObject;
}
