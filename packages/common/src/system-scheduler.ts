/** The real scheduler, on Node's timers. The only timer use in common. */
import type { ScheduledTask, Scheduler } from './scheduler';

export const systemScheduler: Scheduler = {
  schedule(delayMs: number, fn: () => void): ScheduledTask {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
