/**
 * xxHash32, needed by the LZ4 frame format: the frame descriptor carries one
 * byte of the xxh32 of its own bytes, and frames may carry xxh32 checksums of
 * each block and of the whole content.
 */
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function lane(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

/** xxh32 of `data[start..end)` with `seed` (default 0), unsigned. */
export function xxhash32(data: Uint8Array, seed = 0, start = 0, end = data.length): number {
  let i = start;
  const len = end - start;
  let acc: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    for (; i <= limit; i += 16) {
      v1 = round(v1, lane(data, i));
      v2 = round(v2, lane(data, i + 4));
      v3 = round(v3, lane(data, i + 8));
      v4 = round(v4, lane(data, i + 12));
    }
    acc = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    acc = (seed + P5) | 0;
  }
  acc = (acc + len) | 0;
  for (; i + 4 <= end; i += 4) {
    acc = Math.imul(rotl((acc + Math.imul(lane(data, i), P3)) | 0, 17), P4);
  }
  for (; i < end; i++) {
    acc = Math.imul(rotl((acc + Math.imul(data[i], P5)) | 0, 11), P1);
  }
  acc ^= acc >>> 15;
  acc = Math.imul(acc, P2);
  acc ^= acc >>> 13;
  acc = Math.imul(acc, P3);
  acc ^= acc >>> 16;
  return acc >>> 0;
}
