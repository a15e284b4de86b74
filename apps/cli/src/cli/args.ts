/**
 * A command-line parser with the conventions of Kafka's tools (jopt-simple):
 * `--name value` or `--name=value`, unique prefixes of long names accepted,
 * options repeatable (values accumulate), and the same messages for unknown
 * options and missing arguments, so the errors read as Kafka's do.
 */
import { UsageError } from './errors';

export interface OptionDef {
  /** Long name without the dashes, e.g. `bootstrap-server`. */
  name: string;
  /** `required`: takes a value; `optional`: may take one; absent: a flag. */
  arg?: 'required' | 'optional';
  /** `+`: takes one or more values (argparse style, as the perf tools' `--producer-props`). */
  nargs?: '+';
  /** Placeholder shown in the help. */
  describedAs?: string;
  help: string;
  /** Default value (shown in the help, returned by `value()` when absent). */
  default?: string;
  /** One-letter alias, e.g. `h` for `-h`. */
  short?: string;
  /** Left out of the help. */
  hidden?: boolean;
}

export class ParsedOptions {
  constructor(
    private readonly defs: Map<string, OptionDef>,
    private readonly seen: Map<string, string[]>,
    /** Option names in the order they appeared (first occurrence). */
    readonly order: string[],
    readonly positional: string[],
    /** The arguments as given. */
    readonly argv: readonly string[] = [],
  ) {}

  has(name: string): boolean {
    this.check(name);
    return this.seen.has(name);
  }

  /** The last value given (or the default). */
  value(name: string): string | undefined {
    this.check(name);
    const v = this.seen.get(name);
    if (v && v.length > 0) return v[v.length - 1];
    return this.defs.get(name)!.default;
  }

  /** Every value given, in order. */
  values(name: string): string[] {
    this.check(name);
    return this.seen.get(name) ?? [];
  }

  /** The value parsed as an integer; a usage error naming the option otherwise. */
  int(name: string): number | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    const n = Number(v.trim());
    if (!/^[-+]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`Cannot parse argument '${v}' of option ${name}`);
    return n;
  }

  number(name: string): number | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`Cannot parse argument '${v}' of option ${name}`);
    return n;
  }

  private check(name: string): void {
    if (!this.defs.has(name)) throw new Error(`internal: option ${name} is not defined`);
  }
}

export function parseArgs(defs: readonly OptionDef[], argv: readonly string[]): ParsedOptions {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [d.short!, d]));
  const seen = new Map<string, string[]>();
  const order: string[] = [];
  const positional: string[] = [];
  const add = (d: OptionDef, v: string | null) => {
    let a = seen.get(d.name);
    if (!a) {
      seen.set(d.name, (a = []));
      order.push(d.name);
    }
    if (v !== null) a.push(v);
  };
  const resolve = (name: string): OptionDef => {
    const exact = byName.get(name);
    if (exact) return exact;
    const prefixed = defs.filter((d) => d.name.startsWith(name));
    if (prefixed.length === 1 && name.length > 0) return prefixed[0];
    throw new UsageError(`${name} is not a recognized option`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let def: OptionDef | undefined;
    let inline: string | null = null;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) inline = a.slice(eq + 1);
      def = resolve(name);
    } else if (a.startsWith('-') && a.length === 2 && a !== '--') {
      def = byShort.get(a.slice(1));
      if (!def) throw new UsageError(`${a.slice(1)} is not a recognized option`);
    } else {
      positional.push(a);
      continue;
    }
    const isValue = (s: string | undefined) => s !== undefined && !(s.startsWith('--') && s.length > 2 && !/^--?\d/.test(s));
    if (def.nargs === '+') {
      const vals: string[] = inline !== null ? [inline] : [];
      while (isValue(argv[i + 1]) && !/^-[A-Za-z]$/.test(argv[i + 1])) vals.push(argv[++i]);
      if (vals.length === 0) throw new UsageError(`Option ${def.name} requires an argument`);
      for (const v of vals) add(def, v);
    } else if (def.arg === 'required') {
      if (inline !== null) add(def, inline);
      else if (i + 1 < argv.length) add(def, argv[++i]);
      else throw new UsageError(`Option ${def.name} requires an argument`);
    } else if (def.arg === 'optional') {
      if (inline !== null) add(def, inline);
      else if (isValue(argv[i + 1]) && !argv[i + 1].startsWith('-')) add(def, argv[++i]);
      else add(def, null);
    } else {
      if (inline !== null) throw new UsageError(`Option ${def.name} does not take an argument`);
      add(def, null);
    }
  }
  return new ParsedOptions(byName, seen, order, positional, argv);
}

/** Help text in the layout of jopt-simple's `printHelpOn`. */
export function formatHelp(defs: readonly OptionDef[]): string {
  const rows: Array<[string, string]> = [];
  for (const d of defs) {
    if (d.hidden) continue;
    let left = (d.short ? `-${d.short}, ` : '') + `--${d.name}`;
    if (d.arg === 'required' || d.nargs) left += ` <${d.describedAs ?? d.name}>`;
    else if (d.arg === 'optional') left += ` [${d.describedAs ?? d.name}]`;
    const right = d.help + (d.default !== undefined ? ` (default: ${d.default === '\t' ? '\\t' : d.default})` : '');
    rows.push([left, right]);
  }
  const w = Math.min(40, Math.max('Option'.length, ...rows.map((r) => r[0].length)));
  const out = [`${'Option'.padEnd(w)}  Description`, `${'------'.padEnd(w)}  -----------`];
  for (const [l, r] of rows) {
    const lines = wrap(r, 80 - w - 2);
    if (l.length > w) {
      out.push(l);
      for (const x of lines) out.push(' '.repeat(w + 2) + x);
    } else {
      out.push(`${l.padEnd(w)}  ${lines[0] ?? ''}`);
      for (const x of lines.slice(1)) out.push(' '.repeat(w + 2) + x);
    }
  }
  return out.join('\n') + '\n';
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line.length > 0 && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
