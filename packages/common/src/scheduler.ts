/**
 * Timers, injected: runtime code that waits (session timeouts, delayed
 * fetches, rebalance delays) schedules through a Scheduler, so tests can run
 * it on a ManualClock and step time deterministically.
 */
import { ManualClock } from './clock';

export interface ScheduledTask {
  cancel(): void;
}

export interface Scheduler {
  /** Runs `fn` once after `delayMs` (0 means soon, never synchronously). */
  schedule(delayMs: number, fn: () => void): ScheduledTask;
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A scheduler driven by a ManualClock: `advance(ms)` runs what falls due, in time order. */
export class ManualScheduler implements Scheduler {
  private readonly pending: Pending[] = [];
  private seq = 0;

  constructor(readonly clock: ManualClock) {}

  schedule(delayMs: number, fn: () => void): ScheduledTask {
    const task: Pending = { at: this.clock.monotonicMs() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.pending.push(task);
    return { cancel: () => (task.cancelled = true) };
  }

  /** Tasks not yet run or cancelled. */
  size(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, running every task that falls due (including ones scheduled meanwhile). */
  advance(ms: number): void {
    const target = this.clock.monotonicMs() + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.pending.find((t) => !t.cancelled);
      if (!next || next.at > target) break;
      this.clock.advance(next.at - this.clock.monotonicMs());
      this.pending.splice(this.pending.indexOf(next), 1);
      next.fn();
    }
    this.clock.advance(target - this.clock.monotonicMs());
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i].cancelled) this.pending.splice(i, 1);
  }

  /** Runs tasks that are due now (delay 0) without moving time. */
  runDue(): void {
    this.advance(0);
  }
}
