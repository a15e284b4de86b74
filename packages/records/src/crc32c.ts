/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * record batches. The native `@node-rs/crc32` module (hardware CRC32
 * instructions where available) does the work; if it cannot be loaded on
 * this platform, a table-driven JavaScript version with the same semantics
 * takes over. Both accept the CRC of the preceding bytes as `initial`, so
 * `crc32c(b, crc32c(a))` equals `crc32c(a ++ b)`.
 */

type Crc32cFn = (input: Uint8Array, initial?: number) => number;

// Eight tables of 256 entries (slicing-by-8): table k gives the CRC
// contribution of a byte followed by k zero bytes.
const TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + i] = c;
    }
  }
  return t;
})();

/** The pure-JavaScript CRC-32C (slicing-by-8). */
export function crc32cJs(input: Uint8Array, initial = 0): number {
  const t = TABLES;
  let crc = ~initial;
  let i = 0;
  const n = input.length;
  const end8 = n - (n & 7);
  for (; i < end8; i += 8) {
    crc ^= input[i] | (input[i + 1] << 8) | (input[i + 2] << 16) | (input[i + 3] << 24);
    crc =
      t[1792 + (crc & 0xff)] ^
      t[1536 + ((crc >>> 8) & 0xff)] ^
      t[1280 + ((crc >>> 16) & 0xff)] ^
      t[1024 + (crc >>> 24)] ^
      t[768 + input[i + 4]] ^
      t[512 + input[i + 5]] ^
      t[256 + input[i + 6]] ^
      t[input[i + 7]];
  }
  for (; i < n; i++) crc = t[(crc ^ input[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

function loadNative(): Crc32cFn | null {
  try {
    const mod = require('@node-rs/crc32') as { crc32c?: (input: Uint8Array, initial?: number) => number };
    const fn = mod.crc32c;
    if (typeof fn !== 'function') return null;
    // Refuse a module that loads but computes something else.
    if (fn(Buffer.from('123456789')) !== 0xe3069283) return null;
    return fn;
  } catch {
    return null;
  }
}

const native = loadNative();

/** The native CRC-32C, or null when `@node-rs/crc32` could not be loaded. */
export const crc32cNative: Crc32cFn | null = native;

/** Which implementation `crc32c` uses: 'native' or 'js'. */
export const crc32cImplementation: 'native' | 'js' = native ? 'native' : 'js';

/** CRC-32C of `input`, continuing from `initial` (the CRC of preceding bytes, default 0). */
export const crc32c: (input: Uint8Array, initial?: number) => number = native
  ? (input, initial = 0) => native(input, initial) >>> 0
  : crc32cJs;
