/**
 * Time is injected everywhere below the apps, so that tests can step it.
 * `now()` is wall-clock milliseconds since the epoch (record timestamps,
 * retention); `monotonicMs()` only ever moves forward (timeouts, intervals).
 */
export interface Clock {
  now(): number;
  monotonicMs(): number;
}

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.wall = startMs;
  }

  now(): number {
    return this.wall;
  }

  monotonicMs(): number {
    return this.mono;
  }

  advance(ms: number): void {
    if (ms < 0) throw new Error('a ManualClock only moves forward');
    this.wall += ms;
    this.mono += ms;
  }

  /** Sets the wall clock (it may jump back, as real clocks do); monotonic time is unaffected. */
  setWallClock(ms: number): void {
    this.wall = ms;
  }
}
