/**
 * Exponential backoff with jitter, as the Java client computes it
 * (`ExponentialBackoff`): `initial * 2^attempts`, capped at `max`, then
 * multiplied by a random factor in [1 - jitter, 1 + jitter].
 */
export class ExponentialBackoff {
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {}

  backoff(attempts: number): number {
    if (this.initialMs <= 0) return 0;
    const max = Math.max(this.maxMs, this.initialMs);
    const exp = Math.min(max, this.initialMs * Math.pow(2, Math.max(0, attempts)));
    const factor = this.jitter > 0 ? 1 - this.jitter + this.random() * 2 * this.jitter : 1;
    return Math.round(Math.min(exp * factor, max * (1 + this.jitter)));
  }
}
