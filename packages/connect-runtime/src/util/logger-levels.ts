/**
 * Logger levels the admin REST API reads and sets (KIP-495, KIP-976):
 * `root` plus every namespace set at runtime, each with its level and when it
 * was last modified (null for levels from start-up). Setting a namespace
 * sets it and every known logger below it (`a.b` covers `a.b.c`); setting
 * `root` sets every logger. Levels are Log4j's.
 */
export const LOG4J_LEVELS = ['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'ALL'] as const;
export type LogLevelName = (typeof LOG4J_LEVELS)[number];

export interface LoggerLevelInfo {
  level: string;
  last_modified: number | null;
}

export class LoggerLevels {
  private readonly levels = new Map<string, LoggerLevelInfo>();
  private readonly listeners: Array<(name: string, level: string) => void> = [];

  constructor(
    rootLevel = 'INFO',
    private readonly now: () => number = () => Date.now(),
  ) {
    this.levels.set('root', { level: rootLevel, last_modified: null });
  }

  static isValidLevel(level: string): boolean {
    return (LOG4J_LEVELS as readonly string[]).includes(level.toUpperCase());
  }

  onChange(fn: (name: string, level: string) => void): void {
    this.listeners.push(fn);
  }

  /** Every known logger, sorted by name (`GET /admin/loggers`). */
  all(): Record<string, LoggerLevelInfo> {
    const out: Record<string, LoggerLevelInfo> = {};
    for (const name of [...this.levels.keys()].sort()) out[name] = { ...this.levels.get(name)! };
    return out;
  }

  get(name: string): LoggerLevelInfo | null {
    const l = this.levels.get(name);
    return l ? { ...l } : null;
  }

  /** The level in effect for `name`: its own, else its nearest ancestor's, else root's. */
  effective(name: string): string {
    let n = name;
    for (;;) {
      const l = this.levels.get(n);
      if (l) return l.level;
      const dot = n.lastIndexOf('.');
      if (dot < 0) return this.levels.get('root')!.level;
      n = n.slice(0, dot);
    }
  }

  /** Sets `namespace` and the loggers below it; returns the affected logger names, sorted. */
  set(namespace: string, level: string): string[] {
    const lvl = level.toUpperCase();
    const t = this.now();
    const affected = new Set<string>([namespace]);
    for (const name of this.levels.keys()) if (namespace === 'root' || name.startsWith(namespace + '.')) affected.add(name);
    for (const name of affected) this.levels.set(name, { level: lvl, last_modified: t });
    for (const fn of this.listeners) for (const name of affected) fn(name, lvl);
    return [...affected].sort();
  }
}
