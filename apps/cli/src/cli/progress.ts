/**
 * The perf tools' progress bar (cli-progress), drawn only when stdout is a
 * terminal; `log()` prints a line above it (or just prints when there is
 * no bar). NAGARE_PROGRESS=0 turns the bar off, =1 forces it.
 */
import type { SingleBar } from 'cli-progress';
import type { Io } from './tool';

export interface Progress {
  readonly active: boolean;
  update(value: number, payload?: Record<string, string | number>): void;
  /** Prints a line (ending in \n) above the bar, or to stdout without one. */
  log(line: string): void;
  stop(): void;
}

export function createProgress(io: Io, total: number, unit: string): Progress {
  const env = process.env.NAGARE_PROGRESS;
  const enabled = env === '1' || (env !== '0' && io.stdoutIsTTY);
  if (!enabled) {
    return { active: false, update: () => undefined, log: (l) => io.out(l), stop: () => undefined };
  }
  // Loaded only when a bar is drawn (a terminal): most runs never need it.
  const { MultiBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  const multi = new MultiBar(
    {
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/sec | ETA: {eta_formatted}`,
      stream: process.stdout,
      clearOnComplete: true,
      hideCursor: true,
      fps: 5,
      etaBuffer: 50,
      noTTYOutput: env === '1',
    },
    Presets.shades_classic,
  );
  const bar: SingleBar = multi.create(total, 0, { rate: '0' });
  let stopped = false;
  return {
    active: true,
    update: (v, payload) => bar.update(v, payload),
    log: (l) => multi.log(l),
    stop: () => {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
