/**
 * Zstandard for record batches through zstd-napi (the native libzstd).
 *
 * Decompression guards the size: when every frame declares its content size
 * (libzstd's one-shot encoder always does) the total is checked against the
 * limit and decoded in one call into an exactly sized buffer; otherwise the
 * streaming decoder fills buffers that never add up to more than the limit.
 */
import type * as ZstdModule from 'zstd-napi';
import type * as ZstdBinding from 'zstd-napi/binding';
import { corruptCompressed, lazyModule, tooLarge, wrapDecodeError } from './common';

interface Zstd {
  api: typeof ZstdModule;
  binding: typeof ZstdBinding;
  dctx: ZstdBinding.DCtx;
}

const zstd = lazyModule<Zstd>('zstd', () => {
  const binding = require('zstd-napi/binding') as typeof ZstdBinding;
  const api = require('zstd-napi') as typeof ZstdModule;
  return { api, binding, dctx: new binding.DCtx() };
});

const STREAM_CHUNK = 256 * 1024;

export function zstdCompress(data: Uint8Array, level?: number): Buffer {
  return zstd().api.compress(data, level === undefined ? {} : { compressionLevel: level });
}

/** Total declared content size of all frames in `input`, or -1 if a frame does not declare it. */
function declaredSize(binding: typeof ZstdBinding, input: Buffer): number {
  let total = 0;
  let frame = input;
  while (frame.length > 0) {
    const n = binding.getFrameContentSize(frame);
    if (n === null) return -1;
    total += n;
    const used = binding.findFrameCompressedSize(frame);
    if (!(used > 0) || used > frame.length) throw corruptCompressed('zstd', 'bad frame size');
    frame = frame.subarray(used);
  }
  return total;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function zstdDecompress(data: Uint8Array, maxBytes: number): Buffer {
  const input = toBuffer(data);
  const { binding, dctx } = zstd();
  if (input.length === 0) throw corruptCompressed('zstd', 'empty input');
  try {
    const size = declaredSize(binding, input);
    if (size > maxBytes) throw tooLarge('zstd', maxBytes, `frames declare ${size} bytes`);
    if (size >= 0) {
      const out = Buffer.allocUnsafe(size);
      const n = dctx.decompress(out, input);
      if (n !== size) throw corruptCompressed('zstd', `frames declared ${size} bytes but decoded to ${n}`);
      return out;
    }
    return streamBounded(dctx, input, maxBytes);
  } catch (e) {
    // A failed call can leave the shared context mid-frame.
    dctx.reset(binding.ResetDirective.sessionOnly);
    throw wrapDecodeError('zstd', e);
  }
}

function streamBounded(dctx: ZstdBinding.DCtx, input: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let src = input;
  for (;;) {
    // One byte more than the limit allows tells "exactly at the limit" from "over it".
    const room = Math.min(STREAM_CHUNK, maxBytes - total + 1);
    const dst = Buffer.allocUnsafe(room);
    const [ret, produced, consumed] = dctx.decompressStream(dst, src);
    total += produced;
    if (total > maxBytes) throw tooLarge('zstd', maxBytes);
    if (produced > 0) parts.push(dst.subarray(0, produced));
    src = src.subarray(consumed);
    if (ret === 0 && src.length === 0) break;
    if (produced === 0 && consumed === 0) throw corruptCompressed('zstd', 'truncated frame');
    if (src.length === 0 && produced < room) throw corruptCompressed('zstd', 'truncated frame');
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
}
