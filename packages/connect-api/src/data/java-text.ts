/**
 * Numbers as Java's `Double.toString` / `Float.toString` print them (JDK 19+:
 * the shortest digits that round-trip; `1.0`, `1.0E7`, `1.0E-4`, `NaN`,
 * `Infinity`), for the string forms Connect writes (Values, JsonConverter).
 */

/** Java's `Double.toString(d)`. */
export function javaDoubleText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  return decimalText(d);
}

/** Java's `Float.toString` of the float32 nearest `v`. */
export function javaFloatText(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return javaDoubleText(f);
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return decimalText(Number(s));
  }
  return decimalText(f);
}

function decimalText(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const a = Math.abs(d);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : s + '.0';
  }
  const [mant, exp] = d.toExponential().split('e');
  return (mant.includes('.') ? mant : mant + '.0') + 'E' + (exp.startsWith('+') ? exp.slice(1) : exp);
}
