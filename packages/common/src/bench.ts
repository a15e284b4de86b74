/**
 * The contract between `npm run bench` (tools/scripts/bench.js) and the
 * `*.bench.ts` files it runs: each exports `run(ctx)` returning results, and
 * the runner writes them to docs/benchmarks.md with a verdict against the
 * target. Types only: nothing here measures or does I/O.
 */

/** One figure of a benchmark. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The figure the issue asks for; the runner prints "met" or "MISSED". */
  target?: number;
  better?: 'higher' | 'lower';
  /** Context printed beside the figure (ratios, runs, what limits it). */
  note?: string;
}

/** What the runner passes to `run`. */
export interface BenchContext {
  /** The repository root. */
  root: string;
  /** Prints a progress line (not written to docs/benchmarks.md). */
  log: (line: string) => void;
}
