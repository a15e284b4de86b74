/**
 * Log lines in the worker's layout (`[yyyy-MM-dd HH:mm:ss,SSS] LEVEL message
 * (logger)`) on stdout, level from NAGARE_LOG_LEVEL (info): connectors see
 * only @nagare/connect-api, which has no logging, so they log as the worker
 * does, named after the upstream class (`io.confluent.connect.elasticsearch...`).
 */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export interface Log {
  (level: Level, msg: string, err?: unknown): void;
}

function ts(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export function logger(name: string): Log {
  return (level, msg, err) => {
    const min = Math.max(0, LEVELS.indexOf((process.env.NAGARE_LOG_LEVEL ?? 'info') as Level));
    if (LEVELS.indexOf(level) < min) return;
    let line = `[${ts(new Date())}] ${level.toUpperCase()} ${msg} (${name})\n`;
    if (err !== undefined) line += (err instanceof Error ? (err.stack ?? String(err)) : String(err)) + '\n';
    process.stdout.write(line);
  };
}
