/**
 * Logs with pino (structured JSON lines, fast enough to leave on in
 * production). Level from NAGARE_LOG_LEVEL (default info).
 */
import pino from 'pino';
import type { Logger } from '@nagare/common';

export function createLogger(name = 'nagare', destination: number | string = 1): Logger {
  return pino(
    {
      name,
      level: process.env.NAGARE_LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: destination, sync: false }),
  ) as unknown as Logger;
}
