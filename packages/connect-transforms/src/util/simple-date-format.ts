/**
 * `java.text.SimpleDateFormat` patterns in UTC (TimestampConverter's
 * `format`, TimestampRouter's `timestamp.format`): the letters
 * G y Y M L d D E u a H k K h m s S z Z X and `'quoted'` text.
 * Week-based letters (w W F) are refused with Java's message for unknown
 * letters. `parse` reads from the start and ignores trailing text, as
 * `DateFormat.parse(String)` does.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LETTERS = new Set('GyYMLdDEuaHkKhmsSzZX');

type Token = { kind: 'lit'; text: string } | { kind: 'field'; letter: string; count: number };

export class SimpleDateFormat {
  private readonly tokens: Token[];

  constructor(readonly pattern: string) {
    this.tokens = tokenize(pattern);
  }

  format(d: Date): string {
    let out = '';
    for (const t of this.tokens) {
      if (t.kind === 'lit') {
        out += t.text;
        continue;
      }
      const n = t.count;
      switch (t.letter) {
        case 'G':
          out += d.getUTCFullYear() > 0 ? 'AD' : 'BC';
          break;
        case 'y':
        case 'Y': {
          const y = d.getUTCFullYear();
          out += n === 2 ? pad(y % 100, 2) : pad(y, n);
          break;
        }
        case 'M':
        case 'L': {
          const m = d.getUTCMonth();
          out += n >= 4 ? MONTHS[m] : n === 3 ? MONTHS[m].slice(0, 3) : pad(m + 1, n);
          break;
        }
        case 'd':
          out += pad(d.getUTCDate(), n);
          break;
        case 'D':
          out += pad(Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, n);
          break;
        case 'E':
          out += n >= 4 ? DAYS[d.getUTCDay()] : DAYS[d.getUTCDay()].slice(0, 3);
          break;
        case 'u':
          out += pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), n);
          break;
        case 'a':
          out += d.getUTCHours() < 12 ? 'AM' : 'PM';
          break;
        case 'H':
          out += pad(d.getUTCHours(), n);
          break;
        case 'k':
          out += pad(d.getUTCHours() === 0 ? 24 : d.getUTCHours(), n);
          break;
        case 'K':
          out += pad(d.getUTCHours() % 12, n);
          break;
        case 'h':
          out += pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, n);
          break;
        case 'm':
          out += pad(d.getUTCMinutes(), n);
          break;
        case 's':
          out += pad(d.getUTCSeconds(), n);
          break;
        case 'S':
          out += pad(d.getUTCMilliseconds(), n);
          break;
        case 'z':
          out += n >= 4 ? 'Coordinated Universal Time' : 'UTC';
          break;
        case 'Z':
          out += '+0000';
          break;
        case 'X':
          out += 'Z';
          break;
      }
    }
    return out;
  }

  /** Parses `s` (UTC unless the text has a zone); null when it does not match (Java throws ParseException). */
  parse(s: string): Date | null {
    let pos = 0;
    let year = 1970;
    let month = 0;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let millis = 0;
    let pm: boolean | null = null;
    let hour12 = false;
    let offsetMinutes = 0;
    let dayOfYear: number | null = null;
    for (let ti = 0; ti < this.tokens.length; ti++) {
      const t = this.tokens[ti];
      if (t.kind === 'lit') {
        if (!s.startsWith(t.text, pos)) return null;
        pos += t.text.length;
        continue;
      }
      const next = this.tokens[ti + 1];
      const adjacentNumber = next !== undefined && next.kind === 'field' && isNumeric(next.letter, next.count);
      const readNum = (): number | null => {
        let end = pos;
        if (s[end] === '-' || s[end] === '+') end++;
        const max = adjacentNumber ? pos + t.count : s.length;
        while (end < s.length && end < max && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
        if (end === pos || (end === pos + 1 && (s[pos] === '-' || s[pos] === '+'))) return null;
        const v = Number(s.slice(pos, end));
        pos = end;
        return v;
      };
      const readText = (options: string[]): number | null => {
        let best = -1;
        let bestLen = 0;
        options.forEach((o, i) => {
          if (o.length > bestLen && s.slice(pos, pos + o.length).toLowerCase() === o.toLowerCase()) {
            best = i;
            bestLen = o.length;
          }
        });
        if (best < 0) return null;
        pos += bestLen;
        return best;
      };
      let v: number | null;
      switch (t.letter) {
        case 'G':
          v = readText(['AD', 'BC']);
          if (v === null) return null;
          break;
        case 'y':
        case 'Y': {
          const start = pos;
          v = readNum();
          if (v === null) return null;
          // "yy" with exactly two digits: Java maps into the century window around now; use 2000-based for determinism
          year = t.count <= 2 && pos - start === 2 ? 2000 + v : v;
          break;
        }
        case 'M':
        case 'L':
          if (t.count >= 3) {
            v = readText([...MONTHS, ...MONTHS.map((m) => m.slice(0, 3))]);
            if (v === null) return null;
            month = v % 12;
          } else {
            v = readNum();
            if (v === null) return null;
            month = v - 1;
          }
          break;
        case 'd':
          v = readNum();
          if (v === null) return null;
          day = v;
          break;
        case 'D':
          v = readNum();
          if (v === null) return null;
          dayOfYear = v;
          break;
        case 'E':
          v = readText([...DAYS, ...DAYS.map((x) => x.slice(0, 3))]);
          if (v === null) return null;
          break;
        case 'u':
          if (readNum() === null) return null;
          break;
        case 'a':
          v = readText(['AM', 'PM']);
          if (v === null) return null;
          pm = v === 1;
          break;
        case 'H':
        case 'k':
          v = readNum();
          if (v === null) return null;
          hour = t.letter === 'k' && v === 24 ? 0 : v;
          break;
        case 'K':
        case 'h':
          v = readNum();
          if (v === null) return null;
          hour = v % 12;
          hour12 = true;
          break;
        case 'm':
          v = readNum();
          if (v === null) return null;
          minute = v;
          break;
        case 's':
          v = readNum();
          if (v === null) return null;
          second = v;
          break;
        case 'S':
          v = readNum();
          if (v === null) return null;
          millis = v;
          break;
        case 'z':
        case 'Z':
        case 'X': {
          if (s[pos] === 'Z' && t.letter !== 'z') {
            pos++;
            offsetMinutes = 0;
            break;
          }
          let rest = s.slice(pos);
          let consumedPrefix = 0;
          const named = /^(UTC|GMT|Coordinated Universal Time)/.exec(rest);
          if (named) {
            consumedPrefix = named[0].length;
            rest = rest.slice(consumedPrefix);
            if (!/^[+-]/.test(rest)) {
              pos += consumedPrefix;
              offsetMinutes = 0;
              break;
            }
          }
          const m = /^([+-])(\d{2}):?(\d{2})?/.exec(rest);
          if (!m) return null;
          offsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
          pos += consumedPrefix + m[0].length;
          break;
        }
      }
    }
    if (hour12 && pm) hour += 12;
    let ms = Date.UTC(year, month, dayOfYear !== null ? dayOfYear : day, hour, minute, second, millis);
    if (year >= 0 && year < 100) {
      const d = new Date(ms);
      d.setUTCFullYear(year);
      ms = d.getTime();
    }
    return new Date(ms - offsetMinutes * 60000);
  }
}

function isNumeric(letter: string, count: number): boolean {
  if (letter === 'M' || letter === 'L') return count < 3;
  return 'yYdDuHkKhmsS'.includes(letter);
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    if (c === "'") {
      if (p[i + 1] === "'") {
        lit += "'";
        i += 2;
        continue;
      }
      const end = p.indexOf("'", i + 1);
      if (end < 0) throw new IllegalPatternError('Unterminated quote');
      lit += p.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.has(c)) throw new IllegalPatternError(`Illegal pattern character '${c}'`);
      let j = i;
      while (p[j] === c) j++;
      if (lit) out.push({ kind: 'lit', text: lit });
      lit = '';
      out.push({ kind: 'field', letter: c, count: j - i });
      i = j;
      continue;
    }
    lit += c;
    i++;
  }
  if (lit) out.push({ kind: 'lit', text: lit });
  return out;
}

/** Java's IllegalArgumentException from `new SimpleDateFormat(pattern)`. */
export class IllegalPatternError extends Error {
  override readonly name = 'IllegalArgumentException';
}
