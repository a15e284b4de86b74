/** The real clock. The only place in the core packages that reads the system time. */
import type { Clock } from './clock';

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
};
