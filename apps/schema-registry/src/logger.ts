/**
 * Log lines in the layout of Confluent's log4j.properties for the registry
 * (`[%d] %p %m (%c)%n`) on stdout, with structured fields after the message;
 * level from NAGARE_LOG_LEVEL (info). Errors carry their stack.
 */
import type { LogFn, Logger } from '@nagare/common';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

function ts(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

function fields(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'err' && v instanceof Error) continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

export function consoleLogger(level: string = process.env.NAGARE_LOG_LEVEL ?? 'info', bindings: Record<string, unknown> = {}, out: (s: string) => void = (s) => process.stdout.write(s)): Logger {
  const min = Math.max(0, LEVELS.indexOf(level as Level));
  const make = (l: Level): LogFn =>
    ((a: string | object, b?: string) => {
      if (LEVELS.indexOf(l) < min) return;
      const obj = typeof a === 'object' ? { ...bindings, ...(a as Record<string, unknown>) } : { ...bindings };
      const msg = typeof a === 'string' ? a : (b ?? '');
      const err = obj.err instanceof Error ? obj.err : null;
      let line = `[${ts(new Date())}] ${l.toUpperCase()} ${msg}${fields(obj)} (io.confluent.kafka.schemaregistry)\n`;
      if (err) line += (err.stack ?? String(err)) + '\n';
      out(line);
    }) as LogFn;
  return {
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    fatal: make('fatal'),
    child: (b) => consoleLogger(level, { ...bindings, ...b }, out),
  };
}
