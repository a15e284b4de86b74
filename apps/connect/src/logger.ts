/**
 * The worker's log lines, in the layout of Kafka's connect-log4j.properties
 * (`[%d] %p %m (%c)%n`) on stdout; level from NAGARE_LOG_LEVEL (info).
 * Errors carry their stack trace on the following lines.
 */
import type { LogFn, Logger } from '@nagare/common';
import type { LoggerLevels } from '@nagare/connect-runtime';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

function ts(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

/** Log4j level names -> the lowest of our levels still written ('off' writes nothing). */
const FROM_LOG4J: Record<string, number> = { ALL: 0, TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5, OFF: 6 };

/** A logger whose level is read at each call (the admin REST API changes it at runtime, KIP-495). */
export function loggerLevelsLogger(levels: LoggerLevels, bindings: Record<string, unknown> = {}, out: (s: string) => void = (s) => process.stdout.write(s)): Logger {
  return consoleLogger(() => FROM_LOG4J[levels.effective('org.apache.kafka.connect')] ?? 2, bindings, out);
}

export function consoleLogger(level: string | (() => number) = process.env.NAGARE_LOG_LEVEL ?? 'info', bindings: Record<string, unknown> = {}, out: (s: string) => void = (s) => process.stdout.write(s)): Logger {
  const fixed = typeof level === 'string' ? Math.max(0, LEVELS.indexOf(level as Level)) : -1;
  const minOf = typeof level === 'function' ? level : () => fixed;
  const make = (l: Level): LogFn =>
    ((a: string | object, b?: string) => {
      if (LEVELS.indexOf(l) < minOf()) return;
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

/**
 * Resolves on the first SIGINT/SIGTERM. Later ones are logged and ignored, so a
 * Ctrl-C that reaches both this process and a supervisor (`npm start`) which
 * then sends SIGTERM does not cut the clean stop short (tasks stopped, offsets
 * committed, the group left). Started by a supervisor with an IPC channel
 * (`npm start` does), it also stops when that channel closes: the supervisor
 * has gone, even by kill -9, and must not leave a worker behind.
 */
export function untilStopSignal(logger: Logger): Promise<string> {
  return new Promise<string>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.info(`Received ${signal} while stopping; still stopping`);
        return;
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (process.channel) {
      process.channel.unref();
      process.once('disconnect', () => {
        logger.info('The supervising process has gone; stopping');
        onSignal('SIGTERM');
      });
    }
  });
}
