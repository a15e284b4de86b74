/**
 * LZ4 for record batches: the LZ4 frame format (magic 0x184D2204), which is
 * what Kafka (0.10+ with magic >= 1) and librdkafka write.
 *
 * The frame wrapper is written here around lz4-napi's block functions
 * (lz4-napi's own frame functions are correct but several times slower, as
 * they grow their output buffer without knowing its size). We write what
 * librdkafka writes: independent 64 KiB blocks, no checksums besides the
 * mandatory header checksum, no content size; a block that does not shrink
 * is stored uncompressed.
 *
 * Decompression parses the frame first: the header (checksum verified),
 * each block's size and the end mark. Each block decodes to at most the
 * frame's maximum block size, so the output is bounded before anything is
 * inflated, and blocks are decoded one at a time with the remaining budget:
 * the native block decoder when a whole block fits in it, a small JavaScript
 * decoder (which stops with a typed error the moment it would overflow) for
 * the last block before the limit and for frames with linked blocks. A
 * hostile frame can therefore never make us allocate more than the limit.
 */
import type * as Lz4Module from 'lz4-napi';
import { corruptCompressed, lazyModule, tooLarge, wrapDecodeError } from './common';
import { xxhash32 } from './xxhash32';

const lz4 = lazyModule<typeof Lz4Module>('lz4', () => require('lz4-napi') as typeof Lz4Module);

export const LZ4_FRAME_MAGIC = 0x184d2204;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;

/** What we write: version 01 + independent blocks; BD: 64 KiB maximum block size. */
const WRITE_FLG = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
const WRITE_BD = 0x40;
const WRITE_BLOCK_SIZE = 64 * 1024;
const STORED_BIT = 0x80000000;

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function lz4Compress(data: Uint8Array): Buffer {
  const lib = lz4();
  const input = toBuffer(data);
  const blocks: Buffer[] = [];
  const stored: boolean[] = [];
  let total = 7 + 4; // header + end mark
  for (let i = 0; i < input.length; i += WRITE_BLOCK_SIZE) {
    const chunk = input.subarray(i, Math.min(input.length, i + WRITE_BLOCK_SIZE));
    // compressSync prefixes the block with its uncompressed size (4 bytes LE).
    const c = lib.compressSync(chunk);
    const keep = c.length - 4 < chunk.length;
    blocks.push(keep ? c.subarray(4) : chunk);
    stored.push(!keep);
    total += 4 + (keep ? c.length - 4 : chunk.length);
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  out[4] = WRITE_FLG;
  out[5] = WRITE_BD;
  out[6] = (xxhash32(out, 0, 4, 6) >>> 8) & 0xff;
  let pos = 7;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    out.writeUInt32LE((b.length | (stored[i] ? STORED_BIT : 0)) >>> 0, pos);
    out.set(b, pos + 4);
    pos += 4 + b.length;
  }
  out.writeUInt32LE(0, pos);
  return out;
}

/** What the frame walk learns without decompressing. */
export interface Lz4FrameInfo {
  blockMaxSize: number;
  blockIndependence: boolean;
  blockChecksum: boolean;
  contentChecksum: boolean;
  /** Declared content size, or -1 when absent. */
  contentSize: number;
  /** Position of the first block. */
  dataStart: number;
  /** Upper bound on the decompressed size. */
  bound: number;
  /** Number of data blocks. */
  blocks: number;
}

/** Parses and checks an LZ4 frame's structure; throws CORRUPT_MESSAGE if malformed. */
export function inspectLz4Frame(input: Buffer): Lz4FrameInfo {
  const bad = (why: string) => corruptCompressed('lz4', why);
  if (input.length < 7) throw bad('frame shorter than its header');
  if (input.readUInt32LE(0) !== LZ4_FRAME_MAGIC) throw bad('bad frame magic');
  const flg = input[4];
  const bd = input[5];
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw bad(`unsupported frame version in FLG 0x${flg.toString(16)}`);
  if (flg & FLG_RESERVED || bd & 0x8f) throw bad('reserved bits set in frame descriptor');
  if (flg & FLG_DICT_ID) throw bad('frame needs a dictionary');
  const sizeId = (bd >> 4) & 0x07;
  if (sizeId < 4) throw bad(`bad block size id ${sizeId}`);
  const blockMaxSize = 1 << (2 * sizeId + 8); // 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB
  let pos = 6;
  let contentSize = -1;
  if (flg & FLG_CONTENT_SIZE) {
    if (input.length < pos + 9) throw bad('truncated frame header');
    const lo = input.readUInt32LE(pos);
    const hi = input.readUInt32LE(pos + 4);
    contentSize = hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 4294967296 + lo;
    pos += 8;
  }
  const hc = (xxhash32(input, 0, 4, pos) >>> 8) & 0xff;
  if (input[pos] !== hc) throw bad('frame header checksum mismatch');
  pos++;
  const dataStart = pos;
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  let bound = 0;
  let blocks = 0;
  for (;;) {
    if (pos + 4 > input.length) throw bad('truncated block size (missing end mark)');
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const stored = (word & 0x80000000) !== 0;
    if (size > blockMaxSize) throw bad(`block of ${size} bytes exceeds the frame's maximum ${blockMaxSize}`);
    if (pos + size + (blockChecksum ? 4 : 0) > input.length) throw bad('truncated block');
    bound += stored ? size : blockMaxSize;
    pos += size + (blockChecksum ? 4 : 0);
    blocks++;
  }
  const contentChecksum = (flg & FLG_CONTENT_CHECKSUM) !== 0;
  if (contentChecksum) pos += 4;
  if (pos !== input.length) throw bad(pos > input.length ? 'truncated content checksum' : 'trailing bytes after the frame');
  if (contentSize > bound) throw bad(`declared content size ${contentSize} cannot fit in ${blocks} blocks`);
  return {
    blockMaxSize,
    blockIndependence: (flg & FLG_BLOCK_INDEPENDENCE) !== 0,
    blockChecksum,
    contentChecksum,
    contentSize,
    dataStart,
    bound,
    blocks,
  };
}

// Input for the native block decoder: the block prefixed with the most it may decode to.
let scratch = Buffer.allocUnsafe(0);

export function lz4Decompress(data: Uint8Array, maxBytes: number): Buffer {
  const input = toBuffer(data);
  const info = inspectLz4Frame(input);
  if (info.contentSize > maxBytes) throw tooLarge('lz4', maxBytes, `frame declares ${info.contentSize} bytes`);
  if (!info.blockIndependence) return lz4DecompressBounded(input, info, maxBytes);
  const lib = lz4();
  const parts: Buffer[] = [];
  let total = 0;
  let pos = info.dataStart;
  for (;;) {
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const end = pos + size;
    if (info.blockChecksum && xxhash32(input, 0, pos, end) !== input.readUInt32LE(end)) {
      throw corruptCompressed('lz4', 'block checksum mismatch');
    }
    let part: Buffer;
    if (word & STORED_BIT) {
      if (total + size > maxBytes) throw tooLarge('lz4', maxBytes);
      part = input.subarray(pos, end);
    } else if (maxBytes - total < info.blockMaxSize) {
      // Near the limit: the JavaScript decoder tells "too large" from "corrupt" exactly.
      const room = maxBytes - total;
      const tmp = Buffer.allocUnsafe(room);
      part = tmp.subarray(0, decodeLz4Block(input, pos, end, tmp, 0, 0, room, maxBytes));
    } else {
      if (scratch.length < 4 + size) scratch = Buffer.allocUnsafe(Math.max(4 + size, 4 + WRITE_BLOCK_SIZE));
      scratch.writeUInt32LE(info.blockMaxSize, 0);
      input.copy(scratch, 4, pos, end);
      try {
        part = lib.uncompressSync(scratch.subarray(0, 4 + size));
      } catch (e) {
        throw wrapDecodeError('lz4', e);
      }
    }
    parts.push(part);
    total += part.length;
    pos = end + (info.blockChecksum ? 4 : 0);
  }
  const out = parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  if (info.contentChecksum && xxhash32(out) !== input.readUInt32LE(pos)) {
    throw corruptCompressed('lz4', 'content checksum mismatch');
  }
  if (info.contentSize >= 0 && total !== info.contentSize) {
    throw corruptCompressed('lz4', `frame declared ${info.contentSize} bytes but decoded to ${total}`);
  }
  return out;
}

/** The JavaScript path (used for linked blocks): decodes block by block into at most `maxBytes`. */
export function lz4DecompressBounded(input: Buffer, info: Lz4FrameInfo, maxBytes: number): Buffer {
  const natural = info.contentSize >= 0 ? info.contentSize : info.bound;
  // Overflowing `cap` is the caller's limit only when it is below what the frame may legally hold.
  const callerLimited = maxBytes < natural;
  const cap = Math.min(maxBytes, natural);
  const out = Buffer.allocUnsafe(cap);
  let dp = 0;
  let pos = info.dataStart;
  for (;;) {
    const word = input.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const end = pos + size;
    if (info.blockChecksum && xxhash32(input, 0, pos, end) !== input.readUInt32LE(end)) {
      throw corruptCompressed('lz4', 'block checksum mismatch');
    }
    if (word & 0x80000000) {
      if (dp + size > cap) throw tooLarge('lz4', maxBytes);
      input.copy(out, dp, pos, end);
      dp += size;
    } else {
      // With independent blocks a match may not reach before the block start.
      const floor = info.blockIndependence ? dp : 0;
      if (dp + info.blockMaxSize <= cap) {
        dp = decodeLz4Block(input, pos, end, out, dp, floor, dp + info.blockMaxSize, -1);
      } else {
        dp = decodeLz4Block(input, pos, end, out, dp, floor, cap, callerLimited ? maxBytes : -1);
      }
    }
    pos = end + (info.blockChecksum ? 4 : 0);
  }
  if (info.contentChecksum && xxhash32(out, 0, 0, dp) !== input.readUInt32LE(pos)) {
    throw corruptCompressed('lz4', 'content checksum mismatch');
  }
  if (info.contentSize >= 0 && dp !== info.contentSize) {
    throw corruptCompressed('lz4', `frame declared ${info.contentSize} bytes but decoded to ${dp}`);
  }
  return dp === cap ? out : out.subarray(0, dp);
}

/**
 * Decodes one LZ4 block (sequences of literals + back-reference) from
 * `src[sp..send)` into `dst` at `dp`, never writing at or past `limit` and
 * never reading a match before `floor`. Returns the new output position.
 * Overflowing `limit` is a size-limit error when `maxBytes` >= 0 (the limit
 * is the caller's cap) and corruption otherwise (the block max size).
 */
export function decodeLz4Block(
  src: Buffer,
  sp: number,
  send: number,
  dst: Buffer,
  dp: number,
  floor: number,
  limit: number,
  maxBytes: number,
): number {
  const overflow = () =>
    maxBytes >= 0 ? tooLarge('lz4', maxBytes) : corruptCompressed('lz4', 'block decodes to more than the block maximum');
  if (sp >= send) throw corruptCompressed('lz4', 'empty compressed block');
  for (;;) {
    if (sp >= send) throw corruptCompressed('lz4', 'block ends inside a sequence');
    const token = src[sp++];
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (sp >= send) throw corruptCompressed('lz4', 'truncated literal length');
        b = src[sp++];
        litLen += b;
      } while (b === 255);
    }
    if (sp + litLen > send) throw corruptCompressed('lz4', 'literals run past the block');
    if (dp + litLen > limit) throw overflow();
    if (litLen < 16) {
      for (let i = 0; i < litLen; i++) dst[dp + i] = src[sp + i];
    } else {
      src.copy(dst, dp, sp, sp + litLen);
    }
    sp += litLen;
    dp += litLen;
    if (sp === send) return dp; // the last sequence has literals only
    if (sp + 2 > send) throw corruptCompressed('lz4', 'truncated match offset');
    const offset = src[sp] | (src[sp + 1] << 8);
    sp += 2;
    if (offset === 0 || dp - offset < floor) throw corruptCompressed('lz4', `bad match offset ${offset}`);
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (sp >= send) throw corruptCompressed('lz4', 'truncated match length');
        b = src[sp++];
        matchLen += b;
      } while (b === 255);
    }
    matchLen += 4;
    if (dp + matchLen > limit) throw overflow();
    let m = dp - offset;
    if (offset >= matchLen) {
      dst.copyWithin(dp, m, m + matchLen);
      dp += matchLen;
    } else {
      // Overlapping match: repeats the last `offset` bytes, byte by byte.
      const stop = dp + matchLen;
      while (dp < stop) dst[dp++] = dst[m++];
    }
  }
}
