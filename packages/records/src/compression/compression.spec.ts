import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import * as snappyLib from 'snappy';
import * as zstdBinding from 'zstd-napi/binding';
import * as zlib from 'node:zlib';
import { ErrorCode } from '@nagare/protocol';
import { Compression } from '../constants';
import { ALL_CODECS, catchRecordsError, jsonLines } from '../testing/helpers';
import { compress, decompress } from './index';
import { inspectLz4Frame, lz4DecompressBounded } from './lz4';
import { isXerialFramed, snappyCompress, XERIAL_MAGIC } from './snappy';
import { xxhash32 } from './xxhash32';

const JSON_1M = jsonLines(1 << 20);
/** Incompressible bytes from a seeded xorshift32 generator. */
const RANDOM = (() => {
  const b = Buffer.alloc(70_000);
  let x = 0x12345678;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
})();

describe('compress/decompress round trips', () => {
  it.each(ALL_CODECS)('codec %s: empty, tiny, 1 MiB of JSON lines, incompressible data', (codec) => {
    for (const input of [Buffer.alloc(0), Buffer.from('x'), JSON_1M, RANDOM]) {
      const c = compress(codec, input);
      expect(decompress(codec, c).equals(input)).toBe(true);
    }
    if (codec !== Compression.None) expect(compress(codec, JSON_1M).length).toBeLessThan(JSON_1M.length / 3);
  });

  it('levels apply to gzip and zstd', () => {
    const g1 = compress(Compression.Gzip, JSON_1M, 1);
    const g9 = compress(Compression.Gzip, JSON_1M, 9);
    expect(g9.length).toBeLessThan(g1.length);
    expect(decompress(Compression.Gzip, g9).equals(JSON_1M)).toBe(true);
    const z1 = compress(Compression.Zstd, JSON_1M, 1);
    const z19 = compress(Compression.Zstd, JSON_1M, 19);
    expect(z19.length).toBeLessThan(z1.length);
    expect(decompress(Compression.Zstd, z19).equals(JSON_1M)).toBe(true);
  });

  it('unknown codec ids -> UNSUPPORTED_COMPRESSION_TYPE', () => {
    expect(catchRecordsError(() => compress(5 as Compression, Buffer.from('x'))).code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(catchRecordsError(() => decompress(7 as Compression, Buffer.from('x'))).code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it.each([Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd])('codec %s: garbage and truncated input -> CORRUPT_MESSAGE', (codec) => {
    expect(catchRecordsError(() => decompress(codec, Buffer.from('definitely not compressed data'))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const c = compress(codec, JSON_1M.subarray(0, 100_000));
    expect(catchRecordsError(() => decompress(codec, c.subarray(0, c.length >> 1))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => decompress(codec, Buffer.alloc(0))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('decompression size limit (bombs)', () => {
  const zeros = Buffer.alloc(8 << 20);
  it.each(ALL_CODECS)('codec %s: output over maxBytes -> MESSAGE_TOO_LARGE; exactly maxBytes is fine', (codec) => {
    const c = compress(codec, zeros);
    if (codec !== Compression.None) expect(c.length).toBeLessThan(500_000);
    expect(catchRecordsError(() => decompress(codec, c, { maxBytes: 1 << 20 })).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(decompress(codec, c, { maxBytes: zeros.length }).length).toBe(zeros.length);
  });

  it('the default limit is 64 MiB', () => {
    const c = compress(Compression.Zstd, Buffer.alloc(65 << 20));
    expect(catchRecordsError(() => decompress(Compression.Zstd, c)).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });
});

describe('snappy framing', () => {
  it('writes the xerial framing of the Java client by default', () => {
    const c = compress(Compression.Snappy, JSON_1M);
    expect(c.subarray(0, 8).equals(XERIAL_MAGIC)).toBe(true);
    expect([...c.subarray(0, 8)]).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
    expect(c.readInt32BE(8)).toBe(1);
    expect(c.readInt32BE(12)).toBe(1);
    // 32 KiB chunks, each a length-prefixed raw snappy block
    let pos = 16;
    let chunks = 0;
    let total = 0;
    while (pos < c.length) {
      const len = c.readInt32BE(pos);
      total += (snappyLib.uncompressSync(c.subarray(pos + 4, pos + 4 + len)) as Buffer).length;
      pos += 4 + len;
      chunks++;
    }
    expect(chunks).toBe(32);
    expect(total).toBe(JSON_1M.length);
  });

  it('reads raw snappy (librdkafka) as well as xerial', () => {
    const raw = snappyLib.compressSync(JSON_1M);
    expect(isXerialFramed(raw)).toBe(false);
    expect(decompress(Compression.Snappy, raw).equals(JSON_1M)).toBe(true);
    expect(decompress(Compression.Snappy, snappyCompress(JSON_1M, 'raw')).equals(JSON_1M)).toBe(true);
    expect(decompress(Compression.Snappy, snappyCompress(JSON_1M, 'xerial')).equals(JSON_1M)).toBe(true);
  });

  it('xerial with odd chunk sizes, and broken chunk framing -> CORRUPT_MESSAGE', () => {
    const parts = [JSON_1M.subarray(0, 10), JSON_1M.subarray(10, 70_000), JSON_1M.subarray(70_000, 70_001)];
    const header = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
    const body = parts.map((p) => {
      const c = snappyLib.compressSync(p);
      const len = Buffer.alloc(4);
      len.writeInt32BE(c.length);
      return Buffer.concat([len, c]);
    });
    const framed = Buffer.concat([header, ...body]);
    expect(decompress(Compression.Snappy, framed).equals(JSON_1M.subarray(0, 70_001))).toBe(true);
    expect(decompress(Compression.Snappy, header).length).toBe(0);
    const badLen = Buffer.from(framed);
    badLen.writeInt32BE(0x7fffffff, 16);
    expect(catchRecordsError(() => decompress(Compression.Snappy, badLen)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => decompress(Compression.Snappy, framed.subarray(0, 18))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => decompress(Compression.Snappy, framed.subarray(0, 12))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('checks the size a raw block announces before inflating it', () => {
    // A 5-byte preamble announcing 4 GiB - 1, then nothing.
    const liar = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expect(catchRecordsError(() => decompress(Compression.Snappy, liar)).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });
});

/** Builds an LZ4 frame by hand: FLG/BD, optional content size, then blocks as given. */
function lz4Frame(opts: { flg: number; bd?: number; contentSize?: number; blocks: Array<{ data: Buffer; stored?: boolean }>; contentChecksumOf?: Buffer }): Buffer {
  const desc = [opts.flg | (opts.contentSize !== undefined ? 0x08 : 0) | (opts.contentChecksumOf ? 0x04 : 0), opts.bd ?? 0x40];
  const cs = Buffer.alloc(opts.contentSize !== undefined ? 8 : 0);
  if (opts.contentSize !== undefined) cs.writeBigUInt64LE(BigInt(opts.contentSize));
  const descriptor = Buffer.concat([Buffer.from(desc), cs]);
  const hc = (xxhash32(descriptor) >>> 8) & 0xff;
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([hc])];
  for (const b of opts.blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((b.data.length | (b.stored ? 0x80000000 : 0)) >>> 0);
    parts.push(size, b.data);
  }
  parts.push(Buffer.alloc(4));
  if (opts.contentChecksumOf) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(xxhash32(opts.contentChecksumOf));
    parts.push(c);
  }
  return Buffer.concat(parts);
}

describe('lz4 frames', () => {
  it('writes a standard frame (magic, independent blocks, valid header checksum)', () => {
    const c = compress(Compression.Lz4, JSON_1M);
    // Same descriptor as librdkafka: version 01, independent blocks, 64 KiB blocks, header checksum 0x82.
    expect([...c.subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
    const info = inspectLz4Frame(c);
    expect(info).toMatchObject({ blockIndependence: true, blockMaxSize: 65536, blocks: 16, contentSize: -1, blockChecksum: false, contentChecksum: false });
    // lz4-napi's own frame decoder (lz4_flex) reads what we write.
    expect(lz4napi.decompressFrameSync(c).equals(JSON_1M)).toBe(true);
    // Incompressible blocks are stored.
    const r = compress(Compression.Lz4, RANDOM);
    expect(r.length).toBeGreaterThan(RANDOM.length);
    expect(r.readUInt32LE(7) & 0x80000000).not.toBe(0);
    expect(lz4napi.decompressFrameSync(r).equals(RANDOM)).toBe(true);
  });

  it('reads frames with block and content checksums, on the native and on the bounded JS path', () => {
    const c = lz4napi.compressFrameSync(JSON_1M, { blockChecksums: true, contentChecksum: true });
    const info = inspectLz4Frame(c);
    expect(info.blockChecksum && info.contentChecksum).toBe(true);
    expect(decompress(Compression.Lz4, c).equals(JSON_1M)).toBe(true);
    expect(lz4DecompressBounded(c, info, 1 << 21).equals(JSON_1M)).toBe(true);
    const flipped = Buffer.from(c);
    flipped[c.length - 1] ^= 1; // content checksum
    expect(catchRecordsError(() => lz4DecompressBounded(flipped, inspectLz4Frame(flipped), 1 << 21)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => decompress(Compression.Lz4, flipped)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('JS block decoder agrees with the native one on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 40 }), (bytes, repeat) => {
        const input = Buffer.concat(Array.from({ length: repeat }, () => Buffer.from(bytes)));
        const c = compress(Compression.Lz4, input);
        const info = inspectLz4Frame(c);
        expect(lz4DecompressBounded(c, info, input.length).equals(input)).toBe(true);
      }),
      { seed: 5, numRuns: 150 },
    );
  });

  it('handles content size, stored blocks and linked blocks', () => {
    // Block 1: literals "abcd". Block 2 (linked): match offset 4 length 4, then literal "e".
    const b1 = Buffer.from([0x40, 0x61, 0x62, 0x63, 0x64]);
    const b2 = Buffer.from([0x00, 0x04, 0x00, 0x10, 0x65]);
    const linked = lz4Frame({ flg: 0x40, blocks: [{ data: b1 }, { data: b2 }], contentSize: 9, contentChecksumOf: Buffer.from('abcdabcde') });
    expect(decompress(Compression.Lz4, linked).toString()).toBe('abcdabcde');
    expect(lz4DecompressBounded(linked, inspectLz4Frame(linked), 100).toString()).toBe('abcdabcde');
    // The same blocks claiming independence reach before their block: corrupt.
    const independent = lz4Frame({ flg: 0x60, blocks: [{ data: b1 }, { data: b2 }] });
    expect(catchRecordsError(() => lz4DecompressBounded(independent, inspectLz4Frame(independent), 100)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const stored = lz4Frame({ flg: 0x60, blocks: [{ data: Buffer.from('plain'), stored: true }, { data: b1 }] });
    expect(decompress(Compression.Lz4, stored).toString()).toBe('plainabcd');
    expect(lz4DecompressBounded(stored, inspectLz4Frame(stored), 100).toString()).toBe('plainabcd');
  });

  it('malformed frames -> CORRUPT_MESSAGE', () => {
    const good = compress(Compression.Lz4, JSON_1M.subarray(0, 5000));
    const cases: Buffer[] = [];
    const badMagic = Buffer.from(good);
    badMagic[0] ^= 1;
    cases.push(badMagic);
    const badHc = Buffer.from(good);
    badHc[6] ^= 1;
    cases.push(badHc);
    const badVersion = Buffer.from(good);
    badVersion[4] = 0x80 | (badVersion[4] & 0x3f);
    cases.push(badVersion);
    cases.push(lz4Frame({ flg: 0x61, blocks: [] })); // dictionary id
    cases.push(lz4Frame({ flg: 0x60, bd: 0x30, blocks: [] })); // block size id 3
    cases.push(lz4Frame({ flg: 0x60, blocks: [{ data: Buffer.alloc(70_000), stored: true }] })); // block > 64 KiB max
    cases.push(Buffer.concat([good, Buffer.from([1])])); // trailing bytes
    cases.push(good.subarray(0, good.length - 4)); // no end mark
    cases.push(lz4Frame({ flg: 0x60, contentSize: 1 << 30, blocks: [{ data: Buffer.from([0x10, 0x61]) }] })); // content size > bound
    for (const c of cases) expect(catchRecordsError(() => decompress(Compression.Lz4, c)).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('a frame declaring a huge content size is refused before decoding', () => {
    const blocks = Array.from({ length: 100 }, () => ({ data: Buffer.from([0x1f, 0x61, 0xff, 0xff, 0xff, 0x10, 0x61]) }));
    const f = lz4Frame({ flg: 0x60, contentSize: 100 * 65536, blocks });
    expect(catchRecordsError(() => decompress(Compression.Lz4, f, { maxBytes: 1 << 20 })).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('the bounded path stops at the limit with MESSAGE_TOO_LARGE', () => {
    const c = compress(Compression.Lz4, Buffer.alloc(3 << 20));
    const info = inspectLz4Frame(c);
    expect(catchRecordsError(() => lz4DecompressBounded(c, info, 1 << 20)).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(catchRecordsError(() => decompress(Compression.Lz4, c, { maxBytes: (3 << 20) - 1 })).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(decompress(Compression.Lz4, c, { maxBytes: (3 << 20) + 1 }).length).toBe(3 << 20);
    // The last block decoded by the JavaScript decoder with less room than a block, successfully.
    const odd = Buffer.concat([Buffer.alloc(3 << 20), JSON_1M.subarray(0, 1000)]);
    expect(decompress(Compression.Lz4, compress(Compression.Lz4, odd), { maxBytes: (3 << 20) + 2000 }).equals(odd)).toBe(true);
  });
});

describe('zstd', () => {
  function withoutContentSize(input: Buffer): Buffer {
    const cctx = new zstdBinding.CCtx();
    cctx.setParameter(zstdBinding.CParameter.contentSizeFlag, 0);
    const dst = Buffer.alloc(zstdBinding.compressBound(input.length));
    const n = cctx.compress2(dst, input);
    return dst.subarray(0, n);
  }

  it('reads frames without a declared size through the bounded streaming path', () => {
    const c = withoutContentSize(JSON_1M);
    expect(zstdBinding.getFrameContentSize(c)).toBeNull();
    expect(decompress(Compression.Zstd, c).equals(JSON_1M)).toBe(true);
    expect(decompress(Compression.Zstd, Buffer.concat([c, c])).equals(Buffer.concat([JSON_1M, JSON_1M]))).toBe(true);
    expect(catchRecordsError(() => decompress(Compression.Zstd, c, { maxBytes: JSON_1M.length - 1 })).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(decompress(Compression.Zstd, c, { maxBytes: JSON_1M.length }).length).toBe(JSON_1M.length);
    expect(catchRecordsError(() => decompress(Compression.Zstd, c.subarray(0, c.length - 3))).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    // The shared context still works after a failure.
    expect(decompress(Compression.Zstd, c).equals(JSON_1M)).toBe(true);
  });
});

describe('gzip', () => {
  it('reads multi-member gzip and output of other encoders', () => {
    const a = zlib.gzipSync(Buffer.from('hello '));
    const b = zlib.gzipSync(Buffer.from('world'));
    expect(decompress(Compression.Gzip, Buffer.concat([a, b])).toString()).toBe('hello world');
  });
});
