/**
 * Java regular expressions and `Matcher.replaceAll` replacements on top of
 * JavaScript RegExp (RegexRouter, TopicNameMatches).
 *
 * The two syntaxes mostly agree; translated here: inline flags at the start
 * (`(?i)`, `(?s)`, `(?m)`, `(?x)` is refused), `\A`, `\z`, `\Z`, possessive
 * quantifiers (`a++` → `a+`, a safe over-approximation for routing
 * patterns), `\Q...\E` quoting, `\h`. The `u` flag is used so `\p{L}` works.
 * Java's `matches()` is a full match, done with `^(?:...)$`.
 *
 * Replacement syntax (`Matcher.appendReplacement`): `$n` (greedy over
 * digits while the group exists), `${name}`, `\x` escapes x; a `$` not
 * followed by a digit or `{` throws "Illegal group reference" as Java does.
 */

export interface JavaPattern {
  /** The translated RegExp without anchors (global). */
  readonly regex: RegExp;
  /** Anchored, for `matches()`. */
  readonly full: RegExp;
  readonly source: string;
  readonly groupCount: number;
}

export function compileJavaRegex(pattern: string): JavaPattern {
  if (typeof pattern !== 'string') throw new Error('pattern must be a string');
  let src = pattern;
  let flags = 'u';
  const inline = /^\(\?([imsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]) {
      if (f === 'i' && !flags.includes('i')) flags += 'i';
      if (f === 's' && !flags.includes('s')) flags += 's';
      if (f === 'm' && !flags.includes('m')) flags += 'm';
      if (f === 'x') throw new Error('COMMENTS flag (?x) is not supported');
    }
    src = src.slice(inline[0].length);
  }
  src = translate(src);
  const regex = new RegExp(src, flags + 'g'); // throws SyntaxError like PatternSyntaxException
  const full = new RegExp(`^(?:${src})$`, flags);
  const groupCount = new RegExp(`${src}|`, flags).exec('')!.length - 1;
  return { regex, full, source: pattern, groupCount };
}

function translate(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
        out += lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 1;
        continue;
      }
      if (!inClass && n === 'A') {
        out += '^';
        i++;
        continue;
      }
      if (!inClass && (n === 'z' || n === 'Z')) {
        out += '$';
        i++;
        continue;
      }
      if (n === 'h') {
        out += inClass ? ' \\t\\u00A0' : '[ \\t\\u00A0]';
        i++;
        continue;
      }
      out += c + (n ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (p[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '+' && i > 0 && /[+*?}]/.test(p[i - 1]) && p[i - 2] !== '\\') continue; // possessive
    out += c;
  }
  return out;
}

/** Java's `Matcher.matches()`. */
export function javaMatches(p: JavaPattern, input: string): boolean {
  return p.full.test(input);
}

/** Java's `Matcher.find()` (anywhere). */
export function javaFind(p: JavaPattern, input: string): boolean {
  p.regex.lastIndex = 0;
  return p.regex.test(input);
}

type Part = string | { group: number } | { name: string };

/** Parses a Java replacement string once (throws like Java on bad group references). */
export function compileJavaReplacement(replacement: string, p: JavaPattern): (m: RegExpExecArray) => string {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c === '\\') {
      i++;
      if (i >= replacement.length) throw new Error('character to be escaped is missing');
      lit += replacement[i];
    } else if (c === '$') {
      i++;
      if (i >= replacement.length) throw new Error('Illegal group reference: group index is missing');
      if (replacement[i] === '{') {
        const end = replacement.indexOf('}', i);
        if (end < 0) throw new Error("named capturing group is missing trailing '}'");
        const name = replacement.slice(i + 1, end);
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error('named capturing group is missing or invalid');
        if (lit) parts.push(lit);
        lit = '';
        parts.push({ name });
        i = end;
      } else {
        let d = replacement.charCodeAt(i) - 48;
        if (d < 0 || d > 9) throw new Error('Illegal group reference');
        let group = d;
        // Java: keep consuming digits while the resulting group number exists
        while (i + 1 < replacement.length) {
          d = replacement.charCodeAt(i + 1) - 48;
          if (d < 0 || d > 9) break;
          const next = group * 10 + d;
          if (next > p.groupCount) break;
          group = next;
          i++;
        }
        if (group > p.groupCount) throw new Error(`No group ${group}`);
        if (lit) parts.push(lit);
        lit = '';
        parts.push({ group });
      }
    } else lit += c;
  }
  if (lit) parts.push(lit);
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const s = parts[0];
    return () => s;
  }
  return (m) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if ('group' in part) out += m[part.group] ?? '';
      else {
        if (!m.groups || !(part.name in m.groups)) throw new Error(`No group with name {${part.name}}`);
        out += m.groups[part.name] ?? '';
      }
    }
    return out;
  };
}

/** Java's `Matcher.replaceAll(replacement)`. */
export function javaReplaceAll(p: JavaPattern, input: string, replacement: (m: RegExpExecArray) => string): string {
  const re = p.regex;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(input)) !== null) {
    out += input.slice(last, m.index) + replacement(m);
    last = m.index + m[0].length;
    if (m[0].length === 0) {
      if (re.lastIndex >= input.length) {
        break;
      }
      re.lastIndex++;
    }
  }
  return out + input.slice(last);
}
