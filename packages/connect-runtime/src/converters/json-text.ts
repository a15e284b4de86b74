/**
 * The JSON text details that make JsonConverter's bytes equal Kafka's
 * (Jackson's defaults): compact output, numbers as Java prints them
 * (`Double.toString`: `12.0`, `1.0E7`, `1.0E-4`; `Float.toString` for
 * float32; BigDecimal's `toString`), control characters escaped as `\u00XX`
 * with upper-case hex, non-ASCII written as UTF-8, NaN/Infinity as strings
 * (`WRITE_NAN_AS_STRINGS`). And a parser that keeps every number's literal
 * (Jackson reads with USE_BIG_DECIMAL_FOR_FLOATS and exact big integers),
 * used when JSON.parse could lose precision.
 */

import { javaDoubleText, javaFloatText } from '@nagare/connect-api';

/** A number literal kept exactly (precise parsing only). */
export class JsonNumber {
  constructor(readonly raw: string) {}
  get integral(): boolean {
    return !/[.eE]/.test(this.raw);
  }
  valueOf(): number {
    return Number(this.raw);
  }
}

/** Java's `Double.toString(d)` as Jackson writes it: NaN and the infinities as strings (WRITE_NAN_AS_STRINGS). */
export function javaDouble(d: number): string {
  return Number.isFinite(d) ? javaDoubleText(d) : '"' + javaDoubleText(d) + '"';
}

/** Java's `Float.toString` of the float32 nearest `v` (non-finite as strings). */
export function javaFloat(v: number): string {
  const f = Math.fround(v);
  return Number.isFinite(f) ? javaFloatText(f) : javaDouble(f);
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** A JSON string literal as Jackson writes it. */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20) {
      switch (c) {
        case 0x08:
          out += '\\b';
          break;
        case 0x09:
          out += '\\t';
          break;
        case 0x0a:
          out += '\\n';
          break;
        case 0x0c:
          out += '\\f';
          break;
        case 0x0d:
          out += '\\r';
          break;
        default:
          out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
      }
    } else out += s[i];
  }
  return out + '"';
}

/** JSON.parse, but numbers become JsonNumber (exact literals). Throws SyntaxError on bad input. */
export function parsePrecise(text: string): unknown {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`Unexpected ${i < text.length ? `character '${text[i]}'` : 'end of input'} at position ${i}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i++] !== ':') fail();
        o[k] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return o;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return a;
        } else fail();
      }
    }
    if (c === '"') return str();
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
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    return new JsonNumber(m![0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    let simple = true;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        simple = false;
        i++;
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
    const lit = text.slice(start, i);
    return simple ? lit.slice(1, -1) : (JSON.parse(lit) as string);
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}
