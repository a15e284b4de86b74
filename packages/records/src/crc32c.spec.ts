import fc from 'fast-check';
import { crc32c, crc32cImplementation, crc32cJs, crc32cNative } from './crc32c';

// Check values: the standard "123456789" check and the iSCSI vectors of RFC 3720 (B.4).
const VECTORS: Array<[string, Buffer, number]> = [
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['empty', Buffer.alloc(0), 0],
  ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['31..0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
];

describe('crc32c', () => {
  it('uses the native module here', () => {
    expect(crc32cImplementation).toBe('native');
    expect(crc32cNative).not.toBeNull();
  });

  it.each(VECTORS)('%s: native, JS and the exported function agree with the check value', (_name, input, want) => {
    expect(crc32c(input)).toBe(want);
    expect(crc32cJs(input)).toBe(want);
    expect(crc32cNative!(input) >>> 0).toBe(want);
  });

  it('JS fallback equals native on random data, including every length mod 8 and chaining', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
        const b = Buffer.from(bytes);
        const native = crc32c(b);
        expect(crc32cJs(b)).toBe(native);
        const k = Math.min(cut, b.length);
        expect(crc32cJs(b.subarray(k), crc32cJs(b.subarray(0, k)))).toBe(native);
        expect(crc32c(b.subarray(k), crc32c(b.subarray(0, k)))).toBe(native);
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('works on views with a byte offset and on a large buffer', () => {
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    expect(crc32cJs(big)).toBe(crc32c(big));
    const view = new Uint8Array(big.buffer, big.byteOffset + 13, 1000);
    expect(crc32cJs(view)).toBe(crc32c(Buffer.from(view)));
  });
});
