/**
 * Java `.properties` text (what `connect-standalone` reads for the worker and
 * connector configs): `#`/`!` comments, `=`/`:`/whitespace separators,
 * backslash escapes (`\t`, `\n`, `\uXXXX`) and continuation lines.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].replace(/^[ \t\f]+/, '');
    let k = 0;
    let key = '';
    for (; k < line.length; k++) {
      const c = line[k];
      if (c === '\\' && k + 1 < line.length) {
        const [ch, len] = unescape(line, k);
        key += ch;
        k += len - 1;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
    }
    while (k < line.length && /[ \t\f]/.test(line[k])) k++;
    if (k < line.length && (line[k] === '=' || line[k] === ':')) k++;
    while (k < line.length && /[ \t\f]/.test(line[k])) k++;
    let value = '';
    for (; k < line.length; k++) {
      if (line[k] === '\\' && k + 1 < line.length) {
        const [ch, len] = unescape(line, k);
        value += ch;
        k += len - 1;
      } else value += line[k];
    }
    out[key] = value;
  }
  return out;
}

function unescape(s: string, i: number): [string, number] {
  const c = s[i + 1];
  if (c === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return [String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16)), 6];
  return [({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c] ?? c, 2];
}

/** Keys starting with `prefix`, with the prefix removed (Kafka's `originalsWithPrefix`). */
export function withPrefix(props: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** A LIST config value as Kafka's ConfigDef parses it: comma separated, trimmed, empty entries dropped. */
export function parseList(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A string map as Java's `AbstractMap.toString()` writes it (`{k=v, k2=v2}`), in insertion order as Jackson's LinkedHashMap keeps it. */
export function javaMapString(m: Record<string, string>): string {
  return `{${Object.entries(m).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}
