/** Text formatting as Java's `String.format` does it, for output identical to Kafka's tools. */

/** `%-Ns`: left-justified in at least `width` characters. */
export function pad(s: string | number, width: number): string {
  const t = String(s);
  return t.length >= width ? t : t + ' '.repeat(width - t.length);
}

function expandExponent(s: string): string {
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[1] + (m[2] ?? '');
  const exp = Number(m[3]);
  const point = m[1].length + exp;
  if (point <= 0) return '0.' + '0'.repeat(-point) + digits;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return digits.slice(0, point) + '.' + digits.slice(point);
}

function incrementDecimal(digits: string): string {
  const a = digits.split('');
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] === '9') a[i] = '0';
    else {
      a[i] = String(Number(a[i]) + 1);
      return a.join('');
    }
  }
  return '1' + a.join('');
}

/**
 * `%.Nf`: Java rounds the shortest decimal representation of the double
 * HALF_UP (so 1.005 gives "1.01", where JavaScript's toFixed gives "1.00").
 */
export function fixed(x: number, decimals: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const neg = x < 0;
  const s = expandExponent(Math.abs(x).toString());
  const [int, frac = ''] = s.split('.');
  let out: string;
  if (frac.length <= decimals) {
    out = decimals > 0 ? `${int}.${frac.padEnd(decimals, '0')}` : int;
  } else {
    let digits = int + frac.slice(0, decimals);
    if (frac.charCodeAt(decimals) >= 53) digits = incrementDecimal(digits);
    const intLen = digits.length - decimals;
    out = decimals > 0 ? `${digits.slice(0, intLen)}.${digits.slice(intLen)}` : digits;
  }
  return neg ? `-${out}` : out;
}

/** A subset of java.text.SimpleDateFormat patterns (y, M, d, H, h, m, s, S, a, E and quoted text), local time. */
export function simpleDateFormat(pattern: string, ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    const num = (v: number) => String(v).padStart(n, '0');
    switch (c) {
      case 'y':
        out += n === 2 ? String(d.getFullYear() % 100).padStart(2, '0') : num(d.getFullYear());
        break;
      case 'M':
        out += num(d.getMonth() + 1);
        break;
      case 'd':
        out += num(d.getDate());
        break;
      case 'H':
        out += num(d.getHours());
        break;
      case 'h':
        out += num(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12);
        break;
      case 'm':
        out += num(d.getMinutes());
        break;
      case 's':
        out += num(d.getSeconds());
        break;
      case 'S':
        out += String(d.getMilliseconds()).padStart(Math.max(n, 3), '0').slice(0, Math.max(n, 3));
        break;
      case 'a':
        out += d.getHours() < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += days[d.getDay()];
        break;
      default:
        out += c.repeat(n);
    }
    i += n;
  }
  return out;
}
