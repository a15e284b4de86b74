/**
 * The logging interface the packages use: the part of pino's API we rely on,
 * so apps pass a pino logger and tests pass `silentLogger` or a collector.
 */
export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps entries in memory, for tests that assert on what was logged. */
export function memoryLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const make = (level: LogEntry['level']): LogFn =>
    ((a: string | object, b?: string) => {
      if (typeof a === 'string') entries.push({ level, msg: a, fields: { ...bindings } });
      else entries.push({ level, msg: b ?? '', fields: { ...bindings, ...a } });
    }) as LogFn;
  return {
    entries,
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    fatal: make('fatal'),
    child: (more) => memoryLogger(entries, { ...bindings, ...more }),
  };
}
