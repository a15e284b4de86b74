/**
 * An arbitrary-precision decimal: `unscaled × 10^-scale`, the value of the
 * Connect `Decimal` logical type (Java's `java.math.BigDecimal`).
 *
 * Why a class and not `number` or `string`: Decimal's wire form is the
 * two's-complement bytes of the unscaled integer plus the schema's `scale`
 * parameter, and it must round-trip exactly (money); a double cannot, and a
 * string would need re-parsing at every use. A bigint unscaled value with a
 * scale is exactly Java's model, so equality (`equals` compares value and
 * scale like Java) and `toString` (Java's rules, scientific notation for
 * small adjusted exponents) carry over.
 */
export class BigDecimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {
    if (!Number.isInteger(scale)) throw new RangeError(`Invalid scale ${scale}`);
  }

  /** Parses `-12.340`, `1E+3`, `1.5e-2` (Java's `new BigDecimal(String)` syntax). */
  static fromString(s: string): BigDecimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw new NumberFormatError(`Invalid decimal: ${s}`);
    const int = m[2] ?? '';
    const frac = m[3] ?? '';
    const exp = m[4] ? Number(m[4]) : 0;
    const unscaled = BigInt((m[1] === '-' ? '-' : '') + ((int + frac).replace(/^0+(?=\d)/, '') || '0'));
    return new BigDecimal(unscaled, frac.length - exp);
  }

  /** Like Java's `BigDecimal.valueOf(double)`: uses the shortest decimal string of the double. */
  static fromNumber(n: number): BigDecimal {
    if (!Number.isFinite(n)) throw new NumberFormatError(`Infinite or NaN: ${n}`);
    if (Number.isInteger(n) && Math.abs(n) < 1e21) return new BigDecimal(BigInt(n), 0);
    const d = BigDecimal.fromString(String(n));
    // Java's Double.toString keeps at least one fractional digit ("1.0"): scale >= 1 for non-integers is natural here.
    return d;
  }

  static fromBigInt(n: bigint, scale = 0): BigDecimal {
    return new BigDecimal(n, scale);
  }

  /** Sign of the value: -1, 0 or 1. */
  signum(): number {
    return this.unscaled < 0n ? -1 : this.unscaled > 0n ? 1 : 0;
  }

  /** Number of decimal digits of the unscaled value (Java's `precision()`). */
  precision(): number {
    const a = this.unscaled < 0n ? -this.unscaled : this.unscaled;
    return a === 0n ? 1 : a.toString().length;
  }

  /** Rescales; rounding HALF_UP when digits are dropped unless `exact` (then throws like Java's UNNECESSARY). */
  setScale(newScale: number, exact = false): BigDecimal {
    if (newScale === this.scale) return this;
    if (newScale > this.scale) return new BigDecimal(this.unscaled * 10n ** BigInt(newScale - this.scale), newScale);
    const div = 10n ** BigInt(this.scale - newScale);
    const q = this.unscaled / div;
    const r = this.unscaled % div;
    if (r === 0n) return new BigDecimal(q, newScale);
    if (exact) throw new RangeError('Rounding necessary');
    const twice = (r < 0n ? -r : r) * 2n;
    const up = twice >= div;
    return new BigDecimal(up ? q + (this.unscaled < 0n ? -1n : 1n) : q, newScale);
  }

  /** Numeric comparison ignoring scale (Java's `compareTo`). */
  compareTo(o: BigDecimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled;
    const b = o.setScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Java's `equals`: same value and same scale (2.0 != 2.00). */
  equals(o: unknown): boolean {
    return o instanceof BigDecimal && o.unscaled === this.unscaled && o.scale === this.scale;
  }

  /** The nearest double. */
  toNumber(): number {
    return Number(this.toPlainString());
  }

  /** Truncates toward zero to an integer (Java's `toBigInteger()`). */
  toBigInt(): bigint {
    if (this.scale <= 0) return this.unscaled * 10n ** BigInt(-this.scale);
    return this.unscaled / 10n ** BigInt(this.scale);
  }

  /** Without exponent: `-0.00123`, `1200`. */
  toPlainString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + (this.unscaled === 0n ? '' : '0'.repeat(-this.scale));
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const p = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, p) + '.' + digits.slice(p);
  }

  /** Java's `BigDecimal.toString()` (scientific notation when scale < 0 or the adjusted exponent < -6). */
  toString(): string {
    const neg = this.unscaled < 0n;
    const digits = (neg ? -this.unscaled : this.unscaled).toString();
    const adjusted = -this.scale + (digits.length - 1);
    if (this.scale >= 0 && adjusted >= -6) return this.toPlainString();
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return (neg ? '-' : '') + mant + 'E' + (adjusted >= 0 ? '+' : '') + adjusted;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Java's `NumberFormatException`. */
export class NumberFormatError extends Error {
  override readonly name = 'NumberFormatError';
}
