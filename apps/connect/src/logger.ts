/**
 * The worker's log lines, in the layout of Kafka's connect-log4j.properties
 * (`[%d] %p %m (%c)%n`) on stdout; level from NAGARE_LOG_LEVEL (info).
 * Errors carry their stack trace on the following lines.
 */
import type { LogFn, Logger } from '@nagare/common';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

function ts(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export function consoleLogger(level: string = process.env.NAGARE_LOG_LEVEL ?? 'info', bindings: Record<string, unknown> = {}, out: (s: string) => void = (s) => process.stdout.write(s)): Logger {
  const min = Math.max(0, LEVELS.indexOf(level as Level));
  const make = (l: Level): LogFn =>
    ((a: string | object, b?: string) => {
      if (LEVELS.indexOf(l) < min) return;
      const obj = typeof a === 'object' ? (a as Record<string, unknown>) : {};
      const msg = typeof a === 'string' ? a : (b ?? '');
      const err = obj.err instanceof Error ? obj.err : null;
      const ctx = bindings.task ? ` (task ${String(bindings.task)})` : ' (org.apache.kafka.connect)';
      let line = `[${ts(new Date())}] ${l === 'warn' ? 'WARN' : l.toUpperCase()} ${msg}${ctx}\n`;
      if (err) line += (err.stack ?? String(err)) + (err.cause instanceof Error ? `\nCaused by: ${err.cause.stack ?? String(err.cause)}` : '') + '\n';
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
