/**
 * Waiting for data (Kafka's purgatory, for delayed fetches): a waiter names
 * the partitions it watches and a condition; it completes as soon as an
 * append to one of them makes the condition true, or when its timeout passes.
 */
import type { Scheduler } from '@nagare/common';

interface Waiter {
  keys: string[];
  check: () => boolean;
  resolve: () => void;
  done: boolean;
  cancelTimer: () => void;
}

export class Purgatory {
  private readonly byKey = new Map<string, Set<Waiter>>();

  constructor(private readonly scheduler: Scheduler) {}

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** Resolves when `check()` holds after a notification on one of `keys`, or after `timeoutMs`. */
  wait(keys: string[], timeoutMs: number, check: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const w: Waiter = { keys, check, resolve, done: false, cancelTimer: () => {} };
      const task = this.scheduler.schedule(timeoutMs, () => this.finish(w));
      w.cancelTimer = () => task.cancel();
      for (const k of keys) {
        let set = this.byKey.get(k);
        if (!set) this.byKey.set(k, (set = new Set()));
        set.add(w);
      }
    });
  }

  /** Re-checks the waiters of a partition after it changed. */
  notify(key: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const w of [...set]) {
      if (w.done) continue;
      let ok = false;
      try {
        ok = w.check();
      } catch {
        ok = true;
      }
      if (ok) this.finish(w);
    }
  }

  /** Completes every waiter now (shutdown). */
  completeAll(): void {
    for (const set of [...this.byKey.values()]) for (const w of [...set]) this.finish(w);
  }

  size(): number {
    let n = 0;
    for (const set of this.byKey.values()) n += set.size;
    return n;
  }

  private finish(w: Waiter): void {
    if (w.done) return;
    w.done = true;
    w.cancelTimer();
    for (const k of w.keys) {
      const set = this.byKey.get(k);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.byKey.delete(k);
      }
    }
    w.resolve();
  }
}
